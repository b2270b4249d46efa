//! The catalog check on the server, over the index that is built once at start and shared.

use super::equivalents::{find_equivalents, CatalogIndex};
use super::model::{Candidate, Equivalents};
use crate::domain::ImageReference;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// The index of the shipped snapshot of real Red Hat repositories.
pub fn snapshot_index() -> CatalogIndex {
    CatalogIndex::new(super::pyxis::snapshot())
}

/// Today's date (`YYYY-MM-DD`, UTC), for end-of-life checks.
pub fn today() -> String {
    crate::persistence::now()[..10].to_owned()
}

/// The candidates for the reference as typed; none when it does not parse (the form reports
/// that on its own field).
pub fn candidates_for(index: &CatalogIndex, reference: &str) -> Vec<Candidate> {
    match ImageReference::parse(reference) {
        Ok(image) => find_equivalents(index, &image, &today()).candidates,
        Err(_) => Vec::new(),
    }
}

/// Equivalents of the image `reference` (as typed).
///
/// # Errors
/// [`AppError::Invalid`] on the `image` field when the reference does not parse.
pub fn equivalents(state: &AppState, reference: &str) -> Result<Equivalents, AppError> {
    let image = ImageReference::parse(reference).map_err(|e| {
        let mut errors = FieldErrors::default();
        errors.add("image", e.to_string());
        errors.keep("image", reference);
        AppError::Invalid(errors)
    })?;
    Ok(find_equivalents(&state.catalog, &image, &today()))
}
