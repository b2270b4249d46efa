//! Free text that people type (team names, justifications, reasons, comments) and names an
//! identity provider sends. One rule for every such field, so that text reads the same to the
//! reviewer as to the machines that carry it on:
//!
//! - no control characters (a single-line field refuses line breaks and tabs; a multi-line field
//!   keeps `\n` and tabs and turns `\r\n` into `\n`);
//! - no Unicode line or paragraph separators (U+2028, U+2029, U+0085), which some YAML and
//!   JavaScript readers take for a line break;
//! - no bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which
//!   make text read differently on the screen from what it says;
//! - no invisible format characters (zero-width spaces and joiners, the soft hyphen, word
//!   joiners, the byte-order mark, tag characters), which make two texts that look alike differ.
//!
//! Output encoders still escape everything they write: this rule is the first of two layers.

use crate::error::FieldErrors;
use crate::i18n::{td_string, Locale};
use std::fmt;

/// The shortest reason accepted for "request changes", "reject", "revoke" and a resubmit note.
pub const REASON_MIN: usize = 10;
/// The longest reason, note or comment.
pub const TEXT_MAX: usize = 4000;

/// Why a text was refused. The messages say what to change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    /// Shorter than `min` characters (after trimming).
    TooShort { min: usize },
    /// Longer than `max` characters.
    TooLong { max: usize, length: usize },
    /// Holds a character no free text may hold.
    Forbidden(char),
}

impl TextError {
    /// What the person typing is told, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            TextError::TooShort { min } => {
                td_string!(locale, validation.text.too_short, min = min).to_string()
            }
            TextError::TooLong { max, length } => {
                td_string!(locale, validation.text.too_long, max = max, length = length).to_string()
            }
            TextError::Forbidden(c) => {
                let code = format!("U+{:04X}", u32::from(*c));
                match forbidden_kind(*c) {
                    Some(Forbidden::LineBreak) => {
                        td_string!(locale, validation.text.line_break, code = code).to_string()
                    }
                    Some(Forbidden::Direction) => {
                        td_string!(locale, validation.text.direction, code = code).to_string()
                    }
                    Some(Forbidden::Invisible) => {
                        td_string!(locale, validation.text.invisible, code = code).to_string()
                    }
                    _ => td_string!(locale, validation.text.control, code = code).to_string(),
                }
            }
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Locale::en))
    }
}

enum Forbidden {
    LineBreak,
    Direction,
    Invisible,
    Control,
}

fn forbidden_kind(c: char) -> Option<Forbidden> {
    match c {
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
            Some(Forbidden::LineBreak)
        }
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some(Forbidden::Direction),
        '\u{AD}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}' => Some(Forbidden::Invisible),
        c if c.is_control() => Some(Forbidden::Control),
        _ => None,
    }
}

/// Whether `c` may stand in a single-line text (a name, a team).
pub fn allowed_in_line(c: char) -> bool {
    forbidden_kind(c).is_none()
}

/// Whether `c` may stand in a multi-line text (after `\r\n` became `\n`): `\n` and tab too.
pub fn allowed_in_paragraphs(c: char) -> bool {
    c == '\n' || c == '\t' || forbidden_kind(c).is_none()
}

fn check(text: &str, min: usize, max: usize, allowed: fn(char) -> bool) -> Result<(), TextError> {
    if let Some(bad) = text.chars().find(|c| !allowed(*c)) {
        return Err(TextError::Forbidden(bad));
    }
    let length = text.chars().count();
    if length < min {
        Err(TextError::TooShort { min })
    } else if length > max {
        Err(TextError::TooLong { max, length })
    } else {
        Ok(())
    }
}

/// A one-line text of `min..=max` characters, trimmed.
///
/// # Errors
/// [`TextError`]: too short or long, or a forbidden character (line breaks included).
pub fn single_line(raw: &str, min: usize, max: usize) -> Result<String, TextError> {
    let text = raw.trim();
    check(text, min, max, allowed_in_line)?;
    Ok(text.to_owned())
}

