//! `/admin/drift`: what the mirror holds that nobody approved; and the mirror lines of an
//! allowlist entry's panel.

use super::api::mirror_drift;
use super::model::{Drift, MirrorHealth, MirrorStatus};
use crate::components::{DataTable, ErrorNotice, Timestamp};
use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DriftPage() -> impl IntoView {
    let i18n = use_i18n();
    let drift = Resource::new(|| (), |()| mirror_drift());
    view! {
        <Title text=tu_string!(i18n, mirror.drift.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, mirror.drift.title)}</h1>
            <p class="lead">{tu_string!(i18n, mirror.drift.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match drift.await {
                    Ok((health, findings)) => view! { <DriftTable health findings /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>{tu_string!(i18n, mirror.drift.forbidden)}</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, mirror.drift.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DriftTable(health: MirrorHealth, findings: Vec<Drift>) -> impl IntoView {
    let i18n = use_i18n();
    let status = match (&health.mirror, &health.checked_at, &health.last_error) {
        (None, _, _) => view! {
            <div class="alert alert-info" role="status"><p>
                {tu_string!(i18n, mirror.drift.not_configured)}
            </p></div>
        }
        .into_any(),
        (Some(mirror), checked, Some(error)) => view! {
            <div class="alert alert-warning" role="status"><p>
                {tu_string!(i18n, mirror.drift.failed, mirror = mirror.clone())} " " <span lang="en">{error.clone()}</span>
                " "
                {match checked.clone() {
                    Some(at) => view! { {tu_string!(i18n, mirror.drift.last_good)} " " <Timestamp at /> "." }.into_any(),
                    None => view! { {tu_string!(i18n, mirror.drift.never_read)} }.into_any(),
                }}
            </p></div>
        }
        .into_any(),
        (Some(mirror), Some(at), None) => view! {
            <p class="muted">{tu_string!(i18n, mirror.drift.last_checked, mirror = mirror.clone())} " " <Timestamp at=at.clone() /> "."</p>
        }
        .into_any(),
        (Some(mirror), None, None) => view! {
            <p class="muted">{tu_string!(i18n, mirror.drift.not_checked, mirror = mirror.clone())}</p>
        }
        .into_any(),
    };
    let empty = findings.is_empty();
    view! {
        {status}
        {if empty {
            view! { <p class="empty">{tu_string!(i18n, mirror.drift.none)}</p> }.into_any()
        } else {
            let locale = i18n.get_locale_untracked();
            let (repository, tag, last_entry, found) = (
                tu_string!(i18n, mirror.drift.repository),
                tu_string!(i18n, mirror.drift.tag),
                tu_string!(i18n, mirror.drift.last_entry),
                tu_string!(i18n, mirror.drift.found),
            );
            view! {
                <DataTable class="drift" caption=tu_string!(i18n, mirror.drift.title) columns=vec![repository, tag, "Digest", last_entry, found]>
                    {findings.into_iter().map(|d| view! {
                        <tr>
                            <td data-label=repository class="mono">{d.repository}</td>
                            <td data-label=tag class="mono">{d.tag}</td>
                            <td data-label="Digest" class="mono small">{match d.digest {
                                Some(digest) => view! { <span title=digest.clone()>{short(&digest)}</span> }.into_any(),
                                None => view! { {tu_string!(i18n, images.unknown)} }.into_any(),
                            }}</td>
                            <td data-label=last_entry><div>{match d.last_entry {
                                Some(e) => view! {
                                    <a href=format!("/requests/{}", e.request_id)>{tu_string!(i18n, images.request_link, id = e.request_id)}</a>
                                    {format!(" ({}", crate::domain::Lifecycle::parse(&e.status).map(|l| crate::components::lifecycle_label(locale, l)).unwrap_or(e.status.as_str()))}
                                    {e.revoked_at.map(|at| view! { " " <Timestamp at /> })}
                                    ")"
                                }.into_any(),
                                None => view! { <span class="muted">{tu_string!(i18n, mirror.drift.never_approved)}</span> }.into_any(),
                            }}</div></td>
                            <td data-label=found><Timestamp at=d.first_seen /></td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            }.into_any()
        }}
    }
}

/// The mirror lines of an entry's panel: where to pull it and whether it is there.
#[component]
pub fn MirrorFacts(status: MirrorStatus) -> impl IntoView {
    let i18n = use_i18n();
    let Some(pull) = status.pull_path.clone() else {
        return ().into_any();
    };
    let available = match &status.available_since {
        Some(since) if !status.images.is_empty() => view! {
            <span class="badge badge-success">{tu_string!(i18n, mirror.available)}</span> " " {tu_string!(i18n, mirror.since)} " " <Timestamp at=since.clone() />
        }
        .into_any(),
        Some(_) => view! { <span class="badge badge-warning">{tu_string!(i18n, mirror.gone)}</span> }.into_any(),
        None => view! { <span class="badge badge-neutral">{tu_string!(i18n, mirror.not_yet)}</span> }.into_any(),
    };
    let images = status.images.clone();
    view! {
        <dt>{tu_string!(i18n, images.mirror)}</dt>
        <dd>{available}</dd>
        <dt>{tu_string!(i18n, mirror.pull_from)}</dt>
        <dd class="mono pull-path">{pull.clone()}</dd>
        {(!images.is_empty()).then(|| view! {
            <dt>{tu_string!(i18n, mirror.in_mirror)}</dt>
            <dd>
                <ul class="plain mirror-images">
                    {images.into_iter().map(|i| {

                        let upstream = match i.matches_upstream() {
                            Some(true) => tu_string!(i18n, mirror.upstream_same),
                            Some(false) => tu_string!(i18n, mirror.upstream_moved),
                            None => tu_string!(i18n, mirror.upstream_unknown),
                        };
                        view! {
                            <li>
                                <code>{super::model::pull_reference(&pull, &i.reference)}</code>
                                {i.stale.then(|| view! { " " <span class="badge badge-danger">{tu_string!(i18n, mirror.stale)}</span> })}
                                <span class="muted small">
                                    {format!(" {} · {upstream}", short(&i.digest))}
                                    {i.created.map(|at| view! { " · " {tu_string!(i18n, mirror.built)} " " <Timestamp at /> })}
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </dd>
        })}
    }
    .into_any()
}

fn short(digest: &str) -> String {
    digest.chars().take(19).collect()
}
