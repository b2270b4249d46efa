//! The catalog mirror against the real API's shapes (the stand-in over recorded responses):
//! refresh and paging, faults that keep the old mirror, freshness grades from images, several
//! replicas on one database, and requests marked "catalog not checked" then checked again.

mod common;

use app::catalog::client::CatalogError;
use app::catalog::mirror::{RefreshError, RefreshOutcome};
use axum::http::StatusCode;
use common::pyxis::CatalogStandIn;
use common::TestApp;
use portcullis::shutdown::Shutdown;

async fn app_on(catalog: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![
        ("PORTCULLIS_CATALOG_URL", catalog),
        ("PORTCULLIS_CATALOG_TIMEOUT_SECONDS", "1"),
    ];
    settings.extend_from_slice(extra);
    TestApp::spawn_with(&settings).await
}

/// Two replicas on one database: the first reads the catalog through the stand-in's slow
/// path (1.5 s an answer), the second through its fast one.
async fn slow_and_fast_replicas(pyxis: &CatalogStandIn) -> (TestApp, TestApp) {
    let slow = app_on(
        &pyxis.api("slow"),
        &[("PORTCULLIS_CATALOG_TIMEOUT_SECONDS", "5")],
    )
    .await;
    let fast = slow
        .replica(&[("PORTCULLIS_CATALOG_URL", &pyxis.api(""))])
        .await;
    (slow, fast)
}

