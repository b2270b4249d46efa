//! Typed configuration, read once at start from environment variables (and `.env` during
//! development). Every variable is listed in the README. A bad value stops the start with a
//! message naming the variable (exit code 2).

use app::auth::oidc::OidcSettings;
use app::catalog::client::CatalogSettings;
use app::catalog::mirror::MirrorSettings;
use app::domain::GroupRoles;
use app::state::AppSettings;
use secrecy::SecretString;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// A URL that may carry a password (`postgres://user:password@…`, `smtps://user:password@…`):
/// its `Debug` shows `user:***`, so the configuration can be logged. Read it with `&*url`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }
}

impl std::ops::Deref for SecretUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&app::persistence::redact_url(&self.0), f)
    }
}

/// Everything the server needs to know at start.
#[derive(Clone, Debug)]
pub struct Config {
    /// `PORTCULLIS_DATABASE_URL`: `sqlite://PATH` or `postgres://…`. May hold a password.
    pub database_url: SecretUrl,
    /// `PORTCULLIS_DATABASE_MAX_CONNECTIONS`: pool size.
    pub database_max_connections: u32,
    /// What the application itself reads, handed to it whole as `AppState::settings`:
    /// `PORTCULLIS_PUBLIC_URL` (without trailing slash), `PORTCULLIS_DEV_SIGNIN`,
    /// `PORTCULLIS_CONTACT_LABEL`, `PORTCULLIS_TEAM_LABEL`, `PORTCULLIS_SESSION_ABSOLUTE_HOURS`,
    /// `PORTCULLIS_SECURITY_TEAM_EMAIL`, `PORTCULLIS_APPROVAL_DEFAULT_DAYS` /
    /// `PORTCULLIS_APPROVAL_MAX_DAYS`, `PORTCULLIS_TRUSTED_PROXIES`,
    /// `PORTCULLIS_INSECURE_REGISTRIES`, `PORTCULLIS_MIRROR_REGISTRY` with
    /// `PORTCULLIS_MIRROR_SCOPED`, and `PORTCULLIS_MAX_IMAGE_AGE_DAYS`.
    pub app: AppSettings,
    /// `LEPTOS_SITE_ADDR`: where the server listens.
    pub site_addr: SocketAddr,
    /// `PORTCULLIS_METRICS_ADDR`: where `GET /metrics` is served on a listener of its own (kept
    /// off the public route); unset, it is served on `LEPTOS_SITE_ADDR` to this machine only.
    pub metrics_addr: Option<SocketAddr>,
    /// `PORTCULLIS_SESSION_IDLE_MINUTES`: a session ends after this long without a request.
    pub session_idle: Duration,
    /// `PORTCULLIS_OIDC_*` and the group variables: sign-in through the organisation's provider.
    pub oidc: Option<OidcSettings>,
    /// `PORTCULLIS_CATALOG_*`: the Red Hat catalog API and its local mirror.
    pub catalog: CatalogConfig,
    /// `PORTCULLIS_SMTP_URL`, `PORTCULLIS_MAIL_FROM` and the reminder timings.
    pub mail: MailConfig,
    /// `PORTCULLIS_PRIVATE_REGISTRIES`: registries (`host:port`) the portal may reach although
    /// their address is not public (the outbound-request policy refuses every other).
    pub private_registries: Vec<String>,
    /// `PORTCULLIS_MIRROR_CREDENTIALS_FILE`: `username:password` for the mirror registry.
    pub mirror_credentials_file: Option<std::path::PathBuf>,
    /// `PORTCULLIS_MIRROR_JOB_SECONDS`: how often the mirror is verified.
    pub mirror_job_interval: Duration,
    /// `PORTCULLIS_AUDIT_KEY_FILE`: a file whose bytes key the audit chain's HMAC.
    pub audit_key_file: Option<std::path::PathBuf>,
    /// `PORTCULLIS_REGISTRY_TIMEOUT_SECONDS`: timeout of each request to a registry.
    pub registry_timeout: Duration,
    /// `PORTCULLIS_LOG`: log filter (`info`, `portcullis=debug,info`, …).
    pub log_filter: String,
}

/// A variable with a value the server cannot use.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// Where the Red Hat catalog is read from and how the mirror refreshes.
#[derive(Clone, Debug)]
pub struct CatalogConfig {
    /// `PORTCULLIS_CATALOG_URL`: the Pyxis API base; `off` keeps the shipped snapshot only.
    pub client: Option<CatalogSettings>,
    /// `PORTCULLIS_CATALOG_REFRESH_MINUTES`, `PORTCULLIS_CATALOG_MAX_AGE_HOURS` and the grade
    /// timings.
    pub mirror: MirrorSettings,
    /// How often the background job looks at the mirror (reload, refresh when due, re-check).
    pub job_interval: Duration,
}

