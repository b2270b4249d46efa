//! The signed-in user in the server-side session. Server only.

use crate::domain::SessionUser;
use crate::error::AppError;
use crate::state::AppState;
use tower_sessions::Session;

const USER_KEY: &str = "user";

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

/// The signed-in user, if any.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    session()
        .await?
        .get::<SessionUser>(USER_KEY)
        .await
        .map_err(session_error)
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

/// Signs `user` in: a new session id (so an id planted before sign-in is worthless), then the
/// user in the session.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn sign_in(session: &Session, user: &SessionUser) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(USER_KEY, user)
        .await
        .map_err(session_error)?;
    Ok(())
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
