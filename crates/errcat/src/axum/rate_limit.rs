//! Rate limits: GCRA policies per key, several windows each with its own code, and the IETF
//! `RateLimit` / `RateLimit-Policy` headers plus `X-RateLimit-*` on every response.
//!
//! A [`RateLimit`] holds [`Policy`]s, each counting requests under a key (a [`KeyExtractor`]:
//! [`ApiKey`], [`ClientIp`], or any `Fn(&Request) -> Option<String>`) over one or more windows
//! of an `errcat::store` [`RateLimitStore`]. [`RateLimit::layer`] checks every window's code
//! against the catalog and builds the [`RateLimitLayer`]; a refusal is a 429 in the catalog's
//! envelope with `Retry-After`, and a store that fails answers as its [`FailMode`] says. The
//! header names are in [`crate::headers`]. The entry points are also at `errcat::axum::`.
//!
//! ```
//! use axum::{routing::get, Router};
//! use errcat::axum::rate_limit::{ClientIp, Policy, RateLimit};
//! use errcat::axum::{Errcat, RouterExt};
//! use errcat::store::{MemoryStore, Window};
//!
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! let catalog = mintfax::catalog();
//! let limits = RateLimit::new(MemoryStore::new())
//!     .policy(Policy::new("per-address", ClientIp::new()).window(Window::per_minute("minute", 60)))
//!     .layer(&catalog)?;
//! let app: Router = Router::new()
//!     .route("/faxes", get(|| async { "[]" }))
//!     .layer(limits)
//!     .with_errcat(Errcat::new(catalog));
//! # Ok::<(), errcat::axum::ConfigError>(())
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use errcat_store::{Decision, Limiter, RateLimitStore, Window};
use http::header::Entry;
use http::{HeaderMap, HeaderValue};

use super::store::{OutageLog, Refusal, bounded};
use crate::headers::{
    RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
};
use crate::{ApiError, Catalog, Code, Role};

pub use super::key::{ApiKey, ClientIp, ForwardedHeader, KeyExtractor};
pub use super::store::{ConfigError, FailMode};

/// A rate-limit policy: whom it counts (a [`KeyExtractor`]) and its windows, checked in order.
///
/// ```
/// use errcat::axum::{ApiKey, Policy};
/// use errcat::store::Window;
///
/// // Seed 004: an hourly and a daily limit, each with its own code.
/// let plan = Policy::new("sending", ApiKey::authorization())
///     .window(Window::per_hour("hourly", 100).code("hourly_limit_reached"))
///     .window(Window::per_day("daily", 1000).code("daily_limit_reached"));
/// assert_eq!(plan.windows().len(), 2);
/// ```
pub struct Policy {
    name: String,
    key: Arc<dyn KeyExtractor>,
    windows: Vec<Window>,
}

impl Policy {
    /// A policy with no window yet. `name` namespaces its keys in the store, and a request
    /// counts under a name once: a layer further in skips a policy whose name a layer further
    /// out already decided for the request (so an address and a plan can be decided together
    /// in front of authentication, and the plan's own layer after it still covers the rest).
    pub fn new(name: impl Into<String>, key: impl KeyExtractor) -> Policy {
        Policy {
            name: name.into(),
            key: Arc::new(key),
            windows: Vec::new(),
        }
    }

    /// Adds a window. Put short windows first: a request counts against every window it
    /// passed, and the first that refuses it decides.
    pub fn window(mut self, window: Window) -> Policy {
        self.windows.push(window);
        self
    }

    /// The windows.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }
}

/// The rate-limit configuration; [`layer`](RateLimit::layer) checks it against the catalog.
///
/// Put the layer inside [`ErrcatLayer`](super::ErrcatLayer), which renders its 429s. Apply it to
/// a whole router, or to a group of routes with `Router::route_layer` on a nested router.
///
/// ```
/// use std::time::Duration;
/// use axum::{routing::get, Router};
/// use errcat::axum::{ApiKey, ClientIp, Errcat, FailMode, Policy, RateLimit, RouterExt};
/// use errcat::store::{MemoryStore, Window};
///
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let catalog = mintfax::catalog();
/// let limits = RateLimit::new(MemoryStore::new())
///     .policy(Policy::new("per-key", ApiKey::authorization()).window(Window::per_second("burst", 20)))
///     .policy(Policy::new("per-ip", ClientIp::new()).window(Window::per_minute("minute", 600)))
///     .on_store_error(FailMode::Open)
///     .store_timeout(Duration::from_millis(100))
///     .layer(&catalog)?;
/// let app: Router = Router::new()
///     .route("/", get(|| async { "ok" }))
///     .layer(limits)
///     .with_errcat(Errcat::new(catalog));
/// # Ok::<(), errcat::axum::ConfigError>(())
/// ```
pub struct RateLimit {
    store: Arc<dyn RateLimitStore>,
    policies: Vec<Policy>,
    fail: FailMode,
    timeout: Duration,
}

