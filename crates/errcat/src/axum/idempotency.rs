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
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequest as _, Request};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use errcat_store::{Begin, Fingerprint, IdempotencyStore, LockToken, StoredResponse};
use futures_util::StreamExt as _;
use futures_util::future::Either;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt as _;

use super::layer::{Settled, current_catalog, settle};
use super::store::{OutageLog, bounded};
use crate::headers::{IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED};
use crate::{ApiError, FieldError, Role};

pub use super::key::KeyExtractor;
pub use super::store::FailMode;

/// The idempotency configuration (Stripe's rules; draft-ietf-httpapi-idempotency-key-header).
///
/// | request | answer |
/// |---|---|
/// | key outside `[A-Za-z0-9_-]{1,255}` | 400, `idempotency_key_invalid` role |
/// | first with its key | runs; status, headers and body are kept for the retention |
/// | same key, same method, target and body | the kept response, with `Idempotent-Replayed: true` |
/// | same key, another request | 422, `idempotency_key_reused` role |
/// | same key while the first still runs | 409, `idempotency_key_in_progress` role, `Retry-After` |
///
/// Not kept, so a retry runs afresh: refusals before the handler ran (a malformed body, a
/// failed validation, a wrong content type…), 429, 503 and timeouts. A request that crashed
/// holds its key until the lock timeout. Keys are scoped by the `Authorization` header by
/// default, so two clients never share one.
///
/// Put the layer inside [`ErrcatLayer`](super::ErrcatLayer) and inside the rate limit.
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
///     .layer(Idempotency::new(MemoryStore::new()).retention(Duration::from_secs(3600)).layer())
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
}

impl Idempotency {
    /// Keys kept in `store`. Defaults: POST and PATCH, 24 h retention, 60 s lock, responses up
    /// to 1 MiB kept, fail closed after 250 ms. The request body is read under the request's
    /// own limit (`DefaultBodyLimit`) to fingerprint it, so put this layer inside that one.
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

    /// How long a kept response is replayed.
    pub fn retention(mut self, retention: Duration) -> Idempotency {
        self.retention = retention;
        self
    }

    /// How long a running request holds its key at most; after a crash the key frees itself
    /// then.
    pub fn lock_timeout(mut self, timeout: Duration) -> Idempotency {
        self.lock_timeout = timeout;
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

    /// How long a key's lookup may wait for the store.
    pub fn store_timeout(mut self, timeout: Duration) -> Idempotency {
        self.timeout = timeout;
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
    async fn run<S>(&self, req: Request, mut inner: S) -> Response
    where
        S: tower::Service<Request, Response = Response, Error = Infallible>,
    {
        let config = &self.config;
        let mut keys = req.headers().get_all(&config.header).iter();
        let key = match (keys.next().map(HeaderValue::to_str), keys.next()) {
            (Some(Ok(k)), None) if is_valid_idempotency_key(k) => k.to_owned(),
            _ => {
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
        let store_key = format!("{scope}:{key}");

        // Read under the request's own body limit (`DefaultBodyLimit`), as its extractor would.
        let (parts, body) = req.into_parts();
        let probe = Request::from_parts(parts.clone(), body);
        let body = match Bytes::from_request(probe, &()).await {
            Ok(b) => b,
            Err(rejection) => {
                let role = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    Role::PayloadTooLarge
                } else {
                    Role::InvalidJson
                };
                return ApiError::role(role)
                    .with_source(rejection.body_text())
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
                .begin(&store_key, &fingerprint, config.lock_timeout),
        )
        .await;
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

        let res = match inner.call(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let (res, settled) = settle(res);
        if !self.keeps(&res, settled) {
            self.release(&store_key, &token).await;
            return res;
        }
        self.keep(&store_key, &token, res).await
    }

    /// Whether a response is the request's outcome, to be replayed, or a refusal to forget.
    fn keeps(&self, res: &Response, settled: Settled) -> bool {
        let status = res.status();
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::REQUEST_TIMEOUT
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

    async fn release(&self, key: &str, token: &LockToken) {
        let config = &self.config;
        if let Err(e) = bounded(config.timeout, config.store.release(key, token)).await {
            self.outages.report("idempotency", config.fail, &e);
        }
    }

    /// Reads the response body (up to the cap), keeps it, and hands the response on.
    async fn keep(&self, key: &str, token: &LockToken, res: Response) -> Response {
        let config = &self.config;
        let (parts, mut body) = res.into_parts();
        let mut buf = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = match frame {
                Ok(f) => f,
                Err(e) => {
                    // The body broke while streaming: nothing whole to keep or to send.
                    tracing::error!(error = %e, "response body failed while kept for idempotency");
                    self.release(key, token).await;
                    return ApiError::role(Role::Internal)
                        .with_source(e)
                        .into_response();
                }
            };
            if let Ok(data) = frame.into_data() {
                buf.extend_from_slice(&data);
                if buf.len() > config.max_stored_body {
                    // Too big to keep: send it all, keep nothing.
                    self.release(key, token).await;
                    let head = Bytes::from(buf);
                    let rest = body.into_data_stream();
                    let stream =
                        futures_util::stream::iter([Ok::<_, axum::Error>(head)]).chain(rest);
                    return Response::from_parts(parts, Body::from_stream(stream));
                }
            }
        }
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
        match bounded(
            config.timeout,
            config.store.complete(key, token, &stored, config.retention),
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                "an idempotency key's lock expired before its request finished; its response was not kept (raise the lock timeout)"
            ),
            Err(e) => self.outages.report("idempotency", config.fail, &e),
        }
        Response::from_parts(parts, Body::from(body))
    }
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
