//! `wrk-zoom events`: Zoom apps whose events `serve` takes, push
//! subscriptions and their dead letters, watching events arrive, and
//! replaying them. Everything here works on the event store beside the
//! token store (`--store`); `serve` takes the events.

use super::{Store, print_json};
use clap::{Args, Subcommand};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::auth::Secret;
use wrk_zoom::events::deliver::{item_json, new_signing_secret};
use wrk_zoom::events::{EventApp, EventFilter, EventStore, Subscription};

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
    "user.created",
    "user.deactivated",
    "phone.caller_call_history_completed",
    "phone.callee_call_history_completed",
];

#[derive(Subcommand)]
pub enum EventsCommand {
    /// Zoom apps whose deliveries `serve` takes at /v1/events/zoom/APP.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
    /// Print the URL to paste into the Zoom app, the events to tick, and
    /// wait until Zoom's URL validation reaches `serve`.
    Setup(SetupArgs),
    /// Print events as NDJSON as they arrive (Ctrl-C to stop).
    Listen(ListenArgs),
    /// Forward matching events to a URL (signed, retried, dead-lettered).
    Subscribe(SubscribeArgs),
    /// List the push subscriptions with their backlog, retries and dead
    /// letters.
    Subscriptions,
    /// Remove a push subscription.
    Unsubscribe {
        /// The subscription's id (`sub_...`).
        id: String,
    },
    /// List the events a subscription gave up on.
    DeadLetters {
        /// Only this subscription's.
        #[arg(long)]
        subscription: Option<String>,
    },
    /// Try dead letters again (now, with a fresh count of attempts).
    Retry(DeadLetterArgs),
    /// Drop dead letters for good.
    Drop(DeadLetterArgs),
    /// Deliver events again from the inbox, with the same idempotency keys
    /// (a receiver that checks them sees no double).
    Replay(ReplayArgs),
    /// Take in what Zoom failed to deliver: read the app's webhook logs
    /// (failed deliveries of the last 7 days, `GET
    /// /marketplace/apps/{appId}/webhook_logs`, with an admin connection's
    /// token, so the bodies need no signature) and keep the events the
    /// inbox lacks; `serve` then hands them on.
    Reconcile(ReconcileArgs),
}

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

/// How a command reaches Zoom's API on its own (an admin call).
#[derive(Args)]
pub struct ZoomAccess {
    /// The stored admin connection to call Zoom with; default: the default
    /// admin connection.
    #[arg(long)]
    connection: Option<String>,
    /// An access token instead of a stored connection (prefer the
    /// environment variable), e.g. the sandbox's admin token.
    #[arg(long, env = "ZOOM_ACCESS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The API base of --token, e.g. the sandbox's http://127.0.0.1:4010/v2.
    #[arg(long, env = "ZOOM_API_BASE", default_value = wrk_zoom::auth::DEFAULT_API_BASE)]
    api_base: String,
}

impl ZoomAccess {
    fn request(self) -> wrk_zoom::call::ConnectionRequest {
        wrk_zoom::call::ConnectionRequest {
            connection: self.connection,
            token: self.token.map(|access_token| wrk_zoom::ZoomConnection {
                access_token,
                api_base: self.api_base,
                account: None,
            }),
        }
    }
}

/// Runs `api-call-admin` calls (`method`, `path`, `query`/`body` as JSON)
/// on what `access` names.
async fn admin_calls<T>(
    store: &Store,
    access: ZoomAccess,
    work: impl AsyncFnOnce(&wrk_zoom::call::PreparedCall<'_>) -> Result<T, HostError>,
) -> Result<T, HostError> {
    let request = access.request();
    let connections = match request.uses_store() {
        true => Some(store.open().await?),
        false => None,
    };
    let host = Store::share_pacing(
        wrk_zoom::Host::new(wrk_zoom::HostConfig::from_env()?)?,
        connections.as_ref(),
    );
    let caller = wrk_zoom::call::Caller::new(&host, connections.as_ref());
    let call = caller.prepare("api-call-admin", request).await?;
    work(&call).await
}

/// Which events (`listen`, `subscribe`).
#[derive(Args)]
pub struct FilterArgs {
    /// Only these event types (repeatable or comma-separated;
    /// `recording.*` for a prefix).
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    types: Vec<String>,
    /// Only this account's events.
    #[arg(long)]
    account: Option<String>,
    /// Only events routed to this stored connection.
    #[arg(long)]
    connection: Option<String>,
    /// Start with events received since this time (RFC 3339, or a
    /// duration ago like `1h`); default: only events from now on.
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
}

impl FilterArgs {
    /// The filter, and the number after which to start.
    async fn resolve(self, events: &dyn EventStore) -> Result<(EventFilter, u64), HostError> {
        let start = match &self.since {
            Some(since) => events.seq_before(since_ms(since)?).await?,
            None => events.last_seq().await?,
        };
        let filter = EventFilter {
            types: self.types,
            account: self.account,
            connection: self.connection,
        };
        Ok((filter, start))
    }
}

#[derive(Args)]
pub struct ListenArgs {
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Args)]
pub struct SubscribeArgs {
    /// Where to POST each event.
    #[arg(long)]
    url: String,
    #[command(flatten)]
    filter: FilterArgs,
}

