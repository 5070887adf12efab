//! Fresh tokens for stored connections.
//!
//! [`Connections::access`] returns a token that is good for a while:
//! - a token within its refresh margin (a few minutes, see
//!   [`StoredConnection::refresh_margin`]) is renewed *before* it expires;
//! - inside one process, renewals are single-flight: concurrent callers of
//!   the same connection wait for the one renewal and share its result;
//! - across processes, renewal happens under the connection's lock in the
//!   store ([`TokenStore::lock_connection`]: the file store's exclusive lock,
//!   a database's row lock), and the connection is re-read after taking
//!   it, so a token another process just renewed is used instead of renewing
//!   again (which, with Zoom's rotating refresh tokens, would invalidate the
//!   other process's token);
//! - the new tokens are written to the store before they are used, so a
//!   rotated refresh token is never only in memory; the token request is
//!   bounded ([`RENEWAL_TIME_LIMIT`]) so the lock outlives it;
//! - a process re-reads a connection it holds in memory every couple of
//!   seconds, so `auth logout` or a new login in another process reaches
//!   it at once, not when its token expires;
//! - `invalid_grant` marks the connection as needing a login and says how;
//!   nothing is retried in a loop.

use super::access::{Access, relogin_command};
use super::grants::{apply_grant, exchange, needs_login};
use super::oauth::OAuthFailure;
use super::store::{Secret, StoreData, StoredConnection, TokenStore};
use crate::clock::now_secs;
use crate::error::HostError;
use crate::model::ConnectionKind;
use crate::rate_limit::SharedPacing;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a renewal's token request may take, all in all (Zoom answers
/// in well under a second). The connection stays locked meanwhile; a
/// database store keeps a lock idle for three times this at most (a
/// backend's rule, chosen in `crate::backends`), so the new tokens are
/// always saved in time.
pub const RENEWAL_TIME_LIMIT: Duration = Duration::from_secs(20);

/// How long a copy of a connection read from the store is used without
/// reading it again: after `auth logout` or a new login (in any process on
/// the store), no call sends the old token more than about this later. At
/// most one read of the connection per this, per process.
const RECHECK_AFTER: Duration = Duration::from_secs(2);

/// The last copy of a connection this process read or wrote, and when.
struct Cached {
    connection: StoredConnection,
    read_at: tokio::time::Instant,
}

impl Cached {
    fn now(connection: StoredConnection) -> Option<Cached> {
        Some(Cached {
            connection,
            read_at: tokio::time::Instant::now(),
        })
    }
}

/// The cached copy, while it is recent enough to use without reading the
/// store.
fn recent(cached: &Option<Cached>) -> Option<&StoredConnection> {
    cached
        .as_ref()
        .filter(|c| c.read_at.elapsed() < RECHECK_AFTER)
        .map(|c| &c.connection)
}

type Flight = Arc<tokio::sync::Mutex<Option<Cached>>>;

/// Stored connections and their tokens.
pub struct Connections {
    store: Arc<dyn TokenStore>,
    /// One async mutex per connection name (single-flight renewal), guarding
    /// the last token this process saw.
    flights: Mutex<HashMap<String, Flight>>,
}

