//! Red Hat's container catalog: its repositories (from the Pyxis API or the shipped snapshot)
//! and the search for equivalents of an image a team asks for.

pub mod api;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod equivalents;
#[cfg(feature = "ssr")]
pub mod mirror;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod pyxis;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod store;

pub use model::{Candidate, CatalogRepository, Equivalents, ReleaseStatus};
