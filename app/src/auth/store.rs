//! The `app_user` table: people who have signed in at least once.

use crate::domain::SessionUser;
use crate::i18n::{self, Locale};
use crate::persistence::{Conn, DbError};

/// Records the user as the identity provider describes them now (name and e-mail can change),
/// signing in with pages in `language`: that becomes their mail language unless they have one.
///
/// # Errors
/// The database fails.
pub async fn upsert(
    db: impl Conn<'_>,
    user: &SessionUser,
    language: Locale,
    now: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO app_user (user_id, display_name, email, created_at, updated_at, language) \
         VALUES ($1, $2, $3, $4, $4, $5) \
         ON CONFLICT (user_id) DO UPDATE \
         SET display_name = excluded.display_name, email = excluded.email, \
             updated_at = excluded.updated_at, \
             language = COALESCE(app_user.language, excluded.language)",
    )
    .bind(&user.user_id.0)
    .bind(&user.display_name)
    .bind(&user.email)
    .bind(now)
    .bind(i18n::code(language))
    .execute(db)
    .await?;
    Ok(())
}

/// Records the language `user_id` chose in the header's switch.
///
/// # Errors
/// The database fails.
pub async fn set_language(
    db: impl Conn<'_>,
    user_id: &str,
    language: Locale,
) -> Result<(), DbError> {
    sqlx::query("UPDATE app_user SET language = $1 WHERE user_id = $2")
        .bind(i18n::code(language))
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The language mail to `user_id` is written in: their last choice (or the language they signed
/// in with), else `default` (`PORTCULLIS_DEFAULT_LANGUAGE`). Call it with the transaction that
/// queues the mail: a second pool connection could wait on a pool that transactions hold.
///
/// # Errors
/// The database fails.
pub async fn mail_language(
    db: impl Conn<'_>,
    user_id: &str,
    default: Locale,
) -> Result<Locale, DbError> {
    Ok(language_of(db, user_id).await?.unwrap_or(default))
}

/// The language mail to `address` is written in when it is not known to be a user's: the
/// language of the user who last signed in with that address, else `default`. For contact
/// addresses, which are often a team's list rather than a person.
///
/// # Errors
/// The database fails.
pub async fn mail_language_of_address(
    db: impl Conn<'_>,
    address: &str,
    default: Locale,
) -> Result<Locale, DbError> {
    let row: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT language FROM app_user WHERE lower(email) = lower($1) AND language IS NOT NULL \
         ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(address.trim())
    .fetch_optional(db)
    .await?;
    Ok(row
        .and_then(|(code,)| code.as_deref().and_then(i18n::parse_code))
        .unwrap_or(default))
}

/// The language `user_id` last chose (or signed in with), if any: their mail is written in it.
///
/// # Errors
/// The database fails.
pub async fn language_of(db: impl Conn<'_>, user_id: &str) -> Result<Option<Locale>, DbError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT language FROM app_user WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    Ok(row.and_then(|(code,)| code.as_deref().and_then(i18n::parse_code)))
}
