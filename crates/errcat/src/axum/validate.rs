//! Field errors from garde and validator reports, with JSON Pointers into the body the client
//! sent.
//!
//! Both crates name fields as Rust does; the client wrote the names serde expects. Each path is
//! walked through the request body: a Rust name matches the body's member of the same name, or
//! else the first member whose name is equal ignoring case, `_` and `-` (which covers
//! `#[serde(rename_all = "camelCase")]` and kebab-case). A member the body lacks keeps its
//! Rust name. The client chooses how many members an object holds, so a large object's names
//! are folded once per report, not once per error: converting a report costs time linear in
//! the body. Neither crate can see an arbitrary `#[serde(rename = "...")]` (say `cover` for
//! `cover_page`; garde 0.22 parses `#[garde(rename)]` but does not apply it), so such a member,
//! and what lies below it, keeps its Rust name.
//!
//! A report is converted up to the field-error bound of the errcat layer serving the request
//! ([`Errcat::max_field_errors`](super::Errcat::max_field_errors), 100 by default): the rest are
//! only counted, so a body with a million invalid items does not become a million
//! [`FieldError`]s.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

#[cfg(any(feature = "garde", feature = "validator"))]
use axum::extract::FromRequest;
use axum::extract::Request;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::{ApiError, FieldError, FieldSource, JsonPointer, Renderer, Role};

/// One step of a validator's path, as Rust names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A member name as the lookup compares it: ignoring case, `_` and `-`. Hashing and comparing
/// walk the name's characters; nothing is allocated.
#[derive(Debug, Clone, Copy)]
struct Folded<'a>(&'a str);

impl Folded<'_> {
    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.0
            .chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
    }
}

impl PartialEq for Folded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.chars().eq(other.chars())
    }
}

impl Eq for Folded<'_> {}

impl Hash for Folded<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for c in self.chars() {
            state.write_u32(u32::from(c));
        }
        // A terminator no character can be, so no name's hash is a prefix of another's.
        state.write_u32(u32::MAX);
    }
}

/// Objects with at most this many members are scanned; larger ones are indexed once.
const SCAN_AT_MOST: usize = 16;

/// Walks Rust-named paths through one request body, each costing its depth, however many
/// members the body's objects hold: an object whose member must be found by its folded name
/// is scanned if small, or else indexed by folded name the first time, and that index serves
/// every later path through the object. So converting many errors costs at most the body's
/// size once, not the body's size per error.
pub(crate) struct Pointers<'a> {
    body: &'a Json,
    /// Per object (by address, stable while `body` is borrowed): each folded name's first
    /// member in the body's order.
    folded: HashMap<*const JsonMap, HashMap<Folded<'a>, &'a str>>,
}

type JsonMap = serde_json::Map<String, Json>;

impl<'a> Pointers<'a> {
    pub(crate) fn new(body: &'a Json) -> Self {
        Pointers {
            body,
            folded: HashMap::new(),
        }
    }

    /// The member of `o` that `rust` names: the member of that name, or else the first whose
    /// name is equal ignoring case, `_` and `-`.
    fn member(&mut self, o: &'a JsonMap, rust: &str) -> Option<&'a str> {
        if let Some((k, _)) = o.get_key_value(rust) {
            return Some(k);
        }
        let want = Folded(rust);
        if o.len() <= SCAN_AT_MOST {
            return o.keys().find(|k| Folded(k) == want).map(String::as_str);
        }
        let index = self.folded.entry(std::ptr::from_ref(o)).or_insert_with(|| {
            let mut index = HashMap::with_capacity(o.len());
            for k in o.keys() {
                index.entry(Folded(k.as_str())).or_insert(k.as_str());
            }
            index
        });
        index.get(&want).copied()
    }

    /// The JSON Pointer of a Rust-named path within the body.
    pub(crate) fn pointer(&mut self, steps: &[Step]) -> JsonPointer {
        let mut p = JsonPointer::root();
        let mut at = Some(self.body);
        for step in steps {
            match step {
                Step::Index(i) => {
                    let token = i.to_string();
                    // An index into an array, or an integer key of a map (`HashMap<usize, _>`).
                    at = at.and_then(|v| match v {
                        Json::Object(o) => o.get(&token),
                        v => v.get(*i),
                    });
                    p.push(&token);
                }
                Step::Key(rust) => {
                    let obj = at.and_then(Json::as_object);
                    match obj.and_then(|o| self.member(o, rust).map(|name| (o, name))) {
                        Some((o, name)) => {
                            at = o.get(name);
                            p.push(name);
                        }
                        None => {
                            at = None;
                            p.push(rust);
                        }
                    }
                }
            }
        }
        p
    }
}

/// The field-error bound of the errcat layer serving this request, or the default outside one.
fn max_field_errors() -> usize {
    super::layer::SCOPE
        .try_with(|s| s.errcat.renderer().max_field_errors())
        .unwrap_or(Renderer::DEFAULT_MAX_FIELD_ERRORS)
}

/// Reads a JSON body with [`super::Json`]'s rejections, then validates it; a failing check
/// becomes the `validation_failed` role, with the field errors `fields` maps into the body the
/// client sent, at most the layer's bound of them, and the count of the rest.
#[cfg(any(feature = "garde", feature = "validator"))]
async fn read_valid<T, S, E>(
    req: Request,
    state: &S,
    validate: impl FnOnce(&T) -> Result<(), E>,
    fields: impl FnOnce(&E, &Json, usize) -> (Vec<FieldError>, usize),
) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    let raw: Bytes = super::extract::json_body(req, state).await?;
    let value = super::from_json_slice::<T>(&raw)?;
    match validate(&value) {
        Ok(()) => Ok(value),
        Err(e) => {
            let body = serde_json::from_slice(&raw).unwrap_or(Json::Null);
            let (kept, omitted) = fields(&e, &body, max_field_errors());
            Err(ApiError::role(Role::ValidationFailed)
                .fields_from(kept)
                .with_omitted_fields(omitted))
        }
    }
}

