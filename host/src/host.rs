//! The host: loads action components and calls them.
//!
//! Every call gets a fresh store (memory cap, CPU deadline, wall-clock
//! timeout) and its own egress hooks; the component receives a stand-in
//! token and the API base, never the real token. Failures come back as
//! [`HostError`]s that keep their causes apart.

use crate::connection::ZoomConnection;
use crate::egress::{CallPacing, Credential, EgressHooks, EgressPolicy};
use crate::error::HostError;
use crate::model::{ActionInfo, PlannedRequest, RawReply, Reply};
use crate::rate_limit::{Pacer, RateLimitConfig, SharedPacing, Table};
use crate::registry::{ComponentSource, LoadedAction, Registry, read_component_file};
use crate::runtime::compiler::{Compiled, Compiler};
use crate::runtime::engine::{EpochTicker, new_engine};
use crate::runtime::limits::CallLimits;
use crate::runtime::store::{CallState, DeadlineExceeded, new_store};
use crate::transport::{Transport, TransportConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmtime::Store;

/// The built-in action components, compiled by `build.rs`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_actions.rs"));
}

/// The component built into this binary for the action `name`.
pub fn builtin_component(name: &str) -> Option<&'static [u8]> {
    builtin::BUILTIN_ACTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// How to build a [`Host`]: plain values. [`HostConfig::default`] reads
/// nothing from the environment (no compiled-code cache, Pro-plan pacing,
/// Mozilla's roots); [`HostConfig::from_env`] is what the `wrk-zoom`
/// command line uses.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Where compiled components are cached; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// The key that vouches for the cache's files, kept outside it; `None`
    /// disables the cache.
    pub cache_key_file: Option<PathBuf>,
    /// Per-call limits (memory, CPU, wall clock).
    pub limits: CallLimits,
    /// How many calls may run at once (sizes the instance pool).
    pub max_concurrent_calls: u32,
    /// Register the action components built into this binary.
    pub builtin_actions: bool,
    /// Register the trigger components built into this binary.
    pub builtin_triggers: bool,
    /// How requests to Zoom connect (pool, timeouts, trusted roots).
    pub transport: TransportConfig,
    /// Which rate limits calls are paced to, and how they are retried
    /// (see also [`Host::with_rate_limits`]).
    pub rate_limits: RateLimitConfig,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            cache_dir: None,
            cache_key_file: None,
            limits: CallLimits::default(),
            max_concurrent_calls: 256,
            builtin_actions: true,
            builtin_triggers: true,
            transport: TransportConfig::default(),
            rate_limits: RateLimitConfig::default(),
        }
    }
}

impl HostConfig {
    /// The defaults, with what the environment says (the variables of
    /// [`CachePaths::from_env`], [`TransportConfig::from_env`] and
    /// [`RateLimitConfig::from_env`]): the compiled-code cache in
    /// `WRK_ZOOM_CACHE_DIR` (else the user's cache directory) vouched for by
    /// `WRK_ZOOM_CACHE_KEY_FILE` (else `cache.key` in the configuration
    /// directory), the extra roots of `WRK_ZOOM_CA_FILE`, and pacing from
    /// `WRK_ZOOM_PLAN`, `WRK_ZOOM_PACING` and `WRK_ZOOM_PACING_MARGIN_MS`.
    /// Fails when `WRK_ZOOM_CA_FILE` cannot be read.
    pub fn from_env() -> Result<HostConfig, HostError> {
        let cache = CachePaths::from_env();
        Ok(HostConfig {
            cache_dir: cache.dir,
            cache_key_file: cache.key_file,
            transport: TransportConfig::from_env().map_err(HostError::Internal)?,
            rate_limits: RateLimitConfig::from_env(),
            ..HostConfig::default()
        })
    }
}

/// Where the compiled-code cache lives, and the key that vouches for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CachePaths {
    /// The cache directory (`None`: no cache).
    pub dir: Option<PathBuf>,
    /// The key file (`None`: no cache).
    pub key_file: Option<PathBuf>,
}

impl CachePaths {
    /// The directory: `$WRK_ZOOM_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/wrk-zoom/components`, else
    /// `~/.cache/wrk-zoom/components`. The key: `$WRK_ZOOM_CACHE_KEY_FILE`,
    /// else `cache.key` in the configuration directory (`$WRK_ZOOM_HOME`,
    /// else `$XDG_CONFIG_HOME/wrk-zoom`, else `~/.config/wrk-zoom`): outside
    /// the cache, so a cache directory copied from elsewhere or restored from
    /// a backup is not trusted.
    pub fn from_env() -> CachePaths {
        let dir = match std::env::var_os("WRK_ZOOM_CACHE_DIR") {
            Some(dir) => Some(dir.into()),
            None => std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                .map(|base| base.join("wrk-zoom").join("components")),
        };
        let key_file = match std::env::var_os("WRK_ZOOM_CACHE_KEY_FILE").filter(|f| !f.is_empty()) {
            Some(file) => Some(file.into()),
            None => crate::auth::FileStore::from_env()
                .ok()
                .map(|store| store.dir().join("cache.key")),
        };
        CachePaths { dir, key_file }
    }
}

