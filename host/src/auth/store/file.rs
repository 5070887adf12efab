//! [`FileStore`]: everything in one JSON file:
//! - `$WRK_ZOOM_HOME/connections.json`, else
//!   `$XDG_CONFIG_HOME/wrk-zoom/connections.json`, else
//!   `~/.config/wrk-zoom/connections.json`;
//! - mode 0600 (directory 0700);
//! - every write goes to a temporary file in the same directory, is fsynced,
//!   then renamed over the store (and the directory fsynced), so a process
//!   killed mid-write leaves the previous store intact;
//! - writers hold an exclusive lock on `connections.lock` (an OS file lock,
//!   released by the kernel if the process dies) and re-read the store after
//!   taking it.

use super::*;

/// The JSON-file store (see the module docs).
#[derive(Clone, Debug)]
pub struct FileStore {
    dir: PathBuf,
}

pub(super) const STORE_FILE: &str = "connections.json";
const LOCK_FILE: &str = "connections.lock";

impl FileStore {
    /// What to check when the store file cannot be read.
    pub const FIX: &str = "move the file away and log in again (`wrk-zoom auth login`)";

    /// A store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    /// The store in the user's configuration directory: `$WRK_ZOOM_HOME`,
    /// else `$XDG_CONFIG_HOME/wrk-zoom`, else `~/.config/wrk-zoom` (the
    /// variables it reads); an error when none of them is set.
    pub fn from_env() -> Result<FileStore, StoreError> {
        if let Some(dir) = std::env::var_os("WRK_ZOOM_HOME").filter(|d| !d.is_empty()) {
            return Ok(FileStore::new(dir));
        }
        if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
            return Ok(FileStore::new(PathBuf::from(dir).join("wrk-zoom")));
        }
        match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            Some(home) => Ok(FileStore::new(
                PathBuf::from(home).join(".config").join("wrk-zoom"),
            )),
            None => Err(StoreError::new(
                "cannot find a configuration directory: set WRK_ZOOM_HOME (or XDG_CONFIG_HOME or HOME)",
            )),
        }
    }

    /// The directory holding the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STORE_FILE)
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        crate::private_files::create_dir(&self.dir).map_err(|e| {
            let message = format!(
                "cannot create the configuration directory {}: {e}; set WRK_ZOOM_HOME to a writable directory",
                self.dir.display()
            );
            StoreError::io(message, e)
        })
    }

    fn read_file(&self) -> Result<StoreData, StoreError> {
        let path = self.path();
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(&path) {
            use std::os::unix::fs::MetadataExt;
            if meta.mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", meta.mode() & 0o777),
                    "the token store may be read by others (restored from a backup?); `chmod 600` it"
                );
            }
        }
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoreData::default()),
            Err(e) => {
                let message = format!("cannot read the token store {}: {e}", path.display());
                return Err(StoreError::io(message, e));
            }
        };
        let data: StoreData = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "the token store {} is damaged ({e}); move it away and log in again with `wrk-zoom auth login`",
                path.display()
            )
        })?;
        if data.version > STORE_VERSION {
            return Err(StoreError::new(format!(
                "the token store {} was written by a newer wrk-zoom (format {}); upgrade wrk-zoom",
                path.display(),
                data.version
            )));
        }
        Ok(data)
    }

    fn write_file(&self, data: &StoreData) -> Result<(), StoreError> {
        let path = self.path();
        let fail = |what: &str, e: std::io::Error| {
            let message = format!("cannot {what} the token store {}: {e}", path.display());
            StoreError::io(message, e)
        };
        let bytes = serde_json::to_vec_pretty(data)
            .map_err(|e| format!("cannot encode the token store: {e}"))?;
        crate::private_files::replace(&path, |file| {
            if let Some(ms) = write_stall_ms() {
                let half = bytes.len() / 2;
                file.write_all(&bytes[..half])?;
                file.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(ms));
                file.write_all(&bytes[half..])
            } else {
                file.write_all(&bytes)
            }
        })
        .map_err(|e| fail("write", e))
    }

    /// Removes temporary files left by writers that died (only called
    /// while holding the lock, so no writer is active).
    fn remove_stale_temps(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&format!("{STORE_FILE}.")) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Test hook (cargo feature `test-hooks`, never in a shipped binary):
