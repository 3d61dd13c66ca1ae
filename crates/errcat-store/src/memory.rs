//! The in-memory store: governor's GCRA for rate limits, a map for idempotency keys.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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
use crate::metrics::{Store, Timer};
use crate::{
    Begin, Cap, Decision, Fingerprint, IdempotencyStore, Limiter, LockToken, RateLimitStore,
    StoreError, StoreFuture, StoredResponse, Window, WindowState, WindowStates,
};

/// Rate limits and idempotency keys in this process's memory: the embedded default.
///
/// Cloning shares the state. Keys of rate limiters are hashed to 64 bits (no allocation per
/// request); idle keys are swept about once a minute. Idempotency records are dropped as
/// soon as they expire, and capped in number and bytes, in all and per scope
/// ([`IdempotencyLimits`], [`MemoryStore::idempotency_limits`]). Expiries saturate: a
/// retention or lock of [`Duration::MAX`] never overflows.
///
/// ```
/// use std::time::Duration;
/// use errcat_store::{Begin, Fingerprint, IdempotencyStore, MemoryStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let fp = Fingerprint::of("POST", "/faxes", b"{}");
/// let lock = Duration::from_secs(60);
/// let Begin::Acquired(token) = store.begin("tenant-a", "key-1", &fp, lock).await? else {
///     panic!("a fresh key is free");
/// };
/// assert!(matches!(store.begin("tenant-a", "key-1", &fp, lock).await?, Begin::InProgress { .. }));
/// // Another scope's key of the same name is another key.
/// assert!(matches!(store.begin("tenant-b", "key-1", &fp, lock).await?, Begin::Acquired(_)));
/// store.release("tenant-a", "key-1", &token).await?;
/// assert!(matches!(store.begin("tenant-a", "key-1", &fp, lock).await?, Begin::Acquired(_)));
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
        // Nothing panics while holding the lock (the table's changes are map operations and
        // saturating counts), so a poisoned lock still guards a whole table.
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
    /// [`MemoryLimiter::decide`], timed for the store metrics.
    fn decide_timed(&self, key: &str) -> Decision {
        let timer = Timer::start();
        let decision = self.decide(key);
        timer.finish(Store::Memory, true);
        decision
    }

    fn decide(&self, key: &str) -> Decision {
        self.maybe_sweep();
        let hash = self.hasher.hash_one(key);
        let mut states = WindowStates::with_capacity(self.windows.len());
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
        Box::pin(std::future::ready(Ok(self.decide_timed(key))))
    }

    fn check_now(&self, key: &str) -> Option<Result<Decision, StoreError>> {
        Some(Ok(self.decide_timed(key)))
    }
}

/// Caps on what a [`MemoryStore`] keeps for idempotency keys: records (locked or finished)
/// and bytes of kept responses (bodies and headers, [`StoredResponse::size`]), in all and
/// per scope (per principal, as the idempotency layer scopes keys).
///
/// A new key over a cap gets [`Begin::Full`] (the layer answers a scope's cap with the
/// catalog's `rate_limited` code, the store's with `unavailable`, both with `Retry-After`);
/// keys already held still answer, and no live record is ever dropped to make room: records
/// leave when they expire. Bytes are counted when a response is kept and checked when a key
/// is locked, so a store at its byte cap refuses new keys, and the caps can be overshot by at
/// most the responses of the keys locked at that moment (each at most the layer's
/// `max_stored_body`, 1 MiB by default, plus its headers).
///
/// Defaults: 100 000 records and 256 MiB in all, 10 000 records and 32 MiB per scope. Every
/// cap is at least 1.
///
/// ```
/// use errcat_store::{IdempotencyLimits, MemoryStore};
///
/// let limits = IdempotencyLimits::new()
///     .total(50_000, 128 * 1024 * 1024)
///     .per_scope(1_000, 8 * 1024 * 1024);
/// assert_eq!(limits.scope_entries(), 1_000);
/// assert_eq!(IdempotencyLimits::default().total_bytes(), 256 * 1024 * 1024);
/// let store = MemoryStore::new().idempotency_limits(limits);
/// # let _ = store;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyLimits {
    total_entries: usize,
    total_bytes: usize,
    scope_entries: usize,
    scope_bytes: usize,
}

impl Default for IdempotencyLimits {
    fn default() -> IdempotencyLimits {
        IdempotencyLimits {
            total_entries: 100_000,
            total_bytes: 256 * 1024 * 1024,
            scope_entries: 10_000,
            scope_bytes: 32 * 1024 * 1024,
        }
    }
}

impl IdempotencyLimits {
    /// The defaults.
    pub fn new() -> IdempotencyLimits {
        IdempotencyLimits::default()
    }

    /// At most `entries` records and `bytes` of kept responses in the whole store.
    pub fn total(mut self, entries: usize, bytes: usize) -> IdempotencyLimits {
        self.total_entries = entries.max(1);
        self.total_bytes = bytes.max(1);
        self
    }

