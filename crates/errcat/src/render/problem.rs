//! `problem`: RFC 9457 problem details (`application/problem+json`), the docs permalink as
//! `type`, with the code, the request id and the context values as extension members and field
//! errors in `errors` (JSON Pointers as URI fragments).
//!
//! ```json
//! {"type":"https://mintfax.com/docs/errors/validation-failed","title":"Validation failed",
//!  "status":422,"detail":"The request body is invalid.","code":"validation_failed",
//!  "request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F","errors":[{"detail":"The to field is required.","pointer":"#/to"}]}
//! ```

use super::writer::Writer;
use crate::error::FieldSource;
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, code_schema, status_enum};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type (RFC 9457's media type).
pub(super) const CONTENT_TYPE: &str = "application/problem+json";

/// The static head of a code's body: `{"type":…,"title":…,"status":`; `type` is the docs
/// permalink, or `about:blank`.
pub(super) fn compile(docs: Option<&str>, title: &str) -> Box<str> {
    format!(
        r#"{{"type":{},"title":{title},"status":"#,
        docs.unwrap_or(r#""about:blank""#)
    )
    .into()
}

impl Writer<'_> {
    pub(super) fn problem(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.problem_head);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#","detail":"#);
        self.message(out, self.msg);
        if let Some(i) = self.req.instance {
            Self::raw(out, r#","instance":"#);
            json::string(out, i);
        }
        Self::raw(out, r#","code":"#);
        Self::raw(out, &self.c.code);
        Self::raw(out, r#","request_id":"#);
        self.request_id(out);
        self.context_members(out, false);
        let fields = self.fields;
        if !fields.is_empty() {
            Self::raw(out, r#","errors":["#);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                Self::raw(out, r#"{"detail":"#);
                json::string(out, &f.message);
                match &f.source {
                    FieldSource::Pointer(p) => {
                        Self::raw(out, r##","pointer":"#"##);
                        json::escape_into(out, p.as_str());
                        out.push(b'"');
                    }
                    FieldSource::Parameter(n) => {
                        Self::raw(out, r#","parameter":"#);
                        json::string(out, n);
                    }
                    FieldSource::Header(n) => {
                        Self::raw(out, r#","header":"#);
                        json::string(out, n);
                    }
                }
                if let Some(code) = &f.code {
                    Self::raw(out, r#","code":"#);
                    json::string(out, code);
                }
                out.push(b'}');
            }
            out.push(b']');
        }
        self.omitted_member(out, false);
        out.push(b'}');
    }
}

/// The JSON Schema of the envelope (`components.schemas.Error`).
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    let s = json!({"type": "string"});
    let int = json!({"type": "integer"});
    let code = code_schema;
    json!({
        "type": "object",
        "description": "RFC 9457 problem details, with the code, the request id and the context values as extension members.",
        "required": ["type", "title", "status", "detail", "code", "request_id"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference", "description": "The code's documentation, or about:blank."},
            "title": s,
            "status": int,
            "detail": {"type": "string", "description": "A human message, in the negotiated locale."},
            "instance": {"type": "string", "format": "uri-reference"},
            "code": code("the catalog's"),
            "request_id": s,
            "errors": {"type": "array", "items": {"type": "object", "required": ["detail"], "properties": {
                "detail": s, "pointer": s, "parameter": s, "header": s, "code": s,
            }}},
            "omitted_field_errors": super::writer::omitted_schema(),
        },
    })
}

/// The members that narrow `Error` for one status: the code `enum` and the status.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(status: u16, listed: &[&Entry]) -> Value {
    json!({"type": "object", "properties": {"code": code_enum(listed), "status": status_enum(status)}})
}
