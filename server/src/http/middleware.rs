//! Middleware on every response: request log, security headers and the cross-site guard, and
//! proper status codes for server-function errors.

use app::error::AppError;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Instant;

/// Logs one line per request: method, route (the pattern, not the concrete path, for matched
/// routes), status and latency. No query strings, cookies or headers.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    let response = next.run(request).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        target: "http",
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = (latency_ms * 1000.0).round() / 1000.0,
        "request"
    );
    response
}

/// What the security middleware needs to know about the site.
pub struct SiteSecurity {
    /// `scheme://host[:port]` of the public URL.
    public_origin: String,
    https: bool,
}

impl SiteSecurity {
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            public_origin: config.public_origin().to_owned(),
            https: config.is_https(),
        }
    }

    /// A state-changing request is allowed unless the browser says it comes from another site.
    /// Clients that send neither `Sec-Fetch-Site` nor `Origin` (curl, the mirror job) are not
    /// browsers acting on someone's cookies, so they pass.
    fn allows(&self, request: &Request) -> bool {
        if matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        ) {
            return true;
        }
        let headers = request.headers();
        if let Some(site) = headers.get("sec-fetch-site") {
            if site.as_bytes() == b"cross-site" {
                return false;
            }
        }
        match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
            None => true,
            Some(origin) => {
                origin == self.public_origin
                    || headers
                        .get(header::HOST)
                        .and_then(|h| h.to_str().ok())
                        .is_some_and(|host| {
                            origin
                                .split_once("://")
                                .is_some_and(|(_, authority)| authority == host)
                        })
            }
        }
    }
}

/// Refuses cross-site state changes (403) and adds the security headers to every response.
pub async fn site_security(
    State(site): State<Arc<SiteSecurity>>,
    request: Request,
    next: Next,
) -> Response {
    if !site.allows(&request) {
        tracing::warn!(
            target: "security",
            method = %request.method(),
            path = %request.uri().path(),
            "cross-site request refused"
        );
        return (
            StatusCode::FORBIDDEN,
            "Cross-site requests cannot change anything here. Open the portal directly and try again.",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "referrer-policy", "same-origin");
    set(headers, "x-frame-options", "DENY");
    set(headers, "content-security-policy", "frame-ancestors 'none'");
    if site.https {
        set(
            headers,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        // Pages hold personal data: never cache them in shared caches or on disk.
        set(headers, "cache-control", "no-store");
    }
    response
}

/// Server functions answer every error with 500; this gives each its real status
/// ([`AppError::status`]), so a validation error is a 422 and a missing sign-in a 401.
/// Form posts without JavaScript are redirects and pass unchanged.
pub async fn server_fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
