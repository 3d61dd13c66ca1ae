//! Renders an [`ApiError`] into the catalog's envelope style: status, headers and body bytes.
//!
//! Everything static per code (escaped strings, docs URL, reason, header values) is computed once
//! in [`Renderer::new`]; a render writes into the caller's buffer and allocates nothing else.

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;
use std::time::SystemTime;

use errcat_catalog::{Catalog, CustomPart, Part, Slot, StyleKind};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::error::{ApiError, FieldError, FieldSource, Value};
use crate::headers::X_REQUEST_ID;
use crate::json;
use crate::locale::{Locale, Negotiator};

/// Facts about the request an error answers.
#[derive(Debug, Clone, Copy)]
pub struct RequestInfo<'a> {
    /// The request id, echoed in the body and in `X-Request-Id`.
    pub request_id: &'a str,
    /// The negotiated locale; `None` for the catalog's default.
    pub locale: Option<Locale>,
    /// The request path, for problem+json's `instance`.
    pub instance: Option<&'a str>,
    /// When the response is made (seed 002's `meta.timestamp`); `None` reads the clock when,
    /// and only if, the style shows the time.
    pub time: Option<SystemTime>,
}

impl<'a> RequestInfo<'a> {
    /// A request with this id, the default locale, no path, and the time of the render.
    pub fn new(request_id: &'a str) -> RequestInfo<'a> {
        RequestInfo {
            request_id,
            locale: None,
            instance: None,
            time: None,
        }
    }

    /// Sets the locale.
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// Sets the request path.
    pub fn instance(mut self, path: &'a str) -> Self {
        self.instance = Some(path);
        self
    }
}

/// What a render produced besides the body.
#[derive(Debug, Clone)]
pub struct Head {
    /// The HTTP status.
    pub status: StatusCode,
    /// The style's content type.
    pub content_type: HeaderValue,
    /// The locale the message is in.
    pub content_language: HeaderValue,
    /// Seconds for `Retry-After`.
    pub retry_after: Option<u32>,
    /// The catalog index of the code rendered.
    pub code_index: usize,
}

impl Head {
    /// The response headers: `Content-Type`, `Content-Language`, `X-Request-Id` and, where due,
    /// `Retry-After`.
    pub fn headers(&self, request_id: &str) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(4);
        self.write_headers(&mut h, request_id);
        h
    }

    /// Adds the headers to an existing map.
    pub fn write_headers(&self, h: &mut HeaderMap, request_id: &str) {
        if let Ok(v) = HeaderValue::from_str(request_id) {
            self.write_headers_with(h, &v);
        }
    }

    /// Adds the headers to an existing map, with the request id as a header value already.
    pub fn write_headers_with(&self, h: &mut HeaderMap, request_id: &HeaderValue) {
        self.write_type_and_language(h);
        h.insert(X_REQUEST_ID, request_id.clone());
        self.write_retry_after(h);
    }

    /// Adds the headers but `X-Request-Id`, for callers that set it themselves.
    #[cfg(feature = "axum")]
    pub(crate) fn write_headers_without_id(&self, h: &mut HeaderMap) {
        self.write_type_and_language(h);
        self.write_retry_after(h);
    }

    fn write_type_and_language(&self, h: &mut HeaderMap) {
        h.insert(http::header::CONTENT_TYPE, self.content_type.clone());
        h.insert(
            http::header::CONTENT_LANGUAGE,
            self.content_language.clone(),
        );
    }

    fn write_retry_after(&self, h: &mut HeaderMap) {
        if let Some(s) = self.retry_after {
            h.insert(http::header::RETRY_AFTER, HeaderValue::from(s));
        }
    }
}

