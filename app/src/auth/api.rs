//! Server functions for signing in and out.

use crate::auth::dev_users::DevUser;
use crate::domain::SessionUser;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user, or `None`. Who: anyone.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    crate::auth::session::current_user().await
}

/// The users one can sign in as on the development sign-in page.
/// Who: anyone, only while development sign-in is on. Errors: `Disabled` when it is off.
#[server(endpoint = "dev_sign_in_options")]
pub async fn dev_sign_in_options() -> Result<Vec<DevUser>, AppError> {
    require_dev_sign_in().await?;
    Ok(crate::auth::dev_users::all(crate::i18n::request_locale()))
}

/// Signs in as one of the development users and goes to "My requests".
/// Who: anyone, only while development sign-in is on and asked for at a loopback host.
/// Errors: `Disabled` otherwise, `BadRequest` for an unknown user.
#[server(endpoint = "dev_sign_in")]
pub async fn dev_sign_in(user: String) -> Result<(), AppError> {
    use crate::auth::session;
    let state = require_dev_sign_in().await?;
    let dev_user = crate::auth::dev_users::find(&user)
        .ok_or_else(|| AppError::BadRequest(format!("there is no development user {user:?}")))?;
    let user = dev_user.to_session_user();
    crate::auth::store::upsert(
        state.db.pool(),
        &user,
        crate::i18n::request_locale(),
        &crate::persistence::now(),
    )
    .await?;
    session::sign_in(&session::session().await?, &user, None).await?;
    tracing::info!(target: "audit", actor = %user.user_id.0, method = "development", "signed in");
    leptos_axum::redirect("/requests");
    Ok(())
}

/// Signs out: ends the session here, then at the identity provider when the user signed in
/// there and it offers that, which sends the browser back to the start page.
/// Who: anyone (signing out twice is harmless).
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::auth::session;
    let state = session::app_state()?;
    let current = session::session().await?;
    let user = session::current_user().await?;
    let id_token = session::id_token(&current).await?;
    session::sign_out(&current).await?;
    if let Some(user) = user {
        tracing::info!(target: "audit", actor = %user.user_id.0, "signed out");
    }
    let provider_logout = match (&state.oidc, id_token) {
        (Some(oidc), Some(id_token)) => oidc.end_session_url(Some(&id_token)).await,
        _ => None,
    };
    leptos_axum::redirect(provider_logout.as_deref().unwrap_or("/"));
    Ok(())
}

/// The state, when development sign-in may answer this request: it is on (the server only
/// starts with it on a loopback address and public URL, without a provider), the request's
/// `Host` is a loopback name or address, it came from a loopback peer, and no proxy header says
/// it was forwarded. So neither DNS rebinding nor a proxy or tunnel in front of a developer's
/// portal opens it to others.
///
/// # Errors
/// `Disabled` otherwise.
#[cfg(feature = "ssr")]
async fn require_dev_sign_in() -> Result<crate::state::AppState, AppError> {
    let state = crate::auth::session::app_state()?;
    if !state.settings.dev_sign_in {
        return Err(dev_sign_in_disabled());
    }
    let headers: http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|info| info.0.ip());
    let proxied = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|name| headers.contains_key(*name));
    if !is_loopback_authority(host) || peer.is_some_and(|ip| !ip.is_loopback()) || proxied {
        tracing::warn!(target: "security", host, peer = ?peer, proxied,
            "development sign-in refused: the request did not come from this machine");
        return Err(dev_sign_in_disabled());
    }
    Ok(state)
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
#[cfg(feature = "ssr")]
pub fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(feature = "ssr")]
fn dev_sign_in_disabled() -> AppError {
    AppError::Disabled(
        "Development sign-in is switched off. Sign in through your organisation instead.".into(),
    )
}
