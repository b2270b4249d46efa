//! The allowlist: what approvals allow the mirror to copy. Entries are created by approvals and
//! revoked or renewed by the security team; the mirror job reads the active ones over the API.

pub mod model;

pub use model::AllowlistEntry;
