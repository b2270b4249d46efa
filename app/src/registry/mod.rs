//! Facts about the upstream image a request names, read from its registry's v2 API: digest,
//! platforms, created date, size, labels (does it carry the contact and team labels?), and the
//! tags an approval's pattern matches today.

pub mod api;
#[cfg(feature = "ssr")]
pub mod client;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;

pub use model::{ImageFacts, UpstreamView};
