//! The registry of `errcat check`'s rules: every rule id a diagnostic can carry, declared once
//! here with its default severity and its explanation (what `errcat explain --rule ID` prints).
//!
//! The loader and the lint build diagnostics from these constants, never from a string, and a
//! test scans the crate's sources for rules that are declared but never used.
//!
//! ```
//! use errcat_catalog::registry;
//!
//! assert_eq!(registry::MISSING_ACTION.id, "missing-action");
//! assert!(registry::ALL.iter().any(|r| r.id == "toml"));
//! assert_eq!(registry::suggest("missing-acton"), Some("missing-action"));
//! ```

use crate::diag::Rule;

/// Declares rules once: one `pub const` [`Rule`](crate::Rule) per entry (its doc is the
/// summary) and a static slice of them all, in the order written.
///
/// errcat's own registries use it: [`crate::registry`] here, and the CLI's table of `errcat
/// import` warnings.
///
/// ```
/// errcat_catalog::declare_rules! {
///     /// The rules of my tool.
///     pub static MY_RULES = [
///         NO_NAME {
///             id: "my::no-name",
///             severity: Warning,
///             summary: "the input has no name",
///             explanation: "Give the input a name.",
///         },
///     ];
/// }
///
/// assert_eq!(MY_RULES, [NO_NAME]);
/// assert_eq!(NO_NAME.severity, errcat_catalog::Severity::Warning);
/// ```
#[macro_export]
macro_rules! declare_rules {
    (
        $(#[$all_meta:meta])*
        $vis:vis static $all:ident = [
            $(
                $name:ident {
                    id: $id:literal,
                    severity: $severity:ident,
                    summary: $summary:literal,
                    explanation: $explanation:literal $(,)?
                }
            ),* $(,)?
        ];
    ) => {
        $(
            #[doc = concat!("`", $id, "`: ", $summary, ".")]
            $vis const $name: $crate::Rule = $crate::Rule {
                id: $id,
                severity: $crate::Severity::$severity,
                summary: $summary,
                explanation: $explanation,
            };
        )*
        $(#[$all_meta])*
        $vis static $all: &[$crate::Rule] = &[$($name),*];
    };
}

/// The registered rule with this id.
///
/// ```
/// use errcat_catalog::registry;
///
/// assert_eq!(registry::find("toml"), Some(&registry::TOML));
/// assert_eq!(registry::find("no-such-rule"), None);
/// ```
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().find(|r| r.id == id)
}

/// The registered id closest to `id`, if `id` looks like a typo of it.
///
/// ```
/// assert_eq!(errcat_catalog::registry::suggest("dupliate-code"), Some("duplicate-code"));
/// ```
pub fn suggest(id: &str) -> Option<&'static str> {
    crate::suggest::closest(id, ALL.iter().map(|r| r.id))
}

