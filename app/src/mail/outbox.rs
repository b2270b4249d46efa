//! Queuing mail in the caller's transaction. Sending is the server's worker (`server/src/mailer.rs`).

use super::messages::Mail;
use super::store;
use crate::persistence::{self, DbError};
use sqlx::AnyConnection;

/// Queues `mail` inside the caller's transaction: it is sent only if the change commits. A mail
/// whose `dedupe_key` was queued before is dropped (returns false).
///
/// # Errors
/// The database fails.
pub async fn queue(conn: &mut AnyConnection, mail: &Mail, now: &str) -> Result<bool, DbError> {
    if mail.recipients.is_empty() {
        return Ok(false);
    }
    if let Some(key) = &mail.dedupe_key {
        if store::has_key(&mut *conn, key).await? {
            return Ok(false);
        }
    }
    let id = persistence::next_id(conn, "mail_outbox").await?;
    store::insert(conn, id, mail, now).await?;
    Ok(true)
}
