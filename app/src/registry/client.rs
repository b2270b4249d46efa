//! A small client for the OCI distribution (registry v2) API with reqwest: manifests (image
//! indexes included), config blobs and tag lists, with the anonymous bearer-token flow that
//! Docker Hub, ghcr.io and quay.io ask for. Server only.
//!
//! The registry is the requester's choice, so every call goes through the outbound policy
//! ([`crate::outbound`]): private addresses are refused at every lookup, redirect and token
//! realm; every body is read up to a cap; the tag list stops after [`MAX_TAG_PAGES`] pages; and
//! each lookup ends after [`OPERATION_MAX`] whatever the registry does. Users are told a short
//! reason; the details go to the log.

use super::model::ImageFacts;
use crate::domain::image_reference::is_valid_tag;
use crate::domain::ImageReference;
use crate::outbound::{self, AddressRefused, BodyError, OutboundPolicy};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why the registry gave no facts; said plainly on the request page. The texts name no cause
/// that would tell a requester more about the network than "not allowed" or "unreachable".
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("this registry's address ({host}) is not allowed")]
    NotAllowed { host: String },
    #[error("the registry {host} is unreachable")]
    Unreachable { host: String },
    #[error("the registry {host} answered {status} for {what}")]
    Status {
        host: String,
        status: u16,
        what: String,
    },
    #[error("the registry {host} sent an answer that could not be read")]
    Malformed { host: String },
    #[error("the registry {host} sent more than the portal reads for {what}")]
    TooLarge { host: String, what: String },
}

/// The most read of a manifest or image index (the distribution spec's own limit).
pub const MANIFEST_MAX_BYTES: usize = 4 << 20;
/// The most read of an image config blob.
pub const CONFIG_MAX_BYTES: usize = 4 << 20;
/// The most read of one page of a tag list, or of a token answer.
pub const PAGE_MAX_BYTES: usize = 2 << 20;
/// Most pages of a tag list read.
pub const MAX_TAG_PAGES: usize = 20;
/// Most tags read from one repository.
pub const MAX_TAGS: usize = 10_000;
/// The longest one lookup (facts, or the tag list) may take, whatever the registry does.
pub const OPERATION_MAX: Duration = Duration::from_secs(20);

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// Most repositories read from a registry's catalog (the mirror's).
pub const MAX_REPOSITORIES: usize = 100_000;

/// Reads registries. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RegistryClient {
    http: reqwest::Client,
    policy: OutboundPolicy,
    /// Hosts (`host:port`) reached over plain http, e.g. a registry on loopback.
    insecure: Vec<String>,
    /// The one registry the portal signs in to (the mirror): its host and credentials.
    credentials: Option<std::sync::Arc<RegistryCredentials>>,
}

/// A user name and password for one registry host, sent as Basic authentication to it and to
/// the token service it names. Never shown in `Debug`.
#[derive(Clone)]
pub struct RegistryCredentials {
    pub host: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for RegistryCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryCredentials")
            .field("host", &self.host)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl RegistryCredentials {
    /// Reads `username:password` (one line) for `host`.
    ///
    /// # Errors
    /// The text is not `username:password`.
    pub fn parse(host: &str, text: &str) -> Result<Self, String> {
        let line = text.trim_end_matches(['\n', '\r']);
        match line.split_once(':') {
            Some((username, password))
                if !username.is_empty() && !password.is_empty() && !line.contains('\n') =>
            {
                Ok(Self {
                    host: host.to_owned(),
                    username: username.to_owned(),
                    password: password.to_owned(),
                })
            }
            _ => Err("write one line: username:password".to_owned()),
        }
    }
}

#[derive(Deserialize)]
struct CatalogPage {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
    #[serde(default)]
    size: u64,
    platform: Option<Platform>,
}

#[derive(Deserialize)]
struct Platform {
    architecture: String,
    os: String,
    variant: Option<String>,
}

#[derive(Deserialize)]
struct ImageConfig {
    created: Option<String>,
    #[serde(default)]
    config: Option<ContainerConfig>,
    architecture: Option<String>,
    os: Option<String>,
}

#[derive(Deserialize)]
struct ContainerConfig {
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

impl RegistryClient {
    /// A client with `timeout` per request that connects only where `policy` allows;
    /// `insecure` hosts are reached over http.
    ///
    /// # Errors
    /// The TLS backend cannot be initialised.
    pub fn new(
        timeout: Duration,
        policy: OutboundPolicy,
        insecure: Vec<String>,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: policy.client(timeout)?,
            policy,
            insecure,
            credentials: None,
        })
    }

