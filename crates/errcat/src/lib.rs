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
#![warn(missing_docs)]

mod error;
mod json;
mod locale;
mod render;
mod request_id;

pub use errcat_catalog::{self as catalog, Catalog, Role, StyleKind};
pub use error::{
    ApiError, Code, FieldError, FieldSource, InvalidPointer, JsonPointer, UnknownCode, Value,
};
pub use locale::{Locale, Negotiator};
pub use render::{Head, RenderError, Renderer, RequestInfo, google_status};
pub use request_id::{RequestId, RequestIdGenerator};

pub use errcat_macros::codes;
