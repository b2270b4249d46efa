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

/// A role name as a quiet badge.
#[component]
pub fn RoleBadge(role: Role) -> impl IntoView {
    view! { <span class="badge badge-neutral badge-small">{role.label()}</span> }
}
