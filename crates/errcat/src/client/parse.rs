//! One pass over an error body: every envelope shape's members read into one borrowed struct,
//! then classified.
//!
//! The body is read once, with serde_json, into [`Top`]: one slot per member any known shape
//! has, strings borrowed from the body where they have no escapes. Objects are filled in place
//! (through `DeserializeSeed`), so nothing large is moved while reading. Every reader is
//! lenient: a member of an unexpected JSON type reads as absent instead of failing the whole
//! body, a repeated member keeps its last value, and unknown members are skipped.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{RemoteError, RemoteField, RemoteSource, Style};

// ---------------------------------------------------------------------------------------------
// Lenient readers.

fn drain_map<'de, A: MapAccess<'de>>(mut m: A) -> Result<(), A::Error> {
    while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut s: A) -> Result<(), A::Error> {
    while s.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Visitor methods that accept a value and read it as `$v`.
macro_rules! accept {
    ($v:expr; scalars) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
    ($v:expr; numbers) => {
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
    ($v:expr; strings) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
    ($v:expr; map) => {
        fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
            drain_map(m)?;
            Ok($v)
        }
    };
    ($v:expr; seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Self::Value, A::Error> {
            drain_seq(s)?;
            Ok($v)
        }
    };
}

/// Any value read as text: a string as it is (borrowed when it has no escapes), a number written
/// out, anything else absent.
#[derive(Debug, Default)]
pub(crate) struct Text<'a>(Option<Cow<'a, str>>);

impl Text<'_> {
    fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    fn owned(&self) -> Option<String> {
        self.0.as_deref().map(str::to_owned)
    }

    fn is_some(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the value was a number, or a string of digits.
    fn is_numeric(&self) -> bool {
        self.get()
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
    }
}

struct TextVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
    type Value = Text<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(v))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(
            itoa::Buffer::new().format(v).to_owned(),
        ))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(
            itoa::Buffer::new().format(v).to_owned(),
        ))))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text<'a>, E> {
        Ok(Text(Some(Cow::Owned(
            ryu::Buffer::new().format(v).to_owned(),
        ))))
    }

    accept!(Text(None); scalars);
    accept!(Text(None); map);
    accept!(Text(None); seq);
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor(PhantomData))
    }
}

/// Stores a text into a slot unless a member of higher rank (lower number) filled it already.
#[derive(Debug, Default)]
struct Ranked<'a> {
    text: Text<'a>,
    rank: u8,
}

impl<'a> Ranked<'a> {
    fn offer(&mut self, rank: u8, text: Text<'a>) {
        if text.is_some() && (!self.text.is_some() || rank <= self.rank) {
            self.text = text;
            self.rank = rank;
        }
    }
}

/// An object whose members are read one at a time, in place.
trait Fill<'a> {
    /// Reads the value of member `key`; skips it when the shape has no such member.
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error>;

    /// Reads a value that is not an object; returns whether it was kept.
    fn other(&mut self, _: Text<'a>) -> bool {
        false
    }
}

/// Reads an object into `T` in place; `Ok(false)` when the value was no object (and not kept by
/// [`Fill::other`]).
struct InPlace<'s, 'a, T>(&'s mut T, PhantomData<&'a ()>);

impl<'s, 'a, T> InPlace<'s, 'a, T> {
    fn new(t: &'s mut T) -> Self {
        InPlace(t, PhantomData)
    }
}

