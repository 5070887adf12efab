//! [`FileEvents`]: events in the file store's directory, `events/`:
//! - `inbox.jsonl`: one line per event, appended and fsynced before
//!   `serve` answers Zoom; every process reads it, and an append first takes
//!   in what other processes appended (under `inbox.lock`), so numbers and
//!   dedupe hold across processes on one machine;
//! - `events.json`: apps (secret tokens included: the directory is 0700,
//!   the file 0600), consumers' cursors and subscriptions, rewritten whole
//!   under `events.lock` (written to a temporary file, fsynced, renamed).

use super::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const INBOX: &str = "inbox.jsonl";
const INBOX_LOCK: &str = "inbox.lock";
const STATE: &str = "events.json";
const STATE_LOCK: &str = "events.lock";

/// Events in a directory (see the module docs).
#[derive(Clone)]
pub struct FileEvents {
    dir: PathBuf,
    index: Arc<Mutex<Index>>,
}

impl std::fmt::Debug for FileEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileEvents")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// What this process knows of the inbox file.
#[derive(Default)]
struct Index {
    /// The file it was read from (a pruned inbox is a new file).
    inode: u64,
    /// How far it was read.
    offset: u64,
    events: Vec<Arc<InboxEvent>>,
    /// (app, key) -> number.
    keys: HashMap<(String, String), u64>,
}

impl Index {
    fn take(&mut self, event: InboxEvent) {
        for key in keys_of(&event.event) {
            self.keys.insert((event.event.app.clone(), key), event.seq);
        }
        self.events.push(Arc::new(event));
    }

    fn last_seq(&self) -> u64 {
        self.events.last().map_or(0, |e| e.seq)
    }

    fn find(&self, event: &NewEvent) -> Option<u64> {
        keys_of(event)
            .into_iter()
            .find_map(|k| self.keys.get(&(event.app.clone(), k)).copied())
    }
}

/// The keys an event is known by: its request id and its semantic key.
fn keys_of(event: &NewEvent) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(id) = &event.request_id {
        keys.push(format!("request:{id}"));
    }
    if let Some(key) = &event.semantic_key {
        keys.push(key.clone());
    }
    keys
}

/// `events.json`.
#[derive(Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    apps: BTreeMap<String, EventApp>,
    #[serde(default)]
    consumers: BTreeMap<String, u64>,
    #[serde(default)]
    subscriptions: BTreeMap<String, Subscription>,
}

