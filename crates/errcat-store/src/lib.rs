//! The state behind errcat's rate limits and idempotency keys, behind two small traits.
//!
//! - [`RateLimitStore`] hands out a [`Limiter`] per policy: GCRA over one or more [`Window`]s,
//!   each window a quota over a period (seed 004's hourly and daily limits are two windows).
//! - [`IdempotencyStore`] locks an `Idempotency-Key` in its scope, records the response of the
//!   request that held the lock, and replays it.
//!
//! [`MemoryStore`] implements both on one machine with nothing to install (rate limits on the
//! governor crate). With the `redis` feature, `RedisStore` implements both on Redis with atomic
//! Lua scripts, so several instances share limits and keys.
//!
//! This crate knows nothing of HTTP services: errcat's axum layers turn its answers into the
//! catalog's codes and headers.
//!
//! ```
//! use std::time::Duration;
//! use errcat_store::{MemoryStore, RateLimitStore, Window};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let store = MemoryStore::new();
//! let limiter = store.limiter("api-key", &[Window::new("burst", 2, Duration::from_secs(1))]);
//! assert!(limiter.check("key-1").await?.admitted());
//! assert!(limiter.check("key-1").await?.admitted());
//! let third = limiter.check("key-1").await?;
//! assert_eq!(third.rejected_by(), Some(0));
//! assert!(third.retry_after().is_some());
//! # Ok::<(), errcat_store::StoreError>(())
//! # }).unwrap();
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub mod keys;
mod memory;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
/// Without the `metrics` feature: hooks that compile to nothing.
#[cfg(not(feature = "metrics"))]
mod metrics {
    #[derive(Clone, Copy)]
    #[allow(dead_code)]
    pub(crate) enum Store {
        Memory,
        Redis,
    }
    pub(crate) struct Timer;
    impl Timer {
        #[inline(always)]
        pub(crate) fn start() -> Timer {
            Timer
        }
        #[inline(always)]
        pub(crate) fn finish(self, _store: Store, _ok: bool) {}
    }
}
#[cfg(feature = "redis")]
mod redis_store;

pub use memory::{IdempotencyLimits, IdempotencyUsage, ManualClock, MemoryStore};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{RedisConfig, RedisStore};

/// A store's answer, in the future: stores may do I/O.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store could not answer: it is unreachable, too slow, or answered nonsense.
///
/// The layers turn it into the configured behaviour (fail open, or the catalog's
/// `unavailable` code); it never reaches a client as text.
///
/// ```
/// let e = errcat_store::StoreError::new("connection refused");
/// assert_eq!(e.to_string(), "store unavailable: connection refused");
/// ```
#[derive(Debug, Clone)]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// An error with a message for the logs.
    pub fn new(message: impl Into<String>) -> StoreError {
        StoreError {
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store unavailable: {}", self.message)
    }
}

impl std::error::Error for StoreError {}

/// One quota of a rate-limit policy: `limit` requests per `period`, enforced with GCRA.
///
/// GCRA spaces requests one emission interval (`period / limit`) apart and lets a burst of up
/// to `burst` through at once (by default `burst == limit`, so a quiet client may spend its whole
/// quota at once and then earns it back steadily).
///
/// ```
/// use std::time::Duration;
/// use errcat_store::Window;
///
/// let hourly = Window::new("hourly", 1000, Duration::from_secs(3600)).code("hourly_limit_reached");
/// assert_eq!(hourly.emission_interval(), Duration::from_millis(3600));
/// assert_eq!(hourly.code_name(), Some("hourly_limit_reached"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    name: String,
    limit: u32,
    period: Duration,
    burst: u32,
    code: Option<String>,
}

impl Window {
    /// `limit` requests per `period`, named for the `RateLimit-Policy` header. A zero limit or
    /// period is raised to the smallest meaningful value (1 request, 1 ms).
    pub fn new(name: impl Into<String>, limit: u32, period: Duration) -> Window {
        let limit = limit.max(1);
        Window {
            name: name.into(),
            limit,
            period: period.max(Duration::from_millis(1)),
            burst: limit,
            code: None,
        }
    }

    /// `limit` requests per second.
    pub fn per_second(name: impl Into<String>, limit: u32) -> Window {
        Window::new(name, limit, Duration::from_secs(1))
    }

