//! A small client for the OCI distribution (registry v2) API with reqwest: manifests (image
//! indexes included), config blobs and tag lists, with the anonymous bearer-token flow that
//! Docker Hub, ghcr.io and quay.io ask for. Server only.

use super::model::ImageFacts;
use crate::domain::ImageReference;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Why the registry gave no facts; said plainly on the request page.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("the registry {host} could not be reached: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("the registry {host} answered {status} for {what}")]
    Status {
        host: String,
        status: u16,
        what: String,
    },
    #[error("the registry {host} sent something that is not a manifest: {reason}")]
    Malformed { host: String, reason: String },
}

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// Reads registries. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RegistryClient {
    http: reqwest::Client,
    /// Hosts (`host:port`) reached over plain http, e.g. a registry on loopback.
    insecure: Vec<String>,
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

/// Most tags read from one repository (Link-header pages of 1000).
const MAX_TAGS: usize = 10_000;

impl RegistryClient {
    /// A client with `timeout` per request; `insecure` hosts are reached over http.
    ///
    /// # Errors
    /// The TLS backend cannot be initialised.
    pub fn new(timeout: Duration, insecure: Vec<String>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http, insecure })
    }

    fn base(&self, registry: &str) -> (String, String) {
        let host = if registry == "docker.io" {
            "registry-1.docker.io".to_owned()
        } else {
            registry.to_owned()
        };
        let scheme = if self.insecure.iter().any(|h| h == registry || *h == host) {
            "http"
        } else {
            "https"
        };
        (format!("{scheme}://{host}"), host)
    }

    /// GET with the anonymous token flow: on 401 with `WWW-Authenticate: Bearer …`, fetch a
    /// pull token from the realm and try once more.
    async fn get(
        &self,
        registry: &str,
        path: &str,
        accept: &str,
        token: &mut Option<String>,
    ) -> Result<reqwest::Response, RegistryError> {
        let (base, host) = self.base(registry);
        let unreachable = |e: reqwest::Error| RegistryError::Unreachable {
            host: host.clone(),
            reason: if e.is_timeout() {
                "no answer within the timeout".into()
            } else {
                let mut text = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(cause) = source {
                    text.push_str(&format!(": {cause}"));
                    source = cause.source();
                }
                text
            },
        };
        for _ in 0..2 {
            let mut request = self
                .http
                .get(format!("{base}{path}"))
                .header("accept", accept);
            if let Some(token) = token.as_deref() {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(unreachable)?;
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
            let mut url =
                reqwest::Url::parse(&challenge.realm).map_err(|e| RegistryError::Malformed {
                    host: host.clone(),
                    reason: format!("token realm {:?}: {e}", challenge.realm),
                })?;
            {
                let mut query = url.query_pairs_mut();
                if let Some(service) = &challenge.service {
                    query.append_pair("service", service);
                }
                if let Some(scope) = &challenge.scope {
                    query.append_pair("scope", scope);
                }
            }
            let answer = self.http.get(url).send().await.map_err(unreachable)?;
            if !answer.status().is_success() {
                return Err(RegistryError::Status {
                    host: host.clone(),
                    status: answer.status().as_u16(),
                    what: "an anonymous pull token".into(),
                });
            }
            let body: TokenAnswer = answer.json().await.map_err(|e| RegistryError::Malformed {
                host: host.clone(),
                reason: format!("token answer: {e}"),
            })?;
            *token = body.token.or(body.access_token);
            if token.is_none() {
                return Err(RegistryError::Malformed {
                    host: host.clone(),
                    reason: "the token answer holds no token".into(),
                });
            }
        }
        Err(RegistryError::Status {
            host,
            status: 401,
            what: path.to_owned(),
        })
    }

    async fn json<T: for<'de> Deserialize<'de>>(
        &self,
        registry: &str,
        path: &str,
        accept: &str,
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
        let digest = response
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| RegistryError::Unreachable {
                host: host.clone(),
                reason: e.to_string(),
            })?;
        let digest = digest.or_else(|| Some(sha256_digest(&bytes)));
        let value = serde_json::from_slice(&bytes).map_err(|e| RegistryError::Malformed {
            host,
            reason: e.to_string(),
        })?;
        Ok((value, digest))
    }

    /// Digest, platforms, created date, size and labels of `image` (its tag, or `latest`).
    ///
    /// # Errors
    /// [`RegistryError`]: unreachable, an error status (401 for a private image, 404 for an
    /// unknown tag), or an answer that is not a manifest.
    pub async fn facts(
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
        let (top, digest): (Manifest, _) = self
            .json(registry, &path, MANIFEST_TYPES, &mut token)
            .await?;
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
                .ok_or_else(|| RegistryError::Malformed {
                    host: self.base(registry).1,
                    reason: "an index without manifests".into(),
                })?;
            let path = format!("/v2/{repository}/manifests/{}", first.digest);
            let (manifest, _): (Manifest, _) = self
                .json(registry, &path, MANIFEST_TYPES, &mut token)
                .await?;
            (manifest, platforms)
        } else {
            (top, Vec::new())
        };
        let config_descriptor = manifest.config.ok_or_else(|| RegistryError::Malformed {
            host: self.base(registry).1,
            reason: "a manifest without a config".into(),
        })?;
        let path = format!("/v2/{repository}/blobs/{}", config_descriptor.digest);
        let (config, _): (ImageConfig, _) = self
            .json(registry, &path, "application/json, */*", &mut token)
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
            size: config_descriptor.size + manifest.layers.iter().map(|l| l.size).sum::<u64>(),
            contact: label(contact_label),
            team: label(team_label),
            labels,
        })
    }

    /// The repository's tags, following the `Link` pages.
    ///
    /// # Errors
    /// As [`RegistryClient::facts`].
    pub async fn tags(
        &self,
        registry: &str,
        repository: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let mut token = None;
        let mut tags = Vec::new();
        let mut path = format!("/v2/{repository}/tags/list?n=1000");
        loop {
            let (_, host) = self.base(registry);
            let response = self
                .get(registry, &path, "application/json", &mut token)
                .await?;
            if !response.status().is_success() {
                return Err(RegistryError::Status {
                    host,
                    status: response.status().as_u16(),
                    what: format!("the tags of {repository}"),
                });
            }
            let next = response
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|link| link.split(';').next())
                .map(|url| {
                    url.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned()
                });
            let page: TagList = response
                .json()
                .await
                .map_err(|e| RegistryError::Malformed {
                    host,
                    reason: e.to_string(),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            match next.and_then(|n| n.find("/v2/").map(|i| n[i..].to_owned())) {
                // The link is a path (or a full URL) on the same registry.
                Some(next) if tags.len() < MAX_TAGS => path = next,
                _ => {
                    tags.sort_by(|a, b| compare_tags(a, b));
                    return Ok(tags);
                }
            }
        }
    }
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
