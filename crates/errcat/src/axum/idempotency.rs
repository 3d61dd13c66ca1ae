//! `Idempotency-Key`: the first request with a key runs and its response is kept; a retry gets
//! that response again; a key reused for another request, or still running, gets the catalog's
//! codes.
//!
//! [`Idempotency`] configures which header carries the key, which methods it covers, how long
//! responses are kept, what a key is scoped by (a [`KeyExtractor`], the `Authorization` header
//! by default) and how a failing store answers ([`FailMode`]); [`Idempotency::layer`] builds
//! the [`IdempotencyLayer`] over an `errcat::store` [`IdempotencyStore`]. The header names are
//! in [`crate::headers`]; the entry points are also at `errcat::axum::`.
//!
//! Only what the handler answered is kept. A layer that refuses requests in front of the
//! handler marks its answers with [`Refusal`] so they never are (errcat's authentication,
//! `require`, `require_scope` and rate limits do); a layer of yours does the same:
//!
//! ```
//! use axum::response::{IntoResponse, Response};
//! use errcat::axum::idempotency::Refusal;
//!
//! fn payment_required() -> Response {
//!     let mut res = (http::StatusCode::PAYMENT_REQUIRED, "top up first").into_response();
//!     res.extensions_mut().insert(Refusal);
//!     res
//! }
//! # let _ = payment_required();
//! ```
//!
//! ```
//! use axum::{routing::post, Router};
//! use errcat::axum::idempotency::{FailMode, Idempotency, is_valid_idempotency_key};
//! use errcat::axum::{Errcat, RouterExt};
//! use errcat::store::MemoryStore;
//!
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! assert!(is_valid_idempotency_key("order-1234"));
//! assert!(!is_valid_idempotency_key("no spaces"));
//! let app: Router = Router::new()
//!     .route("/faxes", post(|| async { "sent" }))
//!     .layer(Idempotency::new(MemoryStore::new()).on_store_error(FailMode::Open).layer())
//!     .with_errcat(Errcat::new(mintfax::catalog()));
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest as _, Request};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use errcat_store::{Begin, Cap, Fingerprint, IdempotencyStore, LockToken, StoredResponse};
use futures_util::StreamExt as _;
use futures_util::future::Either;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt as _;
use tracing::Instrument as _;

use super::layer::{Settled, current_catalog, settle};
use super::store::{OutageLog, bounded};
use crate::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use crate::{ApiError, FieldError, Role};

pub use super::key::KeyExtractor;
pub use super::store::{FailMode, Refusal};

/// The longest duration the layer passes on (ten years): longer ones are clamped, so no
/// store's arithmetic overflows.
const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 24 * 3600);
/// The shortest lock: a lock shorter than a handler's run would let a retry run it again.
const MIN_LOCK: Duration = Duration::from_secs(1);
/// The shortest wait for a store or a body.
const MIN_WAIT: Duration = Duration::from_millis(1);

