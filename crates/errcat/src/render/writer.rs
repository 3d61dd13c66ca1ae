//! The writer every style shares: pre-escaped messages, context members, field names, the
//! request id and the timestamp, written straight into the caller's buffer.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Write as _;
use std::time::SystemTime;

use std::sync::Arc;

use errcat_catalog::ContextKey;

use errcat_catalog::{Part, Template};

use super::icu::{IcuMsg, LocaleRules};
use super::{Compiled, RenderError, Renderer, RequestInfo};
use crate::error::{ApiError, FieldError, FieldSource, Value};
use crate::json;
use crate::locale::Locale;

/// The content type of the plain JSON styles.
pub(super) const JSON: &str = "application/json";

/// The member that counts the field errors a body leaves out.
pub(super) const OMITTED: &str = "omitted_field_errors";

/// A message, pre-escaped.
#[derive(Debug, Clone)]
pub(super) enum Msg {
    Static(Box<str>),
    Parts(Vec<MsgPart>),
    /// Plural, select or number arguments.
    Icu(Box<IcuMsg>),
}

#[derive(Debug, Clone)]
pub(super) enum MsgPart {
    Lit(Box<str>),
    /// A placeholder: its name, and the index of the context key it names among the code's
    /// declared keys (`None` for `retry_after` or a key not declared).
    Var(Box<str>, Option<u8>),
}

pub(super) fn inner(quoted: &str) -> Box<str> {
    quoted[1..quoted.len() - 1].into()
}

pub(super) fn compile_msg(t: &Template, rules: &Arc<LocaleRules>, context: &[ContextKey]) -> Msg {
    if !t.is_plain() {
        return Msg::Icu(Box::new(IcuMsg::new(t.parts(), rules.clone())));
    }
    let parts = t.parts();
    if let [Part::Lit(l)] = parts {
        return Msg::Static(json::quoted(l));
    }
    if parts.is_empty() {
        return Msg::Static("\"\"".into());
    }
    Msg::Parts(
        parts
            .iter()
            .filter_map(|p| match p {
                Part::Lit(l) => Some(MsgPart::Lit(inner(&json::quoted(l)))),
                Part::Var(v) => Some(MsgPart::Var(
                    v.as_str().into(),
                    context
                        .iter()
                        .position(|k| k.name == *v)
                        .and_then(|j| u8::try_from(j).ok()),
                )),
                // A plain template has no other parts.
                _ => None,
            })
            .collect(),
    )
}

pub(super) fn check_vars(msg: &Msg, args: &Args<'_>, code: &str) -> Result<(), RenderError> {
    if let Msg::Icu(m) = msg
        && let Some(v) = m.missing_var(args.err)
    {
        return Err(RenderError::MissingContext {
            code: code.to_string(),
            key: v.to_string(),
        });
    }
    if let Msg::Parts(parts) = msg {
        for p in parts {
            if let MsgPart::Var(v, decl) = p
                && args.get(v, *decl).is_none()
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

#[derive(Clone, Copy)]
pub(super) enum Found<'a> {
    Value(&'a Value),
    Secs(u32),
}

/// The values a message's placeholders read: the error's context, and its retry-after.
#[derive(Clone, Copy)]
pub(super) struct Args<'a> {
    pub(super) err: &'a ApiError,
    /// For each context value, the index of its declared key; `None` when not all were found
    /// ahead (then values are found by name).
    pub(super) declared: Option<&'a [u8]>,
}

impl<'a> Args<'a> {
    /// The value of placeholder `key`, whose declared index is `decl`.
    pub(super) fn get(&self, key: &str, decl: Option<u8>) -> Option<Found<'a>> {
        let value = match (decl, self.declared) {
            (Some(j), Some(declared)) => declared
                .iter()
                .position(|&d| d == j)
                .and_then(|i| self.err.context().get(i))
                .map(|(_, v)| v),
            _ => self.err.context_value(key),
        };
        match value {
            Some(v) => Some(Found::Value(v)),
            None if key == "retry_after" => self.err.retry_after_secs().map(Found::Secs),
            None => None,
        }
    }
}

/// The value of placeholder `key`, found by name.
pub(super) fn lookup<'a>(err: &'a ApiError, key: &str) -> Option<Found<'a>> {
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
    /// The field errors to show: the error's, up to the renderer's bound.
    pub(super) fields: &'a [FieldError],
    /// How many field errors the body leaves out: beyond the bound, and never kept.
    pub(super) omitted: usize,
    /// The placeholders' values.
    pub(super) args: Args<'a>,
}

