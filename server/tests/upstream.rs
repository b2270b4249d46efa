//! Facts about upstream images, read from a real `docker-registry` holding images the harness
//! built and pushed with `skopeo`: digest, platforms, created date, size, the contact and team
//! labels, the tags a rule matches, and a registry that is down.

mod common;

use axum::http::StatusCode;
use common::registry::TestRegistry;
use common::TestApp;

async fn app_for(registry: &TestRegistry) -> TestApp {
    TestApp::spawn_with(&[
        ("PORTCULLIS_INSECURE_REGISTRIES", &registry.host),
        ("PORTCULLIS_PRIVATE_REGISTRIES", &registry.host),
    ])
    .await
}

#[tokio::test]
async fn reviewers_see_digest_platforms_labels_and_matching_tags() {
    let registry = TestRegistry::start();
    let labelled = [
        ("no.uio.contact", "web@example.org"),
        ("no.uio.team", "Web platform"),
    ];
    let digest = registry.push(
        "web/proxy",
        "1.25.3",
        &labelled,
        &["amd64", "arm64"],
        "proxy 1.25.3",
    );
    registry.push("web/proxy", "1.25.4", &labelled, &["amd64"], "proxy 1.25.4");
    registry.push("web/proxy", "1.26.0", &[], &["amd64"], "proxy 1.26.0");

    let app = app_for(&registry).await;
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app
        .submit(&alice, &format!("{}/web/proxy:1.25.3", registry.host))
        .await
        .to_string();

    let answer = app
        .call(
            "upstream_facts",
            &[("id", &id), ("mode", "regex"), ("pattern", r"1\.25\..*")],
            Some(&rita),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let view = answer.json();
    let facts = &view["facts"]["Ok"];
    assert_eq!(facts["digest"], digest.as_str(), "{view}");
    assert_eq!(
        facts["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"])
    );
    assert_eq!(facts["created"], "2026-11-01T12:00:00Z");
    assert!(facts["size"].as_u64().unwrap() > 1000);
    assert_eq!(facts["contact"], "web@example.org");
    assert_eq!(facts["team"], "Web platform");
    assert_eq!(
        view["tags"]["Ok"],
        serde_json::json!(["1.25.3", "1.25.4", "1.26.0"])
    );
    assert_eq!(
        view["preview"]["matched"]["Ok"],
        serde_json::json!(["1.25.3", "1.25.4"])
    );

    let range = app
        .call(
            "upstream_facts",
            &[("id", &id), ("mode", "semver"), ("pattern", ">=1.25.4")],
            Some(&rita),
        )
        .await
        .json();
    assert_eq!(
        range["preview"]["matched"]["Ok"],
        serde_json::json!(["1.25.4", "1.26.0"])
    );
    let broken = app
        .call(
            "upstream_facts",
            &[("id", &id), ("mode", "regex"), ("pattern", "1.25.[")],
            Some(&rita),
        )
        .await
        .json();
    assert!(broken["preview"]["matched"]["Err"]
        .as_str()
        .unwrap()
        .contains("complete expression"));

    // An image without the labels says so.
    let unlabelled = app
        .submit(&alice, &format!("{}/web/proxy:1.26.0", registry.host))
        .await
        .to_string();
    let view = app
        .call("upstream_facts", &[("id", &unlabelled)], Some(&rita))
        .await
        .json();
    assert_eq!(view["facts"]["Ok"]["contact"], serde_json::Value::Null);
    assert_eq!(
        view["facts"]["Ok"]["platforms"],
        serde_json::json!(["linux/amd64"])
    );

    // Nobody else learns anything about Alice's request.
    let bob = app.sign_in("bob").await;
    assert_eq!(
        app.call("upstream_facts", &[("id", &id)], Some(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_missing_tag_or_an_unreachable_registry_is_said_plainly() {
    let registry = TestRegistry::start();
    registry.push("web/proxy", "1.0", &[], &["amd64"], "one");
    let app = app_for(&registry).await;
    let alice = app.sign_in("alice").await;
    let missing = app
        .submit(&alice, &format!("{}/web/proxy:9.9", registry.host))
        .await
        .to_string();
    let view = app
        .call("upstream_facts", &[("id", &missing)], Some(&alice))
        .await
        .json();
    assert!(
        view["facts"]["Err"]
            .as_str()
            .unwrap()
            .contains("answered 404"),
        "{view}"
    );
    assert_eq!(view["tags"]["Ok"], serde_json::json!(["1.0"]));

    let host = registry.host.clone();
    drop(registry);
    let gone = app
        .submit(&alice, &format!("{host}/web/proxy:1.0"))
        .await
        .to_string();
    let answer = app
        .call("upstream_facts", &[("id", &gone)], Some(&alice))
        .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the page still works: {}",
        answer.body
    );
    let view = answer.json();
    assert!(
        view["facts"]["Err"]
            .as_str()
            .unwrap()
            .contains("is unreachable"),
        "{view}"
    );
    // The request page itself renders, with the reason.
    let page = app.get(&format!("/requests/{gone}"), Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("could not be reached"),
        "the reason is on the page"
    );
}
