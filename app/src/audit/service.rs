//! What admins see of the audit trail. Server only.

use super::model::AuditRecord;
use crate::persistence::audit as store;

/// Rows per page of the admin view.
pub const PAGE_SIZE: i64 = 100;

/// A page of the trail for admins, newest first.
///
/// # Errors
/// [`crate::error::AppError::Forbidden`] for anyone but admins; `Internal`.
pub async fn page(
    state: &crate::state::AppState,
    viewer: &crate::domain::SessionUser,
    before: Option<i64>,
    subject: &str,
) -> Result<super::AuditPage, crate::error::AppError> {
    if !viewer.has_role(crate::domain::Role::Admin) {
        return Err(crate::error::AppError::Forbidden);
    }
    let subject = subject.trim();
    let rows = store::newest(
        &state.db,
        before,
        (!subject.is_empty()).then_some(subject),
        PAGE_SIZE + 1,
    )
    .await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<AuditRecord> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    Ok(super::AuditPage {
        next_before: more.then(|| rows.last().map(|r| r.id)).flatten(),
        rows,
        subject: subject.to_owned(),
    })
}
