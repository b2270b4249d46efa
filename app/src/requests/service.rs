//! The rules for requests, on the server: who may see what, validation before storage.
//! Server functions and the HTTP API call these; pages never reach the database otherwise.

use crate::catalog::equivalents::CatalogIndex;
use crate::catalog::service::candidates_for;
use crate::domain::{NewImageRequest, RequestForm, RequestId, Role, SessionUser};
use crate::error::AppError;
use crate::persistence::{self, Db};
use crate::requests::model::{RequestPage, RequestSummary};

/// How many requests "My requests" lists.
pub const MY_REQUESTS_LIMIT: i64 = 200;

/// Checks the catalog for the typed image, validates the form (with the requester's catalog
/// decision) and stores a new request for `requester`, with what the catalog check showed.
///
/// # Errors
/// [`AppError::Invalid`] with every bad field (nothing stored), or [`AppError::Internal`].
pub async fn submit(
    db: &Db,
    catalog: &CatalogIndex,
    requester: &SessionUser,
    form: &RequestForm,
) -> Result<RequestId, AppError> {
    let request = NewImageRequest::validate(form, candidates_for(catalog, &form.image))
        .map_err(AppError::Invalid)?;
    let id = persistence::requests::insert(db, &requester.user_id, &request, &persistence::now())
        .await?;
    tracing::info!(
        target: "audit",
        request_id = id.0,
        actor = %requester.user_id.0,
        image = %request.image,
        "request submitted"
    );
    Ok(id)
}

/// The requester's own requests, newest first.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn list_mine(db: &Db, user: &SessionUser) -> Result<Vec<RequestSummary>, AppError> {
    Ok(persistence::requests::list_by_requester(db, &user.user_id, MY_REQUESTS_LIMIT).await?)
}

/// A request with its timeline, for its requester, reviewers and admins. Anyone else is told
/// it does not exist, so request numbers reveal nothing.
///
/// # Errors
/// [`AppError::NotFound`] for a missing or foreign request, [`AppError::Internal`].
pub async fn page(
    db: &Db,
    viewer: &SessionUser,
    id: RequestId,
    contact_label: &str,
) -> Result<RequestPage, AppError> {
    let not_found = || AppError::NotFound(format!("Request #{id}"));
    let request = persistence::requests::find(db, id)
        .await?
        .ok_or_else(not_found)?;
    let may_see = request.requester_id == viewer.user_id
        || viewer.has_role(Role::Reviewer)
        || viewer.has_role(Role::Admin);
    if !may_see {
        return Err(not_found());
    }
    let events = persistence::requests::events(db, id).await?;
    Ok(RequestPage {
        request,
        events,
        contact_label: contact_label.to_owned(),
    })
}
