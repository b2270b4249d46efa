//! The security review through the real router: the whole journey with e-mail to a real SMTP
//! server, four eyes, two reviewers deciding at once, bad input that changes nothing, mail while
//! SMTP is down, reminders and expiry warnings, the audit chain, and the queue's filters and
//! paging. Runs on SQLite and on PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::smtp::SmtpServer;
use common::TestApp;
use portcullis::mailer::Mailer;

fn in_days(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

async fn app_with_mail(smtp: &SmtpServer, extra: &[(&str, &str)]) -> TestApp {
    let url = smtp.url();
    let mut settings = vec![
        ("PORTCULLIS_SMTP_URL", url.as_str()),
        ("PORTCULLIS_SECURITY_TEAM_EMAIL", "security@example.org"),
        (
            "PORTCULLIS_MAIL_FROM",
            "Portcullis <portcullis@example.org>",
        ),
    ];
    settings.extend_from_slice(extra);
    TestApp::spawn_with(&settings).await
}

async fn send_mail(app: &TestApp) {
    let mailer = Mailer::new(&app.config.mail)
        .unwrap()
        .expect("SMTP configured");
    portcullis::jobs::mail_turn(&app.state, &mailer, app.config.mail.reminder_after).await;
}

async fn audit_rows(app: &TestApp) -> i64 {
    app.count_rows("audit_log").await
}

fn approve_args<'a>(id: &'a str, version: &'a str, expires: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("version", version),
        ("tag_mode", "regex"),
        ("tags", r"1\.25\.[0-9]+"),
        ("architectures", "amd64, arm64"),
        ("expires_on", expires),
    ]
}

#[tokio::test]
async fn the_whole_review_journey_is_recorded_and_mailed() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp, &[]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
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
            (
                "text",
                "Say which service runs it, and use the team mailbox.",
            ),
        ],
        &rita,
    )
    .await;
    let page = app.request(id.parse().unwrap(), &alice).await;
    assert_eq!(page["request"]["state"], "ChangesRequested");
    assert_eq!(
        page["actions"],
        serde_json::json!(["Withdraw", "Resubmit", "Comment"])
    );
    app.act(
        "resubmit_request",
        &[
            ("id", &id),
            ("version", "3"),
            ("team", "Web platform / course portal"),
            ("contact", "web-team@example.org"),
            (
                "justification",
                "Reverse proxy in front of the course portal's app servers.",
            ),
            (
                "note",
                "Named the service and switched to the team mailbox.",
            ),
        ],
        &alice,
    )
    .await;
    app.act(
        "act_on_request",
        &[("id", &id), ("version", "4"), ("action", "claim")],
        &rita,
    )
    .await;
    let expires = in_days(90);
    app.act("approve_request", &approve_args(&id, "5", &expires), &rita)
        .await;

    let page = app.request(id.parse().unwrap(), &alice).await;
    assert_eq!(page["request"]["state"], "Approved");
    assert_eq!(page["request"]["contact"], "web-team@example.org");
    let entry = &page["entry"];
    assert_eq!(entry["registry"], "docker.io");
    assert_eq!(entry["repository"], "library/nginx");
    assert_eq!(
        entry["tags"],
        serde_json::json!({"mode": "regex", "value": r"1\.25\.[0-9]+"})
    );
    assert_eq!(
        entry["architectures"],
        serde_json::json!(["amd64", "arm64"])
    );
    assert_eq!(entry["expires_on"], expires.as_str());
    assert_eq!(entry["approved_by_name"], "Rita Reviewer");
    let kinds: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "submitted",
            "claim",
            "request_changes",
            "resubmit",
            "claim",
            "approve"
        ]
    );

    // Every step is in the audit trail, and the chain holds.
    assert_eq!(audit_rows(&app).await, 6);
    assert_eq!(
        app.state
            .audit
            .verify(&app.state.db, &[])
            .await
            .unwrap()
            .rows,
        6
    );

    send_mail(&app).await;
    let mails = smtp.messages().await;
    let summary: Vec<(String, Vec<String>)> = mails
        .iter()
        .map(|m| {
            let to = m["to"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            (m["subject"].as_str().unwrap().to_owned(), to)
        })
        .collect();
    let image = "docker.io/library/nginx:1.25";
    assert_eq!(
        summary,
        vec![
            (
                format!("New request #{id}: {image}"),
                vec!["security@example.org".to_owned()]
            ),
            (
                format!("Request #{id} needs changes: {image}"),
                vec!["alice@example.org".to_owned(), "web@example.org".to_owned()]
            ),
            (
                format!("Request #{id} resubmitted: {image}"),
                vec!["security@example.org".to_owned()]
            ),
            (
                format!("Request #{id} approved: {image}"),
                vec![
                    "alice@example.org".to_owned(),
                    "web-team@example.org".to_owned()
                ]
            ),
        ]
    );
    let approved = &mails[3];
    assert!(approved["text"].as_str().unwrap().contains("tags matching"));
    assert!(approved["html"]
        .as_str()
        .unwrap()
        .contains(&format!("/requests/{id}")));
    assert_eq!(approved["from"], "\"Portcullis\" <portcullis@example.org>");
}

