//! The `image_request` and `request_event` tables.

use crate::catalog::mirror::Freshness;
use crate::domain::{
    CatalogDecision, CatalogOutcome, EventKind, NewImageRequest, RequestId, RequestState, UserId,
};
use crate::persistence::{next_id, Conn, Db, DbError};
use crate::requests::model::{
    CatalogCheck, RequestDetail, RequestEvent, RequestSummary, SubmittedBeside,
};
use sqlx::AnyConnection;

/// `image_request.catalog_status` values.
const CATALOG_CHECKED: &str = "checked";
const CATALOG_NOT_CHECKED: &str = "not_checked";

/// A request as stored, with the requester's name joined in.
#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub image_request_id: i64,
    pub requester_id: String,
    pub requester_name: String,
    pub requester_email: String,
    pub image_input: String,
    pub image_reference: String,
    pub team: String,
    pub contact_email: String,
    pub justification: String,
    pub state: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub catalog_candidates: String,
    pub catalog_decision: String,
    pub catalog_choice: Option<String>,
    pub catalog_reason: Option<String>,
    pub catalog_status: String,
    pub catalog_mirror_at: Option<String>,
    pub local_match: Option<String>,
    pub claimed_by: Option<String>,
    pub claimed_by_name: Option<String>,
}

/// One entry of a request's timeline, with the actor's name joined in.
#[derive(Debug, sqlx::FromRow)]
pub struct EventRow {
    pub request_event_id: i64,
    pub actor_name: String,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub body: Option<String>,
    pub created_at: String,
}

fn state(value: &str) -> Result<RequestState, DbError> {
    RequestState::from_db(value).ok_or_else(|| DbError::Corrupt(format!("unknown state {value:?}")))
}

impl TryFrom<RequestRow> for RequestDetail {
    type Error = DbError;
    fn try_from(row: RequestRow) -> Result<Self, DbError> {
        Ok(RequestDetail {
            id: RequestId(row.image_request_id),
            requester_id: UserId(row.requester_id),
            requester_name: row.requester_name,
            requester_email: row.requester_email,
            image_input: row.image_input,
            image: row.image_reference,
            team: row.team,
            contact: row.contact_email,
            justification: row.justification,
            state: state(&row.state)?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            claimed_by: row.claimed_by.map(UserId),
            claimed_by_name: row.claimed_by_name,
            catalog: CatalogCheck {
                candidates: serde_json::from_str(&row.catalog_candidates)
                    .map_err(|e| DbError::Corrupt(format!("catalog_candidates: {e}")))?,
                decision: CatalogOutcome::from_db(&row.catalog_decision).ok_or_else(|| {
                    DbError::Corrupt(format!("catalog_decision: {:?}", row.catalog_decision))
                })?,
                choice: row.catalog_choice,
                reason: row.catalog_reason,
                checked: row.catalog_status == CATALOG_CHECKED,
                mirror_at: row.catalog_mirror_at,
            },
            submitted_beside: row
                .local_match
                .as_deref()
                .map(|m| {
                    SubmittedBeside::parse(m)
                        .ok_or_else(|| DbError::Corrupt(format!("local_match: {m:?}")))
                })
                .transpose()?,
        })
    }
}

impl TryFrom<EventRow> for RequestEvent {
    type Error = DbError;
    fn try_from(row: EventRow) -> Result<Self, DbError> {
        Ok(RequestEvent {
            id: row.request_event_id,
            actor_name: row.actor_name,
            kind: EventKind::parse(&row.kind).ok_or_else(|| {
                DbError::Corrupt(format!("unknown timeline entry kind {:?}", row.kind))
            })?,
            from_state: row.from_state.as_deref().map(state).transpose()?,
            to_state: row.to_state.as_deref().map(state).transpose()?,
            body: row.body,
            created_at: row.created_at,
        })
    }
}

