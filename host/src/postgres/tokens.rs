//! Connections in PostgreSQL (see the module docs of `crate::postgres`).

use super::seal::{Binding, FORMAT};
use super::{Postgres, error};
use crate::auth::{
    ConnectionGuard, Defaults, Grant, Secret, StoreData, StoreError, StoreFinding, StoreGuard,
    StoredConnection, TokenStore,
};
use crate::model::ConnectionKind;
use crate::rate_limit::SharedPacing;
use async_trait::async_trait;
use deadpool_postgres::Object;
use serde::{Deserialize, Serialize};

/// Serialises whole-store changes (logins, removals, defaults) across
/// processes: a self-exclusive lock on a table of the store's own schema
/// (no other role can take it, see `migrations`), which readers and
/// renewals (they lock only their row) do not wait for.
const STORE_LOCK: &str = "LOCK TABLE wrk_zoom.wrk_zoom_defaults IN SHARE ROW EXCLUSIVE MODE";

/// What is encrypted of a connection.
#[derive(Serialize, Deserialize)]
struct Secrets {
    client_secret: Secret,
    access_token: Secret,
    refresh_token: Option<Secret>,
}

/// A pooled client inside a transaction. Committed by [`Held::commit`];
/// dropped uncommitted, its connection is closed rather than pooled, so
/// PostgreSQL rolls the transaction back and frees its locks.
///
/// Cancel-safe: the client is held from before `BEGIN` is sent until
/// `COMMIT` has answered, so a call cancelled at any await (a client that
/// disconnects, an MCP cancellation) closes the connection instead of
/// pooling it inside a transaction. That is why the pool can recycle with
/// `RecyclingMethod::Fast` (no query per checkout).
struct Held {
    client: Option<Object>,
}

impl Held {
    async fn begin(store: &Postgres) -> Result<Held, StoreError> {
        let held = Held {
            client: Some(store.client().await?),
        };
        held.client()
            .batch_execute("BEGIN")
            .await
            .map_err(|e| error("start a transaction", e))?;
        Ok(held)
    }

    fn client(&self) -> &Object {
        self.client.as_ref().expect("a held client until commit")
    }

    /// Commits; the client goes back to the pool only once `COMMIT` has
    /// answered (a failed or cancelled commit closes it).
    async fn commit(mut self) -> Result<(), StoreError> {
        self.client()
            .batch_execute("COMMIT")
            .await
            .map_err(|e| error("commit", e))?;
        // Back to the pool, outside any transaction.
        drop(self.client.take());
        Ok(())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            drop(Object::take(client));
        }
    }
}

/// What connection `name`'s secrets are sealed to: every unsealed field
/// that decides where they are sent.
fn binding<'a>(name: &'a str, connection: &'a StoredConnection) -> Binding<'a> {
    let grant = match connection.grant {
        Grant::AuthorizationCode => "authorization_code",
        Grant::AccountCredentials => "account_credentials",
    };
    Binding {
        name,
        fields: vec![
            ("kind", Some(connection.kind.as_str())),
            ("grant", Some(grant)),
            ("client_id", Some(&connection.client_id)),
            ("oauth_base", Some(&connection.oauth_base)),
            ("api_base", Some(&connection.api_base)),
            ("account_id", connection.account_id.as_deref()),
        ],
    }
}

impl Postgres {
    /// Whether connection `name` may send its secrets where it says.
    fn check_bases(&self, name: &str, connection: &StoredConnection) -> Result<(), StoreError> {
        self.bases
            .check(name, "oauth_base", &connection.oauth_base)
            .and_then(|()| self.bases.check(name, "api_base", &connection.api_base))
            .map_err(StoreError::new)
    }

    fn decode(
        &self,
        name: &str,
        public: serde_json::Value,
        sealed: &[u8],
        key_id: &str,
        format: i16,
    ) -> Result<StoredConnection, StoreError> {
        let damaged = |e: serde_json::Error| {
            StoreError::new(format!(
                "the stored connection '{name}' is damaged ({e}); log in again with `wrk-zoom auth login --connection {name}`"
            ))
        };
        let mut connection: StoredConnection = serde_json::from_value(public).map_err(damaged)?;
        let plain = self
            .keys
            .open(&binding(name, &connection), format, key_id, sealed)?;
        // After opening: an edited row is reported as damaged. The bases
        // of a row sealed before they were bound are checked here too.
        self.check_bases(name, &connection)?;
        let secrets: Secrets = serde_json::from_slice(&plain).map_err(damaged)?;
        connection.client_secret = secrets.client_secret;
        connection.access_token = secrets.access_token;
        connection.refresh_token = secrets.refresh_token;
        Ok(connection)
    }

