//! The new-request form, "My requests" and the request page.

use crate::allowlist::pages::{EntryActions, EntryPanel};
use crate::auth::context::use_auth;
use crate::catalog::pages::CatalogChoice;
use crate::components::{
    debounced, DataTable, ErrorNotice, ErrorSummary, RequestBadges, SignInPrompt, StateBadge,
    TextArea, TextField, Timestamp,
};
use crate::domain::{ActionKind, CatalogOutcome, EntryActionKind, EventKind, ImageReference};
use crate::error::FieldErrors;
use crate::images::pages::LocalCheck;
use crate::registry::pages::UpstreamPanel;
use crate::requests::api::{get_request, list_my_requests, SubmitRequest};
use crate::requests::model::{RequestEvent, RequestPage, RequestSummary, SubmittedBeside};
use crate::review::pages::{ReviewActions, ReviewPanel};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// `/requests/new`: the form for a new image request.
///
/// With JavaScript, errors appear without a reload and the reference is normalised as it is
/// typed. Without it, the form posts, and on a problem the page comes back with the errors and
/// everything that was typed.
#[component]
pub fn NewRequestPage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Title text="New request" />
        <div class="page-header">
            <h1>"Request an image"</h1>
            <p class="lead">
                "Tell the security team which image you need in production and why. "
                "You can follow the request and answer questions on its page."
            </p>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => view! { <NewRequestForm /> }.into_any(),
                    Ok(None) => view! { <SignInPrompt purpose="request an image" /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewRequestForm() -> impl IntoView {
    let submit = ServerAction::<SubmitRequest>::new();
    let errors: Signal<Option<FieldErrors>> = Signal::derive(move || {
        submit
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_errors().cloned())
    });
    let other_error = move || {
        submit
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.field_errors().is_none())
    };
    // After a form post without JavaScript the page is rendered anew: refill what was typed,
    // from the returned errors or from "Check the Red Hat catalog" (which reloads with a query).
    let kept = errors.get_untracked();
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let initial = move |field: &str| {
        kept.as_ref()
            .and_then(|e| e.submitted(field))
            .map(str::to_owned)
            .or_else(|| query.get(field).filter(|v| !v.is_empty()))
    };
    // The check button is for browsers without JavaScript; with it the list follows the typing.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let image_text = RwSignal::new(initial("image").unwrap_or_default());
    // Both checks follow the typing 350 ms after the last keystroke.
    let settled = debounced(image_text.into(), std::time::Duration::from_millis(350));
    let pending = submit.pending();

    view! {
        <div class="panel form-panel">
            <ErrorSummary errors />
            {move || other_error().map(|error| view! { <ErrorNotice error purpose="submit the request" /> })}
            <ActionForm action=submit>
                <TextField
                    name="image"
                    label="Image reference"
                    hint="As you would pull it: nginx:1.25, ghcr.io/org/tool:2.0 or name@sha256:…"
                    placeholder="nginx:1.25"
                    value=initial("image")
                    required=true
                    errors
                    on_input=Callback::new(move |text: String| image_text.set(text))
                >
                    <ImagePreview text=image_text.into() />
                    <LocalCheck image=settled />
                    <Show when=move || !hydrated.get()>
                        <button
                            type="submit"
                            class="button button-small"
                            formaction="/requests/new"
                            formmethod="get"
                            formnovalidate=true
                        >
                            "Check the Red Hat catalog"
                        </button>
                    </Show>
                </TextField>
                <CatalogChoice
                    image=settled
                    errors
                    chosen=initial("catalog_choice")
                    reason=initial("catalog_reason")
                />
                <TextField
                    name="team"
                    label="Team / application"
                    hint="Who owns and runs the image, e.g. “Web platform / course portal”."
                    value=initial("team")
                    autocomplete="organization"
                    required=true
                    errors
                />
                <TextField
                    name="contact"
                    label="Contact address"
                    hint="A team mailbox is best. It becomes the image's contact label."
                    value=initial("contact")
                    input_type="email"
                    autocomplete="email"
                    required=true
                    errors
                />
                <TextArea
                    name="justification"
                    label="Justification"
                    hint="What will run it, where, and why it is needed in production."
                    value=initial("justification")
                    rows=6
                    required=true
                    errors
                />
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Submitting…" } else { "Submit request" }}
                    </button>
                    <a class="button button-quiet" href="/requests">
                        "Cancel"
                    </a>
                </div>
            </ActionForm>
        </div>
    }
}

/// What the typed reference means, shown as it is typed (in the browser only).
#[component]
fn ImagePreview(text: Signal<String>) -> impl IntoView {
    move || {
        let text = text.get();
        let reference = ImageReference::parse(&text).ok()?;
        let latest = reference.is_floating_latest();
        Some(view! {
            <p class="preview" aria-live="polite">
                "Will be requested as " <code>{reference.to_string()}</code>
            </p>
            {latest.then(|| view! {
                <p class="preview preview-warning">
                    "“latest” changes without notice. Name a version tag or a digest if you can."
                </p>
            })}
        })
    }
}

