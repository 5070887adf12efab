//! Hot swap from an actions directory (actions and triggers alike).
//!
//! Every `*.wasm` in the directory is loaded at start and again whenever it
//! is written: as the trigger of its name when there is one, else as an
//! action, else (a new name that is no action) as a trigger. Loading goes through [`Host::swap_checked`], so a file that
//! does not compile, does not match the world or is half-written never
//! replaces a working action; the failure is logged and kept in
//! [`ActionsWatcher::failures`], and the next complete write is picked up.
//! Calls in flight finish on the component they started with.
//!
//! A file cannot escalate: `NAME.wasm` must describe itself as `NAME`, and
//! when it replaces a built-in action it keeps that action's connection
//! kind, and its method, path, scopes and rate category unless the
//! operator allows changes ([`WatchOptions`]); one that replaces a built-in
//! trigger keeps its connection kind and its Zoom event types. A directory
//! that another user owns or that group or others may write to is refused.

use crate::Host;
use crate::error::HostError;
use crate::model::ActionInfo;
use crate::registry::{LoadedAction, read_component_file};
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long to wait for more events before loading (editors and `cp` write
/// in several steps).
const SETTLE: Duration = Duration::from_millis(200);

/// What a file in the actions directory may change about the built-in
/// action it replaces.
#[derive(Clone, Copy, Debug, Default)]
pub struct WatchOptions {
    /// Let a replacement change the built-in's method, path, scopes and
    /// rate category (never its connection kind).
    pub allow_override_changes: bool,
}

/// One load of a file that failed.
#[derive(Clone, Debug)]
pub struct LoadFailure {
    /// The file.
    pub path: PathBuf,
    /// Why it was not loaded.
    pub message: String,
}

/// Watches an actions directory until dropped.
pub struct ActionsWatcher {
    _watcher: notify::RecommendedWatcher,
    task: tokio::task::JoinHandle<()>,
    failures: Arc<Mutex<Vec<LoadFailure>>>,
    loaded: Arc<Mutex<u64>>,
}

impl ActionsWatcher {
    /// Files that failed to load, oldest first.
    pub fn failures(&self) -> Vec<LoadFailure> {
        self.failures.lock().expect("failures").clone()
    }

    /// How many files have been swapped in so far.
    pub fn loaded(&self) -> u64 {
        *self.loaded.lock().expect("loaded count")
    }
}

impl Drop for ActionsWatcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn is_component(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "wasm") && path.is_file()
}

/// Why `candidate` may not replace `builtin`, if it may not.
fn override_problem(
    builtin: &ActionInfo,
    candidate: &ActionInfo,
    options: WatchOptions,
) -> Option<String> {
    if candidate.connection != builtin.connection {
        return Some(format!(
            "it would run the built-in {} on a {} connection instead of a {} one",
            builtin.name, candidate.connection, builtin.connection
        ));
    }
    if options.allow_override_changes {
        return None;
    }
    let mut changed = Vec::new();
    if candidate.method != builtin.method {
        changed.push("method");
    }
    if candidate.path != builtin.path {
        changed.push("path");
    }
    let sorted = |scopes: Vec<String>| {
        let mut scopes = scopes;
        scopes.sort();
        scopes
    };
    if sorted(candidate.scopes.all()) != sorted(builtin.scopes.all()) {
        changed.push("scopes");
    }
    // The rate category paces the calls: a heavy endpoint relabelled light
    // would be sent faster than Zoom allows.
    if candidate.rate != builtin.rate {
        changed.push("rate category");
    }
    (!changed.is_empty()).then(|| {
        format!(
            "it changes the {} of the built-in {}; start serve with --allow-override-changes to allow that",
            changed.join(", "),
            builtin.name
        )
    })
}

/// What a file was loaded as.
enum Swapped {
    Action(Arc<LoadedAction>),
    Trigger(Arc<crate::triggers::LoadedTrigger>),
}

/// Loads one file under the rules in the module docs.
async fn swap_in(host: &Host, path: &Path, options: WatchOptions) -> Result<Swapped, HostError> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if host.trigger_names().contains(&stem) {
        return swap_trigger_in(host, path, &stem)
            .await
            .map(Swapped::Trigger);
    }
    let builtin = host.builtin_info(&stem).await?;
    let as_action = host
        .swap_checked(
            read_component_file(path)?,
            Some(&stem),
            |candidate| match builtin
                .as_ref()
                .and_then(|b| override_problem(b, candidate, options))
            {
                Some(problem) => Err(problem),
                None => Ok(()),
            },
        )
        .await;
    match as_action {
        Err(HostError::Load { message, .. })
            if builtin.is_none() && message.contains("wrk:zoom/action interface") =>
        {
            swap_trigger_in(host, path, &stem)
                .await
                .map(Swapped::Trigger)
        }
        other => other.map(Swapped::Action),
    }
}

