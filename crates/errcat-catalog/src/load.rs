//! Loading: the first three stages of `Catalog::from_path`, collecting diagnostics on the way.
//!
//! 1. [`read`]: file or directory → texts (I/O errors are diagnostics);
//! 2. [`parse`]: texts → the raw TOML schema of `raw.rs` (syntax and schema errors);
//! 3. [`build`]: raw files → the model, resolving roles and filling them with built-in codes.
//!
//! The fourth stage, lint, is `lint.rs`'s; `lib.rs` runs the four in order. Loading does not
//! depend on the lint.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, FileId, Report, Span, inner_span};
use crate::model::*;
use crate::raw::{RawAlert, RawEntry, RawFile, RawMeta, S, SpannedTable};
use crate::registry as rule;
use crate::template::{CustomTemplate, Template};

const BUILTIN: &str = include_str!("builtin.toml");

/// Stage 1's output for one file: its path and text, or why it could not be read.
pub(crate) type ReadFile = Result<(PathBuf, String), Diagnostic>;

/// Stage 1, read: a catalog file, or every `*.toml` file of a directory in name order.
///
/// Nothing is parsed yet; I/O failures become diagnostics, kept in file order.
pub(crate) fn read(path: &Path) -> Vec<ReadFile> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = Vec::new();
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => match std::fs::read_dir(path) {
            Ok(rd) => {
                files = rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                files.sort();
                if files.is_empty() {
                    out.push(Err(
                        Diagnostic::error(rule::IO, format!("`{}` holds no `*.toml` file", path.display()))
                            .help("a directory catalog is a folder of TOML files, one of which holds `[catalog]`"),
                    ));
                }
            }
            Err(e) => out.push(Err(io_error(path, &e))),
        },
        Ok(_) => files.push(path.to_path_buf()),
        Err(e) => out.push(Err(io_error(path, &e))),
    }
    for f in files {
        out.push(match std::fs::read(&f) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Ok((f, text)),
                Err(e) => Err(Diagnostic::error(
                    rule::IO,
                    format!("`{}` is not UTF-8 text", f.display()),
                )
                .help(format!("re-save it as UTF-8 ({e})"))),
            },
            Err(e) => Err(io_error(&f, &e)),
        });
    }
    out
}

fn io_error(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(rule::IO, format!("cannot read `{}`: {e}", path.display()))
        .help("pass the path of a catalog file, or of a directory of catalog files")
}

/// Stage 2, parse: each file's TOML into the raw schema. The texts become the report's sources;
/// a file that could not be read, or does not parse, becomes a diagnostic instead.
pub(crate) fn parse(report: &mut Report, files: Vec<ReadFile>) -> Vec<(FileId, RawFile)> {
    let mut parsed = Vec::new();
    for f in files {
        match f {
            Ok((path, text)) => parsed.extend(parse_file(report, path, text)),
            Err(d) => report.diagnostics.push(d),
        }
    }
    parsed
}

/// Parses one file's text; a syntax or schema error becomes a diagnostic.
pub(crate) fn parse_file(
    report: &mut Report,
    path: PathBuf,
    text: String,
) -> Option<(FileId, RawFile)> {
    let id = report.sources.add(path, text);
    let text = &report.sources.get(id).text;
    match toml::from_str::<RawFile>(text) {
        Ok(raw) => Some((id, raw)),
        Err(e) => {
            let span = Span::new(id, e.span().unwrap_or(0..0));
            let msg = e.message().trim().to_string();
            let (headline, help) = explain_toml_error(&msg);
            report.diagnostics.push(
                Diagnostic::error(rule::TOML, headline)
                    .primary(&span, msg)
                    .help(help),
            );
            None
        }
    }
}

fn explain_toml_error(msg: &str) -> (String, String) {
    if msg.contains("duplicate key") {
        (
            "a key is defined twice".into(),
            "each code may be defined once; codes are never reused, so a retired code keeps its entry with `retired = true`".into(),
        )
    } else if msg.contains("unknown field") {
        (
            "unknown key".into(),
            "see docs/catalog-format.md for the keys a catalog may hold".into(),
        )
    } else if msg.contains("missing field") {
        (
            "a required key is missing".into(),
            "see docs/catalog-format.md".into(),
        )
    } else {
        (
            "the catalog is not valid TOML".into(),
            "fix the syntax at the marked spot".into(),
        )
    }
}

