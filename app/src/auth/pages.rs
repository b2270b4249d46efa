//! The development sign-in page and the user menu in the top bar.

use crate::auth::api::dev_sign_in_options;
use crate::auth::context::use_auth;
use crate::components::{ErrorNotice, RoleBadge};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/auth/dev-sign-in`: pick a seeded user. Only works while development sign-in is on.
#[component]
pub fn DevSignInPage() -> impl IntoView {
    let auth = use_auth();
    let options = Resource::new(|| (), |_| dev_sign_in_options());
    let action_error = move || auth.dev_sign_in.value().get().and_then(Result::err);
    view! {
        <Title text="Development sign-in" />
        <div class="page-header">
            <h1>"Development sign-in"</h1>
            <p class="lead">
                "Choose a seeded user. This page exists only on a developer's machine; "
                "production signs in through the organisation's identity provider."
            </p>
        </div>
        {move || action_error().map(|error| view! { <ErrorNotice error /> })}
        <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(users) => view! {
                        <ul class="card-grid">
                            {users
                                .into_iter()
                                .map(|user| {
                                    let label = format!("Sign in as {}", user.display_name);
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
                                                <button type="submit" class="button button-primary" aria-label=label>
                                                    "Sign in as " {user.display_name.clone()}
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
    view! {
        <Title text="Sign-in failed" />
        <section class="panel empty-state" role="alert">
            <h1>"Sign-in failed"</h1>
            <p>{failure.explanation()}</p>
            <div class="actions actions-center">
                {retry.then(|| view! {
                    <a class="button button-primary" href="/auth/login" rel="external">"Try again"</a>
                })}
                <a class="button" href="/">"Start page"</a>
            </div>
        </section>
    }
}

/// The right side of the top bar: the user with a sign-out button, or a sign-in link.
#[component]
pub fn UserMenu() -> impl IntoView {
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
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        }
        .into_any(),
        Some(_) => view! {
            <div class="user-menu">
                <a class="button button-primary" href="/auth/login" rel="external">
                    "Sign in"
                </a>
            </div>
        }
        .into_any(),
        None => ().into_any(),
    }
}
