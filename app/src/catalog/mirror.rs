//! The local mirror of Red Hat's catalog: the index every replica searches in memory, the
//! refresh from the API into the database, and current freshness grades. Server only.
//!
//! The database holds the mirror; each replica keeps an index of the generation it last loaded
//! and reloads when the generation grows. One replica at a time refreshes (a lease in
//! `catalog_sync`). Until the first successful refresh the index is the shipped snapshot, and a
//! catalog check made then, or against a mirror older than `max_age`, is "not checked".

use super::client::{CatalogError, PyxisClient};
use super::equivalents::CatalogIndex;
use super::model::Candidate;
use super::store;
use crate::persistence::{self, Db, DbError};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// When the mirror refreshes and when its answers count as current.
#[derive(Clone, Debug)]
pub struct MirrorSettings {
    /// Time between successful refreshes.
    pub refresh_every: Duration,
    /// A check against a mirror older than this is "not checked".
    pub max_age: Duration,
    /// How long an equivalents answer waits for grades the catalog is being asked for.
    pub grade_wait: Duration,
    /// A stored grade older than this is asked for again.
    pub grade_max_age: Duration,
}

impl Default for MirrorSettings {
    fn default() -> Self {
        Self {
            refresh_every: Duration::from_secs(6 * 3600),
            max_age: Duration::from_secs(48 * 3600),
            grade_wait: Duration::from_millis(1500),
            grade_max_age: Duration::from_secs(12 * 3600),
        }
    }
}

/// One loaded generation of the mirror.
#[derive(Debug)]
pub struct MirrorView {
    pub index: CatalogIndex,
    /// 0: the shipped snapshot, never refreshed from the catalog.
    pub generation: i64,
    /// When this generation was fetched from the catalog; `None` for the snapshot.
    pub synced_at: Option<String>,
}

/// Whether a catalog check can be trusted to reflect the catalog as it is now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Made against the mirror fetched at `mirror_at`, within the allowed age.
    Checked { mirror_at: String },
    /// Made against the shipped snapshot (`mirror_at: None`) or a mirror that is too old.
    NotChecked { mirror_at: Option<String> },
}

/// What one refresh did.
#[derive(Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// The mirror now holds this many repositories (generation `generation`).
    Refreshed {
        repositories: usize,
        generation: i64,
    },
    /// Another replica holds the lease.
    Busy,
    /// No catalog is configured (`PORTCULLIS_CATALOG_URL=off`).
    Disabled,
    /// The server began stopping while the catalog was being read; the lease was given back
    /// and the mirror is as it was.
    Stopped,
}

/// Why a refresh failed; the old mirror is kept in every case.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("the catalog listed no repositories; keeping the previous mirror")]
    Empty,
    #[error(transparent)]
    Database(#[from] DbError),
}

/// The mirror as this process sees it. Shared through `AppState`.
#[derive(Debug)]
pub struct CatalogMirror {
    view: RwLock<Arc<MirrorView>>,
    client: Option<PyxisClient>,
    settings: MirrorSettings,
    /// Grades being fetched now, so concurrent answers do not ask twice.
    grades_in_flight: Mutex<HashSet<(String, String)>>,
}

impl CatalogMirror {
    /// A mirror that starts as the shipped snapshot. `client: None` never refreshes.
    pub fn new(client: Option<PyxisClient>, settings: MirrorSettings) -> Self {
        Self {
            view: RwLock::new(Arc::new(MirrorView {
                index: CatalogIndex::new(super::pyxis::snapshot()),
                generation: 0,
                synced_at: None,
            })),
            client,
            settings,
            grades_in_flight: Mutex::new(HashSet::new()),
        }
    }