/// Why an error could not be rendered. Each names the code and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// The code is not in this renderer's catalog.
    UnknownCode(String),
    /// The code never reaches an HTTP response (it has no status).
    NoStatus(String),
    /// The status chosen with `with_status` is not one the catalog lists for the code.
    StatusNotAllowed {
        /// The code.
        code: String,
        /// The status asked for.
        status: u16,
        /// The statuses the catalog lists.
        allowed: Vec<u16>,
    },
    /// A message placeholder has no value.
    MissingContext {
        /// The code.
        code: String,
        /// The placeholder.
        key: String,
    },
    /// A context value the code does not declare.
    UndeclaredContext {
        /// The code.
        code: String,
        /// The key.
        key: String,
    },
    /// A context value of the wrong type.
    ContextType {
        /// The code.
        code: String,
        /// The key.
        key: String,
        /// The declared type.
        expected: &'static str,
        /// The type given.
        got: &'static str,
    },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::UnknownCode(c) => write!(f, "`{c}` is not in the catalog"),
            RenderError::NoStatus(c) => write!(
                f,
                "`{c}` has no HTTP status: it is never sent in a response"
            ),
            RenderError::StatusNotAllowed {
                code,
                status,
                allowed,
            } => {
                write!(
                    f,
                    "`{code}` cannot be sent with status {status}; the catalog lists {allowed:?}"
                )
            }
            RenderError::MissingContext { code, key } => {
                write!(
                    f,
                    "the message of `{code}` needs `{key}`, but the error has no such context value; add it with `.with(\"{key}\", value)`"
                )
            }
            RenderError::UndeclaredContext { code, key } => {
                write!(
                    f,
                    "`{key}` is not in the context `{code}` declares; declare `context.{key}` in the catalog or drop it"
                )
            }
            RenderError::ContextType {
                code,
                key,
                expected,
                got,
            } => {
                write!(
                    f,
                    "context `{key}` of `{code}` is declared {expected} but the error gives a {got}"
                )
            }
        }
    }
}

impl std::error::Error for RenderError {}

/// A message, pre-escaped.
#[derive(Debug, Clone)]
enum Msg {
    Static(Box<str>),
    Parts(Vec<MsgPart>),
}

#[derive(Debug, Clone)]
enum MsgPart {
    Lit(Box<str>),
    Var(Box<str>),
}

#[derive(Debug, Clone)]
struct Compiled {
    /// `{"error":CODE,"message":`
    flat_head: Box<str>,
    /// `,"action":…,"docs":…,"request_id":`
    flat_tail: Box<str>,
    /// `{"success":false,"error":{"code":CODE,"message":`
    nested_head: Box<str>,
    /// `{"success":false,"error":CODE,"message":`
    simple_head: Box<str>,
    /// `{"type":…,"title":…,"status":`
    problem_head: Box<str>,
    code: Box<str>,
    reason: Box<str>,
    title: Box<str>,
    action: Option<Box<str>>,
    docs: Option<Box<str>>,
    category: Box<str>,
    messages: Vec<Msg>,
}

/// Renders errors of one catalog in one style.
///
/// ```
/// use std::sync::Arc;
/// use errcat::{ApiError, Catalog, Renderer, RequestInfo, StyleKind};
///
/// let catalog = Arc::new(Catalog::from_toml_str("c.toml", r#"
/// [catalog]
/// name = "demo"
/// style = "flat"
/// [codes.insufficient_balance]
/// status = 402
/// category = "Billing"
/// action = "top_up_balance"
/// message.en = "Balance {balance} is below {cost}."
/// context.balance = "number"
/// context.cost = "number"
/// "#).unwrap());
/// let renderer = Renderer::new(catalog.clone(), catalog.meta.style);
/// let err = ApiError::checked(&catalog, "insufficient_balance").unwrap().with("balance", 3).with("cost", 5);
/// let mut body = Vec::new();
/// let head = renderer.render(&err, &RequestInfo::new("req_1"), &mut body).unwrap();
/// assert_eq!(head.status, 402);
/// assert_eq!(String::from_utf8(body).unwrap(),
///     r#"{"error":"insufficient_balance","message":"Balance 3 is below 5.","action":"top_up_balance","request_id":"req_1","context":{"balance":3,"cost":5}}"#);
/// ```
#[derive(Debug, Clone)]
pub struct Renderer {
    catalog: Arc<Catalog>,
    style: StyleKind,
    codes: Vec<Compiled>,
    negotiator: Negotiator,
    content_languages: Vec<HeaderValue>,
    locale_json: Vec<Box<str>>,
    content_type: HeaderValue,
    google_domain: Box<str>,
    jsonapi_meta: Box<str>,
}

const JSON: &str = "application/json";

