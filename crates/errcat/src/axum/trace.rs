//! The W3C Trace Context `traceparent` header, read strictly for the trace id that ties a
//! request's error log line and span to the caller's distributed trace.

use http::header::HeaderName;

/// `traceparent` (W3C Trace Context).
pub(crate) const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// A trace id from a valid `traceparent`: 32 lowercase hex digits, not all zeros.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceId([u8; 32]);

impl TraceId {
    /// The trace id of a valid `traceparent` value, version `00`:
    /// `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`, lowercase, neither id all
    /// zeros. Anything else (another version, a wrong length or digit) is ignored
    /// (the layer also ignores a second header): `None`, never an error.
    pub(crate) fn parse(v: &[u8]) -> Option<TraceId> {
        if v.len() != 55 || &v[..3] != b"00-" || v[35] != b'-' || v[52] != b'-' {
            return None;
        }
        let (trace, parent, flags) = (&v[3..35], &v[36..52], &v[53..55]);
        let hex = |s: &[u8]| s.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let zeros = |s: &[u8]| s.iter().all(|&b| b == b'0');
        if !(hex(trace) && hex(parent) && hex(flags)) || zeros(trace) || zeros(parent) {
            return None;
        }
        let mut id = [0; 32];
        id.copy_from_slice(trace);
        Some(TraceId(id))
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Debug for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_valid_traceparent_gives_its_trace_id() {
        let id = TraceId::parse(VALID.as_bytes()).expect("valid");
        assert_eq!(id.as_str(), "4bf92f3577b34da6a3ce929d0e0e4736");
        let unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assert!(TraceId::parse(unsampled.as_bytes()).is_some());
    }

    #[test]
    fn anything_else_is_ignored() {
        let bad = [
            "",
            "00",
            // Another version, or the forbidden ff.
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            // All-zero ids.
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            // Uppercase, non-hex, wrong lengths, wrong separators, trailing data.
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ];
        for v in bad {
            assert_eq!(TraceId::parse(v.as_bytes()), None, "{v:?}");
        }
    }
}
