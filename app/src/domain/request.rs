//! Image requests: their states and the rules for a new one.

use super::text::{self, TextError};
use super::{ContactAddress, ImageReference};
use crate::catalog::Candidate;
use crate::error::FieldErrors;
use crate::i18n::{td_string, Locale};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The number people use to talk about a request ("request #42").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RequestId(pub i64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a request is in its life.
///
/// `submitted → in_review → approved | rejected`, `in_review → changes_requested → submitted`,
/// and `submitted | in_review | changes_requested → withdrawn` by the requester.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequestState {
    Submitted,
    InReview,
    ChangesRequested,
    Approved,
    Rejected,
    Withdrawn,
}

impl RequestState {
    pub const ALL: [RequestState; 6] = [
        RequestState::Submitted,
        RequestState::InReview,
        RequestState::ChangesRequested,
        RequestState::Approved,
        RequestState::Rejected,
        RequestState::Withdrawn,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Submitted => "submitted",
            RequestState::InReview => "in_review",
            RequestState::ChangesRequested => "changes_requested",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
            RequestState::Withdrawn => "withdrawn",
        }
    }

    /// Reads a stored value; `None` for anything unknown.
    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// What a person reads on the badge, in `locale`.
    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            RequestState::Submitted => td_string!(locale, common.state.submitted),
            RequestState::InReview => td_string!(locale, common.state.in_review),
            RequestState::ChangesRequested => td_string!(locale, common.state.changes_requested),
            RequestState::Approved => td_string!(locale, common.state.approved),
            RequestState::Rejected => td_string!(locale, common.state.rejected),
            RequestState::Withdrawn => td_string!(locale, common.state.withdrawn),
        }
    }

    /// The label in lower case, for the middle of a sentence ("is in review"). The labels'
    /// capitals are ASCII, so this needs no Unicode case tables (which would weigh on the WASM);
    /// a test checks it against full Unicode lower-casing for every label.
    pub fn label_in_sentence(self, locale: Locale) -> String {
        self.label(locale).to_ascii_lowercase()
    }
}

/// The new-request form as submitted: raw text, exactly as typed. Field names are the form's
/// `name` attributes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub image: String,
    pub team: String,
    pub contact: String,
    pub justification: String,
    /// The Red Hat repository picked from the catalog check, `none`, or empty.
    pub catalog_choice: String,
    /// Why none of the catalog's candidates fits (required with `none`).
    pub catalog_reason: String,
}

/// The outcome of the catalog check that policy requires before a new image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogDecision {
    /// The catalog had no equivalent.
    NoEquivalent,
    /// The requester picked this Red Hat image; the request is for it.
    Chosen(Candidate),
    /// The requester saw the candidates and said why none fits.
    NoneFits(String),
}

/// What the requester decided, without the details: how a stored request names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatalogOutcome {
    NoEquivalent,
    Chosen,
    NoneFits,
}

impl CatalogOutcome {
    pub const ALL: [CatalogOutcome; 3] = [
        CatalogOutcome::NoEquivalent,
        CatalogOutcome::Chosen,
        CatalogOutcome::NoneFits,
    ];

    /// The value stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogOutcome::NoEquivalent => "no_equivalent",
            CatalogOutcome::Chosen => "chosen",
            CatalogOutcome::NoneFits => "none_fits",
        }
    }

    /// Reads a stored value; `None` for anything unknown.
    pub fn from_db(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == value)
    }
}

impl CatalogDecision {
    /// The decision without its details.
    pub fn outcome(&self) -> CatalogOutcome {
        match self {
            CatalogDecision::NoEquivalent => CatalogOutcome::NoEquivalent,
            CatalogDecision::Chosen(_) => CatalogOutcome::Chosen,
            CatalogDecision::NoneFits(_) => CatalogOutcome::NoneFits,
        }
    }
}

/// The smallest explanation accepted for "none of these fits".
pub const CATALOG_REASON_MIN: usize = 10;

