//! What an approval allows: which tags of the repository (exact tags, a regular expression or a
//! semver range), optional digest pins, architectures, and until when.

#[cfg(feature = "ssr")]
use crate::error::FieldErrors;
use serde::{Deserialize, Serialize};

/// The architectures an approval can name (the OCI platform names).
pub const ARCHITECTURES: &[&str] = &["amd64", "arm64", "ppc64le", "s390x", "386", "arm"];

/// The approve form as submitted: raw text, exactly as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalForm {
    /// `exact`, `regex` or `semver`.
    pub tag_mode: String,
    /// Exact tags (separated by commas, spaces or lines), or the pattern.
    pub tags: String,
    /// `sha256:…` digests, one per line or separated by commas; may be empty.
    pub digests: String,
    /// Architectures separated by commas or spaces, e.g. `amd64, arm64`.
    pub architectures: String,
    /// The last day the approval holds, `YYYY-MM-DD`.
    pub expires_on: String,
}

/// Which tags an approval covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "value", rename_all = "snake_case")]
pub enum TagRule {
    /// Exactly these tags.
    Exact(Vec<String>),
    /// Tags the whole of which match this regular expression.
    Regex(String),
    /// Tags that read as a version (a leading `v` allowed) inside this semver range.
    Semver(String),
}

impl TagRule {
    /// The mode's name in forms and the database.
    pub fn mode(&self) -> &'static str {
        match self {
            TagRule::Exact(_) => "exact",
            TagRule::Regex(_) => "regex",
            TagRule::Semver(_) => "semver",
        }
    }

    /// How a person reads it.
    pub fn describe(&self) -> String {
        match self {
            TagRule::Exact(tags) => format!("tags {}", tags.join(", ")),
            TagRule::Regex(pattern) => format!("tags matching /^(?:{pattern})$/"),
            TagRule::Semver(range) => format!("versions in {range}"),
        }
    }
}

/// A validated approval scope. Only [`ApprovalScope::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalScope {
    pub tags: TagRule,
    /// Pinned digests; when any are given, only these manifests are allowed.
    pub digests: Vec<String>,
    pub architectures: Vec<String>,
    /// The last day the approval holds (`YYYY-MM-DD`, UTC).
    pub expires_on: String,
}

