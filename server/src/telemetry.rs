//! Structured JSON logs, one object per line: on stdout for the server, on stderr for the
//! commands (whose stdout is their answer). The commands log too, because they append to the
//! audit trail, and every append logs the chain's new head.

use tracing_subscriber::EnvFilter;

/// Installs the global JSON logger on stdout with `filter` (e.g. `info`).
///
/// # Errors
/// An unreadable filter.
pub fn init(filter: &str) -> Result<(), String> {
    init_with(filter, Output::Stdout)
}

/// Installs the global JSON logger on stderr, for the commands.
///
/// # Errors
/// An unreadable filter.
pub fn init_for_command(filter: &str) -> Result<(), String> {
    init_with(filter, Output::Stderr)
}

enum Output {
    Stdout,
    Stderr,
}

fn init_with(filter: &str, output: Output) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("PORTCULLIS_LOG: {e}"))?;
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_env_filter(filter)
        .with_writer(move || -> Box<dyn std::io::Write> {
            match output {
                Output::Stdout => Box::new(std::io::stdout()),
                Output::Stderr => Box::new(std::io::stderr()),
            }
        })
        .try_init()
        .map_err(|e| e.to_string())
}
