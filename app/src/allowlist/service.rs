//! The allowlist the API serves: the active entries, their version and ETag. Server only.

use super::formats::{self, Context, Format};
use crate::domain::TagRule;
use crate::error::AppError;
use crate::persistence;
use crate::state::AppState;
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
    rendering: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Rendered {
    version: ListVersion,
    body: Bytes,
    /// When it stops being reused, for lists with semver entries.
    until: Option<Instant>,
}

/// How long a list with semver entries is reused: tags pushed upstream meanwhile appear
/// within this time, and upstream registries are asked at most this often.
pub const SEMVER_LIST_TTL: Duration = Duration::from_secs(300);

/// At most this many (format, mirror) lists are kept; `?mirror=` is the caller's choice.
const KEPT_LISTS: usize = 8;

impl ListCache {
    fn get(&self, key: &(Format, String), version: &ListVersion) -> Option<Bytes> {
        let rendered = self
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rendered
            .get(key)
            .filter(|r| &r.version == version && r.until.is_none_or(|until| Instant::now() < until))
            .map(|r| r.body.clone())
    }

    fn keep(&self, key: (Format, String), rendered: Rendered) {
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

/// The current version, without reading the entries (the `304 Not Modified` path): from the
/// change counters this process read within [`crate::changes::CHECK_INTERVAL`].
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn version(state: &AppState) -> Result<ListVersion, AppError> {
    Ok(ListVersion {
        revision: state.changes.current(&state.db).await?.allowlist_revision,
        today: crate::catalog::service::today(),
    })
}

/// The active entries in `format` (`mirror` is regsync's target).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn render(
    state: &AppState,
    format: Format,
    version: &ListVersion,
    mirror: &str,
) -> Result<Bytes, AppError> {
    let cache = &state.allowlist_cache;
    let key = (
        format,
        if format == Format::Regsync {
            mirror.to_owned()
        } else {
            String::new()
        },
    );
    if let Some(body) = cache.get(&key, version) {
        return Ok(body);
    }
    let _rendering = cache.rendering.lock().await;
    if let Some(body) = cache.get(&key, version) {
        return Ok(body);
    }
    let entries = persistence::allowlist::active(&state.db, &version.today).await?;
    let has_semver = entries.iter().any(|e| matches!(e.tags, TagRule::Semver(_)));
    let tags = if format == Format::Json {
        HashMap::new()
    } else {
        upstream_tags(state, &entries).await
    };
    let generated_at = persistence::now();
    let cx = Context {
        version: version.revision,
        generated_at: &generated_at,
        public_url: &state.settings.public_url,
        insecure_registries: &state.settings.insecure_registries,
        mirror,
        tags: &tags,
    };
    let body = Bytes::from(match format {
        Format::Json => formats::json(&entries, &cx),
        Format::Skopeo => formats::skopeo(&entries, &cx).into_bytes(),
        Format::Regsync => formats::regsync(&entries, &cx).into_bytes(),
    });
    cache.keep(
        key,
        Rendered {
            version: version.clone(),
            body: body.clone(),
            until: has_semver.then(|| Instant::now() + SEMVER_LIST_TTL),
        },
    );
    Ok(body)
}

/// The upstream tags of the repositories with semver entries: the YAML formats write those
/// ranges out as the tags they match now. A registry that cannot be read leaves its entries
/// out (and says so in the log).
async fn upstream_tags(
    state: &AppState,
    entries: &[super::AllowlistEntry],
) -> HashMap<(String, String), Vec<String>> {
    let mut tags = HashMap::new();
    for entry in entries
        .iter()
        .filter(|e| matches!(e.tags, TagRule::Semver(_)))
    {
        let key = (entry.registry.clone(), entry.repository.clone());
        if tags.contains_key(&key) {
            continue;
        }
        match state
            .registry
            .tags(&entry.registry, &entry.repository)
            .await
        {
            Ok(list) => {
                tags.insert(key, list);
            }
            Err(error) => tracing::warn!(%error, repository = %entry.repository,
                "semver entry left out of the list: its tags could not be read"),
        }
    }
    tags
}
