//! `wrk-zoom run`: parameters, connection, one call or every page.

use super::{Output, RunArgs, Store, output_error, print_json, sandbox, table};
use std::cell::RefCell;
use std::io::Write;
use wrk_zoom::auth::{self, ConnectionRequest};
use wrk_zoom::model::ActionInfo;
use wrk_zoom::{Host, HostConfig, HostError, ZoomConnection};

/// Parameters from a JSON object: strings as they are, anything else
/// (numbers, booleans, objects, arrays) as JSON text.
pub(crate) fn json_params(
    object: serde_json::Map<String, serde_json::Value>,
) -> Vec<(String, String)> {
    object
        .into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => (key, s),
            other => (key, other.to_string()),
        })
        .collect()
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
        params = json_params(object);
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

pub async fn run(args: RunArgs, store: &Store) -> Result<(), HostError> {
    let params = collect_params(&args)?;
    let host = Host::new(HostConfig::from_env()?)?;
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
    let connections = match &request {
        ConnectionRequest {
            connection: None,
            token: Some(token),
        } if !token.access_token.is_empty() => None,
        _ => Some(store.open().await?),
    };
    let host = Store::share_pacing(host, connections.as_ref());
    let connection = auth::resolve(request, connections.as_ref(), kind).await?;
    if !args.all {
        let reply = connection.run(&host, &action, &params).await?;
        let body = reply_body(reply);
        return match args.output() {
            Output::Json => print_json(&body),
            Output::Ndjson => writeln!(std::io::stdout().lock(), "{body}").or_else(output_error),
            Output::Table => table::print(
                &mut table::stdout().lock(),
                &body,
                action.info.list_key.as_deref(),
            )
            .or_else(output_error),
        };
    }
    connection.prepare_long_run(&action.info).await?;
    let run_page = async |page: &[(String, String)]| connection.run(&host, &action, page).await;
    run_all(&action.info, &args, run_page, &params).await
}

/// The printed result: the body, or `{"ok": true, "status": N}` when empty.
pub(crate) fn reply_body(reply: wrk_zoom::model::Reply) -> serde_json::Value {
    match reply.body {
        serde_json::Value::Null => serde_json::json!({"ok": true, "status": reply.status}),
        body => body,
    }
}

/// `--all`: streams items as they arrive, as one JSON object, as NDJSON,
/// or as a table (its columns chosen from the first page).
async fn run_all(
    info: &ActionInfo,
    args: &RunArgs,
    run_page: impl AsyncFnMut(&[(String, String)]) -> Result<wrk_zoom::model::Reply, HostError>,
    params: &[(String, String)],
) -> Result<(), HostError> {
    let output = args.output();
    let list_key = info.list_key.clone().unwrap_or_default();
    let out = RefCell::new(std::io::BufWriter::new(table::stdout().lock()));
    // A table waits for the first page to choose its columns.
    let pending: RefCell<Vec<serde_json::Value>> = RefCell::default();
    let table: RefCell<Option<table::Table>> = RefCell::default();
    let start_table = || -> std::io::Result<()> {
        if table.borrow().is_some() {
            return Ok(());
        }
        let rows = std::mem::take(&mut *pending.borrow_mut());
        let chosen = table::Table::for_items(&rows);
        let mut out = out.borrow_mut();
        chosen.header(&mut *out)?;
        for row in &rows {
            chosen.row(&mut *out, row)?;
        }
        *table.borrow_mut() = Some(chosen);
        Ok(())
    };
    let mut first = true;
    let write_failure: RefCell<Option<std::io::Error>> = RefCell::default();
    if output == Output::Json {
        let _ = write!(
            out.borrow_mut(),
            "{{{}:[",
            serde_json::Value::String(list_key)
        );
    }
    let progress = Progress::on_terminal();
    let outcome = wrk_zoom::paginate::for_each_page_item(
        info,
        run_page,
        params,
        args.max,
        |item| {
            let written = match output {
                Output::Ndjson => writeln!(out.borrow_mut(), "{item}"),
                Output::Json => {
                    let sep = if first { "\n  " } else { ",\n  " };
                    first = false;
                    write!(out.borrow_mut(), "{sep}{item}")
                }
                Output::Table => match table.borrow().as_ref() {
                    Some(t) => t.row(&mut *out.borrow_mut(), &item),
                    None => {
                        pending.borrow_mut().push(item);
                        Ok(())
                    }
                },
            };
            written.map_err(|e| {
                let kind = e.kind();
                *write_failure.borrow_mut() = Some(e);
                std::io::Error::from(kind)
            })
        },
        |summary| {
            if output == Output::Table
                && let Err(e) = start_table()
            {
                write_failure.borrow_mut().get_or_insert(e);
            }
            progress.update(summary.items, summary.pages);
        },
    )
    .await;
    progress.finish();
    if let Some(e) = write_failure.into_inner() {
        return output_error(e);
    }
    let mut out = out.into_inner();
    let summary = match outcome {
        Ok(summary) => summary,
        Err(e) => {
            // Close what was printed so far on its own line before the error.
            let _ = out.flush();
            if output == Output::Json {
                println!();
            }
            return Err(e);
        }
    };
    let continue_with = || {
        let window = summary
            .window
            .as_ref()
            .map(|(from, to)| format!(" from={from} to={to}"))
            .unwrap_or_default();
        format!(
            "stopped after {} items (--max); continue with{window} next_page_token={}",
            summary.items,
            summary.next_page_token.as_deref().unwrap_or("")
        )
    };
    match output {
        Output::Ndjson => {
            if summary.truncated {
                eprintln!("{}", continue_with());
            }
        }
        Output::Table => {
            if table.borrow().is_none() {
                let rows = pending.take();
                let chosen = table::Table::for_items(&rows);
                let written = chosen
                    .header(&mut out)
                    .and_then(|()| rows.iter().try_for_each(|r| chosen.row(&mut out, r)));
                written.or_else(output_error)?;
            }
            out.flush().or_else(output_error)?;
            if summary.truncated {
                eprintln!("{}", continue_with());
            } else {
                eprintln!("{} items", summary.items);
            }
        }
        Output::Json => {
            let mut tail = serde_json::json!({
                "total_records": summary.items,
                "truncated": summary.truncated,
            });
            if summary.truncated {
                tail["next_page_token"] =
                    summary.next_page_token.clone().unwrap_or_default().into();
                if summary.left_in_last_page > 0 {
                    tail["left_in_last_page"] = summary.left_in_last_page.into();
                }
                if let Some((from, to)) = &summary.window {
                    tail["window"] = serde_json::json!({"from": from, "to": to});
                }
            }
            let tail = tail.to_string();
            if let Err(e) = writeln!(out, "\n],{}", &tail[1..]) {
                return output_error(e);
            }
        }
    }
    out.flush().or_else(output_error)
}

/// `--all` progress on stderr (items, pages, items per second) with
/// `indicatif`, only when stderr is a terminal, so piped or redirected runs
/// print nothing extra.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn on_terminal() -> Progress {
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            None,
            indicatif::ProgressDrawTarget::stderr_with_hz(5),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template("{pos} items, {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        Progress(Some(bar))
    }

    fn update(&self, items: u64, pages: u64) {
        if let Some(bar) = &self.0 {
            let rate = items as f64 / bar.elapsed().as_secs_f64().max(0.001);
            bar.set_position(items);
            bar.set_message(format!("{pages} pages, {rate:.0} items/s"));
        }
    }

    /// Leaves the final totals on screen.
    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.abandon();
        }
    }
}