impl RateLimit {
    /// Limits kept in `store` (a [`MemoryStore`](errcat_store::MemoryStore), or a Redis store
    /// to share them between instances). Fails closed after 250 ms by default.
    pub fn new(store: impl RateLimitStore) -> RateLimit {
        RateLimit {
            store: Arc::new(store),
            policies: Vec::new(),
            fail: FailMode::Closed,
            timeout: Duration::from_millis(250),
        }
    }

    /// Adds a policy. Every policy whose key extractor finds a key applies; the first that
    /// refuses decides.
    pub fn policy(mut self, policy: Policy) -> RateLimit {
        self.policies.push(policy);
        self
    }

    /// What happens when the store fails or is late.
    pub fn on_store_error(mut self, mode: FailMode) -> RateLimit {
        self.fail = mode;
        self
    }

    /// How long a decision may wait for the store.
    pub fn store_timeout(mut self, timeout: Duration) -> RateLimit {
        self.timeout = timeout;
        self
    }

    /// The layer, once every window's code is found in the catalog with status 429.
    ///
    /// # Errors
    ///
    /// A policy without windows, a window name the headers cannot carry or used twice, or a code
    /// the catalog lacks or answers with another status than 429.
    pub fn layer(self, catalog: &Catalog) -> Result<RateLimitLayer, ConfigError> {
        let mut names = std::collections::HashSet::new();
        let mut policies = Vec::with_capacity(self.policies.len());
        for policy in self.policies {
            if policy.name.is_empty() || policy.name.contains(':') {
                return Err(ConfigError(format!(
                    "rate-limit policy name `{}` must be non-empty and free of `:`: it namespaces the policy's keys in the store",
                    policy.name
                )));
            }
            if policy.windows.is_empty() {
                return Err(ConfigError(format!(
                    "rate-limit policy `{}` has no window: add one with Policy::window",
                    policy.name
                )));
            }
            let mut windows = Vec::with_capacity(policy.windows.len());
            for w in &policy.windows {
                let name = w.name();
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
                {
                    return Err(ConfigError(format!(
                        "window name `{name}` of policy `{}` must be printable ASCII without quotes or backslashes: it is sent in the RateLimit headers",
                        policy.name
                    )));
                }
                if !names.insert(name.to_owned()) {
                    return Err(ConfigError(format!(
                        "window name `{name}` is used twice: names tell the windows apart in the RateLimit headers"
                    )));
                }
                let code = match w.code_name() {
                    None => None,
                    Some(code) => {
                        let Some(entry) = catalog.get(code) else {
                            let hint = catalog
                                .suggest(code)
                                .map(|s| format!(" (did you mean `{s}`?)"))
                                .unwrap_or_default();
                            return Err(ConfigError(format!(
                                "window `{name}` of policy `{}` names the code `{code}`, which the catalog does not define{hint}",
                                policy.name
                            )));
                        };
                        if entry.default_status() != Some(429) {
                            return Err(ConfigError(format!(
                                "window `{name}` names the code `{code}`, whose status is not 429: a refused request must be answered 429"
                            )));
                        }
                        Some(Code::checked(catalog, code).map_err(|e| ConfigError(e.to_string()))?)
                    }
                };
                let period = w.period().as_secs().max(1);
                windows.push(ResolvedWindow {
                    code,
                    limit_value: HeaderValue::from(w.limit()),
                    policy_item: format!("\"{name}\";q={};w={period}", w.limit()),
                    state_prefix: format!("\"{name}\";r="),
                });
            }
            let policy_header = windows
                .iter()
                .map(|w| w.policy_item.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let policy_value = HeaderValue::try_from(policy_header.as_str())
                .map_err(|e| ConfigError(format!("policy `{}`: {e}", policy.name)))?;
            policies.push(ResolvedPolicy {
                #[cfg(feature = "metrics")]
                metric: crate::metrics::PolicyKeys::new(&policy.name),
                limiter: self.store.limiter(&policy.name, &policy.windows),
                name: policy.name.as_str().into(),
                shared_name: shared_name(&policy.name),
                key: policy.key,
                policy_header,
                policy_value,
                windows,
            });
        }
        Ok(RateLimitLayer {
            shared: Arc::new(Shared {
                policies,
                fail: self.fail,
                timeout: self.timeout,
                outages: OutageLog::new(),
            }),
        })
    }
}

struct ResolvedWindow {
    code: Option<Code>,
    /// `X-RateLimit-Limit` for this window, made once.
    limit_value: HeaderValue,
    /// The start of this window's `RateLimit` item, `"name";r=`, made once.
    state_prefix: String,
    policy_item: String,
}

struct ResolvedPolicy {
    limiter: Arc<dyn Limiter>,
    /// The policy's name, which marks it decided for a request.
    name: Arc<str>,
    /// Whether a policy of this name is in more than one layer of this process: only then is
    /// it marked decided on the request (a marker costs an allocation).
    shared_name: Arc<AtomicBool>,
    key: Arc<dyn KeyExtractor>,
    windows: Vec<ResolvedWindow>,
    policy_header: String,
    /// `policy_header`, ready to send when this policy is the only one that applies.
    policy_value: HeaderValue,
    /// Its decisions' counters.
    #[cfg(feature = "metrics")]
    metric: crate::metrics::PolicyKeys,
}

struct Shared {
    policies: Vec<ResolvedPolicy>,
    fail: FailMode,
    timeout: Duration,
    outages: OutageLog,
}

/// The tower layer of a [`RateLimit`].
#[derive(Clone)]
pub struct RateLimitLayer {
    shared: Arc<Shared>,
}

impl<S> tower::Layer<S> for RateLimitLayer {
    type Service = RateLimitService<S>;
    fn layer(&self, inner: S) -> RateLimitService<S> {
        RateLimitService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] wraps around the inner service.
#[derive(Clone)]
pub struct RateLimitService<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// The outcome of every applicable policy for one request.
enum Verdict {
    Admit(Headers),
    Refuse(ApiError, Headers),
}

/// The rate-limit headers of one response, inserted straight into it.
#[derive(Default)]
struct Headers {
    policy: Option<HeaderValue>,
    state: Option<HeaderValue>,
    /// The window closest to its limit, for `X-RateLimit-*`: its limit (ready to send), the
    /// requests left and the seconds to its reset. Made into header values only when no layer
    /// further in wrote its own.
    tightest: Option<(HeaderValue, u32, u64)>,
}

impl Headers {
    fn write(self, headers: &mut HeaderMap) {
        headers.reserve(5);
        for (name, value) in [(RATELIMIT_POLICY, self.policy), (RATELIMIT, self.state)] {
            let Some(v) = value else { continue };
            match headers.entry(name) {
                Entry::Vacant(slot) => {
                    slot.insert(v);
                }
                // A layer further in (a route group's, the principal's) wrote its own: the two
                // lists join, inner first.
                Entry::Occupied(mut slot) => {
                    let inner = slot.get();
                    let mut joined = Vec::with_capacity(inner.len() + 2 + v.len());
                    joined.extend_from_slice(inner.as_bytes());
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(v.as_bytes());
                    if let Ok(joined) =
                        HeaderValue::from_maybe_shared(axum::body::Bytes::from(joined))
                    {
                        slot.insert(joined);
                    }
                }
            }
        }
        // X-RateLimit-* keep the inner, more specific, window.
        if let Some((limit, remaining, reset)) = self.tightest
            && let Entry::Vacant(slot) = headers.entry(X_RATELIMIT_LIMIT)
        {
            slot.insert(limit);
            headers.insert(X_RATELIMIT_REMAINING, small_number(u64::from(remaining)));
            headers.insert(X_RATELIMIT_RESET, small_number(reset));
        }
    }
}

/// How many numbers have a header value made once and shared: a reset in seconds up to an
/// hour and beyond, and the requests left in most windows.
const SHARED_NUMBERS: u64 = 4096;

/// `n` as a header value: for small numbers a shared one (cloning copies no bytes).
fn small_number(n: u64) -> HeaderValue {
    static TABLE: std::sync::LazyLock<Vec<HeaderValue>> =
        std::sync::LazyLock::new(|| (0..SHARED_NUMBERS).map(HeaderValue::from).collect());
    usize::try_from(n)
        .ok()
        .and_then(|i| TABLE.get(i))
        .cloned()
        .unwrap_or_else(|| HeaderValue::from(n))
}

/// The flag of policy `name`, set once a second layer has a policy of that name.
fn shared_name(name: &str) -> Arc<AtomicBool> {
    static NAMES: std::sync::LazyLock<Mutex<HashMap<String, Arc<AtomicBool>>>> =
        std::sync::LazyLock::new(Mutex::default);
    let mut names = NAMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match names.get(name) {
        Some(flag) => {
            flag.store(true, Ordering::Relaxed);
            flag.clone()
        }
        None => {
            let flag = Arc::new(AtomicBool::new(false));
            names.insert(name.to_owned(), flag.clone());
            flag
        }
    }
}

/// The policies already decided for a request, by name, so that a layer further in with a
/// policy of the same name (the same counters) does not count the request twice.
#[derive(Clone, Default)]
struct Decided(smallvec::SmallVec<[Arc<str>; 4]>);

impl Decided {
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|n| **n == *name)
    }
}

