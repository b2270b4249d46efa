//! Finding Red Hat equivalents of an image: product (with the names people use), version,
//! variant (`-slim`, `-alpine`, `-jre`), RHEL major and support status, each match explained.
//! Server only: the index is built once from the mirror and shared.

use super::model::{Candidate, CatalogRepository, Equivalents, ReleaseStatus};
use crate::domain::ImageReference;
use crate::i18n::{td_string, Locale};
use std::collections::HashMap;

/// How many candidates an answer lists at most.
pub const MAX_CANDIDATES: usize = 5;

/// What people call a product → the catalog's name for it, and what they call it in words.
const PRODUCTS: &[(&[&str], &str, &str)] = &[
    (&["postgres", "postgresql"], "postgresql", "PostgreSQL"),
    (&["node", "nodejs"], "nodejs", "Node.js"),
    (&["golang", "go"], "go-toolset", "Go"),
    (
        &[
            "eclipse-temurin",
            "openjdk",
            "amazoncorretto",
            "java",
            "ibm-semeru-runtimes",
            "sapmachine",
        ],
        "openjdk",
        "OpenJDK",
    ),
    (&["httpd", "apache", "apache2"], "httpd", "Apache httpd"),
    (&["nginx", "nginx-unprivileged"], "nginx", "nginx"),
    (&["python"], "python", "Python"),
    (&["ruby"], "ruby", "Ruby"),
    (&["php"], "php", "PHP"),
    (&["perl"], "perl", "Perl"),
    (&["mysql"], "mysql", "MySQL"),
    (&["mariadb"], "mariadb", "MariaDB"),
    (&["redis"], "redis", "Redis"),
    (&["dotnet", "aspnet"], "dotnet", ".NET"),
    (
        &[
            "alpine",
            "debian",
            "ubuntu",
            "centos",
            "fedora",
            "rockylinux",
            "almalinux",
            "oraclelinux",
            "amazonlinux",
            "ubi",
            "rhel",
            "busybox",
        ],
        "ubi",
        "a Linux base image",
    ),
];

/// A variant of a product image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Full,
    Minimal,
    Micro,
    Runtime,
    Init,
}

impl Variant {
    fn from_suffix(suffix: &str) -> Option<Self> {
        match suffix {
            "minimal" => Some(Variant::Minimal),
            "micro" => Some(Variant::Micro),
            "runtime" => Some(Variant::Runtime),
            "init" => Some(Variant::Init),
            _ => None,
        }
    }
}

/// A catalog repository, taken apart for matching.
#[derive(Clone, Debug)]
struct Indexed {
    repo: CatalogRepository,
    /// `postgresql`, `ubi`, `go-toolset`.
    stem: String,
    /// Digits of the product version in the name (`124` in `nginx-124`).
    version: Option<String>,
    variant: Variant,
    /// RHEL major from the first path part (`ubi9`, `rhel9` → 9).
    rhel_major: u32,
}

/// Takes a repository's last path part apart: `nodejs-22-minimal` → (`nodejs`, `22`, minimal),
/// `ubi-micro` → (`ubi`, none, micro), `go-toolset` → (`go-toolset`, none, full).
fn split_name(last: &str) -> (String, Option<String>, Variant) {
    let tokens: Vec<&str> = last.split('-').collect();
    let numeric = |t: &&str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    match tokens.iter().position(numeric) {
        Some(i) if i > 0 => {
            let variant = tokens
                .get(i + 1)
                .and_then(|s| Variant::from_suffix(s))
                .unwrap_or(Variant::Full);
            (tokens[..i].join("-"), Some(tokens[i].to_owned()), variant)
        }
        _ => match tokens.last().and_then(|s| Variant::from_suffix(s)) {
            Some(variant) if tokens.len() > 1 => {
                (tokens[..tokens.len() - 1].join("-"), None, variant)
            }
            _ => (last.to_owned(), None, Variant::Full),
        },
    }
}