impl<'de: 'a, 'a, T: Fill<'a>> DeserializeSeed<'de> for InPlace<'_, 'a, T> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a, T: Fill<'a>> Visitor<'de> for InPlace<'_, 'a, T> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
        while let Some(Text(key)) = m.next_key::<Text<'a>>()? {
            match key {
                Some(k) => self.0.member(k, &mut m)?,
                None => {
                    m.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(true)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<bool, E> {
        Ok(self.0.other(Text(Some(Cow::Borrowed(v)))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.0.other(Text(Some(Cow::Owned(v.to_owned())))))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(self.0.other(Text(Some(Cow::Owned(
            itoa::Buffer::new().format(v).to_owned(),
        )))))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(self.0.other(Text(Some(Cow::Owned(
            itoa::Buffer::new().format(v).to_owned(),
        )))))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }

    accept!(false; scalars);
    accept!(false; seq);
}

/// Reads an array of objects, each filled in place; anything else leaves the list as it is.
struct ListSeed<'s, 'a, T>(&'s mut Vec<T>, PhantomData<&'a ()>);

impl<'de: 'a, 'a, T: Fill<'a> + Default> DeserializeSeed<'de> for ListSeed<'_, 'a, T> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a, T: Fill<'a> + Default> Visitor<'de> for ListSeed<'_, 'a, T> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<bool, A::Error> {
        let list = self.0;
        loop {
            list.push(T::default());
            let keep = match list.last_mut() {
                Some(slot) => s.next_element_seed(InPlace::new(slot))?,
                None => None,
            };
            match keep {
                Some(true) => {}
                Some(false) => {
                    list.pop();
                }
                None => {
                    list.pop();
                    return Ok(true);
                }
            }
        }
    }

    accept!(false; scalars);
    accept!(false; numbers);
    accept!(false; strings);
    accept!(false; map);
}

/// Text, or an array of texts (FastAPI's `loc`, a field map's messages).
#[derive(Debug, Default)]
pub(crate) struct Texts<'a>(Vec<Cow<'a, str>>);

struct TextsVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for TextsVisitor<'a> {
    type Value = Texts<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an array of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Texts<'a>, A::Error> {
        let mut out = Vec::new();
        while let Some(Text(t)) = s.next_element::<Text<'a>>()? {
            if let Some(t) = t {
                out.push(t);
            }
        }
        Ok(Texts(out))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Texts<'a>, E> {
        Ok(Texts(vec![Cow::Borrowed(v)]))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Texts<'a>, E> {
        Ok(Texts(vec![Cow::Owned(v.to_owned())]))
    }

    accept!(Texts(Vec::new()); scalars);
    accept!(Texts(Vec::new()); numbers);
    accept!(Texts(Vec::new()); map);
}

impl<'de: 'a, 'a> Deserialize<'de> for Texts<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextsVisitor(PhantomData))
    }
}

/// `{"name": ["message", ...], ...}` (errcat flat's `context.errors`, Laravel, ASP.NET), as
/// (name, message) pairs in order.
#[derive(Debug, Default)]
pub(crate) struct FieldMap<'a>(Vec<(Cow<'a, str>, Cow<'a, str>)>);

impl<'a> Fill<'a> for FieldMap<'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        let Texts(msgs) = m.next_value::<Texts<'a>>()?;
        for msg in msgs {
            self.0.push((key.clone(), msg));
        }
        Ok(())
    }
}

/// Skips a member's value.
fn skip<'de, A: MapAccess<'de>>(m: &mut A) -> Result<(), A::Error> {
    m.next_value::<IgnoredAny>().map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// The shapes' members.

/// An object inside an envelope: a JSON:API error, an RFC 9457 `errors` entry, a Google
/// `details` entry, field violation or help link, a Microsoft `details` entry, a FastAPI
/// validation error, a `{field, message}` pair, seed 001's `details` entry.
#[derive(Debug, Default)]
pub(crate) struct Item<'a> {
    code: Text<'a>,
    /// FastAPI's `type`.
    kind: Text<'a>,
    /// Google's `@type`.
    at_type: Text<'a>,
    /// `detail` > `message` > `description` > `msg` > `title`.
    text: Ranked<'a>,
    /// Google's `reason`; RFC 7807 `invalid-params`' message.
    reason: Text<'a>,
    /// `field` > `target` > `name`.
    name: Ranked<'a>,
    pointer: Text<'a>,
    parameter: Text<'a>,
    header: Text<'a>,
    /// A JSON:API `source` object was present.
    source_obj: bool,
    /// Seed 001's `source`: `body`, `parameter`, `header`.
    source_kind: Text<'a>,
    loc: Texts<'a>,
    /// `meta.retry_after_seconds`, Google's `retryDelay`.
    retry: Text<'a>,
    field_violations: Vec<Item<'a>>,
    links: Vec<Item<'a>>,
    url: Text<'a>,
    request_id: Text<'a>,
    domain: Text<'a>,
}

