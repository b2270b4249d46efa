//! The upstream tags of repositories with semver entries, which the YAML formats write out as
//! the tags a range matches. Server only.
//!
//! Rendering the allowlist never waits on a registry it has heard from: it takes the tags last
//! read, and a tag list older than [`REFRESH_AFTER`] is read again in the background (one read
//! per repository at a time). Only a repository never read before is waited for, all at once and
//! for at most [`FIRST_READ_WAIT`]. A registry that fails keeps its last known tags, and is
//! asked again after [`RETRY_AFTER`].

use crate::registry::client::RegistryClient;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `(registry, repository)`.
pub type RepositoryKey = (String, String);

/// How old a tag list may get before it is read again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(300);
/// How long a failed read waits before the next.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest a rendering waits for repositories never read before.
pub const FIRST_READ_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug)]
struct Known {
    /// `None` until a read succeeded.
    tags: Option<Arc<Vec<String>>>,
    /// When to read again.
    due: Instant,
    reading: bool,
}

/// The tags last read per repository, shared by every rendering of this process.
#[derive(Debug, Default)]
pub struct UpstreamTags {
    known: Mutex<HashMap<RepositoryKey, Known>>,
    /// Grows whenever a read changes what is known, so rendered lists know they are stale.
    generation: AtomicU64,
}

impl UpstreamTags {
    /// The current generation: a list rendered at another one may hold older tags.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Starts reads of the repositories in `keys` whose tags are stale or never read (at most
    /// one read per repository at a time). Returns the reads of repositories never read before,
    /// for the caller to wait on ([`UpstreamTags::wait_for_first_reads`]); the others go on in
    /// the background.
    pub fn start_reads(
        self: &Arc<Self>,
        registry: &Arc<RegistryClient>,
        keys: &[RepositoryKey],
    ) -> Vec<tokio::task::JoinHandle<()>> {
        // Plain spawned tasks: dropping a handle (a poller that gives up) never ends a read.
        let mut first_reads = Vec::new();
        let mut known = self.lock();
        let now = Instant::now();
        for key in keys {
            let entry = known.entry(key.clone()).or_insert(Known {
                tags: None,
                due: now,
                reading: false,
            });
            if entry.reading || entry.due > now {
                continue;
            }
            entry.reading = true;
            let read = self.clone().read(registry.clone(), key.clone());
            let handle = tokio::spawn(read);
            if entry.tags.is_none() {
                first_reads.push(handle);
            }
        }
        first_reads
    }

    /// Waits for `reads` at most [`FIRST_READ_WAIT`]; reads still running go on without it.
    pub async fn wait_for_first_reads(reads: Vec<tokio::task::JoinHandle<()>>) {
        let all = async {
            for read in reads {
                let _ = read.await;
            }
        };
        let _ = tokio::time::timeout(FIRST_READ_WAIT, all).await;
    }

    /// The tags known now for `keys`; repositories with none known are missing.
    pub fn known(&self, keys: &[RepositoryKey]) -> HashMap<RepositoryKey, Arc<Vec<String>>> {
        let known = self.lock();
        keys.iter()
            .filter_map(|key| Some((key.clone(), known.get(key)?.tags.clone()?)))
            .collect()
    }

    async fn read(self: Arc<Self>, registry: Arc<RegistryClient>, key: RepositoryKey) {
        /// Clears `reading` however the read ends (a panic or a cancelled task included), so a
        /// repository is never left unread for good.
        struct Done<'a>(&'a UpstreamTags, &'a RepositoryKey);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                if let Some(entry) = self.0.lock().get_mut(self.1) {
                    entry.reading = false;
                }
            }
        }
        let done = Done(&self, &key);
        let result = registry.tags(&key.0, &key.1).await;
        drop(done);
        let mut known = self.lock();
        let Some(entry) = known.get_mut(&key) else {
            return;
        };
        match result {
            Ok(tags) => {
                if entry.tags.as_deref() != Some(&tags) {
                    entry.tags = Some(Arc::new(tags));
                    self.generation.fetch_add(1, Ordering::AcqRel);
                }
                entry.due = Instant::now() + REFRESH_AFTER;
            }
            Err(error) => {
                tracing::warn!(%error, registry = %key.0, repository = %key.1,
                    "upstream tags could not be read; the last known tags stay in use");
                entry.due = Instant::now() + RETRY_AFTER;
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RepositoryKey, Known>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
