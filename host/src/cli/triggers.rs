//! `wrk-zoom triggers`: list and describe the triggers, and run one on an
//! event read from a file, offline.

use super::{output_error, print_json};
use clap::Subcommand;
use std::io::{Read, Write};
use std::path::PathBuf;
use wrk_zoom::model::InvalidParam;
use wrk_zoom::{Host, HostConfig, HostError};

#[derive(Subcommand)]
pub enum TriggersCommand {
    /// List the triggers (the default).
    List {
        /// Print each trigger's full description as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one trigger: the Zoom events it maps, the scopes they need and
    /// its parameters (or what it outputs, with --schema or --sample).
    Describe {
        /// Trigger name, e.g. recording-completed.
        trigger: String,
        /// Print what each output is, as a JSON Schema (draft 2020-12).
        #[arg(long)]
        schema: bool,
        /// Print one output as it would look (the trigger's output for
        /// Zoom's documented example of its event).
        #[arg(long, conflicts_with = "schema")]
        sample: bool,
    },
    /// Run a trigger on one event (Zoom's JSON body, as a webhook or
    /// `wrk-zoom events tail` shows it) and print its outputs, one JSON
    /// object per line: `{"key": ..., "output": {...}}`. Nothing is sent
    /// anywhere.
    Run {
        /// Trigger name, e.g. recording-completed.
        trigger: String,
        /// The event's JSON file (`-` reads standard input).
        #[arg(long, value_name = "FILE.json")]
        event: PathBuf,
        /// The subscription's parameters as key=value, e.g.
        /// file_types=MP4,M4A topic_contains=standup.
        params: Vec<String>,
        /// Run this trigger component (a .wasm file) instead of the built-in
        /// one, e.g. while developing it.
        #[arg(long, value_name = "FILE.wasm")]
        component: Option<PathBuf>,
    },
}

pub async fn run(command: Option<TriggersCommand>) -> Result<(), HostError> {
    let host = Host::new(HostConfig::from_env()?)?;
    match command.unwrap_or(TriggersCommand::List { json: false }) {
        TriggersCommand::List { json } => list(&host, json).await,
        TriggersCommand::Describe {
            trigger,
            schema,
            sample,
        } => describe(&host, &trigger, schema, sample).await,
        TriggersCommand::Run {
            trigger,
            event,
            params,
            component,
        } => run_one(&host, &trigger, &event, &params, component).await,
    }
}

async fn list(host: &Host, json: bool) -> Result<(), HostError> {
    let infos = host.describe_triggers().await?;
    if json {
        return print_json(&serde_json::to_value(&infos).expect("trigger infos serialise"));
    }
    let width = infos.iter().map(|i| i.name.len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for info in &infos {
        let kind = info.connection.as_str();
        let line = writeln!(out, "{:width$}  {kind:5}  {}", info.name, info.title);
        line.or_else(output_error)?;
    }
    Ok(())
}

async fn describe(host: &Host, name: &str, schema: bool, sample: bool) -> Result<(), HostError> {
    let info = host.trigger_info(name).await?;
    if schema {
        let value =
            info.output_schema.value().cloned().ok_or_else(|| {
                HostError::Internal(format!("{name}'s output schema is not JSON"))
            })?;
        return print_json(&value);
    }
    if sample {
        let value: serde_json::Value = serde_json::from_str(&info.sample_output)
            .map_err(|e| HostError::Internal(format!("{name}'s sample is not JSON: {e}")))?;
        return print_json(&value);
    }
    print_json(&serde_json::to_value(&info).expect("trigger info serialises"))
}

async fn run_one(
    host: &Host,
    name: &str,
    event: &std::path::Path,
    params: &[String],
    component: Option<PathBuf>,
) -> Result<(), HostError> {
    let invalid = |field: &str, message: String| HostError::InvalidParams {
        action: name.to_string(),
        problems: vec![InvalidParam {
            name: field.to_string(),
            message,
        }],
    };
    let pairs = super::key_values(params, Vec::new(), |arg| {
        invalid(arg, "must be written key=value, e.g. file_types=MP4".into())
    })?;
    let text = read_event(event).map_err(|message| invalid("--event", message))?;
    let trigger = match component {
        Some(path) => {
            let source = wrk_zoom::read_component_file(&path)?;
            std::sync::Arc::new(host.load_trigger(source).await?)
        }
        None => host.trigger(name).await?,
    };
    if trigger.info.name != name {
        return Err(HostError::InvalidInput {
            field: "--component".into(),
            message: format!(
                "the component is the trigger '{}', not '{name}'",
                trigger.info.name
            ),
        });
    }
    let outputs = host.map_event(&trigger, &text, &pairs).await?;
    let mut out = std::io::stdout().lock();
    for output in &outputs {
        let line = serde_json::to_string(output).expect("an output serialises");
        writeln!(out, "{line}").or_else(output_error)?;
    }
    if outputs.is_empty() {
        eprintln!("no output: the event did not pass the parameters' filters");
    }
    Ok(())
}

/// The event's text from a file or (`-`) standard input.
fn read_event(path: &std::path::Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