    async fn upsert(
        &self,
        client: &Object,
        name: &str,
        connection: &StoredConnection,
    ) -> Result<(), StoreError> {
        let secrets = Secrets {
            client_secret: connection.client_secret.clone(),
            access_token: connection.access_token.clone(),
            refresh_token: connection.refresh_token.clone(),
        };
        let mut public = connection.clone();
        public.client_secret = Secret::default();
        public.access_token = Secret::default();
        public.refresh_token = None;
        let public = serde_json::to_value(&public)
            .map_err(|e| StoreError::new(format!("cannot encode connection '{name}': {e}")))?;
        let plain = serde_json::to_vec(&secrets)
            .map_err(|e| StoreError::new(format!("cannot encode connection '{name}': {e}")))?;
        self.check_bases(name, connection)?;
        let sealed = self.keys.seal(&binding(name, connection), &plain)?;
        client
            .execute(
                "INSERT INTO wrk_zoom.wrk_zoom_connections (name, public, sealed, key_id, seal_format)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (name) DO UPDATE SET public = EXCLUDED.public,
                     sealed = EXCLUDED.sealed, key_id = EXCLUDED.key_id,
                     seal_format = EXCLUDED.seal_format, updated_at = now()",
                &[&name, &public, &sealed, &self.keys.current_id(), &FORMAT],
            )
            .await
            .map_err(|e| error(&format!("save connection '{name}'"), e))?;
        Ok(())
    }

    /// Every connection and the defaults; with `skip_damaged`, a connection
    /// that does not open under a key of ours (edited, or pointing where it
    /// may not) is left out and logged instead of failing the read, so that
    /// logging in again can replace it. A key we lack always fails.
    async fn read_with(
        &self,
        client: &Object,
        skip_damaged: bool,
    ) -> Result<StoreData, StoreError> {
        let rows = client
            .query(
                "SELECT name, public, sealed, key_id, seal_format
                 FROM wrk_zoom.wrk_zoom_connections ORDER BY name",
                &[],
            )
            .await
            .map_err(|e| error("read the connections", e))?;
        let mut data = StoreData::default();
        for row in rows {
            let (name, key_id): (String, &str) = (row.get(0), row.get(3));
            match self.decode(&name, row.get(1), row.get(2), key_id, row.get(4)) {
                Ok(connection) => {
                    data.connections.insert(name, connection);
                }
                // Escaped: the text holds the row's name, which whoever can
                // write the database chooses.
                Err(e) if skip_damaged && self.keys.knows(key_id) => {
                    tracing::warn!("{}", e.to_string().escape_debug())
                }
                Err(e) => return Err(e),
            }
        }
        data.defaults = read_defaults(client).await?;
        Ok(data)
    }

    /// Connection `name`, locking its row until the transaction ends when
    /// `for_update`.
    async fn fetch(
        &self,
        client: &Object,
        name: &str,
        for_update: bool,
    ) -> Result<Option<StoredConnection>, StoreError> {
        let query = if for_update {
            "SELECT public, sealed, key_id, seal_format FROM wrk_zoom.wrk_zoom_connections
             WHERE name = $1 FOR UPDATE"
        } else {
            "SELECT public, sealed, key_id, seal_format FROM wrk_zoom.wrk_zoom_connections
             WHERE name = $1"
        };
        let row = client
            .query_opt(query, &[&name])
            .await
            .map_err(|e| error(&format!("read connection '{name}'"), e))?;
        row.map(|row| self.decode(name, row.get(0), row.get(1), row.get(2), row.get(3)))
            .transpose()
    }
}

async fn read_defaults(client: &Object) -> Result<Defaults, StoreError> {
    let rows = client
        .query("SELECT kind, name FROM wrk_zoom.wrk_zoom_defaults", &[])
        .await
        .map_err(|e| error("read the default connections", e))?;
    let mut defaults = Defaults::default();
    for row in rows {
        match row.get::<_, &str>(0) {
            "user" => defaults.user = Some(row.get(1)),
            "admin" => defaults.admin = Some(row.get(1)),
            _ => {}
        }
    }
    Ok(defaults)
}

#[async_trait]
impl TokenStore for Postgres {
    async fn read(&self) -> Result<StoreData, StoreError> {
        let client = self.client().await?;
        self.read_with(&client, false).await
    }

