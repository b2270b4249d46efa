//! The audit chain: appending rows, sealing them, and verifying the chain. Server only. Nothing
//! here needs the application state, so the state can hold an [`AuditTrail`].
//!
//! Each row's `hash` covers the JSON array `[prev_hash, id, at, actor_id, actor_name,
//! client_addr, action, subject, before, after]`: its SHA-256 in hex, or, with a key
//! (`PORTCULLIS_AUDIT_KEY_FILE`), `hmac-sha256:` and its HMAC-SHA-256 in hex, which nobody can
//! recompute without the key. The first row's `prev_hash` is 64 zeros. Row ids come from a
//! locked sequence row, so concurrent appends on PostgreSQL are serialised, each one chains to
//! the row before it, and ids run 1, 2, 3, … with no gaps: the id of the newest row is the
//! number of rows.
//!
//! After each append commits, the chain head (row count and hash) is written as a JSON log line
//! (`target: "audit_head"`). The logs leave the machine for the central log store, so someone
//! who can write to the database cannot take back a head once logged: `portcullis audit verify
//! --head COUNT:HASH` finds removed newest rows and recomputed chains.

use super::model::AuditRecord;
use super::store;
use crate::persistence::{self, Db, DbError};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::sync::Arc;

/// What a keyed row's hash starts with.
pub const KEYED_PREFIX: &str = "hmac-sha256:";

/// The key that makes the chain an HMAC. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct AuditKey(Arc<[u8]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

/// The fewest bytes a key file must hold.
pub const KEY_MIN_BYTES: usize = 32;

impl AuditKey {
    /// The key in `bytes`.
    ///
    /// # Errors
    /// Fewer than [`KEY_MIN_BYTES`] bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, String> {
        if bytes.len() < KEY_MIN_BYTES {
            return Err(format!(
                "the key holds {} bytes; use at least {KEY_MIN_BYTES} random bytes, e.g. \
                 `head -c 32 /dev/urandom > FILE`",
                bytes.len()
            ));
        }
        Ok(Self(bytes.into()))
    }

    /// The key in the file at `path` (its bytes as they are).
    ///
    /// # Errors
    /// The file cannot be read or is too short.
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::new(&bytes)
    }
}

/// How this process chains audit rows: plain SHA-256, or HMAC with an [`AuditKey`]. Cheap to
/// clone; every server process and command of one installation uses the same key.
#[derive(Clone, Debug, Default)]
pub struct AuditTrail {
    key: Option<AuditKey>,
}

/// The newest row of the chain: how many rows there are and the newest hash.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "announce the head once the transaction has committed"]
pub struct AuditHead {
    pub count: i64,
    pub hash: String,
}

impl AuditHead {
    /// Writes the head as a JSON log line (`target: "audit_head"`). Call after the commit.
    pub fn announce(&self) {
        tracing::info!(target: "audit_head", count = self.count, hash = %self.hash, "audit chain head");
    }

    /// Every head in `log`: JSON log lines as the server writes them (other lines are skipped).
    pub fn from_log(log: &str) -> Vec<Self> {
        log.lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|line| line["target"] == "audit_head")
            .filter_map(|line| {
                Some(Self {
                    count: line["count"].as_i64()?,
                    hash: line["hash"].as_str()?.to_owned(),
                })
            })
            .collect()
    }

    /// Reads `COUNT:HASH` as `announce` logged it.
    ///
    /// # Errors
    /// What is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (count, hash) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| format!("{text:?} is not COUNT:HASH"))?;
        let count = count
            .parse::<i64>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| format!("{count:?} is not a row count"))?;
        if hash.is_empty() {
            return Err("the head has no hash".into());
        }
        Ok(Self {
            count,
            hash: hash.to_owned(),
        })
    }
}

/// What a successful verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub rows: u64,
    /// Of them, the rows sealed with the key.
    pub keyed: u64,
}

impl AuditTrail {
    /// A trail sealed with `key`, or plain SHA-256 without one.
    pub fn new(key: Option<AuditKey>) -> Self {
        Self { key }
    }

    /// Whether rows are sealed with a key.
    pub fn is_keyed(&self) -> bool {
        self.key.is_some()
    }

    /// The hash a new row gets.
    fn seal(&self, record: &AuditRecord) -> String {
        match &self.key {
            Some(key) => format!("{KEYED_PREFIX}{}", row_mac(key, record)),
            None => row_hash(record),
        }
    }

    /// Appends one row inside the caller's transaction (so it commits or rolls back with the
    /// change it records) and returns the new head, to [`AuditHead::announce`] after the
    /// commit.
    ///
    /// # Errors
    /// The database fails.
    pub async fn append(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        event: AuditEvent<'_>,
        at: &str,
    ) -> Result<AuditHead, DbError> {
        // Taking the id locks the sequence row until commit: the last hash read next is final.
        let id = persistence::next_id(conn, "audit_log").await?;
        let (last_id, prev_hash) = store::last(conn)
            .await?
            .unwrap_or_else(|| (0, GENESIS.to_owned()));
        if last_id != id - 1 {
            // Rows were removed (or the sequence reset) behind the portal's back. Appending
            // would seal a new chain over the gap; refuse, loudly, until an operator looks.
            tracing::error!(target: "security", last_row = last_id, next_id = id,
                "the audit trail does not end where its sequence says: rows were removed or the \
                 sequence was changed; nothing is appended until an operator repairs it");
            return Err(DbError::Corrupt(format!(
                "audit_log ends at row {last_id} but the next id is {id}"
            )));
        }
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
        record.hash = self.seal(&record);
        store::insert(conn, &record).await?;
        Ok(AuditHead {
            count: id,
            hash: record.hash,
        })
    }

