//! One pass over an error body: every envelope shape's members read into one struct of slots,
//! then classified.
//!
//! The body is checked as UTF-8 once, then read with errcat's own strict JSON scanner
//! ([`super::scan`]) into [`Top`]: one slot per member any known shape has. Member names are
//! matched on the bytes as they are read; a kept string or integer is only a span of the body
//! (a [`Text`]), so nothing is copied until classification builds the result; escaped strings
//! are decoded only when kept; values no shape keeps are only checked against the grammar.
//! Items (JSON:API errors, Google details, …) are filled in place in one arena, never moved,
//! whose capacity the thread keeps for its next parse. The body counts as JSON exactly when the
//! serde_json reader this replaced said so (see [`super::scan`]). Every reader is lenient: a
//! member of an unexpected JSON type reads as absent instead of failing the whole body, a
//! repeated member keeps its last value (a list adds to what it read before), and unknown
//! members are skipped.

use std::cell::Cell;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName};

use super::scan::{self, Number, Result, Scanner, Span};
use super::{RemoteError, RemoteField, RemoteSource, Style};

// ---------------------------------------------------------------------------------------------
// Texts and the store.

/// A value kept as text: a span of the body, or a string the reader made (an escaped string
/// decoded, a float written out). [`Store::get`] gives the string. All zeros is no text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    /// Where the span starts, or which string [`Store::made`] holds.
    at: u32,
    /// 0 for no text, [`Text::MADE`] for a made string, else one more than the span's length.
    len: u32,
}

impl Text {
    /// No text: the member was absent, or not a string or a number.
    const NONE: Text = Text { at: 0, len: 0 };
    /// `len` of a made string.
    const MADE: u32 = u32::MAX;

    fn is_some(self) -> bool {
        self.len != 0
    }
}

/// What a read keeps besides [`Top`]: the body its texts point into, the strings it made, and
/// the items of every list.
#[derive(Debug)]
pub(crate) struct Store<'a> {
    body: &'a str,
    /// Escaped strings decoded, floats written out.
    made: Vec<String>,
    /// Every item of every list, linked by [`List`]s; its capacity is kept for the thread's
    /// next parse (see [`SPARE_ITEMS`]).
    items: Vec<Item>,
    /// The texts of every [`Texts`].
    texts: Vec<Text>,
}

impl<'a> Store<'a> {
    fn new(body: &'a str) -> Self {
        Store {
            body,
            made: Vec::new(),
            items: SPARE_ITEMS.try_with(Cell::take).unwrap_or_default(),
            texts: Vec::new(),
        }
    }

    /// The string of a text.
    #[inline(always)]
    fn get(&self, t: Text) -> Option<&str> {
        let at = t.at as usize;
        match t.len {
            0 => None,
            Text::MADE => self.made.get(at).map(String::as_str),
            len => self.body.get(at..at.saturating_add((len - 1) as usize)),
        }
    }

    #[inline(always)]
    fn owned(&self, t: Text) -> Option<String> {
        self.get(t).map(str::to_owned)
    }

