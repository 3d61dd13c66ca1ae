//! Renders an [`ApiError`] into the catalog's envelope style: status, headers and body bytes.
//!
//! Everything static per code (escaped strings, docs URL, reason, header values) is computed once
//! in [`Renderer::new`]; a render writes into the caller's buffer and allocates nothing else.
//!
//! One module per style holds all there is to know about it: its body writer, its content type
//! and (feature `openapi`) its parts of the OpenAPI schema. [`writer`] is what they share.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use errcat_catalog::{Catalog, StyleKind};
use http::{HeaderMap, HeaderValue, StatusCode};

use crate::error::ApiError;
use crate::headers::X_REQUEST_ID;
use crate::json;
use crate::locale::{Locale, Negotiator};
use writer::{Args, Msg, Writer, check_vars, compile_msg};

pub(crate) mod custom;
pub(crate) mod flat;
pub(crate) mod google;
mod icu;
pub(crate) mod jsonapi;
pub(crate) mod nested;
pub(crate) mod problem;
pub(crate) mod simple;
mod writer;

pub use google::google_status;

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
    /// The response headers: `Content-Type`, `Content-Language`, `Vary: Accept-Language`,
    /// `X-Request-Id` and, where due, `Retry-After`.
    pub fn headers(&self, request_id: &str) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(5);
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
        // The message's language follows `Accept-Language`: caches must key on it. Other
        // `Vary` values a handler set are kept.
        let varies = h.get_all(http::header::VARY).iter().any(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim() == "*" || t.trim().eq_ignore_ascii_case("accept-language"))
            })
        });
        if !varies {
            h.append(
                http::header::VARY,
                HeaderValue::from_static("Accept-Language"),
            );
        }
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
    /// Each declared context key as a JSON member name with its colon, `"size":`, indexed like
    /// the entry's `context`.
    context_keys: Vec<Box<str>>,
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
    max_field_errors: usize,
}

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
        // CLDR plural rules and number symbols, loaded only for a catalog that uses them.
        let icu = catalog
            .entries()
            .iter()
            .any(|e| e.messages.iter().flatten().any(|t| !t.is_plain()));
        let rules: Vec<Arc<icu::LocaleRules>> = meta
            .locales
            .iter()
            .map(|l| {
                Arc::new(if icu {
                    icu::LocaleRules::new(l)
                } else {
                    icu::LocaleRules::none()
                })
            })
            .collect();
        let codes = catalog
            .entries()
            .iter()
            .map(|e| {
                let code = json::quoted(&e.code);
                let title = json::quoted(&e.title);
                let action = e.action.as_deref().map(json::quoted);
                let docs = catalog.docs_url(e).map(|u| json::quoted(&u));
                let (flat_head, flat_tail) =
                    flat::compile(&code, action.as_deref(), docs.as_deref());
                Compiled {
                    flat_head,
                    flat_tail,
                    nested_head: nested::compile(&code),
                    simple_head: simple::compile(&code),
                    problem_head: problem::compile(docs.as_deref(), &title),
                    reason: json::quoted(&e.code.to_ascii_uppercase()),
                    code,
                    title,
                    action,
                    docs,
                    category: json::quoted(&e.category),
                    messages: (0..meta.locales.len())
                        .map(|l| {
                            // The rules of the language the text is in (a fallback's, if missing).
                            let from = if e.messages.get(l).is_some_and(Option::is_some) {
                                l
                            } else {
                                meta.default_locale
                            };
                            compile_msg(e.message(l, meta.default_locale), &rules[from], &e.context)
                        })
                        .collect(),
                    context_keys: e
                        .context
                        .iter()
                        .map(|k| format!("{}:", json::quoted(&k.name)).into())
                        .collect(),
                }
            })
            .collect();
        let content_type = match style {
            StyleKind::Flat => HeaderValue::from_static(flat::CONTENT_TYPE),
            StyleKind::Nested => HeaderValue::from_static(nested::CONTENT_TYPE),
            StyleKind::JsonApi => HeaderValue::from_static(jsonapi::CONTENT_TYPE),
            StyleKind::Simple => HeaderValue::from_static(simple::CONTENT_TYPE),
            StyleKind::Problem => HeaderValue::from_static(problem::CONTENT_TYPE),
            StyleKind::Google => HeaderValue::from_static(google::CONTENT_TYPE),
            StyleKind::Custom => meta
                .custom
                .as_ref()
                .map_or(HeaderValue::from_static(writer::JSON), custom::content_type),
        };
        Renderer {
            negotiator: Negotiator::new(&meta.locales, meta.default_locale),
            content_languages: meta
                .locales
                .iter()
                .map(|l| HeaderValue::from_str(l).unwrap_or(HeaderValue::from_static("en")))
                .collect(),
            locale_json: meta.locales.iter().map(|l| json::quoted(l)).collect(),
            google_domain: json::quoted(meta.google_domain.as_deref().unwrap_or(&meta.name)),
            jsonapi_meta: jsonapi::compile_meta(meta),
            content_type,
            codes,
            style,
            catalog,
            max_field_errors: Renderer::DEFAULT_MAX_FIELD_ERRORS,
        }
    }

    /// How many field errors a body shows unless told otherwise: [`Renderer::max_field_errors`].
    pub const DEFAULT_MAX_FIELD_ERRORS: usize = 100;

    /// Shows at most `max` field errors in a body (the default is
    /// [`Renderer::DEFAULT_MAX_FIELD_ERRORS`], 100), in every style. The ones left out, with
    /// those the error says were never kept ([`ApiError::with_omitted_fields`]), are counted in
    /// an `omitted_field_errors` member where the style puts context: `context` (flat, simple),
    /// the `error` object (nested), an extension member (problem+json), the document's `meta`
    /// (JSON:API), the `ErrorInfo` metadata (google, as a string), and the `{{context}}` slot
    /// (custom).
    ///
    /// The extractors `garde::Valid` and `validator::Valid` stop converting at the bound of the
    /// layer they run in.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use errcat::{ApiError, Catalog, FieldError, Renderer, RequestInfo, Role, StyleKind};
    ///
    /// let catalog = Arc::new(Catalog::from_toml_str("c.toml", "[catalog]\nname = 'demo'\naction_required = false").unwrap());
    /// let renderer = Renderer::new(catalog, StyleKind::Problem).with_max_field_errors(2);
    /// assert_eq!(renderer.max_field_errors(), 2);
    /// let err = ApiError::role(Role::ValidationFailed).fields_from(
    ///     ["/a", "/b", "/c", "/d"].map(|p| FieldError::pointer(p, "is wrong")),
    /// );
    /// let (_, body) = renderer.render_to_vec(&err, &RequestInfo::new("req_1")).unwrap();
    /// let body = String::from_utf8(body).unwrap();
    /// assert_eq!(body.matches(r#""detail":"is wrong""#).count(), 2);
    /// assert!(body.ends_with(r#","omitted_field_errors":2}"#));
    /// ```
    pub fn with_max_field_errors(mut self, max: usize) -> Renderer {
        self.max_field_errors = max;
        self
    }

    /// The most field errors a body shows (see [`Renderer::with_max_field_errors`]).
    pub fn max_field_errors(&self) -> usize {
        self.max_field_errors
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
        // Which declared key each context value is, found once: the writers then use the
        // key's pre-escaped name.
        let mut declared = [0u8; writer::DECLARED_INLINE];
        for (i, (k, v)) in err.context().iter().enumerate() {
            let Some(j) = entry.context.iter().position(|d| d.name == **k) else {
                return Err(RenderError::UndeclaredContext {
                    code: entry.code.clone(),
                    key: k.to_string(),
                });
            };
            let decl = &entry.context[j];
            if let (Some(slot), Ok(j)) = (declared.get_mut(i), u8::try_from(j)) {
                *slot = j;
            }
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
        let args = Args {
            err,
            declared: declared
                .get(..err.context().len())
                .filter(|_| entry.context.len() <= usize::from(u8::MAX)),
        };
        check_vars(&c.messages[locale.0], &args, &entry.code)?;
        if self.style == StyleKind::Google {
            check_vars(&c.messages[default], &args, &entry.code)?;
        }

        // The one place the bound applies: every style writes `fields` and counts `omitted`.
        let all = err.fields();
        let fields = all.get(..self.max_field_errors).unwrap_or(all);
        let omitted = err
            .omitted_fields()
            .saturating_add(all.len() - fields.len());
        let w = Writer {
            r: self,
            c,
            err,
            req,
            status,
            msg: &c.messages[locale.0],
            locale,
            fields,
            omitted,
            args,
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
