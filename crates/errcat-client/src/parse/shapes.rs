//! The shapes' members: one slot per member any known envelope shape has, read in one pass.

use crate::Parser;
use crate::scan::{Result, Scanner};

use super::reader::{FieldMap, Fill, Key, Reader, fill, read_text, text, texts};
use super::store::{Item, List, Ranked, Store, Text};

/// Reads an array of objects onto `list`: each is stored in [`Store::items`] and filled there,
/// never moved. Anything else leaves the list as it is.
///
/// An object past [`Parser::max_items`](crate::Parser::max_items) is filled all the same (so
/// it is held to the same rules), then given back with everything it stored, and counted in
/// [`List::dropped`].
pub(super) fn list(r: &mut Reader<'_>, list: &mut List) -> Result<()> {
    if r.s.peek()? != b'[' {
        return r.s.shallow();
    }
    let mut more = r.s.open_array()?;
    while more {
        let mark = r.st.mark();
        let at = r.st.items.len();
        r.st.items.push(Item::default());
        let was_obj = fill(r, &mut ItemAt(at))?;
        if was_obj && r.st.keeps_item(at) {
            r.st.link(list, at);
        } else {
            // No object, or one past the limit: nothing else points to what it stored.
            if was_obj {
                list.dropped = list.dropped.saturating_add(1);
            }
            r.st.rollback(mark);
        }
        more = r.s.more_elements()?;
    }
    Ok(())
}

/// The item at an index of [`Store::items`], filled in place.
pub(super) struct ItemAt(pub(super) usize);

impl ItemAt {
    /// Changes the item. (It is always there: [`list`] stored it before filling it.)
    #[inline(always)]
    pub(super) fn set(&self, r: &mut Reader<'_>, change: impl FnOnce(&mut Item)) {
        if let Some(item) = r.st.items.get_mut(self.0) {
            change(item);
        }
    }

    /// Reads a value into the text slot `slot` picks.
    #[inline(always)]
    pub(super) fn text(&self, r: &mut Reader<'_>, slot: fn(&mut Item) -> &mut Text) -> Result<()> {
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
    pub(super) fn list(&self, r: &mut Reader<'_>, slot: fn(&mut Item) -> &mut List) -> Result<()> {
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
    pub(super) at: usize,
    /// The source as a string.
    pub(super) kind: Option<Text>,
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
    pub(super) retry: &'s mut Text,
    pub(super) request_id: &'s mut Text,
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
    pub(super) code: Text,
    pub(super) message: Text,
    pub(super) status: Text,
    pub(super) kind: Text,
    pub(super) param: Text,
    pub(super) doc_url: Text,
    pub(super) target: Text,
    pub(super) field: Text,
    pub(super) fields: List,
    pub(super) details: List,
    pub(super) retry_after: Text,
    /// `request_id` > `requestId`.
    pub(super) request_id: Ranked,
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
pub(super) enum ErrorKind {
    #[default]
    Absent,
    Str,
    Obj,
}

/// `errors` and `detail`: an array of items, or (`errors`) a field map, or (`detail`) text.
#[derive(Debug, Default)]
pub(super) struct Many {
    pub(super) items: List,
    pub(super) map: FieldMap,
    pub(super) text: Text,
    pub(super) is_list: bool,
}

pub(super) fn many(r: &mut Reader<'_>, m: &mut Many) -> Result<()> {
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
    pub(super) error_kind: ErrorKind,
    pub(super) error_str: Text,
    pub(super) error: ErrorObj,
    pub(super) errors: Many,
    pub(super) detail: Many,
    pub(super) message: Text,
    pub(super) error_description: Text,
    pub(super) title: Text,
    pub(super) kind: Text,
    pub(super) code: Text,
    pub(super) status: Text,
    /// `request_id` > `requestId`.
    pub(super) request_id: Ranked,
    pub(super) trace_id: Text,
    pub(super) action: Text,
    /// `docs` > `documentation_url`.
    pub(super) docs: Ranked,
    pub(super) field: Text,
    /// `retryAfter`, `retry_after`.
    pub(super) retry: Text,
    pub(super) success: bool,
    pub(super) fields: List,
    pub(super) details: List,
    pub(super) invalid_params: List,
    pub(super) meta: bool,
    pub(super) meta_request_id: Text,
    pub(super) meta_retry: Text,
    pub(super) context_errors: FieldMap,
    pub(super) context_retry: Text,
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
pub(super) fn read<'a>(body: &'a str, limits: &Parser, top: &mut Top) -> Result<Option<Store<'a>>> {
    let mut r = Reader {
        s: Scanner::new(body),
        st: Store::new(body, limits),
    };
    let was_obj = fill(&mut r, top)?;
    r.s.end()?;
    Ok(was_obj.then_some(r.st))
}
