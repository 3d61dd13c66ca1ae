//! API-key authentication that fails in the catalog's words.
//!
//! [`Auth`] builds a layer that reads a key from `Authorization: Bearer <key>` (the scheme in
//! any case, per RFC 9110) or a header of your choice such as `X-API-Key`, checks its format
//! and checksum offline, looks its record up in a [`KeyStore`] by id, compares the hash of
//! the secret in constant time, and checks revocation, expiry and allowed networks. A caller
//! that passes gets a [`Principal`] in the request's extensions (a handler takes it as an
//! extractor; rate limits and idempotency key on [`principal_key`]); every other caller gets
//! the catalog's code for what went wrong, each a [`Role`] a catalog can map to its own code:
//!
//! | what | role | status |
//! |---|---|---|
//! | no credentials | `missing_credentials` | 401 |
//! | not a well-formed key (another scheme, a typo) | `malformed_credentials` | 401 |
//! | no such key, or its secret differs | `invalid_credentials` | 401 |
//! | revoked | `revoked_credentials` | 401 |
//! | expired | `expired_credentials` | 401 |
//! | a scope [`require_scope`] asks for is missing | `insufficient_scope` | 403 |
//! | the key does not allow the client's address | `address_not_allowed` | 403 |
//! | a key of another environment ([`Auth::environment`]) | `wrong_environment` | 403 |
//!
//! Every 401 carries `WWW-Authenticate: Bearer` with RFC 6750's `error` parameter (none for
//! missing credentials, as the RFC asks), and a 403 for a scope names it. Failures are counted
//! per client address: past the limit (20 a minute by default) a failing caller gets the
//! catalog's `rate_limited` code with `Retry-After`, while a valid key from the same address
//! still passes. The store is asked within a timeout; a store that cannot answer is the
//! catalog's `unavailable` (authentication never fails open).
//!
//! ```
//! use axum::{routing::get, Router};
//! use errcat::auth::{Auth, Principal, require_scope};
//! use errcat::axum::{Errcat, RouterExt};
//! use errcat::store::MemoryStore;
//! use errcat::store::keys::{ApiKeySecret, KeyHasher, KeyRecord, KeyStore as _};
//!
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let keys = MemoryStore::new();
//! let secret = ApiKeySecret::generate("mfx", "test")?;
//! let record = KeyRecord::new(&secret, &KeyHasher::sha256(), "CI", "acct_1").scopes(["faxes:read"]);
//! keys.put(&record).await?;
//!
//! let catalog = mintfax::catalog();
//! let app: Router = Router::new()
//!     .route("/faxes", get(|who: Principal| async move { who.owner().to_owned() }))
//!     .route_layer(require_scope("faxes:read"))
//!     .layer(Auth::new(keys).layer(&catalog))
//!     .with_errcat(Errcat::new(catalog));
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::convert::Infallible;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{FromRequestParts, Request};
use axum::response::{IntoResponse as _, Response};
use errcat_store::keys::{ApiKeySecret, KeyHasher, KeyRecord, KeyStore, Verifier, unix_now};
use errcat_store::{Limiter, MemoryStore, RateLimitStore, Window};
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue};

use super::key::{ClientIp, KeyExtractor};
use super::store::{FailMode, OutageLog, Refusal, bounded};
use crate::{ApiError, Catalog, Role};

/// Who is calling: the authenticated key's record (its id, owner, environment and scopes;
/// never its secret). In the request's extensions once [`Auth`] let the request through; a
/// handler takes it as an extractor (missing credentials when no [`Auth`] layer ran).
/// Cloning is cheap: the record is shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    record: Arc<KeyRecord>,
}

impl Principal {
    /// The principal of a key's record.
    pub fn new(record: Arc<KeyRecord>) -> Principal {
        Principal { record }
    }

    /// The key's public id (`mfx_test_AbCd1234`).
    pub fn key_id(&self) -> &str {
        &self.record.id
    }

    /// Who the key belongs to.
    pub fn owner(&self) -> &str {
        &self.record.owner
    }

