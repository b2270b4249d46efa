//! Creating, checking, listing and revoking API tokens. Server only.
//!
//! A token reads `pct_<id>_<secret>`: the id (16 hex digits) finds the row, the secret (64 hex
//! digits, 256 random bits) proves possession. Only the secret's SHA-256 is stored: a random
//! secret of that length needs no slow hash, and a stolen database yields no usable token.

use super::known::{KnownToken, LAST_USED_PRECISION};
use super::model::{Scope, TokenSummary};
use super::store;
use crate::audit::chain::{Actor, AuditEvent, AuditTrail};
use crate::error::{AppError, FieldErrors};
use crate::persistence::{self, Db, DbError};
use crate::state::AppState;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Tokens expire after this many days unless the creator says otherwise.
pub const DEFAULT_EXPIRY_DAYS: u32 = 365;
/// The longest lifetime a token can have.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// A token just created: its summary and the whole token, which is shown this once.
#[derive(Debug)]
pub struct CreatedToken {
    pub summary: TokenSummary,
    pub token: String,
}

/// Why a bearer token was refused. The API answers the first with 401 and no detail, the
/// second with 403 naming the scope.
#[derive(Debug, PartialEq, Eq)]
pub enum BearerRefusal {
    /// Missing, malformed, unknown, wrong secret, expired or revoked.
    Unauthenticated,
    /// A valid token without the scope the route needs.
    MissingScope(Scope),
}

/// Creates a token. Who: admins (through the UI) and the operator (`portcullis token create`).
///
/// # Errors
/// [`AppError::Invalid`] for a bad name, no scope or a lifetime out of range;
/// [`AppError::Conflict`] when the name is taken; [`AppError::Internal`].
pub async fn create(
    db: &Db,
    trail: &AuditTrail,
    name: &str,
    scopes: &[Scope],
    expires_in_days: Option<u32>,
    actor: &Actor,
) -> Result<CreatedToken, AppError> {
    let created_by = actor.id.as_str();
    let name = name.trim();
    let mut errors = FieldErrors::default();
    if name.is_empty() || name.chars().count() > 64 {
        errors.add(
            "name",
            crate::i18n::td_string!(crate::i18n::request_locale(), validation.token.name_length),
        );
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
    {
        errors.add(
            "name",
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                validation.token.name_characters
            ),
        );
    }
    if scopes.is_empty() {
        errors.add(
            "scope",
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                validation.token.scope,
                scopes = Scope::ALL.map(Scope::as_str).join(", ")
            )
            .to_string(),
        );
    }
    let days = expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS);
    if !(1..=MAX_EXPIRY_DAYS).contains(&days) {
        errors.add(
            "expires_in",
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                validation.token.lifetime,
                max = MAX_EXPIRY_DAYS
            )
            .to_string(),
        );
    }
    if !errors.is_empty() {
        errors.keep("name", name);
        return Err(AppError::Invalid(errors));
    }

    let id = random_hex(8);
    let secret = random_hex(32);
    let now = time::OffsetDateTime::now_utc();
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    let summary = TokenSummary {
        id: id.clone(),
        name: name.to_owned(),
        scopes,
        created_by: created_by.to_owned(),
        created_at: persistence::format_timestamp(now),
        expires_at: Some(persistence::format_timestamp(
            now + Duration::from_secs(u64::from(days) * 86_400),
        )),
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = db.begin().await?;
    match store::insert(&mut tx, &summary, &hash(&secret)).await {
        Ok(()) => {}
        Err(DbError::UniqueViolation) => {
            return Err(AppError::Conflict(
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    tokens.name_taken,
                    name = format!("{name:?}")
                )
                .to_string(),
            ))
        }
        Err(other) => return Err(other.into()),
    }
    let head = trail
        .append(
            &mut tx,
            actor,
            AuditEvent {
                action: "token.create",
                subject: format!("token:{id}"),
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "name": summary.name,
                    "scopes": summary.scopes,
                    "expires_at": summary.expires_at,
                }),
            },
            &summary.created_at,
        )
        .await?;
    tx.commit().await.map_err(DbError::from)?;
    head.announce();
    tracing::info!(target: "audit", token = %id, name, actor = created_by, "API token created");
    Ok(CreatedToken {
        token: format!("pct_{id}_{secret}"),
        summary,
    })
}

/// Checks an `Authorization` header value for a token with `needed`. Who: the API routes.
/// Reads the database only for a token this process has not checked lately (see
/// [`super::known::KnownTokens`]).
///
/// # Errors
/// [`BearerRefusal`]; a database failure is logged and refused as unauthenticated, never
/// answered with the token's details.
pub async fn authenticate(
    state: &AppState,
    authorization: &str,
    needed: Scope,
) -> Result<Arc<TokenSummary>, BearerRefusal> {
    let (id, secret) = parse(authorization).ok_or(BearerRefusal::Unauthenticated)?;
    let revocations = state
        .changes
        .current(&state.db)
        .await
        .map_err(unreadable)?
        .token_revocations;
    let known = match state.known_tokens.get(id, revocations) {
        Some(known) => known,
        // Boxed: the database path is rare, and would otherwise enlarge every call's future.
        None => Box::pin(read_and_record_use(state, id, secret, revocations)).await?,
    };
    let now = persistence::format_timestamp(time::OffsetDateTime::now_utc());
    if !constant_time_eq(&hash_hex(secret), known.secret_hash.as_bytes())
        || !known.token.is_active(&now)
    {
        return Err(BearerRefusal::Unauthenticated);
    }
    if !known.token.scopes.contains(&needed) {
        return Err(BearerRefusal::MissingScope(needed));
    }
    Ok(known.token)
}

