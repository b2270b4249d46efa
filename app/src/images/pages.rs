//! `/images`: the approved-images catalog; `/images/report`: a team's report; and the
//! local-registry check inside the request form.

use super::api::{approved_images, image_report, local_check};
use super::model::{CatalogItem, CatalogPage, LocalMatch, TeamReport};
use crate::components::{DataTable, ErrorNotice, SignInPrompt, Timestamp};
use crate::domain::ImageReference;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Everything signed in users may pull, searchable, 50 to a page; works without JavaScript
/// (the search is a GET form, the pages plain links).
#[component]
pub fn ImagesPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        (
            q.get("q").unwrap_or_default(),
            q.get("after").and_then(|a| a.parse::<i64>().ok()),
        )
    };
    let page = Resource::new(args, |(q, after)| approved_images(q, after));
    view! {
        <Title text="Approved images" />
        <div class="page-header">
            <h1>"Approved images"</h1>
            <p class="lead">
                "What the security team has approved for production, and where to pull it from "
                "the organisation's mirror. Find yours here before asking for a new one."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Catalog page /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInPrompt purpose="see the approved images" /> }.into_any(),
                    Err(AppError::Invalid(errors)) => {
                        let message = errors.get("q").unwrap_or_default().to_owned();
                        let kept = errors.submitted("q").unwrap_or_default().to_owned();
                        view! {
                            <SearchForm query=kept error=Some(message) />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error purpose="search the approved images" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SearchForm(query: String, error: Option<String>) -> impl IntoView {
    let invalid = error.is_some();
    view! {
        <form class="filters panel" method="get" action="/images" role="search">
            <div class="field" class:field-invalid=invalid>
                <label for="q">"Search"</label>
                <input id="q" name="q" type="search" value=query placeholder="nginx, postgres, a team or an address"
                    aria-invalid=invalid.to_string() aria-describedby=invalid.then_some("q-error") />
                <p class="field-error" id="q-error" aria-live="polite">{error}</p>
            </div>
            <button type="submit" class="button">"Search"</button>
        </form>
    }
}

#[component]
fn Catalog(page: CatalogPage) -> impl IntoView {
    let CatalogPage {
        query,
        items,
        next_after,
        mirror_configured,
    } = page;
    let next = next_after.map(|after| {
        format!(
            "/images?q={}&after={after}",
            super::model::url_encode(&query)
        )
    });
    let empty = items.is_empty();
    let searched = !query.is_empty();
    view! {
        <SearchForm query=query.clone() error=None />
        {(!mirror_configured).then(|| view! {
            <p class="muted">"No mirror is configured here, so pull paths and mirror states are not known."</p>
        })}
        {if empty {
            view! {
                <p class="empty" role="status">
                    {if searched {
                        format!("No approved image matches “{query}”. ")
                    } else {
                        "Nothing is approved yet. ".to_owned()
                    }}
                    <a href="/requests/new">"Request an image"</a>
                </p>
            }
            .into_any()
        } else {
            view! {
                <DataTable class="images" caption="Approved images" columns=&["Image", "Tags", "Team", "Mirror", "Last day"]>
                    {items.into_iter().map(|item| view! { <CatalogRow item /> }).collect_view()}
                </DataTable>
            }
            .into_any()
        }}
        {next.map(|href| view! { <p class="pager"><a class="button" href=href>"More images"</a></p> })}
    }
}

#[component]
fn CatalogRow(item: CatalogItem) -> impl IntoView {
    let pull = item.mirror.pull_path.clone();
    let mirror = mirror_badge(&item);
    view! {
        <tr>
            // One element per cell: on phones each cell is a two-column grid (label, content).
            <td data-label="Image"><div>
                {match pull {
                    Some(pull) => view! { <code class="pull-path" title="Pull path">{pull}</code> }.into_any(),
                    None => view! { <code>{item.source.clone()}</code> }.into_any(),
                }}
                <div class="muted small">
                    "from " {item.source.clone()} " · "
                    <a href=format!("/requests/{}", item.request_id)>{format!("request #{}", item.request_id)}</a>
                </div>
            </div></td>
            <td data-label="Tags" class="small">{item.tags.clone()}</td>
            <td data-label="Team"><div>{item.team.clone()} <div class="muted small">{item.contact.clone()}</div></div></td>
            <td data-label="Mirror"><div>{mirror}</div></td>
            <td data-label="Last day">{item.expires_on.clone()}</td>
        </tr>
    }
}

/// "available since …", "not mirrored yet", and "stale" when an image is too old.
fn mirror_badge(item: &CatalogItem) -> AnyView {
    let stale = item.mirror.has_stale();
    match (
        &item.mirror.pull_path,
        &item.mirror.available_since,
        item.mirror.images.is_empty(),
    ) {
        (None, _, _) => view! { <span class="muted">"unknown"</span> }.into_any(),
        (Some(_), Some(since), false) => view! {
            <span class="badge badge-success">"available"</span>
            {stale.then(|| view! { " " <span class="badge badge-danger">"stale"</span> })}
            <div class="muted small">"since " <Timestamp at=since.clone() /></div>
        }
        .into_any(),
        (Some(_), Some(_), true) => {
            view! { <span class="badge badge-warning">"gone from the mirror"</span> }.into_any()
        }
        (Some(_), None, _) => {
            view! { <span class="badge badge-neutral">"not mirrored yet"</span> }.into_any()
        }
    }
}

/// What the organisation's registry already has for the reference being typed: an approval
/// (with the pull path) or an open request. `image` is the typed text, settled. Rendered on
/// the server too, for a form reloaded without JavaScript.
#[component]
pub fn LocalCheck(image: Signal<String>) -> impl IntoView {
    let found = Resource::new(
        move || image.get(),
        |text| async move {
            if ImageReference::parse(&text).is_err() {
                return None;
            }
            local_check(text).await.ok()
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                found.await.map(|found| view! { <LocalMatchNote found /> })
            })}
        </Transition>
    }
}

