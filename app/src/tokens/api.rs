//! Server functions for API tokens (the admin page). Each finds the signed-in admin and calls
//! [`super::service`]. A new token travels to the page once, through the session, so it never
//! appears in a URL or the browser's history.

use super::model::TokenAdminPage;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
const CREATED_KEY: &str = "portcullis.created_token";

#[cfg(feature = "ssr")]
async fn require_admin() -> Result<
    (
        crate::state::AppState,
        crate::domain::SessionUser,
        crate::audit::service::Actor,
    ),
    AppError,
> {
    let (state, user, actor) = crate::auth::session::require_actor().await?;
    if !user.has_role(crate::domain::Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok((state, user, actor))
}

/// Every token, and the one just created (shown once).
/// Who: admins. Errors: `Unauthenticated`, `Forbidden`.
#[server(endpoint = "token_admin")]
pub async fn token_admin() -> Result<TokenAdminPage, AppError> {
    let (state, _, _) = require_admin().await?;
    let session = crate::auth::session::session().await?;
    let created: Option<(String, String)> = session.remove(CREATED_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "session store failed");
        AppError::Internal
    })?;
    Ok(TokenAdminPage {
        tokens: super::service::list(&state.db).await?,
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
    #[server(default)] expires_in: Option<u32>,
) -> Result<(), AppError> {
    use super::Scope;
    let (state, _, actor) = require_admin().await?;
    let mut scopes = Vec::new();
    if scope_catalog.is_some() {
        scopes.push(Scope::CatalogRead);
    }
    if scope_allowlist.is_some() {
        scopes.push(Scope::AllowlistRead);
    }
    let created = super::service::create(&state.db, &name, &scopes, expires_in, &actor).await?;
    let session = crate::auth::session::session().await?;
    session
        .insert(CREATED_KEY, (created.summary.name.clone(), created.token))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "session store failed");
            AppError::Internal
        })?;
    leptos_axum::redirect("/admin/tokens");
    Ok(())
}

/// Revokes the token `id`: refused at once here, within a second on other replicas. Who: admins. Errors: `Unauthenticated`, `Forbidden`,
/// `NotFound`, `Conflict` (revoked already).
#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: String) -> Result<(), AppError> {
    let (state, _, actor) = require_admin().await?;
    super::service::revoke(&state.db, &id, &actor).await?;
    state.changes.changed_here();
    leptos_axum::redirect("/admin/tokens");
    Ok(())
}
