//! A reqwest wrapper that retries as a [`RetryPolicy`] decides.

use std::fmt;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};

use super::retry::{Decision, RetryPolicy};
use super::{Parser, RemoteError};

/// `Idempotency-Key`.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Why a request failed for good.
#[derive(Debug)]
pub enum ClientError {
    /// The server answered with an error (status 400 or above), parsed.
    Remote(RemoteError),
    /// No response: connection, timeout, or a request reqwest could not build.
    Transport(reqwest::Error),
    /// An attempt ran out of time, as [`RetryPolicy::attempt_limit`] bounds it: no response
    /// head came, or an error response's body did not arrive whole. The connection is closed.
    /// The retry policy treats it as any transport error; when it gives up on one, this is
    /// the error returned.
    Timeout {
        /// The limit that ran out: the attempt timeout, or the time that was left before the
        /// deadline.
        limit: Duration,
        /// The status of the error response whose body did not arrive in time; `None` when no
        /// response head came.
        status: Option<u16>,
    },
}

impl ClientError {
    /// The remote error, if the server answered.
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            ClientError::Remote(e) => Some(e),
            ClientError::Transport(_) | ClientError::Timeout { .. } => None,
        }
    }

    /// Whether the request timed out: an attempt limit ([`ClientError::Timeout`]) or a
    /// timeout of reqwest's own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat_client::ClientError;
    ///
    /// let err = ClientError::Timeout { limit: Duration::from_secs(30), status: Some(500) };
    /// assert!(err.is_timeout());
    /// assert_eq!(err.to_string(), "status 500, but its error body did not arrive within 30s");
    /// ```
    pub fn is_timeout(&self) -> bool {
        match self {
            ClientError::Remote(_) => false,
            ClientError::Transport(e) => e.is_timeout(),
            ClientError::Timeout { .. } => true,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Remote(e) => e.fmt(f),
            ClientError::Transport(e) => write!(f, "transport error: {e}"),
            ClientError::Timeout {
                limit,
                status: None,
            } => write!(f, "timed out: no response within {limit:?}"),
            ClientError::Timeout {
                limit,
                status: Some(status),
            } => write!(
                f,
                "status {status}, but its error body did not arrive within {limit:?}"
            ),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Remote(e) => Some(e),
            ClientError::Transport(e) => Some(e),
            ClientError::Timeout { .. } => None,
        }
    }
}

/// A `reqwest::Client` that retries failed requests as its [`RetryPolicy`] decides.
///
/// A POST or PATCH without an `Idempotency-Key` gets a fresh one (a UUIDv7) before its first
/// attempt, when the policy says so, and every retry sends the same key. A request whose body
/// cannot be cloned (a stream) is sent once. Each retry emits a `tracing` event with the
/// attempt, the delay and the code.
///
/// An error body is read up to [`max_error_body`](Self::max_error_body) bytes (1 MiB by
/// default) and parsed with the client's [`Parser`]. A larger one, declared so in its
/// `Content-Length` or found so while counting the chunks of a stream, is not read further nor
/// kept: the error is [`Style::TooLarge`](crate::Style::TooLarge), with its status and
/// headers, and the connection is closed. How long the client waits before a retry is bounded
/// by the policy ([`RetryPolicy::max_retry_after`]), whatever the server asks.
///
/// Each attempt, from sending the request to reading the whole error body, is bounded by
/// [`RetryPolicy::attempt_limit`]: the [`attempt_timeout`](RetryPolicy::attempt_timeout) (30 s
/// by default), or the time left before the policy's deadline when that is shorter. An attempt
/// that runs out fails as a transport error, [`ClientError::Timeout`], with its connection
/// closed, and the policy decides as for any transport error (past the deadline it gives up).
/// The body of a response below 400 is the caller's to read, under no limit of this client's.
///
/// ```no_run
/// use errcat_client::{ClientError, RetryClient, RetryPolicy};
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = RetryClient::new(reqwest::Client::new(), RetryPolicy::default().catalog(mintfax::catalog()));
/// let req = client.inner().post("http://localhost:8080/faxes").json(&serde_json::json!({"to": "+15551234567"})).build()?;
/// match client.execute(req).await {
///     Ok(res) => println!("sent: {}", res.status()),
///     Err(ClientError::Remote(e)) => println!("{e}; quote {:?}", e.request_id),
///     Err(ClientError::Transport(e)) => println!("no answer: {e}"),
///     Err(e @ ClientError::Timeout { .. }) => println!("too slow: {e}"),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RetryClient {
    client: reqwest::Client,
    policy: RetryPolicy,
    parser: Parser,
    max_error_body: usize,
}

impl RetryClient {
    /// The most bytes of an error body read by default: 1 MiB.
    pub const DEFAULT_MAX_ERROR_BODY: usize = 1 << 20;

    /// Wraps a client: error bodies up to [`DEFAULT_MAX_ERROR_BODY`](Self::DEFAULT_MAX_ERROR_BODY),
    /// parsed with the default [`Parser`].
    pub fn new(client: reqwest::Client, policy: RetryPolicy) -> RetryClient {
        RetryClient {
            client,
            policy,
            parser: Parser::DEFAULT,
            max_error_body: Self::DEFAULT_MAX_ERROR_BODY,
        }
    }

