//! The HTML shell, the router and the page frame.

use crate::audit::pages::AuditPage;
use crate::auth::context::provide_auth;
use crate::auth::pages::{DevSignInPage, SignInFailedPage, UserMenu};
use crate::images::pages::{ImagesPage, ReportPage};
use crate::mirror::pages::DriftPage;
use crate::requests::edit::ResubmitPage;
use crate::requests::pages::{MyRequestsPage, NewRequestPage, RequestDetailPage};
use crate::review::pages::ReviewQueuePage;
use crate::tokens::pages::TokensPage;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The document around the app: head, scripts, body. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Sets the page's Content-Security-Policy: scripts only from this site or with this response's
/// nonce (Leptos' inline hydration script carries it), WASM compilation allowed, and forms may go
/// only here or to the identity provider (sign-out continues there).
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let provider = use_context::<crate::state::AppState>()
        .and_then(|state| state.oidc.as_ref().and_then(|oidc| oidc.provider_origin()))
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'{provider}; frame-ancestors 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The application: routes and pages. Every route renders completely on the server before it is
/// sent (`SsrMode::Async`), so pages work without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Tells end-to-end tests (and curious people) that the WASM has taken over the page.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/app.css" />
        <Title formatter=|text: String| {
            if text.is_empty() { "Portcullis".to_string() } else { format!("{text} · Portcullis") }
        } />
        <Router>
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <ParentRoute path=path!("") view=Frame ssr=SsrMode::Async>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("auth/dev-sign-in") view=DevSignInPage ssr=SsrMode::Async />
                    <Route path=path!("auth/sign-in-failed") view=SignInFailedPage ssr=SsrMode::Async />
                    <Route path=path!("requests") view=MyRequestsPage ssr=SsrMode::Async />
                    <Route path=path!("requests/new") view=NewRequestPage ssr=SsrMode::Async />
                    <Route path=path!("requests/:id") view=RequestDetailPage ssr=SsrMode::Async />
                    <Route path=path!("requests/:id/edit") view=ResubmitPage ssr=SsrMode::Async />
                    <Route path=path!("review") view=ReviewQueuePage ssr=SsrMode::Async />
                    <Route path=path!("admin/audit") view=AuditPage ssr=SsrMode::Async />
                    <Route path=path!("admin/tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("admin/drift") view=DriftPage ssr=SsrMode::Async />
                    <Route path=path!("images") view=ImagesPage ssr=SsrMode::Async />
                    <Route path=path!("images/report") view=ReportPage ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// The frame of every page: top bar with navigation and the user, then the page.
#[component]
fn Frame() -> impl IntoView {
    let user = provide_auth().user;
    let signed_in = move || matches!(user.get(), Some(Ok(Some(_))));
    let admin = move || matches!(user.get(), Some(Ok(Some(u))) if u.is_admin());
    let staff = move || matches!(user.get(), Some(Ok(Some(u))) if u.is_staff());
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    <span>"Portcullis"</span>
                </a>
                <Transition fallback=|| ()>
                    <Show when=signed_in>
                        <nav class="main-nav" aria-label="Main">
                            <A href="/requests/new" exact=true>
                                "New request"
                            </A>
                            <A href="/requests" exact=true>
                                "My requests"
                            </A>
                            <A href="/images" exact=true>
                                "Images"
                            </A>
                            <Show when=staff>
                                <A href="/review">"Review queue"</A>
                                <A href="/admin/drift">"Drift"</A>
                            </Show>
                            <Show when=admin>
                                <A href="/admin/tokens">"Tokens"</A>
                                <A href="/admin/audit">"Audit"</A>
                            </Show>
                        </nav>
                    </Show>
                    <UserMenu />
                </Transition>
            </div>
        </header>
        <main id="main" class="page">
            <Outlet />
        </main>
        <footer class="footer">
            <p>
                "Only images approved here run in production. Questions: your security team."
            </p>
        </footer>
    }
}

/// The start page: what the portal is for and where to begin.
#[component]
fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero">
            <h1>"Container images for production, cleared by security"</h1>
            <p class="lead">
                "Ask for a new image here. Portcullis checks Red Hat's catalog for an equivalent, "
                "the security team reviews the request, and approved images are mirrored to the "
                "organisation's registry."
            </p>
            <div class="actions">
                <a class="button button-primary" href="/requests/new">
                    "Request an image"
                </a>
                <a class="button" href="/requests">
                    "My requests"
                </a>
            </div>
        </section>
        <ol class="steps">
            <li>
                <h2>"1. Ask"</h2>
                <p>
                    "Name the image as you would pull it, who owns it, a contact address and why "
                    "production needs it."
                </p>
            </li>
            <li>
                <h2>"2. Review"</h2>
                <p>
                    "The security team checks the image and approves it with a scope and an expiry, "
                    "asks for changes, or rejects it with a reason."
                </p>
            </li>
            <li>
                <h2>"3. Mirror"</h2>
                <p>
                    "Approved images go on the allowlist; the mirror copies exactly those tags. "
                    "Images must be rebuilt at least monthly."
                </p>
            </li>
        </ol>
    }
}

/// Shown for any address that is not a page.
#[component]
fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <main id="main" class="page">
            <section class="panel empty-state">
                <h1>"Page not found"</h1>
                <p>"There is no page at this address."</p>
                <a class="button button-primary" href="/">
                    "Go to the start page"
                </a>
            </section>
        </main>
    }
}
