//! Zoom's events, coming in: verified over the raw bytes, kept before the
//! answer, once, and handed to workflows.
//!
//! - [`verify`]: is a delivery Zoom's (signature, timestamp window, size),
//!   and [`url_validation_answer`];
//! - `keys`: what makes two deliveries one event ([`semantic_key`]);
//! - [`receive`]: one delivery, from bytes to the inbox ([`Receiver`]);
//! - [`store`]: the inbox, apps, cursors and subscriptions
//!   ([`EventStore`]; [`FileEvents`] on one machine, PostgreSQL for
//!   replicas);
//! - [`deliver`]: what runs after the answer: `app_deauthorized`, and push
//!   subscriptions with retries and dead letters ([`Dispatcher`]);
//! - [`triggered`]: what a trigger makes of an event, for subscriptions to
//!   one;
//! - [`websocket`]: Zoom's events over a WebSocket instead of webhooks
//!   (one connection across replicas, gaps reconciled from REST).
//!
//! The routes (`POST /v1/events/zoom/{app}`, `GET /v1/events`) are
//! `crate::server`'s; the commands (`wrk-zoom events ...`) the CLI's.

mod backfill;
pub mod deliver;
mod keys;
pub mod model;
pub mod receive;
pub mod store;
pub mod triggered;
mod verify;
pub mod websocket;

pub use backfill::Backfilled;
pub use deliver::{Dispatcher, PushConfig};
pub use keys::semantic_key;
pub use model::{
    Appended, Attempts, DeliveryState, EventApp, EventFilter, InboxEvent, NewEvent, Subscription,
    TriggerTarget,
};
pub use receive::{Delivery, ReceiveConfig, Received, Receiver};
pub use store::{DEFAULT_RETENTION, EventStore, FileEvents, Lease};
pub use verify::{
    DEFAULT_MAX_BODY, DEFAULT_WINDOW, Refusal, WebhookSecrets, url_validation_answer, verify,
};
