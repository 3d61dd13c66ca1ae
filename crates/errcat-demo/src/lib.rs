//! A small fax-sending API in the spirit of seed 000 (mintfax), on seed 000's catalog.
//!
//! Every category of error can be reached with a real request: validation, authentication,
//! permissions across environments, not found, insufficient balance, a fax not yet terminal,
//! an internal error, and every framework failure (malformed JSON, wrong shape, wrong content
//! type, bad parameter, unknown route, wrong method, body too large, timeout, panic, load
//! shedding).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use axum::ServiceExt as _;
//!
//! let app = errcat_demo::app(errcat_demo::DemoConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service()).await
//! # }
//! ```

mod auth;
mod gate;
pub mod openapi;
mod routes;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{delete, get, post};
use errcat::StyleKind;
use errcat::axum::{
    ApiKey, ClientIp, Errcat, FailMode, Idempotency, KeyExtractor, Linger, Policy, RateLimit,
};
use errcat::store::{IdempotencyStore, MemoryStore, RateLimitStore, Window};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;

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
    /// Requests per second each client address may make without an API key.
    pub ip_rate: u32,
    /// Requests per hour each API key may make.
    pub key_hourly: u32,
    /// A gate that holds `GET /debug/slow` until it opens, for tests; `None` to just sleep.
    pub gate: Option<Gate>,
}

/// Where the demo keeps rate limits and idempotency keys.
#[derive(Clone, Debug)]
pub enum DemoStore {
    /// In this process: nothing to install.
    Memory(MemoryStore),
    /// On Redis, shared by every instance.
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
        }
    }
}

/// The API keys the demo knows, one per kind (seed 000: `mfx_test_`, `mfx_live_`, `mfx_acct_`).
pub mod keys {
    /// The sandbox environment's key; the sandbox starts with 5 credits.
    pub const SANDBOX: &str = "mfx_test_demo";
    /// The live environment's key; live starts with no credits.
    pub const LIVE: &str = "mfx_live_demo";
    /// The account-scoped key, for `/account/*`.
    pub const ACCOUNT: &str = "mfx_acct_demo";
    /// A sandbox key on the free plan: 2 requests per second, 30 per hour, so a 429 is three
    /// quick requests away.
    pub const FREE: &str = "mfx_test_free";
}

/// The demo's service: its routes, with errcat and the rest of the middleware stack wrapped once
/// around the whole router. (`Router::layer` would wrap each route instead, and axum then clones
/// and boxes the stack for every request.) Serve it with `axum::ServiceExt::into_make_service`.
pub fn app(
    config: DemoConfig,
) -> impl tower::Service<Request, Response = Response, Error = Infallible, Future: Send + 'static>
+ Clone
+ Send
+ 'static {
    let catalog = mintfax::catalog();
    let mut errcat = Errcat::new(catalog.clone());
    if let Some(style) = config.style {
        errcat = errcat.style(style);
    }
    let docs = docs_routes(&catalog, errcat.renderer().style());
    let state = Arc::new(routes::State::new(config.gate.clone()));
    let spec = Arc::new(openapi::document(errcat.renderer().style()));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.max_concurrency));
    let router = Router::new()
        .route("/faxes", post(routes::send_fax).get(routes::list_faxes))
        .route(
            "/faxes/{id}",
            get(routes::get_fax).delete(routes::delete_fax),
        )
        .route("/faxes/{id}/pages/{page}", get(routes::get_page))
        .route("/account/balance", get(routes::balance))
        .route("/debug/fail", get(routes::fail))
        .route("/debug/panic", get(routes::panic))
        .route("/debug/slow", get(routes::slow))
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(move || openapi::serve(spec.clone())))
        .route("/faxes/{id}/resend", post(routes::resend))
        .route("/account/keys/{id}", delete(routes::delete_key))
        .with_state(state)
        .merge(docs);
    // The layers, outermost first:
    // - lingering: what a layer or handler left of the request body is read and thrown away
    //   (within bounds) before the answer goes out, so clients that write first read it;
    // - errcat: request ids, locales, panics, rendering, framework failures;
    // - the body limit, under which the idempotency layer reads bodies;
    // - rate limits, so every retry counts;
    // - idempotency keys, outside the timeout so a request that timed out frees its key at
    //   once;
    // - load shedding, a global concurrency limit (one semaphore shared by every request, so
    //   `max_concurrency` holds for the whole server) and the timeout.
    ServiceBuilder::new()
        .layer(Linger::new())
        .layer(errcat.layer())
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(rate_limits(&config, &catalog))
        .layer(
            Idempotency::new(key_store(&config))
                .on_store_error(fail_mode(&config))
                .layer(),
        )
        .layer(HandleErrorLayer::new(errcat::axum::handle_error))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::with_semaphore(semaphore))
        .timeout(config.timeout)
        .service(router)
}

fn fail_mode(config: &DemoConfig) -> FailMode {
    if config.fail_open {
        FailMode::Open
    } else {
        FailMode::Closed
    }
}

/// The demo's store, for the rate-limit layer.
fn limit_store(config: &DemoConfig) -> Arc<dyn RateLimitStore> {
    match &config.store {
        DemoStore::Memory(m) => Arc::new(m.clone()),
        DemoStore::Redis(r) => Arc::new(r.clone()),
    }
}

/// The demo's store, for the idempotency layer.
fn key_store(config: &DemoConfig) -> Arc<dyn IdempotencyStore> {
    match &config.store {
        DemoStore::Memory(m) => Arc::new(m.clone()),
        DemoStore::Redis(r) => Arc::new(r.clone()),
    }
}

/// The bearer token of a request, if it has one.
fn bearer(req: &axum::extract::Request) -> Option<&str> {
    req.headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The demo's plans: the free key's small one, every other key's, and per address for
/// requests without a key.
fn rate_limits(config: &DemoConfig, catalog: &errcat::Catalog) -> errcat::axum::RateLimitLayer {
    let free = |req: &axum::extract::Request| {
        (bearer(req) == Some(keys::FREE)).then(|| ApiKey::authorization().key(req))?
    };
    let paid = |req: &axum::extract::Request| {
        (bearer(req) != Some(keys::FREE))
            .then(|| ApiKey::authorization().key(req))
            .flatten()
    };
    let anonymous = |req: &axum::extract::Request| {
        if req
            .headers()
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            None
        } else {
            ClientIp::new().key(req)
        }
    };
    let limits = RateLimit::new(limit_store(config))
        .policy(
            Policy::new("free", free)
                .window(Window::per_second("free-second", 2))
                .window(Window::per_hour("free-hour", 30)),
        )
        .policy(
            Policy::new("keys", paid)
                .window(Window::per_second("second", config.key_rate))
                .window(Window::per_hour("hour", config.key_hourly)),
        )
        .policy(
            Policy::new("ip", anonymous).window(Window::per_second("ip-second", config.ip_rate)),
        )
        .on_store_error(fail_mode(config));
    match limits.layer(catalog) {
        Ok(layer) => layer,
        // The windows above name no code of their own: the catalog's rate_limited role
        // always resolves, so this cannot fail.
        Err(e) => unreachable!("the demo's rate limits are valid: {e}"),
    }
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
