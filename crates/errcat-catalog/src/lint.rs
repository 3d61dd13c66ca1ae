//! Lint rules over a built catalog. Each rule has a stable id, used in diagnostics and tests.

use std::collections::{BTreeSet, HashMap};

use crate::diag::{Diagnostic, Report};
use crate::model::{CaseStyle, Catalog, Lifecycle, Origin, Role};

/// The longest a code may be (AIP-193's limit for `ErrorInfo.reason`).
pub const MAX_CODE_LEN: usize = 63;

/// Placeholders every message may use without declaring them.
pub const BUILTIN_PLACEHOLDERS: &[&str] = &["retry_after"];

/// Every rule id `check` can report, with a one-line description.
pub const RULES: &[(&str, &str)] = &[
    (
        "toml",
        "the file is not valid TOML, or has an unknown or mistyped key",
    ),
    ("duplicate-code", "a code is defined twice"),
    (
        "case-style",
        "a code does not follow the catalog's case style, or is not ASCII",
    ),
    ("code-too-long", "a code is longer than 63 characters"),
    ("invalid-status", "a status is not a 4xx or 5xx status"),
    (
        "role-status",
        "a role's code has a status of the wrong class, or none",
    ),
    (
        "missing-action",
        "a code has no action while the catalog requires one",
    ),
    (
        "undeclared-placeholder",
        "a message uses a placeholder the context does not declare",
    ),
    (
        "placeholder-parity",
        "a locale's message uses other placeholders than the default locale's",
    ),
    ("missing-message", "a locale has no message for a code"),
    (
        "dangling-reference",
        "`variant_of` or `replaced_by` names a code that does not exist",
    ),
    (
        "anchor-collision",
        "two codes have the same docs anchor once hyphenated",
    ),
    (
        "unknown-role-code",
        "`[roles]` names a code that does not exist",
    ),
    (
        "unknown-locale",
        "a message is written in a locale the catalog does not declare",
    ),
    (
        "reserved-context-key",
        "a context key has the name of an envelope member",
    ),
    (
        "unknown-category",
        "`[categories]` describes a category no code has",
    ),
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
                    Diagnostic::error("case-style", format!("`{}` is not {}", e.code, c.meta.case.as_str()))
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
                        "code-too-long",
                        format!("`{}` is {} characters long", e.code, e.code.len()),
                    )
                    .primary(&e.spans.code, format!("at most {MAX_CODE_LEN} characters"))
                    .help("AIP-193 limits ErrorInfo.reason to 63 characters; shorten the code"),
                );
            }
            if c.meta.action_required && e.action.is_none() && e.lifecycle != Lifecycle::Retired {
                report.diagnostics.push(
                    Diagnostic::error("missing-action", format!("`{}` has no action", e.code))
                        .primary(&e.spans.code, "add `action = \"...\"` to this code")
                        .help("the action is the programmatic next step, such as `top_up_balance`; set `action_required = false` in `[catalog]` if the API has none"),
                );
            }
        }

        for k in &e.context {
            if RESERVED_CONTEXT_KEYS.contains(&k.name.as_str()) {
                report.diagnostics.push(
                    Diagnostic::error(
                        "reserved-context-key",
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
                            "missing-message",
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
                                    "missing-message",
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
                    for p in m.placeholders().collect::<BTreeSet<_>>() {
                        if !declared.contains(p) {
                            let at = crate::diag::inner_span(
                                &report.sources,
                                span,
                                m.source(),
                                m.source()
                                    .find(&format!("{{{p}}}"))
                                    .map_or(0..0, |s| s..s + p.len() + 2),
                            );
                            report.diagnostics.push(
                                Diagnostic::error("undeclared-placeholder", format!("`{{{p}}}` is not in the context of `{}`", e.code))
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
                            "placeholder-parity",
                            format!("the `{tag}` message of `{}` does not use the same placeholders as `{}`", e.code, c.meta.default_locale_tag()),
                        )
                        .primary(span, describe_parity(&missing, &extra));
                        if let Some(bs) = e.spans.messages[default].as_ref() {
                            d = d.secondary(bs, "the default locale's message");
                        }
                        report.diagnostics.push(d);
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
                            "dangling-reference",
                            format!("`{}` names itself in `{field}`", e.code),
                        )
                        .primary(span, "a code cannot refer to itself"),
                    );
                } else if c.get(t).is_none() {
                    report.diagnostics.push(
                        Diagnostic::error(
                            "dangling-reference",
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
                    "anchor-collision",
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
                "unknown-category",
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
                    "role-status",
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
                    "role-status",
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
                    "role-status",
                    format!("role `{}` names the retired code `{}`", role.name(), e.code),
                )
                .primary(&e.spans.code, "retired codes are never returned"),
            );
        }
    }
}

fn describe_parity(missing: &[String], extra: &[String]) -> String {
    match (missing.is_empty(), extra.is_empty()) {
        (false, false) => format!("lacks {} and adds {}", missing.join(", "), extra.join(", ")),
        (false, true) => format!("lacks {}", missing.join(", ")),
        _ => format!("adds {}", extra.join(", ")),
    }
}
