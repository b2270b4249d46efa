//! The HTTP client for Red Hat's catalog API (Pyxis): one shared reqwest client with a timeout,
//! bounded retries with backoff for failures that may pass, and paging. Server only.
//!
//! Who calls it: the mirror refresh job and the freshness-grade lookup; never a page directly.

use super::model::CatalogRepository;
use super::pyxis::{current_grade, ImageRecord, Page, RepositoryRecord};
use serde::de::DeserializeOwned;
use std::time::Duration;
use time::OffsetDateTime;

/// The registries whose repositories the portal offers (the public UBI registry and the
/// authenticated one).
pub const REGISTRIES: &[&str] = &["registry.access.redhat.com", "registry.redhat.io"];

/// The repository fields the portal reads; the rest is left on the server (`include=`).
const REPOSITORY_FIELDS: &[&str] = &[
    "data._id",
    "data.repository",
    "data.registry",
    "data.display_data.name",
    "data.display_data.short_description",
    "data.release_categories",
    "data.eol_date",
    "data.replaced_by_repository_name",
    "data.requires_terms",
    "data.content_stream_grades",
    "page",
    "page_size",
    "total",
];

/// How many repositories one page asks for (the API's largest page).
pub const PAGE_SIZE: u32 = 500;
/// A catalog that claims more pages than this is answered as malformed rather than followed.
const MAX_PAGES: u32 = 200;

/// Why the catalog gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// No answer: connection refused, DNS, TLS or the timeout.
    #[error("the catalog at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    /// An HTTP error status; `detail` is the API's own explanation when it sent one.
    #[error("the catalog answered {status} for {url}: {detail}")]
    Status {
        url: String,
        status: u16,
        detail: String,
    },
    /// A 200 whose body is not the expected JSON.
    #[error("the catalog's answer for {url} is not what its API documents: {reason}")]
    Malformed { url: String, reason: String },
}

impl CatalogError {
    /// Worth another try: no answer, a 5xx, or 429 (too many requests).
    pub fn is_transient(&self) -> bool {
        match self {
            CatalogError::Unreachable { .. } => true,
            CatalogError::Status { status, .. } => *status >= 500 || *status == 429,
            CatalogError::Malformed { .. } => false,
        }
    }
}

/// How the client behaves; the server's configuration fills it in.
#[derive(Clone, Debug)]
pub struct CatalogSettings {
    /// The API base, e.g. `https://catalog.redhat.com/api/containers/v1`.
    pub base_url: String,
    /// The limit for each HTTP request, connection included.
    pub timeout: Duration,
    /// Attempts per call, the first included (at least 1).
    pub attempts: u32,
    /// The wait before the second attempt; doubled for each one after.
    pub backoff: Duration,
}

/// A Pyxis API client. Cheap to clone: the connection pool is shared.
#[derive(Clone, Debug)]
pub struct PyxisClient {
    http: reqwest::Client,
    settings: CatalogSettings,
}

