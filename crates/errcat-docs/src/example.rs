//! Each code's example response, rendered by errcat itself in the catalog's envelope style, with
//! a fixed request id and time so the pages are the same on every run.

use std::time::{Duration, SystemTime};

use errcat::{ApiError, FieldError, Locale, Renderer, RequestInfo, Role, Value};
use errcat_catalog::{Catalog, ContextType, Entry, RequestIdFormat, RetryAdvice};

use crate::text::Labels;

/// 2026-05-11T10:30:00Z: the examples' `timestamp`.
pub(crate) const EXAMPLE_TIME: u64 = 1_778_495_400;

/// The seconds the examples put in `Retry-After`.
pub(crate) const EXAMPLE_RETRY_AFTER: u32 = 30;

/// An example response: status line, headers and a pretty body.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    /// `HTTP/1.1 402 Payment Required`
    pub status_line: String,
    /// Header name (as usually written) and value.
    pub headers: Vec<(String, String)>,
    /// The body, pretty-printed when it is JSON.
    pub body: String,
}

/// The example request id in the catalog's own format: seed 000's `req_01J9XYZQ8KH7B3R0WXAZP8VW6F`
/// for a `req_` ULID, seed 003's `a1b2c3d4e5f6` for 12 hex digits.
pub(crate) fn request_id(catalog: &Catalog) -> String {
    let spec = &catalog.meta.request_id;
    let random = match spec.format {
        RequestIdFormat::Ulid => "01J9XYZQ8KH7B3R0WXAZP8VW6F".to_string(),
        RequestIdFormat::UuidV7 => "01967d2e-8b3a-7c2d-9e1f-a1b2c3d4e5f6".to_string(),
        RequestIdFormat::Hex(n) => "a1b2c3d4e5f6".chars().cycle().take(n as usize).collect(),
    };
    format!("{}{random}", spec.prefix)
}

/// A sample value for the `n`th context key: a placeholder string, or a small number that
/// differs from its neighbours'.
fn sample(ty: ContextType, key: &str, n: usize) -> Value {
    const INTS: [i64; 5] = [3, 5, 8, 13, 21];
    match ty {
        ContextType::String => Value::from(format!("<{key}>")),
        ContextType::Integer => Value::Int(INTS[n % INTS.len()]),
        ContextType::Number => Value::Float(2.5 * (n + 1) as f64),
        ContextType::Boolean => Value::Bool(true),
    }
}

/// Renders the example for one code in one locale; `None` for a code that never reaches an HTTP
/// response.
pub(crate) fn example(
    renderer: &Renderer,
    entry: &Entry,
    index: usize,
    locale: usize,
    rid: &str,
    labels: &Labels,
) -> Option<Example> {
    entry.default_status()?;
    let catalog = renderer.catalog();
    let mut err = ApiError::checked(catalog, &entry.code).ok()?;
    for (n, k) in entry.context.iter().enumerate() {
        err = err.with(k.name.clone(), sample(k.ty, &k.name, n));
    }
    let uses_retry_after = entry
        .messages
        .iter()
        .flatten()
        .any(|m| m.placeholders().any(|p| p == "retry_after"));
    if entry.retry == RetryAdvice::AfterRetryAfter || uses_retry_after {
        err = err.retry_after(EXAMPLE_RETRY_AFTER);
    }
    if catalog.role_index(Role::ValidationFailed) == index {
        err = err.field(FieldError::pointer("/name", labels.field_message));
    } else if catalog.role_index(Role::InvalidParameter) == index {
        err = err.field(FieldError::parameter("limit", labels.parameter_message));
    }
    let mut req = RequestInfo::new(rid);
    req.locale = Some(Locale(locale));
    req.time = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(EXAMPLE_TIME));
    let (head, body) = renderer.render_to_vec(&err, &req).ok()?;
    let status_line = format!(
        "HTTP/1.1 {} {}",
        head.status.as_u16(),
        head.status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string();
    let headers = head
        .headers(rid)
        .iter()
        .map(|(k, v)| {
            (
                errcat::headers::written(k),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(v) => serde_json::to_string_pretty(&v)
            .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned()),
        Err(_) => String::from_utf8_lossy(&body).into_owned(),
    };
    Some(Example {
        status_line,
        headers,
        body,
    })
}
