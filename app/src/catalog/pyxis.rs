//! The shapes of Red Hat's Pyxis API (`/v1/repositories…`), read tolerantly: fields that do
//! not apply are absent, not null.

use super::model::{CatalogRepository, ReleaseStatus};
use serde::Deserialize;

/// `{"data": [...], "page": 0, "page_size": N, "total": T}`.
#[derive(Debug, Deserialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub page_size: u32,
    #[serde(default)]
    pub total: u32,
}

/// A repository record as the API sends it.
#[derive(Debug, Deserialize)]
pub struct RepositoryRecord {
    #[serde(rename = "_id")]
    pub id: Option<String>,
    pub repository: String,
    pub registry: String,
    #[serde(default)]
    pub display_data: Option<DisplayData>,
    #[serde(default)]
    pub release_categories: Option<Vec<String>>,
    pub eol_date: Option<String>,
    pub replaced_by_repository_name: Option<String>,
    pub requires_terms: Option<bool>,
    #[serde(default)]
    pub content_stream_grades: Option<Vec<StreamGrade>>,
}

#[derive(Debug, Deserialize)]
pub struct DisplayData {
    pub name: Option<String>,
    pub short_description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StreamGrade {
    pub grade: Option<String>,
    pub tag: Option<String>,
}

impl From<RepositoryRecord> for CatalogRepository {
    fn from(record: RepositoryRecord) -> Self {
        let display = record.display_data;
        let status = record
            .release_categories
            .as_ref()
            .and_then(|c| c.first())
            .map(|c| ReleaseStatus::from_category(c))
            .unwrap_or(ReleaseStatus::Other);
        let grade = record.content_stream_grades.and_then(|grades| {
            grades
                .into_iter()
                .find(|g| g.tag.as_deref() == Some("latest"))
                .and_then(|g| g.grade)
        });
        CatalogRepository {
            catalog_id: record.id,
            name: display
                .as_ref()
                .and_then(|d| d.name.clone())
                .unwrap_or_else(|| record.repository.clone()),
            description: display
                .and_then(|d| d.short_description)
                .unwrap_or_default(),
            repository: record.repository,
            registry: record.registry,
            status,
            eol_date: record.eol_date,
            replaced_by: record.replaced_by_repository_name,
            requires_terms: record.requires_terms.unwrap_or(true),
            grade,
        }
    }
}

/// An image record, with only what the grade lookup reads.
#[derive(Debug, Deserialize)]
pub struct ImageRecord {
    #[serde(default)]
    pub freshness_grades: Vec<FreshnessGrade>,
}

/// One window of an image's freshness grade: `grade` from `start_date` until `end_date` (open
/// when absent).
#[derive(Debug, Deserialize)]
pub struct FreshnessGrade {
    pub grade: String,
    pub start_date: String,
    pub end_date: Option<String>,
}

/// The grade whose window contains `now`; `None` when no window does (or none parses).
pub fn current_grade(grades: &[FreshnessGrade], now: time::OffsetDateTime) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let parse = |text: &str| time::OffsetDateTime::parse(text, &Rfc3339).ok();
    grades
        .iter()
        .find(|window| {
            let started = parse(&window.start_date).is_some_and(|start| start <= now);
            let not_ended = match window.end_date.as_deref() {
                None => true,
                Some(end) => parse(end).is_some_and(|end| now < end),
            };
            started && not_ended
        })
        .map(|window| window.grade.clone())
}

/// The catalog snapshot shipped with the portal: real repository names, for a machine without
/// internet and for the first start before the mirror is refreshed.
pub const SNAPSHOT_JSON: &str = include_str!("snapshot.json");

/// Parses a page of repository records (the API's or the snapshot's).
///
/// # Errors
/// The text is not a repository page.
pub fn parse_repositories(json: &str) -> Result<Vec<CatalogRepository>, serde_json::Error> {
    let page: Page<RepositoryRecord> = serde_json::from_str(json)?;
    Ok(page.data.into_iter().map(CatalogRepository::from).collect())
}

