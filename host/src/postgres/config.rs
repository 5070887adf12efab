//! [`PostgresConfig`]: what opening a PostgreSQL store takes (URL, keys,
//! TLS roots, where stored secrets may go, pool size) as plain values, and
//! [`PostgresConfig::from_env`], which reads them for the command line.

use super::{Keys, Postgres};
use crate::auth::{StoreError, StoreSettings, StoredBases, TokenStore};
use crate::transport::{TransportConfig, certificates_from_file, client_config};
use async_trait::async_trait;
use std::sync::Arc;

/// Connections each process keeps open at most, unless
/// `WRK_ZOOM_DATABASE_POOL_SIZE` says otherwise.
pub const POOL_SIZE: usize = 16;

/// How to open a PostgreSQL store.
pub struct PostgresConfig {
    /// `postgres://user@host:port/database` (libpq's URL or key=value form).
    pub url: String,
    /// Seal secrets with the current key; open them with any.
    pub keys: Keys,
    /// The TLS client of database sessions (whose roots vouch for the
    /// server); `None`: Mozilla's roots.
    pub tls: Option<rustls::ClientConfig>,
    /// Where stored connections may send their secrets.
    pub stored_bases: StoredBases,
    /// Connections this process keeps open at most.
    pub pool_size: usize,
}

impl PostgresConfig {
    /// The store at `url`, sealed with `keys`; Mozilla's roots, Zoom's
    /// hosts only, [`POOL_SIZE`] connections.
    pub fn new(url: impl Into<String>, keys: Keys) -> PostgresConfig {
        PostgresConfig {
            url: url.into(),
            keys,
            tls: None,
            stored_bases: StoredBases::default(),
            pool_size: POOL_SIZE,
        }
    }

    /// The store at `url` as the environment configures it:
    /// - `WRK_ZOOM_STORE_KEY` and `WRK_ZOOM_STORE_OLD_KEYS` ([`Keys::from_env`]);
    /// - TLS roots: `WRK_ZOOM_DATABASE_CA_FILE` alone when it is set (a
    ///   private database CA, which then never vouches for Zoom's hosts: the
    ///   transport does not read that variable), else what the transport
    ///   trusts ([`TransportConfig::from_env`]: Mozilla's roots and
    ///   `WRK_ZOOM_CA_FILE`);
    /// - `WRK_ZOOM_ALLOW_BASE` ([`StoredBases::from_env`]);
    /// - `WRK_ZOOM_DATABASE_POOL_SIZE` (1 to 1000, default [`POOL_SIZE`]).
    pub fn from_env(url: &str) -> Result<PostgresConfig, StoreError> {
        let keys = Keys::from_env()?;
        let tls = match std::env::var_os("WRK_ZOOM_DATABASE_CA_FILE") {
            Some(path) => {
                let mut roots = rustls::RootCertStore::empty();
                for der in certificates_from_file("WRK_ZOOM_DATABASE_CA_FILE", &path)
                    .map_err(StoreError::new)?
                {
                    roots.add(der.into()).map_err(|e| {
                        StoreError::new(format!(
                            "WRK_ZOOM_DATABASE_CA_FILE: a certificate is not usable: {e}"
                        ))
                    })?;
                }
                client_config(roots)
            }
            None => TransportConfig::from_env()
                .and_then(|transport| crate::transport::tls_client_config(&transport)),
        }
        .map_err(StoreError::new)?;
        let stored_bases = StoredBases::from_env().map_err(StoreError::new)?;
        let pool_size = pool_size(std::env::var("WRK_ZOOM_DATABASE_POOL_SIZE").ok().as_deref())?;
        Ok(PostgresConfig {
            tls: Some(tls),
            stored_bases,
            pool_size,
            ..PostgresConfig::new(url, keys)
        })
    }
}

/// The pool size `WRK_ZOOM_DATABASE_POOL_SIZE` asks for (1 to 1000), else
/// [`POOL_SIZE`].
fn pool_size(setting: Option<&str>) -> Result<usize, StoreError> {
    let Some(text) = setting.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(POOL_SIZE);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(StoreError::new(format!(
            "WRK_ZOOM_DATABASE_POOL_SIZE is {text:?}: give the number of database connections each process may keep, 1 to 1000 (default {POOL_SIZE})"
        ))),
    }
}

#[async_trait]
impl StoreSettings for PostgresConfig {
    async fn open(self: Box<Self>) -> Result<Arc<dyn TokenStore>, StoreError> {
        Ok(Arc::new(Postgres::connect(*self).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_size_is_a_number_from_1_to_1000() {
        assert_eq!(pool_size(None).unwrap(), POOL_SIZE);
        assert_eq!(pool_size(Some(" ")).unwrap(), POOL_SIZE);
        assert_eq!(pool_size(Some("4")).unwrap(), 4);
        for bad in ["0", "1001", "many", "-3"] {
            let err = pool_size(Some(bad)).unwrap_err().to_string();
            assert!(
                err.contains("WRK_ZOOM_DATABASE_POOL_SIZE") && err.contains("1 to 1000"),
                "{err}"
            );
        }
    }
}
