//! The names of the HTTP headers errcat reads and sends, defined once.
//!
//! [`written`] spells a name as documents usually write it (`X-Request-Id`, `RateLimit-Policy`),
//! for OpenAPI documents and docs pages; on the wire the names are lower case.
//!
//! ```
//! use errcat::headers;
//! assert_eq!(headers::X_REQUEST_ID, "x-request-id");
//! assert_eq!(headers::written(&headers::X_REQUEST_ID), "X-Request-Id");
//! assert_eq!(headers::written(&headers::X_RATELIMIT_LIMIT), "X-RateLimit-Limit");
//! ```

use http::HeaderName;

/// `X-Request-Id`: the request id, also in the error body.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// `Idempotent-Replayed: true` marks a response replayed for an `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The IETF `RateLimit` header (draft-ietf-httpapi-ratelimit-headers).
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
/// The IETF `RateLimit-Policy` header.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `X-RateLimit-Limit`: the quota of the window closest to its limit.
pub const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`: what that window has left.
pub const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`: seconds until that window is full again.
pub const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// A header name as it is usually written: each word capitalised, with the usual spellings of
/// `RateLimit`, `WWW` and `ETag`.
///
/// ```
/// use errcat::headers::written;
/// assert_eq!(written(&http::header::RETRY_AFTER), "Retry-After");
/// assert_eq!(written(&errcat::headers::RATELIMIT_POLICY), "RateLimit-Policy");
/// assert_eq!(written(&http::header::WWW_AUTHENTICATE), "WWW-Authenticate");
/// ```
pub fn written(name: &HeaderName) -> String {
    let mut out = String::with_capacity(name.as_str().len());
    for (i, word) in name.as_str().split('-').enumerate() {
        if i > 0 {
            out.push('-');
        }
        match word {
            "ratelimit" => out.push_str("RateLimit"),
            "www" => out.push_str("WWW"),
            "etag" => out.push_str("ETag"),
            _ => {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.push(first.to_ascii_uppercase());
                    out.push_str(chars.as_str());
                }
            }
        }
    }
    out
}
