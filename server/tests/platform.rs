//! Sign-in and sign-out, probes, headers, the cross-site guard and start-up refusals.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::TestApp;

#[tokio::test]
async fn probes_answer() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.json()["status"], "ok");
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["status"], "ready");
    // Which catalog mirror this process searches: here the shipped snapshot.
    let catalog = &ready.json()["catalog"];
    assert_eq!(catalog["generation"], 0);
    assert!(catalog["repositories"].as_u64().unwrap() >= 40, "{catalog}");
    assert_eq!(catalog["synced_at"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_suite_runs_on_the_engine_it_was_given() {
    let app = TestApp::spawn().await;
    let wanted = match std::env::var("PORTCULLIS_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => app::persistence::Backend::Postgres,
        _ => app::persistence::Backend::Sqlite,
    };
    assert_eq!(app.state.db.backend(), wanted);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.pool().close().await;
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["status"], "unavailable");
}

#[tokio::test]
async fn pages_carry_security_headers_and_are_not_cached() {
    let app = TestApp::spawn().await;
    let page = app.get("/", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    // The inline hydration script carries this response's nonce; nothing inline runs without it.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap();
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "hydration script has the nonce"
    );
    for script in page.body.split("<script").skip(1) {
        let tag = script.split('>').next().unwrap();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src="),
            "script without nonce: <script{tag}>"
        );
    }
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("Container images for production"));
}

