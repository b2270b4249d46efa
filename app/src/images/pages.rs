//! `/images`: the approved-images catalog; `/images/report`: a team's report; and the
//! local-registry check inside the request form.

use super::api::{approved_images, image_report, local_check};
use super::model::{CatalogItem, CatalogPage, LocalMatch, TeamReport};
use crate::components::{DataTable, ErrorNotice, SignInPrompt, Timestamp};
use crate::domain::ImageReference;
use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::either::EitherOf4;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Everything signed in users may pull, searchable, 50 to a page; works without JavaScript
/// (the search is a GET form, the pages plain links).
#[component]
pub fn ImagesPage() -> impl IntoView {
    let i18n = use_i18n();
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
        <Title text=tu_string!(i18n, images.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, images.title)}</h1>
            <p class="lead">{tu_string!(i18n, images.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Catalog page /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInPrompt purpose=tu_string!(i18n, images.sign_in_purpose) /> }.into_any(),
                    Err(AppError::Invalid(errors)) => {
                        let message = errors.get("q").unwrap_or_default().to_owned();
                        let kept = errors.submitted("q").unwrap_or_default().to_owned();
                        view! {
                            <SearchForm query=kept error=Some(message) />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, images.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SearchForm(query: String, error: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let invalid = error.is_some();
    view! {
        <form class="filters panel" method="get" action="/images" role="search">
            <div class="field" class:field-invalid=invalid>
                <label for="q">{tu_string!(i18n, images.search)}</label>
                <input id="q" name="q" type="search" value=query placeholder=tu_string!(i18n, images.search_placeholder)
                    aria-invalid=invalid.to_string() aria-describedby=invalid.then_some("q-error") />
                <p class="field-error" id="q-error" aria-live="polite">{error}</p>
            </div>
            <button type="submit" class="button">{tu_string!(i18n, images.search)}</button>
        </form>
    }
}

#[component]
fn Catalog(page: CatalogPage) -> impl IntoView {
    let i18n = use_i18n();
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
            <p class="muted">{tu_string!(i18n, images.no_mirror)}</p>
        })}
        {if empty {
            view! {
                <p class="empty" role="status">
                    {if searched {
                        tu_string!(i18n, images.no_match, query = query.clone()).to_string()
                    } else {
                        tu_string!(i18n, images.nothing_yet).to_owned()
                    }}
                    " "
                    <a href="/requests/new">{tu_string!(i18n, common.home.request_image)}</a>
                </p>
            }
            .into_any()
        } else {
            let columns = vec![
                tu_string!(i18n, requests.column.image),
                tu_string!(i18n, images.tags),
                tu_string!(i18n, requests.column.team),
                tu_string!(i18n, images.mirror),
                tu_string!(i18n, allowlist.last_day),
            ];
            view! {
                <DataTable class="images" caption=tu_string!(i18n, images.title) columns>
                    {items.into_iter().map(|item| view! { <CatalogRow item /> }).collect_view()}
                </DataTable>
            }
            .into_any()
        }}
        {next.map(|href| view! { <p class="pager"><a class="button" href=href>{tu_string!(i18n, images.more)}</a></p> })}
    }
}

#[component]
fn CatalogRow(item: CatalogItem) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let pull = item.mirror.pull_path.clone();
    let mirror = mirror_badge(&item);
    view! {
        <tr>
            // One element per cell: on phones each cell is a two-column grid (label, content).
            <td data-label=tu_string!(i18n, requests.column.image)><div>
                {match pull {
                    Some(pull) => view! { <code class="pull-path" title=tu_string!(i18n, images.pull_path)>{pull}</code> }.into_any(),
                    None => view! { <code>{item.source.clone()}</code> }.into_any(),
                }}
                <div class="muted small">
                    {tu_string!(i18n, images.from)} " " {item.source.clone()} " · "
                    <a href=format!("/requests/{}", item.request_id)>{tu_string!(i18n, images.request_link, id = item.request_id)}</a>
                </div>
            </div></td>
            <td data-label=tu_string!(i18n, images.tags) class="small">{item.tags.clone()}</td>
            <td data-label=tu_string!(i18n, requests.column.team) translate="no"><div>{item.team.clone()} <div class="muted small">{item.contact.clone()}</div></div></td>
            <td data-label=tu_string!(i18n, images.mirror)><div>{mirror}</div></td>
            <td data-label=tu_string!(i18n, allowlist.last_day)>{crate::i18n::readable_date(locale, &item.expires_on)}</td>
        </tr>
    }
}

