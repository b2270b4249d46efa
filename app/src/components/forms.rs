//! What every form shows of its action's last answer: the errors about its fields, and the one
//! error that is not about a field (refused, changed meanwhile).

use super::ErrorNotice;
use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The field errors of an action's last answer, for its form. An answer that names no error is
/// none: a crafted `__err` in a link must not fill a form in silently.
pub fn field_errors<A>(action: ServerAction<A>) -> Signal<Option<FieldErrors>>
where
    A: ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action
            .value()
            .get()
            .and_then(Result::err)
            .and_then(|e| e.field_errors().cloned())
            .filter(|e| !e.is_empty())
    })
}

/// An action's error that is not about a field (refused, changed meanwhile), shown above its form.
pub fn other_error<A>(action: ServerAction<A>) -> impl Fn() -> Option<AnyView> + Send + Sync
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