#[tokio::test]
async fn site_assets_travel_precompressed_when_accepted_and_are_revalidated() {
    let site = std::env::temp_dir().join(format!(
        "portcullis-site-{}-{}",
        std::process::id(),
        common::oidc::free_port()
    ));
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/app.wasm"), b"raw wasm").unwrap();
    std::fs::write(site.join("pkg/app.wasm.br"), b"brotli wasm").unwrap();
    std::fs::write(site.join("pkg/app.wasm.gz"), b"gzip wasm").unwrap();
    let app = TestApp::spawn_serving(site.to_str().unwrap(), &[]).await;
    let fetch = |encoding: &'static str| {
        let app = &app;
        async move {
            let mut request = Request::get("/pkg/app.wasm");
            if !encoding.is_empty() {
                request = request.header(header::ACCEPT_ENCODING, encoding);
            }
            app.send(request.body(Body::empty()).unwrap()).await
        }
    };

    let brotli = fetch("gzip, deflate, br").await;
    assert_eq!(brotli.status, StatusCode::OK);
    assert_eq!(brotli.body, "brotli wasm");
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert_eq!(brotli.header("content-type"), Some("application/wasm"));
    assert_eq!(brotli.header("vary"), Some("accept-encoding"));
    assert_eq!(brotli.header("cache-control"), Some("no-cache"));
    assert_eq!(brotli.header("x-content-type-options"), Some("nosniff"));

    let gzip = fetch("gzip").await;
    assert_eq!(
        (gzip.body.as_str(), gzip.header("content-encoding")),
        ("gzip wasm", Some("gzip"))
    );
    let plain = fetch("").await;
    assert_eq!(
        (plain.body.as_str(), plain.header("content-encoding")),
        ("raw wasm", None)
    );
    // A cache must not hand the plain copy to everyone.
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    // Each copy is named by its own bytes.
    let tags = [&brotli, &gzip, &plain].map(|r| r.header("etag").expect("an ETag").to_owned());
    assert!(
        tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2],
        "{tags:?}"
    );

    // Unchanged since the browser's copy: 304, nothing sent again.
    let etag = brotli
        .header("etag")
        .expect("a content validator")
        .to_owned();
    assert_eq!(
        brotli.header("last-modified"),
        None,
        "the time must not decide"
    );
    let revalidate = |etag: String| {
        let app = &app;
        async move {
            let request = Request::get("/pkg/app.wasm")
                .header(header::ACCEPT_ENCODING, "br")
                .header(header::IF_NONE_MATCH, etag)
                // Far in the future: a time-based check would answer 304 whatever the content.
                .header(header::IF_MODIFIED_SINCE, "Fri, 01 Jan 2100 00:00:00 GMT");
            app.send(request.body(Body::empty()).unwrap()).await
        }
    };
    let again = revalidate(etag.clone()).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("vary"), Some("accept-encoding"));
    assert_eq!(again.header("cache-control"), Some("no-cache"));

    // Another build (a rollback is the same: older files, another content), even with the
    // same size and an older time, and even when only the copy the browser gets changed (the
    // plain file was written first): the browser gets the new bytes, never 304.
    let before = std::fs::metadata(site.join("pkg/app.wasm.br"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::write(site.join("pkg/app.wasm.br"), b"brotli WASM").unwrap();
    let file = std::fs::File::options()
        .write(true)
        .open(site.join("pkg/app.wasm.br"))
        .unwrap();
    file.set_modified(before - std::time::Duration::from_secs(3600))
        .unwrap();
    let rolled_back = revalidate(etag.clone()).await;
    assert_eq!(rolled_back.status, StatusCode::OK);
    assert_eq!(rolled_back.body, "brotli WASM");
    assert_ne!(rolled_back.header("etag"), Some(etag.as_str()));

    // Only the build output: no way out of the folder, however the path is written.
    std::fs::write(site.join("secret.txt"), b"outside pkg").unwrap();
    for escape in [
        "/pkg/../secret.txt",
        "/pkg/%2e%2e/secret.txt",
        "/pkg/..%2fsecret.txt",
        "/pkg//secret.txt",
    ] {
        let response = app.get(escape, None).await;
        assert!(!response.body.contains("outside pkg"), "{escape} left /pkg");
        // Nor does the validator look outside: "any version will do" finds nothing there.
        let response = app
            .send(
                Request::get(escape)
                    .header(header::IF_NONE_MATCH, "*")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{escape}");
    }
    // A public file sent compressed says it varies too, wherever it is served from.
    std::fs::write(site.join("favicon.svg"), b"<svg/>").unwrap();
    std::fs::write(site.join("favicon.svg.br"), b"brotli svg").unwrap();
    let icon = app
        .send(
            Request::get("/favicon.svg")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(icon.header("content-encoding"), Some("br"));
    assert_eq!(icon.header("vary"), Some("accept-encoding"));

    // Pages are never compressed.
    let page = app
        .send(
            Request::get("/")
                .header(header::ACCEPT_ENCODING, "br, gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("content-encoding"), None);
    let _ = std::fs::remove_dir_all(site);
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_way_back() {
    let app = TestApp::spawn().await;
    let page = app.get("/no/such/page", None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Page not found"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    let response = app.call("dev_sign_in", &[("user", "alice")], None).await;
    let cookie = response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("portcullis-session="))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn https_deployments_use_a_secure_host_prefixed_cookie_and_hsts() {
    const PUBLIC: &str = "https://portcullis.example.org";
    let provider = common::oidc::TestProvider::start(&[(
        "OIDC_REDIRECT_URIS",
        "https://portcullis.example.org/auth/callback",
    )]);
    let mut settings = provider.portal_settings();
    settings.push(("PORTCULLIS_PUBLIC_URL", PUBLIC.to_owned()));
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&borrowed).await;
    let login = app.get("/auth/login", None).await;
    let pending = login
        .cookie("__Host-portcullis-signin")
        .expect("a host-prefixed pending sign-in cookie");
    let set = login.header("set-cookie").unwrap();
    assert!(set.contains("Secure") && set.contains("HttpOnly"), "{set}");
    let callback = common::oidc::ProviderBrowser::new()
        .sign_in(login.header("location").unwrap(), "alice")
        .await;
    let response = app
        .get(callback.trim_start_matches(PUBLIC), Some(&pending))
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let cookie = response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-portcullis-session="))
        .expect("session cookie")
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let page = app.get("/", None).await;
    assert!(page
        .header("strict-transport-security")
        .unwrap()
        .contains("max-age="));
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    assert_eq!(
        app.call("list_my_requests", &[], Some(&alice)).await.status,
        StatusCode::OK
    );
    let out = app.call("sign_out", &[], Some(&alice)).await;
    assert_eq!(out.status, StatusCode::OK);
    // The old cookie, replayed, is worth nothing.
    let after = app.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count_rows("user_session").await, 0);
}

#[tokio::test]
async fn signing_in_again_issues_a_new_session_id() {
    let app = TestApp::spawn().await;
    let first = app.sign_in("alice").await;
    let response = app
        .call("dev_sign_in", &[("user", "bob")], Some(&first))
        .await;
    let second = response.session_cookie().expect("new cookie");
    assert_ne!(first, second);
    let who = app.call("current_user", &[], Some(&second)).await.json();
    assert_eq!(who["display_name"], "Bob Berg");
    let old = app.call("current_user", &[], Some(&first)).await.json();
    assert_eq!(
        old,
        serde_json::Value::Null,
        "the pre-sign-in id must be dead"
    );
}

#[tokio::test]
async fn development_sign_in_is_off_unless_enabled() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_DEV_SIGNIN", "false")]).await;
    let response = app.call("dev_sign_in", &[("user", "alice")], None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.session_cookie().is_none());
    assert_eq!(
        app.call("dev_sign_in_options", &[], None).await.status,
        StatusCode::NOT_FOUND
    );
    let login = app.get("/auth/login", None).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(
        login.header("location"),
        Some("/auth/sign-in-failed?reason=not-configured")
    );
    let page = app
        .get("/auth/sign-in-failed?reason=not-configured", None)
        .await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.body.contains("No sign-in service is configured"));
}

#[tokio::test]
async fn login_goes_to_the_development_page_when_it_is_on() {
    let app = TestApp::spawn().await;
    let login = app.get("/auth/login", None).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.header("location"), Some("/auth/dev-sign-in"));
    let page = app.get("/auth/dev-sign-in", None).await;
    assert!(page.body.contains("Sign in as Alice Andersen"));
}

#[tokio::test]
async fn unknown_development_users_are_refused() {
    let app = TestApp::spawn().await;
    let response = app.call("dev_sign_in", &[("user", "mallory")], None).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(response.session_cookie().is_none());
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_runs() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    for (origin, fetch_site) in [
        (Some("https://evil.example"), None),
        (None, Some("cross-site")),
        (Some("null"), None),
    ] {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/submit_request")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &alice);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        let body = common::encode_form(&[
            ("image", "nginx:1.25"),
            ("team", "Web platform"),
            ("contact", "web@example.org"),
            (
                "justification",
                "Reverse proxy in front of the course portal.",
            ),
        ]);
        let response = app.send(request.body(Body::from(body)).unwrap()).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{origin:?} {fetch_site:?}"
        );
    }
    assert_eq!(app.count_requests().await, 0);
}

