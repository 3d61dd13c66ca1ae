//! The error value: a catalog code, typed context, field errors, retry-after and a hidden source.

use std::borrow::Cow;
use std::fmt;

use errcat_catalog::{Catalog, Role};

/// A reference to a catalog code: checked against a catalog, generated from one at compile
/// time, or a framework role resolved when rendering.
#[derive(Debug, Clone)]
pub struct Code(CodeRepr, Hint);

/// Where the code was found in the catalog it was checked against: tried first when resolving,
/// and confirmed by comparing the name, so resolving a checked code hashes nothing. Not part of
/// the code's identity.
#[derive(Debug, Clone, Copy)]
struct Hint(u32);

impl Hint {
    const NONE: Hint = Hint(u32::MAX);
}

impl PartialEq for Code {
    fn eq(&self, other: &Code) -> bool {
        self.0 == other.0
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CodeRepr {
    Name(Name),
    Role(Role),
}

/// A code's name: written in the program, or shared with the catalog it was checked against.
/// Equal and hashed as its text, whichever it is.
#[derive(Debug, Clone)]
enum Name {
    Static(&'static str),
    Shared(std::sync::Arc<str>),
}

impl std::ops::Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Name::Static(s) => s,
            Name::Shared(s) => s,
        }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        **self == **other
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl Code {
    /// A code by role: the catalog's `[roles]` table decides which code it is.
    ///
    /// ```
    /// use errcat::{Code, Role};
    /// let c = Code::role(Role::NotFound);
    /// assert_eq!(c.role_of(), Some(Role::NotFound));
    /// ```
    pub const fn role(role: Role) -> Code {
        Code(CodeRepr::Role(role), Hint::NONE)
    }

    /// A code checked against a catalog loaded at run time.
    ///
    /// ```
    /// # let catalog = errcat::Catalog::from_toml_str("c.toml", "[catalog]\nname='x'\naction_required=false\n[codes.gone]\nstatus=410\ncategory='x'\nmessage.en='Gone.'").unwrap();
    /// assert!(errcat::Code::checked(&catalog, "gone").is_ok());
    /// let err = errcat::Code::checked(&catalog, "gnoe").unwrap_err();
    /// assert_eq!(err.to_string(), "`gnoe` is not a code of the catalog `x`");
    /// ```
    pub fn checked(catalog: &Catalog, code: &str) -> Result<Code, UnknownCode> {
        match catalog
            .index_of(code)
            .and_then(|i| Some((i, catalog.shared_code(i)?)))
        {
            Some((i, name)) => Ok(Code(
                CodeRepr::Name(Name::Shared(name)),
                Hint(u32::try_from(i).unwrap_or(u32::MAX)),
            )),
            None => Err(UnknownCode {
                code: code.to_string(),
                catalog: catalog.meta.name.clone(),
            }),
        }
    }

    /// Used by code that `errcat::codes!` generates; the macro has checked the name.
    #[doc(hidden)]
    pub const fn __generated(code: &'static str) -> Code {
        Code(CodeRepr::Name(Name::Static(code)), Hint::NONE)
    }

    /// The code's name, unless it is a role.
    pub fn name(&self) -> Option<&str> {
        match &self.0 {
            CodeRepr::Name(n) => Some(n),
            CodeRepr::Role(_) => None,
        }
    }

    /// The role, if the code is one.
    pub fn role_of(&self) -> Option<Role> {
        match self.0 {
            CodeRepr::Role(r) => Some(r),
            CodeRepr::Name(_) => None,
        }
    }

    /// The catalog index of this code.
    pub(crate) fn resolve(&self, catalog: &Catalog) -> Option<usize> {
        match &self.0 {
            CodeRepr::Name(n) => {
                let hint = self.1.0 as usize;
                match catalog.entries().get(hint) {
                    Some(e) if e.code == **n => Some(hint),
                    _ => catalog.index_of(n),
                }
            }
            CodeRepr::Role(r) => Some(catalog.role_index(*r)),
        }
    }
}

impl From<Role> for Code {
    fn from(r: Role) -> Code {
        Code::role(r)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            CodeRepr::Name(n) => f.write_str(n),
            CodeRepr::Role(r) => write!(f, "<role {}>", r.name()),
        }
    }
}

/// A code that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// The code asked for.
    pub code: String,
    /// The catalog's name.
    pub catalog: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a code of the catalog `{}`",
            self.code, self.catalog
        )
    }
}

impl std::error::Error for UnknownCode {}

/// A typed context value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    Str(Cow<'static, str>),
    /// An integer.
    Int(i64),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl Value {
    pub(crate) fn fits(&self, ty: errcat_catalog::ContextType) -> bool {
        use errcat_catalog::ContextType as T;
        matches!(
            (self, ty),
            (Value::Str(_), T::String)
                | (Value::Int(_), T::Integer | T::Number)
                | (Value::Float(_), T::Number)
                | (Value::Bool(_), T::Boolean)
        )
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Bool(_) => "boolean",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident $(as $as:ty)?),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value { Value::$v(x $(as $as)?) }
        }
    )*};
}
value_from!(i64 => Int, i32 => Int as i64, u32 => Int as i64, u16 => Int as i64, f64 => Float, f32 => Float as f64, bool => Bool);

