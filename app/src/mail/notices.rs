//! What the review tells people by e-mail, as each action happens. Server only.

use super::messages;
use crate::domain::{ActionKind, RequestId, SessionUser};
use crate::requests::model::RequestDetail;
use crate::state::AppState;

/// The e-mail an action sends: new and resubmitted requests to the security team; changes
/// requested, approved and rejected to the requester and the contact address.
pub fn for_action(
    state: &AppState,
    request: &RequestDetail,
    kind: ActionKind,
    body: Option<&str>,
) -> Vec<messages::Mail> {
    let link = format!("{}/requests/{}", state.settings.public_url, request.id);
    let requester_and_contact = vec![request.requester_email.clone(), request.contact.clone()];
    let team = state.settings.security_team_email.clone();
    let said = |what: &str| body.map(|b| format!("{what}\n\n{b}")).unwrap_or_default();
    let (to, subject, paragraphs) = match kind {
        ActionKind::Resubmit => match team {
            Some(team) => (
                vec![team],
                format!("Request #{} resubmitted: {}", request.id, request.image),
                vec![
                    format!(
                        "{} resubmitted request #{} for {} (team {}) after changes were requested.",
                        request.requester_name, request.id, request.image, request.team
                    ),
                    said("What changed:"),
                ],
            ),
            None => return Vec::new(),
        },
        ActionKind::RequestChanges => (
            requester_and_contact,
            format!("Request #{} needs changes: {}", request.id, request.image),
            vec![
                format!(
                    "The security team asks for changes to request #{} for {}.",
                    request.id, request.image
                ),
                said("What to change:"),
                "Edit the request and resubmit it from its page.".to_owned(),
            ],
        ),
        ActionKind::Approve => (
            requester_and_contact,
            format!("Request #{} approved: {}", request.id, request.image),
            vec![
                format!(
                    "Request #{} for {} (team {}) is approved.",
                    request.id, request.image, request.team
                ),
                body.unwrap_or_default().to_owned(),
                "The mirror copies the approved tags at its next sync.".to_owned(),
            ],
        ),
        ActionKind::Reject => (
            requester_and_contact,
            format!("Request #{} rejected: {}", request.id, request.image),
            vec![
                format!("Request #{} for {} is rejected.", request.id, request.image),
                said("Why:"),
            ],
        ),
        _ => return Vec::new(),
    };
    let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.is_empty()).collect();
    vec![messages::compose(to, subject, &paragraphs, &link)]
}

/// The e-mail a new request sends to the security team (none when no address is configured).
pub fn new_request_notice(
    state: &AppState,
    id: RequestId,
    requester: &SessionUser,
    image: &str,
    team: &str,
    catalog_checked: bool,
) -> Option<messages::Mail> {
    let to = state.settings.security_team_email.clone()?;
    let link = format!("{}/requests/{id}", state.settings.public_url);
    let mut paragraphs = vec![format!(
        "{} asks for {image} (team {team}) as request #{id}.",
        requester.display_name
    )];
    if !catalog_checked {
        paragraphs.push(
            "The Red Hat catalog could not be checked when it was submitted; Portcullis checks \
             again on its own."
                .to_owned(),
        );
    }
    Some(messages::compose(
        vec![to],
        format!("New request #{id}: {image}"),
        &paragraphs,
        &link,
    ))
}