/// The shipped snapshot, parsed.
pub fn snapshot() -> Vec<CatalogRepository> {
    parse_repositories(SNAPSHOT_JSON).expect("the shipped snapshot is a valid repository page")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_api_records_parse_with_absent_fields() {
        let repos = snapshot();
        assert!(repos.len() >= 40);
        let ubi = repos.iter().find(|r| r.repository == "ubi9/ubi").unwrap();
        assert_eq!(ubi.catalog_id.as_deref(), Some("615bcf606feffc5384e8452e"));
        assert_eq!(ubi.grade.as_deref(), Some("A"));
        assert_eq!(ubi.status, ReleaseStatus::GenerallyAvailable);
        assert_eq!(ubi.pull_registry(), "registry.access.redhat.com");
        assert_eq!(
            ubi.catalog_url(),
            "https://catalog.redhat.com/software/containers/ubi9/ubi/615bcf606feffc5384e8452e"
        );
        let old = repos.iter().find(|r| r.repository == "rhel7.1").unwrap();
        assert_eq!(old.status, ReleaseStatus::Deprecated);
        assert_eq!(old.replaced_by.as_deref(), Some("rhel7/rhel"));
        assert!(old.is_retired("2026-01-01"));
        for wanted in [
            "ubi9/ubi-minimal",
            "ubi9/ubi-micro",
            "ubi9/nginx-124",
            "ubi9/httpd-24",
            "ubi9/python-312",
            "ubi9/nodejs-22",
            "ubi9/openjdk-21",
            "ubi9/go-toolset",
            "ubi9/ruby-33",
            "ubi9/php-83",
            "ubi9/perl-532",
            "rhel9/postgresql-16",
            "rhel9/mysql-80",
            "rhel9/mariadb-1011",
            "rhel9/redis-7",
            "ubi9/dotnet-80",
        ] {
            assert!(
                repos.iter().any(|r| r.repository == wanted),
                "{wanted} in the snapshot"
            );
        }
    }

    #[test]
    fn the_current_grade_is_the_window_containing_now() {
        // A real record (vuln4shift fixture, rhel7.1): E until 2016-07-22, then F, open-ended.
        let recorded = r#"{"data":[{"freshness_grades":[
            {"creation_date":"2019-04-20T06:02:02.865000+00:00","end_date":"2016-07-22T18:43:00+00:00","grade":"E","start_date":"2016-02-02T12:12:00+00:00"},
            {"creation_date":"2019-04-20T06:02:02.865000+00:00","grade":"F","start_date":"2016-07-22T18:43:00+00:00"}]}],
            "page":0,"page_size":1,"total":6}"#;
        let page: Page<ImageRecord> = serde_json::from_str(recorded).unwrap();
        let grades = &page.data[0].freshness_grades;
        let at = |text| {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .unwrap()
        };
        assert_eq!(
            current_grade(grades, at("2016-03-01T00:00:00Z")).as_deref(),
            Some("E")
        );
        assert_eq!(
            current_grade(grades, at("2016-07-22T18:43:00Z")).as_deref(),
            Some("F")
        );
        assert_eq!(
            current_grade(grades, at("2026-11-28T00:00:00Z")).as_deref(),
            Some("F")
        );
        assert_eq!(current_grade(grades, at("2015-01-01T00:00:00Z")), None);
        assert_eq!(current_grade(&[], at("2026-11-28T00:00:00Z")), None);
    }

    #[test]
    fn a_recorded_list_page_from_the_api_parses() {
        let recorded = r#"{"data":[{"_id":"57ea8cd79c624c035f96f327","repository":"rhel7.1",
            "registry":"registry.access.redhat.com","release_categories":["Deprecated"],
            "eol_date":"2015-11-18T00:00:00+00:00","replaced_by_repository_name":"rhel7/rhel"}],
            "page":0,"page_size":1,"total":1}"#;
        let repos = parse_repositories(recorded).unwrap();
        assert_eq!(repos[0].name, "rhel7.1");
        assert!(
            repos[0].requires_terms,
            "unknown terms are treated as required"
        );
    }
}