/// Stage 3, build: the model from the parsed files, with the diagnostics of every value that
/// does not fit it. Returns `None` only when no file holds `[catalog]`; otherwise a catalog, which
/// may still have errors in `report` (the lint stage runs over it either way).
pub(crate) fn build(report: &mut Report, files: Vec<(FileId, RawFile)>) -> Option<Catalog> {
    let mut meta_raw: Option<(FileId, S<RawMeta>)> = None;
    let mut roles_raw: Option<(FileId, SpannedTable)> = None;
    let mut statuses_raw: Vec<(String, String)> = Vec::new();
    let mut categories: Vec<(String, String)> = Vec::new();
    let mut category_spans: Vec<Span> = Vec::new();
    let mut raw_entries: Vec<(FileId, S<String>, S<RawEntry>)> = Vec::new();
    let any_file = files.first().map(|(id, _)| *id);

    for (id, f) in files {
        if let Some(m) = f.catalog {
            if let Some((first_id, first)) = &meta_raw {
                let d = Diagnostic::error(rule::DUPLICATE_CATALOG_TABLE, "`[catalog]` is defined in more than one file")
                    .primary(&Span::new(id, m.span()), "defined again here")
                    .secondary(&Span::new(*first_id, first.span()), "first defined here")
                    .help("keep `[catalog]`, `[roles]` and `[http_statuses]` in one file, such as catalog.toml");
                report.diagnostics.push(d);
            } else {
                meta_raw = Some((id, m));
            }
        }
        if let Some(r) = f.roles {
            if roles_raw.is_some() {
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::DUPLICATE_CATALOG_TABLE,
                        "`[roles]` is defined in more than one file",
                    )
                    .primary(
                        &Span::new(id, r.keys().next().map_or(0..0, |k| k.span())),
                        "defined again here",
                    ),
                );
            } else {
                roles_raw = Some((id, r));
            }
        }
        if let Some(c) = f.categories {
            category_spans.extend(c.keys().map(|k| Span::new(id, k.span())));
            categories.extend(c.into_iter().map(|(k, v)| (k.into_inner(), v)));
        }
        if let Some(s) = f.http_statuses {
            statuses_raw.extend(s.into_iter().map(|(k, v)| (k.into_inner(), v.into_inner())));
        }
        for (k, v) in f.codes {
            raw_entries.push((id, k, v));
        }
    }

    let Some((meta_file, meta_raw)) = meta_raw else {
        if report.has_rule(rule::TOML.id) || report.has_rule(rule::IO.id) {
            // The table may well be in the file that failed to parse: say nothing more.
            return None;
        }
        let mut d = Diagnostic::error(
            rule::MISSING_CATALOG_TABLE,
            "no `[catalog]` table was found",
        )
        .help("add a `[catalog]` table with at least `name = \"...\"`");
        if let Some(id) = any_file {
            d = d.primary(
                &Span::new(id, 0..0),
                "expected in this file or another file of the catalog",
            );
        }
        report.diagnostics.push(d);
        return None;
    };
    let mut meta = build_meta(report, meta_file, meta_raw, statuses_raw);
    meta.category_docs = categories;
    meta.category_spans = category_spans;

    let mut entries: Vec<Entry> = Vec::new();
    let mut index = CodeIndex::default();
    for (file, key, raw) in raw_entries {
        let code_span = Span::new(file, key.span());
        let code = key.into_inner();
        if let Some(&first) = index.get(&code) {
            let first_span = entries[first].spans.code.clone();
            report.diagnostics.push(
                Diagnostic::error(
                    rule::DUPLICATE_CODE,
                    format!("the code `{code}` is defined twice"),
                )
                .primary(&code_span, "defined again here")
                .secondary(&first_span, "first defined here")
                .help("a code is defined once, forever; fold the second definition into the first"),
            );
            continue;
        }
        let entry = build_entry(
            report,
            &meta,
            file,
            code.clone(),
            code_span,
            raw,
            Origin::Catalog,
        );
        index.insert(code, entries.len());
        entries.push(entry);
    }

    let roles = resolve_roles(report, &meta, roles_raw, &mut entries, &mut index);

    Some(Catalog {
        meta,
        names: entries.iter().map(|e| e.code.as_str().into()).collect(),
        entries,
        index,
        roles,
        report: Report::default(),
    })
}