/// The decisions of one request's policies, folded into its headers and its answer.
struct Tally<'a> {
    /// The policies that applied: the first alone, or all joined in `policy_header`.
    applied: Option<&'a ResolvedPolicy>,
    policy_header: HeaderBuf,
    limit_header: HeaderBuf,
    /// The window closest to its limit: (remaining, reset, limit).
    tightest: Option<(u32, Duration, HeaderValue)>,
    refusal: Option<ApiError>,
}

impl<'a> Tally<'a> {
    fn new() -> Tally<'a> {
        Tally {
            applied: None,
            policy_header: HeaderBuf::new(),
            limit_header: HeaderBuf::new(),
            tightest: None,
            refusal: None,
        }
    }

    /// Takes one policy's decision; `false` once it refused (the policies after it are not
    /// consulted).
    fn take(&mut self, policy: &'a ResolvedPolicy, decision: &Decision) -> bool {
        #[cfg(feature = "metrics")]
        if decision.rejected.is_some() {
            policy.metric.limited();
        } else {
            policy.metric.allowed();
        }
        match self.applied {
            None => self.applied = Some(policy),
            Some(first) => {
                if self.policy_header.is_empty() {
                    self.policy_header
                        .extend_from_slice(first.policy_header.as_bytes());
                }
                push_item(&mut self.policy_header, &policy.policy_header);
            }
        }
        describe(policy, decision, &mut self.limit_header, &mut self.tightest);
        let Some((i, wait)) = decision.rejected else {
            return true;
        };
        let window = &policy.windows[i.min(policy.windows.len() - 1)];
        let err = match &window.code {
            Some(code) => ApiError::new(code.clone()),
            None => ApiError::role(Role::RateLimited),
        };
        let secs = u32::try_from(ceil_secs(wait)).unwrap_or(u32::MAX);
        self.refusal = Some(err.retry_after(secs.max(1)));
        false
    }

    fn verdict(self) -> Verdict {
        let mut headers = Headers::default();
        if let Some(first) = self.applied {
            headers.policy = if self.policy_header.is_empty() {
                Some(first.policy_value.clone())
            } else {
                HeaderValue::from_bytes(&self.policy_header).ok()
            };
            headers.state = HeaderValue::from_bytes(&self.limit_header).ok();
        }
        if let Some((remaining, reset, limit)) = self.tightest {
            headers.tightest = Some((limit, remaining, ceil_secs(reset)));
        }
        match self.refusal {
            Some(err) => Verdict::Refuse(err, headers),
            None => Verdict::Admit(headers),
        }
    }
}

