//! A small fax-sending API in the spirit of seed 000 (mintfax), on seed 000's catalog.
//!
//! Every category of error can be reached with a real request: validation, authentication,
//! permissions across environments, not found, insufficient balance, a fax not yet terminal,
//! an internal error, and every framework failure (malformed JSON, wrong shape, wrong content
//! type, bad parameter, unknown route, wrong method, body too large, timeout, panic, load
//! shedding).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::net::SocketAddr;
//! use axum::ServiceExt as _;
//!
//! let config = errcat_demo::DemoConfig::default();
//! println!("sandbox key: {}", config.keys.sandbox.expose());
//! let app = errcat_demo::app(config).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
mod gate;
pub mod key_routes;
pub mod observe;
pub mod openapi;
mod routes;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::handler::Handler as _;
use axum::response::Response;
use axum::routing::{delete, get, post};
use errcat::ApiError;
use errcat::StyleKind;
use errcat::auth::{Auth, Principal, principal_key, require, require_scope};
use errcat::axum::auth::WarmKey;
use errcat::axum::{
    ClientIp, Errcat, FailMode, Idempotency, KeyExtractor as _, Linger, Policy, RateLimit,
};
use errcat::store::keys::{CachedKeyStore, KeyHasher, KeyStore};
use errcat::store::{IdempotencyStore, MemoryStore, RateLimitStore, StoreError, Window};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;

pub use auth::DemoKeys;
pub use gate::Gate;

errcat::codes!(pub mod mintfax = "../../catalogs/mintfax.toml");

/// The largest fax document, decoded: 10 MB.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// The envelope style; `None` for the catalog's (`flat`).
    pub style: Option<StyleKind>,
    /// The largest request body. Base64 makes a 10 MB file about 13.4 MB.
    pub body_limit: usize,
    /// How long a request may take before the timeout role answers.
    pub timeout: Duration,
    /// How many requests run at once before load shedding answers.
    pub max_concurrency: usize,
    /// Where rate limits and idempotency keys live.
    pub store: DemoStore,
    /// Whether requests go through unguarded when the store is down (else 503).
    pub fail_open: bool,
    /// Requests per second each API key may make (the free key has its own small plan).
    pub key_rate: u32,
    /// Requests per second each client address may make, with a key or without (checked before
    /// authentication).
    pub ip_rate: u32,
    /// Requests per hour each API key may make.
    pub key_hourly: u32,
    /// A gate that holds `GET /debug/slow` until it opens, for tests; `None` to just sleep.
    pub gate: Option<Gate>,
    /// The keys made at start, stored (hashed) in `store` when the app is built.
    pub keys: DemoKeys,
    /// How long an instance trusts what it read of a key: the bound on how late a key revoked
    /// on another instance stops working here.
    pub key_cache_ttl: Duration,
    /// Failed authentications each client address may make per minute before a 429.
    pub auth_failures_per_minute: u32,
    /// Whether `GET /debug/fail`, `/debug/panic` and `/debug/slow` are mounted (and listed in
    /// the OpenAPI document). Off by default: they are unauthenticated and exist only to show
    /// the internal, panic, timeout and load-shedding answers on a local machine.
    pub debug_routes: bool,
    /// The longest wait for the store on any one decision (authentication, limits,
    /// idempotency) before the store counts as down (`fail_open` then decides).
    pub store_timeout: Duration,
    /// The sandbox's credits at start (a fax costs 2; live starts with none). Tests that send
    /// many faxes, such as the schema-driven fuzzer, raise it so that a valid request is never
    /// refused for want of credit.
    pub sandbox_credits: i64,
}

/// Where the demo keeps rate limits and idempotency keys.
#[derive(Clone, Debug)]
pub enum DemoStore {
    /// In this process: nothing to install.
    Memory(MemoryStore),
    /// On Redis, shared by every instance: one server (`RedisStore::connect`) or a Redis
    /// Cluster (`RedisStore::connect_cluster`), the same store either way.
    Redis(errcat::store::RedisStore),
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            style: None,
            body_limit: 14 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_concurrency: 512,
            store: DemoStore::Memory(MemoryStore::new()),
            fail_open: false,
            key_rate: 1000,
            ip_rate: 1000,
            key_hourly: 1_000_000,
            gate: None,
            keys: DemoKeys::generate(),
            key_cache_ttl: Duration::from_secs(5),
            auth_failures_per_minute: 20,
            debug_routes: false,
            store_timeout: Duration::from_millis(250),
            sandbox_credits: 5,
        }
    }
}