/// The idempotency configuration (Stripe's rules; draft-ietf-httpapi-idempotency-key-header).
///
/// | request | answer |
/// |---|---|
/// | key outside `[A-Za-z0-9_-]{1,255}` | 400, `idempotency_key_invalid` role |
/// | its body does not arrive within the body timeout | `timeout` role; the key is not locked |
/// | first with its key | runs; what the handler answered is kept for the retention (see below) |
/// | same key, same method, target and body | the kept response, with `Idempotent-Replayed: true` |
/// | same key, another request | 422, `idempotency_key_reused` role |
/// | same key while the first still runs | 409, `idempotency_key_in_progress` role, `Retry-After` |
/// | a new key the store has no room for, the scope's cap | 429, `rate_limited` role, `Retry-After` |
/// | a new key the store has no room for, the store's cap | 503, `unavailable` role, `Retry-After` |
///
/// What is kept and replayed is what the handler itself answered: its successes and its own
/// errors (a business refusal, an `internal` error it raised). Not kept, so a retry runs
/// afresh:
///
/// - refusals made in front of the handler: responses marked [`Refusal`] (errcat's `Auth`,
///   `require`, `require_scope` and rate limits mark theirs), the catalog's framework roles (a
///   malformed body, a failed validation, a wrong content type, an unknown route…);
/// - every 401 and 403, whoever raised them (authorisation can change; a retry is decided
///   again), and every 408, 429, 503 and 504;
/// - a response larger than [`max_stored_body`](Idempotency::max_stored_body) (sent whole) or
///   whose body fails midway.
///
/// A request that does not finish (its client went away, its handler panicked, an outer
/// timeout dropped it) frees its key at once, so a retry runs afresh instead of waiting out the
/// lock. Once the handler has answered, keeping its response runs on a task of its own, so it
/// is recorded even if the client goes away meanwhile. Only a crash of the process, or a store
/// that fails to record, leaves a key locked until the lock timeout.
///
/// Keys are scoped by the `Authorization` header by default, so two clients never share one.
/// Put the layer inside [`ErrcatLayer`](super::ErrcatLayer), inside the rate limit and after
/// authentication, scoped by the principal (`scope(errcat::auth::principal_key)`): a replay
/// then goes only to a caller that authenticates now (outside authentication, a revoked key
/// would still get its kept responses). The layer bounds its own reading of the body, so it is
/// safe wherever it sits.
///
/// Durations are clamped: retention, lock, store and body timeouts to at most ten years, the
/// lock to at least 1 s, the timeouts to at least 1 ms.
///
/// ```
/// use std::time::Duration;
/// use axum::{routing::post, Router};
/// use errcat::axum::{Errcat, Idempotency, RouterExt};
/// use errcat::store::MemoryStore;
///
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let app: Router = Router::new()
///     .route("/faxes", post(|| async { "sent" }))
///     .layer(
///         Idempotency::new(MemoryStore::new())
///             .retention(Duration::from_secs(3600))
///             .body_timeout(Duration::from_secs(5))
///             .layer(),
///     )
///     .with_errcat(Errcat::new(mintfax::catalog()));
/// ```
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    header: HeaderName,
    methods: Vec<Method>,
    retention: Duration,
    lock_timeout: Duration,
    in_progress_retry_after: u32,
    scope: Option<Arc<dyn KeyExtractor>>,
    max_stored_body: usize,
    fail: FailMode,
    timeout: Duration,
    body_timeout: Duration,
}

impl Idempotency {
    /// Keys kept in `store`. Defaults: POST and PATCH, 24 h retention, 60 s lock, responses up
    /// to 1 MiB kept, fail closed after 250 ms, 10 s for the request body. The request body is
    /// read under the request's own limit (`DefaultBodyLimit`) to fingerprint it, so put this
    /// layer inside that one.
    pub fn new(store: impl IdempotencyStore) -> Idempotency {
        Idempotency {
            store: Arc::new(store),
            header: IDEMPOTENCY_KEY,
            methods: vec![Method::POST, Method::PATCH],
            retention: Duration::from_secs(24 * 3600),
            lock_timeout: Duration::from_secs(60),
            in_progress_retry_after: 1,
            scope: Some(Arc::new(super::key::ApiKey::authorization())),
            max_stored_body: 1024 * 1024,
            fail: FailMode::Closed,
            timeout: Duration::from_millis(250),
            body_timeout: Duration::from_secs(10),
        }
    }

    /// Reads the key from another header (seed 004 uses `X-Idempotency-Key`).
    pub fn header(mut self, name: &'static str) -> Idempotency {
        self.header = HeaderName::from_static(name);
        self
    }

    /// The methods covered; others pass untouched.
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> Idempotency {
        self.methods = methods.into_iter().collect();
        self
    }

    /// How long a kept response is replayed (at most ten years).
    pub fn retention(mut self, retention: Duration) -> Idempotency {
        self.retention = retention.min(MAX_DURATION);
        self
    }