declare_rules! {
    /// Every rule of `errcat check`, in the order the stages run: read, parse, build, lint.
    pub static ALL = [
        IO {
            id: "io",
            severity: Error,
            summary: "the catalog cannot be read: no such path, no `*.toml` file, or not UTF-8",
            explanation: r#"errcat could not read the catalog at all: the path does not exist or is not
readable, a directory catalog holds no `*.toml` file, or a file is not UTF-8 text.

Nothing else is checked until the files can be read, so this is the only diagnostic you
see. Pass the path of a catalog file, or of a directory whose `*.toml` files together make
the catalog (one of them holds `[catalog]`), and save the files as UTF-8.

    errcat check catalogs/mintfax.toml
    errcat check catalogs/mxcep/"#,
        },
        TOML {
            id: "toml",
            severity: Error,
            summary: "the file is not valid TOML, or has an unknown or mistyped key",
            explanation: r#"A catalog file does not parse: its TOML syntax is broken, a key is defined twice,
a key is not one the catalog format knows, or a value has the wrong type.

Unknown keys are errors rather than ignored, so a misspelt `mesage.en` cannot silently
leave a code without its message. Fix the spot the diagnostic marks; docs/catalog-format.md
lists every key.

    # bad: `mesage` is not a key of a code
    [codes.gone]
    mesage.en = "Gone."

    # good
    [codes.gone]
    message.en = "Gone.""#,
        },
        MISSING_CATALOG_TABLE {
            id: "missing-catalog-table",
            severity: Error,
            summary: "no file of the catalog has a `[catalog]` table",
            explanation: r#"None of the catalog's files holds a `[catalog]` table, which names the API and
holds its settings (locales, case style, envelope style, docs permalink).

Add one, with at least a name. In a directory catalog it goes in one file, such as
catalog.toml, beside `[roles]` and `[http_statuses]`.

    [catalog]
    name = "mintfax"
    docs_url = "https://mintfax.com/docs/errors/{anchor}""#,
        },
        DUPLICATE_CATALOG_TABLE {
            id: "duplicate-catalog-table",
            severity: Error,
            summary: "`[catalog]` or `[roles]` is defined in more than one file",
            explanation: r#"In a directory catalog, `[catalog]` or `[roles]` appears in two files. Their
settings would have to be merged in some order, and a catalog should not depend on file
names for its meaning.

Keep `[catalog]`, `[roles]` and `[http_statuses]` in one file, such as catalog.toml, and the
codes in the others."#,
        },
        INVALID_SETTING {
            id: "invalid-setting",
            severity: Error,
            summary: "a `[catalog]` setting has a value errcat does not know",
            explanation: r#"A setting of `[catalog]` has a value outside its list: `case` is not `snake_case` or
`UPPER_SNAKE`, `style` is not one of the envelope styles, or `[catalog.request_id]` asks
for an unknown `format`, a hex length outside 8 to 64, or a prefix with characters that are
unsafe in an HTTP header.

The diagnostic lists the values allowed.

    # bad
    [catalog]
    name = "t"
    style = "rfc7807"

    # good
    [catalog]
    name = "t"
    style = "problem""#,
        },
        INVALID_LOCALE {
            id: "invalid-locale",
            severity: Error,
            summary: "`locales` is empty, holds a tag that is not BCP 47, or lacks `default_locale`",
            explanation: r#"The catalog's `locales` list is empty, holds something that is not a BCP 47
language tag, or does not contain the `default_locale`.

Messages are negotiated from `Accept-Language`, which speaks BCP 47, and the default locale
is the fallback every client gets when no other locale matches, so it must be declared.

    # bad
    [catalog]
    name = "t"
    locales = ["en", "es"]
    default_locale = "fr"

    # good
    [catalog]
    name = "t"
    locales = ["en", "es"]
    default_locale = "en""#,
        },
        CUSTOM_TEMPLATE {
            id: "custom-template",
            severity: Error,
            summary: "the custom envelope template is missing or does not compile",
            explanation: r#"The catalog uses `style = "custom"` but has no `[catalog.custom]` template, or the
template is not valid JSON (its `{{placeholder}}`s are written inside JSON strings) or
names a placeholder errcat does not provide.

Every error response is rendered from this template, so it is compiled when the catalog
loads rather than failing on the first request.

    [catalog]
    name = "t"
    style = "custom"

    [catalog.custom]
    template = '{"code": "{{code}}", "message": "{{message}}"}'"#,
        },
        DOCS_URL {
            id: "docs-url",
            severity: Warning,
            summary: "the docs permalink template names no code",
            explanation: r#"`docs_url` has neither `{anchor}` nor `{code}`, so every code would link to the
same page, and a client following the link from an error would not land on its code.

    # bad
    docs_url = "https://example.com/errors"

    # good: `{anchor}` is the code lower-cased, with `-` for `_`
    docs_url = "https://example.com/errors#{anchor}""#,
        },
        DUPLICATE_CODE {
            id: "duplicate-code",
            severity: Error,
            summary: "a code is defined twice",
            explanation: r#"Two files of a directory catalog define the same code. (Within one file, TOML itself
reports the duplicate key, as `toml`.)

A code is defined once, forever: clients branch on it, so two definitions would give one
code two meanings. Fold the second definition into the first; a code that is no longer
used keeps its entry with `retired = true`.

    # codes/billing.toml
    [codes.insufficient_balance]
    status = 402

    # codes/payments.toml: bad, defined again
    [codes.insufficient_balance]
    status = 402"#,
        },
        INVALID_STATUS {
            id: "invalid-status",
            severity: Error,
            summary: "a status is not a 4xx or 5xx status",
            explanation: r#"A code's `status` is not a 4xx or 5xx HTTP status, or its status list is empty. A
status listed twice is reported as a warning.

errcat renders error responses, and a 2xx or 3xx status would tell clients the request
succeeded. A code that never reaches an HTTP response (an SMTP reply, a webhook event) has
no `status`; say where it appears with `appears_in`.

    # bad
    [codes.accepted]
    status = 202

    # good
    [codes.queue_full]
    status = 503

    [codes.mailbox_full]
    appears_in = "SMTP replies""#,
        },
        MISSING_CATEGORY {
            id: "missing-category",
            severity: Error,
            summary: "a code has no category",
            explanation: r#"A code has no `category`. The category is the section of the reference docs the code
is listed under, and the docs, the OpenAPI document and `errcat check`'s summary group codes
by it.

    [codes.insufficient_balance]
    status = 402
    category = "Billing""#,
        },
        UNKNOWN_LOCALE {
            id: "unknown-locale",
            severity: Error,
            summary: "a message is written in a locale the catalog does not declare",
            explanation: r#"A code has a `message.<locale>` for a locale that is not in `[catalog] locales`.
No client would ever be served it, and a typo such as `message.en-us` for `en-US` hides a
missing translation.

Add the locale to `locales`, or remove the message.

    [catalog]
    name = "t"
    locales = ["en", "es"]

    [codes.gone]
    message.en = "Gone."
    message.fr = "Disparu."   # bad: `fr` is not declared"#,
        },
        INVALID_PLACEHOLDER {
            id: "invalid-placeholder",
            severity: Error,
            summary: "a message does not parse as a template",
            explanation: r#"A message has a `{` that is never closed, a `}` that was never opened, or a
placeholder whose name is not an identifier (`{Bad Name}`).

Messages are templates: `{balance}` is replaced with the error's context value. Write `{{`
and `}}` for literal braces.

    # bad
    message.en = "Balance {balance is too low."

    # good
    message.en = "Balance {balance} is too low; see {{docs}}.""#,
        },
        INVALID_CONTEXT {
            id: "invalid-context",
            severity: Error,
            summary: "a context key has an unknown type",
            explanation: r#"A `context.<key>` declares a type errcat does not know. The type decides how the
value appears in the JSON body and in the OpenAPI schema, and is one of `string`,
`integer`, `number` or `boolean`.

    # bad
    context.balance = "float"

    # good
    context.balance = "number"
    context.cost = { type = "number", description = "What the operation costs." }"#,
        },
        INVALID_RETRY {
            id: "invalid-retry",
            severity: Error,
            summary: "a code's retry advice is unknown",
            explanation: r#"A code's `retry` is not one of `never`, `after_retry_after` or `backoff`. The advice
tells clients whether repeating the request can succeed; without `retry`, errcat derives it
from the status (429 and 503 wait for `Retry-After`, 500, 502 and 504 back off, the others
never retry).

    # bad
    retry = "later"

    # good
    retry = "backoff""#,
        },
        INVALID_ALERT {
            id: "invalid-alert",
            severity: Error,
            summary: "a code's alert setting is out of shape",
            explanation: r#"A code's `alert` tells `errcat monitoring` to write an alerting rule on that
code's error rate: `rate` is the error responses per second (averaged over five minutes)
above which it fires, a number above 0; `for`, how long the rate must stay above it, a
Prometheus duration (`5m` by default); `severity`, the rule's label: `critical`, `warning`
(the default) or `info`.

    # bad
    alert = { rate = 0, for = "ten minutes", severity = "urgent" }

    # good
    alert = { rate = 0.5, for = "10m", severity = "critical" }"#,
        },
        UNKNOWN_ROLE {
            id: "unknown-role",
            severity: Error,
            summary: "`[roles]` names a role errcat does not have",
            explanation: r#"A key of `[roles]` is not one of errcat's roles. Roles are the errors the framework
itself returns (an unknown route, a malformed JSON body, a rate limit, a panic), and
`[roles]` maps them to the catalog's codes. The diagnostic lists every role.

    [roles]
    not_found = "resource_not_found"
    notfound = "resource_not_found"   # bad: the role is `not_found`"#,
        },
        UNKNOWN_ROLE_CODE {
            id: "unknown-role-code",
            severity: Error,
            summary: "`[roles]` names a code that does not exist",
            explanation: r#"A role in `[roles]` is mapped to a code the catalog does not define, so the framework
would have no entry to render.

Name one of the catalog's codes, or leave the role out: errcat then uses a code of the
catalog's own with the role's name, or its built-in code (see `role-default`).

    [roles]
    rate_limited = "too_many_requests"

    [codes.too_many_requests]
    status = 429"#,
        },
        ROLE_DEFAULT {
            id: "role-default",
            severity: Note,
            summary: "a role not in `[roles]` is filled by a code of the same name or a built-in code",
            explanation: r#"A role is not mapped in `[roles]`, so errcat fills it: with the catalog's own code of
the role's name (in the catalog's case style) when there is one, otherwise with errcat's
built-in code, whose messages are in English and Spanish.

This is a note, shown by `errcat check --notes`: nothing is wrong, but the built-in code's
wording may not be your API's. Map the role to make the choice explicit.

    [roles]
    not_found = "resource_not_found""#,
        },
        ROLE_STATUS {
            id: "role-status",
            severity: Error,
            summary: "a role's code has a status of the wrong class, or none",
            explanation: r#"The code a role resolves to cannot be returned for it: its status is not one the role
allows (`not_found` needs 404, `rate_limited` 429, `internal` 500, ...), it has no status,
or it is retired.

The framework returns these codes on its own, with the role's status; a code whose status
disagrees would make the body and the status line contradict each other. Map the role to
a code with a fitting status.

    [roles]
    rate_limited = "slow_down"

    [codes.slow_down]
    status = 400   # bad: `rate_limited` needs 429"#,
        },
        CASE_STYLE {
            id: "case-style",
            severity: Error,
            summary: "a code does not follow the catalog's case style, or is not ASCII",
            explanation: r#"A code is not ASCII, or does not follow the catalog's `case` (`snake_case` by default,
or `UPPER_SNAKE`).

