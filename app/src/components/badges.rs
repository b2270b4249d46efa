use crate::domain::{Lifecycle, RequestState, Role};
use crate::i18n::{td_string, tu_string, use_i18n, Locale};
use leptos::prelude::*;

/// A request state as a coloured badge that also says the state in words.
#[component]
pub fn StateBadge(state: RequestState) -> impl IntoView {
    let tone = match state {
        RequestState::Submitted => "info",
        RequestState::InReview => "progress",
        RequestState::ChangesRequested => "warning",
        RequestState::Approved => "success",
        RequestState::Rejected => "danger",
        RequestState::Withdrawn => "neutral",
    };
    let locale = use_i18n().get_locale_untracked();
    view! { <span class=format!("badge badge-{tone}")>{state.label(locale)}</span> }
}

/// A request's state, and "Catalog not checked" when its catalog check did not count: how
/// lists show a request.
#[component]
pub fn RequestBadges(state: RequestState, catalog_checked: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="badges">
            <StateBadge state />
            {(!catalog_checked).then(|| view! {
                <span class="badge badge-small badge-warning">{tu_string!(i18n, common.catalog_not_checked)}</span>
            })}
        </span>
    }
}

/// A role name as a quiet badge.
#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    view! { <span class="badge badge-neutral badge-small">{role.label(locale)}</span> }
}

/// An entry's state on its badge, in `locale`.
pub fn lifecycle_label(locale: Locale, status: Lifecycle) -> &'static str {
    match status {
        Lifecycle::Active => td_string!(locale, allowlist.lifecycle.active),
        Lifecycle::Revoked => td_string!(locale, allowlist.lifecycle.revoked),
        Lifecycle::Expired => td_string!(locale, allowlist.lifecycle.expired),
    }
}