/// A JSON:API `source`, read into its item's slots.
struct SourceOf<'s, 'a>(&'s mut Item<'a>);

impl<'a> Fill<'a> for SourceOf<'_, 'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match &*key {
            "pointer" => self.0.pointer = m.next_value()?,
            "parameter" => self.0.parameter = m.next_value()?,
            "header" => self.0.header = m.next_value()?,
            _ => skip(m)?,
        }
        Ok(())
    }

    fn other(&mut self, t: Text<'a>) -> bool {
        self.0.source_kind = t;
        true
    }
}

/// A `meta` object: the retry delay and the request id it may hold.
struct MetaOf<'s, 'a> {
    retry: &'s mut Text<'a>,
    request_id: Option<&'s mut Text<'a>>,
}

impl<'a> Fill<'a> for MetaOf<'_, 'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match (&*key, &mut self.request_id) {
            ("retry_after_seconds" | "retryAfter" | "retry_after", _) => {
                *self.retry = m.next_value()?
            }
            ("request_id" | "requestId", Some(rid)) => **rid = m.next_value()?,
            _ => skip(m)?,
        }
        Ok(())
    }
}

impl<'a> Fill<'a> for Item<'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match &*key {
            "code" => self.code = m.next_value()?,
            "type" => self.kind = m.next_value()?,
            "@type" => self.at_type = m.next_value()?,
            "detail" => self.text.offer(0, m.next_value()?),
            "message" => self.text.offer(1, m.next_value()?),
            "description" => self.text.offer(2, m.next_value()?),
            "msg" => self.text.offer(3, m.next_value()?),
            "title" => self.text.offer(4, m.next_value()?),
            "reason" => self.reason = m.next_value()?,
            "field" => self.name.offer(0, m.next_value()?),
            "target" => self.name.offer(1, m.next_value()?),
            "name" => self.name.offer(2, m.next_value()?),
            "pointer" => self.pointer = m.next_value()?,
            "parameter" => self.parameter = m.next_value()?,
            "header" => self.header = m.next_value()?,
            "source" => {
                let was_obj = m.next_value_seed(InPlace::new(&mut SourceOf(self)))?;
                self.source_obj = was_obj && !self.source_kind.is_some();
            }
            "loc" => self.loc = m.next_value()?,
            "meta" => {
                m.next_value_seed(InPlace::new(&mut MetaOf {
                    retry: &mut self.retry,
                    request_id: None,
                }))?;
            }
            "retryDelay" => self.retry = m.next_value()?,
            "fieldViolations" => {
                m.next_value_seed(ListSeed(&mut self.field_violations, PhantomData))?;
            }
            "links" => {
                m.next_value_seed(ListSeed(&mut self.links, PhantomData))?;
            }
            "url" => self.url = m.next_value()?,
            "requestId" => self.request_id = m.next_value()?,
            "domain" => self.domain = m.next_value()?,
            _ => skip(m)?,
        }
        Ok(())
    }
}

/// An `error` object: seed 002's nested, Google's, Stripe's, Microsoft's.
#[derive(Debug, Default)]
pub(crate) struct ErrorObj<'a> {
    code: Text<'a>,
    message: Text<'a>,
    status: Text<'a>,
    kind: Text<'a>,
    param: Text<'a>,
    doc_url: Text<'a>,
    target: Text<'a>,
    field: Text<'a>,
    fields: Vec<Item<'a>>,
    details: Vec<Item<'a>>,
    retry_after: Text<'a>,
    /// `request_id` > `requestId`.
    request_id: Ranked<'a>,
}

impl<'a> Fill<'a> for ErrorObj<'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match &*key {
            "code" => self.code = m.next_value()?,
            "message" => self.message = m.next_value()?,
            "status" => self.status = m.next_value()?,
            "type" => self.kind = m.next_value()?,
            "param" => self.param = m.next_value()?,
            "doc_url" => self.doc_url = m.next_value()?,
            "target" => self.target = m.next_value()?,
            "field" => self.field = m.next_value()?,
            "fields" => {
                m.next_value_seed(ListSeed(&mut self.fields, PhantomData))?;
            }
            "details" => {
                m.next_value_seed(ListSeed(&mut self.details, PhantomData))?;
            }
            "retryAfter" => self.retry_after = m.next_value()?,
            "request_id" => self.request_id.offer(0, m.next_value()?),
            "requestId" => self.request_id.offer(1, m.next_value()?),
            _ => skip(m)?,
        }
        Ok(())
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
struct Many<'a> {
    items: Vec<Item<'a>>,
    map: FieldMap<'a>,
    text: Text<'a>,
    is_list: bool,
}

