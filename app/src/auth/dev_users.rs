//! The seeded users of the development sign-in. Only reachable when the server runs with
//! `PORTCULLIS_DEV_SIGNIN=true` on a loopback address.

use crate::domain::{Role, SessionUser, UserId};
use serde::{Deserialize, Serialize};

/// A user one can sign in as during development.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevUser {
    /// The form value that selects this user (`alice`).
    pub key: String,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<Role>,
    /// What this user is good for when clicking through.
    pub purpose: String,
}

/// The development users: two requesters (to see that they cannot see each other's requests),
/// two reviewers and an admin.
/// `locale` is the language of their `purpose`.
pub fn all(locale: crate::i18n::Locale) -> Vec<DevUser> {
    use crate::i18n::td_string;
    let user = |key: &str, name: &str, roles: &[Role], purpose: &str| DevUser {
        key: key.to_owned(),
        display_name: name.to_owned(),
        email: format!("{key}@example.org"),
        roles: roles.to_vec(),
        purpose: purpose.to_owned(),
    };
    vec![
        user(
            "alice",
            "Alice Andersen",
            &[Role::Requester],
            td_string!(locale, auth.dev.alice),
        ),
        user(
            "bob",
            "Bob Berg",
            &[Role::Requester],
            td_string!(locale, auth.dev.bob),
        ),
        user(
            "rita",
            "Rita Reviewer",
            &[Role::Requester, Role::Reviewer],
            td_string!(locale, auth.dev.rita),
        ),
        user(
            "ruth",
            "Ruth Reviewer",
            &[Role::Requester, Role::Reviewer],
            td_string!(locale, auth.dev.ruth),
        ),
        user(
            "adam",
            "Adam Admin",
            &[Role::Requester, Role::Admin],
            td_string!(locale, auth.dev.adam),
        ),
    ]
}

/// The development user with this key.
pub fn find(key: &str) -> Option<DevUser> {
    all(crate::i18n::Locale::en)
        .into_iter()
        .find(|u| u.key == key)
}

impl DevUser {
    /// The session identity of this user.
    pub fn to_session_user(&self) -> SessionUser {
        SessionUser {
            user_id: UserId(format!("dev:{}", self.key)),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            roles: self.roles.clone(),
        }
    }
}
