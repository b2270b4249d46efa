//! `portcullis`: serves the portal. Configuration: environment variables (see README).

use portcullis::config::Config;
use std::process::ExitCode;

const USAGE: &str = "\
usage: portcullis                 serve the portal (configured by environment variables)
       portcullis token ...       create, list and revoke API tokens (portcullis token --help)
       portcullis audit verify    check the audit trail's hash chain
       portcullis --help          show this";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    match command {
        None | Some("serve") => {}
        Some("token") if args.len() == 1 || matches!(args[1].as_str(), "-h" | "--help") => {
            println!("{}", portcullis::cli::TOKEN_USAGE);
            return ExitCode::SUCCESS;
        }
        Some("token") => {}
        Some("audit") if args.len() == 1 || matches!(args[1].as_str(), "-h" | "--help") => {
            println!("{}", portcullis::cli::AUDIT_USAGE);
            return ExitCode::SUCCESS;
        }
        Some("audit") => {}
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("portcullis: unknown command {other:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }

    // A .env file is for development; real deployments set the environment.
    let _ = dotenvy::dotenv();

    let leptos = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            eprintln!(
                "portcullis: invalid Leptos setting (LEPTOS_SITE_ADDR, LEPTOS_SITE_ROOT, …): {e}"
            );
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_lookup(|k| std::env::var(k).ok(), leptos.site_addr) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("portcullis: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Some("token") => return portcullis::cli::token(&args[1..], &config).await,
        Some("audit") => return portcullis::cli::audit(&args[1..], &config).await,
        _ => {}
    }
    if let Err(e) = portcullis::telemetry::init(&config.log_filter) {
        eprintln!("portcullis: configuration error: {e}");
        return ExitCode::from(2);
    }

    let state = match portcullis::prepare(&config, leptos).await {
        Ok(state) => state,
        Err(e) => {
            tracing::error!(error = %e, "start-up failed");
            return ExitCode::from(1);
        }
    };
    match portcullis::run(config, state).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server failed");
            ExitCode::from(1)
        }
    }
}