/// The demo's service: its routes, with errcat and the rest of the middleware stack wrapped once
/// around the whole router. (`Router::layer` would wrap each route instead, and axum then clones
/// and boxes the stack for every request.) Serve it with
/// `axum::ServiceExt::into_make_service_with_connect_info::<SocketAddr>`, so that limits and
/// allowed networks see the client's address.
///
/// Stores the records of `config.keys` first.
///
/// # Errors
///
/// When the store cannot keep the keys' records (Redis down).
pub async fn app(
    config: DemoConfig,
) -> Result<
    impl tower::Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
    + Clone
    + Send
    + 'static,
    StoreError,
> {
    let catalog = mintfax::catalog();
    let mut errcat = Errcat::new(catalog.clone());
    if let Some(style) = config.style {
        errcat = errcat.style(style);
    }
    let hasher = KeyHasher::sha256();
    // One cache per instance, used by authentication and the key routes alike, so a key
    // revoked here stops at once; one revoked on another instance within the ttl.
    let key_store: Arc<dyn KeyStore> = Arc::new(CachedKeyStore::new(
        key_store(&config),
        config.key_cache_ttl,
        100_000,
    ));
    for record in config.keys.records(&hasher) {
        key_store.put(&record).await?;
    }
    let keys = key_routes::Keys {
        store: key_store.clone(),
        hasher: hasher.clone(),
    };
    let docs = docs_routes(&catalog, errcat.renderer().style());
    let state = Arc::new(routes::State::new(
        config.gate.clone(),
        keys,
        config.sandbox_credits,
    ));
    let spec = Arc::new(openapi::document(
        errcat.renderer().style(),
        config.debug_routes,
    ));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.max_concurrency));
    // The API's stack, around each handler: authentication (the principal then keys the
    // limits and the idempotency records), the limits per principal, idempotency keys scoped
    // by the principal, and the operation's scope. Around handlers rather than routes, so a
    // wrong method is still a 405 without a key.
    let authenticate = Auth::new(key_store.clone())
        .hasher(hasher)
        .store_timeout(config.store_timeout)
        .limit_failures(
            limit_store(&config),
            Window::per_minute("auth-failures", config.auth_failures_per_minute),
        )
        .layer(&catalog);
    let warm = authenticate.warm();
    let per_principal = principal_limits(&config, &catalog);
    let idempotency = Idempotency::new(idempotency_store(&config))
        .scope(principal_key)
        .on_store_error(fail_mode(&config))
        .store_timeout(config.store_timeout)
        .layer();
    // Seed 000: an account key on an operational route, or an environment key on an account
    // route, is its own refusal, before any scope is looked at.
    let operational = |p: &Principal| {
        (p.environment() == auth::ACCOUNT_ENV)
            .then(|| ApiError::from(mintfax::Code::KeyNotScopedForOperations))
    };
    let account_only = |p: &Principal| {
        (p.environment() != auth::ACCOUNT_ENV)
            .then(|| ApiError::from(mintfax::Code::KeyNotScopedForAccount))
    };
    let protect = |scope: Option<&'static str>| {
        ServiceBuilder::new()
            .layer(authenticate.clone())
            .layer(per_principal.clone())
            .layer(idempotency.clone())
            .option_layer(scope.map(|_| require(operational)))
            .option_layer(scope.is_none().then(|| require(account_only)))
            .option_layer(scope.map(require_scope))
    };
    let (read, write, account) = (
        protect(Some(auth::READ)),
        protect(Some(auth::WRITE)),
        protect(None),
    );
    let api = Router::new()
        .route(
            "/faxes",
            post(routes::send_fax.layer(write.clone())).get(routes::list_faxes.layer(read.clone())),
        )
        .route(
            "/faxes/{id}",
            get(routes::get_fax.layer(read.clone()))
                .delete(routes::delete_fax.layer(write.clone())),
        )
        .route(
            "/faxes/{id}/pages/{page}",
            get(routes::get_page.layer(read.clone())),
        )
        .route("/faxes/{id}/resend", post(routes::resend.layer(write)))
        .route(
            "/account/balance",
            get(routes::balance.layer(account.clone())),
        )
        .route(
            "/account/keys",
            post(key_routes::create.layer(account.clone()))
                .get(key_routes::list.layer(account.clone())),
        )
        .route(
            "/account/keys/{id}",
            delete(key_routes::revoke.layer(account)),
        );
    let mut public = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(move || openapi::serve(spec.clone())));
    if config.debug_routes {
        public = public
            .route("/debug/fail", get(routes::fail))
            .route("/debug/panic", get(routes::panic))
            .route("/debug/slow", get(routes::slow));
    }
    // Each route tells errcat's layer (outside the router) which route matched, for the logs.
    let router = api
        .merge(public)
        .with_state(state)
        .merge(docs)
        .route_layer(errcat::axum::record_route());
    // The layers, outermost first:
    // - lingering: what a layer or handler left of the request body is read and thrown away
    //   (within bounds) before the answer goes out, so clients that write first read it;
    // - errcat: request ids, locales, panics, rendering, framework failures;
    // - the body limit;
    // - the limit per client address, before anything else is spent on a request;
    // - load shedding, a global concurrency limit (one semaphore shared by every request, so
    //   `max_concurrency` holds for the whole server) and the timeout;
    // - on the API's routes: authentication, the limits per principal, then idempotency keys
    //   scoped by the principal (inside the timeout, so a slow body cannot outlast it).
    Ok(ServiceBuilder::new()
        .layer(Linger::new())
        .layer(errcat.layer())
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(address_limits(&config, &catalog, warm))
        .layer(HandleErrorLayer::new(errcat::axum::handle_error))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(semaphore))
        .timeout(config.timeout)
        .service(router))
}