impl PyxisClient {
    /// Builds the client.
    ///
    /// # Errors
    /// The TLS backend cannot be initialised.
    pub fn new(mut settings: CatalogSettings) -> Result<Self, reqwest::Error> {
        settings.base_url = settings.base_url.trim_end_matches('/').to_owned();
        settings.attempts = settings.attempts.max(1);
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("portcullis/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()?;
        Ok(Self { http, settings })
    }

    pub fn base_url(&self) -> &str {
        &self.settings.base_url
    }

    /// Every repository in [`REGISTRIES`], following the pages to the end.
    ///
    /// # Errors
    /// Any page that fails after its retries; nothing partial is returned.
    pub async fn repositories(&self) -> Result<Vec<CatalogRepository>, CatalogError> {
        let filter = format!("registry=in=({})", REGISTRIES.join(","));
        let include = REPOSITORY_FIELDS.join(",");
        let mut all = Vec::new();
        for page in 0..MAX_PAGES {
            let query = [
                ("filter", filter.as_str()),
                ("include", include.as_str()),
                ("page_size", &PAGE_SIZE.to_string()),
                ("page", &page.to_string()),
                ("sort_by", "repository[asc]"),
            ];
            let answer: Page<RepositoryRecord> = self.get("/repositories", &query).await?;
            let received = answer.data.len();
            all.extend(answer.data.into_iter().map(CatalogRepository::from));
            if received == 0 || all.len() >= answer.total as usize {
                return Ok(all);
            }
        }
        Err(CatalogError::Malformed {
            url: format!("{}/repositories", self.settings.base_url),
            reason: format!("more than {MAX_PAGES} pages of {PAGE_SIZE}; refusing to follow"),
        })
    }

    /// The freshness grade (A–F) of the newest `latest` image of a repository at `now`, or
    /// `None` when the catalog has no graded image for it.
    ///
    /// # Errors
    /// The catalog fails after its retries.
    pub async fn current_grade(
        &self,
        registry: &str,
        repository: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, CatalogError> {
        let path = format!("/repositories/registry/{registry}/repository/{repository}/images");
        let query = [
            ("filter", "repositories.tags.name==latest"),
            ("include", "data.freshness_grades,data.creation_date,total"),
            ("sort_by", "creation_date[desc]"),
            ("page_size", "1"),
            ("page", "0"),
        ];
        let answer: Page<ImageRecord> = self.get(&path, &query).await?;
        Ok(answer
            .data
            .first()
            .and_then(|image| current_grade(&image.freshness_grades, now)))
    }

    /// One GET, retried with backoff while the failure is transient.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, CatalogError> {
        let url = format!("{}{path}", self.settings.base_url);
        let mut wait = self.settings.backoff;
        let mut attempt = 1;
        loop {
            match self.get_once(&url, query).await {
                Err(error) if error.is_transient() && attempt < self.settings.attempts => {
                    tracing::debug!(%error, attempt, "catalog call failed; trying again");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn get_once<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<T, CatalogError> {
        let unreachable = |e: reqwest::Error| CatalogError::Unreachable {
            url: url.to_owned(),
            reason: describe(&e),
        };
        let response = self
            .http
            .get(url)
            .query(query)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(CatalogError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                detail: problem_detail(&body),
            });
        }
        serde_json::from_slice(&body).map_err(|e| CatalogError::Malformed {
            url: url.to_owned(),
            reason: e.to_string(),
        })
    }
}

/// The `detail` of an API problem body (`{"detail":…,"status":…,"title":…}`), else the start of
/// whatever was sent.
fn problem_detail(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Problem {
        detail: String,
    }
    match serde_json::from_slice::<Problem>(body) {
        Ok(problem) => problem.detail,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.chars().take(120).collect();
            if text.trim().is_empty() {
                "no explanation in the body".to_owned()
            } else {
                format!("body starts {:?}", text.trim())
            }
        }
    }
}

/// A reqwest error with its causes, which name the real problem ("connection refused").
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "no answer within the timeout".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_retried_and_answers_are_not() {
        let status = |status| CatalogError::Status {
            url: "u".into(),
            status,
            detail: "d".into(),
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(404).is_transient());
        assert!(!status(400).is_transient());
        assert!(CatalogError::Unreachable {
            url: "u".into(),
            reason: "r".into()
        }
        .is_transient());
        assert!(!CatalogError::Malformed {
            url: "u".into(),
            reason: "r".into()
        }
        .is_transient());
    }

    #[test]
    fn problem_bodies_give_their_detail() {
        let recorded = br#"{"detail": "Document in containerRepository not found.", "status": 404, "title": "Not Found", "type": "about:blank"}"#;
        assert_eq!(
            problem_detail(recorded),
            "Document in containerRepository not found."
        );
        assert_eq!(
            problem_detail(b"<html>503 Service Unavailable</html>"),
            "body starts \"<html>503 Service Unavailable</html>\""
        );
        assert_eq!(problem_detail(b""), "no explanation in the body");
    }
}