/// E-mail: where it goes out and who gets what.
#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `PORTCULLIS_SMTP_URL`: `smtp://host:25` (plain, loopback only), `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://user:password@host:465` (TLS). `None`: mail stays in the outbox.
    pub smtp_url: Option<SecretUrl>,
    /// `PORTCULLIS_MAIL_FROM`: the sender, e.g. `Portcullis <portcullis@example.org>`.
    pub from: String,
    /// `PORTCULLIS_REVIEW_REMINDER_HOURS`: remind the team of requests waiting this long.
    pub reminder_after: Duration,
    /// `PORTCULLIS_MAIL_JOB_SECONDS`: how often the worker looks at the outbox.
    pub job_interval: Duration,
}

/// Red Hat's public catalog API.
pub const DEFAULT_CATALOG_URL: &str = "https://catalog.redhat.com/api/containers/v1";

/// The default database: a SQLite file in `./data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portcullis.db";
/// Secret settings that may also be given as a file (`NAME_FILE`: the file's content, without
/// the final line break), as platforms mount secrets: each with its file variable.
const FROM_FILE: [(&str, &str); 3] = [
    ("PORTCULLIS_DATABASE_URL", "PORTCULLIS_DATABASE_URL_FILE"),
    ("PORTCULLIS_SMTP_URL", "PORTCULLIS_SMTP_URL_FILE"),
    (
        "PORTCULLIS_OIDC_CLIENT_SECRET",
        "PORTCULLIS_OIDC_CLIENT_SECRET_FILE",
    ),
];

/// The values of the [`FROM_FILE`] settings given as files. A file that is empty (or only
/// whitespace) is refused: an unfilled secret must not quietly mean "use the default".
fn read_secret_files(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<std::collections::HashMap<&'static str, String>, ConfigError> {
    let mut read = std::collections::HashMap::new();
    let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    for (name, file_name) in FROM_FILE {
        match (set(name), set(file_name)) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    file_name,
                    format!("set {name} or {file_name}, not both"),
                ))
            }
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path.trim())
                    .map_err(|e| invalid(file_name, format!("cannot read {path:?}: {e}")))?;
                let value = text.trim();
                if value.is_empty() {
                    return Err(invalid(
                        file_name,
                        format!("{path:?} is empty: put the value in it"),
                    ));
                }
                read.insert(name, value.to_owned());
            }
            _ => {}
        }
    }
    Ok(read)
}

/// The default contact label, from the organisation's image policy.
pub const DEFAULT_CONTACT_LABEL: &str = "no.uio.contact";