fn build_meta(
    report: &mut Report,
    file: FileId,
    raw: S<RawMeta>,
    http_statuses: Vec<(String, String)>,
) -> Meta {
    let sp = |r: std::ops::Range<usize>| Span::new(file, r);
    let raw = raw.into_inner();
    let case = match raw.case.as_ref().map(|c| c.get_ref().as_str()) {
        None | Some("snake_case") => CaseStyle::Snake,
        Some("UPPER_SNAKE") => CaseStyle::UpperSnake,
        Some(other) => {
            let c = raw.case.as_ref().map_or(0..0, |c| c.span());
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_SETTING,
                    format!("unknown case style `{other}`"),
                )
                .primary(&sp(c), "expected `snake_case` or `UPPER_SNAKE`"),
            );
            CaseStyle::Snake
        }
    };
    let (locales, locales_span) = match &raw.locales {
        Some(l) => (
            l.get_ref()
                .iter()
                .map(|s| s.get_ref().clone())
                .collect::<Vec<_>>(),
            sp(l.span()),
        ),
        None => (vec!["en".to_string()], sp(raw.name.span())),
    };
    for l in raw.locales.iter().flat_map(|l| l.get_ref()) {
        if l.get_ref().parse::<fluent_tag::Tag>().is_err() {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_LOCALE,
                    format!("`{}` is not a BCP 47 language tag", l.get_ref()),
                )
                .primary(&sp(l.span()), "such as `en`, `es` or `pt-BR`"),
            );
        }
    }
    if locales.is_empty() {
        report.diagnostics.push(
            Diagnostic::error(rule::INVALID_LOCALE, "`locales` is empty")
                .primary(&locales_span, "list at least one locale"),
        );
    }
    let default_locale = match &raw.default_locale {
        None => 0,
        Some(d) => match locales.iter().position(|l| l == d.get_ref()) {
            Some(i) => i,
            None => {
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::INVALID_LOCALE,
                        format!(
                            "the default locale `{}` is not one of `locales`",
                            d.get_ref()
                        ),
                    )
                    .primary(&sp(d.span()), "not in `locales`")
                    .secondary(&locales_span, "declared locales"),
                );
                0
            }
        },
    };
    let style = match &raw.style {
        None => StyleKind::Problem,
        Some(s) => StyleKind::parse(s.get_ref()).unwrap_or_else(|| {
            let names: Vec<&str> = StyleKind::ALL.iter().map(|s| s.name()).collect();
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_SETTING,
                    format!("unknown envelope style `{}`", s.get_ref()),
                )
                .primary(
                    &sp(s.span()),
                    format!("expected one of {}", names.join(", ")),
                ),
            );
            StyleKind::Problem
        }),
    };
    let request_id = match &raw.request_id {
        None => RequestIdSpec::default(),
        Some(r) => {
            let r = r.get_ref();
            let length = r.length.as_ref().map_or(16, |l| *l.get_ref());
            let format = match r.format.as_ref().map(|f| f.get_ref().as_str()) {
                None | Some("ulid") => RequestIdFormat::Ulid,
                Some("uuidv7") => RequestIdFormat::UuidV7,
                Some("hex") => {
                    if !(8..=64).contains(&length) {
                        let s = r.length.as_ref().map_or(0..0, |l| l.span());
                        report.diagnostics.push(
                            Diagnostic::error(
                                rule::INVALID_SETTING,
                                format!("hex request ids of {length} digits"),
                            )
                            .primary(&sp(s), "expected 8 to 64"),
                        );
                    }
                    RequestIdFormat::Hex(length.clamp(8, 64) as u8)
                }
                Some(other) => {
                    let s = r.format.as_ref().map_or(0..0, |f| f.span());
                    report.diagnostics.push(
                        Diagnostic::error(
                            rule::INVALID_SETTING,
                            format!("unknown request-id format `{other}`"),
                        )
                        .primary(&sp(s), "expected `ulid`, `uuidv7` or `hex`"),
                    );
                    RequestIdFormat::Ulid
                }
            };
            let prefix = r
                .prefix
                .as_ref()
                .map_or("req_".to_string(), |p| p.get_ref().clone());
            if !prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b))
            {
                let s = r.prefix.as_ref().map_or(0..0, |p| p.span());
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::INVALID_SETTING,
                        "the request-id prefix has characters unsafe in a header",
                    )
                    .primary(&sp(s), "use ASCII letters, digits, `_`, `-`, `.` or `:`"),
                );
            }
            RequestIdSpec { prefix, format }
        }
    };
    let custom = match &raw.custom {
        None => {
            if style == StyleKind::Custom {
                let s = raw.style.as_ref().map_or(0..0, |s| s.span());
                report.diagnostics.push(
                    Diagnostic::error(rule::CUSTOM_TEMPLATE, "style `custom` needs a `[catalog.custom]` template")
                        .primary(&sp(s), "declared here")
                        .help("add `[catalog.custom]` with `template = '''{\"code\": \"{{code}}\", ...}'''`"),
                );
            }
            None
        }
        Some(c) => {
            let c = c.get_ref();
            let ct = c.content_type.as_deref().unwrap_or("application/json");
            match CustomTemplate::compile(ct, c.template.get_ref()) {
                Ok(t) => Some(t),
                Err(e) => {
                    let span = inner_span(
                        &report.sources,
                        &sp(c.template.span()),
                        c.template.get_ref(),
                        e.range,
                    );
                    report.diagnostics.push(
                        Diagnostic::error(
                            rule::CUSTOM_TEMPLATE,
                            "the custom envelope template does not compile",
                        )
                        .primary(&span, e.message),
                    );
                    None
                }
            }
        }
    };
    if let Some(d) = &raw.docs_url {
        let t = d.get_ref();
        if !(t.contains("{code}") || t.contains("{anchor}")) {
            report.diagnostics.push(
                Diagnostic::warning(rule::DOCS_URL, "the docs permalink template names no code")
                    .primary(&sp(d.span()), "every code would get the same link")
                    .help("use `{anchor}` (the code with hyphens) or `{code}`"),
            );
        }
    }
    Meta {
        name: raw.name.into_inner(),
        version: raw.version,
        description: raw.description,
        case,
        docs_url: raw.docs_url.map(|d| d.into_inner()),
        locales: if locales.is_empty() {
            vec!["en".into()]
        } else {
            locales
        },
        default_locale,
        style,
        action_required: raw.action_required.unwrap_or(true),
        request_id,
        jsonapi_version: raw.jsonapi.as_ref().and_then(|j| j.version.clone()),
        jsonapi_api_version: raw.jsonapi.as_ref().and_then(|j| j.api_version.clone()),
        google_domain: raw.google.and_then(|g| g.domain),
        custom,
        http_statuses,
        category_docs: Vec::new(),
        category_spans: Vec::new(),
        brand_terms: raw.brand_terms.unwrap_or_default(),
    }
}

