//! What other processes changed, seen at most [`CHECK_INTERVAL`] late without a query per call.
//!
//! The allowlist and API tokens change rarely and are read constantly (a mirror job polls every
//! minute, and there may be many). Each process keeps what it read and asks the database's
//! change counters ([`persistence::counters`]) again only once the last answer is older than the
//! interval: a change made by another replica or by the `portcullis` command is seen within it,
//! one made by this process at once ([`ChangeWatch::changed_here`]). Server only.

use crate::persistence::{self, counters::Counters, Db, DbError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How late this process may see a change another process made.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// The change counters as this process last read them. One per process, in `AppState`.
#[derive(Debug, Default)]
pub struct ChangeWatch {
    seen: RwLock<Option<Seen>>,
    /// One caller reads the counters; the others wait for its answer instead of querying too.
    reading: tokio::sync::Mutex<()>,
    /// Grows with every change this process makes, so an answer read before it is not used.
    local_changes: AtomicU64,
}

#[derive(Debug)]
struct Seen {
    counters: Counters,
    read_at: Instant,
    local_changes: u64,
}

impl ChangeWatch {
    /// The counters, read from the database when the last reading is older than
    /// [`CHECK_INTERVAL`] or predates a change made here. Who: the API routes.
    ///
    /// # Errors
    /// The database fails.
    pub async fn current(&self, db: &Db) -> Result<Counters, DbError> {
        match self.fresh() {
            Some(counters) => Ok(counters),
            // Boxed: the query is rare, and would otherwise enlarge every caller's future.
            None => Box::pin(self.read(db)).await,
        }
    }

    async fn read(&self, db: &Db) -> Result<Counters, DbError> {
        let _reading = self.reading.lock().await;
        if let Some(counters) = self.fresh() {
            return Ok(counters);
        }
        let local_changes = self.local_changes.load(Ordering::Acquire);
        let counters = persistence::counters::read(db).await?;
        *self
            .seen
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Seen {
            counters,
            read_at: Instant::now(),
            local_changes,
        });
        Ok(counters)
    }

    /// Says this process committed a change to the allowlist or revoked a token, so the next
    /// call reads the counters again. Who: the services that make those changes, after commit.
    pub fn changed_here(&self) {
        self.local_changes.fetch_add(1, Ordering::AcqRel);
    }

    fn fresh(&self) -> Option<Counters> {
        let seen = self
            .seen
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.as_ref()
            .filter(|s| {
                s.local_changes == self.local_changes.load(Ordering::Acquire)
                    && s.read_at.elapsed() < CHECK_INTERVAL
            })
            .map(|s| s.counters)
    }
}
