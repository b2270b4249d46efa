//! The catalog's search, the form's local check and a team's report. Server only.

use super::model::{CatalogItem, CatalogPage, LocalMatch, ReportItem, TeamReport};
use crate::allowlist::AllowlistEntry;
use crate::domain::{ImageReference, RequestId, SessionUser};
use crate::error::{AppError, FieldErrors};
use crate::persistence;
use crate::state::AppState;

/// Entries per catalog page.
pub const PAGE_SIZE: i64 = 50;
/// The longest search the catalog takes.
pub const QUERY_MAX: usize = 200;
/// An approval ending within this many days is "ending soon" in reports.
pub const ENDS_SOON_DAYS: i64 = 30;

/// The catalog items of `entries`, with what the mirror holds of each.
async fn items(state: &AppState, entries: &[AllowlistEntry]) -> Result<Vec<CatalogItem>, AppError> {
    let refs: Vec<&AllowlistEntry> = entries.iter().collect();
    let mut mirror = crate::mirror::service::status_of(state, &refs).await?;
    Ok(entries
        .iter()
        .map(|e| CatalogItem {
            entry_id: e.id,
            request_id: e.request_id.0,
            source: format!("{}/{}", e.registry, e.repository),
            tags: e.tags.describe(crate::i18n::request_locale()),
            team: e.team.clone(),
            contact: e.contact.clone(),
            expires_on: e.expires_on.clone(),
            mirror: mirror.remove(&e.id).unwrap_or_default(),
        })
        .collect())
}

/// One page of the active approvals matching `query` (registry, repository, team or contact;
/// any case), after entry `after`. Who: every signed-in user (the catalog is what everyone may
/// pull).
///
/// # Errors
/// [`AppError::Invalid`] (field `q`) for a search over [`QUERY_MAX`] characters or with control
/// characters; [`AppError::Internal`].
pub async fn catalog(
    state: &AppState,
    query: &str,
    after: Option<i64>,
) -> Result<CatalogPage, AppError> {
    let query = query.trim();
    if query.chars().count() > QUERY_MAX || query.chars().any(char::is_control) {
        let mut errors = FieldErrors::default();
        errors.add(
            "q",
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                validation.search,
                max = QUERY_MAX
            )
            .to_string(),
        );
        errors.keep("q", query);
        return Err(AppError::Invalid(errors));
    }
    let mut conn = state
        .db
        .pool()
        .acquire()
        .await
        .map_err(persistence::DbError::from)?;
    let (entries, more) =
        crate::allowlist::store::search(&mut conn, &persistence::today(), query, after, PAGE_SIZE)
            .await?;
    // Given back before the items' own reads take one: a request never holds two.
    drop(conn);
    let next_after = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(CatalogPage {
        query: query.to_owned(),
        items: items(state, &entries).await?,
        next_after,
        mirror_configured: state.settings.mirror.is_some(),
    })
}

/// What the local-registry check found: what `viewer` may be shown, and what is recorded with
/// a request submitted now (`approved:REQUEST` / `open:REQUEST`, for the reviewers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFinding {
    pub shown: LocalMatch,
    pub stored: Option<String>,
}

/// What the local registry already has for `image`: an active approval of its repository
/// (with the pull path), else an open request for it, else nothing. An open request is shown
/// in full only to those who may see it (its requester, the staff); others learn only that one
/// exists. `except` leaves a request out (the one being resubmitted).
///
/// # Errors
/// [`AppError::Invalid`] (field `image`) for a reference that does not parse;
/// [`AppError::Internal`].
pub async fn local_check(
    state: &AppState,
    viewer: &SessionUser,
    image: &str,
    except: Option<RequestId>,
) -> Result<LocalFinding, AppError> {
    let reference = ImageReference::parse(image).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add("image", e.message(crate::i18n::request_locale()));
        AppError::Invalid(errors)
    })?;
    let today = persistence::today();
    let approved = crate::allowlist::store::active_for_repository(
        state.db.pool(),
        &today,
        reference.registry(),
        reference.repository(),
    )
    .await?;
    let covers = |entry: &AllowlistEntry| match (reference.digest(), reference.tag()) {
        (Some(digest), _) => entry.digests.iter().any(|d| d == digest),
        (None, tag) => {
            entry.digests.is_empty() && entry.tags.matcher().matches(tag.unwrap_or("latest"))
        }
    };
    // The entry that covers the reference, else the newest one of the repository.
    if let Some(entry) = approved
        .iter()
        .find(|e| covers(e))
        .or_else(|| approved.first())
    {
        let status = crate::mirror::service::status_of(state, &[entry])
            .await?
            .remove(&entry.id)
            .unwrap_or_default();
        return Ok(LocalFinding {
            stored: Some(format!("approved:{}", entry.request_id.0)),
            shown: LocalMatch::Approved {
                request_id: entry.request_id.0,
                pull_path: status.pull_path,
                tags: entry.tags.describe(crate::i18n::request_locale()),
                covers: covers(entry),
                available_since: status.available_since,
            },
        });
    }
    let name = format!("{}/{}", reference.registry(), reference.repository());
    let open = crate::requests::store::open_for_repository(state.db.pool(), &name, except).await?;
    // Theirs (or any, for the staff) first: that is the one to comment on.
    let mine = open
        .iter()
        .find(|o| o.requester_id == viewer.user_id || viewer.is_staff());
    Ok(match (mine, open.first()) {
        (Some(mine), _) => LocalFinding {
            stored: Some(format!("open:{}", mine.id.0)),
            shown: LocalMatch::Open {
                request_id: mine.id.0,
                state: mine.state,
                team: mine.team.clone(),
            },
        },
        (None, Some(theirs)) => LocalFinding {
            stored: Some(format!("open:{}", theirs.id.0)),
            shown: LocalMatch::OpenElsewhere,
        },
        (None, None) => LocalFinding {
            stored: None,
            shown: LocalMatch::Nothing,
        },
    })
}

/// The report for `owner` (a team name or a contact address): their active approvals, which
/// have stale images in the mirror, which end within [`ENDS_SOON_DAYS`]. Who: every signed-in
/// user (it lists what the catalog shows).
///
/// # Errors
/// [`AppError::Internal`].
pub async fn report(state: &AppState, owner: &str) -> Result<TeamReport, AppError> {
    let owner = owner.trim();
    let today = persistence::today();
    let entries = if owner.is_empty() {
        Vec::new()
    } else {
        crate::allowlist::store::active_owned_by(state.db.pool(), &today, owner, owner).await?
    };
    let soon = time::Date::parse(
        &today,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(|d| (d + time::Duration::days(ENDS_SOON_DAYS)).to_string())
    .unwrap_or_default();
    Ok(TeamReport {
        owner: owner.to_owned(),
        items: items(state, &entries)
            .await?
            .into_iter()
            .map(|item| ReportItem {
                stale: item.mirror.has_stale(),
                ends_soon: item.expires_on <= soon,
                item,
            })
            .collect(),
        max_age_days: state.settings.max_image_age_days,
    })
}
