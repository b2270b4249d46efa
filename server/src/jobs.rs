//! Background jobs of one server process: expired-session cleanup, mail, the mirror
//! verification (one replica at a time, under a lease), and the catalog mirror
//! (reload what another replica fetched, refresh when due, re-check requests whose catalog check
//! did not count). Each job logs what went wrong and tries again on its next turn; none of them
//! can stop the server.

use crate::config::Config;
use app::catalog::mirror::RefreshOutcome;
use app::state::AppState;
use std::time::Duration;
use tower_sessions::ExpiredDeletion;

/// Starts every job on the runtime; they end with the process.
pub fn spawn(state: &AppState, config: &Config) {
    let store = app::persistence::sessions::SqlSessionStore::new(state.db.clone());
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    });

    match crate::mailer::Mailer::new(&config.mail) {
        Ok(Some(mailer)) => {
            let mail_state = state.clone();
            let interval = config.mail.job_interval;
            let reminder_after = config.mail.reminder_after;
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    mail_turn(&mail_state, &mailer, reminder_after).await;
                }
            });
        }
        Ok(None) => tracing::warn!(
            "PORTCULLIS_SMTP_URL is not set: e-mail is kept in the outbox and not sent"
        ),
        Err(error) => tracing::error!(%error, "e-mail is not sent"),
    }

    if state.settings.mirror.is_some() {
        let mirror_state = state.clone();
        let interval = config.mirror_job_interval;
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                mirror_turn(&mirror_state).await;
            }
        });
    }

    let catalog_state = state.clone();
    let interval = config.catalog.job_interval;
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            catalog_turn(&catalog_state).await;
        }
    });
}

/// One turn of the catalog job. Public so tests can run a turn without waiting for the timer.
pub async fn catalog_turn(state: &AppState) {
    match state.catalog.reload_if_changed(&state.db).await {
        Ok(true) => tracing::info!(
            generation = state.catalog.current().generation,
            repositories = state.catalog.current().index.len(),
            "loaded the catalog mirror another replica refreshed"
        ),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "could not load the catalog mirror"),
    }
    match state.catalog.refresh_if_due(&state.db).await {
        Ok(Some(RefreshOutcome::Refreshed {
            repositories,
            generation,
        })) => tracing::info!(repositories, generation, "refreshed the catalog mirror"),
        Ok(_) => {}
        Err(error) => tracing::warn!(
            %error,
            "catalog refresh failed; keeping the previous mirror and trying again later"
        ),
    }
    match app::requests::service::recheck_catalog(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(requests = n, "re-checked requests against the catalog"),
        Err(error) => tracing::warn!(%error, "could not re-check requests against the catalog"),
    }
}

/// One turn of the mirror verification job. Public so tests can run a turn without waiting.
pub async fn mirror_turn(state: &AppState) {
    use app::mirror::service::RunOutcome;
    match app::mirror::service::verify(state).await {
        Ok(RunOutcome::Unreachable(why)) => {
            tracing::warn!(error = %why, "could not read the mirror; keeping the last known state")
        }
        Ok(RunOutcome::Checked {
            newly_available,
            new_drift,
            ..
        }) if newly_available + new_drift > 0 => {
            tracing::info!(newly_available, new_drift, "mirror findings")
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "the mirror check failed"),
    }
}

/// One turn of the mail job: queue due reminders, expiry warnings and this month's image
/// reports, then send what is due.
/// Public so tests can run a turn without waiting for the timer.
pub async fn mail_turn(state: &AppState, mailer: &crate::mailer::Mailer, reminder_after: Duration) {
    match app::mail::reminders::queue_reminders(state, reminder_after).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(messages = n, "queued review reminders and expiry warnings"),
        Err(error) => tracing::warn!(%error, "could not queue reminders"),
    }
    match app::images::report::queue_monthly_reports(state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(messages = n, "queued monthly image reports"),
        Err(error) => tracing::warn!(%error, "could not queue the monthly image reports"),
    }
    match mailer.send_due(&state.db).await {
        Ok(turn) if turn.sent + turn.failed > 0 => {
            tracing::info!(sent = turn.sent, failed = turn.failed, "mail outbox")
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not read the mail outbox"),
    }
}
