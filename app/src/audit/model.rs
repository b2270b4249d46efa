//! An audit row as admins see it.

use serde::{Deserialize, Serialize};

/// One row of the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: i64,
    pub at: String,
    pub actor_id: String,
    pub actor_name: String,
    pub client_addr: String,
    /// `request.submit`, `request.approve`, `allowlist.revoke`, `token.create`, …
    pub action: String,
    /// `request:42`, `allowlist_entry:7`, `token:<id>`.
    pub subject: String,
    /// JSON text; `null` when nothing existed before.
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}
