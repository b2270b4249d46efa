//! Stopping in order. The platform ends a pod with SIGTERM and, after its grace period (30 s in
//! `deploy/`, 5 s of which the preStop pause takes), SIGKILL. On SIGTERM or Ctrl-C the server:
//! 1. stops accepting connections (the platform has already taken the pod out of the Service
//!    during the preStop pause; a probe now finds the port closed) and lets the requests in
//!    flight finish, for at most [`DRAIN_DEADLINE`];
//! 2. lets each background job finish the turn it is in (the mailer starts no new message and
//!    hands back the leases of those it did not send), within what is left of that deadline.
//!
//! What a SIGKILL interrupts is covered by leases that run out (see `mailer` and the jobs).

use std::future::Future;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// How long requests in flight and the jobs' last turns may take after the signal: the grace
/// period less the preStop pause, with a margin, so the process ends before SIGKILL.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(20);

/// Whether the process has been asked to stop. Cheap to clone; every clone sees the request.
#[derive(Clone, Debug)]
pub struct Shutdown {
    /// When stopping was asked for, once it has been.
    requested: watch::Receiver<Option<Instant>>,
}

/// Asks every clone of its [`Shutdown`] to stop. Dropping it without [`Trigger::stop`] asks
/// nothing.
#[derive(Debug)]
pub struct Trigger(watch::Sender<Option<Instant>>);

impl Trigger {
    /// Asks the process to stop, as SIGTERM does.
    pub fn stop(&self) {
        self.0.send_if_modified(|requested| {
            requested.get_or_insert_with(Instant::now);
            true
        });
    }
}

impl Shutdown {
    /// A shutdown that only [`Trigger::stop`] requests. Who: tests, and [`Shutdown::on_signals`].
    pub fn new() -> (Trigger, Self) {
        let (sender, requested) = watch::channel(None);
        (Trigger(sender), Self { requested })
    }

    /// A shutdown that is never requested. Who: one-off runs and tests.
    pub fn never() -> Self {
        Self::new().1
    }

    /// A shutdown requested by SIGTERM or Ctrl-C; a second one ends the process at once (exit
    /// status 1). Call inside the runtime, before anything that should be stopped in order:
    /// the handlers are in place when it returns.
    pub fn on_signals() -> Self {
        let (trigger, shutdown) = Self::new();
        let mut signals = Signals::register();
        tokio::spawn(async move {
            signals.next().await;
            tracing::info!(
                deadline_seconds = DRAIN_DEADLINE.as_secs(),
                "shutting down: finishing requests in flight and the jobs' turns"
            );
            trigger.stop();
            signals.next().await;
            tracing::warn!("a second signal: stopping now, without waiting for the rest");
            std::process::exit(1);
        });
        shutdown
    }

    /// Whether stopping has been asked for.
    pub fn is_requested(&self) -> bool {
        self.requested.borrow().is_some()
    }

    /// Resolves once stopping has been asked for (at once if it already has); never, if its
    /// [`Trigger`] is dropped unused.
    pub fn requested(&self) -> impl Future<Output = ()> + Send + 'static {
        let at = self.requested_at();
        async move {
            at.await;
        }
    }

    /// Resolves [`DRAIN_DEADLINE`] after stopping was asked for: the same moment for every
    /// caller, however late it asks.
    pub fn deadline(&self) -> impl Future<Output = ()> + Send + 'static {
        let at = self.requested_at();
        async move {
            tokio::time::sleep_until(at.await + DRAIN_DEADLINE).await;
        }
    }

    fn requested_at(&self) -> impl Future<Output = Instant> + Send + 'static {
        let mut requested = self.requested.clone();
        async move {
            let at = requested.wait_for(Option::is_some).await.map(|at| *at);
            match at {
                Ok(at) => at.unwrap_or_else(Instant::now),
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// SIGTERM and SIGINT (Ctrl-C), listened to from the moment they are registered.
struct Signals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| {
                signal(kind)
                    .inspect_err(|error| tracing::error!(%error, "cannot listen for {name}"))
                    .ok()
            };
            Self {
                terminate: listen(SignalKind::terminate(), "SIGTERM"),
                interrupt: listen(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Resolves at the next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn one(signal: Option<&mut tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = one(self.terminate.as_mut()) => {}
                () = one(self.interrupt.as_mut()) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_clone_sees_the_request_and_a_dropped_trigger_asks_nothing() {
        let (trigger, shutdown) = Shutdown::new();
        let clone = shutdown.clone();
        assert!(!clone.is_requested());
        let waiting = tokio::spawn(clone.requested());
        trigger.stop();
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("the request reaches a waiting clone")
            .unwrap();
        assert!(shutdown.is_requested());
        // Already requested: resolves at once.
        tokio::time::timeout(Duration::from_millis(50), shutdown.requested())
            .await
            .unwrap();

        let (unused, never) = Shutdown::new();
        drop(unused);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), never.requested())
                .await
                .is_err(),
            "a dropped trigger does not read as a request to stop"
        );
    }
}
