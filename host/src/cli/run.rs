//! `wrk-zoom run`: parameters, connection, one call or every page.

use super::output::Printer;
use super::{Output, RunArgs, Store, output_error, print_json, sandbox, table};
use std::io::Write;
use wrk_zoom::call::{Caller, ConnectionRequest, params_from_json};
use wrk_zoom::{Host, HostConfig, HostError, ZoomConnection};

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
        params = params_from_json(object);
    }
    super::key_values(&args.params, params, |arg| {
        invalid(arg, "must be written key=value, e.g. topic=Standup".into())
    })
}

pub async fn run(args: RunArgs, store: &Store) -> Result<(), HostError> {
    let params = collect_params(&args)?;
    // One call at a time (pages follow one another): a pool of one call
    // slot, and no triggers, cost the process less to set up.
    let host = Host::new(HostConfig {
        max_concurrent_calls: 1,
        builtin_triggers: false,
        ..HostConfig::from_env()?
    })?;
    // Resolved once: every page of the run uses this component.
    let action = host.action(&args.action).await?;
    if args.dry_run {
        let planned = host.plan_action(&action, &params).await?;
        return print_json(&serde_json::to_value(&planned).expect("plans serialise"));
    }

    let kind = action.info.connection;
    let mut _simulator = None;
    let request = if args.sandbox {
        let sim = sandbox::start_in_process().await?;
        eprintln!(
            "sandbox: running {} against the built-in Zoom simulator at {} with a demo {kind} token; this is not your Zoom account",
            args.action,
            sim.base_url(),
        );
        let token = sandbox::demo_connection(&sim, kind);
        _simulator = Some(sim);
        ConnectionRequest {
            connection: None,
            token: Some(token),
        }
    } else {
        ConnectionRequest {
            connection: args.connection.clone(),
            token: args.token.clone().map(|access_token| ZoomConnection {
                access_token,
                api_base: args.api_base.clone(),
                account: None,
            }),
        }
    };
    // The store is opened only when a stored connection may be used.
    let connections = match request.uses_store() {
        true => Some(store.open().await?),
        false => None,
    };
    let host = Store::share_pacing(host, connections.as_ref());
    let caller = Caller::new(&host, connections.as_ref());
    // A table's columns come from what an item is, when the action says.
    let item_schema = wrk_zoom::output_schema::list_items(&action.info);
    if !args.all {
        let body = caller
            .call(&args.action, &params, request)
            .await?
            .into_result();
        return match args.output() {
            Output::Json => print_json(&body),
            Output::Ndjson => writeln!(std::io::stdout().lock(), "{body}").or_else(output_error),
            Output::Table => table::print(
                &mut table::stdout().lock(),
                &body,
                action.info.list_key.as_deref(),
                item_schema.as_ref(),
            )
            .or_else(output_error),
        };
    }
    let list_key = action.info.list_key.as_deref().unwrap_or_default();
    let mut printer = Printer::new(args.output(), list_key, item_schema);
    let outcome = caller
        .call_all(&args.action, &params, request, args.max, &mut printer)
        .await;
    printer.end(outcome)
}
