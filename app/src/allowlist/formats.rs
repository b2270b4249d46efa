//! The allowlist in the formats mirror jobs read: JSON with provenance, and skopeo sync's
//! `--src yaml`. Server only.

use super::AllowlistEntry;
use crate::domain::TagRule;
use std::collections::{BTreeMap, HashMap};

/// A format the API serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Skopeo,
    Regsync,
}

impl Format {
    pub const NAMES: &'static str = "json, skopeo, regsync";

    /// Reads `?format=`.
    ///
    /// # Errors
    /// An unknown name; the message lists the valid ones.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "json" => Ok(Format::Json),
            "skopeo" => Ok(Format::Skopeo),
            "regsync" => Ok(Format::Regsync),
            other => Err(format!(
                "unknown format {other:?}; use one of: {}",
                Self::NAMES
            )),
        }
    }

    /// The format an `Accept` header asks for; `None` when it names none the API serves (then
    /// JSON is the answer, as for `*/*`).
    pub fn from_accept(accept: &str) -> Option<Self> {
        let accept = accept.to_ascii_lowercase();
        if accept.contains("application/vnd.regsync+yaml") {
            Some(Format::Regsync)
        } else if accept.contains("application/vnd.skopeo.sync+yaml")
            || accept.contains("application/x-yaml")
            || accept.contains("application/yaml")
        {
            Some(Format::Skopeo)
        } else if accept.contains("application/json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Skopeo => "skopeo",
            Format::Regsync => "regsync",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Skopeo => "application/vnd.skopeo.sync+yaml; charset=utf-8",
            Format::Regsync => "application/vnd.regsync+yaml; charset=utf-8",
        }
    }
}

/// Everything the formats need besides the entries.
#[derive(Debug)]
pub struct Context<'a> {
    pub version: i64,
    pub generated_at: &'a str,
    pub public_url: &'a str,
    /// Registries reached over plain http (`tls-verify: false` in skopeo's YAML).
    pub insecure_registries: &'a [String],
    /// The mirror registry regsync copies to (`?mirror=`).
    pub mirror: &'a str,
    /// Upstream tags per (registry, repository), for semver rules skopeo cannot express.
    pub tags: &'a HashMap<(String, String), Vec<String>>,
}

