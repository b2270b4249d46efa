//! What an approval allows: which tags of the repository (exact tags, a regular expression or a
//! semver range), optional digest pins, architectures, and until when.

#[cfg(feature = "ssr")]
use crate::error::FieldErrors;
use crate::i18n::{td_string, Locale};
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

    /// How a person reads it, in `locale`.
    pub fn describe(&self, locale: Locale) -> String {
        match self {
            TagRule::Exact(tags) => {
                td_string!(locale, validation.rule.exact, tags = tags.join(", ")).to_string()
            }
            TagRule::Regex(pattern) => td_string!(
                locale,
                validation.rule.regex,
                pattern = format!("/^(?:{pattern})$/")
            )
            .to_string(),
            TagRule::Semver(range) => {
                td_string!(locale, validation.rule.semver, range = range).to_string()
            }
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

pub use super::image_reference::is_valid_tag;

/// A digest the portal can pin: a valid digest ([`super::image_reference::is_valid_digest`]) of
/// the `sha256` kind, which every registry and mirror tool understands.
pub fn is_valid_pin(digest: &str) -> bool {
    digest.starts_with("sha256:") && super::image_reference::is_valid_digest(digest)
}

/// A tag rule ready to test many tags: its regular expression compiled and its range parsed
/// once. Made by [`TagRule::matcher`].
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub enum TagMatcher {
    Exact(Vec<String>),
    Regex(regex::Regex),
    Semver(semver::VersionReq),
    /// A stored rule that no longer passes validation covers nothing (fail closed).
    Nothing,
}

#[cfg(feature = "ssr")]
impl TagMatcher {
    /// Whether `tag` is covered.
    pub fn matches(&self, tag: &str) -> bool {
        match self {
            TagMatcher::Exact(tags) => tags.iter().any(|t| t == tag),
            TagMatcher::Regex(re) => re.is_match(tag),
            TagMatcher::Semver(req) => parse_version(tag).is_some_and(|v| req.matches(&v)),
            TagMatcher::Nothing => false,
        }
    }
}

#[cfg(feature = "ssr")]
impl TagRule {
    /// The rule compiled for matching. A stored pattern or range that does not pass
    /// validation any more gives [`TagMatcher::Nothing`].
    pub fn matcher(&self) -> TagMatcher {
        match self {
            TagRule::Exact(tags) => TagMatcher::Exact(tags.clone()),
            TagRule::Regex(pattern) => is_canonical(pattern)
                .then(|| anchored(pattern).ok())
                .flatten()
                .map_or(TagMatcher::Nothing, TagMatcher::Regex),
            TagRule::Semver(range) => {
                semver::VersionReq::parse(range).map_or(TagMatcher::Nothing, TagMatcher::Semver)
            }
        }
    }

    /// The regular expression a mirror tool gets for a regex rule, anchored to the whole tag;
    /// `None` when the stored pattern is not in its canonical form (then the rule covers
    /// nothing and the entry is left out).
    pub fn anchored_pattern(&self) -> Option<String> {
        match self {
            TagRule::Regex(pattern) => is_canonical(pattern).then(|| format!("^(?:{pattern})$")),
            _ => None,
        }
    }
}

/// The longest pattern accepted, in characters.
#[cfg(feature = "ssr")]
pub const PATTERN_MAX: usize = 500;

/// Reads a tag pattern as one complete regular expression, on its own, and writes it again in
/// the small syntax that Rust's `regex` and Go's `regexp` (skopeo, regsync) read alike:
/// literals (escaped), `.`, `\d \w \s` and their negations, bracket classes of characters and
/// ranges, groups (written `(?:…)`), alternation, and repetition up to 1000. Anything else
/// (inline flags, Unicode classes, nested classes or set operations, rarer assertions) is
/// refused with a reason, because its meaning differs between the two engines or it cannot be
/// wrapped safely. Wrapped as `^(?:…)$`, the result matches exactly the tags the reviewer's
/// expression matches as a whole.
///
/// # Errors
/// A [`RegexRefusal`] saying what is wrong, in the reviewer's words.
#[cfg(feature = "ssr")]
pub fn canonical_regex(pattern: &str) -> Result<String, RegexRefusal> {
    let out = rewrite(pattern)?;
    // The written form must compile as it will be used.
    anchored(&out).map_err(|e| RegexRefusal::DoesNotCompile {
        detail: e
            .to_string()
            .lines()
            .last()
            .unwrap_or("invalid")
            .trim()
            .to_owned(),
    })?;
    Ok(out)
}

/// Why [`canonical_regex`] refused a pattern. [`RegexRefusal::message`] says it in a language;
/// `Display` says it in English (logs).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegexRefusal {
    /// Longer than [`PATTERN_MAX`] characters.
    TooLong,
    /// Not one complete expression; `detail` is the parser's own (English) words.
    Unreadable { detail: String },
    /// `[[:alpha:]]`.
    NamedClass,
    /// `\p{L}`.
    UnicodeClass,
    /// `[[a-z]]`.
    NestedClass,
    /// `&&`, `--`, `~~` inside a class.
    SetOperation,
    /// `(?i)`, `(?i:…)`.
    Flags,
    /// An assertion other than `^ $ \A \z \b \B`.
    Assertion,
    /// Counted repetitions whose product exceeds what Go's `regexp` takes.
    RepeatTooLarge { max: u32 },
    /// The rewritten form does not compile (e.g. too large); `detail` is the engine's words.
    DoesNotCompile { detail: String },
}

#[cfg(feature = "ssr")]
impl RegexRefusal {
    /// What is wrong and how to write it instead, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            RegexRefusal::TooLong => {
                td_string!(locale, validation.regex.too_long, max = PATTERN_MAX).to_string()
            }
            RegexRefusal::Unreadable { detail } => {
                td_string!(locale, validation.regex.unreadable, detail = detail).to_string()
            }
            RegexRefusal::NamedClass => td_string!(locale, validation.regex.named_class).into(),
            RegexRefusal::UnicodeClass => td_string!(locale, validation.regex.unicode_class).into(),
            RegexRefusal::NestedClass => td_string!(locale, validation.regex.nested_class).into(),
            RegexRefusal::SetOperation => td_string!(locale, validation.regex.set_operation).into(),
            RegexRefusal::Flags => td_string!(locale, validation.regex.flags).into(),
            RegexRefusal::Assertion => td_string!(locale, validation.regex.assertion).into(),
            RegexRefusal::RepeatTooLarge { max } => {
                td_string!(locale, validation.regex.repeat_too_large, max = max).to_string()
            }
            RegexRefusal::DoesNotCompile { detail } => {
                td_string!(locale, validation.regex.does_not_compile, detail = detail).to_string()
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl std::fmt::Display for RegexRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Locale::en))
    }
}

