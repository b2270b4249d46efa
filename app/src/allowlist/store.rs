//! The `allowlist_entry` table and the allowlist's revision number.

use crate::allowlist::AllowlistEntry;
use crate::domain::{ApprovalScope, RequestId};
use crate::persistence::{next_id, Conn, DbError};
use sqlx::AnyConnection;

#[derive(sqlx::FromRow)]
struct EntryRow {
    allowlist_entry_id: i64,
    image_request_id: i64,
    registry: String,
    repository: String,
    tag_rule: String,
    digests: String,
    architectures: String,
    expires_on: String,
    approved_by: String,
    approved_by_name: String,
    approved_at: String,
    revoked_at: Option<String>,
    revoked_by_name: Option<String>,
    revoke_reason: Option<String>,
    version: i64,
    team: String,
    contact_email: String,
    requester_name: String,
}

impl TryFrom<EntryRow> for AllowlistEntry {
    type Error = DbError;
    fn try_from(r: EntryRow) -> Result<Self, DbError> {
        let json =
            |field: &str, text: &str| DbError::Corrupt(format!("allowlist_entry.{field}: {text}"));
        Ok(AllowlistEntry {
            id: r.allowlist_entry_id,
            request_id: RequestId(r.image_request_id),
            registry: r.registry,
            repository: r.repository,
            tags: serde_json::from_str(&r.tag_rule)
                .map_err(|e| json("tag_rule", &e.to_string()))?,
            digests: serde_json::from_str(&r.digests)
                .map_err(|e| json("digests", &e.to_string()))?,
            architectures: serde_json::from_str(&r.architectures)
                .map_err(|e| json("architectures", &e.to_string()))?,
            expires_on: r.expires_on,
            approved_by: r.approved_by,
            approved_by_name: r.approved_by_name,
            approved_at: r.approved_at,
            revoked_at: r.revoked_at,
            revoked_by_name: r.revoked_by_name,
            revoke_reason: r.revoke_reason,
            version: r.version,
            team: r.team,
            contact: r.contact_email,
            requester_name: r.requester_name,
        })
    }
}

const SELECT: &str = "SELECT e.allowlist_entry_id, e.image_request_id, e.registry, e.repository, \
        e.tag_rule, e.digests, e.architectures, e.expires_on, e.approved_by, \
        a.display_name AS approved_by_name, e.approved_at, e.revoked_at, \
        r.display_name AS revoked_by_name, e.revoke_reason, e.version, q.team, q.contact_email, \
        rq.display_name AS requester_name \
    FROM allowlist_entry e JOIN app_user a ON a.user_id = e.approved_by \
    JOIN image_request q ON q.image_request_id = e.image_request_id \
    JOIN app_user rq ON rq.user_id = q.requester_id \
    LEFT JOIN app_user r ON r.user_id = e.revoked_by";

/// Creates the entry an approval allows and bumps the allowlist's revision.
///
/// # Errors
/// The database fails.
pub async fn insert(
    conn: &mut AnyConnection,
    entry: &NewEntry<'_>,
    scope: &ApprovalScope,
    approved_by: &str,
    now: &str,
) -> Result<i64, DbError> {
    let id = next_id(conn, "allowlist_entry").await?;
    sqlx::query(
        "INSERT INTO allowlist_entry (allowlist_entry_id, image_request_id, registry, repository, \
             tag_rule, digests, architectures, expires_on, approved_by, approved_at, version, \
             search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)",
    )
    .bind(id)
    .bind(entry.request.0)
    .bind(entry.registry)
    .bind(entry.repository)
    .bind(to_json(&scope.tags))
    .bind(to_json(&scope.digests))
    .bind(to_json(&scope.architectures))
    .bind(&scope.expires_on)
    .bind(approved_by)
    .bind(now)
    .bind(entry.search_text())
    .execute(&mut *conn)
    .await?;
    bump_revision(conn).await?;
    Ok(id)
}

/// What an approval's entry is made of besides its scope.
#[derive(Clone, Copy, Debug)]
pub struct NewEntry<'a> {
    pub request: RequestId,
    pub registry: &'a str,
    pub repository: &'a str,
    /// The request's team and contact, for the catalog's search.
    pub team: &'a str,
    pub contact: &'a str,
}

impl NewEntry<'_> {
    /// What the catalog searches, folded here (the databases' LOWER differ beyond ASCII).
    fn search_text(&self) -> String {
        fold(&format!(
            "{}/{} {} {}",
            self.registry, self.repository, self.team, self.contact
        ))
    }
}