/// Stores a new request in state `submitted` together with its first timeline entry, inside the
/// caller's transaction, and returns its number. `catalog` says whether its catalog check counts.
///
/// # Errors
/// The database fails; the caller's transaction is then rolled back.
pub async fn insert(
    tx: &mut AnyConnection,
    requester: &UserId,
    request: &NewImageRequest,
    catalog: &Freshness,
    now: &str,
) -> Result<RequestId, DbError> {
    let (catalog_status, mirror_at) = match catalog {
        Freshness::Checked { mirror_at } => (CATALOG_CHECKED, Some(mirror_at.clone())),
        Freshness::NotChecked { mirror_at } => (CATALOG_NOT_CHECKED, mirror_at.clone()),
    };
    let decision = request.catalog_decision.outcome().as_str();
    let (choice, reason) = match &request.catalog_decision {
        CatalogDecision::NoEquivalent => (None, None),
        CatalogDecision::Chosen(c) => (Some(c.repository.clone()), None),
        CatalogDecision::NoneFits(why) => (None, Some(why.clone())),
    };
    let id = next_id(tx, "image_request").await?;
    sqlx::query(
        "INSERT INTO image_request (image_request_id, requester_id, image_input, image_reference, \
             team, contact_email, justification, state, version, created_at, updated_at, \
             catalog_candidates, catalog_decision, catalog_choice, catalog_reason, \
             catalog_status, catalog_mirror_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(&requester.0)
    .bind(&request.image_input)
    .bind(request.image.to_string())
    .bind(&request.team)
    .bind(request.contact.as_str())
    .bind(&request.justification)
    .bind(RequestState::Submitted.as_str())
    .bind(now)
    .bind(serde_json::to_string(&request.catalog_candidates).unwrap_or_else(|_| "[]".into()))
    .bind(decision)
    .bind(choice)
    .bind(reason)
    .bind(catalog_status)
    .bind(mirror_at)
    .execute(&mut *tx)
    .await?;
    insert_event(
        tx,
        &NewEvent {
            request: RequestId(id),
            actor: &requester.0,
            kind: EventKind::Submitted,
            from: None,
            to: Some(RequestState::Submitted),
            body: None,
        },
        now,
    )
    .await?;
    Ok(RequestId(id))
}

/// The requester's own requests, newest first, at most `limit`.
///
/// # Errors
/// The database fails or holds a state this version does not know.
pub async fn list_by_requester(
    db: impl Conn<'_>,
    requester: &UserId,
    limit: i64,
) -> Result<Vec<RequestSummary>, DbError> {
    let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT image_request_id, image_reference, team, state, created_at, updated_at, \
             catalog_status \
         FROM image_request WHERE requester_id = $1 \
         ORDER BY image_request_id DESC LIMIT $2",
    )
    .bind(&requester.0)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(
            |(id, image, team, state_text, created_at, updated_at, catalog)| {
                Ok(RequestSummary {
                    id: RequestId(id),
                    image,
                    team,
                    state: state(&state_text)?,
                    created_at,
                    updated_at,
                    catalog_checked: catalog == CATALOG_CHECKED,
                })
            },
        )
        .collect()
}

/// One request with its requester's name, if it exists.
///
/// # Errors
/// The database fails or holds a state this version does not know.
pub async fn find(db: impl Conn<'_>, id: RequestId) -> Result<Option<RequestDetail>, DbError> {
    let row: Option<RequestRow> = sqlx::query_as(
        "SELECT r.image_request_id, r.requester_id, u.display_name AS requester_name, \
             u.email AS requester_email, \
             r.image_input, r.image_reference, r.team, r.contact_email, r.justification, \
             r.state, r.version, r.created_at, r.updated_at, r.catalog_candidates, \
             r.catalog_decision, r.catalog_choice, r.catalog_reason, r.catalog_status, \
             r.catalog_mirror_at, r.local_match, r.claimed_by, \
             c.display_name AS claimed_by_name \
         FROM image_request r JOIN app_user u ON u.user_id = r.requester_id \
         LEFT JOIN app_user c ON c.user_id = r.claimed_by \
         WHERE r.image_request_id = $1",
    )
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    row.map(RequestDetail::try_from).transpose()
}

/// The request's timeline, oldest first.
///
/// # Errors
/// The database fails.
pub async fn events(db: impl Conn<'_>, id: RequestId) -> Result<Vec<RequestEvent>, DbError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT e.request_event_id, u.display_name AS actor_name, e.kind, e.from_state, \
             e.to_state, e.body, e.created_at \
         FROM request_event e JOIN app_user u ON u.user_id = e.actor_id \
         WHERE e.image_request_id = $1 ORDER BY e.request_event_id",
    )
    .bind(id.0)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(RequestEvent::try_from).collect()
}

