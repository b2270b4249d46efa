//! The one error type that crosses the wire from server functions to pages.
//!
//! Each variant has an HTTP status ([`AppError::status`]); the server maps server-function
//! responses to it, so nothing the user does wrong is answered with a 500. Messages are written
//! for the person reading them: what is wrong and what to do. Internal details (database text,
//! stack traces) are logged on the server and never put into an `AppError`.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// An error a page can show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No signed-in user. Pages offer the sign-in link.
    #[error("Sign in to continue.")]
    Unauthenticated,
    /// Signed in, but this action needs another role or belongs to someone else. Every missing
    /// role is answered with this variant ([`crate::domain::MissingRole`] converts to it).
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// An API token that is valid but lacks the scope the route needs (named here).
    #[error("This token does not have the {0} scope; ask an admin for a token that has it.")]
    MissingScope(String),
    /// Signed in, but a rule refuses this action; the message names the rule (e.g. four eyes).
    #[error("{0}")]
    NotAllowed(String),
    /// The thing does not exist, or the user may not know it exists.
    #[error("{0} was not found.")]
    NotFound(String),
    /// Form input that does not pass validation, field by field.
    #[error("Some fields need attention: {}", .0.summary())]
    Invalid(FieldErrors),
    /// The request was malformed (missing or undecodable arguments).
    #[error("The request was not understood: {0}")]
    BadRequest(String),
    /// Someone else changed the thing first; reload and try again.
    #[error("{0}")]
    Conflict(String),
    /// A feature that is switched off in this installation.
    #[error("{0}")]
    Disabled(String),
    /// Our fault. The detail is in the server log.
    #[error("Something went wrong on our side and has been logged. Please try again in a moment.")]
    Internal,
    /// The browser could not reach the server or read its answer.
    #[error("The portal could not be reached ({0}). Check your connection and try again.")]
    Network(String),
}

impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::MissingScope(_) => 403,
            AppError::NotAllowed(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 422,
            AppError::BadRequest(_) => 400,
            AppError::Conflict(_) => 409,
            AppError::Disabled(_) => 404,
            AppError::Internal => 500,
            AppError::Network(_) => 502,
        }
    }

    /// What the person reading it is told, in `locale`. Messages that the server wrote for the
    /// request (a rule's words, what was not found) are already in the request's language;
    /// the fixed ones are translated here. [`std::fmt::Display`] gives the English text, for
    /// logs and machine clients.
    pub fn message(&self, locale: crate::i18n::Locale) -> String {
        use crate::i18n::td_string;
        match self {
            AppError::Unauthenticated => {
                td_string!(locale, common.error.unauthenticated).to_owned()
            }
            AppError::Forbidden => td_string!(locale, common.error.forbidden).to_owned(),
            AppError::MissingScope(scope) => {
                td_string!(locale, common.error.missing_scope, scope = scope).to_string()
            }
            AppError::NotFound(what) => {
                td_string!(locale, common.not_found_title, what = what).to_string()
            }
            AppError::Invalid(errors) => format!(
                "{} {}",
                td_string!(locale, common.error.invalid),
                errors.summary()
            ),
            AppError::BadRequest(detail) => {
                td_string!(locale, common.error.bad_request, detail = detail).to_string()
            }
            AppError::Internal => td_string!(locale, common.error.internal).to_owned(),
            AppError::Network(detail) => {
                td_string!(locale, common.error.network, detail = detail).to_string()
            }
            AppError::NotAllowed(text) | AppError::Conflict(text) | AppError::Disabled(text) => {
                text.clone()
            }
        }
    }

    /// The field errors, when this is a validation error.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => {
                AppError::BadRequest(detail)
            }
            ServerFnErrorErr::Request(detail) | ServerFnErrorErr::Deserialization(detail) => {
                AppError::Network(detail)
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!(error = %other, "server function failed");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

/// Validation errors for a form, with the values that were submitted so that a page rendered
/// without JavaScript can show the form again as the user left it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
    submitted: Vec<(String, String)>,
}

/// One field's problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's `name`.
    pub field: String,
    /// What is wrong with it and how to fix it.
    pub message: String,
}

impl FieldErrors {
    /// Records a problem with `field`. The first message for a field is the one shown.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Keeps a submitted value for re-display.
    pub fn keep(&mut self, field: &str, value: &str) {
        self.submitted.push((field.to_owned(), value.to_owned()));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The value that was submitted for `field`.
    pub fn submitted(&self, field: &str) -> Option<&str> {
        self.submitted
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.errors.iter()
    }

    fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl From<crate::domain::MissingRole> for AppError {
    fn from(_: crate::domain::MissingRole) -> Self {
        AppError::Forbidden
    }
}

impl From<crate::domain::WorkflowError> for AppError {
    fn from(error: crate::domain::WorkflowError) -> Self {
        use crate::domain::WorkflowError;
        match error {
            WorkflowError::WrongState { .. } | WorkflowError::ClaimedByOther => {
                AppError::Conflict(error.to_string())
            }
            // Who acts: a missing role is always `Forbidden`.
            WorkflowError::NotReviewer | WorkflowError::NotRequester => AppError::Forbidden,
            // A rule about this request (four eyes), said in its own words.
            WorkflowError::OwnRequest => AppError::NotAllowed(error.to_string()),
        }
    }
}

/// Answers outside server functions (the machine API, downloads) as JSON
/// `{"error": message}` with the variant's status. The API has no forms to show again, so
/// input that fails validation is a 400 with each field's message listed too. Every 401 names
/// the Bearer scheme; a token without the route's scope gets 403 with `insufficient_scope`.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, HeaderValue, StatusCode};
        let status = match &self {
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            other => {
                StatusCode::from_u16(other.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        let body = match &self {
            AppError::Invalid(fields) => serde_json::json!({
                "error": fields.summary(),
                "fields": fields.iter().map(|f| serde_json::json!({"field": f.field, "message": f.message})).collect::<Vec<_>>(),
            }),
            AppError::Unauthenticated => serde_json::json!({
                "error": "Send a valid API token (Authorization: Bearer pct_…) or sign in.",
            }),
            other => serde_json::json!({ "error": other.to_string() }),
        };
        let challenge = match &self {
            AppError::Unauthenticated => Some("Bearer realm=\"portcullis\"".to_owned()),
            AppError::MissingScope(scope) => Some(format!(
                "Bearer realm=\"portcullis\", error=\"insufficient_scope\", scope=\"{scope}\""
            )),
            _ => None,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(value) = challenge.and_then(|c| HeaderValue::try_from(c).ok()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
