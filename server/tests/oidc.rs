//! Sign-in through a real OpenID Connect provider (npm `oidc-provider`), and every way it can go
//! wrong: the user sees the failure page, and no session or user is stored.

mod common;

use axum::http::StatusCode;
use common::oidc::{free_port, ProviderBrowser, TestProvider, PORTAL};
use common::TestApp;

async fn portal_for(provider: &TestProvider, extra: &[(&str, &str)]) -> TestApp {
    let mut settings: Vec<(&str, String)> = provider.portal_settings();
    for (k, v) in extra {
        settings.retain(|(key, _)| key != k);
        settings.push((k, v.to_string()));
    }
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(&borrowed).await
}

/// `/auth/login`: the provider URL and the cookie holding the pending sign-in (no session is
/// stored for it).
async fn start(app: &TestApp) -> (String, String) {
    let login = app.get("/auth/login?next=/requests/new", None).await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.body);
    let url = login.header("location").unwrap().to_owned();
    assert_eq!(
        login.session_cookie(),
        None,
        "an anonymous visit stores no session"
    );
    let cookie = login
        .cookie("portcullis-signin")
        .expect("pending sign-in cookie");
    (url, cookie)
}

/// Whether `response` clears the pending sign-in's cookie.
fn clears_pending(response: &common::TestResponse) -> bool {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("portcullis-signin=;") && v.contains("Max-Age=0"))
}

/// Starts a sign-in and signs in at the provider as `user`: the callback URL the provider sends
/// the browser to, and the cookie of the pending sign-in.
async fn through_provider(app: &TestApp, user: &str) -> (String, String) {
    let (url, cookie) = start(app).await;
    let callback = ProviderBrowser::new().sign_in(&url, user).await;
    (callback, cookie)
}

/// Follows the portal callback URL with `cookie`; returns the response.
async fn answer(app: &TestApp, callback_url: &str, cookie: &str) -> common::TestResponse {
    let path = callback_url.trim_start_matches(PORTAL);
    app.get(path, Some(cookie)).await
}

fn failure_reason(response: &common::TestResponse) -> String {
    assert_eq!(response.status, StatusCode::SEE_OTHER, "{}", response.body);
    let location = response.header("location").unwrap();
    location
        .strip_prefix("/auth/sign-in-failed?reason=")
        .unwrap_or_else(|| panic!("not the failure page: {location}"))
        .to_owned()
}

/// People who signed in (the portal's own system user is always there).
async fn users(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM app_user WHERE user_id <> $1")
        .bind(app::requests::store::SYSTEM_USER)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    n
}

async fn signed_in_user(app: &TestApp, cookie: &str) -> serde_json::Value {
    app.call("current_user", &[], Some(cookie)).await.json()
}

fn replace_query(url: &str, key: &str, value: Option<&str>) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|p| !p.starts_with(&format!("{key}=")))
        .map(str::to_owned)
        .collect();
    if let Some(value) = value {
        pairs.push(format!("{key}={value}"));
    }
    format!("{base}?{}", pairs.join("&"))
}

#[tokio::test]
async fn requesters_and_reviewers_sign_in_with_roles_from_their_groups() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    for (user, name, roles) in [
        ("alice", "Alice Andersen", serde_json::json!(["Requester"])),
        (
            "rita",
            "Rita Reviewer",
            serde_json::json!(["Requester", "Reviewer"]),
        ),
        (
            "adam",
            "Adam Admin",
            serde_json::json!(["Requester", "Admin"]),
        ),
    ] {
        let (url, pending_cookie) = start(&app).await;
        assert!(url.starts_with(&provider.issuer));
        assert!(url.contains("code_challenge_method=S256"), "{url}");
        assert!(url.contains("nonce="), "{url}");
        let callback = ProviderBrowser::new().sign_in(&url, user).await;
        let done = answer(&app, &callback, &pending_cookie).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.header("location"), Some("/requests/new"));
        let cookie = done
            .session_cookie()
            .expect("a new session id after sign-in");
        assert_ne!(cookie, pending_cookie, "the session id changes at sign-in");
        let who = signed_in_user(&app, &cookie).await;
        assert_eq!(who["display_name"], name);
        assert_eq!(who["email"], format!("{user}@example.org"));
        assert_eq!(who["roles"], roles);
        assert_eq!(who["user_id"], format!("oidc:{user}"));
    }
    assert_eq!(users(&app).await, 3);
}

#[tokio::test]
async fn people_outside_the_allowed_groups_are_refused() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&app, "eve").await;
    let refused = answer(&app, &callback, &cookie).await;
    assert_eq!(failure_reason(&refused), "not-allowed");
    let sessions = app.count_rows("user_session").await;
    assert_eq!(sessions, 0, "the emptied session is deleted");
    assert_eq!(signed_in_user(&app, &cookie).await, serde_json::Value::Null);
    assert_eq!(users(&app).await, 0);
    let page = app
        .get("/auth/sign-in-failed?reason=not-allowed", None)
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("not in a group that may use Portcullis"));
}