impl From<&'static str> for Value {
    fn from(s: &'static str) -> Value {
        Value::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Cow::Owned(s))
    }
}

impl From<u64> for Value {
    fn from(x: u64) -> Value {
        i64::try_from(x).map_or(Value::Float(x as f64), Value::Int)
    }
}

/// An RFC 6901 JSON Pointer, such as `/items/0/name`.
///
/// ```
/// use errcat::JsonPointer;
/// let p = JsonPointer::from_tokens(["data", "a/b", "0"]);
/// assert_eq!(p.as_str(), "/data/a~1b/0");
/// assert_eq!(p.dotted(), "data.a/b.0");
/// assert!(JsonPointer::parse("no-slash").is_err());
/// assert_eq!(JsonPointer::parse("/x~0y").unwrap().tokens().collect::<Vec<_>>(), ["x~y"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct JsonPointer(Cow<'static, str>);

/// Whether `s` is a JSON Pointer (RFC 6901): empty, or `/` tokens with `~` only in `~0`, `~1`.
fn is_pointer(s: &str) -> bool {
    (s.is_empty() || s.starts_with('/')) && {
        let b = s.as_bytes();
        b.iter()
            .enumerate()
            .all(|(i, &c)| c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
    }
}

/// A string that is not a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPointer(pub String);

impl fmt::Display for InvalidPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a JSON Pointer: it must be empty or start with `/`, and `~` must be followed by 0 or 1",
            self.0
        )
    }
}

impl std::error::Error for InvalidPointer {}

impl JsonPointer {
    /// The whole document: the empty pointer.
    pub const fn root() -> JsonPointer {
        JsonPointer(Cow::Borrowed(""))
    }

    /// Checks and wraps an encoded pointer.
    pub fn parse(s: &str) -> Result<JsonPointer, InvalidPointer> {
        if is_pointer(s) {
            Ok(JsonPointer(Cow::Owned(s.to_string())))
        } else {
            Err(InvalidPointer(s.to_string()))
        }
    }

    /// A pointer known at compile time to be valid, such as `"/to"`.
    ///
    /// A string that is not a JSON Pointer is escaped as one token instead.
    pub fn from_static(s: &'static str) -> JsonPointer {
        if is_pointer(s) {
            JsonPointer(Cow::Borrowed(s))
        } else {
            JsonPointer::from_tokens([s])
        }
    }

    /// Builds a pointer from unescaped reference tokens.
    pub fn from_tokens<I, S>(tokens: I) -> JsonPointer
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut p = JsonPointer::root();
        for t in tokens {
            p.push(t.as_ref());
        }
        p
    }

    /// Appends one unescaped token.
    pub fn push(&mut self, token: &str) {
        let s = self.0.to_mut();
        s.push('/');
        for c in token.chars() {
            match c {
                '~' => s.push_str("~0"),
                '/' => s.push_str("~1"),
                c => s.push(c),
            }
        }
    }

    /// The encoded pointer.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped tokens.
    pub fn tokens(&self) -> impl Iterator<Item = String> + '_ {
        self.0
            .split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
    }

    /// The tokens joined with `.`: the field name the flat envelopes use.
    pub fn dotted(&self) -> String {
        self.tokens().collect::<Vec<_>>().join(".")
    }
}

impl fmt::Display for JsonPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a field error points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldSource {
    /// A member of the request body.
    Pointer(JsonPointer),
    /// A query or path parameter.
    Parameter(Cow<'static, str>),
    /// A request header.
    Header(Cow<'static, str>),
}

impl FieldSource {
    /// The name the flat envelopes use: the dotted pointer, the parameter or the header.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            FieldSource::Pointer(p) => Cow::Owned(p.dotted()),
            FieldSource::Parameter(n) | FieldSource::Header(n) => Cow::Borrowed(n),
        }
    }
}

/// One field-level validation error.
///
/// ```
/// use errcat::FieldError;
/// let f = FieldError::pointer("/to", "The to field is required.").with_code("required");
/// assert_eq!(f.source.name(), "to");
/// assert_eq!(f.code.as_deref(), Some("required"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldError {
    /// Where.
    pub source: FieldSource,
    /// The field error's own code, such as `required` (optional).
    pub code: Option<Cow<'static, str>>,
    /// The human message.
    pub message: Cow<'static, str>,
}

impl FieldError {
    /// A body field, by JSON Pointer. A string that is not a pointer is taken as one field name.
    pub fn pointer(pointer: &'static str, message: impl Into<Cow<'static, str>>) -> FieldError {
        FieldError::at(
            FieldSource::Pointer(JsonPointer::from_static(pointer)),
            message,
        )
    }

