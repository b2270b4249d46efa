//! The messages themselves: a subject, a plain-text body and the same as simple HTML.

/// A message to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub recipients: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Set for messages that must go out at most once per occasion (reminders, warnings).
    pub dedupe_key: Option<String>,
}

/// Builds a message from a headline, paragraphs and a link, signed in `locale`; the HTML body
/// says the same as the text, escaped.
pub fn compose(
    recipients: Vec<String>,
    subject: String,
    paragraphs: &[String],
    link: &str,
    locale: crate::i18n::Locale,
) -> Mail {
    let signature = crate::i18n::td_string!(locale, mail.signature);
    let mut text = paragraphs.join("\n\n");
    text.push_str(&format!("\n\n{link}\n\n-- \n{signature}\n"));
    let mut html = String::from("<!doctype html><html><body style=\"font-family:sans-serif\">");
    for paragraph in paragraphs {
        html.push_str(&format!(
            "<p>{}</p>",
            escape(paragraph).replace('\n', "<br>")
        ));
    }
    html.push_str(&format!(
        "<p><a href=\"{0}\">{0}</a></p><p style=\"color:#666\">{1}</p></body></html>",
        escape(link),
        escape(signature)
    ));
    let mut recipients = recipients;
    recipients.retain(|r| !r.trim().is_empty());
    recipients.sort();
    recipients.dedup();
    Mail {
        recipients,
        subject,
        text,
        html,
        dedupe_key: None,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_says_the_same_as_the_text_and_escapes_it() {
        let mail = compose(
            vec![
                "b@example.org".into(),
                "a@example.org".into(),
                "a@example.org".into(),
            ],
            "Request #1 approved".into(),
            &["Approved <script>alert(1)</script> & done".into()],
            "http://127.0.0.1:3000/requests/1",
            crate::i18n::Locale::en,
        );
        assert_eq!(mail.recipients, vec!["a@example.org", "b@example.org"]);
        assert!(mail
            .text
            .contains("Approved <script>alert(1)</script> & done"));
        assert!(mail
            .html
            .contains("Approved &lt;script&gt;alert(1)&lt;/script&gt; &amp; done"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.text.contains("http://127.0.0.1:3000/requests/1"));
    }
}
