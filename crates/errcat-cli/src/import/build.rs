//! Rows into catalog entries: codes in the catalog's case style, error statuses only, messages
//! with literal braces, duplicates merged into the first entry's notes, and a warning for each
//! thing the source lacked.

use std::collections::HashMap;
use std::fmt::Write as _;

use errcat_catalog::{CaseStyle, Role, StyleKind};

use super::args::ImportArgs;
use super::entry::Entry;
use super::roles::{guess_roles, role_entries};
use super::rules as rule;
use super::source::{Source, statuses_in};
use super::warnings::Warnings;

pub(super) fn is_token(s: &str) -> bool {
    let s = s.trim().trim_matches('`');
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A code in the case style: as written when it follows it, else converted.
pub(super) fn normalize_code(raw: &str, case: CaseStyle) -> Option<String> {
    let raw = raw.trim().trim_matches(['`', '"', '\'', '*']).trim();
    if case.matches(raw) {
        return Some(raw.to_string());
    }
    let mixed =
        raw.chars().any(|c| c.is_ascii_lowercase()) && raw.chars().any(|c| c.is_ascii_uppercase());
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            if mixed
                && c.is_ascii_uppercase()
                && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
            {
                out.push('_');
            }
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        prev = Some(c);
    }
    let mut out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        return None;
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "e_");
    }
    out = match case {
        CaseStyle::Snake => out.to_ascii_lowercase(),
        CaseStyle::UpperSnake => out.to_ascii_uppercase(),
    };
    if out.len() > errcat_catalog::MAX_CODE_LEN {
        out.truncate(errcat_catalog::MAX_CODE_LEN);
        out = out.trim_end_matches('_').to_string();
    }
    case.matches(&out).then_some(out)
}