/// A code's `alert`, or `None` (with a diagnostic) when a part of it is out of shape.
fn build_alert(
    report: &mut Report,
    code: &str,
    raw: &RawAlert,
    sp: &impl Fn(std::ops::Range<usize>) -> Span,
) -> Option<Alert> {
    let mut bad = |span: std::ops::Range<usize>, what: String, label: &str| {
        report.diagnostics.push(
            Diagnostic::error(rule::INVALID_ALERT, format!("the alert of `{code}` {what}"))
                .primary(&sp(span), label.to_string()),
        );
    };
    let rate = *raw.rate.get_ref();
    let mut ok = true;
    if !(rate.is_finite() && rate > 0.0) {
        bad(
            raw.rate.span(),
            format!("has the rate {rate}"),
            "expected errors per second, a number above 0",
        );
        ok = false;
    }
    let mut alert = Alert::new(rate);
    if let Some(d) = &raw.for_duration {
        if Alert::is_valid_duration(d.get_ref()) {
            alert.for_duration = d.get_ref().clone();
        } else {
            bad(
                d.span(),
                format!("holds for `{}`, which is not a duration", d.get_ref()),
                "expected a Prometheus duration such as `5m` or `1h30m`",
            );
            ok = false;
        }
    }
    if let Some(s) = &raw.severity {
        match AlertSeverity::parse(s.get_ref()) {
            Some(severity) => alert.severity = severity,
            None => {
                bad(
                    s.span(),
                    format!("has the unknown severity `{}`", s.get_ref()),
                    "expected `critical`, `warning` or `info`",
                );
                ok = false;
            }
        }
    }
    ok.then_some(alert)
}

