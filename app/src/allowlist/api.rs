//! Server functions for an approval's allowlist entry: revoke and renew. Each finds the signed-in
//! user and calls [`super::entry_actions`].

use crate::error::AppError;
use leptos::prelude::*;

/// Revokes allowlist entry `entry` (last seen at `version`), saying why in `reason`.
/// Who: reviewers. Errors: `Unauthenticated`, `Forbidden`, `NotAllowed`, `NotFound`, `Conflict`, `Invalid`
/// (field `reason`).
#[server(endpoint = "revoke_approval")]
pub async fn revoke_approval(
    request: i64,
    entry: i64,
    version: i64,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    use crate::allowlist::entry_actions::EntryAction;
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    crate::allowlist::entry_actions::act_on_entry(
        &state,
        &user,
        &actor,
        entry,
        version,
        EntryAction::Revoke { reason },
    )
    .await?;
    leptos_axum::redirect(&format!("/requests/{request}"));
    Ok(())
}

/// Moves the last day of allowlist entry `entry` (last seen at `version`) to `expires_on`.
/// Who: reviewers. Errors: `Unauthenticated`, `Forbidden`, `NotAllowed`, `NotFound`, `Conflict`, `Invalid`
/// (field `expires_on`).
#[server(endpoint = "renew_approval")]
pub async fn renew_approval(
    request: i64,
    entry: i64,
    version: i64,
    #[server(default)] expires_on: String,
) -> Result<(), AppError> {
    use crate::allowlist::entry_actions::EntryAction;
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    let action = EntryAction::Renew { expires_on };
    crate::allowlist::entry_actions::act_on_entry(&state, &user, &actor, entry, version, action)
        .await?;
    leptos_axum::redirect(&format!("/requests/{request}"));
    Ok(())
}
