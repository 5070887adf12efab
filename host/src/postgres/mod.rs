//! The PostgreSQL store: connections, rate limits and Zoom events shared by
//! several processes (`--store postgres://...` or `WRK_ZOOM_DATABASE_URL`), for
//! replicas of `serve` behind a load balancer.
//!
//! - `config`: [`PostgresConfig`], what opening the store takes, and
//!   [`PostgresConfig::from_env`], which reads it for the command line;
//! - `migrations`: the schema, created and upgraded by the program itself;
//! - `seal`: client secrets and tokens encrypted at rest with
//!   `WRK_ZOOM_STORE_KEY`;
//! - `tokens`: the [`TokenStore`](crate::auth::TokenStore): a renewal locks
//!   its connection's row (`SELECT ... FOR UPDATE`), re-reads it, and commits
//!   the rotated tokens before anyone uses them; a process that dies holding
//!   the lock loses its session, and PostgreSQL rolls back and frees it;
//! - `pacing`: the [`SharedPacing`](crate::rate_limit::SharedPacing): one
//!   atomic GCRA statement per request, and used-up daily limits;
//! - `events`: [`PostgresEvents`], the [`EventStore`](crate::events::EventStore)
//!   of replicas: Zoom apps (their secret tokens sealed), the inbox (numbered
//!   in commit order, one row per event whichever replica took it), pull
//!   consumers' cursors and push subscriptions; `event_rows`: what of its
//!   rows is sealed and how they decode.
//!
//! Tables live in a schema of the program's own, `wrk_zoom`, which must
//! belong to the role the URL names (see `migrations`), and every statement
//! names it.
//!
//! TLS is required (see `protect`): only a URL that says `sslmode=disable`
//! goes without it (with a warning, and `doctor` says so), and a Unix
//! socket, which carries none. `sslmode=prefer` is read as `require`: its
//! fallback to plain text is what an attacker on the path would ask for.
//! The server's certificate is always verified, name included (libpq's
//! `verify-full`), against the roots of [`PostgresConfig::tls`]: from the
//! environment, `WRK_ZOOM_DATABASE_CA_FILE` alone when it is set (a private
//! database CA then never vouches for Zoom's hosts), else the web's roots
//! and `WRK_ZOOM_CA_FILE`. With TLS and a password, the SCRAM
//! exchange must be bound to the TLS channel (`channel_binding=require`),
//! unless the URL says `channel_binding=disable`.

mod config;
mod event_rows;
mod events;
mod lease;
mod migrations;
mod pacing;
mod seal;
mod tokens;

pub use config::{POOL_SIZE, PostgresConfig};
pub use events::PostgresEvents;
pub use migrations::latest as schema_version;
pub use seal::Keys;

use crate::auth::{StoreError, StoreFinding, StoredBases};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::config::{ChannelBinding, Host, SslMode};

/// How long PostgreSQL lets a session sit idle inside a transaction before
/// it ends the session (rolling back, freeing its locks). A renewal holds
/// its row lock across the token request, which is bounded by
/// [`RENEWAL_TIME_LIMIT`](crate::auth::RENEWAL_TIME_LIMIT): three times
/// that, so a renewal always saves its rotated refresh token before this.
const IDLE_IN_TRANSACTION: Duration =
    Duration::from_secs(3 * crate::auth::RENEWAL_TIME_LIMIT.as_secs());

/// A pooled PostgreSQL store (cheap to clone).
#[derive(Clone)]
pub struct Postgres {
    pool: Pool,
    keys: std::sync::Arc<Keys>,
    /// Where stored connections may send their secrets.
    bases: std::sync::Arc<StoredBases>,
    /// The URL without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// A PostgreSQL failure as a store error that says what was being done.
fn error(what: &str, e: tokio_postgres::Error) -> StoreError {
    let detail = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    };
    StoreError::new(format!("PostgreSQL store: cannot {what}: {detail}"))
}