impl Config {
    /// Reads the configuration through `lookup` (the process environment in `main`, a map in
    /// tests). `site_addr` is Leptos' `LEPTOS_SITE_ADDR`, already parsed.
    ///
    /// # Errors
    /// The first variable whose value is invalid, with what is wrong.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        site_addr: SocketAddr,
    ) -> Result<Self, ConfigError> {
        let from_files = read_secret_files(&lookup)?;
        let get = |name: &str| {
            from_files
                .get(name)
                .cloned()
                .or_else(|| lookup(name))
                .filter(|v| !v.trim().is_empty())
        };

        let database_url =
            get("PORTCULLIS_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "PORTCULLIS_DATABASE_URL",
                "use sqlite://PATH (e.g. sqlite://data/portcullis.db) or postgres://USER:PASSWORD@HOST/DB",
            ));
        }

        let database_max_connections = parse_number(
            "PORTCULLIS_DATABASE_MAX_CONNECTIONS",
            get("PORTCULLIS_DATABASE_MAX_CONNECTIONS"),
            10,
            1..=1000,
        )? as u32;

        let dev_sign_in = parse_bool("PORTCULLIS_DEV_SIGNIN", get("PORTCULLIS_DEV_SIGNIN"), false)?;
        let refuse_dev_sign_in = |why: String| {
            Err(invalid(
                "PORTCULLIS_DEV_SIGNIN",
                format!("development sign-in lets anyone sign in as anyone, so {why}"),
            ))
        };
        if dev_sign_in && !site_addr.ip().is_loopback() {
            return refuse_dev_sign_in(format!(
                "it only runs on a loopback address, but LEPTOS_SITE_ADDR is {site_addr}"
            ));
        }

        let public_url = get("PORTCULLIS_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim()
            .trim_end_matches('/')
            .to_owned();
        let public_host = public_url
            .strip_prefix("https://")
            .or_else(|| public_url.strip_prefix("http://"))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .ok_or_else(|| {
                invalid(
                    "PORTCULLIS_PUBLIC_URL",
                    format!("{public_url:?} is not an address like https://portcullis.example.org"),
                )
            })?;
        if public_url.starts_with("http://") && !is_loopback_host(public_host) {
            return Err(invalid(
                "PORTCULLIS_PUBLIC_URL",
                "plain http is only allowed for loopback development; use https://",
            ));
        }

        let contact_label =
            get("PORTCULLIS_CONTACT_LABEL").unwrap_or_else(|| DEFAULT_CONTACT_LABEL.to_owned());
        if !label_key_ok(&contact_label) {
            return Err(invalid(
                "PORTCULLIS_CONTACT_LABEL",
                "use a lowercase label key such as no.uio.contact",
            ));
        }

        let session_idle_minutes = parse_number(
            "PORTCULLIS_SESSION_IDLE_MINUTES",
            get("PORTCULLIS_SESSION_IDLE_MINUTES"),
            480,
            1..=60 * 24 * 30,
        )?;

        let session_absolute_hours = parse_number(
            "PORTCULLIS_SESSION_ABSOLUTE_HOURS",
            get("PORTCULLIS_SESSION_ABSOLUTE_HOURS"),
            24,
            1..=24 * 90,
        )?;
        let oidc = oidc_settings(&get, &public_url)?;
        if dev_sign_in {
            // Only on a developer's own machine: reached at loopback, with no real sign-in.
            if !is_loopback_host(public_host) {
                return refuse_dev_sign_in(format!(
                    "it only runs with a loopback public URL, but PORTCULLIS_PUBLIC_URL is \
                     {public_url}"
                ));
            }
            if oidc.is_some() {
                return refuse_dev_sign_in(
                    "it cannot run beside the organisation's sign-in; unset \
                     PORTCULLIS_OIDC_ISSUER or PORTCULLIS_DEV_SIGNIN"
                        .to_owned(),
                );
            }
        }
        let catalog = catalog_config(&get)?;
        let mail = mail_config(&get)?;
        let security_team_email = optional_address(&get, "PORTCULLIS_SECURITY_TEAM_EMAIL")?;
        let approval_default_days = parse_number(
            "PORTCULLIS_APPROVAL_DEFAULT_DAYS",
            get("PORTCULLIS_APPROVAL_DEFAULT_DAYS"),
            365,
            1..=3650,
        )? as u32;
        let approval_max_days = parse_number(
            "PORTCULLIS_APPROVAL_MAX_DAYS",
            get("PORTCULLIS_APPROVAL_MAX_DAYS"),
            365,
            1..=3650,
        )? as u32;
        if approval_default_days > approval_max_days {
            return Err(invalid(
                "PORTCULLIS_APPROVAL_DEFAULT_DAYS",
                format!(
                    "the default ({approval_default_days} days) is longer than \
                     PORTCULLIS_APPROVAL_MAX_DAYS ({approval_max_days})"
                ),
            ));
        }
        let team_label = get("PORTCULLIS_TEAM_LABEL").unwrap_or_else(|| "no.uio.team".to_owned());
        if !label_key_ok(&team_label) {
            return Err(invalid(
                "PORTCULLIS_TEAM_LABEL",
                "use a lowercase label key such as no.uio.team",
            ));
        }
        let insecure_registries: Vec<String> = get("PORTCULLIS_INSECURE_REGISTRIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(bad) = insecure_registries.iter().find(|h| !is_loopback_host(h)) {
            return Err(invalid(
                "PORTCULLIS_INSECURE_REGISTRIES",
                format!("{bad:?} is not a loopback address; plain http is only for registries on this machine"),
            ));
        }
        let registry_timeout = Duration::from_secs(parse_number(
            "PORTCULLIS_REGISTRY_TIMEOUT_SECONDS",
            get("PORTCULLIS_REGISTRY_TIMEOUT_SECONDS"),
            5,
            1..=60,
        )?);
        let private_registries = host_port_list(&get, "PORTCULLIS_PRIVATE_REGISTRIES")?;
        if let Some(bad) = insecure_registries
            .iter()
            .find(|h| !private_registries.iter().any(|p| p.eq_ignore_ascii_case(h)))
        {
            return Err(invalid(
                "PORTCULLIS_INSECURE_REGISTRIES",
                format!(
                    "{bad:?} is on this machine, so the outbound-request policy refuses it; \
                     list it in PORTCULLIS_PRIVATE_REGISTRIES too"
                ),
            ));
        }
        if get("PORTCULLIS_TRUST_FORWARDED_FOR").is_some() {
            return Err(invalid(
                "PORTCULLIS_TRUST_FORWARDED_FOR",
                "replaced by PORTCULLIS_TRUSTED_PROXIES=N, the number of proxies in front of \
                 the portal (1 for one reverse proxy)",
            ));
        }
        let trusted_proxies = parse_number(
            "PORTCULLIS_TRUSTED_PROXIES",
            get("PORTCULLIS_TRUSTED_PROXIES"),
            0,
            0..=10,
        )? as usize;
        let mirror_scoped = parse_bool(
            "PORTCULLIS_MIRROR_SCOPED",
            get("PORTCULLIS_MIRROR_SCOPED"),
            false,
        )?;
        let mirror = get("PORTCULLIS_MIRROR_REGISTRY")
            .map(|text| {
                app::mirror::MirrorTarget::parse(&text, mirror_scoped)
                    .map_err(|e| invalid("PORTCULLIS_MIRROR_REGISTRY", e))
            })
            .transpose()?;
        let mirror_credentials_file =
            get("PORTCULLIS_MIRROR_CREDENTIALS_FILE").map(std::path::PathBuf::from);
        if mirror_credentials_file.is_some() && mirror.is_none() {
            return Err(invalid(
                "PORTCULLIS_MIRROR_CREDENTIALS_FILE",
                "set PORTCULLIS_MIRROR_REGISTRY too: the credentials are for the mirror",
            ));
        }
        let mirror_job_interval = Duration::from_secs(parse_number(
            "PORTCULLIS_MIRROR_JOB_SECONDS",
            get("PORTCULLIS_MIRROR_JOB_SECONDS"),
            300,
            1..=86_400,
        )?);
        let max_image_age_days = parse_number(
            "PORTCULLIS_MAX_IMAGE_AGE_DAYS",
            get("PORTCULLIS_MAX_IMAGE_AGE_DAYS"),
            30,
            1..=3650,
        )? as u32;
        let default_locale = match get("PORTCULLIS_DEFAULT_LANGUAGE") {
            None => app::i18n::Locale::nb,
            Some(code) => app::i18n::parse_code(&code).ok_or_else(|| {
                invalid(
                    "PORTCULLIS_DEFAULT_LANGUAGE",
                    "use nb (Norwegian bokmål) or en (English)",
                )
            })?,
        };
        let metrics_addr = get("PORTCULLIS_METRICS_ADDR")
            .map(|text| {
                text.trim().parse::<SocketAddr>().map_err(|_| {
                    invalid(
                        "PORTCULLIS_METRICS_ADDR",
                        "give an address and port, e.g. 0.0.0.0:9100 or 127.0.0.1:9100",
                    )
                })
            })
            .transpose()?;
        if metrics_addr == Some(site_addr) {
            return Err(invalid(
                "PORTCULLIS_METRICS_ADDR",
                "it must differ from LEPTOS_SITE_ADDR (leave it unset to serve /metrics there)",
            ));
        }
        let audit_key_file = get("PORTCULLIS_AUDIT_KEY_FILE")
            .filter(|p| !p.trim().is_empty())
            .map(std::path::PathBuf::from);

        Ok(Self {
            database_url: SecretUrl::new(database_url),
            database_max_connections,
            app: AppSettings {
                dev_sign_in,
                contact_label,
                team_label,
                session_absolute: Duration::from_secs(session_absolute_hours * 3600),
                public_url,
                security_team_email,
                approval_default_days,
                approval_max_days,
                insecure_registries,
                trusted_proxies,
                mirror,
                max_image_age_days,
                default_locale,
            },
            mirror_credentials_file,
            mirror_job_interval,
            site_addr,
            metrics_addr,
            session_idle: Duration::from_secs(session_idle_minutes * 60),
            oidc,
            catalog,
            mail,
            private_registries,
            audit_key_file,
            registry_timeout,
            log_filter: get("PORTCULLIS_LOG").unwrap_or_else(|| "info".to_owned()),
        })
    }

    /// True when users reach the portal over https (cookies are then `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.app.public_url.starts_with("https://")
    }

    /// The scheme, host and port of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> &str {
        &self.app.public_url
    }
}

