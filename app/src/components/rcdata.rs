//! Text for the elements whose content Leptos' server renderer writes as it is: `<textarea>`
//! and `<title>` (tachys and leptos_meta treat them as raw text, like `<script>`). The browser
//! reads their content as text until the element's own end tag, so a stored or typed
//! `</textarea><form …>` would end the field and put the rest on the page as markup.

/// `text` for the content of a `<textarea>` or `<title>`: on the server with `&` and `<`
/// written as character references (the browser turns them back, so the field holds exactly
/// the text, and no `</textarea` can appear); in the browser as it is (a DOM text node is text
/// already). Who calls it: every textarea's and the title's content. Cannot fail.
pub fn rcdata(text: impl Into<String>) -> String {
    let text = text.into();
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;").replace('<', "&lt;")
    } else {
        text
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::rcdata;
    use leptos::prelude::*;

    #[test]
    fn a_textarea_keeps_hostile_text_inside_itself() {
        let hostile = "a & b </textarea><script>alert(1)</script> &lt;";
        let html = view! { <textarea name="t">{rcdata(hostile)}</textarea> }.to_html();
        assert_eq!(
            html,
            "<textarea name=\"t\">a &amp; b &lt;/textarea>&lt;script>alert(1)&lt;/script> \
             &amp;lt;</textarea>"
        );
        // Only the element's own end tag ends it.
        assert_eq!(html.matches("</textarea").count(), 1);
    }
}
