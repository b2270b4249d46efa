//! The reviewers' queue (`/review`), the review panel on a request's page, the approval's panel,
//! and the requester's edit-and-resubmit page (`/requests/:id/edit`). Every form works without
//! JavaScript: it posts, and the page comes back with the result or the errors.

use super::api::{
    review_queue, ActOnRequest, ApproveRequest, RenewApproval, ResubmitRequest, RevokeApproval,
};
use super::model::{QueueFilter, QueuePage};
use crate::allowlist::AllowlistEntry;
use crate::app::Auth;
use crate::components::{
    DataTable, ErrorNotice, ErrorSummary, RequestBadges, SignInPrompt, TextArea, TextField,
    Timestamp,
};
use crate::domain::{ActionKind, EntryActionKind, RequestState, Role, TagRule};
use crate::error::{AppError, FieldErrors};
use crate::requests::api::get_request;
use crate::requests::model::RequestPage;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The field errors of an action's last answer, for its form.
fn field_errors<A>(action: ServerAction<A>) -> Signal<Option<FieldErrors>>
where
    A: ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_errors().cloned())
    })
}

/// An action's error that is not about a field (refused, changed meanwhile), shown above its form.
fn other_error<A>(action: ServerAction<A>) -> impl Fn() -> Option<AnyView> + Send + Sync
where
    A: ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.field_errors().is_none())
            .map(|error| view! { <ErrorNotice error /> }.into_any())
    }
}

/// The actions of the request page, created once per page and shared with its panels.
#[derive(Clone, Copy)]
pub struct ReviewActions {
    pub simple: ServerAction<ActOnRequest>,
    pub approve: ServerAction<ApproveRequest>,
    pub revoke: ServerAction<RevokeApproval>,
    pub renew: ServerAction<RenewApproval>,
}

impl ReviewActions {
    pub fn new() -> Self {
        Self {
            simple: ServerAction::new(),
            approve: ServerAction::new(),
            revoke: ServerAction::new(),
            renew: ServerAction::new(),
        }
    }

    /// Changes whenever one of the actions finishes: the request page reads the request again.
    pub fn versions(&self) -> [usize; 4] {
        [
            self.simple.version().get(),
            self.approve.version().get(),
            self.revoke.version().get(),
            self.renew.version().get(),
        ]
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
    let auth = expect_context::<Auth>();
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
    let ReviewActions {
        simple, approve, ..
    } = expect_context::<ReviewActions>();
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
                <div class="field">
                    <label for="expires_on">"Last day of the approval"</label>
                    <p class="hint" id="expires_on-hint">{format!("At most {max_expiry}.")}</p>
                    <input type="date" id="expires_on" name="expires_on" min=today max=max_expiry.clone()
                        value=initial("expires_on", &default_expiry) required=true aria-describedby="expires_on-hint" />
                    <p class="field-error" aria-live="polite">
                        {move || errors.get().and_then(|e| e.get("expires_on").map(str::to_owned))}
                    </p>
                </div>
                <button type="submit" class="button button-primary">"Approve"</button>
            </ActionForm>
        </details>
    }
}

