//! The audit trail: who did what, when, from where, with the state before and after. Rows are
//! appended in the same transaction as the change they record, never updated or deleted, and
//! hash-chained so that any edit shows.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chain;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::{AuditPage, AuditRecord};
