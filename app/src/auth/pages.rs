//! The development sign-in page and the user menu in the top bar.

use crate::auth::api::dev_sign_in_options;
use crate::auth::context::use_auth;
use crate::components::{ErrorNotice, RoleBadge};
use crate::i18n::{tu_string, use_i18n};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/auth/dev-sign-in`: pick a seeded user. Only works while development sign-in is on.
#[component]
pub fn DevSignInPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let options = Resource::new(|| (), |_| dev_sign_in_options());
    let action_error = move || auth.dev_sign_in.value().get().and_then(Result::err);
    view! {
        <Title text=tu_string!(i18n, auth.dev.title) />
        <div class="page-header">
            <h1>{tu_string!(i18n, auth.dev.title)}</h1>
            <p class="lead">{tu_string!(i18n, auth.dev.lead)}</p>
        </div>
        {move || action_error().map(|error| view! { <ErrorNotice error /> })}
        <Suspense fallback=move || view! { <p class="muted">{tu_string!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(users) => view! {
                        <ul class="card-grid">
                            {users
                                .into_iter()
                                .map(|user| {
                                    let label = tu_string!(i18n, auth.dev.sign_in_as, name = user.display_name.clone()).to_string();
                                    view! {
                                        <li class="panel user-card">
                                            <h2>{user.display_name.clone()}</h2>
                                            <p class="muted">{user.email.clone()}</p>
                                            <p class="badges">
                                                {user.roles.iter().map(|r| view! { <RoleBadge role=*r /> }).collect_view()}
                                            </p>
                                            <p>{user.purpose.clone()}</p>
                                            <ActionForm action=auth.dev_sign_in>
                                                <input type="hidden" name="user" value=user.key.clone() />
                                                <button type="submit" class="button button-primary">
                                                    {label}
                                                </button>
                                            </ActionForm>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                    .into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/auth/sign-in-failed?reason=…`: says why sign-in failed and offers to try again.
#[component]
pub fn SignInFailedPage() -> impl IntoView {
    use crate::auth::failure::SignInFailure;
    let query = leptos_router::hooks::use_query_map();
    let failure = query
        .read_untracked()
        .get("reason")
        .and_then(|code| SignInFailure::from_code(&code))
        .unwrap_or(SignInFailure::NotStartedHere);
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(
            http::StatusCode::from_u16(failure.status()).unwrap_or(http::StatusCode::BAD_REQUEST),
        );
    }
    let retry = failure != SignInFailure::NotConfigured && failure != SignInFailure::NotAllowed;
    let i18n = use_i18n();
    view! {
        <Title text=tu_string!(i18n, auth.failed.title) />
        <section class="panel empty-state" role="alert">
            <h1>{tu_string!(i18n, auth.failed.title)}</h1>
            <p>{failure.explanation(i18n.get_locale_untracked())}</p>
            <div class="actions actions-center">
                {retry.then(|| view! {
                    <a class="button button-primary" href="/auth/login" rel="external">{tu_string!(i18n, auth.failed.retry)}</a>
                })}
                <a class="button" href="/">{tu_string!(i18n, auth.failed.start_page)}</a>
            </div>
        </section>
    }
}

/// The right side of the top bar: the user with a sign-out button, or a sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    move || match auth.user.get() {
        Some(Ok(Some(user))) => view! {
            <div class="user-menu">
                <span class="user-name">
                    {user.display_name.clone()}
                    {user
                        .roles
                        .iter()
                        .filter(|r| **r != crate::domain::Role::Requester)
                        .map(|r| view! { " " <RoleBadge role=*r /> })
                        .collect_view()}
                </span>
                <ActionForm action=auth.sign_out>
                    <button type="submit" class="button button-quiet">
                        {tu_string!(i18n, auth.sign_out)}
                    </button>
                </ActionForm>
            </div>
        }
        .into_any(),
        Some(_) => view! {
            <div class="user-menu">
                <a class="button button-primary" href="/auth/login" rel="external">
                    {tu_string!(i18n, auth.sign_in)}
                </a>
            </div>
        }
        .into_any(),
        None => ().into_any(),
    }
}
