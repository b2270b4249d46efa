//! The contact address every image carries (label `no.uio.contact` by default).

use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};
use std::fmt;

const MAX_LENGTH: usize = 254;

/// A syntactically valid e-mail address, trimmed, with the domain in lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAddress(String);

/// Why a text is not a usable contact address ([`ContactAddressError::message`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactAddressError {
    Empty,
    Malformed(String),
    TooLong,
}

impl ContactAddressError {
    /// What the person typing is told, in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        match self {
            ContactAddressError::Empty => td_string!(locale, validation.contact.empty).to_owned(),
            ContactAddressError::Malformed(text) => {
                td_string!(locale, validation.contact.malformed, text = text).to_string()
            }
            ContactAddressError::TooLong => {
                td_string!(locale, validation.contact.too_long).to_owned()
            }
        }
    }
}

impl fmt::Display for ContactAddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Locale::en))
    }
}

impl std::error::Error for ContactAddressError {}

impl ContactAddress {
    /// Parses an address such as `platform-team@example.org`. Only the shape is checked here
    /// (one `@`, a local part, a domain with a dot, no spaces); delivery proves the rest.
    ///
    /// # Errors
    /// [`ContactAddressError`] says what is wrong.
    pub fn parse(input: &str) -> Result<Self, ContactAddressError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ContactAddressError::Empty);
        }
        if input.len() > MAX_LENGTH {
            return Err(ContactAddressError::TooLong);
        }
        let malformed = || ContactAddressError::Malformed(input.to_owned());
        let (local, domain) = input.rsplit_once('@').ok_or_else(malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !(local_ok && domain_ok) {
            return Err(malformed());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContactAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_lowercases_the_domain() {
        for (input, expected) in [
            ("team@example.org", "team@example.org"),
            (" Platform.Team@UiO.no ", "Platform.Team@uio.no"),
            ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
        ] {
            assert_eq!(ContactAddress::parse(input).unwrap().as_str(), expected);
        }
    }

    #[test]
    fn rejects_what_cannot_be_an_address() {
        assert_eq!(ContactAddress::parse("  "), Err(ContactAddressError::Empty));
        for input in [
            "team",
            "team@",
            "@example.org",
            "team@localhost",
            "te am@example.org",
            "team@exa mple.org",
            ".team@example.org",
            "te..am@example.org",
            "team@-example.org",
            "team@example..org",
            "tëam@example.org",
        ] {
            assert!(
                matches!(
                    ContactAddress::parse(input),
                    Err(ContactAddressError::Malformed(_))
                ),
                "{input:?} should be rejected"
            );
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert_eq!(
            ContactAddress::parse(&long),
            Err(ContactAddressError::TooLong)
        );
    }
}
