//! The `audit_log` table: inserts and reads only. No code path updates or deletes its rows.

use crate::audit::AuditRecord;
use crate::persistence::{Conn, DbError};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct AuditRow {
    audit_id: i64,
    at: String,
    actor_id: String,
    actor_name: String,
    client_addr: String,
    action: String,
    subject: String,
    before: String,
    after: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            id: r.audit_id,
            at: r.at,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            client_addr: r.client_addr,
            action: r.action,
            subject: r.subject,
            before: r.before,
            after: r.after,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "audit_id, at, actor_id, actor_name, client_addr, action, subject, \
                       before, after, prev_hash, hash";

/// The id and hash of the newest row.
///
/// # Errors
/// The database fails.
pub async fn last(conn: &mut AnyConnection) -> Result<Option<(i64, String)>, DbError> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT audit_id, hash FROM audit_log ORDER BY audit_id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row)
}

/// Inserts a row.
///
/// # Errors
/// The database fails.
pub async fn insert(conn: &mut AnyConnection, r: &AuditRecord) -> Result<(), DbError> {
    sqlx::query(&format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(r.id)
    .bind(&r.at)
    .bind(&r.actor_id)
    .bind(&r.actor_name)
    .bind(&r.client_addr)
    .bind(&r.action)
    .bind(&r.subject)
    .bind(&r.before)
    .bind(&r.after)
    .bind(&r.prev_hash)
    .bind(&r.hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to `limit` rows after `after_id`, oldest first.
///
/// # Errors
/// The database fails.
pub async fn after(
    db: impl Conn<'_>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>, DbError> {
    let rows: Vec<AuditRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE audit_id > $1 ORDER BY audit_id LIMIT $2"
    ))
    .bind(after_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

/// Every row, oldest first, optionally only about `subject`.
///
/// # Errors
/// The database fails.
pub async fn oldest_first(
    db: impl Conn<'_>,
    subject: Option<&str>,
) -> Result<Vec<AuditRecord>, DbError> {
    let rows: Vec<AuditRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE ($1 IS NULL OR subject = $1) ORDER BY audit_id"
    ))
    .bind(subject)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

/// Up to `limit` rows before `before_id` (newest first), optionally only about `subject`.
///
/// # Errors
/// The database fails.
pub async fn newest(
    db: impl Conn<'_>,
    before_id: Option<i64>,
    subject: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditRecord>, DbError> {
    let rows: Vec<AuditRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM audit_log \
         WHERE ($1 IS NULL OR audit_id < $1) AND ($2 IS NULL OR subject = $2) \
         ORDER BY audit_id DESC LIMIT $3"
    ))
    .bind(before_id)
    .bind(subject)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}
