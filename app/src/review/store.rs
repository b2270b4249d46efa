//! The reviewers' queue: open requests oldest first, read a page at a time with a keyset cursor
//! on (created_at, id), so the thousandth page costs what the first does.

use crate::domain::{RequestId, RequestState};
use crate::persistence::{Conn, DbError};
use crate::review::model::QueueRow;

/// What the queue shows.
#[derive(Debug)]
pub struct QueueQuery<'a> {
    pub states: &'a [RequestState],
    pub team: Option<&'a str>,
    pub claimed_by: Option<&'a str>,
    pub unchecked_only: bool,
    /// Rows strictly after this (created_at, id).
    pub after: Option<(&'a str, i64)>,
    pub limit: i64,
}

/// The WHERE clause for the filters other than state (shared by the page and the counts), with
/// its parameters numbered from `first`.
fn other_filters(query: &QueueQuery<'_>, first: usize) -> (String, Vec<String>) {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    if let Some(team) = query.team {
        values.push(team.to_owned());
        clauses.push(format!("r.team = ${}", first + values.len() - 1));
    }
    if let Some(user) = query.claimed_by {
        values.push(user.to_owned());
        clauses.push(format!("r.claimed_by = ${}", first + values.len() - 1));
    }
    if query.unchecked_only {
        clauses.push("r.catalog_status = 'not_checked'".to_owned());
    }
    (clauses.join(" AND "), values)
}

/// One page of rows, and whether more follow.
///
/// Each state is read on its own through the `(state, created_at, id)` index, at most one page
/// each, and the pieces are merged: a page costs the same with 100 requests or 100,000, where a
/// single `state IN (…)` query would sort every open request first.
///
/// # Errors
/// The database fails or holds a state this version does not know.
pub async fn page(
    db: impl Conn<'_>,
    query: &QueueQuery<'_>,
) -> Result<(Vec<QueueRow>, bool), DbError> {
    let states = query.states.len();
    let mut values: Vec<String> = query.states.iter().map(|s| s.as_str().to_owned()).collect();
    let (others, other_values) = other_filters(query, states + 1);
    values.extend(other_values);
    let mut shared = String::new();
    if !others.is_empty() {
        shared.push_str(" AND ");
        shared.push_str(&others);
    }
    let mut after_id = None;
    if let Some((at, id)) = query.after {
        values.push(at.to_owned());
        let n = values.len();
        shared.push_str(&format!(
            " AND (r.created_at > ${n} OR (r.created_at = ${n} AND r.image_request_id > ${}))",
            n + 1
        ));
        after_id = Some(id);
    }
    let limit = values.len() + usize::from(after_id.is_some()) + 1;
    let pieces: Vec<String> = (1..=states)
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT r.image_request_id, r.created_at FROM image_request r \
                 WHERE r.state = ${i}{shared} \
                 ORDER BY r.created_at, r.image_request_id LIMIT ${limit}) AS s{i}"
            )
        })
        .collect();
    let sql = format!(
        "SELECT r.image_request_id, r.image_reference, r.team, r.state, u.display_name, \
             r.created_at, c.display_name, r.catalog_status \
         FROM ({}) AS k \
         JOIN image_request r ON r.image_request_id = k.image_request_id \
         JOIN app_user u ON u.user_id = r.requester_id \
         LEFT JOIN app_user c ON c.user_id = r.claimed_by \
         ORDER BY r.created_at, r.image_request_id LIMIT ${limit}",
        pieces.join(" UNION ALL ")
    );
    type Row = (
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        String,
    );
    let mut q = sqlx::query_as::<_, Row>(&sql);
    for value in &values {
        q = q.bind(value.clone());
    }
    if let Some(id) = after_id {
        q = q.bind(id);
    }
    let rows = q.bind(query.limit + 1).fetch_all(db).await?;
    let has_more = rows.len() as i64 > query.limit;
    let rows = rows
        .into_iter()
        .take(query.limit as usize)
        .map(
            |(id, image, team, state, requester, created_at, claimed, catalog)| {
                Ok(QueueRow {
                    id: RequestId(id),
                    image,
                    team,
                    state: RequestState::from_db(&state)
                        .ok_or_else(|| DbError::Corrupt(format!("unknown state {state:?}")))?,
                    requester_name: requester,
                    created_at,
                    claimed_by_name: claimed,
                    catalog_checked: catalog == "checked",
                })
            },
        )
        .collect::<Result<Vec<_>, DbError>>()?;
    Ok((rows, has_more))
}

/// Requests per state matching the filters other than state.
///
/// # Errors
/// The database fails.
pub async fn counts(
    db: impl Conn<'_>,
    query: &QueueQuery<'_>,
) -> Result<Vec<(RequestState, i64)>, DbError> {
    let (others, values) = other_filters(query, 1);
    let sql = format!(
        "SELECT r.state, COUNT(*) FROM image_request r {} GROUP BY r.state",
        if others.is_empty() {
            String::new()
        } else {
            format!("WHERE {others}")
        }
    );
    let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
    for value in values {
        q = q.bind(value);
    }
    let rows = q.fetch_all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(state, n)| RequestState::from_db(&state).map(|s| (s, n)))
        .collect())
}