    /// Whether the value was a number, or a string of digits.
    fn is_numeric(&self, t: Text) -> bool {
        self.get(t)
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The texts of a run.
    fn texts_of(&self, run: Texts) -> &[Text] {
        self.texts.get(run.from..run.to).unwrap_or_default()
    }

    /// The first of `texts` there is.
    #[inline(always)]
    fn first(&self, texts: &[Text]) -> Option<&str> {
        texts.iter().find_map(|&t| self.get(t))
    }

    /// The body from `from` to `to` as text: a span, or (past 4 GiB) a copy.
    #[inline(always)]
    fn span(&mut self, from: usize, to: usize) -> Text {
        match (
            u32::try_from(from),
            u32::try_from(to.saturating_sub(from) + 1),
        ) {
            (Ok(at), Ok(len)) if len != Text::MADE => Text { at, len },
            _ => self.make(self.body.get(from..to).unwrap_or_default().to_owned()),
        }
    }

    /// A string made while reading, as text. (A body would need four billion escaped strings
    /// or floats for one to be dropped.)
    #[cold]
    fn make(&mut self, s: String) -> Text {
        let Ok(at) = u32::try_from(self.made.len()) else {
            return Text::NONE;
        };
        self.made.push(s);
        Text {
            at,
            len: Text::MADE,
        }
    }

    /// A string the scanner read, as text.
    #[inline(always)]
    fn string(&mut self, span: Span) -> Text {
        match span.escaped {
            false => self.span(span.from, span.to),
            true => {
                let raw = self.body.get(span.from..span.to).unwrap_or_default();
                self.make(scan::unescape(raw))
            }
        }
    }

    /// A number the scanner read from `from` to `to`, as text: an integer as written (which is
    /// how it prints), a float printed the shortest way that reads back.
    fn number(&mut self, n: Number, from: usize, to: usize) -> Text {
        match n {
            Number::U64(_) | Number::I64(_) => self.span(from, to),
            Number::F64(f) => self.make(ryu::Buffer::new().format(f).to_owned()),
        }
    }

    /// Links the item at `at` to the end of `list`.
    fn link(&mut self, list: &mut List, at: usize) {
        let n = at + 1;
        match list
            .last
            .checked_sub(1)
            .and_then(|last| self.items.get_mut(last))
        {
            Some(last) => last.next = n,
            None => list.first = n,
        }
        list.last = n;
    }

    /// The items of `list`, in order.
    fn of(&self, list: List) -> impl Iterator<Item = &Item> + Clone {
        let mut next = list.first;
        std::iter::from_fn(move || {
            let item = self.items.get(next.checked_sub(1)?)?;
            next = item.next;
            Some(item)
        })
    }
}

thread_local! {
    /// The item storage of the thread's last parse, emptied, so that the next one starts with
    /// its capacity instead of allocating: only the capacity is kept from parse to parse.
    static SPARE_ITEMS: Cell<Vec<Item>> = const { Cell::new(Vec::new()) };
}

impl Drop for Store<'_> {
    fn drop(&mut self) {
        let mut items = std::mem::take(&mut self.items);
        // A body with very many items does not pin their memory to the thread.
        if items.capacity() <= 64 {
            items.clear();
            let _ = SPARE_ITEMS.try_with(|spare| spare.set(items));
        }
    }
}

/// A list of items in [`Store::items`], linked through [`Item::next`]: one more than the index
/// of its first and last item, 0 when empty.
#[derive(Debug, Default, Clone, Copy)]
struct List {
    first: usize,
    last: usize,
}

impl List {
    fn is_empty(self) -> bool {
        self.first == 0
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient readers.

/// The scanner, and what it read so far.
struct Reader<'a> {
    s: Scanner<'a>,
    st: Store<'a>,
}

/// Reads any value as [`Text`]: a string, a number written out; anything else is no text.
#[inline(always)]
fn read_text(r: &mut Reader<'_>) -> Result<Text> {
    Ok(match r.s.peek()? {
        b'"' => {
            let span = r.s.string()?;
            r.st.string(span)
        }
        b'-' | b'0'..=b'9' => {
            let from = r.s.pos();
            let n = r.s.number()?;
            r.st.number(n, from, r.s.pos())
        }
        _ => {
            r.s.shallow()?;
            Text::NONE
        }
    })
}

/// Reads any value into `slot` as [`Text`].
#[inline(always)]
fn text(r: &mut Reader<'_>, slot: &mut Text) -> Result<()> {
    *slot = read_text(r)?;
    Ok(())
}

/// A text slot that a member of higher rank (lower number) fills before one of lower rank.
#[derive(Debug, Default, Clone, Copy)]
struct Ranked {
    text: Text,
    rank: u8,
}

impl Ranked {
    /// Takes a text of rank `rank` if it is one and outranks what the slot holds.
    fn offer(&mut self, rank: u8, t: Text) {
        if t.is_some() && (!self.text.is_some() || rank <= self.rank) {
            self.text = t;
            self.rank = rank;
        }
    }

