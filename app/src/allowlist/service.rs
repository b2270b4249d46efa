//! The allowlist the API serves: the active entries, their version and ETag. Server only.

use super::formats::{self, Context, Format};
use crate::domain::TagRule;
use crate::error::AppError;
use crate::persistence;
use crate::state::AppState;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::Mutex;

/// The last rendered list per format and mirror, reused while the version is the same (as
/// `Bytes`, so each answer shares it instead of copying megabytes). Lists
/// with semver entries are not kept: their tags come from upstream registries and may change.
#[derive(Debug, Default)]
pub struct ListCache {
    rendered: Mutex<HashMap<(ListVersion, Format, String), Bytes>>,
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

/// The current version, without reading the entries (the `304 Not Modified` path).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn version(state: &AppState) -> Result<ListVersion, AppError> {
    Ok(ListVersion {
        revision: persistence::allowlist::revision(&state.db).await?,
        today: crate::catalog::service::today(),
    })
}

/// The active entries in `format`.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn render(
    state: &AppState,
    format: Format,
    version: &ListVersion,
    mirror: &str,
) -> Result<Bytes, AppError> {
    let key = (version.clone(), format, mirror.to_owned());
    let cached = state
        .allowlist_cache
        .rendered
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
        .cloned();
    if let Some(body) = cached {
        return Ok(body);
    }
    let entries = persistence::allowlist::active(&state.db, &version.today).await?;
    let keep = !entries.iter().any(|e| matches!(e.tags, TagRule::Semver(_)));
    let mut tags = HashMap::new();
    if format != Format::Json {
        // Semver ranges are written as the upstream tags they match now.
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
                    "semver entry left out of the skopeo list: its tags could not be read"),
            }
        }
    }
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
        Format::Skopeo => formats::skopeo(&entries, &cx),
        Format::Regsync => formats::regsync(&entries, &cx),
    });
    if keep {
        let mut rendered = state
            .allowlist_cache
            .rendered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Only the current version is worth keeping.
        rendered.retain(|(v, _, _), _| v == version);
        rendered.insert(key, body.clone());
    }
    Ok(body)
}