/// Text folded for case-insensitive search, the same for what is stored and what is asked.
fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// JSON text of a value (the stored columns are JSON as text).
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// The allowlist's revision grows with every change to it.
///
/// # Errors
/// The database fails.
pub async fn bump_revision(conn: &mut AnyConnection) -> Result<i64, DbError> {
    next_id(conn, "allowlist_revision").await
}

/// Bumps the revision when an update changed its one row; returns whether it did.
async fn bump_if_changed(conn: &mut AnyConnection, rows: u64) -> Result<bool, DbError> {
    if rows != 1 {
        return Ok(false);
    }
    bump_revision(conn).await?;
    Ok(true)
}

/// The entry an approval of `request` created, if any.
///
/// # Errors
/// The database fails or holds an unreadable entry.
pub async fn for_request(
    db: impl Conn<'_>,
    request: RequestId,
) -> Result<Option<AllowlistEntry>, DbError> {
    let row: Option<EntryRow> = sqlx::query_as(&format!("{SELECT} WHERE e.image_request_id = $1"))
        .bind(request.0)
        .fetch_optional(db)
        .await?;
    row.map(AllowlistEntry::try_from).transpose()
}

/// One entry.
///
/// # Errors
/// The database fails or holds an unreadable entry.
pub async fn find(conn: &mut AnyConnection, id: i64) -> Result<Option<AllowlistEntry>, DbError> {
    let row: Option<EntryRow> =
        sqlx::query_as(&format!("{SELECT} WHERE e.allowlist_entry_id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(AllowlistEntry::try_from).transpose()
}

/// Every active entry on `today`, in a stable order (registry, repository, id).
///
/// # Errors
/// The database fails or holds an unreadable entry.
pub async fn active(db: impl Conn<'_>, today: &str) -> Result<Vec<AllowlistEntry>, DbError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE e.revoked_at IS NULL AND e.expires_on >= $1 \
         ORDER BY e.registry, e.repository, e.allowlist_entry_id"
    ))
    .bind(today)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AllowlistEntry::try_from).collect()
}

/// How many entries are in force on `today`, for monitoring.
///
/// # Errors
/// The database fails.
pub async fn count_active(db: impl Conn<'_>, today: &str) -> Result<i64, DbError> {
    let (count,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM allowlist_entry WHERE revoked_at IS NULL AND expires_on >= $1",
    )
    .bind(today)
    .fetch_one(db)
    .await?;
    Ok(count)
}

/// Revokes an entry still at `expected_version`; false when it changed first.
///
/// # Errors
/// The database fails.
pub async fn revoke(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    by: &str,
    reason: &str,
    now: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE allowlist_entry SET revoked_at = $1, revoked_by = $2, revoke_reason = $3, \
             version = version + 1 \
         WHERE allowlist_entry_id = $4 AND version = $5 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    bump_if_changed(conn, result.rows_affected()).await
}

/// Moves an entry's last day to `expires_on`; false when it changed first.
///
/// # Errors
/// The database fails.
pub async fn renew(
    conn: &mut AnyConnection,
    id: i64,
    expected_version: i64,
    expires_on: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE allowlist_entry SET expires_on = $1, expiry_warned_at = NULL, version = version + 1 \
         WHERE allowlist_entry_id = $2 AND version = $3 AND revoked_at IS NULL",
    )
    .bind(expires_on)
    .bind(id)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    bump_if_changed(conn, result.rows_affected()).await
}

/// Active entries whose last day is on or before `warn_until` and that have not been warned
/// about: the expiry warning's work list.
///
/// # Errors
/// The database fails or holds an unreadable entry.
pub async fn expiring_unwarned(
    db: impl Conn<'_>,
    today: &str,
    warn_until: &str,
) -> Result<Vec<AllowlistEntry>, DbError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE e.revoked_at IS NULL AND e.expiry_warned_at IS NULL \
             AND e.expires_on >= $1 AND e.expires_on <= $2 \
         ORDER BY e.allowlist_entry_id"
    ))
    .bind(today)
    .bind(warn_until)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AllowlistEntry::try_from).collect()
}

