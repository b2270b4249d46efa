//! `/auth/login` and `/auth/callback`: sign-in through the organisation's OpenID Connect
//! provider (or, on a developer's machine, the development sign-in page).

use app::auth::failure::SignInFailure;
use app::auth::session;
use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

/// Where a failed sign-in sends the browser: a page that says what happened and offers to try
/// again.
fn failed(failure: SignInFailure) -> Response {
    Redirect::to(&format!("/auth/sign-in-failed?reason={}", failure.code())).into_response()
}

/// The most of `next` kept, in bytes: it rides in the pending sign-in's cookie.
const NEXT_MAX: usize = 512;

/// Where to go after sign-in: `next` when [`same_origin_path`] keeps it and it is outside
/// `/auth/`; else "My requests".
fn return_path(public_url: &str, next: Option<&str>) -> String {
    same_origin_path(public_url, next)
        .filter(|path| !path.starts_with("/auth/"))
        .unwrap_or_else(|| "/requests".to_owned())
}

/// `next` as a path on the portal (with query and fragment), resolved against the public URL
/// with a URL parser and kept only when it stays on the portal's own origin and is at most
/// [`NEXT_MAX`] bytes. (A parser, not string checks: browsers read `/\t/evil.example` or
/// `/\\evil.example` as another host, and so does the parser.) Who may call: any handler that
/// redirects to an address a visitor supplied.
pub(super) fn same_origin_path(public_url: &str, next: Option<&str>) -> Option<String> {
    let (next, base) = (next?, url::Url::parse(public_url).ok()?);
    match base.join(next) {
        // A path starting `//` (`/.//evil.example` normalises to it) would be read as another
        // host once written as a relative Location.
        Ok(url)
            if url.origin() == base.origin()
                && !url.path().starts_with("//")
                && next.len() <= NEXT_MAX =>
        {
            Some(url[url::Position::BeforePath..].to_owned())
        }
        _ => None,
    }
}

/// The cookie that carries the pending sign-in from `/auth/login` to `/auth/callback`.
fn pending_cookie_name(state: &AppState) -> &'static str {
    if state.settings.public_url.starts_with("https://") {
        "__Host-portcullis-signin"
    } else {
        "portcullis-signin"
    }
}

fn pending_cookie(state: &AppState, value: &str, max_age: i64) -> Option<HeaderValue> {
    let secure = if state.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    // Lax: the provider sends the browser back with a top-level GET, which carries it.
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        pending_cookie_name(state)
    ))
    .ok()
}

fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

#[derive(Debug, Deserialize)]
pub struct LoginParams {
    next: Option<String>,
}

/// `GET /auth/login[?next=/path]`: starts sign-in. Who: anyone.
/// With a provider configured: seals `state`, `nonce` and the PKCE verifier into a short-lived
/// cookie (nothing is stored on the server for an anonymous visitor) and sends the browser to
/// the provider. Otherwise the development sign-in page when it is on, else the failure page
/// saying sign-in is not configured.
pub async fn login(State(state): State<AppState>, Query(params): Query<LoginParams>) -> Response {
    let return_to = return_path(&state.settings.public_url, params.next.as_deref());
    let Some(oidc) = state.oidc.as_ref() else {
        if state.settings.dev_sign_in {
            return Redirect::to("/auth/dev-sign-in").into_response();
        }
        return failed(SignInFailure::NotConfigured);
    };
    match oidc.begin(return_to).await {
        Ok((provider_url, pending)) => {
            let sealed = oidc.seal_pending(&pending);
            let Some(cookie) =
                pending_cookie(&state, &sealed, app::auth::oidc::FLOW_LIFETIME_SECONDS)
            else {
                tracing::error!("the pending sign-in does not fit in a cookie");
                return failed(SignInFailure::Internal);
            };
            let mut response = Redirect::to(&provider_url).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Err(e) => {
            tracing::warn!(target: "security", reason = e.failure.code(), detail = %e.detail, "sign-in could not start");
            failed(e.failure)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/callback?code=…&state=…`: the provider's answer. Who: the browser returning from
/// the provider, with the pending sign-in's cookie, which every answer clears (each pending
/// sign-in is tried at most once by that browser). On success: a new session id with the user in
/// it, and the browser goes back where it started. On any failure the session is deleted on the
/// server (nothing stays stored) and the failure page says why.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let pending = state.oidc.as_ref().and_then(|oidc| {
        read_cookie(&headers, pending_cookie_name(&state)).and_then(|v| oidc.open_pending(v))
    });
    let language = app::i18n::locale_of(&headers, state.settings.default_locale);
    let mut response = match complete_sign_in(&state, &session, pending, params, language).await {
        Ok(return_to) => Redirect::to(&return_to).into_response(),
        Err(failure) => {
            if let Err(e) = session.flush().await {
                tracing::error!(error = %e, "cannot delete the failed sign-in's session");
            }
            failed(failure)
        }
    };
    if let Some(clear) = pending_cookie(&state, "", 0) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

async fn complete_sign_in(
    state: &AppState,
    session: &Session,
    pending: Option<app::auth::oidc::PendingSignIn>,
    params: CallbackParams,
    language: app::i18n::Locale,
) -> Result<String, SignInFailure> {
    let oidc = state.oidc.as_ref().ok_or(SignInFailure::NotConfigured)?;
    if let Some(error) = params.error {
        tracing::warn!(target: "security", provider_error = %error, "the provider refused the sign-in");
        return Err(SignInFailure::ProviderRefused);
    }
    let (Some(code), Some(answer_state), Some(pending)) = (params.code, params.state, pending)
    else {
        tracing::warn!(target: "security", "sign-in answer without a matching sign-in in this session");
        return Err(SignInFailure::NotStartedHere);
    };
    let return_to = pending.return_to.clone();
    let signed_in = oidc
        .complete(pending, &code, &answer_state)
        .await
        .map_err(|e| {
            tracing::warn!(target: "security", reason = e.failure.code(), detail = %e.detail, "sign-in failed");
            e.failure
        })?;
    let user = &signed_in.user;
    app::auth::store::upsert(state.db.pool(), user, language, &app::persistence::now())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot record the signed-in user");
            SignInFailure::Internal
        })?;
    session::sign_in(session, user, Some(&signed_in.id_token))
        .await
        .map_err(|_| SignInFailure::Internal)?;
    tracing::info!(
        target: "audit",
        actor = %user.user_id.0,
        roles = ?user.roles,
        method = "oidc",
        "signed in"
    );
    Ok(return_to)
}

#[cfg(test)]
mod tests {
    use super::return_path;

    const PUBLIC: &str = "https://portcullis.example.org";

    #[test]
    fn only_paths_on_the_portal_itself_are_returned_to() {
        assert_eq!(return_path(PUBLIC, Some("/requests/new")), "/requests/new");
        assert_eq!(
            return_path(PUBLIC, Some("/review?state=all#top")),
            "/review?state=all#top"
        );
        assert_eq!(
            return_path(PUBLIC, Some("https://portcullis.example.org/review")),
            "/review"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "http://portcullis.example.org/review",
            "https://portcullis.example.org:8443/",
            "/auth/login",
            "/%2e%2e/auth/login",
            "/.//evil.example",
            "/x/..//evil.example",
            "/%2e//evil.example",
            "/.\\\\evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(return_path(PUBLIC, Some(bad)), "/requests", "{bad:?}");
        }
        assert_eq!(return_path(PUBLIC, None), "/requests");
        assert_eq!(return_path(PUBLIC, Some(&"/x".repeat(400))), "/requests");
    }
}
