//! The example response of a code, built in one place for the OpenAPI document and the docs site,
//! so the two always show the same body.
//!
//! The example error of a code has each declared context value filled with a sample of its type
//! (`"<key>"`, then 1, 2, … for integers, 1.5, 3, … for numbers, `true`), `Retry-After`
//! [`RETRY_AFTER`] where the code waits for it or its message shows it, and one field error where
//! the code fills a validation role (a JSON Pointer for `validation_failed`, a query parameter
//! for `invalid_parameter`). It is rendered with a fixed request id in the catalog's own format
//! ([`request_id`]) at a fixed time ([`TIMESTAMP`]), so every run gives the same bytes.
//!
//! ```
//! use std::sync::Arc;
//! use errcat::{Catalog, Renderer, StyleKind, example};
//!
//! let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml"))?);
//! let renderer = Renderer::new(catalog, StyleKind::Flat);
//! let (head, body) = example::response(&renderer, "insufficient_balance", &example::Options::default())
//!     .ok_or("no example")?;
//! assert_eq!(head.status, 402);
//! let body = std::str::from_utf8(&body)?;
//! assert!(body.contains(r#""request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F""#));
//! assert!(body.contains(r#""context":{"balance":1.5,"cost":3}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use errcat_catalog::{Catalog, ContextType, RequestIdFormat, RetryAdvice, Role};

use crate::locale::Locale;
use crate::render::{Head, Renderer, RequestInfo};
use crate::{ApiError, FieldError};

/// The time examples are rendered at, in seconds since the Unix epoch: 2025-01-01T00:00:00Z.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(errcat::example::time(), UNIX_EPOCH + Duration::from_secs(errcat::example::TIMESTAMP));
/// ```
pub const TIMESTAMP: u64 = 1_735_689_600;

/// The `Retry-After` seconds examples carry, where a code's message uses `{retry_after}` or its
/// retry advice is to wait for `Retry-After`.
///
/// ```
/// assert_eq!(errcat::example::RETRY_AFTER, errcat::openapi::EXAMPLE_RETRY_AFTER);
/// ```
pub const RETRY_AFTER: u32 = 30;

/// The JSON Pointer of the sample field error of the `validation_failed` role's code.
///
/// ```
/// assert_eq!(errcat::example::FIELD_POINTER, "/name");
/// ```
pub const FIELD_POINTER: &str = "/name";

/// The default message of that field error, in English.
///
/// ```
/// assert!(errcat::example::FIELD_MESSAGE.contains("name"));
/// ```
pub const FIELD_MESSAGE: &str = "The name field is required.";

/// The query parameter of the sample field error of the `invalid_parameter` role's code.
///
/// ```
/// assert_eq!(errcat::example::PARAMETER, "limit");
/// ```
pub const PARAMETER: &str = "limit";

/// The default message of that field error, in English.
///
/// ```
/// assert!(errcat::example::PARAMETER_MESSAGE.contains("limit"));
/// ```
pub const PARAMETER_MESSAGE: &str = "The limit parameter must be a positive integer.";

/// [`TIMESTAMP`] as a time.
///
/// ```
/// let t = errcat::example::time();
/// assert_eq!(t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(), 1_735_689_600);
/// ```
pub fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(TIMESTAMP)
}

/// The example request id in the catalog's own format: seed 000's
/// `req_01J9XYZQ8KH7B3R0WXAZP8VW6F` for a `req_` ULID, `8f3a2b1c9d4e` for 12 hex digits.
///
/// ```
/// let catalog = errcat::Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap();
/// assert_eq!(errcat::example::request_id(&catalog), "req_01J9XYZQ8KH7B3R0WXAZP8VW6F");
/// ```
pub fn request_id(catalog: &Catalog) -> String {
    const HEX: &str = "8f3a2b1c9d4e7f0a5b6c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a";
    let spec = &catalog.meta.request_id;
    let random: String = match spec.format {
        RequestIdFormat::Ulid => "01J9XYZQ8KH7B3R0WXAZP8VW6F".into(),
        RequestIdFormat::UuidV7 => "0193d6f0-8a4b-7c2e-9f10-5b8e2a4c6d10".into(),
        RequestIdFormat::Hex(n) => HEX.chars().cycle().take(usize::from(n)).collect(),
    };
    format!("{}{random}", spec.prefix)
}

