//! The signed-in user in the server-side session. Server only.

use crate::audit::chain::Actor;
use crate::domain::SessionUser;
use crate::error::AppError;
use crate::state::AppState;
use tower_sessions::Session;

const USER_KEY: &str = "user";
const SIGNED_IN_AT_KEY: &str = "signed_in_at";
const ID_TOKEN_KEY: &str = "id_token";
/// When the signed-in user last made a request (Unix seconds), at most a minute old.
const LAST_SEEN_KEY: &str = "last_seen";
/// How often a request writes the session to move its idle expiry.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// The application state handed to every server function.
///
/// # Errors
/// [`AppError::Internal`] when called outside a request (a wiring bug).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

/// The request's session.
///
/// # Errors
/// [`AppError::Internal`] when the session layer is missing (a wiring bug).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// The signed-in user, if any. A session older than the absolute lifetime is ended here.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    let lifetime = app_state()?.settings.session_absolute;
    signed_in_user(&session().await?, lifetime).await
}

/// The user signed in to `session`, for handlers outside Leptos (the HTTP API). A session older
/// than `absolute_lifetime` is ended here.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn signed_in_user(
    session: &Session,
    absolute_lifetime: std::time::Duration,
) -> Result<Option<SessionUser>, AppError> {
    let Some(user) = session
        .get::<SessionUser>(USER_KEY)
        .await
        .map_err(session_error)?
    else {
        return Ok(None);
    };
    let signed_in_at: i64 = session
        .get(SIGNED_IN_AT_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let age = now - signed_in_at;
    if age > absolute_lifetime.as_secs() as i64 {
        tracing::info!(target: "audit", actor = %user.user_id.0, "session reached its absolute lifetime");
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    // The idle limit counts from the last request: writing the session moves its expiry. At
    // most once a minute, so a busy page costs one write a minute, not one per request.
    let last_seen: i64 = session
        .get(LAST_SEEN_KEY)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now - last_seen >= TOUCH_INTERVAL_SECONDS {
        session
            .insert(LAST_SEEN_KEY, now)
            .await
            .map_err(session_error)?;
    }
    Ok(Some(user))
}

/// The application state and the signed-in user; the guard at the top of every server function
/// that needs a user.
///
/// # Errors
/// [`AppError::Unauthenticated`] when nobody is signed in.
pub async fn require_user() -> Result<(AppState, SessionUser), AppError> {
    let state = app_state()?;
    let user = current_user().await?.ok_or(AppError::Unauthenticated)?;
    Ok((state, user))
}

/// The signed-in user, the state, and the user as the audit trail records them (with the
/// client's address). For server functions that change something.
///
/// # Errors
/// [`AppError::Unauthenticated`] without a signed-in user.
pub async fn require_actor() -> Result<(AppState, SessionUser, Actor), AppError> {
    let (state, user) = require_user().await?;
    let headers: http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let peer = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|info| info.0);
    let address = client_address(&headers, peer, state.settings.trusted_proxies);
    let actor = Actor::user(&user, &address);
    Ok((state, user, actor))
}

/// [`require_actor`] for admins only: the guard of server functions that administer the portal.
///
/// # Errors
/// [`AppError::Unauthenticated`] without a signed-in user; [`AppError::Forbidden`] for anyone
/// but admins.
pub async fn require_admin() -> Result<(AppState, SessionUser, Actor), AppError> {
    let (state, user, actor) = require_actor().await?;
    user.require_admin()?;
    Ok((state, user, actor))
}

/// The client's address. Behind `trusted_proxies` proxies, each of which appends the address
/// it was reached from to `X-Forwarded-For`, that is the Nth address from the right: entries
/// further left were written by the client and prove nothing. Without proxies, or when the
/// header holds fewer entries than there are proxies, the connection's peer; empty when
/// neither is known.
pub fn client_address(
    headers: &http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trusted_proxies: usize,
) -> String {
    let forwarded = (trusted_proxies > 0)
        .then(|| {
            let entries: Vec<&str> = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .collect();
            entries
                .len()
                .checked_sub(trusted_proxies)
                .and_then(|i| entries.get(i).copied())
        })
        .flatten()
        .and_then(|v| v.parse::<std::net::IpAddr>().ok());
    match (forwarded, peer) {
        (Some(address), _) => address.to_string(),
        (None, Some(peer)) => peer.ip().to_string(),
        (None, None) => String::new(),
    }
}

/// Signs `user` in: a new session id (so an id planted before sign-in is worthless), then the
/// user, the time, and the provider's ID token (for signing out there too) in the session.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn sign_in(
    session: &Session,
    user: &SessionUser,
    id_token: Option<&str>,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_KEY, user)
        .await
        .map_err(session_error)?;
    session
        .insert(
            SIGNED_IN_AT_KEY,
            time::OffsetDateTime::now_utc().unix_timestamp(),
        )
        .await
        .map_err(session_error)?;
    if let Some(id_token) = id_token {
        session
            .insert(ID_TOKEN_KEY, id_token)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The provider's ID token of this session, if the user signed in through the provider.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn id_token(session: &Session) -> Result<Option<String>, AppError> {
    session.get(ID_TOKEN_KEY).await.map_err(session_error)
}

/// Ends the session: deleted on the server, cookie cleared.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await.map_err(session_error)
}

fn session_error(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Internal
}