    /// `limit` requests per minute.
    pub fn per_minute(name: impl Into<String>, limit: u32) -> Window {
        Window::new(name, limit, Duration::from_secs(60))
    }

    /// `limit` requests per hour.
    pub fn per_hour(name: impl Into<String>, limit: u32) -> Window {
        Window::new(name, limit, Duration::from_secs(3600))
    }

    /// `limit` requests per day.
    pub fn per_day(name: impl Into<String>, limit: u32) -> Window {
        Window::new(name, limit, Duration::from_secs(86_400))
    }

    /// How many requests may arrive at once (at least 1).
    pub fn burst(mut self, burst: u32) -> Window {
        self.burst = burst.max(1);
        self
    }

    /// The catalog code a request refused by this window gets; without one, the catalog's
    /// `rate_limited` role.
    pub fn code(mut self, code: impl Into<String>) -> Window {
        self.code = Some(code.into());
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The quota per period.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The burst.
    pub fn burst_size(&self) -> u32 {
        self.burst
    }

    /// The catalog code, if the window has its own.
    pub fn code_name(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The time GCRA spaces requests apart: `period / limit`.
    pub fn emission_interval(&self) -> Duration {
        self.period / self.limit
    }
}

/// The state of one window after a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowState {
    /// Requests the key may still make at once.
    pub remaining: u32,
    /// Until the window is fully replenished.
    pub reset: Duration,
}

/// The window states of one [`Decision`]: up to four inline, so a decision takes no allocation
/// for the usual policy.
pub type WindowStates = smallvec::SmallVec<[WindowState; 4]>;

/// A rate-limit decision over a policy's windows.
///
/// Windows are checked in the policy's order; a request counts against every window it passed,
/// and the first window that refuses it decides. Windows after that one are not consulted, so
/// `states` may be shorter than the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The state of each window consulted, in the policy's order.
    pub states: WindowStates,
    /// The index of the window that refused the request, and how long until it would admit it.
    pub rejected: Option<(usize, Duration)>,
}

impl Decision {
    /// Whether the request may go on.
    pub fn admitted(&self) -> bool {
        self.rejected.is_none()
    }

    /// The index of the window that refused the request.
    pub fn rejected_by(&self) -> Option<usize> {
        self.rejected.map(|(i, _)| i)
    }

    /// How long until the refusing window would admit the request.
    pub fn retry_after(&self) -> Option<Duration> {
        self.rejected.map(|(_, d)| d)
    }
}

/// Where rate-limit state lives.
pub trait RateLimitStore: Send + Sync + 'static {
    /// The limiter of one policy. `policy` names it (and namespaces its keys in shared stores);
    /// `windows` are checked in order.
    fn limiter(&self, policy: &str, windows: &[Window]) -> Arc<dyn Limiter>;
}

/// A shared store is a store: pick one at run time as an `Arc<dyn RateLimitStore>`.
///
/// ```
/// use std::sync::Arc;
/// use errcat_store::{MemoryStore, RateLimitStore, Window};
///
/// let store: Arc<dyn RateLimitStore> = Arc::new(MemoryStore::new());
/// let limiter = store.limiter("p", &[Window::per_second("s", 1)]);
/// # let _ = limiter;
/// ```
impl<T: RateLimitStore + ?Sized> RateLimitStore for Arc<T> {
    fn limiter(&self, policy: &str, windows: &[Window]) -> Arc<dyn Limiter> {
        (**self).limiter(policy, windows)
    }
}

/// The limiter of one policy.
pub trait Limiter: Send + Sync + 'static {
    /// Decides one request for `key` (an API key's hash, a client address…), and counts it.
    fn check<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Decision>;

    /// Decides at once, without a future, where the limiter can (state in this process):
    /// `Some` answer, counted as [`Limiter::check`] counts it, or `None` to use `check`.
    /// Callers try this first, so a limiter in memory costs no allocation for its future.
    ///
    /// ```
    /// use errcat_store::{MemoryStore, RateLimitStore, Window};
    ///
    /// let limiter = MemoryStore::new().limiter("p", &[Window::per_second("s", 1)]);
    /// let first = limiter.check_now("k").expect("in memory").expect("no store error");
    /// assert!(first.admitted());
    /// assert!(!limiter.check_now("k").expect("in memory").expect("no store error").admitted());
    /// ```
    fn check_now(&self, key: &str) -> Option<Result<Decision, StoreError>> {
        let _ = key;
        None
    }

    /// Decides `key` here, then each of `then` in order, as [`Limiter::check`] on each would:
    /// the first refusal stops the chain, so the limiters after it are neither consulted nor
    /// charged, and the answer holds one decision per limiter consulted. `Some` where the store
    /// can do it in one step (a Redis server: one script over every window, one round trip),
    /// `None` to check one by one. [`check_chain`] does either.
    fn check_chain<'a>(
        &'a self,
        key: &'a str,
        then: &'a [(&'a dyn Limiter, &'a str)],
    ) -> Option<StoreFuture<'a, Vec<Decision>>> {
        let _ = (key, then);
        None
    }

    /// This limiter as [`Any`](std::any::Any), for a store to recognise its own limiters in a
    /// [`Limiter::check_chain`]; `None` by default.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

