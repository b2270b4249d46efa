//! The allowlist the API serves: the active entries, their version and ETag. Server only.

use super::formats::{self, Context, Format};
use super::upstream_tags::{RepositoryKey, UpstreamTags};
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
    /// For lists with semver entries: when it stops being reused, and the upstream tags'
    /// generation it was made with (newer tags make it stale sooner).
    semver: Option<(Instant, u64)>,
}

/// How long a list with semver entries is reused: after it, the next rendering takes the known
/// upstream tags and starts reading stale ones again ([`super::upstream_tags`]).
pub const SEMVER_LIST_TTL: Duration = Duration::from_secs(300);

/// At most this many (format, mirror) lists are kept; `?mirror=` is the caller's choice.
const KEPT_LISTS: usize = 8;

impl ListCache {
    fn get(&self, key: &(Format, String), version: &ListVersion, tags: u64) -> Option<Bytes> {
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
    if let Some(body) = cache.get(&key, version, state.upstream_tags.generation()) {
        return Ok(body);
    }
    let mut rendering = cache.rendering.lock().await;
    if let Some(body) = cache.get(&key, version, state.upstream_tags.generation()) {
        return Ok(body);
    }
    let entries = persistence::allowlist::active(&state.db, &version.today).await?;
    let semver_repositories: Vec<RepositoryKey> = entries
        .iter()
        .filter(|e| matches!(e.tags, TagRule::Semver(_)))
        .map(|e| (e.registry.clone(), e.repository.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let has_semver = !semver_repositories.is_empty();
    if format != Format::Json && has_semver {
        let first_reads = state
            .upstream_tags
            .start_reads(&state.registry, &semver_repositories);
        if !first_reads.is_empty() {
            // Never wait on a registry while holding the lock every poller needs.
            drop(rendering);
            UpstreamTags::wait_for_first_reads(first_reads).await;
            rendering = cache.rendering.lock().await;
        }
    }
    let generation = state.upstream_tags.generation();
    let tags = if format == Format::Json {
        HashMap::new()
    } else {
        state.upstream_tags.known(&semver_repositories)
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
            semver: has_semver.then(|| (Instant::now() + SEMVER_LIST_TTL, generation)),
        },
    );
    drop(rendering);
    Ok(body)
}
