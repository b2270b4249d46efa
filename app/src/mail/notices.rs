//! What the review tells people by e-mail, as each action happens. Server only.

use super::messages;
use crate::domain::{ActionKind, RequestId, SessionUser};
use crate::i18n::{td_string, Locale};
use crate::requests::model::RequestDetail;
use crate::state::AppState;

/// The e-mail an action sends: new and resubmitted requests to the security team (in the
/// installation's default language); changes requested, approved and rejected to the requester
/// and the contact address, in `requester_language` (the requester's last choice).
pub fn for_action(
    state: &AppState,
    request: &RequestDetail,
    kind: ActionKind,
    body: Option<&str>,
    requester_language: Locale,
) -> Vec<messages::Mail> {
    let link = format!("{}/requests/{}", state.settings.public_url, request.id);
    let requester_and_contact = vec![request.requester_email.clone(), request.contact.clone()];
    let team = state.settings.security_team_email.clone();
    let said = |what: &str| body.map(|b| format!("{what}\n\n{b}")).unwrap_or_default();
    let (id, image, team_name) = (request.id, request.image.as_str(), request.team.as_str());
    let (to, locale, subject, paragraphs) = match kind {
        ActionKind::Resubmit => match team {
            Some(team) => {
                let l = state.settings.default_locale;
                (
                    vec![team],
                    l,
                    td_string!(l, mail.resubmitted.subject, id = id, image = image).to_string(),
                    vec![
                        td_string!(
                            l,
                            mail.resubmitted.body,
                            name = request.requester_name.as_str(),
                            id = id,
                            image = image,
                            team = team_name
                        )
                        .to_string(),
                        said(td_string!(l, mail.resubmitted.what_changed)),
                    ],
                )
            }
            None => return Vec::new(),
        },
        ActionKind::RequestChanges => {
            let l = requester_language;
            (
                requester_and_contact,
                l,
                td_string!(l, mail.changes.subject, id = id, image = image).to_string(),
                vec![
                    td_string!(l, mail.changes.body, id = id, image = image).to_string(),
                    said(td_string!(l, mail.changes.what_to_change)),
                    td_string!(l, mail.changes.next).to_owned(),
                ],
            )
        }
        ActionKind::Approve => {
            let l = requester_language;
            (
                requester_and_contact,
                l,
                td_string!(l, mail.approved.subject, id = id, image = image).to_string(),
                vec![
                    td_string!(
                        l,
                        mail.approved.body,
                        id = id,
                        image = image,
                        team = team_name
                    )
                    .to_string(),
                    body.unwrap_or_default().to_owned(),
                    td_string!(l, mail.approved.next).to_owned(),
                ],
            )
        }
        ActionKind::Reject => {
            let l = requester_language;
            (
                requester_and_contact,
                l,
                td_string!(l, mail.rejected.subject, id = id, image = image).to_string(),
                vec![
                    td_string!(l, mail.rejected.body, id = id, image = image).to_string(),
                    said(td_string!(l, mail.rejected.why)),
                ],
            )
        }
        _ => return Vec::new(),
    };
    let paragraphs: Vec<String> = paragraphs.into_iter().filter(|p| !p.is_empty()).collect();
    vec![messages::compose(to, subject, &paragraphs, &link, locale)]
}

/// The e-mail a new request sends to the security team, in the installation's default language
/// (none when no address is configured).
pub fn new_request_notice(
    state: &AppState,
    id: RequestId,
    requester: &SessionUser,
    image: &str,
    team: &str,
    catalog_checked: bool,
) -> Option<messages::Mail> {
    let to = state.settings.security_team_email.clone()?;
    let l = state.settings.default_locale;
    let link = format!("{}/requests/{id}", state.settings.public_url);
    let mut paragraphs = vec![td_string!(
        l,
        mail.new_request.body,
        name = requester.display_name.as_str(),
        image = image,
        team = team,
        id = id
    )
    .to_string()];
    if !catalog_checked {
        paragraphs.push(td_string!(l, mail.new_request.not_checked).to_owned());
    }
    Some(messages::compose(
        vec![to],
        td_string!(l, mail.new_request.subject, id = id, image = image).to_string(),
        &paragraphs,
        &link,
        l,
    ))
}
