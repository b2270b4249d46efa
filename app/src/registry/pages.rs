//! The upstream panel on a request's page: facts about the image from its registry, and which
//! tags a rule matches today.

use crate::components::{ErrorNotice, Timestamp};
use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Facts about the upstream image from its registry, and a preview of which tags a rule
/// matches (a GET form: it works the same without JavaScript).
#[component]
pub fn UpstreamPanel(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let preview = move || {
        let q = query.read();
        (
            q.get("preview_mode").unwrap_or_else(|| "regex".into()),
            q.get("preview_tags").unwrap_or_default(),
        )
    };
    let facts = Resource::new(preview, move |(mode, pattern)| {
        super::api::upstream_facts(id, mode, pattern)
    });
    view! {
        <section class="panel upstream-panel" aria-labelledby="upstream-heading">
            <h2 id="upstream-heading">{tu_string!(i18n, registry.title)}</h2>
            <Suspense fallback=move || view! { <p class="muted">{tu_string!(i18n, registry.asking)}</p> }>
                {move || Suspend::new(async move {
                    match facts.await {
                        Ok(view_data) => view! { <UpstreamFacts data=view_data id /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
fn UpstreamFacts(data: crate::registry::UpstreamView, id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let facts = match data.facts {
        Ok(f) => {
            let contact = f.contact.clone();
            let team = f.team.clone();
            let size = crate::i18n::format_megabytes(i18n.get_locale_untracked(), f.size);
            view! {
                <dl class="facts">
                    <dt>"Digest"</dt><dd class="mono">{f.digest}</dd>
                    <dt>{tu_string!(i18n, registry.platforms)}</dt><dd>{f.platforms.join(", ")}</dd>
                    <dt>{tu_string!(i18n, registry.created)}</dt><dd>{f.created.map(|c| view! { <Timestamp at=c /> }.into_any()).unwrap_or_else(|| view! { {tu_string!(i18n, registry.not_stated)} }.into_any())}</dd>
                    <dt>{tu_string!(i18n, registry.size)}</dt><dd>{size}</dd>
                    <dt>{tu_string!(i18n, registry.contact_label)}</dt>
                    <dd>{match contact {
                        Some(v) => view! { <span class="badge badge-success">{tu_string!(i18n, registry.present)}</span> " " <code>{v}</code> }.into_any(),
                        None => view! { <span class="badge badge-warning">{tu_string!(i18n, registry.missing, label = data.contact_label.clone())}</span> }.into_any(),
                    }}</dd>
                    <dt>{tu_string!(i18n, registry.team_label)}</dt>
                    <dd>{match team {
                        Some(v) => view! { <span class="badge badge-success">{tu_string!(i18n, registry.present)}</span> " " <code>{v}</code> }.into_any(),
                        None => view! { <span class="badge badge-warning">{tu_string!(i18n, registry.missing, label = data.team_label.clone())}</span> }.into_any(),
                    }}</dd>
                    <dt>{tu_string!(i18n, registry.labels)}</dt>
                    <dd>{if f.labels.is_empty() { tu_string!(i18n, registry.no_labels).to_owned() } else { tu_string!(i18n, registry.label_count, n = f.labels.len()).to_string() }}</dd>
                </dl>
            }
            .into_any()
        }
        Err(reason) => view! {
            <div class="alert alert-warning" role="status">
                <p>{tu_string!(i18n, registry.no_facts, reference = data.reference.clone())} " " <span lang="en">{reason}</span></p>
                <p>{tu_string!(i18n, registry.go_on)}</p>
            </div>
        }
        .into_any(),
    };
    let tag_count = match &data.tags {
        Ok(tags) => tu_string!(i18n, registry.tag_count, n = tags.len()).into_any(),
        Err(e) => view! { {tu_string!(i18n, registry.tags_unreadable)} " " <span lang="en">{e.to_string()}</span> }.into_any(),
    };
    let (mode, pattern) = data
        .preview
        .as_ref()
        .map(|p| (p.mode.clone(), p.pattern.clone()))
        .unwrap_or_else(|| ("regex".into(), String::new()));
    let matched = data.preview.map(|p| match p.matched {
        Ok(tags) if tags.is_empty() => {
            view! { <p class="preview-result" role="status">{tu_string!(i18n, registry.no_match)}</p> }.into_any()
        }
        Ok(tags) => view! {
            <div class="preview-result" role="status">
                <p>{tu_string!(i18n, registry.matches, n = tags.len())}</p>
                <p class="mono tag-list">{tags.join("  ")}</p>
            </div>
        }
        .into_any(),
        Err(message) => view! { <p class="field-error">{message}</p> }.into_any(),
    });
    view! {
        {facts}
        <p class="muted small">{tag_count}</p>
        <form method="get" action=format!("/requests/{id}") class="preview-form">
            <div class="field field-inline">
                <label for="preview_tags">{tu_string!(i18n, registry.preview_label)}</label>
                <div class="inline-inputs">
                    <select name="preview_mode" aria-label=tu_string!(i18n, registry.rule)>
                        <option value="exact" selected=mode == "exact">{tu_string!(i18n, review.approve.exact)}</option>
                        <option value="regex" selected=mode == "regex">{tu_string!(i18n, registry.regex)}</option>
                        <option value="semver" selected=mode == "semver">{tu_string!(i18n, registry.semver)}</option>
                    </select>
                    <input id="preview_tags" name="preview_tags" type="text" value=pattern placeholder="1\\.25\\..*" />
                    <button type="submit" class="button">{tu_string!(i18n, registry.show_matches)}</button>
                </div>
            </div>
        </form>
        {matched}
    }
    .into_any()
}