fn fail_mode(config: &DemoConfig) -> FailMode {
    if config.fail_open {
        FailMode::Open
    } else {
        FailMode::Closed
    }
}

/// The demo's store, for the rate-limit layers.
fn limit_store(config: &DemoConfig) -> Arc<dyn RateLimitStore> {
    match &config.store {
        DemoStore::Memory(m) => Arc::new(m.clone()),
        DemoStore::Redis(r) => Arc::new(r.clone()),
    }
}

/// The demo's store, for the idempotency layer.
fn idempotency_store(config: &DemoConfig) -> Arc<dyn IdempotencyStore> {
    match &config.store {
        DemoStore::Memory(m) => Arc::new(m.clone()),
        DemoStore::Redis(r) => Arc::new(r.clone()),
    }
}

/// The demo's store, for API keys.
fn key_store(config: &DemoConfig) -> Arc<dyn KeyStore> {
    match &config.store {
        DemoStore::Memory(m) => Arc::new(m.clone()),
        DemoStore::Redis(r) => Arc::new(r.clone()),
    }
}

/// Every request's limit per client address, before authentication. On Redis, for a key the
/// authentication layer already knows (its record cached, the key remembered), that key's
/// plan with it: one decision, one round trip. The plan's layer inside authentication leaves
/// a plan decided here alone, and decides the others (a key's first request, say). In memory
/// a decision costs no round trip, and the plans are all decided inside.
fn address_limits(
    config: &DemoConfig,
    catalog: &errcat::Catalog,
    warm: WarmKey,
) -> errcat::axum::RateLimitLayer {
    let mut limits = RateLimit::new(limit_store(config)).policy(
        Policy::new("ip", ClientIp::new()).window(Window::per_second("ip-second", config.ip_rate)),
    );
    if matches!(config.store, DemoStore::Redis(_)) {
        // Only on the routes the plans cover, so a known key sent to /healthz or the docs
        // costs its plan nothing, as before.
        let (free, paid) = plans(config, move |req| {
            let path = req.uri().path();
            let planned =
                path == "/faxes" || path.starts_with("/faxes/") || path.starts_with("/account/");
            planned.then(|| warm.key(req)).flatten()
        });
        limits = limits.policy(free).policy(paid);
    }
    limit_layer(config, catalog, limits)
}