/// An optional e-mail address in `variable`.
fn optional_address(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<String>, ConfigError> {
    get(variable)
        .map(|text| {
            app::domain::ContactAddress::parse(&text)
                .map(|a| a.as_str().to_owned())
                .map_err(|e| invalid(variable, e.to_string()))
        })
        .transpose()
}

fn mail_config(get: &impl Fn(&str) -> Option<String>) -> Result<MailConfig, ConfigError> {
    let smtp_url = get("PORTCULLIS_SMTP_URL").map(|u| u.trim().to_owned());
    if let Some(url) = &smtp_url {
        let ok = ["smtp://", "smtps://"].iter().any(|p| url.starts_with(p));
        if !ok {
            return Err(invalid(
                "PORTCULLIS_SMTP_URL",
                "use smtp://HOST:PORT?tls=required (STARTTLS), smtps://USER:PASSWORD@HOST:465 (TLS), \
                 or smtp://127.0.0.1:PORT (plain, loopback only)",
            ));
        }
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.rsplit('@').next())
            .and_then(|rest| rest.split(['/', '?']).next())
            .unwrap_or("");
        let encrypted = url.starts_with("smtps://") || url.contains("tls=required");
        if !encrypted && !is_loopback_host(host) {
            return Err(invalid(
                "PORTCULLIS_SMTP_URL",
                "plain SMTP is only allowed to a loopback address; add ?tls=required or use smtps://",
            ));
        }
    }
    let from = get("PORTCULLIS_MAIL_FROM")
        .unwrap_or_else(|| "Portcullis <portcullis@localhost>".to_owned());
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "PORTCULLIS_MAIL_FROM",
            format!("{from:?} is not a sender; write e.g. Portcullis <portcullis@example.org>"),
        ));
    }
    let reminder_hours = parse_number(
        "PORTCULLIS_REVIEW_REMINDER_HOURS",
        get("PORTCULLIS_REVIEW_REMINDER_HOURS"),
        48,
        1..=24 * 90,
    )?;
    let job_seconds = parse_number(
        "PORTCULLIS_MAIL_JOB_SECONDS",
        get("PORTCULLIS_MAIL_JOB_SECONDS"),
        10,
        1..=3600,
    )?;
    Ok(MailConfig {
        smtp_url: smtp_url.map(SecretUrl::new),
        from,
        reminder_after: Duration::from_secs(reminder_hours * 3600),
        job_interval: Duration::from_secs(job_seconds),
    })
}

