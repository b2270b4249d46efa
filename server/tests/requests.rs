//! The first slice, through the real router: sign in, submit, list, view; and what happens to
//! bad input, strangers and concurrent submissions.

mod common;

use axum::http::StatusCode;
use common::TestApp;

#[tokio::test]
async fn a_signed_in_requester_submits_and_sees_the_request_in_their_list() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;

    let id = app.submit(&alice, "nginx:1.25").await;

    let list = app.call("list_my_requests", &[], Some(&alice)).await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["image"], "docker.io/library/nginx:1.25");
    assert_eq!(list[0]["state"], "Submitted");

    let page = app
        .call("get_request", &[("id", &id.to_string())], Some(&alice))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let page = page.json();
    assert_eq!(page["request"]["image_input"], "nginx:1.25");
    assert_eq!(page["request"]["requester_name"], "Alice Andersen");
    assert_eq!(page["request"]["contact"], "web@example.org");
    assert_eq!(page["events"][0]["kind"], "submitted");
    assert_eq!(page["contact_label"], "no.uio.contact");
}

#[tokio::test]
async fn the_submit_answer_sends_the_browser_to_the_new_request() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .call(
            "submit_request",
            &[
                ("image", "ghcr.io/org/tool:2.0"),
                ("team", "Research IT"),
                ("contact", "rit@example.org"),
                ("justification", "Batch pipeline for the genomics cluster."),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.header("serverfnredirect").is_some());
    assert_eq!(response.header("location"), Some("/requests/1"));
}

#[tokio::test]
async fn an_invalid_reference_is_refused_with_a_field_error_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .call(
            "submit_request",
            &[
                ("image", "Nginx:1.25"),
                ("team", "Web platform"),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Reverse proxy in front of the course portal.",
                ),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = response.json();
    let fields = &error["Invalid"]["errors"];
    assert_eq!(fields.as_array().unwrap().len(), 1, "{error}");
    assert_eq!(fields[0]["field"], "image");
    assert!(fields[0]["message"].as_str().unwrap().contains("lowercase"));
    assert_eq!(app.count_requests().await, 0);
}

#[tokio::test]
async fn a_form_post_without_javascript_comes_back_to_the_form_with_the_error_in_the_url() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .post_form_without_javascript(
            "/api/submit_request",
            "http://127.0.0.1:3000/requests/new",
            &[
                ("image", "not a reference"),
                ("team", ""),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Reverse proxy in front of the course portal.",
                ),
            ],
            &alice,
        )
        .await;
    assert_eq!(response.status, StatusCode::FOUND);
    let location = response.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:3000/requests/new?"),
        "{location}"
    );
    assert!(location.contains("__err="), "{location}");
    assert_eq!(app.count_requests().await, 0);

    // The form page rendered from that URL shows the messages and what was typed.
    let path = location.trim_start_matches("http://127.0.0.1:3000");
    let page = app.get(path, Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("There is a problem"), "{}", page.body);
    assert!(page.body.contains("cannot contain spaces"));
    assert!(page.body.contains("Enter the team or application name"));
    assert!(page.body.contains("value=\"not a reference\""));
    assert!(page.body.contains("value=\"web@example.org\""));
}

#[tokio::test]
async fn a_form_post_without_javascript_that_succeeds_lands_on_the_request_page() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .post_form_without_javascript(
            "/api/submit_request",
            "http://127.0.0.1:3000/requests/new",
            &[
                ("image", "postgres:16"),
                ("team", "Web platform"),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Database for the course portal, replacing a VM.",
                ),
                ("catalog_choice", "rhel9/postgresql-16"),
            ],
            &alice,
        )
        .await;
    assert_eq!(response.status, StatusCode::FOUND);
    assert_eq!(response.header("location"), Some("/requests/1"));
    // The request became a request for the chosen Red Hat image, and remembers the check.
    let page = app
        .call("get_request", &[("id", "1")], Some(&alice))
        .await
        .json();
    assert_eq!(
        page["request"]["image"],
        "registry.redhat.io/rhel9/postgresql-16:latest"
    );
    assert_eq!(page["request"]["image_input"], "postgres:16");
    assert_eq!(page["request"]["catalog"]["decision"], "chosen");
    assert_eq!(
        page["request"]["catalog"]["candidates"][0]["repository"],
        "rhel9/postgresql-16"
    );
    let html = app.get("/requests/1", Some(&alice)).await;
    assert!(html.body.contains("Red Hat catalog check"));
}

