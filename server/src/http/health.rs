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

/// How long readiness waits for the database: a probe must get its answer well within its own
/// timeout (2 s in `deploy/`), and a database that takes longer is not serving anyway.
const DATABASE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /readyz`: the process can serve requests (the database answers). Who: anyone.
/// 200 when ready, 503 when the database does not answer within a second. The body also says which catalog
/// mirror this process searches (the catalog being down does not make it unready: requests are
/// then marked "catalog not checked").
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mirror = state.catalog.current();
    let catalog = json!({
        "generation": mirror.generation,
        "repositories": mirror.index.len(),
        "synced_at": mirror.synced_at,
    });
    let failure = match tokio::time::timeout(DATABASE_WAIT, state.db.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.to_string()),
        Err(_) => Some(format!(
            "the database did not answer within {} s",
            DATABASE_WAIT.as_secs()
        )),
    };
    match failure {
        None => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "catalog": catalog })),
        ),
        Some(error) => {
            tracing::warn!(%error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database not reachable" })),
            )
        }
    }
}
