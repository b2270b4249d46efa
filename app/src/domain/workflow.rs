//! The review workflow: which actions a person may take on a request now, and where each one
//! leads. Every change of a request's state goes through [`decide`]; the UI shows the actions of
//! [`allowed_actions`], and the server enforces the same answer.
//!
//! ```text
//! submitted ──claim──► in_review ──approve──► approved
//!     ▲  ◄──release──      │  ├──reject────► rejected
//!     │                    │  └──request changes──► changes_requested ──resubmit──► submitted
//!     └────────────────────┘ (a reviewer may also decide straight from submitted)
//! submitted | in_review | changes_requested ──withdraw (requester)──► withdrawn
//! ```
//!
//! Four eyes: nobody decides on, claims or reviews a request they submitted, whatever roles they
//! hold.

use super::{RequestState, Role, SessionUser, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something a person can do to a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ActionKind {
    /// A reviewer takes the request: it is theirs to decide.
    Claim,
    /// The claiming reviewer (or an admin) gives it back to the queue.
    Release,
    /// A reviewer asks the requester to change something (reason required).
    RequestChanges,
    /// A reviewer approves it with a scope and an expiry.
    Approve,
    /// A reviewer rejects it (reason required).
    Reject,
    /// The requester takes it back while it is undecided.
    Withdraw,
    /// The requester sends it back after changes were requested.
    Resubmit,
    /// Anyone who may see the request adds to its timeline.
    Comment,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        ActionKind::Claim,
        ActionKind::Release,
        ActionKind::RequestChanges,
        ActionKind::Approve,
        ActionKind::Reject,
        ActionKind::Withdraw,
        ActionKind::Resubmit,
        ActionKind::Comment,
    ];

    /// The name in forms, the timeline and the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Claim => "claim",
            ActionKind::Release => "release",
            ActionKind::RequestChanges => "request_changes",
            ActionKind::Approve => "approve",
            ActionKind::Reject => "reject",
            ActionKind::Withdraw => "withdraw",
            ActionKind::Resubmit => "resubmit",
            ActionKind::Comment => "comment",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The words on the button, in `locale`.
    pub fn label(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            ActionKind::Claim => td_string!(locale, common.action.claim),
            ActionKind::Release => td_string!(locale, common.action.release),
            ActionKind::RequestChanges => td_string!(locale, common.action.request_changes),
            ActionKind::Approve => td_string!(locale, common.action.approve),
            ActionKind::Reject => td_string!(locale, common.action.reject),
            ActionKind::Withdraw => td_string!(locale, common.action.withdraw),
            ActionKind::Resubmit => td_string!(locale, common.action.resubmit),
            ActionKind::Comment => td_string!(locale, common.action.comment),
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a reviewer can do to the allowlist entry an approval created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryActionKind {
    /// Ends the entry now. Allowed on one's own request too: it only narrows access.
    Revoke,
    /// Moves its last day later (or revives it after its last day): a decision that widens
    /// access, so four eyes holds as for approving.
    Renew,
}

impl EntryActionKind {
    /// The name in the timeline (`revoke`, `renew`); the audit trail prefixes `allowlist.`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryActionKind::Revoke => "revoke",
            EntryActionKind::Renew => "renew",
        }
    }
}

/// What one entry of a request's timeline records. Stored as [`EventKind::as_str`]; a stored
/// name [`EventKind::parse`] does not know is a corrupt row. On the wire, the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The requester filed it.
    Submitted,
    /// Someone took an action on the request (a comment included).
    Action(ActionKind),
    /// A reviewer revoked or renewed the allowlist entry its approval created.
    Entry(EntryActionKind),
    /// The portal checked Red Hat's catalog again after it was unreachable on submit.
    CatalogRechecked,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Action(action) => action.as_str(),
            EventKind::Entry(action) => action.as_str(),
            EventKind::CatalogRechecked => "catalog_rechecked",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "submitted" => Some(EventKind::Submitted),
            "catalog_rechecked" => Some(EventKind::CatalogRechecked),
            other => ActionKind::parse(other).map(EventKind::Action).or_else(|| {
                [EntryActionKind::Revoke, EntryActionKind::Renew]
                    .into_iter()
                    .find(|a| a.as_str() == other)
                    .map(EventKind::Entry)
            }),
        }
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        EventKind::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown timeline entry kind {name:?}"))
        })
    }
}

/// Whether `user` may take `action` on the allowlist entry of a request submitted by
/// `requester_id`: reviewers only (admins administer the portal, they do not keep the list);
/// renewing never on one's own request.
///
/// # Errors
/// [`WorkflowError::NotReviewer`] or [`WorkflowError::OwnRequest`].
pub fn decide_on_entry(
    requester_id: &UserId,
    user: &SessionUser,
    action: EntryActionKind,
) -> Result<(), WorkflowError> {
    if !user.has_role(Role::Reviewer) {
        return Err(WorkflowError::NotReviewer);
    }
    if action == EntryActionKind::Renew && *requester_id == user.user_id {
        return Err(WorkflowError::OwnRequest);
    }
    Ok(())
}

