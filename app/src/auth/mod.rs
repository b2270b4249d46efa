//! Signing in and out, and who the current user is.

pub mod api;
pub mod context;
pub mod dev_users;
pub mod failure;
#[cfg(feature = "ssr")]
pub mod oidc;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;
