//! Stage 4, lint: rules over a built catalog. Each rule is declared once in `registry.rs`, with
//! its stable id, severity and explanation.

use std::collections::{BTreeSet, HashMap};

use crate::diag::Span;
use crate::diag::{Diagnostic, Report};
use crate::model::{CaseStyle, Catalog, ContextType, Entry, Lifecycle, Origin, Role};
use crate::registry as rule;
use crate::template::{ArgKind, Template};

/// The longest a code may be (AIP-193's limit for `ErrorInfo.reason`).
pub const MAX_CODE_LEN: usize = 63;

/// Placeholders every message may use without declaring them.
pub const BUILTIN_PLACEHOLDERS: &[&str] = &["retry_after"];

/// The rule ids of errcat's first release, with their one-line summaries.
///
/// Kept for compatibility: [`crate::registry::ALL`] holds every rule `check` can report, with
/// its severity and explanation, and these entries are taken from it.
pub const RULES: &[(&str, &str)] = &[
    (rule::TOML.id, rule::TOML.summary),
    (rule::DUPLICATE_CODE.id, rule::DUPLICATE_CODE.summary),
    (rule::CASE_STYLE.id, rule::CASE_STYLE.summary),
    (rule::CODE_TOO_LONG.id, rule::CODE_TOO_LONG.summary),
    (rule::INVALID_STATUS.id, rule::INVALID_STATUS.summary),
    (rule::ROLE_STATUS.id, rule::ROLE_STATUS.summary),
    (rule::MISSING_ACTION.id, rule::MISSING_ACTION.summary),
    (
        rule::UNDECLARED_PLACEHOLDER.id,
        rule::UNDECLARED_PLACEHOLDER.summary,
    ),
    (
        rule::PLACEHOLDER_PARITY.id,
        rule::PLACEHOLDER_PARITY.summary,
    ),
    (rule::MISSING_MESSAGE.id, rule::MISSING_MESSAGE.summary),
    (
        rule::DANGLING_REFERENCE.id,
        rule::DANGLING_REFERENCE.summary,
    ),
    (rule::ANCHOR_COLLISION.id, rule::ANCHOR_COLLISION.summary),
    (rule::UNKNOWN_ROLE_CODE.id, rule::UNKNOWN_ROLE_CODE.summary),
    (rule::UNKNOWN_LOCALE.id, rule::UNKNOWN_LOCALE.summary),
    (
        rule::RESERVED_CONTEXT_KEY.id,
        rule::RESERVED_CONTEXT_KEY.summary,
    ),
    (rule::UNKNOWN_CATEGORY.id, rule::UNKNOWN_CATEGORY.summary),
];

/// Context keys that would collide with an envelope's own members (problem+json's top level,
/// the flat style's `context.errors`).
pub const RESERVED_CONTEXT_KEYS: &[&str] = &[
    "type",
    "title",
    "status",
    "detail",
    "instance",
    "code",
    "request_id",
    "errors",
];

