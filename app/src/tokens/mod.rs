//! API tokens: how machines (the mirror job, CI pipelines) call the HTTP API. Created by admins,
//! shown once, stored as a hash, scoped, expiring and revocable.

pub mod api;
#[cfg(feature = "ssr")]
pub mod known;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::{Scope, TokenAdminPage, TokenSummary};
