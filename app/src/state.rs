//! The state every page render, server function and route handler shares. Server only.

use crate::persistence::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Settings the application layer reads (the server's config fills them in).
#[derive(Clone, Debug)]
pub struct AppSettings {
    /// The development sign-in page with seeded users. Never on in production: the server
    /// refuses to start with it on a non-loopback address.
    pub dev_sign_in: bool,
    /// The image label that carries the contact address (`no.uio.contact`).
    pub contact_label: String,
    /// The image label that carries the team / application name (`no.uio.team`).
    pub team_label: String,
    /// A session ends this long after sign-in, however active it is.
    pub session_absolute: std::time::Duration,
    /// Where users reach the portal (links in e-mail), without trailing slash.
    pub public_url: String,
    /// The security team's address for new requests and reminders; `None` sends none.
    pub security_team_email: Option<String>,
    /// Approvals last this many days unless the reviewer chooses otherwise …
    pub approval_default_days: u32,
    /// … and at most this many.
    pub approval_max_days: u32,
    /// Registries (`host:port`) reached over plain http.
    pub insecure_registries: Vec<String>,
    /// How many proxies in front of the portal append to `X-Forwarded-For`: the client address
    /// for the audit trail is the Nth from the right; 0 takes the connection's address.
    pub trusted_proxies: usize,
    /// The organisation's mirror registry; `None`: not configured (nothing is verified).
    pub mirror: Option<crate::mirror::MirrorTarget>,
    /// Mirrored images built longer ago than this are stale (the policy: rebuilt monthly).
    pub max_image_age_days: u32,
    /// The language of pages for visitors who have not chosen one and whose browser asks for
    /// neither, and of mail to the security team (`PORTCULLIS_DEFAULT_LANGUAGE`, `nb`).
    pub default_locale: crate::i18n::Locale,
}

/// Shared state: created once at start, cloned cheaply into every request.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Shared, not copied: every request clones the state.
    pub leptos_options: Arc<LeptosOptions>,
    pub db: Db,
    pub settings: Arc<AppSettings>,
    /// How audit rows are sealed (with the key of `PORTCULLIS_AUDIT_KEY_FILE`, if set).
    pub audit: crate::audit::chain::AuditTrail,
    /// The Red Hat catalog mirror, for equivalents.
    pub catalog: Arc<crate::catalog::mirror::CatalogMirror>,
    /// The rendered allowlist, reused while its version stands.
    pub allowlist_cache: Arc<crate::allowlist::cache::ListCache>,
    /// Upstream tags of repositories with semver entries, read in the background.
    pub upstream_tags: Arc<crate::allowlist::upstream_tags::UpstreamTags>,
    /// The change counters as last read: whether the cached allowlist and tokens still stand.
    pub changes: Arc<crate::changes::ChangeWatch>,
    /// API tokens checked lately, so polling costs no query.
    pub known_tokens: Arc<crate::tokens::known::KnownTokens>,
    /// Reads upstream registries (facts about requested images, their tags). Anonymous: what a
    /// requester names is read with no one's credentials.
    pub registry: Arc<crate::registry::client::RegistryClient>,
    /// Reads the mirror for the verification job only, signed in with
    /// `PORTCULLIS_MIRROR_CREDENTIALS_FILE` when it is set.
    pub mirror_registry: Arc<crate::registry::client::RegistryClient>,
    /// Sign-in through the organisation's provider; `None` when not configured.
    pub oidc: Option<Arc<crate::auth::oidc::OidcClient>>,
}

/// Leptos' routes and file handler read their options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        LeptosOptions::clone(&state.leptos_options)
    }
}