impl Renderer {
    /// Compiles everything static per code for a style.
    ///
    /// A catalog without a custom template renders `StyleKind::Custom` as problem+json.
    pub fn new(catalog: Arc<Catalog>, style: StyleKind) -> Renderer {
        let style = if style == StyleKind::Custom && catalog.meta.custom.is_none() {
            StyleKind::Problem
        } else {
            style
        };
        let meta = &catalog.meta;
        let codes = catalog
            .entries()
            .iter()
            .map(|e| {
                let code = json::quoted(&e.code);
                let title = json::quoted(&e.title);
                let action = e.action.as_deref().map(json::quoted);
                let docs = catalog.docs_url(e).map(|u| json::quoted(&u));
                let mut flat_tail = String::new();
                if let Some(a) = &action {
                    flat_tail.push_str(&format!(r#","action":{a}"#));
                }
                if let Some(d) = &docs {
                    flat_tail.push_str(&format!(r#","docs":{d}"#));
                }
                flat_tail.push_str(r#","request_id":"#);
                Compiled {
                    flat_head: format!(r#"{{"error":{code},"message":"#).into(),
                    flat_tail: flat_tail.into(),
                    nested_head: format!(r#"{{"success":false,"error":{{"code":{code},"message":"#)
                        .into(),
                    simple_head: format!(r#"{{"success":false,"error":{code},"message":"#).into(),
                    problem_head: format!(
                        r#"{{"type":{},"title":{title},"status":"#,
                        docs.as_deref().unwrap_or(r#""about:blank""#)
                    )
                    .into(),
                    code,
                    reason: json::quoted(&e.code.to_ascii_uppercase()),
                    title,
                    action,
                    docs,
                    category: json::quoted(&e.category),
                    messages: (0..meta.locales.len())
                        .map(|l| compile_msg(e.message(l, meta.default_locale).parts()))
                        .collect(),
                }
            })
            .collect();
        let content_type = match style {
            StyleKind::Problem => HeaderValue::from_static("application/problem+json"),
            StyleKind::JsonApi => HeaderValue::from_static("application/vnd.api+json"),
            StyleKind::Custom => meta
                .custom
                .as_ref()
                .and_then(|c| HeaderValue::from_str(c.content_type()).ok())
                .unwrap_or(HeaderValue::from_static(JSON)),
            _ => HeaderValue::from_static(JSON),
        };
        let mut jsonapi_meta = String::from(r#""meta":{"#);
        if let Some(v) = &meta.jsonapi_version {
            jsonapi_meta.push_str(&format!(r#""version":{},"#, json::quoted(v)));
        }
        if let Some(v) = &meta.jsonapi_api_version {
            jsonapi_meta.push_str(&format!(r#""api_version":{},"#, json::quoted(v)));
        }
        jsonapi_meta.push_str(r#""request_id":"#);
        Renderer {
            negotiator: Negotiator::new(&meta.locales, meta.default_locale),
            content_languages: meta
                .locales
                .iter()
                .map(|l| HeaderValue::from_str(l).unwrap_or(HeaderValue::from_static("en")))
                .collect(),
            locale_json: meta.locales.iter().map(|l| json::quoted(l)).collect(),
            google_domain: json::quoted(meta.google_domain.as_deref().unwrap_or(&meta.name)),
            jsonapi_meta: jsonapi_meta.into_boxed_str(),
            content_type,
            codes,
            style,
            catalog,
        }
    }

    /// The catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The style this renderer writes.
    pub fn style(&self) -> StyleKind {
        self.style
    }

    /// The locale negotiator for this catalog.
    pub fn negotiator(&self) -> &Negotiator {
        &self.negotiator
    }

    /// The content type of this style.
    pub fn content_type(&self) -> &HeaderValue {
        &self.content_type
    }

    /// Renders `err` for `req` into `out` (appending), and returns the status and headers.
    ///
    /// Nothing is written when an error is returned.
    pub fn render(
        &self,
        err: &ApiError,
        req: &RequestInfo<'_>,
        out: &mut Vec<u8>,
    ) -> Result<Head, RenderError> {
        let idx = err
            .code()
            .resolve(&self.catalog)
            .ok_or_else(|| RenderError::UnknownCode(err.code().to_string()))?;
        let entry = &self.catalog.entries()[idx];
        let status = match (err.status_override(), entry.default_status()) {
            (_, None) => return Err(RenderError::NoStatus(entry.code.clone())),
            (Some(s), Some(_)) if !entry.statuses.contains(&s) => {
                return Err(RenderError::StatusNotAllowed {
                    code: entry.code.clone(),
                    status: s,
                    allowed: entry.statuses.clone(),
                });
            }
            (Some(s), Some(_)) | (None, Some(s)) => s,
        };
        for (k, v) in err.context() {
            let Some(decl) = entry.context_key(k) else {
                return Err(RenderError::UndeclaredContext {
                    code: entry.code.clone(),
                    key: k.to_string(),
                });
            };
            if !v.fits(decl.ty) {
                return Err(RenderError::ContextType {
                    code: entry.code.clone(),
                    key: k.to_string(),
                    expected: decl.ty.name(),
                    got: v.type_name(),
                });
            }
        }
        let locale = req
            .locale
            .filter(|l| l.0 < self.codes[idx].messages.len())
            .unwrap_or(self.negotiator.default_locale());
        let c = &self.codes[idx];
        let default = self.negotiator.default_locale().0;
        check_vars(&c.messages[locale.0], err, &entry.code)?;
        if self.style == StyleKind::Google {
            check_vars(&c.messages[default], err, &entry.code)?;
        }

        let w = Writer {
            r: self,
            c,
            err,
            req,
            status,
            msg: &c.messages[locale.0],
            locale,
        };
        match self.style {
            StyleKind::Flat => w.flat(out),
            StyleKind::Nested => w.nested(out),
            StyleKind::JsonApi => w.jsonapi(out),
            StyleKind::Simple => w.simple(out),
            StyleKind::Problem => w.problem(out),
            StyleKind::Google => w.google(out),
            StyleKind::Custom => w.custom(out),
        }
        Ok(Head {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type: self.content_type.clone(),
            content_language: self.content_languages[locale.0].clone(),
            retry_after: err.retry_after_secs(),
            code_index: idx,
        })
    }

    /// Renders into a fresh buffer; a convenience over [`Renderer::render`].
    pub fn render_to_vec(
        &self,
        err: &ApiError,
        req: &RequestInfo<'_>,
    ) -> Result<(Head, Vec<u8>), RenderError> {
        let mut out = Vec::with_capacity(256);
        let head = self.render(err, req, &mut out)?;
        Ok((head, out))
    }
}

fn inner(quoted: &str) -> Box<str> {
    quoted[1..quoted.len() - 1].into()
}

fn compile_msg(parts: &[Part]) -> Msg {
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

fn check_vars(msg: &Msg, err: &ApiError, code: &str) -> Result<(), RenderError> {
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

struct Writer<'a> {
    r: &'a Renderer,
    c: &'a Compiled,
    err: &'a ApiError,
    req: &'a RequestInfo<'a>,
    status: u16,
    msg: &'a Msg,
    locale: Locale,
}

impl Writer<'_> {
    fn raw(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(s.as_bytes());
    }

    fn message(&self, out: &mut Vec<u8>, msg: &Msg) {
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
    fn context_members(&self, out: &mut Vec<u8>, mut first: bool) -> bool {
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

    fn request_id(&self, out: &mut Vec<u8>) {
        json::string(out, self.req.request_id);
    }

    fn timestamp(&self, out: &mut Vec<u8>) {
        out.push(b'"');
        let _ = write!(
            out,
            "{}",
            humantime::format_rfc3339_seconds(self.req.time.unwrap_or_else(SystemTime::now))
        );
        out.push(b'"');
    }

    fn field_name(out: &mut Vec<u8>, f: &FieldError) {
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
    fn field_list(out: &mut Vec<u8>, fields: &[FieldError]) {
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

    fn flat(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.flat_head);
        self.message(out, self.msg);
        Self::raw(out, &self.c.flat_tail);
        self.request_id(out);
        let fields = self.err.fields();
        if !self.err.context().is_empty() || !fields.is_empty() {
            Self::raw(out, r#","context":{"#);
            let first = self.context_members(out, true);
            if !fields.is_empty() {
                if !first {
                    out.push(b',');
                }
                // {"field": ["message", ...]}, fields grouped in order of first appearance.
                Self::raw(out, r#""errors":{"#);
                let mut wrote = false;
                for (i, f) in fields.iter().enumerate() {
                    if fields[..i].iter().any(|g| g.source == f.source) {
                        continue;
                    }
                    if wrote {
                        out.push(b',');
                    }
                    wrote = true;
                    Self::field_name(out, f);
                    Self::raw(out, ":[");
                    for (j, g) in fields[i..]
                        .iter()
                        .filter(|g| g.source == f.source)
                        .enumerate()
                    {
                        if j > 0 {
                            out.push(b',');
                        }
                        json::string(out, &g.message);
                    }
                    out.push(b']');
                }
                out.push(b'}');
            }
            out.push(b'}');
        }
        out.push(b'}');
    }

    /// The message, or the only field error's message, and the first field's name.
    fn message_or_field(&self, out: &mut Vec<u8>) {
        match self.err.fields() {
            [only] => json::string(out, &only.message),
            _ => self.message(out, self.msg),
        }
    }

    fn nested(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.nested_head);
        self.message_or_field(out);
        let fields = self.err.fields();
        if let Some(f) = fields.first() {
            Self::raw(out, r#","field":"#);
            Self::field_name(out, f);
        }
        if let Some(s) = self.err.retry_after_secs() {
            Self::raw(out, r#","retryAfter":"#);
            json::uint(out, u64::from(s));
        }
        self.context_members(out, false);
        if fields.len() > 1 {
            Self::raw(out, r#","fields":"#);
            Self::field_list(out, fields);
        }
        Self::raw(out, r#"},"meta":{"requestId":"#);
        self.request_id(out);
        Self::raw(out, r#","timestamp":"#);
        self.timestamp(out);
        Self::raw(out, "}}");
    }

    fn jsonapi_error(&self, out: &mut Vec<u8>, field: Option<&FieldError>) {
        Self::raw(out, r#"{"status":""#);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#"","code":"#);
        match field.and_then(|f| f.code.as_deref()) {
            Some(code) => json::string(out, code),
            None => Self::raw(out, &self.c.code),
        }
        Self::raw(out, r#","detail":"#);
        match field {
            Some(f) => json::string(out, &f.message),
            None => self.message(out, self.msg),
        }
        if let Some(f) = field {
            Self::raw(out, r#","source":{"#);
            match &f.source {
                FieldSource::Pointer(p) => {
                    Self::raw(out, r#""pointer":"#);
                    json::string(out, p.as_str());
                }
                FieldSource::Parameter(n) => {
                    Self::raw(out, r#""parameter":"#);
                    json::string(out, n);
                }
                FieldSource::Header(n) => {
                    Self::raw(out, r#""header":"#);
                    json::string(out, n);
                }
            }
            out.push(b'}');
        }
        let retry = self
            .err
            .retry_after_secs()
            .filter(|_| self.err.context_value("retry_after_seconds").is_none());
        if !self.err.context().is_empty() || retry.is_some() {
            Self::raw(out, r#","meta":{"#);
            let first = self.context_members(out, true);
            if let Some(s) = retry {
                if !first {
                    out.push(b',');
                }
                Self::raw(out, r#""retry_after_seconds":"#);
                json::uint(out, u64::from(s));
            }
            out.push(b'}');
        }
        out.push(b'}');
    }

    fn jsonapi(&self, out: &mut Vec<u8>) {
        Self::raw(out, r#"{"errors":["#);
        let fields = self.err.fields();
        if fields.is_empty() {
            self.jsonapi_error(out, None);
        }
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.jsonapi_error(out, Some(f));
        }
        Self::raw(out, "],");
        Self::raw(out, &self.r.jsonapi_meta);
        self.request_id(out);
        Self::raw(
            out,
            r#","datetime":{"timezone":"UTC","format":"ISO 8601"}}}"#,
        );
    }

    fn simple(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.simple_head);
        self.message_or_field(out);
        Self::raw(out, r#","code":"#);
        json::uint(out, u64::from(self.status));
        let fields = self.err.fields();
        if let Some(f) = fields.first() {
            Self::raw(out, r#","field":"#);
            Self::field_name(out, f);
        }
        if fields.len() > 1 {
            Self::raw(out, r#","fields":"#);
            Self::field_list(out, fields);
        }
        if !self.err.context().is_empty() {
            Self::raw(out, r#","context":{"#);
            self.context_members(out, true);
            out.push(b'}');
        }
        Self::raw(out, r#","request_id":"#);
        self.request_id(out);
        out.push(b'}');
    }

    fn problem(&self, out: &mut Vec<u8>) {
        Self::raw(out, &self.c.problem_head);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#","detail":"#);
        self.message(out, self.msg);
        if let Some(i) = self.req.instance {
            Self::raw(out, r#","instance":"#);
            json::string(out, i);
        }
        Self::raw(out, r#","code":"#);
        Self::raw(out, &self.c.code);
        Self::raw(out, r#","request_id":"#);
        self.request_id(out);
        self.context_members(out, false);
        let fields = self.err.fields();
        if !fields.is_empty() {
            Self::raw(out, r#","errors":["#);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                Self::raw(out, r#"{"detail":"#);
                json::string(out, &f.message);
                match &f.source {
                    FieldSource::Pointer(p) => {
                        Self::raw(out, r##","pointer":"#"##);
                        json::escape_into(out, p.as_str());
                        out.push(b'"');
                    }
                    FieldSource::Parameter(n) => {
                        Self::raw(out, r#","parameter":"#);
                        json::string(out, n);
                    }
                    FieldSource::Header(n) => {
                        Self::raw(out, r#","header":"#);
                        json::string(out, n);
                    }
                }
                if let Some(code) = &f.code {
                    Self::raw(out, r#","code":"#);
                    json::string(out, code);
                }
                out.push(b'}');
            }
            out.push(b']');
        }
        out.push(b'}');
    }

    fn google(&self, out: &mut Vec<u8>) {
        const T: &str = r#"{"@type":"type.googleapis.com/google.rpc."#;
        Self::raw(out, r#"{"error":{"code":"#);
        json::uint(out, u64::from(self.status));
        Self::raw(out, r#","message":"#);
        let default = self.r.negotiator.default_locale().0;
        self.message(out, &self.c.messages[default]);
        Self::raw(out, r#","status":""#);
        Self::raw(out, google_status(self.status));
        Self::raw(out, r#"","details":["#);
        Self::raw(out, T);
        Self::raw(out, r#"ErrorInfo","reason":"#);
        Self::raw(out, &self.c.reason);
        Self::raw(out, r#","domain":"#);
        Self::raw(out, &self.r.google_domain);
        if !self.err.context().is_empty() {
            Self::raw(out, r#","metadata":{"#);
            for (i, (k, v)) in self.err.context().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json::string(out, k);
                out.push(b':');
                json::value_as_string(out, v);
            }
            out.push(b'}');
        }
        out.push(b'}');
        let fields = self.err.fields();
        if !fields.is_empty() {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"BadRequest","fieldViolations":["#);
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                Self::raw(out, r#"{"field":"#);
                Self::field_name(out, f);
                Self::raw(out, r#","description":"#);
                json::string(out, &f.message);
                if let Some(code) = &f.code {
                    Self::raw(out, r#","reason":""#);
                    for b in code.bytes() {
                        out.push(if b == b'"' || b == b'\\' || b < 0x20 {
                            b'_'
                        } else {
                            b.to_ascii_uppercase()
                        });
                    }
                    out.push(b'"');
                }
                out.push(b'}');
            }
            Self::raw(out, "]}");
        }
        if let Some(s) = self.err.retry_after_secs() {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"RetryInfo","retryDelay":""#);
            json::uint(out, u64::from(s));
            Self::raw(out, r#"s"}"#);
        }
        if let Some(d) = &self.c.docs {
            out.push(b',');
            Self::raw(out, T);
            Self::raw(out, r#"Help","links":[{"description":"#);
            Self::raw(out, &self.c.title);
            Self::raw(out, r#","url":"#);
            Self::raw(out, d);
            Self::raw(out, "}]}");
        }
        out.push(b',');
        Self::raw(out, T);
        Self::raw(out, r#"RequestInfo","requestId":"#);
        self.request_id(out);
        out.push(b'}');
        out.push(b',');
        Self::raw(out, T);
        Self::raw(out, r#"LocalizedMessage","locale":"#);
        Self::raw(out, &self.r.locale_json[self.locale.0]);
        Self::raw(out, r#","message":"#);
        self.message(out, self.msg);
        Self::raw(out, "}]}}");
    }

    fn custom(&self, out: &mut Vec<u8>) {
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

    fn slot_value(&self, out: &mut Vec<u8>, slot: Slot) {
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
                self.context_members(out, true);
                out.push(b'}');
            }
            Slot::Fields => {
                out.push(b'[');
                for (i, f) in self.err.fields().iter().enumerate() {
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

/// The canonical gRPC status name for an HTTP status (AIP-193, google.rpc.Code).
pub fn google_status(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 | 410 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        413 => "OUT_OF_RANGE",
        416 => "OUT_OF_RANGE",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 | 405 => "UNIMPLEMENTED",
        502 | 503 => "UNAVAILABLE",
        504 | 408 => "DEADLINE_EXCEEDED",
        402 | 422 | 423 | 424 => "FAILED_PRECONDITION",
        400..=499 => "INVALID_ARGUMENT",
        _ => "UNKNOWN",
    }
}