    /// Reads a value of rank `rank` and [offers](Ranked::offer) it.
    fn read(&mut self, rank: u8, r: &mut Reader<'_>) -> Result<()> {
        let t = read_text(r)?;
        self.offer(rank, t);
        Ok(())
    }
}

/// A member's key: its name (decoded, if it has escapes) and where it lies in the body.
struct Key<'k> {
    name: &'k [u8],
    span: Span,
}

/// An object whose members are read one at a time, in place.
trait Fill {
    /// Reads the value of member `key`; skips it when the shape has no such member.
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()>;

    /// Takes a value that is not an object (a string, an integer); returns whether it was kept.
    fn other(&mut self, _: Text) -> bool {
        false
    }
}

/// Reads an object into `t` in place; `Ok(false)` when the value was no object (and not kept by
/// [`Fill::other`]).
fn fill<T: Fill>(r: &mut Reader<'_>, t: &mut T) -> Result<bool> {
    match r.s.peek()? {
        b'{' => {
            let mut more = r.s.open_object()?;
            while more {
                let span = r.s.key()?;
                let decoded;
                let name = match span.escaped {
                    false => r.s.raw(span),
                    true => {
                        decoded = r.s.str(span);
                        decoded.as_bytes()
                    }
                };
                t.member(&Key { name, span }, r)?;
                more = r.s.more_members()?;
            }
            Ok(true)
        }
        b'"' => {
            let span = r.s.string()?;
            let v = r.st.string(span);
            Ok(t.other(v))
        }
        b'-' | b'0'..=b'9' => {
            let from = r.s.pos();
            match r.s.number()? {
                Number::F64(_) => Ok(false),
                n => {
                    let v = r.st.number(n, from, r.s.pos());
                    Ok(t.other(v))
                }
            }
        }
        _ => {
            r.s.shallow()?;
            Ok(false)
        }
    }
}

/// Reads an array of objects onto `list`: each is stored in [`Store::items`] and filled there,
/// never moved. Anything else leaves the list as it is.
fn list(r: &mut Reader<'_>, list: &mut List) -> Result<()> {
    if r.s.peek()? != b'[' {
        return r.s.shallow();
    }
    let mut more = r.s.open_array()?;
    while more {
        let at = r.st.items.len();
        r.st.items.push(Item::default());
        if fill(r, &mut ItemAt(at))? {
            r.st.link(list, at);
        } else {
            // No object: nothing was stored after it.
            r.st.items.truncate(at);
        }
        more = r.s.more_elements()?;
    }
    Ok(())
}

/// Text, or an array of texts (FastAPI's `loc`, a field map's messages): a run of
/// [`Store::texts`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Texts {
    from: usize,
    to: usize,
}

fn texts(r: &mut Reader<'_>) -> Result<Texts> {
    let from = r.st.texts.len();
    match r.s.peek()? {
        b'[' => {
            let mut more = r.s.open_array()?;
            while more {
                let t = read_text(r)?;
                if t.is_some() {
                    r.st.texts.push(t);
                }
                more = r.s.more_elements()?;
            }
        }
        b'"' => {
            let span = r.s.string()?;
            let t = r.st.string(span);
            r.st.texts.push(t);
        }
        _ => r.s.shallow()?,
    }
    Ok(Texts {
        from,
        to: r.st.texts.len(),
    })
}

/// `{"name": ["message", ...], ...}` (errcat flat's `context.errors`, Laravel, ASP.NET), as
/// (name, message) pairs in order.
#[derive(Debug, Default)]
pub(crate) struct FieldMap(Vec<(Text, Text)>);

