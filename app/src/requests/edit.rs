//! `/requests/:id/edit`: the requester edits what the security team asked about and resubmits.
//! The form works without JavaScript: it posts, and the page comes back with the result or the
//! errors.

use super::api::{get_request, ResubmitRequest};
use super::model::RequestPage;
use crate::components::{
    field_errors, other_error, ErrorNotice, ErrorSummary, TextArea, TextField,
};
use crate::domain::{ActionKind, EventKind};
use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/requests/:id/edit`: the requester changes what the security team asked for and resubmits.
#[component]
pub fn ResubmitPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = super::pages::request_id_in_route();
    let page = Resource::new(id, move |id| async move {
        match id {
            Some(id) => get_request(id).await,
            None => Err(AppError::NotFound(
                tu_string!(i18n, requests.detail.that_request).to_owned(),
            )),
        }
    });
    view! {
        <Title text=tu_string!(i18n, requests.edit.title) />
        <Suspense fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.actions.contains(&ActionKind::Resubmit) => view! { <ResubmitForm page /> }.into_any(),
                    Ok(page) => view! {
                        <div class="alert alert-warning" role="alert">
                            <p>{tu_string!(i18n, requests.edit.not_editable, id = page.request.id.0, state = page.request.state.label_in_sentence(i18n.get_locale_untracked()))}</p>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, requests.edit.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResubmitForm(page: RequestPage) -> impl IntoView {
    let i18n = use_i18n();
    let r = page.request;
    let action = ServerAction::<ResubmitRequest>::new();
    let errors = field_errors(action);
    let kept = errors.get_untracked();
    let initial = move |field: &str, current: &str| {
        Some(
            kept.as_ref()
                .and_then(|e| e.submitted(field))
                .unwrap_or(current)
                .to_owned(),
        )
    };
    let asked = page
        .events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Action(ActionKind::RequestChanges))
        .and_then(|e| e.body.clone());
    view! {
        <div class="page-header">
            <p class="eyebrow"><a href=format!("/requests/{}", r.id)>{tu_string!(i18n, requests.detail.title, id = r.id.0)}</a> " / " {tu_string!(i18n, requests.edit.crumb)}</p>
            <h1 class="mono title-image">{r.image.clone()}</h1>
        </div>
        {asked.map(|text| view! {
            <div class="alert alert-warning" role="note">
                <p><strong>{tu_string!(i18n, requests.edit.asked)}</strong></p>
                <p class="prose">{text}</p>
            </div>
        })}
        <div class="panel form-panel">
            <ErrorSummary errors />
            {other_error(action)}
            <ActionForm action=action>
                <input type="hidden" name="id" value=r.id.0 />
                <input type="hidden" name="version" value=r.version />
                <TextField name="team" label=tu_string!(i18n, requests.field.team) value=initial("team", &r.team) required=true errors />
                <TextField name="contact" label=tu_string!(i18n, requests.field.contact) input_type="email" value=initial("contact", &r.contact) required=true errors />
                <TextArea name="justification" label=tu_string!(i18n, requests.field.justification) value=initial("justification", &r.justification) rows=6 required=true errors />
                <TextArea name="note" label=tu_string!(i18n, requests.edit.note) hint=tu_string!(i18n, requests.edit.note_hint) value=initial("note", "") rows=3 required=true errors />
                <button type="submit" class="button button-primary">{tu_string!(i18n, common.action.resubmit)}</button>
            </ActionForm>
        </div>
    }
    .into_any()
}
