//! The catalog model: what a loaded, checked catalog holds.

use std::collections::HashMap;

/// Code → entry index. foldhash: the keys are the catalog's own, so speed matters more than
/// resistance to chosen keys.
pub(crate) type CodeIndex = HashMap<String, usize, foldhash::fast::RandomState>;
use std::fmt;

use crate::diag::{Report, Sources, Span};
use crate::template::{CustomTemplate, Template};

/// A loaded and checked error catalog.
///
/// ```
/// let catalog = errcat_catalog::Catalog::from_toml_str("demo.toml", r#"
/// [catalog]
/// name = "demo"
/// action_required = false
///
/// [codes.not_found]
/// status = 404
/// category = "Resources"
/// message.en = "The resource does not exist."
/// "#).unwrap();
/// let entry = catalog.get("not_found").unwrap();
/// assert_eq!(entry.default_status(), Some(404));
/// assert_eq!(entry.title, "Not found");
/// ```
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Catalog-level settings.
    pub meta: Meta,
    pub(crate) entries: Vec<Entry>,
    /// Each entry's code, shared: a value that names a code clones this, not the text.
    pub(crate) names: Vec<std::sync::Arc<str>>,
    pub(crate) index: CodeIndex,
    pub(crate) roles: [usize; Role::ALL.len()],
    pub(crate) report: Report,
}

impl Catalog {
    /// Looks a code up.
    pub fn get(&self, code: &str) -> Option<&Entry> {
        self.index.get(code).map(|&i| &self.entries[i])
    }

    /// The code of the entry at `index` in [`Catalog::entries`], shared: cloning it copies no
    /// text.
    ///
    /// ```
    /// # let catalog = errcat_catalog::Catalog::from_toml_str("c.toml", "[catalog]\nname='x'\naction_required=false\n[codes.gone]\nstatus=410\ncategory='x'\nmessage.en='Gone.'").unwrap();
    /// let i = catalog.index_of("gone").unwrap();
    /// assert_eq!(catalog.shared_code(i).as_deref(), Some("gone"));
    /// assert_eq!(catalog.shared_code(catalog.entries().len()), None);
    /// ```
    pub fn shared_code(&self, index: usize) -> Option<std::sync::Arc<str>> {
        self.names.get(index).cloned()
    }

    /// The position of a code in [`Catalog::entries`].
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// Every entry, in catalog order (built-in role codes last).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry the framework uses for a role.
    pub fn role(&self, role: Role) -> &Entry {
        &self.entries[self.roles[role as usize]]
    }

    /// The index of the entry for a role.
    pub fn role_index(&self, role: Role) -> usize {
        self.roles[role as usize]
    }

    /// The warnings and notes found while loading (a catalog with errors never loads).
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The source files the catalog was read from.
    pub fn sources(&self) -> &Sources {
        &self.report.sources
    }

    /// The code closest to `wanted` by edit distance (case-insensitive), if close enough to be a
    /// typo: for "did you mean" hints.
    ///
    /// ```
    /// # let c = errcat_catalog::Catalog::from_toml_str("c.toml", "[catalog]\nname='x'\naction_required=false\n[codes.insufficient_balance]\nstatus=402\ncategory='x'\nmessage.en='m'").unwrap();
    /// assert_eq!(c.suggest("insufficent_balance"), Some("insufficient_balance"));
    /// assert_eq!(c.suggest("something_else_entirely"), None);
    /// ```
    pub fn suggest(&self, wanted: &str) -> Option<&str> {
        crate::suggest::closest(wanted, self.entries.iter().map(|e| e.code.as_str()))
    }

    /// Categories in the order they first appear.
    pub fn categories(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for e in &self.entries {
            if !out.contains(&e.category.as_str()) {
                out.push(&e.category);
            }
        }
        out
    }

    /// The docs permalink of a code, if the catalog has a `docs_url` template.
    pub fn docs_url(&self, entry: &Entry) -> Option<String> {
        let t = self.meta.docs_url.as_deref()?;
        Some(
            t.replace("{code}", &entry.code)
                .replace("{anchor}", &entry.anchor()),
        )
    }
}

