//! Request ids: `req_` plus a ULID by default; prefix and format come from the catalog.

use std::fmt;

use errcat_catalog::{RequestIdFormat, RequestIdSpec};
use http::HeaderValue;

/// A request id, such as `req_01J9XYZQ8KH7B3R0WXAZP8VW6F`.
///
/// It is kept as a header value, so echoing it in `X-Request-Id` copies nothing.
///
/// ```
/// let id = errcat::RequestId::new("req 1\n");
/// assert_eq!(id.as_str(), "req_1_"); // made header-safe
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// Wraps an id; any byte that is not visible ASCII becomes `_` (ids from clients are
    /// checked by the HTTP layer before they get here).
    pub fn new(id: impl Into<String>) -> RequestId {
        let mut id: String = id.into();
        if !id.bytes().all(|b| b.is_ascii_graphic()) {
            id = id
                .chars()
                .map(|c| if c.is_ascii_graphic() { c } else { '_' })
                .collect();
        }
        RequestId::generated(id)
    }

    /// An id of visible ASCII (made by errcat itself, or made so by [`RequestId::new`]): the
    /// header value's own check is the only one it needs.
    fn generated(id: String) -> RequestId {
        RequestId(
            HeaderValue::from_maybe_shared(bytes::Bytes::from(id))
                .unwrap_or(HeaderValue::from_static("invalid")),
        )
    }

    /// An id a client sent, if it is a header value of visible ASCII (callers check more).
    pub fn from_header(value: &HeaderValue) -> Option<RequestId> {
        value
            .as_bytes()
            .iter()
            .all(u8::is_ascii_graphic)
            .then(|| RequestId(value.clone()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        // Only visible ASCII gets in.
        std::str::from_utf8(self.0.as_bytes()).unwrap_or("")
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    /// The id as an owned header value, without copying it.
    ///
    /// ```
    /// let id = errcat::RequestId::new("req_1");
    /// assert_eq!(id.into_header_value(), "req_1");
    /// ```
    pub fn into_header_value(self) -> HeaderValue {
        self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Makes request ids in a catalog's format.
///
/// ```
/// use errcat::RequestIdGenerator;
/// use errcat_catalog::{RequestIdFormat, RequestIdSpec};
///
/// let ulid = RequestIdGenerator::new(RequestIdSpec::default()).generate();
/// assert!(ulid.as_str().starts_with("req_") && ulid.as_str().len() == 30);
///
/// let hex = RequestIdGenerator::new(RequestIdSpec { prefix: String::new(), format: RequestIdFormat::Hex(12) });
/// let id = hex.generate();
/// assert_eq!(id.as_str().len(), 12);
/// assert!(id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
/// ```
#[derive(Debug, Clone)]
pub struct RequestIdGenerator {
    spec: RequestIdSpec,
    prefix_is_safe: bool,
}

impl RequestIdGenerator {
    /// A generator for a spec.
    pub fn new(spec: RequestIdSpec) -> RequestIdGenerator {
        let prefix_is_safe = spec.prefix.bytes().all(|b| b.is_ascii_graphic());
        RequestIdGenerator {
            spec,
            prefix_is_safe,
        }
    }

    /// A fresh id.
    pub fn generate(&self) -> RequestId {
        // Exactly as long as the id: the header value then takes the string without copying it
        // or allocating again.
        let len = match self.spec.format {
            RequestIdFormat::Ulid => ulid::ULID_LEN,
            RequestIdFormat::UuidV7 => uuid::fmt::Hyphenated::LENGTH,
            RequestIdFormat::Hex(n) => usize::from(n),
        };
        let mut s = String::with_capacity(self.spec.prefix.len() + len);
        s.push_str(&self.spec.prefix);
        match self.spec.format {
            RequestIdFormat::Ulid => {
                // The timestamp and 80 random bits, encoded on the stack.
                let ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64);
                let random = (u128::from(fastrand::u64(..)) << 16) | u128::from(fastrand::u16(..));
                let mut buf = [0u8; ulid::ULID_LEN];
                let id = ulid::Ulid::from_parts(ms, random);
                s.push_str(id.array_to_str(&mut buf));
            }
            RequestIdFormat::UuidV7 => {
                let mut buf = uuid::Uuid::encode_buffer();
                s.push_str(uuid::Uuid::now_v7().hyphenated().encode_lower(&mut buf));
            }
            RequestIdFormat::Hex(n) => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                for _ in 0..n {
                    s.push(HEX[fastrand::usize(..16)] as char);
                }
            }
        }
        // The prefix comes from the catalog, so it is checked like any other id.
        if self.prefix_is_safe {
            RequestId::generated(s)
        } else {
            RequestId::new(s)
        }
    }
}
