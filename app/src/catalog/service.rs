//! The catalog check on the server: the mirror's index, shared by every request.

use super::equivalents::{find_equivalents, CatalogIndex};
use super::model::Equivalents;
use crate::domain::ImageReference;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;
use std::sync::{Arc, RwLock};

/// The catalog mirror as an index. Readers take a cheap `Arc`; a refresh swaps in a new index
/// whole, so a failed refresh leaves the old one in place.
#[derive(Debug)]
pub struct CatalogMirror {
    index: RwLock<Arc<CatalogIndex>>,
}

impl CatalogMirror {
    pub fn new(index: CatalogIndex) -> Self {
        Self {
            index: RwLock::new(Arc::new(index)),
        }
    }

    /// The shipped snapshot of real Red Hat repositories.
    pub fn from_snapshot() -> Self {
        Self::new(CatalogIndex::new(super::pyxis::snapshot()))
    }

    pub fn index(&self) -> Arc<CatalogIndex> {
        match self.index.read() {
            Ok(index) => Arc::clone(&index),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the index (after a successful refresh).
    pub fn replace(&self, index: CatalogIndex) {
        let mut slot = match self.index.write() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Arc::new(index);
    }
}

/// Today's date (`YYYY-MM-DD`, UTC), for end-of-life checks.
pub fn today() -> String {
    crate::persistence::now()[..10].to_owned()
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
    Ok(find_equivalents(&state.catalog.index(), &image, &today()))
}