#[tokio::test]
async fn an_unknown_server_function_is_not_found() {
    let app = TestApp::spawn().await;
    let response = app.call("drop_all_tables", &[], None).await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
}

#[test]
fn the_binary_refuses_to_start_with_bad_configuration() {
    let binary = env!("CARGO_BIN_EXE_portcullis");
    for (vars, variable) in [
        (
            vec![
                ("LEPTOS_SITE_ADDR", "0.0.0.0:39999"),
                ("PORTCULLIS_DEV_SIGNIN", "true"),
            ],
            "PORTCULLIS_DEV_SIGNIN",
        ),
        (
            vec![("PORTCULLIS_DATABASE_MAX_CONNECTIONS", "lots")],
            "PORTCULLIS_DATABASE_MAX_CONNECTIONS",
        ),
    ] {
        let output = std::process::Command::new(binary)
            .env_clear()
            .envs(vars)
            .current_dir(std::env::temp_dir())
            .output()
            .expect("run portcullis");
        assert_eq!(output.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(variable), "{stderr}");
    }
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    assert_eq!(
        app.call("list_my_requests", &[], Some(&alice)).await.status,
        StatusCode::OK
    );
    // Signed in 25 hours ago (the default absolute lifetime is 24 hours).
    app.edit_only_session(|record| {
        let signed_in_at = record["signed_in_at"]
            .as_i64()
            .expect("signed_in_at stored");
        record["signed_in_at"] = serde_json::json!(signed_in_at - 25 * 3600);
    })
    .await;
    let after = app.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.count_rows("user_session").await,
        0,
        "the expired session is deleted"
    );
}

