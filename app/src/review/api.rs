//! Server functions for the review. Each one finds the signed-in user, calls
//! [`super::service`], and sends a browser without JavaScript back to the page it came from.

use super::model::QueuePage;
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the reviewers' queue.
/// Who: reviewers and admins. Errors: `Unauthenticated`, `Forbidden`, `Invalid` (unknown state),
/// `BadRequest` (a mangled cursor).
#[server(endpoint = "review_queue")]
pub async fn review_queue(
    #[server(default)] state: String,
    #[server(default)] team: String,
    #[server(default)] mine: bool,
    #[server(default)] unchecked: bool,
    #[server(default)] after: String,
) -> Result<QueuePage, AppError> {
    let (app, user) = crate::auth::session::require_user().await?;
    let filter = super::model::QueueFilter {
        state,
        team,
        mine,
        unchecked,
        after,
    };
    super::queue::page(&app, &user, filter).await
}

/// Claims, releases, requests changes on, rejects, withdraws or comments on request `id`, which
/// the person last saw at `version`. `action` is the action's name (`claim`, `release`,
/// `request_changes`, `reject`, `withdraw`, `comment`); `text` is the reason or comment.
/// Who: as the workflow says (reviewers, never on their own request; the requester for withdraw;
/// both for comments). Errors: `Unauthenticated`, `NotFound`, `NotAllowed`, `Conflict` (changed
/// meanwhile, or not possible in this state), `Invalid` (field `text`), `BadRequest` (unknown
/// action).
#[server(endpoint = "act_on_request")]
pub async fn act_on_request(
    id: i64,
    version: i64,
    action: String,
    #[server(default)] text: String,
) -> Result<(), AppError> {
    use super::service::ReviewAction;
    use crate::domain::ActionKind;
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    let action = match ActionKind::parse(&action) {
        Some(ActionKind::Claim) => ReviewAction::Claim,
        Some(ActionKind::Release) => ReviewAction::Release,
        Some(ActionKind::RequestChanges) => ReviewAction::RequestChanges { reason: text },
        Some(ActionKind::Reject) => ReviewAction::Reject { reason: text },
        Some(ActionKind::Withdraw) => ReviewAction::Withdraw,
        Some(ActionKind::Comment) => ReviewAction::Comment { body: text },
        _ => {
            return Err(AppError::BadRequest(format!(
                "unknown action {action:?}; approve and resubmit have their own forms"
            )))
        }
    };
    let id = crate::domain::RequestId(id);
    let kind = action.kind();
    super::service::act(&state, &user, &actor, id, version, action)
        .await
        // The page shows the refusal at the form that posted (three share the field `text`).
        .map_err(|error| match error {
            AppError::Invalid(mut errors) => {
                errors.keep("action", kind.as_str());
                AppError::Invalid(errors)
            }
            other => other,
        })?;
    leptos_axum::redirect(&format!("/requests/{id}"));
    Ok(())
}

/// Approves request `id` (last seen at `version`) with a scope: `tag_mode` `exact` (with
/// `tags`), `regex` or `semver` (the pattern in `tags`), optional `digests`, `architectures`
/// and the last day `expires_on` (`YYYY-MM-DD`).
/// Who: reviewers, never on their own request. Errors: `Unauthenticated`, `NotFound`,
/// `NotAllowed`, `Conflict`, `Invalid` (per field).
#[server(endpoint = "approve_request")]
pub async fn approve_request(
    id: i64,
    version: i64,
    tag_mode: String,
    #[server(default)] tags: String,
    #[server(default)] digests: String,
    #[server(default)] architectures: String,
    #[server(default)] expires_on: String,
) -> Result<(), AppError> {
    use crate::domain::ApprovalForm;
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    let form = ApprovalForm {
        tag_mode,
        tags,
        digests,
        architectures,
        expires_on,
    };
    let id = crate::domain::RequestId(id);
    let action = super::service::ReviewAction::Approve(form);
    super::service::act(&state, &user, &actor, id, version, action).await?;
    leptos_axum::redirect(&format!("/requests/{id}"));
    Ok(())
}