/// Reads token `id` and, when `secret` is its secret and it is active, records its use (unless
/// the stored use is recent) and keeps it in [`super::known::KnownTokens`].
async fn read_and_record_use(
    state: &AppState,
    id: &str,
    secret: &str,
    revocations: i64,
) -> Result<KnownToken, BearerRefusal> {
    let (mut token, secret_hash) = store::find(state.db.pool(), id)
        .await
        .map_err(unreadable)?
        .ok_or(BearerRefusal::Unauthenticated)?;
    let now = time::OffsetDateTime::now_utc();
    let now_text = persistence::format_timestamp(now);
    if !constant_time_eq(&hash_hex(secret), secret_hash.as_bytes()) || !token.is_active(&now_text) {
        return Err(BearerRefusal::Unauthenticated);
    }
    let stale_before = persistence::format_timestamp(now - LAST_USED_PRECISION);
    if token
        .last_used_at
        .as_deref()
        .is_none_or(|at| at < stale_before.as_str())
    {
        match store::touch(state.db.pool(), id, &now_text, &stale_before).await {
            Ok(()) => token.last_used_at = Some(now_text),
            Err(error) => tracing::warn!(%error, "could not record an API token's use"),
        }
    }
    let known = KnownToken {
        token: Arc::new(token),
        secret_hash,
        revocations,
        read_at: Instant::now(),
    };
    state.known_tokens.keep(known.clone());
    Ok(known)
}

fn unreadable(error: DbError) -> BearerRefusal {
    tracing::error!(%error, "could not read API tokens");
    BearerRefusal::Unauthenticated
}

/// Every token, newest first. Who: admins and the operator.
///
/// # Errors
/// [`AppError::Internal`].
pub async fn list(db: &Db) -> Result<Vec<TokenSummary>, AppError> {
    Ok(store::list(db.pool()).await?)
}

/// Revokes the token with this name or id, at once and for good. Who: admins and the operator.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown token, [`AppError::Conflict`] when it was revoked
/// already, [`AppError::Internal`].
pub async fn revoke(
    db: &Db,
    trail: &AuditTrail,
    name_or_id: &str,
    actor: &Actor,
) -> Result<TokenSummary, AppError> {
    let by = actor.id.as_str();
    let name_or_id = name_or_id.trim();
    let token = store::find_by_name_or_id(db.pool(), name_or_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    tokens.numbered,
                    name = format!("{name_or_id:?}")
                )
                .to_string(),
            )
        })?;
    if token.revoked_at.is_some() {
        return Err(AppError::Conflict(
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                tokens.revoked_already,
                name = format!("{:?}", token.name)
            )
            .to_string(),
        ));
    }
    let now = persistence::now();
    let mut tx = db.begin().await?;
    store::revoke(&mut tx, &token.id, by, &now).await?;
    let head = trail
        .append(
            &mut tx,
            actor,
            AuditEvent {
                action: "token.revoke",
                subject: format!("token:{}", token.id),
                before: serde_json::json!({ "name": token.name, "revoked": false }),
                after: serde_json::json!({ "name": token.name, "revoked": true }),
            },
            &now,
        )
        .await?;
    tx.commit().await.map_err(DbError::from)?;
    head.announce();
    tracing::info!(target: "audit", token = %token.id, name = %token.name, actor = by, "API token revoked");
    Ok(TokenSummary {
        revoked_at: Some(persistence::now()),
        ..token
    })
}

/// `Bearer pct_<16 hex>_<64 hex>` → (id, secret).
fn parse(authorization: &str) -> Option<(&str, &str)> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    split_token(token.trim())
}

/// `pct_<16 hex>_<64 hex>` → (id, secret).
fn split_token(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("pct_")?;
    let (id, secret) = rest.split_once('_')?;
    let hex = |s: &str, len| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, 16) && hex(secret, 64)).then_some((id, secret))
}

/// The id of a token of the form this portal issues (`pct_<id>_<secret>`), or `None`.
pub fn token_id(token: &str) -> Option<String> {
    split_token(token).map(|(id, _)| id.to_owned())
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    to_hex(&buffer)
}

/// The stored form of a secret: its SHA-256 in lowercase hex.
fn hash(secret: &str) -> String {
    String::from_utf8_lossy(&hash_hex(secret)).into_owned()
}

/// [`hash`] without allocating, for the check on every call.
fn hash_hex(secret: &str) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, byte) in out
        .chunks_exact_mut(2)
        .zip(Sha256::digest(secret.as_bytes()))
    {
        pair.copy_from_slice(&hex_pair(byte));
    }
    out
}

fn to_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| hex_pair(b))
        .map(char::from)
        .collect()
}

fn hex_pair(byte: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [
        DIGITS[usize::from(byte >> 4)],
        DIGITS[usize::from(byte & 15)],
    ]
}

/// Compares without stopping at the first difference, so timing says nothing about the hash.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_bearer_tokens_are_read() {
        let id = "0123456789abcdef";
        let secret = "a".repeat(64);
        let token = format!("pct_{id}_{secret}");
        assert_eq!(
            parse(&format!("Bearer {token}")),
            Some((id, secret.as_str()))
        );
        assert_eq!(
            parse(&format!("bearer {token}")),
            Some((id, secret.as_str()))
        );
        for bad in [
            String::new(),
            token.clone(),
            format!("Basic {token}"),
            format!("Bearer pct_{id}_{}", "a".repeat(63)),
            format!("Bearer pct_{id}_{}", "g".repeat(64)),
            format!("Bearer xyz_{id}_{secret}"),
            format!("Bearer pct_{id}{secret}"),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn hashes_compare_in_full() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