#[derive(Args)]
pub struct DeadLetterArgs {
    /// The subscription's id.
    subscription: String,
    /// The events' numbers (`wrk_zoom.id`); none: every dead letter.
    events: Vec<u64>,
}

#[derive(Args)]
pub struct ReplayArgs {
    /// From events received at this time on (RFC 3339, or a duration ago
    /// like `2h`).
    #[arg(long, value_name = "TIME")]
    since: String,
    /// Only to this subscription (default: every subscription).
    #[arg(long)]
    subscription: Option<String>,
    /// Rewind this pull consumer's cursor instead.
    #[arg(long, conflicts_with = "subscription")]
    consumer: Option<String>,
}

#[derive(Args)]
pub struct ReconcileArgs {
    /// The app, as registered with `events app add`.
    app: String,
    /// Zoom's id of the app (default: the one given to `events app add
    /// --zoom-app-id`).
    #[arg(long)]
    zoom_app_id: Option<String>,
    /// From this time (RFC 3339, or a duration ago like `2h`); Zoom keeps 7
    /// days.
    #[arg(long, value_name = "TIME", default_value = "7d")]
    since: String,
    /// Every logged delivery, not only the failed ones.
    #[arg(long)]
    all: bool,
    /// Zoom's side (scope marketplace_app:read:admin).
    #[command(flatten)]
    zoom: ZoomAccess,
}

pub async fn run(command: EventsCommand, store: &Store) -> Result<(), HostError> {
    let events = open(store).await?;
    match command {
        EventsCommand::App { command } => app(command, events.as_ref()).await,
        EventsCommand::Setup(args) => setup(args, store, events.as_ref()).await,
        EventsCommand::Listen(args) => listen(args, events).await,
        EventsCommand::Subscribe(args) => subscribe(args, events.as_ref()).await,
        EventsCommand::Subscriptions => subscriptions(events.as_ref()).await,
        EventsCommand::Unsubscribe { id } => {
            if events.remove_subscription(&id).await? {
                eprintln!("removed the subscription {id}");
                Ok(())
            } else {
                Err(no_subscription(&id))
            }
        }
        EventsCommand::DeadLetters { subscription } => {
            dead_letters(subscription, events.as_ref()).await
        }
        EventsCommand::Retry(args) => dead_letter_change(args, true, events.as_ref()).await,
        EventsCommand::Drop(args) => dead_letter_change(args, false, events.as_ref()).await,
        EventsCommand::Replay(args) => replay(args, events.as_ref()).await,
        EventsCommand::Reconcile(args) => reconcile(args, store, events).await,
    }
}

/// The event store beside the token store `store` names.
pub async fn open(store: &Store) -> Result<Arc<dyn EventStore>, HostError> {
    Ok(store.backend()?.open_events_from_env().await?)
}

fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.to_string(),
        message,
    }
}