impl Fill for FieldMap {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let msgs = texts(r)?;
        if msgs.to > msgs.from {
            let name = r.st.string(key.span);
            let msgs = r.st.texts_of(msgs);
            self.0.extend(msgs.iter().map(|&msg| (name, msg)));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The shapes' members.

/// An object inside an envelope: a JSON:API error, an RFC 9457 `errors` entry, a Google
/// `details` entry, field violation or help link, a Microsoft `details` entry, a FastAPI
/// validation error, a `{field, message}` pair, seed 001's `details` entry.
#[derive(Debug, Default)]
pub(crate) struct Item {
    code: Text,
    /// FastAPI's `type`.
    kind: Text,
    /// Google's `@type`.
    at_type: Text,
    /// `detail` > `message` > `description` > `msg` > `title`.
    text: Ranked,
    /// Google's `reason`; RFC 7807 `invalid-params`' message.
    reason: Text,
    /// `field` > `target` > `name`.
    name: Ranked,
    pointer: Text,
    parameter: Text,
    header: Text,
    /// A JSON:API `source` object was present.
    source_obj: bool,
    /// Seed 001's `source`: `body`, `parameter`, `header`.
    source_kind: Text,
    loc: Texts,
    /// `meta.retry_after_seconds`, Google's `retryDelay`.
    retry: Text,
    field_violations: List,
    links: List,
    url: Text,
    request_id: Text,
    domain: Text,
    /// One more than the index of the next item of the list this one is in; 0 for none.
    next: usize,
}

/// The item at an index of [`Store::items`], filled in place.
struct ItemAt(usize);

impl ItemAt {
    /// Changes the item. (It is always there: [`list`] stored it before filling it.)
    #[inline(always)]
    fn set(&self, r: &mut Reader<'_>, change: impl FnOnce(&mut Item)) {
        if let Some(item) = r.st.items.get_mut(self.0) {
            change(item);
        }
    }

    /// Reads a value into the text slot `slot` picks.
    #[inline(always)]
    fn text(&self, r: &mut Reader<'_>, slot: fn(&mut Item) -> &mut Text) -> Result<()> {
        let t = read_text(r)?;
        self.set(r, |i| *slot(i) = t);
        Ok(())
    }

    /// Reads a value of rank `rank` and offers it to the ranked slot `slot` picks.
    #[inline(always)]
    fn ranked(
        &self,
        r: &mut Reader<'_>,
        rank: u8,
        slot: fn(&mut Item) -> &mut Ranked,
    ) -> Result<()> {
        let t = read_text(r)?;
        self.set(r, |i| slot(i).offer(rank, t));
        Ok(())
    }

    /// Reads an array of items onto the list `slot` picks.
    #[inline(always)]
    fn list(&self, r: &mut Reader<'_>, slot: fn(&mut Item) -> &mut List) -> Result<()> {
        let mut l = List::default();
        self.set(r, |i| l = *slot(i));
        list(r, &mut l)?;
        self.set(r, |i| *slot(i) = l);
        Ok(())
    }
}

impl Fill for ItemAt {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        match key.name {
            b"code" => self.text(r, |i| &mut i.code),
            b"type" => self.text(r, |i| &mut i.kind),
            b"@type" => self.text(r, |i| &mut i.at_type),
            b"detail" => self.ranked(r, 0, |i| &mut i.text),
            b"message" => self.ranked(r, 1, |i| &mut i.text),
            b"description" => self.ranked(r, 2, |i| &mut i.text),
            b"msg" => self.ranked(r, 3, |i| &mut i.text),
            b"title" => self.ranked(r, 4, |i| &mut i.text),
            b"reason" => self.text(r, |i| &mut i.reason),
            b"field" => self.ranked(r, 0, |i| &mut i.name),
            b"target" => self.ranked(r, 1, |i| &mut i.name),
            b"name" => self.ranked(r, 2, |i| &mut i.name),
            b"pointer" => self.text(r, |i| &mut i.pointer),
            b"parameter" => self.text(r, |i| &mut i.parameter),
            b"header" => self.text(r, |i| &mut i.header),
            b"source" => {
                let mut source = SourceOf {
                    at: self.0,
                    kind: None,
                };
                let was_obj = fill(r, &mut source)?;
                self.set(r, |item| {
                    if let Some(kind) = source.kind {
                        item.source_kind = kind;
                    }
                    item.source_obj = was_obj && !item.source_kind.is_some();
                });
                Ok(())
            }
            b"loc" => {
                let loc = texts(r)?;
                self.set(r, |i| i.loc = loc);
                Ok(())
            }
            b"meta" => fill(r, &mut MetaOf(self.0)).map(drop),
            b"retryDelay" => self.text(r, |i| &mut i.retry),
            b"fieldViolations" => self.list(r, |i| &mut i.field_violations),
            b"links" => self.list(r, |i| &mut i.links),
            b"url" => self.text(r, |i| &mut i.url),
            b"requestId" => self.text(r, |i| &mut i.request_id),
            b"domain" => self.text(r, |i| &mut i.domain),
            _ => r.s.skip(),
        }
    }
}

/// An item's `source`: a JSON:API object, read into the item's slots, or seed 001's string.
struct SourceOf {
    /// The item.
    at: usize,
    /// The source as a string.
    kind: Option<Text>,
}

impl Fill for SourceOf {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let item = ItemAt(self.at);
        match key.name {
            b"pointer" => item.text(r, |i| &mut i.pointer),
            b"parameter" => item.text(r, |i| &mut i.parameter),
            b"header" => item.text(r, |i| &mut i.header),
            _ => r.s.skip(),
        }
    }