#[tokio::test]
async fn nobody_reviews_their_own_request_whatever_their_roles() {
    let app = TestApp::spawn().await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&rita, "nginx:1.25").await.to_string();
    let expires = in_days(30);
    for (function, args) in [
        (
            "act_on_request",
            vec![("id", id.as_str()), ("version", "1"), ("action", "claim")],
        ),
        ("approve_request", approve_args(&id, "1", &expires)),
        (
            "act_on_request",
            vec![
                ("id", &id),
                ("version", "1"),
                ("action", "reject"),
                ("text", "Rejecting my own request."),
            ],
        ),
    ] {
        let refused = app.call(function, &args, Some(&rita)).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{function}: {}",
            refused.body
        );
        assert!(refused.body.contains("four eyes"), "{}", refused.body);
    }
    let page = app.request(id.parse().unwrap(), &rita).await;
    assert_eq!(page["request"]["version"], 1);
    assert_eq!(page["entry"], serde_json::Value::Null);
    assert_eq!(page["actions"], serde_json::json!(["Withdraw", "Comment"]));
    assert_eq!(audit_rows(&app).await, 1, "only the submission");
}

#[tokio::test]
async fn two_reviewers_deciding_at_once_exactly_one_wins() {
    let app = TestApp::spawn_with(&[("PORTCULLIS_DATABASE_MAX_CONNECTIONS", "8")]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let ruth = app.sign_in("ruth").await;
    let expires = in_days(60);
    for round in 0..5 {
        let id = app
            .submit(&alice, &format!("nginx:1.25.{round}"))
            .await
            .to_string();
        let approve = approve_args(&id, "1", &expires);
        let reject = [
            ("id", id.as_str()),
            ("version", "1"),
            ("action", "reject"),
            ("text", "Not needed: the Red Hat image covers it."),
        ];
        // Ruth rejects while Rita approves, both having seen version 1.
        let (a, b) = tokio::join!(
            app.call("approve_request", &approve, Some(&rita)),
            app.call("act_on_request", &reject, Some(&ruth)),
        );
        let statuses = [a.status, b.status];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: exactly one wins: {statuses:?} {} {}",
            a.body,
            b.body
        );
        let loser = if a.status == StatusCode::OK { &b } else { &a };
        assert_eq!(loser.status, StatusCode::CONFLICT, "{}", loser.body);
        assert!(
            loser.body.contains("changed while you were looking"),
            "{}",
            loser.body
        );
        let page = app.request(id.parse().unwrap(), &alice).await;
        assert_eq!(page["request"]["version"], 2, "one decision only");
        let decisions = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "approve" || e["kind"] == "reject")
            .count();
        assert_eq!(decisions, 1);
    }
    let (entries,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM allowlist_entry")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(entries <= 5);
    // 5 submissions and 5 decisions, chained without a gap.
    assert_eq!(
        app.state
            .audit
            .verify(&app.state.db, &[])
            .await
            .unwrap()
            .rows,
        10
    );
}

