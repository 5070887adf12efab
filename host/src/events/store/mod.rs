//! Where events are kept: [`EventStore`] is the seam; [`FileEvents`] keeps
//! them in the file store's directory (one machine), and the PostgreSQL
//! store keeps them for replicas (`crate::postgres`). The composition root,
//! `crate::backends`, opens the one a store spec names.

use super::model::{Appended, DeliveryState, EventApp, InboxEvent, NewEvent, Subscription};
use crate::error::StoreError;
use async_trait::async_trait;
use std::collections::BTreeMap;

mod file;

pub use file::FileEvents;

/// How long events (and so their dedupe keys) are kept by default: Zoom's
/// webhook logs reach 7 days back, and its last retry comes 85 minutes
/// after the first attempt.
pub const DEFAULT_RETENTION: std::time::Duration = std::time::Duration::from_secs(8 * 24 * 3600);

/// A lease on a name in the store: while it is held (until dropped, or
/// the process ends, however it ends), no other process on the store gets
/// one for the same name.
pub struct Lease {
    _held: Box<dyn Send + Sync>,
    lost: tokio::sync::watch::Receiver<bool>,
}

impl Lease {
    /// A lease that holds `guard` (a locked file) and is never lost.
    pub fn new(guard: impl Send + Sync + 'static) -> Lease {
        let (_, lost) = tokio::sync::watch::channel(false);
        Lease::renewed(guard, lost)
    }

    /// A lease kept by `guard` (which renews it) that `lost` says, by
    /// turning true, could not be renewed in time.
    pub fn renewed(
        guard: impl Send + Sync + 'static,
        lost: tokio::sync::watch::Receiver<bool>,
    ) -> Lease {
        Lease {
            _held: Box::new(guard),
            lost,
        }
    }

    /// Turns true when the lease is lost (its store could not renew it in
    /// time): another process may hold it now, so the holder must stop.
    pub fn lost(&self) -> tokio::sync::watch::Receiver<bool> {
        self.lost.clone()
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lease")
    }
}

/// The events' store (see the module docs). Every method is durable when
/// it returns.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Where it is, for messages.
    fn describe(&self) -> String;

    /// Every registered app, by name.
    async fn apps(&self) -> Result<BTreeMap<String, EventApp>, StoreError>;
    /// Registers or replaces an app.
    async fn put_app(&self, name: &str, app: &EventApp) -> Result<(), StoreError>;
    /// Forgets an app; whether it was there.
    async fn remove_app(&self, name: &str) -> Result<bool, StoreError>;
    /// Records that `name` answered Zoom's URL validation at `at` (Unix s).
    async fn note_validation(&self, name: &str, at: i64) -> Result<(), StoreError>;
    /// Adds `count` refused deliveries to `name`'s tally.
    async fn note_refused(&self, name: &str, count: u64) -> Result<(), StoreError>;

    /// Keeps `event` unless it is already there (by its request id or its
    /// semantic key, in its app).
    async fn append(&self, event: &NewEvent) -> Result<Appended, StoreError>;
    /// Up to `limit` events after number `after`, in order.
    async fn read(&self, after: u64, limit: usize) -> Result<Vec<InboxEvent>, StoreError>;
    /// The newest event's number (0: none yet).
    async fn last_seq(&self) -> Result<u64, StoreError>;
    /// The number after which every event was received at or after
    /// `since_ms` (Unix ms).
    async fn seq_before(&self, since_ms: i64) -> Result<u64, StoreError>;
    /// Forgets events received before `before_ms`; how many.
    async fn prune(&self, before_ms: i64) -> Result<u64, StoreError>;

    /// A pull consumer's committed cursor.
    async fn cursor(&self, consumer: &str) -> Result<Option<u64>, StoreError>;
    /// Commits a pull consumer's cursor.
    async fn set_cursor(&self, consumer: &str, seq: u64) -> Result<(), StoreError>;
    /// Every pull consumer's cursor.
    async fn cursors(&self) -> Result<BTreeMap<String, u64>, StoreError>;

    /// Tries to lease `name` for this process (e.g. the one connection a
    /// Zoom WebSocket subscription may have): `None` while another process
    /// holds it. A process that ends, even by SIGKILL, lets it go.
    async fn try_lease(&self, name: &str) -> Result<Option<Lease>, StoreError>;

    /// Every push subscription.
    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError>;
    /// Adds a subscription.
    async fn add_subscription(&self, subscription: &Subscription) -> Result<(), StoreError>;
    /// Removes a subscription; whether it was there.
    async fn remove_subscription(&self, id: &str) -> Result<bool, StoreError>;
    /// Changes a subscription's delivery state, atomically for every
    /// process on the store; the new state, or `None` when there is no such
    /// subscription.
    async fn update_state(
        &self,
        id: &str,
        change: &mut (dyn for<'s> FnMut(&'s mut DeliveryState) + Send),
    ) -> Result<Option<DeliveryState>, StoreError>;
}
