//! The gate against a hostile requester (and a hostile identity provider, upstream registry or
//! database writer): one or more attacks per finding of the security review, through the real
//! router, the real binary and real servers on loopback. Runs on SQLite and on PostgreSQL.
//!
//! The tests talk to the portal only as an attacker could (server functions, HTTP routes, the
//! `portcullis` command, SQL for someone with database access), so the same file runs against
//! older versions to show what they let through.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

/// A listener on loopback that counts every connection made to it and answers each with an
/// empty 200: the target an attacker would like the portal to reach.
struct Recorder {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Recorder {
    fn start(address: &str) -> Option<Self> {
        let listener = TcpListener::bind(address).ok()?;
        let port = listener.local_addr().ok()?.port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
                let _ = stream.read(&mut [0u8; 4096]);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
                );
            }
        });
        Some(Self { port, hits })
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// A registry the portal may reach (listed as private and insecure) whose answers an attacker
/// controls: redirects, token realms, huge bodies, endless tag pages, silence. Counts requests
/// per path prefix.
struct HostileRegistry {
    host: String,
    tag_pages: Arc<AtomicUsize>,
}

impl HostileRegistry {
    async fn start(recorder: u16) -> Self {
        use axum::response::{IntoResponse, Response};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let tag_pages = Arc::new(AtomicUsize::new(0));
        let pages = tag_pages.clone();
        let handler = move |request: Request<Body>| {
            let pages = pages.clone();
            async move {
                let path = request.uri().path().to_owned();
                let target = format!("http://127.0.0.1:{recorder}");
                let response: Response = if path.starts_with("/v2/redirect/") {
                    (
                        StatusCode::TEMPORARY_REDIRECT,
                        [(header::LOCATION, format!("{target}{path}"))],
                    )
                        .into_response()
                } else if path.starts_with("/v2/redirect-name/") {
                    (
                        StatusCode::TEMPORARY_REDIRECT,
                        [(
                            header::LOCATION,
                            format!("http://localhost:{recorder}{path}"),
                        )],
                    )
                        .into_response()
                } else if path.starts_with("/v2/realm/") {
                    (
                        StatusCode::UNAUTHORIZED,
                        [(
                            header::WWW_AUTHENTICATE,
                            format!(r#"Bearer realm="{target}/token",service="x""#),
                        )],
                    )
                        .into_response()
                } else if path.starts_with("/v2/realm-https/") {
                    (
                        StatusCode::UNAUTHORIZED,
                        [(
                            header::WWW_AUTHENTICATE,
                            format!(r#"Bearer realm="https://127.0.0.1:{recorder}/token""#),
                        )],
                    )
                        .into_response()
                } else if path.starts_with("/v2/huge/") {
                    // 6 MiB of JSON-looking padding with its length declared.
                    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(6 << 20));
                    (
                        [(
                            header::CONTENT_TYPE,
                            "application/vnd.oci.image.manifest.v1+json",
                        )],
                        body,
                    )
                        .into_response()
                } else if path.starts_with("/v2/huge-stream/") {
                    // The same without a length: chunks until the reader stops.
                    let chunks = futures_stream(64, 128 * 1024);
                    Response::builder()
                        .header(
                            header::CONTENT_TYPE,
                            "application/vnd.oci.image.manifest.v1+json",
                        )
                        .body(Body::from_stream(chunks))
                        .unwrap()
                } else if path.starts_with("/v2/endless/") && path.ends_with("/tags/list") {
                    let n = pages.fetch_add(1, Ordering::SeqCst);
                    (
                        [(
                            header::LINK,
                            format!("</v2/endless/app/tags/list?n=1&last=t{n}>; rel=\"next\""),
                        )],
                        // One real tag a page, and names no tag may have (dropped on reading).
                        axum::Json(serde_json::json!({
                            "tags": [format!("t{n}"), "1.0\n  evil: [x]", "../../etc", ""]
                        })),
                    )
                        .into_response()
                } else if path.starts_with("/v2/silent/") {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    StatusCode::OK.into_response()
                } else {
                    StatusCode::NOT_FOUND.into_response()
                };
                response
            }
        };
        let router = axum::Router::new().fallback(handler);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { host, tag_pages }
    }
}

/// `count` chunks of `size` bytes, as a body stream.
fn futures_stream(
    count: usize,
    size: usize,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::iter(
        (0..count).map(move |_| Ok(axum::body::Bytes::from(vec![b' '; size]))),
    )
}

/// A portal that may reach `registry` (listed as private and insecure), with `timeout` seconds
/// per registry request.
async fn portal_reaching(registry: &HostileRegistry, timeout: &str) -> TestApp {
    TestApp::spawn_with(&[
        ("PORTCULLIS_PRIVATE_REGISTRIES", &registry.host),
        ("PORTCULLIS_INSECURE_REGISTRIES", &registry.host),
        ("PORTCULLIS_REGISTRY_TIMEOUT_SECONDS", timeout),
    ])
    .await
}

/// What the request page says of the upstream image (facts and tags), as `cookie` sees it.
async fn upstream(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    let answer = app
        .call(
            "upstream_facts",
            &[("id", id), ("mode", "regex"), ("pattern", ".*")],
            Some(cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

fn error_text(view: &serde_json::Value, part: &str) -> String {
    view[part]["Err"]
        .as_str()
        .unwrap_or_else(|| panic!("{part} should be an error: {view}"))
        .to_owned()
}

// ── 1. Free text never changes an output's structure ─────────────────────────────────────────

#[tokio::test]
async fn a_team_name_with_yaml_structure_is_refused_on_submit_and_on_resubmit() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let injected = "web\n  images-by-tag-regex: {\"attacker/backdoor\": \".*\"}\n  #";
    for team in [
        injected,
        "web\u{2028}images: {attacker/backdoor: [latest]}",
        "web\u{85}x",
        "\u{202E}mroftalp beW",
    ] {
        let refused = app.submit_for_team(&alice, "nginx:1.25", team).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{team:?}");
        assert!(refused.body.contains("\"team\""), "{}", refused.body);
    }
    assert_eq!(app.count_requests().await, 0);

    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    app.act(
        "act_on_request",
        &[("id", &id), ("version", "1"), ("action", "claim")],
        &rita,
    )
    .await;
    app.act(
        "act_on_request",
        &[
            ("id", &id),
            ("version", "2"),
            ("action", "request_changes"),
            ("text", "Name the service that runs it, please."),
        ],
        &rita,
    )
    .await;
    let resubmitted = app
        .call(
            "resubmit_request",
            &[
                ("id", &id),
                ("version", "3"),
                ("team", injected),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Reverse proxy in front of the course portal.",
                ),
                ("note", "Named the service as asked."),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(
        resubmitted.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the resubmit path has the same rule: {}",
        resubmitted.body
    );
    let page = app.request(id.parse().unwrap(), &alice).await;
    assert_eq!(page["request"]["team"], "Web platform", "nothing changed");
    assert_eq!(page["request"]["version"], 3);
}

#[tokio::test]
async fn reasons_and_comments_refuse_invisible_controls_but_keep_paragraphs() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    let refused = app
        .call(
            "act_on_request",
            &[
                ("id", &id),
                ("version", "1"),
                ("action", "comment"),
                ("text", "Fine\u{202E}txet neddih"),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.act(
        "act_on_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("action", "comment"),
            ("text", "First paragraph.\r\n\r\nSecond paragraph."),
        ],
        &alice,
    )
    .await;
    let page = app.request(id.parse().unwrap(), &alice).await;
    let last = page["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["body"], "First paragraph.\n\nSecond paragraph.");
}

// ── 2. Server-side request forgery ───────────────────────────────────────────────────────────

#[tokio::test]
async fn requests_for_loopback_registries_make_no_connection() {
    let v4 = Recorder::start("127.0.0.1:0").unwrap();
    let v6 = Recorder::start("[::1]:0");
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let mut images = vec![
        format!("127.0.0.1:{}/team/app:1.0", v4.port),
        format!("localhost:{}/team/app:1.0", v4.port),
        format!("[::ffff:7f00:1]:{}/team/app:1.0", v4.port),
        format!("169.254.169.254:{}/latest/meta-data:1", v4.port),
        format!("0.0.0.0:{}/team/app:1.0", v4.port),
    ];
    if let Some(v6) = &v6 {
        images.push(format!("[::1]:{}/team/app:1.0", v6.port));
    }
    for image in &images {
        let id = app.submit(&alice, image).await.to_string();
        let view = upstream(&app, &alice, &id).await;
        let facts = error_text(&view, "facts");
        assert!(facts.contains("not allowed"), "{image}: {facts}");
        assert!(error_text(&view, "tags").contains("not allowed"), "{image}");
    }
    assert_eq!(v4.hits(), 0, "no connection to the IPv4 loopback listener");
    if let Some(v6) = v6 {
        assert_eq!(v6.hits(), 0, "no connection to the IPv6 loopback listener");
    }
}

#[tokio::test]
async fn redirects_and_token_realms_from_an_allowed_registry_cannot_reach_private_addresses() {
    let recorder = Recorder::start("127.0.0.1:0").unwrap();
    let registry = HostileRegistry::start(recorder.port).await;
    let app = portal_reaching(&registry, "5").await;
    let alice = app.sign_in("alice").await;
    for repository in ["redirect", "redirect-name", "realm", "realm-https"] {
        let image = format!("{}/{repository}/app:1.0", registry.host);
        let id = app.submit(&alice, &image).await.to_string();
        let view = upstream(&app, &alice, &id).await;
        let facts = error_text(&view, "facts");
        assert!(
            facts.contains("not allowed"),
            "{repository}: a short reason, not a network detail: {facts}"
        );
    }
    assert_eq!(
        recorder.hits(),
        0,
        "no redirect hop or realm reached the listener"
    );
}

#[tokio::test]
async fn huge_bodies_endless_tag_pages_and_silent_registries_are_cut_off() {
    let recorder = Recorder::start("127.0.0.1:0").unwrap();
    let registry = HostileRegistry::start(recorder.port).await;
    let app = portal_reaching(&registry, "1").await;
    let alice = app.sign_in("alice").await;
    for repository in ["huge", "huge-stream"] {
        let id = app
            .submit(&alice, &format!("{}/{repository}/app:1.0", registry.host))
            .await
            .to_string();
        let facts = error_text(&upstream(&app, &alice, &id).await, "facts");
        assert!(
            facts.contains("more than the portal reads"),
            "{repository}: {facts}"
        );
    }

    let id = app
        .submit(&alice, &format!("{}/endless/app:1.0", registry.host))
        .await
        .to_string();
    let view = upstream(&app, &alice, &id).await;
    let pages = registry.tag_pages.load(Ordering::SeqCst);
    assert!(
        (1..=20).contains(&pages),
        "tag paging stops after 20 pages, not at 10,000 tags: {pages}"
    );
    let tags = view["tags"]["Ok"].as_array().expect("the tags read so far");
    assert_eq!(tags.len(), pages, "only valid tag names are kept: {tags:?}");

    let started = Instant::now();
    let id = app
        .submit(&alice, &format!("{}/silent/app:1.0", registry.host))
        .await
        .to_string();
    let facts = error_text(&upstream(&app, &alice, &id).await, "facts");
    assert!(facts.contains("unreachable"), "{facts}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a silent registry costs the timeout, not the registry's choice"
    );
}

// ── 3. The allowlist never waits on an upstream registry ─────────────────────────────────────

#[tokio::test]
async fn a_silent_registry_does_not_hold_up_other_allowlist_formats() {
    let recorder = Recorder::start("127.0.0.1:0").unwrap();
    let registry = HostileRegistry::start(recorder.port).await;
    let app = portal_reaching(&registry, "30").await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("ruth").await;
    let id = app
        .submit(&alice, &format!("{}/silent/app:1.0", registry.host))
        .await
        .to_string();
    let expires = in_days(30);
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("tag_mode", "semver"),
            ("tags", ">=1.0, <2"),
            ("architectures", "amd64"),
            ("expires_on", &expires),
        ],
        &rita,
    )
    .await;
    let get = |format: &'static str| {
        let request = Request::builder()
            .uri(format!("/api/v1/allowlist?format={format}"))
            .header(header::COOKIE, rita.clone())
            .body(Body::empty())
            .unwrap();
        let app = &app;
        async move {
            let started = Instant::now();
            let response = app.send(request).await;
            (response, started.elapsed())
        }
    };
    let (skopeo, json) = tokio::join!(get("skopeo"), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        get("json").await
    });
    assert_eq!(skopeo.0.status, StatusCode::OK, "{}", skopeo.0.body);
    assert!(
        skopeo.1 < Duration::from_secs(8),
        "the first skopeo list waits a bounded time: {:?}",
        skopeo.1
    );
    assert_eq!(json.0.status, StatusCode::OK);
    assert!(
        json.1 < Duration::from_secs(2),
        "the JSON list is not held up by the registry: {:?}",
        json.1
    );
    let (again, took) = get("skopeo").await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        took < Duration::from_secs(2),
        "later lists use what is known: {took:?}"
    );
}