fn catalog_config(get: &impl Fn(&str) -> Option<String>) -> Result<CatalogConfig, ConfigError> {
    let url = get("PORTCULLIS_CATALOG_URL").unwrap_or_else(|| DEFAULT_CATALOG_URL.to_owned());
    let url = url.trim().trim_end_matches('/').to_owned();
    let enabled = !["off", "none", "false"].contains(&url.to_ascii_lowercase().as_str());
    if enabled && !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(invalid(
            "PORTCULLIS_CATALOG_URL",
            format!(
                "{url:?} is not an http(s) address; use e.g. {DEFAULT_CATALOG_URL}, or off to use \
                 only the shipped snapshot"
            ),
        ));
    }
    let number = |variable, default, range| parse_number(variable, get(variable), default, range);
    let timeout = number("PORTCULLIS_CATALOG_TIMEOUT_SECONDS", 3, 1..=60)?;
    let attempts = number("PORTCULLIS_CATALOG_ATTEMPTS", 3, 1..=10)?;
    let refresh_minutes = number("PORTCULLIS_CATALOG_REFRESH_MINUTES", 360, 1..=60 * 24 * 30)?;
    let max_age_hours = number("PORTCULLIS_CATALOG_MAX_AGE_HOURS", 48, 1..=24 * 365)?;
    let job_seconds = number("PORTCULLIS_CATALOG_JOB_SECONDS", 60, 1..=3600)?;
    Ok(CatalogConfig {
        client: enabled.then(|| CatalogSettings {
            base_url: url,
            timeout: Duration::from_secs(timeout),
            attempts: attempts as u32,
            backoff: Duration::from_millis(250),
        }),
        mirror: MirrorSettings {
            refresh_every: Duration::from_secs(refresh_minutes * 60),
            max_age: Duration::from_secs(max_age_hours * 3600),
            ..MirrorSettings::default()
        },
        job_interval: Duration::from_secs(job_seconds),
    })
}