pub(crate) fn lint(c: &Catalog, report: &mut Report) {
    let default = c.meta.default_locale;
    let mut anchors: HashMap<String, usize> = HashMap::new();
    for (i, e) in c.entries.iter().enumerate() {
        let builtin = e.origin == Origin::Builtin;
        if !builtin {
            if !e.code.is_ascii() || !c.meta.case.matches(&e.code) {
                report.diagnostics.push(
                    Diagnostic::error(rule::CASE_STYLE, format!("`{}` is not {}", e.code, c.meta.case.as_str()))
                        .primary(&e.spans.code, format!("expected {} ASCII", c.meta.case.as_str()))
                        .help(match c.meta.case {
                            CaseStyle::Snake => "codes are lower-case ASCII words joined by `_`, such as `insufficient_balance`",
                            CaseStyle::UpperSnake => "codes are upper-case ASCII words joined by `_`, such as `VALIDATION_ERROR`",
                        }),
                );
            }
            if e.code.len() > MAX_CODE_LEN {
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::CODE_TOO_LONG,
                        format!("`{}` is {} characters long", e.code, e.code.len()),
                    )
                    .primary(&e.spans.code, format!("at most {MAX_CODE_LEN} characters"))
                    .help("AIP-193 limits ErrorInfo.reason to 63 characters; shorten the code"),
                );
            }
            if c.meta.action_required && e.action.is_none() && e.lifecycle != Lifecycle::Retired {
                report.diagnostics.push(
                    Diagnostic::error(rule::MISSING_ACTION, format!("`{}` has no action", e.code))
                        .primary(&e.spans.code, "add `action = \"...\"` to this code")
                        .help("the action is the programmatic next step, such as `top_up_balance`; set `action_required = false` in `[catalog]` if the API has none"),
                );
            }
        }

        for k in &e.context {
            if RESERVED_CONTEXT_KEYS.contains(&k.name.as_str()) {
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::RESERVED_CONTEXT_KEY,
                        format!("the context key `{}` of `{}` is reserved", k.name, e.code),
                    )
                    .primary(&e.spans.code, format!("declares `context.{}`", k.name))
                    .help(format!(
                        "envelopes use `{}` themselves; rename the key",
                        k.name
                    )),
                );
            }
        }

        // Messages: presence, placeholders, parity.
        let declared: BTreeSet<&str> = e
            .context
            .iter()
            .map(|k| k.name.as_str())
            .chain(BUILTIN_PLACEHOLDERS.iter().copied())
            .collect();
        match &e.messages[default] {
            None => {
                if !builtin {
                    report.diagnostics.push(
                        Diagnostic::error(
                            rule::MISSING_MESSAGE,
                            format!(
                                "`{}` has no message in the default locale `{}`",
                                e.code,
                                c.meta.default_locale_tag()
                            ),
                        )
                        .primary(
                            &e.spans.code,
                            format!("add `message.{} = \"...\"`", c.meta.default_locale_tag()),
                        ),
                    );
                }
            }
            Some(base) => {
                let base_set: BTreeSet<&str> = base.placeholders().collect();
                for (li, m) in e.messages.iter().enumerate() {
                    let span = e.spans.messages[li].as_ref().unwrap_or(&e.spans.code);
                    let tag = &c.meta.locales[li];
                    let Some(m) = m else {
                        if !builtin {
                            report.diagnostics.push(
                                Diagnostic::warning(
                                    rule::MISSING_MESSAGE,
                                    format!("`{}` has no `{tag}` message", e.code),
                                )
                                .primary(&e.spans.code, format!("add `message.{tag} = \"...\"`"))
                                .help(format!(
                                    "until then, `{tag}` clients get the `{}` message",
                                    c.meta.default_locale_tag()
                                )),
                            );
                        }
                        continue;
                    };
                    lint_icu(c, e, li, m, span, report);
                    for p in m.placeholders().collect::<BTreeSet<_>>() {
                        if !declared.contains(p) {
                            let at = crate::diag::inner_span(
                                &report.sources,
                                span,
                                m.source(),
                                m.arguments()
                                    .iter()
                                    .find(|a| a.name == p)
                                    .map_or(0..0, |a| a.range.clone()),
                            );
                            report.diagnostics.push(
                                Diagnostic::error(rule::UNDECLARED_PLACEHOLDER, format!("`{{{p}}}` is not in the context of `{}`", e.code))
                                    .primary(&at, "used here")
                                    .help(format!("declare it: `context.{p} = \"string\"` (or integer, number, boolean)")),
                            );
                        }
                    }
                    let set: BTreeSet<&str> = m.placeholders().collect();
                    if li != default && set != base_set {
                        let missing: Vec<_> = base_set
                            .difference(&set)
                            .map(|s| format!("{{{s}}}"))
                            .collect();
                        let extra: Vec<_> = set
                            .difference(&base_set)
                            .map(|s| format!("{{{s}}}"))
                            .collect();
                        let mut d = Diagnostic::error(
                            rule::PLACEHOLDER_PARITY,
                            format!("the `{tag}` message of `{}` does not use the same placeholders as `{}`", e.code, c.meta.default_locale_tag()),
                        )
                        .primary(span, describe_parity(&missing, &extra));
                        if let Some(bs) = e.spans.messages[default].as_ref() {
                            d = d.secondary(bs, "the default locale's message");
                        }
                        report.diagnostics.push(d);
                    } else if li != default {
                        kind_parity(c, e, li, base, m, span, report);
                    }
                }
            }
        }

        for (field, target, span) in [
            ("variant_of", &e.variant_of, &e.spans.variant_of),
            ("replaced_by", &e.replaced_by, &e.spans.replaced_by),
        ] {
            if let (Some(t), Some(span)) = (target, span) {
                if t == &e.code {
                    report.diagnostics.push(
                        Diagnostic::error(
                            rule::DANGLING_REFERENCE,
                            format!("`{}` names itself in `{field}`", e.code),
                        )
                        .primary(span, "a code cannot refer to itself"),
                    );
                } else if c.get(t).is_none() {
                    report.diagnostics.push(
                        Diagnostic::error(
                            rule::DANGLING_REFERENCE,
                            format!(
                                "`{field}` of `{}` names `{t}`, which is not in the catalog",
                                e.code
                            ),
                        )
                        .primary(span, "no such code")
                        .help(c.suggest(t).map_or_else(
                            || "name an existing code".to_string(),
                            |s| format!("did you mean `{s}`?"),
                        )),
                    );
                }
            }
        }

        let anchor = e.anchor();
        if let Some(&j) = anchors.get(&anchor) {
            let first = &c.entries[j];
            report.diagnostics.push(
                Diagnostic::error(
                    rule::ANCHOR_COLLISION,
                    format!(
                        "`{}` and `{}` share the docs anchor `#{anchor}`",
                        first.code, e.code
                    ),
                )
                .primary(&e.spans.code, "this code")
                .secondary(&first.spans.code, "collides with this one")
                .help("rename one of them; docs anchors are the code lower-cased with `_` as `-`"),
            );
        } else {
            anchors.insert(anchor, i);
        }
    }

    for (i, (name, _)) in c.meta.category_docs.iter().enumerate() {
        if !c.entries.iter().any(|e| &e.category == name) {
            let mut d = Diagnostic::warning(
                rule::UNKNOWN_CATEGORY,
                format!("`[categories]` describes `{name}`, which no code has"),
            )
            .help("use a category exactly as the codes write it");
            if let Some(span) = c.meta.category_spans.get(i) {
                d = d.primary(span, "no code has this category");
            }
            report.diagnostics.push(d);
        }
    }

    for role in Role::ALL {
        let e = c.role(role);
        let allowed = role.allowed_statuses();
        match e.default_status() {
            None => report.diagnostics.push(
                Diagnostic::error(
                    rule::ROLE_STATUS,
                    format!(
                        "role `{}` names `{}`, which has no status",
                        role.name(),
                        e.code
                    ),
                )
                .primary(&e.spans.code, "a code the framework returns needs a status")
                .help(format!(
                    "give it one of {allowed:?}, or map the role to another code"
                )),
            ),
            Some(s) if !allowed.contains(&s) => report.diagnostics.push(
                Diagnostic::error(
                    rule::ROLE_STATUS,
                    format!(
                        "role `{}` needs status {allowed:?}, but `{}` is {s}",
                        role.name(),
                        e.code
                    ),
                )
                .primary(
                    e.spans.status.as_ref().unwrap_or(&e.spans.code),
                    format!("status {s}"),
                )
                .help(format!(
                    "map `{}` to a code with status {allowed:?}",
                    role.name()
                )),
            ),
            Some(_) => {}
        }
        if e.lifecycle == Lifecycle::Retired {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::ROLE_STATUS,
                    format!("role `{}` names the retired code `{}`", role.name(), e.code),
                )
                .primary(&e.spans.code, "retired codes are never returned"),
            );
        }
    }
}