struct ManySeed<'s, 'a>(&'s mut Many<'a>);

impl<'de: 'a, 'a> DeserializeSeed<'de> for ManySeed<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for ManySeed<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array, an object or a string")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<(), A::Error> {
        self.0.is_list = true;
        ListSeed(&mut self.0.items, PhantomData).visit_seq(s)?;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<(), A::Error> {
        InPlace::new(&mut self.0.map).visit_map(m)?;
        Ok(())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.0.text = Text(Some(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.text = Text(Some(Cow::Owned(v.to_owned())));
        Ok(())
    }

    accept!((); scalars);
    accept!((); numbers);
}

/// The top level: every shape's members.
#[derive(Debug, Default)]
pub(crate) struct Top<'a> {
    error_kind: ErrorKind,
    error_str: Text<'a>,
    error: ErrorObj<'a>,
    errors: Many<'a>,
    detail: Many<'a>,
    message: Text<'a>,
    error_description: Text<'a>,
    title: Text<'a>,
    kind: Text<'a>,
    code: Text<'a>,
    status: Text<'a>,
    /// `request_id` > `requestId`.
    request_id: Ranked<'a>,
    trace_id: Text<'a>,
    action: Text<'a>,
    /// `docs` > `documentation_url`.
    docs: Ranked<'a>,
    field: Text<'a>,
    /// `retryAfter`, `retry_after`.
    retry: Text<'a>,
    success: bool,
    fields: Vec<Item<'a>>,
    details: Vec<Item<'a>>,
    invalid_params: Vec<Item<'a>>,
    meta: bool,
    meta_request_id: Text<'a>,
    meta_retry: Text<'a>,
    context_errors: FieldMap<'a>,
    context_retry: Text<'a>,
}

/// The top-level `error`: a code, or an object.
struct ErrorOf<'s, 'a>(&'s mut Top<'a>);

impl<'a> Fill<'a> for ErrorOf<'_, 'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        self.0.error_kind = ErrorKind::Obj;
        self.0.error.member(key, m)
    }

    fn other(&mut self, t: Text<'a>) -> bool {
        self.0.error_kind = ErrorKind::Str;
        self.0.error_str = t;
        true
    }
}

/// errcat flat's `context`: its `errors` and `retry_after`.
struct ContextOf<'s, 'a>(&'s mut Top<'a>);

impl<'a> Fill<'a> for ContextOf<'_, 'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match &*key {
            "errors" => {
                m.next_value_seed(InPlace::new(&mut self.0.context_errors))?;
            }
            "retry_after" => self.0.context_retry = m.next_value()?,
            _ => skip(m)?,
        }
        Ok(())
    }
}

