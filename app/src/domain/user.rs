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
    /// The role's name, in `locale`.
    pub fn label(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            Role::Requester => td_string!(locale, common.role.requester),
            Role::Reviewer => td_string!(locale, common.role.reviewer),
            Role::Admin => td_string!(locale, common.role.admin),
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

    /// Whether they work the queue and see every request: reviewers and admins.
    pub fn is_staff(&self) -> bool {
        self.has_role(Role::Reviewer) || self.has_role(Role::Admin)
    }

    /// Whether they administer the portal: tokens, the audit trail.
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    /// For services that only reviewers and admins may use.
    ///
    /// # Errors
    /// [`MissingRole`] for anyone else (pages and the API answer it as forbidden).
    pub fn require_staff(&self) -> Result<(), MissingRole> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(MissingRole(Role::Reviewer))
        }
    }

    /// For services that only admins may use.
    ///
    /// # Errors
    /// [`MissingRole`] for anyone else.
    pub fn require_admin(&self) -> Result<(), MissingRole> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(MissingRole(Role::Admin))
        }
    }
}

/// The signed-in user lacks the role an action needs. Always answered the same way: forbidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this needs the {} role", .0.label(crate::i18n::Locale::en))]
pub struct MissingRole(pub Role);

/// Which identity-provider groups give which role. Group names are compared exactly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupRoles {
    /// Groups whose members may use the portal at all; empty means every signed-in user.
    pub requester_groups: Vec<String>,
    pub reviewer_groups: Vec<String>,
    pub admin_groups: Vec<String>,
}

impl GroupRoles {
    /// The roles of a member of `groups`, or `None` when they may not use the portal.
    pub fn roles_for(&self, groups: &[String]) -> Option<Vec<Role>> {
        let member_of = |wanted: &[String]| groups.iter().any(|g| wanted.contains(g));
        let reviewer = member_of(&self.reviewer_groups);
        let admin = member_of(&self.admin_groups);
        let requester = self.requester_groups.is_empty() || member_of(&self.requester_groups);
        if !(requester || reviewer || admin) {
            return None;
        }
        let mut roles = vec![Role::Requester];
        if reviewer {
            roles.push(Role::Reviewer);
        }
        if admin {
            roles.push(Role::Admin);
        }
        Some(roles)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roles_follow_group_membership() {
        let mapping = GroupRoles {
            requester_groups: groups(&["staff"]),
            reviewer_groups: groups(&["security-reviewers"]),
            admin_groups: groups(&["portal-admins"]),
        };
        assert_eq!(
            mapping.roles_for(&groups(&["staff"])),
            Some(vec![Role::Requester])
        );
        assert_eq!(
            mapping.roles_for(&groups(&["staff", "security-reviewers"])),
            Some(vec![Role::Requester, Role::Reviewer])
        );
        assert_eq!(
            mapping.roles_for(&groups(&["portal-admins"])),
            Some(vec![Role::Requester, Role::Admin])
        );
        assert_eq!(mapping.roles_for(&groups(&["guests"])), None);
        assert_eq!(mapping.roles_for(&[]), None);
    }

    #[test]
    fn without_requester_groups_everyone_may_request() {
        let mapping = GroupRoles::default();
        assert_eq!(mapping.roles_for(&[]), Some(vec![Role::Requester]));
        assert_eq!(
            mapping.roles_for(&groups(&["SECURITY-REVIEWERS"])),
            Some(vec![Role::Requester])
        );
    }
}
