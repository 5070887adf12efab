//! The `wrk-zoom` command line: argument parsing, dispatch, and how
//! errors are shown (one sentence on stderr, an exit code per kind).

mod actions;
mod auth;
mod doctor;
mod events;
mod mcp;
mod output;
#[cfg(test)]
mod reference;
mod report;
mod run;
mod sandbox;
mod serve;
mod table;
mod triggers;

use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wrk_zoom::HostError;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  internal failure (broken component, token store I/O)
  2  invalid input (unknown action or parameter, bad value)
  3  Zoom answered with an error (a daily rate limit names its reset)
  4  authentication (missing, expired or insufficient token or scope)
  5  Zoom unreachable, request denied or timed out, or an uncertain create

Try it without a Zoom account:
  wrk-zoom run retrieve-meetings --sandbox --all";

#[derive(Parser)]
#[command(
    name = "wrk-zoom",
    version,
    about = "Run Zoom actions, each a sandboxed WebAssembly component",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Also print errors as one JSON object on stderr.
    #[arg(long, global = true)]
    json_errors: bool,
    /// Log what the host does (never tokens) on stderr.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Log lines as text or as one JSON object each (for log collectors).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Where connections live: a directory (the default is
    /// $WRK_ZOOM_HOME, else ~/.config/wrk-zoom), or a PostgreSQL URL
    /// (postgres://user@host:5432/db) that several processes share, with
    /// their rate limits; it needs WRK_ZOOM_STORE_KEY. Prefer the
    /// environment variable for a URL with a password. PostgreSQL: TLS is
    /// required unless the URL says sslmode=disable; its CA (PEM) goes in
    /// WRK_ZOOM_DATABASE_CA_FILE; connections there send their secrets
    /// only to Zoom's HTTPS hosts and the origins in WRK_ZOOM_ALLOW_BASE
    /// (comma-separated, e.g. http://127.0.0.1:4010 for the simulator).
    #[arg(
        long,
        global = true,
        env = "WRK_ZOOM_DATABASE_URL",
        hide_env_values = true,
        value_name = "DIR|URL"
    )]
    store: Option<String>,
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
    /// Show one action: endpoint, scopes and every parameter (or what it
    /// returns, with --output-schema or --sample).
    Describe {
        /// Action name, e.g. create-meeting.
        action: String,
        /// Print the parameters as a JSON Schema (draft 2020-12) instead,
        /// in the form `serve` takes them (numbers, booleans, arrays and
        /// objects as JSON; a meeting's settings with Zoom's nested schema).
        #[arg(long, conflicts_with = "output_schema")]
        schema: bool,
        /// Print what the action returns, as a JSON Schema (draft 2020-12):
        /// one answer (a page, for a list), as the component describes it.
        #[arg(long)]
        output_schema: bool,
        /// Print a realistic answer instead (every field, Zoom's documented
        /// examples where they fit), to map fields before connecting an
        /// account; it validates against --output-schema.
        #[arg(long, conflicts_with_all = ["schema", "output_schema"])]
        sample: bool,
        /// With --output-schema or --sample: what following every page
        /// returns (`run --all`, serve's "all": true) instead of one page.
        #[arg(long)]
        all: bool,
    },
    /// Run an action and print its JSON result on stdout.
    Run(RunArgs),
    /// The triggers: what each Zoom event becomes for a workflow ("When a
    /// recording is completed"); list them, describe one, or run one on an
    /// event file offline.
    Triggers {
        #[command(subcommand)]
        command: Option<triggers::TriggersCommand>,
    },
    /// Connections to Zoom: log in, Server-to-Server, status, logout.
    Auth {
        #[command(subcommand)]
        command: auth::AuthCommand,
    },
    /// Serve the actions as an HTTP API on 127.0.0.1 (for workflow platforms).
    Serve(serve::ServeArgs),
    /// Start the built-in Zoom simulator on 127.0.0.1 and print its base URL.
    Sandbox {
        /// Port to listen on (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Zoom's events: register the Zoom apps `serve` takes events for,
    /// watch them arrive, forward them to URLs, replay them.
    Events {
        #[command(subcommand)]
        command: events::EventsCommand,
    },
    /// Check this machine's setup: token store permissions, connections that
    /// need a new login, the compiled-code cache, whether Zoom's API answers,
    /// and the clock against Zoom's; each problem with its fix.
    Doctor(doctor::DoctorArgs),
    /// Serve every action as a Model Context Protocol tool over stdio (for
    /// AI agents), e.g. `wrk-zoom mcp --read-only` in an MCP client's config.
    Mcp(mcp::McpArgs),
    /// Print the shell completion script, e.g. `source <(wrk-zoom completions bash)`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
pub struct RunArgs {
    /// Action name, e.g. retrieve-meetings (see `wrk-zoom actions`).
    pub action: String,
    /// Parameters as key=value; JSON objects and arrays as JSON text,
    /// e.g. settings='{"waiting_room":true}'.
    pub params: Vec<String>,
    /// Read parameters from a JSON object file; key=value arguments override it.
    #[arg(long, value_name = "FILE.json")]
    pub params_file: Option<PathBuf>,
    /// Zoom API base URL.
    #[arg(long, env = "ZOOM_API_BASE", default_value = wrk_zoom::auth::DEFAULT_API_BASE)]
    pub api_base: String,
    /// OAuth access token (without it, a stored connection is used). Prefer
    /// the environment variable: a flag shows in the process list.
    #[arg(long, env = "ZOOM_ACCESS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Stored connection to run on (see `wrk-zoom auth status`); by default
    /// the default connection of the action's kind (user or admin) when no
    /// token is given. Takes precedence over --token and ZOOM_ACCESS_TOKEN.
    #[arg(long, value_name = "NAME")]
    pub connection: Option<String>,
    /// Print the request that would be sent (no credentials) and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Follow every page of a paginated list and print all items.
    #[arg(long)]
    pub all: bool,
    /// With --all: stop after N items (the result says it was truncated and
    /// gives the next_page_token to continue from).
    #[arg(long, value_name = "N", requires = "all")]
    pub max: Option<u64>,
    /// How to print the result: json (the default), ndjson (one item per
    /// line with --all, else the answer on one line), or table (a list's key
    /// columns, a short summary of an object; bold headers on a terminal
    /// unless NO_COLOR is set).
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Json)]
    pub output: Output,
    /// Same as `-o ndjson`.
    #[arg(long, hide = true)]
    pub ndjson: bool,
    /// Run against the built-in Zoom simulator with a demo token, not your Zoom account.
    #[arg(long, conflicts_with_all = ["token", "api_base", "connection"])]
    pub sandbox: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// How `run` prints its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Json,
    Ndjson,
    Table,
}