impl<'a> Fill<'a> for Top<'a> {
    fn member<'de: 'a, A: MapAccess<'de>>(
        &mut self,
        key: Cow<'a, str>,
        m: &mut A,
    ) -> Result<(), A::Error> {
        match &*key {
            "error" => {
                let kept = m.next_value_seed(InPlace::new(&mut ErrorOf(self)))?;
                if kept && self.error_kind == ErrorKind::Absent {
                    // `"error": {}`
                    self.error_kind = ErrorKind::Obj;
                }
            }
            "errors" => m.next_value_seed(ManySeed(&mut self.errors))?,
            "detail" => m.next_value_seed(ManySeed(&mut self.detail))?,
            "message" => self.message = m.next_value()?,
            "error_description" => self.error_description = m.next_value()?,
            "title" => self.title = m.next_value()?,
            "type" => self.kind = m.next_value()?,
            "code" => self.code = m.next_value()?,
            "status" => self.status = m.next_value()?,
            "request_id" => self.request_id.offer(0, m.next_value()?),
            "requestId" => self.request_id.offer(1, m.next_value()?),
            "traceId" => self.trace_id = m.next_value()?,
            "action" => self.action = m.next_value()?,
            "docs" => self.docs.offer(0, m.next_value()?),
            "documentation_url" => self.docs.offer(1, m.next_value()?),
            "field" => self.field = m.next_value()?,
            "retryAfter" | "retry_after" => self.retry = m.next_value()?,
            "success" => {
                skip(m)?;
                self.success = true;
            }
            "fields" => {
                m.next_value_seed(ListSeed(&mut self.fields, PhantomData))?;
            }
            "details" => {
                m.next_value_seed(ListSeed(&mut self.details, PhantomData))?;
            }
            "invalid-params" => {
                m.next_value_seed(ListSeed(&mut self.invalid_params, PhantomData))?;
            }
            "meta" => {
                self.meta = m.next_value_seed(InPlace::new(&mut MetaOf {
                    retry: &mut self.meta_retry,
                    request_id: Some(&mut self.meta_request_id),
                }))?;
            }
            "context" => {
                m.next_value_seed(InPlace::new(&mut ContextOf(self)))?;
            }
            _ => skip(m)?,
        }
        Ok(())
    }
}

