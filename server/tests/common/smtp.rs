//! A real SMTP server (`end2end/smtp/server.mjs`, npm smtp-server) on free loopback ports, with
//! the messages it received readable over HTTP.

use super::oidc::free_port;
use std::process::Child;

pub struct SmtpServer {
    pub smtp_port: u16,
    pub http_port: u16,
    child: Option<Child>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(free_port(), free_port())
    }

    /// Starts it on given ports (to bring a stopped server back where the portal expects it).
    pub fn start_on(smtp_port: u16, http_port: u16) -> Self {
        let env = [
            ("SMTP_PORT", smtp_port.to_string()),
            ("SMTP_HTTP_PORT", http_port.to_string()),
        ];
        let child = super::start_node("smtp/server.mjs", http_port, &env);
        Self {
            smtp_port,
            http_port,
            child: Some(child),
        }
    }

    /// Stops the server (its messages are gone with it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// `PORTCULLIS_SMTP_URL` for the portal.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    /// The messages received so far, oldest first.
    pub async fn messages(&self) -> Vec<serde_json::Value> {
        let text = reqwest::get(format!("http://127.0.0.1:{}/messages", self.http_port))
            .await
            .expect("the SMTP server's API answers")
            .text()
            .await
            .expect("body");
        serde_json::from_str(&text).expect("JSON")
    }
}
