//! `/admin/tokens`: API tokens for admins: create (the token is shown once), list, revoke.

use super::api::{token_admin, CreateApiToken, RevokeApiToken};
use super::model::TokenAdminPage;
use crate::components::{
    field_errors, DataTable, ErrorNotice, ErrorSummary, Gate, TextField, Timestamp,
};
use crate::domain::SessionUser;
use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let page = Resource::new(|| (), |_| token_admin());
    let errors = field_errors(create);
    let other = move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| revoke.value().get().and_then(Result::err))
            .filter(|e| e.field_errors().is_none())
            .map(|error| view! { <ErrorNotice error /> })
    };
    view! {
        <Title text=tu_string!(i18n, tokens.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, tokens.title)}</h1>
            <p class="lead">{tu_string!(i18n, tokens.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <TokenList data revoke /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>{tu_string!(i18n, tokens.forbidden)}</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, tokens.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
        <Gate allow=SessionUser::is_admin>
            <section class="panel form-panel" aria-labelledby="new-token">
                <h2 id="new-token">{tu_string!(i18n, tokens.new)}</h2>
                <ErrorSummary errors />
                {other}
                <ActionForm action=create>
                    <TextField name="name" label=tu_string!(i18n, tokens.name) hint=tu_string!(i18n, tokens.name_hint) required=true errors />
                    <fieldset class="field" id="scope" aria-describedby="scope-error">
                        <legend>{tu_string!(i18n, tokens.scopes)}</legend>
                        <label class="check"><input type="checkbox" name="scope_allowlist" value="on" />" allowlist:read — " {tu_string!(i18n, tokens.scope_allowlist)}</label>
                        <label class="check"><input type="checkbox" name="scope_catalog" value="on" />" catalog:read — " {tu_string!(i18n, tokens.scope_catalog)}</label>
                        <label class="check"><input type="checkbox" name="scope_mirror" value="on" />" mirror:read — " {tu_string!(i18n, tokens.scope_mirror)}</label>
                        <p class="field-error" id="scope-error" aria-live="polite">{move || errors.get().and_then(|e| e.get("scope").map(str::to_owned))}</p>
                    </fieldset>
                    <TextField name="expires_in" label=tu_string!(i18n, tokens.valid_days) input_type="number" value=Some("365".to_owned()) errors />
                    <button type="submit" class="button button-primary">{tu_string!(i18n, tokens.create)}</button>
                </ActionForm>
            </section>
        </Gate>
    }
}

#[component]
fn TokenList(data: TokenAdminPage, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let now = data.today.clone();
    view! {
        {data.created.map(|(name, token)| view! {
            <div class="alert alert-warning created-token" role="status">
                <p><strong>{tu_string!(i18n, tokens.created, name = name)}</strong>" " {tu_string!(i18n, tokens.copy_now)}</p>
                <p class="mono token-secret">{token}</p>
            </div>
        })}
        {if data.tokens.is_empty() {
            view! { <p class="muted">{tu_string!(i18n, tokens.none)}</p> }.into_any()
        } else {
            let (name, scopes, state, expires, last_used, never) = (
                tu_string!(i18n, tokens.name),
                tu_string!(i18n, tokens.scopes),
                tu_string!(i18n, requests.column.state),
                tu_string!(i18n, tokens.expires),
                tu_string!(i18n, tokens.last_used),
                tu_string!(i18n, tokens.never),
            );
            view! {
                <DataTable caption=tu_string!(i18n, tokens.title) columns=vec![name, scopes, state, expires, last_used, ""]>
                            {data.tokens.into_iter().map(|t| {
                                let token_state = t.status(&now);
                                let active = token_state == crate::domain::Lifecycle::Active;
                                view! {
                                    <tr>
                                        <td data-label=name>{t.name.clone()} <span class="muted small mono">{format!(" {}", t.id)}</span></td>
                                        <td data-label=scopes class="mono">{t.scope_names()}</td>
                                        <td data-label=state>{crate::components::lifecycle_label(locale, token_state)}</td>
                                        <td data-label=expires>{t.expires_at.clone().map(|e| view! { <Timestamp at=e /> }.into_any()).unwrap_or_else(|| view! { {never} }.into_any())}</td>
                                        <td data-label=last_used>{t.last_used_at.clone().map(|e| view! { <Timestamp at=e /> }.into_any()).unwrap_or_else(|| view! { {never} }.into_any())}</td>
                                        <td>
                                            {active.then(|| view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=t.id.clone() />
                                                    <button type="submit" class="button button-danger button-small">{tu_string!(i18n, tokens.revoke, name = t.name.clone())}</button>
                                                </ActionForm>
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                </DataTable>
            }
            .into_any()
        }}
    }
    .into_any()
}
