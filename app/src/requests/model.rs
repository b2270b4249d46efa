//! What the pages get to see of requests (wire types, shared by server and browser).

use crate::catalog::Candidate;
use crate::domain::{RequestId, RequestState, UserId};
use serde::{Deserialize, Serialize};

/// A row of "My requests".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSummary {
    pub id: RequestId,
    /// The normalised reference, e.g. `docker.io/library/nginx:1.25`.
    pub image: String,
    pub team: String,
    pub state: RequestState,
    pub created_at: String,
    pub updated_at: String,
    /// False when the catalog check still has to be made against the real catalog.
    pub catalog_checked: bool,
}

/// Everything on the request page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDetail {
    pub id: RequestId,
    pub requester_id: UserId,
    pub requester_name: String,
    /// Where the portal mails the requester (their sign-in address).
    pub requester_email: String,
    /// The reference as the requester typed it.
    pub image_input: String,
    /// The normalised reference.
    pub image: String,
    pub team: String,
    pub contact: String,
    pub justification: String,
    pub state: RequestState,
    /// Grows with every change; decisions name the version they were made on.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The reviewer who holds the request, while in review.
    pub claimed_by: Option<UserId>,
    pub claimed_by_name: Option<String>,
    /// The Red Hat catalog check made before submitting.
    pub catalog: CatalogCheck,
    /// What the organisation's registry already had for the repository on submit.
    pub submitted_beside: Option<SubmittedBeside>,
}

/// What the local-registry check found when a request was submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmittedBeside {
    /// An active approval (of this request) covered the repository already.
    Approved(RequestId),
    /// This open request asked for the repository already.
    Open(RequestId),
}

impl SubmittedBeside {
    /// Reads the stored form (`approved:ID` / `open:ID`).
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, id) = text.split_once(':')?;
        let id = RequestId(id.parse().ok()?);
        match kind {
            "approved" => Some(SubmittedBeside::Approved(id)),
            "open" => Some(SubmittedBeside::Open(id)),
            _ => None,
        }
    }
}

/// What the catalog check showed and what the requester decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogCheck {
    /// The candidates shown, best first.
    pub candidates: Vec<Candidate>,
    pub decision: crate::domain::CatalogOutcome,
    /// The chosen repository, with `chosen`.
    pub choice: Option<String>,
    /// Why none fits, with `none_fits`.
    pub reason: Option<String>,
    /// False ("catalog not checked") when the check ran against the shipped snapshot or a mirror
    /// too old to trust; the portal checks again in the background once the catalog answers.
    pub checked: bool,
    /// When the mirror the check used was fetched from the catalog; `None` for the snapshot.
    pub mirror_at: Option<String>,
}

/// One entry of a request's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub id: i64,
    pub actor_name: String,
    pub kind: crate::domain::EventKind,
    pub from_state: Option<RequestState>,
    pub to_state: Option<RequestState>,
    pub body: Option<String>,
    pub created_at: String,
}

/// A request page's data: the request and its timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPage {
    pub request: RequestDetail,
    pub events: Vec<RequestEvent>,
    /// The label that will carry the contact address on the image (`no.uio.contact`).
    pub contact_label: String,
    /// What the viewer may do now (the server enforces the same).
    pub actions: Vec<crate::domain::ActionKind>,
    /// The allowlist entry an approval created.
    pub entry: Option<crate::allowlist::AllowlistEntry>,
    /// What the mirror holds of the entry (empty without an entry or a configured mirror).
    pub mirror: crate::mirror::MirrorStatus,
    /// What the viewer may do to the entry (the server enforces the same).
    pub entry_actions: Vec<crate::domain::EntryActionKind>,
    /// Today (`YYYY-MM-DD`, UTC), the default expiry of a new approval and the latest allowed.
    pub today: String,
    pub approval_default_expiry: String,
    pub approval_max_expiry: String,
}

impl RequestDetail {
    /// What the review workflow looks at.
    pub fn facts(&self) -> crate::domain::RequestFacts {
        crate::domain::RequestFacts {
            state: self.state,
            requester_id: self.requester_id.clone(),
            claimed_by: self.claimed_by.clone(),
        }
    }
}
