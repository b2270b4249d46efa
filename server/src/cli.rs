//! The operator's commands: `portcullis token create|list|revoke`. They use the same database
//! settings as the server and print errors that say what to do.

use crate::config::Config;
use app::audit::chain::{Actor, AuditHead, AuditTrail};
use app::persistence::Db;
use app::tokens::{service as tokens, Scope};
use std::process::ExitCode;

pub const TOKEN_USAGE: &str = "\
usage: portcullis token create --name NAME --scope SCOPE [--scope SCOPE] [--expires-in DAYS]
       portcullis token list
       portcullis token revoke NAME_OR_ID
scopes: catalog:read, allowlist:read, mirror:read; tokens expire after 365 days unless --expires-in says
otherwise. `create` prints the token as its last line: it is shown this once.";

pub const MIRROR_USAGE: &str = "\
usage: portcullis mirror verify
Reads the mirror registry (PORTCULLIS_MIRROR_REGISTRY) once, as the background job does, records
what it finds (available images, digests, build dates, drift; mail included) and prints how the
run went and how long it took. Waits for no lease another replica holds: it says so instead.";

/// Runs `portcullis mirror …` with the arguments after `mirror`.
pub async fn mirror(
    args: &[String],
    config: &Config,
    leptos: leptos::config::LeptosOptions,
) -> ExitCode {
    use app::mirror::service::RunOutcome;
    if args != ["verify"] {
        eprintln!("{MIRROR_USAGE}");
        return ExitCode::from(2);
    }
    if config.app.mirror.is_none() {
        return fail("set PORTCULLIS_MIRROR_REGISTRY to the mirror's host (and optional path)");
    }
    let state = match crate::prepare(config, leptos).await {
        Ok(state) => state,
        Err(e) => return fail(&e),
    };
    let started = std::time::Instant::now();
    let outcome = app::mirror::service::verify(&state).await;
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(RunOutcome::Checked {
            entries,
            newly_available,
            new_drift,
        }) => {
            println!(
                "checked {entries} entries in {seconds:.2} s: {newly_available} newly available, \
                 {new_drift} new drift findings"
            );
            ExitCode::SUCCESS
        }
        Ok(RunOutcome::Busy) => {
            fail("another replica is verifying the mirror now; try again later")
        }
        Ok(RunOutcome::NotConfigured) => fail("no mirror is configured"),
        Ok(RunOutcome::Stopped) => fail("stopped before the mirror was read; nothing recorded"),
        Ok(RunOutcome::Unreachable(why)) => fail(&format!(
            "the mirror could not be read ({why}); the last known state is kept"
        )),
        Err(e) => fail(&e.to_string()),
    }
}