// ── 4. Four eyes on every decision about one's own request ───────────────────────────────────

#[tokio::test]
async fn a_reviewer_cannot_renew_the_approval_of_their_own_request_but_may_revoke_it() {
    let app = TestApp::spawn().await;
    let rita = app.sign_in("rita").await;
    let ruth = app.sign_in("ruth").await;
    let id = app.submit(&rita, "nginx:1.25").await.to_string();
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("tag_mode", "exact"),
            ("tags", "1.25.3"),
            ("architectures", "amd64"),
            ("expires_on", &in_days(30)),
        ],
        &ruth,
    )
    .await;
    let page = app.request(id.parse().unwrap(), &rita).await;
    let entry = page["entry"]["id"].to_string();
    assert_eq!(page["entry_actions"], serde_json::json!(["Revoke"]));
    let renewed = app
        .call(
            "renew_approval",
            &[
                ("request", &id),
                ("entry", &entry),
                ("version", "1"),
                ("expires_on", &in_days(300)),
            ],
            Some(&rita),
        )
        .await;
    assert_eq!(renewed.status, StatusCode::FORBIDDEN, "{}", renewed.body);
    assert!(renewed.body.contains("four eyes"), "{}", renewed.body);
    let page = app.request(id.parse().unwrap(), &rita).await;
    assert_eq!(page["entry"]["expires_on"], in_days(30), "nothing changed");
    app.act(
        "revoke_approval",
        &[
            ("request", &id),
            ("entry", &entry),
            ("version", "1"),
            ("reason", "I no longer need it in production."),
        ],
        &rita,
    )
    .await;
}

