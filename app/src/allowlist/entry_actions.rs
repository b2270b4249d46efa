//! Revoking and renewing the allowlist entry an approval created. Server only.

use super::AllowlistEntry;
use crate::audit::chain::{Actor, AuditEvent};
use crate::domain::text::{self, REASON_MIN};
use crate::domain::{workflow, EntryActionKind, EventKind, SessionUser};
use crate::error::{AppError, FieldErrors};
use crate::i18n::td_string;
use crate::mail::{messages, outbox};
use crate::persistence;
use crate::requests::store::NewEvent;
use crate::state::AppState;
use serde_json::json;

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
/// [`AppError::Forbidden`] for anyone else (admins included); [`AppError::NotAllowed`] for renewing one's own
/// request (four eyes); [`AppError::NotFound`]; [`AppError::Conflict`]
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
    // Before any lookup, so that requesters learn nothing about which entries exist;
    // `decide_on_entry` below then keeps it to reviewers.
    user.require_staff()?;
    let now = persistence::now();
    let mut tx = state.db.begin().await?;
    let entry = crate::allowlist::store::find(&mut tx, entry_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    allowlist.entry_numbered,
                    id = entry_id
                )
                .to_string(),
            )
        })?;
    let request = crate::requests::store::find(&mut *tx, entry.request_id)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    requests.detail.title,
                    id = entry.request_id
                )
                .to_string(),
            )
        })?;
    let kind = match action {
        EntryAction::Revoke { .. } => EntryActionKind::Revoke,
        EntryAction::Renew { .. } => EntryActionKind::Renew,
    };
    workflow::decide_on_entry(&request.requester_id, user, kind)?;
    let stale = || {
        AppError::Conflict(
            td_string!(
                crate::i18n::request_locale(),
                allowlist.entry_changed,
                id = entry.request_id
            )
            .to_string(),
        )
    };
    if entry.revoked_at.is_some() {
        return Err(AppError::Conflict(
            td_string!(
                crate::i18n::request_locale(),
                allowlist.entry_revoked_already,
                id = entry.request_id
            )
            .to_string(),
        ));
    }
    if entry.version != expected_version {
        return Err(stale());
    }
    let requester_language = crate::auth::store::mail_language(
        &mut *tx,
        &request.requester_id.0,
        state.settings.default_locale,
    )
    .await?;
    let (action_name, body, after, mail) = match &action {
        EntryAction::Revoke { reason: text } => {
            let locale = crate::i18n::request_locale();
            let what = crate::i18n::td_string!(locale, validation.what.revoke);
            let text = text::written("reason", text, REASON_MIN, what, locale)
                .map_err(AppError::Invalid)?;
            if !crate::allowlist::store::revoke(
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
            let l = requester_language;
            let (id, image) = (request.id, request.image.as_str());
            let mail = messages::compose(
                vec![request.requester_email.clone(), request.contact.clone()],
                td_string!(l, mail.revoked.subject, id = id, image = image).to_string(),
                &[
                    td_string!(l, mail.revoked.body, id = id, image = image).to_string(),
                    format!("{}\n\n{text}", td_string!(l, mail.revoked.why)),
                ],
                &format!("{}/requests/{}", state.settings.public_url, request.id),
                l,
            );
            (
                "allowlist.revoke",
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    validation.summary.revoked,
                    reason = text.clone()
                )
                .to_string(),
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
                    crate::i18n::td_string!(
                        crate::i18n::request_locale(),
                        validation.approval.renew_later,
                        last = entry.expires_on.clone()
                    )
                    .to_string(),
                );
                errors.keep("expires_on", &expires_on);
                return Err(AppError::Invalid(errors));
            }
            if !crate::allowlist::store::renew(&mut tx, entry_id, expected_version, &expires_on)
                .await?
            {
                return Err(stale());
            }
            (
                "allowlist.renew",
                crate::i18n::td_string!(
                    crate::i18n::request_locale(),
                    validation.summary.renewed,
                    until = expires_on.clone(),
                    was = entry.expires_on.clone()
                )
                .to_string(),
                json!({ "expires_on": expires_on, "version": entry.version + 1 }),
                None,
            )
        }
    };
    crate::requests::store::insert_event(
        &mut tx,
        &NewEvent {
            request: entry.request_id,
            actor: &user.user_id.0,
            kind: EventKind::Entry(kind),
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
    crate::domain::approval::check_last_day(
        text,
        &crate::persistence::today(),
        max_days,
        crate::i18n::request_locale(),
    )
    .map(|()| text.to_owned())
    .map_err(|message| {
        let mut errors = FieldErrors::default();
        errors.add("expires_on", message);
        errors.keep("expires_on", text);
        AppError::Invalid(errors)
    })
}
