//! What admins see of the audit trail: its pages and its exports. Server only.

use super::model::AuditRecord;
use super::store;
use crate::domain::SessionUser;
use crate::error::AppError;
use crate::state::AppState;

/// Rows per page of the admin view.
pub const PAGE_SIZE: i64 = 100;

/// `subject` trimmed, `None` when empty (every subject).
fn about(subject: &str) -> Option<&str> {
    Some(subject.trim()).filter(|s| !s.is_empty())
}

/// A page of the trail for admins, newest first, optionally only about `subject`.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but admins; [`AppError::Internal`].
pub async fn page(
    state: &AppState,
    viewer: &SessionUser,
    before: Option<i64>,
    subject: &str,
) -> Result<super::AuditPage, AppError> {
    viewer.require_admin()?;
    let rows = store::newest(state.db.pool(), before, about(subject), PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let rows: Vec<AuditRecord> = rows.into_iter().take(PAGE_SIZE as usize).collect();
    Ok(super::AuditPage {
        next_before: more.then(|| rows.last().map(|r| r.id)).flatten(),
        rows,
        subject: subject.trim().to_owned(),
    })
}

/// The whole trail for an export, oldest first, optionally only about `subject` (filtered in
/// SQL).
///
/// # Errors
/// [`AppError::Forbidden`] for anyone but admins; [`AppError::Internal`].
pub async fn export(
    state: &AppState,
    viewer: &SessionUser,
    subject: &str,
) -> Result<Vec<AuditRecord>, AppError> {
    viewer.require_admin()?;
    Ok(store::oldest_first(state.db.pool(), about(subject)).await?)
}