/// garde: field errors from a [`garde::Report`](::garde::Report), and a validating JSON extractor.
#[cfg(feature = "garde")]
pub mod garde {
    use super::*;

    /// garde's path as steps from the root, walked component by component: a key (a field's
    /// Rust name, or a map's key as the client wrote it) or an index. A component without a
    /// key (an `Option`'s, a newtype's) names nothing. Nothing is parsed out of the path's
    /// display, whose brackets and dots a map key may contain.
    fn steps(path: &::garde::Path) -> Vec<Step> {
        use ::garde::error::Kind;
        // `__iter` yields the components leaf first; garde's own `select!` macro walks a path
        // the same way (it is hidden from garde's docs, but generated code relies on it).
        path.__iter()
            .rev()
            .filter_map(|(kind, component)| match kind {
                Kind::Index => Some(
                    component
                        .as_str()
                        .parse()
                        .map_or_else(|_| Step::Key(component.to_string()), Step::Index),
                ),
                Kind::Key => Some(Step::Key(component.to_string())),
                Kind::None => None,
            })
            .collect()
    }

    /// The report's errors as field errors pointing into `body`.
    ///
    /// ```
    /// use garde::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// #[serde(rename_all = "camelCase")]
    /// struct Fax { #[garde(length(min = 2))] to_number: String }
    ///
    /// let body = serde_json::json!({"toNumber": "1"});
    /// let fax: Fax = serde_json::from_value(body.clone()).unwrap();
    /// let fields = errcat::axum::garde::field_errors(&fax.validate().unwrap_err(), &body);
    /// assert_eq!(fields[0].source, errcat::FieldSource::Pointer(errcat::JsonPointer::parse("/toNumber").unwrap()));
    /// ```
    pub fn field_errors(report: &::garde::Report, body: &Json) -> Vec<FieldError> {
        field_errors_capped(report, body, usize::MAX).0
    }

    /// The report's first `max` errors as field errors pointing into `body`, and how many
    /// more it holds (only counted, never converted): what [`Valid`] puts in its rejection.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use garde::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Tags { #[garde(dive)] tags: BTreeMap<String, Tag> }
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Tag { #[garde(length(min = 2))] name: String }
    ///
    /// let body = serde_json::json!({"tags": {"a/b": {"name": "x"}, "[0]]": {"name": "y"}, "~z": {"name": "z"}}});
    /// let tags: Tags = serde_json::from_value(body.clone()).unwrap();
    /// let report = tags.validate().unwrap_err();
    /// let (fields, more) = errcat::axum::garde::field_errors_capped(&report, &body, 2);
    /// let pointers: Vec<String> = fields.iter().map(|f| match &f.source {
    ///     errcat::FieldSource::Pointer(p) => p.as_str().to_string(),
    ///     _ => unreachable!(),
    /// }).collect();
    /// assert_eq!(pointers, ["/tags/[0]]/name", "/tags/a~1b/name"]);
    /// assert_eq!(more, 1);
    /// ```
    pub fn field_errors_capped(
        report: &::garde::Report,
        body: &Json,
        max: usize,
    ) -> (Vec<FieldError>, usize) {
        let mut pointers = Pointers::new(body);
        let mut errors = report.iter();
        let kept = errors
            .by_ref()
            .take(max)
            .map(|(path, err)| {
                FieldError::at(
                    FieldSource::Pointer(pointers.pointer(&steps(path))),
                    err.message().to_string(),
                )
            })
            .collect();
        (kept, errors.count())
    }

    /// A JSON body validated with garde. Rejections are [`Json`](super::super::Json)'s, plus the
    /// `validation_failed` role with one field error per failing rule.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Valid<T>(pub T);

    impl<T, S> FromRequest<S> for Valid<T>
    where
        T: DeserializeOwned + ::garde::Validate,
        T::Context: Default,
        S: Send + Sync,
    {
        type Rejection = ApiError;

        async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
            read_valid(req, state, |v: &T| v.validate(), field_errors_capped)
                .await
                .map(Valid)
        }
    }
}

