//! Server functions for the catalog, the form's local check and the report.

use super::model::{CatalogPage, LocalMatch, TeamReport};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the approved-images catalog matching `q`, after entry `after`.
/// Who: any signed-in user. Errors: `Unauthenticated`; `Invalid` (field `q`).
#[server(endpoint = "approved_images")]
pub async fn approved_images(
    #[server(default)] q: String,
    #[server(default)] after: Option<i64>,
) -> Result<CatalogPage, AppError> {
    let (state, _user) = crate::auth::session::require_user().await?;
    super::service::catalog(&state, &q, after).await
}

/// What the organisation's registry already has for `image` (an approval, or an open
/// request), for the request form. Who: any signed-in user. Errors: `Unauthenticated`;
/// `Invalid` (field `image`).
#[server(endpoint = "local_check")]
pub async fn local_check(image: String) -> Result<LocalMatch, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    Ok(super::service::local_check(&state, &user, &image, None)
        .await?
        .shown)
}

/// The report of `owner` (a team name or contact address; the viewer's own address when
/// empty). Who: any signed-in user. Errors: `Unauthenticated`.
#[server(endpoint = "image_report")]
pub async fn image_report(#[server(default)] owner: String) -> Result<TeamReport, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    let owner = if owner.trim().is_empty() {
        user.email
    } else {
        owner
    };
    super::service::report(&state, &owner).await
}