    /// How long a running request holds its key at most (between 1 s and ten years); if the
    /// process crashes, the key frees itself then.
    pub fn lock_timeout(mut self, timeout: Duration) -> Idempotency {
        self.lock_timeout = timeout.clamp(MIN_LOCK, MAX_DURATION);
        self
    }

    /// The `Retry-After` of the in-progress answer, in seconds (at least 1).
    pub fn in_progress_retry_after(mut self, seconds: u32) -> Idempotency {
        self.in_progress_retry_after = seconds.max(1);
        self
    }

    /// Whose keys these are (by default the `Authorization` header's value, hashed): keys of
    /// one scope never meet another scope's.
    ///
    /// ```
    /// use errcat::axum::{ApiKey, Idempotency};
    /// use errcat::store::MemoryStore;
    ///
    /// let per_key = Idempotency::new(MemoryStore::new()).scope(ApiKey::header("x-api-key"));
    /// ```
    pub fn scope(mut self, scope: impl KeyExtractor) -> Idempotency {
        self.scope = Some(Arc::new(scope));
        self
    }

    /// One key space shared by every client: only for APIs whose clients cannot see each
    /// other's keys (a single tenant, say).
    pub fn unscoped(mut self) -> Idempotency {
        self.scope = None;
        self
    }

    /// The largest response body kept; a larger response is sent but not kept.
    pub fn max_stored_body(mut self, bytes: usize) -> Idempotency {
        self.max_stored_body = bytes;
        self
    }

    /// What happens when the store fails or is late.
    pub fn on_store_error(mut self, mode: FailMode) -> Idempotency {
        self.fail = mode;
        self
    }

    /// How long a key's lookup may wait for the store (between 1 ms and ten years).
    pub fn store_timeout(mut self, timeout: Duration) -> Idempotency {
        self.timeout = timeout.clamp(MIN_WAIT, MAX_DURATION);
        self
    }

    /// How long the request body may take to arrive (between 1 ms and ten years; 10 s by
    /// default). The layer reads it to fingerprint the request before the key is locked, and
    /// bounds that itself, so it holds wherever the layer sits: a client that trickles its
    /// body gets the catalog's `timeout` code, and its key stays free.
    ///
    /// ```
    /// use std::time::Duration;
    /// use errcat::axum::Idempotency;
    /// use errcat::store::MemoryStore;
    ///
    /// let quick = Idempotency::new(MemoryStore::new()).body_timeout(Duration::from_secs(2));
    /// # let _ = quick;
    /// ```
    pub fn body_timeout(mut self, timeout: Duration) -> Idempotency {
        self.body_timeout = timeout.clamp(MIN_WAIT, MAX_DURATION);
        self
    }

    /// The tower layer.
    pub fn layer(self) -> IdempotencyLayer {
        IdempotencyLayer {
            shared: Arc::new(Shared {
                config: self,
                outages: OutageLog::new(),
            }),
        }
    }
}

struct Shared {
    config: Idempotency,
    outages: OutageLog,
}

/// The tower layer of an [`Idempotency`].
#[derive(Clone)]
pub struct IdempotencyLayer {
    shared: Arc<Shared>,
}

impl<S> tower::Layer<S> for IdempotencyLayer {
    type Service = IdempotencyService<S>;
    fn layer(&self, inner: S) -> IdempotencyService<S> {
        IdempotencyService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`IdempotencyLayer`] wraps around the inner service.
#[derive(Clone)]
pub struct IdempotencyService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// Whether an idempotency key is well-formed: `[A-Za-z0-9_-]{1,255}`.
///
/// ```
/// use errcat::axum::is_valid_idempotency_key;
/// assert!(is_valid_idempotency_key("8e03978e-40d5-43e8-bc93-6894a57f9324"));
/// assert!(!is_valid_idempotency_key(""));
/// assert!(!is_valid_idempotency_key("has space"));
/// assert!(!is_valid_idempotency_key(&"a".repeat(256)));
/// ```
pub fn is_valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl<S> tower::Service<Request> for IdempotencyService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<S::Future, Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let config = &self.shared.config;
        let covered =
            config.methods.contains(req.method()) && req.headers().contains_key(&config.header);
        if !covered {
            // Requests without a key cost nothing more.
            return Either::Left(self.inner.call(req));
        }
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        Either::Right(Box::pin(async move { Ok(shared.run(req, inner).await) }))
    }
}

