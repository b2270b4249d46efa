//! The review's rules on the server: every action on a request goes through [`act`], every
//! action on an allowlist entry through [`act_on_entry`]. Each one checks the workflow, the
//! version the person saw, and the input, then writes the change, its timeline entry, its audit
//! row and its e-mail in one transaction.

use super::model::{QueueFilter, QueuePage};
use crate::allowlist::AllowlistEntry;
use crate::audit::service::{Actor, AuditEvent};
use crate::domain::request::RequestDetails;
use crate::domain::text::{self, TextError};
use crate::domain::{
    workflow, ActionKind, ApprovalForm, ApprovalScope, EntryActionKind, ImageReference, RequestId,
    RequestState, Role, SessionUser,
};
use crate::error::{AppError, FieldErrors};
use crate::mail::{messages, outbox};
use crate::persistence::{self, requests::NewEvent};
use crate::requests::model::RequestDetail;
use crate::state::AppState;
use serde_json::json;

/// Shortest reason accepted for "request changes", "reject" and "revoke".
pub const REASON_MIN: usize = 10;
/// Longest reason or comment.
pub const TEXT_MAX: usize = 4000;

/// An action on a request, with what it carries.
#[derive(Clone, Debug)]
pub enum ReviewAction {
    Claim,
    Release,
    RequestChanges { reason: String },
    Approve(ApprovalForm),
    Reject { reason: String },
    Withdraw,
    Resubmit(ResubmitForm),
    Comment { body: String },
}

/// The fields a requester may change before resubmitting, and what they say about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResubmitForm {
    pub team: String,
    pub contact: String,
    pub justification: String,
    pub note: String,
}

impl ReviewAction {
    pub fn kind(&self) -> ActionKind {
        match self {
            ReviewAction::Claim => ActionKind::Claim,
            ReviewAction::Release => ActionKind::Release,
            ReviewAction::RequestChanges { .. } => ActionKind::RequestChanges,
            ReviewAction::Approve(_) => ActionKind::Approve,
            ReviewAction::Reject { .. } => ActionKind::Reject,
            ReviewAction::Withdraw => ActionKind::Withdraw,
            ReviewAction::Resubmit(_) => ActionKind::Resubmit,
            ReviewAction::Comment { .. } => ActionKind::Comment,
        }
    }
}

/// The checked input of an action, ready to store.
enum Checked {
    Plain,
    Text(String),
    Approve(ApprovalScope),
    Resubmit {
        details: RequestDetails,
        note: String,
    },
}

/// A reason, note or comment: [`text::paragraphs`] of `min..=TEXT_MAX` characters.
fn reason(field: &str, raw: &str, min: usize, what: &str) -> Result<String, AppError> {
    text::paragraphs(raw, min, TEXT_MAX).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add(
            field,
            match e {
                TextError::TooShort { .. } if min <= 1 => format!("Write {what}."),
                TextError::TooShort { .. } => format!("Write {what} (at least {min} characters)."),
                other => other.to_string(),
            },
        );
        errors.keep(field, raw.trim());
        AppError::Invalid(errors)
    })
}

fn check_input(
    action: &ReviewAction,
    settings: &crate::state::AppSettings,
) -> Result<Checked, AppError> {
    Ok(match action {
        ReviewAction::Claim | ReviewAction::Release | ReviewAction::Withdraw => Checked::Plain,
        ReviewAction::RequestChanges { reason: text } => Checked::Text(reason(
            "text",
            text,
            REASON_MIN,
            "what the requester should change",
        )?),
        ReviewAction::Reject { reason: text } => Checked::Text(reason(
            "text",
            text,
            REASON_MIN,
            "why the request is rejected",
        )?),
        ReviewAction::Comment { body } => Checked::Text(reason("text", body, 1, "a comment")?),
        ReviewAction::Approve(form) => Checked::Approve(
            ApprovalScope::validate(
                form,
                &crate::catalog::service::today(),
                settings.approval_max_days,
            )
            .map_err(AppError::Invalid)?,
        ),
        ReviewAction::Resubmit(form) => {
            let mut errors = FieldErrors::default();
            let details =
                RequestDetails::parse(&form.team, &form.contact, &form.justification, &mut errors);
            let note = match reason(
                "note",
                &form.note,
                REASON_MIN,
                "what you changed for the reviewer",
            ) {
                Ok(note) => Some(note),
                Err(AppError::Invalid(note_errors)) => {
                    for e in note_errors.iter() {
                        errors.add(&e.field, e.message.clone());
                    }
                    None
                }
                Err(other) => return Err(other),
            };
            match (details, note) {
                (Some(details), Some(note)) if errors.is_empty() => {
                    Checked::Resubmit { details, note }
                }
                _ => {
                    errors.keep("team", &form.team);
                    errors.keep("contact", &form.contact);
                    errors.keep("justification", &form.justification);
                    errors.keep("note", &form.note);
                    return Err(AppError::Invalid(errors));
                }
            }
        }
    })
}

