//! `portcullis`: serves the portal. Configuration: environment variables (see README).

use portcullis::config::Config;
use std::process::ExitCode;

const USAGE: &str = "\
usage: portcullis                 serve the portal (configured by environment variables)
       portcullis token ...       create, list and revoke API tokens (portcullis token --help)
       portcullis audit verify    check the audit trail's hash chain
       portcullis mirror verify   read the mirror registry once, as the background job does
       portcullis --help          show this";

fn main() -> ExitCode {
    limit_malloc_arenas();
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => {
            let exit = runtime.block_on(portcullis_main());
            // A blocking task still running (a name lookup that hangs, say) must not hold the
            // exit past the drain deadline: the platform's SIGKILL follows soon after it.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            exit
        }
        Err(e) => {
            eprintln!("portcullis: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives each thread that allocates under contention its own arena, up to eight per core,
/// and keeps their freed memory: after bursts of concurrent page renders the server held 93 MB
/// where one arena per core held 70 MB at the same speed (`make bench`). Runs before any thread
/// starts. Other C libraries have no arenas.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets an allocator parameter; no thread allocates concurrently yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

async fn portcullis_main() -> ExitCode {
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
        Some("mirror") if args.len() == 1 || matches!(args[1].as_str(), "-h" | "--help") => {
            println!("{}", portcullis::cli::MIRROR_USAGE);
            return ExitCode::SUCCESS;
        }
        Some("mirror") => {}
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
    if matches!(command, Some("token" | "audit" | "mirror")) {
        if let Err(e) = portcullis::telemetry::init_for_command(&config.log_filter) {
            eprintln!("portcullis: configuration error: {e}");
            return ExitCode::from(2);
        }
    }
    match command {
        Some("token") => return portcullis::cli::token(&args[1..], &config).await,
        Some("audit") => return portcullis::cli::audit(&args[1..], &config).await,
        Some("mirror") => return portcullis::cli::mirror(&args[1..], &config, leptos).await,
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
