//! The Portcullis server: configuration, the HTTP surface, and start-up. `main.rs` is the thin
//! binary around [`run`]; tests build the router with [`http::router`].

// Leptos views are deeply nested types; pages also erase them with `into_any` at section
// boundaries, and this leaves headroom for the compiler's query depth.
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod http;
pub mod jobs;
pub mod mailer;
pub mod shutdown;
pub mod telemetry;

use app::catalog::client::PyxisClient;
use app::catalog::mirror::CatalogMirror;
use app::persistence::Db;
use app::state::AppState;
use config::Config;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Connects to the database, brings the schema up to date and builds the shared state.
///
/// # Errors
/// The database cannot be reached or migrated; the message says which.
pub async fn prepare(config: &Config, leptos_options: LeptosOptions) -> Result<AppState, String> {
    let db = Db::connect(&config.database_url, config.database_max_connections)
        .await
        .map_err(|e| {
            format!(
                "cannot open the database {}: {e}",
                app::persistence::redact_url(&config.database_url)
            )
        })?;
    db.migrate()
        .await
        .map_err(|e| format!("cannot migrate the database: {e}"))?;
    let oidc = match &config.oidc {
        Some(settings) => Some(Arc::new(
            app::auth::oidc::OidcClient::new(settings.clone())
                .map_err(|e| format!("cannot create the OpenID Connect client: {e}"))?,
        )),
        None => None,
    };
    let catalog = Arc::new(catalog_mirror(config)?);
    if let Err(error) = catalog.reload_if_changed(&db).await {
        tracing::warn!(%error, "could not load the stored catalog mirror; using the shipped snapshot");
    }
    Ok(AppState {
        leptos_options: Arc::new(leptos_options),
        db,
        audit: audit_trail(config)?,
        settings: Arc::new(config.app.clone()),
        catalog,
        allowlist_cache: Arc::default(),
        upstream_tags: Arc::default(),
        changes: Arc::default(),
        known_tokens: Arc::default(),
        registry: Arc::new(registry_client(config)?),
        mirror_registry: Arc::new(mirror_registry_client(config)?),
        oidc,
    })
}

/// The anonymous client for the registries requesters name.
///
/// # Errors
/// The TLS backend cannot be initialised.
fn registry_client(config: &Config) -> Result<app::registry::client::RegistryClient, String> {
    app::registry::client::RegistryClient::new(
        config.registry_timeout,
        app::outbound::OutboundPolicy::new(&config.private_registries),
        config.app.insecure_registries.clone(),
    )
    .map_err(|e| format!("cannot create the registry client: {e}"))
}

/// The verification job's own client, signing in to the mirror with
/// `PORTCULLIS_MIRROR_CREDENTIALS_FILE` when it is set. Kept apart from [`registry_client`] so
/// that no lookup a requester steers ever carries the mirror's credentials.
///
/// # Errors
/// The credentials file cannot be read or is not `username:password`.
fn mirror_registry_client(
    config: &Config,
) -> Result<app::registry::client::RegistryClient, String> {
    let client = registry_client(config)?;
    match (&config.mirror_credentials_file, &config.app.mirror) {
        (Some(path), Some(mirror)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "PORTCULLIS_MIRROR_CREDENTIALS_FILE: cannot read {}: {e}",
                    path.display()
                )
            })?;
            let credentials =
                app::registry::client::RegistryCredentials::parse(&mirror.host, &text)
                    .map_err(|e| format!("PORTCULLIS_MIRROR_CREDENTIALS_FILE: {e}"))?;
            Ok(client.with_credentials(credentials))
        }
        _ => Ok(client),
    }
}

/// The audit trail as configured: keyed when `PORTCULLIS_AUDIT_KEY_FILE` is set.
///
/// # Errors
/// The key file cannot be read or is too short.
pub fn audit_trail(config: &Config) -> Result<app::audit::chain::AuditTrail, String> {
    let key = match &config.audit_key_file {
        Some(path) => Some(
            app::audit::chain::AuditKey::from_file(path)
                .map_err(|e| format!("PORTCULLIS_AUDIT_KEY_FILE: {e}"))?,
        ),
        None => None,
    };
    Ok(app::audit::chain::AuditTrail::new(key))
}

/// The catalog mirror as configured, starting from the shipped snapshot; the background job
/// loads the database's mirror and refreshes it.
fn catalog_mirror(config: &Config) -> Result<CatalogMirror, String> {
    let client = match &config.catalog.client {
        Some(settings) => Some(
            PyxisClient::new(settings.clone())
                .map_err(|e| format!("cannot create the catalog client: {e}"))?,
        ),
        None => None,
    };
    Ok(CatalogMirror::new(client, config.catalog.mirror.clone()))
}

/// Serves until SIGTERM or Ctrl-C, then stops in order ([`shutdown`]): no new connections,
/// requests in flight finished, the jobs' turns finished, all within
/// [`shutdown::DRAIN_DEADLINE`].
///
/// # Errors
/// The address cannot be bound, or the server fails.
pub async fn run(config: Config, state: AppState) -> Result<(), String> {
    let shutdown = shutdown::Shutdown::on_signals();
    let metrics = http::metrics::Metrics::start();
    let router = http::router_with(state.clone(), &config, &metrics);
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.site_addr))?;
    // Scrapes go on through the drain; the listener closes after it.
    let (stop_metrics, metrics_stopped) = shutdown::Shutdown::new();
    if let Some(address) = config.metrics_addr {
        let scrape = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen on {address} (PORTCULLIS_METRICS_ADDR): {e}"))?;
        let metrics_router = http::metrics_router(state.clone(), metrics);
        tokio::spawn(async move {
            if let Err(error) = axum::serve(scrape, metrics_router)
                .with_graceful_shutdown(metrics_stopped.requested())
                .await
            {
                tracing::error!(%error, "the metrics listener failed");
            }
        });
        tracing::info!(%address, "metrics served");
    }
    // Only once both addresses are ours: a server that cannot start must not have begun a
    // job's turn (a mail half sent) that its exit then cuts short.
    let jobs = jobs::spawn(&state, &config, &shutdown);
    tracing::info!(
        address = %config.site_addr,
        public_url = %config.app.public_url,
        dev_sign_in = config.app.dev_sign_in,
        "portcullis listening"
    );
    let serve = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown.requested());
    tokio::select! {
        served = serve => served.map_err(|e| format!("server failed: {e}"))?,
        () = shutdown.deadline() => tracing::warn!(
            deadline_seconds = shutdown::DRAIN_DEADLINE.as_secs(),
            "requests were still in flight at the shutdown deadline; stopping without them"
        ),
    }
    tokio::select! {
        biased;
        () = jobs.finish() => {}
        () = shutdown.deadline() => tracing::warn!(
            "a background job was still in its turn at the shutdown deadline; its leases run out"
        ),
    }
    stop_metrics.stop();
    tracing::info!("portcullis stopped");
    Ok(())
}