    /// The key's environment (`test`, `live`).
    pub fn environment(&self) -> &str {
        &self.record.environment
    }

    /// What the key may do.
    pub fn scopes(&self) -> &[String] {
        &self.record.scopes
    }

    /// Whether the key has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.record.has_scope(scope)
    }

    /// The whole record (its hash included, for audits; never the secret).
    pub fn record(&self) -> &KeyRecord {
        &self.record
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut http::request::Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::role(Role::MissingCredentials))
    }
}

/// The authenticated key's id, for rate-limit policies and idempotency scopes: a request
/// counts under who is calling, however the header was spelled. `None` before [`Auth`].
///
/// ```
/// use errcat::auth::principal_key;
/// use errcat::axum::Policy;
/// use errcat::store::Window;
///
/// let per_key = Policy::new("keys", principal_key).window(Window::per_second("second", 100));
/// # let _ = per_key;
/// ```
pub fn principal_key(req: &Request) -> Option<String> {
    req.extensions()
        .get::<Principal>()
        .map(|p| p.key_id().to_owned())
}

/// The environment a request is for, as [`Auth::environment`] takes it.
type EnvironmentOf = Arc<dyn Fn(&Request) -> Option<String> + Send + Sync>;

/// Builds the authentication layer. See the [module docs](self).
pub struct Auth {
    keys: Arc<dyn KeyStore>,
    hasher: KeyHasher,
    header: Option<HeaderName>,
    environment: Option<EnvironmentOf>,
    failures: Option<(Arc<dyn RateLimitStore>, Window)>,
    client_ip: ClientIp,
    timeout: Duration,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("hasher", &self.hasher)
            .field("header", &self.header)
            .field("failures", &self.failures.as_ref().map(|(_, w)| w))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Authentication against `keys`, hashing with SHA-256, reading `Authorization: Bearer`,
    /// limiting failures to 20 a minute per client address in memory, asking the store for at
    /// most 250 ms.
    pub fn new(keys: impl KeyStore) -> Auth {
        Auth {
            keys: Arc::new(keys),
            hasher: KeyHasher::sha256(),
            header: None,
            environment: None,
            failures: Some((
                Arc::new(MemoryStore::new()),
                Window::per_minute("auth-failures", 20),
            )),
            client_ip: ClientIp::new(),
            timeout: Duration::from_millis(250),
        }
    }

    /// How secrets were hashed when their records were made (HMAC with a pepper, say). A key
    /// that matched is remembered (see [`Verifier`]), so one in steady use is hashed once per
    /// record the key store hands over, not on every request.
    pub fn hasher(mut self, hasher: KeyHasher) -> Auth {
        self.hasher = hasher;
        self
    }

    /// Also reads the key from this header (`x-api-key`) when `Authorization` is absent.
    pub fn header(mut self, name: &'static str) -> Auth {
        self.header = Some(HeaderName::from_static(name));
        self
    }

    /// The environment a request is for (`live` for a live resource, say): a key of another
    /// environment gets `wrong_environment`. `None` from `which` accepts any environment.
    pub fn environment(
        mut self,
        which: impl Fn(&Request) -> Option<String> + Send + Sync + 'static,
    ) -> Auth {
        self.environment = Some(Arc::new(which));
        self
    }

    /// Counts failed attempts per client address in `store` under `window` (by default 20 a
    /// minute in memory; put it on Redis to count across instances).
    pub fn limit_failures(mut self, store: impl RateLimitStore, window: Window) -> Auth {
        self.failures = Some((Arc::new(store), window));
        self
    }

    /// Does not limit failed attempts (for tests; a public API wants the limit).
    pub fn no_failure_limit(mut self) -> Auth {
        self.failures = None;
        self
    }

    /// How the client's address is found (trusted proxies), for failure limits and allowed
    /// networks.
    pub fn client_ip(mut self, client_ip: ClientIp) -> Auth {
        self.client_ip = client_ip;
        self
    }

    /// The longest wait for the key store.
    pub fn store_timeout(mut self, timeout: Duration) -> Auth {
        self.timeout = timeout;
        self
    }

