//! The machine API under `/api/v1/`.

use app::auth::session;
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tower_sessions::Session;

/// An `AppError` as a JSON API answer: its status and `{"error": message}`. The API has no
/// forms, so input that fails validation is a 400, with each field's message as well.
pub struct ApiError(AppError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            other => {
                StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let body = match &self.0 {
            AppError::Invalid(fields) => serde_json::json!({
                "error": fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" "),
                "fields": fields.iter().map(|f| serde_json::json!({"field": f.field, "message": f.message})).collect::<Vec<_>>(),
            }),
            other => serde_json::json!({ "error": other.to_string() }),
        };
        (status, Json(body)).into_response()
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

#[derive(Debug, Deserialize)]
pub struct EquivalentsQuery {
    image: Option<String>,
}

/// `GET /api/v1/catalog/equivalents?image=REF`: Red Hat catalog equivalents, best first.
/// Who: signed-in users (session cookie). Answers 400 naming the problem for a missing or bad
/// reference, 401 without a session.
pub async fn catalog_equivalents(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<EquivalentsQuery>,
) -> Result<Response, ApiError> {
    session::signed_in_user(&session, state.settings.session_absolute)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let image = query
        .image
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| {
            AppError::BadRequest("add ?image=REFERENCE, e.g. ?image=postgres:16".into())
        })?;
    let answer = app::catalog::service::equivalents(&state, &image).await?;
    Ok(Json(answer).into_response())
}