/// Whether a stored pattern is still what [`canonical_regex`] would store: checked on every
/// list and match, without compiling it (a list of thousands of patterns pays one parse each).
#[cfg(feature = "ssr")]
fn is_canonical(pattern: &str) -> bool {
    rewrite(pattern).is_ok_and(|canonical| canonical == pattern)
}

/// The parse and the rewrite of [`canonical_regex`], without the compile check.
#[cfg(feature = "ssr")]
fn rewrite(pattern: &str) -> Result<String, RegexRefusal> {
    use regex_syntax::ast::parse::Parser;
    if pattern.chars().count() > PATTERN_MAX {
        return Err(RegexRefusal::TooLong);
    }
    let ast = Parser::new()
        .parse(pattern)
        .map_err(|e| RegexRefusal::Unreadable {
            detail: e.kind().to_string(),
        })?;
    let mut out = String::with_capacity(pattern.len() + 8);
    write_regex(&ast, 1, &mut out)?;
    Ok(out)
}

#[cfg(feature = "ssr")]
fn write_literal(c: char, in_class: bool, out: &mut String) {
    let escape = if in_class {
        matches!(c, '\\' | ']' | '[' | '^' | '-' | '&' | '~')
    } else {
        matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$'
        )
    };
    if escape {
        out.push('\\');
        out.push(c);
    } else if c.is_ascii_graphic() || c == ' ' {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
    }
}