/// A new request that passed validation. Only [`NewImageRequest::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewImageRequest {
    pub image_input: String,
    /// What is requested: the typed image, or the chosen Red Hat image.
    pub image: ImageReference,
    pub team: String,
    pub contact: ContactAddress,
    pub justification: String,
    /// What the catalog check showed, in order.
    pub catalog_candidates: Vec<Candidate>,
    pub catalog_decision: CatalogDecision,
}

/// Length limits of the free-text fields, in characters.
pub const TEAM_MAX: usize = 100;
pub const JUSTIFICATION_MIN: usize = 20;
pub const JUSTIFICATION_MAX: usize = 4000;

/// What a requester says about a request and may change before resubmitting: the owning team,
/// the contact address and the justification. Only [`RequestDetails::parse`] makes one, and
/// every path that accepts these fields (submit, resubmit, any later edit) calls it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestDetails {
    /// One line, 1 to [`TEAM_MAX`] characters, no control, line-separator or direction
    /// characters (see [`text`]).
    pub team: String,
    pub contact: ContactAddress,
    /// [`JUSTIFICATION_MIN`] to [`JUSTIFICATION_MAX`] characters; paragraphs allowed.
    pub justification: String,
}

impl RequestDetails {
    /// Checks the three fields as typed. Problems are added to `errors` (one per bad field, in
    /// words that say how to fix it); `None` then.
    pub fn parse(
        team: &str,
        contact: &str,
        justification: &str,
        errors: &mut FieldErrors,
        locale: Locale,
    ) -> Option<Self> {
        let team = match text::single_line(team, 1, TEAM_MAX) {
            Ok(team) => Some(team),
            Err(TextError::TooShort { .. }) => {
                errors.add("team", td_string!(locale, validation.request.team_empty));
                None
            }
            Err(TextError::TooLong { .. }) => {
                errors.add(
                    "team",
                    td_string!(locale, validation.request.team_too_long, max = TEAM_MAX)
                        .to_string(),
                );
                None
            }
            Err(e) => {
                errors.add(
                    "team",
                    format!(
                        "{} {}",
                        td_string!(locale, validation.request.team_unusable),
                        e.message(locale)
                    ),
                );
                None
            }
        };
        let contact = ContactAddress::parse(contact)
            .map_err(|e| errors.add("contact", e.message(locale)))
            .ok();
        let justification =
            match text::paragraphs(justification, JUSTIFICATION_MIN, JUSTIFICATION_MAX) {
                Ok(text) => Some(text),
                Err(TextError::TooShort { .. }) => {
                    errors.add(
                        "justification",
                        td_string!(
                            locale,
                            validation.request.justification_short,
                            min = JUSTIFICATION_MIN
                        )
                        .to_string(),
                    );
                    None
                }
                Err(TextError::TooLong { length, .. }) => {
                    errors.add(
                        "justification",
                        td_string!(
                            locale,
                            validation.request.justification_long,
                            length = length,
                            max = JUSTIFICATION_MAX
                        )
                        .to_string(),
                    );
                    None
                }
                Err(e) => {
                    errors.add("justification", e.message(locale));
                    None
                }
            };
        Some(Self {
            team: team?,
            contact: contact?,
            justification: justification?,
        })
    }
}

