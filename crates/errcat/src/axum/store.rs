//! What the rate-limit and idempotency layers share: how a store failure is answered, the
//! bounded wait for a store, and configuration errors.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use errcat_store::StoreError;

/// What a layer does when its store cannot answer in time (Redis down, say).
///
/// ```
/// use errcat::axum::FailMode;
/// assert_eq!(FailMode::default(), FailMode::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailMode {
    /// Let the request through unguarded: no limit is enforced, no key is checked.
    Open,
    /// Refuse it with the catalog's `unavailable` code and `Retry-After: 1`.
    #[default]
    Closed,
}

/// Marks a response as a refusal made in front of the handler (authentication, a scope or a
/// `require` check, a rate limit): an idempotency layer around it
/// never keeps it, so a retry with the same key is decided afresh. errcat's own refusing
/// layers mark their answers; a layer of yours can mark its own by putting the marker in the
/// response's extensions (see the `idempotency` module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Refusal;

impl Refusal {
    /// `res`, marked.
    #[cfg_attr(not(any(feature = "auth", feature = "rate-limit")), allow(dead_code))]
    pub(crate) fn mark(mut res: axum::response::Response) -> axum::response::Response {
        res.extensions_mut().insert(Refusal);
        res
    }
}

/// A rate-limit or idempotency configuration that cannot work, with what to fix.
///
/// ```
/// use errcat::axum::{RateLimit, Policy, ApiKey};
/// use errcat::store::{MemoryStore, Window};
///
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let err = RateLimit::new(MemoryStore::new())
///     .policy(Policy::new("keys", ApiKey::authorization()).window(Window::per_hour("hourly", 10).code("hourly_limt")))
///     .layer(&mintfax::catalog())
///     .err()
///     .unwrap();
/// assert!(err.to_string().contains("hourly_limt"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub(crate) String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Waits for a store at most `timeout`; a late answer is a store error. An answer ready at
/// once (the memory store's) never arms a timer.
pub(crate) async fn bounded<T>(
    timeout: Duration,
    fut: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    let mut fut = std::pin::pin!(fut);
    let first = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await;
    if let Poll::Ready(answer) = first {
        return answer;
    }
    match tokio::time::timeout(timeout, fut).await {
        Ok(answer) => answer,
        Err(_) => Err(StoreError::new(format!(
            "no answer within {} ms",
            timeout.as_millis()
        ))),
    }
}

/// Logs store failures at most once a second, so an outage under load does not flood the log.
#[derive(Debug)]
pub(crate) struct OutageLog {
    epoch: Instant,
    last_ms: AtomicU64,
}

impl OutageLog {
    pub(crate) fn new() -> OutageLog {
        OutageLog {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    pub(crate) fn report(&self, what: &str, mode: FailMode, err: &StoreError) {
        let now = self.epoch.elapsed().as_millis() as u64 + 1_000;
        let last = self.last_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 1_000
            && self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let behaviour = match mode {
                FailMode::Open => "letting requests through (fail open)",
                FailMode::Closed => "refusing requests with the unavailable code (fail closed)",
            };
            tracing::warn!(error = %err, "{what} store failed; {behaviour}");
        }
    }
}
