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
    let state = crate::auth::session::app_state()?;
    if !state.settings.dev_sign_in {
        return Err(dev_sign_in_disabled());
    }
    Ok(crate::auth::dev_users::all())
}

/// Signs in as one of the development users and goes to "My requests".
/// Who: anyone, only while development sign-in is on.
/// Errors: `Disabled` when it is off, `BadRequest` for an unknown user.
#[server(endpoint = "dev_sign_in")]
pub async fn dev_sign_in(user: String) -> Result<(), AppError> {
    use crate::auth::session;
    let state = session::app_state()?;
    if !state.settings.dev_sign_in {
        return Err(dev_sign_in_disabled());
    }
    let dev_user = crate::auth::dev_users::find(&user)
        .ok_or_else(|| AppError::BadRequest(format!("there is no development user {user:?}")))?;
    let user = dev_user.to_session_user();
    crate::persistence::users::upsert(&state.db, &user, &crate::persistence::now()).await?;
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

#[cfg(feature = "ssr")]
fn dev_sign_in_disabled() -> AppError {
    AppError::Disabled(
        "Development sign-in is switched off. Sign in through your organisation instead.".into(),
    )
}
