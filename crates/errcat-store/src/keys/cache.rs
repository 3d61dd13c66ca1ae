//! A per-instance cache in front of a [`KeyStore`]: found and missing ids alike are kept for a
//! short time, so the hot path and a spray of unknown keys stay off the shared store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{KeyRecord, KeyStore};
use crate::StoreFuture;

/// An answer, and when it was fetched.
type Cached = (Option<Arc<KeyRecord>>, Instant);

/// Caches [`KeyStore::get`] answers (negative ones too) for `ttl`, at most `capacity` of them.
///
/// A key revoked on another instance stops working here within `ttl`; one revoked or replaced
/// through this cache stops at once.
///
/// ```
/// use std::time::Duration;
/// use errcat_store::MemoryStore;
/// use errcat_store::keys::CachedKeyStore;
///
/// let keys = CachedKeyStore::new(MemoryStore::new(), Duration::from_secs(5), 10_000);
/// assert_eq!(keys.ttl(), Duration::from_secs(5));
/// ```
pub struct CachedKeyStore<S> {
    inner: S,
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<String, Cached, foldhash::fast::RandomState>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for CachedKeyStore<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedKeyStore")
            .field("inner", &self.inner)
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl<S: KeyStore> CachedKeyStore<S> {
    /// A cache of at most `capacity` answers (at least 1), each kept for `ttl`.
    pub fn new(inner: S, ttl: Duration, capacity: usize) -> CachedKeyStore<S> {
        CachedKeyStore {
            inner,
            ttl,
            capacity: capacity.max(1),
            // Seeded at random per cache: ids are the caller's input.
            entries: Mutex::new(HashMap::default()),
        }
    }

    /// How long an answer is kept: the bound on how late a revocation elsewhere is seen.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The store behind the cache.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn table(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Cached, foldhash::fast::RandomState>> {
        // Every change is one insert, remove or retain: a poisoned map is still whole.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self, id: &str) -> Option<Option<Arc<KeyRecord>>> {
        let table = self.table();
        let (record, at) = table.get(id)?;
        (at.elapsed() < self.ttl).then(|| record.clone())
    }

    fn remember(&self, id: &str, record: Option<Arc<KeyRecord>>) {
        let mut table = self.table();
        if table.len() >= self.capacity && !table.contains_key(id) {
            let ttl = self.ttl;
            table.retain(|_, (_, at)| at.elapsed() < ttl);
            if table.len() >= self.capacity {
                // Still full of fresh answers: drop one; the store still has it.
                if let Some(victim) = table.keys().next().cloned() {
                    table.remove(&victim);
                }
            }
        }
        table.insert(id.to_owned(), (record, Instant::now()));
    }

    fn forget(&self, id: &str) {
        self.table().remove(id);
    }
}

impl<S: KeyStore> KeyStore for CachedKeyStore<S> {
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<KeyRecord>> {
        Box::pin(async move {
            let shared = self.get_shared(id).await?;
            Ok(shared.map(|r| KeyRecord::clone(&r)))
        })
    }

    fn get_shared<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Arc<KeyRecord>>> {
        Box::pin(async move {
            if let Some(answer) = self.cached(id) {
                return Ok(answer);
            }
            let record = self.inner.get_shared(id).await?;
            self.remember(id, record.clone());
            Ok(record)
        })
    }

    fn get_now(&self, id: &str) -> Option<Arc<KeyRecord>> {
        self.cached(id).flatten()
    }

    fn put<'a>(&'a self, record: &'a KeyRecord) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.forget(&record.id);
            self.inner.put(record).await
        })
    }

    fn revoke<'a>(&'a self, id: &'a str, at: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            self.forget(id);
            let done = self.inner.revoke(id, at).await;
            self.forget(id);
            done
        })
    }

    fn list<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Vec<KeyRecord>> {
        self.inner.list(owner)
    }
}
