//! The `catalog_repository`, `catalog_grade` and `catalog_sync` tables: the local mirror of Red
//! Hat's catalog and how it stands.

use crate::catalog::model::CatalogRepository;
use crate::persistence::{Conn, Db, DbError};
use std::collections::HashMap;

/// How the mirror stands, from the `catalog_sync` row.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SyncStatus {
    /// Grows with every successful refresh.
    pub generation: i64,
    /// The last successful refresh.
    pub synced_at: Option<String>,
    /// Repositories in the mirror.
    pub repositories: i64,
    /// The last refresh attempt, successful or not.
    pub attempted_at: Option<String>,
    /// Why the last attempt failed; `None` when it succeeded.
    pub last_error: Option<String>,
}

/// Rows per INSERT statement when the mirror is written (well under both engines' limits on
/// bound parameters).
const INSERT_CHUNK: usize = 200;

/// The mirror's state.
///
/// # Errors
/// The database fails.
pub async fn status(db: impl Conn<'_>) -> Result<SyncStatus, DbError> {
    Ok(sqlx::query_as(
        "SELECT generation, synced_at, repositories, attempted_at, last_error \
         FROM catalog_sync WHERE catalog_sync_id = 1",
    )
    .fetch_one(db)
    .await?)
}

/// Takes the refresh lease until `until` if nobody holds it at `now`. With several replicas on
/// one database exactly one of them gets it.
///
/// # Errors
/// The database fails.
pub async fn try_lease(db: impl Conn<'_>, now: &str, until: &str) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE catalog_sync SET lease_until = $1, attempted_at = $2 \
         WHERE catalog_sync_id = 1 AND (lease_until IS NULL OR lease_until < $2)",
    )
    .bind(until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives the refresh lease taken until `until` back without a refresh (the server is
/// stopping), so another replica may refresh at once: the attempt is forgotten too, as after
/// a failure an attempt would hold the next one back for minutes. A lease someone else has
/// taken since stays.
///
/// # Errors
/// The database fails.
pub async fn release_lease(db: impl Conn<'_>, until: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE catalog_sync SET lease_until = NULL, attempted_at = NULL \
         WHERE catalog_sync_id = 1 AND lease_until = $1",
    )
    .bind(until)
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces the whole mirror with `repositories` in one transaction, bumps the generation and
/// releases the lease. Readers see the old mirror or the new one, never a mix.
///
/// # Errors
/// The database fails; the old mirror is kept then.
pub async fn replace(
    db: &Db,
    repositories: &[CatalogRepository],
    now: &str,
) -> Result<i64, DbError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM catalog_repository")
        .execute(&mut *tx)
        .await?;
    for chunk in repositories.chunks(INSERT_CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3))
            .collect();
        let sql = format!(
            "INSERT INTO catalog_repository (registry, repository, record) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for repository in chunk {
            let record = serde_json::to_string(repository)
                .map_err(|e| DbError::Corrupt(format!("catalog record: {e}")))?;
            query = query
                .bind(repository.registry.clone())
                .bind(repository.repository.clone())
                .bind(record);
        }
        query.execute(&mut *tx).await?;
    }
    let (generation,): (i64,) = sqlx::query_as(
        "UPDATE catalog_sync SET generation = generation + 1, synced_at = $1, repositories = $2, \
             last_error = NULL, lease_until = NULL \
         WHERE catalog_sync_id = 1 RETURNING generation",
    )
    .bind(now)
    .bind(repositories.len() as i64)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(generation)
}

/// Records a failed refresh and releases the lease; the mirror stays as it was.
///
/// # Errors
/// The database fails.
pub async fn record_failure(db: impl Conn<'_>, error: &str) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE catalog_sync SET last_error = $1, lease_until = NULL WHERE catalog_sync_id = 1",
    )
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Every repository in the mirror, with the generation they belong to.
///
/// # Errors
/// The database fails or holds a record this version cannot read.
pub async fn load(db: &Db) -> Result<(SyncStatus, Vec<CatalogRepository>), DbError> {
    // One transaction, so the status and the rows are of the same refresh.
    let mut tx = db.begin().await?;
    let status: SyncStatus = sqlx::query_as(
        "SELECT generation, synced_at, repositories, attempted_at, last_error \
         FROM catalog_sync WHERE catalog_sync_id = 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT record FROM catalog_repository ORDER BY registry, repository")
            .fetch_all(&mut *tx)
            .await?;
    tx.commit().await?;
    let repositories = rows
        .into_iter()
        .map(|(record,)| {
            serde_json::from_str(&record)
                .map_err(|e| DbError::Corrupt(format!("catalog_repository.record: {e}")))
        })
        .collect::<Result<_, _>>()?;
    Ok((status, repositories))
}

/// A stored freshness grade and when the catalog was last asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredGrade {
    pub grade: Option<String>,
    pub checked_at: String,
}

/// The stored grades of the given `(registry, repository)` pairs.
///
/// # Errors
/// The database fails.
pub async fn grades(
    db: impl Conn<'_>,
    keys: &[(String, String)],
) -> Result<HashMap<(String, String), StoredGrade>, DbError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT registry, repository, grade, checked_at FROM catalog_grade \
         WHERE repository IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, String, Option<String>, String)>(&sql);
    for (_, repository) in keys {
        query = query.bind(repository.clone());
    }
    let rows = query.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter(|(registry, repository, _, _)| {
            keys.iter()
                .any(|(r, name)| r == registry && name == repository)
        })
        .map(|(registry, repository, grade, checked_at)| {
            ((registry, repository), StoredGrade { grade, checked_at })
        })
        .collect())
}

/// Stores what the catalog said about a repository's grade at `checked_at`. `grade: None` with
/// `keep_old` leaves a known grade in place (the catalog could not be asked).
///
/// # Errors
/// The database fails.
pub async fn store_grade(
    db: impl Conn<'_>,
    registry: &str,
    repository: &str,
    grade: Option<&str>,
    keep_old: bool,
    checked_at: &str,
) -> Result<(), DbError> {
    let sql = if keep_old {
        "INSERT INTO catalog_grade (registry, repository, grade, checked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (registry, repository) DO UPDATE SET checked_at = excluded.checked_at"
    } else {
        "INSERT INTO catalog_grade (registry, repository, grade, checked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (registry, repository) DO UPDATE SET grade = excluded.grade, \
             checked_at = excluded.checked_at"
    };
    sqlx::query(sql)
        .bind(registry)
        .bind(repository)
        .bind(grade)
        .bind(checked_at)
        .execute(db)
        .await?;
    Ok(())
}
