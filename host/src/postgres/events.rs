//! Events in PostgreSQL: [`PostgresEvents`], the [`EventStore`] of
//! replicas (see the module docs of `crate::postgres`). It behaves as the
//! file store (`crate::events::FileEvents`) does, with every process on the
//! database as one:
//!
//! - apps (`wrk_zoom_event_apps`): the app without its secrets as JSON, the
//!   secret token and the one it replaces sealed with `WRK_ZOOM_STORE_KEY`
//!   (as connections' secrets are, `seal.rs`), bound to the app's name;
//! - the inbox (`wrk_zoom_events`): one row per event, numbered by the
//!   one-row counter `wrk_zoom_event_seq` (see [`APPEND`]); two unique
//!   constraints, (app, request id) and (app, semantic key), make a second
//!   delivery of an event a duplicate whichever replica takes it;
//! - pull consumers' cursors (`wrk_zoom_event_consumers`);
//! - push subscriptions (`wrk_zoom_event_subscriptions`): the signing
//!   secret sealed and bound to the subscription's id and URL, the delivery
//!   state as JSON, changed under the row's lock ([`EventStore::update_state`]).

use super::event_rows::{
    AppSecrets, SubscriptionSecrets, app_binding, from_db, inbox_event, subscription_binding, to_db,
};
use super::seal::FORMAT;
use super::{Postgres, PostgresConfig, error};
use crate::auth::Secret;
use crate::error::StoreError;
use crate::events::EventStore;
use crate::events::model::{Appended, DeliveryState, EventApp, InboxEvent, NewEvent, Subscription};
use crate::events::store::Lease;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// Keeps an event unless its app already has one of its request id or of
/// its semantic key; returns its number when kept (no row: a duplicate).
///
/// Numbers come from the one-row counter `wrk_zoom_event_seq`, whose row
/// this statement locks (`FOR UPDATE`) until it commits, rather than from an
/// identity column (or a sequence). A sequence hands out numbers outside
/// transactions: two replicas appending at once could take 7 and 8 and
/// commit 8 first, and a reader that read up to 8 then would never see 7
/// (readers ask for `seq > after`). Under the counter's lock appends take
/// turns, so an event's number is one more than the number of the last
/// event committed before it: numbers follow commit order, and a reader
/// that saw a number has seen every lower one. (The lock is released by the
/// commit only once the commit is visible to every new snapshot.) The
/// counter only moves when the row is kept, in the same transaction, so
/// numbers have no gaps either: a duplicate, or an append rolled back,
/// takes none. Rather than `LOCK TABLE` on the inbox: that lock would also
/// wait for (and hold up) vacuum and pruning, and a one-row lock is held by
/// this one statement only, not across round trips.
///
/// In one statement: `next` locks the counter and reads it (after waiting,
/// the version the previous append committed); `taken` inserts, skipping a
/// duplicate (`ON CONFLICT DO NOTHING` sees committed rows whatever the
/// statement's snapshot); `counted` moves the counter to the number taken,
/// if any.
const APPEND: &str = "
WITH next AS (
    SELECT last_seq + 1 AS seq FROM wrk_zoom.wrk_zoom_event_seq FOR UPDATE
), taken AS (
    INSERT INTO wrk_zoom.wrk_zoom_events (seq, app, received_at, event, event_ts, account_id,
        request_id, semantic_key, connections, source, body)
    SELECT next.seq, $1::text, $2::bigint, $3::text, $4::bigint, $5::text,
        $6::text, $7::text, $8::text[], $9::text, $10::text
    FROM next
    ON CONFLICT DO NOTHING
    RETURNING seq
), counted AS (
    UPDATE wrk_zoom.wrk_zoom_event_seq SET last_seq = taken.seq FROM taken
    RETURNING last_seq
)
SELECT seq FROM taken";

/// The event an append found already there: by its request id first (as
/// the file store looks), else by its semantic key.
const EXISTING: &str = "
SELECT seq FROM wrk_zoom.wrk_zoom_events
WHERE app = $1 AND (request_id = $2 OR semantic_key = $3)
ORDER BY CASE WHEN request_id = $2 THEN 0 ELSE 1 END, seq
LIMIT 1";

/// How many times an append whose duplicate was pruned before it could be
/// read tries again.
const APPEND_ATTEMPTS: usize = 3;

