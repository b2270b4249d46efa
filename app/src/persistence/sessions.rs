//! A tower-sessions store on the `user_session` table, so every replica sees every session.

use super::{now, Db};
use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, ExpiredDeletion, Result, SessionStore};

/// Session records as JSON text, keyed by the session id, with their expiry.
#[derive(Clone, Debug)]
pub struct SqlSessionStore {
    db: Db,
}

impl SqlSessionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

fn encode(record: &Record) -> Result<(String, String)> {
    let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
    Ok((data, super::format_timestamp(record.expiry_date)))
}

#[async_trait]
impl SessionStore for SqlSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let (data, expires_at) = encode(record)?;
        // Ids are 128 random bits; a clash is astronomically unlikely, but never overwrite.
        for _ in 0..4 {
            let inserted = sqlx::query(
                "INSERT INTO user_session (user_session_id, data, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_session_id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(&expires_at)
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
        Err(Error::Backend(
            "could not allocate a unique session id".into(),
        ))
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let (data, expires_at) = encode(record)?;
        sqlx::query(
            "INSERT INTO user_session (user_session_id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_session_id) DO UPDATE \
             SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(&data)
        .bind(&expires_at)
        .execute(self.db.pool())
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT data, expires_at FROM user_session \
             WHERE user_session_id = $1 AND expires_at > $2",
        )
        .bind(id.to_string())
        .bind(now())
        .fetch_optional(self.db.pool())
        .await
        .map_err(backend)?;
        let Some((data, expires_at)) = row else {
            return Ok(None);
        };
        let data = serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::parse(
            &expires_at,
            &time::format_description::well_known::Rfc3339,
        )
        .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        sqlx::query("DELETE FROM user_session WHERE user_session_id = $1")
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for SqlSessionStore {
    async fn delete_expired(&self) -> Result<()> {
        sqlx::query("DELETE FROM user_session WHERE expires_at <= $1")
            .bind(now())
            .execute(self.db.pool())
            .await
            .map_err(backend)?;
        Ok(())
    }
}