/// Catalog-level settings, from the `[catalog]` table.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The API's name.
    pub name: String,
    /// Free-text version.
    pub version: Option<String>,
    /// Introductory prose.
    pub description: Option<String>,
    /// The case style codes follow.
    pub case: CaseStyle,
    /// The docs permalink template (`{code}`, `{anchor}`).
    pub docs_url: Option<String>,
    /// Locale tags, as written.
    pub locales: Vec<String>,
    /// Index of the default locale in `locales`.
    pub default_locale: usize,
    /// The envelope style.
    pub style: StyleKind,
    /// Whether every code needs an action.
    pub action_required: bool,
    /// How request ids are made.
    pub request_id: RequestIdSpec,
    /// JSON:API `meta.version`.
    pub jsonapi_version: Option<String>,
    /// JSON:API `meta.api_version`.
    pub jsonapi_api_version: Option<String>,
    /// Google `ErrorInfo.domain`.
    pub google_domain: Option<String>,
    /// The compiled custom envelope, when the catalog declares one.
    pub custom: Option<CustomTemplate>,
    /// The HTTP status summary table, in source order.
    pub http_statuses: Vec<(String, String)>,
    /// Introductory text per category, from `[categories]`.
    pub category_docs: Vec<(String, String)>,
    /// Where each `[categories]` key was written, indexed like `category_docs`.
    pub category_spans: Vec<Span>,
    /// Terms a translation must keep as written when the default locale's message has them
    /// (`brand_terms` in `[catalog]`).
    pub brand_terms: Vec<String>,
}

impl Meta {
    /// The default locale's tag.
    pub fn default_locale_tag(&self) -> &str {
        &self.locales[self.default_locale]
    }
}

/// The case style of codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStyle {
    /// `insufficient_balance`
    Snake,
    /// `VALIDATION_ERROR`
    UpperSnake,
}

impl CaseStyle {
    /// Whether a code follows this style.
    ///
    /// ```
    /// use errcat_catalog::CaseStyle;
    /// assert!(CaseStyle::Snake.matches("fax_not_terminal"));
    /// assert!(!CaseStyle::Snake.matches("Fax_not_terminal"));
    /// assert!(CaseStyle::UpperSnake.matches("RATE_LIMITED"));
    /// ```
    pub fn matches(self, code: &str) -> bool {
        let ok_char = |c: char| match self {
            CaseStyle::Snake => c.is_ascii_lowercase() || c.is_ascii_digit(),
            CaseStyle::UpperSnake => c.is_ascii_uppercase() || c.is_ascii_digit(),
        };
        let first_ok = code.chars().next().is_some_and(|c| match self {
            CaseStyle::Snake => c.is_ascii_lowercase(),
            CaseStyle::UpperSnake => c.is_ascii_uppercase(),
        });
        first_ok
            && code
                .split('_')
                .all(|part| !part.is_empty() && part.chars().all(ok_char))
    }

    /// Converts a snake_case code to this style.
    pub fn convert(self, snake: &str) -> String {
        match self {
            CaseStyle::Snake => snake.to_ascii_lowercase(),
            CaseStyle::UpperSnake => snake.to_ascii_uppercase(),
        }
    }

    /// `"snake_case"` or `"UPPER_SNAKE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStyle::Snake => "snake_case",
            CaseStyle::UpperSnake => "UPPER_SNAKE",
        }
    }
}

/// The envelope styles errcat renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StyleKind {
    /// Seed 000's flat envelope: `{error, message, action, docs, request_id, context}`.
    Flat,
    /// Seed 002's nested envelope: `{success, error:{code, message, field}, meta}`.
    Nested,
    /// JSON:API, as seed 003: `{errors:[…], meta}`.
    JsonApi,
    /// Seed 004's envelope: `{success, error, message, code, field}`.
    Simple,
    /// RFC 9457 problem details.
    Problem,
    /// Google AIP-193.
    Google,
    /// The catalog's own JSON template.
    Custom,
}