/// The columns of an inbox row, in [`inbox_event`]'s order.
const EVENT_COLUMNS: &str = "seq, app, received_at, event, event_ts, account_id, request_id, \
                             semantic_key, connections, source, body";

/// The event store on a PostgreSQL database (cheap to clone).
#[derive(Clone)]
pub struct PostgresEvents {
    pub(super) store: Postgres,
}

impl std::fmt::Debug for PostgresEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresEvents")
            .field("url", &self.store.shown)
            .finish_non_exhaustive()
    }
}

impl PostgresEvents {
    /// Connects to the store `settings` name, creating or upgrading its
    /// schema, as [`Postgres::connect`] does (the same TLS rules, pool and
    /// ownership checks).
    pub async fn connect(settings: PostgresConfig) -> Result<PostgresEvents, StoreError> {
        Ok(PostgresEvents {
            store: Postgres::connect(settings).await?,
        })
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.store.shown
    }
}

impl Postgres {
    /// The event store on this store's database, sharing its pool and keys.
    pub fn events(&self) -> PostgresEvents {
        PostgresEvents {
            store: self.clone(),
        }
    }
}

impl PostgresEvents {
    async fn execute(
        &self,
        what: &str,
        statement: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        self.store
            .client()
            .await?
            .execute(statement, params)
            .await
            .map_err(|e| error(what, e))
    }

    /// [`PostgresEvents::query`] for the store's other modules.
    pub(super) async fn query_rows(
        &self,
        what: &str,
        statement: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        self.query(what, statement, params).await
    }

    async fn query(
        &self,
        what: &str,
        statement: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        self.store
            .client()
            .await?
            .query(statement, params)
            .await
            .map_err(|e| error(what, e))
    }
}

#[async_trait]
impl EventStore for PostgresEvents {
    fn describe(&self) -> String {
        self.store.shown.clone()
    }

    async fn apps(&self) -> Result<BTreeMap<String, EventApp>, StoreError> {
        let rows = self
            .query(
                "read the event apps",
                "SELECT name, public, sealed, key_id, seal_format, validated_at, refused
                 FROM wrk_zoom.wrk_zoom_event_apps ORDER BY name",
                &[],
            )
            .await?;
        let apps = Self::decode_all(rows, 3, self.keys(), |row| self.decode_app(row))?;
        Ok(apps.into_iter().collect())
    }

    async fn put_app(&self, name: &str, app: &EventApp) -> Result<(), StoreError> {
        let what = format!("event app '{name}'");
        let secrets = AppSecrets {
            secret: app.secret.clone(),
            previous_secret: app.previous_secret.clone(),
        };
        let sealed = self.seal(
            &what,
            &app_binding(name, app.zoom_app_id.as_deref()),
            &secrets,
        )?;
        // The columns hold what changes without a new seal.
        let public = EventApp {
            secret: Secret::default(),
            previous_secret: None,
            validated_at: None,
            refused: 0,
            ..app.clone()
        };
        let public = serde_json::to_value(&public)
            .map_err(|e| StoreError::new(format!("cannot encode {what}: {e}")))?;
        self.execute(
            &format!("save {what}"),
            "INSERT INTO wrk_zoom.wrk_zoom_event_apps
                 (name, public, sealed, key_id, seal_format, validated_at, refused)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (name) DO UPDATE SET public = EXCLUDED.public,
                 sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id,
                 seal_format = EXCLUDED.seal_format, validated_at = EXCLUDED.validated_at,
                 refused = EXCLUDED.refused",
            &[
                &name,
                &public,
                &sealed,
                &self.keys().current_id(),
                &FORMAT,
                &app.validated_at,
                &to_db(app.refused),
            ],
        )
        .await?;
        Ok(())
    }

    async fn remove_app(&self, name: &str) -> Result<bool, StoreError> {
        let removed = self
            .execute(
                &format!("remove event app '{name}'"),
                "DELETE FROM wrk_zoom.wrk_zoom_event_apps WHERE name = $1",
                &[&name],
            )
            .await?;
        Ok(removed > 0)
    }

    async fn note_validation(&self, name: &str, at: i64) -> Result<(), StoreError> {
        self.execute(
            &format!("note the URL validation of event app '{name}'"),
            "UPDATE wrk_zoom.wrk_zoom_event_apps SET validated_at = $2 WHERE name = $1",
            &[&name, &at],
        )
        .await?;
        Ok(())
    }

