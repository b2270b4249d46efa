//! Where the server may connect when a user chooses the address: the outbound-request policy.
//! Server only.
//!
//! A requester names the registry of the image they ask for, so every call to it (upstream
//! facts, tag lists, the token realm the registry names, every redirect) would otherwise go
//! wherever they like: the database port on loopback, an internal service, the cloud metadata
//! address. The policy refuses every address that is not public (loopback, private, shared,
//! link-local, unique-local, unspecified, multicast, reserved, documentation, and IPv6 forms
//! that carry one of these IPv4 addresses) unless its `host:port` is listed in
//! `PORTCULLIS_PRIVATE_REGISTRIES`.
//!
//! It is enforced where connections are made: [`OutboundPolicy::client`] builds a reqwest client
//! whose resolver drops every address the policy refuses (so a name that resolves to loopback,
//! or changes its answer between two lookups, gets nowhere), whose redirect policy checks every
//! hop, and which uses no proxy (a proxy would resolve names itself). Addresses written as IP
//! literals never reach a resolver, so [`OutboundPolicy::check_url`] checks them before each
//! request and each redirect.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Why the policy refused an address. Shown to users as it is: it names no address it found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("this registry's address ({host}) is not allowed")]
pub struct AddressRefused {
    /// The host as written in the URL.
    pub host: String,
}

/// Which private addresses may be reached. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    /// `host:port` pairs (lowercase) that may be private, from `PORTCULLIS_PRIVATE_REGISTRIES`.
    listed: Arc<HashSet<String>>,
}

impl OutboundPolicy {
    /// A policy that allows the private `host:port` pairs in `listed` (e.g. `127.0.0.1:5000`,
    /// `registry.internal:443`, `[::1]:5000`).
    pub fn new(listed: &[String]) -> Self {
        Self {
            listed: Arc::new(listed.iter().map(|h| h.to_ascii_lowercase()).collect()),
        }
    }

    fn is_listed(&self, host: &str, port: u16) -> bool {
        self.listed
            .contains(&format!("{}:{port}", host.to_ascii_lowercase()))
    }

    /// Whether `name` is listed with any port: its lookups may then answer private addresses
    /// (the port is checked by [`OutboundPolicy::check_url`]).
    fn name_is_listed(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.listed
            .iter()
            .any(|h| h.rsplit_once(':').is_some_and(|(host, _)| host == name))
    }

    /// Checks a URL before a request or a redirect is followed: `http` or `https`, a host, and
    /// for an IP literal an address the policy allows. A name listed in
    /// `PORTCULLIS_PRIVATE_REGISTRIES` with another port is refused too (its lookups are trusted
    /// for the listed port only).
    ///
    /// # Errors
    /// [`AddressRefused`].
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), AddressRefused> {
        let refused = || AddressRefused {
            host: url.host_str().unwrap_or("").to_owned(),
        };
        if !matches!(url.scheme(), "http" | "https")
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(refused());
        }
        let port = url.port_or_known_default().ok_or_else(refused)?;
        let listed_here = |host: &str| self.is_listed(host, port);
        match url.host().ok_or_else(refused)? {
            url::Host::Ipv4(ip) => {
                if is_public(IpAddr::V4(ip)) || listed_here(&ip.to_string()) {
                    Ok(())
                } else {
                    Err(refused())
                }
            }
            url::Host::Ipv6(ip) => {
                if is_public(IpAddr::V6(ip)) || listed_here(&format!("[{ip}]")) {
                    Ok(())
                } else {
                    Err(refused())
                }
            }
            url::Host::Domain(name) => {
                if self.name_is_listed(name) && !listed_here(name) {
                    Err(refused())
                } else {
                    Ok(())
                }
            }
        }
    }

    /// A reqwest client that enforces the policy on every connection: lookups, redirects (at
    /// most [`MAX_REDIRECTS`], each checked), no proxy, and `timeout` per request.
    ///
    /// # Errors
    /// The TLS backend cannot be initialised.
    pub fn client(&self, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
        let policy = self.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(TooManyRedirects)
            } else if let Err(refused) = policy.check_url(attempt.url()) {
                attempt.error(refused)
            } else {
                attempt.follow()
            }
        });
        reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            .no_proxy()
            .redirect(redirects)
            .dns_resolver(Arc::new(PolicyResolver {
                policy: self.clone(),
            }))
            .build()
    }
}

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

