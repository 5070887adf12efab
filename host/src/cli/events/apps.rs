//! `events app ...` (a Zoom app and its secret token, read from the
//! environment or standard input, never a flag) and `events setup`.

use super::{ZoomAccess, admin_calls, invalid};
use crate::cli::{Store, print_json};
use clap::{Args, Subcommand};
use std::io::Read;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::auth::Secret;
use wrk_zoom::events::{EventApp, EventStore};

/// The variable `events app add` and `rotate` read the secret token from.
const SECRET_VAR: &str = "ZOOM_WEBHOOK_SECRET_TOKEN";

/// The event types a workflow usually wants (`events setup` lists them).
const SUGGESTED_EVENTS: &[&str] = &[
    "meeting.created",
    "meeting.updated",
    "meeting.deleted",
    "meeting.started",
    "meeting.ended",
    "meeting.participant_joined",
    "meeting.participant_left",
    "recording.completed",
    "recording.transcript_completed",
    "meeting.summary_completed",
    "user.created",
    "user.deactivated",
    "phone.caller_call_history_completed",
    "phone.callee_call_history_completed",
];

#[derive(Subcommand)]
pub enum AppCommand {
    /// Register a Zoom app; its secret token (the app's Features > Access
    /// page) is read from ZOOM_WEBHOOK_SECRET_TOKEN, else standard input.
    Add {
        /// A name of your choice; Zoom posts to /v1/events/zoom/NAME.
        name: String,
        /// Zoom's id of the app (for its webhook logs).
        #[arg(long)]
        zoom_app_id: Option<String>,
    },
    /// Start a rotation: the new secret token (from
    /// ZOOM_WEBHOOK_SECRET_TOKEN or standard input) is used, the old one
    /// still accepted until `--finish`.
    Rotate {
        name: String,
        /// End the rotation: the previous secret token is no longer
        /// accepted.
        #[arg(long)]
        finish: bool,
    },
    /// List the apps (never their secrets).
    List,
    /// Forget an app: its deliveries are refused from then on.
    Remove { name: String },
}

#[derive(Args)]
pub struct SetupArgs {
    /// The app, as registered with `events app add`.
    app: String,
    /// The public HTTPS address Zoom reaches `serve` at (a reverse proxy or
    /// tunnel in front of it), e.g. https://hooks.example.com.
    #[arg(long, value_name = "URL")]
    public_url: String,
    /// How long to wait for Zoom's validation.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    wait: u64,
    /// Create the event subscription through Zoom's API (`POST
    /// /marketplace/app/event_subscription`, with an admin connection or
    /// --token) instead of by hand; in the sandbox, with its admin token.
    #[arg(long)]
    subscribe: bool,
    /// With --subscribe: the event types (repeatable or comma-separated);
    /// default: the ones listed.
    #[arg(
        long = "event",
        value_name = "TYPE",
        value_delimiter = ',',
        requires = "subscribe"
    )]
    events: Vec<String>,
    #[command(flatten)]
    zoom: ZoomAccess,
}

/// An app name as it goes in a URL path.
fn check_app_name(name: &str) -> Result<(), HostError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "app",
            format!(
                "app name '{}' must be 1 to 64 letters, digits, '-' or '_' (it goes in the URL Zoom posts to)",
                name.escape_debug()
            ),
        ))
    }
}

/// The secret token from the environment, else standard input; never a
/// flag (a flag shows in the process list).
fn read_secret() -> Result<Secret, HostError> {
    let text = match std::env::var(SECRET_VAR) {
        Ok(value) if !value.trim().is_empty() => value,
        _ => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!(
                    "paste the app's secret token (Zoom: the app's Features > Access page), then Enter:"
                );
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map_err(|e| {
                    invalid(SECRET_VAR, format!("cannot read the secret token: {e}"))
                })?;
                line
            } else {
                let mut all = String::new();
                std::io::stdin().read_to_string(&mut all).map_err(|e| {
                    invalid(SECRET_VAR, format!("cannot read the secret token: {e}"))
                })?;
                all
            }
        }
    };
    let secret = text.trim();
    if secret.is_empty() {
        return Err(invalid(
            SECRET_VAR,
            format!(
                "no secret token: set {SECRET_VAR} or pipe it on standard input (Zoom shows it on the app's Features > Access page)"
            ),
        ));
    }
    if secret.chars().any(char::is_whitespace) {
        return Err(invalid(
            SECRET_VAR,
            format!(
                "the secret token has whitespace in it; copy it again from the Zoom app ({SECRET_VAR} or standard input)"
            ),
        ));
    }
    Ok(Secret::new(secret))
}