    async fn note_refused(&self, name: &str, count: u64) -> Result<(), StoreError> {
        // Saturating, as a tally that reached the top stays there.
        self.execute(
            &format!("count refused deliveries of event app '{name}'"),
            "UPDATE wrk_zoom.wrk_zoom_event_apps
             SET refused = CASE WHEN refused > 9223372036854775807 - $2
                 THEN 9223372036854775807 ELSE refused + $2 END
             WHERE name = $1",
            &[&name, &to_db(count)],
        )
        .await?;
        Ok(())
    }

    async fn append(&self, event: &NewEvent) -> Result<Appended, StoreError> {
        let client = self.store.client().await?;
        for _ in 0..APPEND_ATTEMPTS {
            let taken = client
                .query_opt(
                    APPEND,
                    &[
                        &event.app,
                        &event.received_at,
                        &event.event,
                        &event.event_ts,
                        &event.account_id,
                        &event.request_id,
                        &event.semantic_key,
                        &event.connections,
                        &event.source,
                        &event.body,
                    ],
                )
                .await
                .map_err(|e| error("keep an event in the inbox", e))?;
            if let Some(row) = taken {
                return Ok(Appended::New(from_db(row.get(0))));
            }
            // A new statement, so a new snapshot: the row that conflicted
            // was committed before the counter's lock was ours.
            let existing = client
                .query_opt(
                    EXISTING,
                    &[&event.app, &event.request_id, &event.semantic_key],
                )
                .await
                .map_err(|e| error("look for an event in the inbox", e))?;
            if let Some(row) = existing {
                return Ok(Appended::Duplicate(from_db(row.get(0))));
            }
            // Pruned in between: try again.
        }
        Err(StoreError::new(format!(
            "PostgreSQL store {}: an event was neither kept nor found in the inbox {APPEND_ATTEMPTS} times; check that wrk_zoom.wrk_zoom_event_seq holds its one row",
            self.store.shown
        )))
    }

