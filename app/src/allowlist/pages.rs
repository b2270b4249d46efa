//! The allowlist entry an approval created, on its request's page: what it allows, and revoke
//! and renew for those who may.

use super::api::{RenewApproval, RevokeApproval};
use super::AllowlistEntry;
use crate::components::{field_errors, other_error, DateField, TextArea, Timestamp};
use crate::domain::{EntryActionKind, Lifecycle, TagRule};
use crate::i18n::{td_string, tu_string, use_i18n, Locale};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The allowlist entry an approval created, with revoke and renew for reviewers.
#[component]
pub fn EntryPanel(
    entry: AllowlistEntry,
    today: String,
    max_expiry: String,
    allowed: Vec<EntryActionKind>,
    /// What the mirror holds of it.
    mirror: crate::mirror::MirrorStatus,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let status = entry.status(&today);
    // Each reads the answer of a post that came back refused (the server renders it from the
    // page's address).
    let revoke = ServerAction::<RevokeApproval>::new();
    let renew = ServerAction::<RenewApproval>::new();
    let revoke_errors = field_errors(revoke);
    let renew_errors = field_errors(renew);
    let tags = match &entry.tags {
        TagRule::Exact(tags) => tags.join(", "),
        TagRule::Regex(p) => format!("/^(?:{p})$/"),
        TagRule::Semver(r) => tu_string!(i18n, allowlist.versions, range = r).to_string(),
    };
    let tone = status.tone();
    let active = status == Lifecycle::Active;
    view! {
        <section class="panel entry-panel" aria-labelledby="entry-heading">
            <h2 id="entry-heading">{tu_string!(i18n, allowlist.entry)} " " <span class=format!("badge badge-{tone}")>{crate::components::lifecycle_label(locale, status)}</span></h2>
            <dl class="facts">
                <dt>{tu_string!(i18n, allowlist.repository)}</dt><dd class="mono">{format!("{}/{}", entry.registry, entry.repository)}</dd>
                <dt>{tu_string!(i18n, allowlist.tags, mode = tag_mode_label(locale, &entry.tags))}</dt><dd class="mono">{tags}</dd>
                {(!entry.digests.is_empty()).then(|| view! { <dt>{tu_string!(i18n, allowlist.pinned)}</dt><dd class="mono">{entry.digests.join(" ")}</dd> })}
                <dt>{tu_string!(i18n, review.approve.architectures)}</dt><dd>{entry.architectures.join(", ")}</dd>
                <crate::mirror::pages::MirrorFacts status=mirror />
                <dt>{tu_string!(i18n, allowlist.approved_by)}</dt><dd>{entry.approved_by_name.clone()} " · " <Timestamp at=entry.approved_at.clone() /></dd>
                <dt>{tu_string!(i18n, allowlist.last_day)}</dt><dd>{crate::i18n::readable_date(locale, &entry.expires_on)}</dd>
                {entry.revoke_reason.clone().map(|reason| view! {
                    <dt>{tu_string!(i18n, allowlist.revoked)}</dt><dd>{tu_string!(i18n, allowlist.revoked_by, name = entry.revoked_by_name.clone().unwrap_or_default(), reason = reason)}</dd>
                })}
            </dl>
            {(active && !allowed.is_empty()).then(|| view! {
                {other_error(revoke)}
                {other_error(renew)}
                <div class="entry-actions">
                    {allowed.contains(&EntryActionKind::Renew).then(|| view! {
                        <ActionForm action=renew>
                            <input type="hidden" name="request" value=entry.request_id.0 />
                            <input type="hidden" name="entry" value=entry.id />
                            <input type="hidden" name="version" value=entry.version />
                            <DateField name="expires_on" id="renew-expires_on" label=tu_string!(i18n, allowlist.renew_until)
                                min=today.clone() max=max_expiry.clone() value=Some(max_expiry.clone())
                                required=true errors=renew_errors />
                            <button type="submit" class="button">{tu_string!(i18n, allowlist.renew)}</button>
                        </ActionForm>
                    })}
                    {allowed.contains(&EntryActionKind::Revoke).then(|| view! {
                        <ActionForm action=revoke>
                            <input type="hidden" name="request" value=entry.request_id.0 />
                            <input type="hidden" name="entry" value=entry.id />
                            <input type="hidden" name="version" value=entry.version />
                            <TextArea name="reason" id="revoke-reason" label=tu_string!(i18n, allowlist.revoke_reason) rows=2
                                value=None errors=revoke_errors />
                            <button type="submit" class="button button-danger">{tu_string!(i18n, allowlist.revoke)}</button>
                        </ActionForm>
                    })}
                </div>
            })}
        </section>
    }
    .into_any()
}

/// How a tag rule matches, in `locale`.
fn tag_mode_label(locale: Locale, rule: &TagRule) -> &'static str {
    match rule {
        TagRule::Exact(_) => td_string!(locale, allowlist.mode.exact),
        TagRule::Regex(_) => td_string!(locale, allowlist.mode.regex),
        TagRule::Semver(_) => td_string!(locale, allowlist.mode.semver),
    }
}