impl StyleKind {
    /// Every style, in documentation order.
    pub const ALL: [StyleKind; 7] = [
        StyleKind::Flat,
        StyleKind::Nested,
        StyleKind::JsonApi,
        StyleKind::Simple,
        StyleKind::Problem,
        StyleKind::Google,
        StyleKind::Custom,
    ];

    /// The name used in catalogs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            StyleKind::Flat => "flat",
            StyleKind::Nested => "nested",
            StyleKind::JsonApi => "jsonapi",
            StyleKind::Simple => "simple",
            StyleKind::Problem => "problem",
            StyleKind::Google => "google",
            StyleKind::Custom => "custom",
        }
    }

    /// Parses a style name.
    ///
    /// ```
    /// use errcat_catalog::StyleKind;
    /// assert_eq!(StyleKind::parse("jsonapi"), Some(StyleKind::JsonApi));
    /// assert_eq!(StyleKind::parse("xml"), None);
    /// ```
    pub fn parse(name: &str) -> Option<StyleKind> {
        StyleKind::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for StyleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How request ids are generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIdSpec {
    /// Prepended to every id.
    pub prefix: String,
    /// The random part.
    pub format: RequestIdFormat,
}

impl Default for RequestIdSpec {
    fn default() -> Self {
        RequestIdSpec {
            prefix: "req_".into(),
            format: RequestIdFormat::Ulid,
        }
    }
}

/// The random part of a request id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestIdFormat {
    /// 26 Crockford base-32 characters, time-ordered.
    Ulid,
    /// A hyphenated UUID version 7, time-ordered.
    UuidV7,
    /// This many lower-case hex digits.
    Hex(u8),
}

