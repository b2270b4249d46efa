use crate::i18n::{format_date_time, use_i18n};
use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A stored timestamp, shown as date and time in UTC, marked as such (the same for every viewer,
/// and no WASM needed to show it). Hovering shows the exact time to the second.
#[component]
pub fn Timestamp(#[prop(into)] at: String) -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let parsed = OffsetDateTime::parse(&at, &Rfc3339).ok();
    let utc = parsed
        .map(|t| format_date_time(locale, t))
        .unwrap_or_else(|| at.clone());
    let exact = parsed
        .map(|t| {
            let format = time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            );
            t.format(&format).unwrap_or_else(|_| at.clone())
        })
        .unwrap_or_else(|| at.clone());
    view! {
        <time datetime=at title=exact>
            {utc}
        </time>
    }
}