/// The allowlist entry an approval created, with revoke and renew for reviewers.
#[component]
pub fn EntryPanel(
    entry: AllowlistEntry,
    today: String,
    max_expiry: String,
    actions: Vec<EntryActionKind>,
) -> impl IntoView {
    let status = entry.status(&today);
    let ReviewActions { revoke, renew, .. } = expect_context::<ReviewActions>();
    let revoke_errors = field_errors(revoke);
    let renew_errors = field_errors(renew);
    let tags = match &entry.tags {
        TagRule::Exact(tags) => tags.join(", "),
        TagRule::Regex(p) => format!("/^(?:{p})$/"),
        TagRule::Semver(r) => format!("versions {r}"),
    };
    let tone = match status {
        "active" => "success",
        "revoked" => "danger",
        _ => "neutral",
    };
    let active = status == "active";
    view! {
        <section class="panel entry-panel" aria-labelledby="entry-heading">
            <h2 id="entry-heading">"Allowlist entry " <span class=format!("badge badge-{tone}")>{status}</span></h2>
            <dl class="facts">
                <dt>"Repository"</dt><dd class="mono">{format!("{}/{}", entry.registry, entry.repository)}</dd>
                <dt>{format!("Tags ({})", entry.tags.mode())}</dt><dd class="mono">{tags}</dd>
                {(!entry.digests.is_empty()).then(|| view! { <dt>"Pinned"</dt><dd class="mono">{entry.digests.join(" ")}</dd> })}
                <dt>"Architectures"</dt><dd>{entry.architectures.join(", ")}</dd>
                <dt>"Approved by"</dt><dd>{entry.approved_by_name.clone()} " · " <Timestamp at=entry.approved_at.clone() /></dd>
                <dt>"Last day"</dt><dd>{entry.expires_on.clone()}</dd>
                {entry.revoke_reason.clone().map(|reason| view! {
                    <dt>"Revoked"</dt><dd>{format!("by {}: {reason}", entry.revoked_by_name.clone().unwrap_or_default())}</dd>
                })}
            </dl>
            {(active && !actions.is_empty()).then(|| view! {
                {other_error(revoke)}
                {other_error(renew)}
                <div class="entry-actions">
                    {actions.contains(&EntryActionKind::Renew).then(|| view! {
                        <ActionForm action=renew>
                            <input type="hidden" name="request" value=entry.request_id.0 />
                            <input type="hidden" name="entry" value=entry.id />
                            <input type="hidden" name="version" value=entry.version />
                            <div class="field">
                                <label for="renew-expires_on">"Renew until"</label>
                                <input type="date" id="renew-expires_on" name="expires_on" min=today.clone() max=max_expiry.clone() value=max_expiry.clone() />
                                <p class="field-error" aria-live="polite">{move || renew_errors.get().and_then(|e| e.get("expires_on").map(str::to_owned))}</p>
                            </div>
                            <button type="submit" class="button">"Renew"</button>
                        </ActionForm>
                    })}
                    {actions.contains(&EntryActionKind::Revoke).then(|| view! {
                        <ActionForm action=revoke>
                            <input type="hidden" name="request" value=entry.request_id.0 />
                            <input type="hidden" name="entry" value=entry.id />
                            <input type="hidden" name="version" value=entry.version />
                            <div class="field">
                                <label for="revoke-reason">"Why revoke it?"</label>
                                <textarea id="revoke-reason" name="reason" rows="2"></textarea>
                                <p class="field-error" aria-live="polite">{move || revoke_errors.get().and_then(|e| e.get("reason").map(str::to_owned))}</p>
                            </div>
                            <button type="submit" class="button button-danger">"Revoke"</button>
                        </ActionForm>
                    })}
                </div>
            })}
        </section>
    }
    .into_any()
}

/// `/requests/:id/edit`: the requester changes what the security team asked for and resubmits.
#[component]
pub fn ResubmitPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let page = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_request(id).await,
            None => Err(AppError::NotFound("That request".into())),
        }
    });
    view! {
        <Title text="Edit and resubmit" />
        <Suspense fallback=|| view! { <p class="muted">"Loading the request…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) if page.actions.contains(&ActionKind::Resubmit) => view! { <ResubmitForm page /> }.into_any(),
                    Ok(page) => view! {
                        <div class="alert alert-warning" role="alert">
                            <p>{format!("Request #{} is {}; only a request the security team sent back can be edited.", page.request.id, page.request.state.label().to_lowercase())}</p>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="edit this request" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ResubmitForm(page: RequestPage) -> impl IntoView {
    let r = page.request;
    let action = ServerAction::<ResubmitRequest>::new();
    let errors = field_errors(action);
    let kept = errors.get_untracked();
    let initial = move |field: &str, current: &str| {
        Some(
            kept.as_ref()
                .and_then(|e| e.submitted(field))
                .unwrap_or(current)
                .to_owned(),
        )
    };
    let asked = page
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "request_changes")
        .and_then(|e| e.body.clone());
    view! {
        <div class="page-header">
            <p class="eyebrow"><a href=format!("/requests/{}", r.id)>{format!("Request #{}", r.id)}</a> " / Edit"</p>
            <h1 class="mono title-image">{r.image.clone()}</h1>
        </div>
        {asked.map(|text| view! {
            <div class="alert alert-warning" role="note">
                <p><strong>"The security team asked:"</strong></p>
                <p class="prose">{text}</p>
            </div>
        })}
        <div class="panel form-panel">
            <ErrorSummary errors />
            {other_error(action)}
            <ActionForm action=action>
                <input type="hidden" name="id" value=r.id.0 />
                <input type="hidden" name="version" value=r.version />
                <TextField name="team" label="Team / application" value=initial("team", &r.team) required=true errors />
                <TextField name="contact" label="Contact address" input_type="email" value=initial("contact", &r.contact) required=true errors />
                <TextArea name="justification" label="Justification" value=initial("justification", &r.justification) rows=6 required=true errors />
                <TextArea name="note" label="What did you change?" hint="The reviewer sees this in the timeline." value=initial("note", "") rows=3 required=true errors />
                <button type="submit" class="button button-primary">"Resubmit"</button>
            </ActionForm>
        </div>
    }
    .into_any()
}

/// Whether the signed-in user works the queue (for the navigation link).
pub fn is_staff(roles: &[Role]) -> bool {
    roles.contains(&Role::Reviewer) || roles.contains(&Role::Admin)
}

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