/// The roles the framework raises errors by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Role {
    /// Unknown route.
    NotFound,
    /// Known route, wrong method.
    MethodNotAllowed,
    /// The body is not valid JSON.
    InvalidJson,
    /// The body is JSON of the wrong shape, or fails validation.
    ValidationFailed,
    /// A path or query parameter does not parse.
    InvalidParameter,
    /// Missing or wrong `Content-Type`.
    UnsupportedMediaType,
    /// The body is over the limit.
    PayloadTooLarge,
    /// A rate limit was hit.
    RateLimited,
    /// The request took too long.
    Timeout,
    /// A bug or a panic.
    Internal,
    /// Load shedding or a dependency down.
    Unavailable,
    /// An `Idempotency-Key` that is not well-formed.
    IdempotencyKeyInvalid,
    /// An `Idempotency-Key` reused with a different request.
    IdempotencyKeyReused,
    /// An `Idempotency-Key` whose first request is still running.
    IdempotencyKeyInProgress,
    /// No credentials: no `Authorization` (nor API-key header).
    MissingCredentials,
    /// Credentials that are not a well-formed key (a typo, a truncated key, another scheme).
    MalformedCredentials,
    /// A well-formed key that no store knows, or whose secret does not match.
    InvalidCredentials,
    /// A key its owner revoked.
    RevokedCredentials,
    /// A key past its expiry.
    ExpiredCredentials,
    /// A valid key without the scope the operation needs (`scope` in the context).
    InsufficientScope,
    /// A valid key used from an address it does not allow.
    AddressNotAllowed,
    /// A valid key of another environment (a sandbox key on a live resource).
    WrongEnvironment,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 22] = [
        Role::NotFound,
        Role::MethodNotAllowed,
        Role::InvalidJson,
        Role::ValidationFailed,
        Role::InvalidParameter,
        Role::UnsupportedMediaType,
        Role::PayloadTooLarge,
        Role::RateLimited,
        Role::Timeout,
        Role::Internal,
        Role::Unavailable,
        Role::IdempotencyKeyInvalid,
        Role::IdempotencyKeyReused,
        Role::IdempotencyKeyInProgress,
        Role::MissingCredentials,
        Role::MalformedCredentials,
        Role::InvalidCredentials,
        Role::RevokedCredentials,
        Role::ExpiredCredentials,
        Role::InsufficientScope,
        Role::AddressNotAllowed,
        Role::WrongEnvironment,
    ];

    /// The key in the `[roles]` table.
    pub fn name(self) -> &'static str {
        match self {
            Role::NotFound => "not_found",
            Role::MethodNotAllowed => "method_not_allowed",
            Role::InvalidJson => "invalid_json",
            Role::ValidationFailed => "validation_failed",
            Role::InvalidParameter => "invalid_parameter",
            Role::UnsupportedMediaType => "unsupported_media_type",
            Role::PayloadTooLarge => "payload_too_large",
            Role::RateLimited => "rate_limited",
            Role::Timeout => "timeout",
            Role::Internal => "internal",
            Role::Unavailable => "unavailable",
            Role::IdempotencyKeyInvalid => "idempotency_key_invalid",
            Role::IdempotencyKeyReused => "idempotency_key_reused",
            Role::IdempotencyKeyInProgress => "idempotency_key_in_progress",
            Role::MissingCredentials => "missing_credentials",
            Role::MalformedCredentials => "malformed_credentials",
            Role::InvalidCredentials => "invalid_credentials",
            Role::RevokedCredentials => "revoked_credentials",
            Role::ExpiredCredentials => "expired_credentials",
            Role::InsufficientScope => "insufficient_scope",
            Role::AddressNotAllowed => "address_not_allowed",
            Role::WrongEnvironment => "wrong_environment",
        }
    }

    /// The name of errcat's built-in code for this role, before the catalog's case style: the
    /// role's name, but `internal_error` and `service_unavailable` for `internal` and
    /// `unavailable`.
    ///
    /// ```
    /// use errcat_catalog::Role;
    /// assert_eq!(Role::NotFound.builtin_code(), "not_found");
    /// assert_eq!(Role::Internal.builtin_code(), "internal_error");
    /// ```
    pub fn builtin_code(self) -> &'static str {
        match self {
            Role::Internal => "internal_error",
            Role::Unavailable => "service_unavailable",
            other => other.name(),
        }
    }

    /// Parses a `[roles]` key.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The statuses a code filling this role may have.
    pub fn allowed_statuses(self) -> &'static [u16] {
        match self {
            Role::NotFound => &[404],
            Role::MethodNotAllowed => &[405],
            Role::InvalidJson => &[400],
            Role::ValidationFailed | Role::InvalidParameter => &[400, 422],
            Role::UnsupportedMediaType => &[415],
            Role::PayloadTooLarge => &[413],
            Role::RateLimited => &[429],
            Role::Timeout => &[503, 504, 408],
            Role::Internal => &[500],
            Role::Unavailable => &[503],
            Role::IdempotencyKeyInvalid => &[400, 422],
            Role::IdempotencyKeyReused => &[409, 422],
            Role::IdempotencyKeyInProgress => &[409],
            Role::MissingCredentials
            | Role::MalformedCredentials
            | Role::InvalidCredentials
            | Role::RevokedCredentials
            | Role::ExpiredCredentials => &[401],
            Role::InsufficientScope | Role::AddressNotAllowed | Role::WrongEnvironment => &[403],
        }
    }
}

/// The type of a context value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextType {
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl ContextType {
    /// The name used in catalogs.
    pub fn name(self) -> &'static str {
        match self {
            ContextType::String => "string",
            ContextType::Integer => "integer",
            ContextType::Number => "number",
            ContextType::Boolean => "boolean",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ContextType> {
        Some(match s {
            "string" => ContextType::String,
            "integer" => ContextType::Integer,
            "number" => ContextType::Number,
            "boolean" => ContextType::Boolean,
            _ => return None,
        })
    }
}

/// One declared context key.
#[derive(Debug, Clone)]
pub struct ContextKey {
    /// The key.
    pub name: String,
    /// Its type.
    pub ty: ContextType,
    /// What it holds.
    pub description: Option<String>,
}

/// A code's `alert` setting: the rate of its error responses above which an alerting rule
/// fires (`errcat monitoring` writes one rule per code that has it).
///
/// ```
/// use errcat_catalog::{Alert, AlertSeverity};
///
/// let alert = Alert::new(0.5);
/// assert_eq!(alert.rate, 0.5);
/// assert_eq!(alert.for_duration, "5m");
/// assert_eq!(alert.severity, AlertSeverity::Warning);
/// assert!(Alert::is_valid_duration("1h30m"));
/// assert!(!Alert::is_valid_duration("5 minutes"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Error responses per second (averaged over five minutes) above which the rule fires:
    /// finite and above zero.
    pub rate: f64,
    /// How long the rate must stay above `rate` before the alert fires, as a Prometheus
    /// duration (`5m`, `1h30m`); `5m` when the catalog leaves it out.
    pub for_duration: String,
    /// The rule's `severity` label.
    pub severity: AlertSeverity,
}