/// A text of `min..=max` characters that may hold paragraphs, trimmed, with `\r\n` (as browsers
/// send a textarea) turned into `\n`.
///
/// # Errors
/// [`TextError`]: too short or long, or a forbidden character.
pub fn paragraphs(raw: &str, min: usize, max: usize) -> Result<String, TextError> {
    let text = raw.trim().replace("\r\n", "\n");
    check(&text, min, max, allowed_in_paragraphs)?;
    Ok(text)
}

/// A reason, note or comment typed into form field `field`: [`paragraphs`] of `min..=TEXT_MAX`
/// characters. The error keeps what was typed and says what to write (`what`, e.g. "why the
/// request is rejected").
///
/// # Errors
/// [`FieldErrors`] for `field`.
pub fn written(
    field: &str,
    raw: &str,
    min: usize,
    what: &str,
    locale: Locale,
) -> Result<String, FieldErrors> {
    paragraphs(raw, min, TEXT_MAX).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add(
            field,
            match e {
                TextError::TooShort { .. } if min <= 1 => {
                    td_string!(locale, validation.text.write, what = what).to_string()
                }
                TextError::TooShort { .. } => {
                    td_string!(locale, validation.text.write_min, what = what, min = min)
                        .to_string()
                }
                other => other.message(locale),
            },
        );
        errors.keep(field, raw.trim());
        errors
    })
}

/// A name as an identity provider sent it, made safe to show and to store: forbidden characters
/// become spaces, runs of white space one space, at most `max` characters. Never fails: a
/// provider's odd name must not stop anyone signing in.
pub fn clean_name(raw: &str, max: usize) -> String {
    let words: Vec<&str> = raw
        .split(|c: char| c.is_whitespace() || !allowed_in_line(c))
        .filter(|w| !w.is_empty())
        .collect();
    let name: String = words.join(" ").chars().take(max).collect();
    name.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_refuse_every_kind_of_line_break_and_direction_control() {
        for bad in [
            "web\nplatform",
            "web\rplatform",
            "web\u{2028}platform",
            "web\u{2029}platform",
            "web\u{85}platform",
            "web\u{0B}platform",
            "web\tplatform",
            "web\u{202E}mroftalp",
            "web\u{2066}x\u{2069}",
            "web\u{200F}",
            "web\u{0}",
            "securi\u{200B}ty",
            "web\u{FEFF}",
            "web\u{AD}x",
            "web\u{E0041}",
        ] {
            assert!(
                matches!(single_line(bad, 1, 100), Err(TextError::Forbidden(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            single_line("  Web platform ", 1, 100).unwrap(),
            "Web platform"
        );
        assert_eq!(
            single_line("Støtte – æøå 🚢", 1, 100).unwrap(),
            "Støtte – æøå 🚢"
        );
    }

    #[test]
    fn paragraphs_keep_line_feeds_and_normalise_browser_line_ends() {
        assert_eq!(
            paragraphs("First.\r\n\r\n\tSecond.", 1, 100).unwrap(),
            "First.\n\n\tSecond."
        );
        for bad in ["a\u{2028}b", "a\rb", "a\u{202D}b", "a\u{1B}[31mb"] {
            assert!(paragraphs(bad, 1, 100).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert_eq!(
            single_line("æø", 3, 10),
            Err(TextError::TooShort { min: 3 })
        );
        assert_eq!(
            single_line("ææææ", 1, 3),
            Err(TextError::TooLong { max: 3, length: 4 })
        );
    }

    #[test]
    fn messages_name_the_character() {
        let e = single_line("a\u{2028}b", 1, 10).unwrap_err().to_string();
        assert!(e.contains("U+2028") && e.contains("one line"), "{e}");
        let e = single_line("a\u{202E}b", 1, 10).unwrap_err().to_string();
        assert!(e.contains("U+202E") && e.contains("direction"), "{e}");
    }

    #[test]
    fn provider_names_are_cleaned_not_refused() {
        assert_eq!(clean_name("Rita\nReviewer", 100), "Rita Reviewer");
        assert_eq!(clean_name(" \u{202E}Eve\u{2028}  Evil\t", 100), "Eve Evil");
        assert_eq!(clean_name("Åse Ødegård", 4), "Åse");
        assert_eq!(clean_name("", 10), "");
    }
}
