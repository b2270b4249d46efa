//! Server functions for the catalog check.

use super::model::Equivalents;
use crate::error::AppError;
use leptos::prelude::*;

/// Red Hat catalog equivalents of `image`, best first.
/// Who: any signed-in user. Errors: `Unauthenticated`; `Invalid` (field `image`) for a reference
/// that does not parse.
#[server(endpoint = "find_equivalents")]
pub async fn find_equivalents(image: String) -> Result<Equivalents, AppError> {
    let (state, _user) = crate::auth::session::require_user().await?;
    super::service::equivalents(&state, &image).await
}
