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

/// A page of the audit trail, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRecord>,
    /// The `before` for the next (older) page, when there is one.
    pub next_before: Option<i64>,
    pub subject: String,
}

impl AuditRecord {
    /// The CSV header line of [`AuditRecord::csv_line`].
    pub const CSV_HEADER: &'static str =
        "id,at,actor_id,actor_name,client_addr,action,subject,before,after,prev_hash,hash\r\n";

    /// One CSV line (RFC 4180 quoting), ending in CRLF.
    pub fn csv_line(&self) -> String {
        let quote = |field: &str| {
            if field.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", field.replace('"', "\"\""))
            } else {
                field.to_owned()
            }
        };
        let fields = [
            self.id.to_string(),
            self.at.clone(),
            self.actor_id.clone(),
            self.actor_name.clone(),
            self.client_addr.clone(),
            self.action.clone(),
            self.subject.clone(),
            self.before.clone(),
            self.after.clone(),
            self.prev_hash.clone(),
            self.hash.clone(),
        ];
        let mut line = fields
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    }
}