/// The entry actions [`decide_on_entry`] allows `user`, for the page.
pub fn allowed_entry_actions(requester_id: &UserId, user: &SessionUser) -> Vec<EntryActionKind> {
    [EntryActionKind::Renew, EntryActionKind::Revoke]
        .into_iter()
        .filter(|a| decide_on_entry(requester_id, user, *a).is_ok())
        .collect()
}

/// What the rules look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFacts {
    pub state: RequestState,
    pub requester_id: UserId,
    pub claimed_by: Option<UserId>,
}

/// Where an allowed action leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: RequestState,
    pub to: RequestState,
    /// Who holds the request afterwards.
    pub claimed_by: Option<UserId>,
}

/// Why an action is refused: said to the person in words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("You submitted this request, so someone else must review it (four eyes).")]
    OwnRequest,
    #[error("Only the security team can do this.")]
    NotReviewer,
    #[error("Only the requester can do this.")]
    NotRequester,
    #[error("The request is {}; {action} is not possible now.", .state.label_in_sentence(crate::i18n::Locale::en))]
    WrongState {
        state: RequestState,
        action: &'static str,
    },
    #[error("Another reviewer has claimed this request.")]
    ClaimedByOther,
}

impl WorkflowError {
    /// True when the refusal is about who acts (not about the request's current state).
    pub fn is_about_the_person(&self) -> bool {
        matches!(
            self,
            WorkflowError::OwnRequest | WorkflowError::NotReviewer | WorkflowError::NotRequester
        )
    }
}

fn is_staff(actor: &SessionUser) -> bool {
    actor.is_staff()
}

/// Where `action` by `actor` takes the request, or why it may not happen.
///
/// # Errors
/// [`WorkflowError`] naming the rule that refuses it.
pub fn decide(
    facts: &RequestFacts,
    actor: &SessionUser,
    action: ActionKind,
) -> Result<Transition, WorkflowError> {
    use RequestState::*;
    let own = facts.requester_id == actor.user_id;
    let reviewer = actor.has_role(Role::Reviewer);
    let wrong_state = || WorkflowError::WrongState {
        state: facts.state,
        action: action.label(crate::i18n::Locale::en),
    };
    let to = |to: RequestState, claimed_by: Option<UserId>| Transition {
        from: facts.state,
        to,
        claimed_by,
    };
    // A reviewer may act on a request that is unclaimed or claimed by themselves.
    let review = |to_state: RequestState, keep_claim: bool| {
        if own {
            return Err(WorkflowError::OwnRequest);
        }
        if !reviewer {
            return Err(WorkflowError::NotReviewer);
        }
        match (facts.state, &facts.claimed_by) {
            (Submitted, _) | (InReview, None) => {}
            (InReview, Some(holder)) if *holder == actor.user_id => {}
            (InReview, Some(_)) => return Err(WorkflowError::ClaimedByOther),
            _ => return Err(wrong_state()),
        }
        let claimed_by = keep_claim.then(|| actor.user_id.clone());
        Ok(to(to_state, claimed_by))
    };
    match action {
        ActionKind::Claim => {
            if facts.state != Submitted {
                return Err(if facts.state == InReview {
                    WorkflowError::ClaimedByOther
                } else {
                    wrong_state()
                });
            }
            review(InReview, true)
        }
        ActionKind::Release => {
            if facts.state != InReview {
                return Err(wrong_state());
            }
            let holder = facts.claimed_by.as_ref() == Some(&actor.user_id);
            if holder || actor.has_role(Role::Admin) {
                Ok(to(Submitted, None))
            } else if reviewer {
                Err(WorkflowError::ClaimedByOther)
            } else {
                Err(WorkflowError::NotReviewer)
            }
        }
        ActionKind::RequestChanges => review(ChangesRequested, false),
        ActionKind::Approve => review(Approved, true),
        ActionKind::Reject => review(Rejected, true),
        ActionKind::Withdraw => {
            if !own {
                return Err(WorkflowError::NotRequester);
            }
            match facts.state {
                Submitted | InReview | ChangesRequested => Ok(to(Withdrawn, None)),
                _ => Err(wrong_state()),
            }
        }
        ActionKind::Resubmit => {
            if !own {
                return Err(WorkflowError::NotRequester);
            }
            match facts.state {
                ChangesRequested => Ok(to(Submitted, None)),
                _ => Err(wrong_state()),
            }
        }
        ActionKind::Comment => {
            if own || is_staff(actor) {
                Ok(to(facts.state, facts.claimed_by.clone()))
            } else {
                Err(WorkflowError::NotReviewer)
            }
        }
    }
}

