//! Reminders the mail job queues on its own: requests waiting too long for review, and approvals
//! about to end. Server only.

use super::{messages, outbox};
use crate::error::AppError;
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
        for waiting in crate::requests::store::waiting_since(state.db.pool(), &cutoff, 200).await? {
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
                    waiting.state.label(crate::i18n::Locale::en).to_lowercase()
                )],
                &format!("{}/requests/{}", state.settings.public_url, waiting.id),
                // Not translated yet: the reminders are written in English.
                crate::i18n::Locale::en,
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
        let Some(request) = crate::requests::store::find(state.db.pool(), entry.request_id).await?
        else {
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
            crate::i18n::Locale::en,
        );
        mail.dedupe_key = Some(format!("expiry:{}:{}", entry.id, entry.expires_on));
        let mut tx = state.db.begin().await?;
        if outbox::queue(&mut tx, &mail, &now_text).await? {
            queued += 1;
        }
        crate::allowlist::store::mark_warned(&mut tx, entry.id, &now_text).await?;
        tx.commit().await.map_err(persistence::DbError::from)?;
    }
    Ok(queued)
}

fn waiting_hours(since: &str, now: time::OffsetDateTime) -> i64 {
    time::OffsetDateTime::parse(since, &time::format_description::well_known::Rfc3339)
        .map(|at| (now - at).whole_hours())
        .unwrap_or(0)
}
