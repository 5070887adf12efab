//! The on-disk cache of compiled code, trusted only when it is ours.
//!
//! Compiled code is native code: loading a file someone else wrote would run
//! their code in the host, which holds every token. So:
//! - the directory is created 0700 and used only when it is owned by this
//!   user and writable by no one else (otherwise the host compiles in memory
//!   and says so once);
//! - every artifact is bound to a per-installation secret: a keyed BLAKE3
//!   MAC (key: 32 random bytes in a file of the configuration directory,
//!   `cache.key`, mode 0600, see [`crate::CachePaths::from_env`]) over the
//!   component's digest, the engine's compatibility hash and the compiled
//!   bytes; a file that fails the check (swapped for another component's, a
//!   flipped byte, or a whole cache copied or restored from elsewhere,
//!   which does not bring the key) is ignored and replaced;
//! - the verified bytes in memory are what is deserialized, so the file
//!   cannot change between the check and the load;
//! - files are written to a fresh temporary name (`create_new`) and renamed.

use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where older versions kept the key: inside the cache, so a copied cache
/// vouched for itself. Never read; deleted when seen.
const OLD_KEY_FILE: &str = ".key";
const TAG_LEN: usize = 32;

/// A cache directory that passed the checks, with its key.
pub struct CodeCache {
    dir: PathBuf,
    key: [u8; 32],
    engine_hash: u64,
}

impl CodeCache {
    /// Opens (creating it 0700) the cache in `dir` for `engine`, its
    /// artifacts checked with the key in `key_file` (made on first use), or
    /// `None` with a warning when either cannot be trusted or used.
    pub fn open(dir: &Path, key_file: Option<&Path>, engine: &Engine) -> Option<CodeCache> {
        let opened = match key_file {
            Some(key_file) => Self::try_open(dir, key_file, engine),
            None => Err(
                "no configuration directory holds its key (set WRK_ZOOM_HOME or WRK_ZOOM_CACHE_KEY_FILE)"
                    .to_string(),
            ),
        };
        match opened {
            Ok(cache) => Some(cache),
            Err(why) => {
                tracing::warn!(
                    "not using the compiled-code cache {}: {why}; compiling in memory",
                    dir.display()
                );
                None
            }
        }
    }

    fn try_open(dir: &Path, key_file: &Path, engine: &Engine) -> Result<CodeCache, String> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| format!("cannot create it: {e}"))?;
        check_private(dir, true)?;
        let inside = |path: &Path| {
            std::path::absolute(path)
                .map(|p| p.starts_with(std::path::absolute(dir).unwrap_or_default()))
                .unwrap_or(false)
        };
        if inside(key_file) {
            return Err(format!(
                "its key {} is inside it, where a copied cache would bring its own; keep the key elsewhere",
                key_file.display()
            ));
        }
        let _ = std::fs::remove_file(dir.join(OLD_KEY_FILE));
        if let Some(parent) = key_file.parent().filter(|p| !p.as_os_str().is_empty()) {
            builder
                .create(parent)
                .map_err(|e| format!("cannot create the directory of its key: {e}"))?;
        }
        let key = read_or_make_key(key_file)?;
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(CodeCache {
            dir: dir.to_path_buf(),
            key,
            engine_hash: hasher.finish(),
        })
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir
            .join(format!("{digest}-{:016x}.cwasm", self.engine_hash))
    }

    fn tag(&self, digest: &str, code: &[u8]) -> blake3::Hash {
        let mut mac = blake3::Hasher::new_keyed(&self.key);
        mac.update(digest.as_bytes());
        mac.update(&self.engine_hash.to_be_bytes());
        mac.update(code);
        mac.finalize()
    }

    /// The cached component of `digest`, if there is one that verifies.
    pub fn load(&self, engine: &Engine, digest: &str) -> Option<Component> {
        let path = self.path(digest);
        let file = std::fs::read(&path).ok()?;
        let (tag, code) = file.split_first_chunk::<TAG_LEN>()?;
        // `Hash`'s equality takes the same time wherever the bytes differ.
        if self.tag(digest, code) != blake3::Hash::from_bytes(*tag) {
            tracing::warn!(path = %path.display(), "a cached compiled component failed its check; recompiling");
            return None;
        }
        // SAFETY: `code` is exactly what this installation serialized for
        // this component and engine (the MAC under our private key says
        // so), and it is the in-memory copy that was checked.
        unsafe { Component::deserialize(engine, code) }.ok()
    }

    /// Stores `component` (of `digest`) for the next process.
    pub fn store(&self, digest: &str, component: &Component) {
        if let Err(e) = self.try_store(digest, component) {
            tracing::warn!(dir = %self.dir.display(), "could not cache a compiled component: {e:#}");
        }
    }

    fn try_store(&self, digest: &str, component: &Component) -> wasmtime::Result<()> {
        let code = component.serialize()?;
        let tag = self.tag(digest, &code);
        let temp = self
            .dir
            .join(format!(".{digest}.{:032x}.tmp", rand::random::<u128>()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = (|| {
            let mut file = options.open(&temp)?;
            file.write_all(tag.as_bytes())?;
            file.write_all(&code)?;
            std::fs::rename(&temp, self.path(digest))
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        Ok(written?)
    }
}

/// Refuses a path owned by another user or writable by group or others (a
/// directory when `dir`).
pub(crate) fn check_private(path: &Path, dir: bool) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read it: {e}"))?;
    if meta.is_dir() != dir || meta.file_type().is_symlink() {
        return Err(format!(
            "it is not a {}",
            if dir { "directory" } else { "regular file" }
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(format!(
                "it belongs to user {}, not to this user ({me})",
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "others may write to it (mode {:o}); `chmod go-w` it",
                meta.mode() & 0o777
            ));
        }
    }
    Ok(())
}

fn read_or_make_key(path: &Path) -> Result<[u8; 32], String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            let key: [u8; 32] = rand::random();
            file.write_all(&key)
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write its key: {e}"))?;
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            check_private(path, false).map_err(|why| format!("its key: {why}"))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let mode = std::fs::metadata(path)
                    .map(|m| m.mode() & 0o077)
                    .unwrap_or(0);
                if mode != 0 {
                    return Err(format!("its key may be read by others (mode {mode:o})"));
                }
            }
            std::fs::read(path)
                .map_err(|e| format!("cannot read its key: {e}"))?
                .try_into()
                .map_err(|_| "its key is damaged; delete the directory".to_string())
        }
        Err(e) => Err(format!("cannot create its key: {e}")),
    }
}
