//! The composition root of the token stores: which backend a store spec
//! (`--store` / `WRK_ZOOM_DATABASE_URL`) names, and its settings.
//!
//! This is the one library file that names both [`crate::auth`] and the
//! backends (`crate::postgres`): auth/ knows a store only as a
//! [`TokenStore`] opened from [`StoreSettings`], and its shared rate limits
//! only as [`TokenStore::shared_pacing`]. A new backend is a module that
//! implements those two traits, plus its line in `URL_BACKENDS`.

use crate::auth::{FileStore, StoreError, StoreSettings, TokenStore};
use crate::events::{EventStore, FileEvents};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// An event store being opened.
type OpeningEvents = Pin<Box<dyn Future<Output = Result<Arc<dyn EventStore>, StoreError>> + Send>>;

/// A backend reached by URL.
struct UrlBackend {
    /// The URL schemes it answers to (`postgres` for `postgres://...`).
    schemes: &'static [&'static str],
    /// What to check when a store of it cannot be configured or opened.
    fix: &'static str,
    /// The settings of the store at a URL, read from the environment.
    from_env: fn(&str) -> Result<Box<dyn StoreSettings>, StoreError>,
    /// The event store at a URL, with settings read from the environment.
    events_from_env: fn(String) -> OpeningEvents,
}

/// Every backend reached by URL (a directory is the file store's).
const URL_BACKENDS: &[UrlBackend] = &[
    #[cfg(feature = "postgres")]
    UrlBackend {
        schemes: &["postgres", "postgresql"],
        fix: crate::postgres::FIX,
        from_env: |url| Ok(Box::new(crate::postgres::PostgresConfig::from_env(url)?)),
        // The same settings, schema and checks as the token store's, in a
        // pool of its own.
        events_from_env: |url| {
            Box::pin(async move {
                let settings = crate::postgres::PostgresConfig::from_env(&url)?;
                let events = crate::postgres::PostgresEvents::connect(settings).await?;
                Ok(Arc::new(events) as Arc<dyn EventStore>)
            })
        },
    },
    // Named even when left out, so a URL of it says how to get it.
    #[cfg(not(feature = "postgres"))]
    UrlBackend {
        schemes: &["postgres", "postgresql"],
        fix: "check WRK_ZOOM_DATABASE_URL (or --store) and WRK_ZOOM_STORE_KEY: the same on every replica",
        from_env: |_| {
            Err(StoreError::new(
                "this wrk-zoom was built without PostgreSQL support (cargo feature `postgres`)",
            ))
        },
        events_from_env: |_| {
            Box::pin(async {
                Err(StoreError::new(
                    "this wrk-zoom was built without PostgreSQL support (cargo feature `postgres`)",
                ))
            })
        },
    },
];

/// Where connections live, as a store spec names it.
#[derive(Clone, Debug)]
pub struct StoreSpec {
    place: Place,
}

#[derive(Clone, Debug)]
enum Place {
    /// The file store in this directory.
    Directory(PathBuf),
    /// The store at this URL, of this backend.
    Url(&'static UrlBackend, String),
}

impl std::fmt::Debug for UrlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.schemes[0])
    }
}

impl StoreSpec {
    /// The store `spec` names (as given by `--store` or
    /// `WRK_ZOOM_DATABASE_URL`): a URL of a backend (`postgres://` or
    /// `postgresql://`), or a directory for the file store; none (or
    /// blank): the file store in the configuration directory, which reads
    /// `WRK_ZOOM_HOME`, `XDG_CONFIG_HOME` and `HOME`
    /// ([`FileStore::from_env`]).
    pub fn from_env(spec: Option<&str>) -> Result<StoreSpec, StoreError> {
        let place = match spec.map(str::trim).filter(|s| !s.is_empty()) {
            None => Place::Directory(FileStore::from_env()?.dir().to_path_buf()),
            Some(url) if url.contains("://") => {
                let scheme = url.split("://").next().unwrap_or_default();
                let backend = URL_BACKENDS
                    .iter()
                    .find(|b| b.schemes.contains(&scheme))
                    .ok_or_else(|| {
                        StoreError::new(format!(
                            "unknown store '{scheme}': use a postgres://user@host:port/database URL, or a directory for the file store"
                        ))
                    })?;
                Place::Url(backend, url.to_string())
            }
            Some(dir) => Place::Directory(PathBuf::from(dir)),
        };
        Ok(StoreSpec { place })
    }

    /// The store's settings: a directory's file store, or what its
    /// backend reads from the environment (PostgreSQL:
    /// [`crate::postgres::PostgresConfig::from_env`]).
    pub fn settings_from_env(&self) -> Result<Box<dyn StoreSettings>, StoreError> {
        match &self.place {
            Place::Directory(dir) => Ok(Box::new(FileStore::new(dir))),
            Place::Url(backend, url) => (backend.from_env)(url),
        }
    }

    /// Reads the store's settings and opens it.
    pub async fn open_from_env(&self) -> Result<Arc<dyn TokenStore>, StoreError> {
        self.settings_from_env()?.open().await
    }

    /// The event store beside the token store: `events/` in the file
    /// store's directory, or the same database.
    pub async fn open_events_from_env(&self) -> Result<Arc<dyn EventStore>, StoreError> {
        match &self.place {
            Place::Directory(dir) => Ok(Arc::new(FileEvents::new(dir.join("events")))),
            Place::Url(backend, url) => (backend.events_from_env)(url.clone()).await,
        }
    }

    /// What to check when the store cannot be configured, opened or read.
    pub fn fix(&self) -> &'static str {
        match &self.place {
            Place::Directory(_) => FileStore::FIX,
            Place::Url(backend, _) => backend.fix,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(spec: &str) -> Place {
        StoreSpec::from_env(Some(spec)).unwrap().place
    }

    #[test]
    fn a_store_spec_is_a_backend_url_or_a_directory() {
        assert!(matches!(
            place("postgres://wrk@db:5432/zoom"),
            Place::Url(b, url) if b.schemes.contains(&"postgres") && url == "postgres://wrk@db:5432/zoom"
        ));
        assert!(matches!(place("postgresql://db/zoom"), Place::Url(..)));
        assert!(matches!(
            place(" /srv/wrk-zoom "),
            Place::Directory(dir) if dir == std::path::Path::new("/srv/wrk-zoom")
        ));
        let err = StoreSpec::from_env(Some("mysql://db/zoom"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown store 'mysql'") && err.contains("postgres://"),
            "{err}"
        );
    }
}