fn no_subscription(id: &str) -> HostError {
    invalid(
        "subscription",
        format!("there is no subscription '{id}'; `wrk-zoom events subscriptions` lists them"),
    )
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

async fn app(command: AppCommand, events: &dyn EventStore) -> Result<(), HostError> {
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

async fn setup(args: SetupArgs, store: &Store, events: &dyn EventStore) -> Result<(), HostError> {
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

/// `--since`: RFC 3339, or a duration ago; Unix ms.
fn since_ms(text: &str) -> Result<i64, HostError> {
    if let Some(at) = wrk_zoom::clock::parse_date_time(text) {
        return Ok(at * 1000);
    }
    match humantime::parse_duration(text) {
        Ok(ago) => Ok(wrk_zoom::clock::now_millis() - ago.as_millis() as i64),
        Err(_) => Err(invalid(
            "--since",
            format!(
                "--since '{text}' is neither a time (2026-12-01T09:00:00Z) nor a duration ago (90m, 2h, 7d)"
            ),
        )),
    }
}

async fn listen(args: ListenArgs, events: Arc<dyn EventStore>) -> Result<(), HostError> {
    let (filter, mut cursor) = args.filter.resolve(events.as_ref()).await?;
    let everything = filter == EventFilter::default();
    eprintln!(
        "listening for events in {} (Ctrl-C to stop)",
        events.describe()
    );
    let mut out = std::io::stdout().lock();
    loop {
        let batch = events.read(cursor, 500).await?;
        if batch.is_empty() {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = tokio::time::sleep(Duration::from_millis(200)) => continue,
            }
        }
        for event in &batch {
            cursor = event.seq;
            // Unfiltered, a person sees everything, unmatched accounts too.
            if everything || filter.admits(&event.event) {
                use std::io::Write;
                if writeln!(out, "{}", item_json(event))
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return Ok(());
                }
            }
        }
    }
}

async fn subscribe(args: SubscribeArgs, events: &dyn EventStore) -> Result<(), HostError> {
    let url = url::Url::parse(&args.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            invalid(
                "--url",
                format!(
                    "--url '{}' is not an http(s) URL, e.g. https://example.com/hooks/zoom",
                    args.url
                ),
            )
        })?;
    let (filter, cursor) = args.filter.resolve(events).await?;
    let id = format!("sub_{:016x}", rand::random::<u64>());
    let secret = new_signing_secret();
    let subscription = Subscription {
        id: id.clone(),
        url: url.to_string(),
        signing_secret: Secret::new(secret.clone()),
        filter,
        created_at: wrk_zoom::clock::now_secs(),
        state: wrk_zoom::events::DeliveryState {
            cursor,
            ..Default::default()
        },
    };
    events.add_subscription(&subscription).await?;
    eprintln!(
        "subscribed: `serve` POSTs matching events to {url}, signed as Standard Webhooks do (headers webhook-id, webhook-timestamp, webhook-signature) with this secret, shown only now:"
    );
    print_json(
        &serde_json::json!({"id": id, "url": url.to_string(), "signing_secret": secret, "filter": subscription.filter}),
    )
}

async fn subscriptions(events: &dyn EventStore) -> Result<(), HostError> {
    let last = events.last_seq().await?;
    let list: Vec<serde_json::Value> = events
        .subscriptions()
        .await?
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id,
                "url": s.url,
                "filter": s.filter,
                "created_at": wrk_zoom::clock::format_utc(s.created_at),
                "delivered": s.state.delivered,
                "backlog": last.saturating_sub(s.state.cursor),
                "retrying": s.state.retrying.len(),
                "dead": s.state.dead.len(),
            })
        })
        .collect();
    print_json(&serde_json::Value::Array(list))
}

async fn dead_letters(only: Option<String>, events: &dyn EventStore) -> Result<(), HostError> {
    let subscriptions = events.subscriptions().await?;
    if let Some(id) = &only
        && !subscriptions.iter().any(|s| &s.id == id)
    {
        return Err(no_subscription(id));
    }
    let mut list = Vec::new();
    for s in subscriptions
        .iter()
        .filter(|s| only.as_ref().is_none_or(|id| *id == s.id))
    {
        for (seq, attempts) in &s.state.dead {
            let event = events
                .read(seq - 1, 1)
                .await?
                .into_iter()
                .find(|e| e.seq == *seq);
            list.push(serde_json::json!({
                "subscription": s.id,
                "event_id": seq,
                "event": event.as_ref().map(|e| e.event.event.clone()),
                "attempts": attempts.count,
                "last_error": attempts.last_error,
            }));
        }
    }
    print_json(&serde_json::Value::Array(list))
}

async fn dead_letter_change(
    args: DeadLetterArgs,
    retry: bool,
    events: &dyn EventStore,
) -> Result<(), HostError> {
    let now = wrk_zoom::clock::now_millis();
    let mut missing = Vec::new();
    let mut changed = 0;
    let state = events
        .update_state(&args.subscription, &mut |s| {
            let chosen: Vec<u64> = if args.events.is_empty() {
                s.dead.keys().copied().collect()
            } else {
                args.events.clone()
            };
            missing.clear();
            changed = 0;
            for seq in chosen {
                match s.dead.remove(&seq) {
                    Some(attempts) => {
                        changed += 1;
                        if retry {
                            s.retrying.insert(
                                seq,
                                wrk_zoom::events::Attempts {
                                    count: 0,
                                    next_at: now,
                                    last_error: attempts.last_error,
                                },
                            );
                        }
                    }
                    None => missing.push(seq),
                }
            }
        })
        .await?;
    if state.is_none() {
        return Err(no_subscription(&args.subscription));
    }
    if !missing.is_empty() {
        return Err(invalid(
            "events",
            format!(
                "not dead letters of {}: {missing:?} (`wrk-zoom events dead-letters --subscription {}` lists them); nothing was changed for them",
                args.subscription, args.subscription
            ),
        ));
    }
    eprintln!(
        "{changed} dead letter(s) {}",
        if retry {
            "will be tried again by `serve` now"
        } else {
            "dropped"
        }
    );
    Ok(())
}

