//! When to retry: the catalog's advice for the code, else the status; exponential backoff with
//! full jitter; `Retry-After` honoured exactly up to a cap, given up on beyond it; attempts and
//! an overall deadline capped; each attempt bounded in time.

use std::sync::Arc;
use std::time::Duration;

use errcat_catalog::{Catalog, RetryAdvice};

use super::RemoteError;

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// Stop and return the error.
    GiveUp(GiveUpReason),
}

/// Why a retry policy gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The catalog's advice for the code, or the status, says retrying fails the same way.
    NotRetryable,
    /// A POST (or PATCH) without an `Idempotency-Key`: a retry could act twice.
    NotIdempotent,
    /// The maximum number of attempts was made.
    MaxAttempts,
    /// The next attempt would start after the overall deadline (a `Retry-After` beyond it
    /// included).
    Deadline,
    /// The server asked to wait longer than [`RetryPolicy::max_retry_after`] (in `Retry-After`,
    /// as seconds or an HTTP-date, or in the body).
    RetryAfterTooLong,
}

/// A retry policy.
///
/// The advice comes from the catalog when it has the code (`never`, `after_retry_after`,
/// `backoff`), else from the status: 429 and 503 after `Retry-After` (backoff when absent),
/// 500, 502 and 504 with backoff, nothing else. A `Retry-After` is honoured exactly; otherwise
/// the `n`-th retry waits a random time in `[0, min(max_delay, base_delay · 2ⁿ⁻¹)]` (full
/// jitter).
///
/// Whatever the server asks for, the client never waits longer than
/// [`max_retry_after`](Self::max_retry_after) (60 s by default) before a retry: a longer
/// `Retry-After` (seconds or an HTTP-date) or body-given delay is not shortened but given up
/// on, the error returned at once ([`GiveUpReason::RetryAfterTooLong`]), so that a server
/// cannot park a client for years when it has no deadline. Past the overall deadline,
/// [`GiveUpReason::Deadline`] is reported first.
///
/// Each attempt, too, is bounded in time ([`attempt_limit`](Self::attempt_limit)): by the
/// [`attempt_timeout`](Self::attempt_timeout) (30 s by default), and by the time left before the
/// deadline when there is one, so that a server trickling its answer cannot hold the client
/// past either.
///
/// ```
/// use std::time::Duration;
/// use errcat_client::{Decision, GiveUpReason, RetryPolicy, parse};
///
/// let policy = RetryPolicy::default().max_attempts(3).deadline(Some(Duration::from_secs(10)));
/// let mut h = http::HeaderMap::new();
/// h.insert("retry-after", "2".parse()?);
/// let limited = parse(429, &h, b"");
/// assert_eq!(policy.decide(&limited, 1, false, false, Duration::ZERO), Decision::Retry(Duration::from_secs(2)));
/// assert_eq!(policy.decide(&limited, 3, false, false, Duration::ZERO), Decision::GiveUp(GiveUpReason::MaxAttempts));
/// assert_eq!(policy.decide(&limited, 1, false, false, Duration::from_secs(9)), Decision::GiveUp(GiveUpReason::Deadline));
/// let invalid = parse(422, &http::HeaderMap::new(), br#"{"error":"validation_failed"}"#);
/// assert_eq!(policy.decide(&invalid, 1, false, false, Duration::ZERO), Decision::GiveUp(GiveUpReason::NotRetryable));
/// let failed = parse(500, &http::HeaderMap::new(), b"");
/// assert_eq!(policy.decide(&failed, 1, true, false, Duration::ZERO), Decision::GiveUp(GiveUpReason::NotIdempotent));
/// assert!(matches!(policy.decide(&failed, 1, true, true, Duration::ZERO), Decision::Retry(d) if d <= Duration::from_millis(100)));
///
/// // No deadline: a server asking for three years is not waited for.
/// let patient = RetryPolicy::default().deadline(None);
/// let mut h = http::HeaderMap::new();
/// h.insert("retry-after", "99999999".parse()?);
/// let parked = parse(503, &h, b"");
/// assert_eq!(patient.decide(&parked, 1, false, false, Duration::ZERO), Decision::GiveUp(GiveUpReason::RetryAfterTooLong));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff's first cap.
    pub base_delay: Duration,
    /// The largest backoff.
    pub max_delay: Duration,
    /// The longest server-given delay (`Retry-After`, or a delay in the body) the client waits;
    /// a longer one makes it give up ([`GiveUpReason::RetryAfterTooLong`]).
    pub max_retry_after: Duration,
    /// The time after the first attempt by which every attempt must have started, and ended:
    /// `RetryClient` (the `reqwest` feature) cuts an attempt still running then.
    pub deadline: Option<Duration>,
    /// The longest one attempt may take, from sending the request to reading the whole error
    /// body, clamped to [`MIN_ATTEMPT_TIMEOUT`](Self::MIN_ATTEMPT_TIMEOUT)..=
    /// [`MAX_ATTEMPT_TIMEOUT`](Self::MAX_ATTEMPT_TIMEOUT); see
    /// [`attempt_limit`](Self::attempt_limit).
    pub attempt_timeout: Duration,
    /// The API's catalog, for its retry advice per code.
    pub catalog: Option<Arc<Catalog>>,
    /// Whether `RetryClient` (the `reqwest` feature) sets an `Idempotency-Key` on a POST or
    /// PATCH that has none, so it can be retried.
    pub idempotency_keys: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts, a 100 ms base, a 10 s maximum backoff, at most 60 s waited for a
    /// `Retry-After`, a 30 s deadline, 30 s per attempt, no catalog, keys set.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            deadline: Some(Duration::from_secs(30)),
            attempt_timeout: Self::DEFAULT_ATTEMPT_TIMEOUT,
            catalog: None,
            idempotency_keys: true,
        }
    }
}

