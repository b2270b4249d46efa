//! Downloads for admins: the audit trail as CSV or JSON.

use super::api_v1::ApiError;
use app::auth::session;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    subject: Option<String>,
}

/// The trail (or the part about `subject`) for the signed-in admin.
async fn rows(
    state: &AppState,
    session: &Session,
    query: &ExportQuery,
) -> Result<Vec<app::audit::AuditRecord>, ApiError> {
    let user = session::signed_in_user(session, state.settings.session_absolute)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(app::audit::service::export(state, &user, query.subject.as_deref().unwrap_or("")).await?)
}

/// `GET /admin/audit.csv[?subject=…]`: the trail as CSV, oldest first. Who: admins.
pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let rows = rows(&state, &session, &query).await?;
    let mut body = String::from(app::audit::AuditRecord::CSV_HEADER);
    for row in &rows {
        body.push_str(&row.csv_line());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"portcullis-audit.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET /admin/audit.json[?subject=…]`: the trail as a JSON array, oldest first. Who: admins.
pub async fn audit_json(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let rows = rows(&state, &session, &query).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"portcullis-audit.json\"",
        )],
        axum::Json(rows),
    )
        .into_response())
}
