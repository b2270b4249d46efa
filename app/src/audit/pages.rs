//! `/admin/audit`: the audit trail for admins, with CSV and JSON export.

use super::api::audit_trail;
use crate::components::{DataTable, ErrorNotice, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
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
        <Title text="Audit trail" />
        <div class="page-header">
            <h1>"Audit trail"</h1>
            <p class="lead">
                "Every action, newest first. Rows are hash-chained: "
                <code>"portcullis audit verify"</code>
                " checks that none was changed or removed."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <AuditTable page /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>"The audit trail is for admins."</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="read the audit trail" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AuditTable(page: super::AuditPage) -> impl IntoView {
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
                <label for="subject">"Subject"</label>
                <input id="subject" name="subject" type="text" value=page.subject.clone() placeholder="request:42" />
            </div>
            <button type="submit" class="button">"Filter"</button>
            <a class="button" href=export("csv") rel="external">"Export CSV"</a>
            <a class="button" href=export("json") rel="external">"Export JSON"</a>
        </form>
        <DataTable class="audit" columns=&["#", "When", "Who", "Action", "Subject", "After"]>
                    {page.rows.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="#">{r.id}</td>
                            <td data-label="When"><Timestamp at=r.at /></td>
                            <td data-label="Who">{r.actor_name} <span class="muted small">{format!(" {}", r.client_addr)}</span></td>
                            <td data-label="Action"><code>{r.action}</code></td>
                            <td data-label="Subject"><a href=format!("/admin/audit?subject={}", r.subject)>{r.subject.clone()}</a></td>
                            <td data-label="After" class="mono small audit-after">{r.after}</td>
                        </tr>
                    }).collect_view()}
        </DataTable>
        {next.map(|href| view! { <p class="pager"><a class="button" href=href>"Older"</a></p> })}
    }
    .into_any()
}
