//! Portcullis, the application: pages and components, server functions, the domain rules and
//! (behind the `ssr` feature) persistence. Compiled twice: for the server (`ssr`) and as the
//! WASM bundle that hydrates the pages in the browser (`hydrate`).
//!
//! Layout: one folder per feature (`auth`, `requests`), each with `pages.rs` (components),
//! `api.rs` (server functions: authorise, call the service, map the error) and, on the server,
//! `service.rs` (rules). `domain` holds types shared by both sides; `persistence` the SQL.

// Leptos views are deeply nested types; pages also erase them with `into_any` at section
// boundaries, and this leaves headroom for the compiler's query depth.
#![recursion_limit = "256"]

pub mod allowlist;
pub mod app;
pub mod audit;
pub mod auth;
pub mod catalog;
#[cfg(feature = "ssr")]
pub mod changes;
pub mod components;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod images;
pub mod mail;
pub mod mirror;
#[cfg(feature = "ssr")]
pub mod monitoring;
#[cfg(feature = "ssr")]
pub mod outbound;
#[cfg(feature = "ssr")]
pub mod persistence;
pub mod registry;
pub mod requests;
pub mod review;
#[cfg(feature = "ssr")]
pub mod state;
pub mod tokens;

pub use app::{shell, App};

/// Entry point of the WASM bundle, called once by the island loader ([`app::IslandLoader`]) before
/// it hydrates each `<leptos-island>` on the page; everything outside the islands stays as the
/// server rendered it.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
