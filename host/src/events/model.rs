//! What the event store keeps: apps (Zoom apps whose deliveries `serve`
//! takes), the inbox (every verified event, once), pull consumers' cursors
//! and push subscriptions with their delivery state.

use super::WebhookSecrets;
use crate::auth::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Zoom app registered with `wrk-zoom events app add`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventApp {
    /// Its secret token (Zoom's app page, Features > Access), sealed or in
    /// a private file; never sent to a component.
    pub secret: Secret,
    /// The secret it replaces, accepted until the rotation ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<Secret>,
    /// Zoom's id of the app (for its webhook logs, `events reconcile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom_app_id: Option<String>,
    /// Unix seconds of registration.
    pub added_at: i64,
    /// Unix seconds of the last URL validation answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validated_at: Option<i64>,
    /// Deliveries refused (signature, timestamp, headers, size) so far.
    #[serde(default)]
    pub refused: u64,
}

impl EventApp {
    /// The secrets a delivery may be signed with.
    pub fn secrets(&self) -> WebhookSecrets {
        WebhookSecrets {
            current: self.secret.clone(),
            previous: self.previous_secret.clone(),
        }
    }
}

/// A verified event, before the inbox gives it its number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// The app it came to.
    pub app: String,
    /// Unix milliseconds when it was received.
    pub received_at: i64,
    /// Zoom's `event`.
    pub event: String,
    /// Zoom's `event_ts` (milliseconds), when there.
    pub event_ts: Option<i64>,
    /// `payload.account_id`.
    pub account_id: Option<String>,
    /// Zoom's per-delivery request id (`x-zm-request-id`, kept across
    /// retries), when there.
    pub request_id: Option<String>,
    /// The event's own identity (see `super::keys`), when its type has one.
    pub semantic_key: Option<String>,
    /// The stored connections of its account when it arrived (empty: an
    /// account this store does not know).
    pub connections: Vec<String>,
    /// How it came in: `webhook` or `reconcile`.
    pub source: String,
    /// The body exactly as Zoom sent it.
    pub body: String,
}

impl NewEvent {
    /// The key it is known by: the semantic key, else the request id.
    pub fn dedupe_key(&self) -> String {
        self.semantic_key
            .clone()
            .or_else(|| self.request_id.as_ref().map(|id| format!("request:{id}")))
            .unwrap_or_default()
    }
}

/// An event in the inbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboxEvent {
    /// Its place in the inbox: increasing, never reused.
    pub seq: u64,
    /// What was received.
    #[serde(flatten)]
    pub event: NewEvent,
}

/// What appending an event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Kept, with this number.
    New(u64),
    /// Already there (the same request id or the same semantic key), as
    /// this number.
    Duplicate(u64),
}

/// Which events a consumer or a subscription wants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFilter {
    /// Zoom event types (`meeting.created`); a trailing `*` matches a
    /// prefix (`recording.*`). Empty: every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Only this account's events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only events routed to this stored connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Hand on what this trigger makes of each event instead of the event
    /// (`types` are then the trigger's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<TriggerTarget>,
}

/// A trigger and a subscription's parameters for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerTarget {
    /// The trigger's name (`recording-completed`).
    pub name: String,
    /// Its parameters, as key and value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
}

impl EventFilter {
    /// Whether `event` passes. Events of accounts no connection belongs
    /// to pass no filter: they are kept and counted, never handed on.
    pub fn admits(&self, event: &NewEvent) -> bool {
        if event.connections.is_empty() {
            return false;
        }
        let type_ok = self.types.is_empty()
            || self.types.iter().any(|t| match t.strip_suffix('*') {
                Some(prefix) => event.event.starts_with(prefix),
                None => *t == event.event,
            });
        let account_ok = self
            .account
            .as_ref()
            .is_none_or(|a| event.account_id.as_ref() == Some(a));
        let connection_ok = self
            .connection
            .as_ref()
            .is_none_or(|c| event.connections.contains(c));
        type_ok && account_ok && connection_ok
    }
}

/// A push subscription: matching events are POSTed to `url`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id (`sub_...`).
    pub id: String,
    /// Where events go.
    pub url: String,
    /// The key deliveries are signed with (Standard Webhooks: `whsec_`
    /// and base64).
    pub signing_secret: Secret,
    /// Which events.
    #[serde(default)]
    pub filter: EventFilter,
    /// Unix seconds of creation.
    pub created_at: i64,
    /// Where delivery stands.
    #[serde(default)]
    pub state: DeliveryState,
}

/// A subscription's progress through the inbox.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// Every event up to this number was delivered, is retrying or is dead.
    pub cursor: u64,
    /// Events whose delivery failed and will be tried again, by number.
    #[serde(default)]
    pub retrying: BTreeMap<u64, Attempts>,
    /// Events given up on after the last attempt, by number.
    #[serde(default)]
    pub dead: BTreeMap<u64, Attempts>,
    /// Delivered so far.
    #[serde(default)]
    pub delivered: u64,
    /// Who is delivering now (a process), and until when (Unix ms): one
    /// replica at a time works a subscription.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<(String, i64)>,
}

/// The attempts at one delivery.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Attempts {
    /// How many were made.
    pub count: u32,
    /// Unix ms of the next one.
    pub next_at: i64,
    /// What the last one got.
    pub last_error: String,
}