    /// The layer, for `catalog` (whose codes the refusals use).
    pub fn layer(self, catalog: &Catalog) -> AuthLayer {
        let failures = self
            .failures
            .map(|(store, window)| store.limiter("auth-failures", std::slice::from_ref(&window)));
        // Checked here so a catalog that cannot resolve the roles fails at start, not per request.
        for failure in [
            Role::MissingCredentials,
            Role::RateLimited,
            Role::Unavailable,
        ] {
            let _ = catalog.role(failure);
        }
        AuthLayer {
            shared: Arc::new(Shared {
                keys: self.keys,
                verifier: Verifier::new(self.hasher),
                header: self.header,
                environment: self.environment,
                failures,
                client_ip: self.client_ip,
                timeout: self.timeout,
                outage: OutageLog::new(),
            }),
        }
    }
}

fn declares(catalog: &Catalog, role: Role, key: &str) -> bool {
    catalog.role(role).context.iter().any(|k| k.name == key)
}

struct Shared {
    keys: Arc<dyn KeyStore>,
    verifier: Verifier,
    header: Option<HeaderName>,
    environment: Option<EnvironmentOf>,
    failures: Option<Arc<dyn Limiter>>,
    client_ip: ClientIp,
    timeout: Duration,
    outage: OutageLog,
}

/// The layer [`Auth::layer`] makes.
#[derive(Clone)]
pub struct AuthLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// The key id of a request whose key this layer would accept right now from what it has
    /// in memory alone (the record in the key store's cache, the key remembered by its
    /// [`Verifier`], not revoked, not expired, of the request's environment, from an allowed
    /// network), as a [`KeyExtractor`]; `None` for any other request, and never a wait or a
    /// store call.
    ///
    /// For a layer outside this one: a [`RateLimit`](super::RateLimit) in front of
    /// authentication can then decide a key's plan together with the client's address (one
    /// round trip on Redis), and the layer inside that has the same policy leaves it be. A
    /// key that is not known yet (its first request, a cache past its ttl) is decided inside,
    /// after authentication, as before.
    ///
    /// ```
    /// use errcat::axum::auth::Auth;
    /// use errcat::axum::KeyExtractor as _;
    /// use errcat::store::MemoryStore;
    ///
    /// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
    /// let auth = Auth::new(MemoryStore::new()).layer(&mintfax::catalog());
    /// let warm = auth.warm();
    /// let req = axum::http::Request::new(axum::body::Body::empty());
    /// assert_eq!(warm.key(&req), None);
    /// ```
    pub fn warm(&self) -> WarmKey {
        WarmKey {
            shared: self.shared.clone(),
        }
    }
}

/// [`AuthLayer::warm`]'s key extractor.
#[derive(Clone)]
pub struct WarmKey {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WarmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarmKey").finish_non_exhaustive()
    }
}

impl KeyExtractor for WarmKey {
    fn key(&self, req: &Request) -> Option<String> {
        self.shared
            .accepted_now(req)
            .map(|record| record.id.clone())
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service [`AuthLayer`] makes.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> std::fmt::Debug for AuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").finish_non_exhaustive()
    }
}

/// Why a request did not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Missing,
    Malformed,
    Invalid,
    Revoked,
    Expired,
    Address,
    Environment,
}

impl Failure {
    fn role(self) -> Role {
        match self {
            Failure::Missing => Role::MissingCredentials,
            Failure::Malformed => Role::MalformedCredentials,
            Failure::Invalid => Role::InvalidCredentials,
            Failure::Revoked => Role::RevokedCredentials,
            Failure::Expired => Role::ExpiredCredentials,
            Failure::Address => Role::AddressNotAllowed,
            Failure::Environment => Role::WrongEnvironment,
        }
    }

    /// Counts the failure in `errcat_auth_failures_total`.
    #[cfg(feature = "metrics")]
    fn count(self) {
        use crate::metrics::auth as m;
        match self {
            Failure::Missing => m::missing(),
            Failure::Malformed => m::malformed(),
            Failure::Invalid => m::invalid(),
            Failure::Revoked => m::revoked(),
            Failure::Expired => m::expired(),
            Failure::Address => m::address(),
            Failure::Environment => m::environment(),
        }
    }

