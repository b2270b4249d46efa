//! The OpenAPI document stays true: it is valid JSON of version 3.1, it lists exactly the
//! machine routes the router serves, and real answers of each route (every status it can give)
//! are documented with their status and carry the documented required fields.

mod common;

use app::tokens::{service as tokens, Scope};
use axum::body::Body;
use axum::http::Request;
use common::TestApp;
use serde_json::Value;

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let mut node = doc;
            for part in reference.trim_start_matches("#/").split('/') {
                node = &node[part];
            }
            resolve(doc, node)
        }
        None => value,
    }
}

/// Checks `value` against the parts of a JSON schema the document uses: types, required
/// properties, properties, array items and enums.
fn check(doc: &Value, schema: &Value, value: &Value, path: &str) {
    let schema = resolve(doc, schema);
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = options.iter().any(|option| {
            let option = resolve(doc, option);
            match option["type"].as_str() {
                Some("array") => value.is_array(),
                Some("string") => value.is_string(),
                _ => true,
            }
        });
        assert!(fits, "{path}: {value} fits none of oneOf");
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        assert!(
            allowed.contains(value),
            "{path}: {value} is not one of {allowed:?}"
        );
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        assert!(
            types.contains(&actual) || (actual == "integer" && types.contains(&"number")),
            "{path}: {actual} where the document says {types:?}"
        );
    }
    if let (Some(required), Some(object)) = (schema["required"].as_array(), value.as_object()) {
        for key in required.iter().filter_map(Value::as_str) {
            assert!(
                object.contains_key(key),
                "{path}: required {key:?} missing in {value}"
            );
        }
    }
    if let (Some(properties), Some(object)) = (schema["properties"].as_object(), value.as_object())
    {
        for (key, sub) in properties {
            if let Some(v) = object.get(key) {
                check(doc, sub, v, &format!("{path}.{key}"));
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, v) in array.iter().enumerate() {
            check(doc, items, v, &format!("{path}[{i}]"));
        }
    }
}

#[tokio::test]
async fn the_document_matches_what_the_api_answers() {
    let app = TestApp::spawn().await;
    let served = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(served.status.as_u16(), 200);
    let doc: Value = served.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        documented,
        [
            "/api/v1/allowlist",
            "/api/v1/catalog/equivalents",
            "/api/v1/mirror/drift",
            "/api/v1/openapi.json"
        ],
        "every machine route is documented, and nothing else"
    );

    // Data for real answers: an approved request, and tokens of both scopes.
    let alice = app.sign_in("alice").await;
    let rita = app.sign_in("rita").await;
    let id = app.submit(&alice, "nginx:1.25").await.to_string();
    let expires = (time::OffsetDateTime::now_utc().date() + time::Duration::days(30)).to_string();
    app.act(
        "approve_request",
        &[
            ("id", &id),
            ("version", "1"),
            ("tag_mode", "exact"),
            ("tags", "1.25.3"),
            ("architectures", "amd64"),
            ("expires_on", &expires),
        ],
        &rita,
    )
    .await;
    let actor = app::audit::chain::Actor::system();
    let allowlist = tokens::create(
        &app.state.db,
        &app.state.audit,
        "a",
        &[Scope::AllowlistRead],
        None,
        &actor,
    )
    .await
    .unwrap()
    .token;
    let catalog = tokens::create(
        &app.state.db,
        &app.state.audit,
        "c",
        &[Scope::CatalogRead],
        None,
        &actor,
    )
    .await
    .unwrap()
    .token;

    let mirror = tokens::create(
        &app.state.db,
        &app.state.audit,
        "m",
        &[Scope::MirrorRead],
        None,
        &actor,
    )
    .await
    .unwrap()
    .token;

    let calls: Vec<(&str, Option<&str>)> = vec![
        ("/api/v1/mirror/drift", Some(&mirror)),
        ("/api/v1/mirror/drift", Some(&catalog)),
        ("/api/v1/mirror/drift", None),
        ("/api/v1/allowlist", Some(&allowlist)),
        ("/api/v1/allowlist?format=skopeo", Some(&allowlist)),
        ("/api/v1/allowlist?format=regsync", Some(&allowlist)),
        ("/api/v1/allowlist?format=toml", Some(&allowlist)),
        ("/api/v1/allowlist", Some(&catalog)),
        ("/api/v1/allowlist", None),
        (
            "/api/v1/catalog/equivalents?image=postgres:16",
            Some(&catalog),
        ),
        (
            "/api/v1/catalog/equivalents?image=grafana/grafana",
            Some(&catalog),
        ),
        (
            "/api/v1/catalog/equivalents?image=Not%20An%20Image",
            Some(&catalog),
        ),
        ("/api/v1/catalog/equivalents", Some(&catalog)),
        (
            "/api/v1/catalog/equivalents?image=nginx",
            Some("pct_0123456789abcdef_00"),
        ),
    ];
    let mut etag = None;
    for (uri, token) in &calls {
        let mut request = Request::builder().uri(*uri);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let response = app.send(request.body(Body::empty()).unwrap()).await;
        let path = uri.split('?').next().unwrap();
        let status = response.status.as_u16().to_string();
        let operation = &doc["paths"][path]["get"];
        let documented = resolve(&doc, &operation["responses"][&status]);
        assert!(
            documented.is_object(),
            "{uri}: status {status} is not documented"
        );
        if path == "/api/v1/allowlist" && status == "200" && etag.is_none() {
            etag = response.header("etag").map(str::to_owned);
        }
        if let Some(content_type) = response.header("content-type") {
            let media = content_type.split(';').next().unwrap();
            let schema = &documented["content"][media]["schema"];
            assert!(
                schema.is_object(),
                "{uri}: {media} is not documented for {status}"
            );
            if media == "application/json" {
                check(&doc, schema, &response.json(), uri);
            }
        }
    }
    // The 304 path is documented too.
    let request = Request::builder()
        .uri("/api/v1/allowlist")
        .header("authorization", format!("Bearer {allowlist}"))
        .header("if-none-match", etag.unwrap())
        .body(Body::empty())
        .unwrap();
    let not_modified = app.send(request).await;
    assert_eq!(not_modified.status.as_u16(), 304);
    assert!(doc["paths"]["/api/v1/allowlist"]["get"]["responses"]["304"].is_object());
}