impl RunArgs {
    /// The output asked for (`--ndjson` is `-o ndjson`).
    pub fn output(&self) -> Output {
        if self.ndjson {
            Output::Ndjson
        } else {
            self.output
        }
    }
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    huge_pages(false);
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_)) {
        huge_pages(true);
    }
    let filter = if cli.verbose {
        "wrk_zoom=debug,info"
    } else {
        "warn"
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WRK_ZOOM_LOG")
                .unwrap_or_else(|_| filter.into()),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    // `serve` does its background work (compiling, delivering events) on
    // a runtime of worker threads beside its serving threads; every other
    // command is one task at a time, and one thread starts and stops sooner.
    let runtime = match &cli.command {
        Command::Serve(_) => tokio::runtime::Runtime::new(),
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            return report::report(
                &HostError::Internal(format!("cannot start the async runtime: {e}")),
                cli.json_errors,
            );
        }
    };
    // OAuth's requests trust what the environment adds, as the host's do.
    wrk_zoom::transport::configure_shared(wrk_zoom::transport::TransportConfig::from_env());
    let store = Store(cli.store);
    let outcome = runtime.block_on(dispatch(cli.command, &store));
    // The command is done: idle blocking threads need not be waited for.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report::report(&error, cli.json_errors),
    }
}

/// Whether this process gets transparent huge pages where it asks for
/// them (mimalloc asks for its heap). A short command touches a few
/// megabytes once, and with them each first touch of the heap zeroed 2 MiB:
/// a sixth of a `run`'s CPU. `serve`'s heap lives long: with them it spent
/// about 5% less CPU per call, for about 14 MiB more resident memory
/// (docs/src/performance.md). Turned off before the first allocations.
fn huge_pages(on: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes integers and only sets a flag of
    // this process; a kernel without it refuses, and nothing changes.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, libc::c_ulong::from(!on), 0, 0, 0);
    }
}