/// Open requests (not yet decided) whose catalog check did not count, oldest first, with the
/// reference as typed and the requester: the background re-check's work list.
///
/// # Errors
/// The database fails.
pub async fn catalog_unchecked(
    db: impl Conn<'_>,
    limit: i64,
) -> Result<Vec<(RequestId, String, UserId)>, DbError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT image_request_id, image_input, requester_id FROM image_request \
         WHERE catalog_status = $1 AND state IN ($2, $3, $4) \
         ORDER BY image_request_id LIMIT $5",
    )
    .bind(CATALOG_NOT_CHECKED)
    .bind(RequestState::Submitted.as_str())
    .bind(RequestState::InReview.as_str())
    .bind(RequestState::ChangesRequested.as_str())
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, input, requester)| (RequestId(id), input, UserId(requester)))
        .collect())
}

/// Stores a background re-check: the new candidates, the mirror used, and a timeline entry by
/// the system user saying what changed. Only a request still marked "not checked" is touched,
/// so two replicas re-checking at once record it once. Returns whether this call recorded it.
///
/// # Errors
/// The database fails; nothing is stored then.
pub async fn record_recheck(
    db: &Db,
    id: RequestId,
    candidates: &[crate::catalog::Candidate],
    mirror_at: &str,
    note: &str,
    now: &str,
) -> Result<bool, DbError> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE image_request SET catalog_candidates = $1, catalog_status = $2, \
             catalog_mirror_at = $3, updated_at = $4, version = version + 1 \
         WHERE image_request_id = $5 AND catalog_status = $6",
    )
    .bind(serde_json::to_string(candidates).unwrap_or_else(|_| "[]".into()))
    .bind(CATALOG_CHECKED)
    .bind(mirror_at)
    .bind(now)
    .bind(id.0)
    .bind(CATALOG_NOT_CHECKED)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Ok(false);
    }
    insert_event(
        &mut tx,
        &NewEvent {
            request: id,
            actor: SYSTEM_USER,
            kind: EventKind::CatalogRechecked,
            from: None,
            to: None,
            body: Some(note),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The `app_user` row that acts for the portal itself (seeded by a migration).
pub const SYSTEM_USER: &str = "portcullis:system";

/// A timeline entry to add.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub request: RequestId,
    pub actor: &'a str,
    pub kind: EventKind,
    pub from: Option<RequestState>,
    pub to: Option<RequestState>,
    pub body: Option<&'a str>,
}

/// Adds a timeline entry inside the caller's transaction; returns its id.
///
/// # Errors
/// The database fails.
pub async fn insert_event(
    conn: &mut AnyConnection,
    event: &NewEvent<'_>,
    now: &str,
) -> Result<i64, DbError> {
    let event_id = next_id(conn, "request_event").await?;
    sqlx::query(
        "INSERT INTO request_event (request_event_id, image_request_id, actor_id, kind, \
             from_state, to_state, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(event_id)
    .bind(event.request.0)
    .bind(event.actor)
    .bind(event.kind.as_str())
    .bind(event.from.map(RequestState::as_str))
    .bind(event.to.map(RequestState::as_str))
    .bind(event.body)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(event_id)
}

/// Moves a request to `to`, held by `claimed_by`, if it is still at `expected_version`. Returns
/// false when someone changed it first (nothing is written then).
///
/// # Errors
/// The database fails.
pub async fn update_state(
    conn: &mut AnyConnection,
    id: RequestId,
    expected_version: i64,
    to: RequestState,
    claimed_by: Option<&str>,
    decided_by: Option<&str>,
    now: &str,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "UPDATE image_request SET state = $1, claimed_by = $2, \
             decided_by = COALESCE($3, decided_by), \
             decided_at = CASE WHEN $3 IS NULL THEN decided_at ELSE $4 END, \
             version = version + 1, updated_at = $4 \
         WHERE image_request_id = $5 AND version = $6",
    )
    .bind(to.as_str())
    .bind(claimed_by)
    .bind(decided_by)
    .bind(now)
    .bind(id.0)
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Replaces the fields a requester may edit before resubmitting. Called inside the transaction
/// whose state update checked the version the requester saw.
///
/// # Errors
/// The database fails.
pub async fn update_details(
    conn: &mut AnyConnection,
    id: RequestId,
    team: &str,
    contact: &str,
    justification: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "UPDATE image_request SET team = $1, contact_email = $2, justification = $3 \
         WHERE image_request_id = $4",
    )
    .bind(team)
    .bind(contact)
    .bind(justification)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A request waiting for the security team.
#[derive(Debug)]
pub struct Waiting {
    pub id: RequestId,
    pub image: String,
    pub team: String,
    pub state: RequestState,
    pub version: i64,
    pub updated_at: String,
}

/// Open requests by state (those still waiting on someone), for monitoring.
///
/// # Errors
/// The database fails or holds an unknown state.
pub async fn open_by_state(db: impl Conn<'_>) -> Result<Vec<(RequestState, i64)>, DbError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT state, COUNT(*) FROM image_request WHERE state IN ($1, $2, $3) GROUP BY state",
    )
    .bind(RequestState::Submitted.as_str())
    .bind(RequestState::InReview.as_str())
    .bind(RequestState::ChangesRequested.as_str())
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(text, count)| Ok((state(&text)?, count)))
        .collect()
}

