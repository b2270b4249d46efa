//! `/auth/login`: where every "Sign in" link points.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

/// `GET /auth/login`: starts sign-in. Who: anyone. With development sign-in on, sends the
/// browser to the development sign-in page; otherwise answers 503 with what to configure.
pub async fn login(State(state): State<AppState>) -> Response {
    if state.settings.dev_sign_in {
        return Redirect::to("/auth/dev-sign-in").into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Sign-in unavailable · Portcullis</title>\
             <link rel=\"stylesheet\" href=\"/pkg/app.css\"></head><body><main class=\"page\">\
             <section class=\"panel empty-state\"><h1>Sign-in is not available</h1>\
             <p>No identity provider is configured for this installation. Operators: see the \
             README's configuration section.</p><a class=\"button\" href=\"/\">Start page</a>\
             </section></main></body></html>",
        ),
    )
        .into_response()
}
