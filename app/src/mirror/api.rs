//! Server functions for the mirror pages.

use super::model::{Drift, MirrorHealth};
use crate::error::AppError;
use leptos::prelude::*;

/// The open drift findings (tags in the mirror that no active entry allows), oldest first, and
/// how the verification job last went. Who: reviewers and admins. Errors: `Unauthenticated`,
/// `Forbidden`.
#[server(endpoint = "mirror_drift")]
pub async fn mirror_drift() -> Result<(MirrorHealth, Vec<Drift>), AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    super::service::drift(&state, &user).await
}
