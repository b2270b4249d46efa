//! The reviewers' queue (`/review`) and the review panel on a request's page. Every form works
//! without JavaScript: it posts, and the page comes back with the result or the errors.

use super::api::{review_queue, ActOnRequest, ApproveRequest};
use super::model::{QueueFilter, QueuePage};
use crate::auth::context::use_auth;
use crate::components::{
    field_errors, other_error, DataTable, DateField, ErrorNotice, ErrorSummary, RequestBadges,
    SignInPrompt, TextArea, TextField,
};
use crate::domain::{ActionKind, RequestState};
use crate::error::AppError;
use crate::requests::model::RequestPage;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The review panel's actions, created once by the request page (which reads the request again
/// after each) and shared with the panel.
#[derive(Clone, Copy)]
pub struct ReviewActions {
    pub simple: ServerAction<ActOnRequest>,
    pub approve: ServerAction<ApproveRequest>,
}

impl ReviewActions {
    pub fn new() -> Self {
        Self {
            simple: ServerAction::new(),
            approve: ServerAction::new(),
        }
    }

    /// Changes whenever one of the actions finishes.
    pub fn versions(&self) -> [usize; 2] {
        [self.simple.version().get(), self.approve.version().get()]
    }
}

impl Default for ReviewActions {
    fn default() -> Self {
        Self::new()
    }
}