#[tokio::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    let far = in_days(4000);
    let mut bad_scope = approve_args(&id, "1", &far);
    bad_scope[3] = ("tags", "1.25.[");
    bad_scope[4] = ("architectures", "sparc");
    let refused = app.call("approve_request", &bad_scope, Some(&rita)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let fields = refused.json();
    let text = fields.to_string();
    assert!(text.contains("complete expression"), "{text}");
    assert!(text.contains("sparc"), "{text}");
    assert!(text.contains("at most 365 days"), "{text}");

    let short = [
        ("id", id.as_str()),
        ("version", "1"),
        ("action", "reject"),
        ("text", "no"),
    ];
    let refused = app.call("act_on_request", &short, Some(&rita)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("at least 10 characters"));

    let stale = [("id", id.as_str()), ("version", "7"), ("action", "claim")];
    let refused = app.call("act_on_request", &stale, Some(&rita)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    let unknown = [
        ("id", id.as_str()),
        ("version", "1"),
        ("action", "approve-everything"),
    ];
    let refused = app.call("act_on_request", &unknown, Some(&rita)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("unknown action"));

    let missing = [("id", "999"), ("version", "1"), ("action", "claim")];
    assert_eq!(
        app.call("act_on_request", &missing, Some(&rita))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    let page = app.request(id.parse().unwrap(), &alice).await;
    assert_eq!(page["request"]["version"], 1);
    assert_eq!(page["request"]["state"], "Submitted");
    assert_eq!(page["events"].as_array().unwrap().len(), 1);
    assert_eq!(audit_rows(&app).await, 1);
    assert_eq!(app.count_rows("allowlist_entry").await, 0);
}

#[tokio::test]
async fn revoking_and_renewing_an_approval() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp, &[]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    let expires = in_days(30);
    app.act("approve_request", &approve_args(&id, "1", &expires), &rita)
        .await;
    let renewed_until = in_days(200);
    let renew = [
        ("request", id.as_str()),
        ("entry", "1"),
        ("version", "1"),
        ("expires_on", renewed_until.as_str()),
    ];
    assert_eq!(
        app.call("renew_approval", &renew, Some(&alice))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    app.act("renew_approval", &renew, &rita).await;
    let earlier = [
        ("request", id.as_str()),
        ("entry", "1"),
        ("version", "2"),
        ("expires_on", expires.as_str()),
    ];
    let refused = app.call("renew_approval", &earlier, Some(&rita)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let revoke = [
        ("request", id.as_str()),
        ("entry", "1"),
        ("version", "2"),
        ("reason", "A critical CVE in this line."),
    ];
    app.act("revoke_approval", &revoke, &rita).await;
    let again = app.call("revoke_approval", &revoke, Some(&rita)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("revoked already"));

    let page = app.request(id.parse().unwrap(), &alice).await;
    assert_eq!(page["entry"]["expires_on"], renewed_until.as_str());
    assert_eq!(
        page["entry"]["revoke_reason"],
        "A critical CVE in this line."
    );
    assert_eq!(
        app::persistence::counters::read(&app.state.db)
            .await
            .unwrap()
            .allowlist_revision,
        3
    );
    send_mail(&app).await;
    let subjects: Vec<String> = smtp
        .messages()
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("Approval revoked: request #")),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn mail_waits_while_smtp_is_down_and_goes_out_once_when_it_is_back() {
    let mut smtp = SmtpServer::start();
    let (smtp_port, http_port) = (smtp.smtp_port, smtp.http_port);
    let app = app_with_mail(&smtp, &[]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    send_mail(&app).await;
    assert_eq!(smtp.messages().await.len(), 1);

    smtp.stop();
    let expires = in_days(90);
    app.act("approve_request", &approve_args(&id, "1", &expires), &rita)
        .await;
    send_mail(&app).await;
    let (attempts, sent, error): (i64, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT attempts, sent_at, last_error FROM mail_outbox ORDER BY mail_id DESC LIMIT 1",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!((attempts, sent), (1, None), "kept, not lost");
    assert!(error.is_some());

    // SMTP is back; the retry is due (the test moves the clock instead of waiting).
    let smtp = SmtpServer::start_on(smtp_port, http_port);
    sqlx::query("UPDATE mail_outbox SET next_attempt_at = '2000-01-01T00:00:00.000000Z' WHERE sent_at IS NULL")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    // Two server processes on one database work the outbox at the same moment.
    let replica = app
        .replica(&[
            ("PORTCULLIS_SMTP_URL", &smtp.url()),
            ("PORTCULLIS_SECURITY_TEAM_EMAIL", "security@example.org"),
        ])
        .await;
    tokio::join!(send_mail(&app), send_mail(&replica));
    send_mail(&app).await;
    let mails = smtp.messages().await;
    assert_eq!(mails.len(), 1, "sent once: {mails:?}");
    assert_eq!(
        mails[0]["subject"],
        format!("Request #{id} approved: docker.io/library/nginx:1.25")
    );
    let (unsent,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(unsent, 0);
}

#[tokio::test]
async fn a_stopping_mailer_sends_nothing_new_and_hands_its_leases_back_at_once() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp, &[]).await;
    let alice = app.sign_in("alice").await;
    app.submit(&alice, "nginx:1.25").await;
    app.submit(&alice, "redis:7.2").await;
    let queued = app.count_rows("mail_outbox").await;
    assert_eq!(queued, 2, "one submission mail each");

    // The server is stopping (SIGTERM) when the turn begins: it leases, then starts nothing.
    let (trigger, shutdown) = portcullis::shutdown::Shutdown::new();
    trigger.stop();
    let stopping = Mailer::new(&app.config.mail)
        .unwrap()
        .expect("SMTP configured")
        .stopping_on(shutdown);
    let turn = stopping.send_due(&app.state.db).await.unwrap();
    assert_eq!((turn.sent, turn.failed, turn.released), (0, 0, 2));
    assert!(
        smtp.messages().await.is_empty(),
        "nothing sent while stopping"
    );
    let (leased,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM mail_outbox WHERE locked_until IS NOT NULL")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(leased, 0, "no lease left for another replica to wait out");

    // Another replica sends them on its next turn, not a lease later.
    let replica = app
        .replica(&[
            ("PORTCULLIS_SMTP_URL", &smtp.url()),
            ("PORTCULLIS_SECURITY_TEAM_EMAIL", "security@example.org"),
        ])
        .await;
    send_mail(&replica).await;
    assert_eq!(smtp.messages().await.len(), 2);
}

#[tokio::test]
async fn reminders_and_expiry_warnings_go_out_once() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp, &[("PORTCULLIS_REVIEW_REMINDER_HOURS", "1")]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let waiting = app.submit(&alice, "nginx:1.25").await;
    let approved = app.submit(&alice, "redis:7.2").await.to_string();
    let soon = in_days(10);
    app.act(
        "approve_request",
        &approve_args(&approved, "1", &soon),
        &rita,
    )
    .await;
    sqlx::query("UPDATE image_request SET updated_at = '2026-01-01T00:00:00.000000Z' WHERE image_request_id = $1")
        .bind(waiting)
        .execute(app.state.db.pool())
        .await
        .unwrap();
    send_mail(&app).await;
    send_mail(&app).await;
    let subjects: Vec<String> = smtp
        .messages()
        .await
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_owned())
        .collect();
    let reminders = subjects
        .iter()
        .filter(|s| s.starts_with(&format!("Waiting for review: request #{waiting}")))
        .count();
    let last_day = app::i18n::readable_date(app::i18n::Locale::en, &soon);
    let warnings = subjects
        .iter()
        .filter(|s| {
            s.starts_with(&format!(
                "Approval ends after {last_day}: request #{approved}"
            ))
        })
        .count();
    assert_eq!((reminders, warnings), (1, 1), "{subjects:?}");
}

#[tokio::test]
async fn the_audit_command_finds_the_first_altered_or_missing_row() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    for image in ["nginx:1.25", "redis:7.2", "node:22"] {
        let id = app.submit(&alice, image).await.to_string();
        app.act(
            "act_on_request",
            &[("id", &id), ("version", "1"), ("action", "claim")],
            &rita,
        )
        .await;
    }
    let verify = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .args(["audit", "verify"])
            .env("PORTCULLIS_DATABASE_URL", &*app.config.database_url)
            .env("PORTCULLIS_CATALOG_URL", "off")
            .output()
            .unwrap()
    };
    let ok = verify();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("6 rows"));

    sqlx::query("UPDATE audit_log SET actor_name = 'Mallory' WHERE audit_id = 4")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let altered = verify();
    assert_eq!(altered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&altered.stderr).contains("audit row 4 has been altered"));

    // Recomputing that row's hash does not help: the next row no longer follows it.
    let record = app::audit::store::after(app.state.db.pool(), 3, 1)
        .await
        .unwrap()
        .remove(0);
    sqlx::query("UPDATE audit_log SET hash = $1 WHERE audit_id = 4")
        .bind(app::audit::chain::row_hash(&record))
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let relinked = verify();
    assert!(String::from_utf8_lossy(&relinked.stderr).contains("audit row 5 does not follow row 4"));

    sqlx::query("DELETE FROM audit_log WHERE audit_id >= 4")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let truncated_ok = verify();
    assert!(
        truncated_ok.status.success(),
        "a shorter but intact chain verifies"
    );
    sqlx::query("DELETE FROM audit_log WHERE audit_id = 2")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let missing = verify();
    assert!(String::from_utf8_lossy(&missing.stderr).contains("audit row 3 should be row 2"));
}

