//! The `api_token` table.

use crate::persistence::{Conn, DbError};
use crate::tokens::{Scope, TokenSummary};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct TokenRow {
    api_token_id: String,
    name: String,
    scopes: String,
    secret_hash: String,
    created_by: String,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

const COLUMNS: &str = "api_token_id, name, scopes, secret_hash, created_by, created_at, \
                       expires_at, last_used_at, revoked_at";

impl TokenRow {
    fn into_parts(self) -> Result<(TokenSummary, String), DbError> {
        let scopes = self
            .scopes
            .split_whitespace()
            .map(|s| Scope::parse(s).map_err(DbError::Corrupt))
            .collect::<Result<_, _>>()?;
        Ok((
            TokenSummary {
                id: self.api_token_id,
                name: self.name,
                scopes,
                created_by: self.created_by,
                created_at: self.created_at,
                expires_at: self.expires_at,
                last_used_at: self.last_used_at,
                revoked_at: self.revoked_at,
            },
            self.secret_hash,
        ))
    }
}

/// Stores a new token.
///
/// # Errors
/// [`DbError::UniqueViolation`] when the name is taken; the database fails.
pub async fn insert(
    conn: &mut AnyConnection,
    token: &TokenSummary,
    secret_hash: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO api_token (api_token_id, name, scopes, secret_hash, created_by, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&token.id)
    .bind(&token.name)
    .bind(token.scope_names())
    .bind(secret_hash)
    .bind(&token.created_by)
    .bind(&token.created_at)
    .bind(&token.expires_at)
    .execute(&mut *conn)
    .await
    .map_err(DbError::from_sqlx)?;
    Ok(())
}

/// The token with this id and its stored secret hash.
///
/// # Errors
/// The database fails or holds a scope this version does not know.
pub async fn find(db: impl Conn<'_>, id: &str) -> Result<Option<(TokenSummary, String)>, DbError> {
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token WHERE api_token_id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    row.map(TokenRow::into_parts).transpose()
}

/// The token with this name (the live one, if there is one), or else this id.
///
/// # Errors
/// The database fails.
pub async fn find_by_name_or_id(
    db: impl Conn<'_>,
    key: &str,
) -> Result<Option<TokenSummary>, DbError> {
    let row: Option<TokenRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token WHERE name = $1 OR api_token_id = $1 \
         ORDER BY CASE WHEN name = $1 THEN 0 ELSE 1 END, \
             CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END, created_at DESC LIMIT 1"
    ))
    .bind(key)
    .fetch_optional(db)
    .await?;
    Ok(row.map(TokenRow::into_parts).transpose()?.map(|(t, _)| t))
}

/// Every token, newest first.
///
/// # Errors
/// The database fails.
pub async fn list(db: impl Conn<'_>) -> Result<Vec<TokenSummary>, DbError> {
    let rows: Vec<TokenRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token ORDER BY created_at DESC, name"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| row.into_parts().map(|(t, _)| t))
        .collect()
}

/// Records a use at `now`, unless one was recorded after `stale_before`.
///
/// # Errors
/// The database fails.
pub async fn touch(
    db: impl Conn<'_>,
    id: &str,
    now: &str,
    stale_before: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE api_token SET last_used_at = $1 \
         WHERE api_token_id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(stale_before)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the token revoked.
///
/// # Errors
/// The database fails.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    now: &str,
) -> Result<(), DbError> {
    let revoked = sqlx::query(
        "UPDATE api_token SET revoked_at = $1, revoked_by = $2 \
         WHERE api_token_id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if revoked.rows_affected() > 0 {
        // Replicas that checked this token lately see the counter move (crate::changes).
        crate::persistence::next_id(conn, "api_token_revocation").await?;
    }
    Ok(())
}