    /// `WWW-Authenticate` for a 401 (RFC 6750 §3).
    fn challenge(self) -> Option<&'static str> {
        match self {
            Failure::Missing => Some("Bearer"),
            Failure::Malformed => Some(r#"Bearer error="invalid_request""#),
            Failure::Invalid | Failure::Revoked | Failure::Expired => {
                Some(r#"Bearer error="invalid_token""#)
            }
            Failure::Address | Failure::Environment => None,
        }
    }
}

/// What [`Shared::authenticate`] needs of a request.
struct Facts {
    key: Result<ApiKeySecret, Failure>,
    environment: Option<String>,
}

/// The credentials a request carries: `Ok(None)` for none, `Err` for something that is not a
/// bearer token.
fn credentials<'r>(req: &'r Request, header: Option<&HeaderName>) -> Result<Option<&'r str>, ()> {
    let headers = req.headers();
    let mut auth = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = auth.next() {
        if auth.next().is_some() {
            return Err(());
        }
        let value = value.to_str().map_err(drop)?;
        let (scheme, rest) = value.split_at_checked(6).ok_or(())?;
        if !scheme.eq_ignore_ascii_case("bearer") || !rest.starts_with([' ', '\t']) {
            return Err(());
        }
        let token = rest.trim_matches([' ', '\t']);
        return if token.is_empty() {
            Err(())
        } else {
            Ok(Some(token))
        };
    }
    if let Some(name) = header {
        let mut values = headers.get_all(name).iter();
        if let Some(value) = values.next() {
            if values.next().is_some() {
                return Err(());
            }
            let token = value.to_str().map_err(drop)?.trim_matches([' ', '\t']);
            return if token.is_empty() {
                Err(())
            } else {
                Ok(Some(token))
            };
        }
    }
    Ok(None)
}

impl Shared {
    fn client(&self, req: &Request) -> Option<(String, Option<IpAddr>)> {
        // The key (a network for IPv6) bounds failures; allowed networks are checked against
        // the whole address. An obfuscated client behind a proxy has no address: a key limited
        // to networks refuses it rather than checking the proxy's.
        Some((self.client_ip.key(req)?, self.client_ip.address(req)))
    }

    /// What authentication needs of a request, taken before any wait (a request is not `Sync`).
    fn facts(&self, req: &Request) -> Facts {
        let key = match credentials(req, self.header.as_ref()) {
            Ok(Some(token)) => ApiKeySecret::parse(token).map_err(|_| Failure::Malformed),
            Ok(None) => Err(Failure::Missing),
            Err(()) => Err(Failure::Malformed),
        };
        Facts {
            key,
            environment: self.environment.as_ref().and_then(|which| which(req)),
        }
    }

    /// The record of a key this layer would accept now from memory alone (see
    /// [`AuthLayer::warm`]).
    fn accepted_now(&self, req: &Request) -> Option<Arc<KeyRecord>> {
        let facts = self.facts(req);
        let secret = facts.key.as_ref().ok()?;
        let record = self.keys.get_now(secret.id())?;
        let accepted = self.verifier.known(secret, &record)
            && self.standing(&record, &facts).is_ok()
            && self.network_allowed(&record, req);
        accepted.then_some(record)
    }

    /// Authenticates a request: its key's record, or why not (a store failure is `Err(None)`).
    /// The allowed networks are checked by the caller, which has the request.
    async fn authenticate(&self, facts: &Facts) -> Result<Arc<KeyRecord>, Option<Failure>> {
        let secret = facts.key.as_ref().map_err(|f| Some(*f))?;
        let record = match self.keys.get_now(secret.id()) {
            Some(record) => record,
            None => match bounded(self.timeout, self.keys.get_shared(secret.id())).await {
                Ok(Some(record)) => record,
                Ok(None) => return Err(Some(Failure::Invalid)),
                Err(e) => {
                    self.outage.report("API-key", FailMode::Closed, &e);
                    return Err(None);
                }
            },
        };
        if !self.verifier.verify(secret, &record) {
            return Err(Some(Failure::Invalid));
        }
        self.standing(&record, facts).map_err(Some)?;
        Ok(record)
    }

