//! The monthly report each owning contact gets: their approved images, which are stale, which
//! end soon, and what to do. Queued by the mail job once per contact and calendar month.
//! Server only.

use super::model::TeamReport;
use crate::error::AppError;
use crate::mail::{messages, outbox};
use crate::persistence::{self, DbError};
use crate::state::AppState;

/// Queues this month's report for every contact of an active approval made before the month
/// began (a team approved today is not sent a report today) that has not had it yet; returns
/// how many were queued. Who: the background mail job.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn queue_monthly_reports(state: &AppState) -> Result<usize, AppError> {
    let today = persistence::today();
    let month = &today[..7];
    let now = persistence::now();
    let mut queued = 0;
    let month_began = format!("{month}-01");
    let contacts =
        crate::allowlist::store::active_contacts(state.db.pool(), &today, &month_began).await?;
    for contact in contacts {
        let key = format!("report:{contact}:{month}");
        let mut tx = state.db.begin().await?;
        if crate::mail::store::has_key(&mut tx, &key).await? {
            continue;
        }
        let report = super::service::report(state, &contact).await?;
        if report.items.is_empty() {
            continue;
        }
        let mut mail = compose(state, &report, month);
        mail.dedupe_key = Some(key);
        if outbox::queue(&mut tx, &mail, &now).await? {
            queued += 1;
        }
        tx.commit().await.map_err(DbError::from)?;
    }
    Ok(queued)
}

/// The report as a message to its owner.
pub fn compose(state: &AppState, report: &TeamReport, month: &str) -> messages::Mail {
    let stale = report.items.iter().filter(|i| i.stale).count();
    let ending = report.items.iter().filter(|i| i.ends_soon).count();
    let mut paragraphs = vec![format!(
        "Your approved container images in {month}: {} in all, {stale} stale (built more than \
         {} days ago), {ending} ending within 30 days.",
        report.items.len(),
        report.max_age_days
    )];
    let lines: Vec<String> = report
        .items
        .iter()
        .map(|i| {
            let mut flags = Vec::new();
            if i.stale {
                flags.push("STALE: rebuild it and push the new build upstream".to_owned());
            }
            if i.ends_soon {
                flags.push(format!("ENDS {}: renew it or let it go", i.item.expires_on));
            }
            let place = i
                .item
                .mirror
                .pull_path
                .clone()
                .unwrap_or_else(|| i.item.source.clone());
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join("; "))
            };
            format!(
                "- {place} ({}), request #{}{flags}",
                i.item.tags, i.item.request_id
            )
        })
        .collect();
    paragraphs.push(lines.join("\n"));
    paragraphs.push(
        "Policy: production images are rebuilt at least monthly. A stale image needs a new \
         build upstream (the mirror then copies it); an approval that ends needs a renewal from \
         the security team, which you can ask for on the request's page."
            .to_owned(),
    );
    messages::compose(
        vec![report.owner.clone()],
        format!("Your container images, {month}: {stale} stale, {ending} ending soon"),
        &paragraphs,
        &format!(
            "{}/images/report?owner={}",
            state.settings.public_url,
            super::model::url_encode(&report.owner)
        ),
        // Not translated yet: the monthly report is written in English.
        crate::i18n::Locale::en,
    )
}
