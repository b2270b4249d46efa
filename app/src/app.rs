//! The HTML shell, the router and the page frame.

use crate::audit::pages::AuditPage;
use crate::auth::context::provide_auth;
use crate::auth::pages::{DevSignInPage, SignInFailedPage, UserMenu};
use crate::i18n::{tu_string, use_i18n, Locale};
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
    #[cfg(feature = "ssr")]
    let lang = crate::i18n::code(crate::i18n::request_locale());
    #[cfg(not(feature = "ssr"))]
    let lang = "nb";
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <IslandLoader options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The script that makes a page's islands live: it loads the WASM bundle only when the page has
/// a `<leptos-island>` (most pages have none and load no JavaScript or WASM at all), then
/// hydrates each island. Everything outside the islands is never hydrated: it stays as the
/// server rendered it, with plain links and form posts. Rendered on the server only.
#[component]
fn IslandLoader(options: LeptosOptions) -> impl IntoView {
    // Outside islands nothing is hydrated, so the server records no resource data for it.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
    // cargo-leptos names the bundle's files after the output name; wasm-bindgen alone adds
    // `_bg` to the WASM's.
    let wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() {
        format!("{pkg}.wasm")
    } else {
        format!("{pkg}_bg.wasm")
    };
    // The addresses come from the settings; as JSON strings with `<` escaped they cannot end
    // the script early.
    let quoted = |url: String| {
        serde_json::Value::String(url)
            .to_string()
            .replace('<', "\\u003c")
    };
    let script = format!(
        "{}({}, {});",
        loader_source(),
        quoted(format!("{pkg}.js")),
        quoted(wasm)
    );
    view! { <script type="module" nonce=leptos::nonce::use_nonce()>{script}</script> }
}

/// `island_loader.js` without its comment lines (they are for the people reading the file, not
/// for every page's bytes), ending in the function to call.
fn loader_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        include_str!("island_loader.js")
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .trim_end_matches(';')
            .to_owned()
    })
}

/// Sets the page's Content-Security-Policy: scripts only from this site or with this response's
/// nonce (the island loader carries it), WASM compilation allowed, and forms may go
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
/// sent (`SsrMode::Async`), so pages work without JavaScript; in the browser only the islands
/// (`#[island]`, the request form's live checks) hydrate, and the rest of the page stays as the
/// server rendered it. The language is the server's choice
/// ([`crate::i18n::request_locale`]); the browser takes it from `<html lang>`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::i18n::provide_page_locale();
    view! {
        <Stylesheet id="leptos" href="/pkg/app.css" />
        <Title formatter=|text: String| {
            crate::components::rcdata(if text.is_empty() { "Portcullis".to_string() } else { format!("{text} · Portcullis") })
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

/// The frame of every page: top bar with navigation, the language switch and the user, then the
/// page.
#[component]
fn Frame() -> impl IntoView {
    let i18n = use_i18n();
    let user = provide_auth().user;
    let signed_in = move || matches!(user.get(), Some(Ok(Some(_))));
    let admin = move || matches!(user.get(), Some(Ok(Some(u))) if u.is_admin());
    let staff = move || matches!(user.get(), Some(Ok(Some(u))) if u.is_staff());
    view! {
        <a class="skip-link" href="#main">
            {tu_string!(i18n, common.skip_to_content)}
        </a>
        <header class="topbar">
            <div class="topbar-inner">
                <a class="brand" href="/">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    <span>"Portcullis"</span>
                </a>
                <Transition fallback=|| ()>
                    <Show when=signed_in>
                        <nav class="main-nav" aria-label=tu_string!(i18n, common.nav.label)>
                            <A href="/requests/new" exact=true>
                                {tu_string!(i18n, common.nav.new_request)}
                            </A>
                            <A href="/requests" exact=true>
                                {tu_string!(i18n, common.nav.my_requests)}
                            </A>
                            <A href="/images" exact=true>
                                {tu_string!(i18n, common.nav.images)}
                            </A>
                            <Show when=staff>
                                <A href="/review">{tu_string!(i18n, common.nav.review_queue)}</A>
                                <A href="/admin/drift">{tu_string!(i18n, common.nav.drift)}</A>
                            </Show>
                            <Show when=admin>
                                <A href="/admin/tokens">{tu_string!(i18n, common.nav.tokens)}</A>
                                <A href="/admin/audit">{tu_string!(i18n, common.nav.audit)}</A>
                            </Show>
                        </nav>
                    </Show>
                    <UserMenu />
                </Transition>
                <LanguageSwitch />
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            <Outlet />
        </main>
        <footer class="footer">
            <p>{tu_string!(i18n, common.footer)}</p>
        </footer>
    }
}

/// The switch to the other language: a plain form post to `/language`, which remembers the
/// choice and comes back to this page (with or without JavaScript).
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let location = leptos_router::hooks::use_location();
    let here = move || {
        let search = location.search.get();
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{search}", location.pathname.get())
        }
    };
    // Each language names itself in itself, marked with its `lang` so screen readers say it
    // right.
    let other = move || match i18n.get_locale() {
        Locale::nb => ("en", "English"),
        Locale::en => ("nb", "Norsk"),
    };
    view! {
        <form class="language-switch" method="post" action="/language">
            <input type="hidden" name="return_to" prop:value=here value=here />
            <button
                class="button button-small"
                type="submit"
                name="lang"
                value=move || other().0
                lang=move || other().0
                aria-label=tu_string!(i18n, common.language_switch)
            >
                {move || other().1}
            </button>
        </form>
    }
}

/// The start page: what the portal is for and where to begin.
#[component]
fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text="" />
        <section class="hero">
            <h1>{tu_string!(i18n, common.home.title)}</h1>
            <p class="lead">{tu_string!(i18n, common.home.lead)}</p>
            <div class="actions">
                <a class="button button-primary" href="/requests/new">
                    {tu_string!(i18n, common.home.request_image)}
                </a>
                <a class="button" href="/requests">
                    {tu_string!(i18n, common.nav.my_requests)}
                </a>
            </div>
        </section>
        <ol class="steps">
            <li>
                <h2>{tu_string!(i18n, common.home.ask_title)}</h2>
                <p>{tu_string!(i18n, common.home.ask)}</p>
            </li>
            <li>
                <h2>{tu_string!(i18n, common.home.review_title)}</h2>
                <p>{tu_string!(i18n, common.home.review)}</p>
            </li>
            <li>
                <h2>{tu_string!(i18n, common.home.mirror_title)}</h2>
                <p>{tu_string!(i18n, common.home.mirror)}</p>
            </li>
        </ol>
    }
}

/// Shown for any address that is not a page.
#[component]
fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=tu_string!(i18n, common.not_found.title) />
        <main id="main" class="page">
            <section class="panel empty-state">
                <h1>{tu_string!(i18n, common.not_found.title)}</h1>
                <p>{tu_string!(i18n, common.not_found.body)}</p>
                <a class="button button-primary" href="/">
                    {tu_string!(i18n, common.not_found.home)}
                </a>
            </section>
        </main>
    }
}