#[cfg(feature = "ssr")]
fn write_perl(class: &regex_syntax::ast::ClassPerl, out: &mut String) {
    use regex_syntax::ast::ClassPerlKind;
    let letter = match (&class.kind, class.negated) {
        (ClassPerlKind::Digit, false) => "\\d",
        (ClassPerlKind::Digit, true) => "\\D",
        (ClassPerlKind::Space, false) => "\\s",
        (ClassPerlKind::Space, true) => "\\S",
        (ClassPerlKind::Word, false) => "\\w",
        (ClassPerlKind::Word, true) => "\\W",
    };
    out.push_str(letter);
}

#[cfg(feature = "ssr")]
fn write_class_item(
    item: &regex_syntax::ast::ClassSetItem,
    out: &mut String,
) -> Result<(), RegexRefusal> {
    use regex_syntax::ast::ClassSetItem;
    match item {
        ClassSetItem::Empty(_) => {}
        ClassSetItem::Literal(literal) => write_literal(literal.c, true, out),
        ClassSetItem::Range(range) => {
            write_literal(range.start.c, true, out);
            out.push('-');
            write_literal(range.end.c, true, out);
        }
        ClassSetItem::Perl(class) => write_perl(class, out),
        ClassSetItem::Union(union) => {
            for item in &union.items {
                write_class_item(item, out)?;
            }
        }
        ClassSetItem::Ascii(_) => return Err(RegexRefusal::NamedClass),
        ClassSetItem::Unicode(_) => return Err(RegexRefusal::UnicodeClass),
        ClassSetItem::Bracketed(_) => return Err(RegexRefusal::NestedClass),
    }
    Ok(())
}