/// `postgres://user@host:port/db`: the URL as configured, without secrets.
fn shown(config: &tokio_postgres::Config) -> String {
    let host = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(",");
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    format!(
        "postgres://{}@{host}{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// Makes `config` refuse sessions an attacker on the path could read or
/// rewrite: TLS unless the URL says `sslmode=disable` (or every host is a
/// Unix socket), and channel binding where TLS and a password are used.
/// Returns a warning to log when the URL turned TLS off.
fn protect(config: &mut tokio_postgres::Config) -> Option<String> {
    let hosts = config.get_hosts();
    let sockets_only = !hosts.is_empty()
        && config.get_hostaddrs().is_empty()
        && hosts.iter().all(|h| matches!(h, Host::Unix(_)));
    match config.get_ssl_mode() {
        // Only written explicitly: the default is `prefer`.
        SslMode::Disable if sockets_only => None,
        SslMode::Disable => Some(
            "sslmode=disable: the database session is not encrypted, so anyone on the path can read and rewrite what the store holds; drop sslmode=disable from WRK_ZOOM_DATABASE_URL once the server offers TLS".into(),
        ),
        // A socket carries no TLS (the server would refuse it).
        _ if sockets_only => {
            config.ssl_mode(SslMode::Disable);
            None
        }
        _ => {
            config.ssl_mode(SslMode::Require);
            if config.get_password().is_some()
                && config.get_channel_binding() != ChannelBinding::Disable
            {
                config.channel_binding(ChannelBinding::Require);
            }
            None
        }
    }
}

impl Postgres {
    /// Connects to the store `settings` name, and creates or upgrades its
    /// schema.
    pub async fn connect(settings: PostgresConfig) -> Result<Postgres, StoreError> {
        let mut config = tokio_postgres::Config::from_str(&settings.url).map_err(|e| {
            StoreError::new(format!(
                "the store URL is not a PostgreSQL connection URL ({e}); expected e.g. postgres://wrk_zoom@db.internal:5432/wrk_zoom"
            ))
        })?;
        let tls = match settings.tls {
            Some(tls) => tls,
            None => {
                crate::transport::tls_client_config(&crate::transport::TransportConfig::default())
                    .map_err(StoreError::new)?
            }
        };
        let shown = shown(&config);
        if let Some(warning) = protect(&mut config) {
            tracing::warn!(store = %shown, "{warning}");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config
            .application_name("wrk-zoom")
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        // A session that holds a renewal's lock but went silent (a replica
        // cut off, not killed) gives the lock back after this, and waiting
        // for a lock ends after as long.
        let idle_ms = IDLE_IN_TRANSACTION.as_millis();
        let options = [
            config.get_options().unwrap_or(""),
            &format!("-c idle_in_transaction_session_timeout={idle_ms} -c lock_timeout={idle_ms}"),
            // Every statement names the schema; a name that did not would
            // still resolve there, never in a schema another role writes.
            "-c search_path=wrk_zoom",
        ]
        .join(" ");
        config.options(options.trim());
        let manager = Manager::from_config(
            config,
            tokio_postgres_rustls::MakeRustlsConnect::new(tls),
            ManagerConfig {
                // No query per checkout: nothing goes back to the pool
                // inside a transaction (see `tokens::Held`).
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(settings.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(60)))
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(|e| StoreError::new(format!("PostgreSQL store: {e}")))?;
        let store = Postgres {
            pool,
            keys: std::sync::Arc::new(settings.keys),
            bases: std::sync::Arc::new(settings.stored_bases),
            shown,
        };
        let mut client = store.client().await?;
        let applied = migrations::migrate(&mut client).await?;
        if !applied.is_empty() {
            tracing::info!(store = %store.shown, ?applied, "applied schema migrations");
        }
        Ok(store)
    }

    /// A pooled client.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| {
            // The cause (e.g. which certificate check failed) is a source.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text = format!("{text}: {cause_text}");
                }
                source = cause.source();
            }
            let fix = if text.contains("certificate") {
                "trust the CA of the database's certificate with WRK_ZOOM_DATABASE_CA_FILE (a PEM file), and name the host as the certificate does"
            } else if text.contains("does not support TLS") {
                "the database does not offer TLS, which the store requires unless the URL says sslmode=disable: turn TLS on at the server, or, on a network you trust, add ?sslmode=disable to WRK_ZOOM_DATABASE_URL (or --store)"
            } else if text.contains("channel binding") {
                "over TLS with a password the store requires SCRAM-SHA-256 bound to the TLS channel: set password_encryption and the role's password to scram-sha-256 at the server, or add channel_binding=disable to WRK_ZOOM_DATABASE_URL"
            } else {
                "check that the database is up and the URL (WRK_ZOOM_DATABASE_URL or --store) is right"
            };
            StoreError::new(format!(
                "PostgreSQL store {}: cannot connect: {text}; {fix}",
                self.shown
            ))
        })
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// This store, its connections allowed to send their secrets to
    /// `bases` (instead of [`PostgresConfig::stored_bases`]).
    pub fn with_stored_bases(mut self, bases: StoredBases) -> Postgres {
        self.bases = std::sync::Arc::new(bases);
        self
    }

    /// Whether this process's session with the database is encrypted, and
    /// how (`pg_stat_ssl`), for `doctor`.
    pub async fn session_encryption(&self) -> Result<SessionEncryption, StoreError> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT coalesce(s.ssl, false), s.version, s.cipher,
                     coalesce(inet_server_addr() <<= inet '127.0.0.0/8'
                         OR inet_server_addr() = inet '::1', true)
                 FROM (SELECT 1) AS one
                 LEFT JOIN pg_catalog.pg_stat_ssl s ON s.pid = pg_catalog.pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| error("read the session's encryption", e))?;
        Ok(SessionEncryption {
            encrypted: row.get(0),
            protocol: row.get::<_, Option<String>>(1).unwrap_or_default(),
            cipher: row.get::<_, Option<String>>(2).unwrap_or_default(),
            local: row.get(3),
        })
    }
}

