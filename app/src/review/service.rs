//! The review's rules on the server: every action on a request goes through [`act`]. It checks
//! the workflow, the version the person saw, and the input, then writes the change, its timeline
//! entry, its audit row and its e-mail in one transaction. (Actions on the allowlist entry an
//! approval creates are in [`crate::allowlist::entry_actions`].)

use crate::audit::chain::{Actor, AuditEvent};
use crate::domain::request::RequestDetails;
use crate::domain::text::{self, REASON_MIN};
use crate::domain::{
    workflow, ActionKind, ApprovalForm, ApprovalScope, EventKind, RequestId, SessionUser,
};
use crate::error::{AppError, FieldErrors};
use crate::mail::{notices, outbox};
use crate::persistence;
use crate::requests::model::RequestDetail;
use crate::requests::service::visible;
use crate::requests::store::NewEvent;
use crate::state::AppState;
use serde_json::json;

/// A reason, note or comment ([`text::written`]), as the error a form shows.
fn reason(field: &str, raw: &str, min: usize, what: &str) -> Result<String, AppError> {
    text::written(field, raw, min, what, crate::i18n::request_locale()).map_err(AppError::Invalid)
}

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
            crate::i18n::td_string!(crate::i18n::request_locale(), validation.what.changes),
        )?),
        ReviewAction::Reject { reason: text } => Checked::Text(reason(
            "text",
            text,
            REASON_MIN,
            crate::i18n::td_string!(crate::i18n::request_locale(), validation.what.reject),
        )?),
        ReviewAction::Comment { body } => Checked::Text(reason(
            "text",
            body,
            1,
            crate::i18n::td_string!(crate::i18n::request_locale(), validation.what.comment),
        )?),
        ReviewAction::Approve(form) => Checked::Approve(
            ApprovalScope::validate(
                form,
                &crate::persistence::today(),
                settings.approval_max_days,
                crate::i18n::request_locale(),
            )
            .map_err(AppError::Invalid)?,
        ),
        ReviewAction::Resubmit(form) => {
            let mut errors = FieldErrors::default();
            let details = RequestDetails::parse(
                &form.team,
                &form.contact,
                &form.justification,
                &mut errors,
                crate::i18n::request_locale(),
            );
            let note = match reason(
                "note",
                &form.note,
                REASON_MIN,
                crate::i18n::td_string!(crate::i18n::request_locale(), validation.what.note),
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
    let locale = crate::i18n::request_locale();
    let holder = request
        .claimed_by_name
        .as_deref()
        .map(|name| crate::i18n::td_string!(locale, review.claimed_holder, name = name).to_string())
        .unwrap_or_default();
    AppError::Conflict(
        crate::i18n::td_string!(
            locale,
            review.conflict,
            id = request.id,
            state = request.state.label(locale),
            holder = holder
        )
        .to_string(),
    )
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
    let request = visible(state, user, id).await?;
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
    let image = crate::requests::service::stored_image(&request)?;

    let now = persistence::now();
    let mut tx = state.db.begin().await?;
    if !is_comment {
        let decided_by = matches!(kind, ActionKind::Approve | ActionKind::Reject)
            .then_some(user.user_id.0.as_str());
        let fresh = crate::requests::store::update_state(
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
            let current = crate::requests::store::find(&mut *tx, id)
                .await?
                .unwrap_or(request);
            return Err(changed(&current));
        }
    }
    let mut after = json!({
        "state": transition.to.as_str(),
        "claimed_by": transition.claimed_by.as_ref().map(|u| u.0.clone()),
        "version": if is_comment { request.version } else { request.version + 1 },
    });
    // What each action writes besides the state (in the same transaction, after the state
    // update that checked the version), and what its timeline entry says.
    let body: Option<String> = match &checked {
        Checked::Plain => None,
        Checked::Text(text) => Some(text.clone()),
        Checked::Resubmit { details, note } => {
            crate::requests::store::update_details(
                &mut tx,
                id,
                &details.team,
                details.contact.as_str(),
                &details.justification,
            )
            .await?;
            after["team"] = json!(details.team);
            after["contact"] = json!(details.contact.as_str());
            after["justification"] = json!(details.justification);
            Some(note.clone())
        }
        Checked::Approve(scope) => {
            let entry = crate::allowlist::store::insert(
                &mut tx,
                &crate::allowlist::store::NewEntry {
                    request: id,
                    registry: image.registry(),
                    repository: image.repository(),
                    team: &request.team,
                    contact: &request.contact,
                },
                scope,
                &user.user_id.0,
                &now,
            )
            .await?;
            after["allowlist_entry"] = json!({ "id": entry, "scope": scope });
            // Written in the reviewer's language, as what they write themselves is.
            let locale = crate::i18n::request_locale();
            Some(
                crate::i18n::td_string!(
                    locale,
                    validation.summary.approved,
                    repository = image.repository(),
                    tags = scope.tags.describe(locale),
                    architectures = scope.architectures.join(", "),
                    pins = if scope.digests.is_empty() {
                        String::new()
                    } else {
                        crate::i18n::td_string!(
                            locale,
                            validation.summary.pinned,
                            digests = scope.digests.join(", ")
                        )
                        .to_string()
                    },
                    until = scope.expires_on.clone()
                )
                .to_string(),
            )
        }
    };
    if let Some(text) = &body {
        after["text"] = json!(text);
    }
    crate::requests::store::insert_event(
        &mut tx,
        &NewEvent {
            request: id,
            actor: &user.user_id.0,
            kind: EventKind::Action(kind),
            from: (!is_comment).then_some(transition.from),
            to: (!is_comment).then_some(transition.to),
            body: body.as_deref(),
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
                action: &format!("request.{kind}"),
                subject: format!("request:{id}"),
                before: snapshot(&request),
                after,
            },
            &now,
        )
        .await?;
    let requester_language = crate::auth::store::mail_language(
        &mut *tx,
        &request.requester_id.0,
        state.settings.default_locale,
    )
    .await?;
    for mail in notices::for_action(state, &request, kind, body.as_deref(), requester_language) {
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