fn index_entry(repo: CatalogRepository) -> Indexed {
    let first = repo.repository.split('/').next().unwrap_or("");
    let last = repo.repository.rsplit('/').next().unwrap_or("");
    let rhel_major = first
        .trim_start_matches("ubi")
        .trim_start_matches("rhel")
        .parse()
        .unwrap_or(0);
    let (stem, version, variant) = split_name(last);
    Indexed {
        repo,
        stem,
        version,
        variant,
        rhel_major,
    }
}

/// The catalog mirror, indexed by product for fast look-ups. Build it once per mirror refresh.
#[derive(Clone, Debug, Default)]
pub struct CatalogIndex {
    entries: Vec<Indexed>,
    by_stem: HashMap<String, Vec<usize>>,
    by_repository: HashMap<String, usize>,
}

impl CatalogIndex {
    /// Indexes the repositories. A repository listed under both registries is kept once, as
    /// the record that needs no terms (registry.access.redhat.com) when there is one.
    pub fn new(mut repositories: Vec<CatalogRepository>) -> Self {
        repositories.sort_by(|a, b| {
            (&a.repository, a.requires_terms).cmp(&(&b.repository, b.requires_terms))
        });
        repositories.dedup_by(|later, kept| later.repository == kept.repository);
        let entries: Vec<Indexed> = repositories.into_iter().map(index_entry).collect();
        let mut by_stem: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_repository = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            by_stem.entry(entry.stem.clone()).or_default().push(i);
            by_repository.insert(entry.repo.repository.clone(), i);
        }
        Self {
            entries,
            by_stem,
            by_repository,
        }
    }
}

impl CatalogIndex {
    /// The repository of that name, if the catalog has it.
    pub fn get(&self, repository: &str) -> Option<&CatalogRepository> {
        self.by_repository
            .get(repository)
            .map(|&i| &self.entries[i].repo)
    }

    /// How many repositories the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// What the requested image says about itself.
struct Wanted {
    stem: &'static str,
    product_words: &'static str,
    asked_as: String,
    version_parts: Vec<String>,
    variant: Variant,
    /// The reference names a repository of the catalog itself.
    exact_repository: Option<String>,
}

fn wanted(image: &ImageReference) -> Option<Wanted> {
    let repository = image.repository();
    let name = image.name();
    let path_has = |part: &str| repository.split('/').any(|p| p == part);
    let red_hat_registry = matches!(
        image.registry(),
        "registry.access.redhat.com" | "registry.redhat.io"
    );
    let product_name = if path_has("dotnet") { "dotnet" } else { name };
    let (_, stem, words) = PRODUCTS
        .iter()
        .find(|(names, _, _)| names.contains(&product_name))
        .copied()
        .or_else(|| {
            // A Red Hat reference names the catalog's own stem, e.g. ubi9/nginx-124.
            let (stem, _, _) = split_name(name);
            red_hat_registry
                .then(|| PRODUCTS.iter().find(|(_, s, _)| *s == stem).copied())
                .flatten()
        })?;

    let tag = image.tag().unwrap_or("");
    let version: String = tag
        .trim_start_matches('v')
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let version_parts: Vec<String> = version
        .split('.')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let tag_says = |word: &str| tag.split(['-', '.', '_']).any(|t| t == word);
    let variant = if stem == "ubi" {
        match name {
            "busybox" => Variant::Micro,
            "alpine" => Variant::Minimal,
            _ if tag_says("slim") || tag_says("minimal") => Variant::Minimal,
            _ => Variant::Full,
        }
    } else if tag_says("slim") || tag_says("alpine") || tag_says("minimal") {
        Variant::Minimal
    } else if tag_says("jre") || name == "aspnet" || (path_has("dotnet") && name == "runtime") {
        Variant::Runtime
    } else {
        Variant::Full
    };
    Some(Wanted {
        stem,
        product_words: words,
        asked_as: name.to_owned(),
        version_parts: if stem == "ubi" {
            Vec::new()
        } else {
            version_parts
        },
        variant,
        exact_repository: red_hat_registry.then(|| repository.to_owned()),
    })
}

/// Ranks the catalog's repositories as equivalents of `image`, best first, each with its
/// reasons. `today` (`YYYY-MM-DD`) decides what is past its end of life. An empty list means
/// no equivalent.
pub fn find_equivalents(
    index: &CatalogIndex,
    image: &ImageReference,
    today: &str,
    locale: Locale,
) -> Equivalents {
    let mut candidates = Vec::new();
    if let Some(wanted) = wanted(image) {
        let matches = index
            .by_stem
            .get(wanted.stem)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let newest_major = matches
            .iter()
            .map(|&i| index.entries[i].rhel_major)
            .max()
            .unwrap_or(0);
        let upgrade = nearest_upgrade(index, matches, &wanted, today);
        let mut seen = std::collections::HashSet::new();
        for &i in matches {
            let entry = &index.entries[i];
            candidates.push(score(
                entry,
                &wanted,
                newest_major,
                today,
                None,
                upgrade,
                locale,
            ));
            seen.insert(entry.repo.repository.clone());
            // A retired repository points to its successor: offer that too.
            if entry.repo.is_retired(today) {
                if let Some(&j) = entry
                    .repo
                    .replaced_by
                    .as_ref()
                    .and_then(|r| index.by_repository.get(r))
                {
                    let successor = &index.entries[j];
                    if seen.insert(successor.repo.repository.clone()) {
                        candidates.push(score(
                            successor,
                            &wanted,
                            newest_major,
                            today,
                            Some(&entry.repo.repository),
                            upgrade,
                            locale,
                        ));
                    }
                }
            }
        }
        candidates.sort_by(|a, b| {
            b.0.score
                .cmp(&a.0.score)
                .then_with(|| b.1.cmp(&a.1))
                .then_with(|| a.0.repository.cmp(&b.0.repository))
        });
        // The same repository offered by both Red Hat registries: shown once, where it ranks
        // best (the pull registry says where to get it).
        let mut shown = std::collections::HashSet::new();
        candidates.retain(|(c, _)| shown.insert(c.repository.clone()));
    }
    Equivalents {
        image: image.to_string(),
        candidates: candidates
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(c, _)| c)
            .collect(),
    }
}

