//! What the request page shows about the upstream image.

use serde::{Deserialize, Serialize};

/// The image as its registry describes it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFacts {
    /// The manifest (or index) digest the reference resolves to.
    pub digest: String,
    /// `linux/amd64`, `linux/arm64`, …; one entry for a single-platform image.
    pub platforms: Vec<String>,
    /// The image config's `created`, when set.
    pub created: Option<String>,
    /// Config and layers of the first platform, in bytes.
    pub size: u64,
    /// The image config's labels, sorted by name.
    pub labels: Vec<(String, String)>,
    /// The value of the contact label (`no.uio.contact`), if present.
    pub contact: Option<String>,
    /// The value of the team label, if present.
    pub team: Option<String>,
}

/// The upstream panel: facts (or why there are none), the repository's tags, and which of them
/// a tag rule matches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpstreamView {
    pub reference: String,
    pub contact_label: String,
    pub team_label: String,
    pub facts: Result<ImageFacts, String>,
    /// All tags (at most a few thousand), or why they could not be read.
    pub tags: Result<Vec<String>, String>,
    /// The rule previewed (`exact`/`regex`/`semver` and its text), and the tags it matches.
    pub preview: Option<TagPreview>,
}

/// Which upstream tags a rule matches today.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPreview {
    pub mode: String,
    pub pattern: String,
    /// The matching tags, or why the rule does not read.
    pub matched: Result<Vec<String>, String>,
}
