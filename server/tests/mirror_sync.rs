//! The allowlist API proven with the real tools: two `docker-registry` instances (upstream and
//! mirror), small images pushed upstream with `skopeo`, approvals through the portal (exact tags,
//! a regular expression, a digest pin), the allowlist fetched in skopeo's format with a token,
//! and the real `skopeo sync` into the mirror; then a revocation and an expiry, and a fresh
//! mirror synced again. Also: ETag and 304, formats, and bad input. And the loop back: the
//! portal's verification job reads the mirror the real sync wrote (availability, digests, build
//! dates, drift, the monthly report) and keeps its last known state when the mirror goes down.

mod common;

use app::tokens::{service as tokens, Scope};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::registry::{skopeo, TestRegistry};
use common::TestApp;

fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

async fn fetch(
    app: &TestApp,
    token: &str,
    query: &str,
    extra: &[(&str, &str)],
) -> common::TestResponse {
    let mut request = Request::builder()
        .uri(format!("/api/v1/allowlist{query}"))
        .header("authorization", format!("Bearer {token}"));
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

/// A new token with the `allowlist:read` scope, as the mirror job would hold.
async fn allowlist_token(app: &TestApp, name: &str) -> String {
    tokens::create(
        &app.state.db,
        &app.state.audit,
        name,
        &[Scope::AllowlistRead],
        None,
        &app::audit::chain::Actor::system(),
    )
    .await
    .unwrap()
    .token
}

/// Runs `skopeo sync` with the allowlist in skopeo's format into `mirror`.
fn sync(yaml: &str, mirror: &TestRegistry) {
    let file = std::env::temp_dir().join(format!(
        "portcullis-sync-{}-{}.yaml",
        std::process::id(),
        common::oidc::free_port()
    ));
    std::fs::write(&file, yaml).unwrap();
    skopeo(&[
        "sync",
        "--all",
        "--preserve-digests",
        "--src",
        "yaml",
        "--dest",
        "docker",
        "--dest-tls-verify=false",
        file.to_str().unwrap(),
        &mirror.host,
    ]);
    let _ = std::fs::remove_file(file);
}

/// The tags of `repository` in the mirror (none when the repository is not there).
fn mirror_tags(mirror: &TestRegistry, repository: &str) -> Vec<String> {
    let output = std::process::Command::new("skopeo")
        .args([
            "list-tags",
            "--tls-verify=false",
            &format!("docker://{}/{repository}", mirror.host),
        ])
        .output()
        .unwrap();
    if !output.status.success() {
        return Vec::new();
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut tags: Vec<String> = json["Tags"]
        .as_array()
        .map(|a| a.iter().map(|t| t.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default();
    tags.sort();
    tags
}

fn mirror_has(mirror: &TestRegistry, repository: &str, digest: &str) -> bool {
    std::process::Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/{repository}@{digest}", mirror.host),
        ])
        .output()
        .unwrap()
        .status
        .success()
}

#[tokio::test]
async fn skopeo_sync_copies_exactly_what_was_approved() {
    let upstream = TestRegistry::start();
    for tag in ["1.25.3", "1.25.4", "1.26.0"] {
        upstream.push(
            "web/proxy",
            tag,
            &[],
            &["amd64", "arm64"],
            &format!("proxy {tag}"),
        );
    }
    let pinned = upstream.push("tools/cli", "2.0", &[], &["amd64"], "cli 2.0");
    upstream.push("tools/cli", "2.1", &[], &["amd64"], "cli 2.1");
    for tag in ["9.1", "9.2", "latest"] {
        upstream.push("base/os", tag, &[], &["amd64"], &format!("os {tag}"));
    }
    let insecure = upstream.host.clone();
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &insecure),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &insecure),
    ])
    .await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let expires = in_days(120);
    let approve = |image: &'static str, mode: &'static str, tags: &'static str, digests: String| {
        let app = &app;
        let alice = alice.clone();
        let rita = rita.clone();
        let expires = expires.clone();
        let host = upstream.host.clone();
        async move {
            let id = app
                .submit(&alice, &format!("{host}/{image}"))
                .await
                .to_string();
            app.act(
                "approve_request",
                &[
                    ("id", &id),
                    ("version", "1"),
                    ("tag_mode", mode),
                    ("tags", tags),
                    ("digests", &digests),
                    ("architectures", "amd64, arm64"),
                    ("expires_on", &expires),
                ],
                &rita,
            )
            .await;
            id
        }
    };
    let proxy = approve("web/proxy:1.25.3", "regex", r"1\.25\..*", String::new()).await;
    let _cli = approve("tools/cli:2.0", "exact", "2.0, 2.1", pinned.clone()).await;
    let os = approve("base/os:9.1", "exact", "9.1, 9.2", String::new()).await;

    let token = allowlist_token(&app, "mirror-job").await;

    let listed = fetch(&app, &token, "?format=skopeo", &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert!(listed.header("content-type").unwrap().contains("yaml"));
    let mirror = TestRegistry::start();
    sync(&listed.body, &mirror);
    // Without --scoped, skopeo puts each repository under its last path component.
    let at = |repository: &str| repository.rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        mirror_tags(&mirror, &at("web/proxy")),
        ["1.25.3", "1.25.4"],
        "the regex's tags only:\n{}",
        listed.body
    );
    assert_eq!(
        mirror_tags(&mirror, &at("base/os")),
        ["9.1", "9.2"],
        "no latest"
    );
    assert!(
        mirror_has(&mirror, &at("tools/cli"), &pinned),
        "the pinned digest"
    );
    assert!(
        mirror_tags(&mirror, &at("tools/cli")).is_empty(),
        "only the pin, no tags:\n{}",
        listed.body
    );

    // Revoke one entry, let another expire; a fresh mirror gets only what is still allowed.
    revoke(&app, &rita, &os, "Replaced by the UBI image.").await;
    sqlx::query("UPDATE allowlist_entry SET expires_on = '2026-01-01' WHERE image_request_id = $1")
        .bind(proxy.parse::<i64>().unwrap())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let listed = fetch(&app, &token, "?format=skopeo", &[]).await;
    let fresh = TestRegistry::start();
    sync(&listed.body, &fresh);
    assert!(
        mirror_tags(&fresh, &at("web/proxy")).is_empty(),
        "expired:\n{}",
        listed.body
    );
    assert!(mirror_tags(&fresh, &at("base/os")).is_empty(), "revoked");
    assert!(mirror_has(&fresh, &at("tools/cli"), &pinned));
}

