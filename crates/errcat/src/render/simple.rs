//! `simple`: seed 004's (MigoSMTP) envelope, `success: false`, the code under `error` and the
//! HTTP status under `code`.
//!
//! ```json
//! {"success":false,"error":"not_found","message":"Not found.","code":404,
//!  "request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F"}
//! ```

use super::writer::{JSON, Writer};
#[cfg(feature = "openapi")]
use super::writer::{field_list_schema, omitted_schema};
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, code_schema, status_enum};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type.
pub(super) const CONTENT_TYPE: &str = JSON;

/// The static head of a code's body: `{"success":false,"error":CODE,"message":`.
pub(super) fn compile(code: &str) -> Box<str> {
    format!(r#"{{"success":false,"error":{code},"message":"#).into()
}

impl Writer<'_> {
    pub(super) fn simple(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.simple_head);
        self.message_or_field(out);
        Self::raw(out, r#","code":"#);
        json::uint(out, u64::from(self.status));
        let fields = self.fields;
        if let Some(f) = fields.first() {
            Self::raw(out, r#","field":"#);
            Self::field_name(out, f);
        }
        if self.lists_fields() {
            Self::raw(out, r#","fields":"#);
            Self::field_list(out, fields);
        }
        if !self.err.context().is_empty() || self.omitted > 0 {
            Self::raw(out, r#","context":{"#);
            let first = self.context_members(out, true);
            self.omitted_member(out, first);
            out.push(b'}');
        }
        Self::raw(out, r#","request_id":"#);
        self.request_id(out);
        out.push(b'}');
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
        "description": "An error: `success: false`, the code, a message and the HTTP status.",
        "required": ["success", "error", "message", "code", "request_id"],
        "properties": {
            "success": no,
            "error": code("the catalog's"),
            "message": {"type": "string", "description": "A human message, or the only field error's message."},
            "code": {"type": "integer", "description": "The HTTP status."},
            "field": {"type": "string", "description": "The first invalid field."},
            "fields": field_list,
            "context": {"type": "object", "description": "The error's context values; `omitted_field_errors` counts the field errors left out.",
                "properties": {"omitted_field_errors": omitted_schema()}},
            "request_id": s,
        },
    })
}

/// The members that narrow `Error` for one status: the code `enum` and the status.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(status: u16, listed: &[&Entry]) -> Value {
    json!({"type": "object", "properties": {"error": code_enum(listed), "code": status_enum(status)}})
}