impl NewImageRequest {
    /// Checks every field of the form and reports all problems at once. `candidates` are the
    /// catalog's equivalents of the typed image (computed by the caller for it): when there are
    /// any, the requester must pick one or say why none fits.
    ///
    /// # Errors
    /// [`FieldErrors`] with one message per bad field, and the submitted values kept.
    pub fn validate(
        form: &RequestForm,
        candidates: Vec<Candidate>,
        locale: Locale,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let image = ImageReference::parse(&form.image)
            .map_err(|e| errors.add("image", e.message(locale)))
            .ok();
        let decision = if image.is_none() {
            None
        } else if candidates.is_empty() {
            Some(CatalogDecision::NoEquivalent)
        } else {
            match form.catalog_choice.trim() {
                "none" => {
                    match text::paragraphs(
                        &form.catalog_reason,
                        CATALOG_REASON_MIN,
                        JUSTIFICATION_MAX,
                    ) {
                        Ok(reason) => Some(CatalogDecision::NoneFits(reason)),
                        Err(TextError::TooShort { .. }) => {
                            errors.add(
                                "catalog_reason",
                                td_string!(
                                    locale,
                                    validation.request.catalog_reason,
                                    min = CATALOG_REASON_MIN
                                )
                                .to_string(),
                            );
                            None
                        }
                        Err(e) => {
                            errors.add("catalog_reason", e.message(locale));
                            None
                        }
                    }
                }
                "" => {
                    errors.add(
                        "catalog_choice",
                        td_string!(locale, validation.request.catalog_choice),
                    );
                    None
                }
                chosen => match candidates.iter().find(|c| c.repository == chosen) {
                    Some(candidate) => Some(CatalogDecision::Chosen(candidate.clone())),
                    None => {
                        errors.add(
                            "catalog_choice",
                            td_string!(locale, validation.request.catalog_gone),
                        );
                        None
                    }
                },
            }
        };
        let details = RequestDetails::parse(
            &form.team,
            &form.contact,
            &form.justification,
            &mut errors,
            locale,
        );
        match (image, details, decision) {
            (Some(image), Some(details), Some(decision)) if errors.is_empty() => {
                let image = match &decision {
                    CatalogDecision::Chosen(candidate) => {
                        ImageReference::parse(&candidate.image_reference()).unwrap_or(image)
                    }
                    _ => image,
                };
                Ok(Self {
                    image_input: form.image.trim().to_owned(),
                    image,
                    team: details.team,
                    contact: details.contact,
                    justification: details.justification,
                    catalog_candidates: candidates,
                    catalog_decision: decision,
                })
            }
            _ => {
                errors.keep("image", &form.image);
                errors.keep("team", &form.team);
                errors.keep("contact", &form.contact);
                errors.keep(
                    "justification",
                    truncate(&form.justification, JUSTIFICATION_MAX),
                );
                errors.keep("catalog_choice", &form.catalog_choice);
                errors.keep(
                    "catalog_reason",
                    truncate(&form.catalog_reason, JUSTIFICATION_MAX),
                );
                Err(errors)
            }
        }
    }
}