/// The version as the catalog writes it in names (`3.11` → `311`), cut to `digits` digits.
fn version_number(parts: &[String], digits: usize) -> Option<u64> {
    parts
        .concat()
        .get(..digits.min(parts.concat().len()))?
        .parse()
        .ok()
}

/// When the asked-for version is not supported any more (past end of life, deprecated, or gone
/// from the catalog), the nearest supported newer version: the smallest step up, not the
/// newest (`node:18` → Node.js 20, not 22), and why.
/// Why an upgrade is suggested: the asked-for version is past its end of life, or the catalog
/// does not offer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Upgrade {
    PastEndOfLife,
    NotOffered,
}

fn nearest_upgrade(
    index: &CatalogIndex,
    matches: &[usize],
    wanted: &Wanted,
    today: &str,
) -> Option<(u64, Upgrade)> {
    if wanted.version_parts.is_empty() {
        return None;
    }
    let asked = |version: &str| version_number(&wanted.version_parts, version.len());
    let versioned = || {
        matches.iter().filter_map(|&i| {
            let entry = &index.entries[i];
            let version = entry.version.as_deref()?;
            Some((entry, version, version.parse::<u64>().ok()?))
        })
    };
    let exact = |version: &str, number: u64| asked(version) == Some(number);
    if versioned().any(|(e, v, n)| exact(v, n) && !e.repo.is_retired(today)) {
        return None;
    }
    let why = if versioned().any(|(_, v, n)| exact(v, n)) {
        Upgrade::PastEndOfLife
    } else {
        Upgrade::NotOffered
    };
    versioned()
        .filter(|(e, v, n)| !e.repo.is_retired(today) && asked(v).is_some_and(|a| *n > a))
        .map(|(_, _, n)| n)
        .min()
        .map(|n| (n, why))
}

