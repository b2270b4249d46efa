//! Image requests: the form, the requester's list, the request page and the edit-and-resubmit
//! page.

pub mod api;
pub mod edit;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;
