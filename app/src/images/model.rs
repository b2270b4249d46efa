//! What the catalog, the form's local check and the report show.

use crate::domain::RequestState;
use crate::mirror::MirrorStatus;
use serde::{Deserialize, Serialize};

/// `text` percent-encoded for a query string value (links to catalog pages and reports; the
/// browser build has no URL crate).
pub fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One approved image in the catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    pub entry_id: i64,
    pub request_id: i64,
    /// Where it comes from: `docker.io/library/nginx`.
    pub source: String,
    /// The tag rule as people read it: "tags 1.25.3, 1.25.4".
    pub tags: String,
    pub team: String,
    pub contact: String,
    /// The last day the approval holds.
    pub expires_on: String,
    pub mirror: MirrorStatus,
}

/// One page of the catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    /// The search, as typed.
    pub query: String,
    pub items: Vec<CatalogItem>,
    /// The `after` of the next page, when there is one.
    pub next_after: Option<i64>,
    /// Whether the portal verifies a mirror (else pull paths are unknown).
    pub mirror_configured: bool,
}

/// What the local registry already has for a reference typed in the request form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocalMatch {
    /// Nothing approved and nothing asked for: a new request is the way.
    Nothing,
    /// An active approval covers this repository.
    Approved {
        request_id: i64,
        /// Where to pull it from the mirror, when one is configured.
        pull_path: Option<String>,
        /// The approval's tag rule, as people read it.
        tags: String,
        /// Whether the approval covers the typed tag (or digest) too.
        covers: bool,
        /// When it was first found in the mirror.
        available_since: Option<String>,
    },
    /// An open request the person typing may see (theirs, or they are staff) asks for this
    /// repository already.
    Open {
        request_id: i64,
        state: RequestState,
        team: String,
    },
    /// Someone else's open request asks for this repository: only that it exists is said
    /// (requests are private to their requester and the security team).
    OpenElsewhere,
}

/// A team's report: their approved images, which are stale, which end soon.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamReport {
    /// Whose report: the team name or contact address it was asked for.
    pub owner: String,
    pub items: Vec<ReportItem>,
    /// `PORTCULLIS_MAX_IMAGE_AGE_DAYS`.
    pub max_age_days: u32,
}

/// One image of a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportItem {
    pub item: CatalogItem,
    /// Some mirrored tag was built longer ago than the allowed age.
    pub stale: bool,
    /// The approval ends within 30 days.
    pub ends_soon: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_search_cannot_add_parameters_to_the_links_that_carry_it() {
        assert_eq!(
            super::url_encode("a b&after=1#x/ø"),
            "a%20b%26after%3D1%23x%2F%C3%B8"
        );
    }
}
