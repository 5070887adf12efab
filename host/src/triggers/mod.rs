//! Triggers: components that turn one verified Zoom event into what a
//! workflow sees ("When a recording is completed" beside "Create a
//! meeting").
//!
//! A trigger exports `wrk:zoom/trigger` (`wit/v0.3.0`) and imports nothing
//! that reaches outside: it is linked with `runtime::linker::trigger_linker`
//! (no network, clock, randomness or files) and runs in a fresh store with
//! the same memory cap and CPU deadline as an action. Built-in triggers are
//! registered from their declarations (`wrk_zoom_spec::triggers::catalog`)
//! and compiled on first use; [`Host::swap_trigger`] replaces one for the
//! next event, and a component that does not compile or match the contract
//! never replaces a working one.

use crate::Host;
use crate::error::HostError;
use crate::model::{ConnectionKind, OutputSchema, ParamSpec, Scopes};
use crate::registry::{ComponentSource, Loaded};
use crate::runtime::bindings::TriggerPre;
use crate::runtime::compiler::Compiler;
use serde::Serialize;
use std::sync::Arc;

/// The built-in trigger components, compiled by `build.rs`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_triggers.rs"));
}

/// The component built into this binary for the trigger `name`.
pub fn builtin_trigger(name: &str) -> Option<&'static [u8]> {
    builtin::BUILTIN_TRIGGERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}

/// Every built-in trigger's name and component.
pub(crate) fn builtin_triggers() -> &'static [(&'static str, &'static [u8])] {
    builtin::BUILTIN_TRIGGERS
}

/// `describe()` of one trigger.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TriggerInfo {
    /// Its name, e.g. `recording-completed`.
    pub name: String,
    /// Its title, e.g. "When a recording is completed".
    pub title: String,
    /// The Zoom event types it maps.
    pub events: Vec<String>,
    /// The connection whose events it takes.
    pub connection: ConnectionKind,
    /// Scopes that each let an app receive the events.
    pub scopes: Scopes,
    /// What a subscription may give it.
    pub params: Vec<ParamSpec>,
    /// What each output is, as JSON Schema (shown by `--schema`).
    #[serde(skip)]
    pub output_schema: OutputSchema,
    /// One output as it would look, JSON text (shown by `--sample`).
    #[serde(skip)]
    pub sample_output: String,
}

impl TriggerInfo {
    /// Whether it maps events of type `event`.
    pub fn maps(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

impl From<&wrk_zoom_spec::triggers::Trigger> for TriggerInfo {
    /// What a declaration's `describe()` says (a test proves each built-in
    /// component's own `describe()` equal to this).
    fn from(trigger: &wrk_zoom_spec::triggers::Trigger) -> Self {
        let texts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        TriggerInfo {
            name: trigger.name.into(),
            title: trigger.title.into(),
            events: texts(trigger.events),
            connection: trigger.connection,
            scopes: Scopes {
                classic: texts(trigger.classic_scopes),
                granular: texts(trigger.granular_scopes),
            },
            params: trigger.params.iter().map(ParamSpec::from).collect(),
            output_schema: OutputSchema::new(wrk_zoom_spec::triggers::output_schema(trigger)),
            sample_output: wrk_zoom_spec::triggers::sample_output(trigger),
        }
    }
}

/// One output of a trigger for one event.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TriggerOutput {
    /// What makes it itself (the same for a redelivered event's).
    pub key: String,
    /// The output.
    pub output: serde_json::Value,
}

/// A loaded, type-checked trigger. Mapping one event holds it (an `Arc`),
/// so a swap meanwhile never mixes versions.
pub struct LoadedTrigger {
    /// Its `describe()`.
    pub info: TriggerInfo,
    pub(crate) pre: TriggerPre,
    /// Where it came from (`built-in` or a file path).
    pub source: String,
    /// BLAKE3 of the component bytes.
    pub digest: String,
}

impl Loaded for LoadedTrigger {
    type Info = TriggerInfo;
    fn info(&self) -> &TriggerInfo {
        &self.info
    }
    fn name(&self) -> &str {
        &self.info.name
    }
    fn source(&self) -> &str {
        &self.source
    }
}

impl std::fmt::Debug for LoadedTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedTrigger")
            .field("name", &self.info.name)
            .field("source", &self.source)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

fn unknown_trigger(name: String, suggestion: Option<String>) -> HostError {
    HostError::UnknownTrigger { name, suggestion }
}

impl Host {
    /// Names of every registered trigger, sorted.
    pub fn trigger_names(&self) -> Vec<String> {
        self.triggers.names()
    }

