//! Compiling components: wasmtime compilation, the on-disk cache of
//! compiled code (keyed by content hash and engine compatibility hash, so a
//! second process does not recompile), and the type checks a component must
//! pass (WASI imports only, the `wrk:zoom/action` export).

use super::bindings::ZoomActionPre;
use super::store::CallState;
use crate::error::HostError;
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// Compiles components, with an optional on-disk cache of compiled code.
pub struct Compiler {
    engine: Engine,
    linker: Arc<Linker<CallState>>,
    cache_dir: Option<PathBuf>,
}

impl Compiler {
    /// A compiler for `engine`, linking against `linker`, caching in `cache_dir`.
    pub fn new(engine: Engine, linker: Arc<Linker<CallState>>, cache_dir: Option<PathBuf>) -> Self {
        Compiler {
            engine,
            linker,
            cache_dir,
        }
    }

    fn cache_path(&self, digest: &str) -> Option<PathBuf> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine
            .precompile_compatibility_hash()
            .hash(&mut hasher);
        let engine_hash = hasher.finish();
        self.cache_dir
            .as_ref()
            .map(|dir| dir.join(format!("{digest}-{engine_hash:016x}.cwasm")))
    }

    /// Compiles (or loads from the cache) and type-checks a component.
    /// Blocking: call from a blocking thread.
    pub fn compile(&self, label: &str, bytes: &[u8]) -> Result<Compiled, HostError> {
        let digest = hex(&Sha256::digest(bytes));
        let load_error = |message: String| HostError::Load {
            source_name: label.to_string(),
            message,
        };
        let cache_path = self.cache_path(&digest);
        let cached = cache_path
            .as_ref()
            .filter(|p| p.is_file())
            .and_then(|path| {
                // SAFETY: the file was written by `Component::serialize` of an
                // engine with the same compatibility hash (part of its name), in
                // a directory this host owns; a stale or damaged file fails to
                // deserialize and is recompiled.
                unsafe { Component::deserialize_file(&self.engine, path) }.ok()
            });
        let from_cache = cached.is_some();
        let component = match cached {
            Some(component) => component,
            None => {
                let component = Component::new(&self.engine, bytes)
                    .map_err(|e| load_error(format!("not a valid WebAssembly component: {e:#}")))?;
                if let Some(path) = &cache_path
                    && let Err(e) = write_cache(path, &component)
                {
                    tracing::warn!(path = %path.display(), "could not cache compiled component: {e:#}");
                }
                component
            }
        };
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            load_error(format!(
                "it imports something other than standard WASI: {e:#}"
            ))
        })?;
        let pre = ZoomActionPre::new(pre).map_err(|e| {
            load_error(format!(
                "it does not export the wrk:zoom/action interface: {e:#}"
            ))
        })?;
        Ok(Compiled {
            pre,
            digest,
            from_cache,
        })
    }
}

/// A compiled, type-checked component.
pub struct Compiled {
    pub(crate) pre: ZoomActionPre<CallState>,
    /// sha256 of the component bytes.
    pub digest: String,
    /// Whether the compiled code came from the on-disk cache.
    pub from_cache: bool,
}

fn write_cache(path: &Path, component: &Component) -> wasmtime::Result<()> {
    let dir = path.parent().expect("cache files live in a directory");
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().unwrap().to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, component.serialize()?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