/// Notes that the expiry warning for an entry was queued.
///
/// # Errors
/// The database fails.
pub async fn mark_warned(conn: &mut AnyConnection, id: i64, now: &str) -> Result<(), DbError> {
    sqlx::query("UPDATE allowlist_entry SET expiry_warned_at = $1 WHERE allowlist_entry_id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// `text` as a `LIKE` pattern that matches it anywhere, its wildcards taken literally
/// (used with `ESCAPE '\'`), lower-cased.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in fold(text).chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// One page of the active entries whose registry, repository, team or contact contains
/// `query` (any case; all when empty), in repository order, after entry `after` (keyset:
/// the page after the one that ended with that entry). Returns up to `limit` entries and
/// whether more follow.
///
/// # Errors
/// The database fails.
pub async fn search(
    conn: &mut AnyConnection,
    today: &str,
    query: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<(Vec<AllowlistEntry>, bool), DbError> {
    let pattern = contains_pattern(query.trim());
    // The cursor's place in the order, as plain values: a range the index seeks to directly
    // (an unknown cursor starts from the beginning).
    let cursor: Option<(String, String, i64)> = match after {
        Some(id) => {
            sqlx::query_as(
                "SELECT repository, registry, allowlist_entry_id FROM allowlist_entry \
             WHERE allowlist_entry_id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        }
        None => None,
    };
    let keyset = if cursor.is_some() {
        "AND (c.repository, c.registry, c.allowlist_entry_id) > ($4, $5, $6)"
    } else {
        ""
    };
    // The page's entries are picked from the entry table alone, then joined: whatever the
    // planner's statistics say (none at all, or taken before the table filled), it can only
    // walk the catalog index (which covers every column the pick reads) in page order and stop
    // after a page. `COALESCE(revoked_at, '') = ''` says "not revoked" in a way the
    // active-entries index cannot serve, which would read every active entry and sort them.
    let sql = format!(
        "{SELECT} WHERE e.allowlist_entry_id IN (\
             SELECT c.allowlist_entry_id FROM allowlist_entry c \
             WHERE COALESCE(c.revoked_at, '') = '' AND c.expires_on >= $1 \
               AND ($2 = '%%' OR c.search_text LIKE $2 ESCAPE '\\') {keyset} \
             ORDER BY c.repository, c.registry, c.allowlist_entry_id LIMIT $3) \
         ORDER BY e.repository, e.registry, e.allowlist_entry_id"
    );
    let mut statement = sqlx::query_as::<_, EntryRow>(&sql)
        .bind(today)
        .bind(&pattern)
        .bind(limit + 1);
    if let Some((repository, registry, id)) = &cursor {
        statement = statement.bind(repository).bind(registry).bind(id);
    }
    let rows = statement.fetch_all(&mut *conn).await?;
    let more = rows.len() as i64 > limit;
    let entries = rows
        .into_iter()
        .take(limit as usize)
        .map(AllowlistEntry::try_from)
        .collect::<Result<_, _>>()?;
    Ok((entries, more))
}

/// The active entries of `registry` / `repository`, newest first.
///
/// # Errors
/// The database fails.
pub async fn active_for_repository(
    db: impl Conn<'_>,
    today: &str,
    registry: &str,
    repository: &str,
) -> Result<Vec<AllowlistEntry>, DbError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE e.revoked_at IS NULL AND e.expires_on >= $1 \
           AND e.registry = $2 AND e.repository = $3 ORDER BY e.allowlist_entry_id DESC"
    ))
    .bind(today)
    .bind(registry)
    .bind(repository)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AllowlistEntry::try_from).collect()
}

/// The active entries whose contact is `contact` or whose team is `team` (either may be
/// empty), in repository order: what a team's report lists.
///
/// # Errors
/// The database fails.
pub async fn active_owned_by(
    db: impl Conn<'_>,
    today: &str,
    contact: &str,
    team: &str,
) -> Result<Vec<AllowlistEntry>, DbError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE e.revoked_at IS NULL AND e.expires_on >= $1 \
           AND ((q.contact_email = $2 AND $2 <> '') OR (LOWER(q.team) = LOWER($3) AND $3 <> '')) \
         ORDER BY e.repository, e.registry, e.allowlist_entry_id"
    ))
    .bind(today)
    .bind(contact)
    .bind(team)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AllowlistEntry::try_from).collect()
}

/// The contact addresses of the entries active on `today` and approved before
/// `approved_before` (a timestamp or date), each once.
///
/// # Errors
/// The database fails.
pub async fn active_contacts(
    db: impl Conn<'_>,
    today: &str,
    approved_before: &str,
) -> Result<Vec<String>, DbError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT q.contact_email FROM allowlist_entry e \
         JOIN image_request q ON q.image_request_id = e.image_request_id \
         WHERE e.revoked_at IS NULL AND e.expires_on >= $1 AND e.approved_at < $2 \
         ORDER BY q.contact_email",
    )
    .bind(today)
    .bind(approved_before)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}
