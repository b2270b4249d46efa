//! The security review: the reviewers' queue, the actions on a request (claim, release, request
//! changes, approve, reject; withdraw and resubmit for the requester; comments), and revoking or
//! renewing the allowlist entries approvals create.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod queue;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
