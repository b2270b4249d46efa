//! Where an allowlist entry or an API token is in its life: both are granted until a day,
//! and can be revoked before it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Active, revoked, or past its last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lifecycle {
    Active,
    Revoked,
    Expired,
}

impl Lifecycle {
    /// Revoked wins over expired: a revocation is a decision, an expiry only a date.
    pub fn of(revoked: bool, within_term: bool) -> Self {
        if revoked {
            Lifecycle::Revoked
        } else if within_term {
            Lifecycle::Active
        } else {
            Lifecycle::Expired
        }
    }

    /// `active`, `revoked` or `expired`, as pages, badges and `portcullis token list` show it.
    /// Reads [`Lifecycle::as_str`]'s words back; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        [Lifecycle::Active, Lifecycle::Revoked, Lifecycle::Expired]
            .into_iter()
            .find(|l| l.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Active => "active",
            Lifecycle::Revoked => "revoked",
            Lifecycle::Expired => "expired",
        }
    }

    /// The badge tone that goes with it.
    pub fn tone(self) -> &'static str {
        match self {
            Lifecycle::Active => "success",
            Lifecycle::Revoked => "danger",
            Lifecycle::Expired => "neutral",
        }
    }
}

impl fmt::Display for Lifecycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}
