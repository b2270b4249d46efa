//! `/auth/login` and `/auth/callback`: sign-in through the organisation's OpenID Connect
//! provider (or, on a developer's machine, the development sign-in page).

use app::auth::failure::SignInFailure;
use app::auth::oidc::PendingSignIn;
use app::auth::session::{self, PENDING_SIGN_IN_KEY};
use app::state::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

/// Where a failed sign-in sends the browser: a page that says what happened and offers to try
/// again.
fn failed(failure: SignInFailure) -> Response {
    Redirect::to(&format!("/auth/sign-in-failed?reason={}", failure.code())).into_response()
}

/// A local path to return to after sign-in; anything else (other sites, `//host`) is ignored.
fn return_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/auth/") =>
        {
            path.to_owned()
        }
        _ => "/requests".to_owned(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LoginParams {
    next: Option<String>,
}

/// `GET /auth/login[?next=/path]`: starts sign-in. Who: anyone.
/// With a provider configured: remembers `state`, `nonce` and the PKCE verifier in the session
/// and sends the browser to the provider. Otherwise the development sign-in page when it is on,
/// else the failure page saying sign-in is not configured.
pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<LoginParams>,
) -> Response {
    let return_to = return_path(params.next.as_deref());
    let Some(oidc) = state.oidc.as_ref() else {
        if state.settings.dev_sign_in {
            return Redirect::to("/auth/dev-sign-in").into_response();
        }
        return failed(SignInFailure::NotConfigured);
    };
    match oidc.begin(return_to).await {
        Ok((provider_url, pending)) => {
            if let Err(e) = session.insert(PENDING_SIGN_IN_KEY, &pending).await {
                tracing::error!(error = %e, "cannot store the pending sign-in");
                return failed(SignInFailure::Internal);
            }
            Redirect::to(&provider_url).into_response()
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
/// the provider. The pending sign-in is taken out of the session first, so each answer is
/// checked at most once. On success: a new session id with the user in it, and the browser goes
/// back where it started. On any failure the session is deleted on the server (nothing stays
/// stored) and the failure page says why.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<CallbackParams>,
) -> Response {
    match complete_sign_in(&state, &session, params).await {
        Ok(return_to) => Redirect::to(&return_to).into_response(),
        Err(failure) => {
            if let Err(e) = session.flush().await {
                tracing::error!(error = %e, "cannot delete the failed sign-in's session");
            }
            failed(failure)
        }
    }
}

async fn complete_sign_in(
    state: &AppState,
    session: &Session,
    params: CallbackParams,
) -> Result<String, SignInFailure> {
    let oidc = state.oidc.as_ref().ok_or(SignInFailure::NotConfigured)?;
    let pending: Option<PendingSignIn> =
        session.remove(PENDING_SIGN_IN_KEY).await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the pending sign-in");
            SignInFailure::Internal
        })?;
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
    app::persistence::users::upsert(&state.db, user, &app::persistence::now())
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

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(return_path(Some("/requests/new")), "/requests/new");
        for bad in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "requests",
            "/auth/login",
        ] {
            assert_eq!(return_path(Some(bad)), "/requests", "{bad}");
        }
        assert_eq!(return_path(None), "/requests");
    }
}