Codes are identifiers clients compare byte for byte and generate enum variants from; one
style throughout keeps them predictable.

    # bad, in a snake_case catalog
    [codes.InsufficientBalance]

    # good
    [codes.insufficient_balance]"#,
        },
        CODE_TOO_LONG {
            id: "code-too-long",
            severity: Error,
            summary: "a code is longer than 63 characters",
            explanation: r#"A code is longer than 63 characters. Google's AIP-193 limits `ErrorInfo.reason`, which
carries the code in the `google` style, to 63 characters, and long codes are a burden in
client code anyway. Shorten it; the title and the docs can say the rest."#,
        },
        MISSING_ACTION {
            id: "missing-action",
            severity: Error,
            summary: "a code has no action while the catalog requires one",
            explanation: r#"A code that is not retired has no `action`, while the catalog requires one
(`action_required` is true by default).

The action is the programmatic next step a client can branch on, such as `top_up_balance`
or `retry_later`. Add one, or set `action_required = false` in `[catalog]` if the API has
none.

    [codes.insufficient_balance]
    status = 402
    action = "top_up_balance""#,
        },
        RESERVED_CONTEXT_KEY {
            id: "reserved-context-key",
            severity: Error,
            summary: "a context key has the name of an envelope member",
            explanation: r#"A code declares a context key that an envelope uses for itself: `type`, `title`,
`status`, `detail`, `instance`, `code`, `request_id` or `errors`. In problem+json the
context sits at the top level of the body, so such a key would overwrite the envelope's own
member. Rename it.

    # bad
    context.status = "string"

    # good
    context.fax_status = "string""#,
        },
        MISSING_MESSAGE {
            id: "missing-message",
            severity: Error,
            summary: "a locale has no message for a code",
            explanation: r#"A code has no message in the default locale (an error), or none in another declared
locale (a warning).

The default locale's message is what every client falls back to, so a code cannot do
without it. A missing translation is only a warning: until it is written, that locale's
clients get the default locale's message.

    [catalog]
    name = "t"
    locales = ["en", "es"]

    [codes.gone]
    message.en = "Gone."
    message.es = "Ya no existe.""#,
        },
        UNDECLARED_PLACEHOLDER {
            id: "undeclared-placeholder",
            severity: Error,
            summary: "a message uses a placeholder the context does not declare",
            explanation: r#"A message uses a `{placeholder}` that is not a declared context key of the code (nor
`retry_after`, which every message may use).

