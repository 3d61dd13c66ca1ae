//! `google`: Google's AIP-193 error model (`google.rpc.Status` over HTTP): the code, upper case,
//! is the `reason` of an `ErrorInfo` detail, with `BadRequest`, `RetryInfo`, `Help`,
//! `RequestInfo` and `LocalizedMessage` details where they apply.
//!
//! ```json
//! {"error":{"code":404,"message":"Not found.","status":"NOT_FOUND","details":[
//!   {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"NOT_FOUND","domain":"mintfax"},
//!   {"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F"}]}}
//! ```

use super::writer::{JSON, OMITTED, Writer};
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::status_enum;
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type.
pub(super) const CONTENT_TYPE: &str = JSON;

/// The canonical gRPC status name for an HTTP status (AIP-193, google.rpc.Code).
///
/// ```
/// assert_eq!(errcat::google_status(404), "NOT_FOUND");
/// assert_eq!(errcat::google_status(429), "RESOURCE_EXHAUSTED");
/// assert_eq!(errcat::google_status(418), "INVALID_ARGUMENT");
/// ```
pub fn google_status(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 | 410 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        413 => "OUT_OF_RANGE",
        416 => "OUT_OF_RANGE",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 | 405 => "UNIMPLEMENTED",
        502 | 503 => "UNAVAILABLE",
        504 | 408 => "DEADLINE_EXCEEDED",
        402 | 422 | 423 | 424 => "FAILED_PRECONDITION",
        400..=499 => "INVALID_ARGUMENT",
        _ => "UNKNOWN",
    }
}

impl Writer<'_> {
    pub(super) fn google(&self, out: &mut Vec<u8>) {
        const T: &str = r#"{"@type":"type.googleapis.com/google.rpc."#;
        Self::raw(out, r#"{"error":{"code":"#);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#","message":"#);
        let default = self.r.negotiator.default_locale().0;
        self.message(out, &self.c.messages[default]);
        Self::raw(out, r#","status":""#);
        Self::raw(out, google_status(self.status));
        Self::raw(out, r#"","details":["#);
        Self::raw(out, T);
        Self::raw(out, r#"ErrorInfo","reason":"#);
        Self::raw(out, &self.c.reason);
        Self::raw(out, r#","domain":"#);
        Self::raw(out, &self.r.google_domain);
        if !self.err.context().is_empty() || self.omitted > 0 {
            Self::raw(out, r#","metadata":{"#);
            for (i, (k, v)) in self.err.context().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::string(out, k);
                out.push(b':');
                json::value_as_string(out, v);
            }
            if self.omitted > 0 {
                // ErrorInfo's metadata maps to strings.
                if !self.err.context().is_empty() {
                    out.push(b',');
                }
                json::string(out, OMITTED);
                Self::raw(out, r#":""#);
                json::uint(out, self.omitted as u64);
                out.push(b'"');
            }
            out.push(b'}');
        }
        out.push(b'}');
        let fields = self.fields;
        if !fields.is_empty() {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"BadRequest","fieldViolations":["#);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                Self::raw(out, r#"{"field":"#);
                Self::field_name(out, f);
                Self::raw(out, r#","description":"#);
                json::string(out, &f.message);
                if let Some(code) = &f.code {
                    Self::raw(out, r#","reason":""#);
                    for b in code.bytes() {
                        out.push(if b == b'"' || b == b'\\' || b < 0x20 {
                            b'_'
                        } else {
                            b.to_ascii_uppercase()
                        });
                    }
                    out.push(b'"');
                }
                out.push(b'}');
            }
            Self::raw(out, "]}");
        }
        if let Some(s) = self.err.retry_after_secs() {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"RetryInfo","retryDelay":""#);
            json::uint(out, u64::from(s));
            Self::raw(out, r#"s"}"#);
        }
        if let Some(d) = &self.c.docs {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"Help","links":[{"description":"#);
            Self::raw(out, &self.c.title);
            Self::raw(out, r#","url":"#);
            Self::raw(out, d);
            Self::raw(out, "}]}");
        }
        out.push(b',');
        Self::raw(out, T);
        Self::raw(out, r#"RequestInfo","requestId":"#);
        self.request_id(out);
        out.push(b'}');
        out.push(b',');
        Self::raw(out, T);
        Self::raw(out, r#"LocalizedMessage","locale":"#);
        Self::raw(out, &self.r.locale_json[self.locale.0]);
        Self::raw(out, r#","message":"#);
        self.message(out, self.msg);
        Self::raw(out, "}]}}");
    }
}

/// The JSON Schema of the envelope (`components.schemas.Error`).
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    let s = json!({"type": "string"});
    json!({
        "type": "object",
        "description": "A Google AIP-193 error; the code is the `reason` of the `ErrorInfo` detail, upper case.",
        "required": ["error"],
        "properties": {
            "error": {"type": "object", "required": ["code", "message", "status"], "properties": {
                "code": {"type": "integer", "description": "The HTTP status."},
                "message": {"type": "string", "description": "A developer-facing message, in the default locale."},
                "status": {"type": "string", "description": "The canonical google.rpc.Code name."},
                "details": {"type": "array", "items": {"type": "object", "required": ["@type"], "properties": {
                    "@type": s,
                    "reason": {"type": "string", "description": "ErrorInfo: the error code, upper case."},
                    "domain": {"type": "string", "description": "ErrorInfo: the API's domain."},
                    "metadata": {"type": "object", "description": "ErrorInfo: the context values, as strings; `omitted_field_errors` counts the field errors left out.", "additionalProperties": s,
                        "properties": {"omitted_field_errors": {"type": "string", "pattern": "^[1-9][0-9]*$", "description": super::writer::OMITTED_DESCRIPTION}}},
                }}},
            }},
        },
    })
}

/// The members that narrow `Error` for one status: the status, its google.rpc.Code name and the
/// `ErrorInfo` reasons.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(status: u16, listed: &[&Entry]) -> Value {
    let mut reasons: Vec<Value> = Vec::with_capacity(listed.len());
    for e in listed {
        let r = Value::from(e.code.to_ascii_uppercase());
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    }
    json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": status_enum(status),
        "status": {"type": "string", "enum": [google_status(status)]},
        "details": {"type": "array", "items": {"type": "object", "properties": {
            "reason": {"type": "string", "enum": reasons},
        }}},
    }}}})
}
