//! `jsonapi`: a JSON:API error document (jsonapi.org/format, "Error Objects"), as seed 003
//! (mxcep) sends it: one error object, or one per invalid field with its `source`.
//!
//! ```json
//! {"errors":[{"status":"404","code":"not_found","detail":"Not found."}],
//!  "meta":{"version":"1.0","request_id":"8f3a2b1c9d4e","datetime":{"timezone":"UTC","format":"ISO 8601"}}}
//! ```

use errcat_catalog::Meta;

use super::writer::Writer;
use crate::error::{FieldError, FieldSource};
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, code_schema};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Value, json};

/// The content type (JSON:API's media type).
pub(super) const CONTENT_TYPE: &str = "application/vnd.api+json";

/// The static start of the document's `meta`: `"meta":{"version":…,"api_version":…,"request_id":`.
pub(super) fn compile_meta(meta: &Meta) -> Box<str> {
    let mut out = String::from(r#""meta":{"#);
    if let Some(v) = &meta.jsonapi_version {
        out.push_str(&format!(r#""version":{},"#, json::quoted(v)));
    }
    if let Some(v) = &meta.jsonapi_api_version {
        out.push_str(&format!(r#""api_version":{},"#, json::quoted(v)));
    }
    out.push_str(r#""request_id":"#);
    out.into_boxed_str()
}

impl Writer<'_> {
    pub(super) fn jsonapi_error(&self, out: &mut Vec<u8>, field: Option<&FieldError>) {
        Self::raw(out, r#"{"status":""#);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#"","code":"#);
        match field.and_then(|f| f.code.as_deref()) {
            Some(code) => json::string(out, code),
            None => Self::raw(out, &self.c.code),
        }
        Self::raw(out, r#","detail":"#);
        match field {
            Some(f) => json::string(out, &f.message),
            None => self.message(out, self.msg),
        }
        if let Some(f) = field {
            Self::raw(out, r#","source":{"#);
            match &f.source {
                FieldSource::Pointer(p) => {
                    Self::raw(out, r#""pointer":"#);
                    json::string(out, p.as_str());
                }
                FieldSource::Parameter(n) => {
                    Self::raw(out, r#""parameter":"#);
                    json::string(out, n);
                }
                FieldSource::Header(n) => {
                    Self::raw(out, r#""header":"#);
                    json::string(out, n);
                }
            }
            out.push(b'}');
        }
        let retry = self
            .err
            .retry_after_secs()
            .filter(|_| self.err.context_value("retry_after_seconds").is_none());
        if !self.err.context().is_empty() || retry.is_some() {
            Self::raw(out, r#","meta":{"#);
            let first = self.context_members(out, true);
            if let Some(s) = retry {
                if !first {
                    out.push(b',');
                }
                Self::raw(out, r#""retry_after_seconds":"#);
                json::uint(out, u64::from(s));
            }
            out.push(b'}');
        }
        out.push(b'}');
    }

    pub(super) fn jsonapi(&self, out: &mut Vec<u8>) {
        Self::raw(out, r#"{"errors":["#);
        let fields = self.fields;
        if fields.is_empty() {
            self.jsonapi_error(out, None);
        }
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.jsonapi_error(out, Some(f));
        }
        Self::raw(out, "],");
        Self::raw(out, &self.r.jsonapi_meta);
        self.request_id(out);
        self.omitted_member(out, false);
        Self::raw(
            out,
            r#","datetime":{"timezone":"UTC","format":"ISO 8601"}}}"#,
        );
    }
}

/// The JSON Schema of the envelope (`components.schemas.Error`).
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    let s = json!({"type": "string"});
    let code = code_schema;
    json!({
        "type": "object",
        "description": "A JSON:API error document: one error, or one per invalid field.",
        "required": ["errors", "meta"],
        "properties": {
            "errors": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["status", "code", "detail"], "properties": {
                "status": {"type": "string", "description": "The HTTP status, as a string."},
                "code": code("or a field error's own code"),
                "detail": {"type": "string", "description": "A human message, in the negotiated locale."},
                "source": {"type": "object", "properties": {"pointer": s, "parameter": s, "header": s}},
                "meta": {"type": "object", "description": "The error's context values."},
            }}},
            "meta": {"type": "object", "required": ["request_id"], "properties": {
                "version": s, "api_version": s, "request_id": s, "datetime": {"type": "object"},
                "omitted_field_errors": super::writer::omitted_schema(),
            }},
        },
    })
}

/// The members that narrow `Error` for one status: the status and the code `enum` of each error
/// object. A field error with its own code carries that code, and always a `source`.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(status: u16, listed: &[&Entry]) -> Value {
    let code_enum = code_enum(listed);
    let status_str = json!({"type": "string", "enum": [status.to_string()]});
    json!({"type": "object", "properties": {"errors": {"type": "array", "items": {"anyOf": [
        {"type": "object", "properties": {"status": status_str, "code": code_enum}},
        {"type": "object", "required": ["source"], "properties": {"status": status_str},
            "description": "A field error, which may carry the field's own code."},
    ]}}}})
}
