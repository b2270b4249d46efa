//! `GET /metrics` in the Prometheus text format: what every request did (by route pattern,
//! never the raw path), and, read at scrape time, the state an operator watches (open requests,
//! the mail outbox, the catalog mirror, the allowlist, the database pool).
//!
//! Each router has its own recorder (no process-global registry), so two portals in one
//! process, as in the tests, count apart. The exposition format is written by
//! `metrics-exporter-prometheus`.

use app::monitoring::Snapshot;
use app::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{Key, Label, Recorder, Unit};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REQUESTS: &str = "portcullis_http_requests_total";
const DURATION: &str = "portcullis_http_request_duration_seconds";
const TOKEN_FAILURES: &str = "portcullis_api_token_failures_total";
/// The `reason` label of [`TOKEN_FAILURES`].
const TOKEN_FAILURE_REASONS: [&str; 2] = ["unauthenticated", "insufficient_scope"];
/// Seconds; from a cached page (a millisecond) to a slow catalog call.
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// How often samples the scrape has not collected yet are folded in, so that a portal nobody
/// scrapes does not keep every latency it measured.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);
/// Scrapes within this long of the last database reading reuse it: however often and however
/// many ask, the database is read at most once per interval.
const READING_REUSED_FOR: Duration = Duration::from_secs(1);
/// The longest a scrape waits for the database; past it, `portcullis_db_up` says 0.
const READING_TIMEOUT: Duration = Duration::from_secs(3);

static METADATA: metrics::Metadata<'static> =
    metrics::Metadata::new(module_path!(), metrics::Level::INFO, Some(module_path!()));

/// The recorder behind one router's `/metrics`. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    /// When the database was last read; held while a reading is under way, so scrapes that
    /// arrive meanwhile wait for it instead of reading too.
    last_reading: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

