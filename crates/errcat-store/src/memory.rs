//! The in-memory store: governor's GCRA for rate limits, a map for idempotency keys.

use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use governor::clock::Clock as _;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::keys::{KeyRecord, KeyStore};
use crate::{
    Begin, Decision, Fingerprint, IdempotencyStore, Limiter, LockToken, RateLimitStore, StoreError,
    StoreFuture, StoredResponse, Window, WindowState,
};

/// Rate limits and idempotency keys in this process's memory: the embedded default.
///
/// Cloning shares the state. Keys of rate limiters are hashed to 64 bits (no allocation per
/// request); idle keys are swept about once a minute.
///
/// ```
/// use std::time::Duration;
/// use errcat_store::{Begin, Fingerprint, IdempotencyStore, MemoryStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let fp = Fingerprint::of("POST", "/faxes", b"{}");
/// let Begin::Acquired(token) = store.begin("key-1", &fp, Duration::from_secs(60)).await? else {
///     panic!("a fresh key is free");
/// };
/// assert!(matches!(store.begin("key-1", &fp, Duration::from_secs(60)).await?, Begin::InProgress { .. }));
/// store.release("key-1", &token).await?;
/// assert!(matches!(store.begin("key-1", &fp, Duration::from_secs(60)).await?, Begin::Acquired(_)));
/// # Ok::<(), errcat_store::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    clock: StoreClock,
    keys: Arc<Mutex<KeyTable>>,
    /// API-key records by id.
    api_keys: Arc<Mutex<std::collections::BTreeMap<String, KeyRecord>>>,
    /// Window limiters by policy, window name and quota, so that two limiters made for the same
    /// policy share their state, as they do on Redis.
    windows: Arc<Mutex<HashMap<String, Arc<WindowLimiter>>>>,
    /// Seeded at random per store (clones share it), so a client cannot craft a key that
    /// collides with another's.
    hasher: foldhash::fast::RandomState,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store whose windows and expiries follow `clock` instead of the machine's clock,
    /// so a test can move time on exactly as far as it needs, without sleeping.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat_store::{Limiter as _, ManualClock, MemoryStore, RateLimitStore, Window};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let clock = ManualClock::new();
    /// let store = MemoryStore::with_clock(clock.clone());
    /// let limiter = store.limiter("api", &[Window::per_second("second", 1)]);
    /// assert!(limiter.check("k").await?.admitted());
    /// assert!(!limiter.check("k").await?.admitted());
    /// clock.advance(Duration::from_secs(1));
    /// assert!(limiter.check("k").await?.admitted());
    /// # Ok::<(), errcat_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub fn with_clock(clock: ManualClock) -> MemoryStore {
        MemoryStore {
            clock: StoreClock::Manual(clock),
            ..MemoryStore::default()
        }
    }

    fn table(&self) -> MutexGuard<'_, KeyTable> {
        // A panic while holding the lock leaves the map consistent: every change is one insert
        // or remove.
        self.keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

/// A clock that moves only when told: for tests of rate-limit windows and key expiries that
/// must not depend on how fast the machine runs. Clones share the time.
///
/// See [`MemoryStore::with_clock`].
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> ManualClock {
        ManualClock::default()
    }

    /// Moves the time on by `by` (saturating after about 584 years).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .nanos
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_add(by))
            });
    }

    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}

/// The time a [`MemoryStore`] reads: since the store was made, on the machine's monotonic clock,
/// or a [`ManualClock`]'s.
#[derive(Clone, Debug)]
enum StoreClock {
    System(Instant),
    Manual(ManualClock),
}

impl Default for StoreClock {
    fn default() -> Self {
        StoreClock::System(Instant::now())
    }
}

impl governor::clock::Clock for StoreClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        match self {
            StoreClock::System(epoch) => epoch.elapsed(),
            StoreClock::Manual(clock) => clock.now(),
        }
    }
}

type KeyedLimiter =
    RateLimiter<u64, DashMapStateStore<u64>, StoreClock, StateInformationMiddleware>;

struct WindowLimiter {
    limiter: KeyedLimiter,
    interval: Duration,
    burst: u32,
}

struct MemoryLimiter {
    windows: Vec<Arc<WindowLimiter>>,
    clock: StoreClock,
    hasher: foldhash::fast::RandomState,
    /// Milliseconds on `clock` of the last sweep of idle keys.
    last_sweep: AtomicU64,
}

/// How often idle rate-limit keys are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl RateLimitStore for MemoryStore {
    fn limiter(&self, policy: &str, windows: &[Window]) -> Arc<dyn Limiter> {
        let clock = self.clock.clone();
        let mut shared = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let windows = windows
            .iter()
            .map(|w| {
                let id = format!(
                    "{policy}\0{}\0{}\0{}\0{}",
                    w.name(),
                    w.limit(),
                    w.period().as_nanos(),
                    w.burst_size()
                );
                if let Some(existing) = shared.get(&id) {
                    return existing.clone();
                }
                let interval = w.emission_interval().max(Duration::from_nanos(1));
                let burst = NonZeroU32::new(w.burst_size()).unwrap_or(NonZeroU32::MIN);
                // `with_period` is `None` only for a zero period, which `max` rules out.
                let quota = Quota::with_period(interval)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(burst);
                let made = Arc::new(WindowLimiter {
                    limiter: KeyedLimiter::new(quota, DashMapStateStore::default(), clock.clone()),
                    interval,
                    burst: burst.get(),
                });
                shared.insert(id, made.clone());
                made
            })
            .collect();
        drop(shared);
        Arc::new(MemoryLimiter {
            windows,
            clock,
            hasher: self.hasher.clone(),
            last_sweep: AtomicU64::new(0),
        })
    }
}