impl FileEvents {
    /// Events in `dir` (made 0700 when first written).
    pub fn new(dir: impl Into<PathBuf>) -> FileEvents {
        FileEvents {
            dir: dir.into(),
            index: Arc::default(),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, what: &str, e: std::io::Error) -> StoreError {
        let message = format!(
            "cannot {what} in the event store {}: {e}",
            self.dir.display()
        );
        StoreError::io(message, e)
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        crate::private_files::create_dir(&self.dir).map_err(|e| self.io("create the directory", e))
    }

    fn open_private(&self, name: &str, options: &mut OpenOptions) -> Result<File, StoreError> {
        crate::private_files::open(&self.dir.join(name), options)
            .map_err(|e| self.io(&format!("open {name}"), e))
    }

    fn lock(&self, name: &str) -> Result<File, StoreError> {
        self.ensure_dir()?;
        crate::private_files::lock(&self.dir.join(name))
            .map_err(|e| self.io(&format!("lock {name}"), e))
    }

    /// Reads what was appended to the inbox since this process last looked
    /// (all of it when the file was replaced by a prune).
    fn catch_up(&self, index: &mut Index) -> Result<(), StoreError> {
        let file = match File::open(self.dir.join(INBOX)) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                *index = Index::default();
                return Ok(());
            }
            Err(e) => return Err(self.io("read the inbox", e)),
        };
        let meta = file.metadata().map_err(|e| self.io("read the inbox", e))?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        if inode != index.inode || meta.len() < index.offset {
            *index = Index {
                inode,
                ..Index::default()
            };
        }
        if meta.len() == index.offset {
            return Ok(());
        }
        let mut reader = BufReader::new(file);
        reader
            .seek(SeekFrom::Start(index.offset))
            .map_err(|e| self.io("read the inbox", e))?;
        let mut line = String::new();
        loop {
            line.clear();
            let n = reader
                .read_line(&mut line)
                .map_err(|e| self.io("read the inbox", e))?;
            // A line without its newline is an append cut short by a crash
            // before its fsync returned: it was never answered, so never
            // taken; the next append overwrites it.
            if n == 0 || !line.ends_with('\n') {
                break;
            }
            let event: InboxEvent = serde_json::from_str(&line).map_err(|e| {
                format!(
                    "the inbox {} is damaged at byte {} ({e}); move it away (its events are lost to this store)",
                    self.dir.join(INBOX).display(),
                    index.offset
                )
            })?;
            index.offset += n as u64;
            index.take(event);
        }
        Ok(())
    }

    fn with_index<T>(&self, f: impl FnOnce(&Index) -> T) -> Result<T, StoreError> {
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        self.catch_up(&mut index)?;
        Ok(f(&index))
    }

    fn append_blocking(&self, event: &NewEvent) -> Result<Appended, StoreError> {
        let _lock = self.lock(INBOX_LOCK)?;
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        self.catch_up(&mut index)?;
        if let Some(seq) = index.find(event) {
            return Ok(Appended::Duplicate(seq));
        }
        let stored = InboxEvent {
            seq: index.last_seq() + 1,
            event: event.clone(),
        };
        let mut line = serde_json::to_vec(&stored)
            .map_err(|e| format!("cannot encode an event for the inbox: {e}"))?;
        line.push(b'\n');
        let mut file = self.open_private(INBOX, OpenOptions::new().write(true).create(true))?;
        // Over a torn tail a crash may have left (see `catch_up`).
        file.seek(SeekFrom::Start(index.offset))
            .and_then(|_| file.write_all(&line))
            .and_then(|_| file.set_len(index.offset + line.len() as u64))
            .and_then(|_| file.sync_data())
            .map_err(|e| self.io("append to the inbox", e))?;
        if index.offset == 0 {
            // A new file: make its name durable too.
            if let Ok(dir) = File::open(&self.dir) {
                let _ = dir.sync_all();
            }
            #[cfg(unix)]
            {
                let meta = file.metadata().map_err(|e| self.io("read the inbox", e))?;
                index.inode = std::os::unix::fs::MetadataExt::ino(&meta);
            }
        }
        index.offset += line.len() as u64;
        let seq = stored.seq;
        index.take(stored);
        Ok(Appended::New(seq))
    }

    fn prune_blocking(&self, before_ms: i64) -> Result<u64, StoreError> {
        let _lock = self.lock(INBOX_LOCK)?;
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        self.catch_up(&mut index)?;
        let old = index
            .events
            .iter()
            .take_while(|e| e.event.received_at < before_ms)
            .count();
        // Keep the newest event, so numbers never go back.
        let old = old.min(index.events.len().saturating_sub(1));
        if old == 0 {
            return Ok(0);
        }
        let mut bytes = Vec::new();
        for event in &index.events[old..] {
            serde_json::to_writer(&mut bytes, event.as_ref())
                .map_err(|e| format!("cannot encode an event for the inbox: {e}"))?;
            bytes.push(b'\n');
        }
        self.write_atomically(INBOX, &bytes)?;
        *index = Index::default();
        Ok(old as u64)
    }

    fn write_atomically(&self, name: &str, bytes: &[u8]) -> Result<(), StoreError> {
        crate::private_files::replace(&self.dir.join(name), |file| file.write_all(bytes))
            .map_err(|e| self.io(&format!("write {name}"), e))
    }

    fn read_state(&self) -> Result<State, StoreError> {
        match std::fs::read(self.dir.join(STATE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                StoreError::new(format!(
                    "the event store {} is damaged ({e}); move it away and add the apps again (`wrk-zoom events app add`)",
                    self.dir.join(STATE).display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(self.io("read events.json", e)),
        }
    }

    /// Changes `events.json` under its lock; what `change` returned.
    fn change_state<T>(&self, change: impl FnOnce(&mut State) -> T) -> Result<T, StoreError> {
        let _lock = self.lock(STATE_LOCK)?;
        let mut state = self.read_state()?;
        let out = change(&mut state);
        let bytes = serde_json::to_vec_pretty(&state)
            .map_err(|e| format!("cannot encode the event store: {e}"))?;
        self.write_atomically(STATE, &bytes)?;
        Ok(out)
    }
}

/// `name` as a file name: letters, digits, `-` and `_` kept, anything else
/// as `%XX`.
fn lease_file_name(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    store: &FileEvents,
    work: impl FnOnce(FileEvents) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(store))
        .await
        .map_err(|e| StoreError::new(format!("the event store task failed: {e}")))?
}

#[async_trait]
impl EventStore for FileEvents {
    fn describe(&self) -> String {
        self.dir.display().to_string()
    }

    async fn apps(&self) -> Result<BTreeMap<String, EventApp>, StoreError> {
        blocking(self, |s| Ok(s.read_state()?.apps)).await
    }

    async fn put_app(&self, name: &str, app: &EventApp) -> Result<(), StoreError> {
        let (name, app) = (name.to_string(), app.clone());
        blocking(self, move |s| {
            s.change_state(|state| {
                state.apps.insert(name, app);
            })
        })
        .await
    }

    async fn remove_app(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        blocking(self, move |s| {
            s.change_state(|state| state.apps.remove(&name).is_some())
        })
        .await
    }

    async fn note_validation(&self, name: &str, at: i64) -> Result<(), StoreError> {
        let name = name.to_string();
        blocking(self, move |s| {
            s.change_state(|state| {
                if let Some(app) = state.apps.get_mut(&name) {
                    app.validated_at = Some(at);
                }
            })
        })
        .await
    }

    async fn note_refused(&self, name: &str, count: u64) -> Result<(), StoreError> {
        let name = name.to_string();
        blocking(self, move |s| {
            s.change_state(|state| {
                if let Some(app) = state.apps.get_mut(&name) {
                    app.refused += count;
                }
            })
        })
        .await
    }

    async fn append(&self, event: &NewEvent) -> Result<Appended, StoreError> {
        let event = event.clone();
        blocking(self, move |s| s.append_blocking(&event)).await
    }

    async fn read(&self, after: u64, limit: usize) -> Result<Vec<InboxEvent>, StoreError> {
        blocking(self, move |s| {
            s.with_index(|index| {
                let start = index.events.partition_point(|e| e.seq <= after);
                index.events[start..]
                    .iter()
                    .take(limit)
                    .map(|e| e.as_ref().clone())
                    .collect()
            })
        })
        .await
    }

    async fn last_seq(&self) -> Result<u64, StoreError> {
        blocking(self, |s| s.with_index(Index::last_seq)).await
    }

    async fn seq_before(&self, since_ms: i64) -> Result<u64, StoreError> {
        blocking(self, move |s| {
            s.with_index(|index| {
                index
                    .events
                    .iter()
                    .take_while(|e| e.event.received_at < since_ms)
                    .last()
                    .map_or(0, |e| e.seq)
            })
        })
        .await
    }

    async fn prune(&self, before_ms: i64) -> Result<u64, StoreError> {
        blocking(self, move |s| s.prune_blocking(before_ms)).await
    }

    async fn cursor(&self, consumer: &str) -> Result<Option<u64>, StoreError> {
        let consumer = consumer.to_string();
        blocking(self, move |s| {
            Ok(s.read_state()?.consumers.get(&consumer).copied())
        })
        .await
    }

    async fn set_cursor(&self, consumer: &str, seq: u64) -> Result<(), StoreError> {
        let consumer = consumer.to_string();
        blocking(self, move |s| {
            s.change_state(|state| {
                state.consumers.insert(consumer, seq);
            })
        })
        .await
    }

    async fn try_lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        let file_name = format!("lease-{}.lock", lease_file_name(name));
        blocking(self, move |s| {
            s.ensure_dir()?;
            let file = crate::private_files::open_lock_file(&s.dir.join(&file_name))
                .map_err(|e| s.io(&format!("open {file_name}"), e))?;
            match file.try_lock() {
                Ok(()) => Ok(Some(Lease::new(file))),
                Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                Err(std::fs::TryLockError::Error(e)) => Err(s.io(&format!("lock {file_name}"), e)),
            }
        })
        .await
    }

    async fn cursors(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        blocking(self, |s| Ok(s.read_state()?.consumers)).await
    }

    async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        blocking(self, |s| {
            Ok(s.read_state()?.subscriptions.into_values().collect())
        })
        .await
    }

    async fn add_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let subscription = subscription.clone();
        blocking(self, move |s| {
            s.change_state(|state| {
                state
                    .subscriptions
                    .insert(subscription.id.clone(), subscription);
            })
        })
        .await
    }

    async fn remove_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let id = id.to_string();
        blocking(self, move |s| {
            s.change_state(|state| state.subscriptions.remove(&id).is_some())
        })
        .await
    }

    async fn update_state(
        &self,
        id: &str,
        change: &mut (dyn for<'s> FnMut(&'s mut DeliveryState) + Send),
    ) -> Result<Option<DeliveryState>, StoreError> {
        // On this thread (`change` is borrowed): a short read and write
        // of a small file.
        self.change_state(|state| {
            let subscription = state.subscriptions.get_mut(id)?;
            change(&mut subscription.state);
            Some(subscription.state.clone())
        })
    }
}