fn build_entry(
    report: &mut Report,
    meta: &Meta,
    file: FileId,
    code: String,
    code_span: Span,
    raw: S<RawEntry>,
    origin: Origin,
) -> Entry {
    let sp = |r: std::ops::Range<usize>| Span::new(file, r);
    let entry_span = sp(raw.span());
    let raw = raw.into_inner();

    let mut statuses = Vec::new();
    if let Some(s) = &raw.status {
        if s.get_ref().0.is_empty() {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_STATUS,
                    format!("`{code}` has an empty status list"),
                )
                .primary(
                    &sp(s.span()),
                    "list at least one status, or leave `status` out",
                ),
            );
        }
        for &st in &s.get_ref().0 {
            if !(400..=599).contains(&st) {
                report.diagnostics.push(
                    Diagnostic::error(rule::INVALID_STATUS, format!("`{st}` is not an error status"))
                        .primary(&sp(s.span()), "expected a 4xx or 5xx status")
                        .help("a code that never reaches an HTTP response has no `status`; describe where it appears in `appears_in`"),
                );
            } else if statuses.contains(&(st as u16)) {
                report.diagnostics.push(
                    Diagnostic::warning(
                        rule::INVALID_STATUS,
                        format!("status {st} is listed twice for `{code}`"),
                    )
                    .primary(&sp(s.span()), "repeated"),
                );
            } else {
                statuses.push(st as u16);
            }
        }
    }

    let category = match &raw.category {
        Some(c) => c.get_ref().clone(),
        None => {
            report.diagnostics.push(
                Diagnostic::error(rule::MISSING_CATEGORY, format!("`{code}` has no category"))
                    .primary(&code_span, "add `category = \"...\"` to this code")
                    .help("the category is the reference section the code is listed under"),
            );
            String::new()
        }
    };

    // Messages, indexed like meta.locales.
    let mut messages: Vec<Option<Template>> = vec![None; meta.locales.len()];
    let mut message_spans: Vec<Option<Span>> = vec![None; meta.locales.len()];
    for (loc, text) in &raw.message {
        let whole = sp(text.span());
        let Some(i) = meta.locales.iter().position(|l| l == loc.get_ref()) else {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::UNKNOWN_LOCALE,
                    format!("`{}` is not one of the catalog's locales", loc.get_ref()),
                )
                .primary(
                    &sp(loc.span()),
                    format!("declared locales: {}", meta.locales.join(", ")),
                )
                .help("add it to `locales` in `[catalog]`, or remove this message"),
            );
            continue;
        };
        match Template::parse(text.get_ref()) {
            Ok(t) => messages[i] = Some(t),
            Err(e) => {
                let span = inner_span(&report.sources, &whole, text.get_ref(), e.range);
                let what = format!("the `{}` message of `{code}` does not parse", loc.get_ref());
                report.diagnostics.push(if e.icu {
                    Diagnostic::error(rule::ICU_SYNTAX, what).primary(&span, e.message)
                } else {
                    Diagnostic::error(rule::INVALID_PLACEHOLDER, what).primary(&span, e.message)
                });
            }
        }
        message_spans[i] = Some(whole);
    }

    let mut context = Vec::new();
    for (k, v) in &raw.context {
        let ty = ContextType::parse(&v.get_ref().ty).unwrap_or_else(|| {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_CONTEXT,
                    format!("unknown context type `{}`", v.get_ref().ty),
                )
                .primary(
                    &sp(v.span()),
                    "expected `string`, `integer`, `number` or `boolean`",
                ),
            );
            ContextType::String
        });
        context.push(ContextKey {
            name: k.get_ref().clone(),
            ty,
            description: v.get_ref().description.clone(),
        });
    }

    let retry = match &raw.retry {
        Some(r) => RetryAdvice::parse(r.get_ref()).unwrap_or_else(|| {
            report.diagnostics.push(
                Diagnostic::error(
                    rule::INVALID_RETRY,
                    format!("unknown retry advice `{}`", r.get_ref()),
                )
                .primary(
                    &sp(r.span()),
                    "expected `never`, `after_retry_after` or `backoff`",
                ),
            );
            RetryAdvice::Never
        }),
        None => statuses
            .first()
            .map_or(RetryAdvice::Never, |&s| RetryAdvice::default_for(s)),
    };

    let alert = raw
        .alert
        .as_ref()
        .and_then(|a| build_alert(report, &code, a.get_ref(), &sp));

    let lifecycle = if raw.retired {
        Lifecycle::Retired
    } else if raw.deprecated {
        Lifecycle::Deprecated
    } else {
        Lifecycle::Active
    };

    let default_msg = messages[meta.default_locale]
        .as_ref()
        .map(|t| t.source().to_string());
    Entry {
        title: raw.title.clone().unwrap_or_else(|| title_of(&code)),
        summary: raw.summary.clone().or(default_msg).unwrap_or_default(),
        code,
        statuses,
        appears_in: raw.appears_in,
        action: raw.action.as_ref().map(|a| a.get_ref().clone()),
        category,
        messages,
        context,
        docs: Docs {
            when: raw.when,
            cause: raw.cause,
            next_step: raw.next_step,
            causes: raw.causes,
            resolution: raw.resolution,
            endpoints: raw.endpoints,
            notes: raw.notes,
        },
        retry,
        alert,
        variant_of: raw.variant_of.as_ref().map(|v| v.get_ref().clone()),
        replaced_by: raw.replaced_by.as_ref().map(|v| v.get_ref().clone()),
        lifecycle,
        attributes: raw.attributes.into_iter().collect(),
        origin,
        spans: EntrySpans {
            code: code_span,
            entry: entry_span,
            status: raw.status.as_ref().map(|s| sp(s.span())),
            action: raw.action.as_ref().map(|s| sp(s.span())),
            variant_of: raw.variant_of.as_ref().map(|s| sp(s.span())),
            replaced_by: raw.replaced_by.as_ref().map(|s| sp(s.span())),
            messages: message_spans,
        },
    }
}