impl Connections {
    /// Connections over `store`.
    pub fn new(store: Arc<dyn TokenStore>) -> Connections {
        Connections {
            store,
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// Rate limits shared through this store with other processes, for
    /// [`crate::Host::with_shared_pacing`] ([`TokenStore::shared_pacing`]).
    pub fn shared_pacing(&self) -> Option<Arc<dyn SharedPacing>> {
        self.store.shared_pacing()
    }

    /// The store behind these connections.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.store
    }

    /// A snapshot of the store.
    pub async fn read(&self) -> Result<StoreData, HostError> {
        Ok(self.store.read().await?)
    }

    fn flight(&self, name: &str) -> Flight {
        self.flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(name.to_string())
            .or_default()
            .clone()
    }

    /// The flight of a stored connection: a name is checked and looked up
    /// before a flight is made for it, so callers naming connections that
    /// do not exist leave nothing behind.
    async fn flight_of_stored(&self, name: &str) -> Result<Flight, HostError> {
        super::check_connection_name(name)?;
        let existing = self
            .flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned();
        if let Some(flight) = existing {
            return Ok(flight);
        }
        if self.store.get(name).await?.is_none() {
            return Err(self.not_found_now(name).await);
        }
        Ok(self.flight(name))
    }

    /// Drops the flight of a name found missing (a caller waiting on it
    /// keeps its own reference).
    fn forget_flight(&self, name: &str) {
        self.flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
    }

    #[cfg(test)]
    fn flight_count(&self) -> usize {
        self.flights.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// The connection to use for an action of `kind`: `requested` if given,
    /// else the default connection of that kind (a user action may also run
    /// on the default admin connection, acting as the admin).
    pub async fn resolve(
        &self,
        requested: Option<&str>,
        kind: ConnectionKind,
    ) -> Result<Option<String>, HostError> {
        if let Some(name) = requested {
            super::check_connection_name(name)?;
            return Ok(Some(name.to_string()));
        }
        let defaults = self.store.defaults().await?;
        let name = defaults.get(kind).or(match kind {
            ConnectionKind::User => defaults.get(ConnectionKind::Admin),
            ConnectionKind::Admin => None,
        });
        Ok(name.map(str::to_string))
    }

    /// Stores a new connection (replacing one of the same name) and makes it
    /// the default of its kind when asked to or when its kind has none.
    pub async fn save(
        &self,
        name: &str,
        connection: StoredConnection,
        make_default: bool,
    ) -> Result<(), HostError> {
        super::check_connection_name(name)?;
        let flight = self.flight(name);
        let mut cached = flight.lock().await;
        let name_owned = name.to_string();
        let to_store = connection.clone();
        self.with_lock(move |data| {
            let kind = to_store.kind;
            data.connections.insert(name_owned.clone(), to_store);
            let current = data.defaults.get(kind).map(str::to_string);
            let current_valid = current
                .as_ref()
                .is_some_and(|c| data.connections.get(c).is_some_and(|c| c.kind == kind));
            if make_default || !current_valid {
                data.defaults.set(kind, Some(name_owned));
            }
            Ok(true)
        })
        .await?;
        *cached = Cached::now(connection);
        Ok(())
    }

    /// Removes a connection; `false` if there was none of that name.
    pub async fn remove(&self, name: &str) -> Result<bool, HostError> {
        let flight = self.flight(name);
        let mut cached = flight.lock().await;
        let name_owned = name.to_string();
        let removed = self
            .with_lock(move |data| Ok(data.remove(&name_owned).is_some()))
            .await?;
        *cached = None;
        Ok(removed)
    }

    /// Zoom says the app was removed from `account`: every connection of
    /// that account needs a new login and loses its tokens (they no longer
    /// work anyway). Their names.
    pub async fn deauthorize_account(&self, account: &str) -> Result<Vec<String>, HostError> {
        let account = account.to_string();
        let mut names = Vec::new();
        let found = &mut names;
        self.with_lock(move |data| {
            for (name, c) in data.connections.iter_mut() {
                if c.account_id.as_deref() == Some(account.as_str()) {
                    c.needs_login =
                        Some("the Zoom app was removed from the account (app_deauthorized)".into());
                    c.access_token = Secret::default();
                    c.refresh_token = None;
                    c.expires_at = 0;
                    found.push(name.clone());
                }
            }
            Ok(!found.is_empty())
        })
        .await?;
        for name in &names {
            self.forget_flight(name);
        }
        Ok(names)
    }

    /// Runs `change` on the store under its lock and writes the store back
    /// when it returns `true`.
    async fn with_lock(
        &self,
        change: impl FnOnce(&mut StoreData) -> Result<bool, HostError>,
    ) -> Result<bool, HostError> {
        let mut guard = self.store.lock().await?;
        let mut data = guard.read().await?;
        let changed = change(&mut data)?;
        if changed {
            guard.write(&data).await?;
        }
        Ok(changed)
    }

    fn not_found(&self, name: &str, data: &StoreData) -> HostError {
        HostError::UnknownConnection {
            name: name.to_string(),
            known: data.connections.keys().cloned().collect(),
            store: self.store.describe(),
        }
    }

    /// [`Connections::not_found`] from a fresh read of the store; the
    /// name's flight goes (nothing is kept for a name not found).
    async fn not_found_now(&self, name: &str) -> HostError {
        self.forget_flight(name);
        match self.read().await {
            Ok(data) => self.not_found(name, &data),
            Err(e) => e,
        }
    }

    /// A token of connection `name` that is good for at least its refresh
    /// margin, renewing it first if needed.
    pub async fn access(&self, name: &str) -> Result<Access, HostError> {
        self.access_for(name, Duration::ZERO).await
    }

    /// [`Connections::access`] for a long run (e.g. following every page):
    /// the token is renewed first unless it stays valid for about `min`
    /// more (at most half its lifetime).
    pub async fn access_for(&self, name: &str, min: Duration) -> Result<Access, HostError> {
        let min = min.as_secs() as i64;
        let flight = self.flight_of_stored(name).await?;
        let mut cached = flight.lock().await;
        let now = now_secs();
        if let Some(c) = recent(&cached).filter(|c| c.is_fresh_for(now, min)) {
            return Ok(Access::from_stored(name, c));
        }
        // Read again: the connection may be gone or logged in anew since.
        *cached = None;
        let Some(stored) = self.store.get(name).await? else {
            return Err(self.not_found_now(name).await);
        };
        if let Some(reason) = &stored.needs_login {
            return Err(needs_login(name, &stored, reason));
        }
        if stored.is_fresh_for(now, min) {
            let access = Access::from_stored(name, &stored);
            *cached = Cached::now(stored);
            return Ok(access);
        }
        let renewed = self.renew(name, None, min).await?;
        let access = Access::from_stored(name, &renewed);
        *cached = Cached::now(renewed);
        Ok(access)
    }

    /// Zoom refused `rejected` (401 code 124): renew once, unless another
    /// call or process already did, and return the new token.
    pub async fn renew_after_rejection(&self, rejected: &Access) -> Result<Access, HostError> {
        let name = rejected.name.as_str();
        let flight = self.flight(name);
        let mut cached = flight.lock().await;
        let token = Secret::new(rejected.zoom.access_token.clone());
        if let Some(c) =
            recent(&cached).filter(|c| c.access_token != token && c.is_fresh(now_secs()))
        {
            return Ok(Access::from_stored(name, c));
        }
        *cached = None;
        let renewed = self.renew(name, Some(&token), 0).await?;
        let access = Access::from_stored(name, &renewed);
        *cached = Cached::now(renewed);
        Ok(access)
    }

    /// Renews under the store lock. `rejected`: the token Zoom refused;
    /// `min`: seconds the current token must still be valid to be kept.
    async fn renew(
        &self,
        name: &str,
        rejected: Option<&Secret>,
        min: i64,
    ) -> Result<StoredConnection, HostError> {
        // Read under the connection's lock: another process may have
        // renewed it already.
        let guard = self.store.lock_connection(name).await?;
        let Some(current) = guard.current().cloned() else {
            drop(guard);
            return Err(self.not_found_now(name).await);
        };
        if let Some(reason) = &current.needs_login {
            return Err(needs_login(name, &current, reason));
        }
        let now = now_secs();
        let already_renewed = match rejected {
            None => current.is_fresh_for(now, min),
            Some(token) => current.access_token != *token && current.expires_at > now,
        };
        if already_renewed {
            tracing::debug!(connection = name, "token already renewed by another caller");
            return Ok(current);
        }
        // The lock is held across the exchange: bounded, so the new tokens
        // are saved long before the store could drop the lock (a database
        // ends a session idle in a transaction; a rotated refresh token
        // would be lost with it).
        let outcome = tokio::time::timeout(RENEWAL_TIME_LIMIT, exchange(&current))
            .await
            .unwrap_or_else(|_| {
                Err(OAuthFailure::Transport(format!(
                    "the token request took longer than {} s, so it was abandoned",
                    RENEWAL_TIME_LIMIT.as_secs()
                )))
            });
        match outcome {
            Ok(grant) => {
                let mut next = current.clone();
                apply_grant(&mut next, grant, now_secs());
                next.renewals += 1;
                // Saved before anyone uses it: the old refresh token is dead now.
                // A store failure, not an authentication one: the disk or
                // its permissions need fixing (then a new login, because
                // the rotated refresh token is lost).
                guard.save(&next).await.map_err(|e| {
                    HostError::Store(e.context(format!(
                        "renewed the token of connection '{name}' but could not save it; fix the problem and log in again with `{}`",
                        relogin_command(name, current.kind, current.grant, current.account_id.as_deref())
                    )))
                })?;
                tracing::info!(
                    connection = name,
                    expires_in = next.expires_at - now_secs(),
                    "renewed the access token"
                );
                Ok(next)
            }
            Err(OAuthFailure::InvalidGrant(reason)) => {
                let mut next = current.clone();
                next.needs_login = Some(reason.clone());
                if let Err(e) = guard.save(&next).await {
                    tracing::warn!(
                        connection = name,
                        "could not mark the connection as needing a login: {e}"
                    );
                }
                tracing::warn!(
                    connection = name,
                    "Zoom refused to renew the token: {reason}"
                );
                Err(needs_login(name, &next, &reason))
            }
            Err(OAuthFailure::InvalidClient(reason)) => Err(HostError::Auth(format!(
                "Zoom refused the client ID or secret stored with connection '{name}' ({reason}); run `{}` with the app's current credentials",
                relogin_command(
                    name,
                    current.kind,
                    current.grant,
                    current.account_id.as_deref()
                )
            ))),
            Err(other) if rejected.is_none() && current.expires_at > now + 5 => {
                // The old token still works for a little while: use it and
                // try again on the next call.
                tracing::warn!(connection = name, "could not renew the token yet: {other}");
                Ok(current)
            }
            Err(other) => Err(HostError::Transport(format!(
                "cannot renew the token of connection '{name}': {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::store::{Grant, MemoryStore, StoreError, StoreGuard};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A store shared with other processes, counting this one's reads.
    struct CountingStore {
        inner: MemoryStore,
        reads: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl TokenStore for CountingStore {
        async fn read(&self) -> Result<StoreData, StoreError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.read().await
        }
        async fn lock(&self) -> Result<Box<dyn StoreGuard>, StoreError> {
            self.inner.lock().await
        }
        fn describe(&self) -> String {
            "a counting store".into()
        }
    }

    fn connection(token: &str) -> StoredConnection {
        StoredConnection {
            kind: ConnectionKind::User,
            grant: Grant::AuthorizationCode,
            client_id: "id".into(),
            client_secret: Secret::new("secret"),
            oauth_base: "https://zoom.us".into(),
            api_base: "https://api.zoom.us/v2".into(),
            account_id: None,
            access_token: Secret::new(token),
            refresh_token: Some(Secret::new("rt")),
            expires_at: now_secs() + 3600,
            lifetime_secs: 3600,
            scopes: Vec::new(),
            needs_login: None,
            granted_at: now_secs(),
            renewals: 0,
        }
    }

    #[tokio::test]
    async fn a_logout_or_new_login_elsewhere_reaches_this_process_within_seconds() {
        let shared = MemoryStore::default();
        let store = Arc::new(CountingStore {
            inner: shared.clone(),
            reads: AtomicUsize::new(0),
        });
        let replica = Connections::new(store.clone());
        // The CLI, another process on the same store.
        let cli = Connections::new(Arc::new(shared));
        cli.save("user", connection("old"), true).await.unwrap();

        for _ in 0..100 {
            let access = replica.access("user").await.unwrap();
            assert_eq!(access.zoom.access_token, "old");
        }
        let reads = store.reads.load(Ordering::SeqCst);
        assert!(reads <= 2, "{reads} store reads for 100 calls in a row");

        // A new login: the new token once the cached copy is re-read.
        cli.save("user", connection("new"), true).await.unwrap();
        tokio::time::sleep(RECHECK_AFTER + Duration::from_millis(100)).await;
        let access = replica.access("user").await.unwrap();
        assert_eq!(access.zoom.access_token, "new");

        // A logout: the connection is gone here too.
        assert!(cli.remove("user").await.unwrap());
        tokio::time::sleep(RECHECK_AFTER + Duration::from_millis(100)).await;
        let err = replica.access("user").await.unwrap_err();
        assert!(matches!(err, HostError::UnknownConnection { .. }), "{err}");
    }

    #[tokio::test]
    async fn names_not_found_leave_no_flights() {
        let connections = Connections::new(Arc::new(MemoryStore::default()));
        for i in 0..10_000 {
            let err = connections.access(&format!("nope-{i}")).await.unwrap_err();
            assert!(matches!(err, HostError::UnknownConnection { .. }), "{err}");
        }
        let err = connections.access(&"x".repeat(1 << 20)).await.unwrap_err();
        assert!(
            matches!(&err, HostError::InvalidInput { field, .. } if field == "connection"),
            "{err}"
        );
        assert_eq!(connections.flight_count(), 0);
    }
}