    /// Whether a key that matched may be used now: not revoked, not expired, of the request's
    /// environment.
    fn standing(&self, record: &KeyRecord, facts: &Facts) -> Result<(), Failure> {
        if record.is_revoked() {
            return Err(Failure::Revoked);
        }
        if record.is_expired(unix_now()) {
            return Err(Failure::Expired);
        }
        if let Some(wanted) = &facts.environment
            && *wanted != record.environment
        {
            return Err(Failure::Environment);
        }
        Ok(())
    }

    /// Whether the request comes from a network the key allows (always, when it names none;
    /// the address is only looked for then).
    fn network_allowed(&self, record: &KeyRecord, req: &Request) -> bool {
        record.networks.is_empty()
            || self
                .client(req)
                .and_then(|c| c.1)
                .is_some_and(|a| record.allows(a))
    }

    /// The answer to a failed attempt: its code, or the failure limit's once it is spent.
    async fn refuse(&self, failure: Failure, client: Option<&str>) -> Response {
        #[cfg(feature = "metrics")]
        failure.count();
        if let (Some(limiter), Some(client)) = (&self.failures, client) {
            match bounded(self.timeout, limiter.check(client)).await {
                Ok(decision) => {
                    if let Some(wait) = decision.retry_after() {
                        let secs =
                            u32::try_from(wait.as_secs().saturating_add(1)).unwrap_or(u32::MAX);
                        return ApiError::role(Role::RateLimited)
                            .retry_after(secs)
                            .into_response();
                    }
                }
                // The limit is protection, not the answer: the failure is still refused.
                Err(e) => tracing::warn!(error = %e, "the auth-failure limit's store failed"),
            }
        }
        let mut response = ApiError::role(failure.role()).into_response();
        if let Some(challenge) = failure.challenge() {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

impl<S> tower::Service<Request> for AuthService<S>
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

    fn call(&mut self, mut req: Request) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        let facts = shared.facts(&req);
        Box::pin(async move {
            let verdict = shared.authenticate(&facts).await.and_then(|record| {
                if shared.network_allowed(&record, &req) {
                    Ok(record)
                } else {
                    Err(Some(Failure::Address))
                }
            });
            match verdict {
                Ok(record) => {
                    req.extensions_mut().insert(Principal::new(record));
                    inner.call(req).await
                }
                Err(Some(failure)) => {
                    let client = shared.client(&req).map(|c| c.0);
                    Ok(Refusal::mark(
                        shared.refuse(failure, client.as_deref()).await,
                    ))
                }
                Err(None) => Ok(Refusal::mark({
                    #[cfg(feature = "metrics")]
                    crate::metrics::auth::unavailable();
                    ApiError::role(Role::Unavailable)
                        .retry_after(1)
                        .into_response()
                })),
            }
        })
    }
}

/// What a [`RequireLayer`] checks of a principal: `None` lets the request through, a
/// response refuses it. [`require_scope`] and [`require`] make the two kinds.
pub trait Check: Clone + Send + Sync + 'static {
    /// The refusal for `principal`, if any.
    fn refuse(&self, principal: &Principal) -> Option<Response>;
}