/// Loads and runs action components.
pub struct Host {
    engine: wasmtime::Engine,
    compiler: Arc<Compiler>,
    registry: Registry,
    /// The triggers (`crate::triggers`).
    pub(crate) triggers: Registry<crate::triggers::LoadedTrigger>,
    pub(crate) limits: CallLimits,
    /// Rate-limit buckets per connection, shared by concurrent calls.
    pacer: Arc<Pacer>,
    /// The pooled client every call's requests leave through.
    transport: Arc<Transport>,
    /// Loads that may instantiate at once: the pool keeps this many slots
    /// beyond the calls' for them.
    load_permits: Arc<tokio::sync::Semaphore>,
    _ticker: EpochTicker,
}

impl Host {
    /// Starts the engine and registers the built-in actions (compiled on
    /// first use). Reads nothing from the environment: everything comes
    /// from `config`.
    pub fn new(config: HostConfig) -> Result<Host, HostError> {
        let internal = |e: wasmtime::Error| {
            HostError::Internal(format!("cannot start the wasm engine: {e:#}"))
        };
        let engine = new_engine(config.max_concurrent_calls, config.limits.memory_bytes)
            .map_err(internal)?;
        let linker = crate::runtime::linker::linker(&engine).map_err(internal)?;
        let trigger_linker = crate::runtime::linker::trigger_linker(&engine).map_err(internal)?;
        let compiler = Arc::new(Compiler::new(
            engine.clone(),
            Arc::new(linker),
            trigger_linker,
            config.cache_dir,
            config.cache_key_file,
        ));
        let transport = Transport::new(&config.transport).map_err(HostError::Internal)?;
        let registry = Registry::default();
        if config.builtin_actions {
            for (name, bytes) in builtin::BUILTIN_ACTIONS {
                // Listed and described from its declaration, without compiling it.
                let declared = wrk_zoom_spec::catalog::by_name(name).map(ActionInfo::from);
                registry.add_lazy(name, ComponentSource::Builtin(bytes), declared);
            }
        }
        let triggers = Registry::default();
        if config.builtin_triggers {
            for (name, bytes) in crate::triggers::builtin_triggers() {
                let declared = wrk_zoom_spec::triggers::catalog::find(name)
                    .map(crate::triggers::TriggerInfo::from);
                triggers.add_lazy(name, ComponentSource::Builtin(bytes), declared);
            }
        }
        Ok(Host {
            _ticker: EpochTicker::start(&engine),
            engine,
            compiler,
            registry,
            triggers,
            limits: config.limits,
            pacer: Arc::new(Pacer::new(config.rate_limits)),
            transport: Arc::new(transport),
            load_permits: Arc::new(tokio::sync::Semaphore::new(
                crate::runtime::engine::LOAD_SLOTS as usize,
            )),
        })
    }

    /// Replaces the rate-limit configuration (plan, per-category rates,
    /// retry policy) of [`HostConfig::rate_limits`]. Buckets start empty.
    pub fn with_rate_limits(mut self, config: RateLimitConfig) -> Host {
        self.pacer = Arc::new(Pacer::new(config));
        self
    }

    /// Shares the rate-limit buckets and used-up daily limits with every
    /// process on `shared` (e.g. the PostgreSQL store of several `serve`
    /// replicas). Buckets start empty in this process.
    pub fn with_shared_pacing(mut self, shared: Arc<dyn SharedPacing>) -> Host {
        let config = self.pacer.config().clone();
        self.pacer = Arc::new(Pacer::new(config).with_shared(shared));
        self
    }

    /// Names of every registered action, sorted.
    pub fn action_names(&self) -> Vec<String> {
        self.registry.names()
    }

    /// Whether an action of that name is registered (without listing them).
    pub fn has_action(&self, name: &str) -> bool {
        self.registry.contains(name)
    }

    /// The current component of `name`, compiled on first use.
    pub async fn action(&self, name: &str) -> Result<Arc<LoadedAction>, HostError> {
        self.registry
            .lookup(name, |source| self.load(source), unknown_action)
            .await
    }

    /// `describe()` of the component built into this binary for `name`, if
    /// there is one (whatever has been swapped in since).
    pub async fn builtin_info(&self, name: &str) -> Result<Option<ActionInfo>, HostError> {
        let Some(bytes) = builtin_component(name) else {
            return Ok(None);
        };
        Ok(Some(self.load(ComponentSource::Builtin(bytes)).await?.info))
    }