    fn other(&mut self, t: Text) -> bool {
        self.kind = Some(t);
        true
    }
}

/// An item's `meta` object: the retry delay it may hold.
struct MetaOf(usize);

impl Fill for MetaOf {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        match key.name {
            b"retry_after_seconds" | b"retryAfter" | b"retry_after" => {
                ItemAt(self.0).text(r, |i| &mut i.retry)
            }
            _ => r.s.skip(),
        }
    }
}

/// The top level's `meta` object: the retry delay and the request id it may hold.
struct TopMetaOf<'s> {
    retry: &'s mut Text,
    request_id: &'s mut Text,
}

impl Fill for TopMetaOf<'_> {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let slot = match key.name {
            b"retry_after_seconds" | b"retryAfter" | b"retry_after" => &mut *self.retry,
            b"request_id" | b"requestId" => &mut *self.request_id,
            _ => return r.s.skip(),
        };
        text(r, slot)
    }
}

/// An `error` object: seed 002's nested, Google's, Stripe's, Microsoft's.
#[derive(Debug, Default)]
pub(crate) struct ErrorObj {
    code: Text,
    message: Text,
    status: Text,
    kind: Text,
    param: Text,
    doc_url: Text,
    target: Text,
    field: Text,
    fields: List,
    details: List,
    retry_after: Text,
    /// `request_id` > `requestId`.
    request_id: Ranked,
}

impl Fill for ErrorObj {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let slot = match key.name {
            b"code" => &mut self.code,
            b"message" => &mut self.message,
            b"status" => &mut self.status,
            b"type" => &mut self.kind,
            b"param" => &mut self.param,
            b"doc_url" => &mut self.doc_url,
            b"target" => &mut self.target,
            b"field" => &mut self.field,
            b"fields" => return list(r, &mut self.fields),
            b"details" => return list(r, &mut self.details),
            b"retryAfter" => &mut self.retry_after,
            b"request_id" => return self.request_id.read(0, r),
            b"requestId" => return self.request_id.read(1, r),
            _ => return r.s.skip(),
        };
        text(r, slot)
    }
}

/// What the top-level `error` member was.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    #[default]
    Absent,
    Str,
    Obj,
}

/// `errors` and `detail`: an array of items, or (`errors`) a field map, or (`detail`) text.
#[derive(Debug, Default)]
struct Many {
    items: List,
    map: FieldMap,
    text: Text,
    is_list: bool,
}

fn many(r: &mut Reader<'_>, m: &mut Many) -> Result<()> {
    match r.s.peek()? {
        b'[' => {
            m.is_list = true;
            list(r, &mut m.items)
        }
        b'{' => fill(r, &mut m.map).map(drop),
        b'"' => text(r, &mut m.text),
        _ => r.s.shallow(),
    }
}

/// The top level: every shape's members.
#[derive(Debug, Default)]
pub(crate) struct Top {
    error_kind: ErrorKind,
    error_str: Text,
    error: ErrorObj,
    errors: Many,
    detail: Many,
    message: Text,
    error_description: Text,
    title: Text,
    kind: Text,
    code: Text,
    status: Text,
    /// `request_id` > `requestId`.
    request_id: Ranked,
    trace_id: Text,
    action: Text,
    /// `docs` > `documentation_url`.
    docs: Ranked,
    field: Text,
    /// `retryAfter`, `retry_after`.
    retry: Text,
    success: bool,
    fields: List,
    details: List,
    invalid_params: List,
    meta: bool,
    meta_request_id: Text,
    meta_retry: Text,
    context_errors: FieldMap,
    context_retry: Text,
}