/// Reads a body into `top`; `Ok(false)` when it is JSON but not an object.
fn read<'a>(body: &'a [u8], top: &mut Top<'a>) -> Result<bool, serde_json::Error> {
    // One UTF-8 check of the whole body (fast on long runs of ASCII); serde_json's `str` reader
    // then skips the per-string checks its slice reader would make.
    let text = std::str::from_utf8(body).map_err(|e| {
        <serde_json::Error as serde::de::Error>::custom(format_args!("the body is not UTF-8: {e}"))
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let was_obj = InPlace::new(top).deserialize(&mut de)?;
    de.end()?;
    Ok(was_obj)
}

// ---------------------------------------------------------------------------------------------
// Classification.

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
static X_CORRELATION_ID: HeaderName = HeaderName::from_static("x-correlation-id");
static CF_RAY: HeaderName = HeaderName::from_static("cf-ray");

/// Parses an error response. See [`super::parse`].
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
            content_type = value.to_str().ok();
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
    let content_type = content_type.unwrap_or("");
    match body.get(start) {
        None => out.style = Style::Empty,
        Some(b'{' | b'[') => {
            let mut top = Top::default();
            match read(body, &mut top) {
                Ok(true) => classify(&top, &mut out),
                Ok(false) => out.style = Style::Unrecognized,
                Err(_) => out.style = Style::NotJson,
            }
        }
        Some(b'<') => {
            out.style = Style::Html;
            out.message = html_title(&body[start..]);
        }
        Some(_) if starts_with_ignore_case(content_type, "text/html") => {
            out.style = Style::Html;
            out.message = html_title(&body[start..]);
        }
        Some(_) => {
            out.style = Style::NotJson;
            if starts_with_ignore_case(content_type, "text/plain") {
                out.message = plain_text(&body[start..]);
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
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The `<title>` of an HTML page (within its first 4 KiB), whitespace collapsed.
fn html_title(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(4096)];
    let open = head
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"<title>"))?
        + 7;
    let len = head[open..]
        .windows(8)
        .position(|w| w.eq_ignore_ascii_case(b"</title>"))?;
    let text = String::from_utf8_lossy(&head[open..open + len]);
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
fn seconds(t: &Text<'_>) -> Option<Duration> {
    let s = t.get()?.trim();
    let s = s.strip_suffix('s').unwrap_or(s);
    let secs: f64 = s.parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Duration::try_from_secs_f64(secs.min(f64::from(u32::MAX))).ok()
}

fn first<'t>(texts: &[&'t Text<'_>]) -> Option<&'t str> {
    texts.iter().find_map(|t| t.get())
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// A field error from an item, if it says where it points.
fn field_of(item: &Item<'_>) -> Option<RemoteField> {
    let source = if let Some(p) = item.pointer.get() {
        RemoteSource::Pointer(pointer(p))
    } else if let Some(p) = item.parameter.get() {
        RemoteSource::Parameter(p.to_owned())
    } else if let Some(h) = item.header.get() {
        RemoteSource::Header(h.to_owned())
    } else if let Some(src) = loc_source(&item.loc.0) {
        src
    } else {
        let name = item.name.text.owned()?;
        match item.source_kind.get() {
            Some("parameter" | "query" | "path") => RemoteSource::Parameter(name),
            Some("header") => RemoteSource::Header(name),
            _ => RemoteSource::Name(name),
        }
    };
    Some(RemoteField {
        source,
        code: owned(first(&[&item.code, &item.kind])),
        message: item.text.text.get().unwrap_or("").to_owned(),
    })
}

/// `#/a/b` (RFC 9457's examples) → `/a/b`.
fn pointer(p: &str) -> String {
    p.strip_prefix('#').unwrap_or(p).to_owned()
}

/// FastAPI's `loc`: `["body", "a", "b"]` → `/a/b`; `["query", "q"]` → parameter `q`.
fn loc_source(loc: &[Cow<'_, str>]) -> Option<RemoteSource> {
    let (head, rest) = loc.split_first()?;
    let last = rest.last().map(|s| s.to_string());
    Some(match head.as_ref() {
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
fn name_fields(list: &[Item<'_>], field: &Text<'_>, message: &Text<'_>) -> Vec<RemoteField> {
    if !list.is_empty() {
        return list.iter().filter_map(field_of).collect();
    }
    match field.get() {
        Some(f) => vec![RemoteField {
            source: RemoteSource::Name(f.to_owned()),
            code: None,
            message: message.get().unwrap_or("").to_owned(),
        }],
        None => Vec::new(),
    }
}

fn map_fields(map: &FieldMap<'_>) -> Vec<RemoteField> {
    map.0
        .iter()
        .map(|(k, m)| RemoteField {
            source: RemoteSource::Name(k.to_string()),
            code: None,
            message: m.to_string(),
        })
        .collect()
}

fn errors_fields(errors: &Many<'_>) -> Vec<RemoteField> {
    if errors.is_list {
        errors.items.iter().filter_map(field_of).collect()
    } else {
        map_fields(&errors.map)
    }
}

fn is_google(e: &ErrorObj<'_>) -> bool {
    (e.code.is_numeric()
        && ((e.status.is_some() && !e.status.is_numeric())
            || e.details
                .iter()
                .any(|d| d.at_type.is_some() || d.domain.is_some())))
        || e.details.iter().any(|d| {
            d.at_type
                .get()
                .is_some_and(|t| t.starts_with("type.googleapis.com/"))
        })
}

fn classify(top: &Top<'_>, out: &mut RemoteError) {
    out.request_id = owned(first(&[&top.request_id.text, &top.meta_request_id]));
    out.action = top.action.owned();
    out.docs = top.docs.text.owned();
    let mut retry = seconds(&top.retry).or_else(|| seconds(&top.meta_retry));
    match top.error_kind {
        ErrorKind::Obj => {
            let e = &top.error;
            if out.request_id.is_none() {
                out.request_id = e.request_id.text.owned();
            }
            if retry.is_none() {
                retry = seconds(&e.retry_after);
            }
            if is_google(e) {
                out.style = Style::Google;
                out.message = e.message.owned();
                let mut reason = None;
                for d in &e.details {
                    if reason.is_none() && d.domain.is_some() {
                        reason = d.reason.get();
                    }
                    for v in &d.field_violations {
                        if let Some(f) = v.name.text.get() {
                            out.fields.push(RemoteField {
                                source: RemoteSource::Name(f.to_owned()),
                                code: v.reason.owned(),
                                message: v.text.text.get().unwrap_or("").to_owned(),
                            });
                        }
                    }
                    if retry.is_none() {
                        retry = seconds(&d.retry);
                    }
                    if out.docs.is_none() {
                        out.docs = d.links.iter().find_map(|l| l.url.owned());
                    }
                    if out.request_id.is_none() {
                        out.request_id = d.request_id.owned();
                    }
                }
                out.code = owned(reason.or(e.status.get()));
            } else if top.success
                || top.meta
                || e.field.is_some()
                || !e.fields.is_empty()
                || e.retry_after.is_some()
            {
                out.style = Style::Nested;
                out.code = e.code.owned();
                out.message = e.message.owned();
                out.fields = name_fields(&e.fields, &e.field, &e.message);
            } else if e.kind.is_some() || e.doc_url.is_some() || e.param.is_some() {
                out.style = Style::Stripe;
                out.code = owned(first(&[&e.code, &e.kind]));
                out.message = e.message.owned();
                if out.docs.is_none() {
                    out.docs = e.doc_url.owned();
                }
                if let Some(p) = e.param.get() {
                    out.fields.push(RemoteField {
                        source: RemoteSource::Parameter(p.to_owned()),
                        code: out.code.clone(),
                        message: out.message.clone().unwrap_or_default(),
                    });
                }
            } else {
                out.style = Style::Microsoft;
                out.code = e.code.owned();
                out.message = e.message.owned();
                out.fields = e.details.iter().filter_map(field_of).collect();
                if out.fields.is_empty()
                    && let Some(t) = e.target.get()
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
            out.code = top.error_str.owned();
            out.message = owned(first(&[&top.message, &top.error_description]));
            if top.success || top.code.is_numeric() {
                out.style = Style::Simple;
                out.fields = name_fields(&top.fields, &top.field, &top.message);
            } else {
                out.style = Style::Flat;
                out.fields = map_fields(&top.context_errors);
                if retry.is_none() {
                    retry = seconds(&top.context_retry);
                }
                if out.fields.is_empty() {
                    out.fields = errors_fields(&top.errors);
                }
            }
        }
        ErrorKind::Absent => {
            let detail = top.detail.text.get();
            if top.kind.is_some()
                || top.title.is_some()
                || (top.status.is_some() && detail.is_some())
            {
                out.style = Style::Problem;
                out.code = top.code.owned();
                out.message = owned(detail.or(top.title.get()));
                if out.docs.is_none() {
                    out.docs = top
                        .kind
                        .get()
                        .filter(|t| *t != "about:blank")
                        .map(str::to_owned);
                }
                if out.request_id.is_none() {
                    out.request_id = top.trace_id.owned();
                }
                out.fields = errors_fields(&top.errors);
                out.fields.extend(top.invalid_params.iter().filter_map(|p| {
                    Some(RemoteField {
                        source: RemoteSource::Name(p.name.text.owned()?),
                        code: None,
                        message: first(&[&p.reason, &p.text.text]).unwrap_or("").to_owned(),
                    })
                }));
            } else if top.errors.is_list && !top.errors.items.is_empty() {
                out.style = Style::JsonApi;
                let items = &top.errors.items;
                let is_field =
                    |i: &Item<'_>| i.source_obj || i.pointer.is_some() || i.parameter.is_some();
                let main = items
                    .iter()
                    .find(|i| !is_field(i))
                    .or_else(|| items.first());
                if let Some(m) = main {
                    out.code = m.code.owned();
                    out.message = m.text.text.owned();
                }
                out.fields = items.iter().filter_map(field_of).collect();
                if retry.is_none() {
                    retry = items.iter().find_map(|i| seconds(&i.retry));
                }
            } else if top.code.is_some() && (top.message.is_some() || !top.details.is_empty()) {
                out.style = Style::CodeMessage;
                out.code = top.code.owned();
                out.message = top.message.owned();
                out.fields = top.details.iter().filter_map(field_of).collect();
                if out.fields.is_empty() {
                    out.fields = name_fields(&top.fields, &top.field, &top.message);
                }
                if out.fields.is_empty() {
                    out.fields = errors_fields(&top.errors);
                }
            } else if detail.is_some() || top.detail.is_list {
                out.style = Style::Detail;
                out.message = owned(detail);
                if top.detail.is_list {
                    out.fields = top.detail.items.iter().filter_map(field_of).collect();
                    out.message = top.detail.items.iter().find_map(|i| i.text.text.owned());
                }
                out.code = top.code.owned();
            } else if top.message.is_some() {
                out.style = Style::Message;
                out.message = top.message.owned();
                out.code = top.code.owned();
                out.fields = errors_fields(&top.errors);
            } else {
                out.style = Style::Unrecognized;
                out.code = top.code.owned();
            }
        }
    }
    if out.retry_after.is_none() {
        out.retry_after = retry;
    }
}
