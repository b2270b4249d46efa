//! The monthly report each owning contact gets: their approved images, which are stale, which
//! end soon, and what to do. Queued by the mail job once per contact and calendar month.
//! Server only.

use super::model::TeamReport;
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
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
        // Sent already (the usual case after the first turn of a month): nothing to build.
        if crate::mail::store::has_key(state.db.pool(), &key).await? {
            continue;
        }
        // Read before the transaction begins: it uses the pool, which open transactions hold.
        let report = super::service::report(state, &contact).await?;
        if report.items.is_empty() {
            continue;
        }
        let mut tx = state.db.begin().await?;
        // Checked again inside: another replica may have queued it meanwhile.
        if crate::mail::store::has_key(&mut *tx, &key).await? {
            continue;
        }
        let locale = crate::auth::store::mail_language_of_address(
            &mut *tx,
            &contact,
            state.settings.default_locale,
        )
        .await?;
        let mut mail = compose(state, &report, month, locale);
        mail.dedupe_key = Some(key);
        if outbox::queue(&mut tx, &mail, &now).await? {
            queued += 1;
        }
        tx.commit().await.map_err(DbError::from)?;
    }
    Ok(queued)
}

/// The report as a message to its owner, written in `locale`; `month` is `YYYY-MM`.
pub fn compose(
    state: &AppState,
    report: &TeamReport,
    month: &str,
    locale: Locale,
) -> messages::Mail {
    let l = locale;
    let stale = report.items.iter().filter(|i| i.stale).count();
    let ending = report.items.iter().filter(|i| i.ends_soon).count();
    let month = crate::i18n::format_month(l, month);
    let mut paragraphs = vec![td_string!(
        l,
        mail.report.summary,
        month = month.as_str(),
        count = report.items.len(),
        stale = stale,
        days = report.max_age_days,
        ending = ending,
        soon_days = super::service::ENDS_SOON_DAYS
    )
    .to_string()];
    let lines: Vec<String> = report
        .items
        .iter()
        .map(|i| {
            let mut flags = Vec::new();
            if i.stale {
                flags.push(td_string!(l, mail.report.stale_flag).to_owned());
            }
            if i.ends_soon {
                let last_day = crate::i18n::readable_date(l, &i.item.expires_on);
                flags.push(td_string!(l, mail.report.ends_flag, date = last_day).to_string());
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
            td_string!(
                l,
                mail.report.line,
                place = place,
                tags = i.item.tags.as_str(),
                id = i.item.request_id,
                flags = flags
            )
            .to_string()
        })
        .collect();
    paragraphs.push(lines.join("\n"));
    paragraphs.push(td_string!(l, mail.report.policy).to_owned());
    messages::compose(
        vec![report.owner.clone()],
        td_string!(
            l,
            mail.report.subject,
            month = month.as_str(),
            stale = stale,
            ending = ending
        )
        .to_string(),
        &paragraphs,
        &format!(
            "{}/images/report?owner={}",
            state.settings.public_url,
            super::model::url_encode(&report.owner)
        ),
        l,
    )
}