/// The top-level `error`: a code, or an object.
struct ErrorOf<'s>(&'s mut Top);

impl Fill for ErrorOf<'_> {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        self.0.error_kind = ErrorKind::Obj;
        self.0.error.member(key, r)
    }

    fn other(&mut self, t: Text) -> bool {
        self.0.error_kind = ErrorKind::Str;
        self.0.error_str = t;
        true
    }
}

/// errcat flat's `context`: its `errors` and `retry_after`.
struct ContextOf<'s>(&'s mut Top);

impl Fill for ContextOf<'_> {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        match key.name {
            b"errors" => fill(r, &mut self.0.context_errors).map(drop),
            b"retry_after" => text(r, &mut self.0.context_retry),
            _ => r.s.skip(),
        }
    }
}

impl Fill for Top {
    fn member(&mut self, key: &Key<'_>, r: &mut Reader<'_>) -> Result<()> {
        let slot = match key.name {
            b"error" => {
                let kept = fill(r, &mut ErrorOf(self))?;
                if kept && self.error_kind == ErrorKind::Absent {
                    // `"error": {}`
                    self.error_kind = ErrorKind::Obj;
                }
                return Ok(());
            }
            b"errors" => return many(r, &mut self.errors),
            b"detail" => return many(r, &mut self.detail),
            b"message" => &mut self.message,
            b"error_description" => &mut self.error_description,
            b"title" => &mut self.title,
            b"type" => &mut self.kind,
            b"code" => &mut self.code,
            b"status" => &mut self.status,
            b"request_id" => return self.request_id.read(0, r),
            b"requestId" => return self.request_id.read(1, r),
            b"traceId" => &mut self.trace_id,
            b"action" => &mut self.action,
            b"docs" => return self.docs.read(0, r),
            b"documentation_url" => return self.docs.read(1, r),
            b"field" => &mut self.field,
            b"retryAfter" | b"retry_after" => &mut self.retry,
            b"success" => {
                self.success = true;
                return r.s.skip();
            }
            b"fields" => return list(r, &mut self.fields),
            b"details" => return list(r, &mut self.details),
            b"invalid-params" => return list(r, &mut self.invalid_params),
            b"meta" => {
                let mut meta = TopMetaOf {
                    retry: &mut self.meta_retry,
                    request_id: &mut self.meta_request_id,
                };
                self.meta = fill(r, &mut meta)?;
                return Ok(());
            }
            b"context" => return fill(r, &mut ContextOf(self)).map(drop),
            _ => return r.s.skip(),
        };
        text(r, slot)
    }
}

/// Reads a body (checked as UTF-8) into `top`; what else it keeps, or `None` when the body is
/// JSON but not an object.
fn read<'a>(body: &'a str, top: &mut Top) -> Result<Option<Store<'a>>> {
    let mut r = Reader {
        s: Scanner::new(body),
        st: Store::new(body),
    };
    let was_obj = fill(&mut r, top)?;
    r.s.end()?;
    Ok(was_obj.then_some(r.st))
}

// ---------------------------------------------------------------------------------------------
// Classification.

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
static X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");
static CF_RAY: HeaderName = HeaderName::from_static("cf-ray");