#[tokio::test]
async fn an_idle_session_is_no_longer_accepted() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    sqlx::query("UPDATE user_session SET expires_at = $1")
        .bind("2000-01-01T00:00:00.000000Z")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let after = app.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_idle_lifetime_is_configurable() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_SESSION_IDLE_MINUTES", "30")]).await;
    app.sign_in("alice").await;
    let (expires,): (String,) = sqlx::query_as("SELECT expires_at FROM user_session")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let expires =
        time::OffsetDateTime::parse(&expires, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let minutes = (expires - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((28..=30).contains(&minutes), "expires in {minutes} minutes");
}

/// The built server on a free port with a new SQLite database in a temporary folder, logging
/// JSON to a pipe; returns (port, folder, process) once it accepts connections.
fn start_binary() -> (u16, std::path::PathBuf, std::process::Child) {
    let port = common::oidc::free_port();
    let dir = std::env::temp_dir().join(format!("portcullis-bin-{}-{port}", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .env_clear()
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "PORTCULLIS_DATABASE_URL",
            format!("sqlite://{}/p.db", dir.display()),
        )
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start portcullis");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(exit) = child.try_wait().unwrap() {
            panic!("the server stopped at start: {exit}");
        }
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (port, dir, child)
}

fn send_sigterm(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits at most `limit` for the process to end; its exit status and what it logged.
fn wait_for_exit(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let deadline = std::time::Instant::now() + limit;
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    (exit, stdout)
}

/// The language switch's form: a POST the binary answers without a session.
const LANGUAGE_FORM: &str = "lang=en&return_to=%2F";

/// A request whose body is still arriving: the headers and the first bytes are sent, the rest
/// waits for the test.
fn start_slow_post(port: u16, body: &str, sent: usize) -> std::net::TcpStream {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /language HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..sent]
    )
    .unwrap();
    stream.flush().unwrap();
    // The server reads the headers before the test goes on.
    std::thread::sleep(std::time::Duration::from_millis(300));
    stream
}