/// Loads a trigger file; one that replaces a built-in trigger keeps its
/// connection kind and event types.
async fn swap_trigger_in(
    host: &Host,
    path: &Path,
    stem: &str,
) -> Result<Arc<crate::triggers::LoadedTrigger>, HostError> {
    let source = read_component_file(path)?;
    let candidate = host.load_trigger(source.clone()).await?;
    let declared = wrk_zoom_spec::triggers::catalog::find(stem);
    if let Some(builtin) = declared.map(crate::triggers::TriggerInfo::from) {
        let problem = if candidate.info.connection != builtin.connection {
            Some(format!(
                "it would take {} events where the built-in {stem} takes {} ones",
                candidate.info.connection, builtin.connection
            ))
        } else if candidate.info.events != builtin.events {
            Some(format!(
                "it maps {} where the built-in {stem} maps {}",
                candidate.info.events.join(", "),
                builtin.events.join(", ")
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(HostError::Load {
                source_name: candidate.source.clone(),
                message,
            });
        }
    }
    host.install_trigger(candidate, source, Some(stem))
}

async fn load(
    host: &Host,
    path: &Path,
    options: WatchOptions,
    failures: &Mutex<Vec<LoadFailure>>,
    loaded: &Mutex<u64>,
) {
    match swap_in(host, path, options).await {
        Ok(swapped) => {
            *loaded.lock().expect("loaded count") += 1;
            match swapped {
                Swapped::Action(a) => {
                    tracing::info!(action = %a.info.name, path = %path.display(), "loaded")
                }
                Swapped::Trigger(t) => {
                    tracing::info!(trigger = %t.info.name, path = %path.display(), "loaded")
                }
            }
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), "not loaded, the current one stays: {e}");
            failures.lock().expect("failures").push(LoadFailure {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    }
}

impl Host {
    /// Loads every `*.wasm` in `dir` and keeps loading them as they change
    /// (default [`WatchOptions`]).
    pub async fn watch_actions_dir(
        self: &Arc<Self>,
        dir: &Path,
    ) -> Result<ActionsWatcher, HostError> {
        self.watch_actions_dir_with(dir, WatchOptions::default())
            .await
    }

    /// [`Host::watch_actions_dir`] with `options`.
    pub async fn watch_actions_dir_with(
        self: &Arc<Self>,
        dir: &Path,
        options: WatchOptions,
    ) -> Result<ActionsWatcher, HostError> {
        let unreadable = |e: &dyn std::fmt::Display| {
            HostError::Internal(format!(
                "cannot watch the actions directory {}: {e}",
                dir.display()
            ))
        };
        crate::runtime::cache::check_private(dir, true).map_err(|why| HostError::InvalidInput {
            field: "actions directory".into(),
            message: format!("{} is refused: {why}", dir.display()),
        })?;
        let mut initial: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| unreadable(&e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| is_component(path))
            .collect();
        initial.sort();

        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_))
                {
                    for path in event.paths {
                        let _ = tx.send(path);
                    }
                }
            })
            .map_err(|e| unreadable(&e))?;
        watcher
            .watch(dir, RecursiveMode::NonRecursive)
            .map_err(|e| unreadable(&e))?;

        let failures = Arc::new(Mutex::new(Vec::new()));
        let loaded = Arc::new(Mutex::new(0));
        for path in &initial {
            load(self, path, options, &failures, &loaded).await;
        }
        let (host, task_failures, task_loaded) = (self.clone(), failures.clone(), loaded.clone());
        let task = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut changed = BTreeSet::from([first]);
                // Let a multi-step write finish, then load each file once.
                tokio::time::sleep(SETTLE).await;
                while let Ok(more) = rx.try_recv() {
                    changed.insert(more);
                }
                for path in changed.iter().filter(|p| is_component(p)) {
                    load(&host, path, options, &task_failures, &task_loaded).await;
                }
            }
        });
        Ok(ActionsWatcher {
            _watcher: watcher,
            task,
            failures,
            loaded,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RateCategory;

    #[tokio::test]
    async fn an_override_keeps_the_rate_category_unless_the_operator_allows_changes() {
        let host = Host::new(crate::HostConfig {
            cache_dir: None,
            ..crate::HostConfig::default()
        })
        .unwrap();
        let builtin = host.info("retrieve-meeting").await.unwrap();
        let mut relabelled = builtin.clone();
        relabelled.rate = if builtin.rate == RateCategory::Light {
            RateCategory::Heavy
        } else {
            RateCategory::Light
        };
        assert_eq!(
            override_problem(&builtin, &builtin, WatchOptions::default()),
            None
        );
        let problem = override_problem(&builtin, &relabelled, WatchOptions::default())
            .expect("a relabelled rate is refused");
        assert!(
            problem.contains("rate category") && problem.contains("--allow-override-changes"),
            "{problem}"
        );
        let allowed = WatchOptions {
            allow_override_changes: true,
        };
        assert_eq!(override_problem(&builtin, &relabelled, allowed), None);
    }
}
