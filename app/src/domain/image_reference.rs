//! Container image references, parsed by the grammar of the OCI distribution project's
//! `reference` package and normalised the way `docker pull` reads them.
//!
//! ```text
//! reference        := name [ ":" tag ] [ "@" digest ]
//! name             := [ domain "/" ] path
//! domain           := host [ ":" port ]
//! path             := component ( "/" component )*       lowercase a-z 0-9, separators . _ __ -+
//! tag              := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest           := algorithm ":" hex                   sha256: 64 hex, sha512: 128 hex
//! ```
//! The first path part counts as a registry host when it contains `.` or `:` or is `localhost`,
//! as in Docker; otherwise the image is on Docker Hub (`docker.io`), and a single-part Docker Hub
//! name gets the `library/` prefix of official images.

use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Docker Hub, the registry of an image reference that names none.
pub const DEFAULT_REGISTRY: &str = "docker.io";
const LEGACY_DEFAULT_REGISTRY: &str = "index.docker.io";
const OFFICIAL_NAMESPACE: &str = "library";
const DEFAULT_TAG: &str = "latest";
/// Longest full name (registry and path) that registries accept.
pub const MAX_NAME_LENGTH: usize = 255;
const MAX_TAG_LENGTH: usize = 128;

/// A valid, normalised image reference. It can only be built by [`ImageReference::parse`], so
/// holding one means the registry, repository path, tag and digest are all well formed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageReference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Why a text is not an image reference. Each message says what is wrong and how to write it
/// ([`ImageReferenceError::message`]); `Display` is the English message, for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageReferenceError {
    Empty,
    Whitespace,
    Scheme(String, String),
    InvalidCharacter(char),
    Uppercase(String),
    InvalidRegistry(String),
    InvalidPort(String),
    MissingRepository(String),
    InvalidPathComponent(String),
    InvalidTag(String),
    InvalidDigest(String),
    NameTooLong(usize),
}

impl ImageReferenceError {
    /// What the person typing is told, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        use ImageReferenceError as E;
        match self {
            E::Empty => td_string!(locale, validation.image.empty).to_owned(),
            E::Whitespace => td_string!(locale, validation.image.whitespace).to_owned(),
            E::Scheme(scheme, rest) => td_string!(
                locale,
                validation.image.scheme,
                scheme = scheme,
                rest = rest
            )
            .to_string(),
            E::InvalidCharacter(c) => {
                td_string!(locale, validation.image.invalid_character, c = c).to_string()
            }
            E::Uppercase(lower) => {
                td_string!(locale, validation.image.uppercase, lower = lower).to_string()
            }
            E::InvalidRegistry(host) => {
                td_string!(locale, validation.image.invalid_registry, host = host).to_string()
            }
            E::InvalidPort(host) => {
                td_string!(locale, validation.image.invalid_port, host = host).to_string()
            }
            E::MissingRepository(host) => {
                td_string!(locale, validation.image.missing_repository, host = host).to_string()
            }
            E::InvalidPathComponent(part) => {
                td_string!(locale, validation.image.invalid_path, part = part).to_string()
            }
            E::InvalidTag(tag) => {
                td_string!(locale, validation.image.invalid_tag, tag = tag).to_string()
            }
            E::InvalidDigest(digest) => {
                td_string!(locale, validation.image.invalid_digest, digest = digest).to_string()
            }
            E::NameTooLong(length) => {
                td_string!(locale, validation.image.too_long, length = length).to_string()
            }
        }
    }
}

impl fmt::Display for ImageReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Locale::en))
    }
}

impl std::error::Error for ImageReferenceError {}

