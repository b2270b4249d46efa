//! The new-request form, "My requests" and the request page.

use crate::allowlist::pages::EntryPanel;
use crate::auth::context::use_auth;
use crate::catalog::pages::CatalogChoice;
use crate::components::{
    debounced, DataTable, ErrorNotice, ErrorSummary, RequestBadges, SignInPrompt, StateBadge,
    TextArea, TextField, Timestamp,
};
use crate::domain::{ActionKind, CatalogOutcome, EntryActionKind, EventKind, ImageReference};
use crate::error::{AppError, FieldErrors};
use crate::i18n::{tu_string, use_i18n};
use crate::images::pages::LocalCheck;
use crate::registry::pages::UpstreamPanel;
use crate::requests::api::{get_request, list_my_requests, SubmitRequest};
use crate::requests::model::{RequestEvent, RequestPage, RequestSummary, SubmittedBeside};
use crate::review::pages::ReviewPanel;
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
    let i18n = use_i18n();
    let auth = use_auth();
    view! {
        <Title text=tu_string!(i18n, requests.new.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, requests.new.heading)}</h1>
            <p class="lead">{tu_string!(i18n, requests.new.lead)}</p>
        </div>
        <Transition fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(_)) => view! { <NewRequestForm start=FormStart::on_this_page() /> }.into_any(),
                    Ok(None) => view! { <SignInPrompt purpose=tu_string!(i18n, requests.new.sign_in_purpose) /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the new-request form starts with on this page load: what was typed before a post that
/// came back refused (without JavaScript), or before "Check the Red Hat catalog" (which reloads
/// the form with the typing in its query), and that post's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormStart {
    /// Each field's text, by the field's name.
    pub fields: Vec<(String, String)>,
    /// The refusal of the last post, when the page came back from one.
    pub answer: Option<AppError>,
}

impl FormStart {
    /// The start of the form on the page being rendered. Who calls it: the page around the form,
    /// on the server (the form itself is an island and has no router in the browser).
    fn on_this_page() -> Self {
        let answer = ServerAction::<SubmitRequest>::new()
            .value()
            .get_untracked()
            .and_then(Result::err)
            // An answer that names no error is none (a crafted link must not fill the form in).
            .filter(|e| e.field_errors().is_none_or(|f| !f.is_empty()));
        let query = leptos_router::hooks::use_query_map().get_untracked();
        let fields = NEW_REQUEST_FIELDS
            .iter()
            .filter_map(|&field| {
                answer
                    .as_ref()
                    .and_then(|e| e.field_errors())
                    .and_then(|e| e.submitted(field))
                    .map(str::to_owned)
                    .or_else(|| query.get(field).filter(|v| !v.is_empty()))
                    .map(|text| (field.to_owned(), text))
            })
            .collect();
        Self { fields, answer }
    }

    fn get(&self, field: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, text)| text.clone())
    }
}

/// The new-request form's fields, by name (what a refused post or a catalog check keeps).
const NEW_REQUEST_FIELDS: [&str; 6] = [
    "image",
    "catalog_choice",
    "catalog_reason",
    "team",
    "contact",
    "justification",
];

/// The new-request form: an island, the one part of the portal that reacts in place (the
/// reference's meaning, the local registry and the Red Hat catalog follow the typing). Without
/// JavaScript it is a plain form post.
#[island]
fn NewRequestForm(start: FormStart) -> impl IntoView {
    crate::i18n::provide_page_locale();
    let i18n = use_i18n();
    let submit = ServerAction::<SubmitRequest>::new();
    // The answer of a post made without JavaScript, until this form posts itself.
    if let Some(answer) = start.answer.clone() {
        submit.value().set(Some(Err(answer)));
    }
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
    let initial = move |field: &str| start.get(field);
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
            {move || other_error().map(|error| view! { <ErrorNotice error purpose=tu_string!(i18n, requests.new.submit_purpose) /> })}
            <ActionForm action=submit>
                <TextField
                    name="image"
                    label=tu_string!(i18n, requests.field.image)
                    hint=tu_string!(i18n, requests.field.image_hint)
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
                            {tu_string!(i18n, requests.new.check_catalog)}
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
                    label=tu_string!(i18n, requests.field.team)
                    hint=tu_string!(i18n, requests.field.team_hint)
                    value=initial("team")
                    autocomplete="organization"
                    required=true
                    errors
                />
                <TextField
                    name="contact"
                    label=tu_string!(i18n, requests.field.contact)
                    hint=tu_string!(i18n, requests.field.contact_hint)
                    value=initial("contact")
                    input_type="email"
                    autocomplete="email"
                    required=true
                    errors
                />
                <TextArea
                    name="justification"
                    label=tu_string!(i18n, requests.field.justification)
                    hint=tu_string!(i18n, requests.field.justification_hint)
                    value=initial("justification")
                    rows=6
                    required=true
                    errors
                />
                <div class="form-actions">
                    <button type="submit" class="button button-primary" disabled=move || pending.get()>
                        {move || if pending.get() { tu_string!(i18n, requests.new.submitting) } else { tu_string!(i18n, requests.new.submit) }}
                    </button>
                    <a class="button button-quiet" href="/requests">
                        {tu_string!(i18n, common.cancel)}
                    </a>
                </div>
            </ActionForm>
        </div>
    }
}