/// Parses an error response. See [`super::parse()`].
pub(crate) fn parse_bytes(status: u16, headers: &HeaderMap, raw: Bytes) -> RemoteError {
    let mut out = RemoteError {
        status,
        code: None,
        message: None,
        request_id: None,
        action: None,
        docs: None,
        retry_after: None,
        fields: Vec::new(),
        style: Style::Empty,
        raw: Bytes::new(),
    };
    // One pass over the headers for everything they may give.
    let (mut content_type, mut retry_after, mut date) = (None, None, None);
    let mut ids: [Option<&http::HeaderValue>; 4] = [None; 4];
    for (name, value) in headers {
        if name == http::header::CONTENT_TYPE {
            // Looked at only for a body that is no JSON object or array.
            content_type = Some(value);
        } else if name == http::header::RETRY_AFTER {
            retry_after = value.to_str().ok();
        } else if name == http::header::DATE {
            date = value.to_str().ok();
        } else if name == X_REQUEST_ID {
            ids[0] = ids[0].or(Some(value));
        } else if name == REQUEST_ID {
            ids[1] = ids[1].or(Some(value));
        } else if name == X_CORRELATION_ID {
            ids[2] = ids[2].or(Some(value));
        } else if name == CF_RAY {
            ids[3] = ids[3].or(Some(value));
        }
    }
    let body: &[u8] = &raw;
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let content_type = || content_type.and_then(|v| v.to_str().ok()).unwrap_or("");
    match body.get(start) {
        None => out.style = Style::Empty,
        Some(b'{' | b'[') => {
            let mut top = Top::default();
            let read = std::str::from_utf8(body)
                .map_err(|_| scan::NotJson)
                .and_then(|text| read(text, &mut top));
            match read {
                Ok(Some(st)) => classify(&top, &st, &mut out),
                Ok(None) => out.style = Style::Unrecognized,
                Err(_) => out.style = Style::NotJson,
            }
        }
        Some(b'<') => {
            out.style = Style::Html;
            out.message = html_title(body.get(start..).unwrap_or_default());
        }
        Some(_) if starts_with_ignore_case(content_type(), "text/html") => {
            out.style = Style::Html;
            out.message = html_title(body.get(start..).unwrap_or_default());
        }
        Some(_) => {
            out.style = Style::NotJson;
            if starts_with_ignore_case(content_type(), "text/plain") {
                out.message = plain_text(body.get(start..).unwrap_or_default());
            }
        }
    }
    if out.request_id.is_none() {
        out.request_id = ids
            .iter()
            .flatten()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .find(|v| !v.is_empty())
            .map(str::to_owned);
    }
    if let Some(d) = retry_after.and_then(|v| retry_after_header(v, date)) {
        out.retry_after = Some(d);
    }
    out.raw = raw;
    out
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// The `<title>` of an HTML page (within its first 4 KiB), whitespace collapsed.
fn html_title(body: &[u8]) -> Option<String> {
    let head = body.get(..body.len().min(4096))?;
    let open = head
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"<title>"))?
        + 7;
    let rest = head.get(open..)?;
    let len = rest
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"</title>"))?;
    let text = String::from_utf8_lossy(rest.get(..len)?);
    let title = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!title.is_empty()).then_some(title)
}

/// A short plain-text body as a message.
fn plain_text(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty() && text.len() <= 1024).then(|| text.to_owned())
}

