//! Compiling components: wasmtime compilation, the on-disk cache of
//! compiled code (keyed by content hash and engine compatibility hash, so a
//! second process does not recompile), and the type checks a component must
//! pass: for an action, WASI imports only and the `wrk:zoom/action` export;
//! for a trigger, the inert WASI basics only and the `wrk:zoom/trigger`
//! export.

use super::bindings::ActionPre;
use super::bindings::TriggerPre;
use super::cache::CodeCache;
use super::store::CallState;
use crate::error::HostError;
use std::path::PathBuf;
use std::sync::Arc;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// Compiles components, with an optional on-disk cache of compiled code.
pub struct Compiler {
    engine: Engine,
    linker: Arc<Linker<CallState>>,
    trigger_linker: Linker<CallState>,
    cache: Option<CodeCache>,
}

impl Compiler {
    /// A compiler for `engine`, linking actions against `linker` and
    /// triggers against `trigger_linker`, caching in `cache_dir` with the
    /// key in `cache_key_file` when both can be trusted (see `cache`).
    pub fn new(
        engine: Engine,
        linker: Arc<Linker<CallState>>,
        trigger_linker: Linker<CallState>,
        cache_dir: Option<PathBuf>,
        cache_key_file: Option<PathBuf>,
    ) -> Self {
        let cache =
            cache_dir.and_then(|dir| CodeCache::open(&dir, cache_key_file.as_deref(), &engine));
        Compiler {
            engine,
            linker,
            trigger_linker,
            cache,
        }
    }

    /// Compiles (or loads from the cache) and type-checks an action.
    /// Blocking: call from a blocking thread.
    pub fn compile(&self, label: &str, bytes: &[u8]) -> Result<Compiled, HostError> {
        let (component, digest, from_cache) = self.component(label, bytes)?;
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            load_error(
                label,
                format!("it imports something other than standard WASI: {e:#}"),
            )
        })?;
        let pre = ActionPre::new(pre).map_err(|e| {
            load_error(
                label,
                format!("it does not export the wrk:zoom/action interface: {e:#}"),
            )
        })?;
        Ok(Compiled {
            pre,
            digest,
            from_cache,
        })
    }

    /// Compiles (or loads from the cache) and type-checks a trigger.
    /// Blocking: call from a blocking thread.
    pub fn compile_trigger(
        &self,
        label: &str,
        bytes: &[u8],
    ) -> Result<Compiled<TriggerPre>, HostError> {
        let (component, digest, from_cache) = self.component(label, bytes)?;
        let pre = self.trigger_linker.instantiate_pre(&component).map_err(|e| {
            load_error(label, format!(
                "a trigger may import nothing but the WASI basics a standard library starts with (streams, stdio, environment, exit): no network, clock, randomness or files: {e:#}"
            ))
        })?;
        let pre = TriggerPre::new(pre).map_err(|e| {
            load_error(
                label,
                format!("it does not export the wrk:zoom/trigger interface: {e:#}"),
            )
        })?;
        Ok(Compiled {
            pre,
            digest,
            from_cache,
        })
    }

    /// The compiled component (from the cache when it is there), its
    /// digest, and whether it came from the cache.
    fn component(&self, label: &str, bytes: &[u8]) -> Result<(Component, String, bool), HostError> {
        let digest = blake3::hash(bytes).to_hex().to_string();
        let cached = self
            .cache
            .as_ref()
            .and_then(|cache| cache.load(&self.engine, &digest));
        let from_cache = cached.is_some();
        let component = match cached {
            Some(component) => component,
            None => {
                let component = Component::new(&self.engine, bytes).map_err(|e| {
                    load_error(label, format!("not a valid WebAssembly component: {e:#}"))
                })?;
                if let Some(cache) = &self.cache {
                    cache.store(&digest, &component);
                }
                component
            }
        };
        Ok((component, digest, from_cache))
    }
}

fn load_error(label: &str, message: String) -> HostError {
    HostError::Load {
        source_name: label.to_string(),
        message,
    }
}

/// A compiled, type-checked component (an action's, or with `P` a
/// trigger's).
pub struct Compiled<P = ActionPre> {
    pub(crate) pre: P,
    /// BLAKE3 of the component bytes.
    pub digest: String,
    /// Whether the compiled code came from the on-disk cache.
    pub from_cache: bool,
}