// ── 5. A regex scope cannot escape its anchoring ─────────────────────────────────────────────

#[tokio::test]
async fn a_pattern_that_would_escape_its_anchors_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    for pattern in [
        r"1\.25\.3)|(.*",
        r"1\.25\.3)|(?:.*",
        "(?x) 1 | .*",
        "[[:alpha:]]+",
    ] {
        let refused = app
            .call(
                "approve_request",
                &[
                    ("id", &id),
                    ("version", "1"),
                    ("tag_mode", "regex"),
                    ("tags", pattern),
                    ("architectures", "amd64"),
                    ("expires_on", &in_days(30)),
                ],
                Some(&rita),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{pattern}: {}",
            refused.body
        );
    }
    assert_eq!(app.count_rows("allowlist_entry").await, 0);
}

// ── 6. The audit chain against someone with database write access ────────────────────────────

fn portcullis(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("PORTCULLIS_DATABASE_URL", database_url)
        .env("PORTCULLIS_CATALOG_URL", "off")
        .env("PORTCULLIS_LOG", "info")
        .envs(env.iter().copied())
        .output()
        .expect("run portcullis")
}

/// The chain head the command logged last (`{"target":"audit_head","count":…,"hash":…}`).
fn logged_head(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["target"] == "audit_head")
        .map(|line| format!("{}:{}", line["count"], line["hash"].as_str().unwrap()))
        .next_back()
        .unwrap_or_else(|| {
            panic!(
                "no audit_head log line: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// An audit row's id and hashed content, as SQL reads it.
type AuditRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

async fn recompute_plain_chain(app: &TestApp, from: i64) {
    // What an attacker without the key can do: recompute every hash from `from` on.
    let rows: Vec<AuditRow> = sqlx::query_as(
        "SELECT audit_id, at, actor_id, actor_name, client_addr, action, subject, before, \
             after FROM audit_log ORDER BY audit_id",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    let mut previous: String =
        sqlx::query_as::<_, (String,)>("SELECT prev_hash FROM audit_log WHERE audit_id = $1")
            .bind(from)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap()
            .0;
    for (id, at, actor_id, actor_name, client_addr, action, subject, before, after) in rows {
        if id < from {
            continue;
        }
        let content = serde_json::json!([
            previous,
            id,
            at,
            actor_id,
            actor_name,
            client_addr,
            action,
            subject,
            before,
            after
        ])
        .to_string();
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(content.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE audit_id = $3")
            .bind(&previous)
            .bind(&hash)
            .bind(id)
            .execute(app.state.db.pool())
            .await
            .unwrap();
        previous = hash;
    }
}

#[tokio::test]
async fn removing_the_newest_rows_or_recomputing_the_chain_is_caught_by_the_logged_head() {
    let app = TestApp::spawn().await;
    let url = app.config.database_url.to_string();
    let alice = app.sign_in("alice").await;
    app.submit(&alice, "nginx:1.25").await;
    let created = portcullis(
        &url,
        &[
            "token",
            "create",
            "--name",
            "mirror-job",
            "--scope",
            "allowlist:read",
        ],
        &[],
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let head = logged_head(&created);
    assert!(head.starts_with("2:"), "{head}");
    app.submit(&alice, "redis:7.2").await;

    let ok = portcullis(&url, &["audit", "verify", "--head", &head], &[]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let (count, hash): (i64, String) =
        sqlx::query_as("SELECT audit_id, hash FROM audit_log ORDER BY audit_id DESC LIMIT 1")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let newest = format!("{count}:{hash}");

    // Someone with database access edits a row and recomputes every hash after it.
    sqlx::query("UPDATE audit_log SET actor_name = 'Mallory' WHERE audit_id = 1")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    recompute_plain_chain(&app, 1).await;
    let without_head = portcullis(&url, &["audit", "verify"], &[]);
    assert!(
        without_head.status.success(),
        "without a key or a head, a recomputed chain cannot be told apart (the README says so)"
    );
    let rewritten = portcullis(&url, &["audit", "verify", "--head", &head], &[]);
    assert_eq!(rewritten.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&rewritten.stderr).contains("recomputed"),
        "{}",
        String::from_utf8_lossy(&rewritten.stderr)
    );

    // Or removes the newest rows: the chain that is left is whole.
    sqlx::query("DELETE FROM audit_log WHERE audit_id >= 2")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert!(portcullis(&url, &["audit", "verify"], &[]).status.success());
    let truncated = portcullis(&url, &["audit", "verify", "--head", &newest], &[]);
    assert_eq!(truncated.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&truncated.stderr).contains("removed"),
        "{}",
        String::from_utf8_lossy(&truncated.stderr)
    );

    // The portal notices the gap itself and appends nothing over it (and so changes nothing).
    let requests = app.count_requests().await;
    let refused = app.submit_for_team(&alice, "node:18", "Web platform").await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(app.count_requests().await, requests, "nothing half-written");

    // Cut back and the sequence reset too, the portal seals a new row 2: the logged head of
    // the old row 2 tells the two apart.
    sqlx::query("UPDATE id_sequence SET last_value = 1 WHERE name = 'audit_log'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    app.submit(&alice, "node:18").await;
    let forked = portcullis(&url, &["audit", "verify", "--head", &head], &[]);
    assert_eq!(forked.status.code(), Some(1));
    let log = std::env::temp_dir().join(format!("portcullis-heads-{}.log", std::process::id()));
    std::fs::write(&log, &created.stderr).unwrap();
    let from_log = portcullis(
        &url,
        &["audit", "verify", "--heads-from", log.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        from_log.status.code(),
        Some(1),
        "the head read from the log file"
    );
    let _ = std::fs::remove_file(log);
}

#[tokio::test]
async fn with_a_key_the_chain_cannot_be_recomputed_at_all() {
    let key = std::env::temp_dir().join(format!(
        "portcullis-audit-key-{}-{}",
        std::process::id(),
        common::oidc::free_port()
    ));
    std::fs::write(&key, b"0123456789abcdef0123456789abcdef-test-key").unwrap();
    let key_path = key.to_str().unwrap().to_owned();
    let app = TestApp::spawn_with(&[("PORTCULLIS_AUDIT_KEY_FILE", &key_path)]).await;
    let url = app.config.database_url.to_string();
    let alice = app.sign_in("alice").await;
    for image in ["nginx:1.25", "redis:7.2", "node:22"] {
        app.submit(&alice, image).await;
    }
    let keyed = [("PORTCULLIS_AUDIT_KEY_FILE", key_path.as_str())];
    let ok = portcullis(&url, &["audit", "verify"], &keyed);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("3 of them keyed"));
    let unkeyed = portcullis(&url, &["audit", "verify"], &[]);
    assert_eq!(unkeyed.status.code(), Some(1), "keyed rows need the key");

    sqlx::query("UPDATE audit_log SET actor_name = 'Mallory' WHERE audit_id = 2")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    recompute_plain_chain(&app, 1).await;
    let forged = portcullis(&url, &["audit", "verify"], &keyed);
    assert_eq!(forged.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&forged.stderr).contains("not keyed"),
        "{}",
        String::from_utf8_lossy(&forged.stderr)
    );
    let short = std::env::temp_dir().join(format!("portcullis-short-key-{}", std::process::id()));
    std::fs::write(&short, b"too short").unwrap();
    let refused = portcullis(
        &url,
        &["audit", "verify"],
        &[("PORTCULLIS_AUDIT_KEY_FILE", short.to_str().unwrap())],
    );
    assert_eq!(refused.status.code(), Some(2));
    let _ = std::fs::remove_file(key);
    let _ = std::fs::remove_file(short);
}

// ── 7. Development sign-in only where it belongs ─────────────────────────────────────────────

#[tokio::test]
async fn development_sign_in_answers_only_requests_for_a_loopback_host() {
    let app = TestApp::spawn().await;
    let sign_in_at = |host: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/dev_sign_in")
            .header(header::HOST, host)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from("user=adam"))
            .unwrap()
    };
    for host in [
        "portcullis.example.org",
        "portcullis.example.org:443",
        "10.0.0.5:3000",
    ] {
        let response = app.send(sign_in_at(host)).await;
        assert_eq!(
            response.status,
            StatusCode::NOT_FOUND,
            "{host}: {}",
            response.body
        );
        assert_eq!(response.session_cookie(), None, "{host}");
    }
    for host in ["localhost:3000", "127.0.0.1:3000", "[::1]:3000"] {
        let response = app.send(sign_in_at(host)).await;
        assert_eq!(response.status, StatusCode::OK, "{host}: {}", response.body);
    }
    // A proxy or tunnel that keeps the loopback Host still says it forwarded the request.
    let mut forwarded = sign_in_at("127.0.0.1:3000");
    forwarded
        .headers_mut()
        .insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
    assert_eq!(app.send(forwarded).await.status, StatusCode::NOT_FOUND);
}

#[test]
fn development_sign_in_does_not_start_behind_a_public_url_or_beside_a_provider() {
    let binary = env!("CARGO_BIN_EXE_portcullis");
    for vars in [
        vec![
            ("PORTCULLIS_DEV_SIGNIN", "true"),
            ("PORTCULLIS_PUBLIC_URL", "https://portcullis.example.org"),
        ],
        vec![
            ("PORTCULLIS_DEV_SIGNIN", "true"),
            ("PORTCULLIS_OIDC_ISSUER", "https://idp.example.org"),
            ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis"),
            ("PORTCULLIS_OIDC_CLIENT_SECRET", "secret"),
        ],
    ] {
        let output = std::process::Command::new(binary)
            .env_clear()
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:39998")
            .envs(vars.clone())
            .current_dir(std::env::temp_dir())
            .output()
            .expect("run portcullis");
        assert_eq!(output.status.code(), Some(2), "{vars:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("PORTCULLIS_DEV_SIGNIN"));
    }
}

// ── 8, 9. The identity provider's strings and the return address ─────────────────────────────

async fn provider_portal(provider: &common::oidc::TestProvider) -> TestApp {
    let settings = provider.portal_settings();
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(&borrowed).await
}

/// Signs in through the provider as `user`, starting at `/auth/login?next=…`; returns the
/// callback's answer.
async fn provider_sign_in(app: &TestApp, user: &str, next: &str) -> common::TestResponse {
    let login = app.get(&format!("/auth/login?next={next}"), None).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let pending = login
        .cookie("portcullis-signin")
        .or_else(|| login.session_cookie())
        .expect("the pending sign-in");
    let callback = common::oidc::ProviderBrowser::new()
        .sign_in(login.header("location").unwrap(), user)
        .await;
    app.get(
        callback.trim_start_matches(common::oidc::PORTAL),
        Some(&pending),
    )
    .await
}

#[tokio::test]
async fn next_cannot_send_the_browser_to_another_site_after_sign_in() {
    let provider = common::oidc::TestProvider::start(&[]);
    let app = provider_portal(&provider).await;
    for next in [
        "/%09/evil.example",
        "/%5Cevil.example",
        "%2F%2Fevil.example",
        "/%0A/evil.example",
    ] {
        let done = provider_sign_in(&app, "alice", next).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(done.header("location"), Some("/requests"), "{next}");
    }
    let done = provider_sign_in(&app, "alice", "/review%3Fstate%3Dall").await;
    assert_eq!(done.header("location"), Some("/review?state=all"));
}

#[tokio::test]
async fn a_hostile_directory_entry_cannot_forge_mail_headers_or_spreadsheet_formulas() {
    let provider = common::oidc::TestProvider::start(&[]);
    let app = provider_portal(&provider).await;
    let done = provider_sign_in(&app, "mallory", "/requests").await;
    let mallory = done.session_cookie().expect("signed in");
    let user = app.call("current_user", &[], Some(&mallory)).await.json();
    let name = user["display_name"].as_str().unwrap().to_owned();
    assert!(
        name.chars()
            .all(|c| !c.is_control() && c != '\u{2028}' && c != '\u{202E}'),
        "{name:?}"
    );
    assert_eq!(
        user["email"], "",
        "an address with a header in it gets no mail"
    );
    let submitted = app
        .submit_for_team(&mallory, "nginx:1.25", "Web platform")
        .await;
    assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.body);

    let adam = provider_sign_in(&app, "adam", "/admin/audit")
        .await
        .session_cookie()
        .unwrap();
    let csv = app.get("/admin/audit.csv", Some(&adam)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let name_column = headers.iter().position(|h| h == "actor_name").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().all(|r| r.len() == headers.len()));
    let cell = rows
        .iter()
        .map(|r| r[name_column].to_owned())
        .find(|c| c.contains("HYPERLINK"))
        .expect("mallory's row");
    assert_eq!(cell, format!("'{name}"), "the formula is neutralised");
}

// ── 10. Client addresses, sessions, anonymous visitors ───────────────────────────────────────

#[tokio::test]
async fn the_client_address_is_the_one_the_trusted_proxy_saw() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_TRUSTED_PROXIES", "1")]).await;
    let alice = app.sign_in("alice").await;
    let body = common::encode_form(&[
        ("image", "nginx:1.25"),
        ("team", "Web platform"),
        ("contact", "web@example.org"),
        (
            "justification",
            "Reverse proxy in front of the course portal.",
        ),
        ("catalog_choice", "none"),
        (
            "catalog_reason",
            "The tests need the upstream image itself.",
        ),
    ]);
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/submit_request")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &alice)
        // The client wrote the first entry; the proxy appended the address it saw.
        .header("x-forwarded-for", "198.51.100.66, 203.0.113.7")
        .body(Body::from(body))
        .unwrap();
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let (address,): (String,) =
        sqlx::query_as("SELECT client_addr FROM audit_log WHERE action = 'request.submit'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(address, "203.0.113.7");
}

#[tokio::test]
async fn the_idle_limit_counts_from_the_last_request() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let two_minutes_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 120;
    app.edit_only_session(|record| {
        record["last_seen"] = serde_json::json!(two_minutes_ago);
    })
    .await;
    let soon = app::persistence::format_timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::seconds(30),
    );
    sqlx::query("UPDATE user_session SET expires_at = $1")
        .bind(&soon)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let response = app.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(response.status, StatusCode::OK);
    let (expires_at,): (String,) = sqlx::query_as("SELECT expires_at FROM user_session")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let later = app::persistence::format_timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::hours(7),
    );
    assert!(
        expires_at > later,
        "a request moves the idle expiry ({expires_at} should be after {later})"
    );
}

