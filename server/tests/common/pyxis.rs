//! The catalog stand-in (`end2end/pyxis/standin.mjs`): Red Hat's Pyxis API shapes over the
//! recorded fixtures, on a free loopback port, with fault prefixes (`/slow`, `/fail`,
//! `/garbage`, `/flaky`).

use super::oidc::free_port;
use std::process::Child;

pub struct CatalogStandIn {
    pub origin: String,
    child: Child,
}

impl Drop for CatalogStandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl CatalogStandIn {
    /// Starts the stand-in; `extra` sets its switches (`PYXIS_SLOW_MS`, …).
    pub fn start(extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut env = vec![("PYXIS_PORT", port.to_string())];
        env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        let child = super::start_node("pyxis/standin.mjs", port, &env);
        Self {
            origin: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// The API base as the portal is configured with it; `fault` is "" (healthy), "slow",
    /// "fail", "garbage" or "flaky".
    pub fn api(&self, fault: &str) -> String {
        let prefix = if fault.is_empty() {
            String::new()
        } else {
            format!("/{fault}")
        };
        format!("{}{prefix}/api/containers/v1", self.origin)
    }

    /// How many requests each path got.
    pub async fn requests(&self) -> serde_json::Value {
        reqwest::get(format!("{}/__requests", self.origin))
            .await
            .expect("stand-in answers")
            .text()
            .await
            .map(|text| serde_json::from_str(&text).expect("JSON"))
            .expect("body")
    }
}