#[tokio::test]
async fn a_tampered_or_missing_state_is_refused() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    for tamper in [Some("forged-state"), None] {
        let (callback, cookie) = through_provider(&app, "alice").await;
        let forged = replace_query(&callback, "state", tamper);
        let refused = answer(&app, &forged, &cookie).await;
        assert_eq!(failure_reason(&refused), "not-started-here", "{tamper:?}");
        assert!(
            clears_pending(&refused),
            "the browser forgets the pending sign-in"
        );
        assert_eq!(signed_in_user(&app, &cookie).await, serde_json::Value::Null);
        // Without the pending sign-in's cookie, the genuine answer does not work either.
        let genuine = app
            .get(callback.trim_start_matches(common::oidc::PORTAL), None)
            .await;
        assert_eq!(failure_reason(&genuine), "not-started-here");
    }
    // A cookie changed by hand, or sealed with another secret, is no pending sign-in.
    let (callback, cookie) = through_provider(&app, "alice").await;
    let (name, value) = cookie.split_once('=').unwrap();
    let flipped = format!(
        "{name}={}{}",
        &value[..value.len() - 1],
        if value.ends_with('0') { '1' } else { '0' }
    );
    let refused = answer(&app, &callback, &flipped).await;
    assert_eq!(failure_reason(&refused), "not-started-here");
    assert_eq!(users(&app).await, 0);
    assert_eq!(app.count_rows("user_session").await, 0);
}

#[tokio::test]
async fn an_answer_is_accepted_once_and_a_code_cannot_be_replayed() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&app, "alice").await;
    let first = answer(&app, &callback, &cookie).await;
    let signed_in = first.session_cookie().unwrap();
    assert_eq!(first.header("location"), Some("/requests/new"));

    // The same answer again, in the signed-in session: the pending sign-in is gone.
    let again = answer(&app, &callback, &signed_in).await;
    assert_eq!(failure_reason(&again), "not-started-here");

    // The old code with a freshly started sign-in's state: the provider refuses the code.
    let (url2, cookie2) = start(&app).await;
    let state2 = url2
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let replayed = replace_query(&callback, "state", Some(state2));
    let refused = answer(&app, &replayed, &cookie2).await;
    assert_eq!(failure_reason(&refused), "provider-refused");
    assert_eq!(
        signed_in_user(&app, &cookie2).await,
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn a_wrong_nonce_is_refused() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    let (url, cookie) = start(&app).await;
    // Seal a pending sign-in with another nonce, as the portal itself would.
    let oidc = app.state.oidc.as_ref().unwrap();
    let (name, value) = cookie.split_once('=').unwrap();
    let mut pending = serde_json::to_value(oidc.open_pending(value).unwrap()).unwrap();
    pending["nonce"] = serde_json::json!("not-the-nonce-that-was-sent");
    let cookie = format!(
        "{name}={}",
        oidc.seal_pending(&serde_json::from_value(pending).unwrap())
    );
    let callback = ProviderBrowser::new().sign_in(&url, "alice").await;
    let refused = answer(&app, &callback, &cookie).await;
    assert_eq!(failure_reason(&refused), "untrusted-answer");
    assert_eq!(users(&app).await, 0);
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    // A provider whose clock is 30 minutes behind issues ID tokens (10 minute lifetime) that
    // expired 20 minutes ago.
    let provider = TestProvider::start(&[
        ("OIDC_CLOCK_OFFSET_SECONDS", "-1800"),
        ("OIDC_ID_TOKEN_TTL_SECONDS", "600"),
    ]);
    let app = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&app, "alice").await;
    let refused = answer(&app, &callback, &cookie).await;
    assert_eq!(failure_reason(&refused), "untrusted-answer");
    assert_eq!(users(&app).await, 0);
}

#[tokio::test]
async fn an_id_token_that_does_not_match_the_published_keys_is_refused() {
    let provider = TestProvider::start(&[("OIDC_WRONG_JWKS", "1")]);
    let app = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&app, "alice").await;
    let refused = answer(&app, &callback, &cookie).await;
    assert_eq!(failure_reason(&refused), "untrusted-answer");
    assert_eq!(users(&app).await, 0);
}