    /// The generation to search now. Cheap: an `Arc` clone under a read lock.
    pub fn current(&self) -> Arc<MirrorView> {
        self.view
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// How a check made now against `view` counts.
    pub fn freshness(&self, view: &MirrorView, now: OffsetDateTime) -> Freshness {
        match &view.synced_at {
            Some(at) if age(at, now).is_some_and(|age| age <= self.settings.max_age) => {
                Freshness::Checked {
                    mirror_at: at.clone(),
                }
            }
            other => Freshness::NotChecked {
                mirror_at: other.clone(),
            },
        }
    }

    /// Loads the database's mirror when its generation differs from the one in memory.
    /// Returns whether it loaded.
    ///
    /// # Errors
    /// The database fails; the loaded generation stays in use.
    pub async fn reload_if_changed(&self, db: &Db) -> Result<bool, DbError> {
        let stored = store::status(db.pool()).await?;
        if stored.generation == self.current().generation || stored.generation == 0 {
            return Ok(false);
        }
        let (status, repositories) = store::load(db).await?;
        self.install(status.generation, status.synced_at, repositories);
        Ok(true)
    }

    fn install(
        &self,
        generation: i64,
        synced_at: Option<String>,
        repositories: Vec<super::model::CatalogRepository>,
    ) {
        let view = Arc::new(MirrorView {
            index: CatalogIndex::new(repositories),
            generation,
            synced_at,
        });
        *self
            .view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = view;
    }

    /// Refreshes when the last success is older than `refresh_every` (or, after a failure, a
    /// few minutes have passed). Returns `None` when nothing was due. `stop` resolving (the
    /// server is stopping) ends a refresh while it reads the catalog
    /// ([`CatalogMirror::refresh_until`]).
    ///
    /// # Errors
    /// As [`CatalogMirror::refresh`].
    pub async fn refresh_if_due(
        &self,
        db: &Db,
        stop: impl Future<Output = ()>,
    ) -> Result<Option<RefreshOutcome>, RefreshError> {
        if self.client.is_none() {
            return Ok(None);
        }
        let status = store::status(db.pool()).await?;
        if !is_due(
            &status,
            OffsetDateTime::now_utc(),
            self.settings.refresh_every,
        ) {
            return Ok(None);
        }
        self.refresh_until(db, stop).await.map(Some)
    }

    /// Fetches every repository from the catalog and replaces the mirror with them, then loads
    /// the new generation. A failure is recorded in `catalog_sync` and logged by the caller; the
    /// previous mirror stays.
    ///
    /// # Errors
    /// [`RefreshError`]: the catalog failed or listed nothing, or the database failed.
    pub async fn refresh(&self, db: &Db) -> Result<RefreshOutcome, RefreshError> {
        self.refresh_until(db, std::future::pending()).await
    }

    /// As [`CatalogMirror::refresh`], but `stop` resolving while the catalog is being read
    /// ends it there: the lease is given back ([`RefreshOutcome::Stopped`]) instead of being
    /// held for its full 10 minutes by a process that is gone. Once the catalog has been read,
    /// the refresh finishes (one short transaction).
    ///
    /// # Errors
    /// As [`CatalogMirror::refresh`].
    pub async fn refresh_until(
        &self,
        db: &Db,
        stop: impl Future<Output = ()>,
    ) -> Result<RefreshOutcome, RefreshError> {
        let Some(client) = &self.client else {
            return Ok(RefreshOutcome::Disabled);
        };
        let now = OffsetDateTime::now_utc();
        // Long enough for a slow catalog with retries; a crashed holder frees it by expiry.
        let lease_until = persistence::format_timestamp(now + Duration::from_secs(600));
        if !store::try_lease(db.pool(), &persistence::format_timestamp(now), &lease_until).await? {
            return Ok(RefreshOutcome::Busy);
        }
        let read = tokio::select! {
            biased;
            () = stop => None,
            read = client.repositories() => Some(read),
        };
        let Some(read) = read else {
            store::release_lease(db.pool(), &lease_until).await?;
            return Ok(RefreshOutcome::Stopped);
        };
        let fetched = match read {
            Ok(repositories) if repositories.is_empty() => Err(RefreshError::Empty),
            Ok(repositories) => Ok(repositories),
            Err(error) => Err(RefreshError::Catalog(error)),
        };
        let repositories = match fetched {
            Ok(repositories) => repositories,
            Err(error) => {
                store::record_failure(db.pool(), &error.to_string()).await?;
                return Err(error);
            }
        };
        let synced_at = persistence::now();
        let generation = match store::replace(db, &repositories, &synced_at).await {
            Ok(generation) => generation,
            Err(error) => {
                let _ = store::record_failure(db.pool(), &error.to_string()).await;
                return Err(error.into());
            }
        };
        let count = repositories.len();
        self.install(generation, Some(synced_at), repositories);
        Ok(RefreshOutcome::Refreshed {
            repositories: count,
            generation,
        })
    }

    /// Puts current freshness grades on `candidates`: stored grades first; those not asked for
    /// within `grade_max_age` are fetched from the catalog in the background (once the mirror
    /// has been refreshed from it at least once), and used here if they arrive within
    /// `grade_wait`. A catalog that fails leaves the grades as they were.
    pub async fn apply_grades(&self, db: &Db, view: &MirrorView, candidates: &mut [Candidate]) {
        let keys: Vec<(String, String)> = candidates
            .iter()
            .filter_map(|c| view.index.get(&c.repository))
            .map(|repo| (repo.registry.clone(), repo.repository.clone()))
            .collect();
        let stored = match store::grades(db.pool(), &keys).await {
            Ok(stored) => stored,
            Err(error) => {
                tracing::warn!(%error, "could not read stored freshness grades");
                HashMap::new()
            }
        };
        let now = OffsetDateTime::now_utc();
        let mut grades: HashMap<String, String> = stored
            .iter()
            .filter_map(|((_, repository), s)| Some((repository.clone(), s.grade.clone()?)))
            .collect();
        let stale: Vec<(String, String)> = keys
            .into_iter()
            .filter(|key| {
                stored.get(key).is_none_or(|s| {
                    age(&s.checked_at, now).is_none_or(|a| a > self.settings.grade_max_age)
                })
            })
            .collect();
        // Before the first successful refresh the catalog has never answered (an offline
        // machine): waiting for grades would only slow every answer down.
        let fresh = if view.generation > 0 {
            self.fetch_grades(db, stale).await
        } else {
            None
        };
        if let Some(fresh) = fresh {
            grades.extend(fresh);
        }
        for candidate in candidates.iter_mut() {
            if let Some(grade) = grades.get(&candidate.repository) {
                candidate.grade = Some(grade.clone());
            }
        }
    }

    /// Asks the catalog for the grades of `keys` in a background task that stores what it
    /// learns; returns the grades found if the task finishes within `grade_wait`.
    async fn fetch_grades(
        &self,
        db: &Db,
        keys: Vec<(String, String)>,
    ) -> Option<HashMap<String, String>> {
        let client = self.client.clone()?;
        let keys: Vec<(String, String)> = {
            let mut in_flight = self
                .grades_in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.into_iter()
                .filter(|key| in_flight.insert(key.clone()))
                .collect()
        };
        if keys.is_empty() {
            return None;
        }
        let db = db.clone();
        let task_keys = keys.clone();
        let task = tokio::spawn(async move {
            let mut lookups = tokio::task::JoinSet::new();
            for (registry, repository) in task_keys {
                let client = client.clone();
                lookups.spawn(async move {
                    let grade = client
                        .current_grade(&registry, &repository, OffsetDateTime::now_utc())
                        .await;
                    (registry, repository, grade)
                });
            }
            let mut found = HashMap::new();
            while let Some(Ok((registry, repository, grade))) = lookups.join_next().await {
                let checked_at = persistence::now();
                let stored = match &grade {
                    Ok(grade) => {
                        if let Some(g) = grade {
                            found.insert(repository.clone(), g.clone());
                        }
                        store::store_grade(
                            db.pool(),
                            &registry,
                            &repository,
                            grade.as_deref(),
                            false,
                            &checked_at,
                        )
                        .await
                    }
                    Err(error) => {
                        tracing::warn!(%error, %repository, "could not read a freshness grade");
                        store::store_grade(
                            db.pool(),
                            &registry,
                            &repository,
                            None,
                            true,
                            &checked_at,
                        )
                        .await
                    }
                };
                if let Err(error) = stored {
                    tracing::warn!(%error, "could not store a freshness grade");
                }
            }
            found
        });
        let wait = self.settings.grade_wait;
        let result = tokio::time::timeout(wait, task).await;
        // The task goes on if it is late; it is no longer "in flight" for new answers either
        // way, because it stores what it learns.
        let mut in_flight = self
            .grades_in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for key in &keys {
            in_flight.remove(key);
        }
        result.ok()?.ok()
    }
}

/// How long ago the stored time `at` was; `None` when it does not parse.
fn age(at: &str, now: OffsetDateTime) -> Option<Duration> {
    let at = OffsetDateTime::parse(at, &Rfc3339).ok()?;
    Some((now - at).try_into().unwrap_or(Duration::ZERO))
}

/// A failed or missing refresh is tried again after this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(300);

/// Whether a refresh is due at `now`: never synced, the last success older than
/// `refresh_every`, and not attempted within the last few minutes after a failure.
pub fn is_due(status: &store::SyncStatus, now: OffsetDateTime, refresh_every: Duration) -> bool {
    let recently_attempted = status
        .attempted_at
        .as_deref()
        .and_then(|at| age(at, now))
        .is_some_and(|a| a < RETRY_AFTER_FAILURE.min(refresh_every));
    let succeeded_recently = status
        .synced_at
        .as_deref()
        .and_then(|at| age(at, now))
        .is_some_and(|a| a < refresh_every);
    let failed_recently = recently_attempted && status.last_error.is_some();
    !(succeeded_recently || failed_recently)
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::SyncStatus;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).unwrap()
    }

    #[test]
    fn refreshes_are_due_when_never_done_or_old() {
        let every = Duration::from_secs(6 * 3600);
        let now = at("2026-11-28T12:00:00Z");
        assert!(is_due(&SyncStatus::default(), now, every));
        let synced = |synced_at: &str| SyncStatus {
            generation: 1,
            synced_at: Some(synced_at.into()),
            attempted_at: Some(synced_at.into()),
            ..SyncStatus::default()
        };
        assert!(!is_due(&synced("2026-11-28T09:00:00.000000Z"), now, every));
        assert!(is_due(&synced("2026-11-28T05:59:00.000000Z"), now, every));
    }

    #[test]
    fn a_failed_refresh_waits_a_few_minutes_before_the_next_try() {
        let every = Duration::from_secs(6 * 3600);
        let failed = |attempted_at: &str| SyncStatus {
            attempted_at: Some(attempted_at.into()),
            last_error: Some("the catalog answered 503".into()),
            ..SyncStatus::default()
        };
        let now = at("2026-11-28T12:00:00Z");
        assert!(!is_due(&failed("2026-11-28T11:58:00.000000Z"), now, every));
        assert!(is_due(&failed("2026-11-28T11:54:00.000000Z"), now, every));
    }

    #[test]
    fn checks_count_only_against_a_mirror_within_its_allowed_age() {
        let mirror = CatalogMirror::new(None, MirrorSettings::default());
        let now = at("2026-11-28T12:00:00Z");
        let view = |synced_at: Option<&str>| MirrorView {
            index: CatalogIndex::new(Vec::new()),
            generation: 1,
            synced_at: synced_at.map(str::to_owned),
        };
        assert_eq!(
            mirror.freshness(&view(None), now),
            Freshness::NotChecked { mirror_at: None }
        );
        assert_eq!(
            mirror.freshness(&view(Some("2026-11-27T12:00:00.000000Z")), now),
            Freshness::Checked {
                mirror_at: "2026-11-27T12:00:00.000000Z".into()
            }
        );
        assert_eq!(
            mirror.freshness(&view(Some("2026-11-26T11:00:00.000000Z")), now),
            Freshness::NotChecked {
                mirror_at: Some("2026-11-26T11:00:00.000000Z".into())
            }
        );
    }
}