/// A candidate and its numeric version (newer first among equals).
fn score(
    entry: &Indexed,
    wanted: &Wanted,
    newest_major: u32,
    today: &str,
    replaces: Option<&str>,
    upgrade: Option<(u64, Upgrade)>,
    locale: Locale,
) -> (Candidate, u64) {
    let repo = &entry.repo;
    let retired = repo.is_retired(today);
    let mut score = 100;
    let mut reasons = Vec::new();

    if wanted.exact_repository.as_deref() == Some(repo.repository.as_str()) {
        score += 1000;
        reasons.push(td_string!(locale, catalog.reason.itself).to_owned());
    } else if wanted.stem == "ubi" {
        reasons.push(
            td_string!(
                locale,
                catalog.reason.ubi,
                asked = wanted.asked_as.as_str(),
                product = wanted.product_words
            )
            .to_string(),
        );
    } else if wanted.asked_as == entry.stem {
        reasons.push(
            td_string!(
                locale,
                catalog.reason.same_product,
                product = wanted.product_words
            )
            .to_string(),
        );
    } else {
        reasons.push(
            td_string!(
                locale,
                catalog.reason.same_product_as,
                product = wanted.product_words,
                asked = wanted.asked_as.as_str()
            )
            .to_string(),
        );
    }
    if let Some(replaced) = replaces {
        reasons.push(td_string!(locale, catalog.reason.replaces, replaced = replaced).to_string());
    }

    match (&entry.version, wanted.version_parts.is_empty()) {
        (Some(version), false) => {
            let exact = (1..=wanted.version_parts.len())
                .any(|k| wanted.version_parts[..k].concat() == *version);
            if exact {
                score += 60;
                reasons.push(
                    td_string!(
                        locale,
                        catalog.reason.same_version,
                        version = wanted.version_parts.join(".")
                    )
                    .to_string(),
                );
            } else if version.starts_with(&wanted.version_parts[0]) {
                score += 20;
                reasons.push(
                    td_string!(
                        locale,
                        catalog.reason.same_major,
                        version = wanted.version_parts[0].as_str()
                    )
                    .to_string(),
                );
            } else if upgrade.is_some_and(|(n, _)| version.parse::<u64>().ok() == Some(n)) {
                score += 40;
                let from = wanted.version_parts.join(".");
                reasons.push(match upgrade.map(|(_, why)| why) {
                    Some(Upgrade::PastEndOfLife) => {
                        td_string!(locale, catalog.reason.upgrade_eol, from = from).to_string()
                    }
                    _ => {
                        td_string!(locale, catalog.reason.upgrade_missing, from = from).to_string()
                    }
                });
            } else {
                score -= 10;
                reasons.push(
                    td_string!(
                        locale,
                        catalog.reason.other_version,
                        version = wanted.version_parts.join(".")
                    )
                    .to_string(),
                );
            }
        }
        (Some(_), true) => reasons.push(td_string!(locale, catalog.reason.newest_first).to_owned()),
        (None, _) => {}
    }

    score += entry.rhel_major as i32 * 5;
    if entry.rhel_major > 0 {
        if entry.rhel_major == newest_major {
            reasons.push(
                td_string!(locale, catalog.reason.newest_rhel, major = entry.rhel_major)
                    .to_string(),
            );
        } else {
            reasons.push(
                td_string!(locale, catalog.reason.older_rhel, major = entry.rhel_major).to_string(),
            );
        }
    }

    match (wanted.variant, entry.variant) {
        (want, have) if want == have && want != Variant::Full => {
            score += 25;
            reasons.push(
                match have {
                    Variant::Minimal => td_string!(locale, catalog.reason.minimal),
                    Variant::Micro => td_string!(locale, catalog.reason.micro),
                    Variant::Runtime => td_string!(locale, catalog.reason.runtime),
                    _ => td_string!(locale, catalog.reason.same_variant),
                }
                .to_owned(),
            );
        }
        (Variant::Full, Variant::Full) => {}
        (Variant::Full, _) => score -= 15,
        (_, Variant::Full) => {}
        _ => score -= 5,
    }

    if retired {
        score -= 80;
        let mut reason = match &repo.eol_date {
            Some(eol) if repo.status != ReleaseStatus::Deprecated => td_string!(
                locale,
                catalog.reason.past_eol,
                date = eol.get(..10).unwrap_or(eol)
            )
            .to_string(),
            _ => ReleaseStatus::Deprecated.label(locale).to_owned(),
        };
        if let Some(successor) = &repo.replaced_by {
            reason.push_str(
                &td_string!(locale, catalog.reason.replaced_by, successor = successor).to_string(),
            );
        }
        reasons.push(reason);
    } else {
        match repo.status {
            ReleaseStatus::GenerallyAvailable => {
                score += 10;
                reasons.push(ReleaseStatus::GenerallyAvailable.label(locale).to_owned());
            }
            ReleaseStatus::TechPreview | ReleaseStatus::Beta => {
                score -= 20;
                reasons.push(
                    td_string!(
                        locale,
                        catalog.reason.not_supported,
                        status = repo.status.label(locale)
                    )
                    .to_string(),
                );
            }
            _ => {}
        }
    }

    let numeric_version = entry
        .version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let status = if retired && repo.status != ReleaseStatus::Deprecated {
        td_string!(locale, catalog.reason.past_eol_status).to_owned()
    } else {
        repo.status.label(locale).to_owned()
    };
    (
        Candidate {
            repository: repo.repository.clone(),
            registry: repo.pull_registry().to_owned(),
            name: repo.name.clone(),
            description: repo.description.clone(),
            grade: repo.grade.clone(),
            status,
            catalog_url: repo.catalog_url(),
            reasons,
            score,
        },
        numeric_version,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::pyxis::snapshot;

    const TODAY: &str = "2026-11-28";

    fn top(index: &CatalogIndex, reference: &str) -> Option<String> {
        let image = ImageReference::parse(reference).unwrap();
        find_equivalents(index, &image, TODAY, Locale::en)
            .candidates
            .first()
            .map(|c| c.repository.clone())
    }

    #[test]
    fn real_world_references_get_the_expected_top_suggestion() {
        let index = CatalogIndex::new(snapshot());
        let cases = [
            ("postgres:16", Some("rhel9/postgresql-16")),
            ("postgres:15-alpine", Some("rhel9/postgresql-15")),
            ("docker.io/library/postgres", Some("rhel9/postgresql-16")),
            ("bitnami/postgresql:16.2.0", Some("rhel9/postgresql-16")),
            ("nginx:1.24", Some("ubi9/nginx-124")),
            ("nginx", Some("ubi9/nginx-124")),
            ("nginx:1.22-alpine", Some("ubi9/nginx-122")),
            ("nginxinc/nginx-unprivileged:1.24", Some("ubi9/nginx-124")),
            ("python:3.12-slim", Some("ubi9/python-312")),
            ("python:3.11", Some("ubi9/python-311")),
            ("node:22-alpine", Some("ubi9/nodejs-22-minimal")),
            ("node:20", Some("ubi9/nodejs-20")),
            ("golang:1.22", Some("ubi9/go-toolset")),
            ("eclipse-temurin:21-jre", Some("ubi9/openjdk-21-runtime")),
            ("openjdk:17", Some("ubi9/openjdk-17")),
            ("amazoncorretto:21", Some("ubi9/openjdk-21")),
            ("httpd:2.4", Some("ubi9/httpd-24")),
            ("mysql:8.0", Some("rhel9/mysql-80")),
            ("mariadb:10.11", Some("rhel9/mariadb-1011")),
            ("redis:7", Some("rhel9/redis-7")),
            ("bitnami/redis:7.2", Some("rhel9/redis-7")),
            ("alpine:3.19", Some("ubi9/ubi-minimal")),
            ("debian:bookworm-slim", Some("ubi9/ubi-minimal")),
            ("ubuntu:22.04", Some("ubi9/ubi")),
            ("busybox", Some("ubi9/ubi-micro")),
            ("ruby:3.3", Some("ubi9/ruby-33")),
            ("php:8.3-fpm", Some("ubi9/php-83")),
            ("perl:5.32", Some("ubi9/perl-532")),
            (
                "mcr.microsoft.com/dotnet/aspnet:8.0",
                Some("ubi9/dotnet-80-runtime"),
            ),
            ("mcr.microsoft.com/dotnet/sdk:8.0", Some("ubi9/dotnet-80")),
            ("registry.access.redhat.com/ubi9/ubi", Some("ubi9/ubi")),
            (
                "registry.access.redhat.com/ubi8/ubi-minimal",
                Some("ubi8/ubi-minimal"),
            ),
            ("grafana/grafana:11.0.0", None),
            ("ghcr.io/org/tool:2.0", None),
            ("quay.io/prometheus/node-exporter:v1.8.1", None),
            ("quay.io/keycloak/keycloak:25.0", None),
        ];
        assert!(cases.len() >= 25);
        let mut wrong = Vec::new();
        for (reference, expected) in cases {
            let got = top(&index, reference);
            if got.as_deref() != expected {
                wrong.push(format!("{reference}: expected {expected:?}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn every_candidate_says_why_and_where_to_pull_it() {
        let index = CatalogIndex::new(snapshot());
        let image = ImageReference::parse("postgres:16").unwrap();
        let answer = find_equivalents(&index, &image, TODAY, Locale::en);
        assert_eq!(answer.image, "docker.io/library/postgres:16");
        let best = &answer.candidates[0];
        assert_eq!(
            best.registry, "registry.redhat.io",
            "PostgreSQL needs Red Hat's terms"
        );
        assert!(
            best.reasons.iter().any(|r| r == "Same version (16)"),
            "{:?}",
            best.reasons
        );
        assert!(best.reasons.iter().any(|r| r.contains("PostgreSQL")));
        assert!(best.reasons.iter().any(|r| r == "Newest RHEL major (9)"));
        assert_eq!(
            best.image_reference(),
            "registry.redhat.io/rhel9/postgresql-16:latest"
        );
        let ubi = find_equivalents(
            &index,
            &ImageReference::parse("ubuntu").unwrap(),
            TODAY,
            Locale::en,
        );
        assert_eq!(ubi.candidates[0].registry, "registry.access.redhat.com");
        assert_eq!(ubi.candidates[0].grade.as_deref(), Some("A"));
        assert!(answer.candidates.len() <= MAX_CANDIDATES);
    }

    fn repository(
        name: &str,
        status: ReleaseStatus,
        eol: Option<&str>,
        replaced_by: Option<&str>,
    ) -> CatalogRepository {
        CatalogRepository {
            catalog_id: None,
            repository: name.to_owned(),
            registry: "registry.access.redhat.com".to_owned(),
            name: name.to_owned(),
            description: String::new(),
            status,
            eol_date: eol.map(str::to_owned),
            replaced_by: replaced_by.map(str::to_owned),
            requires_terms: false,
            grade: None,
        }
    }

    #[test]
    fn retired_repositories_are_shown_as_such_after_their_successor() {
        use ReleaseStatus::*;
        let index = CatalogIndex::new(vec![
            repository("ubi9/nginx-120", Deprecated, None, Some("ubi9/nginx-124")),
            repository(
                "ubi9/nginx-122",
                GenerallyAvailable,
                Some("2025-05-31T00:00:00+00:00"),
                None,
            ),
            repository("ubi9/nginx-124", GenerallyAvailable, None, None),
            repository("ubi9/nginx-126", TechPreview, None, None),
        ]);
        let answer = find_equivalents(
            &index,
            &ImageReference::parse("nginx:1.20").unwrap(),
            TODAY,
            Locale::en,
        );
        let names: Vec<_> = answer
            .candidates
            .iter()
            .map(|c| c.repository.as_str())
            .collect();
        assert_eq!(names[0], "ubi9/nginx-124", "{names:?}");
        let old = answer
            .candidates
            .iter()
            .find(|c| c.repository == "ubi9/nginx-120")
            .unwrap();
        assert_eq!(old.status, "Deprecated");
        assert!(
            old.reasons
                .iter()
                .any(|r| r == "Deprecated; replaced by ubi9/nginx-124"),
            "{:?}",
            old.reasons
        );
        let past = answer
            .candidates
            .iter()
            .find(|c| c.repository == "ubi9/nginx-122")
            .unwrap();
        assert_eq!(past.status, "Past end of life");
        let preview = answer
            .candidates
            .iter()
            .find(|c| c.repository == "ubi9/nginx-126")
            .unwrap();
        assert!(preview
            .reasons
            .iter()
            .any(|r| r == "Tech Preview: not supported in production"));
        let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
        assert!(
            position("ubi9/nginx-126") < position("ubi9/nginx-120"),
            "{names:?}"
        );
    }

    #[test]
    fn a_retired_repositorys_successor_is_offered_under_another_name() {
        use ReleaseStatus::*;
        let index = CatalogIndex::new(vec![
            repository("rhel8/redis-5", Deprecated, None, Some("rhel9/valkey-8")),
            repository("rhel9/valkey-8", GenerallyAvailable, None, None),
        ]);
        let answer = find_equivalents(
            &index,
            &ImageReference::parse("redis:5").unwrap(),
            TODAY,
            Locale::en,
        );
        let valkey = answer
            .candidates
            .iter()
            .find(|c| c.repository == "rhel9/valkey-8")
            .unwrap();
        assert!(valkey
            .reasons
            .iter()
            .any(|r| r == "Replaces rhel8/redis-5, which is retired"));
    }

    #[test]
    fn an_unsupported_version_gets_the_nearest_supported_upgrade_first() {
        let index = CatalogIndex::new(snapshot());
        let node = find_equivalents(
            &index,
            &ImageReference::parse("node:18").unwrap(),
            TODAY,
            Locale::en,
        );
        assert_eq!(node.candidates[0].repository, "ubi9/nodejs-20", "{node:?}");
        assert!(
            node.candidates[0].reasons.iter().any(|r| r
                == "Nearest supported upgrade from 18, which the catalog does not offer"),
            "{:?}",
            node.candidates[0].reasons
        );
        // A supported version asked for is itself first, and no upgrade is claimed.
        let node = find_equivalents(
            &index,
            &ImageReference::parse("node:22").unwrap(),
            TODAY,
            Locale::en,
        );
        assert_eq!(node.candidates[0].repository, "ubi9/nodejs-22");
        assert!(node
            .candidates
            .iter()
            .all(|c| !c.reasons.iter().any(|r| r.starts_with("Nearest"))));
    }

    #[test]
    fn a_version_past_its_end_of_life_is_upgraded_one_step() {
        let index = CatalogIndex::new(vec![
            repository(
                "ubi9/nodejs-18",
                ReleaseStatus::GenerallyAvailable,
                Some("2025-04-30"),
                None,
            ),
            repository(
                "ubi9/nodejs-20",
                ReleaseStatus::GenerallyAvailable,
                None,
                None,
            ),
            repository(
                "ubi9/nodejs-22",
                ReleaseStatus::GenerallyAvailable,
                None,
                None,
            ),
        ]);
        let node = find_equivalents(
            &index,
            &ImageReference::parse("node:18.19").unwrap(),
            TODAY,
            Locale::en,
        );
        let order: Vec<&str> = node
            .candidates
            .iter()
            .map(|c| c.repository.as_str())
            .collect();
        assert_eq!(
            order,
            ["ubi9/nodejs-20", "ubi9/nodejs-22", "ubi9/nodejs-18"]
        );
        assert!(node.candidates[0].reasons.contains(
            &"Nearest supported upgrade from 18.19, which is past its end of life".to_owned()
        ));
    }

    #[test]
    fn a_repository_in_both_red_hat_registries_is_shown_once() {
        let mut other = repository(
            "ubi9/nodejs-20",
            ReleaseStatus::GenerallyAvailable,
            None,
            None,
        );
        other.registry = "registry.redhat.io".to_owned();
        let index = CatalogIndex::new(vec![
            repository(
                "ubi9/nodejs-20",
                ReleaseStatus::GenerallyAvailable,
                None,
                None,
            ),
            other,
        ]);
        let node = find_equivalents(
            &index,
            &ImageReference::parse("node:20").unwrap(),
            TODAY,
            Locale::en,
        );
        assert_eq!(node.candidates.len(), 1, "{node:?}");
    }

    #[test]
    fn a_product_the_catalog_lacks_gets_no_candidates() {
        let index = CatalogIndex::new(snapshot());
        let answer = find_equivalents(
            &index,
            &ImageReference::parse("grafana/grafana").unwrap(),
            TODAY,
            Locale::en,
        );
        assert!(answer.candidates.is_empty());
    }
}
