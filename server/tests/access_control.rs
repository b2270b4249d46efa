//! Who may call what: every server function and every HTTP route, called as anonymous, the
//! owner of a request (Alice), another requester (Bob), a reviewer (Rita) and an admin (Adam).
//! The expected status of each is written down here; a server function that is not in the table
//! fails the test, so nobody adds one without deciding who may call it. Machine routes are also
//! called with every kind of API token (`TOKEN_ROUTES`), and server functions with a token (which
//! never stands in for a signed-in user).

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
        name: "approved_images",
        args: &[("q", "billing")],
        expected: [401, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "local_check",
        args: &[("image", "nginx:1.25")],
        expected: [401, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "image_report",
        args: &[("owner", "finance-ops@example.org")],
        expected: [401, 200, 200, 200, 200],
    },
    ServerFunction {
        name: "mirror_drift",
        args: &[],
        expected: [401, 403, 403, 200, 200],
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
    ServerFunction {
        name: "token_admin",
        args: &[],
        expected: [401, 403, 403, 403, 200],
    },
    ServerFunction {
        name: "create_api_token",
        args: &[("name", "table"), ("scope_catalog", "on")],
        expected: [401, 403, 403, 403, 200],
    },
    ServerFunction {
        name: "revoke_api_token",
        args: &[("id", "table")],
        expected: [401, 403, 403, 403, 200],
    },
    ServerFunction {
        name: "audit_trail",
        args: &[],
        expected: [401, 403, 403, 403, 200],
    },
    ServerFunction {
        name: "upstream_facts",
        args: &[("id", "1")],
        // The upstream registry (ghcr.io) may be unreachable from the test machine; the
        // answer says so, with status 200, to those who may see the request.
        expected: [401, 200, 404, 200, 200],
    },
    // The review, in the order a request lives through it. Each row runs for every identity in
    // turn, so the state one row leaves is the next row's start: request #1 (Alice's) is
    // commented on, claimed by Rita, approved by her, renewed and revoked.
    ServerFunction {
        name: "review_queue",
        args: &[],
        expected: [401, 403, 403, 200, 200],
    },
    ServerFunction {
        name: "act_on_request",
        args: &[
            ("id", "1"),
            ("version", "1"),
            ("action", "comment"),
            ("text", "Which team runs this?"),
        ],
        expected: [401, 200, 404, 200, 200],
    },
    ServerFunction {
        name: "act_on_request",
        args: &[("id", "1"), ("version", "1"), ("action", "claim")],
        // Alice may not review her own request; Adam is an admin, not a reviewer, and by his
        // turn Rita holds it.
        expected: [401, 403, 404, 200, 409],
    },
    ServerFunction {
        name: "approve_request",
        args: &[
            ("id", "1"),
            ("version", "2"),
            ("tag_mode", "exact"),
            ("tags", "3.1"),
            ("architectures", "amd64"),
            ("expires_on", "{in 100 days}"),
        ],
        expected: [401, 403, 404, 200, 403],
    },
    ServerFunction {
        name: "renew_approval",
        args: &[
            ("request", "1"),
            ("entry", "1"),
            ("version", "1"),
            ("expires_on", "{in 200 days}"),
        ],
        expected: [401, 403, 403, 200, 403],
    },
    ServerFunction {
        name: "revoke_approval",
        args: &[
            ("request", "1"),
            ("entry", "1"),
            ("version", "2"),
            ("reason", "The billing pipeline moved elsewhere."),
        ],
        expected: [401, 403, 403, 200, 403],
    },
    ServerFunction {
        name: "resubmit_request",
        args: &[
            ("id", "1"),
            ("version", "3"),
            ("team", "Finance"),
            ("contact", "finance@example.org"),
            ("justification", "Nothing changed, trying anyway."),
            ("note", "Trying to reopen a decided request."),
        ],
        // Decided requests stay decided.
        expected: [401, 409, 404, 403, 403],
    },
];

/// Fills in dates relative to today (`{in 100 days}`), so the table never goes stale.
fn with_dates(args: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let today = time::OffsetDateTime::now_utc().date();
    args.iter()
        .map(|(k, v)| {
            let value = match v
                .strip_prefix("{in ")
                .and_then(|r| r.strip_suffix(" days}"))
            {
                Some(days) => (today + time::Duration::days(days.parse().unwrap())).to_string(),
                None => v.to_string(),
            };
            (*k, value)
        })
        .collect()
}

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
        path: "/api/v1/allowlist",
        expected: [401, 403, 403, 200, 200],
    },
    Route {
        path: "/api/v1/mirror/drift",
        expected: [401, 403, 403, 200, 200],
    },
    Route {
        path: "/review",
        expected: [200; 5],
    },
    Route {
        path: "/admin/drift",
        expected: [200; 5],
    },
    Route {
        path: "/images?q=billing",
        expected: [200; 5],
    },
    Route {
        path: "/images/report",
        expected: [200; 5],
    },
    Route {
        path: "/admin/audit",
        expected: [200; 5],
    },
    Route {
        path: "/admin/tokens",
        expected: [200; 5],
    },
    Route {
        path: "/admin/audit.csv",
        expected: [401, 403, 403, 403, 200],
    },
    Route {
        path: "/admin/audit.json?subject=request:1",
        expected: [401, 403, 403, 403, 200],
    },
    Route {
        path: "/api/v1/openapi.json",
        expected: [200; 5],
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
            let args = with_dates(function.args);
            let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let response = app.call(function.name, &args, cookie.as_deref()).await;
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
            // The justification is only on the request's own page, for its owner and the staff,
            // and in the audit trail, for admins.
            let owner_or_staff = matches!(identity, Some("alice" | "rita" | "adam"));
            let may_see = (route.path == "/requests/1" && owner_or_staff)
                || (route.path.starts_with("/admin/audit") && *identity == Some("adam"));
            let shows_secret = response.body.contains(ALICES_SECRET);
            assert_eq!(shows_secret, may_see, "{} as {identity:?}", route.path);
        }
    }
}

