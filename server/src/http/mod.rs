//! The HTTP surface: Leptos pages and server functions, probes, sign-in routes, and the
//! middleware every response passes through.

mod admin;
pub mod api_v1;
pub mod extract;
mod health;
mod language;
pub mod metrics;
mod middleware;
mod sign_in;
mod site_assets;

use crate::config::Config;
use app::state::AppState;
use app::{shell, App};
use axum::routing::get;
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Builds the whole application router for `state`, configured by `config`, with a recorder
/// of its own.
pub fn router(state: AppState, config: &Config) -> Router {
    router_with(state, config, &metrics::Metrics::start())
}

/// `GET /metrics` alone, for the listener on `PORTCULLIS_METRICS_ADDR`.
pub fn metrics_router(state: AppState, metrics: metrics::Metrics) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
        .layer(axum::Extension(metrics))
        .with_state(state)
}

/// Builds the application router, counting its requests in `metrics`; it serves `/metrics`
/// itself unless `PORTCULLIS_METRICS_ADDR` gives it a listener of its own.
pub fn router_with(state: AppState, config: &Config, metrics: &metrics::Metrics) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_context(app::i18n::DefaultLocale(state.settings.default_locale));
        }
    };
    let render = {
        let options = leptos::config::LeptosOptions::clone(&state.leptos_options);
        move || shell(options.clone())
    };

    let session_store = app::persistence::sessions::SqlSessionStore::new(state.db.clone());
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(if config.is_https() {
            "__Host-portcullis-session"
        } else {
            "portcullis-session"
        })
        .with_secure(config.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            time::Duration::try_from(config.session_idle).unwrap_or(time::Duration::hours(8)),
        ));

    let site = Arc::new(middleware::SiteSecurity::from_config(config));
    let options = &state.leptos_options;
    let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);

    let mut router = Router::new();
    if config.metrics_addr.is_none() {
        router = router.route("/metrics", get(metrics::scrape_local));
    }
    router
        .nest_service(
            &format!("/{}", options.site_pkg_dir),
            site_assets::service(pkg),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/auth/login", get(sign_in::login))
        .route("/auth/callback", get(sign_in::callback))
        .route("/language", axum::routing::post(language::choose))
        .route("/admin/audit.csv", get(admin::audit_csv))
        .route("/admin/audit.json", get(admin::audit_json))
        .route("/api/v1/allowlist", get(api_v1::allowlist))
        .route("/api/v1/openapi.json", get(api_v1::openapi))
        .route("/api/v1/mirror/drift", get(api_v1::mirror_drift))
        .route(
            "/api/v1/catalog/equivalents",
            get(api_v1::catalog_equivalents),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), render)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            site,
            middleware::every_request,
        ))
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            metrics::record_request,
        ))
        .layer(axum::Extension(metrics.clone()))
        .with_state(state)
}
