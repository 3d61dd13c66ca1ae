//! `custom`: the catalog's own JSON template (seed 001's envelope is one), compiled once at load;
//! `{{slot}}` placeholders take the code, message, status, request id and the rest.
//!
//! ```toml
//! [catalog.custom]
//! content_type = "application/json"
//! template = '''{"ok": false, "code": "{{code}}", "message": "{{message}}", "request_id": "{{request_id}}"}'''
//! ```
//!
//! gives `{"ok":false,"code":"not_found","message":"Not found.","request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F"}`.
//! A catalog without a template renders this style as problem+json.

use errcat_catalog::{CustomPart, CustomTemplate, Slot};
use http::HeaderValue;

use super::writer::{JSON, Writer};
use crate::error::FieldSource;
use crate::json;
#[cfg(feature = "openapi")]
use crate::openapi::{code_enum, status_enum};
#[cfg(feature = "openapi")]
use errcat_catalog::Entry;
#[cfg(feature = "openapi")]
use serde_json::{Map, Value, json};

/// The template's content type, or `application/json` when it is not a valid header value.
pub(super) fn content_type(template: &CustomTemplate) -> HeaderValue {
    HeaderValue::from_str(template.content_type()).unwrap_or(HeaderValue::from_static(JSON))
}

impl Writer<'_> {
    pub(super) fn custom(&self, out: &mut Vec<u8>) {
        let Some(t) = &self.r.catalog.meta.custom else {
            return self.problem(out);
        };
        for p in t.parts() {
            match p {
                CustomPart::Raw(s) => Self::raw(out, s),
                CustomPart::Value(slot) => self.slot_value(out, *slot),
                CustomPart::Text(slot) => {
                    // The value as text, inside a string the template opened.
                    let start = out.len();
                    self.slot_value(out, *slot);
                    match out.get(start) {
                        Some(b'"') => {
                            // A JSON string: drop its quotes, keep its escaped content.
                            out.pop();
                            out.remove(start);
                        }
                        Some(b'{' | b'[') => {
                            // An object or array becomes escaped JSON text.
                            let written = out.split_off(start);
                            json::escape_into(out, std::str::from_utf8(&written).unwrap_or(""));
                        }
                        _ if &out[start..] == b"null" => out.truncate(start),
                        _ => {}
                    }
                }
            }
        }
    }

    pub(super) fn slot_value(&self, out: &mut Vec<u8>, slot: Slot) {
        match slot {
            Slot::Code => Self::raw(out, &self.c.code),
            Slot::Message => self.message(out, self.msg),
            Slot::Status => json::uint(out, u64::from(self.status)),
            Slot::Title => Self::raw(out, &self.c.title),
            Slot::Action => Self::raw(out, self.c.action.as_deref().unwrap_or("null")),
            Slot::Docs => Self::raw(out, self.c.docs.as_deref().unwrap_or("null")),
            Slot::RequestId => self.request_id(out),
            Slot::Timestamp => self.timestamp(out),
            Slot::RetryAfter => match self.err.retry_after_secs() {
                Some(s) => json::uint(out, u64::from(s)),
                None => Self::raw(out, "null"),
            },
            Slot::Context => {
                out.push(b'{');
                let first = self.context_members(out, true);
                self.omitted_member(out, first);
                out.push(b'}');
            }
            Slot::Fields => {
                out.push(b'[');
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    Self::raw(out, r#"{"field":"#);
                    Self::field_name(out, f);
                    let (source, pointer) = match &f.source {
                        FieldSource::Pointer(p) => ("body", Some(p)),
                        FieldSource::Parameter(_) => ("parameter", None),
                        FieldSource::Header(_) => ("header", None),
                    };
                    Self::raw(out, r#","source":""#);
                    Self::raw(out, source);
                    Self::raw(out, r#"","pointer":"#);
                    match pointer {
                        Some(p) => json::string(out, p.as_str()),
                        None => Self::raw(out, "null"),
                    }
                    Self::raw(out, r#","code":"#);
                    match &f.code {
                        Some(c) => json::string(out, c),
                        None => Self::raw(out, "null"),
                    }
                    Self::raw(out, r#","message":"#);
                    json::string(out, &f.message);
                    out.push(b'}');
                }
                out.push(b']');
            }
            Slot::Locale => Self::raw(out, &self.r.locale_json[self.locale.0]),
            Slot::Category => Self::raw(out, &self.c.category),
        }
    }
}

/// The schema of a catalog without a template's shape: any object.
#[cfg(feature = "openapi")]
pub(crate) fn schema() -> Value {
    json!({"type": "object", "description": "The catalog's own envelope."})
}

/// The JSON Schema of the template's envelope: literal members keep their value as an `enum`,
/// placeholders get their value's type.
#[cfg(feature = "openapi")]
pub(crate) fn template_schema(template: &CustomTemplate) -> Value {
    match skeleton(template) {
        Some(v) => {
            let mut s = skeleton_schema(&v);
            if let Some(o) = s.as_object_mut() {
                o.insert("description".into(), "The catalog's own envelope.".into());
            }
            s
        }
        None => schema(),
    }
}

/// The members that narrow `Error` for one status: the code `enum` and the status, wherever the
/// template puts them; `Null` when it has neither.
#[cfg(feature = "openapi")]
pub(crate) fn narrowing(
    template: Option<&CustomTemplate>,
    status: u16,
    listed: &[&Entry],
) -> Value {
    let Some(sk) = template.and_then(skeleton) else {
        return Value::Null;
    };
    let mut out = Map::new();
    if let Some(path) = slot_path(&sk, Slot::Code) {
        narrow_at(&mut out, &path, code_enum(listed));
    }
    if let Some(path) = slot_path(&sk, Slot::Status) {
        narrow_at(&mut out, &path, status_enum(status));
    }
    if out.is_empty() {
        Value::Null
    } else {
        Value::Object(out)
    }
}

#[cfg(feature = "openapi")]
/// Sets `leaf` as the schema of the member at `path` (object keys) under `node`.
fn narrow_at(node: &mut Map<String, Value>, path: &[String], leaf: Value) {
    let Some((key, rest)) = path.split_first() else {
        return;
    };
    node.insert("type".into(), "object".into());
    let props = node
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(props) = props.as_object_mut() else {
        return;
    };
    if rest.is_empty() {
        props.insert(key.clone(), leaf);
        return;
    }
    let child = props
        .entry(key.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(child) = child.as_object_mut() {
        narrow_at(child, rest, leaf);
    }
}

/// Marks placeholders in a custom template's skeleton; a private-use character no template has.
#[cfg(feature = "openapi")]
const MARK: char = '\u{E000}';

#[cfg(feature = "openapi")]
/// The template as JSON, a value placeholder becoming the string `MARK name MARK`, a text
/// placeholder `MARK MARK name MARK` inside its string.
fn skeleton(t: &CustomTemplate) -> Option<Value> {
    let mut text = String::new();
    for part in t.parts() {
        match part {
            CustomPart::Raw(r) => text.push_str(r),
            CustomPart::Value(slot) => {
                text.push('"');
                text.push(MARK);
                text.push_str(slot.name());
                text.push(MARK);
                text.push('"');
            }
            CustomPart::Text(slot) => {
                text.push(MARK);
                text.push(MARK);
                text.push_str(slot.name());
                text.push(MARK);
            }
        }
    }
    serde_json::from_str(&text).ok()
}

#[cfg(feature = "openapi")]
fn value_slot(s: &str) -> Option<Slot> {
    let name = s.strip_prefix(MARK)?.strip_suffix(MARK)?;
    Slot::parse(name)
}

#[cfg(feature = "openapi")]
fn slot_path(v: &Value, slot: Slot) -> Option<Vec<String>> {
    match v {
        Value::String(s) => (value_slot(s) == Some(slot)).then(Vec::new),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let mut p = slot_path(v, slot)?;
            p.insert(0, k.clone());
            Some(p)
        }),
        _ => None,
    }
}

#[cfg(feature = "openapi")]
fn slot_schema(slot: Slot) -> Value {
    let s = json!({"type": "string"});
    match slot {
        Slot::Code => {
            json!({"type": "string", "description": "The error code: stable, never translated. Branch on it."})
        }
        Slot::Status => json!({"type": "integer", "description": "The HTTP status."}),
        Slot::Action => json!({"type": ["string", "null"]}),
        Slot::Docs => json!({"type": ["string", "null"], "format": "uri"}),
        Slot::Timestamp => json!({"type": "string", "format": "date-time"}),
        Slot::RetryAfter => json!({"type": ["integer", "null"]}),
        Slot::Context => json!({"type": "object", "description": "The error's context values."}),
        Slot::Fields => json!({"type": "array", "items": {"type": "object",
            "required": ["field", "source", "pointer", "code", "message"], "properties": {
            "field": s,
            "source": {"type": "string", "enum": ["body", "parameter", "header"]},
            "pointer": {"type": ["string", "null"]},
            "code": {"type": ["string", "null"]},
            "message": s,
        }}}),
        Slot::Message | Slot::Title | Slot::RequestId | Slot::Locale | Slot::Category => s,
    }
}

#[cfg(feature = "openapi")]
fn skeleton_schema(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut props = Map::new();
            for (k, v) in map {
                props.insert(k.clone(), skeleton_schema(v));
            }
            let required: Vec<Value> = map.keys().map(|k| Value::from(k.as_str())).collect();
            json!({"type": "object", "required": required, "properties": props})
        }
        Value::Array(items) => {
            let prefix: Vec<Value> = items.iter().map(skeleton_schema).collect();
            json!({"type": "array", "prefixItems": prefix, "items": false, "minItems": items.len()})
        }
        Value::String(s) => match value_slot(s) {
            Some(slot) => slot_schema(slot),
            None if s.contains(MARK) => json!({"type": "string"}),
            None => json!({"type": "string", "enum": [s]}),
        },
        Value::Number(n) if n.is_f64() => json!({"type": "number", "enum": [n]}),
        Value::Number(n) => json!({"type": "integer", "enum": [n]}),
        Value::Bool(b) => json!({"type": "boolean", "enum": [b]}),
        Value::Null => json!({"type": "null"}),
    }
}