fn refreshed_count(outcome: RefreshOutcome) -> usize {
    match outcome {
        RefreshOutcome::Refreshed { repositories, .. } => repositories,
        other => panic!("expected a refresh, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refresh_pages_through_the_catalog_and_replaces_the_mirror() {
    // 600 generated repositories on top of the real ones: two pages of 500.
    let pyxis = CatalogStandIn::start(&[("PYXIS_SYNTHETIC_REPOSITORIES", "600")]);
    let app = app_on(&pyxis.api(""), &[]).await;
    assert_eq!(
        app.state.catalog.current().generation,
        0,
        "starts from the snapshot"
    );

    let count = refreshed_count(app.state.catalog.refresh(&app.state.db).await.unwrap());
    assert!(count > 600, "all pages were read: {count}");
    let view = app.state.catalog.current();
    assert_eq!(view.generation, 1);
    assert!(view.synced_at.is_some());
    assert_eq!(app.count_rows("catalog_repository").await, count as i64);
    let requests = pyxis.requests().await;
    assert_eq!(requests["/api/containers/v1/repositories"], 2, "{requests}");

    // Recorded records keep their real fields; the index serves them.
    let ubi = view.index.get("ubi9/ubi").expect("ubi9/ubi mirrored");
    assert_eq!(ubi.catalog_id.as_deref(), Some("615bcf606feffc5384e8452e"));
    assert!(
        view.index.get("ubi8/python-0").is_some(),
        "generated records too"
    );
    let old = view
        .index
        .get("rhel7.1")
        .expect("recorded deprecated repository");
    assert_eq!(old.replaced_by.as_deref(), Some("rhel7/rhel"));
}

#[tokio::test]
async fn a_failing_catalog_keeps_the_previous_mirror_and_says_why() {
    let pyxis = CatalogStandIn::start(&[("PYXIS_SLOW_MS", "3000")]);
    let good = app_on(&pyxis.api(""), &[]).await;
    let count = refreshed_count(good.state.catalog.refresh(&good.state.db).await.unwrap());

    for (fault, expected) in [
        ("fail", "answered 503"),
        ("garbage", "is not what its API documents"),
        ("slow", "no answer within the timeout"),
    ] {
        let broken = good
            .replica(&[
                ("PORTCULLIS_CATALOG_URL", &pyxis.api(fault)),
                ("PORTCULLIS_CATALOG_TIMEOUT_SECONDS", "1"),
                ("PORTCULLIS_CATALOG_ATTEMPTS", "2"),
            ])
            .await;
        assert_eq!(
            broken.state.catalog.current().generation,
            1,
            "loaded at start"
        );
        let error = broken
            .state
            .catalog
            .refresh(&broken.state.db)
            .await
            .expect_err(fault);
        assert!(
            matches!(error, RefreshError::Catalog(_)),
            "{fault}: {error:?}"
        );
        assert!(error.to_string().contains(expected), "{fault}: {error}");
        let status = app::catalog::store::status(broken.state.db.pool())
            .await
            .unwrap();
        assert_eq!(status.generation, 1, "{fault}: the mirror is unchanged");
        assert_eq!(status.repositories, count as i64);
        assert!(status.last_error.unwrap().contains(expected));
        assert_eq!(
            broken.count_rows("catalog_repository").await,
            count as i64,
            "{fault}: nothing was deleted"
        );
        assert_eq!(broken.state.catalog.current().index.len(), count);
    }
    // The 503 was retried (2 attempts); the malformed answer was not.
    let requests = pyxis.requests().await;
    assert_eq!(requests["/fail/api/containers/v1/repositories"], 2);
    assert_eq!(requests["/garbage/api/containers/v1/repositories"], 1);
}

#[tokio::test]
async fn transient_failures_are_retried_with_backoff() {
    let pyxis = CatalogStandIn::start(&[]);
    let app = app_on(&pyxis.api("flaky"), &[]).await;
    let count = refreshed_count(app.state.catalog.refresh(&app.state.db).await.unwrap());
    assert!(count >= 40);
    let requests = pyxis.requests().await;
    assert_eq!(
        requests["/flaky/api/containers/v1/repositories"], 2,
        "one 502, then the answer: {requests}"
    );
}

#[tokio::test]
async fn answers_the_api_documents_as_errors_are_not_retried() {
    let pyxis = CatalogStandIn::start(&[]);
    let app = app_on(&pyxis.api(""), &[]).await;
    let client = app::catalog::client::PyxisClient::new(app::catalog::client::CatalogSettings {
        base_url: pyxis.api(""),
        timeout: std::time::Duration::from_secs(1),
        attempts: 3,
        backoff: std::time::Duration::from_millis(10),
    })
    .unwrap();
    let error = client
        .current_grade(
            "registry.access.redhat.com",
            "ubi9/no-such-thing",
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap_err();
    match &error {
        CatalogError::Status { status, detail, .. } => {
            assert_eq!(*status, 404);
            assert_eq!(detail, "Document in containerRepository not found.");
        }
        other => panic!("{other:?}"),
    }
    let requests = pyxis.requests().await;
    assert_eq!(
        requests["/api/containers/v1/repositories/registry/registry.access.redhat.com/repository/ubi9/no-such-thing/images"],
        1
    );
    drop(app);
}

#[tokio::test]
async fn replicas_share_one_mirror_and_one_refresh_at_a_time() {
    let pyxis = CatalogStandIn::start(&[("PYXIS_SLOW_MS", "1500")]);
    let (first, second) = slow_and_fast_replicas(&pyxis).await;
    let (a, b) = tokio::join!(first.state.catalog.refresh(&first.state.db), async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        second.state.catalog.refresh(&second.state.db).await
    });
    assert!(matches!(a.unwrap(), RefreshOutcome::Refreshed { .. }));
    assert_eq!(b.unwrap(), RefreshOutcome::Busy, "the lease is held");

    // The other replica loads the new generation on its next turn.
    assert_eq!(second.state.catalog.current().generation, 0);
    portcullis::jobs::catalog_turn(&second.state, &Shutdown::never()).await;
    assert_eq!(second.state.catalog.current().generation, 1);
    assert_eq!(
        second.state.catalog.current().index.len(),
        first.state.catalog.current().index.len()
    );
}

#[tokio::test]
async fn a_refresh_cut_short_by_shutdown_gives_its_lease_back_at_once() {
    let pyxis = CatalogStandIn::start(&[("PYXIS_SLOW_MS", "1500")]);
    let (stopping, other) = slow_and_fast_replicas(&pyxis).await;

    // SIGTERM arrives while the job's refresh waits for the slow catalog.
    let (trigger, shutdown) = Shutdown::new();
    let started = std::time::Instant::now();
    tokio::join!(
        portcullis::jobs::catalog_turn(&stopping.state, &shutdown),
        async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            trigger.stop();
        }
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(1200),
        "the turn waited for the catalog: {:?}",
        started.elapsed()
    );
    assert_eq!(
        stopping.state.catalog.current().generation,
        0,
        "nothing replaced"
    );

    // Another replica refreshes now, not 10 minutes later when the lease would run out.
    let count = refreshed_count(other.state.catalog.refresh(&other.state.db).await.unwrap());
    assert!(count > 0);
}

#[tokio::test]
async fn equivalents_carry_current_freshness_grades_from_the_images() {
    let pyxis = CatalogStandIn::start(&[]);
    let app = app_on(&pyxis.api(""), &[]).await;
    app.state.catalog.refresh(&app.state.db).await.unwrap();
    let alice = app.sign_in("alice").await;
    let answer = app
        .get(
            "/api/v1/catalog/equivalents?image=postgres:16",
            Some(&alice),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json = answer.json();
    let best = &json["candidates"][0];
    assert_eq!(best["repository"], "rhel9/postgresql-16");
    // The snapshot has no grade for it; the stand-in's image has A now.
    assert_eq!(best["grade"], "A", "{json}");
    let (grade,): (Option<String>,) =
        sqlx::query_as("SELECT grade FROM catalog_grade WHERE repository = 'rhel9/postgresql-16'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(grade.as_deref(), Some("A"));

    // Asked again: the stored grade serves, the catalog is not asked twice.
    let again = app
        .get(
            "/api/v1/catalog/equivalents?image=postgres:16",
            Some(&alice),
        )
        .await;
    assert_eq!(again.json()["candidates"][0]["grade"], "A");
    let path = "/api/containers/v1/repositories/registry/registry.access.redhat.com/repository/rhel9/postgresql-16/images";
    assert_eq!(pyxis.requests().await[path], 1);
}

#[tokio::test]
async fn grades_stay_as_they_were_when_the_catalog_fails() {
    let pyxis = CatalogStandIn::start(&[]);
    let good = app_on(&pyxis.api(""), &[]).await;
    good.state.catalog.refresh(&good.state.db).await.unwrap();
    // A replica whose catalog calls now fail: it has the mirror, but no image answers.
    let broken = good
        .replica(&[
            ("PORTCULLIS_CATALOG_URL", &pyxis.api("fail")),
            ("PORTCULLIS_CATALOG_ATTEMPTS", "1"),
        ])
        .await;
    let alice = broken.sign_in("alice").await;
    let path = "/api/v1/catalog/equivalents?image=registry.access.redhat.com/ubi9/ubi";
    for _ in 0..2 {
        let answer = broken.get(path, Some(&alice)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let json = answer.json();
        assert_eq!(json["candidates"][0]["repository"], "ubi9/ubi");
        assert_eq!(
            json["candidates"][0]["grade"], "A",
            "the mirrored grade stays: {json}"
        );
    }
    // Asked once (then remembered as asked), not at every answer.
    let images = "/fail/api/containers/v1/repositories/registry/registry.access.redhat.com/repository/ubi9/ubi/images";
    assert_eq!(pyxis.requests().await[images], 1);
}

#[tokio::test]
async fn requests_submitted_while_the_catalog_is_down_are_marked_and_checked_again() {
    let pyxis = CatalogStandIn::start(&[]);
    let down = app_on(&pyxis.api("fail"), &[("PORTCULLIS_CATALOG_ATTEMPTS", "1")]).await;
    portcullis::jobs::catalog_turn(&down.state, &Shutdown::never()).await; // the refresh fails
    let alice = down.sign_in("alice").await;
    // The job writes its note in the requester's language, though it runs with no request.
    down.choose_language(&alice, "nb").await;
    let id = down.submit(&alice, "docker.io/library/postgres:16").await;

    let page = down
        .call("get_request", &[("id", &id.to_string())], Some(&alice))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let catalog = &page.json()["request"]["catalog"];
    assert_eq!(catalog["checked"], false, "{catalog}");
    assert_eq!(catalog["mirror_at"], serde_json::Value::Null);
    let list = down.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(list.json()[0]["catalog_checked"], false);

    // Nothing to do while the catalog stays down.
    portcullis::jobs::catalog_turn(&down.state, &Shutdown::never()).await;
    let again = down
        .call("get_request", &[("id", &id.to_string())], Some(&alice))
        .await;
    assert_eq!(again.json()["request"]["catalog"]["checked"], false);

    // The catalog answers again (here: a replica that reaches it; the job retries a failed
    // refresh after a few minutes, so the test refreshes at once). The request is re-checked,
    // once, with a timeline entry by the portal.
    let up = down
        .replica(&[("PORTCULLIS_CATALOG_URL", &pyxis.api(""))])
        .await;
    up.state.catalog.refresh(&up.state.db).await.unwrap();
    portcullis::jobs::catalog_turn(&up.state, &Shutdown::never()).await;
    portcullis::jobs::catalog_turn(&down.state, &Shutdown::never()).await;
    let checked = up
        .call("get_request", &[("id", &id.to_string())], Some(&alice))
        .await;
    let json = checked.json();
    assert_eq!(json["request"]["catalog"]["checked"], true, "{json}");
    assert!(json["request"]["catalog"]["mirror_at"].is_string());
    assert_eq!(
        json["request"]["catalog"]["candidates"][0]["repository"],
        "rhel9/postgresql-16"
    );
    let rechecks: Vec<&serde_json::Value> = json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "catalog_rechecked")
        .collect();
    assert_eq!(rechecks.len(), 1, "{json}");
    assert_eq!(rechecks[0]["actor_name"], "Portcullis");
    let note = rechecks[0]["body"].as_str().unwrap();
    assert!(
        note.starts_with("Sjekket Red Hat-katalogen på nytt")
            && note.contains("det beste er rhel9/postgresql-16"),
        "{note}"
    );
    // So are the reasons of the candidates it found.
    let reason = json["request"]["catalog"]["candidates"][0]["reasons"].to_string();
    assert!(
        reason.contains("Samme") && !reason.contains("Same"),
        "{reason}"
    );
}

#[tokio::test]
async fn requests_submitted_against_a_current_mirror_count_as_checked() {
    let pyxis = CatalogStandIn::start(&[]);
    let app = app_on(&pyxis.api(""), &[]).await;
    portcullis::jobs::catalog_turn(&app.state, &Shutdown::never()).await;
    let alice = app.sign_in("alice").await;
    let id = app.submit(&alice, "nginx:1.24").await;
    let page = app
        .call("get_request", &[("id", &id.to_string())], Some(&alice))
        .await;
    assert_eq!(page.json()["request"]["catalog"]["checked"], true);
}