impl ImageReference {
    /// Parses and normalises a reference as a person would type it (`nginx`, `nginx:1.25`,
    /// `ghcr.io/org/tool@sha256:…`). Surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`ImageReferenceError`] names the first thing that is wrong.
    pub fn parse(input: &str) -> Result<Self, ImageReferenceError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ImageReferenceError::Empty);
        }
        if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ImageReferenceError::Whitespace);
        }
        if let Some((scheme, rest)) = input.split_once("://") {
            return Err(ImageReferenceError::Scheme(
                format!("{scheme}://"),
                rest.to_owned(),
            ));
        }
        if let Some(c) = input
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "._-/:@+[]".contains(*c)))
        {
            return Err(ImageReferenceError::InvalidCharacter(c));
        }

        let (name_and_tag, digest) = match input.split_once('@') {
            Some((rest, digest)) => (rest, Some(parse_digest(digest)?)),
            None => (input, None),
        };
        // A tag follows the last ':' that comes after the last '/', so that a registry port
        // (`host:5000/app`) is not mistaken for a tag.
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => {
                let split = last_slash + i;
                let tag = &name_and_tag[split + 1..];
                if !is_valid_tag(tag) {
                    return Err(ImageReferenceError::InvalidTag(tag.to_owned()));
                }
                (&name_and_tag[..split], Some(tag.to_owned()))
            }
            None => (name_and_tag, None),
        };

        let (registry, path) = split_registry(name)?;
        if path.is_empty() {
            return Err(ImageReferenceError::MissingRepository(registry));
        }
        if path.chars().any(|c| c.is_ascii_uppercase()) {
            let lowered = format!("{}{}", name.to_ascii_lowercase(), tag_suffix(&tag, &digest));
            return Err(ImageReferenceError::Uppercase(lowered));
        }
        for component in path.split('/') {
            if !is_valid_path_component(component) {
                return Err(ImageReferenceError::InvalidPathComponent(
                    component.to_owned(),
                ));
            }
        }
        let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
            format!("{OFFICIAL_NAMESPACE}/{path}")
        } else {
            path.to_owned()
        };
        let full_length = registry.len() + 1 + repository.len();
        if full_length > MAX_NAME_LENGTH {
            return Err(ImageReferenceError::NameTooLong(full_length));
        }
        let tag = match (tag, &digest) {
            (None, None) => Some(DEFAULT_TAG.to_owned()),
            (tag, _) => tag,
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The registry host, with its port if one was given (`docker.io`, `localhost:5000`).
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry (`library/nginx`, `org/tool`).
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if the reference has one. A reference without tag and digest gets `latest`.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The content digest (`sha256:…`), if the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The last part of the repository path, which usually names the product (`nginx`).
    pub fn name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// `registry/repository`, without tag or digest.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// True when the reference floats on the `latest` tag: it names no version and no digest, so
    /// what it points to changes without notice.
    pub fn is_floating_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref() == Some(DEFAULT_TAG)
    }
}

impl fmt::Display for ImageReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}{}",
            self.registry,
            self.repository,
            tag_suffix(&self.tag, &self.digest)
        )
    }
}

fn tag_suffix(tag: &Option<String>, digest: &Option<String>) -> String {
    let mut suffix = String::new();
    if let Some(tag) = tag {
        suffix.push(':');
        suffix.push_str(tag);
    }
    if let Some(digest) = digest {
        suffix.push('@');
        suffix.push_str(digest);
    }
    suffix
}

/// Splits `name` into a registry host and the repository path, as Docker does.
fn split_registry(name: &str) -> Result<(String, &str), ImageReferenceError> {
    let (first, rest) = match name.split_once('/') {
        Some(parts) => parts,
        None => return Ok((DEFAULT_REGISTRY.to_owned(), name)),
    };
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    if !is_host {
        return Ok((DEFAULT_REGISTRY.to_owned(), name));
    }
    validate_host(first)?;
    let registry = first.to_ascii_lowercase();
    let registry = if registry == LEGACY_DEFAULT_REGISTRY {
        DEFAULT_REGISTRY.to_owned()
    } else {
        registry
    };
    Ok((registry, rest))
}

fn validate_host(domain: &str) -> Result<(), ImageReferenceError> {
    let invalid = || ImageReferenceError::InvalidRegistry(domain.to_owned());
    let (host, port) = if let Some(bracketed) = domain.strip_prefix('[') {
        let (ipv6, after) = bracketed.split_once(']').ok_or_else(invalid)?;
        if ipv6.is_empty() || !ipv6.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(invalid());
        }
        match after {
            "" => (ipv6, None),
            _ => (ipv6, Some(after.strip_prefix(':').ok_or_else(invalid)?)),
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => {
                for component in host.split('.') {
                    if !is_valid_domain_component(component) {
                        return Err(invalid());
                    }
                }
                (host, Some(port))
            }
            None => {
                for component in domain.split('.') {
                    if !is_valid_domain_component(component) {
                        return Err(invalid());
                    }
                }
                (domain, None)
            }
        }
    };
    if host.is_empty() || host.contains(['[', ']']) {
        return Err(invalid());
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.chars().all(|c| c.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !valid {
            return Err(ImageReferenceError::InvalidPort(domain.to_owned()));
        }
    }
    Ok(())
}

