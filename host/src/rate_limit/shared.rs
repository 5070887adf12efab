//! Pacing shared by several processes: the seam a shared store implements
//! (a database's, which the store that holds the connections hands over),
//! so replicas of `serve` on one Zoom account together stay under its
//! per-second rates and learn of a used-up daily limit from each other.
//!
//! A shared bucket is a GCRA (virtual scheduling) cell: the earliest time
//! the next request may go (`next_allowed`). Taking a slot moves it one
//! spacing (`window / requests`) on, in one atomic step, so any window of
//! that length holds at most `requests` requests across every process,
//! without bursts.

use crate::error::StoreError;
use async_trait::async_trait;
use std::time::Duration;

/// A bucket of one account: e.g. account `abc123`, bucket `main/medium`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketId {
    /// The rate-limit key of the connection (Zoom account).
    pub account: String,
    /// `<table>/<category>`.
    pub bucket: String,
}

/// A daily limit known to be used up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDailyLimit {
    /// Unix seconds of its reset.
    pub resets_at: i64,
    /// Which limit, in words.
    pub limit: String,
    /// Zoom's message when it was hit.
    pub message: String,
}

/// A slot taken in a shared bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Send after `wait`. `token` identifies the slot to give it back.
    Granted {
        /// How long to wait before sending.
        wait: Duration,
        /// Identifies the slot to give it back (its start, in
        /// microseconds on the store's clock).
        token: i64,
    },
    /// The bucket's daily limit is used up: send nothing.
    DailyLimit(KnownDailyLimit),
}

/// Buckets shared across processes.
#[async_trait]
pub trait SharedPacing: Send + Sync + std::fmt::Debug {
    /// Takes the next slot of `id`, `spacing` after the one before (zero:
    /// not paced, but a pause or a daily limit still holds), unless its
    /// daily limit is known to be used up. One atomic step.
    async fn take_slot(&self, id: &BucketId, spacing: Duration) -> Result<Slot, StoreError>;
    /// Gives back a slot whose request was never sent: the next taker gets
    /// it while it is still ahead (any slot, not only the newest, so dropped
    /// waits do not hold back the ones after them; never more than the rate).
    async fn give_back(
        &self,
        id: &BucketId,
        spacing: Duration,
        token: i64,
    ) -> Result<(), StoreError>;
    /// Holds every request of `id` back for `delay` (a per-second 429).
    async fn pause(&self, id: &BucketId, delay: Duration) -> Result<(), StoreError>;
    /// Records that `id`'s daily limit is used up until `limit.resets_at`.
    async fn record_daily_limit(
        &self,
        id: &BucketId,
        limit: &KnownDailyLimit,
    ) -> Result<(), StoreError>;
    /// Forgets buckets nothing has used for a day and whose daily limit is
    /// not in force (each bare token has buckets of its own); how many.
    async fn forget_idle(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}