/// `limits` with the demo's store timeout and fail mode, checked against the catalog.
fn limit_layer(
    config: &DemoConfig,
    catalog: &errcat::Catalog,
    limits: RateLimit,
) -> errcat::axum::RateLimitLayer {
    let limits = limits
        .on_store_error(fail_mode(config))
        .store_timeout(config.store_timeout);
    match limits.layer(catalog) {
        Ok(layer) => layer,
        // The demo's windows name no code of their own: the catalog's rate_limited role
        // always resolves, so this cannot fail.
        Err(e) => unreachable!("the demo's rate limits are valid: {e}"),
    }
}

/// The plans, per key whose id `key_id` finds: the free key's small one, and every other key's.
fn plans(
    config: &DemoConfig,
    key_id: impl Fn(&Request) -> Option<String> + Clone + Send + Sync + 'static,
) -> (Policy, Policy) {
    let free_id: Arc<str> = config.keys.free.id().into();
    let free = {
        let (free_id, key_id) = (free_id.clone(), key_id.clone());
        move |req: &Request| key_id(req).filter(|id| **id == *free_id)
    };
    let paid = move |req: &Request| key_id(req).filter(|id| **id != *free_id);
    (
        Policy::new("free", free)
            .window(Window::per_second("free-second", 2))
            .window(Window::per_hour("free-hour", 30)),
        Policy::new("keys", paid)
            .window(Window::per_second("second", config.key_rate))
            .window(Window::per_hour("hour", config.key_hourly)),
    )
}

/// The plans, per authenticated key, for the keys the address layer did not decide.
fn principal_limits(
    config: &DemoConfig,
    catalog: &errcat::Catalog,
) -> errcat::axum::RateLimitLayer {
    let (free, paid) = plans(config, principal_key);
    let limits = RateLimit::new(limit_store(config))
        .policy(free)
        .policy(paid);
    limit_layer(config, catalog, limits)
}

/// The reference docs site (errcat-docs), generated once, served where the catalog's `docs`
/// permalinks point (`https://mintfax.com/docs/errors/{anchor}` → `/docs/errors/…`), so every
/// `docs` link in the demo's errors resolves. Its examples are in the demo's envelope style.
fn docs_routes(catalog: &Arc<errcat::Catalog>, style: StyleKind) -> Router {
    use axum::http::{Uri, header};
    use axum::response::{IntoResponse, Redirect, Response};
    use errcat_docs::{Lookup, Site, SiteOptions};

    let options = SiteOptions {
        style: Some(style),
        ..SiteOptions::default()
    };
    let site = Arc::new(Site::generate(catalog, &options));
    let prefix: Arc<str> = errcat_docs::mount_path(catalog)
        .unwrap_or_else(|| "/docs/errors".into())
        .into();
    let serve = {
        let prefix = prefix.clone();
        move |uri: Uri| {
            let (site, prefix) = (site.clone(), prefix.clone());
            async move {
                let rel = uri.path().strip_prefix(&*prefix).unwrap_or_default();
                let rel = rel.trim_start_matches('/');
                let response: Response = match site.lookup(rel) {
                    Lookup::Page(p) => {
                        ([(header::CONTENT_TYPE, p.content_type)], p.body.clone()).into_response()
                    }
                    Lookup::AddSlash => {
                        Redirect::permanent(&format!("{prefix}/{}/", rel.trim_end_matches('/')))
                            .into_response()
                    }
                    Lookup::NotFound => {
                        errcat::ApiError::role(errcat::Role::NotFound).into_response()
                    }
                };
                response
            }
        }
    };
    let index = format!("{prefix}/");
    let router = Router::new()
        .route(&format!("{prefix}/{{*path}}"), get(serve.clone()))
        .route(&index, get(serve));
    if prefix.is_empty() {
        return router;
    }
    router.route(
        &prefix,
        get(move || async move { Redirect::permanent(&index) }),
    )
}
