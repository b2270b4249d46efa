//! The upstream panel's data: facts about the image a request names, its tags, and which of
//! them a tag rule matches. Server only.

use crate::domain::{RequestId, SessionUser};
use crate::error::AppError;
use crate::state::AppState;

/// Facts about the request's upstream image, its tags, and which of them `preview` (a tag mode
/// and its text) matches. A registry that cannot be reached is said plainly; the review goes on.
/// Who: anyone who may see the request.
///
/// # Errors
/// [`AppError::NotFound`] for a request the viewer may not see; [`AppError::Internal`].
pub async fn upstream(
    state: &AppState,
    viewer: &SessionUser,
    id: RequestId,
    preview: Option<(String, String)>,
) -> Result<crate::registry::UpstreamView, AppError> {
    use crate::domain::TagRule;
    use crate::registry::model::TagPreview;
    let request = crate::requests::service::visible(state, viewer, id).await?;
    let image = crate::requests::service::stored_image(&request)?;
    let client = &state.registry;
    let settings = &state.settings;
    let (facts, tags) = tokio::join!(
        client.facts(&image, &settings.contact_label, &settings.team_label),
        client.tags(image.registry(), image.repository()),
    );
    let tags = tags.map_err(|e| e.to_string());
    let preview = preview
        .filter(|(_, pattern)| !pattern.trim().is_empty())
        .map(|(mode, pattern)| {
            let matched = match (
                TagRule::parse(&mode, &pattern, crate::i18n::request_locale()),
                &tags,
            ) {
                (Err((_, message)), _) => Err(message),
                (Ok(_), Err(e)) => Err(format!("The tags could not be read: {e}")),
                (Ok(rule), Ok(tags)) => {
                    let matcher = rule.matcher();
                    Ok(tags
                        .iter()
                        .filter(|t| matcher.matches(t))
                        .cloned()
                        .collect())
                }
            };
            TagPreview {
                mode,
                pattern,
                matched,
            }
        });
    Ok(crate::registry::UpstreamView {
        reference: image.to_string(),
        contact_label: settings.contact_label.clone(),
        team_label: settings.team_label.clone(),
        facts: facts.map_err(|e| e.to_string()),
        tags,
        preview,
    })
}