/// Runs `portcullis token …` with the arguments after `token`.
pub async fn token(args: &[String], config: &Config) -> ExitCode {
    let db = match Db::connect(&config.database_url, 2).await {
        Ok(db) => db,
        Err(e) => return fail(&format!("cannot open the database: {e}")),
    };
    if let Err(e) = db.migrate().await {
        return fail(&format!("cannot migrate the database: {e}"));
    }
    let trail = match crate::audit_trail(config) {
        Ok(trail) => trail,
        Err(e) => return fail(&e),
    };
    let operator = operator();
    match args.first().map(String::as_str) {
        Some("create") => create(&db, &trail, &args[1..], &operator).await,
        Some("list") if args.len() == 1 => list(&db).await,
        Some("revoke") if args.len() == 2 => {
            match tokens::revoke(&db, &trail, &args[1], &operator).await {
                Ok(token) => {
                    println!("revoked: {} ({})", token.name, token.id);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        _ => {
            eprintln!("{TOKEN_USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The person at the command line, as the audit trail records them.
fn operator() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "operator".to_owned());
    Actor {
        id: format!("cli:{user}"),
        name: format!("{user} (command line)"),
        client_addr: String::new(),
    }
}

async fn create(db: &Db, trail: &AuditTrail, args: &[String], operator: &Actor) -> ExitCode {
    let mut name = None;
    let mut scopes = Vec::new();
    let mut days = None;
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let Some(value) = rest.next() else {
            return usage_error(&format!("{flag} needs a value"));
        };
        match flag.as_str() {
            "--name" => name = Some(value.clone()),
            "--scope" => {
                for part in value.split(',') {
                    match Scope::parse(part) {
                        Ok(scope) => scopes.push(scope),
                        Err(e) => return usage_error(&e),
                    }
                }
            }
            "--expires-in" => match value.trim_end_matches('d').parse::<u32>() {
                Ok(n) => days = Some(n),
                Err(_) => {
                    return usage_error(&format!(
                        "--expires-in takes a number of days, not {value:?}"
                    ))
                }
            },
            other => return usage_error(&format!("unknown option {other:?}")),
        }
    }
    let Some(name) = name else {
        return usage_error("--name is required");
    };
    match tokens::create(db, trail, &name, &scopes, days, operator).await {
        Ok(created) => {
            let scopes: Vec<&str> = created.summary.scopes.iter().map(|s| s.as_str()).collect();
            println!("name: {}", created.summary.name);
            println!("scope: {}", scopes.join(" "));
            println!(
                "expires: {}",
                created.summary.expires_at.as_deref().unwrap_or("never")
            );
            println!("{}", created.token);
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

async fn list(db: &Db) -> ExitCode {
    match tokens::list(db).await {
        Ok(list) => {
            let now = app::persistence::now();
            println!(
                "{:<18} {:<24} {:<28} {:<10} {:<20} LAST USED",
                "ID", "NAME", "SCOPES", "STATE", "EXPIRES"
            );
            for t in list {
                println!(
                    "{:<18} {:<24} {:<28} {:<10} {:<20} {}",
                    t.id,
                    t.name,
                    t.scope_names(),
                    t.status(&now),
                    t.expires_at.as_deref().map(|e| &e[..10]).unwrap_or("never"),
                    t.last_used_at.as_deref().unwrap_or("never"),
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("portcullis token: {message}\n{TOKEN_USAGE}");
    ExitCode::from(2)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("portcullis token: {message}");
    ExitCode::from(1)
}

pub const AUDIT_USAGE: &str = "\
usage: portcullis audit verify [--head COUNT:HASH]... [--heads-from LOG_FILE]
Checks the audit trail's chain from the first row to the last (with the key of
PORTCULLIS_AUDIT_KEY_FILE when set). With heads logged earlier (the `audit_head` log lines'
count and hash, given one by one with --head or read from a file of JSON log lines with
--heads-from), also checks that each names a row that exists with that hash and that no two
disagree: removed newest rows, recomputed chains and trails cut back and written again fail.
Exits 0 when it holds, 1 naming the first row that was altered, removed or inserted.";

/// Runs `portcullis audit …` with the arguments after `audit`.
pub async fn audit(args: &[String], config: &Config) -> ExitCode {
    let usage = |problem: &str| {
        if problem.is_empty() {
            eprintln!("{AUDIT_USAGE}");
        } else {
            eprintln!("portcullis audit: {problem}\n{AUDIT_USAGE}");
        }
        ExitCode::from(2)
    };
    if args.first().map(String::as_str) != Some("verify") {
        return usage("");
    }
    let mut heads = Vec::new();
    let mut rest = args[1..].iter();
    while let Some(flag) = rest.next() {
        let Some(value) = rest.next() else {
            return usage(&format!("{flag} needs a value"));
        };
        match flag.as_str() {
            "--head" => match AuditHead::parse(value) {
                Ok(head) => heads.push(head),
                Err(e) => return usage(&format!("--head: {e}")),
            },
            "--heads-from" => match std::fs::read_to_string(value) {
                Ok(log) => {
                    let found = AuditHead::from_log(&log);
                    if found.is_empty() {
                        return usage(&format!("--heads-from: no audit_head lines in {value}"));
                    }
                    heads.extend(found);
                }
                Err(e) => return usage(&format!("--heads-from: cannot read {value}: {e}")),
            },
            other => return usage(&format!("unknown option {other:?}")),
        }
    }
    let trail = match crate::audit_trail(config) {
        Ok(trail) => trail,
        Err(e) => {
            eprintln!("portcullis audit: {e}");
            return ExitCode::from(2);
        }
    };
    let db = match Db::connect(&config.database_url, 2).await {
        Ok(db) => db,
        Err(e) => return fail(&format!("cannot open the database: {e}")),
    };
    if let Err(e) = db.migrate().await {
        return fail(&format!("cannot migrate the database: {e}"));
    }
    match trail.verify(&db, &heads).await {
        Ok(verified) => {
            let keyed = if verified.keyed > 0 {
                format!(", {} of them keyed", verified.keyed)
            } else {
                String::new()
            };
            let checked = match heads.iter().map(|h| h.count).max() {
                Some(newest) => format!(
                    "; {} logged heads agree with it, the newest naming row {newest}",
                    heads.len()
                ),
                None => String::new(),
            };
            println!(
                "audit trail intact: {} rows{keyed}, every hash matches{checked}",
                verified.rows
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("portcullis audit: {e}");
            ExitCode::from(1)
        }
    }
}