/// The ICU rules of one message: `missing-other`, `plural-argument-type`, `html-unsafe` and,
/// for a translation, `brand-removed`.
fn lint_icu(c: &Catalog, e: &Entry, li: usize, m: &Template, span: &Span, report: &mut Report) {
    let at = |report: &Report, r: std::ops::Range<usize>| {
        crate::diag::inner_span(&report.sources, span, m.source(), r)
    };
    let tag = &c.meta.locales[li];
    for a in m.arguments() {
        let choice = matches!(
            a.kind,
            ArgKind::Plural | ArgKind::SelectOrdinal | ArgKind::Select
        );
        if choice && !a.has_other {
            let d = Diagnostic::error(
                rule::MISSING_OTHER,
                format!(
                    "the {} on `{}` in the `{tag}` message of `{}` has no `other` arm",
                    a.kind.name(),
                    a.name,
                    e.code
                ),
            )
            .primary(&at(report, a.range.clone()), "add `other {...}`")
            .help("`other` is taken by every value no other arm matches, and by a missing or non-numeric one");
            report.diagnostics.push(d);
        }
        if a.kind.is_numeric()
            && let Some(k) = e.context_key(&a.name)
            && matches!(k.ty, ContextType::String | ContextType::Boolean)
        {
            let d = Diagnostic::warning(
                rule::PLURAL_ARGUMENT_TYPE,
                format!(
                    "the {} on `{}` in the `{tag}` message of `{}` reads a {} value",
                    a.kind.name(),
                    a.name,
                    e.code,
                    k.ty.name()
                ),
            )
            .primary(&at(report, a.range.clone()), "needs a number")
            .help(format!(
                "declare `context.{} = \"integer\"` (or \"number\"); a value that is not a number takes the `other` arm",
                a.name
            ));
            report.diagnostics.push(d);
        }
    }
    for r in html_markup(m.source()) {
        let d = Diagnostic::warning(
            rule::HTML_UNSAFE,
            format!("the `{tag}` message of `{}` holds HTML markup", e.code),
        )
        .primary(&at(report, r), "HTML markup")
        .help("messages are plain text; clients may place them in web pages unescaped");
        report.diagnostics.push(d);
    }
    let default = c.meta.default_locale;
    if li != default
        && let Some(base) = &e.messages[default]
    {
        for term in &c.meta.brand_terms {
            if term.is_empty()
                || !base.source().contains(term.as_str())
                || m.source().contains(term.as_str())
            {
                continue;
            }
            let mut d = Diagnostic::error(
                rule::BRAND_REMOVED,
                format!(
                    "the `{tag}` message of `{}` drops the brand term `{term}`",
                    e.code
                ),
            )
            .primary(span, format!("lacks `{term}`"))
            .help(format!(
                "brand terms are not translated: keep `{term}` exactly as written"
            ));
            if let Some(bs) = e.spans.messages[default].as_ref() {
                let r = base
                    .source()
                    .find(term.as_str())
                    .map_or(0..0, |s| s..s + term.len());
                let bat = crate::diag::inner_span(&report.sources, bs, base.source(), r);
                d = d.secondary(&bat, "the default locale's message has it here");
            }
            report.diagnostics.push(d);
        }
    }
}