impl Metrics {
    /// A recorder with every metric described. Call inside the Tokio runtime: it starts the
    /// task that keeps unscraped samples bounded.
    ///
    /// # Panics
    /// Never: the buckets are a constant, valid list.
    pub fn start() -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.into()), DURATION_BUCKETS)
            .expect("the duration buckets are a valid, non-empty list")
            .build_recorder();
        let handle = recorder.handle();
        describe(&recorder);
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
        let metrics = Metrics {
            recorder: Arc::new(recorder),
            handle,
            last_reading: Arc::new(tokio::sync::Mutex::new(None)),
        };
        // Present from the start, so that a rate over them reads 0, not "no data".
        for reason in TOKEN_FAILURE_REASONS {
            metrics.token_failures(reason).increment(0);
        }
        metrics
    }

    fn token_failures(&self, reason: &'static str) -> metrics::Counter {
        let key = Key::from_parts(TOKEN_FAILURES, vec![Label::new("reason", reason)]);
        self.recorder.register_counter(&key, &METADATA)
    }

    /// Counts one API call refused for its token (missing, unknown, expired, revoked, or
    /// lacking the scope): a rising rate is someone guessing, or a job with a dead token.
    pub fn token_failure(&self, reason: &'static str) {
        self.token_failures(reason).increment(1);
    }

    fn observe(&self, route: String, method: &str, status: u16, elapsed: Duration) {
        let labels = vec![
            Label::new("route", route.clone()),
            Label::new("method", method.to_owned()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(&Key::from_parts(REQUESTS, labels), &METADATA)
            .increment(1);
        let labels = vec![
            Label::new("route", route),
            Label::new("method", method.to_owned()),
        ];
        self.recorder
            .register_histogram(&Key::from_parts(DURATION, labels), &METADATA)
            .record(elapsed.as_secs_f64());
    }

    /// Reads the database into the gauges, unless a reading is less than
    /// [`READING_REUSED_FOR`] old.
    async fn refresh(&self, state: &AppState) {
        let mut last = self.last_reading.lock().await;
        if last.is_some_and(|at| at.elapsed() < READING_REUSED_FOR) {
            return;
        }
        match tokio::time::timeout(READING_TIMEOUT, app::monitoring::snapshot(state)).await {
            Ok(snapshot) => self.record_snapshot(&snapshot),
            Err(_) => {
                tracing::warn!("monitoring: the database did not answer within 3 s");
                self.gauge("portcullis_db_up", Vec::new(), 0.0);
            }
        }
        *last = Some(Instant::now());
    }

    fn gauge(&self, name: &'static str, labels: Vec<Label>, value: f64) {
        self.recorder
            .register_gauge(&Key::from_parts(name, labels), &METADATA)
            .set(value);
    }

    /// Writes the scrape-time readings into the recorder's gauges. When the database did not
    /// answer, its readings keep their last values and `portcullis_db_up` says 0.
    fn record_snapshot(&self, snapshot: &Snapshot) {
        let none = Vec::new;
        if let Some(db) = &snapshot.database {
            for (state, count) in &db.open_requests {
                let labels = vec![Label::new("state", state.as_str())];
                self.gauge("portcullis_open_requests", labels, *count as f64);
            }
            let gauges = [
                (
                    "portcullis_open_request_oldest_wait_seconds",
                    db.oldest_wait_seconds,
                ),
                ("portcullis_mail_outbox_pending", db.outbox_pending),
                ("portcullis_mail_outbox_failing", db.outbox_failing),
                (
                    "portcullis_mail_outbox_oldest_pending_seconds",
                    db.outbox_oldest_seconds,
                ),
                ("portcullis_allowlist_revision", db.allowlist_revision),
                (
                    "portcullis_allowlist_active_entries",
                    db.allowlist_active_entries,
                ),
            ];
            for (name, value) in gauges {
                self.gauge(name, none(), value as f64);
            }
        }
        self.gauge(
            "portcullis_db_up",
            none(),
            if snapshot.database.is_some() {
                1.0
            } else {
                0.0
            },
        );
        self.gauge(
            "portcullis_catalog_mirror_age_seconds",
            none(),
            // Never fetched (the shipped snapshot): infinitely old, so an age alert fires.
            snapshot
                .catalog_age_seconds
                .map_or(f64::INFINITY, |s| s as f64),
        );
        self.gauge(
            "portcullis_catalog_mirror_repositories",
            none(),
            snapshot.catalog_repositories as f64,
        );
        for (state, value) in [
            ("open", f64::from(snapshot.pool_open)),
            ("idle", snapshot.pool_idle as f64),
        ] {
            let labels = vec![Label::new("state", state)];
            self.gauge("portcullis_db_pool_connections", labels, value);
        }
        self.gauge(
            "portcullis_db_pool_max_connections",
            none(),
            f64::from(snapshot.pool_max),
        );
    }
}

fn describe(recorder: &PrometheusRecorder) {
    let counter = |name: &'static str, text: &'static str| {
        recorder.describe_counter(name.into(), None, text.into());
    };
    let gauge = |name: &'static str, unit: Option<Unit>, text: &'static str| {
        recorder.describe_gauge(name.into(), unit, text.into());
    };
    counter(
        REQUESTS,
        "HTTP requests answered, by route pattern, method and status.",
    );
    recorder.describe_histogram(
        DURATION.into(),
        Some(Unit::Seconds),
        "Time to answer an HTTP request, by route pattern and method.".into(),
    );
    counter(
        TOKEN_FAILURES,
        "API calls refused for their token: unauthenticated (unknown, expired, revoked) or \
         insufficient_scope.",
    );
    gauge(
        "portcullis_open_requests",
        None,
        "Requests waiting on someone, by state.",
    );
    gauge(
        "portcullis_open_request_oldest_wait_seconds",
        Some(Unit::Seconds),
        "How long the longest-waiting submitted or in-review request has waited (0: none).",
    );
    gauge(
        "portcullis_mail_outbox_pending",
        None,
        "Queued mail not yet sent.",
    );
    gauge(
        "portcullis_mail_outbox_failing",
        None,
        "Queued mail whose last attempt failed; retried later.",
    );
    gauge(
        "portcullis_mail_outbox_oldest_pending_seconds",
        Some(Unit::Seconds),
        "Age of the oldest unsent mail (0: none).",
    );
    gauge(
        "portcullis_catalog_mirror_age_seconds",
        Some(Unit::Seconds),
        "Age of the Red Hat catalog mirror this replica searches (+Inf: never fetched, the shipped snapshot).",
    );
    gauge(
        "portcullis_catalog_mirror_repositories",
        None,
        "Repositories in the catalog mirror this replica searches.",
    );
    gauge(
        "portcullis_allowlist_revision",
        None,
        "The allowlist's version; the ETag the mirror job sees moves with it.",
    );
    gauge(
        "portcullis_allowlist_active_entries",
        None,
        "Approvals in force today.",
    );
    gauge(
        "portcullis_db_pool_connections",
        None,
        "Database connections of this replica, open and idle.",
    );
    gauge(
        "portcullis_db_pool_max_connections",
        None,
        "The most connections this replica opens (PORTCULLIS_DATABASE_MAX_CONNECTIONS).",
    );
    gauge(
        "portcullis_db_up",
        None,
        "1 when the database answered this scrape's queries, else 0.",
    );
}

/// Middleware: counts and times every request under its route pattern (`/requests/{id}`),
/// `(fallback)` for what no route matched (static files, unknown paths), so labels stay few
/// whatever paths clients send.
pub async fn record_request(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(fallback)".to_owned(), |m| m.as_str().to_owned());
    let method = method_label(request.method());
    let response = next.run(request).await;
    metrics.observe(route, method, response.status().as_u16(), started.elapsed());
    response
}

/// The method as a label, from a fixed list: a client's made-up method is "other".
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics` on `PORTCULLIS_METRICS_ADDR`. Who: the monitoring system, which the network
/// lets reach that port. Always 200: when the database does not answer within 3 s,
/// `portcullis_db_up` says 0 and the database readings keep their last values.
pub async fn scrape(
    State(state): State<AppState>,
    axum::Extension(metrics): axum::Extension<Metrics>,
) -> Response {
    metrics.refresh(&state).await;
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.handle.render(),
    )
        .into_response()
}

/// `GET /metrics` on the main port, when `PORTCULLIS_METRICS_ADDR` is unset. Who: a scraper on
/// this machine only: anyone else, or a request that came through a proxy (which could be the
/// public route), is told there is no such page.
pub async fn scrape_local(
    State(state): State<AppState>,
    axum::Extension(metrics): axum::Extension<Metrics>,
    request: Request,
) -> Response {
    // The server always knows the peer; a router built without it (the tests') is local.
    let peer_is_remote = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|peer| !peer.0.ip().is_loopback());
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if peer_is_remote || proxied {
        return StatusCode::NOT_FOUND.into_response();
    }
    scrape(State(state), axum::Extension(metrics)).await
}
