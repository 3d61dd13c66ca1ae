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
//! let app = errcat_demo::app(errcat_demo::DemoConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

mod auth;
pub mod openapi;
mod routes;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use errcat::StyleKind;
use errcat::axum::{Errcat, RouterExt};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;

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
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            style: None,
            body_limit: 14 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_concurrency: 512,
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
}

/// The demo's router, with errcat installed.
pub fn app(config: DemoConfig) -> Router {
    let catalog = mintfax::catalog();
    let mut errcat = Errcat::new(catalog.clone());
    if let Some(style) = config.style {
        errcat = errcat.style(style);
    }
    let docs = docs_routes(&catalog, errcat.renderer().style());
    let state = Arc::new(routes::State::new());
    let spec = Arc::new(openapi::document(errcat.renderer().style()));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.max_concurrency));
    Router::new()
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
        .merge(docs)
        .layer(
            // `Router::layer` wraps each route on its own: the global limit shares one semaphore
            // between them, so `max_concurrency` holds for the whole server.
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(errcat::axum::handle_error))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(semaphore))
                .timeout(config.timeout),
        )
        .layer(DefaultBodyLimit::max(config.body_limit))
        .with_errcat(errcat)
}

/// The reference docs site (errcat-docs), generated once, served where the catalog's `docs`
/// permalinks point (`https://mintfax.com/docs/errors/{anchor}` → `/docs/errors/…`), so every
/// `docs` link in the demo's errors resolves. Its examples are in the demo's envelope style.
fn docs_routes(catalog: &Arc<errcat::Catalog>, style: StyleKind) -> Router {
    use axum::http::{Uri, header};
    use axum::response::{IntoResponse, Redirect, Response};
    use errcat_docs::{Lookup, Site, SiteOptions};

    let site = Arc::new(Site::generate(catalog, &SiteOptions { style: Some(style) }));
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
