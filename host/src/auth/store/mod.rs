//! The token store: named connections and the default connection per kind.
//!
//! [`TokenStore`] is the seam: [`FileStore`] (the default, one machine;
//! `file.rs`), [`MemoryStore`] (tests, embedding; `memory.rs`), and any
//! other backend, which this module never names (the composition root,
//! `crate::backends`, picks one through [`StoreSettings`]). This module
//! holds the data model and the traits.

pub use crate::error::StoreError;
use crate::model::ConnectionKind;
use crate::rate_limit::SharedPacing;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

mod file;
mod memory;

pub use file::FileStore;
pub use memory::MemoryStore;

/// Current version of the store format.
pub const STORE_VERSION: u32 = 1;

/// A token or client secret: never printed by `Debug`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The secret itself (only for sending it where it belongs).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How a connection gets its tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// A user or admin logged in (authorization code + PKCE); refreshed with
    /// a rotating refresh token.
    AuthorizationCode,
    /// Server-to-Server (`account_credentials`): no refresh token, a new
    /// access token is fetched when the old one nears expiry.
    AccountCredentials,
}

mod kind_serde {
    use crate::model::ConnectionKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &ConnectionKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    /// As the derive, but saying which kinds there are.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ConnectionKind, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// One stored connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredConnection {
    #[serde(with = "kind_serde")]
    /// User or admin.
    pub kind: ConnectionKind,
    /// How its tokens are granted.
    pub grant: Grant,
    /// The OAuth app's client ID (to renew tokens).
    pub client_id: String,
    /// The OAuth app's client secret (to renew tokens).
    pub client_secret: Secret,
    /// e.g. `https://zoom.us`.
    pub oauth_base: String,
    /// e.g. `https://api.zoom.us/v2` (from the token response's `api_url`).
    pub api_base: String,
    /// Server-to-Server only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The current access token.
    pub access_token: Secret,
    /// The latest refresh token (authorization-code connections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Unix seconds when the access token expires.
    pub expires_at: i64,
    /// The access token's lifetime as granted (`expires_in`).
    pub lifetime_secs: i64,
    /// Granted scopes (the token response's `scope`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Why the connection cannot be used until the user logs in again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_login: Option<String>,
    /// Unix seconds of the last token grant.
    pub granted_at: i64,
    /// How many times the access token was renewed.
    #[serde(default)]
    pub renewals: u64,
}

impl StoredConnection {
    /// How long before expiry the token is renewed: a few minutes, or a
    /// quarter of the lifetime for short-lived tokens.
    pub fn refresh_margin(&self) -> i64 {
        (self.lifetime_secs / 4).clamp(0, 300)
    }

    /// Usable without renewal at `now`.
    pub fn is_fresh(&self, now: i64) -> bool {
        self.is_fresh_for(now, 0)
    }

    /// Usable without renewal at `now` and for about `min_secs` more (capped
    /// at half the token's lifetime, so a long run renews at most once
    /// ahead of time).
    pub fn is_fresh_for(&self, now: i64, min_secs: i64) -> bool {
        let ahead = self
            .refresh_margin()
            .max(min_secs.min(self.lifetime_secs / 2));
        self.expires_at - ahead > now
    }
}

/// The default connection name per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Defaults {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The default user connection.
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The default admin connection.
    pub admin: Option<String>,
}

impl Defaults {
    /// The default connection of `kind`.
    pub fn get(&self, kind: ConnectionKind) -> Option<&str> {
        match kind {
            ConnectionKind::User => self.user.as_deref(),
            ConnectionKind::Admin => self.admin.as_deref(),
        }
    }

    /// Sets (or clears) the default connection of `kind`.
    pub fn set(&mut self, kind: ConnectionKind, name: Option<String>) {
        match kind {
            ConnectionKind::User => self.user = name,
            ConnectionKind::Admin => self.admin = name,
        }
    }
}

/// Everything in the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreData {
    /// The file format's version.
    pub version: u32,
    #[serde(default)]
    /// The default connection of each kind.
    pub defaults: Defaults,
    #[serde(default)]
    /// Every connection by name.
    pub connections: BTreeMap<String, StoredConnection>,
}

impl Default for StoreData {
    fn default() -> Self {
        StoreData {
            version: STORE_VERSION,
            defaults: Defaults::default(),
            connections: BTreeMap::new(),
        }
    }
}

impl StoreData {
    /// Removes a connection and any default pointing at it.
    pub fn remove(&mut self, name: &str) -> Option<StoredConnection> {
        let removed = self.connections.remove(name)?;
        for kind in [ConnectionKind::User, ConnectionKind::Admin] {
            if self.defaults.get(kind) == Some(name) {
                let next = self
                    .connections
                    .iter()
                    .find(|(_, c)| c.kind == kind)
                    .map(|(n, _)| n.clone());
                self.defaults.set(kind, next);
            }
        }
        Some(removed)
    }
}