    /// At most `entries` records and `bytes` of kept responses per scope.
    pub fn per_scope(mut self, entries: usize, bytes: usize) -> IdempotencyLimits {
        self.scope_entries = entries.max(1);
        self.scope_bytes = bytes.max(1);
        self
    }

    /// The store's cap on records.
    pub fn total_entries(&self) -> usize {
        self.total_entries
    }

    /// The store's cap on bytes.
    pub fn total_bytes(&self) -> usize {
        self.total_bytes
    }

    /// A scope's cap on records.
    pub fn scope_entries(&self) -> usize {
        self.scope_entries
    }

    /// A scope's cap on bytes.
    pub fn scope_bytes(&self) -> usize {
        self.scope_bytes
    }
}

impl MemoryStore {
    /// Caps what the store keeps for idempotency keys (see [`IdempotencyLimits`]). Call it
    /// before the store is shared: clones share the caps with the records.
    pub fn idempotency_limits(self, limits: IdempotencyLimits) -> MemoryStore {
        self.table().limits = limits;
        self
    }

    /// What the store holds for idempotency keys now, expired records dropped first: every
    /// record, locked or kept, and the bytes of the kept responses. It walks every record (for
    /// tests and diagnostics, not for a request's path).
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat_store::{Fingerprint, IdempotencyStore, IdempotencyUsage, MemoryStore};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::new();
    /// assert_eq!(
    ///     store.idempotency_usage(),
    ///     IdempotencyUsage { entries: 0, locked: 0, bytes: 0, scopes: 0 }
    /// );
    /// let fp = Fingerprint::of("POST", "/faxes", b"{}");
    /// store.begin("tenant-a", "key-1", &fp, Duration::from_secs(60)).await?;
    /// let usage = store.idempotency_usage();
    /// assert_eq!((usage.entries, usage.locked, usage.scopes), (1, 1, 1));
    /// # Ok::<(), errcat_store::StoreError>(())
    /// # }).unwrap();
    /// ```
    pub fn idempotency_usage(&self) -> IdempotencyUsage {
        let now = self.clock.now();
        let mut table = self.table();
        table.sweep(now);
        let locked = table
            .scopes
            .values()
            .flat_map(|scope| scope.keys.values())
            .filter(|e| matches!(e.state, KeyState::Locked(_)))
            .count();
        IdempotencyUsage {
            entries: table.entries,
            locked,
            bytes: table.bytes,
            scopes: table.scopes.len(),
        }
    }
}

/// What a [`MemoryStore`] holds for idempotency keys ([`MemoryStore::idempotency_usage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdempotencyUsage {
    /// Records, locked or kept.
    pub entries: usize,
    /// Records whose request has not finished (locked).
    pub locked: usize,
    /// Bytes of kept responses.
    pub bytes: usize,
    /// Scopes with at least one record.
    pub scopes: usize,
}

/// The idempotency records, by scope, with what each scope and the whole table hold, and
/// every record's expiry in order so expired records are dropped as soon as they expire.
#[derive(Default)]
struct KeyTable {
    limits: IdempotencyLimits,
    scopes: HashMap<String, ScopeTable>,
    /// Every record by (expiry, sequence number): the sweep's queue.
    queue: BTreeMap<(Duration, u64), (String, String)>,
    entries: usize,
    bytes: usize,
    next_seq: u64,
}

#[derive(Default)]
struct ScopeTable {
    keys: HashMap<String, KeyEntry>,
    bytes: usize,
    /// The scope's records by (expiry, sequence number), soonest first.
    expiries: BTreeSet<(Duration, u64)>,
}

/// Times in the table are readings of the store's clock.
struct KeyEntry {
    fingerprint: Fingerprint,
    expires: Duration,
    /// Tells records apart in the expiry queues.
    seq: u64,
    /// The bytes of the kept response (0 while locked).
    size: usize,
    state: KeyState,
}

enum KeyState {
    Locked(LockToken),
    Done(StoredResponse),
}