    /// `describe()` of `name`, without compiling a built-in action that has
    /// not run yet (its declaration says the same; a test proves it).
    pub async fn info(&self, name: &str) -> Result<ActionInfo, HostError> {
        self.registry
            .info(name, |source| self.load(source), unknown_action)
            .await
    }

    /// `describe()` of every action, in name order (see [`Host::info`]).
    pub async fn describe_all(&self) -> Result<Vec<ActionInfo>, HostError> {
        let mut infos = Vec::new();
        for name in self.action_names() {
            infos.push(self.info(&name).await?);
        }
        Ok(infos)
    }

    /// Compiles every registered action not compiled yet, one at a time
    /// (e.g. in the background after `serve` starts, so first calls do not
    /// wait); an action that fails to load is logged and skipped.
    pub async fn warm_up(&self) {
        for name in self.action_names() {
            if let Err(e) = self.action(&name).await {
                tracing::warn!(action = %name, "could not load: {e}");
            }
        }
    }

    /// Compiles, type-checks and describes a component (does not register it).
    pub async fn load(&self, source: ComponentSource) -> Result<LoadedAction, HostError> {
        let compiled = self.compile_off_thread(&source, Compiler::compile).await?;
        let (_, label) = source.bytes_and_label();
        // Never more loads at once than the pool has slots for them, so a
        // load never takes a call's slot.
        let _permit = self.load_permit().await?;
        let mut store = self.sealed_store();
        let info = self
            .with_limits(&label, compiled.pre.describe(&mut store))
            .await
            .map_err(|e| HostError::Load {
                source_name: label.clone(),
                message: format!("describe() failed: {e}"),
            })?;
        Ok(LoadedAction {
            info,
            pre: compiled.pre,
            source: label,
            digest: compiled.digest,
            from_cache: compiled.from_cache,
        })
    }

    /// Loads a component and swaps it in under the name it describes
    /// itself with. With `expected`, that name must match. Calls in flight
    /// finish on the component they started with; on any error the current
    /// component stays.
    pub async fn swap(
        &self,
        source: ComponentSource,
        expected: Option<&str>,
    ) -> Result<Arc<LoadedAction>, HostError> {
        self.swap_checked(source, expected, |_| Ok(())).await
    }

    /// [`Host::swap`], installing the component only when `check` accepts
    /// its `describe()` (the message says why not).
    pub async fn swap_checked(
        &self,
        source: ComponentSource,
        expected: Option<&str>,
        check: impl FnOnce(&ActionInfo) -> Result<(), String>,
    ) -> Result<Arc<LoadedAction>, HostError> {
        let loaded = self.load(source.clone()).await?;
        let refused = |message: String| HostError::Load {
            source_name: loaded.source.clone(),
            message,
        };
        if let Some(expected) = expected
            && loaded.info.name != expected
        {
            return Err(refused(format!(
                "it describes itself as '{}', not '{expected}'",
                loaded.info.name
            )));
        }
        check(&loaded.info).map_err(refused)?;
        let loaded = Arc::new(loaded);
        self.registry.install(loaded.clone(), source);
        tracing::info!(action = %loaded.info.name, source = %loaded.source, "swapped in a component");
        Ok(loaded)
    }

    /// [`Host::swap`] from a `.wasm` file.
    pub async fn swap_file(
        &self,
        path: &Path,
        expected: Option<&str>,
    ) -> Result<Arc<LoadedAction>, HostError> {
        self.swap(read_component_file(path)?, expected).await
    }

    /// Validates parameters and returns the request the action would send.
    /// Sends nothing.
    pub async fn plan(
        &self,
        name: &str,
        params: &[(String, String)],
    ) -> Result<PlannedRequest, HostError> {
        let action = self.action(name).await?;
        self.plan_action(&action, params).await
    }

    /// [`Host::plan`] of an action already resolved with [`Host::action`].
    pub async fn plan_action(
        &self,
        action: &LoadedAction,
        params: &[(String, String)],
    ) -> Result<PlannedRequest, HostError> {
        let name = action.info.name.as_str();
        let mut store = self.sealed_store();
        let planned = self
            .with_limits(name, action.pre.plan(&mut store, name, params))
            .await??;
        Ok(planned)
    }

    /// Runs the action `name` once against Zoom.
    pub async fn run(
        &self,
        name: &str,
        connection: &ZoomConnection,
        params: &[(String, String)],
    ) -> Result<Reply, HostError> {
        let action = self.action(name).await?;
        self.run_action(&action, connection, params).await
    }

