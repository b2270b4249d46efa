//! Server functions for requests. Each one authorises, calls [`super::service`], and returns.

use crate::domain::RequestId;
use crate::error::AppError;
use crate::requests::model::{RequestPage, RequestSummary};
use leptos::prelude::*;

/// Submits a new request for the signed-in user and sends the browser to its page.
/// Who: any signed-in user. Errors: `Unauthenticated`, `Invalid` (per field, nothing stored).
#[server(endpoint = "submit_request")]
pub async fn submit_request(
    image: String,
    team: String,
    contact: String,
    justification: String,
    #[server(default)] catalog_choice: String,
    #[server(default)] catalog_reason: String,
) -> Result<RequestId, AppError> {
    use crate::domain::RequestForm;
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    let form = RequestForm {
        image,
        team,
        contact,
        justification,
        catalog_choice,
        catalog_reason,
    };
    let id = super::service::submit(&state, &user, &actor, &form).await?;
    leptos_axum::redirect(&format!("/requests/{id}"));
    Ok(id)
}

/// The signed-in user's own requests, newest first.
/// Who: any signed-in user. Errors: `Unauthenticated`.
#[server(endpoint = "list_my_requests")]
pub async fn list_my_requests() -> Result<Vec<RequestSummary>, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    super::service::list_mine(&state.db, &user).await
}

/// One request with its timeline.
/// Who: its requester, reviewers and admins. Errors: `Unauthenticated`, `NotFound` (also for
/// requests the user may not see).
#[server(endpoint = "get_request")]
pub async fn get_request(id: i64) -> Result<RequestPage, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    super::service::page(&state, &user, RequestId(id)).await
}

/// Resubmits request `id` (last seen at `version`) after changes were requested, with the
/// edited team, contact and justification, and a `note` saying what changed.
/// Who: the requester. Errors: `Unauthenticated`, `NotFound`, `NotAllowed`, `Conflict`,
/// `Invalid` (per field).
#[server(endpoint = "resubmit_request")]
pub async fn resubmit_request(
    id: i64,
    version: i64,
    team: String,
    contact: String,
    justification: String,
    #[server(default)] note: String,
) -> Result<(), AppError> {
    use crate::review::service::{ResubmitForm, ReviewAction};
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    let form = ResubmitForm {
        team,
        contact,
        justification,
        note,
    };
    let id = crate::domain::RequestId(id);
    crate::review::service::act(
        &state,
        &user,
        &actor,
        id,
        version,
        ReviewAction::Resubmit(form),
    )
    .await?;
    leptos_axum::redirect(&format!("/requests/{id}"));
    Ok(())
}
