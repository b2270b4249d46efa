//! The catalog check over HTTP: the JSON endpoint, and the check as part of submitting.

mod common;

use axum::http::StatusCode;
use common::TestApp;

#[tokio::test]
async fn the_equivalents_endpoint_ranks_red_hat_images_and_explains_them() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let answer = app
        .get(
            "/api/v1/catalog/equivalents?image=postgres:16",
            Some(&alice),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["image"], "docker.io/library/postgres:16");
    let best = &json["candidates"][0];
    assert_eq!(best["repository"], "rhel9/postgresql-16");
    assert_eq!(best["registry"], "registry.redhat.io");
    assert_eq!(best["status"], "Generally Available");
    assert!(best["catalog_url"]
        .as_str()
        .unwrap()
        .starts_with("https://catalog.redhat.com/"));
    assert!(best["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r == "Same version (16)"));
    assert!(
        best.get("grade").is_some(),
        "grade is present (null when unknown)"
    );

    let none = app
        .get(
            "/api/v1/catalog/equivalents?image=grafana/grafana",
            Some(&alice),
        )
        .await;
    assert_eq!(none.status, StatusCode::OK);
    assert_eq!(none.json()["candidates"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_or_missing_references_get_400_with_the_parsers_message() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let bad = app
        .get("/api/v1/catalog/equivalents?image=Nginx:1.25", Some(&alice))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["error"]
        .as_str()
        .unwrap()
        .contains("must be lowercase"));
    let missing = app.get("/api/v1/catalog/equivalents", Some(&alice)).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(missing.json()["error"]
        .as_str()
        .unwrap()
        .contains("?image="));
    let anonymous = app
        .get("/api/v1/catalog/equivalents?image=nginx", None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn submitting_without_a_catalog_decision_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .call(
            "submit_request",
            &[
                ("image", "python:3.12-slim"),
                ("team", "Research IT"),
                ("contact", "rit@example.org"),
                ("justification", "Notebook runner for the HPC portal."),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.json();
    assert_eq!(
        error["Invalid"]["errors"][0]["field"], "catalog_choice",
        "{error}"
    );
    assert_eq!(app.count_requests().await, 0);
}

#[tokio::test]
async fn declining_the_candidates_keeps_the_reason_for_the_reviewers() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let id = app.submit(&alice, "python:3.12-slim").await;
    let rita = app.sign_in("rita").await;
    let page = app
        .call("get_request", &[("id", &id.to_string())], Some(&rita))
        .await
        .json();
    let catalog = &page["request"]["catalog"];
    assert_eq!(catalog["decision"], "none_fits");
    assert_eq!(
        catalog["reason"],
        "The tests need the upstream image itself."
    );
    assert_eq!(catalog["candidates"][0]["repository"], "ubi9/python-312");
    assert_eq!(
        page["request"]["image"],
        "docker.io/library/python:3.12-slim"
    );
}
