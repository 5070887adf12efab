//! `wrk-zoom events`: Zoom apps whose events `serve` takes, push
//! subscriptions and their dead letters, watching events arrive, and
//! replaying them. Everything here works on the event store beside the
//! token store (`--store`); `serve` takes the events.
//!
//! - `apps`: registering apps and their secret tokens, and `setup`;
//! - `delivery`: `listen`, push subscriptions, dead letters, `replay`;
//! - `reconcile`: taking in what Zoom's webhook logs say it failed to
//!   deliver.
//!
//! Calls to Zoom's own API (`setup --subscribe`, `reconcile`) go through
//! [`admin_calls`].

mod apps;
mod delivery;
mod reconcile;
pub(super) mod websocket;

use super::Store;
use apps::{AppCommand, SetupArgs};
use clap::{Args, Subcommand};
use delivery::{DeadLetterArgs, ListenArgs, ReplayArgs, SubscribeArgs};
use reconcile::ReconcileArgs;
use std::sync::Arc;
use wrk_zoom::HostError;
use wrk_zoom::events::EventStore;

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
    /// List the intervals a `--websocket` source was not connected (Zoom
    /// delivered nothing then; what its REST API shows was reconciled).
    Gaps,
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

pub async fn run(command: EventsCommand, store: &Store) -> Result<(), HostError> {
    let events = open(store).await?;
    match command {
        EventsCommand::App { command } => apps::app(command, events.as_ref()).await,
        EventsCommand::Setup(args) => apps::setup(args, store, events.as_ref()).await,
        EventsCommand::Listen(args) => delivery::listen(args, store, events).await,
        EventsCommand::Subscribe(args) => delivery::subscribe(args, events.as_ref()).await,
        EventsCommand::Subscriptions => delivery::subscriptions(events.as_ref()).await,
        EventsCommand::Gaps => {
            let gaps = wrk_zoom::events::websocket::gaps(events.as_ref()).await?;
            let list: Vec<serde_json::Value> = gaps
                .iter()
                .map(|g| {
                    serde_json::json!({
                        "app": g.app,
                        "from": wrk_zoom::clock::format_utc(g.from / 1000),
                        "to": wrk_zoom::clock::format_utc(g.to / 1000),
                        "seconds": (g.to - g.from) / 1000,
                    })
                })
                .collect();
            crate::cli::print_json(&serde_json::Value::Array(list))
        }
        EventsCommand::Unsubscribe { id } => {
            if events.remove_subscription(&id).await? {
                eprintln!("removed the subscription {id}");
                Ok(())
            } else {
                Err(no_subscription(&id))
            }
        }
        EventsCommand::DeadLetters { subscription } => {
            delivery::dead_letters(subscription, events.as_ref()).await
        }
        EventsCommand::Retry(args) => {
            delivery::dead_letter_change(args, true, events.as_ref()).await
        }
        EventsCommand::Drop(args) => {
            delivery::dead_letter_change(args, false, events.as_ref()).await
        }
        EventsCommand::Replay(args) => delivery::replay(args, events.as_ref()).await,
        EventsCommand::Reconcile(args) => reconcile::reconcile(args, store, events).await,
    }
}

/// The event store beside the token store `store` names.
pub async fn open(store: &Store) -> Result<Arc<dyn EventStore>, HostError> {
    Ok(store.backend()?.open_events_from_env().await?)
}

pub(super) fn invalid(field: &str, message: String) -> HostError {
    HostError::InvalidInput {
        field: field.to_string(),
        message,
    }
}

pub(super) fn no_subscription(id: &str) -> HostError {
    invalid(
        "subscription",
        format!("there is no subscription '{id}'; `wrk-zoom events subscriptions` lists them"),
    )
}

/// `--since`: RFC 3339, or a duration ago; Unix ms.
pub(super) fn since_ms(text: &str) -> Result<i64, HostError> {
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
pub(super) async fn admin_calls<T>(
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
