//! The rendered allowlists of the current version, kept for the pollers. Server only.

use super::formats::Format;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The rendered lists of the current version, reused while it stands (as `Bytes`, so each
/// answer shares the body instead of copying megabytes). One list is rendered at a time, so a
/// burst of pollers after a change costs one rendering, not one each. Lists with semver
/// entries are kept for [`SEMVER_LIST_TTL`] only: their tags come from upstream registries,
/// which gain tags without the list changing.
#[derive(Debug, Default)]
pub struct ListCache {
    rendered: Mutex<HashMap<(Format, String), Rendered>>,
    pub(super) rendering: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
pub(super) struct Rendered {
    pub(super) version: ListVersion,
    pub(super) body: Bytes,
    /// For lists with semver entries: when it stops being reused, and the upstream tags'
    /// generation it was made with (newer tags make it stale sooner).
    pub(super) semver: Option<(Instant, u64)>,
}

/// How long a list with semver entries is reused: after it, the next rendering takes the known
/// upstream tags and starts reading stale ones again ([`super::upstream_tags`]).
pub const SEMVER_LIST_TTL: Duration = Duration::from_secs(300);

/// At most this many (format, mirror) lists are kept; `?mirror=` is the caller's choice.
const KEPT_LISTS: usize = 8;

impl ListCache {
    pub(super) fn get(
        &self,
        key: &(Format, String),
        version: &ListVersion,
        tags: u64,
    ) -> Option<Bytes> {
        let rendered = self
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rendered
            .get(key)
            .filter(|r| {
                &r.version == version
                    && r.semver.is_none_or(|(until, generation)| {
                        Instant::now() < until && generation == tags
                    })
            })
            .map(|r| r.body.clone())
    }

    pub(super) fn keep(&self, key: (Format, String), rendered: Rendered) {
        let mut lists = self
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lists.retain(|_, r| r.version == rendered.version);
        if lists.len() >= KEPT_LISTS {
            lists.clear();
        }
        lists.insert(key, rendered);
    }
}

/// What identifies one state of the list: the revision (grows with every approve, revoke and
/// renew) and today's date (entries end at midnight UTC without a revision).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListVersion {
    pub revision: i64,
    pub today: String,
}

impl ListVersion {
    /// The entity tag of the list in `format`.
    pub fn etag(&self, format: Format, mirror: &str) -> String {
        let mirror: String = mirror
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '.' })
            .collect();
        format!(
            "\"{}-{}-{}-{mirror}\"",
            self.revision,
            self.today,
            format.name()
        )
    }
}
