//! axum and tower integration: every failure of a service speaks the catalog.
//!
//! One call installs everything:
//!
//! ```
//! use axum::{routing::post, Router};
//! use errcat::axum::{Errcat, Json, RouterExt};
//!
//! #[derive(serde::Deserialize)]
//! struct NewFax { to: String }
//!
//! async fn send(Json(fax): Json<NewFax>) -> Result<String, errcat::ApiError> {
//!     Ok(fax.to)
//! }
//!
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! let app: Router = Router::new().route("/faxes", post(send)).with_errcat(Errcat::new(mintfax::catalog()));
//! ```
//!
//! `with_errcat` is `Router::layer`, which wraps every route on its own: axum then clones and
//! boxes the layer's service for each request. To serve, wrapping the finished router once costs
//! less, about 600 instructions per request (see `scripts/load.sh`):
//!
//! ```no_run
//! # use axum::Router;
//! # use errcat::axum::Errcat;
//! # errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! # async fn run(router: Router) -> std::io::Result<()> {
//! use axum::ServiceExt as _;
//!
//! let app = Errcat::new(mintfax::catalog()).service(router);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app.into_make_service()).await
//! # }
//! ```
//!
//! A handler's [`ApiError`](crate::ApiError) reaches the layer through a task-local slot: its
//! response is a placeholder with status 599 that the layer replaces, so middleware placed
//! between the router and the layer sees that status. An error made in another task travels in
//! the response's extensions instead.
//!
//! Each piece can also be used alone:
//!
//! - [`ErrcatLayer`] gives every request an id ([`MakeRequestId`], [`is_safe_request_id`]),
//!   negotiates its locale, catches panics, renders [`ApiError`](crate::ApiError)s returned by
//!   handlers, turns the framework's own plain-text failures (unknown route, wrong method, body
//!   too large, timeout…) into the catalog's codes, and logs one event per error response
//!   (`request_id`, `code`, `status`, `method`, `route`, `latency_ms`, and `trace_id` when the
//!   request has a valid W3C `traceparent`; [`record_route`] names the route when the layer
//!   wraps the whole router); with the `metrics` feature it counts each in
//!   `errcat_errors_total` (see `errcat::metrics`);
//! - [`Json`], [`Query`] and [`Path`] are drop-in extractors whose rejections are catalog errors
//!   with JSON Pointers and parameter names;
//! - [`handle_error`] maps tower's errors (timeouts, load shedding) for `HandleErrorLayer`;
//! - [`not_found`] is a fallback handler;
//! - [`current_request_id`] and [`current_locale`] give any code in the request's task its id
//!   and locale (handlers can also take [`RequestId`](crate::RequestId) and
//!   [`Locale`](crate::Locale) as extractors);
//! - with the `garde` or `validator` feature, `garde::Valid<T>` and `validator::Valid<T>`
//!   validate a JSON body and report every failing field with a JSON Pointer;
//! - with the `rate-limit` feature, the `rate_limit` module: `RateLimit` builds a layer of GCRA
//!   policies (per API key, client address or any `KeyExtractor`), each window firing its own
//!   429 code, with the IETF `RateLimit`/`RateLimit-Policy` headers and `X-RateLimit-*` on every
//!   response;
//! - with the `idempotency` feature, the `idempotency` module: `Idempotency` builds a layer that
//!   replays the first response to a retry with the same `Idempotency-Key` and answers a reused
//!   or busy key with the catalog's codes;
//! - with the `auth` feature, the `auth` module: API-key authentication in the catalog's words.
//!
//! The entry points of those modules (`RateLimit`, `Policy`, `RateLimitLayer`, `Idempotency`,
//! `is_valid_idempotency_key`, `ApiKey`, `ClientIp`, `ForwardedHeader`, `KeyExtractor`, `FailMode`,
//! `ConfigError`) are also re-exported here; the header names they send are in [`crate::headers`].
//!
//! Both keep their state in an `errcat::store` store: in memory, or on Redis with the
//! `redis` feature. Put them inside [`ErrcatLayer`], the rate limit outside the idempotency layer.

#[cfg(feature = "auth")]
#[cfg_attr(docsrs, doc(cfg(feature = "auth")))]
pub mod auth;
mod extract;
#[cfg(any(feature = "garde", feature = "validator"))]
mod validate;
#[cfg(feature = "garde")]
pub use validate::garde;
#[cfg(feature = "validator")]
pub use validate::validator;
#[cfg(feature = "idempotency")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
pub mod idempotency;
#[cfg(any(feature = "rate-limit", feature = "idempotency", feature = "auth"))]
mod key;
mod layer;
pub mod linger;
#[cfg(feature = "rate-limit")]
#[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
pub mod rate_limit;
mod request_id;
mod response;
mod status;
#[cfg(any(feature = "rate-limit", feature = "idempotency", feature = "auth"))]
mod store;
mod trace;

// The entry points a quickstart names, also at `errcat::axum::` (the modules hold the rest).
#[cfg(feature = "idempotency")]
pub use idempotency::{Idempotency, is_valid_idempotency_key};
#[cfg(any(feature = "rate-limit", feature = "idempotency", feature = "auth"))]
pub use key::{ApiKey, ClientIp, ForwardedHeader, KeyExtractor};
#[cfg(feature = "rate-limit")]
pub use rate_limit::{Policy, RateLimit, RateLimitLayer};
#[cfg(any(feature = "rate-limit", feature = "idempotency", feature = "auth"))]
pub use store::{ConfigError, FailMode};

pub use extract::{Json, Path, Query, from_json_slice};
pub use layer::{
    Errcat, ErrcatLayer, ErrcatService, RecordRoute, RecordRouteLayer, ResponseFuture, RouterExt,
    current_locale, current_request_id, record_route,
};
pub use linger::{Linger, LingerService};
pub use request_id::{MakeRequestId, X_REQUEST_ID, is_safe_request_id};
pub use response::{handle_error, not_found};
pub use status::role_for_status;