The context declares what the API fills in when it returns the error; a placeholder without
a declaration would render as nothing, or as the braces themselves. Declare it with its
type.

    # bad
    message.en = "Balance {balance} is too low."

    # good
    message.en = "Balance {balance} is too low."
    context.balance = "number""#,
        },
        ICU_SYNTAX {
            id: "icu-syntax",
            severity: Error,
            summary: "a message's plural, select, number or apostrophe quote is malformed",
            explanation: r#"A message does not parse as ICU MessageFormat: a plural or select has a key that is
not a CLDR category (zero, one, two, few, many, other) or `=N`, an arm that is never
closed, two arms with the same key, an unknown argument type, or an apostrophe quote that
never ends.
The diagnostic marks the exact bytes.

Messages are parsed once when the catalog loads, so a broken one never reaches a client.
Inside a plural or select, braces follow ICU: quote a literal one as `'{'`; `{{` and `}}`
are literal braces only outside them.

    # bad: `single` is not a plural category, and the arm is never closed
    message.en = "{count, plural, single {# page} other {# pages}"

    # good
    message.en = "{count, plural, one {# page failed} other {# pages failed}}""#,
        },
        MISSING_OTHER {
            id: "missing-other",
            severity: Error,
            summary: "a plural or select has no `other` arm",
            explanation: r#"A plural, selectordinal or select has no `other` arm. `other` is what a value that no
other arm matches gets: a number in a category the message does not list (Russian needs
`one`, `few` and `many`), a select word the message does not know, and a value that is
missing or not a number. ICU requires it; errcat does too.

    # bad
    message.en = "{count, plural, one {# page failed}}"

    # good
    message.en = "{count, plural, one {# page failed} other {# pages failed}}""#,
        },
        PLURAL_ARGUMENT_TYPE {
            id: "plural-argument-type",
            severity: Warning,
            summary: "a plural or number reads a context key declared as a string or boolean",
            explanation: r#"A `plural`, `selectordinal` or `number` argument reads a context key that the code
declares as `string` or `boolean`. Plural arms are chosen by a number: a string that is not
a decimal number, a boolean, or a missing value takes the `other` arm, and `#` writes the
value as given. Declare the key `integer` or `number`.

    # bad
    context.count = "string"

    # good
    context.count = "integer""#,
        },
        HTML_UNSAFE {
            id: "html-unsafe",
            severity: Warning,
            summary: "a message holds HTML markup",
            explanation: r#"A message holds what a browser reads as HTML: a tag of an HTML element such as `<b>`,
`</a>` or `<script>`, any tag with an attribute (`<x onclick=...>`), a comment `<!--`, or a
processing instruction `<?`. Messages are plain text: clients put them in web pages, and a
translation that smuggles in `<script>` or `<img onerror=...>` would run there. errcat
escapes messages in its own docs, but not every client does. Write the text without markup;
`a < b`, `<5 s` and a notation such as `Bearer <token>` are text and fine. `check` warns;
`errcat messages import` refuses a translation that brings markup in.

    # bad
    message.es = "El saldo es <b>insuficiente</b>."

    # good
    message.es = "El saldo es insuficiente.""#,
        },
        BRAND_REMOVED {
            id: "brand-removed",
            severity: Error,
            summary: "a translation drops a brand term the default locale's message has",
            explanation: r#"The default locale's message has a term from `brand_terms` in `[catalog]`, and a
translation does not have it, written exactly the same way. Product and brand names are not
translated: a translator who renders "MintFax" as "FaxMenta" breaks what users search for.

    [catalog]
    brand_terms = ["MintFax"]

    [codes.fax_rejected]
    message.en = "MintFax rejected the fax."
    message.es = "MintFax rechazó el fax.""#,
        },
        PLACEHOLDER_PARITY {
            id: "placeholder-parity",
            severity: Error,
            summary: "a locale's message uses other placeholders than the default locale's",
            explanation: r#"A translation uses other placeholders than the default locale's message: it drops one,
or adds one. A translation that drops `{cost}` hides information from its clients; one
that adds a placeholder uses a value the English text never promised.

Arguments count by name and by the type of value they read: a translation that reads
`{count, select, ...}` (a word) where the default message has `{count, plural, ...}` (a
number) is reported too. A plain `{count}` goes with either, so a language without plurals
may write `{count}` where English has a plural; each locale lists the plural categories its
own language needs, so the arms may differ.

    # bad
    message.en = "Balance {balance} is below the cost {cost}."
    message.es = "Saldo insuficiente: {balance}."

    # good
    message.es = "El saldo {balance} es menor que el costo {cost}.""#,
        },
        DANGLING_REFERENCE {
            id: "dangling-reference",
            severity: Error,
            summary: "`variant_of` or `replaced_by` names a code that does not exist",
            explanation: r#"`variant_of` or `replaced_by` names a code that is not in the catalog, or the code
itself. The docs link these codes, and a client told to use the replacement must find it.
The diagnostic suggests the closest code when the name looks like a typo.

    [codes.card_declined_v1]
    retired = true
    replaced_by = "card_declined"   # must be a code of the catalog"#,
        },
        ANCHOR_COLLISION {
            id: "anchor-collision",
            severity: Error,
            summary: "two codes have the same docs anchor once hyphenated",
            explanation: r#"Two codes have the same docs anchor: the anchor is the code lower-cased with `_` as
`-`, so `card_declined` and `CARD_DECLINED`, or `a_b` and `a-b`, land on one permalink.
Rename one of them."#,
        },
        UNKNOWN_CATEGORY {
            id: "unknown-category",
            severity: Warning,
            summary: "`[categories]` describes a category no code has",
            explanation: r#"`[categories]` describes a category that no code has, which usually means the
category's name is misspelt here or in the codes; the description would never be shown.
Write the category exactly as the codes do.

    [categories]
    "Billing" = "Payments and balances."

    [codes.insufficient_balance]
    category = "Billing""#,
        },
    ];
}