    /// `describe()` of `name`, without compiling a built-in trigger that has
    /// not run yet (its declaration says the same).
    pub async fn trigger_info(&self, name: &str) -> Result<TriggerInfo, HostError> {
        self.triggers
            .info(name, |source| self.load_trigger(source), unknown_trigger)
            .await
    }

    /// `describe()` of every trigger, in name order.
    pub async fn describe_triggers(&self) -> Result<Vec<TriggerInfo>, HostError> {
        let mut infos = Vec::new();
        for name in self.trigger_names() {
            infos.push(self.trigger_info(&name).await?);
        }
        Ok(infos)
    }

    /// The current component of the trigger `name`, compiled on first use.
    pub async fn trigger(&self, name: &str) -> Result<Arc<LoadedTrigger>, HostError> {
        self.triggers
            .lookup(name, |source| self.load_trigger(source), unknown_trigger)
            .await
    }

    /// Compiles, type-checks and describes a trigger component (does not
    /// register it).
    pub async fn load_trigger(&self, source: ComponentSource) -> Result<LoadedTrigger, HostError> {
        let compiled = self
            .compile_off_thread(&source, Compiler::compile_trigger)
            .await?;
        let (_, label) = source.bytes_and_label();
        let _permit = self.load_permit().await?;
        let mut store = self.sealed_store();
        let info = self
            .with_limits(&label, compiled.pre.describe(&mut store))
            .await
            .map_err(|e| HostError::Load {
                source_name: label.clone(),
                message: format!("describe() failed: {e}"),
            })?;
        if info.output_schema.value().is_none() {
            return Err(HostError::Load {
                source_name: label,
                message: "its output schema is not JSON".into(),
            });
        }
        Ok(LoadedTrigger {
            info,
            pre: compiled.pre,
            source: label,
            digest: compiled.digest,
        })
    }

    /// Loads a trigger component and swaps it in under the name it
    /// describes itself with (with `expected`, that name must match). Events
    /// being mapped finish on the component they started with; on any error
    /// the current one stays.
    pub async fn swap_trigger(
        &self,
        source: ComponentSource,
        expected: Option<&str>,
    ) -> Result<Arc<LoadedTrigger>, HostError> {
        let loaded = self.load_trigger(source.clone()).await?;
        self.install_trigger(loaded, source, expected)
    }

    /// Installs a loaded trigger under its name (with `expected`, that name
    /// must match).
    pub(crate) fn install_trigger(
        &self,
        loaded: LoadedTrigger,
        source: ComponentSource,
        expected: Option<&str>,
    ) -> Result<Arc<LoadedTrigger>, HostError> {
        if let Some(expected) = expected
            && loaded.info.name != expected
        {
            return Err(HostError::Load {
                source_name: loaded.source.clone(),
                message: format!(
                    "it describes itself as '{}', not '{expected}'",
                    loaded.info.name
                ),
            });
        }
        let loaded = Arc::new(loaded);
        self.triggers.install(loaded.clone(), source);
        tracing::info!(trigger = %loaded.info.name, source = %loaded.source, "swapped in a trigger");
        Ok(loaded)
    }

    /// Validates a subscription's parameters with the trigger itself.
    pub async fn check_trigger(
        &self,
        trigger: &LoadedTrigger,
        params: &[(String, String)],
    ) -> Result<(), HostError> {
        let name = trigger.info.name.as_str();
        let mut store = self.sealed_store();
        self.with_limits(name, trigger.pre.check(&mut store, name, params))
            .await?
    }

    /// Runs one event (Zoom's JSON body) through the trigger with a
    /// subscription's parameters: its outputs, each checked to be a JSON
    /// object within the reply limit.
    pub async fn map_event(
        &self,
        trigger: &LoadedTrigger,
        event: &str,
        params: &[(String, String)],
    ) -> Result<Vec<TriggerOutput>, HostError> {
        let name = trigger.info.name.as_str();
        let mut store = self.sealed_store();
        let mapped = self
            .with_limits(name, trigger.pre.map_event(&mut store, name, event, params))
            .await??;
        let total: usize = mapped.iter().map(|(k, o)| k.len() + o.len()).sum();
        if total > self.limits.max_reply {
            return Err(HostError::CallLimit {
                action: name.to_string(),
                limit: format!(
                    "outputs of {total} bytes (at most {})",
                    self.limits.max_reply
                ),
            });
        }
        mapped
            .into_iter()
            .map(|(key, text)| {
                let output: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                    HostError::UnexpectedResponse(format!(
                        "{name} returned an output that is not JSON: {e}"
                    ))
                })?;
                if !output.is_object() || key.is_empty() {
                    return Err(HostError::UnexpectedResponse(format!(
                        "{name} returned an output that is not a JSON object with a key"
                    )));
                }
                Ok(TriggerOutput { key, output })
            })
            .collect()
    }
}
