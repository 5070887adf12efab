//! `wrk-zoom`: the command line over the host library.

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wrk_zoom::model::ConnectionKind;
use wrk_zoom::{Host, HostConfig, HostError, ZoomConnection};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal failure (broken component, I/O)
  2  invalid input (unknown action or parameter, bad value)
  3  Zoom answered with an error
  4  authentication (missing, expired or insufficient token)
  5  Zoom unreachable, request denied or timed out

Try it without a Zoom account:
  wrk-zoom run retrieve-meetings --sandbox --all";

#[derive(Parser)]
#[command(
    name = "wrk-zoom",
    version,
    about = "Run Zoom actions, each a sandboxed WebAssembly component",
    after_help = EXIT_CODES
)]
struct Cli {
    /// Also print errors as one JSON object on stderr.
    #[arg(long, global = true)]
    json_errors: bool,
    /// Log what the host does (never tokens) on stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the available actions.
    Actions {
        /// Print each action's full description (scopes, endpoint, parameters) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one action: endpoint, scopes and every parameter.
    Describe {
        /// Action name, e.g. create-meeting.
        action: String,
    },
    /// Run an action and print its JSON result on stdout.
    Run(RunArgs),
    /// Start the built-in Zoom simulator on 127.0.0.1 and print its base URL.
    Sandbox {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Action name, e.g. retrieve-meetings (see `wrk-zoom actions`).
    action: String,
    /// Parameters as key=value; JSON objects and arrays as JSON text,
    /// e.g. settings='{"waiting_room":true}'.
    params: Vec<String>,
    /// Read parameters from a JSON object file; key=value arguments override it.
    #[arg(long, value_name = "FILE.json")]
    params_file: Option<PathBuf>,
    /// Zoom API base URL.
    #[arg(long, env = "ZOOM_API_BASE", default_value = "https://api.zoom.us/v2")]
    api_base: String,
    /// OAuth access token.
    #[arg(long, env = "ZOOM_ACCESS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the request that would be sent (no credentials) and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Follow every page of a paginated list and print all items.
    #[arg(long)]
    all: bool,
    /// With --all: stop after N items (the result says it was truncated and
    /// gives the next_page_token to continue from).
    #[arg(long, value_name = "N", requires = "all")]
    max: Option<u64>,
    /// With --all: print one item per line (NDJSON) instead of one JSON object.
    #[arg(long, requires = "all")]
    ndjson: bool,
    /// Run against the built-in Zoom simulator with a demo token, not your Zoom account.
    #[arg(long, conflicts_with_all = ["token", "api_base"])]
    sandbox: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = if cli.verbose {
        "wrk_zoom=debug,info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WRK_ZOOM_LOG")
                .unwrap_or_else(|_| filter.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            return report(
                &HostError::Internal(format!("cannot start the async runtime: {e}")),
                cli.json_errors,
            );
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error, cli.json_errors),
    }
}

fn report(error: &HostError, json: bool) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {error}");
    if let Some(hint) = hint(error) {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    if json {
        let _ = writeln!(stderr, "{}", error.to_json());
    }
    ExitCode::from(error.exit_code() as u8)
}

fn hint(error: &HostError) -> Option<&'static str> {
    match error {
        HostError::Zoom { status: 401, .. } => Some(
            "the access token was refused or has expired; pass a fresh one with --token or ZOOM_ACCESS_TOKEN",
        ),
        HostError::Zoom {
            code: Some(4711), ..
        } => Some(
            "the token lacks a scope this action needs; add it to your Zoom app and log in again",
        ),
        HostError::Auth(_) => {
            Some("pass a token with --token or ZOOM_ACCESS_TOKEN, or try --sandbox")
        }
        _ => None,
    }
}

async fn dispatch(command: Command) -> Result<(), HostError> {
    match command {
        Command::Actions { json } => list_actions(json).await,
        Command::Describe { action } => describe(&action).await,
        Command::Run(args) => run(args).await,
        Command::Sandbox { port } => sandbox(port).await,
    }
}

fn print_json(value: &serde_json::Value) -> Result<(), HostError> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)
        .map_err(|e| HostError::Internal(format!("cannot write output: {e}")))?;
    writeln!(out).map_err(|e| HostError::Internal(format!("cannot write output: {e}")))
}

async fn list_actions(json: bool) -> Result<(), HostError> {
    let host = Host::new(HostConfig::default())?;
    let infos = host.describe_all().await?;
    if json {
        return print_json(&serde_json::to_value(&infos).expect("action infos serialise"));
    }
    let width = infos.iter().map(|i| i.name.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for info in &infos {
        let kind = match info.connection {
            ConnectionKind::User => "user ",
            ConnectionKind::Admin => "admin",
        };
        let _ = writeln!(out, "{:width$}  {kind}  {}", info.name, info.title);
    }
    Ok(())
}

async fn describe(action: &str) -> Result<(), HostError> {
    let host = Host::new(HostConfig::default())?;
    let info = host.action(action).await?.info.clone();
    print_json(&serde_json::to_value(&info).expect("action info serialises"))
}

/// `key=value` arguments over an optional JSON parameter file.
fn collect_params(args: &RunArgs) -> Result<Vec<(String, String)>, HostError> {
    let invalid = |name: &str, message: String| HostError::InvalidParams {
        action: args.action.clone(),
        problems: vec![wrk_zoom::model::InvalidParam {
            name: name.to_string(),
            message,
        }],
    };
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(path) = &args.params_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(
                "--params-file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| {
                invalid(
                    "--params-file",
                    format!(
                        "{} must hold a JSON object of parameters: {e}",
                        path.display()
                    ),
                )
            })?;
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            params.push((key, text));
        }
    }
    for arg in &args.params {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(invalid(
                arg,
                "must be written key=value, e.g. topic=Standup".into(),
            ));
        };
        params.retain(|(k, _)| k != key);
        params.push((key.to_string(), value.to_string()));
    }
    Ok(params)
}

