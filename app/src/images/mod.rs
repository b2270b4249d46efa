//! The approved-images catalog (`/images`): what the mirror offers and where to pull it; the
//! local-registry check the request form makes before a new request; and each team's monthly
//! report of its images (`/images/report`, and the mail the report job sends).

pub mod api;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod service;