/// "Request #42 changed while you were looking at it …"
fn changed(request: &RequestDetail) -> AppError {
    let holder = request
        .claimed_by_name
        .as_deref()
        .map(|name| format!(", claimed by {name}"))
        .unwrap_or_default();
    AppError::Conflict(format!(
        "Request #{} changed while you were looking at it: it is now {}{holder}. Reload the page \
         to see what changed, then try again.",
        request.id,
        request.state.label().to_lowercase()
    ))
}

/// Whether `viewer` may see the request at all.
pub fn may_see(request: &RequestDetail, viewer: &SessionUser) -> bool {
    request.requester_id == viewer.user_id
        || viewer.has_role(Role::Reviewer)
        || viewer.has_role(Role::Admin)
}

/// A request the viewer may see, or "not found" (which says nothing about others' requests).
async fn visible_request(
    state: &AppState,
    viewer: &SessionUser,
    id: RequestId,
) -> Result<RequestDetail, AppError> {
    let not_found = || AppError::NotFound(format!("Request #{id}"));
    let request = persistence::requests::find(&state.db, id)
        .await?
        .ok_or_else(not_found)?;
    if may_see(&request, viewer) {
        Ok(request)
    } else {
        Err(not_found())
    }
}

fn snapshot(request: &RequestDetail) -> serde_json::Value {
    json!({
        "state": request.state.as_str(),
        "claimed_by": request.claimed_by.as_ref().map(|u| u.0.clone()),
        "version": request.version,
        "team": request.team,
        "contact": request.contact,
    })
}