pub(super) async fn app(command: AppCommand, events: &dyn EventStore) -> Result<(), HostError> {
    match command {
        AppCommand::Add { name, zoom_app_id } => {
            check_app_name(&name)?;
            if events.apps().await?.contains_key(&name) {
                return Err(invalid(
                    "app",
                    format!(
                        "the app '{name}' is registered already; `wrk-zoom events app rotate {name}` changes its secret token"
                    ),
                ));
            }
            let app = EventApp {
                secret: read_secret()?,
                zoom_app_id,
                added_at: wrk_zoom::clock::now_secs(),
                ..EventApp::default()
            };
            events.put_app(&name, &app).await?;
            eprintln!(
                "registered the Zoom app '{name}': `serve` takes its events at /v1/events/zoom/{name} (`wrk-zoom events setup {name} --public-url ...` says what to paste into Zoom)"
            );
            Ok(())
        }
        AppCommand::Rotate { name, finish } => {
            let mut app = events.apps().await?.remove(&name).ok_or_else(|| {
                invalid(
                    "app",
                    format!("there is no app '{name}'; `wrk-zoom events app list` lists them"),
                )
            })?;
            if finish {
                app.previous_secret = None;
                eprintln!("'{name}': only the new secret token is accepted now");
            } else {
                let new = read_secret()?;
                app.previous_secret = Some(std::mem::replace(&mut app.secret, new));
                eprintln!(
                    "'{name}': the new secret token is used, the previous one still accepted until `wrk-zoom events app rotate {name} --finish`"
                );
            }
            events.put_app(&name, &app).await?;
            Ok(())
        }
        AppCommand::List => {
            let apps = events.apps().await?;
            let list: Vec<serde_json::Value> = apps
                .iter()
                .map(|(name, app)| {
                    serde_json::json!({
                        "name": name,
                        "path": format!("/v1/events/zoom/{name}"),
                        "zoom_app_id": app.zoom_app_id,
                        "rotating": app.previous_secret.is_some(),
                        "added_at": wrk_zoom::clock::format_utc(app.added_at),
                        "validated_at": app.validated_at.map(wrk_zoom::clock::format_utc),
                        "refused": app.refused,
                    })
                })
                .collect();
            print_json(&serde_json::Value::Array(list))
        }
        AppCommand::Remove { name } => {
            if events.remove_app(&name).await? {
                eprintln!("removed the app '{name}': its deliveries are refused from now on");
                Ok(())
            } else {
                Err(invalid(
                    "app",
                    format!("there is no app '{name}'; `wrk-zoom events app list` lists them"),
                ))
            }
        }
    }
}

pub(super) async fn setup(
    args: SetupArgs,
    store: &Store,
    events: &dyn EventStore,
) -> Result<(), HostError> {
    let Some(app) = events.apps().await?.remove(&args.app) else {
        return Err(invalid(
            "app",
            format!(
                "there is no app '{}'; register it first: {SECRET_VAR}=... wrk-zoom events app add {}",
                args.app, args.app
            ),
        ));
    };
    let base = args.public_url.trim_end_matches('/');
    let url = format!("{base}/v1/events/zoom/{}", args.app);
    if !base.starts_with("https://") {
        eprintln!(
            "note: Zoom delivers only to https:// URLs with a valid certificate; put a reverse proxy or tunnel in front of `serve`"
        );
    }
    let started = wrk_zoom::clock::now_secs();
    if args.subscribe {
        let types: Vec<String> = if args.events.is_empty() {
            SUGGESTED_EVENTS.iter().map(|e| e.to_string()).collect()
        } else {
            args.events.clone()
        };
        let body = serde_json::json!({
            "events": types,
            "event_webhook_url": url,
            "subscription_scope": "account",
        });
        let params = vec![
            ("method".to_string(), "POST".to_string()),
            (
                "path".to_string(),
                "/marketplace/app/event_subscription".to_string(),
            ),
            ("body".to_string(), body.to_string()),
        ];
        // Zoom validates the URL before it answers.
        let answer = admin_calls(store, args.zoom, async |call| {
            Ok(call.run(&params).await?.into_result())
        })
        .await?;
        eprintln!(
            "subscribed {} event types to {url} (event subscription {})",
            types.len(),
            answer["event_subscription_id"].as_str().unwrap_or("?")
        );
    } else {
        print_manual_steps(&url);
    }
    wait_for_validation(
        &args.app,
        &url,
        app.validated_at,
        started,
        args.wait,
        events,
    )
    .await
}

fn print_manual_steps(url: &str) {
    println!(
        "In the Zoom app (marketplace.zoom.us > your app > Features > Access > Event Subscriptions):"
    );
    println!("  1. Add an event subscription, method Webhook.");
    println!("  2. Event notification endpoint URL:  {url}");
    println!(
        "  3. Receiver: \"Only for users who have added this app\" (one URL serves every account that installs it), or all users of your account."
    );
    println!("  4. Add the events your workflows use, e.g.:");
    for event in SUGGESTED_EVENTS {
        println!("       {event}");
    }
    println!("  5. Press Validate: Zoom sends a signed challenge that `serve` answers.");
}

/// Waits until `serve` noted a URL validation of `app` at or after `started`.
async fn wait_for_validation(
    app: &str,
    url: &str,
    last: Option<i64>,
    started: i64,
    wait: u64,
    events: &dyn EventStore,
) -> Result<(), HostError> {
    eprintln!(
        "waiting up to {wait} s for Zoom's validation to reach `serve` (last one: {})...",
        last.map(wrk_zoom::clock::format_utc)
            .unwrap_or_else(|| "never".into())
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let validated = events.apps().await?.get(app).and_then(|a| a.validated_at);
        if let Some(at) = validated.filter(|at| *at >= started) {
            eprintln!(
                "validated at {}: Zoom can deliver to {url} (it validates again every 72 hours; `wrk-zoom doctor` shows when it last did)",
                wrk_zoom::clock::format_utc(at)
            );
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(HostError::Transport(format!(
                "no validation reached `serve` for '{app}' within {wait} s: is `serve` running with this store, and is {url} reachable from the internet?"
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
