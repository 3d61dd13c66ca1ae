//! errcat-client: the caller's side of errcat. Parse any HTTP API error envelope into one
//! [`RemoteError`], match its code against a catalog's generated enum, and retry as the catalog
//! advises.
//!
//! - [`parse()`] reads a status, the headers and the body of an error response. It recognises
//!   every style errcat renders and the common shapes in the wild (RFC 9457, JSON:API, Google
//!   AIP-193, Stripe, Microsoft, `{"detail"}`, `{"message"}`), and still answers on an HTML
//!   page from a proxy, an empty body, or a body that is not JSON.
//! - [`Parser`] bounds what a parse keeps (field errors, their text, list items), whatever the
//!   body makes it copy; [`RemoteError::fields_dropped`] counts the rest.
//! - [`RemoteError::code_as`] maps the code onto a [`CatalogCode`] enum; a code the client
//!   does not know stays a string.
//! - [`RetryPolicy`] decides whether and when to retry; with the `reqwest` feature,
//!   `RetryClient` wraps a `reqwest::Client` with it, setting and reusing an `Idempotency-Key`
//!   on POST, reading at most 1 MiB of an error body, and never waiting longer than the policy's
//!   `max_retry_after` for a server-given delay.
//!
//! The parser, the scanner and the retry policy need neither reqwest nor tokio. errcat's
//! `client` feature re-exports this crate, with `reqwest`, as `errcat::client`.
//!
//! ```
//! use errcat_client::{RemoteCode, Style, parse};
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//!
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-request-id", "req_1".parse()?);
//! let body = br#"{"error":"insufficient_balance","message":"Insufficient balance for this operation.","action":"top_up_balance"}"#;
//! let err = parse(402, &headers, body);
//! assert_eq!(err.style, Style::Flat);
//! assert_eq!(err.request_id.as_deref(), Some("req_1"));
//! assert_eq!(err.code_as::<mintfax::Code>(), RemoteCode::Known(mintfax::Code::InsufficientBalance));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod parse;
mod retry;
mod scan;
#[cfg(feature = "reqwest")]
mod wrapper;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

pub use errcat_catalog::CatalogCode;
pub use retry::{Decision, GiveUpReason, RetryPolicy};
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use wrapper::{ClientError, IDEMPOTENCY_KEY, RetryClient};

/// The envelope style an error came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Style {
    /// Seed 000's flat envelope, `{error: CODE, message, action, docs, request_id, context}`;
    /// also OAuth 2's `{error, error_description}`.
    Flat,
    /// Seed 002's `{success, error: {code, message, field}, meta: {requestId}}`.
    Nested,
    /// JSON:API's `{errors: [{status, code, detail, source}], meta}`.
    JsonApi,
    /// Seed 004's `{success, error: CODE, message, code: STATUS, field}`.
    Simple,
    /// RFC 9457 problem details.
    Problem,
    /// Google AIP-193, `{error: {code, message, status, details}}`.
    Google,
    /// Stripe's `{error: {type, code, message, param, doc_url}}`.
    Stripe,
    /// Microsoft's `{error: {code, message, target, details, innererror}}`.
    Microsoft,
    /// A bare `{"detail": ...}`, as FastAPI answers.
    Detail,
    /// A bare `{"message": ...}`, with or without `errors`.
    Message,
    /// `{code, message, ...}` at the top level (seed 001's custom envelope).
    CodeMessage,
    /// JSON, but no shape this parser knows.
    Unrecognized,
    /// An HTML page (a proxy's error page).
    Html,
    /// A body that is not JSON: invalid JSON, invalid UTF-8, plain text.
    NotJson,
    /// No body.
    Empty,
    /// A body larger than the client reads (`RetryClient::max_error_body`, the `reqwest`
    /// feature): read no further than the cap, then dropped, never parsed. The status and what
    /// the headers say (request id, `Retry-After`) are kept; [`RemoteError::raw`] is empty.
    TooLarge,
}

/// Where a remote field error points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemoteSource {
    /// A JSON Pointer into the request body, such as `/to` (a leading `#` is dropped).
    Pointer(String),
    /// A query or path parameter.
    Parameter(String),
    /// A request header.
    Header(String),
    /// A field name in the server's own notation, such as `file.content_type`.
    Name(String),
}