/// At most `max` characters of `text`, cut on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_sentences_are_the_full_unicode_lower_case() {
        for locale in crate::i18n::ALL {
            for state in RequestState::ALL {
                assert_eq!(
                    state.label_in_sentence(locale),
                    state.label(locale).to_lowercase(),
                    "{state:?} in {locale:?}"
                );
            }
        }
    }

    fn form() -> RequestForm {
        RequestForm {
            image: "nginx:1.25".into(),
            team: " Web platform ".into(),
            contact: "web@example.org".into(),
            justification: "Reverse proxy in front of the course portal.".into(),
            ..RequestForm::default()
        }
    }

    fn candidate(repository: &str) -> Candidate {
        Candidate {
            repository: repository.into(),
            registry: "registry.access.redhat.com".into(),
            name: repository.into(),
            description: String::new(),
            grade: Some("A".into()),
            status: "Generally Available".into(),
            catalog_url: String::new(),
            reasons: vec!["Same product: nginx".into()],
            score: 100,
        }
    }

    #[test]
    fn choosing_a_red_hat_image_makes_the_request_for_it() {
        let mut f = form();
        f.catalog_choice = "ubi9/nginx-124".into();
        let request =
            NewImageRequest::validate(&f, vec![candidate("ubi9/nginx-124")], Locale::en).unwrap();
        assert_eq!(
            request.image.to_string(),
            "registry.access.redhat.com/ubi9/nginx-124:latest"
        );
        assert_eq!(request.image_input, "nginx:1.25");
        assert!(
            matches!(request.catalog_decision, CatalogDecision::Chosen(ref c) if c.repository == "ubi9/nginx-124")
        );
        assert_eq!(request.catalog_candidates.len(), 1);
    }

    #[test]
    fn with_candidates_a_choice_or_a_reason_is_required() {
        let candidates = vec![candidate("ubi9/nginx-124")];
        let errors =
            NewImageRequest::validate(&form(), candidates.clone(), Locale::en).unwrap_err();
        assert!(errors.get("catalog_choice").is_some());
        let mut none = form();
        none.catalog_choice = "none".into();
        none.catalog_reason = "short".into();
        let errors = NewImageRequest::validate(&none, candidates.clone(), Locale::en).unwrap_err();
        assert!(errors.get("catalog_reason").is_some());
        none.catalog_reason = "We need the upstream njs module, which UBI does not ship.".into();
        let request = NewImageRequest::validate(&none, candidates.clone(), Locale::en).unwrap();
        assert_eq!(request.image.to_string(), "docker.io/library/nginx:1.25");
        assert!(matches!(
            request.catalog_decision,
            CatalogDecision::NoneFits(_)
        ));
        let mut forged = form();
        forged.catalog_choice = "ubi9/something-else".into();
        let errors = NewImageRequest::validate(&forged, candidates, Locale::en).unwrap_err();
        assert!(errors.get("catalog_choice").is_some());
    }

    #[test]
    fn without_candidates_no_choice_is_needed() {
        let request = NewImageRequest::validate(&form(), Vec::new(), Locale::en).unwrap();
        assert_eq!(request.catalog_decision, CatalogDecision::NoEquivalent);
    }

    #[test]
    fn a_complete_form_becomes_a_normalised_request() {
        let request = NewImageRequest::validate(&form(), Vec::new(), Locale::en).unwrap();
        assert_eq!(request.image.to_string(), "docker.io/library/nginx:1.25");
        assert_eq!(request.image_input, "nginx:1.25");
        assert_eq!(request.team, "Web platform");
        assert_eq!(request.contact.as_str(), "web@example.org");
    }

    #[test]
    fn every_bad_field_is_reported_and_the_input_is_kept() {
        let bad = RequestForm {
            image: "Nginx:1.25".into(),
            team: "".into(),
            contact: "nobody".into(),
            justification: "because".into(),
            ..RequestForm::default()
        };
        let errors = NewImageRequest::validate(&bad, Vec::new(), Locale::en).unwrap_err();
        for field in ["image", "team", "contact", "justification"] {
            assert!(errors.get(field).is_some(), "{field} should have an error");
        }
        assert!(errors.get("image").unwrap().contains("lowercase"));
        assert_eq!(errors.submitted("image"), Some("Nginx:1.25"));
        assert_eq!(errors.submitted("contact"), Some("nobody"));
    }

    #[test]
    fn one_bad_field_is_enough_to_refuse() {
        let mut f = form();
        f.team = "x".repeat(TEAM_MAX + 1);
        let errors = NewImageRequest::validate(&f, Vec::new(), Locale::en).unwrap_err();
        assert!(errors.get("team").is_some());
        assert!(errors.get("image").is_none());
    }

    #[test]
    fn a_team_name_cannot_carry_structure_into_outputs() {
        for team in [
            "web\n  images-by-tag-regex: {\"attacker/backdoor\": \".*\"}\n  #",
            "web\u{2028}x",
            "web\u{202E}x",
        ] {
            let mut f = form();
            f.team = team.into();
            let errors = NewImageRequest::validate(&f, Vec::new(), Locale::en).unwrap_err();
            assert!(errors.get("team").is_some(), "{team:?}");
            assert_eq!(errors.submitted("team"), Some(team), "the input is kept");
        }
    }

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for state in RequestState::ALL {
            assert_eq!(RequestState::from_db(state.as_str()), Some(state));
        }
        for outcome in CatalogOutcome::ALL {
            assert_eq!(CatalogOutcome::from_db(outcome.as_str()), Some(outcome));
        }
        assert_eq!(RequestState::from_db("approved "), None);
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate("æøå", 2), "æø");
        assert_eq!(truncate("abc", 5), "abc");
    }
}