/// "insufficient_balance" → "Insufficient balance".
pub(super) fn sentence_case(code: &str) -> String {
    let words = code.to_ascii_lowercase().replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Braces in a message are literal unless the source declared context.
pub(super) fn escape_braces(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

pub(super) struct Imported {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) case: CaseStyle,
    pub(super) style: Option<StyleKind>,
    pub(super) action_required: bool,
    pub(super) http_statuses: Vec<(String, String)>,
    pub(super) roles: Vec<(Role, String)>,
    pub(super) entries: Vec<Entry>,
}

pub(super) const DEFAULT_CATEGORY: &str = "General";

pub(super) fn build(
    source: Source,
    args: &ImportArgs,
    stem: &str,
    w: &mut Warnings<'_>,
) -> Imported {
    let case = args.case.unwrap_or_else(|| {
        let upper = source
            .rows
            .iter()
            .all(|r| CaseStyle::UpperSnake.matches(r.code.trim().trim_matches('`')));
        if upper && !source.rows.is_empty() {
            CaseStyle::UpperSnake
        } else {
            CaseStyle::Snake
        }
    });
    let mut entries: Vec<Entry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut uncategorized = Vec::new();
    let mut no_action: Vec<String> = Vec::new();
    for row in source.rows {
        let Some(code) = normalize_code(&row.code, case) else {
            w.push(
                rule::BAD_CODE,
                row.line,
                format!(
                    "`{}` cannot be made a {} code: skipped",
                    row.code,
                    case.as_str()
                ),
            );
            continue;
        };
        let raw = row.code.trim().trim_matches(['`', '"', '\'', '*']).trim();
        if raw != code {
            w.push(
                rule::CODE_CASE,
                row.line,
                format!("`{raw}` is not {}: imported as `{code}`", case.as_str()),
            );
        }
        let written = row.status.as_deref().map(statuses_in).unwrap_or_default();
        let statuses: Vec<u16> = written
            .iter()
            .copied()
            .filter(|s| (400..600).contains(s))
            .collect();
        if statuses.len() < written.len() {
            let others: Vec<String> = written
                .iter()
                .filter(|s| !statuses.contains(s))
                .map(u16::to_string)
                .collect();
            if statuses.is_empty() {
                w.push(
                    rule::NOT_AN_ERROR,
                    row.line,
                    format!(
                        "`{code}` has status {}, not an error status: skipped",
                        others.join(", ")
                    ),
                );
                continue;
            }
            w.push(
                rule::NOT_AN_ERROR_STATUS,
                row.line,
                format!(
                    "status {} of `{code}` is not a 4xx or 5xx status: dropped",
                    others.join(", ")
                ),
            );
        }
        let (action, action_prose) = match row.action.as_deref() {
            Some(a) if is_token(a) => (Some(a.trim().trim_matches('`').to_string()), None),
            Some(a) => (None, Some(a.to_string())),
            None => (None, None),
        };
        let next_step = match (row.resolution.clone(), action_prose) {
            (Some(r), Some(a)) => Some(format!("{a} {r}")),
            (r, a) => r.or(a),
        };
        let declared_context = !row.context.is_empty();
        let text = row
            .message
            .clone()
            .or_else(|| row.description.clone())
            .or_else(|| row.cause.clone());
        if let Some(&i) = index.get(&code) {
            // A code listed twice: one entry, the second row in its notes.
            let first = &mut entries[i];
            let mut note = String::from("Also listed");
            let cat = row.category.clone().unwrap_or_default();
            if !cat.is_empty() && cat != first.category {
                let _ = write!(note, " under {cat}");
            }
            let new_statuses: Vec<u16> = statuses
                .iter()
                .copied()
                .filter(|s| !first.statuses.contains(s))
                .collect();
            if !new_statuses.is_empty() {
                let list: Vec<String> = new_statuses.iter().map(u16::to_string).collect();
                let _ = write!(note, " with status {}", list.join(", "));
                first.statuses.extend(&new_statuses);
            }
            if let Some(t) = &text {
                let _ = write!(note, ": {t}");
            }
            if let Some(n) = &next_step {
                let sep = if text.is_some() { ". " } else { ": " };
                let _ = write!(note, "{sep}Resolution: {n}");
            }
            first.notes.push(note);
            first.notes.extend(row.notes);
            if first.action.is_none() {
                first.action = action;
            }
            let first_line = first.line;
            w.push(
                rule::DUPLICATE_CODE,
                row.line,
                format!(
                    "duplicate code `{code}` merged: this row is kept in the notes of the first"
                ),
            );
            if let Some(l) = first_line {
                w.help(format!("`{code}` is first listed at line {l}"));
            }
            continue;
        }
        if statuses.is_empty() {
            match &row.status {
                Some(s) if statuses_in(s).is_empty() => w.push(
                    rule::NO_STATUS,
                    row.line,
                    format!("no status for `{code}` (`{s}` is not an HTTP status)"),
                ),
                Some(_) => {}
                None => w.push(rule::NO_STATUS, row.line, format!("no status for `{code}`")),
            }
            w.help("a code without `status` never reaches an HTTP response; add its status, or say where it appears in `appears_in`");
        }
        let category = match row.category.clone().filter(|c| !c.trim().is_empty()) {
            Some(c) => c,
            None => {
                uncategorized.push(code.clone());
                DEFAULT_CATEGORY.to_string()
            }
        };
        let message = match &text {
            Some(t) if declared_context => t.clone(),
            Some(t) => escape_braces(t),
            None => {
                let t = row.title.clone().unwrap_or_else(|| sentence_case(&code));
                w.push(
                    rule::NO_MESSAGE,
                    row.line,
                    format!("no description for `{code}`: its message is \"{t}\""),
                );
                escape_braces(&t)
            }
        };
        if action.is_none() {
            no_action.push(code.clone());
        }
        let summary = row.summary.clone().or_else(|| {
            // With both a message and a description, the description is the summary.
            row.message.as_ref().and(row.description.clone())
        });
        let cause = row.cause.clone();
        entries.push(Entry {
            line: row.line,
            statuses,
            category,
            title: row.title,
            action,
            summary,
            message,
            when: row.when,
            cause,
            next_step,
            endpoints: row.endpoints,
            notes: row.notes,
            retry: row
                .retry
                .filter(|r| matches!(r.as_str(), "never" | "after_retry_after" | "backoff")),
            context: row.context,
            attributes: row.attributes,
            code: code.clone(),
        });
        index.insert(code, entries.len() - 1);
    }
    if !uncategorized.is_empty() {
        w.push(
            rule::NO_CATEGORY,
            None,
            format!(
                "no category for {} code{} ({}): filed under `{DEFAULT_CATEGORY}`",
                uncategorized.len(),
                if uncategorized.len() == 1 { "" } else { "s" },
                list_codes(&uncategorized)
            ),
        );
        w.help("give each code a category: a heading or a line such as \"Authentication errors\" before its table, a Category column, or a `category` member");
    }
    let action_required = no_action.is_empty() && !entries.is_empty();
    if !action_required && !entries.is_empty() {
        if no_action.len() == entries.len() {
            w.push(
                rule::NO_ACTIONS,
                None,
                "no programmatic actions: set action_required = false",
            );
            w.help("an Action column of snake_case tokens (`top_up_balance`) gives each code an `action`; prose goes to `next_step`");
        } else {
            w.push(
                rule::NO_ACTIONS,
                None,
                format!(
                    "{} code{} no programmatic action ({}): set action_required = false",
                    no_action.len(),
                    if no_action.len() == 1 {
                        " has"
                    } else {
                        "s have"
                    },
                    list_codes(&no_action)
                ),
            );
        }
    }
    let name = match (&args.name, &source.title) {
        (Some(n), _) => n.clone(),
        (None, Some(t)) => t.clone(),
        (None, None) => {
            w.push(
                rule::NO_NAME,
                None,
                format!("no API name in the source: the catalog is named `{stem}`"),
            );
            w.help("pass --name, or edit `[catalog] name`");
            stem.to_string()
        }
    };
    let mut added = Vec::new();
    let roles = guess_roles(&entries, case, w, &mut added);
    entries.extend(role_entries(&added));
    Imported {
        name,
        description: source.description,
        case,
        style: args.style,
        action_required,
        http_statuses: source.http_statuses,
        roles,
        entries,
    }
}

pub(super) fn list_codes(codes: &[String]) -> String {
    let shown: Vec<String> = codes.iter().take(5).map(|c| format!("`{c}`")).collect();
    let more = codes.len().saturating_sub(5);
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalized() {
        assert_eq!(
            normalize_code("`not_found`", CaseStyle::Snake).as_deref(),
            Some("not_found")
        );
        assert_eq!(
            normalize_code("InvalidApiKey", CaseStyle::Snake).as_deref(),
            Some("invalid_api_key")
        );
        assert_eq!(
            normalize_code("rate-limited", CaseStyle::UpperSnake).as_deref(),
            Some("RATE_LIMITED")
        );
        assert_eq!(
            normalize_code("404", CaseStyle::Snake).as_deref(),
            Some("e_404")
        );
        assert_eq!(normalize_code("--", CaseStyle::Snake), None);
    }
}
