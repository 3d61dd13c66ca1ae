//! `flat`: seed 000's (mintfax) envelope, one object with the code under `error`; field errors
//! go to `context.errors` as `{field: [messages]}`.
//!
//! ```json
//! {"error":"insufficient_balance","message":"Insufficient balance for this operation.",
//!  "action":"top_up_balance","docs":"https://mintfax.com/docs/errors/insufficient-balance",
//!  "request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F","context":{"balance":3,"cost":5}}
//! ```

use super::writer::{JSON, Writer, for_each_group};
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, code_schema};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type.
pub(super) const CONTENT_TYPE: &str = JSON;

/// The static parts of a code's body: `{"error":CODE,"message":` and
/// `,"action":…,"docs":…,"request_id":`.
pub(super) fn compile(
    code: &str,
    action: Option<&str>,
    docs: Option<&str>,
) -> (Box<str>, Box<str>) {
    let mut tail = String::new();
    if let Some(a) = action {
        tail.push_str(&format!(r#","action":{a}"#));
    }
    if let Some(d) = docs {
        tail.push_str(&format!(r#","docs":{d}"#));
    }
    tail.push_str(r#","request_id":"#);
    (
        format!(r#"{{"error":{code},"message":"#).into(),
        tail.into(),
    )
}

impl Writer<'_> {
    pub(super) fn flat(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.flat_head);
        self.message(out, self.msg);
        Self::raw(out, &self.c.flat_tail);
        self.request_id(out);
        let fields = self.fields;
        if !self.err.context().is_empty() || !fields.is_empty() || self.omitted > 0 {
            Self::raw(out, r#","context":{"#);
            let mut first = self.context_members(out, true);
            if !fields.is_empty() {
                if !first {
                    out.push(b',');
                }
                first = false;
                // {"field": ["message", ...]}, fields grouped in order of first appearance.
                Self::raw(out, r#""errors":{"#);
                let mut wrote = false;
                for_each_group(fields, |head, members| {
                    if wrote {
                        out.push(b',');
                    }
                    wrote = true;
                    Self::field_name(out, head);
                    Self::raw(out, ":[");
                    for (j, g) in members.enumerate() {
                        if j > 0 {
                            out.push(b',');
                        }
                        json::string(out, &g.message);
                    }
                    out.push(b']');
                });
                out.push(b'}');
            }
            self.omitted_member(out, first);
            out.push(b'}');
        }
        out.push(b'}');
    }
}

/// The JSON Schema of the envelope (`components.schemas.Error`).
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    let s = json!({"type": "string"});
    let code = code_schema;
    json!({
        "type": "object",
        "description": "An error: the code, a message, the next step and the request id.",
        "required": ["error", "message", "request_id"],
        "properties": {
            "error": code("the catalog's"),
            "message": {"type": "string", "description": "A human message, in the negotiated locale."},
            "action": {"type": "string", "description": "The programmatic next step."},
            "docs": {"type": "string", "format": "uri", "description": "The code's documentation."},
            "request_id": {"type": "string", "description": "The request id, also in `X-Request-Id`."},
            "context": {"type": "object", "description": "The error's context values; `errors` maps each invalid field to its messages, `omitted_field_errors` counts those left out.",
                "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": s}}, "omitted_field_errors": super::writer::omitted_schema()}},
        },
    })
}

/// The members that narrow `Error` for one status: the code `enum`.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(_status: u16, listed: &[&Entry]) -> Value {
    json!({"type": "object", "properties": {"error": code_enum(listed)}})
}