/// JSON: `{version, generated_at, entries: [{…, request: {…}}]}`, written straight from the
/// entries (no intermediate tree: the list may hold tens of thousands).
pub fn json(entries: &[AllowlistEntry], cx: &Context<'_>) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct List<'a> {
        version: i64,
        generated_at: &'a str,
        entries: Vec<Entry<'a>>,
    }
    #[derive(serde::Serialize)]
    struct Entry<'a> {
        id: i64,
        source: String,
        registry: &'a str,
        repository: &'a str,
        tags: &'a TagRule,
        digests: &'a [String],
        architectures: &'a [String],
        expires_on: &'a str,
        approved_by: &'a str,
        approved_at: &'a str,
        request: Request<'a>,
    }
    #[derive(serde::Serialize)]
    struct Request<'a> {
        id: i64,
        url: String,
        team: &'a str,
        contact: &'a str,
        requester: &'a str,
    }
    let list = List {
        version: cx.version,
        generated_at: cx.generated_at,
        entries: entries
            .iter()
            .map(|e| Entry {
                id: e.id,
                source: format!("{}/{}", e.registry, e.repository),
                registry: &e.registry,
                repository: &e.repository,
                tags: &e.tags,
                digests: &e.digests,
                architectures: &e.architectures,
                expires_on: &e.expires_on,
                approved_by: &e.approved_by_name,
                approved_at: &e.approved_at,
                request: Request {
                    id: e.request_id.0,
                    url: format!("{}/requests/{}", cx.public_url, e.request_id),
                    team: &e.team,
                    contact: &e.contact,
                    requester: &e.requester_name,
                },
            })
            .collect(),
    };
    // Serialising borrowed strings and numbers cannot fail.
    serde_json::to_vec(&list).unwrap_or_default()
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// skopeo sync `--src yaml`: per source registry, `images` (tags and digest pins) and
/// `images-by-tag-regex`. Digest pins, when an entry has them, are all that entry allows.
/// Semver ranges are written out as the upstream tags they match now. Provenance goes in
/// comments, which skopeo ignores.
pub fn skopeo(entries: &[AllowlistEntry], cx: &Context<'_>) -> String {
    #[derive(Default)]
    struct Registry<'a> {
        images: BTreeMap<&'a str, Vec<String>>,
        regex: BTreeMap<&'a str, Vec<String>>,
        provenance: Vec<String>,
    }
    let mut registries: BTreeMap<&str, Registry<'_>> = BTreeMap::new();
    for e in entries {
        let registry = registries.entry(e.registry.as_str()).or_default();
        registry.provenance.push(format!(
            "{}: request #{} ({}, {}), approved by {} on {}, until {}",
            e.repository,
            e.request_id,
            e.team,
            e.contact,
            e.approved_by_name,
            &e.approved_at[..10.min(e.approved_at.len())],
            e.expires_on
        ));
        if !e.digests.is_empty() {
            registry
                .images
                .entry(&e.repository)
                .or_default()
                .extend(e.digests.iter().cloned());
            continue;
        }
        match &e.tags {
            TagRule::Exact(tags) => registry
                .images
                .entry(&e.repository)
                .or_default()
                .extend(tags.iter().cloned()),
            TagRule::Regex(pattern) => registry
                .regex
                .entry(&e.repository)
                .or_default()
                .push(format!("^(?:{pattern})$")),
            TagRule::Semver(_) => {
                let key = (e.registry.clone(), e.repository.clone());
                let matching: Vec<String> = cx
                    .tags
                    .get(&key)
                    .map(|tags| tags.iter().filter(|t| e.tags.matches(t)).cloned().collect())
                    .unwrap_or_default();
                registry
                    .images
                    .entry(&e.repository)
                    .or_default()
                    .extend(matching);
            }
        }
    }
    let mut out = format!(
        "# Portcullis allowlist, version {}, generated {}.\n# skopeo sync --src yaml --dest docker THIS-FILE MIRROR\n",
        cx.version, cx.generated_at
    );
    for (name, registry) in registries {
        out.push_str(&format!("{}:\n", quoted(name)));
        for line in &registry.provenance {
            out.push_str(&format!("  # {line}\n"));
        }
        if cx.insecure_registries.iter().any(|h| h == name) {
            out.push_str("  tls-verify: false\n");
        }
        let images: Vec<_> = registry
            .images
            .into_iter()
            .map(|(repo, mut refs)| {
                refs.sort();
                refs.dedup();
                (repo, refs)
            })
            .filter(|(_, refs)| !refs.is_empty())
            .collect();
        if !images.is_empty() {
            out.push_str("  images:\n");
            for (repo, refs) in images {
                out.push_str(&format!("    {}:\n", quoted(repo)));
                for r in refs {
                    out.push_str(&format!("      - {}\n", quoted(&r)));
                }
            }
        }
        if !registry.regex.is_empty() {
            out.push_str("  images-by-tag-regex:\n");
            for (repo, patterns) in registry.regex {
                // One pattern per repository: several entries are joined as alternatives.
                out.push_str(&format!(
                    "    {}: {}\n",
                    quoted(repo),
                    quoted(&patterns.join("|"))
                ));
            }
        }
    }
    out
}

