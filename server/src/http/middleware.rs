//! The middleware every request passes through, as one layer (each layer costs a boxed future
//! and a service clone per request): the cross-site guard, proper status codes for
//! server-function errors, the security headers, and the request log.

use app::error::AppError;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Instant;

/// Runs [`SiteSecurity::allows`], then the request, then [`server_fn_status`] and
/// [`SiteSecurity::add_headers`]; logs the outcome ([`RequestLog`]).
pub async fn every_request(
    State(site): State<Arc<SiteSecurity>>,
    request: Request,
    next: Next,
) -> Response {
    let log = RequestLog::start(&request);
    let mut request = request;
    forget_earlier_answers(&mut request);
    let mut response = if site.allows(&request) {
        server_fn_status(next.run(request).await).await
    } else {
        tracing::warn!(
            target: "security",
            method = %request.method(),
            path = %request.uri().path(),
            "cross-site request refused"
        );
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests cannot change anything here. Open the portal directly and try again.",
        )
            .into_response()
    };
    site.add_headers(&mut response);
    if let Some(log) = log {
        log.finish(&response);
    }
    response
}

/// A form post without JavaScript that is refused goes back to its page (its `Referer`) with the
/// answer added to the address (`__path`, `__err`: the error and what was typed). A second
/// refusal would add a second answer after the first, and so on, until the address passes the
/// 4 KB browsers send as `Referer` and the next refusal lands on the home page with the typing
/// lost. So a server function call's `Referer` loses the earlier answers first.
fn forget_earlier_answers(request: &mut Request) {
    if !request.uri().path().starts_with("/api/") {
        return;
    }
    let Some(referer) = request
        .headers()
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.contains("__err=") || value.contains("__path="))
    else {
        return;
    };
    let mut stripped = referer.to_owned();
    leptos::server_fn::error::ServerFnUrlError::<AppError>::strip_error_info(&mut stripped);
    let stripped = stripped.trim_end_matches('?');
    if let Ok(value) = HeaderValue::from_str(stripped) {
        request.headers_mut().insert(header::REFERER, value);
    }
}

/// One log line per request: method, route (the pattern, not the concrete path, for matched
/// routes), status and latency. No query strings, cookies or headers.
pub struct RequestLog {
    started: Instant,
    method: Method,
    route: String,
}

impl RequestLog {
    /// `None` when the `http` log is off, so a request then costs nothing here.
    fn start(request: &Request) -> Option<Self> {
        if !tracing::enabled!(target: "http", tracing::Level::INFO) {
            return None;
        }
        Some(Self {
            started: Instant::now(),
            method: request.method().clone(),
            route: request
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| request.uri().path().to_owned()),
        })
    }

    fn finish(self, response: &Response) {
        let latency_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            target: "http",
            method = %self.method,
            route = %self.route,
            status = response.status().as_u16(),
            latency_ms = (latency_ms * 1000.0).round() / 1000.0,
            "request"
        );
    }
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

impl SiteSecurity {
    /// The security headers on every response, and `no-store` on pages (they hold personal
    /// data: never cache them in shared caches or on disk). A header the handler set stays.
    fn add_headers(&self, response: &mut Response) {
        let headers = response.headers_mut();
        let is_html = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let mut set = |name: header::HeaderName, value: &'static str| {
            headers
                .entry(name)
                .or_insert_with(|| HeaderValue::from_static(value));
        };
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(header::REFERRER_POLICY, "same-origin");
        set(header::X_FRAME_OPTIONS, "DENY");
        set(header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'");
        if self.https {
            set(
                header::STRICT_TRANSPORT_SECURITY,
                "max-age=63072000; includeSubDomains",
            );
        }
        if is_html {
            set(header::CACHE_CONTROL, "no-store");
        }
        // A file sent as its brotli or gzip copy (the site's build output, or a public file
        // `make release` compressed) differs by Accept-Encoding, and a shared cache must know.
        let varies_by_encoding = headers.get_all(header::VARY).iter().any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
            })
        });
        if headers.contains_key(header::CONTENT_ENCODING) && !varies_by_encoding {
            headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
}

/// Server functions answer every error with 500; this gives each its real status
/// ([`AppError::status`]), so a validation error is a 422 and a missing sign-in a 401.
/// Form posts without JavaScript are redirects and pass unchanged.
async fn server_fn_status(response: Response) -> Response {
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