/// Since when the longest-waiting request has waited for the security team: of the requests
/// submitted or in review, the earliest time one was (last) submitted; `None` when none waits.
/// Edits and the catalog re-check do not restart the wait, as `updated_at` would.
///
/// # Errors
/// The database fails.
pub async fn oldest_waiting_since(db: impl Conn<'_>) -> Result<Option<String>, DbError> {
    let (oldest,): (Option<String>,) = sqlx::query_as(
        "SELECT MIN(COALESCE((SELECT MAX(e.created_at) FROM request_event e \
                              WHERE e.image_request_id = r.image_request_id AND e.to_state = $1), \
                             r.created_at)) \
         FROM image_request r WHERE r.state IN ($1, $2)",
    )
    .bind(RequestState::Submitted.as_str())
    .bind(RequestState::InReview.as_str())
    .fetch_one(db)
    .await?;
    Ok(oldest)
}

/// Requests submitted or in review that have not changed since `cutoff` and have not been
/// reminded about at their current version, oldest first.
///
/// # Errors
/// The database fails or holds a state this version does not know.
pub async fn waiting_since(
    db: impl Conn<'_>,
    cutoff: &str,
    limit: i64,
) -> Result<Vec<Waiting>, DbError> {
    let rows: Vec<(i64, String, String, String, i64, String)> = sqlx::query_as(
        "SELECT image_request_id, image_reference, team, state, version, updated_at \
         FROM image_request r WHERE state IN ($1, $2) AND updated_at < $3 \
           AND NOT EXISTS (SELECT 1 FROM mail_outbox m \
               WHERE m.dedupe_key = 'reminder:' || r.image_request_id || ':' || r.version) \
         ORDER BY updated_at LIMIT $4",
    )
    .bind(RequestState::Submitted.as_str())
    .bind(RequestState::InReview.as_str())
    .bind(cutoff)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, image, team, state_text, version, updated_at)| {
            Ok(Waiting {
                id: RequestId(id),
                image,
                team,
                state: state(&state_text)?,
                version,
                updated_at,
            })
        })
        .collect()
}

/// An open request found for a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    pub id: RequestId,
    pub state: RequestState,
    pub team: String,
    pub requester_id: UserId,
}

/// The open requests (submitted, in review, changes requested) for `name`
/// (`registry/repository`, any tag or digest), oldest first, leaving out `except`.
///
/// # Errors
/// The database fails or holds a state this version does not know.
pub async fn open_for_repository(
    db: impl Conn<'_>,
    name: &str,
    except: Option<RequestId>,
) -> Result<Vec<OpenRequest>, DbError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT image_request_id, state, team, requester_id FROM image_request \
         WHERE state IN ('submitted', 'in_review', 'changes_requested') \
           AND image_request_id <> $4 \
           AND (image_reference = $1 OR substr(image_reference, 1, length($2)) = $2 \
                OR substr(image_reference, 1, length($3)) = $3) \
         ORDER BY image_request_id",
    )
    .bind(name)
    .bind(format!("{name}:"))
    .bind(format!("{name}@"))
    .bind(except.map_or(0, |r| r.0))
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, s, team, requester)| {
            Ok(OpenRequest {
                id: RequestId(id),
                state: state(&s)?,
                team,
                requester_id: UserId(requester),
            })
        })
        .collect()
}

/// Records what the local-registry check found when request `id` was submitted.
///
/// # Errors
/// The database fails.
pub async fn set_local_match(
    conn: &mut AnyConnection,
    id: RequestId,
    found: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("UPDATE image_request SET local_match = $2 WHERE image_request_id = $1")
        .bind(id.0)
        .bind(found)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