#[derive(Debug, thiserror::Error)]
#[error("more than {MAX_REDIRECTS} redirects")]
struct TooManyRedirects;

/// Looks names up and keeps only the addresses the policy allows.
struct PolicyResolver {
    policy: OutboundPolicy,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let listed = self.policy.name_is_listed(name.as_str());
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| listed || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                tracing::warn!(target: "security", host = %host, addresses = ?found,
                    "outbound request refused: the name resolves to no allowed address");
                return Err(Box::new(AddressRefused { host }) as Box<_>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether the policy's refusal is somewhere in `error`'s chain of causes.
pub fn refusal_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a AddressRefused> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(refused) = e.downcast_ref::<AddressRefused>() {
            return Some(refused);
        }
        cause = e.source();
    }
    None
}

/// An error and its causes on one line, for the log.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// Reads at most `limit` bytes of `response`'s body: a larger declared length is refused before
/// reading, and reading stops as soon as the limit is passed.
///
/// # Errors
/// [`BodyError::TooLarge`], or the transport failed.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918), shared
/// (100.64/10), link-local (169.254/16, the cloud metadata address included; fe80::/10),
/// unique-local (fc00::/7), site-local, unspecified, multicast, broadcast, reserved,
/// documentation or benchmarking, and no IPv6 form (mapped, compatible, NAT64 with the
/// well-known prefix, 6to4, Teredo) of such an IPv4 address. A NAT64 gateway with a
/// network-specific prefix is not recognised: on such networks, list nothing private and rely on
/// the gateway's own filtering.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            if s[..6] == [0; 6] {
                // :: and ::1, and the deprecated IPv4-compatible ::a.b.c.d.
                return !v6.is_unspecified()
                    && !v6.is_loopback()
                    && is_public_v4(embedded(s[6], s[7]));
            }
            if s[0] == 0x64 && s[1] == 0xff9b {
                // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48)
                return s[2..6] == [0; 4] && is_public_v4(embedded(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                // 6to4 carries an IPv4 address in its prefix.
                return is_public_v4(embedded(s[1], s[2]));
            }
            !(v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && s[1] == 0)
                || (s[0] == 0x2001 && s[1] == 0x0db8)
                || (s[0] & 0xfff0) == 0x3ff0
                || (s[0] == 0x0100 && s[1..4] == [0; 3]))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(o[0] == 0
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "3fff::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "1.1.1.1",
            "104.18.121.25",
            "2606:4700::6810:7919",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn ip_literals_are_checked_and_listed_names_only_on_their_port() {
        let policy = OutboundPolicy::new(&["127.0.0.1:5000".into(), "registry.lan:443".into()]);
        let check = |url: &str| policy.check_url(&reqwest::Url::parse(url).unwrap());
        assert!(check("http://127.0.0.1:5000/v2/").is_ok());
        assert!(check("http://127.0.0.1:5432/v2/").is_err());
        assert!(check("https://[::1]:5000/v2/").is_err());
        assert!(check("http://[::ffff:7f00:1]:5000/").is_err());
        assert!(check("https://registry.lan/v2/").is_ok());
        assert!(check("https://registry.lan:8443/v2/").is_err());
        assert!(check("https://169.254.169.254/latest/meta-data/").is_err());
        assert!(check("https://user@ghcr.io/token").is_err());
        assert!(check("https://:secret@ghcr.io/token").is_err());
        assert!(check("file:///etc/passwd").is_err());
        assert!(check("https://ghcr.io/token").is_ok());
    }
}
