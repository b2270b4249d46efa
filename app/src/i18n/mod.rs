//! Translations: Norwegian bokmål (`nb`, the default) and English (`en`).
//!
//! The texts live in `app/locales/{nb,en}/<namespace>.json`; the build script turns them into
//! the generated module (leptos_i18n), so `td_string!(locale, requests.field.image)` names a key
//! the compiler checks, and `tests::both_languages_have_every_key_with_the_same_placeholders`
//! fails when a key is missing in one language. Pages write `tu_string!(i18n, key, …)` with
//! [`use_i18n`] (the page's language); server code without a page (e-mails, messages made on the
//! server) writes `td_string!(locale, key, …)` with the request's ([`request_locale`]) or the
//! recipient's locale.
//!
//! Which language a page is in: an explicit choice (the header's switch, kept in the
//! [`COOKIE`]), else the browser's `Accept-Language`, else `PORTCULLIS_DEFAULT_LANGUAGE`
//! ([`resolve`]). The server decides; the browser reads the answer from `<html lang>`.

mod generated {
    #![allow(missing_docs, unused_imports, dead_code, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));
}
// The generated keys and `td_string!`; the rest is defined below: the page's language is
// a plain value in the Leptos context, not leptos_i18n's reactive context, whose browser side
// brings Accept-Language negotiation (leptos-use, ICU locale matching) into the WASM and whose
// server side leaves an effect that can outlive its page.
pub use generated::i18n::{td_string, Locale};

/// The language of the page being rendered. Who may call: any component ([`use_i18n`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I18n(Locale);

impl I18n {
    /// The page's language (it never changes while the page lives: the switch reloads it).
    pub fn get_locale(self) -> Locale {
        self.0
    }

    /// The same as [`I18n::get_locale`]; kept for the `tu_string!` macro.
    pub fn get_locale_untracked(self) -> Locale {
        self.0
    }
}

/// Makes `locale` the language of the page being rendered (the app's root does this once).
pub fn provide_i18n(locale: Locale) {
    leptos::prelude::provide_context(I18n(locale));
}

/// Provides the page's language, fixed for its life (the switch reloads the page): on the server
/// the request's ([`request_locale`]), in the browser what the server wrote into `<html lang>`.
/// Who calls it: the app's root, and every island (an island hydrates in the browser without
/// the contexts of the page around it).
pub fn provide_page_locale() {
    #[cfg(feature = "ssr")]
    let locale = request_locale();
    #[cfg(not(feature = "ssr"))]
    let locale = leptos::prelude::document()
        .document_element()
        .and_then(|html| html.get_attribute("lang"))
        .and_then(|code| parse_code(&code))
        .unwrap_or_default();
    provide_i18n(locale);
}

/// The language of the page being rendered; the default language outside one.
pub fn use_i18n() -> I18n {
    leptos::prelude::use_context::<I18n>().unwrap_or(I18n(Locale::nb))
}

/// `tu_string!(i18n, namespace.key, name = value, …)`: the text of a key in the page's language,
/// as `&'static str` (plain texts) or a displayable value (texts with `{{ values }}`).
macro_rules! tu_string {
    ($i18n:expr, $($rest:tt)*) => {
        $crate::i18n::td_string!($i18n.get_locale_untracked(), $($rest)*)
    };
}
pub(crate) use tu_string;

mod format;
pub use format::{
    format_count, format_date, format_date_time, format_megabytes, format_month, readable_date,
};

/// The installation's default language (`PORTCULLIS_DEFAULT_LANGUAGE`), in the Leptos context of
/// every page and server function (the server provides it beside its state).
#[derive(Clone, Copy, Debug)]
pub struct DefaultLocale(pub Locale);

/// The cookie that keeps a visitor's explicit language choice (`nb` or `en`).
pub const COOKIE: &str = "portcullis-lang";

/// Every language the portal speaks, in the order the switch shows them.
pub const ALL: [Locale; 2] = [Locale::nb, Locale::en];

/// The locale a stored or submitted code names: `nb` or `en`, nothing else. Who may call: anyone;
/// unknown codes are `None`, never an error.
pub fn parse_code(code: &str) -> Option<Locale> {
    match code.trim() {
        "nb" => Some(Locale::nb),
        "en" => Some(Locale::en),
        _ => None,
    }
}

/// The code stored and sent for `locale` (`"nb"`, `"en"`).
pub fn code(locale: Locale) -> &'static str {
    match locale {
        Locale::nb => "nb",
        Locale::en => "en",
    }
}

/// The language an `Accept-Language` language range asks for. Norwegian in any form (`nb`,
/// `no`, `nn`, `nb-NO`) is served in bokmål, any English as English; `*` and others are `None`.
fn from_language_range(range: &str) -> Option<Locale> {
    let primary = range.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    match primary.as_str() {
        "nb" | "no" | "nn" => Some(Locale::nb),
        "en" => Some(Locale::en),
        _ => None,
    }
}

/// The best language an `Accept-Language` header asks for, by quality (ties in the order given).
/// Malformed parts are skipped; `q=0` means "not this one". Header values are the browser's
/// (and an attacker's): the header is read at most 4 KiB and 32 entries deep.
pub fn negotiate(accept_language: &str) -> Option<Locale> {
    let mut best: Option<(u16, Locale)> = None;
    for part in accept_language
        .get(..accept_language.len().min(4096))
        .unwrap_or("")
        .split(',')
        .take(32)
    {
        let mut pieces = part.split(';');
        let Some(locale) = pieces.next().and_then(from_language_range) else {
            continue;
        };
        let quality = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), parse_quality);
        let Some(quality) = quality.filter(|q| *q > 0) else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, locale));
        }
    }
    best.map(|(_, locale)| locale)
}

/// A quality value (`0`, `0.8`, `1.000`) in thousandths; `None` when it is not one.
fn parse_quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    let value = whole * 1000 + fraction;
    (value <= 1000).then_some(value)
}

/// The page language: the choice in the cookie, else the browser's preference, else `default`.
pub fn resolve(cookie: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    cookie
        .and_then(parse_code)
        .or_else(|| accept_language.and_then(negotiate))
        .unwrap_or(default)
}

/// The value of the language cookie in a `Cookie` header, if any.
#[cfg(feature = "ssr")]
pub fn cookie_choice(headers: &http::HeaderMap) -> Option<Locale> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .and_then(|(_, value)| parse_code(value))
}

/// The language of a request with these headers, for an installation whose default is
/// `default`.
#[cfg(feature = "ssr")]
pub fn locale_of(headers: &http::HeaderMap, default: Locale) -> Locale {
    let accept = headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    // One order of precedence, [`resolve`]'s.
    resolve(cookie_choice(headers).map(code), accept, default)
}

/// The language of the page or server function being served, by [`resolve`]. Off a Leptos
/// request (the machine API, jobs, the command line) it is English: what machines and logs
/// read. Mail picks its recipient's language itself.
#[cfg(feature = "ssr")]
pub fn request_locale() -> Locale {
    use leptos::prelude::use_context;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Locale::en;
    };
    let default = use_context::<DefaultLocale>().map_or(Locale::nb, |d| d.0);
    locale_of(&parts.headers, default)
}

#[cfg(test)]
mod tests;
