//! One pass over an error body: every envelope shape's members read into one struct of slots,
//! then classified.
//!
//! The body is checked as UTF-8 once, then read with errcat's own strict JSON scanner
//! ([`crate::scan`]) into [`Top`]: one slot per member any known shape has. Member names are
//! matched on the bytes as they are read; a kept string or integer is only a span of the body
//! (a [`Text`](store::Text)), so nothing is copied until classification builds the result;
//! escaped strings are decoded only when kept; values no shape keeps are only checked against
//! the grammar.
//! Items (JSON:API errors, Google details, …) are filled in place in one arena, never moved,
//! whose capacity the thread keeps for its next parse. The body counts as JSON exactly when the
//! serde_json reader this replaced said so (see [`crate::scan`]). Every reader is lenient: a
//! member of an unexpected JSON type reads as absent instead of failing the whole body, a
//! repeated member keeps its last value (a list adds to what it read before), and unknown
//! members are skipped.
//!
//!
//! What a read keeps is bounded by the [`Parser`]'s limits, not by the body: a list stores at
//! most [`Parser::max_items`] objects (all lists together; the rest are read as strictly, into
//! a slot that is then given back, and counted), a field map at most [`Parser::max_fields`]
//! messages (the rest checked and counted), and classification keeps field errors up to
//! [`Parser::max_fields`] and [`Parser::max_field_bytes`] (see [`classify::Kept`]).
//!
//! [`store`] holds the texts and items, [`reader`] the lenient readers, [`shapes`] the slots
//! of every shape, [`classify`] the result built from them; this module reads the headers and
//! tells a JSON body from an HTML page, plain text or nothing.

mod classify;
mod reader;
mod shapes;
mod store;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName};

use crate::scan;
use crate::{Parser, RemoteError, Style};

use classify::classify;
use shapes::{Top, read};

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
static X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");
static CF_RAY: HeaderName = HeaderName::from_static("cf-ray");

/// Parses an error response. See [`crate::parse()`].
pub(crate) fn parse_bytes(
    limits: &Parser,
    status: u16,
    headers: &HeaderMap,
    raw: Bytes,
) -> RemoteError {
    let mut out = RemoteError {
        status,
        code: None,
        message: None,
        request_id: None,
        action: None,
        docs: None,
        retry_after: None,
        fields: Vec::new(),
        fields_dropped: 0,
        style: Style::Empty,
        raw: Bytes::new(),
    };
    // One pass over the headers for everything they may give.
    let (mut content_type, mut retry_after, mut date) = (None, None, None);
    let mut ids: [Option<&http::HeaderValue>; 4] = [None; 4];
    for (name, value) in headers {
        if name == http::header::CONTENT_TYPE {
            // Looked at only for a body that is no JSON object or array.
            content_type = Some(value);
        } else if name == http::header::RETRY_AFTER {
            retry_after = value.to_str().ok();
        } else if name == http::header::DATE {
            date = value.to_str().ok();
        } else if name == X_REQUEST_ID {
            ids[0] = ids[0].or(Some(value));
        } else if name == REQUEST_ID {
            ids[1] = ids[1].or(Some(value));
        } else if name == X_CORRELATION_ID {
            ids[2] = ids[2].or(Some(value));
        } else if name == CF_RAY {
            ids[3] = ids[3].or(Some(value));
        }
    }
    let body: &[u8] = &raw;
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let content_type = || content_type.and_then(|v| v.to_str().ok()).unwrap_or("");
    match body.get(start) {
        None => out.style = Style::Empty,
        Some(b'{' | b'[') => {
            let mut top = Top::default();
            let read = std::str::from_utf8(body)
                .map_err(|_| scan::NotJson)
                .and_then(|text| read(text, limits, &mut top));
            match read {
                Ok(Some(st)) => classify(&top, &st, limits, &mut out),
                Ok(None) => out.style = Style::Unrecognized,
                Err(_) => out.style = Style::NotJson,
            }
        }
        Some(b'<') => {
            out.style = Style::Html;
            out.message = html_title(body.get(start..).unwrap_or_default());
        }
        Some(_) if starts_with_ignore_case(content_type(), "text/html") => {
            out.style = Style::Html;
            out.message = html_title(body.get(start..).unwrap_or_default());
        }
        Some(_) => {
            out.style = Style::NotJson;
            if starts_with_ignore_case(content_type(), "text/plain") {
                out.message = plain_text(body.get(start..).unwrap_or_default());
            }
        }
    }
    if out.request_id.is_none() {
        out.request_id = ids
            .iter()
            .flatten()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .find(|v| !v.is_empty())
            .map(str::to_owned);
    }
    if let Some(d) = retry_after.and_then(|v| retry_after_header(v, date)) {
        out.retry_after = Some(d);
    }
    out.raw = raw;
    out
}

/// An error whose body was not read: too large. What the status and headers say, with
/// [`Style::TooLarge`].
#[cfg(feature = "reqwest")]
pub(crate) fn too_large(status: u16, headers: &HeaderMap) -> RemoteError {
    let mut out = parse_bytes(&Parser::DEFAULT, status, headers, Bytes::new());
    out.style = Style::TooLarge;
    out
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The `<title>` of an HTML page (within its first 4 KiB), whitespace collapsed.
fn html_title(body: &[u8]) -> Option<String> {
    let head = body.get(..body.len().min(4096))?;
    let open = head
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"<title>"))?
        + 7;
    let rest = head.get(open..)?;
    let len = rest
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"</title>"))?;
    let text = String::from_utf8_lossy(rest.get(..len)?);
    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// A short plain-text body as a message.
fn plain_text(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 1024).then(|| text.to_owned())
}

/// `Retry-After` in seconds or as an HTTP-date (against the `Date` header, else now).
fn retry_after_header(v: &str, date: Option<&str>) -> Option<Duration> {
    let v = v.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let now = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
