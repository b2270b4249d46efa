//! The loop with the mirror: where approved images live in the organisation's mirror
//! registry, whether they landed there, what drifted in, and how old the images are.

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::{Drift, MirrorStatus, MirrorTarget};
