//! The mirror as the portal sees it: where approved images live in it, what it holds of an
//! entry, and what it holds that nobody approved (drift). Shared by server and pages.

use serde::{Deserialize, Serialize};

/// The organisation's mirror registry (`PORTCULLIS_MIRROR_REGISTRY`) and how the mirror job
/// lays repositories out in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorTarget {
    /// `registry.example.org` or `registry.local:5000`.
    pub host: String,
    /// A path prefix inside the registry (`mirror`), or none.
    pub prefix: Option<String>,
    /// `skopeo sync --scoped` layout (`{mirror}/{registry}/{repository}`); otherwise
    /// `{mirror}/{repository}`, as regsync writes it.
    pub scoped: bool,
}

impl MirrorTarget {
    /// Reads `host[:port][/prefix]`.
    ///
    /// # Errors
    /// What is wrong with it, with an example.
    pub fn parse(text: &str, scoped: bool) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('/');
        crate::domain::image_reference::validate_registry_target(text).map_err(|e| {
            format!(
                "{text:?} is not a registry host with an optional port and path, e.g. \
                 registry.example.org or registry.local:5000/mirror: {e}"
            )
        })?;
        let (host, prefix) = match text.split_once('/') {
            Some((host, prefix)) => (host, Some(prefix.to_owned())),
            None => (text, None),
        };
        Ok(Self {
            host: host.to_owned(),
            prefix,
            scoped,
        })
    }

    /// The repository's path inside the mirror registry for an entry of `registry` /
    /// `repository`.
    pub fn repository_for(&self, registry: &str, repository: &str) -> String {
        let mut path = String::new();
        if let Some(prefix) = &self.prefix {
            path.push_str(prefix);
            path.push('/');
        }
        if self.scoped {
            path.push_str(registry);
            path.push('/');
        }
        path.push_str(repository);
        path
    }

    /// Where people pull the entry's images from: `{host}/{path}` (add `:tag`).
    pub fn pull_path(&self, registry: &str, repository: &str) -> String {
        format!(
            "{}/{}",
            self.host,
            self.repository_for(registry, repository)
        )
    }
}

/// `{path}:{tag}`, or `{path}@{digest}` for a pinned digest: how one pulls `reference` from
/// `path`.
pub fn pull_reference(path: &str, reference: &str) -> String {
    let separator = if reference.starts_with("sha256:") {
        '@'
    } else {
        ':'
    };
    format!("{path}{separator}{reference}")
}

/// One allowed tag (or pinned digest) the mirror holds for an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirroredImage {
    /// The tag, or the pinned `sha256:…` digest.
    pub reference: String,
    /// What the mirror serves for it.
    pub digest: String,
    /// What upstream serves for it now; `None` when upstream could not be read.
    pub upstream_digest: Option<String>,
    /// When the image was built, as its config says (RFC 3339).
    pub created: Option<String>,
    /// When the job first found it in the mirror.
    pub first_seen: String,
    /// Built more than the allowed age ago (`PORTCULLIS_MAX_IMAGE_AGE_DAYS`).
    pub stale: bool,
}

impl MirroredImage {
    /// The mirror holds what upstream serves (unknown when upstream could not be read).
    pub fn matches_upstream(&self) -> Option<bool> {
        self.upstream_digest.as_ref().map(|u| *u == self.digest)
    }
}

/// What the mirror holds of one allowlist entry, for its panel, the catalog and the API.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorStatus {
    /// `{mirror}/{path}`; `None` when no mirror is configured.
    pub pull_path: Option<String>,
    /// When any allowed tag was first seen there; `None`: not mirrored yet.
    pub available_since: Option<String>,
    /// When the job last looked; `None`: never.
    pub checked_at: Option<String>,
    pub images: Vec<MirroredImage>,
}

impl MirrorStatus {
    /// Whether any of the entry's images is older than the allowed age.
    pub fn has_stale(&self) -> bool {
        self.images.iter().any(|i| i.stale)
    }
}

/// A tag in the mirror that no active entry allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    pub id: i64,
    /// The repository's path inside the mirror registry.
    pub repository: String,
    pub tag: String,
    pub digest: Option<String>,
    /// The latest entry that once allowed this repository, with its request and what ended it.
    pub last_entry: Option<DriftEntry>,
    pub first_seen: String,
    pub last_seen: String,
}

/// What is known of the entry a drifted repository once had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftEntry {
    pub entry_id: i64,
    pub request_id: i64,
    /// `revoked` or `expired` or `active` (the tag is outside what it allows).
    pub status: String,
    pub revoked_at: Option<String>,
    pub expires_on: String,
}

/// How the verification job stands, for the drift page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorHealth {
    /// The mirror registry, when configured.
    pub mirror: Option<String>,
    /// The last run that read the mirror.
    pub checked_at: Option<String>,
    /// Why the last attempt failed, when it did (the last known state is kept).
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_follow_the_sync_tools() {
        let plain = MirrorTarget::parse("registry.local:5000/mirror/", false).unwrap();
        assert_eq!(plain.host, "registry.local:5000");
        assert_eq!(
            plain.pull_path("quay.io", "team/app"),
            "registry.local:5000/mirror/team/app"
        );
        let scoped = MirrorTarget::parse("registry.local:5000", true).unwrap();
        assert_eq!(
            scoped.pull_path("docker.io", "library/nginx"),
            "registry.local:5000/docker.io/library/nginx"
        );
        assert!(MirrorTarget::parse("https://registry.local", false).is_err());
        assert!(MirrorTarget::parse("registry.local/Upper", false).is_err());
    }
}
