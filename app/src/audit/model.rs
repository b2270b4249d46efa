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

    /// One CSV line (RFC 4180 quoting, every cell through [`csv_cell`]), ending in CRLF.
    pub fn csv_line(&self) -> String {
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
            .map(|f| csv_cell(f))
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    }
}

/// One CSV cell that a spreadsheet shows as the text it is: a cell starting with `=`, `+`, `-`,
/// `@`, tab or carriage return (which spreadsheets read as a formula) gets a leading `'`; cells
/// holding a comma, quote or line break are quoted (RFC 4180).
pub fn csv_cell(field: &str) -> String {
    let neutralised = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if neutralised.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutralised.replace('"', "\"\""))
    } else {
        neutralised
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formulas_are_neutralised_and_structure_is_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\t=1"), "'\t=1");
        assert_eq!(csv_cell("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_cell("Rita, Reviewer"), "\"Rita, Reviewer\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