/// Decides each `(limiter, key)` in order, stopping at the first refusal: in one step where
/// the first limiter's store can ([`Limiter::check_chain`]), else one by one.
///
/// ```
/// use errcat_store::{check_chain, MemoryStore, RateLimitStore, Window};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let address = store.limiter("ip", &[Window::per_second("s", 1)]);
/// let plan = store.limiter("plan", &[Window::per_second("s", 10)]);
/// let first = check_chain(&[(&*address, "10.0.0.1"), (&*plan, "key_1")]).await?;
/// assert_eq!(first.len(), 2);
/// assert!(first.iter().all(|d| d.admitted()));
/// // The address refuses: the plan is not consulted, nor charged.
/// let second = check_chain(&[(&*address, "10.0.0.1"), (&*plan, "key_1")]).await?;
/// assert_eq!(second.len(), 1);
/// assert!(!second[0].admitted());
/// # Ok::<(), errcat_store::StoreError>(())
/// # }).unwrap();
/// ```
pub async fn check_chain(chain: &[(&dyn Limiter, &str)]) -> Result<Vec<Decision>, StoreError> {
    let Some(((first, key), rest)) = chain.split_first() else {
        return Ok(Vec::new());
    };
    if let Some(together) = first.check_chain(key, rest) {
        return together.await;
    }
    let mut decisions = Vec::with_capacity(chain.len());
    for (limiter, key) in chain {
        let decision = match limiter.check_now(key) {
            Some(answer) => answer?,
            None => limiter.check(key).await?,
        };
        let admitted = decision.admitted();
        decisions.push(decision);
        if !admitted {
            break;
        }
    }
    Ok(decisions)
}

