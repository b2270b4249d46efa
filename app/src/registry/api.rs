//! The server function behind the upstream panel.

use crate::error::AppError;
use leptos::prelude::*;

/// Facts about request `id`'s upstream image (digest, platforms, created, size, labels), its
/// tags, and which tags the rule `mode` / `pattern` matches (when given).
/// Who: anyone who may see the request. Errors: `Unauthenticated`, `NotFound`. A registry that
/// cannot be reached is part of the answer, not an error.
#[server(endpoint = "upstream_facts")]
pub async fn upstream_facts(
    id: i64,
    #[server(default)] mode: String,
    #[server(default)] pattern: String,
) -> Result<crate::registry::UpstreamView, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    let preview = (!pattern.trim().is_empty()).then_some((mode, pattern));
    crate::registry::service::upstream(&state, &user, crate::domain::RequestId(id), preview).await
}
