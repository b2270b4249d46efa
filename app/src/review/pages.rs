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
use crate::error::{AppError, FieldErrors};
use crate::i18n::{tu_string, use_i18n, Locale};
use crate::requests::model::RequestPage;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/review`: the open requests, oldest first, with filters, counts and paging.
#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let i18n = use_i18n();
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
        <Title text=tu_string!(i18n, common.nav.review_queue) />
        <div class="page-header">
            <h1>{tu_string!(i18n, common.nav.review_queue)}</h1>
            <p class="lead">{tu_string!(i18n, review.queue.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match (auth.user.await, page.await) {
                    (Ok(None), _) => view! { <SignInPrompt purpose=tu_string!(i18n, review.queue.sign_in_purpose) /> }.into_any(),
                    (_, Ok(page)) => view! { <Queue page /> }.into_any(),
                    (_, Err(AppError::Forbidden)) => view! {
                        <div class="alert alert-warning" role="alert">
                            <p>{tu_string!(i18n, review.queue.forbidden)}</p>
                        </div>
                    }
                    .into_any(),
                    (_, Err(error)) => view! { <ErrorNotice error purpose=tu_string!(i18n, review.queue.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// How long ago `at` was, from `now`, in words ("3 days", "5 hours").
fn age(locale: Locale, at: &str, now: &str) -> String {
    use crate::i18n::td_string;
    use time::format_description::well_known::Rfc3339;
    let parse = |t: &str| time::OffsetDateTime::parse(t, &Rfc3339).ok();
    match (parse(at), parse(now)) {
        (Some(at), Some(now)) => {
            let d = now - at;
            if d.whole_days() >= 2 {
                td_string!(locale, review.queue.days, n = d.whole_days()).to_string()
            } else if d.whole_hours() >= 2 {
                td_string!(locale, review.queue.hours, n = d.whole_hours()).to_string()
            } else {
                td_string!(locale, review.queue.minutes, n = d.whole_minutes().max(0)).to_string()
            }
        }
        _ => String::new(),
    }
}

#[component]
fn Queue(page: QueuePage) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
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
    let mut tabs = vec![(
        "open".to_owned(),
        tu_string!(i18n, review.queue.open).to_owned(),
        open_count,
    )];
    for (state, count) in &page.counts {
        tabs.push((
            state.as_str().to_owned(),
            state.label(locale).to_owned(),
            *count,
        ));
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
        <nav class="tabs" aria-label=tu_string!(i18n, review.queue.tabs_label)>
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
                <label for="team">{tu_string!(i18n, requests.column.team)}</label>
                <input id="team" name="team" type="text" value=f.team.clone() placeholder=tu_string!(i18n, review.queue.any_team) />
            </div>
            <label class="check">
                <input type="checkbox" name="mine" value="true" checked=f.mine />
                " " {tu_string!(i18n, review.queue.claimed_by_me)}
            </label>
            <label class="check">
                <input type="checkbox" name="unchecked" value="true" checked=f.unchecked />
                " " {tu_string!(i18n, common.catalog_not_checked)}
            </label>
            <button type="submit" class="button">{tu_string!(i18n, review.queue.filter)}</button>
            <a class="button button-quiet" href="/review">{tu_string!(i18n, review.queue.clear)}</a>
        </form>
        <p class="muted small" role="status">{tu_string!(i18n, review.queue.matching, n = crate::i18n::format_count(locale, page.matching as u64))}</p>
        {if page.rows.is_empty() {
            view! {
                <section class="panel empty-state">
                    <h2>{tu_string!(i18n, review.queue.empty_title)}</h2>
                    <p>{tu_string!(i18n, review.queue.empty_body)}</p>
                </section>
            }
            .into_any()
        } else {
            let (image, team, requester, state, claimed_by, waiting) = (
                tu_string!(i18n, requests.column.image),
                tu_string!(i18n, requests.column.team),
                tu_string!(i18n, review.queue.requester),
                tu_string!(i18n, requests.column.state),
                tu_string!(i18n, review.queue.claimed_by),
                tu_string!(i18n, review.queue.waiting),
            );
            view! {
                <DataTable class="queue" caption=tu_string!(i18n, review.queue.caption) columns=vec!["#", image, team, requester, state, claimed_by, waiting]>
                            {page
                                .rows
                                .into_iter()
                                .map(|r| {
                                    let href = format!("/requests/{}", r.id);
                                    view! {
                                        <tr>
                                            <td data-label="#"><a href=href.clone()>{format!("#{}", r.id)}</a></td>
                                            <td data-label=image><a href=href class="mono">{r.image}</a></td>
                                            <td data-label=team translate="no">{r.team}</td>
                                            <td data-label=requester translate="no">{r.requester_name}</td>
                                            <td data-label=state>
                                                <RequestBadges state=r.state catalog_checked=r.catalog_checked />
                                            </td>
                                            <td data-label=claimed_by>{r.claimed_by_name.unwrap_or_else(|| "—".into())}</td>
                                            <td data-label=waiting>{age(locale, &r.created_at, &now)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                </DataTable>
            }
            .into_any()
        }}
        {next.map(|href| view! {
            <p class="pager"><a class="button" href=href>{tu_string!(i18n, common.next_page)}</a></p>
        })}
    }
    .into_any()
}

/// What the viewer can do with the request now: the workflow's actions as forms.
#[component]
pub fn ReviewPanel(page: RequestPage) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let r = &page.request;
    let id = r.id.0;
    let version = r.version;
    let actions = page.actions.clone();
    let has = |kind: ActionKind| actions.contains(&kind);
    // Each reads the answer of a post that came back refused (the server renders it from the
    // page's address).
    let simple = ServerAction::<ActOnRequest>::new();
    let approve = ServerAction::<ApproveRequest>::new();
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
                <h2 id="review-heading">{tu_string!(i18n, review.panel.title)}</h2>
                {holder.map(|name| view! { <p class="muted">{tu_string!(i18n, review.panel.claimed_by, name = name)}</p> })}
                {other_error(simple)}
                <div class="button-row">
                    {claim_or_release.into_iter().map(|kind| view! {
                        <ActionForm action=simple>
                            <input type="hidden" name="id" value=id />
                            <input type="hidden" name="version" value=version />
                            <input type="hidden" name="action" value=kind.as_str() />
                            <button type="submit" class="button">{kind.label(locale)}</button>
                        </ActionForm>
                    }).collect_view()}
                </div>
                {has(ActionKind::Approve).then(|| view! {
                    <ApproveForm action=approve id version default_expiry=page.approval_default_expiry.clone() max_expiry=page.approval_max_expiry.clone() today=page.today.clone() />
                })}
                {has(ActionKind::RequestChanges).then(|| view! {
                    <details class="decision" open=opened(simple, ActionKind::RequestChanges)>
                        <summary>{ActionKind::RequestChanges.label(locale)}</summary>
                        <ReasonForm action=simple id version kind=ActionKind::RequestChanges
                            label=tu_string!(i18n, review.panel.changes_label) field_id="changes-text" />
                    </details>
                })}
                {has(ActionKind::Reject).then(|| view! {
                    <details class="decision" open=opened(simple, ActionKind::Reject)>
                        <summary>{ActionKind::Reject.label(locale)}</summary>
                        <ReasonForm action=simple id version kind=ActionKind::Reject
                            label=tu_string!(i18n, review.panel.reject_label) field_id="reject-text" />
                    </details>
                })}
            </section>
        })}
        {(has(ActionKind::Withdraw) || has(ActionKind::Resubmit)).then(|| view! {
            <section class="panel" aria-labelledby="requester-heading">
                <h2 id="requester-heading">{tu_string!(i18n, review.panel.yours)}</h2>
                {has(ActionKind::Resubmit).then(|| view! {
                    <p>{tu_string!(i18n, review.panel.changes_asked)}</p>
                    <p><a class="button button-primary" href=format!("/requests/{id}/edit")>{tu_string!(i18n, requests.edit.title)}</a></p>
                })}
                {other_error(simple)}
                {has(ActionKind::Withdraw).then(|| view! {
                    <ActionForm action=simple>
                        <input type="hidden" name="id" value=id />
                        <input type="hidden" name="version" value=version />
                        <input type="hidden" name="action" value="withdraw" />
                        <button type="submit" class="button">{tu_string!(i18n, review.panel.withdraw)}</button>
                    </ActionForm>
                })}
            </section>
        })}
        {has(ActionKind::Comment).then(|| view! {
            <section class="panel" aria-labelledby="comment-heading">
                <h2 id="comment-heading">{ActionKind::Comment.label(locale)}</h2>
                <ReasonForm action=simple id version kind=ActionKind::Comment
                    label=tu_string!(i18n, review.panel.comment_label) field_id="comment-text" />
            </section>
        })}
    }
    .into_any()
}

/// The field errors of the last answer of `action` when it refused `kind`'s form: the comment,
/// reject and request-changes forms share the field `text`, and the refusal names the form that
/// posted (`action`). Refusals of the other forms, and answers naming none, are not `kind`'s.
fn refusal_of(action: ServerAction<ActOnRequest>, kind: ActionKind) -> Option<FieldErrors> {
    action
        .value()
        .get_untracked()
        .and_then(Result::err)
        .and_then(|e| e.field_errors().cloned())
        .filter(|e| !e.is_empty() && e.submitted("action") == Some(kind.as_str()))
}

/// Whether `kind`'s form came back refused (it stays open).
fn opened(action: ServerAction<ActOnRequest>, kind: ActionKind) -> bool {
    refusal_of(action, kind).is_some()
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
    let locale = use_i18n().get_locale_untracked();
    // Each form shows only its own refusal (the page is rendered once, on the server).
    let refusal = refusal_of(action, kind);
    let error = refusal
        .as_ref()
        .and_then(|e| e.get("text").map(str::to_owned));
    let kept = refusal.and_then(|e| e.submitted("text").map(str::to_owned));
    let invalid = error.is_some();
    view! {
        <ActionForm action=action attr:class="reason-form">
            <input type="hidden" name="id" value=id />
            <input type="hidden" name="version" value=version />
            <input type="hidden" name="action" value=kind.as_str() />
            <div class="field" class:field-invalid=invalid>
                <label for=field_id>{label}</label>
                <textarea id=field_id name="text" rows="3"
                    aria-invalid=invalid.to_string()
                    aria-describedby=invalid.then(|| format!("{field_id}-error"))>{kept.map(crate::components::rcdata)}</textarea>
                <p class="field-error" id=format!("{field_id}-error") aria-live="polite">{error}</p>
            </div>
            <button type="submit" class=if kind == ActionKind::Reject { "button button-danger" } else { "button" }>
                {kind.label(locale)}
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
    let i18n = use_i18n();
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
            <summary>{tu_string!(i18n, review.approve.title)}</summary>
            <ErrorSummary errors />
            {other_error(action)}
            <ActionForm action=action>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <fieldset class="field">
                    <legend>{tu_string!(i18n, review.approve.which_tags)}</legend>
                    <label class="check"><input type="radio" name="tag_mode" value="exact" checked=mode == "exact" />" " {tu_string!(i18n, review.approve.exact)}</label>
                    <label class="check"><input type="radio" name="tag_mode" value="regex" checked=mode == "regex" />" " {tu_string!(i18n, review.approve.regex)}</label>
                    <label class="check"><input type="radio" name="tag_mode" value="semver" checked=mode == "semver" />" " {tu_string!(i18n, review.approve.semver)}</label>
                </fieldset>
                <TextField name="tags" label=tu_string!(i18n, review.approve.tags)
                    hint=tu_string!(i18n, review.approve.tags_hint)
                    value=Some(initial("tags", "")) required=true errors />
                <TextArea name="digests" label=tu_string!(i18n, review.approve.digests)
                    hint=tu_string!(i18n, review.approve.digests_hint)
                    value=Some(initial("digests", "")) rows=2 errors />
                <TextField name="architectures" label=tu_string!(i18n, review.approve.architectures)
                    hint=tu_string!(i18n, review.approve.architectures_hint)
                    value=Some(initial("architectures", "amd64")) required=true errors />
                <DateField name="expires_on" label=tu_string!(i18n, review.approve.expires_on)
                    hint=tu_string!(i18n, review.approve.expires_hint, max = crate::i18n::readable_date(i18n.get_locale_untracked(), &max_expiry)) min=today max=max_expiry.clone()
                    value=Some(initial("expires_on", &default_expiry)) required=true errors />
                <button type="submit" class="button button-primary">{ActionKind::Approve.label(i18n.get_locale_untracked())}</button>
            </ActionForm>
        </details>
    }
}