impl Shared {
    async fn run<S>(self: Arc<Self>, req: Request, mut inner: S) -> Response
    where
        S: tower::Service<Request, Response = Response, Error = Infallible>,
    {
        let config = &self.config;
        let mut keys = req.headers().get_all(&config.header).iter();
        let key = match (keys.next().map(HeaderValue::to_str), keys.next()) {
            (Some(Ok(k)), None) if is_valid_idempotency_key(k) => k.to_owned(),
            _ => {
                #[cfg(feature = "metrics")]
                crate::metrics::idempotency::invalid();
                let name = config.header.as_str().to_owned();
                return ApiError::role(Role::IdempotencyKeyInvalid)
                    .field(FieldError::header(
                        name,
                        "must be one value of 1 to 255 characters from A-Z, a-z, 0-9, _ and -",
                    ))
                    .into_response();
            }
        };
        let scope = config
            .scope
            .as_ref()
            .and_then(|s| s.key(&req))
            .unwrap_or_else(|| "-".to_owned());

        // Read under the request's own body limit (`DefaultBodyLimit`), as its extractor would,
        // and within the body timeout, whatever layers sit outside this one.
        let (parts, body) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), body);
        let body = match deadline(config.body_timeout, Bytes::from_request(probe, &())).await {
            Some(Ok(b)) => b,
            Some(Err(rejection)) => {
                let role = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Role::PayloadTooLarge
                } else {
                    Role::InvalidJson
                };
                return ApiError::role(role)
                    .with_source(rejection.body_text())
                    .into_response();
            }
            None => {
                return ApiError::role(Role::Timeout)
                    .with_source(format!(
                        "the request body did not arrive within {} ms",
                        config.body_timeout.as_millis()
                    ))
                    .into_response();
            }
        };
        let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let fingerprint = Fingerprint::of(parts.method.as_str(), target, &body);
        let req = Request::from_parts(parts, Body::from(body));

        let begun = bounded(
            config.timeout,
            config
                .store
                .begin(&scope, &key, &fingerprint, config.lock_timeout),
        )
        .await;
        #[cfg(feature = "metrics")]
        {
            use crate::metrics::idempotency as m;
            match &begun {
                Ok(Begin::Acquired(_)) => m::executed(),
                Ok(Begin::Completed(_)) => m::replayed(),
                Ok(Begin::Mismatch) => m::reused(),
                Ok(Begin::InProgress { .. }) => m::in_progress(),
                Ok(Begin::Full { .. }) => m::full(),
                Err(_) => m::error(),
            }
        }
        let token = match begun {
            Ok(Begin::Acquired(token)) => token,
            Ok(Begin::Completed(stored)) => return replay(stored),
            Ok(Begin::Mismatch) => {
                return ApiError::role(Role::IdempotencyKeyReused).into_response();
            }
            Ok(Begin::InProgress { .. }) => {
                return ApiError::role(Role::IdempotencyKeyInProgress)
                    .retry_after(config.in_progress_retry_after)
                    .into_response();
            }
            Ok(Begin::Full { cap, retry_after }) => return full(cap, retry_after),
            Err(e) => {
                self.outages.report("idempotency", config.fail, &e);
                return match config.fail {
                    FailMode::Open => match inner.call(req).await {
                        Ok(res) => res,
                        Err(never) => match never {},
                    },
                    FailMode::Closed => ApiError::role(Role::Unavailable)
                        .retry_after(1)
                        .with_source(e)
                        .into_response(),
                };
            }
        };

        // From here until the key is settled, dropping `held` frees it.
        let mut held = Held {
            shared: self.clone(),
            scope,
            key,
            token: Some(token),
        };
        let res = match inner.call(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        // Settled here, in the request's task (the errcat layer's task-local is there).
        let (res, settled) = settle(res);
        if !keeps(&res, settled) {
            held.release().await;
            return res;
        }
        // The handler has answered: keeping its response runs on a task of its own, which a
        // client going away (this future dropped) does not cancel.
        let keeping = held.keep(res);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                match runtime
                    .spawn(keeping.instrument(tracing::Span::current()))
                    .await
                {
                    Ok(res) => res,
                    Err(e) => {
                        tracing::error!(error = %e, "keeping a response for idempotency failed");
                        ApiError::role(Role::Internal)
                            .with_source(e)
                            .into_response()
                    }
                }
            }
            Err(_) => keeping.await,
        }
    }

    async fn release(&self, scope: &str, key: &str, token: &LockToken) {
        let config = &self.config;
        if let Err(e) = bounded(config.timeout, config.store.release(scope, key, token)).await {
            self.outages.report("idempotency", config.fail, &e);
        }
    }
}

