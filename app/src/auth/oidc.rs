//! Sign-in through the organisation's OpenID Connect provider: authorization code flow with
//! PKCE (S256), `state` and `nonce` kept in the server-side session and checked once, and the ID
//! token verified (signature against the provider's JWKS, issuer, audience, expiry, nonce).
//! Server only.

use super::failure::SignInFailure;
use crate::domain::{GroupRoles, SessionUser, UserId};
use crate::outbound::error_chain;
use hmac::{Hmac, Mac};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    reqwest, AdditionalClaims, AdditionalProviderMetadata, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IdTokenFields, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    ProviderMetadata, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    TokenResponse, UserInfoClaims,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// How long a started sign-in may take before its answer is refused.
pub const FLOW_LIFETIME_SECONDS: i64 = 600;
/// How long discovered provider metadata (endpoints, keys) is reused before it is fetched again.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);

/// Settings of the OpenID Connect client (from `PORTCULLIS_OIDC_*`).
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// `{public_url}/auth/callback`: register it at the provider.
    pub redirect_url: String,
    /// Where the provider sends the browser after signing out: the start page.
    pub post_logout_url: String,
    pub scopes: Vec<String>,
    /// The claim that lists the user's groups (`groups`, `roles`, …).
    pub groups_claim: String,
    /// `PORTCULLIS_OIDC_GROUPS_URL`: an API that lists the user's groups when called with their
    /// access token, as Feide's Groups API does (`…/groups/me/groups`); its group ids join the
    /// claim's.
    pub groups_url: Option<String>,
    pub group_roles: GroupRoles,
    /// Timeout of every request to the provider.
    pub timeout: Duration,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("groups_claim", &self.groups_claim)
            .field("groups_url", &self.groups_url)
            .field("group_roles", &self.group_roles)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The longest display name kept from a provider, in characters.
const DISPLAY_NAME_MAX: usize = 200;

/// Claims beyond the standard ones, by name (the groups claim's name is configurable).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    claims: HashMap<String, serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

/// `end_session_endpoint`, which the core metadata type leaves out.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LogoutMetadata {
    end_session_endpoint: Option<String>,
}
impl AdditionalProviderMetadata for LogoutMetadata {}

type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;
type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type ProviderClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A sign-in that was started and waits for the provider's answer. The browser carries it in a
/// cookie sealed with [`OidcClient::seal_pending`] (so starting a sign-in stores nothing on the
/// server); its `state`, `nonce` and PKCE verifier only work with the code the provider sends to
/// that same browser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    state: String,
    nonce: String,
    pkce_verifier: String,
    /// The local path to return to afterwards.
    pub return_to: String,
    started_at: i64,
}

/// A completed sign-in.
pub struct SignedIn {
    pub user: SessionUser,
    /// The raw ID token, for the provider's logout (`id_token_hint`).
    pub id_token: String,
}

/// Why a sign-in failed: the kind for the user, the detail for the log (never a secret).
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct SignInError {
    pub failure: SignInFailure,
    pub detail: String,
}

fn fail(failure: SignInFailure, detail: impl Into<String>) -> SignInError {
    SignInError {
        failure,
        detail: detail.into(),
    }
}

/// The OpenID Connect client, created once at start and shared. The provider's metadata is
/// discovered on first use and cached, so the portal starts even while the provider is down.
pub struct OidcClient {
    settings: OidcSettings,
    http: reqwest::Client,
    metadata: RwLock<Option<(Instant, Metadata)>>,
}

impl std::fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcClient")
            .field("settings", &self.settings)
            .finish()
    }
}

