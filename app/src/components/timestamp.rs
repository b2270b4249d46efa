use crate::i18n::{format_date_time, use_i18n};
use leptos::prelude::*;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A stored timestamp, shown as date and time. The server renders it in UTC; in the browser it
/// is re-rendered in the viewer's locale and time zone. Hovering shows the exact UTC time.
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
    let text = RwSignal::new(utc);
    #[cfg(feature = "hydrate")]
    {
        let at = at.clone();
        Effect::new(move |_| {
            if let Some(local) = local_date_time(locale, &at) {
                text.set(local);
            }
        });
    }
    view! {
        <time datetime=at title=exact>
            {move || text.get()}
        </time>
    }
}

/// The time in the page's language and the browser's time zone, e.g. "28. nov. 2026, 19:06".
#[cfg(feature = "hydrate")]
fn local_date_time(locale: crate::i18n::Locale, iso: &str) -> Option<String> {
    use crate::i18n::Locale;
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_str(iso));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into()).ok()?;
    js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into()).ok()?;
    let tag = match locale {
        Locale::nb => "nb-NO",
        Locale::en => "en-GB",
    };
    date.to_locale_string(tag, &options).as_string()
}
