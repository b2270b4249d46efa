//! The allowlist in the formats mirror jobs read: JSON with provenance, and skopeo sync's
//! `--src yaml`. Server only.

use super::AllowlistEntry;
use crate::domain::TagRule;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    pub tags: &'a HashMap<(String, String), Arc<Vec<String>>>,
    /// What the mirror holds of each entry, by entry id (JSON only; `None` leaves it out).
    pub mirrored: Option<&'a HashMap<i64, crate::mirror::MirrorStatus>>,
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
        #[serde(skip_serializing_if = "Option::is_none")]
        mirror: Option<&'a crate::mirror::MirrorStatus>,
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
            // A stored pattern that no longer passes validation allows nothing, here as in YAML.
            .filter(|e| !matches!(e.tags, TagRule::Regex(_)) || e.tags.anchored_pattern().is_some())
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
                mirror: cx.mirrored.and_then(|m| m.get(&e.id)),
            })
            .collect(),
    };
    // Serialising borrowed strings and numbers cannot fail.
    serde_json::to_vec(&list).unwrap_or_default()
}

/// A YAML comment line's text: printable ASCII only; anything else (line breaks, separators,
/// direction controls, any non-ASCII letter) is written as `\u{…}`. So nothing in a comment
/// can end it and start a line of structure, whatever it held.
pub fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    out
}

/// Header comments, then the document as the YAML serializer writes it.
fn yaml_document<T: serde::Serialize>(comments: &[String], document: &T) -> String {
    let mut out = String::new();
    for line in comments {
        out.push_str("# ");
        out.push_str(&comment_text(line));
        out.push('\n');
    }
    match serde_norway::to_string(document) {
        Ok(yaml) => out.push_str(&yaml),
        // Maps of strings and lists cannot fail to serialise; should it happen, the file
        // allows nothing rather than something half-written.
        Err(e) => tracing::error!(error = %e, "the allowlist could not be written as YAML"),
    }
    out
}

/// The provenance line of an entry, for a comment.
fn provenance(e: &AllowlistEntry) -> String {
    format!(
        "{}/{}: request #{} (team {}, contact {}), approved by {} on {}, until {}",
        e.registry,
        e.repository,
        e.request_id,
        e.team,
        e.contact,
        e.approved_by_name,
        e.approved_at.get(..10).unwrap_or(&e.approved_at),
        e.expires_on
    )
}

/// The tags an entry allows in a file made now: its exact tags, or its semver range written
/// out as the known upstream tags it matches. `None` for a regex rule (written as a pattern).
fn listed_tags(e: &AllowlistEntry, cx: &Context<'_>) -> Option<Vec<String>> {
    match &e.tags {
        TagRule::Exact(tags) => Some(tags.clone()),
        TagRule::Regex(_) => None,
        TagRule::Semver(_) => {
            let matcher = e.tags.matcher();
            Some(
                cx.tags
                    .get(&(e.registry.clone(), e.repository.clone()))
                    .map(|tags| {
                        tags.iter()
                            .filter(|t| matcher.matches(t))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        }
    }
}

/// skopeo sync `--src yaml`: per source registry, `images` (tags and digest pins) and
/// `images-by-tag-regex`. Digest pins, when an entry has them, are all that entry allows.
/// Semver ranges are written out as the upstream tags they match now. Provenance goes in the
/// header comments (skopeo ignores them), through [`comment_text`]; the document itself is
/// written by the YAML serializer, so no value can change its structure.
pub fn skopeo(entries: &[AllowlistEntry], cx: &Context<'_>) -> String {
    #[derive(Default, serde::Serialize)]
    struct Registry<'a> {
        #[serde(rename = "tls-verify", skip_serializing_if = "Option::is_none")]
        tls_verify: Option<bool>,
        #[serde(skip_serializing_if = "BTreeMap::is_empty")]
        images: BTreeMap<&'a str, Vec<String>>,
        #[serde(
            rename = "images-by-tag-regex",
            skip_serializing_if = "BTreeMap::is_empty"
        )]
        regex: BTreeMap<&'a str, String>,
    }
    let mut comments = vec![
        format!(
            "Portcullis allowlist, version {}, generated {}.",
            cx.version, cx.generated_at
        ),
        "skopeo sync --src yaml --dest docker THIS-FILE MIRROR".to_owned(),
    ];
    let mut registries: BTreeMap<&str, Registry<'_>> = BTreeMap::new();
    for e in entries {
        let registry = registries.entry(e.registry.as_str()).or_default();
        if cx.insecure_registries.contains(&e.registry) {
            registry.tls_verify = Some(false);
        }
        let refs = if !e.digests.is_empty() {
            e.digests.clone()
        } else if let Some(tags) = listed_tags(e, cx) {
            tags
        } else if let Some(pattern) = e.tags.anchored_pattern() {
            let joined = registry.regex.entry(&e.repository).or_default();
            // One pattern per repository: several entries are joined as alternatives.
            if !joined.is_empty() {
                joined.push('|');
            }
            joined.push_str(&pattern);
            comments.push(provenance(e));
            continue;
        } else {
            comments.push(format!(
                "left out: {}/{} (request #{}): its stored pattern does not pass validation",
                e.registry, e.repository, e.request_id
            ));
            continue;
        };
        comments.push(provenance(e));
        let list = registry.images.entry(&e.repository).or_default();
        list.extend(refs);
        list.sort();
        list.dedup();
    }
    for registry in registries.values_mut() {
        registry.images.retain(|_, refs| !refs.is_empty());
    }
    registries.retain(|_, r| !r.images.is_empty() || !r.regex.is_empty());
    yaml_document(&comments, &registries)
}

