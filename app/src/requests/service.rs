//! The rules for requests, on the server: who may see what, validation before storage.
//! Server functions and the HTTP API call these; pages never reach the database otherwise.

use crate::audit::chain::{Actor, AuditEvent};
use crate::catalog::mirror::Freshness;
use crate::catalog::service::candidates_for;
use crate::domain::{allowed_actions, NewImageRequest, RequestForm, RequestId, SessionUser};
use crate::error::AppError;
use crate::i18n::td_string;
use crate::mail::notices::new_request_notice;
use crate::mail::outbox;
use crate::persistence::{self, Db};
use crate::requests::model::{RequestDetail, RequestPage, RequestSummary};
use crate::state::AppState;

/// How many requests "My requests" lists.
pub const MY_REQUESTS_LIMIT: i64 = 200;

/// Checks the catalog for the typed image, validates the form (with the requester's catalog
/// decision) and stores a new request for `requester`, with what the catalog check showed. A
/// check against a mirror that is not current still lets the request through, marked "catalog
/// not checked".
///
/// # Errors
/// [`AppError::Invalid`] with every bad field (nothing stored), or [`AppError::Internal`].
pub async fn submit(
    state: &AppState,
    requester: &SessionUser,
    actor: &Actor,
    form: &RequestForm,
) -> Result<RequestId, AppError> {
    let view = state.catalog.current();
    let locale = crate::i18n::request_locale();
    let request = NewImageRequest::validate(
        form,
        candidates_for(state, &form.image, locale).await,
        locale,
    )
    .map_err(AppError::Invalid)?;
    let freshness = state
        .catalog
        .freshness(&view, time::OffsetDateTime::now_utc());
    if let Freshness::NotChecked { mirror_at } = &freshness {
        tracing::warn!(
            mirror_at = mirror_at.as_deref().unwrap_or("never (shipped snapshot)"),
            "catalog mirror is not current; the request is marked \"catalog not checked\""
        );
    }
    // The same check the form showed while typing, recorded for the reviewers.
    let local =
        crate::images::service::local_check(state, requester, &request.image.to_string(), None)
            .await?;
    let now = persistence::now();
    let checked = matches!(freshness, Freshness::Checked { .. });
    let mut tx = state.db.begin().await?;
    let id =
        crate::requests::store::insert(&mut tx, &requester.user_id, &request, &freshness, &now)
            .await?;
    crate::requests::store::set_local_match(&mut tx, id, local.stored.as_deref()).await?;
    let head = state
        .audit
        .append(
            &mut tx,
            actor,
            AuditEvent {
                action: "request.submit",
                subject: format!("request:{id}"),
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "state": "submitted",
                    "image": request.image.to_string(),
                    "image_input": request.image_input,
                    "team": request.team,
                    "contact": request.contact.as_str(),
                    "justification": request.justification,
                    "catalog_checked": checked,
                    "catalog_decision": request.catalog_decision,
                    "local_match": local.stored,
                }),
            },
            &now,
        )
        .await?;
    let image = request.image.to_string();
    if let Some(mail) = new_request_notice(state, id, requester, &image, &request.team, checked) {
        outbox::queue(&mut tx, &mail, &now).await?;
    }
    tx.commit().await.map_err(persistence::DbError::from)?;
    head.announce();
    tracing::info!(
        target: "audit",
        request_id = id.0,
        actor = %requester.user_id.0,
        image = %request.image,
        catalog_checked = checked,
        "request submitted"
    );
    Ok(id)
}