async fn replay(args: ReplayArgs, events: &dyn EventStore) -> Result<(), HostError> {
    let from = events.seq_before(since_ms(&args.since)?).await?;
    if let Some(consumer) = &args.consumer {
        events.set_cursor(consumer, from).await?;
        eprintln!(
            "the pull consumer '{consumer}' reads again from after event {from} (its next GET /v1/events without `after`)"
        );
        return Ok(());
    }
    let subscriptions = events.subscriptions().await?;
    if let Some(id) = &args.subscription
        && !subscriptions.iter().any(|s| &s.id == id)
    {
        return Err(no_subscription(id));
    }
    let mut count = 0;
    for s in subscriptions
        .iter()
        .filter(|s| args.subscription.as_ref().is_none_or(|id| *id == s.id))
    {
        events
            .update_state(&s.id, &mut |state| {
                state.cursor = state.cursor.min(from);
            })
            .await?;
        count += 1;
    }
    eprintln!(
        "{count} subscription(s) get every event after {from} again, with the same idempotency keys, from `serve`"
    );
    Ok(())
}

async fn reconcile(
    args: ReconcileArgs,
    store: &Store,
    events: Arc<dyn EventStore>,
) -> Result<(), HostError> {
    let app = events.apps().await?.remove(&args.app).ok_or_else(|| {
        invalid(
            "app",
            format!(
                "there is no app '{}'; `wrk-zoom events app list` lists them",
                args.app
            ),
        )
    })?;
    let zoom_app_id = args.zoom_app_id.or(app.zoom_app_id).ok_or_else(|| {
        invalid(
            "--zoom-app-id",
            "Zoom's id of the app is needed for its webhook logs: pass --zoom-app-id (Zoom shows it in the app's URL on marketplace.zoom.us)".into(),
        )
    })?;
    // Zoom answers only a range within 7 days.
    let from =
        since_ms(&args.since)?.max(wrk_zoom::clock::now_millis() - (7 * 24 * 3600 - 60) * 1000);
    // Routed by account like any event: the token store, when there is one.
    let tokens = store.open().await.ok().map(|c| c.store().clone());
    let receiver = wrk_zoom::events::Receiver::start(events, tokens, Default::default()).await?;
    let path = format!("/marketplace/apps/{zoom_app_id}/webhook_logs");
    let app_name = args.app.clone();
    let (read, taken) = admin_calls(store, args.zoom, async |call| {
        let (mut read, mut taken, mut page_token) = (0u64, 0u64, String::new());
        loop {
            let mut query = serde_json::json!({
                "from": wrk_zoom::clock::format_utc(from / 1000),
                "to": wrk_zoom::clock::format_utc(wrk_zoom::clock::now_secs()),
                "type": if args.all { 1 } else { 2 },
                "page_size": 300,
            });
            if !page_token.is_empty() {
                query["next_page_token"] = page_token.clone().into();
            }
            let params = vec![
                ("method".to_string(), "GET".to_string()),
                ("path".to_string(), path.clone()),
                ("query".to_string(), query.to_string()),
            ];
            let body = call.run(&params).await?.into_result();
            for log in body["webhook_logs"].as_array().into_iter().flatten() {
                let Some(request_body) = log["request_body"].as_str() else {
                    continue;
                };
                read += 1;
                // A logged body that is no event (a validation) is skipped.
                let is_event = serde_json::from_str::<serde_json::Value>(request_body)
                    .ok()
                    .and_then(|v| {
                        v.get("event")?
                            .as_str()
                            .map(|e| e != "endpoint.url_validation")
                    })
                    .unwrap_or(false);
                if !is_event {
                    continue;
                }
                let request_id = log["request_id"].as_str().filter(|id| !id.is_empty());
                let appended = receiver
                    .take_trusted(&app_name, request_body, request_id, "reconcile")
                    .await?;
                if matches!(appended, wrk_zoom::events::Appended::New(_)) {
                    taken += 1;
                }
            }
            page_token = body["next_page_token"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if page_token.is_empty() {
                return Ok((read, taken));
            }
        }
    })
    .await?;
    eprintln!(
        "read {read} logged deliveries of '{}' since {}; {taken} were missing from the inbox and are kept now (`serve` hands them on)",
        args.app,
        wrk_zoom::clock::format_utc(from / 1000)
    );
    print_json(&serde_json::json!({"read": read, "taken": taken}))
}