/// `/requests`: the signed-in user's requests, newest first.
#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let requests = Resource::new(|| (), |_| list_my_requests());
    view! {
        <Title text="My requests" />
        <div class="page-header page-header-row">
            <h1>"My requests"</h1>
            <a class="button button-primary" href="/requests/new">
                "New request"
            </a>
        </div>
        <Suspense fallback=|| view! { <p class="muted">"Loading your requests…"</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => view! {
                        <section class="panel empty-state">
                            <h2>"No requests yet"</h2>
                            <p>
                                "When you need an image in production that is not on the mirror, "
                                "request it here."
                            </p>
                            <a class="button button-primary" href="/requests/new">
                                "Request an image"
                            </a>
                        </section>
                    }
                    .into_any(),
                    Ok(list) => view! { <RequestTable requests=list /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose="see your requests" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestTable(requests: Vec<RequestSummary>) -> impl IntoView {
    view! {
        <DataTable caption="Your image requests, newest first" columns=&["#", "Image", "Team", "State", "Submitted"]>
                    {requests
                        .into_iter()
                        .map(|r| {
                            let href = format!("/requests/{}", r.id);
                            view! {
                                <tr>
                                    <td data-label="#">
                                        <a href=href.clone()>{format!("#{}", r.id)}</a>
                                    </td>
                                    <td data-label="Image">
                                        <a href=href class="mono">{r.image}</a>
                                    </td>
                                    <td data-label="Team">{r.team}</td>
                                    <td data-label="State">
                                        <RequestBadges state=r.state catalog_checked=r.catalog_checked />
                                    </td>
                                    <td data-label="Submitted">
                                        <Timestamp at=r.created_at />
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
        </DataTable>
    }
}

/// The request number in the route (`/requests/:id…`), `None` when it is not a number.
pub fn request_id_in_route() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    }
}

/// `/requests/:id`: one request, its details and its timeline.
#[component]
pub fn RequestDetailPage() -> impl IntoView {
    let id = request_id_in_route();
    // The review's actions live as long as the page, so the request is read again after each
    // one and a form's errors survive that.
    let actions = ReviewActions::new();
    let entry_actions = EntryActions::new();
    provide_context(actions);
    provide_context(entry_actions);
    let page = Resource::new(
        move || (id(), actions.versions(), entry_actions.versions()),
        |(id, _, _)| async move {
            match id {
                Some(id) => get_request(id).await,
                None => Err(crate::error::AppError::NotFound("That request".into())),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the request…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <RequestView page /> }.into_any(),
                    Err(error) => view! {
                        <Title text="Request" />
                        <ErrorNotice error purpose="see this request" />
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestView(page: RequestPage) -> impl IntoView {
    let review = page.clone();
    let entry = page.entry.clone().map(|entry| {
        view! {
            <EntryPanel entry today=page.today.clone() max_expiry=page.approval_max_expiry.clone()
                allowed=page.entry_actions mirror=page.mirror />
        }
    });
    let r = page.request;
    // A Red Hat image picked from the catalog gets `latest` from the portal; reviewers scope
    // its tags when approving, so only warn about a `latest` the requester typed.
    let floating = r.catalog.decision != CatalogOutcome::Chosen
        && ImageReference::parse(&r.image)
            .map(|i| i.is_floating_latest())
            .unwrap_or(false);
    view! {
        <Title text=format!("Request #{}", r.id) />
        <div class="page-header">
            <p class="eyebrow">
                <a href="/requests">"My requests"</a>
                " / "
                {format!("Request #{}", r.id)}
            </p>
            <div class="title-row">
                <h1 class="mono title-image">{r.image.clone()}</h1>
                <StateBadge state=r.state />
            </div>
            <p class="muted">
                "Requested by " {r.requester_name.clone()} " · " <Timestamp at=r.created_at.clone() />
            </p>
        </div>
        {floating.then(|| view! {
            <div class="alert alert-warning" role="note">
                <p>
                    "This request names the “latest” tag, which changes without notice. "
                    "Reviewers usually approve a version tag or a digest instead."
                </p>
            </div>
        })}
        <div class="detail-grid">
            <div class="detail-main">
            {entry}
            <RequestFacts request=r.clone() contact_label=page.contact_label.clone() />
            <UpstreamPanel id=r.id.0 />
            <CatalogCheckPanel check=r.catalog.clone() typed=r.image_input.clone() />
            </div>
            <div class="detail-side">
                <ReviewPanel page=review />
                <Timeline events=page.events />
            </div>
        </div>
    }
}

/// The request's facts. (Each section of the request page erases its view type with
/// `into_any`, which keeps the page's type shallow enough for the compiler's depth limit.)
#[component]
fn RequestFacts(
    request: crate::requests::model::RequestDetail,
    contact_label: String,
) -> impl IntoView {
    let r = request;
    let typed_differently = r.image_input != r.image;
    view! {
            <section class="panel">
                <h2>"Details"</h2>
                <dl class="facts">
                    <dt>"Image"</dt>
                    <dd class="mono">{r.image.clone()}</dd>
                    {typed_differently.then(|| view! {
                        <dt>"As typed"</dt>
                        <dd class="mono">{r.image_input.clone()}</dd>
                    })}
                    <dt>"Team / application"</dt>
                    <dd>{r.team.clone()}</dd>
                    <dt>"Contact"</dt>
                    <dd>
                        <a href=format!("mailto:{}", r.contact)>{r.contact.clone()}</a>
                        <span class="muted">" (label " <code>{contact_label}</code> ")"</span>
                    </dd>
                    {r.submitted_beside.map(|beside| {
                        let (text, id) = match beside {
                            SubmittedBeside::Approved(id) => ("Already approved in request ", id),
                            SubmittedBeside::Open(id) => ("Asked for in the open request ", id),
                        };
                        view! {
                            <dt>"Local registry"</dt>
                            <dd>{text} <a href=format!("/requests/{id}")>{format!("#{id}")}</a> " when this was submitted."</dd>
                        }
                    })}
                    <dt>"Justification"</dt>
                    <dd class="prose">{r.justification.clone()}</dd>
                </dl>
            </section>
    }
    .into_any()
}

/// The request's timeline, oldest first.
#[component]
fn Timeline(events: Vec<RequestEvent>) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Timeline"</h2>
            <ol class="timeline">
                {events.into_iter().map(|e| view! { <TimelineEntry event=e /> }).collect_view()}
            </ol>
        </section>
    }
    .into_any()
}

/// What the catalog check showed and what the requester decided, for requester and reviewers.
#[component]
fn CatalogCheckPanel(check: crate::requests::model::CatalogCheck, typed: String) -> impl IntoView {
    let decision = match check.decision {
        CatalogOutcome::Chosen => format!(
            "Chose the Red Hat image {} instead of {typed}.",
            check.choice.clone().unwrap_or_default()
        ),
        CatalogOutcome::NoneFits => "Said none of the Red Hat images fits:".to_owned(),
        CatalogOutcome::NoEquivalent => "The catalog had no equivalent.".to_owned(),
    };
    view! {
        <section class="panel catalog-panel">
            <h2>"Red Hat catalog check"</h2>
            {(!check.checked).then(|| view! {
                <div class="alert alert-warning catalog-not-checked" role="status">
                    <p><strong>"Catalog not checked."</strong></p>
                    <p>{not_checked_reason(check.mirror_at.as_deref())}</p>
                </div>
            })}
            <p>{decision}</p>
            {check.reason.map(|reason| view! { <blockquote class="prose">{reason}</blockquote> })}
            {(!check.candidates.is_empty()).then(|| view! {
                <p class="small muted">"Shown to the requester, best first:"</p>
                <ol class="shown-candidates">
                    {check.candidates.into_iter().map(|c| {
                        let chosen = check.choice.as_deref() == Some(c.repository.as_str());
                        let grade = c.grade.clone().map(|g| format!("grade {g}")).unwrap_or_else(|| "grade unknown".into());
                        view! {
                            <li class:chosen=chosen>
                                <a href=c.catalog_url.clone() target="_blank" rel="noopener noreferrer">
                                    <code>{c.repository.clone()}</code>
                                </a>
                                {format!(" {grade}, {}", c.status)}
                                {chosen.then(|| view! { <strong>" — chosen"</strong> })}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
        </section>
    }
    .into_any()
}

/// Why a request's catalog check does not count yet, in words.
fn not_checked_reason(mirror_at: Option<&str>) -> String {
    let when = match mirror_at {
        None => "the offline snapshot shipped with Portcullis".to_owned(),
        Some(at) => format!(
            "a copy of the catalog last refreshed {}",
            &at[..at.len().min(16)].replace('T', " ")
        ),
    };
    format!(
        "Red Hat's catalog could not be reached when this request was submitted, so the \
         suggestions came from {when}. Portcullis checks again on its own once the catalog \
         answers, and notes the result in the timeline."
    )
}

#[component]
fn TimelineEntry(event: RequestEvent) -> impl IntoView {
    let what = match event.kind {
        EventKind::Submitted => "submitted the request",
        EventKind::CatalogRechecked => "checked the Red Hat catalog again",
        EventKind::Action(action) => match action {
            ActionKind::Comment => "commented",
            ActionKind::Claim => "claimed the request",
            ActionKind::Release => "released the request",
            ActionKind::RequestChanges => "asked for changes",
            ActionKind::Approve => "approved the request",
            ActionKind::Reject => "rejected the request",
            ActionKind::Withdraw => "withdrew the request",
            ActionKind::Resubmit => "resubmitted the request",
        },
        EventKind::Entry(EntryActionKind::Revoke) => "revoked the approval",
        EventKind::Entry(EntryActionKind::Renew) => "renewed the approval",
    };
    view! {
        <li>
            <p>
                <strong>{event.actor_name}</strong>
                " "
                {what}
            </p>
            <p class="muted small">
                <Timestamp at=event.created_at />
            </p>
            {event.body.map(|body| view! { <p class="prose">{body}</p> })}
        </li>
    }
}