    /// A query or path parameter.
    pub fn parameter(
        name: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> FieldError {
        FieldError::at(FieldSource::Parameter(name.into()), message)
    }

    /// A request header.
    pub fn header(
        name: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> FieldError {
        FieldError::at(FieldSource::Header(name.into()), message)
    }

    /// Any source.
    pub fn at(source: FieldSource, message: impl Into<Cow<'static, str>>) -> FieldError {
        FieldError {
            source,
            code: None,
            message: message.into(),
        }
    }

    /// Sets the field error's own code.
    pub fn with_code(mut self, code: impl Into<Cow<'static, str>>) -> FieldError {
        self.code = Some(code.into());
        self
    }
}

/// An API error: a catalog code plus what this occurrence adds.
///
/// The source error is kept for logs and never rendered.
///
/// ```
/// use errcat::{ApiError, FieldError, Role};
/// let err = ApiError::role(Role::ValidationFailed)
///     .field(FieldError::pointer("/to", "The to field is required."))
///     .with("attempt", 2);
/// assert_eq!(err.fields().len(), 1);
/// assert_eq!(err.context_value("attempt"), Some(&errcat::Value::Int(2)));
/// ```
#[derive(Debug)]
pub struct ApiError {
    code: Code,
    status: Option<u16>,
    context: Vec<(Cow<'static, str>, Value)>,
    fields: Vec<FieldError>,
    omitted_fields: usize,
    retry_after: Option<u32>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ApiError {
    /// An error for a code.
    pub fn new(code: impl Into<Code>) -> ApiError {
        ApiError {
            code: code.into(),
            status: None,
            context: Vec::new(),
            fields: Vec::new(),
            omitted_fields: 0,
            retry_after: None,
            source: None,
        }
    }

    /// An error for a framework role.
    pub fn role(role: Role) -> ApiError {
        ApiError::new(Code::role(role))
    }

    /// Looks a code up in a catalog loaded at run time.
    pub fn checked(catalog: &Catalog, code: &str) -> Result<ApiError, UnknownCode> {
        Code::checked(catalog, code).map(ApiError::new)
    }

    /// Adds a context value. Its key must be declared in the code's `context`.
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) -> ApiError {
        let key = key.into();
        let value = value.into();
        match self.context.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.context.push((key, value)),
        }
        self
    }

    /// Adds a field error.
    pub fn field(mut self, field: FieldError) -> ApiError {
        self.fields.push(field);
        self
    }

    /// Adds field errors.
    pub fn fields_from(mut self, fields: impl IntoIterator<Item = FieldError>) -> ApiError {
        self.fields.extend(fields);
        self
    }

    /// Records `count` further field errors that were found but not kept, say by a validator
    /// that stopped collecting at a bound. Counts add up; the body reports them with the ones
    /// the renderer leaves out beyond [`Renderer::max_field_errors`](crate::Renderer::max_field_errors),
    /// as `omitted_field_errors`.
    ///
    /// ```
    /// use errcat::{ApiError, FieldError, Role};
    /// let err = ApiError::role(Role::ValidationFailed)
    ///     .field(FieldError::pointer("/items/0", "must not be empty"))
    ///     .with_omitted_fields(41);
    /// assert_eq!(err.omitted_fields(), 41);
    /// ```
    pub fn with_omitted_fields(mut self, count: usize) -> ApiError {
        self.omitted_fields = self.omitted_fields.saturating_add(count);
        self
    }

    /// Sets the delay, in seconds, the client should wait before retrying.
    pub fn retry_after(mut self, seconds: u32) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// Picks one of the code's statuses other than its default (seed 003's `dispatch_failed`
    /// is 500 or 503). Rendering checks the status is one the catalog lists for the code.
    pub fn with_status(mut self, status: u16) -> ApiError {
        self.status = Some(status);
        self
    }

    /// Attaches the underlying error, for logs. It is never rendered.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> ApiError {
        self.source = Some(source.into());
        self
    }

    /// The code.
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The chosen status, if not the code's default.
    pub fn status_override(&self) -> Option<u16> {
        self.status
    }

    /// The context values, in insertion order.
    pub fn context(&self) -> &[(Cow<'static, str>, Value)] {
        &self.context
    }

    /// One context value.
    pub fn context_value(&self, key: &str) -> Option<&Value> {
        self.context.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The field errors.
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    /// How many field errors were found but not kept (see [`ApiError::with_omitted_fields`]).
    pub fn omitted_fields(&self) -> usize {
        self.omitted_fields
    }

    /// Seconds to wait before retrying.
    pub fn retry_after_secs(&self) -> Option<u32> {
        self.retry_after
    }

    /// The hidden source error.
    pub fn source_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<Code> for ApiError {
    fn from(c: Code) -> ApiError {
        ApiError::new(c)
    }
}
