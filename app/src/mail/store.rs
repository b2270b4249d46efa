//! The `mail_outbox` table.

use crate::mail::messages::Mail;
use crate::persistence::{Conn, Db, DbError};
use sqlx::AnyConnection;

/// A queued message, leased for sending.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueuedMail {
    pub mail_id: i64,
    pub recipients: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i64,
}

impl QueuedMail {
    /// The recipients' addresses.
    pub fn recipient_list(&self) -> Vec<String> {
        serde_json::from_str(&self.recipients).unwrap_or_default()
    }
}

/// Whether a message with this dedupe key was ever queued.
///
/// # Errors
/// The database fails.
pub async fn has_key(db: impl Conn<'_>, key: &str) -> Result<bool, DbError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT mail_id FROM mail_outbox WHERE dedupe_key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}

/// Inserts a message, due now.
///
/// # Errors
/// The database fails.
pub async fn insert(
    conn: &mut AnyConnection,
    id: i64,
    mail: &Mail,
    now: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO mail_outbox (mail_id, created_at, recipients, subject, text_body, html_body, \
             dedupe_key, attempts, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $2)",
    )
    .bind(id)
    .bind(now)
    .bind(serde_json::to_string(&mail.recipients).unwrap_or_else(|_| "[]".into()))
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(&mail.dedupe_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The outbox as monitoring sees it: unsent mail, how much of it failed its last attempt, and
/// when the oldest unsent one was queued.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    pub failing: i64,
    /// `created_at` of the oldest unsent mail.
    pub oldest_pending: Option<String>,
}

/// Reads [`OutboxStats`].
///
/// # Errors
/// The database fails.
pub async fn outbox_stats(db: impl Conn<'_>) -> Result<OutboxStats, DbError> {
    let (pending, failing, oldest_pending): (i64, i64, Option<String>) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(last_error), MIN(created_at) FROM mail_outbox \
         WHERE sent_at IS NULL",
    )
    .fetch_one(db)
    .await?;
    Ok(OutboxStats {
        pending,
        failing,
        oldest_pending,
    })
}

/// Leases up to `limit` due, unsent messages to `worker` until `lease_until`, and returns them.
/// A message leased by one worker is not handed to another until the lease runs out, so two
/// processes on one database do not send the same message.
///
/// # Errors
/// The database fails.
pub async fn lease_due(
    db: &Db,
    worker: &str,
    now: &str,
    lease_until: &str,
    limit: i64,
) -> Result<Vec<QueuedMail>, DbError> {
    let mut tx = db.pool().begin().await?;
    let candidates: Vec<(i64,)> = sqlx::query_as(
        "SELECT mail_id FROM mail_outbox \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 \
           AND (locked_until IS NULL OR locked_until < $1) \
         ORDER BY mail_id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    let mut leased = Vec::new();
    for (id,) in candidates {
        // The condition is checked again by the UPDATE, so a row another worker leased in the
        // meantime is skipped.
        let taken = sqlx::query(
            "UPDATE mail_outbox SET locked_until = $1, locked_by = $2 \
             WHERE mail_id = $3 AND sent_at IS NULL AND (locked_until IS NULL OR locked_until < $4)",
        )
        .bind(lease_until)
        .bind(worker)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if taken.rows_affected() == 1 {
            leased.push(id);
        }
    }
    tx.commit().await?;
    let mut mails = Vec::new();
    for id in leased {
        let mail: QueuedMail = sqlx::query_as(
            "SELECT mail_id, recipients, subject, text_body, html_body, attempts \
             FROM mail_outbox WHERE mail_id = $1",
        )
        .bind(id)
        .fetch_one(db.pool())
        .await?;
        mails.push(mail);
    }
    Ok(mails)
}

/// Marks a message sent (only by the worker holding its lease).
///
/// # Errors
/// The database fails.
pub async fn mark_sent(db: impl Conn<'_>, id: i64, worker: &str, now: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mail_outbox SET sent_at = $1, locked_until = NULL, attempts = attempts + 1, \
             last_error = NULL WHERE mail_id = $2 AND locked_by = $3",
    )
    .bind(now)
    .bind(id)
    .bind(worker)
    .execute(db)
    .await?;
    Ok(())
}

/// Hands back the leases `worker` holds on the unsent messages `ids`, so that any worker may
/// take them at once instead of when the lease runs out.
///
/// # Errors
/// The database fails.
pub async fn release(db: &Db, ids: &[i64], worker: &str) -> Result<(), DbError> {
    // One statement per message keeps the SQL the same on both engines; a turn holds few.
    let mut tx = db.pool().begin().await?;
    for id in ids {
        sqlx::query(
            "UPDATE mail_outbox SET locked_until = NULL \
             WHERE mail_id = $1 AND locked_by = $2 AND sent_at IS NULL",
        )
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records a failed attempt; the message is due again at `next_attempt_at`.
///
/// # Errors
/// The database fails.
pub async fn mark_failed(
    db: impl Conn<'_>,
    id: i64,
    worker: &str,
    error: &str,
    next_attempt_at: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, \
             locked_until = NULL WHERE mail_id = $3 AND locked_by = $4",
    )
    .bind(error)
    .bind(next_attempt_at)
    .bind(id)
    .bind(worker)
    .execute(db)
    .await?;
    Ok(())
}
