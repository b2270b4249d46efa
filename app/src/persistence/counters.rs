//! The change counters other processes bump: one read tells a replica whether its caches of the
//! allowlist and of API tokens still stand.

use super::{Db, DbError};

/// The counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Grows with every approval, revocation and renewal of an allowlist entry.
    pub allowlist_revision: i64,
    /// Grows with every API token revocation.
    pub token_revocations: i64,
}

/// Reads both counters in one query.
///
/// # Errors
/// The database fails.
pub async fn read(db: &Db) -> Result<Counters, DbError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT name, last_value FROM id_sequence \
         WHERE name IN ('allowlist_revision', 'api_token_revocation')",
    )
    .fetch_all(db.pool())
    .await?;
    let mut counters = Counters::default();
    for (name, value) in rows {
        match name.as_str() {
            "allowlist_revision" => counters.allowlist_revision = value,
            "api_token_revocation" => counters.token_revocations = value,
            _ => {}
        }
    }
    Ok(counters)
}
