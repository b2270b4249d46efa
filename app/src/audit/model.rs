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

/// One CSV cell that a spreadsheet shows as the text it is: always quoted (RFC 4180), so no
/// separator inside it (a comma, or the semicolon spreadsheets in Norwegian use) starts a new
/// cell; and a cell starting with `=`, `+`, `-`, `@`, tab or carriage return (which
/// spreadsheets read as a formula) gets a leading `'`.
pub fn csv_cell(field: &str) -> String {
    let neutralised = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    format!("\"{}\"", neutralised.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::{csv_cell, AuditRecord};
    use proptest::prelude::*;

    #[test]
    fn formulas_are_neutralised_and_every_cell_is_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
        assert_eq!(csv_cell("-1"), "\"'-1\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("\t=1"), "\"'\t=1\"");
        assert_eq!(csv_cell("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_cell("Eve;=1+1"), "\"Eve;=1+1\"");
        assert_eq!(csv_cell("plain"), "\"plain\"");
    }

    proptest! {
        /// Whatever the cells hold, a CSV reader gets back exactly the rows and cells, with a
        /// formula's leading character behind a `'`.
        #[test]
        fn csv_parses_back_to_the_same_cells_neutralised(
            rows in proptest::collection::vec(
                (any::<String>(), any::<String>(), any::<String>(), any::<String>()),
                1..5,
            )
        ) {
            let records: Vec<AuditRecord> = rows
                .iter()
                .enumerate()
                .map(|(i, (name, address, subject, after))| AuditRecord {
                    id: i as i64 + 1,
                    at: "2026-12-02T10:00:00.000000Z".into(),
                    actor_id: "oidc:x".into(),
                    actor_name: name.clone(),
                    client_addr: address.clone(),
                    action: "request.submit".into(),
                    subject: subject.clone(),
                    before: "null".into(),
                    after: after.clone(),
                    prev_hash: "0".repeat(64),
                    hash: "1".repeat(64),
                })
                .collect();
            let mut text = String::from(AuditRecord::CSV_HEADER);
            for record in &records {
                text.push_str(&record.csv_line());
            }
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let parsed: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            prop_assert_eq!(parsed.len(), records.len());
            let neutral = |s: &str| {
                if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    format!("'{s}")
                } else {
                    s.to_owned()
                }
            };
            for (row, record) in parsed.iter().zip(&records) {
                prop_assert_eq!(row.len(), 11);
                let cells: Vec<&str> = row.iter().collect();
                let expected = [
                    neutral(&record.actor_name),
                    neutral(&record.client_addr),
                    neutral(&record.subject),
                    neutral(&record.after),
                ];
                prop_assert_eq!(
                    [cells[3], cells[4], cells[6], cells[8]],
                    [
                        expected[0].as_str(),
                        expected[1].as_str(),
                        expected[2].as_str(),
                        expected[3].as_str(),
                    ]
                );
            }
        }
    }
}
