//! Parts of a page only some people may use: rendered for them alone (the server still checks
//! every action; this keeps people from being offered what they cannot do).

use crate::auth::context::use_auth;
use crate::domain::SessionUser;
use leptos::prelude::*;

/// Shows `children` to the signed-in people `allow` admits, and nothing to anyone else (the
/// page around it says why). Works without JavaScript: the server renders the decision.
#[component]
pub fn Gate(allow: fn(&SessionUser) -> bool, children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match auth.user.await {
                    Ok(Some(user)) if allow(&user) => children.read_value()().into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}
