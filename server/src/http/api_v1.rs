//! The machine API under `/api/v1/`.

use app::auth::session;
use app::error::AppError;
use app::state::AppState;
use app::tokens::service::BearerRefusal;
use app::tokens::Scope;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tower_sessions::Session;

/// An API answer that went wrong: an `AppError` with its status and `{"error": message}`, or a
/// token without the route's scope. The API has no forms, so input that fails validation is a
/// 400, with each field's message as well. Every 401 names the Bearer scheme.
pub enum ApiError {
    App(AppError),
    MissingScope(Scope),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = match self {
            ApiError::App(error) => error,
            ApiError::MissingScope(scope) => {
                let header = format!(
                    "Bearer realm=\"portcullis\", error=\"insufficient_scope\", scope=\"{scope}\""
                );
                let body = serde_json::json!({
                    "error": format!("This token does not have the {scope} scope; ask an admin for a token that has it."),
                });
                return (
                    StatusCode::FORBIDDEN,
                    [(header::WWW_AUTHENTICATE, header)],
                    Json(body),
                )
                    .into_response();
            }
        };
        let status = match &error {
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            other => {
                StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let body = match &error {
            AppError::Invalid(fields) => serde_json::json!({
                "error": fields.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" "),
                "fields": fields.iter().map(|f| serde_json::json!({"field": f.field, "message": f.message})).collect::<Vec<_>>(),
            }),
            AppError::Unauthenticated => serde_json::json!({
                "error": "Send a valid API token (Authorization: Bearer pct_…) or sign in.",
            }),
            other => serde_json::json!({ "error": other.to_string() }),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"portcullis\""),
            );
        }
        response
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError::App(error)
    }
}

/// Who is calling the API.
#[derive(Debug)]
pub enum Caller {
    /// A signed-in user of the portal (session cookie).
    User(app::domain::SessionUser),
    /// A machine with an API token.
    Token(std::sync::Arc<app::tokens::TokenSummary>),
}

impl Caller {
    /// Who it is, for the log: `user:<id>` or `token:<id> (<name>)`.
    pub fn describe(&self) -> String {
        match self {
            Caller::User(user) => format!("user:{}", user.user_id.0),
            Caller::Token(token) => format!("token:{} ({})", token.id, token.name),
        }
    }
}

/// Lets the call through for a token with `scope` (when an `Authorization` header is sent) or
/// else a signed-in user. A token that is missing, wrong, expired or revoked gets 401 without
/// saying which; a token without the scope gets 403.
///
/// # Errors
/// [`ApiError`] as above.
pub async fn authorize(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<Caller, ApiError> {
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        let authorization = authorization.to_str().unwrap_or_default();
        return match app::tokens::service::authenticate(state, authorization, scope).await {
            Ok(token) => Ok(Caller::Token(token)),
            Err(BearerRefusal::Unauthenticated) => Err(AppError::Unauthenticated.into()),
            Err(BearerRefusal::MissingScope(scope)) => Err(ApiError::MissingScope(scope)),
        };
    }
    // Boxed: machines send tokens, and the session path would enlarge every call's future.
    let user = Box::pin(session::signed_in_user(
        session,
        state.settings.session_absolute,
    ))
    .await?
    .ok_or(AppError::Unauthenticated)?;
    Ok(Caller::User(user))
}

#[derive(Debug, Deserialize)]
pub struct EquivalentsQuery {
    image: Option<String>,
}

/// `GET /api/v1/catalog/equivalents?image=REF`: Red Hat catalog equivalents, best first.
/// Who: signed-in users and tokens with `catalog:read`. Answers 400 naming the problem for a
/// missing or bad reference, 401 / 403 as [`authorize`] says.
pub async fn catalog_equivalents(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    query: Result<Query<EquivalentsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authorize(&state, &session, &headers, Scope::CatalogRead).await?;
    let query = valid_query(query)?;
    tracing::debug!(caller = %caller.describe(), "catalog equivalents");
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
fn valid_query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query.map(|Query(query)| query).map_err(|rejection| {
        let detail = rejection.body_text();
        let detail = detail
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&detail);
        AppError::BadRequest(format!("the query string is not valid: {detail}.")).into()
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
/// [`authorize`] says; 400 naming the valid formats for an unknown one.
pub async fn allowlist(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    query: Result<Query<AllowlistQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    use app::allowlist::formats::Format;
    let caller = authorize(&state, &session, &headers, Scope::AllowlistRead).await?;
    let query = valid_query(query)?;
    if let Caller::User(user) = &caller {
        if !user.is_staff() {
            return Err(AppError::Forbidden.into());
        }
    }
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
        ))
        .into());
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

/// The OpenAPI 3.1 document of the machine API (kept true by `tests/openapi.rs`).
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/v1/openapi.json`. Who: anyone.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
