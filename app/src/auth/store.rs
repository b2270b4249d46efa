//! The `app_user` table: people who have signed in at least once.

use crate::domain::SessionUser;
use crate::persistence::{Conn, DbError};

/// Records the user as the identity provider describes them now (name and e-mail can change).
///
/// # Errors
/// The database fails.
pub async fn upsert(db: impl Conn<'_>, user: &SessionUser, now: &str) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO app_user (user_id, display_name, email, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (user_id) DO UPDATE \
         SET display_name = excluded.display_name, email = excluded.email, \
             updated_at = excluded.updated_at",
    )
    .bind(&user.user_id.0)
    .bind(&user.display_name)
    .bind(&user.email)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
