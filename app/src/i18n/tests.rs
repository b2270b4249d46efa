use super::*;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn accept_language_picks_the_best_supported_language() {
    assert_eq!(negotiate("nb-NO,nb;q=0.9,en;q=0.8"), Some(Locale::nb));
    assert_eq!(negotiate("en-GB,en;q=0.9"), Some(Locale::en));
    assert_eq!(
        negotiate("de-DE,de;q=0.9,en;q=0.5,nb;q=0.4"),
        Some(Locale::en)
    );
    assert_eq!(negotiate("nn"), Some(Locale::nb));
    assert_eq!(negotiate("no;q=0.2, EN;q=0.3"), Some(Locale::en));
    assert_eq!(negotiate("en;q=0, nb;q=0.1"), Some(Locale::nb));
    assert_eq!(negotiate("de, fr, *"), None);
    assert_eq!(negotiate(""), None);
}

#[test]
fn hostile_accept_language_is_ignored_not_fatal() {
    for header in [
        "en;q=2",
        "en;q=-1",
        "en;q=0.12345",
        "en;q=abc",
        ";;;,,,",
        "\u{0}en",
        "en;q=1.5",
    ] {
        assert_eq!(negotiate(header), None, "{header:?}");
    }
    let long = "x-".repeat(10_000) + ",en";
    assert_eq!(
        negotiate(&long),
        None,
        "a header longer than 4 KiB is cut, not scanned"
    );
    let many = "de,".repeat(40) + "en";
    assert_eq!(negotiate(&many), None, "only the first 32 entries count");
}

#[test]
fn an_explicit_choice_wins_over_the_browser_and_the_default() {
    assert_eq!(resolve(Some("en"), Some("nb"), Locale::nb), Locale::en);
    assert_eq!(resolve(Some("fr"), Some("en"), Locale::nb), Locale::en);
    assert_eq!(resolve(None, Some("de"), Locale::en), Locale::en);
    assert_eq!(resolve(None, None, Locale::nb), Locale::nb);
}

#[test]
fn dates_and_numbers_are_written_for_the_language() {
    let date = time::macros::date!(2026 - 12 - 02);
    assert_eq!(format_date(Locale::nb, date), "2. desember 2026");
    assert_eq!(format_date(Locale::en, date), "2 December 2026");
    let at = time::macros::datetime!(2026-12-02 09:05 UTC);
    assert_eq!(
        format_date_time(Locale::nb, at),
        "2. desember 2026 kl. 09:05 UTC"
    );
    assert_eq!(
        format_date_time(Locale::en, at),
        "2 December 2026, 09:05 UTC"
    );
    assert_eq!(format_count(Locale::nb, 1_234_567), "1\u{a0}234\u{a0}567");
    assert_eq!(format_count(Locale::en, 1_234_567), "1,234,567");
    assert_eq!(format_count(Locale::en, 999), "999");
    assert_eq!(format_megabytes(Locale::nb, 12_345_678), "12,3 MB");
    assert_eq!(format_megabytes(Locale::en, 12_345_678), "12.3 MB");
    assert_eq!(readable_date(Locale::nb, "2026-12-02"), "2. desember 2026");
    assert_eq!(readable_date(Locale::en, "not a day"), "not a day");
    assert_eq!(format_month(Locale::nb, "2026-12"), "desember 2026");
    assert_eq!(format_month(Locale::en, "2026-12"), "December 2026");
    assert_eq!(format_month(Locale::en, "2026-13"), "2026-13");
}

/// Every key with its text, `namespace.key.subkey` → text, for one language.
fn texts(language: &str) -> BTreeMap<String, String> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    walk(&format!("{prefix}.{key}"), value, out);
                }
            }
            serde_json::Value::String(text) => {
                out.insert(prefix.to_owned(), text.clone());
            }
            other => {
                panic!("{prefix}: only strings and objects belong in a locale file, found {other}")
            }
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(language);
    let mut out = BTreeMap::new();
    for file in std::fs::read_dir(&dir).expect("locale folder") {
        let path = file.expect("locale file").path();
        let namespace = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name")
            .to_owned();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        walk(&namespace, &json, &mut out);
    }
    out
}

/// The `{{ name }}` placeholders of a text, sorted.
fn placeholders(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_languages_have_every_key_with_the_same_placeholders() {
    let nb = texts("nb");
    let en = texts("en");
    let only_nb: Vec<_> = nb.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<_> = en.keys().filter(|k| !nb.contains_key(*k)).collect();
    assert!(only_nb.is_empty(), "keys missing in English: {only_nb:?}");
    assert!(only_en.is_empty(), "keys missing in Norwegian: {only_en:?}");
    for (key, text) in &nb {
        assert!(!text.trim().is_empty(), "{key} is empty in Norwegian");
        assert!(!en[key].trim().is_empty(), "{key} is empty in English");
        assert_eq!(
            placeholders(text),
            placeholders(&en[key]),
            "{key}: the two languages interpolate different values"
        );
    }
    assert!(
        nb.len() > 20,
        "the locale files were read ({} keys)",
        nb.len()
    );
}
