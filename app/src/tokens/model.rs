//! Token scopes and what the portal shows about a token (never its secret).

use crate::domain::{MissingRole, SessionUser};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a token may do. Each API route needs exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// `catalog:read`: `GET /api/v1/catalog/equivalents`.
    CatalogRead,
    /// `allowlist:read`: `GET /api/v1/allowlist`.
    AllowlistRead,
    /// `mirror:read`: `GET /api/v1/mirror/drift`.
    MirrorRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::CatalogRead, Scope::AllowlistRead, Scope::MirrorRead];

    /// The scope's name in tokens, commands and the API (`catalog:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CatalogRead => "catalog:read",
            Scope::AllowlistRead => "allowlist:read",
            Scope::MirrorRead => "mirror:read",
        }
    }

    /// Reads a scope name.
    ///
    /// # Errors
    /// An unknown name; the message lists the valid ones.
    pub fn parse(text: &str) -> Result<Self, String> {
        Scope::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
            .ok_or_else(|| {
                format!(
                    "unknown scope {text:?}; use one of: {}",
                    Scope::ALL.map(Scope::as_str).join(", ")
                )
            })
    }
}

impl Scope {
    /// Whether a signed-in `user` (calling with their session, not a token) may use what this
    /// scope covers: every user the catalog, the security team the allowlist and the drift.
    ///
    /// # Errors
    /// The role the user lacks.
    pub fn require_for_user(self, user: &SessionUser) -> Result<(), MissingRole> {
        match self {
            Scope::CatalogRead => Ok(()),
            Scope::AllowlistRead | Scope::MirrorRead => user.require_staff(),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A token as admins see it in lists: everything but the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    /// The public part of the token (`pct_<id>_…`), safe to show and log.
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_by: String,
    pub created_at: String,
    /// `None`: does not expire.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl TokenSummary {
    /// Usable at `now` (RFC 3339 text as stored): not revoked and not expired.
    pub fn is_active(&self, now: &str) -> bool {
        self.revoked_at.is_none() && self.expires_at.as_deref().is_none_or(|at| at > now)
    }

    /// Where the token is in its life at `now`, as the admin page and `token list` show it.
    pub fn status(&self, now: &str) -> crate::domain::Lifecycle {
        crate::domain::Lifecycle::of(
            self.revoked_at.is_some(),
            self.expires_at.as_deref().is_none_or(|at| at > now),
        )
    }

    /// The scopes' names separated by spaces (`catalog:read allowlist:read`), as stored and
    /// shown.
    pub fn scope_names(&self) -> String {
        self.scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_their_names_and_refuse_others_with_the_list() {
        assert_eq!(Scope::parse("catalog:read"), Ok(Scope::CatalogRead));
        assert_eq!(Scope::parse(" allowlist:read "), Ok(Scope::AllowlistRead));
        let error = Scope::parse("admin").unwrap_err();
        assert!(error.contains("catalog:read, allowlist:read"), "{error}");
    }
}

/// The admin page's data: every token, and the one just created with its secret (shown once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAdminPage {
    pub tokens: Vec<TokenSummary>,
    /// (name, token) of the token created by the last request of this session.
    pub created: Option<(String, String)>,
    /// The server's time, to tell active from expired.
    pub today: String,
}