/// regsync's configuration: one `sync` item per entry. Tag rules become anchored regular
/// expressions under `tags.allow`; digest pins become `type: image` items, one per digest;
/// semver ranges are written out as the upstream tags they match now. Provenance goes under
/// `x-portcullis`, which regsync ignores.
pub fn regsync(entries: &[AllowlistEntry], cx: &Context<'_>) -> String {
    let mut out = format!(
        "# Portcullis allowlist, version {}, generated {}.\n# regsync once -c THIS-FILE\nversion: 1\nsync:\n",
        cx.version, cx.generated_at
    );
    for e in entries {
        let source = format!("{}/{}", e.registry, e.repository);
        let target = format!("{}/{}", cx.mirror, e.repository);
        let provenance = format!(
            "    x-portcullis:\n      request: {}\n      url: {}\n      team: {}\n      contact: {}\n      requester: {}\n      approved_by: {}\n      approved_at: {}\n      expires_on: {}\n",
            e.request_id,
            quoted(&format!("{}/requests/{}", cx.public_url, e.request_id)),
            quoted(&e.team),
            quoted(&e.contact),
            quoted(&e.requester_name),
            quoted(&e.approved_by_name),
            quoted(&e.approved_at),
            quoted(&e.expires_on),
        );
        if !e.digests.is_empty() {
            for digest in &e.digests {
                out.push_str(&format!(
                    "  - source: {}\n    target: {}\n    type: image\n{provenance}",
                    quoted(&format!("{source}@{digest}")),
                    quoted(&format!("{target}@{digest}")),
                ));
            }
            continue;
        }
        let allow: Vec<String> = match &e.tags {
            TagRule::Exact(tags) => tags
                .iter()
                .map(|t| format!("^{}$", regex::escape(t)))
                .collect(),
            TagRule::Regex(pattern) => vec![format!("^(?:{pattern})$")],
            TagRule::Semver(_) => cx
                .tags
                .get(&(e.registry.clone(), e.repository.clone()))
                .map(|tags| {
                    tags.iter()
                        .filter(|t| e.tags.matches(t))
                        .map(|t| format!("^{}$", regex::escape(t)))
                        .collect()
                })
                .unwrap_or_default(),
        };
        if allow.is_empty() {
            out.push_str(&format!(
                "  # left out: {source} (request #{}): no upstream tag matches its rule now\n",
                e.request_id
            ));
            continue;
        }
        out.push_str(&format!(
            "  - source: {}\n    target: {}\n    type: repository\n    tags:\n      allow:\n",
            quoted(&source),
            quoted(&target)
        ));
        for pattern in allow {
            out.push_str(&format!("        - {}\n", quoted(&pattern)));
        }
        out.push_str(&provenance);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestId;

    fn entry(tags: TagRule, digests: Vec<String>) -> AllowlistEntry {
        AllowlistEntry {
            id: 1,
            request_id: RequestId(42),
            registry: "docker.io".into(),
            repository: "library/nginx".into(),
            tags,
            digests,
            architectures: vec!["amd64".into()],
            expires_on: "2027-06-01".into(),
            approved_by: "dev:rita".into(),
            approved_by_name: "Rita Reviewer".into(),
            approved_at: "2026-11-28T10:00:00.000000Z".into(),
            revoked_at: None,
            revoked_by_name: None,
            revoke_reason: None,
            version: 1,
            team: "Web \"platform\"".into(),
            contact: "web@example.org".into(),
            requester_name: "Alice Andersen".into(),
        }
    }

    fn cx<'a>(tags: &'a HashMap<(String, String), Vec<String>>) -> Context<'a> {
        Context {
            version: 7,
            generated_at: "2026-11-28T12:00:00.000000Z",
            public_url: "https://portcullis.example.org",
            insecure_registries: &[],
            mirror: "mirror.example.org",
            tags,
        }
    }

    #[test]
    fn regsync_items_anchor_tags_pin_digests_and_carry_provenance_under_x_keys() {
        let mut upstream = HashMap::new();
        upstream.insert(
            ("docker.io".to_owned(), "library/nginx".to_owned()),
            vec![
                "1.25.3".to_owned(),
                "1.26.0".to_owned(),
                "latest".to_owned(),
            ],
        );
        let digest = format!("sha256:{}", "ab".repeat(32));
        let text = regsync(
            &[
                entry(TagRule::Exact(vec!["1.25.3".into()]), vec![]),
                entry(TagRule::Semver(">=1.26".into()), vec![]),
                entry(TagRule::Regex("1\\.2[0-9]".into()), vec![digest.clone()]),
            ],
            &cx(&upstream),
        );
        assert!(text.contains("version: 1\nsync:\n"), "{text}");
        assert!(
            text.contains("        - \"^1\\\\.25\\\\.3$\""),
            "exact tags escaped and anchored:\n{text}"
        );
        assert!(
            text.contains("        - \"^1\\\\.26\\\\.0$\""),
            "semver written out:\n{text}"
        );
        assert!(!text.contains("latest"));
        assert!(
            text.contains(&format!("source: \"docker.io/library/nginx@{digest}\"")),
            "{text}"
        );
        assert!(text.contains("    type: image\n"));
        assert!(
            text.contains("      team: \"Web \\\"platform\\\"\""),
            "YAML-quoted:\n{text}"
        );
        assert!(text.contains("target: \"mirror.example.org/library/nginx\""));
    }

    #[test]
    fn skopeo_yaml_groups_by_registry_and_pins_replace_tags() {
        let digest = format!("sha256:{}", "cd".repeat(32));
        let text = skopeo(
            &[
                entry(
                    TagRule::Exact(vec!["1.25.3".into(), "1.25.4".into()]),
                    vec![],
                ),
                entry(TagRule::Regex("1\\.26\\..*".into()), vec![]),
                entry(TagRule::Exact(vec!["2.0".into()]), vec![digest.clone()]),
            ],
            &cx(&HashMap::new()),
        );
        assert!(text.contains("\"docker.io\":\n"), "{text}");
        assert!(
            text.contains("      - \"1.25.3\"\n      - \"1.25.4\"\n"),
            "{text}"
        );
        assert!(text.contains(&format!("      - \"{digest}\"")), "{text}");
        assert!(
            !text.contains("\"2.0\""),
            "a pinned entry allows only its digests:\n{text}"
        );
        assert!(
            text.contains(
                "  images-by-tag-regex:\n    \"library/nginx\": \"^(?:1\\\\.26\\\\..*)$\""
            ),
            "{text}"
        );
    }
}