/// The tokens a machine may present: none, garbage, a well-formed but unknown token, a real
/// token with a wrong secret, `catalog:read`, `allowlist:read`, expired, revoked, `mirror:read`.
const TOKENS: [&str; 9] = [
    "none",
    "garbage",
    "unknown",
    "wrong-secret",
    "catalog:read",
    "allowlist:read",
    "expired",
    "revoked",
    "mirror:read",
];

struct TokenRoute {
    path: &'static str,
    expected: [u16; 9],
}

const TOKEN_ROUTES: &[TokenRoute] = &[
    TokenRoute {
        path: "/api/v1/catalog/equivalents?image=postgres:16",
        expected: [401, 401, 401, 401, 200, 403, 401, 401, 403],
    },
    TokenRoute {
        path: "/api/v1/allowlist",
        expected: [401, 401, 401, 401, 403, 200, 401, 401, 403],
    },
    TokenRoute {
        path: "/api/v1/allowlist?format=skopeo",
        expected: [401, 401, 401, 401, 403, 200, 401, 401, 403],
    },
    TokenRoute {
        path: "/api/v1/mirror/drift",
        expected: [401, 401, 401, 401, 403, 403, 401, 401, 200],
    },
];

/// The `Authorization` header for each entry of [`TOKENS`], made in `app`'s database.
async fn authorization_headers(app: &TestApp) -> Vec<Option<String>> {
    use app::tokens::{service, Scope};
    let make = |name: &'static str, scope: Scope| async move {
        service::create(
            &app.state.db,
            &app.state.audit,
            name,
            &[scope],
            None,
            &app::audit::chain::Actor::system(),
        )
        .await
        .unwrap()
        .token
    };
    let catalog = make("catalog", Scope::CatalogRead).await;
    let allowlist = make("allowlist", Scope::AllowlistRead).await;
    let mirror = make("mirror", Scope::MirrorRead).await;
    let expired = make("expired", Scope::CatalogRead).await;
    sqlx::query(
        "UPDATE api_token SET expires_at = '2026-01-01T00:00:00.000000Z' WHERE name = 'expired'",
    )
    .execute(app.state.db.pool())
    .await
    .unwrap();
    let revoked = make("revoked", Scope::CatalogRead).await;
    service::revoke(
        &app.state.db,
        &app.state.audit,
        "revoked",
        &app::audit::chain::Actor::system(),
    )
    .await
    .unwrap();
    let (prefix, _) = catalog.rsplit_once('_').unwrap();
    let bearer = |token: &str| Some(format!("Bearer {token}"));
    vec![
        None,
        Some("Bearer not-a-token".to_owned()),
        bearer(&format!("pct_0123456789abcdef_{}", "0".repeat(64))),
        bearer(&format!("{prefix}_{}", "0".repeat(64))),
        bearer(&catalog),
        bearer(&allowlist),
        bearer(&expired),
        bearer(&revoked),
        bearer(&mirror),
    ]
}

#[tokio::test]
async fn machine_routes_answer_each_token_as_the_table_says() {
    let app = setup().await;
    let headers = authorization_headers(&app).await;
    for route in TOKEN_ROUTES {
        for ((token, expected), header) in TOKENS.iter().zip(route.expected).zip(&headers) {
            let mut request = axum::http::Request::builder().uri(route.path);
            if let Some(value) = header {
                request = request.header("authorization", value);
            }
            let response = app
                .send(request.body(axum::body::Body::empty()).unwrap())
                .await;
            assert_eq!(
                response.status.as_u16(),
                expected,
                "{} with {token}: {}",
                route.path,
                response.body
            );
            if expected == 401 {
                assert_eq!(
                    response.header("www-authenticate"),
                    Some("Bearer realm=\"portcullis\"")
                );
                assert!(
                    !response.body.contains("expired") && !response.body.contains("revoked"),
                    "401 says nothing about the token: {}",
                    response.body
                );
            }
            if expected == 403 {
                assert!(response.body.contains("scope"), "{}", response.body);
            }
        }
    }
}

#[tokio::test]
async fn a_token_never_stands_in_for_a_signed_in_user() {
    let app = setup().await;
    let headers = authorization_headers(&app).await;
    let catalog = headers[4].clone().unwrap();
    for function in SERVER_FUNCTIONS {
        let request = axum::http::Request::builder()
            .method("POST")
            .uri(format!("/api/{}", function.name))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", &catalog)
            .body(axum::body::Body::from(common::encode_form(
                &with_dates(function.args)
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect::<Vec<_>>(),
            )))
            .unwrap();
        let response = app.send(request).await;
        assert_eq!(
            response.status.as_u16(),
            function.expected[0],
            "{} with a token answers as for anonymous: {}",
            function.name,
            response.body
        );
    }
}