/// `WRK_ZOOM_TEST_STALL_WRITE_MS` stalls a write half-way so a test can
/// kill the process there (see host/tests/all/auth.rs).
#[cfg(feature = "test-hooks")]
fn write_stall_ms() -> Option<u64> {
    std::env::var("WRK_ZOOM_TEST_STALL_WRITE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
}

#[cfg(not(feature = "test-hooks"))]
fn write_stall_ms() -> Option<u64> {
    None
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::new(format!("the token store task failed: {e}")))?
}

impl FileStore {
    /// The store as it is on disk now (without waiting for any lock).
    pub fn load(&self) -> Result<StoreData, StoreError> {
        self.read_file()
    }

    /// Blocks until this caller holds the lock file's exclusive lock.
    fn lock_file(&self) -> Result<File, StoreError> {
        self.ensure_dir()?;
        let lock_path = self.dir.join(LOCK_FILE);
        let file = crate::private_files::open_lock_file(&lock_path).map_err(|e| {
            let message = format!("cannot open the lock file {}: {e}", lock_path.display());
            StoreError::io(message, e)
        })?;
        file.lock().map_err(|e| {
            let message = format!("cannot lock {}: {e}", lock_path.display());
            StoreError::io(message, e)
        })?;
        self.remove_stale_temps();
        Ok(file)
    }
}

#[async_trait]
impl TokenStore for FileStore {
    async fn read(&self) -> Result<StoreData, StoreError> {
        let store = self.clone();
        blocking(move || store.read_file()).await
    }

    async fn lock(&self) -> Result<Box<dyn StoreGuard>, StoreError> {
        let store = self.clone();
        let file = blocking(move || store.lock_file()).await?;
        Ok(Box::new(FileGuard {
            store: self.clone(),
            _lock: file,
        }))
    }

    fn describe(&self) -> String {
        self.path().display().to_string()
    }

    /// Who else may touch the store: a problem when others may write the
    /// directory (they could replace the file) or read or write the file.
    async fn diagnose(&self, read: Result<&StoreData, &StoreError>) -> Vec<StoreFinding> {
        let mut findings: Vec<StoreFinding> = [
            open_to_others(self.dir(), NO_WRITE),
            open_to_others(&self.path(), NO_ACCESS),
        ]
        .into_iter()
        .flatten()
        .collect();
        match read {
            Err(e) => findings.push(StoreFinding::problem(e.to_string(), FileStore::FIX)),
            Ok(_) if findings.is_empty() => findings.push(StoreFinding::ok(format!(
                "{} is readable by you alone",
                self.describe()
            ))),
            Ok(_) => {}
        }
        findings
    }
}

/// Others may not write.
const NO_WRITE: u32 = 0o022;
/// Others may neither read nor write.
const NO_ACCESS: u32 = 0o077;

/// Permissions of `path`: a problem when others have any of the `denied`
/// mode bits (read for a file of secrets; write for a directory, where
/// another user could replace what is in it).
#[cfg(unix)]
fn open_to_others(path: &Path, denied: u32) -> Option<StoreFinding> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    (meta.mode() & denied != 0).then(|| {
        let what = if denied & 0o044 != 0 {
            "may be read by others"
        } else {
            "may be written by others"
        };
        StoreFinding::problem(
            format!("{} {what} (mode {:o})", path.display(), meta.mode() & 0o777),
            format!("chmod go-rwx {}", path.display()),
        )
    })
}

#[cfg(not(unix))]
fn open_to_others(_: &Path, _: u32) -> Option<StoreFinding> {
    None
}

#[async_trait]
impl StoreSettings for FileStore {
    /// Nothing to connect to: the file is read on first use.
    async fn open(self: Box<Self>) -> Result<Arc<dyn TokenStore>, StoreError> {
        Ok(Arc::new(*self))
    }
}

struct FileGuard {
    store: FileStore,
    /// Holding the open file holds the lock; closing it releases it.
    _lock: File,
}

#[async_trait]
impl StoreGuard for FileGuard {
    async fn read(&mut self) -> Result<StoreData, StoreError> {
        let store = self.store.clone();
        blocking(move || store.read_file()).await
    }

    async fn write(self: Box<Self>, data: &StoreData) -> Result<(), StoreError> {
        let data = data.clone();
        // The lock file moves along and closes after the write.
        blocking(move || self.store.write_file(&data)).await
    }
}
