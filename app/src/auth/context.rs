//! Who is signed in, shared by the frame and the pages as a Leptos context.

use super::api::{current_user, DevSignIn, SignOut};
use crate::domain::SessionUser;
use crate::error::AppError;
use leptos::prelude::*;

/// The signed-in user and the actions that change who that is, shared by the frame and the
/// pages. The user is fetched again whenever one of the actions completes.
#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<SessionUser>, AppError>>,
    pub sign_out: ServerAction<SignOut>,
    pub dev_sign_in: ServerAction<DevSignIn>,
}

/// Creates the context for the page frame and everything in it, and returns it.
pub fn provide_auth() -> Auth {
    let sign_out = ServerAction::<SignOut>::new();
    let dev_sign_in = ServerAction::<DevSignIn>::new();
    let user = Resource::new(
        move || (sign_out.version().get(), dev_sign_in.version().get()),
        |_| current_user(),
    );
    let auth = Auth {
        user,
        sign_out,
        dev_sign_in,
    };
    provide_context(auth);
    auth
}

/// The context [`provide_auth`] made. Who: components inside the page frame.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