impl Alert {
    /// An alert at `rate` errors per second, held for five minutes, of severity `warning`.
    pub fn new(rate: f64) -> Alert {
        Alert {
            rate,
            for_duration: "5m".to_string(),
            severity: AlertSeverity::Warning,
        }
    }

    /// Whether `s` is a Prometheus duration: one or more whole numbers each followed by a unit
    /// (`ms`, `s`, `m`, `h`, `d`, `w`, `y`), such as `90s` or `1h30m`.
    pub fn is_valid_duration(s: &str) -> bool {
        let mut rest = s.as_bytes();
        if rest.is_empty() || s.len() > 32 {
            return false;
        }
        while !rest.is_empty() {
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            rest = &rest[digits..];
            let unit = if rest.starts_with(b"ms") {
                2
            } else if rest
                .first()
                .is_some_and(|b| matches!(b, b's' | b'm' | b'h' | b'd' | b'w' | b'y'))
            {
                1
            } else {
                return false;
            };
            rest = &rest[unit..];
        }
        true
    }
}

/// The `severity` label of a code's alerting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertSeverity {
    /// Wake someone up.
    Critical,
    /// Look at it soon (the default).
    Warning,
    /// For the record.
    Info,
}

impl AlertSeverity {
    /// The name used in catalogs and on the rule's label.
    ///
    /// ```
    /// assert_eq!(errcat_catalog::AlertSeverity::Critical.name(), "critical");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            AlertSeverity::Critical => "critical",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Info => "info",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<AlertSeverity> {
        Some(match s {
            "critical" => AlertSeverity::Critical,
            "warning" => AlertSeverity::Warning,
            "info" => AlertSeverity::Info,
            _ => return None,
        })
    }
}

/// Retry advice for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAdvice {
    /// Retrying the same request will fail the same way.
    Never,
    /// Retry after the `Retry-After` delay.
    AfterRetryAfter,
    /// Retry with exponential backoff.
    Backoff,
}

impl RetryAdvice {
    /// The advice a status implies when the catalog says nothing.
    ///
    /// ```
    /// use errcat_catalog::RetryAdvice;
    /// assert_eq!(RetryAdvice::default_for(429), RetryAdvice::AfterRetryAfter);
    /// assert_eq!(RetryAdvice::default_for(502), RetryAdvice::Backoff);
    /// assert_eq!(RetryAdvice::default_for(422), RetryAdvice::Never);
    /// ```
    pub fn default_for(status: u16) -> RetryAdvice {
        match status {
            429 | 503 => RetryAdvice::AfterRetryAfter,
            500 | 502 | 504 => RetryAdvice::Backoff,
            _ => RetryAdvice::Never,
        }
    }

    /// The name used in catalogs.
    pub fn name(self) -> &'static str {
        match self {
            RetryAdvice::Never => "never",
            RetryAdvice::AfterRetryAfter => "after_retry_after",
            RetryAdvice::Backoff => "backoff",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<RetryAdvice> {
        Some(match s {
            "never" => RetryAdvice::Never,
            "after_retry_after" => RetryAdvice::AfterRetryAfter,
            "backoff" => RetryAdvice::Backoff,
            _ => return None,
        })
    }
}

/// Whether a code is current, deprecated or retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// In use.
    Active,
    /// Still returned; clients should move off it.
    Deprecated,
    /// No longer returned; kept so it is never reused.
    Retired,
}

/// Where an entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The catalog's own files.
    Catalog,
    /// errcat's built-in code for a role the catalog left unmapped.
    Builtin,
}

