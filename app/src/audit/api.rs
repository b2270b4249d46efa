//! Server functions for the audit trail.

use super::model::AuditPage;
use crate::error::AppError;
use leptos::prelude::*;

/// Rows of the audit trail, newest first, 100 at a time (`before`: the id to continue below),
/// optionally about one `subject` (`request:42`).
/// Who: admins. Errors: `Unauthenticated`, `Forbidden`.
#[server(endpoint = "audit_trail")]
pub async fn audit_trail(
    #[server(default)] before: Option<i64>,
    #[server(default)] subject: String,
) -> Result<AuditPage, AppError> {
    let (state, user) = crate::auth::session::require_user().await?;
    super::service::page(&state, &user, before, &subject).await
}
