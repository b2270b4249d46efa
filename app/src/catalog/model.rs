//! Catalog repositories as the portal keeps them, and the answer to "what is equivalent".

use serde::{Deserialize, Serialize};

/// Whether Red Hat supports a repository's images now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReleaseStatus {
    GenerallyAvailable,
    TechPreview,
    Beta,
    Deprecated,
    /// A category this version does not know.
    Other,
}

impl ReleaseStatus {
    /// Reads one of the catalog's `release_categories`.
    pub fn from_category(category: &str) -> Self {
        match category {
            "Generally Available" => ReleaseStatus::GenerallyAvailable,
            "Tech Preview" => ReleaseStatus::TechPreview,
            "Beta" => ReleaseStatus::Beta,
            "Deprecated" => ReleaseStatus::Deprecated,
            _ => ReleaseStatus::Other,
        }
    }

    /// The words on the status badge, in `locale`.
    pub fn label(self, locale: crate::i18n::Locale) -> &'static str {
        use crate::i18n::td_string;
        match self {
            ReleaseStatus::GenerallyAvailable => {
                td_string!(locale, catalog.status.generally_available)
            }
            ReleaseStatus::TechPreview => td_string!(locale, catalog.status.tech_preview),
            ReleaseStatus::Beta => td_string!(locale, catalog.status.beta),
            ReleaseStatus::Deprecated => td_string!(locale, catalog.status.deprecated),
            ReleaseStatus::Other => td_string!(locale, catalog.status.unknown),
        }
    }
}

/// One repository of the catalog, with only the fields the portal uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRepository {
    /// The catalog's `_id` (for the catalog page link), when known.
    pub catalog_id: Option<String>,
    /// `ubi9/nginx-124`.
    pub repository: String,
    /// The registry the catalog lists it under.
    pub registry: String,
    pub name: String,
    pub description: String,
    pub status: ReleaseStatus,
    /// RFC 3339 end of life, when the catalog gives one.
    pub eol_date: Option<String>,
    pub replaced_by: Option<String>,
    /// Pulling needs accepting Red Hat's terms (registry.redhat.io with an account).
    pub requires_terms: bool,
    /// The current freshness grade (A–F) of the `latest` stream, when known.
    pub grade: Option<String>,
}

impl CatalogRepository {
    /// Where to pull it from: registry.access.redhat.com when no terms apply, else
    /// registry.redhat.io.
    pub fn pull_registry(&self) -> &'static str {
        if self.requires_terms {
            "registry.redhat.io"
        } else {
            "registry.access.redhat.com"
        }
    }

    /// The repository's page in the catalog (a search for it when the `_id` is unknown).
    pub fn catalog_url(&self) -> String {
        match &self.catalog_id {
            Some(id) => format!(
                "https://catalog.redhat.com/software/containers/{}/{id}",
                self.repository
            ),
            None => format!(
                "https://catalog.redhat.com/search?searchType=containers&q={}",
                self.repository
            ),
        }
    }

    /// True when deprecated or past its end of life on `today` (`YYYY-MM-DD`).
    pub fn is_retired(&self, today: &str) -> bool {
        self.status == ReleaseStatus::Deprecated
            || self
                .eol_date
                .as_deref()
                .is_some_and(|eol| eol.get(..10).is_some_and(|day| day <= today))
    }
}

/// A Red Hat repository offered as an equivalent, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The catalog's repository name, e.g. `rhel9/postgresql-16`.
    pub repository: String,
    /// Where to pull it from (`registry.access.redhat.com` or `registry.redhat.io`).
    pub registry: String,
    pub name: String,
    pub description: String,
    /// Freshness grade A–F, `None` when unknown.
    pub grade: Option<String>,
    /// Support status, e.g. `Generally Available` or `Deprecated`.
    pub status: String,
    pub catalog_url: String,
    /// Why it was suggested, best reason first.
    pub reasons: Vec<String>,
    /// Ranking score; higher is better. Only the order is meaningful.
    pub score: i32,
}

impl Candidate {
    /// The image reference the request becomes when this candidate is chosen.
    pub fn image_reference(&self) -> String {
        format!("{}/{}:latest", self.registry, self.repository)
    }
}

/// The answer for one image: its normalised reference and the candidates, best first. An empty
/// list means the catalog has no equivalent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Equivalents {
    pub image: String,
    pub candidates: Vec<Candidate>,
}