/// Checks a registry to copy into, `host[:port][/path]` (`mirror.example.org`,
/// `registry.local:5000/mirror`): the host and port as in a reference, the path as repository
/// parts.
///
/// # Errors
/// [`ImageReferenceError`] naming the part that is wrong.
pub fn validate_registry_target(target: &str) -> Result<(), ImageReferenceError> {
    let (host, path) = match target.split_once('/') {
        Some((host, path)) => (host, Some(path)),
        None => (target, None),
    };
    if host.is_empty() {
        return Err(ImageReferenceError::InvalidRegistry(target.to_owned()));
    }
    validate_host(host)?;
    for component in path.into_iter().flat_map(|p| p.split('/')) {
        if !is_valid_path_component(component) {
            return Err(ImageReferenceError::InvalidPathComponent(
                component.to_owned(),
            ));
        }
    }
    if target.len() > MAX_NAME_LENGTH {
        return Err(ImageReferenceError::NameTooLong(target.len()));
    }
    Ok(())
}

fn is_valid_domain_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// `alpha-numeric [separator alpha-numeric]*` with separators `.`, `_`, `__` and `-+`.
pub fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let is_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !is_alnum(bytes[0]) || !is_alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if is_alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let valid = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

/// A tag as the distribution spec allows it: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. The one rule
/// for tags: references, approvals and upstream tag lists all use it.
pub fn is_valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_TAG_LENGTH
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A content digest: `sha256:` and 64, or `sha512:` and 128, lowercase hex digits. The one rule
/// for digests: references and approval pins use it.
pub fn is_valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let expected_len = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == expected_len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_digest(digest: &str) -> Result<String, ImageReferenceError> {
    if is_valid_digest(digest) {
        Ok(digest.to_owned())
    } else {
        Err(ImageReferenceError::InvalidDigest(digest.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn registry_targets_are_hosts_with_optional_port_and_path() {
        for good in [
            "mirror",
            "mirror.example.org",
            "registry.local:5000",
            "r.example.org/mirror/team",
        ] {
            assert_eq!(validate_registry_target(good), Ok(()), "{good}");
        }
        for bad in [
            ":",
            "",
            ":5000",
            "mirror:0",
            "-mirror.org",
            "mirror.org/",
            "mirror.org/Team",
            "a..b",
        ] {
            assert!(validate_registry_target(bad).is_err(), "{bad}");
        }
    }

    fn normalised(input: &str) -> String {
        ImageReference::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} should parse, got {e}"))
            .to_string()
    }

    fn error(input: &str) -> ImageReferenceError {
        match ImageReference::parse(input) {
            Ok(r) => panic!("{input:?} should be rejected, parsed as {r}"),
            Err(e) => e,
        }
    }

    #[test]
    fn valid_references_are_normalised_like_docker_pull() {
        let cases: Vec<(String, String)> = vec![
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.25", "docker.io/library/nginx:1.25"),
            ("  nginx:1.25  ", "docker.io/library/nginx:1.25"),
            ("library/nginx", "docker.io/library/nginx:latest"),
            ("docker.io/nginx", "docker.io/library/nginx:latest"),
            ("index.docker.io/nginx:1", "docker.io/library/nginx:1"),
            ("DOCKER.IO/library/nginx", "docker.io/library/nginx:latest"),
            ("user/app", "docker.io/user/app:latest"),
            (
                "bitnami/postgresql:16.2.0",
                "docker.io/bitnami/postgresql:16.2.0",
            ),
            ("python:3.12-slim", "docker.io/library/python:3.12-slim"),
            ("postgres:16", "docker.io/library/postgres:16"),
            ("ghcr.io/org/tool:2.0", "ghcr.io/org/tool:2.0"),
            ("ghcr.io/org/team/tool:v1", "ghcr.io/org/team/tool:v1"),
            (
                "quay.io/prometheus/node-exporter:v1.8.1",
                "quay.io/prometheus/node-exporter:v1.8.1",
            ),
            (
                "registry.access.redhat.com/ubi9/ubi",
                "registry.access.redhat.com/ubi9/ubi:latest",
            ),
            ("localhost/app", "localhost/app:latest"),
            ("localhost:5000/app:dev", "localhost:5000/app:dev"),
            (
                "registry.example.org:5000/team/app",
                "registry.example.org:5000/team/app:latest",
            ),
            ("127.0.0.1:5000/app:1", "127.0.0.1:5000/app:1"),
            ("[::1]:5000/app:1", "[::1]:5000/app:1"),
            ("my-registry.local/a/b/c/d:1", "my-registry.local/a/b/c/d:1"),
            ("foo_bar/baz__qux:1", "docker.io/foo_bar/baz__qux:1"),
            ("a/b.c-d---e:1", "docker.io/a/b.c-d---e:1"),
            ("app:_private", "docker.io/library/app:_private"),
            ("app:V1.0_RC-2", "docker.io/library/app:V1.0_RC-2"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .chain([
            (
                format!("nginx@{SHA}"),
                format!("docker.io/library/nginx@{SHA}"),
            ),
            (
                format!("nginx:1.25@{SHA}"),
                format!("docker.io/library/nginx:1.25@{SHA}"),
            ),
            (
                format!("ghcr.io/org/tool@{SHA}"),
                format!("ghcr.io/org/tool@{SHA}"),
            ),
            (
                format!("localhost:5000/app@sha512:{}", "ab".repeat(64)),
                format!("localhost:5000/app@sha512:{}", "ab".repeat(64)),
            ),
            (
                format!("app:{}", "t".repeat(128)),
                format!("docker.io/library/app:{}", "t".repeat(128)),
            ),
        ])
        .collect();
        for (input, expected) in cases {
            assert_eq!(normalised(&input), expected, "input {input:?}");
        }
    }

    #[test]
    fn invalid_references_are_rejected_with_the_reason() {
        use ImageReferenceError as E;
        let long_path = format!("registry.example.org/{}", "a".repeat(250));
        type Expectation = fn(&E) -> bool;
        let cases: Vec<(String, Expectation)> = vec![
            ("".into(), |e| *e == E::Empty),
            ("   ".into(), |e| *e == E::Empty),
            ("nginx 1.25".into(), |e| *e == E::Whitespace),
            ("ngi\tnx".into(), |e| *e == E::Whitespace),
            ("ngi\u{0}nx".into(), |e| *e == E::Whitespace),
            (
                "Nginx".into(),
                |e| matches!(e, E::Uppercase(s) if s == "nginx"),
            ),
            (
                "MyOrg/App:1".into(),
                |e| matches!(e, E::Uppercase(s) if s == "myorg/app:1"),
            ),
            ("ghcr.io/Org/tool".into(), |e| matches!(e, E::Uppercase(_))),
            (
                "nginx:".into(),
                |e| matches!(e, E::InvalidTag(t) if t.is_empty()),
            ),
            ("nginx:-1".into(), |e| matches!(e, E::InvalidTag(_))),
            ("nginx:.hidden".into(), |e| matches!(e, E::InvalidTag(_))),
            (format!("app:{}", "t".repeat(129)), |e| {
                matches!(e, E::InvalidTag(_))
            }),
            ("nginx@sha256:abc".into(), |e| {
                matches!(e, E::InvalidDigest(_))
            }),
            ("nginx@".into(), |e| matches!(e, E::InvalidDigest(_))),
            (format!("nginx@sha256:{}", "A".repeat(64)), |e| {
                matches!(e, E::InvalidDigest(_))
            }),
            (format!("nginx@md5:{}", "a".repeat(32)), |e| {
                matches!(e, E::InvalidDigest(_))
            }),
            (format!("nginx@{SHA}@{SHA}"), |e| {
                matches!(e, E::InvalidDigest(_))
            }),
            ("nginx@sha256".into(), |e| matches!(e, E::InvalidDigest(_))),
            (
                "ghcr.io/".into(),
                |e| matches!(e, E::MissingRepository(r) if r == "ghcr.io"),
            ),
            ("localhost:5000/".into(), |e| {
                matches!(e, E::MissingRepository(_))
            }),
            ("localhost:99999/app".into(), |e| {
                matches!(e, E::InvalidPort(_))
            }),
            ("localhost:0/app".into(), |e| matches!(e, E::InvalidPort(_))),
            ("localhost:/app".into(), |e| matches!(e, E::InvalidPort(_))),
            ("-bad.example.org/app".into(), |e| {
                matches!(e, E::InvalidRegistry(_))
            }),
            ("bad..example.org/app".into(), |e| {
                matches!(e, E::InvalidRegistry(_))
            }),
            ("reg_istry.example.org/app".into(), |e| {
                matches!(e, E::InvalidRegistry(_))
            }),
            ("[::1/app".into(), |e| matches!(e, E::InvalidRegistry(_))),
            (
                "/nginx".into(),
                |e| matches!(e, E::InvalidPathComponent(c) if c.is_empty()),
            ),
            ("org//app".into(), |e| {
                matches!(e, E::InvalidPathComponent(_))
            }),
            ("org/app/".into(), |e| {
                matches!(e, E::InvalidPathComponent(_))
            }),
            ("-app".into(), |e| matches!(e, E::InvalidPathComponent(_))),
            ("app-".into(), |e| matches!(e, E::InvalidPathComponent(_))),
            ("a..b".into(), |e| matches!(e, E::InvalidPathComponent(_))),
            ("a___b".into(), |e| matches!(e, E::InvalidPathComponent(_))),
            ("a._b".into(), |e| matches!(e, E::InvalidPathComponent(_))),
            ("ngïnx".into(), |e| *e == E::InvalidCharacter('ï')),
            ("nginx:1.25💥".into(), |e| *e == E::InvalidCharacter('💥')),
            ("ng!nx".into(), |e| *e == E::InvalidCharacter('!')),
            (
                "https://ghcr.io/org/app".into(),
                |e| matches!(e, E::Scheme(s, r) if s == "https://" && r == "ghcr.io/org/app"),
            ),
            (long_path, |e| matches!(e, E::NameTooLong(271))),
        ];
        assert!(cases.len() >= 40, "at least 40 invalid cases");
        for (input, expected) in cases {
            let e = error(&input);
            assert!(expected(&e), "input {input:?} gave unexpected error {e:?}");
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn accessors_expose_the_normalised_parts() {
        let r = ImageReference::parse("registry.example.org:5000/team/app:1.2").unwrap();
        assert_eq!(r.registry(), "registry.example.org:5000");
        assert_eq!(r.repository(), "team/app");
        assert_eq!(r.name(), "app");
        assert_eq!(r.tag(), Some("1.2"));
        assert_eq!(r.digest(), None);
        assert_eq!(r.full_name(), "registry.example.org:5000/team/app");
    }

    #[test]
    fn a_digest_alone_gets_no_latest_tag() {
        let r = ImageReference::parse(&format!("nginx@{SHA}")).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.digest(), Some(SHA));
        assert!(!r.is_floating_latest());
    }

    #[test]
    fn floating_latest_is_detected_whether_written_or_implied() {
        assert!(ImageReference::parse("nginx").unwrap().is_floating_latest());
        assert!(ImageReference::parse("nginx:latest")
            .unwrap()
            .is_floating_latest());
        assert!(!ImageReference::parse("nginx:1.25")
            .unwrap()
            .is_floating_latest());
        assert!(!ImageReference::parse(&format!("nginx:latest@{SHA}"))
            .unwrap()
            .is_floating_latest());
    }

    #[test]
    fn names_at_the_length_limit_pass_and_one_more_fails() {
        let host = "registry.example.org"; // 20 characters, plus '/' = 21
        let ok = format!("{host}/{}", "a".repeat(MAX_NAME_LENGTH - 21));
        assert!(ImageReference::parse(&ok).is_ok());
        let too_long = format!("{host}/{}", "a".repeat(MAX_NAME_LENGTH - 20));
        assert_eq!(
            ImageReference::parse(&too_long),
            Err(ImageReferenceError::NameTooLong(MAX_NAME_LENGTH + 1))
        );
    }

    #[test]
    fn parsing_the_normalised_form_gives_the_same_reference() {
        for input in ["nginx", "user/app:2", "localhost:5000/a/b", "quay.io/x/y:z"] {
            let once = ImageReference::parse(input).unwrap();
            let twice = ImageReference::parse(&once.to_string()).unwrap();
            assert_eq!(once, twice);
        }
    }
}