#[tokio::test]
async fn the_queue_filters_counts_and_pages_oldest_first() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let bob = app.sign_in("bob").await;
    let rita = app.sign_in("rita").await;
    let mut ids = Vec::new();
    for n in 0..55 {
        let who = if n % 5 == 0 { &bob } else { &alice };
        ids.push(app.submit(who, &format!("nginx:1.{n}")).await);
    }
    let first = ids[0].to_string();
    app.act(
        "act_on_request",
        &[("id", &first), ("version", "1"), ("action", "claim")],
        &rita,
    )
    .await;

    let page = app.call("review_queue", &[], Some(&rita)).await.json();
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert_eq!(rows[0]["id"], ids[0], "oldest first");
    assert_eq!(rows[0]["claimed_by_name"], "Rita Reviewer");
    assert_eq!(page["matching"], 55);
    let cursor = page["next"].as_str().unwrap().to_owned();
    let next = app
        .call("review_queue", &[("after", &cursor)], Some(&rita))
        .await
        .json();
    let rest: Vec<i64> = next["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(rest, ids[50..].to_vec());
    assert_eq!(next["next"], serde_json::Value::Null);

    let mine = app
        .call("review_queue", &[("mine", "true")], Some(&rita))
        .await
        .json();
    assert_eq!(mine["rows"].as_array().unwrap().len(), 1);
    let counts = &page["counts"];
    assert!(
        counts.to_string().contains("[\"Submitted\",54]"),
        "{counts}"
    );
    assert!(counts.to_string().contains("[\"InReview\",1]"), "{counts}");
    let team = app
        .call(
            "review_queue",
            &[("team", "Web platform"), ("state", "in_review")],
            Some(&rita),
        )
        .await
        .json();
    assert_eq!(team["rows"].as_array().unwrap().len(), 1);
    // This app has only the shipped snapshot (no catalog), so every check is "not checked".
    let unchecked = app
        .call("review_queue", &[("unchecked", "true")], Some(&rita))
        .await
        .json();
    assert_eq!(unchecked["matching"], 55);
    assert_eq!(unchecked["rows"][0]["catalog_checked"], false);

    let bad = app
        .call("review_queue", &[("state", "lost")], Some(&rita))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mangled = app
        .call("review_queue", &[("after", "yesterday")], Some(&rita))
        .await;
    assert_eq!(mangled.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn admins_export_the_audit_trail_as_csv_and_json() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let adam = app.sign_in("adam").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    app.act(
        "act_on_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("action", "comment"),
            ("text", "Line one, \"quoted\"\nline two"),
        ],
        &rita,
    )
    .await;
    let csv = app.get("/admin/audit.csv", Some(&adam)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,at,actor_id"));
    assert_eq!(lines.len(), 3, "header and two rows: {}", csv.body);
    assert!(lines[2].contains("request.comment"));
    assert!(
        lines[2].contains(r#","{""claimed_by"":null,"#),
        "JSON fields quoted, quotes doubled: {}",
        lines[2]
    );

    let json = app
        .get("/admin/audit.json?subject=request:1", Some(&adam))
        .await
        .json();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["action"], "request.submit");
    assert_eq!(rows[1]["actor_name"], "Rita Reviewer");
    let page = app.call("audit_trail", &[], Some(&adam)).await.json();
    assert_eq!(page["rows"][0]["action"], "request.comment", "newest first");
}

/// Mail goes out in the recipient's language: the requester chose Norwegian in the header's
/// switch, so the approval mail to them is Norwegian; the security team gets the installation's
/// default (English in these tests).
#[tokio::test]
async fn mail_is_written_in_the_recipients_language() {
    let smtp = SmtpServer::start();
    let app = app_with_mail(&smtp, &[]).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    app.choose_language(&alice, "nb").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    app.act(
        "act_on_request",
        &[("id", &id), ("version", "1"), ("action", "claim")],
        &rita,
    )
    .await;
    let expires = in_days(30);
    app.act("approve_request", &approve_args(&id, "2", &expires), &rita)
        .await;
    // The job's own mail too: the approval ends within the warning period, and the request
    // waited long enough for a reminder to the team before it was decided (none is sent now).
    app::mail::reminders::queue_reminders(&app.state, std::time::Duration::ZERO)
        .await
        .unwrap();
    let subjects: Vec<(String, String)> =
        sqlx::query_as("SELECT recipients, subject FROM mail_outbox ORDER BY mail_id")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert!(
        subjects
            .iter()
            .any(|(to, s)| to.contains("security@") && s.starts_with(&format!("New request #{id}"))),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|(to, s)| to.contains("alice@")
            && s.starts_with(&format!("Forespørsel #{id} er godkjent"))),
        "{subjects:?}"
    );
    let warning = subjects
        .iter()
        .find(|(to, s)| to.contains("alice@") && s.starts_with("Godkjenningen gjelder til og med"))
        .unwrap_or_else(|| panic!("no expiry warning in Norwegian: {subjects:?}"));
    assert!(
        warning.1.contains(&format!("forespørsel #{id}")),
        "{warning:?}"
    );
}

