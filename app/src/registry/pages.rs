//! The upstream panel on a request's page: facts about the image from its registry, and which
//! tags a rule matches today.

use crate::components::{ErrorNotice, Timestamp};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Facts about the upstream image from its registry, and a preview of which tags a rule
/// matches (a GET form: it works the same without JavaScript).
#[component]
pub fn UpstreamPanel(id: i64) -> impl IntoView {
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
            <h2 id="upstream-heading">"Upstream image"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Asking the registry…"</p> }>
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
    let facts = match data.facts {
        Ok(f) => {
            let contact = f.contact.clone();
            let team = f.team.clone();
            let size = format!("{:.1} MB", f.size as f64 / 1_000_000.0);
            view! {
                <dl class="facts">
                    <dt>"Digest"</dt><dd class="mono">{f.digest}</dd>
                    <dt>"Platforms"</dt><dd>{f.platforms.join(", ")}</dd>
                    <dt>"Created"</dt><dd>{f.created.map(|c| view! { <Timestamp at=c /> }.into_any()).unwrap_or_else(|| view! { "not stated" }.into_any())}</dd>
                    <dt>"Size"</dt><dd>{size}</dd>
                    <dt>"Contact label"</dt>
                    <dd>{match contact {
                        Some(v) => view! { <span class="badge badge-success">"present"</span> " " <code>{v}</code> }.into_any(),
                        None => view! { <span class="badge badge-warning">{format!("missing: {}", data.contact_label)}</span> }.into_any(),
                    }}</dd>
                    <dt>"Team label"</dt>
                    <dd>{match team {
                        Some(v) => view! { <span class="badge badge-success">"present"</span> " " <code>{v}</code> }.into_any(),
                        None => view! { <span class="badge badge-warning">{format!("missing: {}", data.team_label)}</span> }.into_any(),
                    }}</dd>
                    <dt>"Labels"</dt>
                    <dd>{if f.labels.is_empty() { "none".to_owned() } else { format!("{} labels", f.labels.len()) }}</dd>
                </dl>
            }
            .into_any()
        }
        Err(reason) => view! {
            <div class="alert alert-warning" role="status">
                <p>{format!("No facts about {}: {reason}.", data.reference)}</p>
                <p>"The review can go on without them."</p>
            </div>
        }
        .into_any(),
    };
    let tag_count = match &data.tags {
        Ok(tags) => format!("{} tags upstream.", tags.len()),
        Err(e) => format!("The tags could not be read: {e}."),
    };
    let (mode, pattern) = data
        .preview
        .as_ref()
        .map(|p| (p.mode.clone(), p.pattern.clone()))
        .unwrap_or_else(|| ("regex".into(), String::new()));
    let matched = data.preview.map(|p| match p.matched {
        Ok(tags) if tags.is_empty() => {
            view! { <p class="preview-result">"No upstream tag matches today."</p> }.into_any()
        }
        Ok(tags) => view! {
            <div class="preview-result">
                <p>{format!("{} tags match today:", tags.len())}</p>
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
                <label for="preview_tags">"Which tags does a rule match today?"</label>
                <div class="inline-inputs">
                    <select name="preview_mode" aria-label="Rule">
                        <option value="exact" selected=mode == "exact">"Exact tags"</option>
                        <option value="regex" selected=mode == "regex">"Regular expression"</option>
                        <option value="semver" selected=mode == "semver">"Version range"</option>
                    </select>
                    <input id="preview_tags" name="preview_tags" type="text" value=pattern placeholder="1\\.25\\..*" />
                    <button type="submit" class="button">"Show matches"</button>
                </div>
            </div>
        </form>
        {matched}
    }
    .into_any()
}
