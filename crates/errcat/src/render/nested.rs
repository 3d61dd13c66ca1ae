//! `nested`: seed 002's envelope, `success: false`, the error as an object (context values as
//! further members) and the request's metadata.
//!
//! ```json
//! {"success":false,"error":{"code":"RATE_LIMITED","message":"Too many requests.","retryAfter":30},
//!  "meta":{"requestId":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F","timestamp":"2025-01-01T00:00:00Z"}}
//! ```

use super::writer::{JSON, Writer};
#[cfg(feature = "openapi")]
use super::writer::{field_list_schema, omitted_schema};
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, code_schema};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type.
pub(super) const CONTENT_TYPE: &str = JSON;

/// The static head of a code's body: `{"success":false,"error":{"code":CODE,"message":`.
pub(super) fn compile(code: &str) -> Box<str> {
    format!(r#"{{"success":false,"error":{{"code":{code},"message":"#).into()
}

impl Writer<'_> {
    pub(super) fn nested(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.nested_head);
        self.message_or_field(out);
        let fields = self.fields;
        if let Some(f) = fields.first() {
            Self::raw(out, r#","field":"#);
            Self::field_name(out, f);
        }
        if let Some(s) = self.err.retry_after_secs() {
            Self::raw(out, r#","retryAfter":"#);
            json::uint(out, u64::from(s));
        }
        self.context_members(out, false);
        if self.lists_fields() {
            Self::raw(out, r#","fields":"#);
            Self::field_list(out, fields);
        }
        self.omitted_member(out, false);
        Self::raw(out, r#"},"meta":{"requestId":"#);
        self.request_id(out);
        Self::raw(out, r#","timestamp":"#);
        self.timestamp(out);
        Self::raw(out, "}}");
    }
}

/// The JSON Schema of the envelope (`components.schemas.Error`).
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    let s = json!({"type": "string"});
    let no = json!({"type": "boolean", "enum": [false]});
    let field_list = field_list_schema();
    let code = code_schema;
    json!({
        "type": "object",
        "description": "An error: `success: false`, the error and the request's metadata.",
        "required": ["success", "error", "meta"],
        "properties": {
            "success": no,
            "error": {"type": "object", "description": "The error, with its context values as further members.",
                "required": ["code", "message"], "properties": {
                "code": code("the catalog's"),
                "message": {"type": "string", "description": "A human message, or the only field error's message."},
                "field": {"type": "string", "description": "The first invalid field."},
                "retryAfter": {"type": "integer", "description": "Seconds to wait before retrying."},
                "fields": field_list,
                "omitted_field_errors": omitted_schema(),
            }},
            "meta": {"type": "object", "required": ["requestId", "timestamp"], "properties": {
                "requestId": s,
                "timestamp": {"type": "string", "format": "date-time"},
            }},
        },
    })
}

/// The members that narrow `Error` for one status: the code `enum`.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(_status: u16, listed: &[&Entry]) -> Value {
    json!({"type": "object", "properties": {
        "error": {"type": "object", "properties": {"code": code_enum(listed)}},
    }})
}