impl KeyTable {
    /// Drops every record whose time is up.
    fn sweep(&mut self, now: Duration) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let ((_, seq), (scope, key)) = entry.remove_entry();
            self.forget(&scope, &key, seq);
        }
    }

    /// Removes the record of `key` in `scope` if it is the one numbered `seq`, with its place
    /// in the scope's queue and its counts (the caller has taken it off the main queue).
    fn forget(&mut self, scope: &str, key: &str, seq: u64) {
        let Some(table) = self.scopes.get_mut(scope) else {
            return;
        };
        if table.keys.get(key).is_none_or(|e| e.seq != seq) {
            return;
        }
        if let Some(e) = table.keys.remove(key) {
            table.expiries.remove(&(e.expires, e.seq));
            table.bytes = table.bytes.saturating_sub(e.size);
            self.bytes = self.bytes.saturating_sub(e.size);
            self.entries = self.entries.saturating_sub(1);
        }
        if table.keys.is_empty() {
            self.scopes.remove(scope);
        }
    }

    /// Removes a record wherever it is.
    fn remove(&mut self, scope: &str, key: &str) {
        let Some(e) = self.scopes.get(scope).and_then(|t| t.keys.get(key)) else {
            return;
        };
        let (expires, seq) = (e.expires, e.seq);
        self.queue.remove(&(expires, seq));
        self.forget(scope, key, seq);
    }

    fn get(&self, scope: &str, key: &str) -> Option<&KeyEntry> {
        self.scopes.get(scope)?.keys.get(key)
    }

    /// The cap a new key in `scope` would go over, and when its soonest record expires.
    fn full(&self, scope: &str, now: Duration) -> Option<(Cap, Duration)> {
        let limits = &self.limits;
        let mine = self.scopes.get(scope);
        let scope_cap = mine.and_then(|t| {
            if t.keys.len() >= limits.scope_entries {
                Some(Cap::ScopeEntries)
            } else if t.bytes >= limits.scope_bytes {
                Some(Cap::ScopeBytes)
            } else {
                None
            }
        });
        if let (Some(cap), Some(t)) = (scope_cap, mine) {
            let soonest = t.expiries.first().map_or(now, |(at, _)| *at);
            return Some((cap, soonest.saturating_sub(now)));
        }
        let cap = if self.entries >= limits.total_entries {
            Cap::TotalEntries
        } else if self.bytes >= limits.total_bytes {
            Cap::TotalBytes
        } else {
            return None;
        };
        let soonest = self.queue.first_key_value().map_or(now, |((at, _), _)| *at);
        Some((cap, soonest.saturating_sub(now)))
    }

    /// Adds a locked record (the key is known to be absent).
    fn lock(
        &mut self,
        scope: &str,
        key: &str,
        fingerprint: Fingerprint,
        expires: Duration,
    ) -> LockToken {
        let token = LockToken::random();
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.queue
            .insert((expires, seq), (scope.to_owned(), key.to_owned()));
        let table = self.scopes.entry(scope.to_owned()).or_default();
        table.expiries.insert((expires, seq));
        table.keys.insert(
            key.to_owned(),
            KeyEntry {
                fingerprint,
                expires,
                seq,
                size: 0,
                state: KeyState::Locked(token.clone()),
            },
        );
        self.entries += 1;
        token
    }

    /// Turns the lock `token` holds into the kept response; `false` if it holds none.
    fn record(
        &mut self,
        scope: &str,
        key: &str,
        token: &LockToken,
        response: &StoredResponse,
        expires: Duration,
    ) -> bool {
        let Some(table) = self.scopes.get_mut(scope) else {
            return false;
        };
        let Some(e) = table.keys.get_mut(key) else {
            return false;
        };
        if !matches!(&e.state, KeyState::Locked(t) if t == token) {
            return false;
        }
        let size = response.size();
        table.expiries.remove(&(e.expires, e.seq));
        table.expiries.insert((expires, e.seq));
        table.bytes = table.bytes.saturating_add(size);
        self.queue.remove(&(e.expires, e.seq));
        self.queue
            .insert((expires, e.seq), (scope.to_owned(), key.to_owned()));
        self.bytes = self.bytes.saturating_add(size);
        e.expires = expires;
        e.size = size;
        e.state = KeyState::Done(response.clone());
        true
    }
}

impl IdempotencyStore for MemoryStore {
    fn begin<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        fingerprint: &'a Fingerprint,
        lock_ttl: Duration,
    ) -> StoreFuture<'a, Begin> {
        let timer = Timer::start();
        let now = self.clock.now();
        let mut table = self.table();
        table.sweep(now);
        let answer = match table.get(scope, key) {
            Some(e) if e.fingerprint != *fingerprint => Begin::Mismatch,
            Some(KeyEntry {
                state: KeyState::Locked(_),
                expires,
                ..
            }) => Begin::InProgress {
                lock_expires_in: expires.saturating_sub(now),
            },
            Some(KeyEntry {
                state: KeyState::Done(response),
                ..
            }) => Begin::Completed(response.clone()),
            None => match table.full(scope, now) {
                Some((cap, retry_after)) => Begin::Full { cap, retry_after },
                None => Begin::Acquired(table.lock(
                    scope,
                    key,
                    *fingerprint,
                    now.saturating_add(lock_ttl),
                )),
            },
        };
        timer.finish(Store::Memory, true);
        Box::pin(std::future::ready(Ok(answer)))
    }

    fn complete<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> StoreFuture<'a, bool> {
        let timer = Timer::start();
        let now = self.clock.now();
        let mut table = self.table();
        // An expired lock is swept first, so it is no longer held.
        table.sweep(now);
        let held = table.record(scope, key, token, response, now.saturating_add(retention));
        drop(table);
        timer.finish(Store::Memory, true);
        Box::pin(std::future::ready(Ok(held)))
    }

    fn release<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
    ) -> StoreFuture<'a, ()> {
        let timer = Timer::start();
        let mut table = self.table();
        if table
            .get(scope, key)
            .is_some_and(|e| matches!(&e.state, KeyState::Locked(t) if t == token))
        {
            table.remove(scope, key);
        }
        drop(table);
        timer.finish(Store::Memory, true);
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
        let timer = Timer::start();
        let found = self.api_keys().get(id).cloned();
        timer.finish(Store::Memory, true);
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