impl RetryPolicy {
    /// The default [`attempt_timeout`](Self::attempt_timeout): 30 s.
    pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The shortest attempt limit: 1 ms (a zero timeout would fail every attempt unsent).
    pub const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1);
    /// The longest attempt timeout: 24 hours.
    pub const MAX_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

    /// Sets the number of attempts (the first included).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the backoff's first cap.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets the largest backoff.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the longest server-given delay waited for.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Sets the overall deadline.
    pub fn deadline(mut self, d: Option<Duration>) -> Self {
        self.deadline = d;
        self
    }

    /// Sets the longest one attempt may take, clamped to
    /// [`MIN_ATTEMPT_TIMEOUT`](Self::MIN_ATTEMPT_TIMEOUT)..=
    /// [`MAX_ATTEMPT_TIMEOUT`](Self::MAX_ATTEMPT_TIMEOUT). An attempt that takes longer fails
    /// as a timeout, which is retried as any transport error is.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat_client::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default().attempt_timeout(Duration::from_secs(5));
    /// assert_eq!(policy.attempt_timeout, Duration::from_secs(5));
    /// // Absurd values are clamped.
    /// assert_eq!(RetryPolicy::default().attempt_timeout(Duration::ZERO).attempt_timeout, RetryPolicy::MIN_ATTEMPT_TIMEOUT);
    /// assert_eq!(RetryPolicy::default().attempt_timeout(Duration::MAX).attempt_timeout, RetryPolicy::MAX_ATTEMPT_TIMEOUT);
    /// ```
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d.clamp(Self::MIN_ATTEMPT_TIMEOUT, Self::MAX_ATTEMPT_TIMEOUT);
        self
    }

    /// How long the attempt that starts `elapsed` after the first may take: the
    /// [`attempt_timeout`](Self::attempt_timeout) (clamped), or the time left before the
    /// [`deadline`](Self::deadline) when that is shorter; never less than
    /// [`MIN_ATTEMPT_TIMEOUT`](Self::MIN_ATTEMPT_TIMEOUT).
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat_client::RetryPolicy;
    ///
    /// let policy = RetryPolicy::default()
    ///     .deadline(Some(Duration::from_secs(10)))
    ///     .attempt_timeout(Duration::from_secs(4));
    /// assert_eq!(policy.attempt_limit(Duration::ZERO), Duration::from_secs(4));
    /// assert_eq!(policy.attempt_limit(Duration::from_secs(7)), Duration::from_secs(3));
    /// assert_eq!(policy.attempt_limit(Duration::from_secs(11)), RetryPolicy::MIN_ATTEMPT_TIMEOUT);
    /// let no_deadline = policy.deadline(None);
    /// assert_eq!(no_deadline.attempt_limit(Duration::from_secs(3600)), Duration::from_secs(4));
    /// ```
    pub fn attempt_limit(&self, elapsed: Duration) -> Duration {
        let own = self
            .attempt_timeout
            .clamp(Self::MIN_ATTEMPT_TIMEOUT, Self::MAX_ATTEMPT_TIMEOUT);
        let left = self
            .deadline
            .map_or(own, |d| d.saturating_sub(elapsed).min(own));
        left.max(Self::MIN_ATTEMPT_TIMEOUT)
    }

    /// Follows this catalog's retry advice.
    pub fn catalog(mut self, catalog: Arc<Catalog>) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// Whether to set an `Idempotency-Key` on a POST or PATCH without one.
    pub fn idempotency_keys(mut self, on: bool) -> Self {
        self.idempotency_keys = on;
        self
    }

    /// The advice for an error: the catalog's for its code, else the status's.
    ///
    /// ```
    /// use errcat_catalog::RetryAdvice;
    /// use errcat_client::{RetryPolicy, parse};
    /// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
    ///
    /// let policy = RetryPolicy::default().catalog(mintfax::catalog());
    /// let err = parse(503, &http::HeaderMap::new(), br#"{"error":"not_found"}"#);
    /// assert_eq!(policy.advice(&err), RetryAdvice::Never);
    /// ```
    pub fn advice(&self, err: &RemoteError) -> RetryAdvice {
        if let (Some(catalog), Some(code)) = (&self.catalog, err.code.as_deref()) {
            let entry = catalog
                .get(code)
                .or_else(|| catalog.get(&code.to_ascii_lowercase()))
                .or_else(|| catalog.get(&code.to_ascii_uppercase()));
            if let Some(e) = entry {
                return e.retry;
            }
        }
        RetryAdvice::default_for(err.status)
    }

    /// Decides after attempt number `attempt` (1 for the first) failed with `err`, `elapsed`
    /// after the first attempt started. `is_post` is true for a method that is not idempotent
    /// (POST, PATCH); such a request is retried only with an idempotency key.
    pub fn decide(
        &self,
        err: &RemoteError,
        attempt: u32,
        is_post: bool,
        has_idempotency_key: bool,
        elapsed: Duration,
    ) -> Decision {
        match self.advice(err) {
            RetryAdvice::Never => Decision::GiveUp(GiveUpReason::NotRetryable),
            RetryAdvice::AfterRetryAfter | RetryAdvice::Backoff => self.schedule(
                err.retry_after,
                attempt,
                is_post,
                has_idempotency_key,
                elapsed,
            ),
        }
    }

    /// Decides after a transport failure (connection refused, timeout): backoff, under the same
    /// rules.
    pub fn decide_transport(
        &self,
        attempt: u32,
        is_post: bool,
        has_idempotency_key: bool,
        elapsed: Duration,
    ) -> Decision {
        self.schedule(None, attempt, is_post, has_idempotency_key, elapsed)
    }

    fn schedule(
        &self,
        retry_after: Option<Duration>,
        attempt: u32,
        is_post: bool,
        has_idempotency_key: bool,
        elapsed: Duration,
    ) -> Decision {
        if is_post && !has_idempotency_key {
            return Decision::GiveUp(GiveUpReason::NotIdempotent);
        }
        if attempt >= self.max_attempts {
            return Decision::GiveUp(GiveUpReason::MaxAttempts);
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempt));
        if let Some(deadline) = self.deadline
            && elapsed.saturating_add(delay) > deadline
        {
            return Decision::GiveUp(GiveUpReason::Deadline);
        }
        if retry_after.is_some_and(|d| d > self.max_retry_after) {
            return Decision::GiveUp(GiveUpReason::RetryAfterTooLong);
        }
        Decision::Retry(delay)
    }

    /// The backoff before retry number `attempt` (1 for the first): a random time in
    /// `[0, min(max_delay, base_delay · 2^(attempt-1))]`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let p = errcat_client::RetryPolicy::default().base_delay(Duration::from_millis(10)).max_delay(Duration::from_millis(25));
    /// assert!(p.backoff(1) <= Duration::from_millis(10));
    /// assert!(p.backoff(2) <= Duration::from_millis(20));
    /// assert!(p.backoff(30) <= Duration::from_millis(25));
    /// ```
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let cap = self
            .base_delay
            .checked_mul(1u32 << exp)
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}
