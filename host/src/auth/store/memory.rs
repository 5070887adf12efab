//! [`MemoryStore`]: connections in memory, for tests and embedding.

use super::*;

/// A store in memory (tests, embedding). Its lock is process-local.
#[derive(Clone, Default)]
pub struct MemoryStore {
    data: Arc<Mutex<StoreData>>,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl MemoryStore {
    /// A store holding `data`.
    pub fn new(data: StoreData) -> MemoryStore {
        MemoryStore {
            data: Arc::new(Mutex::new(data)),
            lock: Arc::default(),
        }
    }

    fn snapshot(&self) -> StoreData {
        self.data.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn read(&self) -> Result<StoreData, StoreError> {
        Ok(self.snapshot())
    }

    async fn lock(&self) -> Result<Box<dyn StoreGuard>, StoreError> {
        let guard = self.lock.clone().lock_owned().await;
        Ok(Box::new(MemoryGuard {
            store: self.clone(),
            _guard: guard,
        }))
    }

    fn describe(&self) -> String {
        "the in-memory token store".into()
    }
}

struct MemoryGuard {
    store: MemoryStore,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

#[async_trait]
impl StoreGuard for MemoryGuard {
    async fn read(&mut self) -> Result<StoreData, StoreError> {
        Ok(self.store.snapshot())
    }

    async fn write(self: Box<Self>, data: &StoreData) -> Result<(), StoreError> {
        *self.store.data.lock().unwrap_or_else(|e| e.into_inner()) = data.clone();
        Ok(())
    }
}