/// "available since …", "not mirrored yet", and "stale" when an image is too old.
fn mirror_badge(item: &CatalogItem) -> AnyView {
    let i18n = use_i18n();
    let stale = item.mirror.has_stale();
    match (
        &item.mirror.pull_path,
        &item.mirror.available_since,
        item.mirror.images.is_empty(),
    ) {
        (None, _, _) => view! { <span class="muted">{tu_string!(i18n, images.unknown)}</span> }.into_any(),
        (Some(_), Some(since), false) => view! {
            <span class="badge badge-success">{tu_string!(i18n, mirror.available)}</span>
            {stale.then(|| view! { " " <span class="badge badge-danger">{tu_string!(i18n, mirror.stale)}</span> })}
            <div class="muted small">{tu_string!(i18n, mirror.since)} " " <Timestamp at=since.clone() /></div>
        }
        .into_any(),
        (Some(_), Some(_), true) => {
            view! { <span class="badge badge-warning">{tu_string!(i18n, mirror.gone)}</span> }.into_any()
        }
        (Some(_), None, _) => {
            view! { <span class="badge badge-neutral">{tu_string!(i18n, mirror.not_yet)}</span> }.into_any()
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
    let i18n = use_i18n();
    match found {
        LocalMatch::Nothing => EitherOf4::A(view! {
            <p class="local-check muted" role="status">{tu_string!(i18n, images.local.nothing)}</p>
        }),
        LocalMatch::Approved {
            request_id,
            pull_path,
            tags,
            covers,
            available_since,
        } => {
            let pull = pull_path.clone();
            EitherOf4::B(view! {
                <div class="alert alert-success local-check" role="status">
                    <p>
                        <strong>{if covers { tu_string!(i18n, images.local.approved) } else { tu_string!(i18n, images.local.approved_other_tags) }}</strong>
                        " "
                        {tu_string!(i18n, images.local.allows, tags = tags)}
                        " ("<a href=format!("/requests/{request_id}")>{tu_string!(i18n, images.request_link, id = request_id)}</a>")."
                    </p>
                    {pull.map(|pull| view! {
                        <p>
                            {if available_since.is_some() { tu_string!(i18n, images.local.pull_from) } else { tu_string!(i18n, images.local.pull_from_later) }}
                            " "
                            <code class="pull-path">{pull}</code>
                        </p>
                    })}
                    <p>{if covers {
                        tu_string!(i18n, images.local.no_new_request)
                    } else {
                        tu_string!(i18n, images.local.only_other_tags)
                    }}</p>
                </div>
            })
        }
        LocalMatch::Open {
            request_id,
            state,
            team,
        } => EitherOf4::C(view! {
            <div class="alert alert-info local-check" role="status">
                <p>
                    <strong>{tu_string!(i18n, images.local.asked)}</strong>
                    " "
                    {tu_string!(i18n, images.local.open_from, team = team)}
                    " ("
                    <a href=format!("/requests/{request_id}")>{tu_string!(i18n, images.request_link, id = request_id)}</a>
                    {format!(", {}).", state.label_in_sentence(i18n.get_locale_untracked()))}
                </p>
                <p>{tu_string!(i18n, images.local.comment_there)}</p>
            </div>
        }),
        LocalMatch::OpenElsewhere => EitherOf4::D(view! {
            <div class="alert alert-info local-check" role="status">
                <p><strong>{tu_string!(i18n, images.local.asked)}</strong> " " {tu_string!(i18n, images.local.open_elsewhere)}</p>
                <p>{tu_string!(i18n, images.local.both)}</p>
            </div>
        }),
    }
}

/// A team's report: its approved images, which are stale, which end soon. `?owner=` names the
/// team or contact address; without it, the signed-in user's own address.
#[component]
pub fn ReportPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let owner = move || query.read().get("owner").unwrap_or_default();
    let report = Resource::new(owner, image_report);
    view! {
        <Title text=tu_string!(i18n, images.report.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, images.report.title)}</h1>
            <p class="lead">{tu_string!(i18n, images.report.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(report) => view! { <ReportView report /> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <SignInPrompt purpose=tu_string!(i18n, images.report.sign_in_purpose) /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, images.report.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReportView(report: TeamReport) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let stale = report.items.iter().filter(|i| i.stale).count();
    let ending = report.items.iter().filter(|i| i.ends_soon).count();
    view! {
        <form class="filters panel" method="get" action="/images/report">
            <div class="field">
                <label for="owner">{tu_string!(i18n, images.report.owner)}</label>
                <input id="owner" name="owner" type="text" value=report.owner.clone() />
            </div>
            <button type="submit" class="button">{tu_string!(i18n, images.report.show)}</button>
        </form>
        <p role="status">
            {tu_string!(
                i18n,
                images.report.summary,
                owner = report.owner.clone(),
                total = report.items.len(),
                stale = stale,
                days = report.max_age_days,
                ending = ending
            )}
        </p>
        {(!report.items.is_empty()).then(|| view! {
            <DataTable class="images" caption=tu_string!(i18n, images.report.caption) columns=vec![
                tu_string!(i18n, requests.column.image),
                tu_string!(i18n, images.tags),
                tu_string!(i18n, requests.column.state),
                tu_string!(i18n, allowlist.last_day),
                tu_string!(i18n, images.report.todo),
            ]>
                {report.items.into_iter().map(|i| {
                    let todo = match (i.stale, i.ends_soon) {
                        (true, true) => tu_string!(i18n, images.report.todo_both),
                        (true, false) => tu_string!(i18n, images.report.todo_rebuild),
                        (false, true) => tu_string!(i18n, images.report.todo_renew),
                        (false, false) => tu_string!(i18n, images.report.todo_nothing),
                    };
                    let place = i.item.mirror.pull_path.clone().unwrap_or_else(|| i.item.source.clone());
                    view! {
                        <tr>
                            <td data-label=tu_string!(i18n, requests.column.image)><div><code>{place}</code>
                                <div class="muted small"><a href=format!("/requests/{}", i.item.request_id)>{tu_string!(i18n, images.request_link, id = i.item.request_id)}</a></div></div></td>
                            <td data-label=tu_string!(i18n, images.tags) class="small">{i.item.tags.clone()}</td>
                            <td data-label=tu_string!(i18n, requests.column.state)><div>
                                {i.stale.then(|| view! { <span class="badge badge-danger">{tu_string!(i18n, mirror.stale)}</span> " " })}
                                {i.ends_soon.then(|| view! { <span class="badge badge-warning">{tu_string!(i18n, images.report.ends_soon)}</span> })}
                                {(!i.stale && !i.ends_soon).then(|| view! { <span class="badge badge-success">{tu_string!(i18n, images.report.fine)}</span> })}
                            </div></td>
                            <td data-label=tu_string!(i18n, allowlist.last_day)>{crate::i18n::readable_date(locale, &i.item.expires_on)}</td>
                            <td data-label=tu_string!(i18n, images.report.todo)>{todo}</td>
                        </tr>
                    }
                }).collect_view()}
            </DataTable>
        })}
    }
}
