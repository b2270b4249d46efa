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
    /// The groups API (`PORTCULLIS_OIDC_GROUPS_URL`) could not be reached, did not answer in
    /// time or answered with something that is not a list of groups: without the groups, the
    /// roles are unknown, so nobody is signed in with a guess.
    GroupsUnavailable,
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
            SignInFailure::GroupsUnavailable => "groups-unavailable",
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
            SignInFailure::GroupsUnavailable,
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
            SignInFailure::ProviderUnavailable | SignInFailure::GroupsUnavailable => 502,
            SignInFailure::NotConfigured | SignInFailure::Internal => 503,
            SignInFailure::NotAllowed => 403,
            _ => 400,
        }
    }

    /// What happened and what to do, for the error page.
    pub fn explanation(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            SignInFailure::NotStartedHere => td_string!(locale, auth.failure.not_started_here),
            SignInFailure::TooSlow => td_string!(locale, auth.failure.too_slow),
            SignInFailure::ProviderUnavailable => {
                td_string!(locale, auth.failure.provider_unavailable)
            }
            SignInFailure::ProviderRefused => td_string!(locale, auth.failure.provider_refused),
            SignInFailure::UntrustedAnswer => td_string!(locale, auth.failure.untrusted_answer),
            SignInFailure::GroupsUnavailable => {
                td_string!(locale, auth.failure.groups_unavailable)
            }
            SignInFailure::NotAllowed => td_string!(locale, auth.failure.not_allowed),
            SignInFailure::NotConfigured => td_string!(locale, auth.failure.not_configured),
            SignInFailure::Internal => td_string!(locale, auth.failure.internal),
        }
    }
}