#[tokio::test]
async fn a_provider_that_is_down_or_hangs_gives_the_failure_page_quickly() {
    // Down: nothing listens on the issuer's port.
    let down = format!("http://127.0.0.1:{}", free_port());
    // Hanging: accepts connections and never answers.
    let hanging = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hanging_url = format!("http://127.0.0.1:{}", hanging.local_addr().unwrap().port());
    for issuer in [down, hanging_url] {
        let app = TestApp::spawn_with(&[
            ("PORTCULLIS_OIDC_ISSUER", &issuer),
            ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis"),
            ("PORTCULLIS_OIDC_CLIENT_SECRET", "secret"),
            ("PORTCULLIS_OIDC_TIMEOUT_SECONDS", "1"),
        ])
        .await;
        let started = std::time::Instant::now();
        let login = app.get("/auth/login", None).await;
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(failure_reason(&login), "provider-unavailable", "{issuer}");
        assert!(login.session_cookie().is_none(), "nothing stored");
        let page = app
            .get("/auth/sign-in-failed?reason=provider-unavailable", None)
            .await;
        assert_eq!(page.status, StatusCode::BAD_GATEWAY);
        assert!(page.body.contains("Try again"));
    }
    drop(hanging);
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_at_the_provider() {
    let provider = TestProvider::start(&[]);
    let app = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&app, "alice").await;
    let cookie = answer(&app, &callback, &cookie)
        .await
        .session_cookie()
        .unwrap();
    let out = app.call("sign_out", &[], Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::OK);
    let location = out.header("location").unwrap();
    assert!(
        location.starts_with(&format!("{}/session/end?", provider.issuer)),
        "{location}"
    );
    assert!(location.contains("id_token_hint="));
    assert!(location.contains("post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2F"));
    assert_eq!(signed_in_user(&app, &cookie).await, serde_json::Value::Null);
}

/// Feide releases group memberships through its Groups API, called with the user's access
/// token, not as a claim: with `PORTCULLIS_OIDC_GROUPS_URL` the roles come from there. When the
/// API is down, slow or answers a page instead of a list, sign-in fails with its own reason
/// (nobody is signed in with a guessed role), quickly, and nothing is stored.
#[tokio::test]
async fn roles_come_from_a_groups_api_and_sign_in_fails_clearly_when_it_does_not_answer() {
    let provider = TestProvider::start(&[("OIDC_GROUPS_API", "on")]);
    let groups_url = format!("{}/groups/me/groups", provider.issuer);
    let app = portal_for(&provider, &[("PORTCULLIS_OIDC_GROUPS_URL", &groups_url)]).await;
    let (callback, cookie) = through_provider(&app, "rita").await;
    let done = answer(&app, &callback, &cookie).await;
    assert_eq!(
        done.header("location"),
        Some("/requests/new"),
        "{}",
        done.body
    );
    let who = signed_in_user(&app, &done.session_cookie().unwrap()).await;
    assert_eq!(who["roles"], serde_json::json!(["Requester", "Reviewer"]));

    // Without the API the same provider gives no groups, so no role: the claim is not there.
    let without = portal_for(&provider, &[]).await;
    let (callback, cookie) = through_provider(&without, "rita").await;
    assert_eq!(
        failure_reason(&answer(&without, &callback, &cookie).await),
        "not-allowed"
    );

    for fault in ["down", "slow", "html"] {
        let provider = TestProvider::start(&[("OIDC_GROUPS_API", fault)]);
        let groups_url = format!("{}/groups/me/groups", provider.issuer);
        let app = portal_for(&provider, &[("PORTCULLIS_OIDC_GROUPS_URL", &groups_url)]).await;
        let (callback, cookie) = through_provider(&app, "rita").await;
        let started = std::time::Instant::now();
        let refused = answer(&app, &callback, &cookie).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(6),
            "{fault}: waited {:?}",
            started.elapsed()
        );
        assert_eq!(failure_reason(&refused), "groups-unavailable", "{fault}");
        assert_eq!(users(&app).await, 0, "{fault}: nobody stored");
        assert_eq!(app.count_rows("user_session").await, 0, "{fault}");
    }
    let page = app
        .get("/auth/sign-in-failed?reason=groups-unavailable", None)
        .await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    assert!(
        page.body.contains("group memberships could not be read"),
        "{}",
        page.body
    );
}

/// The groups API is sent the user's access token: only over https (plain http only to
/// loopback), judged by the parsed host, not a prefix.
#[tokio::test]
async fn the_groups_url_must_be_https_or_loopback() {
    let provider = TestProvider::start(&[]);
    for bad in [
        "http://groups.example.org/groups/me/groups",
        "http://127.0.0.1.example.org/groups",
        "ftp://127.0.0.1/groups",
        "not a url",
    ] {
        let mut vars = provider.portal_settings();
        vars.push(("PORTCULLIS_OIDC_GROUPS_URL", bad.to_owned()));
        vars.push(("PORTCULLIS_DATABASE_URL", "sqlite::memory:".to_owned()));
        let error = portcullis::config::Config::from_lookup(
            |k| {
                vars.iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.clone())
            },
            "127.0.0.1:3000".parse().unwrap(),
        )
        .unwrap_err();
        assert_eq!(
            error.variable, "PORTCULLIS_OIDC_GROUPS_URL",
            "{bad}: {error:?}"
        );
    }
}
