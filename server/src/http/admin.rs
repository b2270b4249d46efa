//! Downloads for admins: the audit trail as CSV or JSON.

use super::api_v1::ApiError;
use app::auth::session;
use app::domain::Role;
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

/// Reads the whole trail (oldest first) in batches; only about `subject` when given.
async fn all_rows(
    state: &AppState,
    subject: Option<&str>,
) -> Result<Vec<app::audit::AuditRecord>, AppError> {
    let mut rows = Vec::new();
    let mut after = 0;
    loop {
        let batch = app::persistence::audit::after(&state.db, after, 5000).await?;
        let Some(last) = batch.last() else {
            return Ok(rows);
        };
        after = last.id;
        rows.extend(
            batch
                .into_iter()
                .filter(|r| subject.is_none_or(|s| r.subject == s)),
        );
    }
}

async fn admin(state: &AppState, session: &Session) -> Result<(), ApiError> {
    let user = session::signed_in_user(session, state.settings.session_absolute)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !user.has_role(Role::Admin) {
        return Err(AppError::Forbidden.into());
    }
    Ok(())
}

/// `GET /admin/audit.csv[?subject=…]`: the trail as CSV, oldest first. Who: admins.
pub async fn audit_csv(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    admin(&state, &session).await?;
    let rows = all_rows(&state, query.subject.as_deref().filter(|s| !s.is_empty())).await?;
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
    admin(&state, &session).await?;
    let rows = all_rows(&state, query.subject.as_deref().filter(|s| !s.is_empty())).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"portcullis-audit.json\"",
        )],
        axum::Json(rows),
    )
        .into_response())
}
