//! The outbox worker: leases due messages, sends them over SMTP with lettre, and marks them sent
//! or due again later (exponential backoff: 30 s, 1 min, 2 min, … at most an hour). While the
//! SMTP server is down nothing is lost: messages wait in `mail_outbox` until it answers. A lease
//! per message keeps two server processes on one database from sending the same one. On
//! shutdown a turn starts no new message and hands back the leases of those it did not send.

use crate::config::MailConfig;
use crate::shutdown::Shutdown;
use app::mail::store::QueuedMail;
use app::persistence::{self, Db};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use time::OffsetDateTime;

/// How long a worker may hold a message before another may try it: also how long the messages
/// of a worker that crashed wait before another replica sends them.
const LEASE: Duration = Duration::from_secs(60);
/// The longest one SMTP conversation may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// A turn starts no new message after this much of its lease, so that the last one it starts
/// is marked sent before the lease runs out and another worker could take it.
const SEND_WINDOW: Duration = Duration::from_secs(35);
/// How long recording a sent message is retried while the database does not answer (it is
/// restarting, say): given up sooner, the message would be sent again when its lease ends.
const RECORD_RETRY: [Duration; 4] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];
const _: () = assert!(
    SEND_WINDOW.as_secs() + SEND_TIMEOUT.as_secs() + 8 < LEASE.as_secs(),
    "a message started in the window is sent and recorded within its lease"
);
/// Messages leased per turn.
const BATCH: i64 = 20;

/// Sends queued mail. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    worker: String,
    /// Set by the server (not by tests that send a turn by hand): when requested, a turn stops
    /// starting messages.
    shutdown: Option<Shutdown>,
}

/// What one turn did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Turn {
    pub sent: usize,
    pub failed: usize,
    /// Leased but not started (the turn's window ended, or the server is stopping): handed
    /// back unsent.
    pub released: usize,
}