/// The OpenID Connect settings, when `PORTCULLIS_OIDC_ISSUER` is set.
fn oidc_settings(
    get: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<Option<OidcSettings>, ConfigError> {
    let Some(issuer) = get("PORTCULLIS_OIDC_ISSUER") else {
        return Ok(None);
    };
    let issuer = issuer.trim().trim_end_matches('/').to_owned();
    https_or_loopback(
        "PORTCULLIS_OIDC_ISSUER",
        &issuer,
        "the provider's https:// issuer URL",
    )?;
    // Sent the user's access token: https only, like the issuer.
    let groups_url = get("PORTCULLIS_OIDC_GROUPS_URL")
        .map(|url| {
            let url = url.trim().to_owned();
            https_or_loopback(
                "PORTCULLIS_OIDC_GROUPS_URL",
                &url,
                "the groups API's https:// URL, e.g. https://groups-api.dataporten.no/groups/me/groups",
            )
            .map(|()| url)
        })
        .transpose()?;
    let client_id = get("PORTCULLIS_OIDC_CLIENT_ID").ok_or_else(|| {
        invalid(
            "PORTCULLIS_OIDC_CLIENT_ID",
            "required when PORTCULLIS_OIDC_ISSUER is set",
        )
    })?;
    // A file's value (PORTCULLIS_OIDC_CLIENT_SECRET_FILE) arrives here through `get`.
    let client_secret = get("PORTCULLIS_OIDC_CLIENT_SECRET").ok_or_else(|| {
        invalid(
            "PORTCULLIS_OIDC_CLIENT_SECRET",
            "required when PORTCULLIS_OIDC_ISSUER is set (or PORTCULLIS_OIDC_CLIENT_SECRET_FILE)",
        )
    })?;
    let list = |name: &str| -> Vec<String> {
        get(name)
            .map(|v| {
                v.split(',')
                    .map(|g| g.trim().to_owned())
                    .filter(|g| !g.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut scopes: Vec<String> = get("PORTCULLIS_OIDC_SCOPES")
        .unwrap_or_else(|| "openid profile email".to_owned())
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".to_owned());
    }
    let timeout_seconds = parse_number(
        "PORTCULLIS_OIDC_TIMEOUT_SECONDS",
        get("PORTCULLIS_OIDC_TIMEOUT_SECONDS"),
        5,
        1..=60,
    )?;
    Ok(Some(OidcSettings {
        issuer,
        client_id: client_id.trim().to_owned(),
        client_secret: SecretString::from(client_secret),
        redirect_url: format!("{public_url}/auth/callback"),
        post_logout_url: format!("{public_url}/"),
        scopes,
        groups_claim: get("PORTCULLIS_OIDC_GROUPS_CLAIM").unwrap_or_else(|| "groups".to_owned()),
        groups_url,
        group_roles: GroupRoles {
            requester_groups: list("PORTCULLIS_REQUESTER_GROUPS"),
            reviewer_groups: list("PORTCULLIS_REVIEWER_GROUPS"),
            admin_groups: list("PORTCULLIS_ADMIN_GROUPS"),
        },
        timeout: Duration::from_secs(timeout_seconds),
    }))
}

/// Refuses a URL that is not `https://`, except plain http to a loopback address (the tests'
/// provider). Parsed, not prefix-matched: `http://127.0.0.1.example.org` is not loopback.
fn https_or_loopback(variable: &'static str, text: &str, wanted: &str) -> Result<(), ConfigError> {
    let refuse = || {
        invalid(
            variable,
            format!("use {wanted} (plain http only on loopback, for tests)"),
        )
    };
    let url = url::Url::parse(text).map_err(|_| refuse())?;
    // The parser lowercases the host and writes IPv6 in brackets, as is_loopback_host reads it.
    let loopback = url.host_str().is_some_and(is_loopback_host);
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(refuse()),
    }
}

fn parse_number(
    variable: &'static str,
    value: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                invalid(
                    variable,
                    format!(
                        "{v:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            }),
    }
}

fn parse_bool(
    variable: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(invalid(variable, format!("{v:?} is not true or false"))),
    }
}

/// A label key as the portal accepts one: lowercase letters, digits, `.-_/`, at most 128.
fn label_key_ok(key: &str) -> bool {
    key.len() <= 128
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_/".contains(c))
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// A comma-separated list of `host:port` (IPv6 hosts in brackets).
fn host_port_list(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Vec<String>, ConfigError> {
    let list: Vec<String> = get(variable)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    for entry in &list {
        let port_ok = entry.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && !host.ends_with(':') && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        if !port_ok {
            return Err(invalid(
                variable,
                format!(
                    "{entry:?} is not host:port (e.g. registry.internal:443 or 127.0.0.1:5000)"
                ),
            ));
        }
    }
    Ok(list)
}

fn is_loopback_host(host_and_port: &str) -> bool {
    let host = match host_and_port.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host_and_port.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)], addr: &str) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned(), addr.parse().unwrap())
    }

    /// Platforms mount secrets as files: the database and SMTP URLs can come from one.
    #[test]
    fn secret_urls_can_be_read_from_mounted_files() {
        let dir = std::env::temp_dir().join(format!("portcullis-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let database = dir.join("database-url");
        std::fs::write(
            &database,
            "postgres://portcullis:s3cret@db:5432/portcullis\n",
        )
        .unwrap();
        let smtp = dir.join("smtp-url");
        std::fs::write(&smtp, "smtp://mail.example.org:587?tls=required").unwrap();
        let (database, smtp) = (database.to_str().unwrap(), smtp.to_str().unwrap());
        let c = load(
            &[
                ("PORTCULLIS_DATABASE_URL_FILE", database),
                ("PORTCULLIS_SMTP_URL_FILE", smtp),
            ],
            "127.0.0.1:3000",
        )
        .unwrap();
        assert_eq!(
            &*c.database_url,
            "postgres://portcullis:s3cret@db:5432/portcullis"
        );
        assert!(c.mail.smtp_url.is_some());
        let both = load(
            &[
                ("PORTCULLIS_DATABASE_URL", "sqlite://x.db"),
                ("PORTCULLIS_DATABASE_URL_FILE", database),
            ],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(both.variable, "PORTCULLIS_DATABASE_URL_FILE");
        let missing = load(
            &[("PORTCULLIS_SMTP_URL_FILE", "/nonexistent/smtp-url")],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(missing.variable, "PORTCULLIS_SMTP_URL_FILE");
        assert!(missing.message.contains("cannot read"), "{missing:?}");
        // An unfilled secret is refused, not taken as "no setting".
        let blank = dir.join("blank");
        std::fs::write(&blank, " \n").unwrap();
        let empty = load(
            &[("PORTCULLIS_DATABASE_URL_FILE", blank.to_str().unwrap())],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(empty.variable, "PORTCULLIS_DATABASE_URL_FILE");
        assert!(empty.message.contains("is empty"), "{empty:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn defaults_give_a_local_sqlite_portal() {
        let c = load(&[], "127.0.0.1:3000").unwrap();
        assert_eq!(&*c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.app.public_url, "http://127.0.0.1:3000");
        assert!(!c.app.dev_sign_in);
        assert_eq!(c.app.contact_label, "no.uio.contact");
        assert_eq!(c.session_idle, Duration::from_secs(8 * 3600));
        assert!(!c.is_https());
    }

    #[test]
    fn dev_sign_in_is_refused_off_loopback() {
        let e = load(&[("PORTCULLIS_DEV_SIGNIN", "true")], "0.0.0.0:3000").unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_DEV_SIGNIN");
        assert!(e.message.contains("0.0.0.0:3000"));
        assert!(
            load(&[("PORTCULLIS_DEV_SIGNIN", "true")], "127.0.0.1:3000")
                .unwrap()
                .app
                .dev_sign_in
        );
        assert!(load(&[("PORTCULLIS_DEV_SIGNIN", "true")], "[::1]:3000").is_ok());
    }

    #[test]
    fn dev_sign_in_is_refused_behind_a_public_url_or_beside_a_provider() {
        let e = load(
            &[
                ("PORTCULLIS_DEV_SIGNIN", "true"),
                ("PORTCULLIS_PUBLIC_URL", "https://portcullis.example.org"),
            ],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_DEV_SIGNIN");
        assert!(e.message.contains("loopback public URL"), "{e}");
        let e = load(
            &[
                ("PORTCULLIS_DEV_SIGNIN", "true"),
                ("PORTCULLIS_OIDC_ISSUER", "https://idp.example.org"),
                ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis"),
                ("PORTCULLIS_OIDC_CLIENT_SECRET", "s"),
            ],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_DEV_SIGNIN");
        assert!(e.message.contains("PORTCULLIS_OIDC_ISSUER"), "{e}");
    }

    #[test]
    fn registries_on_this_machine_must_be_listed_as_private() {
        let e = load(
            &[("PORTCULLIS_INSECURE_REGISTRIES", "127.0.0.1:5000")],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_INSECURE_REGISTRIES");
        let c = load(
            &[
                ("PORTCULLIS_INSECURE_REGISTRIES", "127.0.0.1:5000"),
                (
                    "PORTCULLIS_PRIVATE_REGISTRIES",
                    "127.0.0.1:5000, Registry.LAN:443",
                ),
            ],
            "127.0.0.1:3000",
        )
        .unwrap();
        assert_eq!(c.private_registries, ["127.0.0.1:5000", "registry.lan:443"]);
        for bad in [
            "registry.lan",
            ":443",
            "registry.lan:0",
            "registry.lan:https",
        ] {
            let e = load(&[("PORTCULLIS_PRIVATE_REGISTRIES", bad)], "127.0.0.1:3000").unwrap_err();
            assert_eq!(e.variable, "PORTCULLIS_PRIVATE_REGISTRIES", "{bad}");
        }
        let e = load(
            &[("PORTCULLIS_TRUST_FORWARDED_FOR", "true")],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert!(e.message.contains("PORTCULLIS_TRUSTED_PROXIES"), "{e}");
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (variable, value) in [
            ("PORTCULLIS_DEV_SIGNIN", "maybe"),
            ("PORTCULLIS_DATABASE_URL", "mysql://x"),
            ("PORTCULLIS_DATABASE_MAX_CONNECTIONS", "0"),
            ("PORTCULLIS_DATABASE_MAX_CONNECTIONS", "ten"),
            ("PORTCULLIS_PUBLIC_URL", "portcullis.example.org"),
            ("PORTCULLIS_PUBLIC_URL", "http://portcullis.example.org"),
            ("PORTCULLIS_CONTACT_LABEL", "No Contact"),
            ("PORTCULLIS_SESSION_IDLE_MINUTES", "-5"),
        ] {
            let e = load(&[(variable, value)], "127.0.0.1:3000").unwrap_err();
            assert_eq!(e.variable, variable, "{variable}={value}");
        }
    }

    #[test]
    fn oidc_needs_a_client_and_a_secret_and_reads_the_secret_from_a_file() {
        let issuer = (
            "PORTCULLIS_OIDC_ISSUER",
            "https://idp.example.org/realms/uio",
        );
        let e = load(&[issuer], "127.0.0.1:3000").unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_OIDC_CLIENT_ID");
        let e = load(
            &[issuer, ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis")],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_OIDC_CLIENT_SECRET");

        let file = std::env::temp_dir().join(format!("portcullis-secret-{}", std::process::id()));
        std::fs::write(&file, "s3cret-from-file\n").unwrap();
        let c = load(
            &[
                issuer,
                ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis"),
                ("PORTCULLIS_OIDC_CLIENT_SECRET_FILE", file.to_str().unwrap()),
                ("PORTCULLIS_REVIEWER_GROUPS", "security-reviewers, soc"),
            ],
            "127.0.0.1:3000",
        )
        .unwrap();
        let oidc = c.oidc.clone().unwrap();
        use secrecy::ExposeSecret;
        assert_eq!(oidc.client_secret.expose_secret(), "s3cret-from-file");
        assert_eq!(oidc.redirect_url, "http://127.0.0.1:3000/auth/callback");
        assert_eq!(
            oidc.group_roles.reviewer_groups,
            vec!["security-reviewers", "soc"]
        );
        assert_eq!(oidc.scopes, vec!["openid", "profile", "email"]);
        assert!(!format!("{c:?}").contains("s3cret"));
        let _ = std::fs::remove_file(file);

        let e = load(
            &[("PORTCULLIS_OIDC_ISSUER", "http://idp.example.org")],
            "127.0.0.1:3000",
        )
        .unwrap_err();
        assert_eq!(e.variable, "PORTCULLIS_OIDC_ISSUER");
    }

    #[test]
    fn https_public_urls_are_accepted_anywhere() {
        let c = load(
            &[("PORTCULLIS_PUBLIC_URL", "https://portcullis.example.org/")],
            "0.0.0.0:3000",
        )
        .unwrap();
        assert_eq!(c.app.public_url, "https://portcullis.example.org");
        assert!(c.is_https());
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let c = load(
            &[(
                "PORTCULLIS_DATABASE_URL",
                "postgres://app:hunter2@db/portcullis",
            )],
            "127.0.0.1:3000",
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