/// `insufficient_balance` → "Insufficient balance".
pub(crate) fn title_of(code: &str) -> String {
    let lower = code.to_ascii_lowercase().replace('_', " ");
    let mut chars = lower.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn resolve_roles(
    report: &mut Report,
    meta: &Meta,
    roles_raw: Option<(FileId, SpannedTable)>,
    entries: &mut Vec<Entry>,
    index: &mut CodeIndex,
) -> [usize; Role::ALL.len()] {
    let mut mapped: [Option<usize>; Role::ALL.len()] = [None; Role::ALL.len()];
    if let Some((file, raw)) = roles_raw {
        for (k, v) in raw {
            let Some(role) = Role::parse(k.get_ref()) else {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::UNKNOWN_ROLE,
                        format!("`{}` is not a role", k.get_ref()),
                    )
                    .primary(
                        &Span::new(file, k.span()),
                        format!("roles: {}", names.join(", ")),
                    ),
                );
                continue;
            };
            match index.get(v.get_ref()) {
                Some(&i) => mapped[role as usize] = Some(i),
                None => report.diagnostics.push(
                    Diagnostic::error(rule::UNKNOWN_ROLE_CODE, format!("role `{}` names `{}`, which is not in the catalog", role.name(), v.get_ref()))
                        .primary(&Span::new(file, v.span()), "no such code")
                        .help("name one of this catalog's codes, or leave the role out to use errcat's built-in code"),
                ),
            }
        }
    }

    // Fill the gaps from the built-in codes.
    let builtin = builtin_entries(report, meta);
    let mut out = [0usize; Role::ALL.len()];
    for role in Role::ALL {
        if let Some(i) = mapped[role as usize] {
            out[role as usize] = i;
            continue;
        }
        let name = meta.case.convert(role.builtin_code());
        if let Some(&i) = index.get(&name) {
            let e = &entries[i];
            let fits = e
                .default_status()
                .is_some_and(|s| role.allowed_statuses().contains(&s));
            if fits {
                report.diagnostics.push(Diagnostic::note(
                    rule::ROLE_DEFAULT,
                    format!(
                        "role `{}` is not in `[roles]`; using the catalog's own `{name}`",
                        role.name()
                    ),
                ));
                out[role as usize] = i;
            } else {
                report.diagnostics.push(
                    Diagnostic::error(
                        rule::ROLE_STATUS,
                        format!("role `{}` is not in `[roles]`, and the catalog's `{name}` cannot fill it", role.name()),
                    )
                    .primary(&e.spans.code, format!("its status is not one of {:?}", role.allowed_statuses()))
                    .help(format!("map `{}` in `[roles]` to a code with status {:?}", role.name(), role.allowed_statuses())),
                );
            }
            continue;
        }
        let Some(mut e) = builtin
            .iter()
            .find(|e| e.code == role.builtin_code())
            .cloned()
        else {
            continue;
        };
        e.code = name.clone();
        report.diagnostics.push(Diagnostic::note(
            rule::ROLE_DEFAULT,
            format!(
                "role `{}` is not in `[roles]`; using errcat's built-in `{name}` ({})",
                role.name(),
                e.statuses[0]
            ),
        ));
        index.insert(name, entries.len());
        out[role as usize] = entries.len();
        entries.push(e);
    }
    out
}