/// What an example is rendered with besides its code.
///
/// ```
/// let o = errcat::example::Options { status: Some(422), ..Default::default() };
/// assert_eq!(o.field_message, errcat::example::FIELD_MESSAGE);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The status; `None` for the code's default status.
    pub status: Option<u16>,
    /// The locale of the message; `None` for the catalog's default.
    pub locale: Option<Locale>,
    /// The message of the sample field error at [`FIELD_POINTER`], in that locale.
    pub field_message: &'a str,
    /// The message of the sample field error of [`PARAMETER`], in that locale.
    pub parameter_message: &'a str,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            status: None,
            locale: None,
            field_message: FIELD_MESSAGE,
            parameter_message: PARAMETER_MESSAGE,
        }
    }
}

/// The example error of `code`, as the module describes it; `None` for a code the catalog lacks,
/// or a status it cannot carry.
///
/// ```
/// let catalog = errcat::Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap();
/// let err = errcat::example::error(&catalog, "validation_failed", &Default::default()).unwrap();
/// assert_eq!(err.fields()[0].source, errcat::FieldSource::Pointer(errcat::JsonPointer::parse("/name").unwrap()));
/// assert!(errcat::example::error(&catalog, "no_such_code", &Default::default()).is_none());
/// ```
pub fn error(catalog: &Catalog, code: &str, options: &Options<'_>) -> Option<ApiError> {
    let idx = catalog.index_of(code)?;
    let entry = catalog.entries().get(idx)?;
    let mut err = ApiError::checked(catalog, code).ok()?;
    if let Some(status) = options.status {
        if !entry.statuses.contains(&status) {
            return None;
        }
        if entry.default_status() != Some(status) {
            err = err.with_status(status);
        }
    }
    let (mut ints, mut nums) = (0i64, 0.0f64);
    for key in &entry.context {
        err = match key.ty {
            ContextType::String => err.with(key.name.clone(), format!("<{}>", key.name)),
            ContextType::Integer => {
                ints += 1;
                err.with(key.name.clone(), ints)
            }
            ContextType::Number => {
                nums += 1.5;
                err.with(key.name.clone(), nums)
            }
            ContextType::Boolean => err.with(key.name.clone(), true),
        };
    }
    let uses_retry_after = entry.context_key("retry_after").is_none()
        && entry
            .messages
            .iter()
            .flatten()
            .any(|m| m.placeholders().any(|p| p == "retry_after"));
    if uses_retry_after || entry.retry == RetryAdvice::AfterRetryAfter {
        err = err.retry_after(RETRY_AFTER);
    }
    if idx == catalog.role_index(Role::ValidationFailed) {
        err = err.field(FieldError::pointer(
            FIELD_POINTER,
            options.field_message.to_owned(),
        ));
    } else if idx == catalog.role_index(Role::InvalidParameter) {
        err = err.field(FieldError::parameter(
            PARAMETER,
            options.parameter_message.to_owned(),
        ));
    }
    Some(err)
}

/// The example response of `code` in the renderer's style: its [`error`], rendered with
/// [`request_id`] at [`time`]. `None` where there is no example error, or it cannot be rendered
/// (a code that never reaches an HTTP response).
///
/// ```
/// use std::sync::Arc;
/// use errcat::{Catalog, Renderer, StyleKind, example};
/// let catalog = Arc::new(Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml")).unwrap());
/// let r = Renderer::new(catalog, StyleKind::Problem);
/// let (head, body) = example::response(&r, "validation_failed", &Default::default()).unwrap();
/// assert_eq!(head.content_type, "application/problem+json");
/// assert!(std::str::from_utf8(&body).unwrap().contains(r##""pointer":"#/name""##));
/// ```
pub fn response(renderer: &Renderer, code: &str, options: &Options<'_>) -> Option<(Head, Vec<u8>)> {
    let err = error(renderer.catalog(), code, options)?;
    let request_id = request_id(renderer.catalog());
    let mut req = RequestInfo::new(&request_id);
    req.locale = options.locale;
    req.time = Some(time());
    renderer.render_to_vec(&err, &req).ok()
}
