//! Probes for the platform.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// `GET /healthz`: the process is alive. Who: anyone. Always 200.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the process can serve requests (the database answers). Who: anyone.
/// 200 when ready, 503 when the database does not answer. The body also says which catalog
/// mirror this process searches (the catalog being down does not make it unready: requests are
/// then marked "catalog not checked").
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mirror = state.catalog.current();
    let catalog = json!({
        "generation": mirror.generation,
        "repositories": mirror.index.len(),
        "synced_at": mirror.synced_at,
    });
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "catalog": catalog })),
        ),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database not reachable" })),
            )
        }
    }
}