impl MemoryLimiter {
    fn decide(&self, key: &str) -> Decision {
        self.maybe_sweep();
        let hash = self.hasher.hash_one(key);
        let mut states = Vec::with_capacity(self.windows.len());
        for (i, w) in self.windows.iter().enumerate() {
            match w.limiter.check_key(&hash) {
                Ok(snapshot) => {
                    let remaining = snapshot.remaining_burst_capacity();
                    states.push(WindowState {
                        remaining,
                        reset: w.interval * w.burst.saturating_sub(remaining),
                    });
                }
                Err(not_until) => {
                    let wait = not_until.wait_time_from(self.clock.now());
                    states.push(WindowState {
                        remaining: 0,
                        reset: wait + w.interval * w.burst.saturating_sub(1),
                    });
                    return Decision {
                        states,
                        rejected: Some((i, wait)),
                    };
                }
            }
        }
        Decision {
            states,
            rejected: None,
        }
    }

    fn maybe_sweep(&self) {
        let now = self.clock.now().as_millis() as u64;
        let last = self.last_sweep.load(Ordering::Relaxed);
        if now.saturating_sub(last) < SWEEP_EVERY.as_millis() as u64 {
            return;
        }
        if self
            .last_sweep
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            for w in &self.windows {
                w.limiter.retain_recent();
                w.limiter.shrink_to_fit();
            }
        }
    }
}

impl Limiter for MemoryLimiter {
    fn check<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Decision> {
        let decision = self.decide(key);
        Box::pin(std::future::ready(Ok(decision)))
    }
}

#[derive(Default)]
struct KeyTable {
    entries: HashMap<String, KeyEntry>,
    last_sweep: Option<Duration>,
}

/// Times in the table are readings of the store's clock.
struct KeyEntry {
    fingerprint: Fingerprint,
    expires: Duration,
    state: KeyState,
}

enum KeyState {
    Locked(LockToken),
    Done(StoredResponse),
}

impl KeyTable {
    /// Drops expired entries about once every ten seconds.
    fn sweep(&mut self, now: Duration) {
        if self
            .last_sweep
            .is_some_and(|t| now.saturating_sub(t) < Duration::from_secs(10))
        {
            return;
        }
        self.last_sweep = Some(now);
        self.entries.retain(|_, e| e.expires > now);
    }

    fn live(&self, key: &str, now: Duration) -> Option<&KeyEntry> {
        self.entries.get(key).filter(|e| e.expires > now)
    }
}

impl IdempotencyStore for MemoryStore {
    fn begin<'a>(
        &'a self,
        key: &'a str,
        fingerprint: &'a Fingerprint,
        lock_ttl: Duration,
    ) -> StoreFuture<'a, Begin> {
        let now = self.clock.now();
        let mut table = self.table();
        table.sweep(now);
        let found = match table.live(key, now) {
            Some(e) if e.fingerprint != *fingerprint => Some(Begin::Mismatch),
            Some(KeyEntry {
                state: KeyState::Locked(_),
                expires,
                ..
            }) => Some(Begin::InProgress {
                lock_expires_in: expires.saturating_sub(now),
            }),
            Some(KeyEntry {
                state: KeyState::Done(response),
                ..
            }) => Some(Begin::Completed(response.clone())),
            None => None,
        };
        let answer = found.unwrap_or_else(|| {
            let token = LockToken::random();
            table.entries.insert(
                key.to_owned(),
                KeyEntry {
                    fingerprint: *fingerprint,
                    expires: now + lock_ttl,
                    state: KeyState::Locked(token.clone()),
                },
            );
            Begin::Acquired(token)
        });
        Box::pin(std::future::ready(Ok(answer)))
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: &'a LockToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> StoreFuture<'a, bool> {
        let now = self.clock.now();
        let mut table = self.table();
        let held = match table.entries.get_mut(key) {
            Some(e) if e.expires > now && matches!(&e.state, KeyState::Locked(t) if t == token) => {
                e.state = KeyState::Done(response.clone());
                e.expires = now + retention;
                true
            }
            _ => false,
        };
        Box::pin(std::future::ready(Ok(held)))
    }

    fn release<'a>(&'a self, key: &'a str, token: &'a LockToken) -> StoreFuture<'a, ()> {
        let mut table = self.table();
        if table
            .entries
            .get(key)
            .is_some_and(|e| matches!(&e.state, KeyState::Locked(t) if t == token))
        {
            table.entries.remove(key);
        }
        Box::pin(std::future::ready(Ok::<(), StoreError>(())))
    }
}

impl MemoryStore {
    fn api_keys(&self) -> MutexGuard<'_, std::collections::BTreeMap<String, KeyRecord>> {
        // Every change is one insert or field update: a poisoned map is still whole.
        self.api_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl KeyStore for MemoryStore {
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<KeyRecord>> {
        let found = self.api_keys().get(id).cloned();
        Box::pin(std::future::ready(Ok(found)))
    }

    fn put<'a>(&'a self, record: &'a KeyRecord) -> StoreFuture<'a, ()> {
        self.api_keys().insert(record.id.clone(), record.clone());
        Box::pin(std::future::ready(Ok(())))
    }

    fn revoke<'a>(&'a self, id: &'a str, at: u64) -> StoreFuture<'a, bool> {
        let found = match self.api_keys().get_mut(id) {
            Some(record) => {
                record.revoked.get_or_insert(at);
                true
            }
            None => false,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn list<'a>(&'a self, owner: &'a str) -> StoreFuture<'a, Vec<KeyRecord>> {
        let records = self
            .api_keys()
            .values()
            .filter(|r| r.owner == owner)
            .cloned()
            .collect();
        Box::pin(std::future::ready(Ok(records)))
    }
}
