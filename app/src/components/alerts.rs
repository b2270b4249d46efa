use crate::error::AppError;
use crate::i18n::{tu_string, use_i18n};
use leptos::either::EitherOf3;
use leptos::prelude::*;

/// Asks the visitor to sign in, with the link that does it.
#[component]
pub fn SignInPrompt(
    /// What signing in is needed for ("see your requests").
    #[prop(into)]
    purpose: String,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel empty-state">
            <h2>{tu_string!(i18n, common.sign_in_to, purpose = purpose)}</h2>
            <p>{tu_string!(i18n, common.sign_in_body)}</p>
            <a class="button button-primary" href="/auth/login" rel="external">
                {tu_string!(i18n, auth.sign_in)}
            </a>
        </section>
    }
}

/// A page-level error: sign-in prompt for `Unauthenticated`, otherwise the message in an alert.
#[component]
pub fn ErrorNotice(
    error: AppError,
    /// Passed to the sign-in prompt.
    #[prop(into, optional)]
    purpose: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let purpose = purpose.unwrap_or_else(|| tu_string!(i18n, common.continue_purpose).to_owned());
    match error {
        AppError::Unauthenticated => EitherOf3::A(view! { <SignInPrompt purpose /> }),
        AppError::NotFound(what) => EitherOf3::B(view! {
            <section class="panel empty-state" role="alert">
                <h2>{tu_string!(i18n, common.not_found_title, what = what)}</h2>
                <p>{tu_string!(i18n, common.not_found_body)}</p>
                <a class="button" href="/requests">{tu_string!(i18n, common.back_to_mine)}</a>
            </section>
        }),
        other => EitherOf3::C(view! {
            <div class="alert alert-danger" role="alert">
                <p>{other.message(i18n.get_locale_untracked())}</p>
            </div>
        }),
    }
}
