//! The allowlist: what approvals allow the mirror to copy. Entries are created by approvals and
//! revoked or renewed by the security team; the mirror job reads the active ones over the API.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cache;
#[cfg(feature = "ssr")]
pub mod entry_actions;
#[cfg(feature = "ssr")]
pub mod formats;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod upstream_tags;

pub use model::AllowlistEntry;