async fn run(args: RunArgs) -> Result<(), HostError> {
    let params = collect_params(&args)?;
    let host = Host::new(HostConfig::default())?;
    if args.dry_run {
        let planned = host.plan(&args.action, &params).await?;
        return print_json(&serde_json::to_value(&planned).expect("plans serialise"));
    }

    let mut _simulator = None;
    let connection = if args.sandbox {
        let info = host.action(&args.action).await?.info.clone();
        let sim = zoom_simulator::start(zoom_simulator::SimConfig::default())
            .await
            .map_err(|e| {
                HostError::Internal(format!("cannot start the sandbox simulator: {e:#}"))
            })?;
        let token = match info.connection {
            ConnectionKind::User => zoom_simulator::seed::USER_TOKEN,
            ConnectionKind::Admin => zoom_simulator::seed::ADMIN_TOKEN,
        };
        eprintln!(
            "sandbox: running {} against the built-in Zoom simulator at {} with a demo {} token; this is not your Zoom account",
            args.action,
            sim.base_url(),
            if info.connection == ConnectionKind::User {
                "user"
            } else {
                "admin"
            },
        );
        let connection = ZoomConnection {
            access_token: token.to_string(),
            api_base: sim.base_url(),
        };
        _simulator = Some(sim);
        connection
    } else {
        let token = args
            .token
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                HostError::Auth("no access token: pass --token or set ZOOM_ACCESS_TOKEN".into())
            })?;
        ZoomConnection {
            access_token: token,
            api_base: args.api_base.clone(),
        }
    };

    if !args.all {
        let reply = host.run(&args.action, &connection, &params).await?;
        let body = match reply.body {
            serde_json::Value::Null => serde_json::json!({"ok": true, "status": reply.status}),
            body => body,
        };
        return print_json(&body);
    }
    run_all(&host, &args, &connection, &params).await
}

/// `--all`: streams items as they arrive, as one JSON object or as NDJSON.
async fn run_all(
    host: &Host,
    args: &RunArgs,
    connection: &ZoomConnection,
    params: &[(String, String)],
) -> Result<(), HostError> {
    let list_key = host
        .action(&args.action)
        .await?
        .info
        .list_key
        .clone()
        .unwrap_or_default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut first = true;
    if !args.ndjson {
        write!(out, "{{{}:[", serde_json::Value::String(list_key)).ok();
    }
    let summary = wrk_zoom::paginate::for_each_item(
        host,
        &args.action,
        connection,
        params,
        args.max,
        |item| {
            if args.ndjson {
                writeln!(out, "{item}")
            } else {
                let sep = if first { "\n  " } else { ",\n  " };
                first = false;
                write!(out, "{sep}{item}")
            }
        },
    )
    .await;
    let summary = match summary {
        Ok(summary) => summary,
        Err(e) => {
            let _ = out.flush();
            if !args.ndjson {
                println!();
            }
            return Err(e);
        }
    };
    let write_err = |e: std::io::Error| HostError::Internal(format!("cannot write output: {e}"));
    if args.ndjson {
        if summary.truncated {
            eprintln!(
                "stopped after {} items (--max); continue with next_page_token={}",
                summary.items,
                summary.next_page_token.as_deref().unwrap_or("")
            );
        }
    } else {
        let mut tail = serde_json::json!({
            "total_records": summary.items,
            "truncated": summary.truncated,
        });
        if summary.truncated {
            tail["next_page_token"] = summary.next_page_token.clone().unwrap_or_default().into();
            if summary.left_in_last_page > 0 {
                tail["left_in_last_page"] = summary.left_in_last_page.into();
            }
        }
        let tail = tail.to_string();
        writeln!(out, "\n],{}", &tail[1..]).map_err(write_err)?;
    }
    out.flush().map_err(write_err)
}

async fn sandbox(port: u16) -> Result<(), HostError> {
    let sim = zoom_simulator::start(zoom_simulator::SimConfig {
        port,
        ..Default::default()
    })
    .await
    .map_err(|e| {
        HostError::Internal(format!("cannot start the simulator on port {port}: {e:#}"))
    })?;
    println!("{}", sim.base_url());
    eprintln!(
        "sandbox: Zoom simulator listening at {} (Ctrl-C to stop)\n  user token:  {}\n  admin token: {}\n  e.g. wrk-zoom run retrieve-user --api-base {} --token {}",
        sim.base_url(),
        zoom_simulator::seed::USER_TOKEN,
        zoom_simulator::seed::ADMIN_TOKEN,
        sim.base_url(),
        zoom_simulator::seed::USER_TOKEN,
    );
    let _ = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    Ok(())
}
