//! The reviewers' queue: open requests oldest first, with counts per state, filters and keyset
//! paging. Server only.

use super::model::{QueueFilter, QueuePage};
use crate::domain::{RequestState, SessionUser};
use crate::error::{AppError, FieldErrors};
use crate::persistence;
use crate::state::AppState;

/// One page of the reviewers' queue. Who: reviewers and admins.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone else; [`AppError::Invalid`] for an unknown state filter;
/// [`AppError::Internal`].
pub async fn page(
    state: &AppState,
    viewer: &SessionUser,
    filter: QueueFilter,
) -> Result<QueuePage, AppError> {
    viewer.require_staff()?;
    let states = filter.states();
    if states.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add(
            "state",
            crate::i18n::td_string!(crate::i18n::request_locale(), validation.queue_state),
        );
        return Err(AppError::Invalid(errors));
    }
    let after = match filter.after.split_once('|') {
        Some((at, id)) => Some((
            at.to_owned(),
            id.parse::<i64>().map_err(|_| {
                AppError::BadRequest(
                    "the page cursor is not valid; start from the first page".into(),
                )
            })?,
        )),
        None if filter.after.is_empty() => None,
        None => {
            return Err(AppError::BadRequest(
                "the page cursor is not valid; start from the first page".into(),
            ))
        }
    };
    let query = crate::review::store::QueueQuery {
        states: &states,
        team: (!filter.team.trim().is_empty()).then(|| filter.team.trim()),
        claimed_by: filter.mine.then_some(viewer.user_id.0.as_str()),
        unchecked_only: filter.unchecked,
        after: after.as_ref().map(|(at, id)| (at.as_str(), *id)),
        limit: QUEUE_PAGE_SIZE,
    };
    let (rows, has_more) = crate::review::store::page(state.db.pool(), &query).await?;
    let counts = crate::review::store::counts(state.db.pool(), &query).await?;
    let matching = counts
        .iter()
        .filter(|(s, _)| states.contains(s))
        .map(|(_, n)| n)
        .sum();
    let next = has_more
        .then(|| rows.last().map(|r| format!("{}|{}", r.created_at, r.id.0)))
        .flatten();
    let counts = RequestState::ALL
        .into_iter()
        .map(|s| {
            (
                s,
                counts
                    .iter()
                    .find(|(c, _)| *c == s)
                    .map(|(_, n)| *n)
                    .unwrap_or(0),
            )
        })
        .collect();
    Ok(QueuePage {
        filter,
        rows,
        counts,
        matching,
        next,
        now: persistence::now(),
    })
}

/// Rows per queue page.
pub const QUEUE_PAGE_SIZE: i64 = 50;
