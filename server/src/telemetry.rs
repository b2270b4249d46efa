//! Structured JSON logs on stdout, one object per line.

use tracing_subscriber::EnvFilter;

/// Installs the global JSON logger with `filter` (e.g. `info`).
///
/// # Errors
/// An unreadable filter.
pub fn init(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("PORTCULLIS_LOG: {e}"))?;
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .try_init()
        .map_err(|e| e.to_string())
}