    /// The same client, signing in to `credentials.host` with them.
    pub fn with_credentials(mut self, credentials: RegistryCredentials) -> Self {
        self.credentials = Some(std::sync::Arc::new(credentials));
        self
    }

    fn credentials_for(&self, host: &str) -> Option<&RegistryCredentials> {
        self.credentials.as_deref().filter(|c| c.host == host)
    }

    fn base(&self, registry: &str) -> (String, String) {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_owned()
        } else {
            registry.to_owned()
        };
        let scheme = if self.is_insecure(registry) || self.is_insecure(&host) {
            "http"
        } else {
            "https"
        };
        (format!("{scheme}://{host}"), host)
    }

    fn is_insecure(&self, host_and_port: &str) -> bool {
        self.insecure.iter().any(|h| h == host_and_port)
    }

    /// The error for a failed request to `host`, with the cause in the log only.
    fn failed(&self, host: &str, what: &str, error: &reqwest::Error) -> RegistryError {
        if let Some(refused) = outbound::refusal_in(error) {
            return RegistryError::NotAllowed {
                host: refused.host.clone(),
            };
        }
        tracing::warn!(target: "outbound", host, what, error = %outbound::error_chain(error),
            "registry request failed");
        RegistryError::Unreachable {
            host: host.to_owned(),
        }
    }

    /// One request to `url`, checked against the policy first (IP literals never reach the
    /// resolver); `basic` (the registry's credentials) when there is no token.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        method: reqwest::Method,
        host: &str,
        what: &str,
        url: reqwest::Url,
        accept: &str,
        token: Option<&str>,
        basic: Option<&RegistryCredentials>,
    ) -> Result<reqwest::Response, RegistryError> {
        self.policy
            .check_url(&url)
            .map_err(|AddressRefused { host }| {
                tracing::warn!(target: "security", host = %host, what, "outbound request refused by the policy");
                RegistryError::NotAllowed { host }
            })?;
        let mut request = self.http.request(method, url).header("accept", accept);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        } else if let Some(basic) = basic {
            request = request.basic_auth(&basic.username, Some(&basic.password));
        }
        request
            .send()
            .await
            .map_err(|e| self.failed(host, what, &e))
    }

    /// Reads a body up to `limit` bytes.
    async fn body(
        &self,
        host: &str,
        what: &str,
        response: reqwest::Response,
        limit: usize,
    ) -> Result<Vec<u8>, RegistryError> {
        outbound::read_capped(response, limit)
            .await
            .map_err(|e| match e {
                BodyError::TooLarge { limit } => {
                    tracing::warn!(target: "outbound", host, what, limit, "registry answer over the cap");
                    RegistryError::TooLarge {
                        host: host.to_owned(),
                        what: what.to_owned(),
                    }
                }
                BodyError::Transport(e) => self.failed(host, what, &e),
            })
    }

    fn malformed(host: &str, what: &str, detail: impl std::fmt::Display) -> RegistryError {
        tracing::warn!(target: "outbound", host, what, detail = %detail, "registry answer not understood");
        RegistryError::Malformed {
            host: host.to_owned(),
        }
    }

    /// GET with the anonymous token flow: on 401 with `WWW-Authenticate: Bearer …`, fetch a
    /// pull token from the realm (https, unless the realm's host is an insecure registry; and
    /// where the policy allows) and try once more.
    async fn get(
        &self,
        registry: &str,
        path: &str,
        accept: &str,
        token: &mut Option<String>,
    ) -> Result<reqwest::Response, RegistryError> {
        self.request(reqwest::Method::GET, registry, path, accept, token)
            .await
    }

    /// [`Self::get`] with another method (HEAD).
    async fn request(
        &self,
        method: reqwest::Method,
        registry: &str,
        path: &str,
        accept: &str,
        token: &mut Option<String>,
    ) -> Result<reqwest::Response, RegistryError> {
        let (base, host) = self.base(registry);
        let url = reqwest::Url::parse(&format!("{base}{path}"))
            .map_err(|e| Self::malformed(&host, path, e))?;
        let basic = self.credentials_for(&host);
        for _ in 0..2 {
            let response = self
                .send(
                    method.clone(),
                    &host,
                    path,
                    url.clone(),
                    accept,
                    token.as_deref(),
                    basic,
                )
                .await?;
            if response.status() != reqwest::StatusCode::UNAUTHORIZED || token.is_some() {
                return Ok(response);
            }
            let challenge = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_bearer_challenge);
            let Some(challenge) = challenge else {
                return Ok(response);
            };
            *token = Some(self.anonymous_token(&host, &challenge).await?);
        }
        Err(RegistryError::Status {
            host,
            status: 401,
            what: path.to_owned(),
        })
    }

    /// A pull token from the challenge's realm.
    async fn anonymous_token(
        &self,
        host: &str,
        challenge: &BearerChallenge,
    ) -> Result<String, RegistryError> {
        const WHAT: &str = "an anonymous pull token";
        let mut url = reqwest::Url::parse(&challenge.realm).map_err(|e| {
            Self::malformed(host, WHAT, format!("realm {:?}: {e}", challenge.realm))
        })?;
        let realm_host = match (url.host_str(), url.port_or_known_default()) {
            (Some(h), Some(p)) if url.host().is_some_and(|h| matches!(h, url::Host::Ipv6(_))) => {
                format!("[{}]:{p}", h.trim_matches(['[', ']']))
            }
            (Some(h), Some(p)) => format!("{h}:{p}"),
            _ => String::new(),
        };
        if url.scheme() != "https" && !(url.scheme() == "http" && self.is_insecure(&realm_host)) {
            tracing::warn!(target: "security", host, realm = %challenge.realm,
                "token realm refused: it must be https");
            return Err(RegistryError::NotAllowed {
                host: url.host_str().unwrap_or_default().to_owned(),
            });
        }
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = &challenge.service {
                query.append_pair("service", service);
            }
            if let Some(scope) = &challenge.scope {
                query.append_pair("scope", scope);
            }
        }
        // The registry's own credentials go to its token service only when that runs on the
        // registry's own host: a realm elsewhere gets an anonymous token request.
        let registry_name = host.rsplit_once(':').map_or(host, |(name, _)| name);
        let basic = self
            .credentials_for(host)
            .filter(|_| url.host_str() == Some(registry_name));
        let answer = self
            .send(
                reqwest::Method::GET,
                host,
                WHAT,
                url,
                "application/json",
                None,
                basic,
            )
            .await?;
        if !answer.status().is_success() {
            return Err(RegistryError::Status {
                host: host.to_owned(),
                status: answer.status().as_u16(),
                what: WHAT.into(),
            });
        }
        let bytes = self.body(host, WHAT, answer, PAGE_MAX_BYTES).await?;
        let body: TokenAnswer =
            serde_json::from_slice(&bytes).map_err(|e| Self::malformed(host, WHAT, e))?;
        body.token
            .or(body.access_token)
            .ok_or_else(|| Self::malformed(host, WHAT, "the token answer holds no token"))
    }

    async fn json<T: for<'de> Deserialize<'de>>(
        &self,
        registry: &str,
        path: &str,
        accept: &str,
        limit: usize,
        token: &mut Option<String>,
    ) -> Result<(T, Option<String>), RegistryError> {
        let (_, host) = self.base(registry);
        let response = self.get(registry, path, accept, token).await?;
        if !response.status().is_success() {
            return Err(RegistryError::Status {
                host,
                status: response.status().as_u16(),
                what: path.to_owned(),
            });
        }
        let claimed = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = self.body(&host, path, response, limit).await?;
        // The digest a reviewer may pin is the one of the bytes read, never a header's claim.
        let digest = sha256_digest(&bytes);
        if claimed
            .as_deref()
            .is_some_and(|c| c.starts_with("sha256:") && c != digest)
        {
            tracing::warn!(target: "security", host = %host, path, claimed = ?claimed, computed = %digest,
                "the registry's Docker-Content-Digest does not match what it sent");
        }
        let digest = Some(digest);
        let value = serde_json::from_slice(&bytes).map_err(|e| Self::malformed(&host, path, e))?;
        Ok((value, digest))
    }

    /// A manifest or image index at `path`, and its digest.
    async fn manifest(
        &self,
        registry: &str,
        path: &str,
        token: &mut Option<String>,
    ) -> Result<(Manifest, Option<String>), RegistryError> {
        self.json(registry, path, MANIFEST_TYPES, MANIFEST_MAX_BYTES, token)
            .await
    }

    /// Digest, platforms, created date, size and labels of `image` (its tag, or `latest`), in
    /// at most [`OPERATION_MAX`].
    ///
    /// # Errors
    /// [`RegistryError`]: not allowed by the outbound policy, unreachable (or too slow), an
    /// error status (401 for a private image, 404 for an unknown tag), an answer over its cap,
    /// or one that is not a manifest.
    pub async fn facts(
        &self,
        image: &ImageReference,
        contact_label: &str,
        team_label: &str,
    ) -> Result<ImageFacts, RegistryError> {
        self.bounded(
            image.registry(),
            self.facts_unbounded(image, contact_label, team_label),
        )
        .await
    }

    /// `work` on `registry`, ended after [`OPERATION_MAX`] whatever the registry does.
    async fn bounded<T>(
        &self,
        registry: &str,
        work: impl std::future::Future<Output = Result<T, RegistryError>>,
    ) -> Result<T, RegistryError> {
        let host = self.base(registry).1;
        tokio::time::timeout(OPERATION_MAX, work)
            .await
            .unwrap_or_else(|_| {
                tracing::warn!(target: "outbound", host = %host, "registry lookup took too long");
                Err(RegistryError::Unreachable { host })
            })
    }

    async fn facts_unbounded(
        &self,
        image: &ImageReference,
        contact_label: &str,
        team_label: &str,
    ) -> Result<ImageFacts, RegistryError> {
        let registry = image.registry();
        let repository = image.repository();
        let reference = image
            .digest()
            .or(image.tag())
            .unwrap_or("latest")
            .to_owned();
        let mut token = None;
        let path = format!("/v2/{repository}/manifests/{reference}");
        let (top, digest) = self.manifest(registry, &path, &mut token).await?;
        let digest = digest.unwrap_or_default();
        let (manifest, mut platforms) = if !top.manifests.is_empty()
            || top.media_type.contains("index")
            || top.media_type.contains("list")
        {
            let platforms: Vec<String> = top
                .manifests
                .iter()
                .filter_map(|m| m.platform.as_ref())
                .filter(|p| p.os != "unknown")
                .map(|p| match &p.variant {
                    Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                    None => format!("{}/{}", p.os, p.architecture),
                })
                .collect();
            let first = top
                .manifests
                .iter()
                .find(|m| {
                    m.platform
                        .as_ref()
                        .is_some_and(|p| p.os == "linux" && p.architecture == "amd64")
                })
                .or_else(|| top.manifests.first())
                .ok_or_else(|| {
                    Self::malformed(&self.base(registry).1, &path, "an index without manifests")
                })?;
            let path = digest_path(repository, "manifests", &first.digest)
                .ok_or_else(|| Self::malformed(&self.base(registry).1, &path, "a bad digest"))?;
            let (manifest, _) = self.manifest(registry, &path, &mut token).await?;
            (manifest, platforms)
        } else {
            (top, Vec::new())
        };
        let config_descriptor = manifest.config.ok_or_else(|| {
            Self::malformed(&self.base(registry).1, &path, "a manifest without a config")
        })?;
        let config_path = digest_path(repository, "blobs", &config_descriptor.digest)
            .ok_or_else(|| Self::malformed(&self.base(registry).1, &path, "a bad config digest"))?;
        let (config, _): (ImageConfig, _) = self
            .json(
                registry,
                &config_path,
                "application/json, */*",
                CONFIG_MAX_BYTES,
                &mut token,
            )
            .await?;
        if platforms.is_empty() {
            platforms.push(format!(
                "{}/{}",
                config.os.as_deref().unwrap_or("linux"),
                config.architecture.as_deref().unwrap_or("unknown")
            ));
        }
        let labels: Vec<(String, String)> = config
            .config
            .and_then(|c| c.labels)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let label = |name: &str| {
            labels
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        Ok(ImageFacts {
            digest,
            platforms,
            created: config.created,
            size: config_descriptor.size.saturating_add(
                manifest
                    .layers
                    .iter()
                    .map(|l| l.size)
                    .fold(0, u64::saturating_add),
            ),
            contact: label(contact_label),
            team: label(team_label),
            labels,
        })
    }

    /// The digest `registry` claims for `repository:reference` (a HEAD request, which registries
    /// do not count as a pull), or `None` when it has no such manifest. The claim is compared
    /// with digests read elsewhere, never pinned.
    ///
    /// # Errors
    /// As [`RegistryClient::facts`].
    pub async fn head_digest(
        &self,
        registry: &str,
        repository: &str,
        reference: &str,
    ) -> Result<Option<String>, RegistryError> {
        let work = async {
            let path = format!("/v2/{repository}/manifests/{reference}");
            let (_, host) = self.base(registry);
            let mut token = None;
            let response = self
                .request(
                    reqwest::Method::HEAD,
                    registry,
                    &path,
                    MANIFEST_TYPES,
                    &mut token,
                )
                .await?;
            match response.status() {
                s if s.is_success() => Ok(response
                    .headers()
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok())
                    .filter(|d| crate::domain::image_reference::is_valid_digest(d))
                    .map(str::to_owned)),
                reqwest::StatusCode::NOT_FOUND => Ok(None),
                status => Err(RegistryError::Status {
                    host,
                    status: status.as_u16(),
                    what: path,
                }),
            }
        };
        self.bounded(registry, work).await
    }

    /// The repositories of `registry` (its `/v2/_catalog`, following the `Link` pages). Names
    /// that are not valid repository paths are dropped.
    ///
    /// # Errors
    /// As [`RegistryClient::facts`], with a longer deadline (a large mirror has many pages);
    /// [`RegistryError::TooLarge`] for more than [`MAX_REPOSITORIES`] repositories or pages.
    pub async fn catalog(&self, registry: &str) -> Result<Vec<String>, RegistryError> {
        let (_, host) = self.base(registry);
        let work = async {
            let mut token = None;
            let mut repositories = Vec::new();
            let mut path = "/v2/_catalog?n=1000".to_owned();
            let what = "the repository catalog".to_owned();
            // Pages of at least 100 names (registries serve up to `n`, often fewer).
            for _ in 0..(MAX_REPOSITORIES / 100) {
                let response = self
                    .get(registry, &path, "application/json", &mut token)
                    .await?;
                if !response.status().is_success() {
                    return Err(RegistryError::Status {
                        host: host.clone(),
                        status: response.status().as_u16(),
                        what,
                    });
                }
                let next = next_link(&response);
                let bytes = self.body(&host, &what, response, PAGE_MAX_BYTES).await?;
                let page: CatalogPage =
                    serde_json::from_slice(&bytes).map_err(|e| Self::malformed(&host, &what, e))?;
                repositories.extend(page.repositories.unwrap_or_default().into_iter().filter(
                    |r| {
                        !r.is_empty()
                            && r.split('/')
                                .all(crate::domain::image_reference::is_valid_path_component)
                    },
                ));
                if repositories.len() > MAX_REPOSITORIES {
                    break;
                }
                match next {
                    Some(next) => path = next,
                    None => {
                        repositories.sort();
                        repositories.dedup();
                        return Ok(repositories);
                    }
                }
            }
            // A catalog cut off could hide what nobody approved: not a reading to act on.
            Err(RegistryError::TooLarge {
                host: host.clone(),
                what,
            })
        };
        tokio::time::timeout(OPERATION_MAX * 6, work)
            .await
            .unwrap_or_else(|_| {
                tracing::warn!(target: "outbound", host = %host, "registry catalog took too long");
                Err(RegistryError::Unreachable { host })
            })
    }

    /// The repository's tags, following the `Link` pages (at most [`MAX_TAG_PAGES`] pages and
    /// [`MAX_TAGS`] tags, in at most [`OPERATION_MAX`]). Names that are not valid tags are
    /// dropped: they come from the registry, not from anyone the portal trusts.
    ///
    /// # Errors
    /// As [`RegistryClient::facts`].
    pub async fn tags(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Vec<String>, RegistryError> {
        self.bounded(registry, self.tags_unbounded(registry, repository))
            .await
            .map(|(tags, _)| tags)
    }

    /// Every tag of the repository, or an error when it has more than the portal reads
    /// ([`MAX_TAG_PAGES`] pages, [`MAX_TAGS`] tags): for checking a mirror, where a tag left
    /// unread could be one nobody approved.
    ///
    /// # Errors
    /// As [`RegistryClient::tags`], and [`RegistryError::TooLarge`] when the list was cut off.
    pub async fn all_tags(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let (tags, complete) = self
            .bounded(registry, self.tags_unbounded(registry, repository))
            .await?;
        if complete {
            Ok(tags)
        } else {
            Err(RegistryError::TooLarge {
                host: self.base(registry).1,
                what: format!("the tags of {repository}"),
            })
        }
    }

    /// The tags read, and whether that was all of them.
    async fn tags_unbounded(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<(Vec<String>, bool), RegistryError> {
        let mut complete = false;
        let mut token = None;
        let mut tags = Vec::new();
        let mut path = format!("/v2/{repository}/tags/list?n=1000");
        let what = format!("the tags of {repository}");
        let (_, host) = self.base(registry);
        for _ in 0..MAX_TAG_PAGES {
            let response = self
                .get(registry, &path, "application/json", &mut token)
                .await?;
            if !response.status().is_success() {
                return Err(RegistryError::Status {
                    host,
                    status: response.status().as_u16(),
                    what,
                });
            }
            let next = next_link(&response);
            let bytes = self.body(&host, &what, response, PAGE_MAX_BYTES).await?;
            let page: TagList =
                serde_json::from_slice(&bytes).map_err(|e| Self::malformed(&host, &what, e))?;
            tags.extend(
                page.tags
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|t| is_valid_tag(t)),
            );
            let over = tags.len() > MAX_TAGS;
            tags.truncate(MAX_TAGS);
            match next {
                Some(next) if !over && tags.len() < MAX_TAGS => path = next,
                Some(_) => break,
                None => {
                    complete = !over;
                    break;
                }
            }
        }
        tags.sort_by(|a, b| compare_tags(a, b));
        tags.dedup();
        Ok((tags, complete))
    }
}

