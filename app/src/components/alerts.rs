use crate::error::AppError;
use leptos::prelude::*;

/// Asks the visitor to sign in, with the link that does it.
#[component]
pub fn SignInPrompt(
    /// What signing in is needed for ("see your requests").
    #[prop(into)]
    purpose: String,
) -> impl IntoView {
    view! {
        <section class="panel empty-state">
            <h2>{format!("Sign in to {purpose}")}</h2>
            <p>"Portcullis uses your organisation account."</p>
            <a class="button button-primary" href="/auth/login" rel="external">
                "Sign in"
            </a>
        </section>
    }
}

/// A page-level error: sign-in prompt for `Unauthenticated`, otherwise the message in an alert.
#[component]
pub fn ErrorNotice(
    error: AppError,
    /// Passed to the sign-in prompt.
    #[prop(into, default = "continue".to_string())]
    purpose: String,
) -> impl IntoView {
    match error {
        AppError::Unauthenticated => view! { <SignInPrompt purpose /> }.into_any(),
        AppError::NotFound(what) => view! {
            <section class="panel empty-state" role="alert">
                <h2>{format!("{what} was not found")}</h2>
                <p>"It may have been mistyped, or it belongs to someone else."</p>
                <a class="button" href="/requests">"Back to my requests"</a>
            </section>
        }
        .into_any(),
        other => view! {
            <div class="alert alert-danger" role="alert">
                <p>{other.to_string()}</p>
            </div>
        }
        .into_any(),
    }
}
