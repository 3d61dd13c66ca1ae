//! A reqwest wrapper that retries as a [`RetryPolicy`] decides.

use std::fmt;
use std::time::Instant;

use http::{HeaderName, HeaderValue, Method};

use super::retry::{Decision, RetryPolicy};
use super::{RemoteError, parse_bytes};

/// `Idempotency-Key`.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Why a request failed for good.
#[derive(Debug)]
pub enum ClientError {
    /// The server answered with an error (status 400 or above), parsed.
    Remote(RemoteError),
    /// No response: connection, timeout, or a request reqwest could not build.
    Transport(reqwest::Error),
}

impl ClientError {
    /// The remote error, if the server answered.
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            ClientError::Remote(e) => Some(e),
            ClientError::Transport(_) => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Remote(e) => e.fmt(f),
            ClientError::Transport(e) => write!(f, "transport error: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Remote(e) => Some(e),
            ClientError::Transport(e) => Some(e),
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
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RetryClient {
    client: reqwest::Client,
    policy: RetryPolicy,
}

impl RetryClient {
    /// Wraps a client.
    pub fn new(client: reqwest::Client, policy: RetryPolicy) -> RetryClient {
        RetryClient { client, policy }
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
            let (decision, error) = match self.client.execute(req).await {
                Ok(res) if res.status().as_u16() < 400 => return Ok(res),
                Ok(res) => {
                    let status = res.status().as_u16();
                    let headers = res.headers().clone();
                    let body = res.bytes().await.unwrap_or_default();
                    let err = parse_bytes(status, &headers, body);
                    let d =
                        self.policy
                            .decide(&err, attempt, unsafe_method, has_key, start.elapsed());
                    (d, ClientError::Remote(err))
                }
                Err(e) => {
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
            let status = error.remote().map_or(0, |e| e.status);
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
