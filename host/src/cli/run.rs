//! `wrk-zoom run`: parameters, connection, one call or every page.

use super::{RunArgs, output_error, print_json};
use std::io::Write;
use wrk_zoom::auth::{self, ConnectionRequest, Connections};
use wrk_zoom::model::{ActionInfo, ConnectionKind};
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

pub async fn run(args: RunArgs) -> Result<(), HostError> {
    let params = collect_params(&args)?;
    let host = Host::new(HostConfig::default())?;
    // Resolved once: every page of the run uses this component.
    let action = host.action(&args.action).await?;
    if args.dry_run {
        let planned = host.plan_action(&action, &params).await?;
        return print_json(&serde_json::to_value(&planned).expect("plans serialise"));
    }

    let kind = action.info.connection;
    let mut _simulator = None;
    let request = if args.sandbox {
        let sim = zoom_simulator::start(zoom_simulator::SimConfig::default())
            .await
            .map_err(|e| {
                HostError::Internal(format!("cannot start the sandbox simulator: {e:#}"))
            })?;
        let token = match kind {
            ConnectionKind::User => zoom_simulator::seed::USER_TOKEN,
            ConnectionKind::Admin => zoom_simulator::seed::ADMIN_TOKEN,
        };
        eprintln!(
            "sandbox: running {} against the built-in Zoom simulator at {} with a demo {kind} token; this is not your Zoom account",
            args.action,
            sim.base_url(),
        );
        let token = ZoomConnection {
            access_token: token.to_string(),
            api_base: sim.base_url(),
            account: None,
        };
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
        _ => Some(Connections::open_default()?),
    };
    let connection = auth::resolve(request, connections.as_ref(), kind)?;
    if !args.all {
        let reply = connection.run(&host, &action, &params).await?;
        return print_json(&reply_body(reply));
    }
    connection.prepare_long_run(&action.info).await?;
    let run_page = async |page: &[(String, String)]| connection.run(&host, &action, page).await;
    run_all(&action.info, &args, run_page, &params).await
}

/// The printed result: the body, or `{"ok": true, "status": N}` when empty.
fn reply_body(reply: wrk_zoom::model::Reply) -> serde_json::Value {
    match reply.body {
        serde_json::Value::Null => serde_json::json!({"ok": true, "status": reply.status}),
        body => body,
    }
}

/// `--all`: streams items as they arrive, as one JSON object or as NDJSON.
async fn run_all(
    info: &ActionInfo,
    args: &RunArgs,
    run_page: impl AsyncFnMut(&[(String, String)]) -> Result<wrk_zoom::model::Reply, HostError>,
    params: &[(String, String)],
) -> Result<(), HostError> {
    let list_key = info.list_key.clone().unwrap_or_default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut first = true;
    let mut write_failure: Option<std::io::Error> = None;
    if !args.ndjson {
        let _ = write!(out, "{{{}:[", serde_json::Value::String(list_key));
    }
    let mut progress = Progress::on_terminal();
    let outcome = wrk_zoom::paginate::for_each_page_item(
        info,
        run_page,
        params,
        args.max,
        |item| {
            let written = if args.ndjson {
                writeln!(out, "{item}")
            } else {
                let sep = if first { "\n  " } else { ",\n  " };
                first = false;
                write!(out, "{sep}{item}")
            };
            written.map_err(|e| {
                let kind = e.kind();
                write_failure = Some(e);
                std::io::Error::from(kind)
            })
        },
        |summary| {
            if let Some(p) = progress.as_mut() {
                p.update(summary.items, summary.pages, false);
            }
        },
    )
    .await;
    if let Some(p) = progress.as_mut() {
        p.finish();
    }
    if let Some(e) = write_failure {
        return output_error(e);
    }
    let summary = match outcome {
        Ok(summary) => summary,
        Err(e) => {
            // Close what was printed so far on its own line before the error.
            let _ = out.flush();
            if !args.ndjson {
                println!();
            }
            return Err(e);
        }
    };
    if args.ndjson {
        if summary.truncated {
            let window = summary
                .window
                .as_ref()
                .map(|(from, to)| format!(" from={from} to={to}"))
                .unwrap_or_default();
            eprintln!(
                "stopped after {} items (--max); continue with{window} next_page_token={}",
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
            if let Some((from, to)) = &summary.window {
                tail["window"] = serde_json::json!({"from": from, "to": to});
            }
        }
        let tail = tail.to_string();
        if let Err(e) = writeln!(out, "\n],{}", &tail[1..]) {
            return output_error(e);
        }
    }
    out.flush().or_else(output_error)
}

/// `--all` progress on stderr (items, pages, items per second), redrawn in
/// place at most every 200 ms; only when stderr is a terminal, so piped or
/// redirected runs print nothing extra.
struct Progress {
    started: std::time::Instant,
    last_draw: Option<std::time::Instant>,
    drawn: bool,
    items: u64,
    pages: u64,
}

impl Progress {
    fn on_terminal() -> Option<Progress> {
        use std::io::IsTerminal;
        std::io::stderr().is_terminal().then(|| Progress {
            started: std::time::Instant::now(),
            last_draw: None,
            drawn: false,
            items: 0,
            pages: 0,
        })
    }

    fn update(&mut self, items: u64, pages: u64, force: bool) {
        self.items = items;
        self.pages = pages;
        let now = std::time::Instant::now();
        if !force
            && self
                .last_draw
                .is_some_and(|t| now.duration_since(t) < std::time::Duration::from_millis(200))
        {
            return;
        }
        self.last_draw = Some(now);
        let secs = now.duration_since(self.started).as_secs_f64().max(0.001);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K{} items, {} pages, {:.0} items/s",
            items,
            pages,
            items as f64 / secs
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Draws the final totals and ends the line.
    fn finish(&mut self) {
        if self.drawn || self.pages > 0 {
            self.update(self.items, self.pages, true);
            eprintln!();
        }
    }
}