/// errcat's built-in codes, with messages placed at the catalog's locale indices.
fn builtin_entries(report: &mut Report, meta: &Meta) -> Vec<Entry> {
    let mut scratch = Report::default();
    let Some((file, raw)) = parse_file(
        &mut scratch,
        PathBuf::from("<errcat built-in codes>"),
        BUILTIN.to_string(),
    ) else {
        return Vec::new();
    };
    let builtin_locales = ["en", "es"];
    let builtin_meta = Meta {
        locales: builtin_locales.iter().map(|s| s.to_string()).collect(),
        default_locale: 0,
        ..meta.clone()
    };
    // The built-in file becomes one more source of the catalog's report.
    let text = scratch.sources.get(file).text.clone();
    let id = report
        .sources
        .add(PathBuf::from("<errcat built-in codes>"), text);
    raw.codes
        .into_iter()
        .map(|(k, v)| {
            let span = Span::new(id, k.span());
            let mut e = build_entry(
                &mut scratch,
                &builtin_meta,
                id,
                k.into_inner(),
                span,
                v,
                Origin::Builtin,
            );
            // Re-index messages to the catalog's locales (by language), defaulting to English.
            let mut msgs = vec![None; meta.locales.len()];
            for (i, tag) in meta.locales.iter().enumerate() {
                let lang = tag.split(['-', '_']).next().unwrap_or(tag);
                let j = builtin_locales.iter().position(|b| *b == lang);
                msgs[i] = j.and_then(|j| e.messages[j].clone());
            }
            if msgs[meta.default_locale].is_none() {
                msgs[meta.default_locale] = e.messages[0].clone();
            }
            e.messages = msgs;
            e.spans.messages = vec![None; meta.locales.len()];
            e
        })
        .collect()
}

/// A language tag syntax check, kept small: BCP 47 subtags of ASCII alphanumerics.
mod fluent_tag {
    pub struct Tag;
    impl std::str::FromStr for Tag {
        type Err = ();
        fn from_str(s: &str) -> Result<Tag, ()> {
            let mut parts = s.split('-');
            let lang = parts.next().ok_or(())?;
            let lang_ok =
                (2..=8).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_alphabetic());
            let rest_ok = parts.all(|p| {
                (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
            });
            if lang_ok && rest_ok { Ok(Tag) } else { Err(()) }
        }
    }
}