#[tokio::test]
async fn anonymous_sign_in_starts_store_nothing() {
    let provider = common::oidc::TestProvider::start(&[]);
    let app = provider_portal(&provider).await;
    for _ in 0..20 {
        let login = app.get("/auth/login", None).await;
        assert_eq!(login.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(app.count_rows("user_session").await, 0);
}

// ── 6. A mirror that misbehaves never loses what the portal knew ─────────────────────────────

/// A mirror registry whose answers the test switches: 0 a good mirror holding `handmade:1` (and
/// names no repository or tag may have, which the portal drops),
/// 1 garbage, 2 a huge catalog, 3 silence, 4 a good catalog with garbage tag lists.
/// Records each request's path and whether it carried credentials.
async fn switchable_mirror(
    mode: Arc<AtomicUsize>,
    seen: Arc<std::sync::Mutex<Vec<(String, bool)>>>,
) -> String {
    use axum::response::{IntoResponse, Response};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let digest = format!("sha256:{}", "a".repeat(64));
    let handler = move |request: Request<Body>| {
        let mode = mode.load(Ordering::SeqCst);
        let digest = digest.clone();
        let seen = seen.clone();
        async move {
            let path = request.uri().path().to_owned();
            let signed = request.headers().contains_key(header::AUTHORIZATION);
            seen.lock().unwrap().push((path.clone(), signed));
            // Names no repository may have sit beside the real one; they are dropped on reading.
            let good_catalog = || {
                axum::Json(serde_json::json!({ "repositories": [
                    "handmade", "../../etc", "Upper/Case", "a b", "<script>x</script>", "x\ny", ""
                ] }))
                .into_response()
            };
            let response: Response = match (mode, path.as_str()) {
                (0 | 4, "/v2/_catalog") => good_catalog(),
                (0, "/v2/handmade/tags/list") => axum::Json(serde_json::json!({
                    "name": "handmade",
                    "tags": ["1", "1.0\n  evil: [x]", "../x", "", "<b>"]
                }))
                .into_response(),
                (0, p) if p.starts_with("/v2/handmade/manifests/") => {
                    ([("docker-content-digest", digest)], "").into_response()
                }
                (1, _) | (4, _) => "<html>not a registry</html>{[".into_response(),
                (2, _) => format!(
                    "{{\"repositories\":[{}]}}",
                    vec!["\"r\""; 1 << 20].join(",")
                )
                .into_response(),
                (3, _) => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    StatusCode::OK.into_response()
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            };
            response
        }
    };
    let router = axum::Router::new().fallback(handler);
    tokio::spawn(async move { axum::serve(listener, router).await });
    host
}

#[tokio::test]
async fn a_mirror_that_is_down_slow_or_hostile_keeps_the_last_known_state() {
    use app::mirror::service::{verify, RunOutcome};
    let mode = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mirror = switchable_mirror(mode.clone(), seen.clone()).await;
    let credentials = std::env::temp_dir().join(format!(
        "portcullis-mirror-credentials-{}",
        std::process::id()
    ));
    std::fs::write(&credentials, "portal:mirror-secret\n").unwrap();
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_PRIVATE_REGISTRIES", &mirror),
        ("PORTCULLIS_INSECURE_REGISTRIES", &mirror),
        ("PORTCULLIS_REGISTRY_TIMEOUT_SECONDS", "1"),
        ("PORTCULLIS_MIRROR_REGISTRY", &mirror),
        (
            "PORTCULLIS_MIRROR_CREDENTIALS_FILE",
            credentials.to_str().unwrap(),
        ),
    ])
    .await;
    let rita = app.sign_in("rita").await;
    let drift = || async {
        let answer = app.call("mirror_drift", &[], Some(&rita)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    };
    assert_eq!(
        verify(&app.state).await.unwrap(),
        RunOutcome::Checked {
            entries: 0,
            newly_available: 0,
            new_drift: 1
        }
    );
    let found = drift().await;
    assert_eq!(found[1].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[1][0]["repository"], "handmade");
    assert_eq!(found[1][0]["tag"], "1");
    assert!(
        seen.lock().unwrap().iter().all(|(_, signed)| *signed),
        "the job signs in to the mirror"
    );

    // A requester naming the mirror gets an anonymous lookup: the job's credentials are its own.
    seen.lock().unwrap().clear();
    let alice = app.sign_in("alice").await;
    let id = app
        .submit(&alice, &format!("{mirror}/handmade:1"))
        .await
        .to_string();
    upstream(&app, &alice, &id).await;
    let lookups = seen.lock().unwrap().clone();
    assert!(!lookups.is_empty(), "the lookup reached the mirror");
    assert!(
        lookups.iter().all(|(_, signed)| !signed),
        "no credentials on a requester's lookup: {lookups:?}"
    );

    for (bad, what) in [
        (1, "garbage"),
        (2, "a huge catalog"),
        (3, "silence"),
        (4, "garbage tag lists"),
    ] {
        mode.store(bad, Ordering::SeqCst);
        let started = Instant::now();
        let outcome = verify(&app.state).await.unwrap();
        assert!(
            matches!(outcome, RunOutcome::Unreachable(_)),
            "{what}: {outcome:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: a run costs the timeout, not the mirror's choice"
        );
        let (health, findings) = {
            let view = drift().await;
            (view[0].clone(), view[1].clone())
        };
        assert!(health["last_error"].is_string(), "{what}: {health}");
        assert_eq!(
            findings.as_array().unwrap().len(),
            1,
            "{what}: the finding is kept, not resolved by a mirror that could not be read"
        );
        // Pages never wait on the mirror: the catalog answers at once.
        let started = Instant::now();
        let catalog = app.call("approved_images", &[], Some(&rita)).await;
        assert_eq!(catalog.status, StatusCode::OK);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    // Two replicas: one run at a time.
    mode.store(3, Ordering::SeqCst);
    let settings = [
        ("PORTCULLIS_PRIVATE_REGISTRIES", mirror.as_str()),
        ("PORTCULLIS_INSECURE_REGISTRIES", mirror.as_str()),
        ("PORTCULLIS_REGISTRY_TIMEOUT_SECONDS", "1"),
        ("PORTCULLIS_MIRROR_REGISTRY", mirror.as_str()),
    ];
    let replica = app.replica(&settings).await;
    let (first, second) = tokio::join!(verify(&app.state), verify(&replica.state));
    let outcomes = [first.unwrap(), second.unwrap()];
    assert!(
        outcomes.contains(&RunOutcome::Busy),
        "one run at a time: {outcomes:?}"
    );
}