/// A store of connections. Reads need no lock; every write happens while
/// holding a lock that other processes sharing the store respect: the whole
/// store's ([`TokenStore::lock`], for logins and removals) or one
/// connection's ([`TokenStore::lock_connection`], for renewals).
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// A snapshot of the store (empty when nothing was stored yet).
    async fn read(&self) -> Result<StoreData, StoreError>;
    /// One connection (`None`: there is none of that name).
    async fn get(&self, name: &str) -> Result<Option<StoredConnection>, StoreError> {
        Ok(self.read().await?.connections.remove(name))
    }
    /// The default connection of each kind (asked on every call that names
    /// no connection, so a store may answer it without reading the rest).
    async fn defaults(&self) -> Result<Defaults, StoreError> {
        Ok(self.read().await?.defaults)
    }
    /// Waits until this caller holds the store's exclusive lock (across
    /// processes).
    async fn lock(&self) -> Result<Box<dyn StoreGuard>, StoreError>;
    /// Waits until this caller holds the lock of connection `name` (across
    /// processes), and reads it under that lock. A store without locks of
    /// its own per connection takes the whole store's.
    async fn lock_connection(&self, name: &str) -> Result<Box<dyn ConnectionGuard>, StoreError> {
        let mut guard = self.lock().await?;
        let current = guard.read().await?.connections.remove(name);
        Ok(Box::new(WholeStoreGuard {
            guard,
            name: name.to_string(),
            current,
        }))
    }
    /// Where the store lives, for messages.
    fn describe(&self) -> String;
    /// Whether the store can be read now (for a readiness probe).
    async fn check(&self) -> Result<(), StoreError> {
        self.read().await.map(|_| ())
    }
    /// Rate limits shared through this store with every other process on
    /// it (a database's), for [`crate::Host::with_shared_pacing`]; `None`
    /// (the default): each process paces itself.
    fn shared_pacing(&self) -> Option<Arc<dyn SharedPacing>> {
        None
    }
    /// What this store checks about itself for `wrk-zoom doctor`, given how
    /// reading it went: what only its backend knows (a file's permissions,
    /// a database session's encryption), each problem with its fix.
    async fn diagnose(&self, read: Result<&StoreData, &StoreError>) -> Vec<StoreFinding> {
        match read {
            Ok(_) => vec![StoreFinding::ok(format!("{} can be read", self.describe()))],
            Err(e) => vec![StoreFinding::problem(e.to_string(), "check the store")],
        }
    }
}

/// One thing a store found about itself ([`TokenStore::diagnose`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreFinding {
    /// What was checked, e.g. `token store` or `database session`.
    pub check: &'static str,
    /// What was found.
    pub detail: String,
    /// How to fix it; `None`: not a problem.
    pub fix: Option<String>,
}

impl StoreFinding {
    /// What `doctor` calls the store itself.
    pub const TOKEN_STORE: &'static str = "token store";

    /// The store is fine: `detail` says how.
    pub fn ok(detail: impl Into<String>) -> StoreFinding {
        StoreFinding {
            check: Self::TOKEN_STORE,
            detail: detail.into(),
            fix: None,
        }
    }

