//! A real OpenID Connect provider (`end2end/oidc/provider.mjs`, the npm `oidc-provider`) on a
//! free loopback port, and a small browser stand-in that signs in through its pages.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Child;

/// The portal's address as the provider knows it (the test app's public URL).
pub const PORTAL: &str = "http://127.0.0.1:3000";

pub struct TestProvider {
    pub issuer: String,
    child: Child,
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl TestProvider {
    /// Starts the provider; `extra` sets its fault switches (see provider.mjs).
    pub fn start(extra: &[(&str, &str)]) -> Self {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        assert!(
            root.join("end2end/node_modules/oidc-provider").is_dir(),
            "run `npm ci` in end2end/ first (make test does)"
        );
        let port = free_port();
        let mut env = vec![
            ("OIDC_PORT", port.to_string()),
            ("OIDC_CLIENT_ID", "portcullis".to_owned()),
            ("OIDC_CLIENT_SECRET", "portcullis-test-secret".to_owned()),
            ("OIDC_REDIRECT_URIS", format!("{PORTAL}/auth/callback")),
            ("OIDC_POST_LOGOUT_URIS", format!("{PORTAL}/")),
        ];
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let child = super::start_node("oidc/provider.mjs", port, &env);
        let issuer = format!("http://127.0.0.1:{port}");
        Self { issuer, child }
    }

    /// The portal settings that point at this provider.
    pub fn portal_settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PORTCULLIS_OIDC_ISSUER", self.issuer.clone()),
            ("PORTCULLIS_OIDC_CLIENT_ID", "portcullis".into()),
            (
                "PORTCULLIS_OIDC_CLIENT_SECRET",
                "portcullis-test-secret".into(),
            ),
            (
                "PORTCULLIS_OIDC_SCOPES",
                "openid profile email groups".into(),
            ),
            ("PORTCULLIS_REQUESTER_GROUPS", "staff".into()),
            ("PORTCULLIS_REVIEWER_GROUPS", "security-reviewers".into()),
            ("PORTCULLIS_ADMIN_GROUPS", "portal-admins".into()),
            ("PORTCULLIS_OIDC_TIMEOUT_SECONDS", "2".into()),
            ("PORTCULLIS_DEV_SIGNIN", "false".into()),
        ]
    }
}

/// A browser at the provider: keeps the provider's cookies, fills its login and consent forms,
/// and stops at the redirect back to the portal.
pub struct ProviderBrowser {
    client: reqwest::Client,
}

impl ProviderBrowser {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                if attempt.url().path() == "/auth/callback" {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .expect("client");
        Self { client }
    }

    /// Follows the authorization URL through login (as `user`) and consent, and returns the
    /// portal callback URL the provider sends the browser to.
    pub async fn sign_in(&self, authorization_url: &str, user: &str) -> String {
        let page = self
            .client
            .get(authorization_url)
            .send()
            .await
            .expect("authorize");
        let (url, body) = (page.url().clone(), page.text().await.unwrap());
        let action = form_action(&body).unwrap_or_else(|| panic!("login form at {url}: {body}"));
        let mut response = self
            .client
            .post(url.join(&action).unwrap())
            .form(&[("prompt", "login"), ("login", user), ("password", "any")])
            .send()
            .await
            .expect("login");
        // Consent (and any further interaction) until the provider redirects to the portal.
        for _ in 0..4 {
            if let Some(location) = portal_location(&response) {
                return location;
            }
            let url = response.url().clone();
            let body = response.text().await.unwrap();
            let action = form_action(&body).unwrap_or_else(|| panic!("form at {url}: {body}"));
            response = self
                .client
                .post(url.join(&action).unwrap())
                .form(&[("prompt", "consent")])
                .send()
                .await
                .expect("consent");
        }
        panic!("the provider never redirected back to the portal")
    }
}

fn portal_location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .filter(|l| l.contains("/auth/callback?"))
        .map(str::to_owned)
}

fn form_action(html: &str) -> Option<String> {
    let start = html.find("<form")?;
    let rest = &html[start..];
    let action = rest.find("action=\"")? + "action=\"".len();
    let end = rest[action..].find('"')?;
    Some(rest[action..action + end].replace("&amp;", "&"))
}
