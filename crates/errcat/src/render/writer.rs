//! The writer every style shares: pre-escaped messages, context members, field names, the
//! request id and the timestamp, written straight into the caller's buffer.

use std::io::Write as _;
use std::time::SystemTime;

use errcat_catalog::Part;

use super::{Compiled, RenderError, Renderer, RequestInfo};
use crate::error::{ApiError, FieldError, FieldSource, Value};
use crate::json;
use crate::locale::Locale;

/// The content type of the plain JSON styles.
pub(super) const JSON: &str = "application/json";

/// A message, pre-escaped.
#[derive(Debug, Clone)]
pub(super) enum Msg {
    Static(Box<str>),
    Parts(Vec<MsgPart>),
}

#[derive(Debug, Clone)]
pub(super) enum MsgPart {
    Lit(Box<str>),
    Var(Box<str>),
}

pub(super) fn inner(quoted: &str) -> Box<str> {
    quoted[1..quoted.len() - 1].into()
}

pub(super) fn compile_msg(parts: &[Part]) -> Msg {
    if let [Part::Lit(l)] = parts {
        return Msg::Static(json::quoted(l));
    }
    if parts.is_empty() {
        return Msg::Static("\"\"".into());
    }
    Msg::Parts(
        parts
            .iter()
            .map(|p| match p {
                Part::Lit(l) => MsgPart::Lit(inner(&json::quoted(l))),
                Part::Var(v) => MsgPart::Var(v.as_str().into()),
            })
            .collect(),
    )
}

pub(super) fn check_vars(msg: &Msg, err: &ApiError, code: &str) -> Result<(), RenderError> {
    if let Msg::Parts(parts) = msg {
        for p in parts {
            if let MsgPart::Var(v) = p
                && lookup(err, v).is_none()
            {
                return Err(RenderError::MissingContext {
                    code: code.to_string(),
                    key: v.to_string(),
                });
            }
        }
    }
    Ok(())
}

enum Found<'a> {
    Value(&'a Value),
    Secs(u32),
}

fn lookup<'a>(err: &'a ApiError, key: &str) -> Option<Found<'a>> {
    match err.context_value(key) {
        Some(v) => Some(Found::Value(v)),
        None if key == "retry_after" => err.retry_after_secs().map(Found::Secs),
        None => None,
    }
}

/// One render in progress: the renderer, the code's compiled parts, the error and the request.
pub(super) struct Writer<'a> {
    pub(super) r: &'a Renderer,
    pub(super) c: &'a Compiled,
    pub(super) err: &'a ApiError,
    pub(super) req: &'a RequestInfo<'a>,
    pub(super) status: u16,
    pub(super) msg: &'a Msg,
    pub(super) locale: Locale,
}

impl Writer<'_> {
    pub(super) fn raw(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(s.as_bytes());
    }

    pub(super) fn message(&self, out: &mut Vec<u8>, msg: &Msg) {
        match msg {
            Msg::Static(s) => Self::raw(out, s),
            Msg::Parts(parts) => {
                out.push(b'"');
                for p in parts {
                    match p {
                        MsgPart::Lit(l) => Self::raw(out, l),
                        MsgPart::Var(v) => match lookup(self.err, v) {
                            Some(Found::Value(v)) => json::value_text(out, v),
                            Some(Found::Secs(s)) => json::uint(out, u64::from(s)),
                            None => {}
                        },
                    }
                }
                out.push(b'"');
            }
        }
    }

    /// `"k":v` pairs of the context, each preceded by a comma when `lead` or not first.
    pub(super) fn context_members(&self, out: &mut Vec<u8>, mut first: bool) -> bool {
        for (k, v) in self.err.context() {
            if !first {
                out.push(b',');
            }
            first = false;
            json::string(out, k);
            out.push(b':');
            json::value(out, v);
        }
        first
    }

    pub(super) fn request_id(&self, out: &mut Vec<u8>) {
        json::string(out, self.req.request_id);
    }

    pub(super) fn timestamp(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        let _ = write!(
            out,
            "{}",
            humantime::format_rfc3339_seconds(self.req.time.unwrap_or_else(SystemTime::now))
        );
        out.push(b'"');
    }

    pub(super) fn field_name(out: &mut Vec<u8>, f: &FieldError) {
        match &f.source {
            FieldSource::Pointer(p) => {
                let p = p.as_str();
                out.push(b'"');
                if p.contains('~') {
                    json::escape_into(
                        out,
                        &p.split('/')
                            .skip(1)
                            .map(|t| t.replace("~1", "/").replace("~0", "~"))
                            .collect::<Vec<_>>()
                            .join("."),
                    );
                } else if let Some(rest) = p.strip_prefix('/') {
                    // Escaping never writes a `/`, so each one written is a token separator.
                    let start = out.len();
                    json::escape_into(out, rest);
                    for b in &mut out[start..] {
                        if *b == b'/' {
                            *b = b'.';
                        }
                    }
                }
                out.push(b'"');
            }
            FieldSource::Parameter(n) | FieldSource::Header(n) => json::string(out, n),
        }
    }

    /// `[{"field":…,"message":…},…]`
    pub(super) fn field_list(out: &mut Vec<u8>, fields: &[FieldError]) {
        out.push(b'[');
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            Self::raw(out, r#"{"field":"#);
            Self::field_name(out, f);
            Self::raw(out, r#","message":"#);
            json::string(out, &f.message);
            out.push(b'}');
        }
        out.push(b']');
    }

    /// The message, or the only field error's message, and the first field's name.
    pub(super) fn message_or_field(&self, out: &mut Vec<u8>) {
        match self.err.fields() {
            [only] => json::string(out, &only.message),
            _ => self.message(out, self.msg),
        }
    }
}

/// The schema of [`Writer::field_list`]'s array.
#[cfg(feature = "openapi")]
pub(crate) fn field_list_schema() -> serde_json::Value {
    let s = serde_json::json!({"type": "string"});
    serde_json::json!({"type": "array", "description": "Every field error, when there is more than one.",
        "items": {"type": "object", "required": ["field", "message"], "properties": {"field": s, "message": s}}})
}