/// How many context values have their declared key found ahead of writing.
pub(super) const DECLARED_INLINE: usize = 16;

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
                        MsgPart::Var(v, decl) => match self.args.get(v, *decl) {
                            Some(Found::Value(v)) => json::value_text(out, v),
                            Some(Found::Secs(s)) => json::uint(out, u64::from(s)),
                            None => {}
                        },
                    }
                }
                out.push(b'"');
            }
            Msg::Icu(m) => m.write(out, self.err),
        }
    }

    /// `"k":v` pairs of the context, each preceded by a comma when `lead` or not first.
    pub(super) fn context_members(&self, out: &mut Vec<u8>, mut first: bool) -> bool {
        for (i, (k, v)) in self.err.context().iter().enumerate() {
            if !first {
                out.push(b',');
            }
            first = false;
            match self
                .args
                .declared
                .and_then(|d| d.get(i))
                .and_then(|&j| self.c.context_keys.get(usize::from(j)))
            {
                Some(key) => Self::raw(out, key),
                None => {
                    json::string(out, k);
                    out.push(b':');
                }
            }
            json::value(out, v);
        }
        first
    }

    pub(super) fn request_id(&self, out: &mut Vec<u8>) {
        json::string(out, self.req.request_id);
    }

    pub(super) fn timestamp(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        timestamp_text(out, self.req.time.unwrap_or_else(SystemTime::now));
        out.push(b'"');
    }

    pub(super) fn field_name(out: &mut Vec<u8>, f: &FieldError) {
        match &f.source {
            FieldSource::Pointer(p) => {
                let p = p.as_str();
                out.push(b'"');
                // The common case, one pass: no `~` escapes in the pointer, nothing to escape
                // in JSON; each `/` but the first becomes a `.`.
                let start = out.len();
                let rest = p.strip_prefix('/').unwrap_or_default();
                out.reserve(rest.len() + 1);
                let mut plain = true;
                for &b in rest.as_bytes() {
                    if b == b'/' {
                        out.push(b'.');
                    } else if b == b'~' || json::is_escaped(b) {
                        plain = false;
                        break;
                    } else {
                        out.push(b);
                    }
                }
                if plain {
                    out.push(b'"');
                    return;
                }
                out.truncate(start);
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

    /// The only field error, when there is exactly one (none left out).
    pub(super) fn only_field(&self) -> Option<&FieldError> {
        match self.fields {
            [only] if self.omitted == 0 => Some(only),
            _ => None,
        }
    }

    /// Whether the styles that name one field should also list them all: more than one shown,
    /// or one shown and others left out.
    pub(super) fn lists_fields(&self) -> bool {
        !self.fields.is_empty() && self.only_field().is_none()
    }

    /// The message, or the only field error's message.
    pub(super) fn message_or_field(&self, out: &mut Vec<u8>) {
        match self.only_field() {
            Some(only) => json::string(out, &only.message),
            None => self.message(out, self.msg),
        }
    }

    /// `"omitted_field_errors":N` when field errors were left out, preceded by a comma unless
    /// `first`; returns whether the next member is still the first.
    pub(super) fn omitted_member(&self, out: &mut Vec<u8>, first: bool) -> bool {
        if self.omitted == 0 {
            return first;
        }
        if !first {
            out.push(b',');
        }
        json::string(out, OMITTED);
        out.push(b':');
        json::uint(out, self.omitted as u64);
        false
    }
}

/// `time` as RFC 3339 to the second (`2026-12-07T09:30:00Z`). The text of the last second
/// written on this thread is kept, so a server answering many errors in one second formats
/// the time once.
fn timestamp_text(out: &mut Vec<u8>, time: SystemTime) {
    /// The length of an RFC 3339 time to the second, in years 0000 to 9999.
    const LEN: usize = 20;
    thread_local! {
        static LAST: std::cell::Cell<Option<(u64, [u8; LEN])>> = const { std::cell::Cell::new(None) };
    }
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .ok();
    if let (Some(secs), Ok(Some((last, text)))) = (secs, LAST.try_with(std::cell::Cell::get))
        && last == secs
    {
        out.extend_from_slice(&text);
        return;
    }
    let start = out.len();
    let _ = write!(out, "{}", humantime::format_rfc3339_seconds(time));
    if let (Some(secs), Some(Ok(text))) = (secs, out.get(start..).map(<[u8; LEN]>::try_from)) {
        let _ = LAST.try_with(|l| l.set(Some((secs, text))));
    }
}

/// Up to this many field errors are grouped by a scan, which allocates nothing; beyond, by a
/// hash map, so grouping stays linear however many fields there are.
const SCAN_UP_TO: usize = 16;

/// Calls `emit` once per distinct source among `fields`, in order of first appearance, with
/// the first field error of that source and an iterator over all of them (that one included),
/// in order. O(n) time.
pub(super) fn for_each_group(fields: &[FieldError], emit: impl FnMut(&FieldError, Members<'_>)) {
    if fields.len() <= SCAN_UP_TO {
        groups_by_scan(fields, emit);
    } else {
        groups_by_map(fields, emit);
    }
}

/// O(n²) comparisons, no allocation: for a few fields only.
fn groups_by_scan(fields: &[FieldError], mut emit: impl FnMut(&FieldError, Members<'_>)) {
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].iter().any(|g| g.source == f.source) {
            continue;
        }
        emit(
            f,
            Members::Scan {
                source: &f.source,
                rest: fields[i..].iter(),
            },
        );
    }
}

/// O(n): each field error is chained to the next one of its source, found through a map from
/// source to the last field error seen with it.
fn groups_by_map(fields: &[FieldError], mut emit: impl FnMut(&FieldError, Members<'_>)) {
    let n = fields.len();
    // `next[i]`: the index of the next field error with the source of `i`, or `n` for none.
    let mut next = vec![n; n];
    let mut heads = Vec::new();
    let mut last: HashMap<&FieldSource, usize> = HashMap::with_capacity(n);
    for (i, f) in fields.iter().enumerate() {
        match last.entry(&f.source) {
            Entry::Occupied(mut e) => {
                if let Some(slot) = next.get_mut(*e.get()) {
                    *slot = i;
                }
                e.insert(i);
            }
            Entry::Vacant(e) => {
                e.insert(i);
                heads.push(i);
            }
        }
    }
    for &h in &heads {
        if let Some(f) = fields.get(h) {
            emit(
                f,
                Members::Chain {
                    fields,
                    next: &next,
                    at: h,
                },
            );
        }
    }
}

/// The field errors of one source, in order (see [`for_each_group`]).
pub(super) enum Members<'a> {
    /// Those among `rest` with this source.
    Scan {
        source: &'a FieldSource,
        rest: std::slice::Iter<'a, FieldError>,
    },
    /// `fields[at]`, then `fields[next[at]]`, and so on while in range.
    Chain {
        fields: &'a [FieldError],
        next: &'a [usize],
        at: usize,
    },
}

impl<'a> Iterator for Members<'a> {
    type Item = &'a FieldError;

    fn next(&mut self) -> Option<&'a FieldError> {
        match self {
            Members::Scan { source, rest } => {
                rest.find(|g| std::ptr::eq(&g.source, *source) || g.source == **source)
            }
            Members::Chain { fields, next, at } => {
                let f = fields.get(*at)?;
                *at = next.get(*at).copied().unwrap_or(fields.len());
                Some(f)
            }
        }
    }
}

/// The schema of the `omitted_field_errors` count, where a style puts it
/// ([`Renderer::with_max_field_errors`](super::Renderer::with_max_field_errors)).
#[cfg(feature = "openapi")]
pub(crate) fn omitted_schema() -> serde_json::Value {
    serde_json::json!({"type": "integer", "minimum": 1, "description": OMITTED_DESCRIPTION})
}

/// What `omitted_field_errors` means, for the schemas.
#[cfg(feature = "openapi")]
pub(crate) const OMITTED_DESCRIPTION: &str = "How many field errors this body leaves out: past the bound on field errors a body shows (100 by default), or never kept. Absent when none are.";

/// The schema of [`Writer::field_list`]'s array.
#[cfg(feature = "openapi")]
pub(crate) fn field_list_schema() -> serde_json::Value {
    let s = serde_json::json!({"type": "string"});
    serde_json::json!({"type": "array", "description": "Every field error, when there is more than one.",
        "items": {"type": "object", "required": ["field", "message"], "properties": {"field": s, "message": s}}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonPointer;
    use proptest::prelude::*;

    /// The messages of each group, in the order `for_each_group`'s two ways give them.
    fn groups(fields: &[FieldError], by_map: bool) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let emit = |first: &FieldError, members: Members<'_>| {
            let group: Vec<String> = members.map(|f| f.message.to_string()).collect();
            assert_eq!(group.first().map(String::as_str), Some(&*first.message));
            out.push(group);
        };
        if by_map {
            groups_by_map(fields, emit);
        } else {
            groups_by_scan(fields, emit);
        }
        out
    }

    /// Field errors numbered by their message, over a few sources (a pointer and a parameter
    /// with the same name are different sources).
    fn numbered(sources: &[u8]) -> Vec<FieldError> {
        sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let source = if s % 2 == 0 {
                    FieldSource::Pointer(JsonPointer::from_tokens([(s / 2).to_string()]))
                } else {
                    FieldSource::Parameter((s / 2).to_string().into())
                };
                FieldError::at(source, i.to_string())
            })
            .collect()
    }

    #[test]
    fn groups_keep_first_appearance_and_inner_order() {
        let fields = numbered(&[2, 0, 2, 1, 0, 2]);
        let want = [vec!["0", "2", "5"], vec!["1", "4"], vec!["3"]];
        assert_eq!(groups(&fields, false), want);
        assert_eq!(groups(&fields, true), want);
        assert!(groups(&[], true).is_empty());
    }

    #[test]
    fn timestamps_are_rfc3339_whether_kept_or_not() {
        let at = |secs| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        for (secs, want) in [
            (1_796_000_000, "2026-11-30T00:53:20Z"),
            (1_796_000_000, "2026-11-30T00:53:20Z"),
            (1_796_000_001, "2026-11-30T00:53:21Z"),
            (0, "1970-01-01T00:00:00Z"),
            (1_796_000_001, "2026-11-30T00:53:21Z"),
        ] {
            let mut out = b"x".to_vec();
            timestamp_text(&mut out, at(secs));
            assert_eq!(std::str::from_utf8(&out[1..]), Ok(want));
        }
    }

    proptest! {
        #[test]
        fn the_map_groups_as_the_scan_does(sources in prop::collection::vec(0u8..8, 0..80)) {
            let fields = numbered(&sources);
            prop_assert_eq!(groups(&fields, true), groups(&fields, false));
        }
    }
}
