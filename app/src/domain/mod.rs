//! Domain rules shared by the server and the browser: they compile to WASM too, so a form can
//! check input as it is typed with the same code that the server enforces.

pub mod approval;
pub mod contact;
pub mod image_reference;
pub mod lifecycle;
pub mod request;
pub mod text;
pub mod user;
pub mod workflow;

pub use approval::{ApprovalForm, ApprovalScope, TagRule};
pub use contact::{ContactAddress, ContactAddressError};
pub use image_reference::{ImageReference, ImageReferenceError};
pub use lifecycle::Lifecycle;
pub use request::{
    CatalogDecision, CatalogOutcome, NewImageRequest, RequestForm, RequestId, RequestState,
};
pub use user::{GroupRoles, MissingRole, Role, SessionUser, UserId};
pub use workflow::{
    allowed_actions, allowed_entry_actions, decide_on_entry, ActionKind, EntryActionKind,
    EventKind, RequestFacts, Transition, WorkflowError,
};
