//! `GET /metrics`: Prometheus' own checker accepts it, labels are route patterns whatever path a
//! client sends, and the numbers move with what happens in the portal.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// Every sample of a scrape, `name{labels}` → value, labels as the exposition writes them.
fn samples(body: &str) -> BTreeMap<String, f64> {
    body.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
            let value = match value {
                "NaN" => f64::NAN,
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
            };
            (series.to_owned(), value)
        })
        .collect()
}

/// The value of the one series whose name is `name` and whose labels include every `labels`
/// pair; 0 when there is none yet (a counter not yet incremented).
fn value(samples: &BTreeMap<String, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, v)| *v)
        .collect();
    assert!(
        matching.len() <= 1,
        "{name} {labels:?} names several series: {matching:?}"
    );
    matching.first().copied().unwrap_or(0.0)
}

/// A scrape, a little more than a second after the last (the database is read at most once a
/// second; scrapes in between reuse the reading).
async fn scrape(app: &TestApp) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/plain; version=0.0.4")),
        "{:?}",
        response.header("content-type")
    );
    response.body
}

/// `promtool check metrics` (Debian's `prometheus` package): the exposition parses, and follows
/// Prometheus' naming rules (units in names, `_total` on counters, help on every metric).
fn promtool_accepts(body: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (install Debian's prometheus package; make test does)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool refused the scrape:\n{}{}\n--- scrape ---\n{body}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_scrape_passes_promtool_and_moves_with_what_happens() {
    let app =
        TestApp::spawn_with(&[("PORTCULLIS_SECURITY_TEAM_EMAIL", "security@example.org")]).await;
    let before = samples(&scrape(&app).await);
    assert_eq!(value(&before, "portcullis_db_up", &[]), 1.0);
    assert_eq!(
        value(
            &before,
            "portcullis_open_requests",
            &[("state", "submitted")]
        ),
        0.0
    );

    // Page views of two different requests count under one route pattern; a path no route
    // knows counts as the fallback, not under its own name.
    let alice = app.sign_in("alice").await;
    let first = app.submit(&alice, "nginx:1.25").await;
    let second = app.submit(&alice, "redis:7.2").await;
    for id in [first, second] {
        let page = app.get(&format!("/requests/{id}"), Some(&alice)).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    let unknown = app.get("/no/such/page/for-a-label", None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // A token that does not exist.
    let refused = app
        .send(
            Request::builder()
                .method(Method::GET)
                .uri("/api/v1/allowlist")
                .header(header::AUTHORIZATION, "Bearer pct_not-a-real-token")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    let body = scrape(&app).await;
    promtool_accepts(&body);
    let after = samples(&body);
    assert!(
        !body.contains("for-a-label") && !body.contains(&format!("/requests/{first}\"")),
        "raw paths became labels:\n{body}"
    );
    let pages = |s: &BTreeMap<String, f64>| {
        value(
            s,
            "portcullis_http_requests_total",
            &[
                ("route", "/requests/{id}"),
                ("method", "GET"),
                ("status", "200"),
            ],
        )
    };
    assert_eq!(pages(&after) - pages(&before), 2.0, "{body}");
    assert!(
        value(
            &after,
            "portcullis_http_requests_total",
            &[("route", "(fallback)"), ("status", "404")]
        ) >= 1.0,
        "{body}"
    );
    assert!(
        value(
            &after,
            "portcullis_http_request_duration_seconds_count",
            &[("route", "/requests/{id}"), ("method", "GET")]
        ) >= 2.0,
        "{body}"
    );
    assert_eq!(
        value(
            &after,
            "portcullis_api_token_failures_total",
            &[("reason", "unauthenticated")]
        ),
        1.0,
        "{body}"
    );
    assert_eq!(
        value(
            &after,
            "portcullis_open_requests",
            &[("state", "submitted")]
        ),
        2.0
    );
    // The security team is told of each new request: two mails wait in the outbox (no mail job
    // runs in the tests).
    assert_eq!(value(&after, "portcullis_mail_outbox_pending", &[]), 2.0);
    assert!(value(&after, "portcullis_db_pool_max_connections", &[]) >= 1.0);

    // The wait counts from the submission, not from the last change: an edit or the catalog
    // re-check (which touch updated_at) does not restart it.
    sqlx::query("UPDATE request_event SET created_at = '2026-01-01T00:00:00.000000Z' WHERE image_request_id = $1")
        .bind(second)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE image_request SET updated_at = $1 WHERE image_request_id = $2")
        .bind(app::persistence::now())
        .bind(second)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let waiting = samples(&scrape(&app).await);
    assert!(
        value(&waiting, "portcullis_open_request_oldest_wait_seconds", &[]) > 200.0 * 86_400.0,
        "{waiting:?}"
    );

    // An approval moves the allowlist's revision and its count of entries in force.
    let rita = app.sign_in("rita").await;
    let id = first.to_string();
    app.act(
        "act_on_request",
        &[("id", &id), ("version", "1"), ("action", "claim")],
        &rita,
    )
    .await;
    let expires = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "2"),
            ("tag_mode", "exact"),
            ("tags", "1.25"),
            ("architectures", "amd64"),
            ("expires_on", &expires),
        ],
        &rita,
    )
    .await;
    let approved = samples(&scrape(&app).await);
    assert_eq!(
        value(&approved, "portcullis_allowlist_active_entries", &[]),
        1.0
    );
    assert!(
        value(&approved, "portcullis_allowlist_revision", &[])
            > value(&after, "portcullis_allowlist_revision", &[])
    );
    assert_eq!(
        value(
            &approved,
            "portcullis_open_requests",
            &[("state", "submitted")]
        ),
        1.0
    );
}

/// `GET /metrics` from a peer at `ip`, as the server's connection info says.
async fn scrape_from(app: &TestApp, ip: [u8; 4]) -> common::TestResponse {
    let mut request = Request::builder()
        .uri("/metrics")
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            ip, 40_000,
        ))));
    app.send(request).await
}

