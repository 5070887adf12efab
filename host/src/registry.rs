//! The registry: action name → its current pre-instantiated component.
//!
//! Guarantees:
//! - a lookup returns an `Arc` of the loaded action, so a call keeps the
//!   component it started with even if the action is swapped meanwhile;
//! - a swap replaces the map atomically (`ArcSwap`) and only with a
//!   component that compiled, links against WASI alone, exports the
//!   `wrk:zoom/action` interface and describes itself under the same name;
//!   a broken component never replaces a working one;
//! - built-in components are compiled lazily, once, on first use; compiled
//!   code is cached on disk keyed by content hash and engine compatibility
//!   hash, so a second process does not recompile.

use crate::bindings::ZoomActionPre;
use crate::error::HostError;
use crate::model::ActionInfo;
use crate::state::CallState;
use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::OnceCell;
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

/// A loaded, type-checked action.
pub struct LoadedAction {
    pub info: ActionInfo,
    pub(crate) pre: ZoomActionPre<CallState>,
    /// Where it came from (`built-in` or a file path).
    pub source: String,
    /// sha256 of the component bytes.
    pub digest: String,
    /// Whether the compiled code came from the on-disk cache.
    pub from_cache: bool,
}

impl std::fmt::Debug for LoadedAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedAction")
            .field("name", &self.info.name)
            .field("source", &self.source)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

/// Where a component's bytes come from.
#[derive(Clone)]
pub enum ComponentSource {
    Builtin(&'static [u8]),
    Bytes { label: String, bytes: Arc<[u8]> },
}

impl ComponentSource {
    fn bytes(&self) -> &[u8] {
        match self {
            ComponentSource::Builtin(b) => b,
            ComponentSource::Bytes { bytes, .. } => bytes,
        }
    }

    fn label(&self) -> String {
        match self {
            ComponentSource::Builtin(_) => "built-in".into(),
            ComponentSource::Bytes { label, .. } => label.clone(),
        }
    }
}

struct Slot {
    source: ComponentSource,
    loaded: OnceCell<Arc<LoadedAction>>,
}

/// Compiles components, with an optional on-disk cache of compiled code.
pub struct Compiler {
    engine: Engine,
    linker: Arc<Linker<CallState>>,
    cache_dir: Option<PathBuf>,
}

impl Compiler {
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
    pub digest: String,
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

/// Action name → slot, swapped atomically.
#[derive(Default)]
pub struct Registry {
    slots: ArcSwap<BTreeMap<String, Arc<Slot>>>,
}

impl Registry {
    /// Registers a component under `name` without compiling it yet.
    pub fn add_lazy(&self, name: &str, source: ComponentSource) {
        let slot = Arc::new(Slot {
            source,
            loaded: OnceCell::new(),
        });
        self.slots.rcu(|map| {
            let mut map = BTreeMap::clone(map);
            map.insert(name.to_string(), slot.clone());
            map
        });
    }

    /// Installs an already loaded action, replacing any previous one.
    pub fn install(&self, loaded: Arc<LoadedAction>, source: ComponentSource) {
        let name = loaded.info.name.clone();
        let slot = Arc::new(Slot {
            source,
            loaded: OnceCell::new_with(Some(loaded)),
        });
        self.slots.rcu(|map| {
            let mut map = BTreeMap::clone(map);
            map.insert(name.clone(), slot.clone());
            map
        });
    }

    pub fn names(&self) -> Vec<String> {
        self.slots.load().keys().cloned().collect()
    }

    /// The current action `name`, loading it on first use with `load`.
    pub async fn get<F, Fut>(
        &self,
        name: &str,
        load: F,
    ) -> Result<Option<Arc<LoadedAction>>, HostError>
    where
        F: FnOnce(ComponentSource) -> Fut,
        Fut: Future<Output = Result<LoadedAction, HostError>>,
    {
        let Some(slot) = self.slots.load().get(name).cloned() else {
            return Ok(None);
        };
        let loaded = slot
            .loaded
            .get_or_try_init(|| async { load(slot.source.clone()).await.map(Arc::new) })
            .await?;
        Ok(Some(loaded.clone()))
    }
}

/// Reads a component file for [`ComponentSource::Bytes`].
pub fn read_component_file(path: &Path) -> Result<ComponentSource, HostError> {
    let bytes = std::fs::read(path).map_err(|e| HostError::Load {
        source_name: path.display().to_string(),
        message: format!("cannot read it: {e}"),
    })?;
    Ok(ComponentSource::Bytes {
        label: path.display().to_string(),
        bytes: bytes.into(),
    })
}

impl ComponentSource {
    pub(crate) fn bytes_and_label(&self) -> (&[u8], String) {
        (self.bytes(), self.label())
    }
}
