//! Image requests: their states and the rules for a new one.

use super::{ContactAddress, ImageReference};
use crate::error::FieldErrors;
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

    /// What a person reads on the badge.
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Submitted => "Submitted",
            RequestState::InReview => "In review",
            RequestState::ChangesRequested => "Changes requested",
            RequestState::Approved => "Approved",
            RequestState::Rejected => "Rejected",
            RequestState::Withdrawn => "Withdrawn",
        }
    }

    /// True once a decision has been made or the request withdrawn.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RequestState::Approved | RequestState::Rejected | RequestState::Withdrawn
        )
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
}

/// A new request that passed validation. Only [`NewImageRequest::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewImageRequest {
    pub image_input: String,
    pub image: ImageReference,
    pub team: String,
    pub contact: ContactAddress,
    pub justification: String,
}

/// Length limits of the free-text fields, in characters.
pub const TEAM_MAX: usize = 100;
pub const JUSTIFICATION_MIN: usize = 20;
pub const JUSTIFICATION_MAX: usize = 4000;

impl NewImageRequest {
    /// Checks every field of the form and reports all problems at once.
    ///
    /// # Errors
    /// [`FieldErrors`] with one message per bad field, and the submitted values kept.
    pub fn validate(form: &RequestForm) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let image = ImageReference::parse(&form.image)
            .map_err(|e| errors.add("image", e.to_string()))
            .ok();
        let team = form.team.trim();
        if team.is_empty() {
            errors.add(
                "team",
                "Enter the team or application name that will own the image.",
            );
        } else if team.chars().count() > TEAM_MAX {
            errors.add(
                "team",
                format!("Keep the team / application name within {TEAM_MAX} characters."),
            );
        } else if team.chars().any(char::is_control) {
            errors.add("team", "The team name cannot contain control characters.");
        }
        let contact = ContactAddress::parse(&form.contact)
            .map_err(|e| errors.add("contact", e.to_string()))
            .ok();
        let justification = form.justification.trim();
        let length = justification.chars().count();
        if length < JUSTIFICATION_MIN {
            errors.add(
                "justification",
                format!(
                    "Say in at least {JUSTIFICATION_MIN} characters what the image is for and why \
                     it is needed in production."
                ),
            );
        } else if length > JUSTIFICATION_MAX {
            errors.add(
                "justification",
                format!(
                    "The justification is {length} characters long; shorten it to \
                     {JUSTIFICATION_MAX}."
                ),
            );
        }
        match (image, contact) {
            (Some(image), Some(contact)) if errors.is_empty() => Ok(Self {
                image_input: form.image.trim().to_owned(),
                image,
                team: team.to_owned(),
                contact,
                justification: justification.to_owned(),
            }),
            _ => {
                errors.keep("image", &form.image);
                errors.keep("team", &form.team);
                errors.keep("contact", &form.contact);
                errors.keep(
                    "justification",
                    truncate(&form.justification, JUSTIFICATION_MAX),
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

    fn form() -> RequestForm {
        RequestForm {
            image: "nginx:1.25".into(),
            team: " Web platform ".into(),
            contact: "web@example.org".into(),
            justification: "Reverse proxy in front of the course portal.".into(),
        }
    }

    #[test]
    fn a_complete_form_becomes_a_normalised_request() {
        let request = NewImageRequest::validate(&form()).unwrap();
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
        };
        let errors = NewImageRequest::validate(&bad).unwrap_err();
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
        let errors = NewImageRequest::validate(&f).unwrap_err();
        assert!(errors.get("team").is_some());
        assert!(errors.get("image").is_none());
    }

    #[test]
    fn states_round_trip_through_their_stored_names() {
        for state in RequestState::ALL {
            assert_eq!(RequestState::from_db(state.as_str()), Some(state));
        }
        assert_eq!(RequestState::from_db("approved "), None);
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate("æøå", 2), "æø");
        assert_eq!(truncate("abc", 5), "abc");
    }
}