impl RemoteSource {
    /// The pointer or name, as written.
    pub fn as_str(&self) -> &str {
        match self {
            RemoteSource::Pointer(s)
            | RemoteSource::Parameter(s)
            | RemoteSource::Header(s)
            | RemoteSource::Name(s) => s,
        }
    }
}

/// One field error of a remote error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteField {
    /// Where it points.
    pub source: RemoteSource,
    /// The field error's own code, when the body gives one.
    pub code: Option<String>,
    /// The message (empty when the body gives none).
    pub message: String,
}

/// An error response from any HTTP API, parsed.
///
/// Built by [`parse()`]; every member but `status`, `style` and `raw` may be absent.
#[derive(Debug, Clone)]
pub struct RemoteError {
    /// The HTTP status.
    pub status: u16,
    /// The machine-readable code. Branch on this, never on the message.
    pub code: Option<String>,
    /// The human-readable message.
    pub message: Option<String>,
    /// The request id: from the body, else `X-Request-Id` (or `Request-Id`,
    /// `X-Correlation-Id`, `CF-Ray`). Quote it to support.
    pub request_id: Option<String>,
    /// The programmatic next step (errcat's `action`).
    pub action: Option<String>,
    /// A documentation URL: `docs`, a problem `type` other than `about:blank`, Stripe's
    /// `doc_url`, Google's `Help` link.
    pub docs: Option<String>,
    /// How long to wait: the `Retry-After` header (seconds or HTTP-date), else the body's
    /// `retryAfter`, `meta.retry_after_seconds` or Google's `RetryInfo.retryDelay`.
    pub retry_after: Option<Duration>,
    /// The field errors, in the body's order: at most [`Parser::max_fields`] of them, holding
    /// at most [`Parser::max_field_bytes`] of text.
    pub fields: Vec<RemoteField>,
    /// How many more field errors the body had than [`fields`](Self::fields) keeps (past
    /// [`Parser::max_fields`] or [`Parser::max_field_bytes`]). An object of one of the body's
    /// lists past [`Parser::max_items`] counts as one, whatever it holds.
    pub fields_dropped: usize,
    /// The style the body came in.
    pub style: Style,
    /// The body as received.
    pub raw: Bytes,
}

/// A remote code matched against a catalog's generated enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteCode<C> {
    /// A code of the catalog.
    Known(C),
    /// A code the catalog does not have (a newer server), kept as sent.
    Unknown(String),
    /// The response carried no code.
    Missing,
}

/// Parses an error response: its status, headers and body. Never panics; a body that is not
/// JSON still gives an error built from the status and headers. Keeps what the default
/// [`Parser`] keeps.
///
/// ```
/// use errcat_client::{Style, parse};
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("content-type", "text/html".parse()?);
/// headers.insert("retry-after", "5".parse()?);
/// let err = parse(502, &headers, b"<html><head><title>502 Bad Gateway</title></head></html>");
/// assert_eq!((err.style, err.message.as_deref()), (Style::Html, Some("502 Bad Gateway")));
/// assert_eq!(err.retry_after, Some(std::time::Duration::from_secs(5)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse(status: u16, headers: &::http::HeaderMap, body: &[u8]) -> RemoteError {
    Parser::DEFAULT.parse(status, headers, body)
}

/// [`parse()`], keeping the body it is given without copying it.
///
/// ```
/// let err = errcat_client::parse_bytes(404, &http::HeaderMap::new(), bytes::Bytes::from_static(br#"{"detail":"Not Found"}"#));
/// assert_eq!(err.message.as_deref(), Some("Not Found"));
/// ```
pub fn parse_bytes(status: u16, headers: &::http::HeaderMap, body: Bytes) -> RemoteError {
    Parser::DEFAULT.parse_bytes(status, headers, body)
}