/// Takes `action` on request `id` as `user`, if the request is still at `expected_version`.
/// Who: the workflow decides (see [`workflow::decide`]); four eyes always holds.
///
/// # Errors
/// [`AppError::NotFound`] for a request the user may not see; [`AppError::NotAllowed`] when a
/// rule refuses the action; [`AppError::Conflict`] when the request changed first or is in a
/// state that does not allow it; [`AppError::Invalid`] for bad input; [`AppError::Internal`].
/// Nothing is written when any of these is returned.
pub async fn act(
    state: &AppState,
    user: &SessionUser,
    actor: &Actor,
    id: RequestId,
    expected_version: i64,
    action: ReviewAction,
) -> Result<(), AppError> {
    let request = visible_request(state, user, id).await?;
    let kind = action.kind();
    let decided = workflow::decide(&request.facts(), user, kind);
    // Who may act comes first; then whether the person saw the request as it is; then
    // whether its state allows the action.
    if let Err(refusal) = &decided {
        if refusal.is_about_the_person() {
            return Err(refusal.clone().into());
        }
    }
    let is_comment = kind == ActionKind::Comment;
    if !is_comment && request.version != expected_version {
        return Err(changed(&request));
    }
    let transition = decided?;
    let checked = check_input(&action, &state.settings)?;
    let image = ImageReference::parse(&request.image)
        .map_err(|e| AppError::Conflict(format!("The stored image reference is invalid: {e}")))?;

    let now = persistence::now();
    let mut tx = state.db.begin().await?;
    if let Checked::Resubmit { details, .. } = &checked {
        let fresh = persistence::requests::update_details(
            &mut tx,
            id,
            expected_version,
            &details.team,
            details.contact.as_str(),
            &details.justification,
        )
        .await?;
        if !fresh {
            return Err(changed(&request));
        }
    }
    if !is_comment {
        let decided_by = matches!(kind, ActionKind::Approve | ActionKind::Reject)
            .then_some(user.user_id.0.as_str());
        let fresh = persistence::requests::update_state(
            &mut tx,
            id,
            expected_version,
            transition.to,
            transition.claimed_by.as_ref().map(|u| u.0.as_str()),
            decided_by,
            &now,
        )
        .await?;
        if !fresh {
            let current = persistence::requests::find(&state.db, id)
                .await?
                .unwrap_or(request);
            return Err(changed(&current));
        }
    }
    let body: Option<String> = match &checked {
        Checked::Plain => None,
        Checked::Text(text) => Some(text.clone()),
        Checked::Approve(scope) => Some(format!(
            "Approved {} for {}, {}{}, until {}.",
            image.repository(),
            scope.tags.describe(),
            scope.architectures.join(", "),
            if scope.digests.is_empty() {
                String::new()
            } else {
                format!(", pinned to {}", scope.digests.join(", "))
            },
            scope.expires_on
        )),
        Checked::Resubmit { note, .. } => Some(note.clone()),
    };
    let mut entry_id = None;
    if let Checked::Approve(scope) = &checked {
        entry_id = Some(
            persistence::allowlist::insert(
                &mut tx,
                id,
                image.registry(),
                image.repository(),
                scope,
                &user.user_id.0,
                &now,
            )
            .await?,
        );
    }
    persistence::requests::insert_event(
        &mut tx,
        &NewEvent {
            request: id,
            actor: &user.user_id.0,
            kind: kind.as_str(),
            from: (!is_comment).then_some(transition.from),
            to: (!is_comment).then_some(transition.to),
            body: body.as_deref(),
        },
        &now,
    )
    .await?;
    let mut after = json!({
        "state": transition.to.as_str(),
        "claimed_by": transition.claimed_by.as_ref().map(|u| u.0.clone()),
        "version": if is_comment { request.version } else { request.version + 1 },
    });
    if let Some(text) = &body {
        after["text"] = json!(text);
    }
    if let (Checked::Approve(scope), Some(entry)) = (&checked, entry_id) {
        after["allowlist_entry"] = json!({ "id": entry, "scope": scope });
    }
    if let Checked::Resubmit { details, .. } = &checked {
        after["team"] = json!(details.team);
        after["contact"] = json!(details.contact.as_str());
        after["justification"] = json!(details.justification);
    }
    let head = state
        .audit
        .append(
            &mut tx,
            actor,
            AuditEvent {
                action: &format!("request.{kind}"),
                subject: format!("request:{id}"),
                before: snapshot(&request),
                after,
            },
            &now,
        )
        .await?;
    for mail in notices(state, &request, kind, body.as_deref()) {
        outbox::queue(&mut tx, &mail, &now).await?;
    }
    tx.commit().await.map_err(persistence::DbError::from)?;
    head.announce();
    if kind == ActionKind::Approve {
        state.changes.changed_here();
    }
    tracing::info!(target: "audit", request_id = id.0, actor = %user.user_id.0, action = %kind, "request changed");
    Ok(())
}

/// The e-mail an action sends: new and resubmitted requests to the security team; changes
/// requested, approved and rejected to the requester and the contact address.
fn notices(
    state: &AppState,
    request: &RequestDetail,
    kind: ActionKind,
    body: Option<&str>,
) -> Vec<messages::Mail> {
    let link = format!("{}/requests/{}", state.settings.public_url, request.id);
    let requester_and_contact = vec![request.requester_email.clone(), request.contact.clone()];
    let team = state.settings.security_team_email.clone();
    let said = |what: &str| body.map(|b| format!("{what}\n\n{b}")).unwrap_or_default();
    let (to, subject, paragraphs) = match kind {
        ActionKind::Resubmit => match team {
            Some(team) => (
                vec![team],
                format!("Request #{} resubmitted: {}", request.id, request.image),
                vec![
                    format!(
                        "{} resubmitted request #{} for {} (team {}) after changes were requested.",
                        request.requester_name, request.id, request.image, request.team
                    ),
                    said("What changed:"),
                ],
            ),
            None => return Vec::new(),
        },
        ActionKind::RequestChanges => (
            requester_and_contact,
            format!("Request #{} needs changes: {}", request.id, request.image),
            vec![
                format!(
                    "The security team asks for changes to request #{} for {}.",
                    request.id, request.image
                ),
                said("What to change:"),
                "Edit the request and resubmit it from its page.".to_owned(),
            ],
        ),
        ActionKind::Approve => (
            requester_and_contact,
            format!("Request #{} approved: {}", request.id, request.image),
            vec![
                format!(
                    "Request #{} for {} (team {}) is approved.",
                    request.id, request.image, request.team
                ),
                body.unwrap_or_default().to_owned(),
                "The mirror copies the approved tags at its next sync.".to_owned(),
            ],
        ),
        ActionKind::Reject => (
            requester_and_contact,
            format!("Request #{} rejected: {}", request.id, request.image),
            vec![
                format!("Request #{} for {} is rejected.", request.id, request.image),
                said("Why:"),
            ],
        ),
        _ => return Vec::new(),
    };
    let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.is_empty()).collect();
    vec![messages::compose(to, subject, &paragraphs, &link)]
}