impl Shared {
    /// Each policy's key for a request, found before any store is asked: `None` for a policy
    /// that does not apply, or that a layer further out already decided.
    fn keys(&self, req: &Request) -> Keys {
        let decided = req.extensions().get::<Decided>();
        self.policies
            .iter()
            .map(|p| match decided {
                Some(d) if d.has(&p.name) => None,
                _ => p.key.key(req),
            })
            .collect()
    }

    /// What a store that failed means for the request: skip the limit, or refuse it.
    fn failed(&self, e: errcat_store::StoreError) -> Option<Verdict> {
        self.outages.report("rate-limit", self.fail, &e);
        match self.fail {
            FailMode::Open => None,
            FailMode::Closed => {
                let err = ApiError::role(Role::Unavailable)
                    .retry_after(1)
                    .with_source(e);
                Some(Verdict::Refuse(err, Headers::default()))
            }
        }
    }

    async fn decide(&self, keys: &Keys) -> Verdict {
        let mut tally = Tally::new();
        let applicable = self
            .policies
            .iter()
            .zip(keys)
            .filter_map(|(p, k)| Some((p, k.as_deref()?)));
        let applicable: smallvec::SmallVec<[(&ResolvedPolicy, &str); 2]> = applicable.collect();
        // Several policies on a store that decides them in one step (a Redis server): one
        // round trip for all of them.
        if let [(first, key), rest @ ..] = applicable.as_slice()
            && !rest.is_empty()
        {
            let chain: smallvec::SmallVec<[(&dyn Limiter, &str); 2]> =
                rest.iter().map(|(p, k)| (&*p.limiter, *k)).collect();
            if let Some(together) = first.limiter.check_chain(key, &chain) {
                match bounded(self.timeout, together).await {
                    Ok(decisions) => {
                        for (&(policy, _), decision) in applicable.iter().zip(&decisions) {
                            if !tally.take(policy, decision) {
                                break;
                            }
                        }
                        return tally.verdict();
                    }
                    Err(e) => {
                        #[cfg(feature = "metrics")]
                        for (policy, _) in &applicable {
                            policy.metric.error();
                        }
                        return self.failed(e).unwrap_or_else(|| tally.verdict());
                    }
                }
            }
        }
        for &(policy, key) in &applicable {
            let answer = match policy.limiter.check_now(key) {
                Some(answer) => answer,
                None => bounded(self.timeout, policy.limiter.check(key)).await,
            };
            match answer {
                Ok(decision) => {
                    if !tally.take(policy, &decision) {
                        break;
                    }
                }
                Err(e) => {
                    #[cfg(feature = "metrics")]
                    policy.metric.error();
                    if let Some(refused) = self.failed(e) {
                        return refused;
                    }
                }
            }
        }
        tally.verdict()
    }