/// Revokes the allowlist entry of request `id` (at its first version), as `reviewer`.
async fn revoke(app: &TestApp, reviewer: &str, id: &str, reason: &str) {
    let (entry,): (i64,) = sqlx::query_as(
        "SELECT allowlist_entry_id FROM allowlist_entry WHERE image_request_id = $1",
    )
    .bind(id.parse::<i64>().unwrap())
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    app.act(
        "revoke_approval",
        &[
            ("request", id),
            ("entry", &entry.to_string()),
            ("version", "1"),
            ("reason", reason),
        ],
        reviewer,
    )
    .await;
}

/// Approves request `id` (at version 1) with a tag rule, as `reviewer`.
async fn approve(app: &TestApp, reviewer: &str, id: &str, mode: &str, tags: &str) -> StatusCode {
    app.call(
        "approve_request",
        &[
            ("id", id),
            ("version", "1"),
            ("tag_mode", mode),
            ("tags", tags),
            ("architectures", "amd64"),
            ("expires_on", &in_days(60)),
        ],
        Some(reviewer),
    )
    .await
    .status
}

#[tokio::test]
async fn hostile_approvals_never_widen_what_skopeo_copies() {
    let upstream = TestRegistry::start();
    for tag in ["1.25.3", "1.25.4", "1.26.0", "latest"] {
        upstream.push("web/proxy", tag, &[], &["amd64"], &format!("proxy {tag}"));
    }
    for tag in ["9.1", "9.2"] {
        upstream.push("base/os", tag, &[], &["amd64"], &format!("os {tag}"));
    }
    upstream.push("tools/cli", "2.0", &[], &["amd64"], "cli 2.0");
    upstream.push("attacker/backdoor", "latest", &[], &["amd64"], "backdoor");
    let host = upstream.host.clone();
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &host),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &host),
    ])
    .await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let submit = |image: &'static str, team: &'static str| {
        let app = &app;
        let alice = alice.clone();
        let image = format!("{host}/{image}");
        async move {
            let response = app
                .call(
                    "submit_request",
                    &[
                        ("image", image.as_str()),
                        ("team", team),
                        ("contact", "web@example.org"),
                        (
                            "justification",
                            "Reverse proxy in front of the course portal.",
                        ),
                    ],
                    Some(&alice),
                )
                .await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            response.body.trim().to_owned()
        }
    };
    // A team name full of YAML's own syntax, on one line (line breaks are refused).
    let proxy = submit(
        "web/proxy:1.25.3",
        "web: {images-by-tag-regex: {\"attacker/backdoor\": \".*\"}} # '\"&*!|>%@`",
    )
    .await;
    // A pattern that tries to close the portal's ^(?:…)$ wrapper is refused…
    assert_eq!(
        approve(&app, &rita, &proxy, "regex", r"1\.25\.3)|(.*").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        approve(&app, &rita, &proxy, "regex", r"1\.25\.3").await,
        StatusCode::OK
    );
    let os = submit("base/os:9.1", "Platform").await;
    assert_eq!(
        approve(&app, &rita, &os, "exact", "9.1").await,
        StatusCode::OK
    );
    let cli = submit("tools/cli:2.0", "Tools").await;
    assert_eq!(
        approve(&app, &rita, &cli, "exact", "2.0").await,
        StatusCode::OK
    );
    // …and rows an older version stored (a team with a line break, an escaping pattern) cannot
    // widen the list either.
    sqlx::query("UPDATE image_request SET team = $1 WHERE image_request_id = $2")
        .bind("web\n  images-by-tag-regex: {\"attacker/backdoor\": \".*\"}\n  #")
        .bind(os.parse::<i64>().unwrap())
        .execute(app.state.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE allowlist_entry SET tag_rule = $1 WHERE image_request_id = $2")
        .bind(r#"{"mode":"regex","value":"2\\.0)|(.*"}"#)
        .bind(cli.parse::<i64>().unwrap())
        .execute(app.state.db.pool())
        .await
        .unwrap();

    let token = allowlist_token(&app, "mirror-job").await;
    let listed = fetch(&app, &token, "?format=skopeo", &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let document: serde_norway::Value =
        serde_norway::from_str(&listed.body).expect("skopeo's file parses");
    let registry = &document[host.as_str()];
    assert_eq!(
        registry["images"],
        serde_norway::from_str::<serde_norway::Value>("{base/os: ['9.1']}").unwrap(),
        "{}",
        listed.body
    );
    assert_eq!(
        registry["images-by-tag-regex"],
        serde_norway::from_str::<serde_norway::Value>(r"{web/proxy: '^(?:1\.25\.3)$'}").unwrap(),
        "{}",
        listed.body
    );
    let regsync = fetch(
        &app,
        &token,
        "?format=regsync&mirror=mirror.example.org",
        &[],
    )
    .await;
    let document: serde_norway::Value =
        serde_norway::from_str(&regsync.body).expect("regsync's file parses");
    assert_eq!(
        document["sync"].as_sequence().unwrap().len(),
        2,
        "{}",
        regsync.body
    );

    let mirror = TestRegistry::start();
    sync(&listed.body, &mirror);
    assert_eq!(mirror_tags(&mirror, "proxy"), ["1.25.3"], "{}", listed.body);
    assert_eq!(mirror_tags(&mirror, "os"), ["9.1"]);
    assert!(
        mirror_tags(&mirror, "backdoor").is_empty(),
        "{}",
        listed.body
    );
    assert!(
        mirror_tags(&mirror, "cli").is_empty(),
        "the tampered rule allows nothing"
    );
}

#[tokio::test]
async fn the_list_has_a_version_an_etag_and_answers_304_when_unchanged() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let token = allowlist_token(&app, "poller").await;
    let empty = fetch(&app, &token, "", &[]).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.json()["entries"], serde_json::json!([]));
    let first_etag = empty.header("etag").unwrap().to_owned();

    let id = app
        .submit(&alice, "ghcr.io/acme/tool:1.0")
        .await
        .to_string();
    let expires = in_days(60);
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
    let listed = fetch(&app, &token, "", &[("if-none-match", &first_etag)]).await;
    assert_eq!(listed.status, StatusCode::OK, "changed, so not 304");
    let etag = listed.header("etag").unwrap().to_owned();
    assert_ne!(etag, first_etag);
    assert_eq!(listed.header("x-allowlist-version"), Some("1"));
    let json = listed.json();
    assert_eq!(json["version"], 1);
    let entry = &json["entries"][0];
    assert_eq!(entry["source"], "ghcr.io/acme/tool");
    assert_eq!(
        entry["tags"],
        serde_json::json!({"mode": "semver", "value": ">=1.0, <2"})
    );
    assert_eq!(entry["request"]["team"], "Web platform");
    assert_eq!(entry["request"]["contact"], "web@example.org");
    assert_eq!(entry["request"]["requester"], "Alice Andersen");
    assert_eq!(entry["approved_by"], "Rita Reviewer");
    assert_eq!(entry["expires_on"], expires.as_str());

    let again = fetch(&app, &token, "", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let weak = fetch(&app, &token, "", &[("if-none-match", &format!("W/{etag}"))]).await;
    assert_eq!(weak.status, StatusCode::NOT_MODIFIED);

    // Formats by name or by Accept, and each has its own ETag.
    let yaml = fetch(&app, &token, "", &[("accept", "application/yaml")]).await;
    assert!(yaml.header("content-type").unwrap().contains("yaml"));
    assert_ne!(yaml.header("etag").unwrap(), etag);
    let unknown = fetch(&app, &token, "?format=xml", &[]).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.body.contains("json, skopeo, regsync"),
        "{}",
        unknown.body
    );
    let regsync = fetch(
        &app,
        &token,
        "?format=regsync&mirror=mirror.example.org",
        &[],
    )
    .await;
    assert_eq!(regsync.status, StatusCode::OK);
    // The semver entry's tags cannot be read here (no internet): it is left out, and said so.
    assert!(
        regsync.body.contains("# left out: ghcr.io/acme/tool"),
        "{}",
        regsync.body
    );
    for query in [
        "?format=regsync&mirror=a%20b",
        "?format=regsync&mirror=%3A",
        "?format=regsync&mirror=mirror.example.org%3A0",
        "?format=regsync&mirror=mirror.example.org/Team",
    ] {
        let bad_mirror = fetch(&app, &token, query, &[]).await;
        assert_eq!(bad_mirror.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(bad_mirror.json()["error"]
            .as_str()
            .unwrap()
            .contains("mirror must be"));
    }
    // Format names are exact; a repeated parameter is a 400 in JSON like every API error, and
    // only after the token is checked.
    let upper = fetch(&app, &token, "?format=JSON", &[]).await;
    assert_eq!(upper.status, StatusCode::BAD_REQUEST);
    let repeated = fetch(&app, &token, "?format=json&format=json", &[]).await;
    assert_eq!(repeated.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        repeated.json()["error"],
        "The request was not understood: the query string is not valid: duplicate field `format`."
    );
    let anonymous = app
        .send(
            Request::builder()
                .uri("/api/v1/allowlist?format=json&format=json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

/// Polls `check` until it holds and returns how long that took; panics after `limit`.
async fn time_until<F, Fut>(limit: std::time::Duration, mut check: F) -> std::time::Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    loop {
        if check().await {
            return started.elapsed();
        }
        assert!(started.elapsed() < limit, "not seen within {limit:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn replicas_see_each_others_changes_within_the_check_interval() {
    use app::changes::CHECK_INTERVAL;
    let app = TestApp::spawn().await;
    let other = app.replica(&[]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let token = allowlist_token(&app, "poller").await;
    // Both replicas have read the list and checked the token.
    let before = fetch(&other, &token, "", &[]).await;
    assert_eq!(before.header("x-allowlist-version"), Some("0"));
    let etag = before.header("etag").unwrap().to_owned();
    assert_eq!(fetch(&app, &token, "", &[]).await.status, StatusCode::OK);

    let id = app
        .submit(&alice, "quay.io/acme/agent:3.1")
        .await
        .to_string();
    let expires = in_days(30);
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("tag_mode", "exact"),
            ("tags", "3.1"),
            ("architectures", "amd64"),
            ("expires_on", &expires),
        ],
        &rita,
    )
    .await;
    // The replica that approved serves the change at once …
    let here = fetch(&app, &token, "", &[("if-none-match", &etag)]).await;
    assert_eq!(here.status, StatusCode::OK);
    assert_eq!(here.header("x-allowlist-version"), Some("1"));
    // … the other one within the interval (plus slack for a busy machine).
    let limit = CHECK_INTERVAL + std::time::Duration::from_secs(2);
    time_until(limit, || async {
        let answer = fetch(&other, &token, "", &[("if-none-match", &etag)]).await;
        answer.status == StatusCode::OK
            && answer.json()["entries"][0]["source"] == "quay.io/acme/agent"
    })
    .await;

    // A token revoked on one replica is refused there at once, and on the other within the
    // interval.
    let adam = app.sign_in("adam").await;
    let id = tokens::list(&app.state.db).await.unwrap()[0].id.clone();
    let revoked = app
        .call("revoke_api_token", &[("id", &id)], Some(&adam))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(
        fetch(&app, &token, "", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    time_until(limit, || async {
        fetch(&other, &token, "", &[]).await.status == StatusCode::UNAUTHORIZED
    })
    .await;
    assert_eq!(
        fetch(&other, &token, "", &[]).await.status,
        StatusCode::UNAUTHORIZED,
        "and stays refused"
    );
}

/// The messages in the outbox whose subject starts with `prefix`: (subject, recipients).
async fn outbox(app: &TestApp, prefix: &str) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT subject, recipients FROM mail_outbox ORDER BY mail_id")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    rows.into_iter()
        .filter(|(subject, _)| subject.starts_with(prefix))
        .collect()
}

async fn verify(app: &TestApp) -> app::mirror::service::RunOutcome {
    app::mirror::service::verify(&app.state).await.unwrap()
}

async fn drift(app: &TestApp, token: &str) -> serde_json::Value {
    let response = app
        .send(
            Request::builder()
                .uri("/api/v1/mirror/drift")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

#[tokio::test]
async fn a_mirror_check_cut_short_by_shutdown_records_nothing_and_gives_its_lease_back() {
    use app::mirror::service::{verify_until, RunOutcome};
    let mirror = TestRegistry::start();
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &mirror.host),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &mirror.host),
        ("PORTCULLIS_MIRROR_REGISTRY", &mirror.host),
    ])
    .await;
    // The server is stopping as the run starts reading: it reads nothing and records nothing.
    let outcome = verify_until(&app.state, async {}).await.unwrap();
    assert_eq!(outcome, RunOutcome::Stopped);
    let row: (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT checked_at, lease_until, lease_owner FROM mirror_sync WHERE mirror_sync_id = 1",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(row, (None, None, None), "no run recorded, no lease left");
    // Another run may start at once, not when a 15-minute lease would have run out.
    assert!(
        matches!(verify(&app).await, RunOutcome::Checked { .. }),
        "the lease was free"
    );
}

#[tokio::test]
async fn the_portal_sees_what_landed_in_the_mirror_and_what_drifted_in() {
    use app::mirror::service::RunOutcome;
    let upstream = TestRegistry::start();
    let mirror = TestRegistry::start();
    let recent = (time::OffsetDateTime::now_utc() - time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    // One-component names: skopeo sync without --scoped writes each under its last component,
    // which is then the same path as the portal's `{mirror}/{repository}` layout.
    let app_10 = upstream.push_built_at("app", "1.0", &[], &["amd64"], "app 1.0", &recent);
    upstream.push_built_at("app", "1.1", &[], &["amd64", "arm64"], "app 1.1", &recent);
    upstream.push_built_at("app", "2.0", &[], &["amd64"], "app 2.0", &recent);
    upstream.push_built_at(
        "base",
        "9",
        &[],
        &["amd64"],
        "base 9",
        "2026-01-01T00:00:00Z",
    );
    upstream.push_built_at("tool", "1", &[], &["amd64"], "tool 1", &recent);
    let hosts = format!("{},{}", upstream.host, mirror.host);
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &hosts),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &hosts),
        ("PORTCULLIS_MIRROR_REGISTRY", &mirror.host),
        ("PORTCULLIS_SECURITY_TEAM_EMAIL", "security@example.org"),
    ])
    .await;
    let alice = app.sign_in("alice").await;
    let bob = app.sign_in("bob").await;
    let rita = app.sign_in("rita").await;
    let mut ids = Vec::new();
    for (image, tags) in [("app:1.0", "1.0, 1.1"), ("base:9", "9"), ("tool:1", "1")] {
        let id = app
            .submit(&alice, &format!("{}/{image}", upstream.host))
            .await
            .to_string();
        assert_eq!(
            approve(&app, &rita, &id, "exact", tags).await,
            StatusCode::OK
        );
        ids.push(id);
    }
    let (app_id, base_id, tool_id) = (ids[0].clone(), ids[1].clone(), ids[2].clone());

    // Before the sync: approved, not mirrored yet; nothing drifted.
    assert_eq!(
        verify(&app).await,
        RunOutcome::Checked {
            entries: 3,
            newly_available: 0,
            new_drift: 0
        }
    );
    let page = app.request(app_id.parse().unwrap(), &alice).await;
    assert_eq!(page["mirror"]["available_since"], serde_json::Value::Null);
    assert_eq!(
        page["mirror"]["pull_path"],
        format!("{}/app", mirror.host),
        "{page}"
    );

    // The mirror job syncs what the allowlist says; the portal then finds it there.
    let token = allowlist_token(&app, "mirror-job").await;
    let listed = fetch(&app, &token, "?format=skopeo", &[]).await;
    sync(&listed.body, &mirror);
    assert_eq!(
        verify(&app).await,
        RunOutcome::Checked {
            entries: 3,
            newly_available: 3,
            new_drift: 0
        }
    );
    let page = app.request(app_id.parse().unwrap(), &alice).await;
    let images = page["mirror"]["images"].as_array().unwrap();
    assert!(page["mirror"]["available_since"].is_string(), "{page}");
    assert_eq!(images.len(), 2, "1.0 and 1.1, not 2.0: {page}");
    assert_eq!(images[0]["reference"], "1.0");
    assert_eq!(
        images[0]["digest"],
        app_10.as_str(),
        "the digest upstream has"
    );
    assert_eq!(images[0]["upstream_digest"], app_10.as_str());
    assert_eq!(images[0]["stale"], false);
    let built =
        time::OffsetDateTime::parse(&recent, &time::format_description::well_known::Rfc3339)
            .unwrap();
    assert_eq!(
        images[0]["created"],
        app::persistence::format_timestamp(built),
        "the build date, written the portal's way"
    );
    let base = app.request(base_id.parse().unwrap(), &alice).await;
    assert_eq!(
        base["mirror"]["images"][0]["stale"], true,
        "built 2026-01-01: {base}"
    );
    // One mail per entry, to its requester and contact; a second run sends none.
    assert_eq!(
        verify(&app).await,
        RunOutcome::Checked {
            entries: 3,
            newly_available: 0,
            new_drift: 0
        }
    );
    let available = outbox(&app, "Available in the mirror").await;
    assert_eq!(available.len(), 3, "{available:?}");
    assert!(available[0].0.contains(&format!("request #{app_id}")));
    assert!(
        available[0].1.contains("alice@example.org") && available[0].1.contains("web@example.org")
    );
    // The JSON list says the same.
    let json: serde_json::Value =
        serde_json::from_str(&fetch(&app, &token, "", &[]).await.body).unwrap();
    let listed_app = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["repository"] == "app")
        .unwrap();
    assert_eq!(listed_app["mirror"]["images"][1]["reference"], "1.1");

    // Someone else finds it in the catalog, with its pull path.
    let found = app
        .call("approved_images", &[("q", "APP")], Some(&bob))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let found = found.json();
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        found["items"][0]["mirror"]["pull_path"],
        format!("{}/app", mirror.host)
    );
    // And the form tells them it is there.
    let check = app
        .call(
            "local_check",
            &[("image", &format!("{}/app:1.1", upstream.host))],
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(check["Approved"]["covers"], true, "{check}");
    let check = app
        .call(
            "local_check",
            &[("image", &format!("{}/app:2.0", upstream.host))],
            Some(&bob),
        )
        .await
        .json();
    assert_eq!(check["Approved"]["covers"], false, "{check}");

    // An image pushed straight into the mirror, and a revoked entry still there, are drift.
    mirror.push("handmade", "1", &[], &["amd64"], "pushed by hand");
    revoke(
        &app,
        &rita,
        &tool_id,
        "The tool moved to the platform image.",
    )
    .await;
    assert_eq!(
        verify(&app).await,
        RunOutcome::Checked {
            entries: 2,
            newly_available: 0,
            new_drift: 2
        }
    );
    let mirror_token = tokens::create(
        &app.state.db,
        &app.state.audit,
        "drift-watch",
        &[Scope::MirrorRead],
        None,
        &app::audit::chain::Actor::system(),
    )
    .await
    .unwrap()
    .token;
    let report = drift(&app, &mirror_token).await;
    let findings = report["drift"].as_array().unwrap();
    let by_repository = |name: &str| findings.iter().find(|f| f["repository"] == name).unwrap();
    assert_eq!(findings.len(), 2, "{report}");
    assert_eq!(by_repository("handmade")["tag"], "1");
    assert_eq!(
        by_repository("handmade")["last_entry"],
        serde_json::Value::Null
    );
    assert_eq!(by_repository("tool")["last_entry"]["status"], "revoked");
    assert_eq!(report["last_error"], serde_json::Value::Null);
    let drift_mail = outbox(&app, "Drift in the mirror").await;
    assert_eq!(drift_mail.len(), 1, "one mail for the run: {drift_mail:?}");
    assert_eq!(drift_mail[0].0, "Drift in the mirror: 2 new findings");
    assert!(drift_mail[0].1.contains("security@example.org"));
    let (body,): (String,) = sqlx::query_as(
        "SELECT text_body FROM mail_outbox WHERE subject LIKE 'Drift in the mirror%'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(body.contains("/handmade:1 (digest sha256:"), "{body}");
    assert!(body.contains("/tool:1 (digest sha256:"), "{body}");
    verify(&app).await;
    assert_eq!(
        outbox(&app, "Drift in the mirror").await.len(),
        1,
        "told once"
    );

    // The monthly report: the owner's images, the stale one flagged.
    sqlx::query("UPDATE allowlist_entry SET approved_at = '2026-01-15T00:00:00.000000Z'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(
        app::images::report::queue_monthly_reports(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app::images::report::queue_monthly_reports(&app.state)
            .await
            .unwrap(),
        0
    );
    let text: (String, String) = sqlx::query_as(
        "SELECT subject, text_body FROM mail_outbox WHERE subject LIKE 'Your container images%'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(text.0.contains("stale: 1"), "{}", text.0);
    assert!(
        text.1.contains(&format!(
            "{}/base (tags 9), request #{base_id} [STALE",
            mirror.host
        )),
        "{}",
        text.1
    );
    let page = app
        .call("image_report", &[("owner", "web@example.org")], Some(&bob))
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");

    // The mirror goes down: the run says so, and what was known stays.
    drop(mirror);
    assert!(matches!(verify(&app).await, RunOutcome::Unreachable(_)));
    let report = drift(&app, &mirror_token).await;
    assert!(report["last_error"].is_string(), "{report}");
    assert_eq!(
        report["drift"].as_array().unwrap().len(),
        2,
        "kept: {report}"
    );
    let page = app.request(app_id.parse().unwrap(), &alice).await;
    assert_eq!(
        page["mirror"]["images"].as_array().unwrap().len(),
        2,
        "kept: {page}"
    );
}

#[tokio::test]
async fn a_pinned_entry_allows_its_digests_only_and_its_tags_in_the_mirror_are_drift() {
    use app::mirror::service::RunOutcome;
    let upstream = TestRegistry::start();
    let mirror = TestRegistry::start();
    upstream.push("pinned", "1", &[], &["amd64"], "pinned 1");
    let two = upstream.push("pinned", "2", &[], &["amd64"], "pinned 2");
    let hosts = format!("{},{}", upstream.host, mirror.host);
    let app = TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &hosts),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &hosts),
        ("PORTCULLIS_MIRROR_REGISTRY", &mirror.host),
    ])
    .await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app
        .submit(&alice, &format!("{}/pinned:1", upstream.host))
        .await
        .to_string();
    // A tag rule and a pin: the pin alone is what the mirror job copies.
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("tag_mode", "exact"),
            ("tags", "1"),
            ("digests", &two),
            ("architectures", "amd64"),
            ("expires_on", &in_days(30)),
        ],
        &rita,
    )
    .await;
    let token = allowlist_token(&app, "mirror-job").await;
    sync(
        &fetch(&app, &token, "?format=skopeo", &[]).await.body,
        &mirror,
    );
    // Someone pushes the tag by hand as well.
    mirror.push("pinned", "1", &[], &["amd64"], "pinned 1");
    assert_eq!(
        verify(&app).await,
        RunOutcome::Checked {
            entries: 1,
            newly_available: 1,
            new_drift: 1
        }
    );
    let page = app.request(id.parse().unwrap(), &alice).await;
    let images = page["mirror"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 1, "the pin only: {page}");
    assert_eq!(images[0]["reference"], two.as_str());
    assert_eq!(images[0]["digest"], two.as_str());
    let (findings,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM mirror_drift WHERE repository = 'pinned' AND tag = '1' \
         AND resolved_at IS NULL",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(findings, 1, "the hand-pushed tag is drift");
}