/// regsync's configuration: one `sync` item per entry. Tag rules become anchored regular
/// expressions under `tags.allow`; digest pins become `type: image` items, one per digest;
/// semver ranges are written out as the upstream tags they match now. Provenance goes under
/// `x-portcullis`, which regsync ignores. Written by the YAML serializer.
pub fn regsync(entries: &[AllowlistEntry], cx: &Context<'_>) -> String {
    #[derive(serde::Serialize)]
    struct Config<'a> {
        version: u32,
        sync: Vec<Item<'a>>,
    }
    #[derive(serde::Serialize)]
    struct Item<'a> {
        source: String,
        target: String,
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Tags>,
        #[serde(rename = "x-portcullis")]
        provenance: Provenance<'a>,
    }
    #[derive(serde::Serialize)]
    struct Tags {
        allow: Vec<String>,
    }
    #[derive(serde::Serialize)]
    struct Provenance<'a> {
        request: i64,
        url: String,
        team: &'a str,
        contact: &'a str,
        requester: &'a str,
        approved_by: &'a str,
        approved_at: &'a str,
        expires_on: &'a str,
    }
    let mut comments = vec![
        format!(
            "Portcullis allowlist, version {}, generated {}.",
            cx.version, cx.generated_at
        ),
        "regsync once -c THIS-FILE".to_owned(),
    ];
    let mut sync = Vec::new();
    for e in entries {
        let source = format!("{}/{}", e.registry, e.repository);
        let target = format!("{}/{}", cx.mirror, e.repository);
        let provenance = || Provenance {
            request: e.request_id.0,
            url: format!("{}/requests/{}", cx.public_url, e.request_id),
            team: &e.team,
            contact: &e.contact,
            requester: &e.requester_name,
            approved_by: &e.approved_by_name,
            approved_at: &e.approved_at,
            expires_on: &e.expires_on,
        };
        if !e.digests.is_empty() {
            for digest in &e.digests {
                sync.push(Item {
                    source: format!("{source}@{digest}"),
                    target: format!("{target}@{digest}"),
                    kind: "image",
                    tags: None,
                    provenance: provenance(),
                });
            }
            continue;
        }
        let allow: Vec<String> = match listed_tags(e, cx) {
            Some(tags) => tags
                .iter()
                .map(|t| format!("^{}$", regex::escape(t)))
                .collect(),
            None => e.tags.anchored_pattern().into_iter().collect(),
        };
        if allow.is_empty() {
            comments.push(format!(
                "left out: {source} (request #{}): no upstream tag matches its rule now",
                e.request_id
            ));
            continue;
        }
        sync.push(Item {
            source,
            target,
            kind: "repository",
            tags: Some(Tags { allow }),
            provenance: provenance(),
        });
    }
    yaml_document(&comments, &Config { version: 1, sync })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RequestId;
    use proptest::prelude::*;
    use serde_norway::Value;

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

    fn cx<'a>(tags: &'a HashMap<(String, String), Arc<Vec<String>>>) -> Context<'a> {
        Context {
            version: 7,
            generated_at: "2026-11-28T12:00:00.000000Z",
            public_url: "https://portcullis.example.org",
            insecure_registries: &[],
            mirror: "mirror.example.org",
            tags,
            mirrored: None,
        }
    }

    fn parse(text: &str) -> Value {
        serde_norway::from_str(text).unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
    }

    fn strings(value: &Value) -> Vec<String> {
        value
            .as_sequence()
            .unwrap_or_else(|| panic!("not a list: {value:?}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn regsync_items_anchor_tags_pin_digests_and_carry_provenance_under_x_keys() {
        let mut upstream = HashMap::new();
        upstream.insert(
            ("docker.io".to_owned(), "library/nginx".to_owned()),
            Arc::new(vec![
                "1.25.3".to_owned(),
                "1.26.0".to_owned(),
                "latest".to_owned(),
            ]),
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
        let doc = parse(&text);
        assert_eq!(doc["version"], Value::from(1));
        let sync = doc["sync"].as_sequence().unwrap();
        assert_eq!(sync.len(), 3, "{text}");
        assert_eq!(strings(&sync[0]["tags"]["allow"]), ["^1\\.25\\.3$"]);
        assert_eq!(
            strings(&sync[1]["tags"]["allow"]),
            ["^1\\.26\\.0$"],
            "semver written out"
        );
        assert_eq!(
            sync[2]["source"].as_str(),
            Some(format!("docker.io/library/nginx@{digest}").as_str())
        );
        assert_eq!(sync[2]["type"].as_str(), Some("image"));
        assert_eq!(
            sync[0]["x-portcullis"]["team"].as_str(),
            Some("Web \"platform\"")
        );
        assert_eq!(
            sync[0]["target"].as_str(),
            Some("mirror.example.org/library/nginx")
        );
        assert!(!text.contains("latest"));
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
        let doc = parse(&text);
        let hub = &doc["docker.io"];
        assert_eq!(
            strings(&hub["images"]["library/nginx"]),
            ["1.25.3", "1.25.4", digest.as_str()],
            "a pinned entry allows only its digests:\n{text}"
        );
        assert_eq!(
            hub["images-by-tag-regex"]["library/nginx"].as_str(),
            Some("^(?:1\\.26\\..*)$")
        );
    }

    #[test]
    fn a_team_name_with_yaml_structure_stays_a_comment() {
        let mut hostile = entry(TagRule::Exact(vec!["1.25.3".into()]), vec![]);
        hostile.team = "web\n  images-by-tag-regex: {\"attacker/backdoor\": \".*\"}\n  #".into();
        hostile.approved_by_name = "Rita\u{2028}docker.io: {images: {evil: [x]}}".into();
        let text = skopeo(&[hostile], &cx(&HashMap::new()));
        let doc = parse(&text);
        assert_eq!(doc.as_mapping().unwrap().len(), 1, "{text}");
        assert_eq!(doc["docker.io"].as_mapping().unwrap().len(), 1, "{text}");
        assert!(text
            .lines()
            .all(|l| l.starts_with('#') || !l.contains("attacker")));
    }

    #[test]
    fn stored_patterns_that_escape_their_anchoring_are_left_out() {
        let text = skopeo(
            &[entry(TagRule::Regex(r"1\.25\.3)|(.*".into()), vec![])],
            &cx(&HashMap::new()),
        );
        let doc = parse(&text);
        assert!(doc.as_mapping().unwrap().is_empty(), "{text}");
        assert!(text.contains("left out"), "{text}");
    }

    #[test]
    fn json_leaves_out_stored_patterns_that_escape_their_anchoring_too() {
        let text = json(
            &[
                entry(TagRule::Regex(r"1\.25\.3)|(.*".into()), vec![]),
                entry(TagRule::Regex(r"1\.25\.3".into()), vec![]),
            ],
            &cx(&HashMap::new()),
        );
        let list: serde_json::Value = serde_json::from_slice(&text).unwrap();
        let entries = list["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["tags"]["value"], r"1\.25\.3");
    }

    #[test]
    fn comments_hold_printable_ascii_only() {
        assert_eq!(comment_text("a\nb\u{2028}ø"), "a\\u{a}b\\u{2028}\\u{f8}");
    }

    fn hostile_entry(
        id: i64,
        team: String,
        contact: String,
        requester: String,
        approver: String,
        rule: u8,
    ) -> AllowlistEntry {
        let tags = match rule % 3 {
            0 => TagRule::Exact(vec![format!("{id}.0"), "stable".into()]),
            1 => TagRule::Regex(format!("{id}\\.[0-9]+")),
            _ => TagRule::Semver(format!(">={id}.0.0, <{}.0.0", id + 1)),
        };
        AllowlistEntry {
            id,
            request_id: RequestId(id),
            repository: format!("team/app{id}"),
            team,
            contact,
            requester_name: requester,
            approved_by_name: approver,
            ..entry(tags, vec![])
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the free-text fields hold, both YAML formats parse back to exactly the
        /// approved set, and regsync's provenance to exactly the text stored.
        #[test]
        fn free_text_never_changes_what_the_mirror_syncs(
            fields in proptest::collection::vec(
                (any::<String>(), any::<String>(), any::<String>(), any::<String>(), any::<u8>()),
                1..4,
            )
        ) {
            let entries: Vec<AllowlistEntry> = fields
                .into_iter()
                .enumerate()
                .map(|(i, (team, contact, requester, approver, rule))| {
                    hostile_entry(i as i64 + 1, team, contact, requester, approver, rule)
                })
                .collect();
            let mut upstream = HashMap::new();
            for e in &entries {
                upstream.insert(
                    (e.registry.clone(), e.repository.clone()),
                    Arc::new(vec![format!("{}.0.1", e.id), "latest".into()]),
                );
            }
            let cx = cx(&upstream);

            let doc = parse(&skopeo(&entries, &cx));
            let mut expected_images = serde_norway::Mapping::new();
            let mut expected_regex = serde_norway::Mapping::new();
            for e in &entries {
                match &e.tags {
                    TagRule::Exact(tags) => {
                        let mut tags = tags.clone();
                        tags.sort();
                        expected_images.insert(Value::from(e.repository.clone()), Value::from(tags));
                    }
                    TagRule::Regex(_) => {
                        expected_regex.insert(
                            Value::from(e.repository.clone()),
                            Value::from(e.tags.anchored_pattern().unwrap()),
                        );
                    }
                    TagRule::Semver(_) => {
                        expected_images.insert(
                            Value::from(e.repository.clone()),
                            Value::from(vec![format!("{}.0.1", e.id)]),
                        );
                    }
                }
            }
            let mut registry = serde_norway::Mapping::new();
            if !expected_images.is_empty() {
                registry.insert("images".into(), Value::Mapping(expected_images));
            }
            if !expected_regex.is_empty() {
                registry.insert("images-by-tag-regex".into(), Value::Mapping(expected_regex));
            }
            let mut expected = serde_norway::Mapping::new();
            expected.insert("docker.io".into(), Value::Mapping(registry));
            prop_assert_eq!(doc, Value::Mapping(expected));

            let doc = parse(&regsync(&entries, &cx));
            let sync = doc["sync"].as_sequence().unwrap();
            prop_assert_eq!(sync.len(), entries.len());
            prop_assert_eq!(doc.as_mapping().unwrap().len(), 2);
            for (item, e) in sync.iter().zip(&entries) {
                prop_assert_eq!(item.as_mapping().unwrap().len(), 5);
                let source = format!("docker.io/{}", e.repository);
                prop_assert_eq!(item["source"].as_str(), Some(source.as_str()));
                let p = &item["x-portcullis"];
                prop_assert_eq!(p.as_mapping().unwrap().len(), 8);
                prop_assert_eq!(p["team"].as_str(), Some(e.team.as_str()));
                prop_assert_eq!(p["contact"].as_str(), Some(e.contact.as_str()));
                prop_assert_eq!(p["requester"].as_str(), Some(e.requester_name.as_str()));
                prop_assert_eq!(p["approved_by"].as_str(), Some(e.approved_by_name.as_str()));
            }
        }
    }
}