#[tokio::test]
async fn anonymous_visitors_are_asked_to_sign_in_and_get_no_data() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    app.submit(&alice, "nginx:1.25").await;

    for (function, args) in [
        ("list_my_requests", vec![]),
        ("get_request", vec![("id", "1")]),
        (
            "submit_request",
            vec![
                ("image", "nginx"),
                ("team", "t"),
                ("contact", "a@b.org"),
                ("justification", "x"),
            ],
        ),
    ] {
        let response = app.call(function, &args, None).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{function}");
        assert_eq!(response.json(), serde_json::json!("Unauthenticated"));
    }
    assert_eq!(app.count_requests().await, 1);

    let page = app.get("/requests", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Sign in to see your requests"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("nginx"));
}

#[tokio::test]
async fn requesters_cannot_see_each_others_requests_but_reviewers_can() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let bob = app.sign_in("bob").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();

    let for_bob = app.call("get_request", &[("id", &id)], Some(&bob)).await;
    assert_eq!(for_bob.status, StatusCode::NOT_FOUND);
    assert!(!for_bob.body.contains("nginx"));
    let bobs_list = app.call("list_my_requests", &[], Some(&bob)).await;
    assert_eq!(bobs_list.json(), serde_json::json!([]));
    let bobs_page = app.get(&format!("/requests/{id}"), Some(&bob)).await;
    assert!(bobs_page.body.contains("was not found"));
    assert!(!bobs_page.body.contains("course portal"));

    let for_rita = app.call("get_request", &[("id", &id)], Some(&rita)).await;
    assert_eq!(for_rita.status, StatusCode::OK);
}

#[tokio::test]
async fn a_missing_request_and_a_malformed_number_are_answered_plainly() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let missing = app
        .call("get_request", &[("id", "999")], Some(&alice))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let malformed = app
        .call("get_request", &[("id", "abc")], Some(&alice))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let page = app.get("/requests/abc", Some(&alice)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("was not found"));
}

#[tokio::test]
async fn concurrent_submissions_get_distinct_consecutive_numbers() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let submissions = (0..12).map(|i| {
        let app = &app;
        let alice = alice.clone();
        async move { app.submit(&alice, &format!("nginx:1.{i}")).await }
    });
    let mut ids = futures_join_all(submissions).await;
    ids.sort_unstable();
    assert_eq!(ids, (1..=12).collect::<Vec<i64>>());
}

async fn futures_join_all<F: std::future::Future<Output = i64>>(
    futures: impl Iterator<Item = F>,
) -> Vec<i64> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::new();
    // Poll all at once so they really overlap.
    let joined = async {
        let mut pinned: Vec<_> = handles.into_iter().map(Box::pin).collect();
        let mut results = vec![None; pinned.len()];
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, f) in pinned.iter_mut().enumerate() {
                if results[i].is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => results[i] = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        results.into_iter().map(Option::unwrap).collect::<Vec<_>>()
    };
    out.extend(joined.await);
    out
}

#[tokio::test]
async fn the_request_form_is_the_only_island_and_typed_text_cannot_leave_its_props() {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    // What "Check the Red Hat catalog" brings back into the form, written to break out of the
    // island's props attribute, open a script, and fake a second island.
    let hostile =
        r#"x"></leptos-island><script>alert(1)</script><leptos-island data-component="hydrate">"#;
    let page = app
        .get(
            &format!(
                "/requests/new?image={0}&team={0}&justification={0}",
                app::images::model::url_encode(hostile)
            ),
            Some(&alice),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<leptos-island").count(),
        1,
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(r#"<leptos-island data-component="NewRequestForm_"#));
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(
        !page.body.contains("</leptos-island><script"),
        "{}",
        page.body
    );
    // The text is all there, escaped: in the props for the browser, in the fields for the eye.
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The loader is on every page; the WASM is fetched by it only where an island is.
    assert!(page.body.contains(r#"import(jsUrl)"#));

    // Pages without live parts are server-rendered alone: no island, so no WASM.
    let submitted = app
        .post_form_without_javascript(
            "/api/submit_request",
            "http://127.0.0.1:3000/requests/new",
            &[
                ("image", "nginx:1.25"),
                ("team", "Web platform"),
                ("contact", "web@example.org"),
                (
                    "justification",
                    "Reverse proxy in front of the course portal.",
                ),
                ("catalog_choice", "none"),
                ("catalog_reason", "We need the upstream build."),
            ],
            &alice,
        )
        .await;
    assert_eq!(submitted.status, StatusCode::FOUND);
    for path in [
        "/",
        "/requests",
        "/requests/1",
        "/images",
        "/auth/dev-sign-in",
    ] {
        let page = app.get(path, Some(&alice)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            !page.body.contains("<leptos-island"),
            "{path}: {}",
            page.body
        );
    }
}