impl OidcClient {
    /// # Errors
    /// The HTTP client cannot be built (TLS setup).
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider steer requests elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            settings,
            http,
            metadata: RwLock::new(None),
        })
    }

    async fn discover(&self, refresh: bool) -> Result<Metadata, SignInError> {
        if !refresh {
            if let Some((fetched, metadata)) = self.metadata.read().await.as_ref() {
                if fetched.elapsed() < METADATA_LIFETIME {
                    return Ok(metadata.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(|e| {
            fail(
                SignInFailure::ProviderUnavailable,
                format!("issuer URL: {e}"),
            )
        })?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                fail(
                    SignInFailure::ProviderUnavailable,
                    format!("discovery failed: {}", error_chain(&e)),
                )
            })?;
        *self.metadata.write().await = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(&self, metadata: Metadata) -> Result<ProviderClient, SignInError> {
        let redirect = RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| fail(SignInFailure::NotConfigured, format!("redirect URL: {e}")))?;
        Ok(ProviderClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(redirect))
    }

    /// The key that seals pending sign-ins: derived from the client secret, which every
    /// replica holds and nobody else does.
    fn pending_mac(&self) -> Hmac<Sha256> {
        let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(
            self.settings.client_secret.expose_secret().as_bytes(),
        )
        .expect("HMAC accepts any key");
        derive.update(b"portcullis pending sign-in v1");
        let key = derive.finalize().into_bytes();
        <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC accepts any key")
    }

    /// `pending` as a cookie value: its JSON in hex, a dot, and an HMAC over it.
    pub fn seal_pending(&self, pending: &PendingSignIn) -> String {
        let payload = hex_encode(&serde_json::to_vec(pending).unwrap_or_default());
        let mut mac = self.pending_mac();
        mac.update(payload.as_bytes());
        format!("{payload}.{}", hex_encode(&mac.finalize().into_bytes()))
    }

    /// The pending sign-in a cookie value carries, when its seal holds; `None` for anything
    /// else (tampered, made with another secret, not ours).
    pub fn open_pending(&self, value: &str) -> Option<PendingSignIn> {
        let (payload, seal) = value.split_once('.')?;
        let mut mac = self.pending_mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&hex_decode(seal)?).ok()?;
        serde_json::from_slice(&hex_decode(payload)?).ok()
    }

    /// Starts a sign-in: the provider URL to send the browser to, and what to keep in the
    /// session until the answer comes back.
    ///
    /// # Errors
    /// The provider cannot be reached for discovery.
    pub async fn begin(&self, return_to: String) -> Result<(String, PendingSignIn), SignInError> {
        let client = self.client(self.discover(false).await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            PendingSignIn {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                return_to,
                started_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            },
        ))
    }

    /// Completes a sign-in with the provider's answer (`code`, `state`) and the pending sign-in
    /// from the session, which the caller has already removed from it (each is used once).
    ///
    /// # Errors
    /// A [`SignInError`] saying which check failed.
    pub async fn complete(
        &self,
        pending: PendingSignIn,
        code: &str,
        state: &str,
    ) -> Result<SignedIn, SignInError> {
        if state != pending.state {
            return Err(fail(SignInFailure::NotStartedHere, "state does not match"));
        }
        let age = time::OffsetDateTime::now_utc().unix_timestamp() - pending.started_at;
        if !(0..=FLOW_LIFETIME_SECONDS).contains(&age) {
            return Err(fail(
                SignInFailure::TooSlow,
                format!("answer came after {age}s"),
            ));
        }
        let client = self.client(self.discover(false).await?)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| {
                fail(
                    SignInFailure::ProviderUnavailable,
                    format!("no token endpoint: {e}"),
                )
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| {
                let detail = format!("token exchange: {}", error_chain(&e));
                match e {
                    openidconnect::RequestTokenError::ServerResponse(_) => {
                        fail(SignInFailure::ProviderRefused, detail)
                    }
                    _ => fail(SignInFailure::ProviderUnavailable, detail),
                }
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| fail(SignInFailure::UntrustedAnswer, "no ID token in the answer"))?;
        let nonce = Nonce::new(pending.nonce.clone());
        let verified = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => Ok(claims.clone()),
            // The provider may have rotated its keys since discovery: fetch them once more.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = self.client(self.discover(true).await?)?;
                let verifier = fresh.id_token_verifier();
                id_token.claims(&verifier, &nonce).cloned()
            }
            Err(e) => Err(e),
        }
        .map_err(|e| fail(SignInFailure::UntrustedAnswer, format!("ID token: {e}")))?;

        let subject = verified.subject().clone();
        let mut name = verified
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string());
        let mut email = verified.email().map(|e| e.to_string());
        let mut groups = claim_strings(verified.additional_claims(), &self.settings.groups_claim);

        if name.is_none() || email.is_none() || groups.is_none() {
            if let Ok(request) =
                client.user_info(tokens.access_token().clone(), Some(subject.clone()))
            {
                let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> =
                    request.request_async(&self.http).await.map_err(|e| {
                        fail(
                            SignInFailure::ProviderUnavailable,
                            format!("userinfo: {}", error_chain(&e)),
                        )
                    })?;
                name =
                    name.or_else(|| info.name().and_then(|n| n.get(None)).map(|n| n.to_string()));
                email = email.or_else(|| info.email().map(|e| e.to_string()));
                groups = groups.or_else(|| {
                    claim_strings(info.additional_claims(), &self.settings.groups_claim)
                });
            }
        }
        let mut groups = groups.unwrap_or_default();
        if let Some(url) = &self.settings.groups_url {
            groups.extend(self.groups_from_api(url, tokens.access_token()).await?);
        }
        let roles = self
            .settings
            .group_roles
            .roles_for(&groups)
            .ok_or_else(|| {
                fail(
                    SignInFailure::NotAllowed,
                    format!(
                        "subject {} is in none of the allowed groups",
                        subject.as_str()
                    ),
                )
            })?;
        // The provider's strings are hostile until proven otherwise: an address that does not
        // parse gets no mail, a name loses what could change the shape of an output.
        let email = email
            .and_then(|e| crate::domain::ContactAddress::parse(&e).ok())
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default();
        let display_name = name
            .map(|n| crate::domain::text::clean_name(&n, DISPLAY_NAME_MAX))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                if email.is_empty() {
                    crate::domain::text::clean_name(subject.as_str(), DISPLAY_NAME_MAX)
                } else {
                    email.clone()
                }
            });
        Ok(SignedIn {
            user: SessionUser {
                user_id: UserId(format!("oidc:{}", subject.as_str())),
                display_name,
                email,
                roles,
            },
            id_token: id_token.to_string(),
        })
    }

    /// The group ids the groups API lists for the holder of `access_token`: a JSON list of
    /// objects with an `id` (Feide: `[{"id": "fc:org:uio.no", "displayName": …}, …]`) or of
    /// strings. At most [`GROUPS_BODY_MAX`] bytes and [`GROUPS_MAX`] groups are read.
    ///
    /// # Errors
    /// [`SignInFailure::GroupsUnavailable`] when the API cannot be reached, is slower than the
    /// provider timeout, answers other than 200, or answers with anything but such a list.
    async fn groups_from_api(
        &self,
        url: &str,
        access_token: &openidconnect::AccessToken,
    ) -> Result<Vec<String>, SignInError> {
        let unavailable = |detail: String| fail(SignInFailure::GroupsUnavailable, detail);
        let mut response = self
            .http
            .get(url)
            .bearer_auth(access_token.secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| unavailable(format!("groups API: {}", error_chain(&e))))?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(unavailable(format!(
                "groups API answered {}",
                response.status()
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(format!("groups API: {}", error_chain(&e))))?
        {
            if body.len() + chunk.len() > GROUPS_BODY_MAX {
                return Err(unavailable(format!(
                    "groups API answered more than {GROUPS_BODY_MAX} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        group_ids(&body)
            .ok_or_else(|| unavailable("groups API did not answer a list of groups".into()))
    }

    /// Where to send the browser to end the session at the provider too, if it offers that.
    pub async fn end_session_url(&self, id_token_hint: Option<&str>) -> Option<String> {
        let metadata = self.discover(false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let mut url = reqwest::Url::parse(&endpoint).ok()?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.settings.client_id);
            query.append_pair("post_logout_redirect_uri", &self.settings.post_logout_url);
            if let Some(hint) = id_token_hint {
                query.append_pair("id_token_hint", hint);
            }
        }
        Some(url.to_string())
    }

    /// The provider's origin (`scheme://host:port`), for the Content-Security-Policy.
    pub fn provider_origin(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.settings.issuer).ok()?;
        Some(url.origin().ascii_serialization())
    }
}

/// The most a groups API answer may hold, in bytes.
const GROUPS_BODY_MAX: usize = 1 << 20;
/// The most groups read from one answer; the rest are ignored.
const GROUPS_MAX: usize = 5_000;
/// The longest group id kept; longer ones match no configured group anyway.
const GROUP_ID_MAX: usize = 512;

/// The group ids of a groups API answer; `None` when it is not a JSON list of strings or of
/// objects with a string `id`. Entries of any other shape, and ids that are empty or too long,
/// are skipped: ids are only compared with the configured groups.
fn group_ids(body: &[u8]) -> Option<Vec<String>> {
    let serde_json::Value::Array(items) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    Some(
        items
            .iter()
            .filter_map(|item| match item {
                serde_json::Value::String(id) => Some(id.as_str()),
                serde_json::Value::Object(group) => group.get("id")?.as_str(),
                _ => None,
            })
            .filter(|id| !id.is_empty() && id.len() <= GROUP_ID_MAX)
            .take(GROUPS_MAX)
            .map(str::to_owned)
            .collect(),
    )
}

/// A claim that holds a list of strings (or one string).
fn claim_strings(claims: &ExtraClaims, name: &str) -> Option<Vec<String>> {
    match claims.claims.get(name)? {
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        ),
        serde_json::Value::String(one) => Some(vec![one.clone()]),
        _ => None,
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 16 * 1024 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::group_ids;

    #[test]
    fn group_ids_are_read_from_feides_shape_and_from_plain_lists() {
        let feide = br#"[{"id": "fc:org:uio.no", "displayName": "UiO", "type": "fc:org"},
                         {"id": "fc:adhoc:1234", "displayName": "Security"}]"#;
        assert_eq!(
            group_ids(feide).unwrap(),
            vec!["fc:org:uio.no", "fc:adhoc:1234"]
        );
        assert_eq!(
            group_ids(br#"["staff", "soc"]"#).unwrap(),
            vec!["staff", "soc"]
        );
        // Shapes it cannot use are skipped, not guessed at.
        let mixed = format!(
            r#"[{{"id": 7}}, {{"name": "x"}}, null, "", "{}", {{"id": "ok"}}]"#,
            "a".repeat(600)
        );
        assert_eq!(group_ids(mixed.as_bytes()).unwrap(), vec!["ok"]);
        for not_a_list in [&b"{}"[..], b"\"staff\"", b"<html>", b""] {
            assert_eq!(group_ids(not_a_list), None);
        }
        let many = format!("[{}\"last\"]", "\"g\",".repeat(6_000));
        assert_eq!(group_ids(many.as_bytes()).unwrap().len(), 5_000);
    }
}