    /// Sets the most bytes of an error body read: a larger body makes a
    /// [`Style::TooLarge`](crate::Style::TooLarge) error, unread.
    ///
    /// ```
    /// let client = errcat_client::RetryClient::new(reqwest::Client::new(), Default::default())
    ///     .max_error_body(64 * 1024);
    /// assert_eq!(client.error_body_limit(), 64 * 1024);
    /// ```
    pub fn max_error_body(mut self, bytes: usize) -> Self {
        self.max_error_body = bytes;
        self
    }

    /// The most bytes of an error body read.
    pub fn error_body_limit(&self) -> usize {
        self.max_error_body
    }

    /// Sets the parser's limits for error bodies.
    pub fn parser(mut self, parser: Parser) -> Self {
        self.parser = parser;
        self
    }

    /// The wrapped client, to build requests with.
    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// The policy.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// Builds and executes a request.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        self.execute(req.build().map_err(ClientError::Transport)?)
            .await
    }

    /// Executes a request, retrying as the policy decides. Returns the first response below
    /// 400, or the last error.
    pub async fn execute(
        &self,
        mut req: reqwest::Request,
    ) -> Result<reqwest::Response, ClientError> {
        let start = Instant::now();
        let unsafe_method = req.method() == Method::POST || req.method() == Method::PATCH;
        if unsafe_method
            && self.policy.idempotency_keys
            && !req.headers().contains_key(&IDEMPOTENCY_KEY)
            && let Ok(v) = HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
        {
            req.headers_mut().insert(IDEMPOTENCY_KEY, v);
        }
        let has_key = req.headers().contains_key(&IDEMPOTENCY_KEY);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let next = req.try_clone();
            // The send and the error body's read share one limit; dropping the response on
            // time-out closes its connection.
            let limit = self.policy.attempt_limit(start.elapsed());
            let now = tokio::time::Instant::now();
            let until = now.checked_add(limit).unwrap_or(now);
            let timed_out = |status| {
                let d =
                    self.policy
                        .decide_transport(attempt, unsafe_method, has_key, start.elapsed());
                (d, ClientError::Timeout { limit, status })
            };
            let (decision, error) = match tokio::time::timeout_at(until, self.client.execute(req))
                .await
            {
                Err(_) => timed_out(None),
                Ok(Ok(res)) if res.status().as_u16() < 400 => return Ok(res),
                Ok(Ok(res)) => {
                    let status = res.status().as_u16();
                    let headers = res.headers().clone();
                    match tokio::time::timeout_at(until, error_body(res, self.max_error_body)).await
                    {
                        Err(_) => timed_out(Some(status)),
                        Ok(body) => {
                            let err = match body {
                                Some(body) => self.parser.parse_bytes(status, &headers, body),
                                None => super::parse::too_large(status, &headers),
                            };
                            let d = self.policy.decide(
                                &err,
                                attempt,
                                unsafe_method,
                                has_key,
                                start.elapsed(),
                            );
                            (d, ClientError::Remote(err))
                        }
                    }
                }
                Ok(Err(e)) => {
                    let d = if e.is_connect() || e.is_timeout() {
                        self.policy.decide_transport(
                            attempt,
                            unsafe_method,
                            has_key,
                            start.elapsed(),
                        )
                    } else {
                        Decision::GiveUp(super::GiveUpReason::NotRetryable)
                    };
                    (d, ClientError::Transport(e))
                }
            };
            let code = error.remote().and_then(|e| e.code.as_deref()).unwrap_or("");
            let status = match &error {
                ClientError::Remote(e) => e.status,
                ClientError::Timeout {
                    status: Some(s), ..
                } => *s,
                _ => 0,
            };
            match (decision, next) {
                (Decision::Retry(delay), Some(next)) => {
                    tracing::info!(
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        code,
                        status,
                        "errcat client: retrying"
                    );
                    tokio::time::sleep(delay).await;
                    req = next;
                }
                (Decision::Retry(_), None) => {
                    tracing::debug!(
                        attempt,
                        code,
                        status,
                        "errcat client: body cannot be cloned, not retrying"
                    );
                    return Err(error);
                }
                (Decision::GiveUp(reason), _) => {
                    tracing::debug!(attempt, code, status, ?reason, "errcat client: giving up");
                    return Err(error);
                }
            }
        }
    }
}

/// An error body, read up to `max` bytes; `None` when it is longer, as its `Content-Length`
/// says (nothing read) or as counting its chunks finds (at most `max` bytes and one chunk held,
/// then dropped). A body that fails midway reads as none, as it did when read whole.
async fn error_body(mut res: reqwest::Response, max: usize) -> Option<Bytes> {
    let declared = res.content_length();
    if declared.is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX)) {
        return None;
    }
    // A body in one chunk is kept as it came; from the second on, they are copied together
    // into a buffer that grows by doubling but never past `max`.
    let mut first = Bytes::new();
    let mut joined: Vec<u8> = Vec::new();
    let (mut chunks, mut len) = (0usize, 0usize);
    loop {
        let chunk = match res.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(_) => return Some(Bytes::new()),
        };
        len = len.saturating_add(chunk.len());
        if len > max {
            return None;
        }
        chunks += 1;
        if chunks == 1 {
            first = chunk;
            continue;
        }
        if joined.capacity() < len {
            let want = match chunks {
                2 => declared
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(len),
                _ => joined.capacity().saturating_mul(2),
            };
            joined.reserve_exact(want.max(len).min(max) - joined.len());
        }
        if chunks == 2 {
            joined.extend_from_slice(&std::mem::take(&mut first));
        }
        joined.extend_from_slice(&chunk);
    }
    Some(if chunks > 1 {
        Bytes::from(joined)
    } else {
        first
    })
}