/// validator: field errors from [`validator::ValidationErrors`](::validator::ValidationErrors), and a validating JSON extractor.
#[cfg(feature = "validator")]
pub mod validator {
    use super::*;
    use ::validator::{ValidationErrors, ValidationErrorsKind};

    /// Field errors as they are converted: at most `max`, the rest counted.
    struct Sink<'a> {
        pointers: Pointers<'a>,
        out: Vec<FieldError>,
        max: usize,
        omitted: usize,
    }

    fn walk(errors: &ValidationErrors, prefix: &mut Vec<Step>, sink: &mut Sink<'_>) {
        // HashMap order is arbitrary: sort by field name so responses are stable.
        let mut entries: Vec<_> = errors.errors().iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (field, kind) in entries {
            prefix.push(Step::Key(field.to_string()));
            match kind {
                ValidationErrorsKind::Field(list) => {
                    let room = sink.max.saturating_sub(sink.out.len());
                    if room < list.len() {
                        sink.omitted = sink.omitted.saturating_add(list.len() - room);
                    }
                    if room > 0 {
                        let pointer = sink.pointers.pointer(prefix);
                        for e in list.iter().take(room) {
                            let message = e
                                .message
                                .as_ref()
                                .map_or_else(|| describe(e), |m| m.to_string());
                            sink.out.push(
                                FieldError::at(FieldSource::Pointer(pointer.clone()), message)
                                    .with_code(e.code.to_string()),
                            );
                        }
                    }
                }
                ValidationErrorsKind::Struct(inner) => walk(inner, prefix, sink),
                ValidationErrorsKind::List(items) => {
                    for (i, inner) in items {
                        prefix.push(Step::Index(*i));
                        walk(inner, prefix, sink);
                        prefix.pop();
                    }
                }
            }
            prefix.pop();
        }
    }

    /// A message for an error validator gave none: its code and parameters.
    fn describe(e: &::validator::ValidationError) -> String {
        let mut params: Vec<String> = e
            .params
            .iter()
            .filter(|(k, _)| *k != "value")
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        params.sort();
        if params.is_empty() {
            format!("failed the `{}` check", e.code)
        } else {
            format!("failed the `{}` check ({})", e.code, params.join(", "))
        }
    }

    /// The errors as field errors pointing into `body`, with validator's codes.
    ///
    /// ```
    /// use validator::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Fax { #[serde(rename = "to-number")] #[validate(length(min = 2))] to_number: String }
    ///
    /// let body = serde_json::json!({"to-number": "1"});
    /// let fax: Fax = serde_json::from_value(body.clone()).unwrap();
    /// let fields = errcat::axum::validator::field_errors(&fax.validate().unwrap_err(), &body);
    /// assert_eq!(fields[0].source.name(), "to-number");
    /// assert_eq!(fields[0].code.as_deref(), Some("length"));
    /// ```
    pub fn field_errors(errors: &ValidationErrors, body: &Json) -> Vec<FieldError> {
        field_errors_capped(errors, body, usize::MAX).0
    }

    /// The first `max` errors as field errors pointing into `body`, and how many more there
    /// are (only counted, never converted): what [`Valid`] puts in its rejection.
    ///
    /// ```
    /// use validator::Validate;
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Batch { #[validate(nested)] items: Vec<Item> }
    /// #[derive(Validate, serde::Deserialize)]
    /// struct Item { #[validate(length(min = 2))] name: String }
    ///
    /// let body = serde_json::json!({"items": [{"name": "a"}, {"name": "b"}, {"name": "c"}]});
    /// let batch: Batch = serde_json::from_value(body.clone()).unwrap();
    /// let (fields, more) = errcat::axum::validator::field_errors_capped(&batch.validate().unwrap_err(), &body, 2);
    /// assert_eq!(fields.len(), 2);
    /// assert_eq!(fields[1].source.name(), "items.1.name");
    /// assert_eq!(more, 1);
    /// ```
    pub fn field_errors_capped(
        errors: &ValidationErrors,
        body: &Json,
        max: usize,
    ) -> (Vec<FieldError>, usize) {
        let mut sink = Sink {
            pointers: Pointers::new(body),
            out: Vec::new(),
            max,
            omitted: 0,
        };
        walk(errors, &mut Vec::new(), &mut sink);
        (sink.out, sink.omitted)
    }

    /// A JSON body validated with validator. Rejections are [`Json`](super::super::Json)'s, plus
    /// the `validation_failed` role with one field error per failing check.
    #[derive(Debug, Clone, Copy, Default)]
    pub struct Valid<T>(pub T);

    impl<T, S> FromRequest<S> for Valid<T>
    where
        T: DeserializeOwned + ::validator::Validate,
        S: Send + Sync,
    {
        type Rejection = ApiError;

        async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
            read_valid(req, state, |v: &T| v.validate(), field_errors_capped)
                .await
                .map(Valid)
        }
    }
}
