//! Who is signed in, and what they may do.

use serde::{Deserialize, Serialize};

/// A user's stable identifier: the provider's subject, prefixed with where it came from
/// (`dev:alice` for development users).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub String);

/// What a user may do. Every signed-in user is a requester; the other roles come from groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Requester,
    Reviewer,
    Admin,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Requester => "Requester",
            Role::Reviewer => "Reviewer",
            Role::Admin => "Admin",
        }
    }
}

/// The signed-in user as the session knows them. Roles are decided at sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<Role>,
}

impl SessionUser {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}
