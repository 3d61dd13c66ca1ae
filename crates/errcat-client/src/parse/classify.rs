//! Classification: the slots read from a body, turned into a [`RemoteError`] of a [`Style`].

use std::time::Duration;

use crate::{Parser, RemoteError, RemoteField, RemoteSource, Style};

use super::reader::FieldMap;
use super::shapes::{ErrorKind, ErrorObj, Many, Top};
use super::store::{Item, List, Store, Text};

/// Seconds in a body: `42`, `"42"`, `1.5`, or Google's `"30s"`.
pub(super) fn seconds(st: &Store<'_>, t: Text) -> Option<Duration> {
    let s = st.get(t)?.trim();
    let s = s.strip_suffix('s').unwrap_or(s);
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs.min(f64::from(u32::MAX))).ok()
}

pub(super) fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// The field errors kept, in the body's order, up to [`Parser::max_fields`] of them and
/// [`Parser::max_field_bytes`] of their text; and how many were not. Once one is refused, so is
/// every one after it: what is kept is always the first ones.
pub(super) struct Kept {
    fields: Vec<RemoteField>,
    dropped: usize,
    bytes: usize,
    max_fields: usize,
    max_bytes: usize,
    full: bool,
}

impl Kept {
    fn new(limits: &Parser) -> Kept {
        Kept {
            fields: Vec::new(),
            dropped: 0,
            bytes: 0,
            max_fields: limits.max_fields,
            max_bytes: limits.max_field_bytes,
            full: false,
        }
    }

    /// Whether a field error with `len` bytes of text is kept; if not, it is counted.
    fn admit(&mut self, len: usize) -> bool {
        let bytes = self.bytes.saturating_add(len);
        if !self.full && self.fields.len() < self.max_fields && bytes <= self.max_bytes {
            self.bytes = bytes;
            return true;
        }
        self.full = true;
        self.dropped = self.dropped.saturating_add(1);
        false
    }

    /// Keeps a field error, if it is admitted.
    fn offer(&mut self, f: Option<RemoteField>) {
        if let Some(f) = f {
            let len =
                f.source.as_str().len() + f.code.as_ref().map_or(0, String::len) + f.message.len();
            if self.admit(len) {
                self.fields.push(f);
            }
        }
    }

    /// Counts `n` field errors not kept (list objects past [`Parser::max_items`]).
    fn skip(&mut self, n: usize) {
        self.dropped = self.dropped.saturating_add(n);
    }

    /// Whether no field error was offered.
    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.dropped == 0
    }

    /// The field errors of every item of `list` that says where it points.
    fn items(&mut self, st: &Store<'_>, list: List) {
        for i in st.of(list) {
            self.offer(field_of(st, i));
        }
        self.skip(list.dropped);
    }
}

/// A field error from an item, if it says where it points.
fn field_of(st: &Store<'_>, item: &Item) -> Option<RemoteField> {
    let source = if let Some(p) = st.get(item.pointer) {
        RemoteSource::Pointer(pointer(p))
    } else if let Some(p) = st.get(item.parameter) {
        RemoteSource::Parameter(p.to_owned())
    } else if let Some(h) = st.get(item.header) {
        RemoteSource::Header(h.to_owned())
    } else if let Some(src) = loc_source(st, st.texts_of(item.loc)) {
        src
    } else {
        let name = st.owned(item.name.text)?;
        match st.get(item.source_kind) {
            Some("parameter" | "query" | "path") => RemoteSource::Parameter(name),
            Some("header") => RemoteSource::Header(name),
            _ => RemoteSource::Name(name),
        }
    };
    Some(RemoteField {
        source,
        code: owned(st.first(&[item.code, item.kind])),
        message: st.get(item.text.text).unwrap_or("").to_owned(),
    })
}

/// `#/a/b` (RFC 9457's examples) → `/a/b`.
pub(super) fn pointer(p: &str) -> String {
    p.strip_prefix('#').unwrap_or(p).to_owned()
}

/// FastAPI's `loc`: `["body", "a", "b"]` → `/a/b`; `["query", "q"]` → parameter `q`.
fn loc_source(st: &Store<'_>, loc: &[Text]) -> Option<RemoteSource> {
    let loc: Vec<&str> = loc.iter().filter_map(|&t| st.get(t)).collect();
    let (head, rest) = loc.split_first()?;
    let last = rest.last().map(|s| s.to_string());
    Some(match *head {
        "body" => {
            let mut p = String::new();
            for part in rest {
                p.push('/');
                p.push_str(&part.replace('~', "~0").replace('/', "~1"));
            }
            RemoteSource::Pointer(p)
        }
        "query" | "path" => RemoteSource::Parameter(last?),
        "header" => RemoteSource::Header(last?),
        "cookie" => RemoteSource::Name(last?),
        _ => RemoteSource::Name(loc.join(".")),
    })
}

