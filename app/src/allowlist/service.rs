//! The allowlist the API serves: the active entries, their version and ETag. Server only.

pub use super::cache::ListVersion;
use super::cache::{Rendered, SEMVER_LIST_TTL};
use super::formats::{self, Context, Format};
use super::upstream_tags::{RepositoryKey, UpstreamTags};
use crate::domain::TagRule;
use crate::error::AppError;
use crate::persistence;
use crate::state::AppState;
use axum::body::Bytes;
use std::collections::HashMap;
use std::time::Instant;

/// The current version, without reading the entries (the `304 Not Modified` path): from the
/// change counters this process read within [`crate::changes::CHECK_INTERVAL`].
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn version(state: &AppState) -> Result<ListVersion, AppError> {
    Ok(ListVersion {
        revision: state.changes.current(&state.db).await?.allowlist_revision,
        today: crate::persistence::today(),
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
    let entries = crate::allowlist::store::active(state.db.pool(), &version.today).await?;
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
    let mirrored = if format == Format::Json && state.settings.mirror.is_some() {
        let all: Vec<&crate::allowlist::AllowlistEntry> = entries.iter().collect();
        Some(crate::mirror::service::status_of(state, &all).await?)
    } else {
        None
    };
    let cx = Context {
        version: version.revision,
        generated_at: &generated_at,
        public_url: &state.settings.public_url,
        insecure_registries: &state.settings.insecure_registries,
        mirror,
        tags: &tags,
        mirrored: mirrored.as_ref(),
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
            // JSON names the ranges, not the tags: only the YAML formats go stale with them.
            semver: (has_semver && format != Format::Json)
                .then(|| (Instant::now() + SEMVER_LIST_TTL, generation)),
        },
    );
    drop(rendering);
    Ok(body)
}
