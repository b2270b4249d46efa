//! Who is calling a route outside Leptos, checked by the route's signature: a handler that takes
//! [`ApiCaller<AllowlistRead>`] cannot run for a caller without that scope, and one that takes
//! [`AdminUser`] cannot run for anyone but an admin. Refusals are [`AppError`]s, answered as
//! JSON with the right status and `WWW-Authenticate` challenge.

use app::auth::session;
use app::domain::SessionUser;
use app::error::AppError;
use app::state::AppState;
use app::tokens::service::BearerRefusal;
use app::tokens::{Scope, TokenSummary};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::marker::PhantomData;
use std::sync::Arc;
use tower_sessions::Session;

/// The scope a machine route needs, as a type (so the route's signature names it).
pub trait RouteScope: Send + Sync + 'static {
    const SCOPE: Scope;
}

/// `catalog:read`.
pub struct CatalogRead;
impl RouteScope for CatalogRead {
    const SCOPE: Scope = Scope::CatalogRead;
}

/// `allowlist:read`.
pub struct AllowlistRead;
impl RouteScope for AllowlistRead {
    const SCOPE: Scope = Scope::AllowlistRead;
}

/// `mirror:read`.
pub struct MirrorRead;
impl RouteScope for MirrorRead {
    const SCOPE: Scope = Scope::MirrorRead;
}

/// Who is calling the API.
#[derive(Debug)]
pub enum Caller {
    /// A signed-in user of the portal (session cookie).
    User(SessionUser),
    /// A machine with an API token.
    Token(Arc<TokenSummary>),
}

impl Caller {
    /// Who it is, for the log: `user:<id>` or `token:<id> (<name>)`.
    pub fn describe(&self) -> String {
        match self {
            Caller::User(user) => format!("user:{}", user.user_id.0),
            Caller::Token(token) => format!("token:{} ({})", token.id, token.name),
        }
    }
}

/// A caller allowed to use a route that needs scope `S`: a token with `S` (when an
/// `Authorization` header is sent), else a signed-in user whose roles
/// [`Scope::require_for_user`] accepts.
///
/// Refusals: a token that is missing, wrong, expired or revoked gets 401 without saying which;
/// a token without the scope 403 `insufficient_scope`; no token and no session 401; a user
/// without the role 403.
pub struct ApiCaller<S> {
    pub caller: Caller,
    scope: PhantomData<S>,
}

impl<S: RouteScope> FromRequestParts<AppState> for ApiCaller<S> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
            let authorization = authorization.to_str().unwrap_or_default();
            let refused = |reason| {
                if let Some(metrics) = parts.extensions.get::<super::metrics::Metrics>() {
                    metrics.token_failure(reason);
                }
            };
            match app::tokens::service::authenticate(state, authorization, S::SCOPE).await {
                Ok(token) => Caller::Token(token),
                Err(BearerRefusal::Unauthenticated) => {
                    refused("unauthenticated");
                    return Err(AppError::Unauthenticated);
                }
                Err(BearerRefusal::MissingScope(scope)) => {
                    refused("insufficient_scope");
                    return Err(AppError::MissingScope(scope.to_string()));
                }
            }
        } else {
            // Boxed: machines send tokens, and the session path would enlarge every call's future.
            let user = Box::pin(signed_in(parts, state)).await?;
            S::SCOPE.require_for_user(&user)?;
            Caller::User(user)
        };
        Ok(ApiCaller {
            caller,
            scope: PhantomData,
        })
    }
}

/// A signed-in admin. Refusals: 401 without a session, 403 for anyone else.
pub struct AdminUser(pub SessionUser);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = signed_in(parts, state).await?;
        user.require_admin()?;
        Ok(AdminUser(user))
    }
}

/// The session's user, or `Unauthenticated`.
async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<SessionUser, AppError> {
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, problem)| {
            tracing::error!(problem, "the session layer is missing from this route");
            AppError::Internal
        })?;
    session::signed_in_user(&session, state.settings.session_absolute)
        .await?
        .ok_or(AppError::Unauthenticated)
}