    /// Runs an action already resolved with [`Host::action`] once against
    /// Zoom (a caller that runs several pages passes the same one, so a
    /// swap midway never mixes versions).
    pub async fn run_action(
        &self,
        action: &LoadedAction,
        connection: &ZoomConnection,
        params: &[(String, String)],
    ) -> Result<Reply, HostError> {
        self.run_action_text(action, connection, params)
            .await?
            .parse(&action.info.name)
    }

    /// One run, the body not yet checked to be JSON: whoever takes it
    /// checks it once, by parsing it or by [`RawReply::checked`].
    pub(crate) async fn run_action_text(
        &self,
        action: &LoadedAction,
        connection: &ZoomConnection,
        params: &[(String, String)],
    ) -> Result<RawReply, HostError> {
        let name = action.info.name.as_str();
        let policy = EgressPolicy::for_api_base(&connection.api_base).map_err(|message| {
            HostError::InvalidInput {
                field: "api_base".into(),
                message,
            }
        })?;
        let stand_in = stand_in_token();
        let credential = Credential {
            stand_in: stand_in.clone(),
            token: connection.access_token.clone(),
        };
        let pacing = CallPacing {
            account: self.pacer.account(&connection.rate_limit_key()),
            retry: self.pacer.config().retry.clone(),
            template: action.info.path.clone(),
            declared: action.info.rate,
            table: Table::for_path(&action.info.path),
            per_request: action.info.is_raw_call(),
        };
        let (hooks, log) = EgressHooks::new(
            self.transport.clone(),
            Arc::new(policy),
            credential,
            pacing,
            self.limits.egress(),
        );
        let mut store = new_store(&self.engine, hooks, &self.limits);
        let outcome = self
            .with_limits(
                name,
                action
                    .pre
                    .run(&mut store, name, &connection.api_base, stand_in, params),
            )
            .await;
        let log = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
        if let Some(error) = log.into_error(name, !matches!(outcome, Ok(Ok(_)))) {
            return Err(error);
        }
        let reply = outcome??;
        if reply.body.len() > self.limits.max_reply {
            return Err(HostError::CallLimit {
                action: name.to_string(),
                limit: format!(
                    "a result of {} bytes (at most {})",
                    reply.body.len(),
                    self.limits.max_reply
                ),
            });
        }
        Ok(RawReply::from(reply))
    }

    /// `compile` (an action's or a trigger's) on a blocking thread.
    pub(crate) async fn compile_off_thread<P: Send + 'static>(
        &self,
        source: &ComponentSource,
        compile: CompileFn<P>,
    ) -> Result<Compiled<P>, HostError> {
        let compiler = self.compiler.clone();
        let source = source.clone();
        tokio::task::spawn_blocking(move || {
            let (bytes, label) = source.bytes_and_label();
            compile(&compiler, &label, bytes)
        })
        .await
        .map_err(|e| HostError::Internal(format!("compiling a component panicked: {e}")))?
    }

    /// A permit to instantiate for a load: never more loads at once than
    /// the pool has slots for them.
    pub(crate) async fn load_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, HostError> {
        self.load_permits
            .acquire()
            .await
            .map_err(|e| HostError::Internal(format!("loading stopped: {e}")))
    }

    /// A store whose hooks allow no request at all (describe, plan,
    /// triggers).
    pub(crate) fn sealed_store(&self) -> Store<CallState> {
        new_store(&self.engine, EgressHooks::sealed(), &self.limits)
    }

    /// Runs a guest call under the wall-clock timeout and maps traps.
    pub(crate) async fn with_limits<T>(
        &self,
        action: &str,
        call: impl Future<Output = wasmtime::Result<T>>,
    ) -> Result<T, HostError> {
        match tokio::time::timeout(self.limits.wall_clock, call).await {
            Err(_) => Err(HostError::Timeout {
                action: action.to_string(),
                limit_ms: self.limits.wall_clock.as_millis(),
            }),
            Ok(Err(e)) if e.downcast_ref::<DeadlineExceeded>().is_some() => {
                Err(HostError::Deadline {
                    action: action.to_string(),
                    limit_ms: self.limits.cpu.as_millis(),
                })
            }
            Ok(Err(e)) => Err(HostError::Trap {
                action: action.to_string(),
                message: format!("{e:#}"),
            }),
            Ok(Ok(value)) => Ok(value),
        }
    }
}

fn unknown_action(name: String, suggestion: Option<String>) -> HostError {
    HostError::UnknownAction { name, suggestion }
}

/// How one kind of component is compiled and type-checked
/// ([`Compiler::compile`], [`Compiler::compile_trigger`]).
type CompileFn<P> = fn(&Compiler, &str, &[u8]) -> Result<Compiled<P>, HostError>;

/// A random per-call token the component sees instead of the real one.
fn stand_in_token() -> String {
    format!("wrkzoom-standin-{:032x}", rand::random::<u128>())
}