#[tokio::test]
async fn the_catalog_finds_entries_by_any_case_of_any_letter_and_pages_in_order() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let response = app
            .submit_for_team(&alice, &format!("ghcr.io/acme/tool-{n}:1.0"), "Økonomi")
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let id = response.body.trim().to_owned();
        assert_eq!(
            approve(&app, &rita, &id, "exact", "1.0").await,
            StatusCode::OK
        );
        ids.push(id);
    }
    for query in [
        "økonomi",
        "ØKONOMI",
        "Økonomi",
        "ACME/TOOL-1",
        "100%",
        "tool_",
    ] {
        let found = app
            .call("approved_images", &[("q", query)], Some(&alice))
            .await
            .json();
        let expected = match query {
            "ACME/TOOL-1" => 1,
            "100%" | "tool_" => 0,
            _ => 3,
        };
        assert_eq!(
            found["items"].as_array().unwrap().len(),
            expected,
            "{query}: {found}"
        );
    }
    // Keyset pages: the page after the first entry starts at the second.
    let all = app.call("approved_images", &[], Some(&alice)).await.json();
    let first = all["items"][0]["entry_id"].as_i64().unwrap().to_string();
    let next = app
        .call("approved_images", &[("after", &first)], Some(&alice))
        .await
        .json();
    assert_eq!(next["items"].as_array().unwrap().len(), 2);
    assert_eq!(next["items"][0]["source"], "ghcr.io/acme/tool-1");
    let long = "x".repeat(201);
    let refused = app
        .call("approved_images", &[("q", &long)], Some(&alice))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
