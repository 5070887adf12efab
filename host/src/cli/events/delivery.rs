//! Handing events on from the command line: `listen`, push subscriptions
//! and their dead letters, and `replay`.

use super::{invalid, no_subscription, since_ms};
use crate::cli::print_json;
use clap::Args;
use std::sync::Arc;
use std::time::Duration;
use wrk_zoom::HostError;
use wrk_zoom::events::deliver::{item_json, new_subscription};
use wrk_zoom::events::triggered::{check_target, trigger_items};
use wrk_zoom::events::{EventFilter, EventStore, TriggerTarget};

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
    /// Hand on what this trigger makes of each event it maps instead of
    /// the events (`wrk-zoom triggers` lists them): one item per output,
    /// `{"trigger", "event_id", "key", "output"}`.
    #[arg(long, value_name = "NAME", conflicts_with = "types")]
    trigger: Option<String>,
    /// With --trigger: its parameters as key=value, e.g. file_types=MP4.
    #[arg(value_name = "KEY=VALUE", requires = "trigger")]
    params: Vec<String>,
}

/// What [`FilterArgs`] say: the filter, the number after which to start,
/// and, with a trigger, the host that runs it.
struct Resolved {
    filter: EventFilter,
    start: u64,
    host: Option<Arc<wrk_zoom::Host>>,
}

impl FilterArgs {
    /// The filter (a trigger and its parameters checked by the trigger
    /// itself), and where to start.
    async fn resolve(self, events: &dyn EventStore) -> Result<Resolved, HostError> {
        let (trigger, host) = match &self.trigger {
            Some(name) => {
                let target = TriggerTarget {
                    name: name.clone(),
                    params: crate::cli::key_values(&self.params, Vec::new(), |arg| {
                        invalid(
                            arg,
                            format!("'{arg}' must be written key=value, e.g. file_types=MP4"),
                        )
                    })?,
                };
                let host = Arc::new(wrk_zoom::Host::new(wrk_zoom::HostConfig::from_env()?)?);
                let types = check_target(&host, &target).await?;
                (Some((target, types)), Some(host))
            }
            None => (None, None),
        };
        let start = match &self.since {
            Some(since) => events.seq_before(since_ms(since)?).await?,
            None => events.last_seq().await?,
        };
        let (types, trigger) = match trigger {
            Some((target, types)) => (types, Some(target)),
            None => (self.types, None),
        };
        let filter = EventFilter {
            types,
            account: self.account,
            connection: self.connection,
            trigger,
        };
        Ok(Resolved {
            filter,
            start,
            host,
        })
    }
}

#[derive(Args)]
pub struct ListenArgs {
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    websocket: super::websocket::WebSocketArgs,
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

pub(super) async fn listen(
    args: ListenArgs,
    store: &crate::cli::Store,
    events: Arc<dyn EventStore>,
) -> Result<(), HostError> {
    let Resolved {
        filter,
        start: mut cursor,
        host,
    } = args.filter.resolve(events.as_ref()).await?;
    let token_only = args.websocket.ws_token.is_some();
    // With --websocket, this process takes Zoom's events itself.
    let websocket = match &args.websocket.ws_url {
        Some(_) => {
            let tokens = store.open().await.ok().map(|c| c.store().clone());
            let receiver =
                wrk_zoom::events::Receiver::start(events.clone(), tokens, Default::default())
                    .await?;
            // Runs the actions that reconcile a gap (the trigger's host, if any).
            let actions = match &host {
                Some(host) => host.clone(),
                None => Arc::new(wrk_zoom::Host::new(wrk_zoom::HostConfig::from_env()?)?),
            };
            args.websocket.start(store, receiver, Some(actions)).await?
        }
        None => None,
    };
    let everything = filter == EventFilter::default();
    eprintln!(
        "listening for events in {} (Ctrl-C to stop)",
        events.describe()
    );
    // A filter admits only events routed to a stored connection.
    if websocket.is_some() && token_only && filter != EventFilter::default() {
        eprintln!(
            "note: events are routed by their account to stored connections; with --websocket-token and no stored connection of that account, a filter or trigger lets none through (add one with `wrk-zoom auth s2s`)"
        );
    }
    if let Some(running) = &websocket {
        // Said once it is up: Zoom keeps nothing sent before.
        let mut connected = running.connected.clone();
        tokio::spawn(async move {
            if connected.wait_for(|up| *up).await.is_ok() {
                eprintln!("connected to Zoom's WebSocket");
            }
        });
    }
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
                let lines = match (&filter.trigger, &host) {
                    (Some(target), Some(host)) => match trigger_items(host, target, event).await {
                        Ok(items) => items.into_iter().map(|i| i.json).collect(),
                        Err(e) => {
                            // One event the trigger cannot map stops nothing.
                            eprintln!("event {}: {} could not map it: {e}", event.seq, target.name);
                            Vec::new()
                        }
                    },
                    _ => vec![item_json(event)],
                };
                for line in lines {
                    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

pub(super) async fn subscribe(
    args: SubscribeArgs,
    events: &dyn EventStore,
) -> Result<(), HostError> {
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
    let Resolved {
        filter,
        start: cursor,
        ..
    } = args.filter.resolve(events).await?;
    let (subscription, secret) = new_subscription(url.as_str(), filter, cursor);
    let id = subscription.id.clone();
    events.add_subscription(&subscription).await?;
    let what = match &subscription.filter.trigger {
        Some(target) => format!(
            "each output of the trigger {} (a request each, with its own webhook-id)",
            target.name
        ),
        None => "matching events".into(),
    };
    eprintln!(
        "subscribed: `serve` POSTs {what} to {url}, signed as Standard Webhooks do (headers webhook-id, webhook-timestamp, webhook-signature) with this secret, shown only now:"
    );
    print_json(
        &serde_json::json!({"id": id, "url": url.to_string(), "signing_secret": secret, "filter": subscription.filter}),
    )
}

pub(super) async fn subscriptions(events: &dyn EventStore) -> Result<(), HostError> {
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

pub(super) async fn dead_letters(
    only: Option<String>,
    events: &dyn EventStore,
) -> Result<(), HostError> {
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

pub(super) async fn dead_letter_change(
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

pub(super) async fn replay(args: ReplayArgs, events: &dyn EventStore) -> Result<(), HostError> {
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