/// `fut`'s output, or `None` if it takes longer than `timeout`. An answer ready at once (a
/// body already in memory) never arms a timer.
async fn deadline<T>(timeout: Duration, fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    let first = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await;
    if let Poll::Ready(out) = first {
        return Some(out);
    }
    tokio::time::timeout(timeout, fut).await.ok()
}

/// A key the current request holds until it settles it. Dropped unsettled (the client went
/// away, the handler panicked, an outer timeout dropped the request), it frees the key, so a
/// retry runs afresh rather than waiting out the lock.
struct Held {
    shared: Arc<Shared>,
    scope: String,
    key: String,
    /// `None` once the key is settled.
    token: Option<LockToken>,
}

impl Held {
    /// Frees the key now. Dropped midway, the guard still frees it.
    async fn release(&mut self) {
        if let Some(token) = &self.token {
            self.shared.release(&self.scope, &self.key, token).await;
        }
        self.token = None;
    }

    /// Reads the response body (up to the cap), keeps it, and hands the response on.
    async fn keep(mut self, res: Response) -> Response {
        let shared = self.shared.clone();
        let config = &shared.config;
        let (parts, body) = res.into_parts();
        // The read runs on a task no request bounds any more: the lock timeout bounds it, so a
        // body that never ends cannot hold the key, its buffer and the task for ever.
        let read = match tokio::time::timeout(
            config.lock_timeout,
            read_capped(body, config.max_stored_body),
        )
        .await
        {
            Ok(read) => read,
            Err(_) => {
                tracing::error!(
                    lock_timeout_ms = config.lock_timeout.as_millis() as u64,
                    "a response body did not end within the idempotency lock timeout; nothing kept"
                );
                self.release().await;
                return ApiError::role(Role::Timeout)
                    .with_source("the response body did not end within the lock timeout")
                    .into_response();
            }
        };
        let buf = match read {
            Read::Whole(buf) => buf,
            Read::Broken(e) => {
                // The body broke while streaming: nothing whole to keep or to send.
                tracing::error!(error = %e, "response body failed while kept for idempotency");
                self.release().await;
                return ApiError::role(Role::Internal)
                    .with_source(e)
                    .into_response();
            }
            Read::TooBig(head, body) => {
                // Too big to keep: send it all, keep nothing.
                self.release().await;
                let rest = body.into_data_stream();
                let stream =
                    futures_util::stream::iter([Ok::<_, axum::Error>(head.freeze())]).chain(rest);
                return Response::from_parts(parts, Body::from_stream(stream));
            }
        };
        let body = buf.freeze();
        let stored = StoredResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .filter(|(name, _)| !is_hop_by_hop(name))
                .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                .collect(),
            body: body.clone(),
        };
        if let Some(token) = &self.token {
            let recorded =
                config
                    .store
                    .complete(&self.scope, &self.key, token, &stored, config.retention);
            match bounded(config.timeout, recorded).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(
                    "an idempotency key's lock expired before its request finished; its response was not kept (raise the lock timeout)"
                ),
                // Whether it was recorded is unknown: the key stays locked until its lock
                // timeout rather than letting a retry run the request again.
                Err(e) => shared.outages.report("idempotency", config.fail, &e),
            }
        }
        self.token = None;
        Response::from_parts(parts, Body::from(body))
    }
}