#[test]
fn sigterm_finishes_the_request_in_flight_refuses_new_connections_and_exits() {
    use std::io::{Read, Write};
    let (port, dir, mut child) = start_binary();
    let mut in_flight = start_slow_post(port, LANGUAGE_FORM, 5);

    send_sigterm(&child);
    let signalled = std::time::Instant::now();
    // The port closes: a balancer's next try goes to another replica.
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            signalled.elapsed() < std::time::Duration::from_secs(5),
            "still accepting connections 5 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );

    in_flight.write_all(&LANGUAGE_FORM.as_bytes()[5..]).unwrap();
    let mut answer = String::new();
    in_flight.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    assert!(answer.contains("portcullis-lang=en"), "{answer}");

    let (exit, stdout) = wait_for_exit(&mut child, std::time::Duration::from_secs(10));
    assert_eq!(exit.code(), Some(0), "{stdout}");
    assert!(
        signalled.elapsed() < portcullis::shutdown::DRAIN_DEADLINE,
        "stopped once the request was answered, not at the deadline"
    );
    assert!(stdout.contains("portcullis stopped"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sigterm_stops_at_the_drain_deadline_when_a_request_never_finishes() {
    let (port, dir, mut child) = start_binary();
    let _stalled = start_slow_post(port, LANGUAGE_FORM, 5);

    send_sigterm(&child);
    let signalled = std::time::Instant::now();
    let deadline = portcullis::shutdown::DRAIN_DEADLINE;
    let (exit, stdout) = wait_for_exit(&mut child, deadline + std::time::Duration::from_secs(8));
    let took = signalled.elapsed();
    assert!(
        took >= deadline - std::time::Duration::from_secs(1),
        "gave up on the request after only {took:?}"
    );
    assert_eq!(exit.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("still in flight at the shutdown deadline"),
        "{stdout}"
    );
    assert!(stdout.contains("portcullis stopped"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_second_sigterm_stops_at_once_without_waiting_for_the_drain() {
    let (port, dir, mut child) = start_binary();
    let _stalled = start_slow_post(port, LANGUAGE_FORM, 5);

    send_sigterm(&child);
    std::thread::sleep(std::time::Duration::from_millis(300));
    send_sigterm(&child);
    let signalled = std::time::Instant::now();
    let (exit, stdout) = wait_for_exit(&mut child, std::time::Duration::from_secs(5));
    assert!(
        signalled.elapsed() < std::time::Duration::from_secs(3),
        "{stdout}"
    );
    assert_eq!(
        exit.code(),
        Some(1),
        "a forced stop is not a clean exit: {stdout}"
    );
    assert!(stdout.contains("a second signal"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_binary_logs_json_per_request_and_stops_cleanly_on_sigterm() {
    use std::io::Read;
    let (port, dir, mut child) = start_binary();
    let answer = {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(stream, "GET /healthz?token=do-not-log HTTP/1.1\r\nHost: x\r\nCookie: portcullis-session=secret-cookie\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        let _ = stream.read_to_string(&mut text);
        text
    };
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    send_sigterm(&child);
    let (exit, stdout) = wait_for_exit(&mut child, std::time::Duration::from_secs(10));
    assert_eq!(exit.code(), Some(0), "a SIGTERM stop is a clean exit");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let request = lines
        .iter()
        .find(|l| l["target"] == "http")
        .expect("a request log line");
    assert_eq!(request["method"], "GET");
    assert_eq!(request["route"], "/healthz");
    assert_eq!(request["status"], 200);
    assert!(request["latency_ms"].as_f64().is_some());
    assert!(
        !stdout.contains("do-not-log") && !stdout.contains("secret-cookie"),
        "{stdout}"
    );
    assert!(lines.iter().any(|l| l["message"] == "portcullis stopped"));
    let _ = std::fs::remove_dir_all(dir);
}

/// The page language: the cookie's choice, else `Accept-Language`, else the installation's
/// default (`nb` unless `PORTCULLIS_DEFAULT_LANGUAGE` says otherwise).
#[tokio::test]
async fn the_language_follows_the_choice_then_the_browser_then_the_default() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_DEFAULT_LANGUAGE", "nb")]).await;
    let lang = |body: &str| {
        body.split("<html lang=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(str::to_owned)
    };
    let page = app.get("/", None).await;
    assert_eq!(lang(&page.body).as_deref(), Some("nb"));
    assert!(
        page.body.contains("Containerbilder til produksjon"),
        "{}",
        page.body
    );

    let english = app
        .send(
            Request::builder()
                .uri("/")
                .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,nb;q=0.5")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(lang(&english.body).as_deref(), Some("en"));
    assert!(english.body.contains("Container images for production"));

    let chosen = app
        .send(
            Request::builder()
                .uri("/")
                .header(header::ACCEPT_LANGUAGE, "en-GB")
                .header(header::COOKIE, "portcullis-lang=nb")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        lang(&chosen.body).as_deref(),
        Some("nb"),
        "the choice wins over the browser"
    );

    // Server-made messages follow too: a server function's error in the request's language.
    let refused = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/api/get_request")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .header(
                    header::COOKIE,
                    format!("portcullis-lang=nb; {}", app.sign_in("alice").await),
                )
                .body(Body::from("id=424242"))
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(
        refused.body.contains("Forespørsel #424242"),
        "{}",
        refused.body
    );
}

/// `POST /language` remembers the choice and goes back only to a page of the portal: any
/// address that would leave it (another host, scheme-relative, backslashes) goes to the start
/// page instead. An unknown language is refused and sets nothing.
#[tokio::test]
async fn the_language_switch_goes_back_only_within_the_portal() {
    let app = TestApp::spawn().await;
    let choose = |lang: &str, back: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/language")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .body(Body::from(common::encode_form(&[
                ("lang", lang),
                ("return_to", back),
            ])))
            .unwrap()
    };
    let ok = app.send(choose("nb", "/images?q=nginx")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.header("location"), Some("/images?q=nginx"));
    let cookie = ok
        .cookie("portcullis-lang")
        .expect("the choice is remembered");
    assert!(cookie.starts_with("portcullis-lang=nb"), "{cookie}");
    for hostile in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "/.//evil.example",
    ] {
        let response = app.send(choose("en", hostile)).await;
        assert_eq!(response.header("location"), Some("/"), "{hostile:?}");
    }
    let refused = app.send(choose("de", "/")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("choose nb"));
    assert!(refused.cookie("portcullis-lang").is_none());
}
