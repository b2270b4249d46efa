//! The catalog check on the server: equivalents from the mirror in memory, with current
//! freshness grades.

use super::equivalents::find_equivalents;
use super::model::{Candidate, Equivalents};
use crate::domain::ImageReference;
use crate::error::{AppError, FieldErrors};
use crate::i18n::Locale;
use crate::state::AppState;

/// The candidates for the reference as typed, their reasons written in `locale`; none when it
/// does not parse (the form reports that on its own field).
pub async fn candidates_for(state: &AppState, reference: &str, locale: Locale) -> Vec<Candidate> {
    match ImageReference::parse(reference) {
        Ok(image) => equivalents_of(state, &image, locale).await.candidates,
        Err(_) => Vec::new(),
    }
}

/// Equivalents of the image `reference` (as typed).
/// Who: server functions and the API, after they have checked the caller.
///
/// # Errors
/// [`AppError::Invalid`] on the `image` field when the reference does not parse.
pub async fn equivalents(state: &AppState, reference: &str) -> Result<Equivalents, AppError> {
    let image = ImageReference::parse(reference).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add("image", e.message(crate::i18n::request_locale()));
        errors.keep("image", reference);
        AppError::Invalid(errors)
    })?;
    Ok(equivalents_of(state, &image, crate::i18n::request_locale()).await)
}

async fn equivalents_of(state: &AppState, image: &ImageReference, locale: Locale) -> Equivalents {
    let view = state.catalog.current();
    let mut answer = find_equivalents(&view.index, image, &crate::persistence::today(), locale);
    state
        .catalog
        .apply_grades(&state.db, &view, &mut answer.candidates)
        .await;
    answer
}
