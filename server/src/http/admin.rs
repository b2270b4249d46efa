//! Downloads for admins: the audit trail as CSV or JSON.

use super::extract::AdminUser;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    subject: Option<String>,
}

/// The trail (or the part about `subject`) for `admin`.
async fn rows(
    state: &AppState,
    AdminUser(admin): &AdminUser,
    query: &ExportQuery,
) -> Result<Vec<app::audit::AuditRecord>, AppError> {
    app::audit::service::export(state, admin, query.subject.as_deref().unwrap_or("")).await
}

/// `GET /admin/audit.csv[?subject=…]`: the trail as CSV, oldest first. Who: admins.
pub async fn audit_csv(
    State(state): State<AppState>,
    admin: AdminUser,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &admin, &query).await?;
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
    admin: AdminUser,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let rows = rows(&state, &admin, &query).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"portcullis-audit.json\"",
        )],
        axum::Json(rows),
    )
        .into_response())
}
