//! Request ids: accept a safe incoming `X-Request-Id`, otherwise make one.

use http::HeaderName;

use crate::{RequestId, RequestIdGenerator};

/// The `X-Request-Id` header: [`crate::headers::X_REQUEST_ID`], as a static.
pub static X_REQUEST_ID: HeaderName = crate::headers::X_REQUEST_ID;

/// Makes a request id for a request that brings no usable one (tower-http's pattern: a strategy
/// trait with a default).
///
/// ```
/// use errcat::axum::MakeRequestId;
/// use errcat::RequestId;
///
/// struct Sequential(std::sync::atomic::AtomicU64);
/// impl MakeRequestId for Sequential {
///     fn make_request_id(&self, _request: &axum::extract::Request) -> RequestId {
///         RequestId::new(format!("req_{}", self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed)))
///     }
/// }
/// ```
pub trait MakeRequestId: Send + Sync + 'static {
    /// A fresh id for this request.
    fn make_request_id(&self, request: &axum::extract::Request) -> RequestId;
}

impl MakeRequestId for RequestIdGenerator {
    fn make_request_id(&self, _request: &axum::extract::Request) -> RequestId {
        self.generate()
    }
}

/// Whether an incoming request id is safe to echo: 1 to 128 characters of `A-Z a-z 0-9 . _ : -`.
///
/// ```
/// use errcat::axum::is_safe_request_id;
/// assert!(is_safe_request_id("req_01J9XYZQ8KH7B3R0WXAZP8VW6F"));
/// assert!(is_safe_request_id("a1b2c3d4e5f6"));
/// assert!(!is_safe_request_id(""));
/// assert!(!is_safe_request_id("req 1"));
/// assert!(!is_safe_request_id("<script>"));
/// assert!(!is_safe_request_id("id\r\nSet-Cookie: x"));
/// assert!(!is_safe_request_id(&"a".repeat(129)));
/// ```
pub fn is_safe_request_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}
