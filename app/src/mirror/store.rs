//! The `mirror_image`, `mirror_drift` and `mirror_sync` tables.

use super::model::{Drift, DriftEntry};
use crate::persistence::{next_id, Conn, DbError};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// One allowed tag or pin found in the mirror, as stored.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ImageRow {
    pub allowlist_entry_id: i64,
    pub reference: String,
    pub digest: String,
    pub upstream_digest: Option<String>,
    pub created: Option<String>,
    pub first_seen: String,
}

/// One entry's mirror columns.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryMirrorRow {
    pub allowlist_entry_id: i64,
    pub mirrored_at: Option<String>,
    pub mirror_checked_at: Option<String>,
}

/// Takes the job's lease for run `owner` until `until`, if nobody holds it; false when
/// another run does.
///
/// # Errors
/// The database fails.
pub async fn try_lease(
    db: impl Conn<'_>,
    owner: &str,
    now: &str,
    until: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE mirror_sync SET lease_until = $1, attempted_at = $2, lease_owner = $3 \
         WHERE mirror_sync_id = 1 AND (lease_until IS NULL OR lease_until < $2)",
    )
    .bind(until)
    .bind(now)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Whether run `owner` still holds the lease at `now` (it may record what it found).
///
/// # Errors
/// The database fails.
pub async fn holds_lease(db: impl Conn<'_>, owner: &str, now: &str) -> Result<bool, DbError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT mirror_sync_id FROM mirror_sync \
         WHERE mirror_sync_id = 1 AND lease_owner = $1 AND lease_until > $2",
    )
    .bind(owner)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

/// Ends run `owner` and releases its lease (a lease another run holds by now stays): `error`
/// is why it could not read the mirror (the last known state stays), `None` a run that did.
///
/// # Errors
/// The database fails.
pub async fn finish(
    db: impl Conn<'_>,
    owner: &str,
    now: &str,
    error: Option<&str>,
) -> Result<(), DbError> {
    let sql = if error.is_some() {
        "UPDATE mirror_sync SET lease_until = NULL, lease_owner = NULL, last_error = $2 \
         WHERE mirror_sync_id = 1 AND lease_owner = $3"
    } else {
        "UPDATE mirror_sync SET lease_until = NULL, lease_owner = NULL, last_error = $2, \
             checked_at = $1 WHERE mirror_sync_id = 1 AND lease_owner = $3"
    };
    sqlx::query(sql)
        .bind(now)
        .bind(error)
        .bind(owner)
        .execute(db)
        .await?;
    Ok(())
}

/// Gives run `owner`'s lease back without recording a run (the server is stopping before it
/// finished reading), so another replica may run at once; a lease another run holds stays.
///
/// # Errors
/// The database fails.
pub async fn release(db: impl Conn<'_>, owner: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE mirror_sync SET lease_until = NULL, lease_owner = NULL \
         WHERE mirror_sync_id = 1 AND lease_owner = $1",
    )
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}

/// When the job last read the mirror, and why its last attempt failed (if it did).
///
/// # Errors
/// The database fails.
pub async fn health(db: impl Conn<'_>) -> Result<(Option<String>, Option<String>), DbError> {
    Ok(
        sqlx::query_as("SELECT checked_at, last_error FROM mirror_sync WHERE mirror_sync_id = 1")
            .fetch_optional(db)
            .await?
            .unwrap_or((None, None)),
    )
}

/// The stored images of `entries`, by entry.
///
/// # Errors
/// The database fails.
pub async fn images_of(
    conn: &mut AnyConnection,
    entries: &[i64],
) -> Result<HashMap<i64, Vec<ImageRow>>, DbError> {
    let mut found: HashMap<i64, Vec<ImageRow>> = HashMap::new();
    // In chunks: both engines bound the number of parameters of one statement.
    for chunk in entries.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT allowlist_entry_id, reference, digest, upstream_digest, created, first_seen \
             FROM mirror_image WHERE allowlist_entry_id IN ({}) \
             ORDER BY allowlist_entry_id, reference",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, ImageRow>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.entry(row.allowlist_entry_id).or_default().push(row);
        }
    }
    Ok(found)
}

/// The mirror columns of `entries`, by entry.
///
/// # Errors
/// The database fails.
pub async fn entry_columns(
    conn: &mut AnyConnection,
    entries: &[i64],
) -> Result<HashMap<i64, EntryMirrorRow>, DbError> {
    let mut found = HashMap::new();
    for chunk in entries.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT allowlist_entry_id, mirrored_at, mirror_checked_at FROM allowlist_entry \
             WHERE allowlist_entry_id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, EntryMirrorRow>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.allowlist_entry_id, row);
        }
    }
    Ok(found)
}

/// What the job found of one entry: each allowed reference present, with its digests and date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub reference: String,
    pub digest: String,
    pub upstream_digest: Option<String>,
    pub created: Option<String>,
}

/// What recording one entry changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// The entry was seen in the mirror for the first time.
    pub first_available: bool,
    /// A reference appeared, left, or changed digest.
    pub changed: bool,
}