/// The next page's path from a `Link` header. The link is a path (or a full URL) on the same
/// registry; only its path from `/v2/` on is used, so it cannot steer the client elsewhere.
fn next_link(response: &reqwest::Response) -> Option<String> {
    let link = response.headers().get("link")?.to_str().ok()?;
    let url = link.split(';').next()?;
    let url = url.trim().trim_start_matches('<').trim_end_matches('>');
    url.find("/v2/").map(|i| url[i..].to_owned())
}

/// `/v2/{repository}/{kind}/{digest}` for a digest an upstream answer named, or `None` when it
/// is not a digest (it would otherwise steer the path).
fn digest_path(repository: &str, kind: &str, digest: &str) -> Option<String> {
    crate::domain::image_reference::is_valid_digest(digest)
        .then(|| format!("/v2/{repository}/{kind}/{digest}"))
}

/// Version-like tags first, in version order; the rest after them, alphabetically.
fn compare_tags(a: &str, b: &str) -> std::cmp::Ordering {
    use crate::domain::approval::parse_version;
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge.
#[derive(Debug, PartialEq, Eq)]
pub struct BearerChallenge {
    pub realm: String,
    pub service: Option<String>,
    pub scope: Option<String>,
}

/// Reads a Bearer challenge; `None` for other schemes.
pub fn parse_bearer_challenge(header: &str) -> Option<BearerChallenge> {
    let rest = header
        .trim()
        .strip_prefix("Bearer ")
        .or_else(|| header.trim().strip_prefix("bearer "))?;
    let mut realm = None;
    let mut service = None;
    let mut scope = None;
    let mut remaining = rest;
    while !remaining.is_empty() {
        let (key, after) = remaining.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(i) => (&after[..i], &after[i..]),
                None => (after, ""),
            }
        };
        match key.trim().trim_start_matches(',').trim() {
            "realm" => realm = Some(value.to_owned()),
            "service" => service = Some(value.to_owned()),
            "scope" => scope = Some(value.to_owned()),
            _ => {}
        }
        remaining = tail.trim_start_matches(',').trim_start();
    }
    Some(BearerChallenge {
        realm: realm?,
        service,
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_of_real_registries_are_read() {
        // Docker Hub's challenge, as sent for library/nginx.
        let hub = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#;
        assert_eq!(
            parse_bearer_challenge(hub),
            Some(BearerChallenge {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
            })
        );
        // ghcr.io's, with the scope's own commas and colons kept.
        let ghcr = r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:org/tool:pull,push""#;
        let parsed = parse_bearer_challenge(ghcr).unwrap();
        assert_eq!(
            parsed.scope.as_deref(),
            Some("repository:org/tool:pull,push")
        );
        assert_eq!(parse_bearer_challenge(r#"Basic realm="Registry""#), None);
        assert_eq!(
            parse_bearer_challenge("Bearer service=\"x\""),
            None,
            "no realm"
        );
    }
}