    async fn get(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        self.fetch(&self.client().await?, name, false).await
    }

    async fn defaults(&self) -> Result<Defaults, StoreError> {
        read_defaults(&self.client().await?).await
    }

    async fn lock(&self) -> Result<Box<dyn StoreGuard>, StoreError> {
        let held = Held::begin(self).await?;
        held.client()
            .batch_execute(STORE_LOCK)
            .await
            .map_err(|e| error("lock the store", e))?;
        Ok(Box::new(WholeStore {
            store: self.clone(),
            held,
            last_read: None,
        }))
    }

    async fn lock_connection(&self, name: &str) -> Result<Box<dyn ConnectionGuard>, StoreError> {
        let held = Held::begin(self).await?;
        let current = self.fetch(held.client(), name, true).await?;
        Ok(Box::new(OneConnection {
            store: self.clone(),
            held,
            name: name.to_string(),
            current,
        }))
    }

    fn describe(&self) -> String {
        self.shown.clone()
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.client()
            .await?
            .simple_query("SELECT 1 FROM wrk_zoom.wrk_zoom_connections LIMIT 1")
            .await
            .map_err(|e| error("read the connections", e))?;
        Ok(())
    }

    /// Every process on the database shares its rate limits.
    fn shared_pacing(&self) -> Option<std::sync::Arc<dyn SharedPacing>> {
        Some(std::sync::Arc::new(self.clone()))
    }

    async fn diagnose(&self, read: Result<&StoreData, &StoreError>) -> Vec<StoreFinding> {
        self.diagnosis(read).await
    }
}

/// The whole store's lock: a transaction holding [`STORE_LOCK`].
struct WholeStore {
    store: Postgres,
    held: Held,
    last_read: Option<StoreData>,
}

#[async_trait]
impl StoreGuard for WholeStore {
    async fn read(&mut self) -> Result<StoreData, StoreError> {
        // What it writes is what changed since this read: a connection left
        // out is kept as it is, unless a login replaces it.
        let data = self.store.read_with(self.held.client(), true).await?;
        self.last_read = Some(data.clone());
        Ok(data)
    }

    /// Writes only what changed since the last read: a connection another
    /// process renewed meanwhile (under its row lock) is left as it is.
    async fn write(self: Box<Self>, data: &StoreData) -> Result<(), StoreError> {
        let WholeStore {
            store,
            held,
            last_read,
        } = *self;
        let before = last_read.unwrap_or_default();
        let client = held.client();
        for name in before.connections.keys() {
            if !data.connections.contains_key(name) {
                client
                    .execute(
                        "DELETE FROM wrk_zoom.wrk_zoom_connections WHERE name = $1",
                        &[name],
                    )
                    .await
                    .map_err(|e| error(&format!("remove connection '{name}'"), e))?;
            }
        }
        for (name, connection) in &data.connections {
            if before.connections.get(name) != Some(connection) {
                store.upsert(client, name, connection).await?;
            }
        }
        if data.defaults != before.defaults {
            write_defaults(client, &data.defaults).await?;
        }
        held.commit().await
    }
}

async fn write_defaults(client: &Object, defaults: &Defaults) -> Result<(), StoreError> {
    for kind in [ConnectionKind::User, ConnectionKind::Admin] {
        let kind_text = kind.as_str();
        let done = match defaults.get(kind) {
            Some(name) => {
                client
                    .execute(
                        "INSERT INTO wrk_zoom.wrk_zoom_defaults (kind, name) VALUES ($1, $2)
                         ON CONFLICT (kind) DO UPDATE SET name = EXCLUDED.name",
                        &[&kind_text, &name],
                    )
                    .await
            }
            None => {
                client
                    .execute(
                        "DELETE FROM wrk_zoom.wrk_zoom_defaults WHERE kind = $1",
                        &[&kind_text],
                    )
                    .await
            }
        };
        done.map_err(|e| error("save the default connections", e))?;
    }
    Ok(())
}

/// One connection's row lock, from its re-read to the commit of its save.
struct OneConnection {
    store: Postgres,
    held: Held,
    name: String,
    current: Option<StoredConnection>,
}

#[async_trait]
impl ConnectionGuard for OneConnection {
    fn current(&self) -> Option<&StoredConnection> {
        self.current.as_ref()
    }

    async fn save(self: Box<Self>, connection: &StoredConnection) -> Result<(), StoreError> {
        let OneConnection {
            store, held, name, ..
        } = *self;
        store.upsert(held.client(), &name, connection).await?;
        held.commit().await
    }
}