/// On the main port, the scrape is for this machine only: a remote peer, or anything that came
/// through a proxy (the public route), is told there is no such page.
#[tokio::test]
async fn on_the_main_port_only_this_machine_may_scrape() {
    let app = TestApp::spawn().await;
    let remote = scrape_from(&app, [192, 0, 2, 10]).await;
    assert_eq!(remote.status, StatusCode::NOT_FOUND);
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let proxied = app
            .send(
                Request::builder()
                    .uri("/metrics")
                    .header(header, "for=192.0.2.10")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(proxied.status, StatusCode::NOT_FOUND, "{header}");
    }
    let local = scrape_from(&app, [127, 0, 0, 1]).await;
    assert_eq!(local.status, StatusCode::OK);
}

/// With `PORTCULLIS_METRICS_ADDR`, the scrape lives on its own listener: the public router does
/// not answer it, and a value that is not an address is refused by name.
#[tokio::test]
async fn a_separate_metrics_address_keeps_the_scrape_off_the_public_router() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_METRICS_ADDR", "127.0.0.1:9464")]).await;
    let public = app.get("/metrics", None).await;
    assert_eq!(public.status, StatusCode::NOT_FOUND);
    let own = portcullis::http::metrics_router(
        app.state.clone(),
        portcullis::http::metrics::Metrics::start(),
    );
    let response = tower::ServiceExt::oneshot(
        own,
        Request::builder()
            .uri("/metrics")
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    for bad in ["9464", "metrics.example.org:9464", "127.0.0.1:3000"] {
        let error = portcullis::config::Config::from_lookup(
            |k| (k == "PORTCULLIS_METRICS_ADDR").then(|| bad.to_owned()),
            "127.0.0.1:3000".parse().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            error.variable, "PORTCULLIS_METRICS_ADDR",
            "{bad}: {error:?}"
        );
    }
}
