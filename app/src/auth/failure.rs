//! Why a sign-in failed, in words for the person who tried.

use serde::{Deserialize, Serialize};

/// The kinds of sign-in failure the error page explains. The detail stays in the server log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInFailure {
    /// The answer from the provider did not belong to a sign-in started here (tampered or
    /// missing `state`, an old or reused link, cookies blocked).
    NotStartedHere,
    /// The sign-in took too long and was abandoned.
    TooSlow,
    /// The identity provider could not be reached or did not answer in time.
    ProviderUnavailable,
    /// The provider refused or cancelled the sign-in.
    ProviderRefused,
    /// The provider's answer could not be trusted (bad signature, wrong audience or nonce,
    /// expired token).
    UntrustedAnswer,
    /// The account is not in a group that may use the portal.
    NotAllowed,
    /// Sign-in through the organisation is not configured here.
    NotConfigured,
    /// Our own fault (the database did not answer); the detail is in the log.
    Internal,
}

impl SignInFailure {
    /// The value in the error page's address.
    pub fn code(self) -> &'static str {
        match self {
            SignInFailure::NotStartedHere => "not-started-here",
            SignInFailure::TooSlow => "too-slow",
            SignInFailure::ProviderUnavailable => "provider-unavailable",
            SignInFailure::ProviderRefused => "provider-refused",
            SignInFailure::UntrustedAnswer => "untrusted-answer",
            SignInFailure::NotAllowed => "not-allowed",
            SignInFailure::NotConfigured => "not-configured",
            SignInFailure::Internal => "internal",
        }
    }

    /// Reads the value from the error page's address.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            SignInFailure::NotStartedHere,
            SignInFailure::TooSlow,
            SignInFailure::ProviderUnavailable,
            SignInFailure::ProviderRefused,
            SignInFailure::UntrustedAnswer,
            SignInFailure::NotAllowed,
            SignInFailure::NotConfigured,
            SignInFailure::Internal,
        ]
        .into_iter()
        .find(|f| f.code() == code)
    }

    /// The HTTP status of the error page.
    pub fn status(self) -> u16 {
        match self {
            SignInFailure::ProviderUnavailable => 502,
            SignInFailure::NotConfigured | SignInFailure::Internal => 503,
            SignInFailure::NotAllowed => 403,
            _ => 400,
        }
    }

    /// What happened and what to do, for the error page.
    pub fn explanation(self) -> &'static str {
        match self {
            SignInFailure::NotStartedHere => {
                "The answer from the sign-in service did not match a sign-in started in this \
                 browser. This happens with old or reused links, or when cookies are blocked. \
                 Start again from here."
            }
            SignInFailure::TooSlow => {
                "The sign-in took longer than ten minutes and was abandoned. Start again."
            }
            SignInFailure::ProviderUnavailable => {
                "The organisation's sign-in service could not be reached. Try again in a few \
                 minutes; if it keeps failing, tell the service desk."
            }
            SignInFailure::ProviderRefused => {
                "The sign-in service did not complete the sign-in (it was cancelled or refused). \
                 Try again."
            }
            SignInFailure::UntrustedAnswer => {
                "The answer from the sign-in service could not be verified, so it was not \
                 accepted. Try again; if it keeps failing, tell the service desk."
            }
            SignInFailure::NotAllowed => {
                "Your account is not in a group that may use Portcullis. Ask your manager or the \
                 security team for access."
            }
            SignInFailure::NotConfigured => {
                "No sign-in service is configured for this installation. Operators: see the \
                 README's configuration section."
            }
            SignInFailure::Internal => {
                "Something went wrong on our side and has been logged. Try again in a moment."
            }
        }
    }
}