/// Checks again, against the current mirror, every open request whose catalog check did not
/// count, and records what it found on each request's timeline. Does nothing while the mirror
/// itself is not current. Returns how many requests it recorded. Who: the background job.
///
/// # Errors
/// The database fails; requests not yet recorded stay marked and are tried next time.
pub async fn recheck_catalog(state: &AppState) -> Result<usize, AppError> {
    let view = state.catalog.current();
    let Freshness::Checked { mirror_at } = state
        .catalog
        .freshness(&view, time::OffsetDateTime::now_utc())
    else {
        return Ok(0);
    };
    let mut recorded = 0;
    for (id, typed, requester) in
        crate::requests::store::catalog_unchecked(state.db.pool(), 500).await?
    {
        // The requester reads the note and the reasons: they are written in their language.
        let l = crate::auth::store::mail_language(
            state.db.pool(),
            &requester.0,
            state.settings.default_locale,
        )
        .await?;
        let candidates = candidates_for(state, &typed, l).await;
        let note = match candidates.first() {
            Some(best) => td_string!(
                l,
                requests.recheck.found,
                count = candidates.len(),
                best = best.repository.as_str()
            )
            .to_string(),
            None => td_string!(l, requests.recheck.none).to_owned(),
        };
        if crate::requests::store::record_recheck(
            &state.db,
            id,
            &candidates,
            &mirror_at,
            &note,
            &persistence::now(),
        )
        .await?
        {
            tracing::info!(
                target: "audit",
                request_id = id.0,
                equivalents = candidates.len(),
                "catalog re-checked"
            );
            recorded += 1;
        }
    }
    Ok(recorded)
}

/// The requester's own requests, newest first.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list_mine(db: &Db, user: &SessionUser) -> Result<Vec<RequestSummary>, AppError> {
    Ok(
        crate::requests::store::list_by_requester(db.pool(), &user.user_id, MY_REQUESTS_LIMIT)
            .await?,
    )
}

/// A request with its timeline, the actions the viewer may take and its allowlist entry, for
/// its requester, reviewers and admins. Anyone else is told it does not exist, so request numbers
/// reveal nothing.
///
/// # Errors
/// [`AppError::NotFound`] for a missing or foreign request, [`AppError::Internal`].
pub async fn page(
    state: &AppState,
    viewer: &SessionUser,
    id: RequestId,
) -> Result<RequestPage, AppError> {
    let request = visible(state, viewer, id).await?;
    let events = crate::requests::store::events(state.db.pool(), id).await?;
    let entry = crate::allowlist::store::for_request(state.db.pool(), id).await?;
    let mirror = match &entry {
        Some(entry) => crate::mirror::service::status_of(state, &[entry])
            .await?
            .remove(&entry.id)
            .unwrap_or_default(),
        None => crate::mirror::MirrorStatus::default(),
    };
    let today = crate::persistence::today();
    let in_days = |days: u32| {
        time::Date::parse(
            &today,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map(|d| (d + time::Duration::days(i64::from(days))).to_string())
        .unwrap_or_default()
    };
    Ok(RequestPage {
        actions: allowed_actions(&request.facts(), viewer),
        entry_actions: crate::domain::allowed_entry_actions(&request.requester_id, viewer),
        request,
        events,
        entry,
        mirror,
        contact_label: state.settings.contact_label.clone(),
        approval_default_expiry: in_days(state.settings.approval_default_days),
        approval_max_expiry: in_days(state.settings.approval_max_days),
        today,
    })
}

/// Whether `viewer` may see the request at all: its requester, reviewers and admins.
pub fn may_see(request: &RequestDetail, viewer: &SessionUser) -> bool {
    request.requester_id == viewer.user_id || viewer.is_staff()
}

/// Request `id` if `viewer` may see it, else "not found" (which says nothing about others'
/// requests). Who: every path that shows or acts on one request.
///
/// # Errors
/// [`AppError::NotFound`]; [`AppError::Internal`] when the database fails.
pub async fn visible(
    state: &AppState,
    viewer: &SessionUser,
    id: RequestId,
) -> Result<RequestDetail, AppError> {
    let not_found = || {
        AppError::NotFound(
            crate::i18n::td_string!(
                crate::i18n::request_locale(),
                requests.detail.title,
                id = id
            )
            .to_string(),
        )
    };
    let request = crate::requests::store::find(state.db.pool(), id)
        .await?
        .ok_or_else(not_found)?;
    if may_see(&request, viewer) {
        Ok(request)
    } else {
        Err(not_found())
    }
}

/// The image reference stored with `request`, parsed. Every stored reference passed the same
/// parse on submit, so a failure here is a corrupt row: logged, and answered as our fault.
///
/// # Errors
/// [`AppError::Internal`].
pub fn stored_image(request: &RequestDetail) -> Result<crate::domain::ImageReference, AppError> {
    crate::domain::ImageReference::parse(&request.image).map_err(|error| {
        tracing::error!(request = request.id.0, %error, "stored image reference does not parse");
        AppError::Internal
    })
}
