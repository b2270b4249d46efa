//! Reminders the mail job queues on its own: requests waiting too long for review, and approvals
//! about to end. Server only.

use super::{messages, outbox};
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::persistence;
use crate::state::AppState;

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
        // The security team's mail is written in the installation's language.
        let l = state.settings.default_locale;
        for waiting in crate::requests::store::waiting_since(state.db.pool(), &cutoff, 200).await? {
            let (id, image) = (waiting.id, waiting.image.as_str());
            let mut mail = messages::compose(
                vec![team.clone()],
                td_string!(l, mail.reminder.subject, id = id, image = image).to_string(),
                &[td_string!(
                    l,
                    mail.reminder.body,
                    id = id,
                    image = image,
                    team = waiting.team.as_str(),
                    since = waiting_since(l, &waiting.updated_at),
                    state = waiting.state.label_in_sentence(l)
                )
                .to_string()],
                &format!("{}/requests/{}", state.settings.public_url, waiting.id),
                l,
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
    for entry in crate::allowlist::store::expiring_unwarned(
        state.db.pool(),
        &today.to_string(),
        &warn_until.to_string(),
    )
    .await?
    {
        let mut tx = state.db.begin().await?;
        let Some(request) = crate::requests::store::find(&mut *tx, entry.request_id).await? else {
            continue;
        };
        let l = crate::auth::store::mail_language(
            &mut *tx,
            &request.requester_id.0,
            state.settings.default_locale,
        )
        .await?;
        let (id, image) = (request.id, request.image.as_str());
        let last_day = crate::i18n::readable_date(l, &entry.expires_on);
        let mut mail = messages::compose(
            vec![request.requester_email.clone(), request.contact.clone()],
            td_string!(
                l,
                mail.expiry.subject,
                date = last_day.as_str(),
                id = id,
                image = image
            )
            .to_string(),
            &[
                td_string!(
                    l,
                    mail.expiry.body,
                    id = id,
                    image = image,
                    date = last_day.as_str()
                )
                .to_string(),
                td_string!(l, mail.expiry.next).to_owned(),
            ],
            &format!("{}/requests/{}", state.settings.public_url, request.id),
            l,
        );
        mail.dedupe_key = Some(format!("expiry:{}:{}", entry.id, entry.expires_on));
        if outbox::queue(&mut tx, &mail, &now_text).await? {
            queued += 1;
        }
        crate::allowlist::store::mark_warned(&mut tx, entry.id, &now_text).await?;
        tx.commit().await.map_err(persistence::DbError::from)?;
    }
    Ok(queued)
}

/// When a request began to wait (RFC 3339), written for `locale`; anything else as it is.
fn waiting_since(locale: Locale, since: &str) -> String {
    time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339).map_or_else(
        |_| since.to_owned(),
        |at| crate::i18n::format_date_time(locale, at),
    )
}
