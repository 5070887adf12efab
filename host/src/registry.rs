//! The registry: action (or trigger) name → its current pre-instantiated
//! component.
//!
//! Guarantees:
//! - a lookup returns an `Arc` of the loaded action, so a call keeps the
//!   component it started with even if the action is swapped meanwhile;
//! - a swap replaces the map atomically (`ArcSwap`) and only with a
//!   component that compiled, links against WASI alone, exports the
//!   `wrk:zoom/action` interface and describes itself under the same name;
//!   a broken component never replaces a working one;
//! - built-in components are compiled lazily, once, on first use (by
//!   `runtime::compiler`, which also caches compiled code on disk); until
//!   then their `describe()` is their declaration's (`wrk_zoom_spec::catalog`).

use crate::error::HostError;
use crate::model::ActionInfo;
use crate::runtime::bindings::ActionPre;
use arc_swap::ArcSwap;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// A loaded, type-checked action. A call holds it (an `Arc`) from start to
/// end, pages included, so a swap midway never mixes versions.
pub struct LoadedAction {
    /// Its `describe()`.
    pub info: ActionInfo,
    pub(crate) pre: ActionPre,
    /// Where it came from (`built-in` or a file path).
    pub source: String,
    /// BLAKE3 of the component bytes.
    pub digest: String,
    /// Whether the compiled code came from the on-disk cache.
    pub from_cache: bool,
}

impl LoadedAction {
    /// The contract version the component was built against
    /// (`wrk:zoom@0.1.0` components describe no output schema).
    pub fn contract(&self) -> &'static str {
        self.pre.version()
    }
}

/// What a registry holds: a loaded component that knows its name and its
/// `describe()`.
pub trait Loaded {
    /// What `describe()` returns.
    type Info: Clone;
    /// Its `describe()`.
    fn info(&self) -> &Self::Info;
    /// The name it describes itself with.
    fn name(&self) -> &str;
    /// Where it came from (`built-in` or a file path).
    fn source(&self) -> &str;
}

impl Loaded for LoadedAction {
    type Info = ActionInfo;
    fn info(&self) -> &ActionInfo {
        &self.info
    }
    fn name(&self) -> &str {
        &self.info.name
    }
    fn source(&self) -> &str {
        &self.source
    }
}

impl std::fmt::Debug for LoadedAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedAction")
            .field("name", &self.info.name)
            .field("source", &self.source)
            .field("digest", &self.digest)
            .field("contract", &self.contract())
            .finish_non_exhaustive()
    }
}

/// Where a component's bytes come from.
#[derive(Clone)]
pub enum ComponentSource {
    /// Built into this binary.
    Builtin(&'static [u8]),
    /// Bytes from elsewhere (a file, a test).
    Bytes {
        /// Where they came from, for messages (e.g. the file path).
        label: String,
        /// The component.
        bytes: Arc<[u8]>,
    },
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

struct Slot<L: Loaded> {
    source: ComponentSource,
    /// What the component is known to describe before it is compiled (a
    /// built-in's declaration).
    declared: Option<L::Info>,
    loaded: OnceCell<Arc<L>>,
}

/// Name → slot, swapped atomically.
pub struct Registry<L: Loaded = LoadedAction> {
    slots: ArcSwap<BTreeMap<String, Arc<Slot<L>>>>,
}

impl<L: Loaded> Default for Registry<L> {
    fn default() -> Self {
        Registry {
            slots: ArcSwap::default(),
        }
    }
}

impl<L: Loaded> Registry<L> {
    /// Registers a component under `name` without compiling it yet;
    /// `declared` is its `describe()` when known without compiling.
    pub fn add_lazy(&self, name: &str, source: ComponentSource, declared: Option<L::Info>) {
        let slot = Arc::new(Slot {
            source,
            declared,
            loaded: OnceCell::new(),
        });
        self.slots.rcu(|map| {
            let mut map = BTreeMap::clone(map);
            map.insert(name.to_string(), slot.clone());
            map
        });
    }

    /// Installs an already loaded component, replacing any previous one.
    pub fn install(&self, loaded: Arc<L>, source: ComponentSource) {
        let name = loaded.name().to_string();
        let slot = Arc::new(Slot {
            source,
            declared: None,
            loaded: OnceCell::new_with(Some(loaded)),
        });
        self.slots.rcu(|map| {
            let mut map = BTreeMap::clone(map);
            map.insert(name.clone(), slot.clone());
            map
        });
    }

    /// Whether a component is registered under `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.slots.load().contains_key(name)
    }

    /// Every registered name, sorted.
    pub fn names(&self) -> Vec<String> {
        self.slots.load().keys().cloned().collect()
    }

    /// The `describe()` of `name` if it is known without compiling: the
    /// loaded component's, else the declared one.
    pub fn known_info(&self, name: &str) -> Option<L::Info> {
        let slots = self.slots.load();
        let slot = slots.get(name)?;
        match slot.loaded.get() {
            Some(loaded) => Some(loaded.info().clone()),
            None => slot.declared.clone(),
        }
    }

    /// The current component `name`, loading it on first use with `load`.
    pub async fn get<F, Fut>(&self, name: &str, load: F) -> Result<Option<Arc<L>>, HostError>
    where
        F: FnOnce(ComponentSource) -> Fut,
        Fut: Future<Output = Result<L, HostError>>,
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

impl<L: Loaded> Registry<L> {
    /// [`Registry::get`], or `unknown(name, the closest registered name)`
    /// for a name not registered. A component answers only to the name it
    /// describes itself with (a cache or a file that holds another one's
    /// code must not run under this one's).
    pub async fn lookup<F, Fut>(
        &self,
        name: &str,
        load: F,
        unknown: fn(String, Option<String>) -> HostError,
    ) -> Result<Arc<L>, HostError>
    where
        F: FnOnce(ComponentSource) -> Fut,
        Fut: Future<Output = Result<L, HostError>>,
    {
        let Some(loaded) = self.get(name, load).await? else {
            let names = self.names();
            let closest = wrk_zoom_spec::suggest::closest(name, names.iter().map(String::as_str));
            return Err(unknown(name.to_string(), closest.map(str::to_string)));
        };
        if loaded.name() != name {
            return Err(HostError::Load {
                source_name: loaded.source().to_string(),
                message: format!(
                    "it describes itself as '{}', not '{name}'; it is not used",
                    loaded.name()
                ),
            });
        }
        Ok(loaded)
    }

    /// `describe()` of `name` without loading it when it is known
    /// ([`Registry::known_info`]), else [`Registry::lookup`]'s.
    pub async fn info<F, Fut>(
        &self,
        name: &str,
        load: F,
        unknown: fn(String, Option<String>) -> HostError,
    ) -> Result<L::Info, HostError>
    where
        F: FnOnce(ComponentSource) -> Fut,
        Fut: Future<Output = Result<L, HostError>>,
    {
        match self.known_info(name) {
            Some(info) => Ok(info),
            None => Ok(self.lookup(name, load, unknown).await?.info().clone()),
        }
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