/// HTML element names (WHATWG, with the obsolete ones browsers still run), lower case.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "bdi",
    "bdo",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hgroup",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "link",
    "main",
    "map",
    "mark",
    "marquee",
    "math",
    "menu",
    "meta",
    "meter",
    "nav",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "param",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "search",
    "section",
    "select",
    "slot",
    "small",
    "source",
    "span",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Byte ranges of what a browser reads as markup, up to the next `>` (or the end): a comment
/// (`<!`), a processing instruction (`<?`), a tag of an HTML element (`<b>`, `</a>`), and any
/// tag with an attribute (`<x onclick=...>`). `<token>` and `a < b` are text.
fn html_markup(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let end = text[i..].find('>').map_or(text.len(), |n| i + n + 1);
        let inner = &text[i + 1..end.max(i + 1)];
        let name: String = inner
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let tagged = inner
            .trim_start_matches('/')
            .starts_with(|c: char| c.is_ascii_alphabetic());
        let markup = inner.starts_with(['!', '?'])
            || (tagged && (HTML_ELEMENTS.contains(&name.as_str()) || inner.contains('=')));
        if markup {
            out.push(i..end);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// What a message expects of an argument's value: a number (plural, selectordinal, number), a
/// word (select), or anything (a plain placeholder).
fn value_type(t: &Template, name: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    let args = t.arguments().iter().filter(|a| a.name == name);
    let mut found = None;
    for a in args {
        let ty = match a.kind {
            ArgKind::Simple => continue,
            ArgKind::Select => "word",
            _ => "number",
        };
        match &found {
            None => found = Some((ty, a.range.clone())),
            Some((t, _)) if *t != ty => return None,
            Some(_) => {}
        }
    }
    found
}

/// `placeholder-parity` by type: a name the default message reads as a number and the
/// translation as a select word, or the other way round. A plain placeholder goes with either:
/// a language without plurals writes `{count}` where English has a plural.
fn kind_parity(
    c: &Catalog,
    e: &Entry,
    li: usize,
    base: &Template,
    m: &Template,
    span: &Span,
    report: &mut Report,
) {
    let tag = &c.meta.locales[li];
    let names: BTreeSet<&str> = m.placeholders().collect();
    for name in names {
        let (Some((ty, range)), Some((bty, brange))) =
            (value_type(m, name), value_type(base, name))
        else {
            continue;
        };
        if ty == bty {
            continue;
        }
        let what = |t: &str| {
            if t == "word" {
                "a select word"
            } else {
                "a number"
            }
        };
        let at = crate::diag::inner_span(&report.sources, span, m.source(), range);
        let mut d = Diagnostic::error(
            rule::PLACEHOLDER_PARITY,
            format!(
                "the `{tag}` message of `{}` reads `{name}` as {}, the `{}` message as {}",
                e.code,
                what(ty),
                c.meta.default_locale_tag(),
                what(bty)
            ),
        )
        .primary(&at, format!("{} here", what(ty)));
        if let Some(bs) = e.spans.messages[c.meta.default_locale].as_ref() {
            let bat = crate::diag::inner_span(&report.sources, bs, base.source(), brange);
            d = d.secondary(&bat, format!("{} in the default locale", what(bty)));
        }
        report.diagnostics.push(d);
    }
}

fn describe_parity(missing: &[String], extra: &[String]) -> String {
    match (missing.is_empty(), extra.is_empty()) {
        (false, false) => format!("lacks {} and adds {}", missing.join(", "), extra.join(", ")),
        (false, true) => format!("lacks {}", missing.join(", ")),
        _ => format!("adds {}", extra.join(", ")),
    }
}