/// How much of an error body the parser keeps: [`parse()`] with other limits.
///
/// A body is data from the server, and a server can send a body made to cost the client far
/// more memory than its own size: a long field name repeated for every one of many messages, or
/// many small list items. The parser keeps, in the body's order, at most
/// [`max_fields`](Self::max_fields) field errors holding at most
/// [`max_field_bytes`](Self::max_field_bytes) of text between them, and stores at most
/// [`max_items`](Self::max_items) objects of the body's lists; it counts the field errors it
/// did not keep in [`RemoteError::fields_dropped`]. What it reads past the limits is still held
/// to the JSON grammar, so whether a body is JSON does not depend on them.
///
/// ```
/// use errcat_client::Parser;
///
/// let body = br#"{"error":"validation_failed","context":{"errors":{"to":["required","too long","not a number"]}}}"#;
/// let err = Parser::new().max_fields(2).parse(422, &http::HeaderMap::new(), body);
/// assert_eq!(err.fields.len(), 2);
/// assert_eq!(err.fields_dropped, 1);
/// assert_eq!(err.fields[1].message, "too long");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Parser {
    /// The most field errors kept. Default 1000.
    pub max_fields: usize,
    /// The most bytes of text (sources, codes and messages) the kept field errors hold together:
    /// a field name given once for many messages is copied into each, and this bounds the
    /// copies. Default 1 MiB.
    pub max_field_bytes: usize,
    /// The most objects of the body's lists (JSON:API and RFC 9457 `errors`, Google `details`
    /// and their field violations, `fields`, FastAPI's `detail`, ...) stored while reading,
    /// all lists together. Default 4096.
    pub max_items: usize,
}

impl Default for Parser {
    /// 1000 field errors, 1 MiB of their text, 4096 list items.
    fn default() -> Self {
        Parser::DEFAULT
    }
}

impl Parser {
    /// The default limits, as [`parse()`] applies them.
    pub const DEFAULT: Parser = Parser {
        max_fields: 1000,
        max_field_bytes: 1 << 20,
        max_items: 4096,
    };

    /// The default limits.
    pub const fn new() -> Parser {
        Parser::DEFAULT
    }

    /// Sets the most field errors kept.
    pub const fn max_fields(mut self, n: usize) -> Self {
        self.max_fields = n;
        self
    }

    /// Sets the most bytes of text the kept field errors hold together.
    pub const fn max_field_bytes(mut self, n: usize) -> Self {
        self.max_field_bytes = n;
        self
    }

    /// Sets the most list objects stored while reading.
    pub const fn max_items(mut self, n: usize) -> Self {
        self.max_items = n;
        self
    }

    /// [`parse()`] with these limits.
    pub fn parse(&self, status: u16, headers: &::http::HeaderMap, body: &[u8]) -> RemoteError {
        parse::parse_bytes(self, status, headers, Bytes::copy_from_slice(body))
    }

    /// [`parse_bytes()`] with these limits.
    pub fn parse_bytes(
        &self,
        status: u16,
        headers: &::http::HeaderMap,
        body: Bytes,
    ) -> RemoteError {
        parse::parse_bytes(self, status, headers, body)
    }
}

impl RemoteError {
    /// The code matched against a catalog's generated enum. Google's upper-case `reason`
    /// matches a lower-case catalog code and the other way round.
    ///
    /// ```
    /// use errcat_client::{RemoteCode, parse};
    /// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
    ///
    /// let h = http::HeaderMap::new();
    /// let known = parse(404, &h, br#"{"error":"not_found","message":"gone"}"#);
    /// assert_eq!(known.code_as::<mintfax::Code>(), RemoteCode::Known(mintfax::Code::NotFound));
    /// let newer = parse(409, &h, br#"{"error":"fax_locked","message":"later"}"#);
    /// assert_eq!(newer.code_as::<mintfax::Code>(), RemoteCode::Unknown("fax_locked".into()));
    /// assert_eq!(parse(502, &h, b"").code_as::<mintfax::Code>(), RemoteCode::Missing);
    /// ```
    pub fn code_as<C: CatalogCode>(&self) -> RemoteCode<C> {
        let Some(code) = self.code.as_deref() else {
            return RemoteCode::Missing;
        };
        match C::parse(code)
            .or_else(|| C::parse(&code.to_ascii_lowercase()))
            .or_else(|| C::parse(&code.to_ascii_uppercase()))
        {
            Some(c) => RemoteCode::Known(c),
            None => RemoteCode::Unknown(code.to_owned()),
        }
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(c) = &self.code {
            write!(f, " {c}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(r) = &self.request_id {
            write!(f, " (request id {r})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}
