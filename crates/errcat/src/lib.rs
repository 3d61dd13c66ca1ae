//! errcat: one error catalog, every error an HTTP API returns.
//!
//! A catalog (TOML, see `docs/catalog-format.md`) lists every error code of an API with its
//! status, action, messages per locale, retry advice and docs. This crate turns it into
//! responses:
//!
//! - [`ApiError`]: a catalog [`Code`] plus typed context, [`FieldError`]s with JSON Pointers,
//!   retry-after and a hidden source error;
//! - [`Renderer`]: the envelope styles (seed APIs' own shapes, RFC 9457, Google AIP-193, custom
//!   templates), rendered into a reused buffer;
//! - [`RequestIdGenerator`]: `req_` + ULID by default, or UUIDv7 or hex;
//! - [`Negotiator`]: `Accept-Language` against the catalog's locales;
//! - [`codes!`]: typed codes generated from a catalog at compile time.
//!
//! Features add the rest: `axum` (layers, extractors and fallbacks so every failure of a service
//! speaks the catalog), `rate-limit` and `idempotency` (GCRA rate limits and `Idempotency-Key`
//! replay, answered with the catalog's codes), `redis` (their state shared on Redis), `client`
//! (parse any error envelope, retry as the catalog advises), `openapi` and `utoipa`, `garde`
//! and `validator`.
//!
//! ```
//! use std::sync::Arc;
//! use errcat::{ApiError, Catalog, FieldError, Renderer, RequestInfo, Role, StyleKind};
//!
//! let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml"))?);
//! let renderer = Renderer::new(catalog.clone(), StyleKind::Problem);
//! let err = ApiError::role(Role::ValidationFailed)
//!     .field(FieldError::pointer("/to", "The to field is required."));
//! let (head, body) = renderer.render_to_vec(&err, &RequestInfo::new("req_01J9XYZQ8KH7B3R0WXAZP8VW6F"))?;
//! assert_eq!(head.status, 422);
//! assert_eq!(head.content_type, "application/problem+json");
//! assert!(std::str::from_utf8(&body)?.contains(r##""pointer":"#/to""##));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// API-key authentication (feature `auth`): see [`axum::auth`].
#[cfg(feature = "auth")]
pub use axum::auth;
#[cfg(feature = "axum")]
pub mod axum;
mod error;
pub mod example;
pub mod headers;
pub(crate) mod json;
mod locale;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
mod render;
mod request_id;

/// A code enum generated from a catalog by [`codes!`] (the `errcat-catalog` crate's trait).
///
/// With the `client` feature, `errcat::client::RemoteError::code_as` matches a remote code
/// against it.
///
/// ```
/// use errcat::CatalogCode;
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
///
/// fn lookup<C: CatalogCode>(code: &str) -> Option<&'static str> {
///     C::parse(code).map(C::as_str)
/// }
/// assert_eq!(lookup::<mintfax::Code>("not_found"), Some("not_found"));
/// assert_eq!(lookup::<mintfax::Code>("brand_new_code"), None);
/// ```
pub use errcat_catalog::CatalogCode;
pub use errcat_catalog::{self as catalog, Catalog, Role, StyleKind};
/// The client side (the `errcat-client` crate, with its `reqwest` feature): parse any error
/// envelope, match typed codes, retry as the catalog advises.
#[cfg(feature = "client")]
pub use errcat_client as client;
/// Rate-limit and idempotency stores (the `errcat-store` crate): in memory, or on Redis.
#[cfg(any(
    feature = "rate-limit",
    feature = "idempotency",
    feature = "redis",
    feature = "auth"
))]
pub use errcat_store as store;
pub use error::{
    ApiError, Code, FieldError, FieldSource, InvalidPointer, JsonPointer, UnknownCode, Value,
};
pub use locale::{Locale, Negotiator};
pub use render::{Head, RenderError, Renderer, RequestInfo, google_status};
pub use request_id::{RequestId, RequestIdGenerator};

/// Generates typed codes from a catalog at compile time.
///
/// `codes!(VIS mod NAME = "PATH")` reads the catalog at `PATH` (relative to the crate's
/// `Cargo.toml`), checks it, and generates module `NAME` with:
///
/// - `Code`, an enum of every code (built-in role codes included), with `as_str`, `parse`,
///   `statuses` and `ALL`, converting into [`Code`] and [`ApiError`];
/// - one typed constructor per code that declares context, such as
///   `insufficient_balance(balance: f64, cost: f64) -> ApiError`;
/// - `catalog()`, the catalog embedded in the binary and parsed once.
///
/// A catalog with errors fails the build with the full diagnostics.
///
/// ```
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
///
/// let err: errcat::ApiError = mintfax::insufficient_balance(3.0, 5.5);
/// assert_eq!(err.code().name(), Some("insufficient_balance"));
/// assert_eq!(mintfax::Code::FaxNotTerminal.statuses(), &[409]);
/// assert_eq!(mintfax::Code::parse("not_found"), Some(mintfax::Code::NotFound));
/// assert_eq!(mintfax::catalog().meta.name, "mintfax");
/// ```
///
/// Naming a code the catalog does not have does not compile:
///
/// ```compile_fail
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let _ = mintfax::Code::InsufficentBalance; // typo
/// ```
pub use errcat_macros::codes;

/// The README's Rust examples, compiled as doctests so they cannot drift from the code (the
/// `catalogs` link in this crate points at the workspace's catalogs, as the README's paths do).
#[cfg(all(
    doctest,
    feature = "axum",
    feature = "rate-limit",
    feature = "idempotency",
    feature = "auth"
))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
