//! Background jobs of one server process: expired-session cleanup, mail, the mirror
//! verification (one replica at a time, under a lease), and the catalog mirror
//! (reload what another replica fetched, refresh when due, re-check requests whose catalog check
//! did not count). Each job logs what went wrong and tries again on its next turn; none of them
//! can stop the server. On shutdown each starts no other turn; the one in progress finishes,
//! except that a catalog refresh or mirror check still reading stops there and gives its lease
//! back.

use crate::config::Config;
use crate::shutdown::Shutdown;
use app::catalog::mirror::RefreshOutcome;
use app::state::AppState;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;
use tower_sessions::ExpiredDeletion;

/// The running jobs, from [`spawn`].
pub struct Jobs(JoinSet<()>);

impl Jobs {
    /// Resolves when every job has ended: after shutdown was requested, once each has finished
    /// the turn it was in.
    pub async fn finish(mut self) {
        while let Some(ended) = self.0.join_next().await {
            if let Err(error) = ended {
                tracing::error!(%error, "a background job ended abnormally");
            }
        }
    }
}

/// Runs `turn` every `interval` (the first at once) until `shutdown` is requested; a turn in
/// progress is not dropped (a turn that should end early watches the `Shutdown` it is given).
async fn every<F, T>(interval: Duration, shutdown: Shutdown, mut turn: F)
where
    F: FnMut(Shutdown) -> T,
    T: Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop = shutdown.requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => return,
            _ = ticks.tick() => turn(shutdown.clone()).await,
        }
    }
}

/// Starts every job on the runtime. They stop when `shutdown` is requested; [`Jobs::finish`]
/// waits for them.
pub fn spawn(state: &AppState, config: &Config, shutdown: &Shutdown) -> Jobs {
    let mut jobs = JoinSet::new();
    let store = app::persistence::sessions::SqlSessionStore::new(state.db.clone());
    jobs.spawn(every(
        Duration::from_secs(3600),
        shutdown.clone(),
        move |_| {
            let store = store.clone();
            async move {
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "could not delete expired sessions");
                }
            }
        },
    ));

    match crate::mailer::Mailer::new(&config.mail) {
        Ok(Some(mailer)) => {
            let mailer = mailer.stopping_on(shutdown.clone());
            let mail_state = state.clone();
            let reminder_after = config.mail.reminder_after;
            jobs.spawn(every(
                config.mail.job_interval,
                shutdown.clone(),
                move |_| {
                    let (state, mailer) = (mail_state.clone(), mailer.clone());
                    async move { mail_turn(&state, &mailer, reminder_after).await }
                },
            ));
        }
        Ok(None) => tracing::warn!(
            "PORTCULLIS_SMTP_URL is not set: e-mail is kept in the outbox and not sent"
        ),
        Err(error) => tracing::error!(%error, "e-mail is not sent"),
    }

    if state.settings.mirror.is_some() {
        let mirror_state = state.clone();
        jobs.spawn(every(
            config.mirror_job_interval,
            shutdown.clone(),
            move |stop| {
                let state = mirror_state.clone();
                async move { mirror_turn(&state, &stop).await }
            },
        ));
    }

    let catalog_state = state.clone();
    jobs.spawn(every(
        config.catalog.job_interval,
        shutdown.clone(),
        move |stop| {
            let state = catalog_state.clone();
            async move { catalog_turn(&state, &stop).await }
        },
    ));
    Jobs(jobs)
}

/// One turn of the catalog job; a refresh reading the catalog when `shutdown` is requested
/// stops and gives its lease back. Public so tests can run a turn without waiting for the
/// timer.
pub async fn catalog_turn(state: &AppState, shutdown: &Shutdown) {
    match state.catalog.reload_if_changed(&state.db).await {
        Ok(true) => tracing::info!(
            generation = state.catalog.current().generation,
            repositories = state.catalog.current().index.len(),
            "loaded the catalog mirror another replica refreshed"
        ),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "could not load the catalog mirror"),
    }
    match state
        .catalog
        .refresh_if_due(&state.db, shutdown.requested())
        .await
    {
        Ok(Some(RefreshOutcome::Refreshed {
            repositories,
            generation,
        })) => tracing::info!(repositories, generation, "refreshed the catalog mirror"),
        Ok(Some(RefreshOutcome::Stopped)) => {
            tracing::info!("stopping: the catalog refresh ends here and gives its lease back");
            return;
        }
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

/// One turn of the mirror verification job; a run reading the mirror when `shutdown` is
/// requested stops and gives its lease back. Public so tests can run a turn without waiting.
pub async fn mirror_turn(state: &AppState, shutdown: &Shutdown) {
    use app::mirror::service::RunOutcome;
    match app::mirror::service::verify_until(state, shutdown.requested()).await {
        Ok(RunOutcome::Stopped) => {
            tracing::info!("stopping: the mirror check ends here and gives its lease back")
        }
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
        Ok(turn) if turn.sent + turn.failed + turn.released > 0 => tracing::info!(
            sent = turn.sent,
            failed = turn.failed,
            handed_back = turn.released,
            "mail outbox"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not read the mail outbox"),
    }
}