    /// Marks the policies this layer decided (every one that applied, as it admitted the
    /// request), for the layers further in.
    fn mark(&self, keys: &Keys, req: &mut Request) {
        let mut names = self
            .policies
            .iter()
            .zip(keys)
            .filter(|(p, k)| k.is_some() && p.shared_name.load(Ordering::Relaxed))
            .map(|(p, _)| p.name.clone())
            .peekable();
        if names.peek().is_none() {
            return;
        }
        match req.extensions_mut().get_mut::<Decided>() {
            Some(decided) => decided.0.extend(names),
            None => {
                req.extensions_mut().insert(Decided(names.collect()));
            }
        }
    }
}

/// Each policy's key for one request: inline for up to two policies.
type Keys = smallvec::SmallVec<[Option<String>; 2]>;

/// A header value being built: on the stack up to 128 bytes, then copied once into the value.
type HeaderBuf = smallvec::SmallVec<[u8; 128]>;

/// Appends the `RateLimit` items of a decision and tracks the window closest to its limit.
fn describe(
    policy: &ResolvedPolicy,
    decision: &Decision,
    out: &mut HeaderBuf,
    tightest: &mut Option<(u32, Duration, HeaderValue)>,
) {
    let mut buf = itoa::Buffer::new();
    for (state, window) in decision.states.iter().zip(&policy.windows) {
        push_item(out, &window.state_prefix);
        out.extend_from_slice(buf.format(state.remaining).as_bytes());
        out.extend_from_slice(b";t=");
        out.extend_from_slice(buf.format(ceil_secs(state.reset)).as_bytes());
        let tighter = match tightest {
            None => true,
            Some((r, reset, _)) => {
                state.remaining < *r || (state.remaining == *r && state.reset > *reset)
            }
        };
        if tighter {
            *tightest = Some((state.remaining, state.reset, window.limit_value.clone()));
        }
    }
}

fn push_item(out: &mut HeaderBuf, item: &str) {
    if !out.is_empty() {
        out.extend_from_slice(b", ");
    }
    out.extend_from_slice(item.as_bytes());
}

/// Whole seconds, rounded up: a client that waits this long is never early.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl<S> tower::Service<Request> for RateLimitService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        let keys = shared.keys(&req);
        Box::pin(async move {
            match shared.decide(&keys).await {
                Verdict::Admit(headers) => {
                    let mut req = req;
                    shared.mark(&keys, &mut req);
                    let mut res = inner.call(req).await?;
                    headers.write(res.headers_mut());
                    Ok(res)
                }
                Verdict::Refuse(err, headers) => {
                    let mut res = Refusal::mark(err.into_response());
                    headers.write(res.headers_mut());
                    Ok(res)
                }
            }
        })
    }
}