#[tokio::test]
async fn a_refused_reason_comes_back_to_its_own_form_once_however_often_it_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await;
    let page = format!("http://127.0.0.1:3000/requests/{id}");
    let id = id.to_string();
    let reject = |text: &'static str| {
        [
            ("id", id.clone()),
            ("version", "1".to_owned()),
            ("action", "reject".to_owned()),
            ("text", text.to_owned()),
        ]
    };
    let post = |referer: String, text: &'static str| {
        let fields = reject(text);
        let app = &app;
        let rita = rita.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form_without_javascript("/api/act_on_request", &referer, &fields, &rita)
                .await
        }
    };
    let first = post(page.clone(), "too short").await;
    assert_eq!(first.status, StatusCode::FOUND);
    let back = first.header("location").unwrap().to_owned();
    // Refused again from the page that shows the first refusal: the address carries one answer,
    // the latest, not one per refusal (they would grow past what browsers send as Referer).
    let second = post(back.clone(), "still <b>").await;
    let again = second.header("location").unwrap().to_owned();
    assert_eq!(again.matches("__err=").count(), 1, "{again}");
    assert_eq!(again.matches("__path=").count(), 1, "{again}");

    let shown = app
        .get(
            again.trim_start_matches("http://127.0.0.1:3000"),
            Some(&rita),
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    let body = &shown.body;
    let textarea = |field: &str| {
        let start = body.find(&format!("id=\"{field}\"")).expect(field);
        let open = start + body[start..].find('>').unwrap() + 1;
        let close = open + body[open..].find("</textarea>").unwrap();
        body[open..close].to_owned()
    };
    // The text and the error are at the reject form, and there alone.
    assert_eq!(textarea("reject-text"), "still &lt;b>");
    assert_eq!(textarea("changes-text"), "");
    assert_eq!(textarea("comment-text"), "");
    assert_eq!(body.matches("at least 10 characters").count(), 1, "{body}");
    assert!(body.contains("id=\"reject-text-error\""));
}