/// The actions `actor` may take now, in the order the page shows them.
pub fn allowed_actions(facts: &RequestFacts, actor: &SessionUser) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|&action| decide(facts, actor, action).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_reads_back_as_itself() {
        let kinds = [EventKind::Submitted, EventKind::CatalogRechecked]
            .into_iter()
            .chain(ActionKind::ALL.map(EventKind::Action))
            .chain([EntryActionKind::Revoke, EntryActionKind::Renew].map(EventKind::Entry));
        for kind in kinds {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind), "{kind:?}");
        }
        assert_eq!(EventKind::parse("state_changed"), None);
    }

    fn user(id: &str, roles: &[Role]) -> SessionUser {
        SessionUser {
            user_id: UserId(id.into()),
            display_name: id.into(),
            email: format!("{id}@example.org"),
            roles: roles.to_vec(),
        }
    }

    fn facts(state: RequestState, claimed_by: Option<&str>) -> RequestFacts {
        RequestFacts {
            state,
            requester_id: UserId("alice".into()),
            claimed_by: claimed_by.map(|c| UserId(c.into())),
        }
    }

    #[test]
    fn the_requester_can_withdraw_and_comment_but_never_review_their_own_request() {
        // Alice holds every role, and still cannot review her own request.
        let alice = user("alice", &[Role::Requester, Role::Reviewer, Role::Admin]);
        let submitted = facts(RequestState::Submitted, None);
        assert_eq!(
            allowed_actions(&submitted, &alice),
            vec![ActionKind::Withdraw, ActionKind::Comment]
        );
        for action in [
            ActionKind::Claim,
            ActionKind::Approve,
            ActionKind::Reject,
            ActionKind::RequestChanges,
        ] {
            assert_eq!(
                decide(&submitted, &alice, action),
                Err(WorkflowError::OwnRequest),
                "{action}"
            );
        }
        let changes = facts(RequestState::ChangesRequested, None);
        assert_eq!(
            allowed_actions(&changes, &alice),
            vec![
                ActionKind::Withdraw,
                ActionKind::Resubmit,
                ActionKind::Comment
            ]
        );
    }

    #[test]
    fn a_reviewer_claims_decides_and_releases() {
        let rita = user("rita", &[Role::Requester, Role::Reviewer]);
        let submitted = facts(RequestState::Submitted, None);
        assert_eq!(
            allowed_actions(&submitted, &rita),
            vec![
                ActionKind::Claim,
                ActionKind::RequestChanges,
                ActionKind::Approve,
                ActionKind::Reject,
                ActionKind::Comment
            ]
        );
        let claimed = decide(&submitted, &rita, ActionKind::Claim).unwrap();
        assert_eq!(claimed.to, RequestState::InReview);
        assert_eq!(claimed.claimed_by, Some(UserId("rita".into())));

        let mine = facts(RequestState::InReview, Some("rita"));
        assert_eq!(
            allowed_actions(&mine, &rita),
            vec![
                ActionKind::Release,
                ActionKind::RequestChanges,
                ActionKind::Approve,
                ActionKind::Reject,
                ActionKind::Comment
            ]
        );
        let changes = decide(&mine, &rita, ActionKind::RequestChanges).unwrap();
        assert_eq!(changes.to, RequestState::ChangesRequested);
        assert_eq!(changes.claimed_by, None, "back with the requester");
        assert_eq!(
            decide(&mine, &rita, ActionKind::Release).unwrap().to,
            RequestState::Submitted
        );
    }

    #[test]
    fn another_reviewers_claim_is_respected_except_by_an_admin_releasing_it() {
        let rita = user("rita", &[Role::Reviewer]);
        let adam = user("adam", &[Role::Admin]);
        let theirs = facts(RequestState::InReview, Some("ruth"));
        assert_eq!(allowed_actions(&theirs, &rita), vec![ActionKind::Comment]);
        assert_eq!(
            decide(&theirs, &rita, ActionKind::Approve),
            Err(WorkflowError::ClaimedByOther)
        );
        assert_eq!(
            allowed_actions(&theirs, &adam),
            vec![ActionKind::Release, ActionKind::Comment]
        );
    }

    #[test]
    fn decided_requests_stay_decided() {
        let rita = user("rita", &[Role::Reviewer]);
        let alice = user("alice", &[Role::Requester]);
        for state in [
            RequestState::Approved,
            RequestState::Rejected,
            RequestState::Withdrawn,
        ] {
            let done = facts(state, Some("rita"));
            assert_eq!(allowed_actions(&done, &rita), vec![ActionKind::Comment]);
            assert_eq!(allowed_actions(&done, &alice), vec![ActionKind::Comment]);
            let refused = decide(&done, &rita, ActionKind::Approve).unwrap_err();
            assert!(
                refused.to_string().contains("not possible now"),
                "{refused}"
            );
        }
    }

    #[test]
    fn other_requesters_can_do_nothing() {
        let bob = user("bob", &[Role::Requester]);
        for state in RequestState::ALL {
            assert!(allowed_actions(&facts(state, None), &bob).is_empty());
        }
    }
}
