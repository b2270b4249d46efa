//! E-mail: what the portal tells people, written to an outbox in the same transaction as the
//! change it reports and sent by a background worker (server only).

#[cfg(feature = "ssr")]
pub mod messages;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod reminders;
#[cfg(feature = "ssr")]
pub mod store;
