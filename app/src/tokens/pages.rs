//! `/admin/tokens`: API tokens for admins: create (the token is shown once), list, revoke.

use super::api::{token_admin, CreateApiToken, RevokeApiToken};
use super::model::TokenAdminPage;
use crate::components::{DataTable, ErrorNotice, ErrorSummary, Gate, TextField, Timestamp};
use crate::domain::SessionUser;
use crate::error::{AppError, FieldErrors};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let page = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| token_admin(),
    );
    let errors: Signal<Option<FieldErrors>> = Signal::derive(move || {
        create
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_errors().cloned())
    });
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
        <Title text="API tokens" />
        <div class="page-header">
            <h1>"API tokens"</h1>
            <p class="lead">
                "Tokens let machines call the API: the mirror job reads the allowlist "
                "(allowlist:read), CI pipelines check the catalog (catalog:read), monitoring "
                "watches the mirror's drift (mirror:read)."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(data) => view! { <TokenList data revoke /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>"API tokens are managed by admins."</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="manage API tokens" /> }.into_any(),
                }
            })}
        </Transition>
        <Gate allow=SessionUser::is_admin>
            <section class="panel form-panel" aria-labelledby="new-token">
                <h2 id="new-token">"New token"</h2>
                <ErrorSummary errors />
                {other}
                <ActionForm action=create>
                    <TextField name="name" label="Name" hint="Who uses it, e.g. mirror-job." required=true errors />
                    <fieldset class="field">
                        <legend>"Scopes"</legend>
                        <label class="check"><input type="checkbox" name="scope_allowlist" value="on" />" allowlist:read — read the allowlist"</label>
                        <label class="check"><input type="checkbox" name="scope_catalog" value="on" />" catalog:read — catalog equivalents"</label>
                        <label class="check"><input type="checkbox" name="scope_mirror" value="on" />" mirror:read — the mirror's drift"</label>
                        <p class="field-error">{move || errors.get().and_then(|e| e.get("scope").map(str::to_owned))}</p>
                    </fieldset>
                    <TextField name="expires_in" label="Valid for (days)" input_type="number" value=Some("365".to_owned()) errors />
                    <button type="submit" class="button button-primary">"Create token"</button>
                </ActionForm>
            </section>
        </Gate>
    }
}

#[component]
fn TokenList(data: TokenAdminPage, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    let now = data.today.clone();
    view! {
        {data.created.map(|(name, token)| view! {
            <div class="alert alert-warning created-token" role="status">
                <p><strong>{format!("Token “{name}” created.")}</strong>" Copy it now: it is shown only once."</p>
                <p class="mono token-secret">{token}</p>
            </div>
        })}
        {if data.tokens.is_empty() {
            view! { <p class="muted">"No tokens yet."</p> }.into_any()
        } else {
            view! {
                <DataTable columns=&["Name", "Scopes", "State", "Expires", "Last used", ""]>
                            {data.tokens.into_iter().map(|t| {
                                let state = t.status(&now);
                                let active = state == crate::domain::Lifecycle::Active;
                                let scopes = t.scope_names();
                                view! {
                                    <tr>
                                        <td data-label="Name">{t.name.clone()} <span class="muted small mono">{format!(" {}", t.id)}</span></td>
                                        <td data-label="Scopes" class="mono">{scopes}</td>
                                        <td data-label="State">{state.as_str()}</td>
                                        <td data-label="Expires">{t.expires_at.clone().map(|e| view! { <Timestamp at=e /> }.into_any()).unwrap_or_else(|| view! { "never" }.into_any())}</td>
                                        <td data-label="Last used">{t.last_used_at.clone().map(|e| view! { <Timestamp at=e /> }.into_any()).unwrap_or_else(|| view! { "never" }.into_any())}</td>
                                        <td>
                                            {active.then(|| view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="id" value=t.id.clone() />
                                                    <button type="submit" class="button button-danger button-small">{format!("Revoke {}", t.name)}</button>
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
