//! Hot swap from an actions directory.
//!
//! Every `*.wasm` in the directory is loaded at start (overriding the
//! built-in action it describes itself as) and again whenever it is written.
//! Loading goes through [`Host::swap_file`], so a file that does not compile,
//! does not match the world or is half-written never replaces a working
//! action; the failure is logged and kept in [`ActionsWatcher::failures`],
//! and the next complete write is picked up. Calls in flight finish on the
//! component they started with.

use crate::Host;
use crate::error::HostError;
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long to wait for more events before loading (editors and `cp` write
/// in several steps).
const SETTLE: Duration = Duration::from_millis(200);

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

async fn load(host: &Host, path: &Path, failures: &Mutex<Vec<LoadFailure>>, loaded: &Mutex<u64>) {
    match host.swap_file(path, None).await {
        Ok(action) => {
            *loaded.lock().expect("loaded count") += 1;
            tracing::info!(action = %action.info.name, path = %path.display(), "loaded");
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), "not loaded, the current action stays: {e}");
            failures.lock().expect("failures").push(LoadFailure {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    }
}

impl Host {
    /// Loads every `*.wasm` in `dir` and keeps loading them as they change.
    pub async fn watch_actions_dir(
        self: &Arc<Self>,
        dir: &Path,
    ) -> Result<ActionsWatcher, HostError> {
        let unreadable = |e: &dyn std::fmt::Display| {
            HostError::Internal(format!(
                "cannot watch the actions directory {}: {e}",
                dir.display()
            ))
        };
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
            load(self, path, &failures, &loaded).await;
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
                    load(&host, path, &task_failures, &task_loaded).await;
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
