//! `POST /language`: the header's language switch. A plain form post, so it works the same with
//! and without JavaScript.

use super::sign_in::same_origin_path;
use app::auth::session;
use app::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use tower_sessions::Session;

/// The switch's fields.
#[derive(Debug, Deserialize)]
pub struct LanguageChoice {
    /// `nb` or `en`.
    lang: String,
    /// The page to go back to (a path on the portal).
    return_to: Option<String>,
}

/// How long the choice is remembered: a year.
const REMEMBER_SECONDS: u32 = 365 * 24 * 3600;

/// Remembers the visitor's language in a cookie (and, for a signed-in user, as the language of
/// their mail), then sends the browser back to the page it came from, or the start page when
/// that is not a path on the portal. Who: anyone. Errors: 400 with the choices for a language
/// the portal does not speak; nothing is stored then.
pub async fn choose(
    State(state): State<AppState>,
    session: Session,
    Form(choice): Form<LanguageChoice>,
) -> Response {
    let Some(language) = app::i18n::parse_code(&choice.lang) else {
        return (
            StatusCode::BAD_REQUEST,
            "Unknown language: choose nb (norsk bokmål) or en (English).",
        )
            .into_response();
    };
    if let Ok(Some(user)) = session::signed_in_user(&session, state.settings.session_absolute).await
    {
        if let Err(e) =
            app::auth::store::set_language(state.db.pool(), &user.user_id.0, language).await
        {
            // The page language still changes; mail stays in the old language.
            tracing::error!(error = %e, "cannot record the user's language");
        }
    }
    let back = same_origin_path(&state.settings.public_url, choice.return_to.as_deref())
        .unwrap_or_else(|| "/".to_owned());
    let secure = if state.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let mut response = Redirect::to(&back).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&format!(
        "{}={}; Path=/; Max-Age={REMEMBER_SECONDS}; SameSite=Lax{secure}",
        app::i18n::COOKIE,
        app::i18n::code(language)
    )) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}
