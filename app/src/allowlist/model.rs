//! An allowlist entry as the portal shows it.

use crate::domain::{RequestId, TagRule};
use serde::{Deserialize, Serialize};

/// What one approval allows, with its provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistEntry {
    pub id: i64,
    pub request_id: RequestId,
    /// `docker.io`
    pub registry: String,
    /// `library/nginx`
    pub repository: String,
    pub tags: TagRule,
    pub digests: Vec<String>,
    pub architectures: Vec<String>,
    /// The last day it holds (`YYYY-MM-DD`, UTC).
    pub expires_on: String,
    pub approved_by: String,
    pub approved_by_name: String,
    pub approved_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by_name: Option<String>,
    pub revoke_reason: Option<String>,
    /// Grows with every change; revoke and renew name the version they were made on.
    pub version: i64,
    /// Provenance from the request: its team, contact address and requester.
    pub team: String,
    pub contact: String,
    pub requester_name: String,
}

impl AllowlistEntry {
    /// Active on `today` (`YYYY-MM-DD`): not revoked, and not past its last day.
    pub fn is_active(&self, today: &str) -> bool {
        self.revoked_at.is_none() && self.expires_on.as_str() >= today
    }

    /// Where the entry is in its life on `today`.
    pub fn status(&self, today: &str) -> crate::domain::Lifecycle {
        crate::domain::Lifecycle::of(self.revoked_at.is_some(), self.expires_on.as_str() >= today)
    }
}
