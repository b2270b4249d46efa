//! Form fields with their label, hint and error tied together for screen readers.

use crate::error::FieldErrors;
use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;

/// The error text of a field, as a reactive closure over the form's current errors.
fn error_for(errors: Signal<Option<FieldErrors>>, name: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || errors.get().and_then(|e| e.get(name).map(str::to_owned)))
}

fn described_by(name: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let mut ids = Vec::new();
    if has_hint {
        ids.push(format!("{name}-hint"));
    }
    if has_error {
        ids.push(format!("{name}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled single-line input. `errors` are the form's validation errors; the one for
/// `name` appears under the field and is announced. `id` (default: `name`) tells apart two
/// fields of the same name on one page.
#[component]
pub fn TextField(
    name: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional_no_strip)] value: Option<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    /// The earliest and latest values, for dates.
    #[prop(optional, into)]
    min: Option<String>,
    #[prop(optional, into)] max: Option<String>,
    #[prop(into)] errors: Signal<Option<FieldErrors>>,
    /// Called with the text as it is typed.
    #[prop(optional, into)]
    on_input: Option<Callback<String>>,
    /// Shown between the input and its error (e.g. a live preview).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let error = error_for(errors, name);
    let has_hint = hint.is_some();
    let id = id.unwrap_or(name);
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            <input
                type=input_type
                id=id
                name=name
                value=value
                autocomplete=autocomplete
                placeholder=placeholder
                required=required
                min=min
                max=max
                spellcheck="false"
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=move || described_by(id, has_hint, error.get().is_some())
                on:input=move |ev| {
                    if let Some(on_input) = on_input {
                        on_input.run(event_target_value(&ev));
                    }
                }
            />
            {children.map(|c| c())}
            <p class="field-error" id=format!("{id}-error") aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled date (`YYYY-MM-DD`) between `min` and `max`, like [`TextField`]: its hint and
/// error are tied to it with `aria-describedby`, and `aria-invalid` follows the error.
#[component]
pub fn DateField(
    name: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional_no_strip)] value: Option<String>,
    #[prop(into)] min: String,
    #[prop(into)] max: String,
    #[prop(optional)] required: bool,
    #[prop(into)] errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    match hint {
        Some(hint) => view! {
            <TextField name id label hint value input_type="date" min max required errors />
        }
        .into_any(),
        None => view! {
            <TextField name id label value input_type="date" min max required errors />
        }
        .into_any(),
    }
}

/// A labelled multi-line input, like [`TextField`].
#[component]
pub fn TextArea(
    name: &'static str,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional_no_strip)] value: Option<String>,
    #[prop(default = 5)] rows: u32,
    #[prop(optional)] required: bool,
    #[prop(into)] errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let error = error_for(errors, name);
    let has_hint = hint.is_some();
    let id = id.unwrap_or(name);
    view! {
        <div class="field" class:field-invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=format!("{id}-hint")>{hint}</p> })}
            <textarea
                id=id
                name=name
                rows=rows
                required=required
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=move || described_by(id, has_hint, error.get().is_some())
            >
                {super::rcdata(value.unwrap_or_default())}
            </textarea>
            <p class="field-error" id=format!("{id}-error") aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// The list of problems at the top of a form, each linking to its field.
#[component]
/// Focus moves to it when a submission comes back with errors, so keyboard and screen-reader
/// users land on the list wherever the form is on the page: after a plain form post the page
/// comes back with it `autofocus`ed; in an island (the request form) an effect focuses it.
pub fn ErrorSummary(#[prop(into)] errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let i18n = use_i18n();
    let summary = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if errors.with(|e| e.as_ref().is_some_and(|e| !e.is_empty())) {
            if let Some(element) = summary.get() {
                let _ = element.focus();
            }
        }
    });
    move || {
        errors.get().filter(|e| !e.is_empty()).map(|errors| {
            view! {
                <div class="alert alert-danger error-summary" role="alert" tabindex="-1" autofocus node_ref=summary>
                    <h2>{tu_string!(i18n, common.error_summary)}</h2>
                    <ul>
                        {errors
                            .iter()
                            .map(|e| {
                                view! {
                                    <li>
                                        <a href=format!("#{}", e.field)>{e.message.clone()}</a>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    }
}
