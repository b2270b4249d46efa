//! API tokens end to end: the `portcullis token` command against a real database, the token
//! used on the API, last use recorded, only a hash stored, revocation within a second.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use std::process::Command;

fn portcullis(app: &TestApp, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .args(args)
        .env("PORTCULLIS_DATABASE_URL", &*app.config.database_url)
        .env("PORTCULLIS_CATALOG_URL", "off")
        .env_remove("PORTCULLIS_DEV_SIGNIN")
        .output()
        .expect("run the portcullis binary")
}

async fn equivalents_with(app: &TestApp, token: &str) -> common::TestResponse {
    let request = Request::builder()
        .uri("/api/v1/catalog/equivalents?image=nginx:1.24")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn the_command_creates_a_token_that_works_once_shown_and_stored_as_a_hash() {
    let app = TestApp::spawn().await;
    let output = portcullis(
        &app,
        &[
            "token",
            "create",
            "--name",
            "ci pipeline",
            "--scope",
            "catalog:read",
            "--expires-in",
            "30",
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "name: ci pipeline");
    assert_eq!(lines[1], "scope: catalog:read");
    assert!(lines[2].starts_with("expires: 20"), "{stdout}");
    let token = *lines.last().unwrap();
    assert!(
        token.starts_with("pct_") && token.len() == 4 + 16 + 1 + 64,
        "{token}"
    );

    let answer = equivalents_with(&app, token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json()["candidates"][0]["repository"],
        "ubi9/nginx-124"
    );

    // Only a hash of the secret is in the database, and the use is recorded.
    let (hash, last_used): (String, Option<String>) =
        sqlx::query_as("SELECT secret_hash, last_used_at FROM api_token")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let secret = token.rsplit_once('_').unwrap().1;
    assert_ne!(hash, secret);
    assert!(!hash.contains(secret));
    assert!(last_used.is_some());

    let list = portcullis(&app, &["token", "list"]);
    let listed = String::from_utf8(list.stdout).unwrap();
    assert!(
        listed.contains("ci pipeline") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(secret), "the list never shows the secret");

    // Revoked by the command (another process): the server, which checked the token a moment
    // ago, refuses it within the change-check interval, and for good; the name can be used for
    // a new token.
    let revoke = portcullis(&app, &["token", "revoke", "ci pipeline"]);
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    let revoked_at = std::time::Instant::now();
    while equivalents_with(&app, token).await.status != StatusCode::UNAUTHORIZED {
        assert!(
            revoked_at.elapsed() < app::changes::CHECK_INTERVAL * 3,
            "a revoked token still works"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        equivalents_with(&app, token).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = portcullis(
        &app,
        &[
            "token",
            "create",
            "--name",
            "ci pipeline",
            "--scope",
            "catalog:read",
        ],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[tokio::test]
async fn the_command_refuses_bad_input_and_says_how_to_fix_it() {
    let app = TestApp::spawn().await;
    for (args, code, says) in [
        (
            vec!["token", "create", "--name", "x", "--scope", "admin"],
            2,
            "use one of: catalog:read, allowlist:read",
        ),
        (
            vec!["token", "create", "--scope", "catalog:read"],
            2,
            "--name is required",
        ),
        (
            vec![
                "token",
                "create",
                "--name",
                "x",
                "--scope",
                "catalog:read",
                "--expires-in",
                "soon",
            ],
            2,
            "number of days",
        ),
        (
            vec![
                "token",
                "create",
                "--name",
                "x",
                "--scope",
                "catalog:read",
                "--expires-in",
                "0",
            ],
            1,
            "from 1 to 3650 days",
        ),
        (
            vec![
                "token",
                "create",
                "--name",
                "bad/name",
                "--scope",
                "catalog:read",
            ],
            1,
            "letters, digits",
        ),
        (vec!["token", "revoke", "nobody"], 1, "was not found"),
        (vec!["token", "frobnicate"], 2, "usage: portcullis token"),
    ] {
        let output = portcullis(&app, &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let duplicate = [
        "token",
        "create",
        "--name",
        "twice",
        "--scope",
        "catalog:read",
    ];
    assert!(portcullis(&app, &duplicate).status.success());
    let second = portcullis(&app, &duplicate);
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr).contains("exists already"));
    assert_eq!(app.count_rows("api_token").await, 1, "nothing half-written");
}

#[tokio::test]
async fn admins_create_a_token_in_the_ui_see_it_once_and_revoke_it() {
    let app = TestApp::spawn().await;
    let adam = app.sign_in("adam").await;
    let created = app
        .call(
            "create_api_token",
            &[
                ("name", "mirror-job"),
                ("scope_allowlist", "on"),
                ("scope_mirror", "on"),
                ("expires_in", "30"),
            ],
            Some(&adam),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    // The token travels to the page in a short-lived cookie, never through the database.
    let handed = created
        .cookie("portcullis-new-token")
        .expect("the new token's cookie");
    let shown = app
        .call("token_admin", &[], Some(&format!("{adam}; {handed}")))
        .await;
    assert!(
        shown
            .cookie("portcullis-new-token")
            .is_some_and(|c| c == "portcullis-new-token="),
        "the page clears the cookie as it shows the token"
    );
    let page = shown.json();
    let token = page["created"][1].as_str().expect("shown once").to_owned();
    let secret = token.rsplit('_').next().unwrap().to_owned();
    let (stored,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM user_session WHERE data LIKE '%' || $1 || '%'")
            .bind(&secret)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(stored, 0, "the secret is in no session row");
    assert_eq!(page["created"][0], "mirror-job");
    assert_eq!(
        page["tokens"][0]["scopes"],
        serde_json::json!(["AllowlistRead", "MirrorRead"])
    );
    let again = app.call("token_admin", &[], Some(&adam)).await.json();
    assert_eq!(again["created"], serde_json::Value::Null, "not shown twice");

    let request = Request::builder()
        .uri("/api/v1/allowlist")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);
    let request = Request::builder()
        .uri("/api/v1/mirror/drift")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::OK);

    let none = app
        .call("create_api_token", &[("name", "no scope")], Some(&adam))
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Choose at least one scope"));

    let id = page["tokens"][0]["id"].as_str().unwrap().to_owned();
    let revoked = app
        .call("revoke_api_token", &[("id", &id)], Some(&adam))
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let request = Request::builder()
        .uri("/api/v1/allowlist")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
}