/// What the typed reference means, shown as it is typed (in the browser only).
#[component]
fn ImagePreview(text: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let text = text.get();
        let reference = ImageReference::parse(&text).ok()?;
        let latest = reference.is_floating_latest();
        Some(view! {
            <p class="preview" aria-live="polite">
                {tu_string!(i18n, requests.new.will_be_requested_as)} " " <code>{reference.to_string()}</code>
            </p>
            {latest.then(|| view! {
                <p class="preview preview-warning">
                    {tu_string!(i18n, requests.new.latest_warning)}
                </p>
            })}
        })
    }
}

/// `/requests`: the signed-in user's requests, newest first.
#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let i18n = use_i18n();
    let requests = Resource::new(|| (), |_| list_my_requests());
    view! {
        <Title text=tu_string!(i18n, common.nav.my_requests) />
        <div class="page-header page-header-row">
            <h1>{tu_string!(i18n, common.nav.my_requests)}</h1>
            <a class="button button-primary" href="/requests/new">
                {tu_string!(i18n, common.nav.new_request)}
            </a>
        </div>
        <Suspense fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if list.is_empty() => view! {
                        <section class="panel empty-state">
                            <h2>{tu_string!(i18n, requests.mine.empty_title)}</h2>
                            <p>{tu_string!(i18n, requests.mine.empty_body)}</p>
                            <a class="button button-primary" href="/requests/new">
                                {tu_string!(i18n, common.home.request_image)}
                            </a>
                        </section>
                    }
                    .into_any(),
                    Ok(list) => view! { <RequestTable requests=list /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error purpose=tu_string!(i18n, requests.mine.sign_in_purpose) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestTable(requests: Vec<RequestSummary>) -> impl IntoView {
    let i18n = use_i18n();
    let (image, team, state, submitted) = (
        tu_string!(i18n, requests.column.image),
        tu_string!(i18n, requests.column.team),
        tu_string!(i18n, requests.column.state),
        tu_string!(i18n, requests.column.submitted),
    );
    view! {
        <DataTable caption=tu_string!(i18n, requests.mine.caption) columns=vec!["#", image, team, state, submitted]>
                    {requests
                        .into_iter()
                        .map(|r| {
                            let href = format!("/requests/{}", r.id);
                            view! {
                                <tr>
                                    <td data-label="#">
                                        <a href=href.clone()>{format!("#{}", r.id)}</a>
                                    </td>
                                    <td data-label=image>
                                        <a href=href class="mono">{r.image}</a>
                                    </td>
                                    <td data-label=team translate="no">{r.team}</td>
                                    <td data-label=state>
                                        <RequestBadges state=r.state catalog_checked=r.catalog_checked />
                                    </td>
                                    <td data-label=submitted>
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
    let i18n = use_i18n();
    let page = Resource::new(id, move |id| async move {
        match id {
            Some(id) => get_request(id).await,
            None => Err(crate::error::AppError::NotFound(
                tu_string!(i18n, requests.detail.that_request).to_owned(),
            )),
        }
    });
    view! {
        <Suspense fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <RequestView page /> }.into_any(),
                    Err(error) => view! {
                        <Title text=tu_string!(i18n, requests.detail.title_plain) />
                        <ErrorNotice error purpose=tu_string!(i18n, requests.detail.sign_in_purpose) />
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RequestView(page: RequestPage) -> impl IntoView {
    let i18n = use_i18n();
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
        <Title text=tu_string!(i18n, requests.detail.title, id = r.id.0) />
        <div class="page-header">
            <p class="eyebrow">
                <a href="/requests">{tu_string!(i18n, common.nav.my_requests)}</a>
                " / "
                {tu_string!(i18n, requests.detail.title, id = r.id.0)}
            </p>
            <div class="title-row">
                <h1 class="mono title-image">{r.image.clone()}</h1>
                <StateBadge state=r.state />
            </div>
            <p class="muted">
                {tu_string!(i18n, requests.detail.requested_by, name = r.requester_name.clone())} " · " <Timestamp at=r.created_at.clone() />
            </p>
        </div>
        {floating.then(|| view! {
            <div class="alert alert-warning" role="note">
                <p>{tu_string!(i18n, requests.detail.latest_warning)}</p>
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
    let i18n = use_i18n();
    let r = request;
    let typed_differently = r.image_input != r.image;
    view! {
            <section class="panel">
                <h2>{tu_string!(i18n, requests.detail.details)}</h2>
                <dl class="facts">
                    <dt>{tu_string!(i18n, requests.column.image)}</dt>
                    <dd class="mono">{r.image.clone()}</dd>
                    {typed_differently.then(|| view! {
                        <dt>{tu_string!(i18n, requests.detail.as_typed)}</dt>
                        <dd class="mono">{r.image_input.clone()}</dd>
                    })}
                    <dt>{tu_string!(i18n, requests.field.team)}</dt>
                    <dd translate="no">{r.team.clone()}</dd>
                    <dt>{tu_string!(i18n, requests.detail.contact)}</dt>
                    <dd>
                        <a href=format!("mailto:{}", r.contact)>{r.contact.clone()}</a>
                        <span class="muted">" (" {tu_string!(i18n, requests.detail.label)} " " <code>{contact_label}</code> ")"</span>
                    </dd>
                    {r.submitted_beside.map(|beside| {
                        let (text, id) = match beside {
                            SubmittedBeside::Approved(id) => (tu_string!(i18n, requests.detail.beside_approved), id),
                            SubmittedBeside::Open(id) => (tu_string!(i18n, requests.detail.beside_open), id),
                        };
                        view! {
                            <dt>{tu_string!(i18n, requests.detail.local_registry)}</dt>
                            <dd>{text} " " <a href=format!("/requests/{id}")>{format!("#{id}")}</a> " " {tu_string!(i18n, requests.detail.beside_when)}</dd>
                        }
                    })}
                    <dt>{tu_string!(i18n, requests.field.justification)}</dt>
                    <dd class="prose">{r.justification.clone()}</dd>
                </dl>
            </section>
    }
    .into_any()
}

/// The request's timeline, oldest first.
#[component]
fn Timeline(events: Vec<RequestEvent>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <h2>{tu_string!(i18n, requests.timeline.title)}</h2>
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
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let decision = match check.decision {
        CatalogOutcome::Chosen => tu_string!(
            i18n,
            requests.catalog.chosen,
            choice = check.choice.clone().unwrap_or_default(),
            typed = typed
        )
        .to_string(),
        CatalogOutcome::NoneFits => tu_string!(i18n, requests.catalog.none_fits).to_owned(),
        CatalogOutcome::NoEquivalent => tu_string!(i18n, requests.catalog.no_equivalent).to_owned(),
    };
    view! {
        <section class="panel catalog-panel">
            <h2>{tu_string!(i18n, requests.catalog.title)}</h2>
            {(!check.checked).then(|| view! {
                <div class="alert alert-warning catalog-not-checked" role="status">
                    <p><strong>{tu_string!(i18n, requests.catalog.not_checked)}</strong></p>
                    <p>{not_checked_reason(locale, check.mirror_at.as_deref())}</p>
                </div>
            })}
            <p>{decision}</p>
            {check.reason.map(|reason| view! { <blockquote class="prose">{reason}</blockquote> })}
            {(!check.candidates.is_empty()).then(|| view! {
                <p class="small muted">{tu_string!(i18n, requests.catalog.shown)}</p>
                <ol class="shown-candidates">
                    {check.candidates.into_iter().map(|c| {
                        let chosen = check.choice.as_deref() == Some(c.repository.as_str());
                        let grade = c.grade.clone().map(|g| tu_string!(i18n, requests.catalog.grade, grade = g).to_string()).unwrap_or_else(|| tu_string!(i18n, requests.catalog.grade_unknown).to_owned());
                        view! {
                            <li class:chosen=chosen>
                                <a href=c.catalog_url.clone() target="_blank" rel="noopener noreferrer">
                                    <code>{c.repository.clone()}</code>
                                </a>
                                {format!(" {grade}, {}", c.status)}
                                {chosen.then(|| view! { <strong>" — " {tu_string!(i18n, requests.catalog.chosen_mark)}</strong> })}
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
fn not_checked_reason(locale: crate::i18n::Locale, mirror_at: Option<&str>) -> String {
    use crate::i18n::td_string;
    let when = match mirror_at.and_then(|at| {
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()
    }) {
        None => td_string!(locale, requests.catalog.from_snapshot).to_owned(),
        Some(at) => td_string!(
            locale,
            requests.catalog.from_copy,
            when = crate::i18n::format_date_time(locale, at)
        )
        .to_string(),
    };
    td_string!(locale, requests.catalog.not_checked_reason, when = when).to_string()
}

#[component]
fn TimelineEntry(event: RequestEvent) -> impl IntoView {
    let i18n = use_i18n();
    let what = match event.kind {
        EventKind::Submitted => tu_string!(i18n, requests.timeline.submitted),
        EventKind::CatalogRechecked => tu_string!(i18n, requests.timeline.catalog_rechecked),
        EventKind::Action(action) => match action {
            ActionKind::Comment => tu_string!(i18n, requests.timeline.comment),
            ActionKind::Claim => tu_string!(i18n, requests.timeline.claim),
            ActionKind::Release => tu_string!(i18n, requests.timeline.release),
            ActionKind::RequestChanges => tu_string!(i18n, requests.timeline.request_changes),
            ActionKind::Approve => tu_string!(i18n, requests.timeline.approve),
            ActionKind::Reject => tu_string!(i18n, requests.timeline.reject),
            ActionKind::Withdraw => tu_string!(i18n, requests.timeline.withdraw),
            ActionKind::Resubmit => tu_string!(i18n, requests.timeline.resubmit),
        },
        EventKind::Entry(EntryActionKind::Revoke) => tu_string!(i18n, requests.timeline.revoke),
        EventKind::Entry(EntryActionKind::Renew) => tu_string!(i18n, requests.timeline.renew),
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
