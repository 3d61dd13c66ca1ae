//! Request ids: `req_` plus a ULID by default; prefix and format come from the catalog.

use std::fmt;

use errcat_catalog::{RequestIdFormat, RequestIdSpec};

/// A request id, such as `req_01J9XYZQ8KH7B3R0WXAZP8VW6F`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestId(String);

impl RequestId {
    /// Wraps an id without checking it (ids from clients are checked by the HTTP layer).
    pub fn new(id: impl Into<String>) -> RequestId {
        RequestId(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
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
}

impl RequestIdGenerator {
    /// A generator for a spec.
    pub fn new(spec: RequestIdSpec) -> RequestIdGenerator {
        RequestIdGenerator { spec }
    }

    /// A fresh id.
    pub fn generate(&self) -> RequestId {
        let mut s = String::with_capacity(self.spec.prefix.len() + 36);
        s.push_str(&self.spec.prefix);
        match self.spec.format {
            RequestIdFormat::Ulid => s.push_str(&ulid::Ulid::new().to_string()),
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
        RequestId(s)
    }
}