/// What [`read_capped`] found of a response body.
enum Read {
    /// The whole body, within the cap.
    Whole(BytesMut),
    /// What was read when the cap was passed, and the rest of the body.
    TooBig(BytesMut, Body),
    /// The body failed while streaming.
    Broken(axum::Error),
}

/// Reads a response body up to `cap` bytes.
async fn read_capped(mut body: Body, cap: usize) -> Read {
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return Read::Broken(e),
        };
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
            if buf.len() > cap {
                return Read::TooBig(buf, body);
            }
        }
    }
    Read::Whole(buf)
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(token) = self.token.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "an idempotency key's request ended outside a Tokio runtime; the key stays locked until its lock timeout"
            );
            return;
        };
        let shared = self.shared.clone();
        let scope = std::mem::take(&mut self.scope);
        let key = std::mem::take(&mut self.key);
        let mut release = Box::pin(async move { shared.release(&scope, &key, &token).await });
        // A store that answers at once (the memory store) frees the key before anything else
        // can ask for it; another finishes on a task of its own, within the store timeout. A
        // release after a `complete` that went through does nothing: the key is no longer
        // locked.
        if release
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
            .is_pending()
        {
            drop(runtime.spawn(release));
        }
    }
}

/// Whether a response is the handler's answer, to be replayed, or a refusal to forget.
fn keeps(res: &Response, settled: Settled) -> bool {
    if res.extensions().get::<Refusal>().is_some() {
        return false;
    }
    if matches!(
        res.status(),
        StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    ) {
        return false;
    }
    match settled {
        Settled::Untouched => true,
        Settled::Converted => false,
        Settled::Raised(None) => false,
        Settled::Raised(Some(index)) => {
            // Refusals at the door: the handler never ran, or ran nothing worth keeping.
            let Some(catalog) = current_catalog() else {
                return true;
            };
            !Role::ALL
                .into_iter()
                .any(|role| is_refusal(role) && catalog.role_index(role) == index)
        }
    }
}

/// The answer to a new key the store has no room for: a scope's cap is the caller's to wait
/// out (`rate_limited`), the store's is the server's (`unavailable`); both until the soonest
/// record under the cap expires, at least 1 s.
fn full(cap: Cap, retry_after: Duration) -> Response {
    let secs = retry_after
        .as_secs()
        .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
    let secs = u32::try_from(secs).unwrap_or(u32::MAX).max(1);
    // A 503 is logged with its source by the errcat layer, as every server error is.
    let role = if cap.is_per_scope() {
        Role::RateLimited
    } else {
        Role::Unavailable
    };
    ApiError::role(role)
        .retry_after(secs)
        .with_source(format!("the idempotency store is full ({cap:?})"))
        .into_response()
}

/// Whether a role's answer is a refusal, never kept: every role but `internal` (a handler's
/// failure is its outcome) and `idempotency_key_reused` (which this layer answers itself).
fn is_refusal(role: Role) -> bool {
    !matches!(role, Role::Internal | Role::IdempotencyKeyReused)
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "upgrade" | "te" | "trailer"
    )
}

/// The kept response, byte for byte, marked as a replay.
fn replay(stored: StoredResponse) -> Response {
    let mut res = Response::new(Body::from(stored.body));
    *res.status_mut() =
        StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = res.headers_mut();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    res
}