/// The check of [`require_scope`]: the principal has this scope.
#[derive(Debug, Clone, Copy)]
pub struct Scope(pub &'static str);

impl Check for Scope {
    fn refuse(&self, principal: &Principal) -> Option<Response> {
        (!principal.has_scope(self.0)).then(|| {
            #[cfg(feature = "metrics")]
            crate::metrics::auth::insufficient_scope();
            insufficient_scope(self.0)
        })
    }
}

/// The check of [`require`]: a function answering the error to refuse with.
#[derive(Clone)]
pub struct CheckFn<F>(F);

impl<F> Check for CheckFn<F>
where
    F: Fn(&Principal) -> Option<ApiError> + Clone + Send + Sync + 'static,
{
    fn refuse(&self, principal: &Principal) -> Option<Response> {
        (self.0)(principal).map(|err| {
            #[cfg(feature = "metrics")]
            crate::metrics::auth::refused();
            axum::response::IntoResponse::into_response(err)
        })
    }
}

/// A route layer that lets through only principals with `scope`, after [`Auth`]: others get
/// the catalog's `insufficient_scope` (with the scope in its context where the code declares
/// it, and in `WWW-Authenticate`), requests that did not authenticate `missing_credentials`.
///
/// ```
/// use axum::{routing::post, Router};
/// use errcat::auth::require_scope;
///
/// let writes: Router = Router::new()
///     .route("/faxes", post(|| async { "sent" }))
///     .route_layer(require_scope("faxes:write"));
/// # let _ = writes;
/// ```
pub fn require_scope(scope: &'static str) -> RequireLayer<Scope> {
    RequireLayer {
        check: Scope(scope),
    }
}

fn insufficient_scope(scope: &'static str) -> Response {
    let declared = super::layer::with_catalog(|c| declares(c, Role::InsufficientScope, "scope"))
        .unwrap_or(false);
    let mut err = ApiError::role(Role::InsufficientScope);
    if declared {
        err = err.with("scope", scope);
    }
    let mut res = err.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        r#"Bearer error="insufficient_scope", scope="{scope}""#
    )) {
        res.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    res
}

/// A route layer that lets through only principals `check` accepts, after [`Auth`]: `check`
/// answers `None` to let the request through, or the error to answer with. For rules a scope
/// cannot say (an account key on an operational route, say); requests that did not
/// authenticate get `missing_credentials`.
///
/// ```
/// use axum::{routing::get, Router};
/// use errcat::auth::{Principal, require};
/// use errcat::{ApiError, Role};
///
/// let live_only = |p: &Principal| {
///     (p.environment() != "live").then(|| ApiError::role(Role::WrongEnvironment))
/// };
/// let app: Router = Router::new()
///     .route("/payouts", get(|| async { "[]" }))
///     .route_layer(require(live_only));
/// # let _ = app;
/// ```
pub fn require<F>(check: F) -> RequireLayer<CheckFn<F>>
where
    F: Fn(&Principal) -> Option<ApiError> + Clone + Send + Sync + 'static,
{
    RequireLayer {
        check: CheckFn(check),
    }
}

/// The layer [`require`] and [`require_scope`] make.
#[derive(Clone)]
pub struct RequireLayer<C> {
    check: C,
}

impl<C> std::fmt::Debug for RequireLayer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequireLayer").finish_non_exhaustive()
    }
}

impl<S, C: Check> tower::Layer<S> for RequireLayer<C> {
    type Service = Require<S, C>;

    fn layer(&self, inner: S) -> Require<S, C> {
        Require {
            inner,
            check: self.check.clone(),
        }
    }
}

/// The service [`RequireLayer`] makes.
#[derive(Clone)]
pub struct Require<S, C> {
    inner: S,
    check: C,
}

impl<S, C> std::fmt::Debug for Require<S, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Require").finish_non_exhaustive()
    }
}

impl<S, C> tower::Service<Request> for Require<S, C>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
    C: Check,
{
    type Response = Response;
    type Error = Infallible;
    type Future =
        futures_util::future::Either<S::Future, std::future::Ready<Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use futures_util::future::Either;
        let refusal = match req.extensions().get::<Principal>() {
            Some(p) => self.check.refuse(p),
            None => Some(missing()),
        };
        match refusal {
            None => Either::Left(self.inner.call(req)),
            Some(res) => Either::Right(std::future::ready(Ok(Refusal::mark(res)))),
        }
    }
}

/// `missing_credentials`, with its challenge.
fn missing() -> Response {
    #[cfg(feature = "metrics")]
    crate::metrics::auth::missing();
    let mut res = ApiError::role(Role::MissingCredentials).into_response();
    res.headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    res
}
