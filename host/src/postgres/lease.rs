//! Leases on PostgreSQL ([`EventStore::try_lease`]): a row of
//! `wrk_zoom_event_consumers` named `wrk-zoom:lease:NAME` whose number is
//! the holder's expiry (Unix microseconds, with random low digits that make
//! it the holder's own). The holder renews it every [`RENEW`]; another
//! process takes it once it has expired, [`TTL`] after the holder's last
//! renewal, so a holder that dies (even by SIGKILL) is replaced within
//! seconds. Rows, not advisory locks: advisory lock ids are shared by every
//! role of the database, and a long transaction holding a row lock would
//! hold back vacuum for the whole database.
//!
//! [`EventStore::try_lease`]: crate::events::EventStore::try_lease

use super::event_rows::{from_db, to_db};
use super::events::PostgresEvents;
use crate::error::StoreError;
use crate::events::store::Lease;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long a lease lasts without renewal.
pub(super) const TTL: Duration = Duration::from_secs(10);
/// How often the holder renews it.
const RENEW: Duration = Duration::from_secs(3);

/// An expiry `TTL` from now, in microseconds, its last three digits random.
fn expiry() -> u64 {
    let now = crate::clock::now_millis().max(0) as u64;
    (now + TTL.as_millis() as u64) * 1000 + rand::random_range(0..1000)
}

/// Takes `name` if nobody holds it (or the holder's lease expired).
pub(super) async fn try_lease(
    events: &PostgresEvents,
    name: &str,
) -> Result<Option<Lease>, StoreError> {
    let row = format!("wrk-zoom:lease:{name}");
    let mine = expiry();
    let now = crate::clock::now_millis().max(0) as u64 * 1000;
    let taken = events
        .query_rows(
            &format!("take the lease '{name}'"),
            "INSERT INTO wrk_zoom.wrk_zoom_event_consumers (name, cursor) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET cursor = EXCLUDED.cursor
                 WHERE wrk_zoom.wrk_zoom_event_consumers.cursor < $3
             RETURNING cursor",
            &[&row, &to_db(mine), &to_db(now)],
        )
        .await?;
    if taken.is_empty() {
        return Ok(None);
    }
    let (lost_tx, lost) = tokio::sync::watch::channel(false);
    let held = std::sync::Arc::new(AtomicU64::new(mine));
    let renewer = {
        let (events, row, shared) = (events.clone(), row.clone(), held.clone());
        tokio::spawn(async move {
            let mut held = mine;
            loop {
                tokio::time::sleep(RENEW).await;
                let next = expiry();
                let renewed = events
                    .query_rows(
                        "renew a lease",
                        "UPDATE wrk_zoom.wrk_zoom_event_consumers SET cursor = $3
                         WHERE name = $1 AND cursor = $2 RETURNING cursor",
                        &[&row, &to_db(held), &to_db(next)],
                    )
                    .await;
                match renewed {
                    Ok(rows) if !rows.is_empty() => {
                        held = from_db(rows[0].get(0));
                        shared.store(held, Ordering::Relaxed);
                    }
                    // Taken over (it expired), or the store failed for
                    // longer than the lease lasts: either way, stop.
                    Ok(_) => {
                        let _ = lost_tx.send(true);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!("cannot renew a lease: {e}");
                        let left = held / 1000;
                        if crate::clock::now_millis().max(0) as u64 >= left {
                            let _ = lost_tx.send(true);
                            return;
                        }
                    }
                }
            }
        })
    };
    Ok(Some(Lease::renewed(
        Held {
            renewer,
            events: events.clone(),
            row,
            held,
        },
        lost,
    )))
}

/// A held lease: renewed until dropped, then let go at once.
struct Held {
    renewer: tokio::task::JoinHandle<()>,
    events: PostgresEvents,
    row: String,
    /// The expiry last written (it is ours while the row still has it).
    held: std::sync::Arc<AtomicU64>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.renewer.abort();
        let (events, row) = (self.events.clone(), std::mem::take(&mut self.row));
        let held = self.held.load(Ordering::Relaxed);
        // Let it go now rather than at expiry (best effort: a process that
        // is ending may not get to it, and then the lease expires).
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = events
                    .query_rows(
                        "let a lease go",
                        "UPDATE wrk_zoom.wrk_zoom_event_consumers SET cursor = 0
                         WHERE name = $1 AND cursor = $2",
                        &[&row, &to_db(held)],
                    )
                    .await;
            });
        }
    }
}
