//! Texts, items and the store: what a read keeps besides the [`Top`](super::shapes::Top) of
//! slots. The readers ([`super::reader`]) and the shapes ([`super::shapes`]) both build on this
//! module, which uses neither.

use std::cell::Cell;

use crate::Parser;
use crate::scan::{self, Number, Span};

/// A value kept as text: a span of the body, or a string the reader made (an escaped string
/// decoded, a float written out). [`Store::get`] gives the string. All zeros is no text.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text {
    /// Where the span starts, or which string [`Store::made`] holds.
    pub(super) at: u32,
    /// 0 for no text, [`Text::MADE`] for a made string, else one more than the span's length.
    pub(super) len: u32,
}

impl Text {
    /// No text: the member was absent, or not a string or a number.
    pub(super) const NONE: Text = Text { at: 0, len: 0 };
    /// `len` of a made string.
    const MADE: u32 = u32::MAX;

    pub(super) fn is_some(self) -> bool {
        self.len != 0
    }
}

/// What a read keeps besides [`Top`]: the body its texts point into, the strings it made, and
/// the items of every list.
#[derive(Debug)]
pub(crate) struct Store<'a> {
    pub(super) body: &'a str,
    /// Escaped strings decoded, floats written out.
    made: Vec<String>,
    /// Every item of every list, linked by [`List`]s; its capacity is kept for the thread's
    /// next parse (see [`SPARE_ITEMS`]).
    pub(super) items: Vec<Item>,
    /// The texts of every [`Texts`].
    pub(super) texts: Vec<Text>,
    /// The most items stored ([`Parser::max_items`]).
    max_items: usize,
    /// The most messages a field map stores ([`Parser::max_fields`]).
    pub(super) max_fields: usize,
}

/// How far a read had stored, to give back what an item read past [`Parser::max_items`]
/// stored.
#[derive(Debug, Clone, Copy)]
pub(super) struct Mark {
    items: usize,
    texts: usize,
    made: usize,
}

impl<'a> Store<'a> {
    pub(super) fn new(body: &'a str, limits: &Parser) -> Self {
        Store {
            body,
            made: Vec::new(),
            items: SPARE_ITEMS.try_with(Cell::take).unwrap_or_default(),
            texts: Vec::new(),
            max_items: limits.max_items,
            max_fields: limits.max_fields,
        }
    }

    /// Whether the item at index `at` may be kept: it is within [`Parser::max_items`].
    #[inline(always)]
    pub(super) fn keeps_item(&self, at: usize) -> bool {
        at < self.max_items
    }

    /// How far the read has stored.
    pub(super) fn mark(&self) -> Mark {
        Mark {
            items: self.items.len(),
            texts: self.texts.len(),
            made: self.made.len(),
        }
    }

    /// Gives back everything stored since `mark`: an item read past [`Parser::max_items`],
    /// and whatever it holds. (Memory stays bounded: at most one such item per open list.)
    pub(super) fn rollback(&mut self, mark: Mark) {
        self.items.truncate(mark.items);
        self.texts.truncate(mark.texts);
        self.made.truncate(mark.made);
    }

    /// The string of a text.
    #[inline(always)]
    pub(super) fn get(&self, t: Text) -> Option<&str> {
        let at = t.at as usize;
        match t.len {
            0 => None,
            Text::MADE => self.made.get(at).map(String::as_str),
            len => self.body.get(at..at.saturating_add((len - 1) as usize)),
        }
    }

    #[inline(always)]
    pub(super) fn owned(&self, t: Text) -> Option<String> {
        self.get(t).map(str::to_owned)
    }

    /// Whether the value was a number, or a string of digits.
    pub(super) fn is_numeric(&self, t: Text) -> bool {
        self.get(t)
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The texts of a run.
    pub(super) fn texts_of(&self, run: Texts) -> &[Text] {
        self.texts.get(run.from..run.to).unwrap_or_default()
    }

    /// The first of `texts` there is.
    #[inline(always)]
    pub(super) fn first(&self, texts: &[Text]) -> Option<&str> {
        texts.iter().find_map(|&t| self.get(t))
    }

    /// The body from `from` to `to` as text: a span, or (past 4 GiB) a copy.
    #[inline(always)]
    pub(super) fn span(&mut self, from: usize, to: usize) -> Text {
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
    pub(super) fn string(&mut self, span: Span) -> Text {
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
    pub(super) fn number(&mut self, n: Number, from: usize, to: usize) -> Text {
        match n {
            Number::U64(_) | Number::I64(_) => self.span(from, to),
            Number::F64(f) => self.make(ryu::Buffer::new().format(f).to_owned()),
        }
    }

    /// Links the item at `at` to the end of `list`.
    pub(super) fn link(&mut self, list: &mut List, at: usize) {
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
    pub(super) fn of(&self, list: List) -> impl Iterator<Item = &Item> + Clone {
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
/// of its first and last item, 0 when empty; and how many objects it had past
/// [`Parser::max_items`], not stored.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct List {
    pub(super) first: usize,
    pub(super) last: usize,
    pub(super) dropped: usize,
}

impl List {
    /// Whether the list had no object: none stored, none [dropped](List::dropped).
    pub(super) fn is_empty(self) -> bool {
        self.first == 0 && self.dropped == 0
    }
}

/// Text, or an array of texts (FastAPI's `loc`, a field map's messages): a run of
/// [`Store::texts`].
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Texts {
    pub(super) from: usize,
    pub(super) to: usize,
}

/// A text slot that a member of higher rank (lower number) fills before one of lower rank.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Ranked {
    pub(super) text: Text,
    pub(super) rank: u8,
}

impl Ranked {
    /// Takes a text of rank `rank` if it is one and outranks what the slot holds.
    pub(super) fn offer(&mut self, rank: u8, t: Text) {
        if t.is_some() && (!self.text.is_some() || rank <= self.rank) {
            self.text = t;
            self.rank = rank;
        }
    }
}

/// An object inside an envelope: a JSON:API error, an RFC 9457 `errors` entry, a Google
/// `details` entry, field violation or help link, a Microsoft `details` entry, a FastAPI
/// validation error, a `{field, message}` pair, seed 001's `details` entry.
#[derive(Debug, Default)]
pub(crate) struct Item {
    pub(super) code: Text,
    /// FastAPI's `type`.
    pub(super) kind: Text,
    /// Google's `@type`.
    pub(super) at_type: Text,
    /// `detail` > `message` > `description` > `msg` > `title`.
    pub(super) text: Ranked,
    /// Google's `reason`; RFC 7807 `invalid-params`' message.
    pub(super) reason: Text,
    /// `field` > `target` > `name`.
    pub(super) name: Ranked,
    pub(super) pointer: Text,
    pub(super) parameter: Text,
    pub(super) header: Text,
    /// A JSON:API `source` object was present.
    pub(super) source_obj: bool,
    /// Seed 001's `source`: `body`, `parameter`, `header`.
    pub(super) source_kind: Text,
    pub(super) loc: Texts,
    /// `meta.retry_after_seconds`, Google's `retryDelay`.
    pub(super) retry: Text,
    pub(super) field_violations: List,
    pub(super) links: List,
    pub(super) url: Text,
    pub(super) request_id: Text,
    pub(super) domain: Text,
    /// One more than the index of the next item of the list this one is in; 0 for none.
    pub(super) next: usize,
}
