//! What an operator watches, read at the moment the monitoring system asks: open requests and
//! how long they wait, the mail outbox, the catalog mirror, the allowlist and the database pool.
//! The numbers describe the whole installation (every replica shares the database), except the
//! catalog mirror and the pool, which are this replica's. Server only.

use crate::domain::RequestState;
use crate::state::AppState;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// One reading. `database` is `None` when the database did not answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub database: Option<DatabaseReadings>,
    /// Seconds since this replica's catalog mirror was fetched; `None` for the shipped snapshot.
    pub catalog_age_seconds: Option<i64>,
    pub catalog_repositories: usize,
    /// Connections this replica holds open, of which idle, and its maximum.
    pub pool_open: u32,
    pub pool_idle: usize,
    pub pool_max: u32,
}

/// What the database says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseReadings {
    /// Every state that waits on someone, in [`RequestState`] order, zero included.
    pub open_requests: Vec<(RequestState, i64)>,
    /// How long the longest-waiting submitted or in-review request has waited; 0 when none.
    pub oldest_wait_seconds: i64,
    pub outbox_pending: i64,
    pub outbox_failing: i64,
    /// Age of the oldest unsent mail; 0 when none.
    pub outbox_oldest_seconds: i64,
    pub allowlist_revision: i64,
    pub allowlist_active_entries: i64,
}

/// The states counted as open.
const OPEN: [RequestState; 3] = [
    RequestState::Submitted,
    RequestState::InReview,
    RequestState::ChangesRequested,
];

/// Reads a [`Snapshot`]. Who: the `/metrics` endpoint. Never fails: a database that does not
/// answer is part of the reading.
pub async fn snapshot(state: &AppState) -> Snapshot {
    let now = OffsetDateTime::now_utc();
    let database = match database_readings(state, now).await {
        Ok(readings) => Some(readings),
        Err(error) => {
            tracing::warn!(%error, "monitoring could not read the database");
            None
        }
    };
    let mirror = state.catalog.current();
    let pool = state.db.pool();
    Snapshot {
        database,
        catalog_age_seconds: mirror.synced_at.as_deref().map(|at| seconds_since(at, now)),
        catalog_repositories: mirror.index.len(),
        pool_open: pool.size(),
        pool_idle: pool.num_idle(),
        pool_max: pool.options().get_max_connections(),
    }
}

async fn database_readings(
    state: &AppState,
    now: OffsetDateTime,
) -> Result<DatabaseReadings, crate::persistence::DbError> {
    let pool = state.db.pool();
    let by_state = crate::requests::store::open_by_state(pool).await?;
    let open_requests = OPEN
        .iter()
        .map(|wanted| {
            let count = by_state
                .iter()
                .find(|(state, _)| state == wanted)
                .map_or(0, |(_, count)| *count);
            (*wanted, count)
        })
        .collect();
    let oldest_wait_seconds = crate::requests::store::oldest_waiting_since(pool)
        .await?
        .map_or(0, |since| seconds_since(&since, now));
    let outbox = crate::mail::store::outbox_stats(pool).await?;
    let counters = state.changes.current(&state.db).await?;
    let allowlist_active_entries =
        crate::allowlist::store::count_active(pool, &now.date().to_string()).await?;
    Ok(DatabaseReadings {
        open_requests,
        oldest_wait_seconds,
        outbox_pending: outbox.pending,
        outbox_failing: outbox.failing,
        outbox_oldest_seconds: outbox
            .oldest_pending
            .as_deref()
            .map_or(0, |at| seconds_since(at, now)),
        allowlist_revision: counters.allowlist_revision,
        allowlist_active_entries,
    })
}

/// Whole seconds from the stored RFC 3339 time `at` to `now`; 0 for an unreadable or future
/// time.
fn seconds_since(at: &str, now: OffsetDateTime) -> i64 {
    OffsetDateTime::parse(at, &Rfc3339)
        .map(|at| (now - at).whole_seconds().max(0))
        .unwrap_or(0)
}