/// What identifies a request for idempotency: a hash of its method, target and body.
///
/// ```
/// use errcat_store::Fingerprint;
/// let a = Fingerprint::of("POST", "/faxes", b"{\"to\":\"+1555\"}");
/// assert_eq!(a, Fingerprint::of("POST", "/faxes", b"{\"to\":\"+1555\"}"));
/// assert_ne!(a, Fingerprint::of("POST", "/faxes", b"{\"to\":\"+1556\"}"));
/// assert_eq!(a.to_hex().len(), 64);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// SHA-256 over the method, the request target and the body, each length-prefixed so no
    /// two different requests run together into the same bytes.
    pub fn of(method: &str, target: &str, body: &[u8]) -> Fingerprint {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        for part in [method.as_bytes(), target.as_bytes(), body] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        Fingerprint(h.finalize().into())
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

/// A key fit to store in place of a secret (an API key, a credential): lowercase hex of the
/// first 128 bits of its SHA-256. Equal inputs give equal keys in every process.
///
/// ```
/// let k = errcat_store::digest_key(b"Bearer sk_live_123");
/// assert_eq!(k.len(), 32);
/// assert_eq!(k, errcat_store::digest_key(b"Bearer sk_live_123"));
/// assert_ne!(k, errcat_store::digest_key(b"Bearer sk_live_124"));
/// ```
pub fn digest_key(secret: &[u8]) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(secret);
    hex(&digest[..16])
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Proof of holding an idempotency key's lock: only its holder may record or release it.
///
/// ```
/// let a = errcat_store::LockToken::random();
/// assert_ne!(a, errcat_store::LockToken::random());
/// assert_eq!(a.as_str().len(), 32);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LockToken(String);

impl LockToken {
    /// A fresh random token.
    pub fn random() -> LockToken {
        let bytes: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
        LockToken(hex(&bytes))
    }

    /// A token read back from a store.
    pub fn from_string(s: String) -> LockToken {
        LockToken(s)
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A response kept for replay: status, headers and body, byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The status code.
    pub status: u16,
    /// The headers, in order, names lowercase.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: bytes::Bytes,
}

impl StoredResponse {
    /// The bytes it holds, as stores count them against their caps: the body, and each
    /// header's name and value.
    ///
    /// ```
    /// let r = errcat_store::StoredResponse {
    ///     status: 201,
    ///     headers: vec![("content-type".to_owned(), b"text/plain".to_vec())],
    ///     body: bytes::Bytes::from_static(b"sent"),
    /// };
    /// assert_eq!(r.size(), 4 + 12 + 10);
    /// ```
    pub fn size(&self) -> usize {
        self.headers
            .iter()
            .fold(self.body.len(), |n, (name, value)| {
                n.saturating_add(name.len()).saturating_add(value.len())
            })
    }
}

/// What [`IdempotencyStore::begin`] found for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Nothing: the caller now holds the lock and runs the request.
    Acquired(LockToken),
    /// Another request with the same key and fingerprint holds the lock.
    InProgress {
        /// How long the lock has left at most.
        lock_expires_in: Duration,
    },
    /// The key was used for a request with another fingerprint (running or finished).
    Mismatch,
    /// The key's request finished: here is its response.
    Completed(StoredResponse),
    /// The key is new, but the store already holds all it may (for the scope, or in all): no
    /// lock was taken. Nothing the store holds was dropped to make room.
    Full {
        /// Which cap the key would have gone over.
        cap: Cap,
        /// When the soonest-expiring record under that cap (the scope's, or any) expires, and
        /// room may free up.
        retry_after: Duration,
    },
}

/// Which of a store's caps refused a new idempotency key ([`Begin::Full`]).
///
/// ```
/// use errcat_store::Cap;
/// assert!(Cap::ScopeEntries.is_per_scope());
/// assert!(!Cap::TotalBytes.is_per_scope());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cap {
    /// The scope holds as many records as it may.
    ScopeEntries,
    /// The scope's kept responses hold as many bytes as they may.
    ScopeBytes,
    /// The store holds as many records as it may.
    TotalEntries,
    /// The store's kept responses hold as many bytes as they may.
    TotalBytes,
}

impl Cap {
    /// Whether the cap is one scope's (the caller's own doing) rather than the whole store's.
    pub fn is_per_scope(self) -> bool {
        matches!(self, Cap::ScopeEntries | Cap::ScopeBytes)
    }
}

/// Where idempotency keys live.
///
/// A key lives in a scope (whose key it is: a principal's id, a hash of the credentials, `-`
/// for one key space shared by all): the same key in two scopes is two keys, and a store may
/// cap what one scope holds. A key is first locked by [`begin`](IdempotencyStore::begin) for
/// at most `lock_ttl` (so a request that crashed never holds it for good), then either
/// recorded with its response by [`complete`](IdempotencyStore::complete) for `retention`, or
/// freed by [`release`](IdempotencyStore::release) when its response should not be kept.
///
/// Durations may be as long as [`Duration::MAX`]: stores saturate (or clamp) rather than
/// overflow.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Looks the key up in `scope` and, if it is free, locks it for this fingerprint; a new key
    /// the store has no room for is [`Begin::Full`].
    fn begin<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        fingerprint: &'a Fingerprint,
        lock_ttl: Duration,
    ) -> StoreFuture<'a, Begin>;

    /// Records the response of the lock's holder. Returns `false` if the lock was no longer
    /// held by `token` (it expired and another request took the key): nothing is written.
    fn complete<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Frees the lock if `token` still holds it, so a later request with the key runs afresh.
    fn release<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
    ) -> StoreFuture<'a, ()>;
}

/// A shared store is a store: pick one at run time as an `Arc<dyn IdempotencyStore>`.
impl<T: IdempotencyStore + ?Sized> IdempotencyStore for Arc<T> {
    fn begin<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        fingerprint: &'a Fingerprint,
        lock_ttl: Duration,
    ) -> StoreFuture<'a, Begin> {
        (**self).begin(scope, key, fingerprint, lock_ttl)
    }

    fn complete<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> StoreFuture<'a, bool> {
        (**self).complete(scope, key, token, response, retention)
    }

    fn release<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
    ) -> StoreFuture<'a, ()> {
        (**self).release(scope, key, token)
    }
}