#[component]
fn LocalMatchNote(found: LocalMatch) -> impl IntoView {
    match found {
        LocalMatch::Nothing => view! {
            <p class="local-check muted" role="status">"Not in the organisation's registry yet."</p>
        }
        .into_any(),
        LocalMatch::Approved { request_id, pull_path, tags, covers, available_since } => {
            let pull = pull_path.clone();
            view! {
                <div class="alert alert-success local-check" role="status">
                    <p>
                        <strong>{if covers { "Already approved." } else { "This repository is approved, with other tags." }}</strong>
                        " "
                        {format!("The approval allows {tags}")}
                        " ("<a href=format!("/requests/{request_id}")>{format!("request #{request_id}")}</a>")."
                    </p>
                    {pull.map(|pull| view! {
                        <p>
                            {if available_since.is_some() { "Pull it from " } else { "Once mirrored, pull it from " }}
                            <code class="pull-path">{pull}</code>
                        </p>
                    })}
                    <p>{if covers {
                        "No new request is needed."
                    } else {
                        "Ask for a new request only if you need tags it does not allow."
                    }}</p>
                </div>
            }
            .into_any()
        }
        LocalMatch::Open { request_id, state, team } => view! {
            <div class="alert alert-info local-check" role="status">
                <p>
                    <strong>"Already asked for."</strong>
                    {format!(" An open request from {team} asks for this repository (")}
                    <a href=format!("/requests/{request_id}")>{format!("request #{request_id}")}</a>
                    {format!(", {}).", state.label().to_lowercase())}
                </p>
                <p>"Comment there instead of filing a second request."</p>
            </div>
        }
        .into_any(),
        LocalMatch::OpenElsewhere => view! {
            <div class="alert alert-info local-check" role="status">
                <p><strong>"Already asked for."</strong> " Another open request asks for this repository."</p>
                <p>"The security team will see both; say in yours why you need it too."</p>
            </div>
        }
        .into_any(),
    }
}

/// A team's report: its approved images, which are stale, which end soon. `?owner=` names the
/// team or contact address; without it, the signed-in user's own address.
#[component]
pub fn ReportPage() -> impl IntoView {
    let query = use_query_map();
    let owner = move || query.read().get("owner").unwrap_or_default();
    let report = Resource::new(owner, image_report);
    view! {
        <Title text="Image report" />
        <div class="page-header">
            <h1>"Image report"</h1>
            <p class="lead">
                "A team's approved images: which were built too long ago (policy: rebuilt at "
                "least monthly) and which approvals end soon. Each contact address gets it by "
                "e-mail once a month."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <ReportView report /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInPrompt purpose="see the report" /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="read the report" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReportView(report: TeamReport) -> impl IntoView {
    let stale = report.items.iter().filter(|i| i.stale).count();
    let ending = report.items.iter().filter(|i| i.ends_soon).count();
    view! {
        <form class="filters panel" method="get" action="/images/report">
            <div class="field">
                <label for="owner">"Team or contact address"</label>
                <input id="owner" name="owner" type="text" value=report.owner.clone() />
            </div>
            <button type="submit" class="button">"Show"</button>
        </form>
        <p role="status">
            {format!(
                "{}: {} approved image(s), {stale} stale (built more than {} days ago), {ending} ending within 30 days.",
                report.owner, report.items.len(), report.max_age_days
            )}
        </p>
        {(!report.items.is_empty()).then(|| view! {
            <DataTable class="images" caption="The team's images" columns=&["Image", "Tags", "State", "Last day", "What to do"]>
                {report.items.into_iter().map(|i| {
                    let todo = match (i.stale, i.ends_soon) {
                        (true, true) => "Rebuild it, and ask for a renewal on the request.",
                        (true, false) => "Rebuild it and push the new build upstream.",
                        (false, true) => "Ask for a renewal on the request, or let it end.",
                        (false, false) => "Nothing now.",
                    };
                    let place = i.item.mirror.pull_path.clone().unwrap_or_else(|| i.item.source.clone());
                    view! {
                        <tr>
                            <td data-label="Image"><div><code>{place}</code>
                                <div class="muted small"><a href=format!("/requests/{}", i.item.request_id)>{format!("request #{}", i.item.request_id)}</a></div></div></td>
                            <td data-label="Tags" class="small">{i.item.tags.clone()}</td>
                            <td data-label="State"><div>
                                {i.stale.then(|| view! { <span class="badge badge-danger">"stale"</span> " " })}
                                {i.ends_soon.then(|| view! { <span class="badge badge-warning">"ends soon"</span> })}
                                {(!i.stale && !i.ends_soon).then(|| view! { <span class="badge badge-success">"fine"</span> })}
                            </div></td>
                            <td data-label="Last day">{i.item.expires_on.clone()}</td>
                            <td data-label="What to do">{todo}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        })}
    }
}