/// `Retry-After` in seconds or as an HTTP-date (against the `Date` header, else now).
fn retry_after_header(v: &str, date: Option<&str>) -> Option<Duration> {
    let v = v.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let now = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds in a body: `42`, `"42"`, `1.5`, or Google's `"30s"`.
fn seconds(st: &Store<'_>, t: Text) -> Option<Duration> {
    let s = st.get(t)?.trim();
    let s = s.strip_suffix('s').unwrap_or(s);
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs.min(f64::from(u32::MAX))).ok()
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
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
fn pointer(p: &str) -> String {
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
fn name_fields(st: &Store<'_>, list: List, field: Text, message: Text) -> Vec<RemoteField> {
    if !list.is_empty() {
        return st.of(list).filter_map(|i| field_of(st, i)).collect();
    }
    match st.get(field) {
        Some(f) => vec![RemoteField {
            source: RemoteSource::Name(f.to_owned()),
            code: None,
            message: st.get(message).unwrap_or("").to_owned(),
        }],
        None => Vec::new(),
    }
}

fn map_fields(st: &Store<'_>, map: &FieldMap) -> Vec<RemoteField> {
    map.0
        .iter()
        .map(|&(k, m)| RemoteField {
            source: RemoteSource::Name(st.get(k).unwrap_or("").to_owned()),
            code: None,
            message: st.get(m).unwrap_or("").to_owned(),
        })
        .collect()
}

fn errors_fields(st: &Store<'_>, errors: &Many) -> Vec<RemoteField> {
    if errors.is_list {
        st.of(errors.items)
            .filter_map(|i| field_of(st, i))
            .collect()
    } else {
        map_fields(st, &errors.map)
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

fn classify(top: &Top, st: &Store<'_>, out: &mut RemoteError) {
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
                            out.fields.push(RemoteField {
                                source: RemoteSource::Name(f.to_owned()),
                                code: st.owned(v.reason),
                                message: st.get(v.text.text).unwrap_or("").to_owned(),
                            });
                        }
                    }
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
                out.fields = name_fields(st, e.fields, e.field, e.message);
            } else if e.kind.is_some() || e.doc_url.is_some() || e.param.is_some() {
                out.style = Style::Stripe;
                out.code = owned(st.first(&[e.code, e.kind]));
                out.message = st.owned(e.message);
                if out.docs.is_none() {
                    out.docs = st.owned(e.doc_url);
                }
                if let Some(p) = st.get(e.param) {
                    out.fields.push(RemoteField {
                        source: RemoteSource::Parameter(p.to_owned()),
                        code: out.code.clone(),
                        message: out.message.clone().unwrap_or_default(),
                    });
                }
            } else {
                out.style = Style::Microsoft;
                out.code = st.owned(e.code);
                out.message = st.owned(e.message);
                out.fields = st.of(e.details).filter_map(|i| field_of(st, i)).collect();
                if out.fields.is_empty()
                    && let Some(t) = st.get(e.target)
                {
                    out.fields.push(RemoteField {
                        source: RemoteSource::Name(t.to_owned()),
                        code: out.code.clone(),
                        message: out.message.clone().unwrap_or_default(),
                    });
                }
            }
        }
        ErrorKind::Str => {
            out.code = st.owned(top.error_str);
            out.message = owned(st.first(&[top.message, top.error_description]));
            if top.success || st.is_numeric(top.code) {
                out.style = Style::Simple;
                out.fields = name_fields(st, top.fields, top.field, top.message);
            } else {
                out.style = Style::Flat;
                out.fields = map_fields(st, &top.context_errors);
                if retry.is_none() {
                    retry = seconds(st, top.context_retry);
                }
                if out.fields.is_empty() {
                    out.fields = errors_fields(st, &top.errors);
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
                out.fields = errors_fields(st, &top.errors);
                out.fields.extend(st.of(top.invalid_params).filter_map(|p| {
                    Some(RemoteField {
                        source: RemoteSource::Name(st.owned(p.name.text)?),
                        code: None,
                        message: st.first(&[p.reason, p.text.text]).unwrap_or("").to_owned(),
                    })
                }));
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
                out.fields = list.clone().filter_map(|i| field_of(st, i)).collect();
                if retry.is_none() {
                    retry = list.clone().find_map(|i| seconds(st, i.retry));
                }
            } else if top.code.is_some() && (top.message.is_some() || !top.details.is_empty()) {
                out.style = Style::CodeMessage;
                out.code = st.owned(top.code);
                out.message = st.owned(top.message);
                out.fields = st.of(top.details).filter_map(|i| field_of(st, i)).collect();
                if out.fields.is_empty() {
                    out.fields = name_fields(st, top.fields, top.field, top.message);
                }
                if out.fields.is_empty() {
                    out.fields = errors_fields(st, &top.errors);
                }
            } else if detail.is_some() || top.detail.is_list {
                out.style = Style::Detail;
                out.message = owned(detail);
                if top.detail.is_list {
                    out.fields = st
                        .of(top.detail.items)
                        .filter_map(|i| field_of(st, i))
                        .collect();
                    out.message = st.of(top.detail.items).find_map(|i| st.owned(i.text.text));
                }
                out.code = st.owned(top.code);
            } else if top.message.is_some() {
                out.style = Style::Message;
                out.message = st.owned(top.message);
                out.code = st.owned(top.code);
                out.fields = errors_fields(st, &top.errors);
            } else {
                out.style = Style::Unrecognized;
                out.code = st.owned(top.code);
            }
        }
    }
    if out.retry_after.is_none() {
        out.retry_after = retry;
    }
}
