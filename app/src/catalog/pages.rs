//! The catalog check inside the new-request form.

use super::api::find_equivalents;
use super::model::{Candidate, Equivalents};
use crate::domain::ImageReference;
use crate::error::FieldErrors;
use crate::i18n::{tu_string, use_i18n};
use leptos::either::EitherOf3;
use leptos::prelude::*;

/// Red Hat equivalents of the image being typed, as choices. With JavaScript the list follows
/// the typing; without it, the "Check the Red Hat catalog" button reloads the form with the
/// list. `image` is the typed text, settled ([`crate::components::debounced`]); `chosen` and
/// `reason` refill a returned form.
#[component]
pub fn CatalogChoice(
    image: Signal<String>,
    #[prop(into)] errors: Signal<Option<FieldErrors>>,
    chosen: Option<String>,
    reason: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let equivalents = Resource::new(
        move || image.get(),
        |text| async move {
            if ImageReference::parse(&text).is_err() {
                return None;
            }
            find_equivalents(text).await.ok()
        },
    );
    let choice_error = move || {
        errors
            .get()
            .and_then(|e| e.get("catalog_choice").map(str::to_owned))
    };
    let reason_error = move || {
        errors
            .get()
            .and_then(|e| e.get("catalog_reason").map(str::to_owned))
    };
    let chosen = StoredValue::new(chosen);
    let reason = StoredValue::new(reason.unwrap_or_default());

    view! {
        <fieldset class="catalog-check" aria-describedby="catalog_choice-hint catalog_choice-error" id="catalog_choice">
            <legend>{tu_string!(i18n, catalog.choice.legend)}</legend>
            <p class="hint" id="catalog_choice-hint">{tu_string!(i18n, catalog.choice.hint)}</p>
            <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, catalog.choice.checking)}</p> }>
                {move || Suspend::new(async move {
                    match equivalents.await {
                        None => EitherOf3::A(view! {
                            <p class="muted">{tu_string!(i18n, catalog.choice.enter_image)}</p>
                        }),
                        Some(Equivalents { image, candidates }) if candidates.is_empty() => EitherOf3::B(view! {
                            <p class="catalog-none">
                                {tu_string!(i18n, catalog.choice.none_before)} " " <code>{image}</code>
                                {tu_string!(i18n, catalog.choice.none_after)}
                            </p>
                        }),
                        Some(Equivalents { candidates, .. }) => EitherOf3::C(view! {
                            <ul class="candidates">
                                {candidates
                                    .into_iter()
                                    .map(|c| {
                                        let checked = chosen.with_value(|v| v.as_deref() == Some(c.repository.as_str()));
                                        view! { <CandidateOption candidate=c checked /> }
                                    })
                                    .collect_view()}
                                <li class="candidate candidate-none">
                                    <label>
                                        <input
                                            type="radio"
                                            name="catalog_choice"
                                            value="none"
                                            checked=chosen.with_value(|v| v.as_deref() == Some("none"))
                                        />
                                        <span class="candidate-title">{tu_string!(i18n, catalog.choice.none_fits)}</span>
                                    </label>
                                    <label for="catalog_reason" class="candidate-reason-label">
                                        {tu_string!(i18n, catalog.choice.why_not)}
                                    </label>
                                    <textarea
                                        id="catalog_reason"
                                        name="catalog_reason"
                                        rows="2"
                                        aria-describedby="catalog_reason-error"
                                        aria-invalid=move || reason_error().is_some().to_string()
                                    >
                                        {crate::components::rcdata(reason.get_value())}
                                    </textarea>
                                    <p class="field-error" id="catalog_reason-error" aria-live="polite">
                                        {reason_error}
                                    </p>
                                </li>
                            </ul>
                        }),
                    }
                })}
            </Transition>
            <p class="field-error" id="catalog_choice-error" aria-live="polite">
                {choice_error}
            </p>
        </fieldset>
    }
}

#[component]
fn CandidateOption(candidate: Candidate, checked: bool) -> impl IntoView {
    let i18n = use_i18n();
    let grade_text = candidate
        .grade
        .clone()
        .map(|g| tu_string!(i18n, catalog.choice.grade, grade = g).to_string())
        .unwrap_or_else(|| tu_string!(i18n, catalog.choice.grade_unknown).to_owned());
    let grade_tone = match candidate.grade.as_deref() {
        Some("A" | "B") => "success",
        Some("C") => "warning",
        Some(_) => "danger",
        None => "neutral",
    };
    let status_tone = if candidate.status == "Generally Available" {
        "info"
    } else {
        "warning"
    };
    view! {
        <li class="candidate">
            <label>
                <input type="radio" name="catalog_choice" value=candidate.repository.clone() checked=checked />
                <span class="candidate-title">{candidate.name.clone()}</span>
                <code class="candidate-repo">{format!("{}/{}", candidate.registry, candidate.repository)}</code>
            </label>
            <p class="badges">
                <span class=format!("badge badge-{grade_tone}")>{grade_text}</span>
                <span class=format!("badge badge-{status_tone}")>{candidate.status.clone()}</span>
                <a href=candidate.catalog_url.clone() target="_blank" rel="noopener noreferrer">
                    {tu_string!(i18n, catalog.choice.catalog_page)}
                    <span class="visually-hidden">{format!(" {} ", candidate.name)} {tu_string!(i18n, common.new_window)}</span>
                </a>
            </p>
            // Red Hat's own words, in English.
            <p class="candidate-description" lang="en">{candidate.description.clone()}</p>
            <p class="candidate-reasons small muted">{candidate.reasons.join(" · ")}</p>
        </li>
    }
}