/// The e-mail a new request sends to the security team (none when no address is configured).
pub fn new_request_notice(
    state: &AppState,
    id: RequestId,
    requester: &SessionUser,
    image: &str,
    team: &str,
    catalog_checked: bool,
) -> Option<messages::Mail> {
    let to = state.settings.security_team_email.clone()?;
    let link = format!("{}/requests/{id}", state.settings.public_url);
    let mut paragraphs = vec![format!(
        "{} asks for {image} (team {team}) as request #{id}.",
        requester.display_name
    )];
    if !catalog_checked {
        paragraphs.push(
            "The Red Hat catalog could not be checked when it was submitted; Portcullis checks \
             again on its own."
                .to_owned(),
        );
    }
    Some(messages::compose(
        vec![to],
        format!("New request #{id}: {image}"),
        &paragraphs,
        &link,
    ))
}

/// An action on an allowlist entry.
#[derive(Clone, Debug)]
pub enum EntryAction {
    /// Ends the entry now (reason required).
    Revoke { reason: String },
    /// Moves its last day (`YYYY-MM-DD`).
    Renew { expires_on: String },
}

/// Revokes or renews allowlist entry `entry_id` as `user`, if it is still at `expected_version`.
/// Who: reviewers. Revoking mails the requester and the contact address.
///
/// # Errors
/// [`AppError::NotAllowed`] for non-reviewers; [`AppError::NotFound`]; [`AppError::Conflict`]
/// when the entry changed first or is revoked already; [`AppError::Invalid`] for a short reason
/// or a bad date; [`AppError::Internal`]. Nothing is written then.
pub async fn act_on_entry(
    state: &AppState,
    user: &SessionUser,
    actor: &Actor,
    entry_id: i64,
    expected_version: i64,
    action: EntryAction,
) -> Result<(), AppError> {
    if !user.has_role(Role::Reviewer) {
        return Err(AppError::NotAllowed(
            "Only the security team can revoke or renew approvals.".into(),
        ));
    }
    let now = persistence::now();
    let mut tx = state.db.begin().await?;
    let entry = persistence::allowlist::find(&mut tx, entry_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Allowlist entry {entry_id}")))?;
    let request = persistence::requests::find(&state.db, entry.request_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Request #{}", entry.request_id)))?;
    let kind = match action {
        EntryAction::Revoke { .. } => EntryActionKind::Revoke,
        EntryAction::Renew { .. } => EntryActionKind::Renew,
    };
    workflow::decide_on_entry(&request.requester_id, user, kind)?;
    let stale = || {
        AppError::Conflict(format!(
            "The approval of request #{} changed while you were looking at it. Reload the page \
             to see what changed, then try again.",
            entry.request_id
        ))
    };
    if entry.revoked_at.is_some() {
        return Err(AppError::Conflict(format!(
            "The approval of request #{} is revoked already.",
            entry.request_id
        )));
    }
    if entry.version != expected_version {
        return Err(stale());
    }
    let (action_name, body, after, mail) = match &action {
        EntryAction::Revoke { reason: text } => {
            let text = reason("reason", text, REASON_MIN, "why the approval is revoked")?;
            if !persistence::allowlist::revoke(
                &mut tx,
                entry_id,
                expected_version,
                &user.user_id.0,
                &text,
                &now,
            )
            .await?
            {
                return Err(stale());
            }
            let mail = messages::compose(
                vec![request.requester_email.clone(), request.contact.clone()],
                format!(
                    "Approval revoked: request #{} for {}",
                    request.id, request.image
                ),
                &[
                    format!(
                        "The approval of request #{} for {} is revoked; the mirror stops \
                         copying it at its next sync.",
                        request.id, request.image
                    ),
                    format!("Why:\n\n{text}"),
                ],
                &format!("{}/requests/{}", state.settings.public_url, request.id),
            );
            (
                "allowlist.revoke",
                format!("Revoked the approval: {text}"),
                json!({ "revoked": true, "reason": text, "version": entry.version + 1 }),
                Some(mail),
            )
        }
        EntryAction::Renew { expires_on } => {
            let expires_on = check_expiry(expires_on, state.settings.approval_max_days)?;
            if expires_on.as_str() <= entry.expires_on.as_str() {
                let mut errors = FieldErrors::default();
                errors.add(
                    "expires_on",
                    format!(
                        "Renewing moves the last day later than {}; choose a later date.",
                        entry.expires_on
                    ),
                );
                errors.keep("expires_on", &expires_on);
                return Err(AppError::Invalid(errors));
            }
            if !persistence::allowlist::renew(&mut tx, entry_id, expected_version, &expires_on)
                .await?
            {
                return Err(stale());
            }
            (
                "allowlist.renew",
                format!(
                    "Renewed the approval until {expires_on} (was {}).",
                    entry.expires_on
                ),
                json!({ "expires_on": expires_on, "version": entry.version + 1 }),
                None,
            )
        }
    };
    persistence::requests::insert_event(
        &mut tx,
        &NewEvent {
            request: entry.request_id,
            actor: &user.user_id.0,
            kind: action_name.trim_start_matches("allowlist."),
            from: None,
            to: None,
            body: Some(&body),
        },
        &now,
    )
    .await?;
    let head = state
        .audit
        .append(
            &mut tx,
            actor,
            AuditEvent {
                action: action_name,
                subject: format!("allowlist_entry:{entry_id}"),
                before: entry_snapshot(&entry),
                after,
            },
            &now,
        )
        .await?;
    if let Some(mail) = mail {
        outbox::queue(&mut tx, &mail, &now).await?;
    }
    tx.commit().await.map_err(persistence::DbError::from)?;
    head.announce();
    state.changes.changed_here();
    Ok(())
}

fn entry_snapshot(entry: &AllowlistEntry) -> serde_json::Value {
    json!({
        "expires_on": entry.expires_on,
        "revoked": entry.revoked_at.is_some(),
        "version": entry.version,
    })
}

/// A last day after today and within the allowed maximum.
fn check_expiry(text: &str, max_days: u32) -> Result<String, AppError> {
    let text = text.trim();
    crate::domain::approval::check_last_day(text, &crate::catalog::service::today(), max_days)
        .map(|()| text.to_owned())
        .map_err(|message| {
            let mut errors = FieldErrors::default();
            errors.add("expires_on", message);
            errors.keep("expires_on", text);
            AppError::Invalid(errors)
        })
}

/// One page of the reviewers' queue. Who: reviewers and admins.
///
/// # Errors
/// [`AppError::Forbidden`] for anyone else; [`AppError::Invalid`] for an unknown state filter;
/// [`AppError::Internal`].
pub async fn queue(
    state: &AppState,
    viewer: &SessionUser,
    filter: QueueFilter,
) -> Result<QueuePage, AppError> {
    if !(viewer.has_role(Role::Reviewer) || viewer.has_role(Role::Admin)) {
        return Err(AppError::Forbidden);
    }
    let states = filter.states();
    if states.is_empty() {
        let mut errors = FieldErrors::default();
        errors.add(
            "state",
            "Choose open, all or one state (submitted, in_review, changes_requested, approved, \
             rejected, withdrawn).",
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
    let query = persistence::queue::QueueQuery {
        states: &states,
        team: (!filter.team.trim().is_empty()).then(|| filter.team.trim()),
        claimed_by: filter.mine.then_some(viewer.user_id.0.as_str()),
        unchecked_only: filter.unchecked,
        after: after.as_ref().map(|(at, id)| (at.as_str(), *id)),
        limit: QUEUE_PAGE_SIZE,
    };
    let (rows, has_more) = persistence::queue::page(&state.db, &query).await?;
    let counts = persistence::queue::counts(&state.db, &query).await?;
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

/// How many days before an approval's last day its requester is warned.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Queues reminders to the security team for requests waiting longer than `waiting` (one per
/// request and version, so a request that sits still is reminded about once), and warnings to
/// requester and contact for approvals ending within 30 days. Returns how many were queued.
/// Who: the background mail job.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn queue_reminders(
    state: &AppState,
    waiting: std::time::Duration,
) -> Result<usize, AppError> {
    let now = time::OffsetDateTime::now_utc();
    let now_text = persistence::format_timestamp(now);
    let mut queued = 0;
    if let Some(team) = &state.settings.security_team_email {
        let cutoff = persistence::format_timestamp(now - waiting);
        for waiting in persistence::requests::waiting_since(&state.db, &cutoff, 200).await? {
            let hours = waiting_hours(&waiting.updated_at, now);
            let mut mail = messages::compose(
                vec![team.clone()],
                format!(
                    "Waiting for review: request #{} ({})",
                    waiting.id, waiting.image
                ),
                &[format!(
                    "Request #{} for {} (team {}) has waited {hours} hours in state “{}”.",
                    waiting.id,
                    waiting.image,
                    waiting.team,
                    waiting.state.label().to_lowercase()
                )],
                &format!("{}/requests/{}", state.settings.public_url, waiting.id),
            );
            mail.dedupe_key = Some(format!("reminder:{}:{}", waiting.id, waiting.version));
            let mut tx = state.db.begin().await?;
            if outbox::queue(&mut tx, &mail, &now_text).await? {
                queued += 1;
            }
            tx.commit().await.map_err(persistence::DbError::from)?;
        }
    }
    let today = now.date();
    let warn_until = today + time::Duration::days(EXPIRY_WARNING_DAYS);
    for entry in persistence::allowlist::expiring_unwarned(
        &state.db,
        &today.to_string(),
        &warn_until.to_string(),
    )
    .await?
    {
        let Some(request) = persistence::requests::find(&state.db, entry.request_id).await? else {
            continue;
        };
        let mut mail = messages::compose(
            vec![request.requester_email.clone(), request.contact.clone()],
            format!(
                "Approval ends {}: request #{} ({})",
                entry.expires_on, request.id, request.image
            ),
            &[
                format!(
                    "The approval of request #{} for {} ends after {}. After that day the mirror \
                     stops copying it.",
                    request.id, request.image, entry.expires_on
                ),
                "Ask the security team to renew it, or submit a new request for a newer image \
                 (policy asks for images rebuilt at least monthly)."
                    .to_owned(),
            ],
            &format!("{}/requests/{}", state.settings.public_url, request.id),
        );
        mail.dedupe_key = Some(format!("expiry:{}:{}", entry.id, entry.expires_on));
        let mut tx = state.db.begin().await?;
        if outbox::queue(&mut tx, &mail, &now_text).await? {
            queued += 1;
        }
        persistence::allowlist::mark_warned(&mut tx, entry.id, &now_text).await?;
        tx.commit().await.map_err(persistence::DbError::from)?;
    }
    Ok(queued)
}

fn waiting_hours(since: &str, now: time::OffsetDateTime) -> i64 {
    time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
        .map(|at| (now - at).whole_hours())
        .unwrap_or(0)
}

/// Facts about the request's upstream image, its tags, and which of them `preview` (a tag mode
/// and its text) matches. A registry that cannot be reached is said plainly; the review goes on.
/// Who: anyone who may see the request.
///
/// # Errors
/// [`AppError::NotFound`] for a request the viewer may not see; [`AppError::Internal`].
pub async fn upstream(
    state: &AppState,
    viewer: &SessionUser,
    id: RequestId,
    preview: Option<(String, String)>,
) -> Result<crate::registry::UpstreamView, AppError> {
    use crate::domain::TagRule;
    use crate::registry::model::TagPreview;
    let request = visible_request(state, viewer, id).await?;
    let image = ImageReference::parse(&request.image)
        .map_err(|e| AppError::Conflict(format!("The stored image reference is invalid: {e}")))?;
    let client = &state.registry;
    let settings = &state.settings;
    let (facts, tags) = tokio::join!(
        client.facts(&image, &settings.contact_label, &settings.team_label),
        client.tags(image.registry(), image.repository()),
    );
    let tags = tags.map_err(|e| e.to_string());
    let preview = preview
        .filter(|(_, pattern)| !pattern.trim().is_empty())
        .map(|(mode, pattern)| {
            let matched = match (TagRule::parse(&mode, &pattern), &tags) {
                (Err((_, message)), _) => Err(message),
                (Ok(_), Err(e)) => Err(format!("The tags could not be read: {e}")),
                (Ok(rule), Ok(tags)) => {
                    let matcher = rule.matcher();
                    Ok(tags
                        .iter()
                        .filter(|t| matcher.matches(t))
                        .cloned()
                        .collect())
                }
            };
            TagPreview {
                mode,
                pattern,
                matched,
            }
        });
    Ok(crate::registry::UpstreamView {
        reference: image.to_string(),
        contact_label: settings.contact_label.clone(),
        team_label: settings.team_label.clone(),
        facts: facts.map_err(|e| e.to_string()),
        tags,
        preview,
    })
}