/// The long-form documentation of a code.
#[derive(Debug, Clone, Default)]
pub struct Docs {
    /// When it fires.
    pub when: Option<String>,
    /// What caused it.
    pub cause: Option<String>,
    /// What to do next.
    pub next_step: Option<String>,
    /// Causes, as a list.
    pub causes: Vec<String>,
    /// Resolution steps, as a list.
    pub resolution: Vec<String>,
    /// Endpoints that return it.
    pub endpoints: Vec<String>,
    /// Further text.
    pub notes: Vec<String>,
}

/// One error code.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The stable code.
    pub code: String,
    /// Every status the code can carry; the first is the default. Empty for a code that never
    /// reaches an HTTP response.
    pub statuses: Vec<u16>,
    /// Where a code without a status is reported.
    pub appears_in: Option<String>,
    /// The programmatic next step.
    pub action: Option<String>,
    /// The reference section.
    pub category: String,
    /// A short title.
    pub title: String,
    /// A one-line description.
    pub summary: String,
    /// One message per catalog locale, indexed like [`Meta::locales`]; `None` where missing.
    pub messages: Vec<Option<Template>>,
    /// Declared context keys.
    pub context: Vec<ContextKey>,
    /// Long-form docs.
    pub docs: Docs,
    /// Retry advice.
    pub retry: RetryAdvice,
    /// When an alerting rule should fire on this code's error rate (`alert`), if ever.
    pub alert: Option<Alert>,
    /// The code this one is a variant of.
    pub variant_of: Option<String>,
    /// Its successor, for a deprecated or retired code.
    pub replaced_by: Option<String>,
    /// Active, deprecated or retired.
    pub lifecycle: Lifecycle,
    /// Further columns, verbatim.
    pub attributes: Vec<(String, String)>,
    /// Catalog or built-in.
    pub origin: Origin,
    /// Where each part was written.
    pub spans: EntrySpans,
}

impl Entry {
    /// The default status, if the code reaches HTTP responses.
    pub fn default_status(&self) -> Option<u16> {
        self.statuses.first().copied()
    }

    /// The docs anchor: lower case, `_` turned into `-`.
    ///
    /// ```
    /// # let c = errcat_catalog::Catalog::from_toml_str("t.toml", r#"
    /// # [catalog]
    /// # name = "t"
    /// # case = "UPPER_SNAKE"
    /// # action_required = false
    /// # [codes.RATE_LIMITED]
    /// # status = 429
    /// # category = "x"
    /// # message.en = "Too many requests"
    /// # "#).unwrap();
    /// assert_eq!(c.get("RATE_LIMITED").unwrap().anchor(), "rate-limited");
    /// ```
    pub fn anchor(&self) -> String {
        anchor_of(&self.code)
    }

    /// The message for a locale index, falling back to `fallback` and then to any message.
    pub fn message(&self, locale: usize, fallback: usize) -> &Template {
        self.messages
            .get(locale)
            .and_then(Option::as_ref)
            .or_else(|| self.messages.get(fallback).and_then(Option::as_ref))
            .or_else(|| self.messages.iter().flatten().next())
            .unwrap_or(&EMPTY_TEMPLATE)
    }

    /// A declared context key.
    pub fn context_key(&self, name: &str) -> Option<&ContextKey> {
        self.context.iter().find(|k| k.name == name)
    }
}

static EMPTY_TEMPLATE: Template = Template::empty();

/// The docs anchor of a code.
pub fn anchor_of(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Source spans of an entry's parts, for diagnostics.
#[derive(Debug, Clone)]
pub struct EntrySpans {
    /// The code (the table key).
    pub code: Span,
    /// The whole table.
    pub entry: Span,
    /// `status`.
    pub status: Option<Span>,
    /// `action`.
    pub action: Option<Span>,
    /// `variant_of`.
    pub variant_of: Option<Span>,
    /// `replaced_by`.
    pub replaced_by: Option<Span>,
    /// Each message, indexed like the messages.
    pub messages: Vec<Option<Span>>,
}