/// The token store asked for (`--store` / `WRK_ZOOM_DATABASE_URL`),
/// opened only by commands that use connections.
pub struct Store(Option<String>);

impl Store {
    /// The connections in it: the backend [`wrk_zoom::backends`] picks for
    /// the spec, set up from the environment.
    pub async fn open(&self) -> Result<wrk_zoom::auth::Connections, HostError> {
        let store = self.backend()?.open_from_env().await?;
        Ok(wrk_zoom::auth::Connections::new(store))
    }

    /// Which store the spec names (no connection made yet).
    pub fn backend(&self) -> Result<wrk_zoom::backends::StoreSpec, HostError> {
        Ok(wrk_zoom::backends::StoreSpec::from_env(self.spec())?)
    }

    /// `host`, counting against the rate limits shared through the store
    /// of `connections` when it shares them (PostgreSQL), so this process
    /// and every other one on the store keep to them together.
    pub fn share_pacing(
        host: wrk_zoom::Host,
        connections: Option<&wrk_zoom::auth::Connections>,
    ) -> wrk_zoom::Host {
        match connections.and_then(|c| c.shared_pacing()) {
            Some(shared) => host.with_shared_pacing(shared),
            None => host,
        }
    }

    /// What `--store` / `WRK_ZOOM_DATABASE_URL` says, if anything.
    pub fn spec(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// No store was named: the default file store.
    pub fn is_default(&self) -> bool {
        self.0.as_deref().is_none_or(|s| s.trim().is_empty())
    }
}

async fn dispatch(command: Command, store: &Store) -> Result<(), HostError> {
    match command {
        Command::Actions { json } => actions::list(json).await,
        Command::Describe {
            action,
            schema,
            output_schema,
            sample,
            all,
        } => {
            let what = match (schema, output_schema, sample, all) {
                (true, ..) => actions::Describe::Parameters,
                (_, true, _, true) => actions::Describe::OutputAllPages,
                (_, true, _, false) => actions::Describe::Output,
                (_, _, true, all) => actions::Describe::Sample { all },
                (_, _, _, true) => {
                    return Err(HostError::InvalidInput {
                        field: "--all".into(),
                        message: "goes with --output-schema or --sample".into(),
                    });
                }
                _ => actions::Describe::Info,
            };
            actions::describe(&action, what).await
        }
        Command::Run(args) => run::run(args, store).await,
        Command::Triggers { command } => triggers::run(command).await,
        Command::Auth { command } => auth::run(command, store).await,
        Command::Serve(args) => serve::serve(args, store).await,
        Command::Sandbox { port } => sandbox::serve(port).await,
        Command::Events { command } => events::run(command, store).await,
        Command::Doctor(args) => doctor::doctor(args, store).await,
        Command::Mcp(args) => mcp::mcp(args, store).await,
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "wrk-zoom", &mut out);
            std::io::stdout().write_all(&out).or_else(output_error)
        }
    }
}

/// `key=value` arguments added to `pairs`, a later key replacing an
/// earlier one; `refuse(arg)` is the error for an argument without `=`.
pub(crate) fn key_values(
    args: &[String],
    mut pairs: Vec<(String, String)>,
    refuse: impl Fn(&str) -> HostError,
) -> Result<Vec<(String, String)>, HostError> {
    for arg in args {
        let (key, value) = arg.split_once('=').ok_or_else(|| refuse(arg))?;
        pairs.retain(|(k, _)| k != key);
        pairs.push((key.to_string(), value.to_string()));
    }
    Ok(pairs)
}

/// Pretty JSON on stdout. A closed pipe (`| head`) is not an error.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), HostError> {
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out));
    written.or_else(output_error)
}

/// A write to stdout failed: a closed pipe ends quietly, anything else is
/// an error.
pub(crate) fn output_error(e: std::io::Error) -> Result<(), HostError> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(HostError::Internal(format!("cannot write output: {e}")))
    }
}
