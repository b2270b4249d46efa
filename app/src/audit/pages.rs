//! `/admin/audit`: the audit trail for admins, with CSV and JSON export.

use super::api::audit_trail;
use crate::components::{DataTable, ErrorNotice, Timestamp};
use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        (
            q.get("before").and_then(|b| b.parse::<i64>().ok()),
            q.get("subject").unwrap_or_default(),
        )
    };
    let page = Resource::new(args, |(before, subject)| audit_trail(before, subject));
    view! {
        <Title text=tu_string!(i18n, audit.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, audit.title)}</h1>
            <p class="lead">
                {tu_string!(i18n, audit.lead_before)} " "
                <code>"portcullis audit verify"</code>
                " " {tu_string!(i18n, audit.lead_after)}
            </p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AuditTable page /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>{tu_string!(i18n, audit.forbidden)}</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, audit.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: super::AuditPage) -> impl IntoView {
    let i18n = use_i18n();
    let subject = page.subject.clone();
    let export = |format: &str| {
        if subject.is_empty() {
            format!("/admin/audit.{format}")
        } else {
            format!("/admin/audit.{format}?subject={subject}")
        }
    };
    let next = page
        .next_before
        .map(|before| format!("/admin/audit?before={before}&subject={}", page.subject));
    view! {
        <form class="filters panel" method="get" action="/admin/audit">
            <div class="field">
                <label for="subject">{tu_string!(i18n, audit.subject)}</label>
                <input id="subject" name="subject" type="text" value=page.subject.clone() placeholder="request:42" translate="no" />
            </div>
            <button type="submit" class="button">{tu_string!(i18n, review.queue.filter)}</button>
            <a class="button" href=export("csv") rel="external">{tu_string!(i18n, audit.export_csv)}</a>
            <a class="button" href=export("json") rel="external">{tu_string!(i18n, audit.export_json)}</a>
        </form>
        {
            let (when, who, action, subject, after) = (
                tu_string!(i18n, audit.when),
                tu_string!(i18n, audit.who),
                tu_string!(i18n, audit.action),
                tu_string!(i18n, audit.subject),
                tu_string!(i18n, audit.after),
            );
            view! {
        <DataTable class="audit" caption=tu_string!(i18n, audit.title) columns=vec!["#", when, who, action, subject, after]>
                    {page.rows.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="#">{r.id}</td>
                            <td data-label=when><Timestamp at=r.at /></td>
                            <td data-label=who>{r.actor_name} <span class="muted small">{format!(" {}", r.client_addr)}</span></td>
                            <td data-label=action><code>{r.action}</code></td>
                            <td data-label=subject><a href=format!("/admin/audit?subject={}", r.subject)><code>{r.subject.clone()}</code></a></td>
                            <td data-label=after class="small audit-after"><code>{r.after}</code></td>
                        </tr>
                    }).collect_view()}
        </DataTable>
            }
        }
        {next.map(|href| view! { <p class="pager"><a class="button" href=href>{tu_string!(i18n, audit.older)}</a></p> })}
    }
    .into_any()
}