/// `{field, message}` lists, else a lone `field` naming the message's field.
fn name_fields(st: &Store<'_>, kept: &mut Kept, list: List, field: Text, message: Text) {
    if !list.is_empty() {
        return kept.items(st, list);
    }
    if let Some(f) = st.get(field) {
        kept.offer(Some(RemoteField {
            source: RemoteSource::Name(f.to_owned()),
            code: None,
            message: st.get(message).unwrap_or("").to_owned(),
        }));
    }
}

/// A field map's messages, each a field error under its name. The name is copied into each
/// kept one (a [`RemoteSource`] owns its text): [`Kept`] bounds the copies, and nothing is
/// copied for one it does not keep.
fn map_fields(st: &Store<'_>, kept: &mut Kept, map: &FieldMap) {
    for &(name, msgs) in &map.entries {
        let name = st.get(name).unwrap_or("");
        for &m in st.texts_of(msgs) {
            let message = st.get(m).unwrap_or("");
            if kept.admit(name.len() + message.len()) {
                kept.fields.push(RemoteField {
                    source: RemoteSource::Name(name.to_owned()),
                    code: None,
                    message: message.to_owned(),
                });
            }
        }
    }
    kept.skip(map.dropped);
}

fn errors_fields(st: &Store<'_>, kept: &mut Kept, errors: &Many) {
    if errors.is_list {
        kept.items(st, errors.items);
    } else {
        map_fields(st, kept, &errors.map);
    }
}

fn is_google(st: &Store<'_>, e: &ErrorObj) -> bool {
    (st.is_numeric(e.code)
        && ((e.status.is_some() && !st.is_numeric(e.status))
            || st
                .of(e.details)
                .any(|d| d.at_type.is_some() || d.domain.is_some())))
        || st.of(e.details).any(|d| {
            st.get(d.at_type)
                .is_some_and(|t| t.starts_with("type.googleapis.com/"))
        })
}