/// What to check when the store cannot be opened or read.
pub const FIX: &str =
    "check WRK_ZOOM_DATABASE_URL (or --store) and WRK_ZOOM_STORE_KEY: the same on every replica";

impl Postgres {
    /// `doctor`'s view of the store: it answers and its secrets open, and
    /// whether the session is encrypted (without TLS, anyone on the
    /// network path can read and rewrite what the store holds).
    pub(crate) async fn diagnosis(
        &self,
        read: Result<&crate::auth::StoreData, &StoreError>,
    ) -> Vec<StoreFinding> {
        if let Err(e) = read {
            return vec![StoreFinding::problem(e.to_string(), FIX)];
        }
        let answers = StoreFinding::ok(format!(
            "PostgreSQL at {} answers and its secrets open with WRK_ZOOM_STORE_KEY",
            self.shown
        ));
        let session = match self.session_encryption().await {
            Err(e) => {
                StoreFinding::problem(e.to_string(), "check WRK_ZOOM_DATABASE_URL (or --store)")
            }
            Ok(s) if s.encrypted => {
                StoreFinding::ok(format!("encrypted ({}, {})", s.protocol, s.cipher))
            }
            Ok(s) if s.local => {
                StoreFinding::ok("not encrypted (sslmode=disable), with a server on this machine")
            }
            Ok(_) => StoreFinding::problem(
                "not encrypted (sslmode=disable): anyone on the network path can read and rewrite what the store holds",
                "turn TLS on at the database server and drop sslmode=disable from WRK_ZOOM_DATABASE_URL",
            ),
        };
        vec![answers, session.about("database session")]
    }
}

/// What `pg_stat_ssl` says of a session.
#[derive(Clone, Debug)]
pub struct SessionEncryption {
    /// TLS is on.
    pub encrypted: bool,
    /// e.g. `TLSv1.3` (empty without TLS).
    pub protocol: String,
    /// e.g. `TLS_AES_256_GCM_SHA384` (empty without TLS).
    pub cipher: String,
    /// The server is on this machine (a Unix socket or loopback), where
    /// there is no network path to listen on.
    pub local: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protected(url: &str) -> (tokio_postgres::Config, Option<String>) {
        let mut config: tokio_postgres::Config = url.parse().unwrap();
        let warning = protect(&mut config);
        (config, warning)
    }

    #[test]
    fn tls_is_required_unless_the_url_turns_it_off() {
        for url in [
            "postgres://app@db.internal/zoom",
            "postgres://app@db.internal/zoom?sslmode=prefer",
            "postgres://app@db.internal/zoom?sslmode=require",
            "host=db.internal user=app",
        ] {
            let (config, warning) = protected(url);
            assert_eq!(config.get_ssl_mode(), SslMode::Require, "{url}");
            assert_eq!(warning, None, "{url}");
            // No password: nothing to bind (trust or certificate logins).
            assert_eq!(config.get_channel_binding(), ChannelBinding::Prefer);
        }
        let (config, warning) = protected("postgres://app@db.internal/zoom?sslmode=disable");
        assert_eq!(config.get_ssl_mode(), SslMode::Disable);
        let warning = warning.expect("a warning");
        assert!(
            warning.contains("not encrypted") && warning.contains("WRK_ZOOM_DATABASE_URL"),
            "{warning}"
        );
        // A Unix socket carries no TLS, and needs no warning.
        let (config, warning) = protected("host=/run/postgresql user=app");
        assert_eq!(config.get_ssl_mode(), SslMode::Disable);
        assert_eq!(warning, None);
    }

    #[test]
    fn a_password_over_tls_must_be_bound_to_the_channel() {
        let (config, _) = protected("postgres://app:pw@db.internal/zoom");
        assert_eq!(config.get_channel_binding(), ChannelBinding::Require);
        let (config, _) = protected("postgres://app:pw@db.internal/zoom?channel_binding=prefer");
        assert_eq!(config.get_channel_binding(), ChannelBinding::Require);
        let (config, _) = protected("postgres://app:pw@db.internal/zoom?channel_binding=disable");
        assert_eq!(config.get_channel_binding(), ChannelBinding::Disable);
        let (config, _) = protected("postgres://app:pw@db.internal/zoom?sslmode=disable");
        assert_eq!(config.get_channel_binding(), ChannelBinding::Prefer);
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        let config: tokio_postgres::Config = "postgres://app:hunter2@db.internal:6543/zoom"
            .parse()
            .unwrap();
        assert_eq!(shown(&config), "postgres://app@db.internal:6543/zoom");
    }
}