impl Mailer {
    /// The mailer for `config`, or `None` when no SMTP server is configured.
    ///
    /// # Errors
    /// The URL or sender cannot be used; the message says why.
    pub fn new(config: &MailConfig) -> Result<Option<Self>, String> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("PORTCULLIS_SMTP_URL cannot be used: {e}"))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = config
            .from
            .parse()
            .map_err(|e| format!("PORTCULLIS_MAIL_FROM cannot be used: {e}"))?;
        let worker = format!(
            "{}:{}:{}",
            std::env::var("HOSTNAME").unwrap_or_else(|_| "portcullis".into()),
            std::process::id(),
            persistence::now()
        );
        Ok(Some(Self {
            transport,
            from,
            worker,
            shutdown: None,
        }))
    }

    /// This mailer, starting no new message once `shutdown` is requested.
    #[must_use]
    pub fn stopping_on(self, shutdown: Shutdown) -> Self {
        Self {
            shutdown: Some(shutdown),
            ..self
        }
    }

    fn stopping(&self) -> bool {
        self.shutdown.as_ref().is_some_and(Shutdown::is_requested)
    }

    /// Records that `mail_id` went out, retrying while the database does not answer
    /// ([`RECORD_RETRY`]).
    async fn record_sent(&self, db: &Db, mail_id: i64) -> Result<(), persistence::DbError> {
        let mut waits = RECORD_RETRY.iter();
        loop {
            let now = persistence::now();
            match app::mail::store::mark_sent(db.pool(), mail_id, &self.worker, &now).await {
                Ok(()) => return Ok(()),
                Err(error) => match waits.next() {
                    Some(wait) => {
                        tracing::warn!(mail_id, %error, "could not record a sent e-mail; trying again");
                        tokio::time::sleep(*wait).await;
                    }
                    None => return Err(error),
                },
            }
        }
    }

    /// Sends what is due now.
    ///
    /// # Errors
    /// The database fails (sending failures are recorded per message, not returned).
    pub async fn send_due(&self, db: &Db) -> Result<Turn, persistence::DbError> {
        let now = OffsetDateTime::now_utc();
        let leased = app::mail::store::lease_due(
            db,
            &self.worker,
            &persistence::format_timestamp(now),
            &persistence::format_timestamp(now + LEASE),
            BATCH,
        )
        .await?;
        let mut turn = Turn::default();
        let stop_starting = std::time::Instant::now() + SEND_WINDOW;
        let mut leased = leased.into_iter();
        while let Some(mail) = leased.next() {
            if std::time::Instant::now() > stop_starting || self.stopping() {
                // What is left goes back to the outbox for whichever worker turns next.
                let left: Vec<i64> = std::iter::once(mail.mail_id)
                    .chain(leased.map(|mail| mail.mail_id))
                    .collect();
                app::mail::store::release(db, &left, &self.worker).await?;
                turn.released = left.len();
                break;
            }
            match self.send(&mail).await {
                Ok(()) => {
                    self.record_sent(db, mail.mail_id).await?;
                    turn.sent += 1;
                }
                Err(error) => {
                    let wait = backoff(mail.attempts);
                    let next = persistence::format_timestamp(OffsetDateTime::now_utc() + wait);
                    tracing::warn!(
                        mail_id = mail.mail_id,
                        attempts = mail.attempts + 1,
                        retry_in_seconds = wait.as_secs(),
                        %error,
                        "could not send an e-mail; it stays in the outbox"
                    );
                    app::mail::store::mark_failed(
                        db.pool(),
                        mail.mail_id,
                        &self.worker,
                        &error,
                        &next,
                    )
                    .await?;
                    turn.failed += 1;
                }
            }
        }
        Ok(turn)
    }

    async fn send(&self, mail: &QueuedMail) -> Result<(), String> {
        let message = build_message(&self.from, mail)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The message for an outbox row: lettre writes every header (a subject with a line break in it
/// is encoded, not split into a new header) and parses every recipient as an address.
fn build_message(from: &Mailbox, mail: &QueuedMail) -> Result<Message, String> {
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(mail.subject.clone())
        // Stable per outbox row: a receiver can tell a repeated delivery apart.
        .message_id(Some(format!("<portcullis-mail-{}@{domain}>", mail.mail_id)));
    let recipients = mail.recipient_list();
    if recipients.is_empty() {
        return Err("the message has no recipients".into());
    }
    for recipient in recipients {
        let mailbox: Mailbox = recipient
            .parse()
            .map_err(|e| format!("recipient {recipient:?} is not an address: {e}"))?;
        builder = builder.to(mailbox);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text_body.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(mail.html_body.clone()),
                ),
        )
        .map_err(|e| format!("the message cannot be built: {e}"))
}

/// The wait after `attempts` failed tries: 30 s doubling, at most an hour.
pub fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.clamp(0, 7) as u32;
    Duration::from_secs(30 * 2u64.pow(doublings)).min(Duration::from_secs(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_break_in_a_subject_or_address_cannot_add_a_header() {
        let from: Mailbox = "Portcullis <portcullis@example.org>".parse().unwrap();
        let mail = |subject: &str, recipients: &str| QueuedMail {
            mail_id: 7,
            recipients: recipients.to_owned(),
            subject: subject.to_owned(),
            text_body: "Body\r\nBcc: body@evil.example".into(),
            html_body: "<p>Body</p>".into(),
            attempts: 0,
        };
        let message = build_message(
            &from,
            &mail(
                "Request #1: web\r\nBcc: everyone@evil.example",
                r#"["web@example.org"]"#,
            ),
        )
        .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{headers}"
        );
        assert!(build_message(
            &from,
            &mail("x", r#"["web@example.org\r\nBcc: everyone@evil.example"]"#)
        )
        .is_err());
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(1), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(480));
        assert_eq!(backoff(7), Duration::from_secs(3600));
        assert_eq!(backoff(100), Duration::from_secs(3600));
    }
}
