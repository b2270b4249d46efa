//! The machine API under `/api/v1/`.

use super::extract::{AllowlistRead, ApiCaller, CatalogRead, MirrorRead};
use app::error::AppError;
use app::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct EquivalentsQuery {
    image: Option<String>,
}

/// `GET /api/v1/catalog/equivalents?image=REF`: Red Hat catalog equivalents, best first.
/// Who: signed-in users and tokens with `catalog:read`. Answers 400 naming the problem for a
/// missing or bad reference, 401 / 403 as [`ApiCaller`] says.
pub async fn catalog_equivalents(
    State(state): State<AppState>,
    caller: ApiCaller<CatalogRead>,
    query: Result<Query<EquivalentsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = valid_query(query)?;
    tracing::debug!(caller = %caller.caller.describe(), "catalog equivalents");
    let image = query
        .image
        .filter(|i| !i.trim().is_empty())
        .ok_or_else(|| {
            AppError::BadRequest("add ?image=REFERENCE, e.g. ?image=postgres:16".into())
        })?;
    let answer = app::catalog::service::equivalents(&state, &image).await?;
    Ok(Json(answer).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AllowlistQuery {
    format: Option<String>,
    /// regsync's target registry.
    mirror: Option<String>,
}

/// The query string's parameters, or a 400 saying what is wrong with it (a repeated or
/// malformed parameter). Read after the caller is authorised, so a caller without a token
/// learns nothing about the parameters.
fn valid_query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, AppError> {
    query.map(|Query(query)| query).map_err(|rejection| {
        let detail = rejection.body_text();
        let detail = detail
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&detail);
        AppError::BadRequest(format!("the query string is not valid: {detail}."))
    })
}

/// Whether `If-None-Match` names `etag` (or `*`); weak and strong tags compare alike.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// `GET /api/v1/allowlist[?format=json|skopeo|regsync][&mirror=HOST]`: the active allowlist
/// entries (approved, not expired, not revoked) in a stable order, as JSON with provenance, as
/// skopeo sync YAML or as regsync configuration (copying to `mirror`);
/// the format comes from `?format=` or else `Accept`. Answers `304 Not Modified` when
/// `If-None-Match` names the current `ETag`.
/// Who: tokens with `allowlist:read`, and signed-in reviewers and admins. 401 / 403 as
/// [`ApiCaller`] says; 400 naming the valid formats for an unknown one.
pub async fn allowlist(
    State(state): State<AppState>,
    _caller: ApiCaller<AllowlistRead>,
    headers: HeaderMap,
    query: Result<Query<AllowlistQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    use app::allowlist::formats::Format;
    let query = valid_query(query)?;
    let format = match query.format.as_deref() {
        Some(name) => Format::parse(name).map_err(AppError::BadRequest)?,
        None => headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .and_then(Format::from_accept)
            .unwrap_or(Format::Json),
    };
    let mirror = query.mirror.as_deref().unwrap_or("mirror.example.org");
    if let Err(problem) = app::domain::image_reference::validate_registry_target(mirror) {
        return Err(AppError::BadRequest(format!(
            "mirror must be a registry host with optional port and path, e.g. \
             mirror.example.org or registry.local:5000/mirror: {problem}"
        )));
    }
    let version = app::allowlist::service::version(&state).await?;
    let etag = version.etag(format, mirror);
    let mut response = if not_modified(&headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        // Boxed: rendering is rare (the list is cached), polling is not.
        let body = Box::pin(app::allowlist::service::render(
            &state, format, &version, mirror,
        ))
        .await?;
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            )],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::try_from(etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization"),
    );
    headers.insert(
        header::HeaderName::from_static("x-allowlist-version"),
        HeaderValue::from(version.revision),
    );
    Ok(response)
}

/// `GET /api/v1/mirror/drift`: tags in the mirror that no active allowlist entry allows,
/// oldest first, with what is known of the entry each repository last had, and how the
/// verification job last went (`checked_at`, `last_error`: a mirror that could not be read
/// keeps the last known findings). Who: tokens with `mirror:read`, signed-in reviewers and
/// admins; 401 / 403 as [`ApiCaller`] says.
pub async fn mirror_drift(
    State(state): State<AppState>,
    _caller: ApiCaller<MirrorRead>,
) -> Result<Response, AppError> {
    let (health, drift) = app::mirror::service::drift_for_machines(&state).await?;
    Ok(Json(serde_json::json!({
        "mirror": health.mirror,
        "checked_at": health.checked_at,
        "last_error": health.last_error,
        "drift": drift,
    }))
    .into_response())
}

/// The OpenAPI 3.1 document of the machine API (kept true by `tests/openapi.rs`).
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/v1/openapi.json`. Who: anyone.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
