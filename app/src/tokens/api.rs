//! Server functions for API tokens (the admin page). Each finds the signed-in admin and calls
//! [`super::service`]. A new token travels to the page once, in a short-lived `HttpOnly` cookie
//! that the page clears as it shows it: it never appears in a URL, the browser's history, or the
//! database (sessions live there).

use super::model::TokenAdminPage;
use crate::error::AppError;
use leptos::prelude::*;

/// The cookie that carries a new token to the page, and how it is set and cleared.
#[cfg(feature = "ssr")]
mod created_cookie {
    use http::header::{COOKIE, SET_COOKIE};
    use http::HeaderValue;

    /// Seconds the cookie lives if the page is never shown.
    const MAX_AGE: u32 = 300;

    fn name(https: bool) -> &'static str {
        if https {
            "__Host-portcullis-new-token"
        } else {
            "portcullis-new-token"
        }
    }

    fn set(https: bool, value: &str, max_age: u32) {
        let secure = if https { "; Secure" } else { "" };
        let cookie = format!(
            "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}",
            name(https)
        );
        if let (Some(response), Ok(value)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            HeaderValue::from_str(&cookie),
        ) {
            response.append_header(SET_COOKIE, value);
        }
    }

    /// Hands `token` (`pct_…`, ASCII) to the next page view.
    pub fn hand_over(https: bool, token: &str) {
        set(https, token, MAX_AGE);
    }

    /// The token handed over, if any; the cookie is cleared in the same answer.
    pub async fn take(https: bool) -> Option<String> {
        let headers: http::HeaderMap = leptos_axum::extract().await.ok()?;
        let wanted = name(https);
        let token = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == wanted)
            .map(|(_, value)| value.to_owned())?;
        set(https, "", 0);
        Some(token)
    }
}

/// Every token, and the one just created (shown once).
/// Who: admins. Errors: `Unauthenticated`, `Forbidden`.
#[server(endpoint = "token_admin")]
pub async fn token_admin() -> Result<TokenAdminPage, AppError> {
    let (state, _, _) = crate::auth::session::require_admin().await?;
    let https = state.settings.public_url.starts_with("https://");
    let tokens = super::service::list(&state.db).await?;
    // Only a token of the form this portal issues, naming one of its tokens, is shown.
    let created = created_cookie::take(https).await.and_then(|token| {
        let id = super::service::token_id(&token)?;
        let name = tokens.iter().find(|t| t.id == id)?.name.clone();
        Some((name, token))
    });
    Ok(TokenAdminPage {
        tokens,
        created,
        today: crate::persistence::now(),
    })
}

/// Creates a token with the ticked scopes, valid `expires_in` days (default 365).
/// Who: admins. Errors: `Unauthenticated`, `Forbidden`, `Invalid` (name, scope, expires_in),
/// `Conflict` (name taken).
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(
    name: String,
    #[server(default)] scope_catalog: Option<String>,
    #[server(default)] scope_allowlist: Option<String>,
    #[server(default)] scope_mirror: Option<String>,
    #[server(default)] expires_in: Option<u32>,
) -> Result<(), AppError> {
    use super::Scope;
    let (state, _, actor) = crate::auth::session::require_admin().await?;
    let mut scopes = Vec::new();
    if scope_catalog.is_some() {
        scopes.push(Scope::CatalogRead);
    }
    if scope_allowlist.is_some() {
        scopes.push(Scope::AllowlistRead);
    }
    if scope_mirror.is_some() {
        scopes.push(Scope::MirrorRead);
    }
    let created =
        super::service::create(&state.db, &state.audit, &name, &scopes, expires_in, &actor).await?;
    created_cookie::hand_over(
        state.settings.public_url.starts_with("https://"),
        &created.token,
    );
    leptos_axum::redirect("/admin/tokens");
    Ok(())
}

/// Revokes the token `id`: refused at once here, within a second on other replicas. Who: admins. Errors: `Unauthenticated`, `Forbidden`,
/// `NotFound`, `Conflict` (revoked already).
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    let (state, _, actor) = crate::auth::session::require_admin().await?;
    super::service::revoke(&state.db, &state.audit, &id, &actor).await?;
    state.changes.changed_here();
    leptos_axum::redirect("/admin/tokens");
    Ok(())
}