    /// A problem with the store, and its fix.
    pub fn problem(detail: impl Into<String>, fix: impl Into<String>) -> StoreFinding {
        StoreFinding {
            check: Self::TOKEN_STORE,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    /// The same finding about another part of the store (e.g. `database
    /// session`).
    pub fn about(mut self, check: &'static str) -> StoreFinding {
        self.check = check;
        self
    }
}

/// One store's settings (a file store's directory; a database's URL, keys,
/// TLS and pool), chosen by the composition root (`crate::backends`) and
/// ready to open.
#[async_trait]
pub trait StoreSettings: Send + Sync {
    /// Opens the store (a database: connects, and creates or upgrades its
    /// schema).
    async fn open(self: Box<Self>) -> Result<Arc<dyn TokenStore>, StoreError>;
}

/// The exclusive lock on a store; released when dropped.
#[async_trait]
pub trait StoreGuard: Send {
    /// The store as it is now (re-read under the lock).
    async fn read(&mut self) -> Result<StoreData, StoreError>;
    /// Replaces the store with `data` (durably, when this returns) and
    /// releases the lock. A store shared with processes that renew under
    /// [`TokenStore::lock_connection`] writes only what differs from what
    /// [`StoreGuard::read`] returned last.
    async fn write(self: Box<Self>, data: &StoreData) -> Result<(), StoreError>;
}

/// The lock on one connection, held from its re-read to its save; released
/// when dropped or saved.
#[async_trait]
pub trait ConnectionGuard: Send {
    /// The connection as read under the lock (`None`: there is none of that
    /// name).
    fn current(&self) -> Option<&StoredConnection>;
    /// Stores `connection` under the guard's name, durably (committed when
    /// this returns), and releases the lock.
    async fn save(self: Box<Self>, connection: &StoredConnection) -> Result<(), StoreError>;
}

/// [`ConnectionGuard`] over the whole store's lock.
struct WholeStoreGuard {
    guard: Box<dyn StoreGuard>,
    name: String,
    current: Option<StoredConnection>,
}

#[async_trait]
impl ConnectionGuard for WholeStoreGuard {
    fn current(&self) -> Option<&StoredConnection> {
        self.current.as_ref()
    }

    async fn save(self: Box<Self>, connection: &StoredConnection) -> Result<(), StoreError> {
        let WholeStoreGuard {
            mut guard, name, ..
        } = *self;
        let mut data = guard.read().await?;
        data.connections.insert(name, connection.clone());
        guard.write(&data).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredConnection {
        StoredConnection {
            kind: ConnectionKind::User,
            grant: Grant::AuthorizationCode,
            client_id: "id".into(),
            client_secret: Secret::new("very-secret"),
            oauth_base: "https://zoom.us".into(),
            api_base: "https://api.zoom.us/v2".into(),
            account_id: None,
            access_token: Secret::new("at"),
            refresh_token: Some(Secret::new("rt")),
            expires_at: 1_000,
            lifetime_secs: 3600,
            scopes: vec!["meeting:read".into()],
            needs_login: None,
            granted_at: 0,
            renewals: 0,
        }
    }

    #[test]
    fn a_kind_is_stored_as_its_one_word_and_an_unknown_one_is_named() {
        let mut admin = sample();
        admin.kind = ConnectionKind::Admin;
        let stored = serde_json::to_value(&admin).unwrap();
        assert_eq!(stored["kind"], "admin");
        assert_eq!(stored["kind"], ConnectionKind::Admin.to_string());
        let read: StoredConnection = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(read.kind, ConnectionKind::Admin);
        let mut odd = stored;
        odd["kind"] = "owner".into();
        let err = serde_json::from_value::<StoredConnection>(odd).unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown connection kind 'owner' (expected user or admin)"),
            "{err}"
        );
    }

    /// A private temporary directory (removed when dropped).
    fn temp_dir(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("wrk-zoom-store-{tag}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn secrets_do_not_show_in_debug_output() {
        let text = format!("{:?}", sample());
        assert!(
            !text.contains("very-secret") && !text.contains("\"rt\""),
            "{text}"
        );
    }

    #[test]
    fn refresh_margin_is_a_few_minutes_or_a_quarter_of_short_lifetimes() {
        let mut c = sample();
        assert_eq!(c.refresh_margin(), 300);
        c.lifetime_secs = 20;
        assert_eq!(c.refresh_margin(), 5);
        assert!(c.is_fresh(994));
        assert!(!c.is_fresh(995));
        // A long run asks for more, at most half the lifetime.
        assert!(!c.is_fresh_for(994, 600));
        assert!(c.is_fresh_for(989, 600));
        c.lifetime_secs = 3600;
        c.expires_at = 10_000;
        assert!(c.is_fresh_for(8_199, 1800));
        assert!(!c.is_fresh_for(8_200, 1800));
        assert!(!c.is_fresh_for(8_200, 7200), "capped at half the lifetime");
    }

    #[test]
    fn file_store_round_trips_with_mode_0600_and_leaves_no_temp_files() {
        let temp = temp_dir("roundtrip");
        let dir = temp.path().join("store");
        let store = FileStore::new(&dir);
        assert_eq!(store.load().unwrap(), StoreData::default());
        let mut data = StoreData::default();
        data.connections.insert("me".into(), sample());
        data.defaults.user = Some("me".into());
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let mut guard = store.lock().await.unwrap();
            assert_eq!(guard.read().await.unwrap(), StoreData::default());
            guard.write(&data).await.unwrap();
        });
        assert_eq!(store.load().unwrap(), data);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn a_damaged_store_is_reported_with_a_fix() {
        let temp = temp_dir("damaged");
        let dir = temp.path();
        std::fs::write(dir.join(file::STORE_FILE), "{not json").unwrap();
        let err = FileStore::new(dir).load().unwrap_err().to_string();
        assert!(
            err.contains("damaged") && err.contains("wrk-zoom auth login"),
            "{err}"
        );
    }

    #[test]
    fn a_connection_lock_over_the_file_store_saves_that_connection_alone() {
        let temp = temp_dir("connection-lock");
        let store = FileStore::new(temp.path());
        let mut data = StoreData::default();
        data.connections.insert("a".into(), sample());
        data.connections.insert("b".into(), sample());
        data.defaults.user = Some("a".into());
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            store.lock().await.unwrap().write(&data).await.unwrap();
            let guard = store.lock_connection("b").await.unwrap();
            assert_eq!(guard.current(), Some(&sample()));
            let mut renewed = sample();
            renewed.renewals = 1;
            guard.save(&renewed).await.unwrap();
            let none = store.lock_connection("c").await.unwrap();
            assert_eq!(none.current(), None);
        });
        let after = store.load().unwrap();
        assert_eq!(after.connections["b"].renewals, 1);
        assert_eq!(after.connections["a"], sample());
        assert_eq!(after.defaults.user.as_deref(), Some("a"));
    }

    #[test]
    fn removing_a_default_connection_promotes_another_of_its_kind() {
        let mut data = StoreData::default();
        data.connections.insert("a".into(), sample());
        data.connections.insert("b".into(), sample());
        data.defaults.user = Some("a".into());
        data.remove("a");
        assert_eq!(data.defaults.user.as_deref(), Some("b"));
        data.remove("b");
        assert_eq!(data.defaults.user, None);
    }
}