#[cfg(feature = "ssr")]
fn split_list(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A tag as the distribution spec allows it: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// A digest the portal can pin: `sha256:` and 64 lowercase hex digits.
pub fn is_valid_digest(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(feature = "ssr")]
impl TagRule {
    /// Whether `tag` is covered. A pattern that does not compile covers nothing (validation
    /// refuses such patterns before they are stored).
    pub fn matches(&self, tag: &str) -> bool {
        match self {
            TagRule::Exact(tags) => tags.iter().any(|t| t == tag),
            TagRule::Regex(pattern) => anchored(pattern).is_ok_and(|re| re.is_match(tag)),
            TagRule::Semver(range) => {
                match (semver::VersionReq::parse(range), parse_version(tag)) {
                    (Ok(req), Some(version)) => req.matches(&version),
                    _ => false,
                }
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl TagRule {
    /// Reads a rule from the approve form's `tag_mode` and `tags`.
    ///
    /// # Errors
    /// The field (`tag_mode` or `tags`) and what is wrong with it.
    pub fn parse(mode: &str, text: &str) -> Result<Self, (&'static str, String)> {
        let text = text.trim();
        match mode.trim() {
            "exact" => {
                let tags = split_list(text);
                if tags.is_empty() {
                    Err(("tags", "Name at least one tag, e.g. 1.25.3.".into()))
                } else if let Some(bad) = tags.iter().find(|t| !is_valid_tag(t)) {
                    Err((
                        "tags",
                        format!("{bad:?} is not a tag: use letters, digits, dots, dashes and underscores (at most 128)."),
                    ))
                } else {
                    Ok(TagRule::Exact(tags))
                }
            }
            "regex" if text.is_empty() => Err((
                "tags",
                "Write the pattern tags must match, e.g. 1\\.25\\.[0-9]+.".into(),
            )),
            "regex" => match anchored(text) {
                Ok(_) => Ok(TagRule::Regex(text.to_owned())),
                Err(e) => {
                    let reason = e.to_string();
                    let reason = reason.lines().last().unwrap_or("invalid").trim().to_owned();
                    Err(("tags", format!("The pattern does not compile: {reason}")))
                }
            },
            "semver" if text.is_empty() => Err((
                "tags",
                "Write the version range, e.g. >=1.25, <1.26.".into(),
            )),
            "semver" => match semver::VersionReq::parse(text) {
                Ok(_) => Ok(TagRule::Semver(text.to_owned())),
                Err(e) => Err((
                    "tags",
                    format!("The version range does not read: {e}. Example: >=1.25, <1.26."),
                )),
            },
            _ => Err((
                "tag_mode",
                "Choose exact tags, a regular expression or a version range.".into(),
            )),
        }
    }
}

/// The regular expression that must match a whole tag.
#[cfg(feature = "ssr")]
pub fn anchored(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
}

/// A tag read as a version: `1.25.3`, `v1.25.3`, `1.25` (→ 1.25.0), `16` (→ 16.0.0).
/// Pre-release suffixes are kept (`1.25.0-alpine` is a pre-release, which ranges exclude unless
/// they name one).
#[cfg(feature = "ssr")]
pub fn parse_version(tag: &str) -> Option<semver::Version> {
    let text = tag.strip_prefix('v').unwrap_or(tag);
    if let Ok(version) = semver::Version::parse(text) {
        return Some(version);
    }
    let (core, rest) = match text.find(['-', '+']) {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut full = parts.join(".");
    for _ in parts.len()..3 {
        full.push_str(".0");
    }
    semver::Version::parse(&format!("{full}{rest}")).ok()
}

/// Checks an approval's last day (`YYYY-MM-DD`): after `today`, at most `max_days` later.
///
/// # Errors
/// What is wrong, in words.
#[cfg(feature = "ssr")]
pub fn check_last_day(text: &str, today: &str, max_days: u32) -> Result<(), String> {
    let date = |text: &str| {
        time::Date::parse(
            text.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
    };
    match (date(text), date(today)) {
        (Some(expiry), Some(today)) => {
            let latest = today + time::Duration::days(i64::from(max_days));
            if expiry <= today {
                Err("Choose an expiry date after today.".to_owned())
            } else if expiry > latest {
                Err(format!(
                    "Approvals last at most {max_days} days: choose {latest} or earlier."
                ))
            } else {
                Ok(())
            }
        }
        _ => Err("Give the expiry date as YYYY-MM-DD.".to_owned()),
    }
}

#[cfg(feature = "ssr")]
impl ApprovalScope {
    /// Checks the approve form; `today` is `YYYY-MM-DD` and `max_days` the longest approval the
    /// organisation allows.
    ///
    /// # Errors
    /// [`FieldErrors`] with one message per bad field, and the submitted values kept.
    pub fn validate(form: &ApprovalForm, today: &str, max_days: u32) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let tags = match TagRule::parse(&form.tag_mode, &form.tags) {
            Ok(rule) => Some(rule),
            Err((field, message)) => {
                errors.add(field, message);
                None
            }
        };
        let digests = split_list(&form.digests);
        if let Some(bad) = digests.iter().find(|d| !is_valid_digest(d)) {
            errors.add(
                "digests",
                format!("{bad:?} is not a digest; pin with sha256: followed by 64 lowercase hex digits."),
            );
        }
        let mut architectures: Vec<String> = split_list(&form.architectures)
            .into_iter()
            .map(|a| a.to_ascii_lowercase())
            .collect();
        architectures.sort();
        architectures.dedup();
        if architectures.is_empty() {
            errors.add(
                "architectures",
                "Name at least one architecture, e.g. amd64.",
            );
        } else if let Some(bad) = architectures
            .iter()
            .find(|a| !ARCHITECTURES.contains(&a.as_str()))
        {
            errors.add(
                "architectures",
                format!(
                    "{bad:?} is not an architecture; use {}.",
                    ARCHITECTURES.join(", ")
                ),
            );
        }
        let expires_on = form.expires_on.trim();
        if let Err(message) = check_last_day(expires_on, today, max_days) {
            errors.add("expires_on", message);
        }
        match tags {
            Some(tags) if errors.is_empty() => Ok(Self {
                tags,
                digests,
                architectures,
                expires_on: expires_on.to_owned(),
            }),
            _ => {
                errors.keep("tag_mode", &form.tag_mode);
                errors.keep("tags", &form.tags);
                errors.keep("digests", &form.digests);
                errors.keep("architectures", &form.architectures);
                errors.keep("expires_on", &form.expires_on);
                Err(errors)
            }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn form(mode: &str, tags: &str) -> ApprovalForm {
        ApprovalForm {
            tag_mode: mode.into(),
            tags: tags.into(),
            digests: String::new(),
            architectures: "amd64, arm64".into(),
            expires_on: "2027-06-01".into(),
        }
    }

    #[test]
    fn each_tag_rule_matches_what_it_says() {
        let exact =
            ApprovalScope::validate(&form("exact", "1.25.3, 1.25.4"), "2026-11-28", 365).unwrap();
        assert!(exact.tags.matches("1.25.3") && !exact.tags.matches("1.25.5"));
        assert_eq!(exact.architectures, vec!["amd64", "arm64"]);

        let regex =
            ApprovalScope::validate(&form("regex", r"1\.25\.[0-9]+"), "2026-11-28", 365).unwrap();
        assert!(regex.tags.matches("1.25.3"));
        assert!(
            !regex.tags.matches("1.25.3-alpine"),
            "the whole tag must match"
        );
        assert!(!regex.tags.matches("x1.25.3"));

        let range =
            ApprovalScope::validate(&form("semver", ">=1.25, <1.26"), "2026-11-28", 365).unwrap();
        for (tag, covered) in [
            ("1.25.0", true),
            ("v1.25.9", true),
            ("1.25", true),
            ("1.26.0", false),
            ("1.24.9", false),
            ("1.25.1-alpine", false),
            ("latest", false),
        ] {
            assert_eq!(range.tags.matches(tag), covered, "{tag}");
        }
    }

    #[test]
    fn bad_scopes_are_explained_field_by_field() {
        let mut bad = form("regex", "1.25.[");
        bad.digests = "sha256:abc".into();
        bad.architectures = "amd64 sparc".into();
        bad.expires_on = "2028-01-01".into();
        let errors = ApprovalScope::validate(&bad, "2026-11-28", 365).unwrap_err();
        assert!(errors.get("tags").unwrap().contains("does not compile"));
        assert!(errors.get("digests").unwrap().contains("64 lowercase hex"));
        assert!(errors.get("architectures").unwrap().contains("\"sparc\""));
        assert!(errors
            .get("expires_on")
            .unwrap()
            .contains("2027-11-28 or earlier"));

        let past = ApprovalForm {
            expires_on: "2026-11-28".into(),
            ..form("exact", "1.0")
        };
        assert!(ApprovalScope::validate(&past, "2026-11-28", 365).is_err());
        let errors =
            ApprovalScope::validate(&form("semver", ">=banana"), "2026-11-28", 365).unwrap_err();
        assert!(errors.get("tags").unwrap().contains("version range"));
        let errors = ApprovalScope::validate(&form("exact", "ok, not/a/tag"), "2026-11-28", 365)
            .unwrap_err();
        assert!(errors.get("tags").unwrap().contains("not/a/tag"));
        let errors = ApprovalScope::validate(&form("glob", "*"), "2026-11-28", 365).unwrap_err();
        assert!(errors.get("tag_mode").is_some());
    }

    #[test]
    fn digest_pins_are_kept() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let pinned = ApprovalForm {
            digests: format!("{digest}\n"),
            ..form("exact", "1.0")
        };
        let scope = ApprovalScope::validate(&pinned, "2026-11-28", 365).unwrap();
        assert_eq!(scope.digests, vec![digest]);
    }
}