    async fn read(&self, after: u64, limit: usize) -> Result<Vec<InboxEvent>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .query(
                "read the inbox",
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM wrk_zoom.wrk_zoom_events
                     WHERE seq > $1 ORDER BY seq LIMIT $2"
                ),
                &[&to_db(after), &limit],
            )
            .await?;
        Ok(rows.iter().map(inbox_event).collect())
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        // The counter: the newest number committed (pruning never lowers it).
        let rows = self
            .query(
                "read the inbox's newest number",
                "SELECT last_seq FROM wrk_zoom.wrk_zoom_event_seq",
                &[],
            )
            .await?;
        Ok(rows.first().map_or(0, |row| from_db(row.get(0))))
    }

    async fn seq_before(&self, since_ms: i64) -> Result<u64, StoreError> {
        // As the file store: the last of the events, in order, that come
        // before the first one received at or after `since_ms`.
        let rows = self
            .query(
                "read the inbox",
                "SELECT coalesce(max(seq), 0) FROM wrk_zoom.wrk_zoom_events
                 WHERE seq < coalesce(
                     (SELECT min(seq) FROM wrk_zoom.wrk_zoom_events WHERE received_at >= $1),
                     9223372036854775807)",
                &[&since_ms],
            )
            .await?;
        Ok(rows.first().map_or(0, |row| from_db(row.get(0))))
    }

    async fn prune(&self, before_ms: i64) -> Result<u64, StoreError> {
        // The newest event stays, as in the file store (the counter would
        // keep the numbers going anyway).
        self.execute(
            "prune the inbox",
            "DELETE FROM wrk_zoom.wrk_zoom_events
             WHERE received_at < $1
               AND seq < (SELECT max(seq) FROM wrk_zoom.wrk_zoom_events)",
            &[&before_ms],
        )
        .await
    }

    async fn cursor(&self, consumer: &str) -> Result<Option<u64>, StoreError> {
        let rows = self
            .query(
                &format!("read the cursor of consumer '{consumer}'"),
                "SELECT cursor FROM wrk_zoom.wrk_zoom_event_consumers WHERE name = $1",
                &[&consumer],
            )
            .await?;
        Ok(rows.first().map(|row| from_db(row.get(0))))
    }

    async fn set_cursor(&self, consumer: &str, seq: u64) -> Result<(), StoreError> {
        self.execute(
            &format!("save the cursor of consumer '{consumer}'"),
            "INSERT INTO wrk_zoom.wrk_zoom_event_consumers (name, cursor) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET cursor = EXCLUDED.cursor",
            &[&consumer, &to_db(seq)],
        )
        .await?;
        Ok(())
    }

    async fn try_lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        super::lease::try_lease(self, name).await
    }

    async fn cursors(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        let rows = self
            .query(
                "read the consumers' cursors",
                "SELECT name, cursor FROM wrk_zoom.wrk_zoom_event_consumers",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), from_db(row.get(1))))
            .collect())
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows = self
            .query(
                "read the event subscriptions",
                "SELECT id, url, sealed, key_id, seal_format, filter, created_at, state
                 FROM wrk_zoom.wrk_zoom_event_subscriptions ORDER BY id",
                &[],
            )
            .await?;
        Self::decode_all(rows, 3, self.keys(), |row| self.decode_subscription(row))
    }

    async fn add_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let id = &subscription.id;
        let what = format!("event subscription '{id}'");
        let sealed = self.seal(
            &what,
            &subscription_binding(id, &subscription.url),
            &SubscriptionSecrets {
                signing_secret: subscription.signing_secret.clone(),
            },
        )?;
        let encode = |e: serde_json::Error| StoreError::new(format!("cannot encode {what}: {e}"));
        let filter = serde_json::to_value(&subscription.filter).map_err(encode)?;
        let state = serde_json::to_value(&subscription.state).map_err(encode)?;
        // Replaces one of the same id, as the file store does.
        self.execute(
            &format!("save {what}"),
            "INSERT INTO wrk_zoom.wrk_zoom_event_subscriptions
                 (id, url, sealed, key_id, seal_format, filter, created_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, sealed = EXCLUDED.sealed,
                 key_id = EXCLUDED.key_id, seal_format = EXCLUDED.seal_format,
                 filter = EXCLUDED.filter, created_at = EXCLUDED.created_at,
                 state = EXCLUDED.state",
            &[
                id,
                &subscription.url,
                &sealed,
                &self.keys().current_id(),
                &FORMAT,
                &filter,
                &subscription.created_at,
                &state,
            ],
        )
        .await?;
        Ok(())
    }

    async fn remove_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let removed = self
            .execute(
                &format!("remove event subscription '{id}'"),
                "DELETE FROM wrk_zoom.wrk_zoom_event_subscriptions WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(removed > 0)
    }

    async fn update_state(
        &self,
        id: &str,
        change: &mut (dyn for<'s> FnMut(&'s mut DeliveryState) + Send),
    ) -> Result<Option<DeliveryState>, StoreError> {
        let what = format!("the delivery state of event subscription '{id}'");
        let mut client = self.store.client().await?;
        // tokio-postgres's transaction: dropped before its commit (an error
        // below, or this call cancelled at any await), it queues ROLLBACK
        // ahead of anything the pooled connection is used for next, so no
        // later user finds it inside this transaction or holding the lock.
        let tx = client
            .transaction()
            .await
            .map_err(|e| error("start a transaction", e))?;
        // The row's lock, until the commit: a change of another process
        // waits for it, then reads what this one wrote.
        let Some(row) = tx
            .query_opt(
                "SELECT state FROM wrk_zoom.wrk_zoom_event_subscriptions WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .map_err(|e| error(&format!("read {what}"), e))?
        else {
            return Ok(None);
        };
        let mut state: DeliveryState = serde_json::from_value(row.get(0)).map_err(|e| {
            StoreError::new(format!(
                "{what} is damaged ({e}); remove the subscription and subscribe again"
            ))
        })?;
        change(&mut state);
        let json = serde_json::to_value(&state)
            .map_err(|e| StoreError::new(format!("cannot encode {what}: {e}")))?;
        tx.execute(
            "UPDATE wrk_zoom.wrk_zoom_event_subscriptions SET state = $2 WHERE id = $1",
            &[&id, &json],
        )
        .await
        .map_err(|e| error(&format!("save {what}"), e))?;
        tx.commit()
            .await
            .map_err(|e| error(&format!("save {what}"), e))?;
        Ok(Some(state))
    }
}
