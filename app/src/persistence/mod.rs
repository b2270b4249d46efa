//! Persistence: one connection pool and portable SQL for SQLite and PostgreSQL.
//!
//! Queries use sqlx's `Any` driver with `$n` placeholders, which both engines accept, so there is
//! one schema history (`migrations/`) and one query per operation. Timestamps are stored as
//! fixed-width RFC 3339 text in UTC ([`now`]), which sorts and compares correctly on both.
//! Server only.

pub mod counters;
pub mod sessions;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool};
use std::str::FromStr;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Where a query runs: the pool (`state.db.pool()`) or an open transaction (`&mut *tx`), so
/// a read can see what the caller's transaction wrote and hold its locks. Store functions that
/// run one statement take this; those that open their own transaction take [`Db`].
pub trait Conn<'c>: sqlx::Executor<'c, Database = sqlx::Any> {}
impl<'c, T: sqlx::Executor<'c, Database = sqlx::Any>> Conn<'c> for T {}

/// Which engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a connection pool shared by request handlers and background jobs.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

/// A database failure. Conflicts are told apart because callers answer them differently.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (use sqlite://PATH or postgres://...): {0}")]
    UnsupportedUrl(String),
    #[error("a row with the same key already exists")]
    UniqueViolation,
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    pub(crate) fn from_sqlx(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::UniqueViolation,
            _ => DbError::Sqlx(error),
        }
    }
}

impl From<DbError> for crate::error::AppError {
    fn from(error: DbError) -> Self {
        tracing::error!(error = %error, "database operation failed");
        crate::error::AppError::Internal
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Db {
    /// Opens a pool for `url`: `sqlite://path/to/file.db` (the file and its folder are created
    /// when missing) or `postgres://user:password@host/db`.
    ///
    /// # Errors
    /// An unsupported URL, or a database that cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl(redact_url(url)));
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| Box::pin(configure_connection(conn, backend)))
            .connect_with(options)
            .await?;
        Ok(Self { pool, backend })
    }

    /// Brings the schema up to date. Safe to run on every start and from several replicas: the
    /// migrator takes a lock on PostgreSQL.
    ///
    /// # Errors
    /// A migration that fails, or one that was changed after it ran.
    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Answers whether the database can run a query now (for `/readyz`).
    ///
    /// # Errors
    /// The database cannot be reached.
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction. Callers write a change with its timeline entry, audit row and mail
    /// in one, so they commit or roll back together.
    ///
    /// # Errors
    /// No connection could be had.
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        Ok(self.pool.begin().await?)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// Per-connection settings. SQLite: WAL lets readers go on while one writer commits, and the
/// busy timeout makes writers queue instead of failing.
async fn configure_connection(
    conn: &mut AnyConnection,
    backend: Backend,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Sqlite {
        for pragma in [
            "PRAGMA journal_mode = WAL",
            "PRAGMA busy_timeout = 5000",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
        ] {
            sqlx::query(pragma).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Takes the next number of the named sequence. Inside a transaction on PostgreSQL the row stays
/// locked until commit, so concurrent callers get distinct, gap-free numbers.
pub async fn next_id(conn: &mut AnyConnection, sequence: &str) -> Result<i64, DbError> {
    let (value,): (i64,) = sqlx::query_as(
        "UPDATE id_sequence SET last_value = last_value + 1 WHERE name = $1 RETURNING last_value",
    )
    .bind(sequence)
    .fetch_one(conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(value)
}

/// The current time as stored in the database.
pub fn now() -> String {
    format_timestamp(OffsetDateTime::now_utc())
}

/// Today's date as stored in the database (`YYYY-MM-DD`, UTC): approvals end after their last
/// day, catalog end-of-life dates are compared with it.
pub fn today() -> String {
    OffsetDateTime::now_utc().date().to_string()
}

/// Formats a time the way the database stores it: UTC, microseconds, `Z`. Fixed width, so text
/// order is time order.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let micros = at.microsecond();
    let at = at.replace_nanosecond(micros * 1000).unwrap_or(at);
    let text = at
        .format(&time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        ))
        .unwrap_or_default();
    debug_assert!(OffsetDateTime::parse(&text, &Rfc3339).is_ok());
    text
}

/// Creates the SQLite file's folder and asks for the file to be created if it is missing.
fn prepare_sqlite_url(url: &str) -> Result<String, DbError> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(DbError::UnsupportedUrl(
            "an in-memory SQLite database is not shared between connections; use a file".into(),
        ));
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(|e| {
                DbError::UnsupportedUrl(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// The URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_a_fixed_width_and_sort_as_text() {
        let early = format_timestamp(time::macros::datetime!(2026-01-02 03:04:05.5 UTC));
        let late = format_timestamp(time::macros::datetime!(2026-01-02 03:04:05.000007 +01:00));
        assert_eq!(early, "2026-01-02T03:04:05.500000Z");
        assert_eq!(late, "2026-01-02T02:04:05.000007Z");
        assert_eq!(early.len(), late.len());
        assert!(late < early);
    }

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db.example:5432/portcullis"),
            "postgres://app:***@db.example:5432/portcullis"
        );
        assert_eq!(redact_url("sqlite://data/p.db"), "sqlite://data/p.db");
    }

    #[test]
    fn sqlite_urls_ask_for_file_creation() {
        let dir = std::env::temp_dir().join(format!("portcullis-url-{}", std::process::id()));
        let url = format!("sqlite://{}/x.db", dir.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.is_dir());
        assert!(prepare_sqlite_url("sqlite::memory:").is_err());
    }
}
