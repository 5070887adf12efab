//! What a trigger makes of an inbox event, for each way events are handed
//! on (`events listen --trigger`, `GET /v1/events?trigger=`, push
//! subscriptions to a trigger): one item per output,
//! `{"trigger", "event_id", "key", "output"}`.
//!
//! The trigger is looked up for every event, so a component swapped in
//! takes over for the next one.

use super::model::{InboxEvent, TriggerTarget};
use crate::Host;
use crate::error::HostError;
use sha2::{Digest, Sha256};

/// One output, ready to hand on.
#[derive(Clone, Debug, PartialEq)]
pub struct TriggerItem {
    /// The output's key (see the WIT `trigger-output`).
    pub key: String,
    /// `{"trigger", "event_id", "key", "output"}` as JSON text.
    pub json: String,
}

/// Checks a subscription's trigger and parameters (with the trigger
/// itself); the event types it maps.
pub async fn check_target(host: &Host, target: &TriggerTarget) -> Result<Vec<String>, HostError> {
    let trigger = host.trigger(&target.name).await?;
    host.check_trigger(&trigger, &target.params).await?;
    Ok(trigger.info.events.clone())
}

/// The items of `event` through `target`'s trigger: none when the event
/// does not pass its filters.
pub async fn trigger_items(
    host: &Host,
    target: &TriggerTarget,
    event: &InboxEvent,
) -> Result<Vec<TriggerItem>, HostError> {
    let trigger = host.trigger(&target.name).await?;
    let outputs = host
        .map_event(&trigger, &event.event.body, &target.params)
        .await?;
    Ok(outputs
        .into_iter()
        .map(|o| {
            let json = serde_json::json!({
                "trigger": target.name,
                "event_id": event.seq,
                "key": o.key,
                "output": o.output,
            })
            .to_string();
            TriggerItem { key: o.key, json }
        })
        .collect())
}

/// The idempotency key of one output for `subscription`: the same on every
/// attempt, replay and redelivery of the event.
pub fn output_idempotency_key(subscription: &str, event: &InboxEvent, key: &str) -> String {
    let digest = Sha256::digest(format!("{subscription}\n{}\n{key}", event.event.app).as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("out_{hex}")
}