/// `/review`: the open requests, oldest first, with filters, counts and paging.
#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        let get = |k: &str| q.get(k).unwrap_or_default();
        QueueFilter {
            state: get("state"),
            team: get("team"),
            mine: get("mine") == "true",
            unchecked: get("unchecked") == "true",
            after: get("after"),
        }
    };
    let page = Resource::new(filter, |f| async move {
        review_queue(f.state, f.team, f.mine, f.unchecked, f.after).await
    });
    view! {
        <Title text="Review queue" />
        <div class="page-header">
            <h1>"Review queue"</h1>
            <p class="lead">"Open requests, oldest first. Claim one to review it."</p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the queue…"</p> }>
            {move || Suspend::new(async move {
                match (auth.user.await, page.await) {
                    (Ok(None), _) => view! { <SignInPrompt purpose="review requests" /> }.into_any(),
                    (_, Ok(page)) => view! { <Queue page /> }.into_any(),
                    (_, Err(AppError::Forbidden)) => view! {
                        <div class="alert alert-warning" role="alert">
                            <p>"The review queue is for the security team."</p>
                        </div>
                    }
                    .into_any(),
                    (_, Err(error)) => view! { <ErrorNotice error purpose="review requests" /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// How long ago `at` was, from `now`, in words ("3 days", "5 hours").
fn age(at: &str, now: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &Rfc3339).ok();
    match (parse(at), parse(now)) {
        (Some(at), Some(now)) => {
            let d = now - at;
            if d.whole_days() >= 2 {
                format!("{} days", d.whole_days())
            } else if d.whole_hours() >= 2 {
                format!("{} hours", d.whole_hours())
            } else {
                format!("{} min", d.whole_minutes().max(0))
            }
        }
        _ => String::new(),
    }
}

#[component]
fn Queue(page: QueuePage) -> impl IntoView {
    let f = page.filter.clone();
    let state_link = {
        let f = f.clone();
        move |state: &str| {
            QueueFilter {
                state: state.to_owned(),
                after: String::new(),
                ..f.clone()
            }
            .query(false)
        }
    };
    let open_count: i64 = page
        .counts
        .iter()
        .filter(|(s, _)| matches!(s, RequestState::Submitted | RequestState::InReview))
        .map(|(_, n)| n)
        .sum();
    let current = if f.state.is_empty() {
        "open".to_owned()
    } else {
        f.state.clone()
    };
    let mut tabs = vec![("open".to_owned(), "Open".to_owned(), open_count)];
    for (state, count) in &page.counts {
        tabs.push((state.as_str().to_owned(), state.label().to_owned(), *count));
    }
    let next = page.next.clone().map(|cursor| {
        format!(
            "/review{}",
            QueueFilter {
                after: cursor,
                ..f.clone()
            }
            .query(true)
        )
    });
    let now = page.now.clone();
    view! {
        <nav class="tabs" aria-label="Requests by state">
            {tabs
                .into_iter()
                .map(|(key, label, count)| {
                    let href = format!("/review{}", state_link(&key));
                    let selected = key == current;
                    view! {
                        <a href=href class="tab" aria-current=selected.then_some("page")>
                            {label}
                            <span class="count">{count}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <form class="filters panel" method="get" action="/review">
            <input type="hidden" name="state" value=f.state.clone() />
            <div class="field field-inline">
                <label for="team">"Team"</label>
                <input id="team" name="team" type="text" value=f.team.clone() placeholder="Any team" />
            </div>
            <label class="check">
                <input type="checkbox" name="mine" value="true" checked=f.mine />
                " Claimed by me"
            </label>
            <label class="check">
                <input type="checkbox" name="unchecked" value="true" checked=f.unchecked />
                " Catalog not checked"
            </label>
            <button type="submit" class="button">"Filter"</button>
            <a class="button button-quiet" href="/review">"Clear"</a>
        </form>
        <p class="muted small">{format!("{} matching", page.matching)}</p>
        {if page.rows.is_empty() {
            view! {
                <section class="panel empty-state">
                    <h2>"Nothing here"</h2>
                    <p>"No request matches these filters."</p>
                </section>
            }
            .into_any()
        } else {
            view! {
                <DataTable class="queue" columns=&["#", "Image", "Team", "Requester", "State", "Claimed by", "Waiting"]>
                            {page
                                .rows
                                .into_iter()
                                .map(|r| {
                                    let href = format!("/requests/{}", r.id);
                                    view! {
                                        <tr>
                                            <td data-label="#"><a href=href.clone()>{format!("#{}", r.id)}</a></td>
                                            <td data-label="Image"><a href=href class="mono">{r.image}</a></td>
                                            <td data-label="Team">{r.team}</td>
                                            <td data-label="Requester">{r.requester_name}</td>
                                            <td data-label="State">
                                                <RequestBadges state=r.state catalog_checked=r.catalog_checked />
                                            </td>
                                            <td data-label="Claimed by">{r.claimed_by_name.unwrap_or_else(|| "—".into())}</td>
                                            <td data-label="Waiting">{age(&r.created_at, &now)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                </DataTable>
            }
            .into_any()
        }}
        {next.map(|href| view! {
            <p class="pager"><a class="button" href=href>"Next page"</a></p>
        })}
    }
    .into_any()
}

/// What the viewer can do with the request now: the workflow's actions as forms.
#[component]
pub fn ReviewPanel(page: RequestPage) -> impl IntoView {
    let r = &page.request;
    let id = r.id.0;
    let version = r.version;
    let actions = page.actions.clone();
    let has = |kind: ActionKind| actions.contains(&kind);
    let ReviewActions { simple, approve } = expect_context::<ReviewActions>();
    let reviewing = has(ActionKind::Approve) || has(ActionKind::Release);
    let claim_or_release: Vec<ActionKind> = [ActionKind::Claim, ActionKind::Release]
        .into_iter()
        .filter(|k| has(*k))
        .collect();
    let holder = r.claimed_by_name.clone();
    if actions.is_empty() {
        return ().into_any();
    }
    view! {
        {(reviewing || !claim_or_release.is_empty()).then(|| view! {
            <section class="panel review-panel" aria-labelledby="review-heading">
                <h2 id="review-heading">"Review"</h2>
                {holder.map(|name| view! { <p class="muted">{format!("Claimed by {name}.")}</p> })}
                {other_error(simple)}
                <div class="button-row">
                    {claim_or_release.into_iter().map(|kind| view! {
                        <ActionForm action=simple>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <input type="hidden" name="action" value=kind.as_str() />
                            <button type="submit" class="button">{kind.label()}</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
                {has(ActionKind::Approve).then(|| view! {
                    <ApproveForm action=approve id version default_expiry=page.approval_default_expiry.clone() max_expiry=page.approval_max_expiry.clone() today=page.today.clone() />
                })}
                {has(ActionKind::RequestChanges).then(|| view! {
                    <details class="decision" open=opened(simple, ActionKind::RequestChanges)>
                        <summary>"Request changes"</summary>
                        <ReasonForm action=simple id version kind=ActionKind::RequestChanges
                            label="What should the requester change?" field_id="changes-text" />
                    </details>
                })}
                {has(ActionKind::Reject).then(|| view! {
                    <details class="decision" open=opened(simple, ActionKind::Reject)>
                        <summary>"Reject"</summary>
                        <ReasonForm action=simple id version kind=ActionKind::Reject
                            label="Why is the request rejected?" field_id="reject-text" />
                    </details>
                })}
            </section>
        })}
        {(has(ActionKind::Withdraw) || has(ActionKind::Resubmit)).then(|| view! {
            <section class="panel" aria-labelledby="requester-heading">
                <h2 id="requester-heading">"Your request"</h2>
                {has(ActionKind::Resubmit).then(|| view! {
                    <p>"The security team asked for changes (see the timeline)."</p>
                    <p><a class="button button-primary" href=format!("/requests/{id}/edit")>"Edit and resubmit"</a></p>
                })}
                {other_error(simple)}
                {has(ActionKind::Withdraw).then(|| view! {
                    <ActionForm action=simple>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="version" value=version />
                        <input type="hidden" name="action" value="withdraw" />
                        <button type="submit" class="button">"Withdraw the request"</button>
                    </ActionForm>
                })}
            </section>
        })}
        {has(ActionKind::Comment).then(|| view! {
            <section class="panel" aria-labelledby="comment-heading">
                <h2 id="comment-heading">"Comment"</h2>
                <ReasonForm action=simple id version kind=ActionKind::Comment
                    label="Add to the timeline" field_id="comment-text" />
            </section>
        })}
    }
    .into_any()
}

/// Whether the last answer of `action` was a refusal of `kind`'s input (its form stays open).
fn opened(action: ServerAction<ActOnRequest>, kind: ActionKind) -> bool {
    action
        .input()
        .get_untracked()
        .is_some_and(|input| input.action == kind.as_str())
        && action.value().get_untracked().is_some_and(|v| v.is_err())
}

/// A form with one text field (`text`) and a button for `kind`.
#[component]
fn ReasonForm(
    action: ServerAction<ActOnRequest>,
    id: i64,
    version: i64,
    kind: ActionKind,
    label: &'static str,
    field_id: &'static str,
) -> impl IntoView {
    // Each form shows only its own errors: the action's last input says which form posted.
    let errors = Signal::derive(move || {
        let mine = action
            .input()
            .get()
            .map(|input| input.action == kind.as_str())
            .unwrap_or(true);
        if !mine {
            return None;
        }
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_errors().cloned())
    });
    let error = Signal::derive(move || errors.get().and_then(|e| e.get("text").map(str::to_owned)));
    let kept = errors
        .get_untracked()
        .and_then(|e| e.submitted("text").map(str::to_owned));
    view! {
        <ActionForm action=action attr:class="reason-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=kind.as_str() />
            <div class="field" class:field-invalid=move || error.get().is_some()>
                <label for=field_id>{label}</label>
                <textarea id=field_id name="text" rows="3"
                    aria-invalid=move || error.get().is_some().to_string()>{kept}</textarea>
                <p class="field-error" aria-live="polite">{move || error.get()}</p>
            </div>
            <button type="submit" class=if kind == ActionKind::Reject { "button button-danger" } else { "button" }>
                {kind.label()}
            </button>
        </ActionForm>
    }
}

#[component]
fn ApproveForm(
    action: ServerAction<ApproveRequest>,
    id: i64,
    version: i64,
    default_expiry: String,
    max_expiry: String,
    today: String,
) -> impl IntoView {
    let errors = field_errors(action);
    let kept = errors.get_untracked();
    let initial = move |field: &str, default: &str| {
        kept.as_ref()
            .and_then(|e| e.submitted(field))
            .map(str::to_owned)
            .unwrap_or_else(|| default.to_owned())
    };
    let mode = initial("tag_mode", "exact");
    view! {
        <details class="decision" open=true>
            <summary>"Approve with a scope"</summary>
            <ErrorSummary errors />
            {other_error(action)}
            <ActionForm action=action>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <fieldset class="field">
                    <legend>"Which tags"</legend>
                    <label class="check"><input type="radio" name="tag_mode" value="exact" checked=mode == "exact" />" Exact tags"</label>
                    <label class="check"><input type="radio" name="tag_mode" value="regex" checked=mode == "regex" />" Regular expression (must match the whole tag)"</label>
                    <label class="check"><input type="radio" name="tag_mode" value="semver" checked=mode == "semver" />" Version range (semver, e.g. >=1.25, <1.26)"</label>
                </fieldset>
                <TextField name="tags" label="Tags or pattern"
                    hint="Exact tags separated by commas; or the pattern / range chosen above."
                    value=Some(initial("tags", "")) required=true errors />
                <TextArea name="digests" label="Digest pins (optional)"
                    hint="sha256:… digests, one per line. With pins, only these manifests are allowed."
                    value=Some(initial("digests", "")) rows=2 errors />
                <TextField name="architectures" label="Architectures"
                    hint="Separated by commas: amd64, arm64, ppc64le, s390x."
                    value=Some(initial("architectures", "amd64")) required=true errors />
                <DateField name="expires_on" label="Last day of the approval"
                    hint=format!("At most {max_expiry}.") min=today max=max_expiry.clone()
                    value=Some(initial("expires_on", &default_expiry)) required=true errors />
                <button type="submit" class="button button-primary">"Approve"</button>
            </ActionForm>
        </details>
    }
}