    /// Reads the whole trail in order and checks every link, and against `heads` (heads logged
    /// earlier, as many as are at hand: each must name a row that exists with that hash, and no
    /// two may name one row with different hashes).
    ///
    /// With a key: keyed rows are checked with it; plain rows may only come before the first
    /// keyed one (a trail that gained its key later), and the newest row must be keyed.
    /// Without a key: keyed rows cannot be checked, which is an error.
    ///
    /// # Errors
    /// [`ChainError`] naming the first bad row.
    pub async fn verify(&self, db: &Db, heads: &[AuditHead]) -> Result<Verified, ChainError> {
        let mut previous_hash = GENESIS.to_owned();
        let mut previous_id = 0;
        let mut keyed = 0;
        // The logged heads by row: two different hashes logged for one row are a fork.
        let mut logged: std::collections::BTreeMap<i64, &str> = std::collections::BTreeMap::new();
        for head in heads {
            match logged.insert(head.count, &head.hash) {
                Some(other) if other != head.hash => {
                    return Err(ChainError::Forked { id: head.count })
                }
                _ => {}
            }
        }
        loop {
            let batch = store::after(db.pool(), previous_id, 1000).await?;
            if batch.is_empty() {
                break;
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
                let is_keyed = record.hash.starts_with(KEYED_PREFIX);
                match (&self.key, is_keyed) {
                    (Some(key), true) => {
                        if format!("{KEYED_PREFIX}{}", row_mac(key, &record)) != record.hash {
                            return Err(ChainError::Altered { id: record.id });
                        }
                        keyed += 1;
                    }
                    (None, true) => return Err(ChainError::KeyNeeded { id: record.id }),
                    (_, false) => {
                        if keyed > 0 {
                            return Err(ChainError::Downgraded { id: record.id });
                        }
                        if row_hash(&record) != record.hash {
                            return Err(ChainError::Altered { id: record.id });
                        }
                    }
                }
                if logged
                    .get(&record.id)
                    .is_some_and(|hash| *hash != record.hash)
                {
                    return Err(ChainError::Rewritten { id: record.id });
                }
                previous_hash = record.hash;
                previous_id = record.id;
            }
        }
        if self.key.is_some() && previous_id > 0 && keyed == 0 {
            return Err(ChainError::NotKeyed { id: previous_id });
        }
        if let Some((&newest, _)) = logged.last_key_value() {
            if newest > previous_id {
                return Err(ChainError::Truncated {
                    rows: previous_id,
                    logged: newest,
                });
            }
        }
        Ok(Verified {
            rows: previous_id as u64,
            keyed,
        })
    }
}

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
            id: crate::requests::store::SYSTEM_USER.to_owned(),
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

/// What a row's hash covers: its content and the previous row's hash, as a JSON array.
fn sealed_content(record: &AuditRecord) -> String {
    serde_json::json!([
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
    ])
    .to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The plain hash of a row given its content and the previous row's hash.
pub fn row_hash(record: &AuditRecord) -> String {
    hex(&Sha256::digest(sealed_content(record).as_bytes()))
}

/// The keyed hash (HMAC-SHA-256, hex) of a row.
fn row_mac(key: &AuditKey, record: &AuditRecord) -> String {
    // HMAC takes keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC accepts any key");
    mac.update(sealed_content(record).as_bytes());
    hex(&mac.finalize().into_bytes())
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
    #[error(
        "audit row {id} is not keyed although rows before it are: it was rewritten without the key"
    )]
    Downgraded { id: i64 },
    #[error(
        "the newest audit row ({id}) is not keyed: the trail was rewritten without the key, or \
         the server runs without PORTCULLIS_AUDIT_KEY_FILE"
    )]
    NotKeyed { id: i64 },
    #[error(
        "audit row {id} is sealed with a key: set PORTCULLIS_AUDIT_KEY_FILE to the server's key \
         file to check it"
    )]
    KeyNeeded { id: i64 },
    #[error(
        "the trail ends at row {rows}, but the logged head names row {logged}: newer rows were \
         removed"
    )]
    Truncated { rows: i64, logged: i64 },
    #[error(
        "audit row {id} does not have the hash the logged head names: the trail was rewritten \
         and its hashes recomputed"
    )]
    Rewritten { id: i64 },
    #[error(
        "the logged heads name two different hashes for audit row {id}: the trail was cut back \
         and written again"
    )]
    Forked { id: i64 },
    #[error(transparent)]
    Database(#[from] DbError),
}
