//! Dates and numbers written the way each language writes them, by hand: a few lines here beat
//! shipping ICU's data to every browser.

use super::Locale;
use time::{Date, Month, OffsetDateTime};

const NB_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name(locale: Locale, month: Month) -> &'static str {
    let index = usize::from(u8::from(month)) - 1;
    match locale {
        Locale::nb => NB_MONTHS[index],
        Locale::en => EN_MONTHS[index],
    }
}

/// A calendar day: "2. desember 2026" / "2 December 2026".
pub fn format_date(locale: Locale, date: Date) -> String {
    let month = month_name(locale, date.month());
    match locale {
        Locale::nb => format!("{}. {month} {}", date.day(), date.year()),
        Locale::en => format!("{} {month} {}", date.day(), date.year()),
    }
}

/// A stored calendar day (`YYYY-MM-DD`) written for `locale` ("2. desember 2026"); anything
/// else is shown as it is.
pub fn readable_date(locale: Locale, day: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(day, &format)
        .map(|date| format_date(locale, date))
        .unwrap_or_else(|_| day.to_owned())
}

/// A stored month (`YYYY-MM`) written for `locale`: "desember 2026" / "December 2026"; anything
/// else is shown as it is.
pub fn format_month(locale: Locale, month: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match Date::parse(&format!("{month}-01"), &format) {
        Ok(first) => format!("{} {}", month_name(locale, first.month()), first.year()),
        Err(_) => month.to_owned(),
    }
}

/// A moment in UTC: "2. desember 2026 kl. 09:05 UTC" / "2 December 2026, 09:05 UTC".
pub fn format_date_time(locale: Locale, at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let day = format_date(locale, at.date());
    let (hour, minute) = (at.hour(), at.minute());
    match locale {
        Locale::nb => format!("{day} kl. {hour:02}:{minute:02} UTC"),
        Locale::en => format!("{day}, {hour:02}:{minute:02} UTC"),
    }
}

/// A whole number with the language's digit grouping: "12 345" (no-break space) / "12,345".
pub fn format_count(locale: Locale, n: u64) -> String {
    let digits = n.to_string();
    let separator = match locale {
        Locale::nb => '\u{a0}',
        Locale::en => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// A size in megabytes with one decimal: "12,3 MB" / "12.3 MB".
pub fn format_megabytes(locale: Locale, bytes: u64) -> String {
    let tenths = (bytes + 50_000) / 100_000;
    let separator = match locale {
        Locale::nb => ',',
        Locale::en => '.',
    };
    format!(
        "{}{separator}{} MB",
        format_count(locale, tenths / 10),
        tenths % 10
    )
}