#[cfg(feature = "ssr")]
/// `repeated` is how often the enclosing counted repetitions repeat this part: Go's `regexp`
/// refuses a pattern whose nested counts multiply past 1000 (`(a{1,64}){0,16}`), which would make
/// skopeo skip every pattern of the repository.
fn write_regex(
    ast: &regex_syntax::ast::Ast,
    repeated: u32,
    out: &mut String,
) -> Result<(), RegexRefusal> {
    use regex_syntax::ast::{
        AssertionKind, Ast, ClassSet, GroupKind, RepetitionKind, RepetitionRange,
    };
    /// Go's `regexp` refuses larger counts, which would break the whole file for skopeo.
    const REPEAT_MAX: u32 = 1000;
    match ast {
        Ast::Empty(_) => {}
        Ast::Flags(_) => return Err(RegexRefusal::Flags),
        Ast::Literal(literal) => write_literal(literal.c, false, out),
        Ast::Dot(_) => out.push('.'),
        Ast::Assertion(assertion) => out.push_str(match assertion.kind {
            AssertionKind::StartLine => "^",
            AssertionKind::EndLine => "$",
            AssertionKind::StartText => "\\A",
            AssertionKind::EndText => "\\z",
            AssertionKind::WordBoundary => "\\b",
            AssertionKind::NotWordBoundary => "\\B",
            _ => return Err(RegexRefusal::Assertion),
        }),
        Ast::ClassUnicode(_) => return Err(RegexRefusal::UnicodeClass),
        Ast::ClassPerl(class) => write_perl(class, out),
        Ast::ClassBracketed(class) => {
            out.push('[');
            if class.negated {
                out.push('^');
            }
            match &class.kind {
                ClassSet::Item(item) => write_class_item(item, out)?,
                ClassSet::BinaryOp(_) => return Err(RegexRefusal::SetOperation),
            }
            out.push(']');
        }
        Ast::Repetition(repetition) => {
            let count = match &repetition.op.kind {
                RepetitionKind::Range(
                    RepetitionRange::Exactly(n)
                    | RepetitionRange::AtLeast(n)
                    | RepetitionRange::Bounded(_, n),
                ) => Some(*n),
                _ => None,
            };
            let inner = match count {
                Some(n) => repeated
                    .checked_mul(n.max(1))
                    .filter(|total| *total <= REPEAT_MAX)
                    .ok_or(RegexRefusal::RepeatTooLarge { max: REPEAT_MAX })?,
                None => repeated,
            };
            let grouped = matches!(*repetition.ast, Ast::Repetition(_));
            if grouped {
                out.push_str("(?:");
            }
            write_regex(&repetition.ast, inner, out)?;
            if grouped {
                out.push(')');
            }
            match &repetition.op.kind {
                RepetitionKind::ZeroOrOne => out.push('?'),
                RepetitionKind::ZeroOrMore => out.push('*'),
                RepetitionKind::OneOrMore => out.push('+'),
                RepetitionKind::Range(RepetitionRange::Exactly(n)) => {
                    out.push_str(&format!("{{{n}}}"));
                }
                RepetitionKind::Range(RepetitionRange::AtLeast(n)) => {
                    out.push_str(&format!("{{{n},}}"));
                }
                RepetitionKind::Range(RepetitionRange::Bounded(n, m)) => {
                    out.push_str(&format!("{{{n},{m}}}"));
                }
            }
            if !repetition.greedy {
                out.push('?');
            }
        }
        Ast::Group(group) => {
            if let GroupKind::NonCapturing(flags) = &group.kind {
                if !flags.items.is_empty() {
                    return Err(RegexRefusal::Flags);
                }
            }
            out.push_str("(?:");
            write_regex(&group.ast, repeated, out)?;
            out.push(')');
        }
        Ast::Alternation(alternation) => {
            for (i, branch) in alternation.asts.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                write_regex(branch, repeated, out)?;
            }
        }
        Ast::Concat(concat) => {
            for part in &concat.asts {
                write_regex(part, repeated, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(feature = "ssr")]
impl TagRule {
    /// Reads a rule from the approve form's `tag_mode` and `tags`.
    ///
    /// # Errors
    /// The field (`tag_mode` or `tags`) and what is wrong with it.
    pub fn parse(mode: &str, text: &str, locale: Locale) -> Result<Self, (&'static str, String)> {
        let text = text.trim();
        match mode.trim() {
            "exact" => {
                let tags = split_list(text);
                if tags.is_empty() {
                    Err((
                        "tags",
                        td_string!(locale, validation.approval.no_tag).into(),
                    ))
                } else if let Some(bad) = tags.iter().find(|t| !is_valid_tag(t)) {
                    Err((
                        "tags",
                        td_string!(
                            locale,
                            validation.approval.bad_tag,
                            tag = format!("{bad:?}")
                        )
                        .to_string(),
                    ))
                } else {
                    Ok(TagRule::Exact(tags))
                }
            }
            "regex" if text.is_empty() => Err((
                "tags",
                td_string!(locale, validation.approval.no_pattern).into(),
            )),
            "regex" => canonical_regex(text)
                .map(TagRule::Regex)
                .map_err(|refusal| ("tags", refusal.message(locale))),
            "semver" if text.is_empty() => Err((
                "tags",
                td_string!(locale, validation.approval.no_range).into(),
            )),
            "semver" => match semver::VersionReq::parse(text) {
                Ok(_) => Ok(TagRule::Semver(text.to_owned())),
                Err(e) => Err((
                    "tags",
                    td_string!(locale, validation.approval.bad_range, detail = e).to_string(),
                )),
            },
            _ => Err((
                "tag_mode",
                td_string!(locale, validation.approval.no_mode).into(),
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
pub fn check_last_day(
    text: &str,
    today: &str,
    max_days: u32,
    locale: Locale,
) -> Result<(), String> {
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
                Err(td_string!(locale, validation.approval.expiry_past).to_owned())
            } else if expiry > latest {
                Err(td_string!(
                    locale,
                    validation.approval.expiry_too_late,
                    days = max_days,
                    latest = crate::i18n::format_date(locale, latest)
                )
                .to_string())
            } else {
                Ok(())
            }
        }
        _ => Err(td_string!(locale, validation.approval.expiry_format).to_owned()),
    }
}

#[cfg(feature = "ssr")]
impl ApprovalScope {
    /// Checks the approve form; `today` is `YYYY-MM-DD` and `max_days` the longest approval the
    /// organisation allows.
    ///
    /// # Errors
    /// [`FieldErrors`] with one message per bad field, and the submitted values kept.
    pub fn validate(
        form: &ApprovalForm,
        today: &str,
        max_days: u32,
        locale: Locale,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let tags = match TagRule::parse(&form.tag_mode, &form.tags, locale) {
            Ok(rule) => Some(rule),
            Err((field, message)) => {
                errors.add(field, message);
                None
            }
        };
        let digests = split_list(&form.digests);
        if let Some(bad) = digests.iter().find(|d| !is_valid_pin(d)) {
            errors.add(
                "digests",
                td_string!(
                    locale,
                    validation.approval.bad_digest,
                    digest = format!("{bad:?}")
                )
                .to_string(),
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
                td_string!(locale, validation.approval.no_architecture),
            );
        } else if let Some(bad) = architectures
            .iter()
            .find(|a| !ARCHITECTURES.contains(&a.as_str()))
        {
            errors.add(
                "architectures",
                td_string!(
                    locale,
                    validation.approval.bad_architecture,
                    arch = format!("{bad:?}"),
                    known = ARCHITECTURES.join(", ")
                )
                .to_string(),
            );
        }
        let expires_on = form.expires_on.trim();
        if let Err(message) = check_last_day(expires_on, today, max_days, locale) {
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
        let exact = ApprovalScope::validate(
            &form("exact", "1.25.3, 1.25.4"),
            "2026-11-28",
            365,
            Locale::en,
        )
        .unwrap();
        assert!(exact.tags.matcher().matches("1.25.3") && !exact.tags.matcher().matches("1.25.5"));
        assert_eq!(exact.architectures, vec!["amd64", "arm64"]);

        let regex = ApprovalScope::validate(
            &form("regex", r"1\.25\.[0-9]+"),
            "2026-11-28",
            365,
            Locale::en,
        )
        .unwrap();
        assert!(regex.tags.matcher().matches("1.25.3"));
        assert!(
            !regex.tags.matcher().matches("1.25.3-alpine"),
            "the whole tag must match"
        );
        assert!(!regex.tags.matcher().matches("x1.25.3"));

        let range = ApprovalScope::validate(
            &form("semver", ">=1.25, <1.26"),
            "2026-11-28",
            365,
            Locale::en,
        )
        .unwrap();
        for (tag, covered) in [
            ("1.25.0", true),
            ("v1.25.9", true),
            ("1.25", true),
            ("1.26.0", false),
            ("1.24.9", false),
            ("1.25.1-alpine", false),
            ("latest", false),
        ] {
            assert_eq!(range.tags.matcher().matches(tag), covered, "{tag}");
        }
    }

    #[test]
    fn bad_scopes_are_explained_field_by_field() {
        let mut bad = form("regex", "1.25.[");
        bad.digests = "sha256:abc".into();
        bad.architectures = "amd64 sparc".into();
        bad.expires_on = "2028-01-01".into();
        let errors = ApprovalScope::validate(&bad, "2026-11-28", 365, Locale::en).unwrap_err();
        assert!(errors.get("tags").unwrap().contains("complete expression"));
        assert!(errors.get("digests").unwrap().contains("64 lowercase hex"));
        assert!(errors.get("architectures").unwrap().contains("\"sparc\""));
        assert!(errors
            .get("expires_on")
            .unwrap()
            .contains("28 November 2027 or earlier"));
        let norwegian = ApprovalScope::validate(&bad, "2026-11-28", 365, Locale::nb).unwrap_err();
        assert!(norwegian
            .get("expires_on")
            .unwrap()
            .contains("velg 28. november 2027 eller tidligere"));

        let past = ApprovalForm {
            expires_on: "2026-11-28".into(),
            ..form("exact", "1.0")
        };
        assert!(ApprovalScope::validate(&past, "2026-11-28", 365, Locale::en).is_err());
        let errors =
            ApprovalScope::validate(&form("semver", ">=banana"), "2026-11-28", 365, Locale::en)
                .unwrap_err();
        assert!(errors.get("tags").unwrap().contains("version range"));
        let errors = ApprovalScope::validate(
            &form("exact", "ok, not/a/tag"),
            "2026-11-28",
            365,
            Locale::en,
        )
        .unwrap_err();
        assert!(errors.get("tags").unwrap().contains("not/a/tag"));
        let errors =
            ApprovalScope::validate(&form("glob", "*"), "2026-11-28", 365, Locale::en).unwrap_err();
        assert!(errors.get("tag_mode").is_some());
    }

    #[test]
    fn a_pattern_cannot_escape_its_anchoring() {
        for escape in [r"1\.25\.3)|(.*", r"1\.25\.3)|(?:.*", r"(1\.25\.3", r".*)"] {
            let errors =
                ApprovalScope::validate(&form("regex", escape), "2026-11-28", 365, Locale::en)
                    .unwrap_err();
            assert!(
                errors.get("tags").unwrap().contains("complete expression"),
                "{escape}: {errors:?}"
            );
        }
    }

    #[test]
    fn patterns_whose_meaning_differs_between_engines_are_refused() {
        for (pattern, reason) in [
            ("(?i)latest", "flags"),
            ("(?x) 1 . 25", "flags"),
            ("(?s:.)", "flags"),
            (r"\p{Greek}+", "Unicode"),
            ("[a-z&&[^x]]+", "set operations"),
            ("[[a-z]]", "inside classes"),
            ("[[:alpha:]]", "ranges"),
            ("a{1001}", "1000"),
            ("(?:-[a-z0-9]{1,64}){0,16}", "multiplied"),
            ("((a{10}){10}){11}", "multiplied"),
            (r"\<1", "assertions"),
        ] {
            let error = canonical_regex(pattern).unwrap_err().to_string();
            assert!(error.contains(reason), "{pattern}: {error}");
        }
        // The reviewer reads the refusal in their language, through the approve form.
        let (field, message) = TagRule::parse("regex", "(?i)latest", Locale::nb).unwrap_err();
        assert_eq!(field, "tags");
        assert!(message.starts_with("Innebygde flagg"), "{message}");
    }

    #[test]
    fn canonical_patterns_are_written_as_the_reviewer_meant_them() {
        for (pattern, written) in [
            (r"1\.25\.[0-9]+", r"1\.25\.[0-9]+"),
            (r"1\.25\.\d+", r"1\.25\.\d+"),
            ("(a|b)-c", "(?:a|b)-c"),
            ("v?1.2{1,3}?", "v?1.2{1,3}?"),
            ("[^-a]x", r"[^\-a]x"),
            ("(?P<n>x)", "(?:x)"),
        ] {
            assert_eq!(canonical_regex(pattern).unwrap(), written, "{pattern}");
        }
        let rule = TagRule::parse("regex", "1\\.25\\.3|2\\.0", Locale::en).unwrap();
        assert_eq!(rule.anchored_pattern().unwrap(), "^(?:1\\.25\\.3|2\\.0)$");
        let matcher = rule.matcher();
        assert!(matcher.matches("2.0") && !matcher.matches("1.25.3x"));
        let stored_before = TagRule::Regex(r"1\.25\.3)|(.*".into());
        assert!(!stored_before.matcher().matches("anything"), "fails closed");
        assert_eq!(stored_before.anchored_pattern(), None);
    }

    proptest::proptest! {
        /// The written pattern means what the reviewer's expression means, tag for tag.
        #[test]
        fn canonical_patterns_match_exactly_what_the_original_matches(
            pattern in "[a1.|()\\[\\]^*+?{}2,\\\\d-]{1,12}",
            tags in proptest::collection::vec("[a1.2d-]{0,6}", 20),
        ) {
            if let Ok(canonical) = canonical_regex(&pattern) {
                let original = anchored(&pattern).unwrap();
                let written = anchored(&canonical).unwrap();
                for tag in &tags {
                    proptest::prop_assert_eq!(original.is_match(tag), written.is_match(tag), "{} {}", canonical, tag);
                }
            }
        }
    }

    #[test]
    fn digest_pins_are_kept() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let pinned = ApprovalForm {
            digests: format!("{digest}\n"),
            ..form("exact", "1.0")
        };
        let scope = ApprovalScope::validate(&pinned, "2026-11-28", 365, Locale::en).unwrap();
        assert_eq!(scope.digests, vec![digest]);
    }
}
