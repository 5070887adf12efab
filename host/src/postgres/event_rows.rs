//! The rows of the event tables (`events.rs`): what of an app and of a
//! subscription is sealed, what it is bound to, and how a row decodes (a
//! damaged row left out and logged, a missing key said).

use super::events::PostgresEvents;
use super::seal::{Binding, FORMAT};
use crate::auth::Secret;
use crate::error::StoreError;
use crate::events::model::{
    DeliveryState, EventApp, EventFilter, InboxEvent, NewEvent, Subscription,
};
use serde::{Deserialize, Serialize};

/// What is sealed of an app.
#[derive(Serialize, Deserialize)]
pub(super) struct AppSecrets {
    pub(super) secret: Secret,
    pub(super) previous_secret: Option<Secret>,
}

/// What is sealed of a subscription.
#[derive(Serialize, Deserialize)]
pub(super) struct SubscriptionSecrets {
    pub(super) signing_secret: Secret,
}

/// What an app's secrets are sealed to: its name, as an app's (a value
/// sealed for a connection or a subscription does not open here), and its
/// Zoom app id.
pub(super) fn app_binding<'a>(name: &'a str, zoom_app_id: Option<&'a str>) -> Binding<'a> {
    Binding {
        name,
        fields: vec![("record", Some("event app")), ("zoom_app_id", zoom_app_id)],
    }
}

/// What a subscription's signing secret is sealed to: its id, as a
/// subscription's, and the URL its deliveries go to (a row pointed
/// elsewhere does not open, so nothing is signed for another receiver).
pub(super) fn subscription_binding<'a>(id: &'a str, url: &'a str) -> Binding<'a> {
    Binding {
        name: id,
        fields: vec![("record", Some("event subscription")), ("url", Some(url))],
    }
}

/// A number of the inbox as PostgreSQL keeps it.
pub(super) fn to_db(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A number PostgreSQL kept (never negative when this store wrote it).
pub(super) fn from_db(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(super) fn inbox_event(row: &tokio_postgres::Row) -> InboxEvent {
    InboxEvent {
        seq: from_db(row.get(0)),
        event: NewEvent {
            app: row.get(1),
            received_at: row.get(2),
            event: row.get(3),
            event_ts: row.get(4),
            account_id: row.get(5),
            request_id: row.get(6),
            semantic_key: row.get(7),
            connections: row.get(8),
            source: row.get(9),
            body: row.get(10),
        },
    }
}

impl PostgresEvents {
    pub(super) fn keys(&self) -> &super::Keys {
        &self.store.keys
    }

    /// Seals `plain` for `binding`, or says what could not be encoded.
    pub(super) fn seal(
        &self,
        what: &str,
        binding: &Binding,
        plain: &impl Serialize,
    ) -> Result<Vec<u8>, StoreError> {
        let plain = serde_json::to_vec(plain)
            .map_err(|e| StoreError::new(format!("cannot encode {what}: {e}")))?;
        self.keys().seal(binding, &plain)
    }

    /// Opens what [`PostgresEvents::seal`] sealed for `binding`; `what`
    /// names the row and `fix` how to replace it, for messages. A row that
    /// does not open under a key of ours is damaged (edited, or its secret
    /// moved from another row); one sealed with a key we lack says so.
    pub(super) fn open<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        fix: &str,
        binding: &Binding,
        format: i16,
        key_id: &str,
        sealed: &[u8],
    ) -> Result<T, StoreError> {
        let keys = self.keys();
        if !keys.knows(key_id) {
            return Err(StoreError::new(format!(
                "the secrets of {what} were encrypted with another key (id {key_id}; WRK_ZOOM_STORE_KEY is {}): set WRK_ZOOM_STORE_KEY to the key the replicas use, or add the old one to WRK_ZOOM_STORE_OLD_KEYS",
                keys.current_id()
            )));
        }
        let damaged = || {
            StoreError::new(format!(
                "{what} is damaged: its secrets do not decrypt with what its row says (its columns were edited, or the secrets moved from another row), so they are not used; {fix}"
            ))
        };
        // Only the bound format was ever written to these tables: a row
        // that says otherwise was edited (format 1 binds the name alone).
        if format != FORMAT {
            return Err(damaged());
        }
        let plain = keys
            .open(binding, format, key_id, sealed)
            .map_err(|_| damaged())?;
        serde_json::from_slice(&plain).map_err(|_| damaged())
    }

    /// `rows` decoded with `decode`; a row that does not open under a key
    /// of ours is left out and logged (writing it again replaces it), so
    /// one damaged row does not stop the others. A key we lack fails.
    pub(super) fn decode_all<T>(
        rows: Vec<tokio_postgres::Row>,
        key_id_column: usize,
        keys: &super::Keys,
        mut decode: impl FnMut(&tokio_postgres::Row) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            match decode(row) {
                Ok(item) => out.push(item),
                // Escaped: the text holds the row's name, which whoever can
                // write the database chooses.
                Err(e) if keys.knows(row.get(key_id_column)) => {
                    tracing::warn!("{}", e.to_string().escape_debug())
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    pub(super) fn decode_app(
        &self,
        row: &tokio_postgres::Row,
    ) -> Result<(String, EventApp), StoreError> {
        let name: String = row.get(0);
        let what = format!("the event app '{name}'");
        let fix = format!("add it again with `wrk-zoom events app add {name}`");
        let mut app: EventApp = serde_json::from_value(row.get(1))
            .map_err(|e| StoreError::new(format!("{what} is damaged ({e}); {fix}")))?;
        let secrets: AppSecrets = self.open(
            &what,
            &fix,
            &app_binding(&name, app.zoom_app_id.as_deref()),
            row.get(4),
            row.get(3),
            row.get(2),
        )?;
        app.secret = secrets.secret;
        app.previous_secret = secrets.previous_secret;
        app.validated_at = row.get(5);
        app.refused = from_db(row.get(6));
        Ok((name, app))
    }

    pub(super) fn decode_subscription(
        &self,
        row: &tokio_postgres::Row,
    ) -> Result<Subscription, StoreError> {
        let (id, url): (String, String) = (row.get(0), row.get(1));
        let what = format!("the event subscription '{id}'");
        let fix = "remove it and subscribe again";
        let damaged =
            |e: serde_json::Error| StoreError::new(format!("{what} is damaged ({e}); {fix}"));
        let filter: EventFilter = serde_json::from_value(row.get(5)).map_err(damaged)?;
        let state: DeliveryState = serde_json::from_value(row.get(7)).map_err(damaged)?;
        let secrets: SubscriptionSecrets = self.open(
            &what,
            fix,
            &subscription_binding(&id, &url),
            row.get(4),
            row.get(3),
            row.get(2),
        )?;
        Ok(Subscription {
            id,
            url,
            signing_secret: secrets.signing_secret,
            filter,
            created_at: row.get(6),
            state,
        })
    }
}
