//! Appending to the audit trail and verifying its chain. Server only.
//!
//! `hash = SHA-256(JSON array of [prev_hash, id, at, actor_id, actor_name, client_addr, action,
//! subject, before, after])`, hex. The first row's `prev_hash` is 64 zeros. Row ids come from a
//! locked sequence row, so concurrent appends on PostgreSQL are serialised and each one chains to
//! the row before it.

use super::model::AuditRecord;
use crate::persistence::{self, audit as store, Db, DbError};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acts: a person, a token, the operator's command or the portal itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub name: String,
    /// The client's address; empty for background jobs and commands.
    pub client_addr: String,
}

impl Actor {
    /// The portal's own background work.
    pub fn system() -> Self {
        Self {
            id: persistence::requests::SYSTEM_USER.to_owned(),
            name: "Portcullis".to_owned(),
            client_addr: String::new(),
        }
    }

    /// A signed-in user at `client_addr`.
    pub fn user(user: &crate::domain::SessionUser, client_addr: &str) -> Self {
        Self {
            id: user.user_id.0.clone(),
            name: user.display_name.clone(),
            client_addr: client_addr.to_owned(),
        }
    }
}

/// What to record.
#[derive(Debug)]
pub struct AuditEvent<'a> {
    pub action: &'a str,
    pub subject: String,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// The hash of a row given its content and the previous row's hash.
pub fn row_hash(record: &AuditRecord) -> String {
    let content = serde_json::json!([
        record.prev_hash,
        record.id,
        record.at,
        record.actor_id,
        record.actor_name,
        record.client_addr,
        record.action,
        record.subject,
        record.before,
        record.after,
    ]);
    Sha256::digest(content.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Appends one row inside the caller's transaction (so it commits or rolls back with the
/// change it records) and returns its id.
///
/// # Errors
/// The database fails.
pub async fn append(
    conn: &mut AnyConnection,
    actor: &Actor,
    event: AuditEvent<'_>,
    at: &str,
) -> Result<i64, DbError> {
    // Taking the id locks the sequence row until commit: the last hash read next is final.
    let id = persistence::next_id(conn, "audit_log").await?;
    let prev_hash = store::last_hash(conn)
        .await?
        .unwrap_or_else(|| GENESIS.to_owned());
    let mut record = AuditRecord {
        id,
        at: at.to_owned(),
        actor_id: actor.id.clone(),
        actor_name: actor.name.clone(),
        client_addr: actor.client_addr.clone(),
        action: event.action.to_owned(),
        subject: event.subject,
        before: event.before.to_string(),
        after: event.after.to_string(),
        prev_hash,
        hash: String::new(),
    };
    record.hash = row_hash(&record);
    store::insert(conn, &record).await?;
    Ok(id)
}

/// Why the chain does not hold.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("audit row {id} has been altered: its content no longer matches its hash")]
    Altered { id: i64 },
    #[error(
        "audit row {id} does not follow row {previous}: a row before it was removed or changed"
    )]
    Broken { id: i64, previous: i64 },
    #[error("audit row {id} should be row {expected}: rows are missing")]
    Missing { id: i64, expected: i64 },
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Reads the whole trail in order and checks every link. Returns the number of rows.
///
/// # Errors
/// [`ChainError`] naming the first bad row.
pub async fn verify(db: &Db) -> Result<u64, ChainError> {
    let mut previous_hash = GENESIS.to_owned();
    let mut previous_id = 0;
    let mut after = 0;
    let mut count = 0;
    loop {
        let batch = store::after(db, after, 1000).await?;
        if batch.is_empty() {
            return Ok(count);
        }
        for record in batch {
            if record.id != previous_id + 1 {
                return Err(ChainError::Missing {
                    id: record.id,
                    expected: previous_id + 1,
                });
            }
            if record.prev_hash != previous_hash {
                return Err(ChainError::Broken {
                    id: record.id,
                    previous: previous_id,
                });
            }
            if row_hash(&record) != record.hash {
                return Err(ChainError::Altered { id: record.id });
            }
            previous_hash = record.hash;
            previous_id = record.id;
            after = record.id;
            count += 1;
        }
    }
}

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
