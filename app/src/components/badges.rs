use crate::domain::{RequestState, Role};
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
    view! { <span class=format!("badge badge-{tone}")>{state.label()}</span> }
}

/// A request's state, and "Catalog not checked" when its catalog check did not count: how
/// lists show a request.
#[component]
pub fn RequestBadges(state: RequestState, catalog_checked: bool) -> impl IntoView {
    view! {
        <span class="badges">
            <StateBadge state />
            {(!catalog_checked).then(|| view! {
                <span class="badge badge-small badge-warning">"Catalog not checked"</span>
            })}
        </span>
    }
}

/// A role name as a quiet badge.
#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    view! { <span class="badge badge-neutral badge-small">{role.label()}</span> }
}