pub(super) fn classify(top: &Top, st: &Store<'_>, limits: &Parser, out: &mut RemoteError) {
    let mut kept = Kept::new(limits);
    out.request_id = owned(st.first(&[top.request_id.text, top.meta_request_id]));
    out.action = st.owned(top.action);
    out.docs = st.owned(top.docs.text);
    let mut retry = seconds(st, top.retry).or_else(|| seconds(st, top.meta_retry));
    match top.error_kind {
        ErrorKind::Obj => {
            let e = &top.error;
            if out.request_id.is_none() {
                out.request_id = st.owned(e.request_id.text);
            }
            if retry.is_none() {
                retry = seconds(st, e.retry_after);
            }
            if is_google(st, e) {
                out.style = Style::Google;
                out.message = st.owned(e.message);
                let mut reason = None;
                for d in st.of(e.details) {
                    if reason.is_none() && d.domain.is_some() {
                        reason = st.get(d.reason);
                    }
                    for v in st.of(d.field_violations) {
                        if let Some(f) = st.get(v.name.text) {
                            kept.offer(Some(RemoteField {
                                source: RemoteSource::Name(f.to_owned()),
                                code: st.owned(v.reason),
                                message: st.get(v.text.text).unwrap_or("").to_owned(),
                            }));
                        }
                    }
                    kept.skip(d.field_violations.dropped);
                    if retry.is_none() {
                        retry = seconds(st, d.retry);
                    }
                    if out.docs.is_none() {
                        out.docs = st.of(d.links).find_map(|l| st.owned(l.url));
                    }
                    if out.request_id.is_none() {
                        out.request_id = st.owned(d.request_id);
                    }
                }
                kept.skip(e.details.dropped);
                out.code = owned(reason.or(st.get(e.status)));
            } else if top.success
                || top.meta
                || e.field.is_some()
                || !e.fields.is_empty()
                || e.retry_after.is_some()
            {
                out.style = Style::Nested;
                out.code = st.owned(e.code);
                out.message = st.owned(e.message);
                name_fields(st, &mut kept, e.fields, e.field, e.message);
            } else if e.kind.is_some() || e.doc_url.is_some() || e.param.is_some() {
                out.style = Style::Stripe;
                out.code = owned(st.first(&[e.code, e.kind]));
                out.message = st.owned(e.message);
                if out.docs.is_none() {
                    out.docs = st.owned(e.doc_url);
                }
                if let Some(p) = st.get(e.param) {
                    kept.offer(Some(RemoteField {
                        source: RemoteSource::Parameter(p.to_owned()),
                        code: out.code.clone(),
                        message: out.message.clone().unwrap_or_default(),
                    }));
                }
            } else {
                out.style = Style::Microsoft;
                out.code = st.owned(e.code);
                out.message = st.owned(e.message);
                kept.items(st, e.details);
                if kept.is_empty()
                    && let Some(t) = st.get(e.target)
                {
                    kept.offer(Some(RemoteField {
                        source: RemoteSource::Name(t.to_owned()),
                        code: out.code.clone(),
                        message: out.message.clone().unwrap_or_default(),
                    }));
                }
            }
        }
        ErrorKind::Str => {
            out.code = st.owned(top.error_str);
            out.message = owned(st.first(&[top.message, top.error_description]));
            if top.success || st.is_numeric(top.code) {
                out.style = Style::Simple;
                name_fields(st, &mut kept, top.fields, top.field, top.message);
            } else {
                out.style = Style::Flat;
                map_fields(st, &mut kept, &top.context_errors);
                if retry.is_none() {
                    retry = seconds(st, top.context_retry);
                }
                if kept.is_empty() {
                    errors_fields(st, &mut kept, &top.errors);
                }
            }
        }
        ErrorKind::Absent => {
            let detail = st.get(top.detail.text);
            if top.kind.is_some()
                || top.title.is_some()
                || (top.status.is_some() && detail.is_some())
            {
                out.style = Style::Problem;
                out.code = st.owned(top.code);
                out.message = owned(detail.or(st.get(top.title)));
                if out.docs.is_none() {
                    out.docs = st
                        .get(top.kind)
                        .filter(|t| *t != "about:blank")
                        .map(str::to_owned);
                }
                if out.request_id.is_none() {
                    out.request_id = st.owned(top.trace_id);
                }
                errors_fields(st, &mut kept, &top.errors);
                for p in st.of(top.invalid_params) {
                    kept.offer(st.owned(p.name.text).map(|name| RemoteField {
                        source: RemoteSource::Name(name),
                        code: None,
                        message: st.first(&[p.reason, p.text.text]).unwrap_or("").to_owned(),
                    }));
                }
                kept.skip(top.invalid_params.dropped);
            } else if top.errors.is_list && !top.errors.items.is_empty() {
                out.style = Style::JsonApi;
                let list = st.of(top.errors.items);
                let is_field =
                    |i: &Item| i.source_obj || i.pointer.is_some() || i.parameter.is_some();
                let main = list
                    .clone()
                    .find(|i| !is_field(i))
                    .or_else(|| list.clone().next());
                if let Some(m) = main {
                    out.code = st.owned(m.code);
                    out.message = st.owned(m.text.text);
                }
                kept.items(st, top.errors.items);
                if retry.is_none() {
                    retry = list.clone().find_map(|i| seconds(st, i.retry));
                }
            } else if top.code.is_some() && (top.message.is_some() || !top.details.is_empty()) {
                out.style = Style::CodeMessage;
                out.code = st.owned(top.code);
                out.message = st.owned(top.message);
                kept.items(st, top.details);
                if kept.is_empty() {
                    name_fields(st, &mut kept, top.fields, top.field, top.message);
                }
                if kept.is_empty() {
                    errors_fields(st, &mut kept, &top.errors);
                }
            } else if detail.is_some() || top.detail.is_list {
                out.style = Style::Detail;
                out.message = owned(detail);
                if top.detail.is_list {
                    kept.items(st, top.detail.items);
                    out.message = st.of(top.detail.items).find_map(|i| st.owned(i.text.text));
                }
                out.code = st.owned(top.code);
            } else if top.message.is_some() {
                out.style = Style::Message;
                out.message = st.owned(top.message);
                out.code = st.owned(top.code);
                errors_fields(st, &mut kept, &top.errors);
            } else {
                out.style = Style::Unrecognized;
                out.code = st.owned(top.code);
            }
        }
    }
    if out.retry_after.is_none() {
        out.retry_after = retry;
    }
    out.fields = kept.fields;
    out.fields_dropped = kept.dropped;
}
