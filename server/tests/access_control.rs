//! Who may call what: every server function and every HTTP route, called as anonymous, the
//! owner of a request (Alice), another requester (Bob), a reviewer (Rita) and an admin (Adam).
//! The expected status of each is written down here; a server function that is not in the table
//! fails the test, so nobody adds one without deciding who may call it.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use std::collections::BTreeSet;

const IDENTITIES: [Option<&str>; 5] =
    [None, Some("alice"), Some("bob"), Some("rita"), Some("adam")];
const ALICES_SECRET: &str = "Internal billing pipeline, contact finance-ops before changing";

/// Expected status for: anonymous, alice (owner), bob (other requester), rita (reviewer), adam (admin).
type Expected = [u16; 5];

struct ServerFunction {
    name: &'static str,
    args: &'static [(&'static str, &'static str)],
    expected: Expected,
}

const SERVER_FUNCTIONS: &[ServerFunction] = &[
    ServerFunction {
        name: "current_user",
        args: &[],
        expected: [200, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "dev_sign_in_options",
        args: &[],
        expected: [200, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "dev_sign_in",
        args: &[("user", "bob")],
        expected: [200, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "sign_out",
        args: &[],
        expected: [200, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "list_my_requests",
        args: &[],
        expected: [401, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "find_equivalents",
        args: &[("image", "postgres:16")],
        expected: [401, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "get_request",
        args: &[("id", "1")],
        expected: [401, 200, 404, 200, 200],
    },
    ServerFunction {
        name: "submit_request",
        args: &[
            ("image", "nginx:1.27"),
            ("team", "Access table"),
            ("contact", "table@example.org"),
            ("justification", "Checking who may submit requests."),
            ("catalog_choice", "none"),
            ("catalog_reason", "Checking access, not the catalog."),
        ],
        expected: [401, 200, 200, 200, 200],
    },
];

struct Route {
    path: &'static str,
    expected: Expected,
}

const ROUTES: &[Route] = &[
    Route {
        path: "/healthz",
        expected: [200; 5],
    },
    Route {
        path: "/readyz",
        expected: [200; 5],
    },
    Route {
        path: "/",
        expected: [200; 5],
    },
    Route {
        path: "/auth/login",
        expected: [303; 5],
    },
    Route {
        path: "/auth/callback",
        expected: [303; 5],
    },
    Route {
        path: "/auth/dev-sign-in",
        expected: [200; 5],
    },
    Route {
        path: "/auth/sign-in-failed?reason=not-started-here",
        expected: [400; 5],
    },
    Route {
        path: "/requests",
        expected: [200; 5],
    },
    Route {
        path: "/requests/new",
        expected: [200; 5],
    },
    Route {
        path: "/requests/1",
        expected: [200; 5],
    },
    Route {
        path: "/api/v1/catalog/equivalents?image=postgres:16",
        expected: [401, 200, 200, 200, 200],
    },
    Route {
        path: "/no-such-page",
        expected: [404; 5],
    },
];

async fn cookie_for(app: &TestApp, identity: Option<&str>) -> Option<String> {
    match identity {
        Some(user) => Some(app.sign_in(user).await),
        None => None,
    }
}

async fn setup() -> TestApp {
    let app = TestApp::spawn().await;
    let alice = app.sign_in("alice").await;
    let response = app
        .call(
            "submit_request",
            &[
                ("image", "ghcr.io/acme/billing:3.1"),
                ("team", "Finance"),
                ("contact", "finance@example.org"),
                ("justification", ALICES_SECRET),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK);
    app
}

#[tokio::test]
async fn every_server_function_is_in_the_table() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _method)| path.trim_start_matches("/api/").to_owned())
        .collect();
    let listed: BTreeSet<String> = SERVER_FUNCTIONS.iter().map(|f| f.name.to_owned()).collect();
    assert_eq!(
        registered, listed,
        "add a row to SERVER_FUNCTIONS for every new server function, saying who may call it"
    );
}

#[tokio::test]
async fn server_functions_answer_each_identity_as_the_table_says() {
    let app = setup().await;
    for function in SERVER_FUNCTIONS {
        for (identity, expected) in IDENTITIES.iter().zip(function.expected) {
            let cookie = cookie_for(&app, *identity).await;
            let response = app
                .call(function.name, function.args, cookie.as_deref())
                .await;
            assert_eq!(
                response.status.as_u16(),
                expected,
                "{} as {identity:?}: {}",
                function.name,
                response.body
            );
            let owner_or_staff = matches!(identity, Some("alice" | "rita" | "adam"));
            if !owner_or_staff {
                assert!(
                    !response.body.contains(ALICES_SECRET)
                        && !response.body.contains("acme/billing"),
                    "{} leaked Alice's request to {identity:?}",
                    function.name
                );
            }
        }
    }
}

#[tokio::test]
async fn routes_answer_each_identity_as_the_table_says_and_leak_nothing() {
    let app = setup().await;
    for route in ROUTES {
        for (identity, expected) in IDENTITIES.iter().zip(route.expected) {
            let cookie = cookie_for(&app, *identity).await;
            let response = app.get(route.path, cookie.as_deref()).await;
            assert_eq!(
                response.status.as_u16(),
                expected,
                "{} as {identity:?}",
                route.path
            );
            // The justification is only on the request's own page, for its owner and the staff.
            let owner_or_staff = matches!(identity, Some("alice" | "rita" | "adam"));
            let may_see = route.path == "/requests/1" && owner_or_staff;
            let shows_secret = response.body.contains(ALICES_SECRET);
            assert_eq!(shows_secret, may_see, "{} as {identity:?}", route.path);
        }
    }
}
