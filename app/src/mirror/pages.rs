//! `/admin/drift`: what the mirror holds that nobody approved; and the mirror lines of an
//! allowlist entry's panel.

use super::api::mirror_drift;
use super::model::{Drift, MirrorHealth, MirrorStatus};
use crate::components::{DataTable, ErrorNotice, Timestamp};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DriftPage() -> impl IntoView {
    let drift = Resource::new(|| (), |()| mirror_drift());
    view! {
        <Title text="Mirror drift" />
        <div class="page-header">
            <h1>"Mirror drift"</h1>
            <p class="lead">
                "Tags in the mirror that no active allowlist entry allows: revoked, expired, never "
                "approved, or pushed by hand. Each new finding is mailed to the security team once."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match drift.await {
                    Ok((health, findings)) => view! { <DriftTable health findings /> }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <div class="alert alert-warning" role="alert"><p>"Mirror drift is for the security team."</p></div>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="read the mirror drift" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DriftTable(health: MirrorHealth, findings: Vec<Drift>) -> impl IntoView {
    let status = match (&health.mirror, &health.checked_at, &health.last_error) {
        (None, _, _) => view! {
            <div class="alert alert-info" role="status"><p>
                "No mirror is configured (PORTCULLIS_MIRROR_REGISTRY), so nothing is verified."
            </p></div>
        }
        .into_any(),
        (Some(mirror), checked, Some(error)) => view! {
            <div class="alert alert-warning" role="status"><p>
                {format!("The last attempt to read the mirror {mirror} failed: {error}. ")}
                {match checked.clone() {
                    Some(at) => view! { "What is shown is from the last good check, " <Timestamp at /> "." }.into_any(),
                    None => view! { "It has never been read." }.into_any(),
                }}
            </p></div>
        }
        .into_any(),
        (Some(mirror), Some(at), None) => view! {
            <p class="muted">{format!("Mirror {mirror}, last checked ")} <Timestamp at=at.clone() /> "."</p>
        }
        .into_any(),
        (Some(mirror), None, None) => view! {
            <p class="muted">{format!("Mirror {mirror}: not checked yet.")}</p>
        }
        .into_any(),
    };
    let empty = findings.is_empty();
    view! {
        {status}
        {if empty {
            view! { <p class="empty">"No drift: the mirror holds only what active entries allow."</p> }.into_any()
        } else {
            view! {
                <DataTable class="drift" columns=&["Repository in the mirror", "Tag", "Digest", "Last entry", "Found"]>
                    {findings.into_iter().map(|d| view! {
                        <tr>
                            <td data-label="Repository" class="mono">{d.repository}</td>
                            <td data-label="Tag" class="mono">{d.tag}</td>
                            <td data-label="Digest" class="mono small">{match d.digest {
                                Some(digest) => view! { <span title=digest.clone()>{short(&digest)}</span> }.into_any(),
                                None => view! { "unknown" }.into_any(),
                            }}</td>
                            <td data-label="Last entry"><div>{match d.last_entry {
                                Some(e) => view! {
                                    <a href=format!("/requests/{}", e.request_id)>{format!("request #{}", e.request_id)}</a>
                                    {format!(" ({}", e.status)}
                                    {e.revoked_at.map(|at| view! { " " <Timestamp at /> })}
                                    ")"
                                }.into_any(),
                                None => view! { <span class="muted">"never approved"</span> }.into_any(),
                            }}</div></td>
                            <td data-label="Found"><Timestamp at=d.first_seen /></td>
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
    let Some(pull) = status.pull_path.clone() else {
        return ().into_any();
    };
    let available = match &status.available_since {
        Some(since) if !status.images.is_empty() => view! {
            <span class="badge badge-success">"available"</span> " since " <Timestamp at=since.clone() />
        }
        .into_any(),
        Some(_) => view! { <span class="badge badge-warning">"gone from the mirror"</span> }.into_any(),
        None => view! { <span class="badge badge-neutral">"not mirrored yet"</span> }.into_any(),
    };
    let images = status.images.clone();
    view! {
        <dt>"Mirror"</dt>
        <dd>{available}</dd>
        <dt>"Pull from"</dt>
        <dd class="mono pull-path">{pull.clone()}</dd>
        {(!images.is_empty()).then(|| view! {
            <dt>"In the mirror"</dt>
            <dd>
                <ul class="plain mirror-images">
                    {images.into_iter().map(|i| {

                        let upstream = match i.matches_upstream() {
                            Some(true) => "same as upstream",
                            Some(false) => "upstream has moved on",
                            None => "upstream unknown",
                        };
                        view! {
                            <li>
                                <code>{super::model::pull_reference(&pull, &i.reference)}</code>
                                {i.stale.then(|| view! { " " <span class="badge badge-danger">"stale"</span> })}
                                <span class="muted small">
                                    {format!(" {} · {upstream}", short(&i.digest))}
                                    {i.created.map(|at| view! { " · built " <Timestamp at /> })}
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
