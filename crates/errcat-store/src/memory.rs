//! The in-memory store: governor's GCRA for rate limits, a map for idempotency keys.

use std::collections::HashMap;
use std::hash::BuildHasher as _;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, QuantaClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

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
    keys: Arc<Mutex<KeyTable>>,
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

type KeyedLimiter =
    RateLimiter<u64, DashMapStateStore<u64>, QuantaClock, StateInformationMiddleware>;

struct WindowLimiter {
    limiter: KeyedLimiter,
    interval: Duration,
    burst: u32,
}

struct MemoryLimiter {
    windows: Vec<Arc<WindowLimiter>>,
    clock: QuantaClock,
    hasher: foldhash::fast::RandomState,
    /// Milliseconds since `epoch` of the last sweep of idle keys.
    last_sweep: AtomicU64,
    epoch: Instant,
}

/// How often idle rate-limit keys are dropped.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

impl RateLimitStore for MemoryStore {
    fn limiter(&self, policy: &str, windows: &[Window]) -> Arc<dyn Limiter> {
        let clock = QuantaClock::default();
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
            epoch: Instant::now(),
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
        let now = self.epoch.elapsed().as_millis() as u64;
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
    last_sweep: Option<Instant>,
}

struct KeyEntry {
    fingerprint: Fingerprint,
    expires: Instant,
    state: KeyState,
}

enum KeyState {
    Locked(LockToken),
    Done(StoredResponse),
}

impl KeyTable {
    /// Drops expired entries about once every ten seconds.
    fn sweep(&mut self, now: Instant) {
        if self
            .last_sweep
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(10))
        {
            return;
        }
        self.last_sweep = Some(now);
        self.entries.retain(|_, e| e.expires > now);
    }

    fn live(&self, key: &str, now: Instant) -> Option<&KeyEntry> {
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
        let now = Instant::now();
        let mut table = self.table();
        table.sweep(now);
        let found = match table.live(key, now) {
            Some(e) if e.fingerprint != *fingerprint => Some(Begin::Mismatch),
            Some(KeyEntry {
                state: KeyState::Locked(_),
                expires,
                ..
            }) => Some(Begin::InProgress {
                lock_expires_in: expires.duration_since(now),
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
        let now = Instant::now();
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