/// Records what the mirror holds of entry `entry` now: `found` replaces what was stored
/// (keeping `first_seen` of references still there), and the entry's check time is set.
///
/// # Errors
/// The database fails.
pub async fn record_entry(
    conn: &mut AnyConnection,
    entry: i64,
    found: &[Found],
    now: &str,
) -> Result<Recorded, DbError> {
    let before = images_of(conn, &[entry])
        .await?
        .remove(&entry)
        .unwrap_or_default();
    let mut changed = before.len() != found.len();
    for image in found {
        let same = before
            .iter()
            .any(|b| b.reference == image.reference && b.digest == image.digest);
        changed |= !same;
        sqlx::query(
            "INSERT INTO mirror_image (allowlist_entry_id, reference, digest, upstream_digest, \
                 created, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (allowlist_entry_id, reference) DO UPDATE SET digest = $3, \
                 upstream_digest = $4, created = $5, last_seen = $6",
        )
        .bind(entry)
        .bind(&image.reference)
        .bind(&image.digest)
        .bind(&image.upstream_digest)
        .bind(&image.created)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for gone in before
        .iter()
        .filter(|b| !found.iter().any(|f| f.reference == b.reference))
    {
        sqlx::query("DELETE FROM mirror_image WHERE allowlist_entry_id = $1 AND reference = $2")
            .bind(entry)
            .bind(&gone.reference)
            .execute(&mut *conn)
            .await?;
    }
    let first = sqlx::query(
        "UPDATE allowlist_entry SET mirrored_at = $2 WHERE allowlist_entry_id = $1 \
         AND mirrored_at IS NULL AND $3",
    )
    .bind(entry)
    .bind(now)
    .bind(!found.is_empty())
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    sqlx::query("UPDATE allowlist_entry SET mirror_checked_at = $2 WHERE allowlist_entry_id = $1")
        .bind(entry)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(Recorded {
        first_available: first,
        changed,
    })
}

/// A tag in the mirror that no active entry allows, as the job found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriftFinding {
    pub repository: String,
    pub tag: String,
    pub digest: Option<String>,
    pub last_entry_id: Option<i64>,
}

/// Records the run's drift: findings already open are seen again, new ones are opened (and
/// returned with their ids, to be told about), open ones not found any more are resolved.
///
/// # Errors
/// The database fails.
pub async fn record_drift(
    conn: &mut AnyConnection,
    findings: &[DriftFinding],
    now: &str,
) -> Result<Vec<(i64, DriftFinding)>, DbError> {
    let open: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT mirror_drift_id, repository, tag FROM mirror_drift WHERE resolved_at IS NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    let open: HashMap<(String, String), i64> = open
        .into_iter()
        .map(|(id, repository, tag)| ((repository, tag), id))
        .collect();
    let mut new = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for finding in findings {
        let key = (finding.repository.clone(), finding.tag.clone());
        if !seen.insert(key.clone()) {
            continue;
        }
        if let Some(id) = open.get(&key) {
            sqlx::query(
                "UPDATE mirror_drift SET last_seen = $2, digest = $3, last_entry_id = $4 \
                 WHERE mirror_drift_id = $1",
            )
            .bind(id)
            .bind(now)
            .bind(&finding.digest)
            .bind(finding.last_entry_id)
            .execute(&mut *conn)
            .await?;
        } else {
            let id = next_id(conn, "mirror_drift").await?;
            sqlx::query(
                "INSERT INTO mirror_drift (mirror_drift_id, repository, tag, digest, \
                     last_entry_id, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id)
            .bind(&finding.repository)
            .bind(&finding.tag)
            .bind(&finding.digest)
            .bind(finding.last_entry_id)
            .bind(now)
            .execute(&mut *conn)
            .await?;
            new.push((id, finding.clone()));
        }
    }
    for ((repository, tag), id) in &open {
        if !seen.contains(&(repository.clone(), tag.clone())) {
            sqlx::query("UPDATE mirror_drift SET resolved_at = $2 WHERE mirror_drift_id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(new)
}

#[derive(sqlx::FromRow)]
struct DriftRow {
    mirror_drift_id: i64,
    repository: String,
    tag: String,
    digest: Option<String>,
    first_seen: String,
    last_seen: String,
    allowlist_entry_id: Option<i64>,
    image_request_id: Option<i64>,
    revoked_at: Option<String>,
    expires_on: Option<String>,
}

/// The open drift findings, oldest first, with what is known of the entry each repository had.
/// `today` tells an expired entry from an active one.
///
/// # Errors
/// The database fails.
pub async fn open_drift(db: impl Conn<'_>, today: &str) -> Result<Vec<Drift>, DbError> {
    let rows: Vec<DriftRow> = sqlx::query_as(
        "SELECT d.mirror_drift_id, d.repository, d.tag, d.digest, d.first_seen, d.last_seen, \
             e.allowlist_entry_id, e.image_request_id, e.revoked_at, e.expires_on \
         FROM mirror_drift d LEFT JOIN allowlist_entry e \
             ON e.allowlist_entry_id = d.last_entry_id \
         WHERE d.resolved_at IS NULL ORDER BY d.first_seen, d.mirror_drift_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Drift {
            id: r.mirror_drift_id,
            repository: r.repository,
            tag: r.tag,
            digest: r.digest,
            last_entry: match (r.allowlist_entry_id, r.image_request_id, r.expires_on) {
                (Some(entry_id), Some(request_id), Some(expires_on)) => Some(DriftEntry {
                    entry_id,
                    request_id,
                    status: crate::domain::Lifecycle::of(
                        r.revoked_at.is_some(),
                        expires_on.as_str() >= today,
                    )
                    .as_str()
                    .to_owned(),
                    revoked_at: r.revoked_at,
                    expires_on,
                }),
                _ => None,
            },
            first_seen: r.first_seen,
            last_seen: r.last_seen,
        })
        .collect())
}

/// The latest entry (any state) of each mirror path's registry and repository, by
/// `(registry, repository)`.
///
/// # Errors
/// The database fails.
pub async fn latest_entries(db: impl Conn<'_>) -> Result<HashMap<(String, String), i64>, DbError> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT registry, repository, MAX(allowlist_entry_id) FROM allowlist_entry \
         GROUP BY registry, repository",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(registry, repository, id)| ((registry, repository), id))
        .collect())
}
