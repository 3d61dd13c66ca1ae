//! `errcat import`: bootstrap a catalog from an existing reference, a Markdown error table or a
//! JSON list, with a warning for everything the source lacked.
//!
//! A Markdown reference is read line by line, as the seeds' pages are written: a table is a
//! header row, a delimiter row (`|---|---|`) and rows, with or without outer pipes; a row wrapped
//! over several lines (seed 004) is joined again; the heading or short line just before a table
//! (`Authentication errors (401, 403)`) names its category. Columns are matched by name,
//! case-insensitively: Code / Error Code, Status / HTTP, Description / Message / Cause,
//! Action / Resolution, Title, Category, Endpoint; any other column is kept in `attributes`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use errcat_catalog::{CaseStyle, Catalog, Role, Severity, StyleKind};
use serde_json::Value;

/// Arguments of `errcat import`.
#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// A Markdown error table or a JSON list (`[{"code", "status", "message", "action",
    /// "category"}]`); `-` reads stdin.
    pub input: PathBuf,
    /// The input's format; default: by extension (`.json`, `.md`), else by content.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The catalog's name; default: the document's `# Title`, else the file name.
    #[arg(long)]
    pub name: Option<String>,
    /// The case style of codes: `snake_case` or `UPPER_SNAKE`; default: what the codes use.
    #[arg(long, value_parser = parse_case)]
    pub case: Option<CaseStyle>,
    /// The envelope style to write in `[catalog]`; default: none (problem+json).
    #[arg(long, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// Where to write the catalog; `-` or nothing: stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// An input format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(crate) enum Format {
    /// A Markdown (or plain-text) page with error tables.
    Markdown,
    /// A JSON list of codes.
    Json,
}

fn parse_case(s: &str) -> Result<CaseStyle, String> {
    match s {
        "snake_case" | "snake" => Ok(CaseStyle::Snake),
        "UPPER_SNAKE" | "upper_snake" | "upper" => Ok(CaseStyle::UpperSnake),
        _ => Err(format!(
            "`{s}` is not a case style: snake_case or UPPER_SNAKE"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

/// A warning about what the source lacked, pointing at its line.
struct Warning {
    rule: &'static str,
    message: String,
    line: Option<usize>,
    help: Option<String>,
}

/// What an import found, with its warnings.
struct Warnings<'a> {
    list: Vec<Warning>,
    path: &'a str,
    lines: Vec<&'a str>,
}

impl<'a> Warnings<'a> {
    fn new(path: &'a str, text: &'a str) -> Self {
        Warnings {
            list: Vec::new(),
            path,
            lines: text.lines().collect(),
        }
    }

    fn push(&mut self, rule: &'static str, line: Option<usize>, message: impl Into<String>) {
        self.list.push(Warning {
            rule,
            message: message.into(),
            line,
            help: None,
        });
    }

    fn help(&mut self, help: impl Into<String>) {
        if let Some(w) = self.list.last_mut() {
            w.help = Some(help.into());
        }
    }

    /// Renders the warnings as `errcat check` does: rustc-style, with the source line.
    fn render(&self, color: bool) -> String {
        let paint = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        for w in &self.list {
            let _ = writeln!(
                out,
                "{}{}",
                paint("1;33", &format!("warning[{}]", w.rule)),
                paint("1", &format!(": {}", w.message))
            );
            let line = w
                .line
                .and_then(|l| Some((l, *self.lines.get(l.checked_sub(1)?)?)));
            let width = line.map_or(1, |(l, _)| l.to_string().len());
            let pad = " ".repeat(width);
            match line {
                Some((l, text)) => {
                    let _ = writeln!(out, "{pad}{} {}:{l}", paint("1;34", "-->"), self.path);
                    let _ = writeln!(out, "{pad} {}", paint("1;34", "|"));
                    let shown: String = text.chars().take(160).collect();
                    let _ = writeln!(
                        out,
                        "{} {}",
                        paint("1;34", &format!("{l} |")),
                        shown.trim_end()
                    );
                    let _ = writeln!(out, "{pad} {}", paint("1;34", "|"));
                }
                None => {
                    let _ = writeln!(out, "{pad}{} {}", paint("1;34", "-->"), self.path);
                }
            }
            if let Some(h) = &w.help {
                let _ = writeln!(
                    out,
                    "{pad} {} {}: {h}",
                    paint("1;34", "="),
                    paint("1", "help")
                );
            }
            out.push('\n');
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The source, read into rows

/// One error code as the source gives it.
#[derive(Debug, Default, Clone)]
struct Row {
    line: Option<usize>,
    code: String,
    /// The status text as written.
    status: Option<String>,
    message: Option<String>,
    description: Option<String>,
    cause: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    when: Option<String>,
    /// An action column: a snake_case token, or prose.
    action: Option<String>,
    /// A resolution column: prose.
    resolution: Option<String>,
    category: Option<String>,
    endpoints: Vec<String>,
    notes: Vec<String>,
    retry: Option<String>,
    context: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
}

/// What a source holds besides its rows.
#[derive(Debug, Default)]
struct Source {
    title: Option<String>,
    description: Option<String>,
    rows: Vec<Row>,
    http_statuses: Vec<(String, String)>,
}

/// Why an input cannot be imported at all.
struct Fatal(String);

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
enum Col {
    Code,
    Status,
    Message,
    Description,
    Cause,
    Title,
    Action,
    Resolution,
    Category,
    Endpoint,
    Other(String),
}

fn clean_cell(s: &str) -> String {
    let t = s.trim();
    let t = t
        .strip_prefix("**")
        .and_then(|x| x.strip_suffix("**"))
        .unwrap_or(t);
    // A link, `[text](url)`: its text.
    let t = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(')'))
        .and_then(|x| x.split_once("]("))
        .map_or(t, |(text, _)| text);
    t.trim().to_string()
}

fn header_words(h: &str) -> String {
    let lower = h.to_lowercase().replace(['*', '`', '_'], " ");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn classify(header: &str) -> Col {
    let h = header_words(header);
    let has = |w: &str| h.split(' ').any(|x| x == w);
    if has("status") || has("http") || h == "http status" {
        Col::Status
    } else if has("message") {
        Col::Message
    } else if has("code")
        || matches!(
            h.as_str(),
            "error" | "error type" | "identifier" | "error id" | "error name"
        )
    {
        Col::Code
    } else if matches!(
        h.as_str(),
        "description" | "meaning" | "details" | "explanation" | "summary" | "detail"
    ) {
        Col::Description
    } else if matches!(
        h.as_str(),
        "cause" | "causes" | "reason" | "when" | "trigger" | "what caused it"
    ) {
        Col::Cause
    } else if matches!(
        h.as_str(),
        "action" | "next step" | "next action" | "client action"
    ) {
        Col::Action
    } else if has("resolution")
        || matches!(
            h.as_str(),
            "fix"
                | "how to fix"
                | "solution"
                | "remedy"
                | "what to do"
                | "handling"
                | "recommended action"
                | "suggested action"
        )
    {
        Col::Resolution
    } else if matches!(h.as_str(), "title" | "name") {
        Col::Title
    } else if matches!(h.as_str(), "category" | "section" | "group") {
        Col::Category
    } else if matches!(h.as_str(), "endpoint" | "endpoints" | "route" | "routes") {
        Col::Endpoint
    } else {
        Col::Other(header.trim().to_string())
    }
}

/// Splits a table row into cells: outer pipes optional, `\|` an escaped pipe.
fn cells(text: &str) -> Vec<String> {
    let t = text.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") {
        &t[..t.len() - 1]
    } else {
        t
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

/// The number of unescaped pipes of a line.
fn pipes(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

fn is_delimiter(line: &str) -> bool {
    let t = line.trim();
    if !t.contains('-') || !(t.contains('|') || t.starts_with('-')) {
        return false;
    }
    cells(t).iter().all(|c| {
        let c = c.trim();
        let c = c.strip_prefix(':').unwrap_or(c);
        let c = c.strip_suffix(':').unwrap_or(c);
        !c.is_empty() && c.chars().all(|x| x == '-')
    })
}

/// A heading-like line: `## Title`, or a short line that is not a sentence.
fn heading_text(line: &str) -> Option<String> {
    let t = line.trim();
    if let Some(h) = t.strip_prefix('#') {
        return Some(h.trim_start_matches('#').trim().to_string());
    }
    let is_short = t.chars().count() <= 80;
    let sentence = t.ends_with(['.', ':', ';', ',', '!', '?']);
    (is_short && !sentence && !t.starts_with(['>', '-', '*', '|', '`', '<']) && !t.is_empty())
        .then(|| clean_cell(t))
}

/// A category from a heading: without `#`, bold, a trailing colon, or a status list in
/// parentheses ("Authentication errors (401, 403)" → "Authentication errors").
fn category_name(heading: &str) -> String {
    let mut t = clean_cell(heading.trim_start_matches('#'));
    t = t.trim_end_matches(':').trim().to_string();
    if t.ends_with(')')
        && let Some(open) = t.rfind('(')
        && !statuses_in(&t[open..]).is_empty()
    {
        t = t[..open].trim().to_string();
    }
    if t.is_empty() {
        heading.trim().to_string()
    } else {
        t
    }
}

struct Table {
    header_line: usize,
    cols: Vec<Col>,
    headers: Vec<String>,
    category: Option<String>,
    /// (first line, raw text of the row, joined over wrapped lines).
    rows: Vec<(usize, String)>,
}

fn read_markdown(text: &str, w: &mut Warnings<'_>) -> Result<Source, Fatal> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tables: Vec<Table> = Vec::new();
    // Prose: (line index, text); the lines used as a title or as a table's category are left out.
    let mut prose: Vec<(usize, &str)> = Vec::new();
    let mut title: Option<String> = None;
    let mut last_heading: Option<String> = None;
    let mut in_fence = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let t = line.trim();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            prose.push((i, line));
            i += 1;
            continue;
        }
        let starts_table =
            !in_fence && t.contains('|') && lines.get(i + 1).is_some_and(|next| is_delimiter(next));
        if !starts_table {
            if !in_fence {
                if let Some(h) = t.strip_prefix("# ")
                    && title.is_none()
                {
                    title = Some(clean_cell(h));
                    i += 1;
                    continue;
                }
                if t.starts_with('#') {
                    last_heading = heading_text(t);
                }
            }
            prose.push((i, line));
            i += 1;
            continue;
        }
        // The category: the heading or short line just before the table, else the last heading.
        let mut category = last_heading.clone();
        if let Some(pos) = prose.iter().rposition(|(_, l)| !l.trim().is_empty()) {
            let (_, before) = prose[pos];
            if let Some(h) = heading_text(before) {
                category = Some(h);
                prose.remove(pos);
            }
        }
        let headers = cells(line);
        let mut cols: Vec<Col> = headers.iter().map(|h| classify(h)).collect();
        let ncols = headers.len();
        let mut table = Table {
            header_line: i + 1,
            cols: Vec::new(),
            headers,
            category: category.map(|c| category_name(&c)),
            rows: Vec::new(),
        };
        i += 2;
        let mut pending: Option<(usize, String)> = None;
        while i < lines.len() {
            let l = lines[i];
            let lt = l.trim();
            if let Some((start, mut row)) = pending.take() {
                if lt.is_empty() {
                    pending = Some((start, row));
                    break;
                }
                row.push(' ');
                row.push_str(lt);
                if cells(&row).len() >= ncols {
                    table.rows.push((start, row));
                } else {
                    pending = Some((start, row));
                }
                i += 1;
                continue;
            }
            if lt.is_empty() || !lt.contains('|') {
                break;
            }
            if pipes(lt) + 1 < ncols && !table.rows.is_empty() {
                // Too few cells to be a row: the rest of the previous row's last cell.
                if let Some((_, prev)) = table.rows.last_mut() {
                    prev.push(' ');
                    prev.push_str(lt);
                }
                i += 1;
                continue;
            }
            if cells(lt).len() >= ncols {
                table.rows.push((i + 1, lt.to_string()));
            } else {
                pending = Some((i + 1, lt.to_string()));
            }
            i += 1;
        }
        // A "Code" column of HTTP statuses (`| Code | Meaning |`) is a status column.
        if !cols.contains(&Col::Status)
            && let Some(ci) = cols.iter().position(|c| *c == Col::Code)
        {
            let numeric = !table.rows.is_empty()
                && table.rows.iter().all(|(_, r)| {
                    cells(r).get(ci).is_some_and(|v| {
                        let v = clean_cell(v);
                        v.len() == 3 && v.chars().all(|c| c.is_ascii_digit())
                    })
                });
            if numeric {
                cols[ci] = Col::Status;
            }
        }
        table.cols = cols;
        if let Some((start, row)) = pending {
            let n = cells(&row).len();
            w.push(
                "import::short-row",
                Some(start),
                format!(
                    "this row has {n} cells, the table's header has {ncols}: the rest are empty"
                ),
            );
            table.rows.push((start, row));
        }
        tables.push(table);
    }

    let mut source = Source {
        title,
        ..Source::default()
    };
    let mut coded_tables = 0;
    let mut skipped: Vec<&Table> = Vec::new();
    for table in &tables {
        let has_code = table.cols.contains(&Col::Code);
        if !has_code {
            let status_table = table.cols.contains(&Col::Status)
                && table.cols.iter().any(|c| {
                    matches!(
                        c,
                        Col::Message | Col::Description | Col::Cause | Col::Title | Col::Other(_)
                    )
                })
                && !table.rows.is_empty()
                && table.rows.iter().all(|(_, r)| {
                    let c = cells(r);
                    let si = table
                        .cols
                        .iter()
                        .position(|c| *c == Col::Status)
                        .unwrap_or(0);
                    c.get(si).is_some_and(|s| statuses_in(s).len() == 1)
                });
            if status_table {
                let si = table
                    .cols
                    .iter()
                    .position(|c| *c == Col::Status)
                    .unwrap_or(0);
                for (_, r) in &table.rows {
                    let c = cells(r);
                    let status = c.get(si).map(|s| statuses_in(s)).unwrap_or_default();
                    let meaning: Vec<String> = c
                        .iter()
                        .enumerate()
                        .filter(|(j, x)| *j != si && !x.is_empty())
                        .map(|(_, x)| clean_cell(x))
                        .collect();
                    if let Some(s) = status.first().map(u16::to_string)
                        && !source.http_statuses.iter().any(|(k, _)| *k == s)
                    {
                        source.http_statuses.push((s, meaning.join(" — ")));
                    }
                }
            } else {
                skipped.push(table);
            }
            continue;
        }
        coded_tables += 1;
        for (line, raw) in &table.rows {
            let mut c = cells(raw);
            if c.len() > table.cols.len() {
                w.push(
                    "import::long-row",
                    Some(*line),
                    format!(
                        "this row has {} cells, the table's header has {}: the extra cells are joined into the last column",
                        c.len(),
                        table.cols.len()
                    ),
                );
                w.help("escape a pipe inside a cell as `\\|`");
                let rest = c.split_off(table.cols.len() - 1);
                c.push(rest.join(" | "));
            }
            let mut row = Row {
                line: Some(*line),
                category: table.category.clone(),
                ..Row::default()
            };
            for (col, (kind, header)) in table.cols.iter().zip(&table.headers).enumerate() {
                let value = c.get(col).map(|s| clean_cell(s)).unwrap_or_default();
                if value.is_empty() {
                    continue;
                }
                let set = |o: &mut Option<String>, v: String, attrs: &mut Vec<(String, String)>| {
                    if o.is_none() {
                        *o = Some(v);
                    } else {
                        attrs.push((header.clone(), v));
                    }
                };
                match kind {
                    Col::Code if row.code.is_empty() => row.code = value,
                    Col::Code => row.attributes.push((header.clone(), value)),
                    Col::Status => set(&mut row.status, value, &mut row.attributes),
                    Col::Message => set(&mut row.message, value, &mut row.attributes),
                    Col::Description => set(&mut row.description, value, &mut row.attributes),
                    Col::Cause => set(&mut row.cause, value, &mut row.attributes),
                    Col::Title => set(&mut row.title, value, &mut row.attributes),
                    Col::Action => set(&mut row.action, value, &mut row.attributes),
                    Col::Resolution => set(&mut row.resolution, value, &mut row.attributes),
                    Col::Category => row.category = Some(value),
                    Col::Endpoint => row.endpoints.extend(
                        value
                            .split([',', ';'])
                            .map(|s| s.trim().trim_matches('`').to_string())
                            .filter(|s| !s.is_empty()),
                    ),
                    Col::Other(name) => row.attributes.push((name.clone(), value)),
                }
            }
            if row.code.is_empty() {
                w.push(
                    "import::no-code",
                    Some(*line),
                    "this row has no code: skipped",
                );
                continue;
            }
            source.rows.push(row);
        }
    }
    if coded_tables == 0 {
        return Err(Fatal(match tables.as_slice() {
            [] => "no table found: expected a Markdown table with a header row, a `|---|---|` row and a Code column".into(),
            [t] => format!(
                "the table at line {} has no code column (its columns: {}); name one `Code` or `Error Code`",
                t.header_line,
                t.headers.join(", ")
            ),
            [t, ..] => format!(
                "none of its {} tables has a code column (the first, at line {}, has {}); name one `Code` or `Error Code`",
                tables.len(),
                t.header_line,
                t.headers.join(", ")
            ),
        }));
    }
    for t in skipped {
        w.push(
            "import::no-code-column",
            Some(t.header_line),
            format!(
                "this table has no code column (its columns: {}): skipped",
                t.headers.join(", ")
            ),
        );
    }
    source.description = description(&prose);
    Ok(source)
}

/// The prose around the tables, as the catalog's description.
fn description(prose: &[(usize, &str)]) -> Option<String> {
    let has_blank = prose.iter().any(|(_, l)| l.trim().is_empty());
    let mut paras: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_fence = false;
    for (_, l) in prose {
        let t = l.trim_end();
        if t.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if t.trim().is_empty() && !in_fence {
            if !cur.is_empty() {
                paras.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if has_blank || in_fence || t.trim_start().starts_with("```") {
            if !cur.is_empty() {
                cur.push('\n');
            }
            cur.push_str(t);
        } else {
            paras.push(t.to_string());
        }
    }
    if !cur.is_empty() {
        paras.push(cur);
    }
    let text = paras.join("\n\n");
    (!text.trim().is_empty()).then(|| text.trim().to_string())
}

fn json_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn json_strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(json_string).collect(),
        other => json_string(other).into_iter().collect(),
    }
}

fn read_json(text: &str, w: &mut Warnings<'_>) -> Result<Source, Fatal> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        Fatal(format!(
            "the input is not valid JSON: {e}; expected a list such as [{{\"code\": \"not_found\", \"status\": 404, \"message\": \"…\"}}]"
        ))
    })?;
    let (list, name) = match &v {
        Value::Array(a) => (a.as_slice(), None),
        Value::Object(o) => match ["errors", "codes", "items"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_array))
        {
            Some(a) => (a.as_slice(), o.get("name").and_then(json_string)),
            None => {
                return Err(Fatal(
                    "the JSON input is an object without an `errors` list; expected a list of codes".into(),
                ));
            }
        },
        _ => return Err(Fatal("the JSON input is not a list of codes".into())),
    };
    let mut source = Source {
        title: name,
        ..Source::default()
    };
    // A line per item, for warnings: where its `"code"` is written.
    let mut code_lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"code\""))
        .map(|(i, _)| i + 1);
    let one_line = text.lines().count() <= 1;
    for (n, item) in list.iter().enumerate() {
        let line = if one_line { None } else { code_lines.next() };
        let Some(obj) = item.as_object() else {
            w.push(
                "import::not-an-object",
                line,
                format!("item {n} is not an object: skipped"),
            );
            continue;
        };
        let mut row = Row {
            line,
            ..Row::default()
        };
        for (k, v) in obj {
            match k.as_str() {
                "code" | "error" | "error_code" | "id" => {
                    row.code = json_string(v).unwrap_or_default()
                }
                "status" | "http_status" | "http" | "status_code" => {
                    row.status = Some(json_strings(v).join(", ")).filter(|s| !s.is_empty());
                }
                "message" => row.message = json_string(v),
                "description" | "detail" => row.description = json_string(v),
                "summary" => row.summary = json_string(v),
                "title" | "name" => row.title = json_string(v),
                "cause" => row.cause = json_string(v),
                "when" => row.when = json_string(v),
                "action" => row.action = json_string(v),
                "resolution" | "next_step" | "fix" => row.resolution = json_string(v),
                "category" | "section" | "group" => row.category = json_string(v),
                "endpoints" | "endpoint" => row.endpoints = json_strings(v),
                "notes" | "note" => row.notes = json_strings(v),
                "retry" => row.retry = json_string(v),
                "context" => {
                    if let Some(ctx) = v.as_object() {
                        for (key, ty) in ctx {
                            let ty = ty
                                .as_str()
                                .or_else(|| ty.get("type").and_then(Value::as_str))
                                .unwrap_or("string");
                            row.context.push((key.clone(), ty.to_string()));
                        }
                    }
                }
                other => {
                    if let Some(s) = json_string(v) {
                        row.attributes.push((other.to_string(), s));
                    }
                }
            }
        }
        if row.code.is_empty() {
            w.push(
                "import::no-code",
                line,
                format!("item {n} has no `code`: skipped"),
            );
            continue;
        }
        source.rows.push(row);
    }
    if source.rows.is_empty() && !list.is_empty() {
        return Err(Fatal("no item of the JSON list has a `code`".into()));
    }
    Ok(source)
}

// ---------------------------------------------------------------------------------------------
// Rows into catalog entries

/// Every 4xx and 5xx status written in a cell ("401", "HTTP 401 / 403", "429 Too Many").
fn statuses_in(cell: &str) -> Vec<u16> {
    let mut out = Vec::new();
    let b = cell.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 3
                && let Ok(n) = cell[start..i].parse::<u16>()
                && (100..600).contains(&n)
                && !out.contains(&n)
            {
                out.push(n);
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_token(s: &str) -> bool {
    let s = s.trim().trim_matches('`');
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A code in the case style: as written when it follows it, else converted.
fn normalize_code(raw: &str, case: CaseStyle) -> Option<String> {
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
fn sentence_case(code: &str) -> String {
    let words = code.to_ascii_lowercase().replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Braces in a message are literal unless the source declared context.
fn escape_braces(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

/// One catalog entry.
#[derive(Debug, Default)]
struct Entry {
    code: String,
    line: Option<usize>,
    statuses: Vec<u16>,
    category: String,
    title: Option<String>,
    action: Option<String>,
    summary: Option<String>,
    message: String,
    when: Option<String>,
    cause: Option<String>,
    next_step: Option<String>,
    endpoints: Vec<String>,
    notes: Vec<String>,
    retry: Option<String>,
    context: Vec<(String, String)>,
    attributes: Vec<(String, String)>,
}

struct Imported {
    name: String,
    description: Option<String>,
    case: CaseStyle,
    style: Option<StyleKind>,
    action_required: bool,
    http_statuses: Vec<(String, String)>,
    roles: Vec<(Role, String)>,
    entries: Vec<Entry>,
}

const DEFAULT_CATEGORY: &str = "General";

fn build(source: Source, args: &ImportArgs, stem: &str, w: &mut Warnings<'_>) -> Imported {
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
                "import::bad-code",
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
                "import::code-case",
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
                    "import::not-an-error",
                    row.line,
                    format!(
                        "`{code}` has status {}, not an error status: skipped",
                        others.join(", ")
                    ),
                );
                continue;
            }
            w.push(
                "import::not-an-error-status",
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
                "import::duplicate-code",
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
                    "import::no-status",
                    row.line,
                    format!("no status for `{code}` (`{s}` is not an HTTP status)"),
                ),
                Some(_) => {}
                None => w.push(
                    "import::no-status",
                    row.line,
                    format!("no status for `{code}`"),
                ),
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
                    "import::no-message",
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
            "import::no-category",
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
                "import::no-actions",
                None,
                "no programmatic actions: set action_required = false",
            );
            w.help("an Action column of snake_case tokens (`top_up_balance`) gives each code an `action`; prose goes to `next_step`");
        } else {
            w.push(
                "import::no-actions",
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
                "import::no-name",
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

fn list_codes(codes: &[String]) -> String {
    let shown: Vec<String> = codes.iter().take(5).map(|c| format!("`{c}`")).collect();
    let more = codes.len().saturating_sub(5);
    if more > 0 {
        format!("{}, and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Maps roles to the imported codes whose status and name fit, so the framework raises the
/// API's own codes; a role with no fitting code is left to errcat's built-in one.
fn guess_roles(
    entries: &[Entry],
    case: CaseStyle,
    w: &mut Warnings<'_>,
    added: &mut Vec<(Role, String)>,
) -> Vec<(Role, String)> {
    let words: &[(Role, &[&str])] = &[
        (
            Role::NotFound,
            &["not_found", "notfound", "no_such", "does_not_exist"],
        ),
        (Role::MethodNotAllowed, &["method"]),
        (
            Role::InvalidJson,
            &[
                "json",
                "malformed",
                "parse",
                "invalid_request",
                "bad_request",
                "invalid_body",
            ],
        ),
        (
            Role::ValidationFailed,
            &["validation", "invalid_field", "unprocessable"],
        ),
        (Role::InvalidParameter, &["parameter", "param", "query"]),
        (Role::UnsupportedMediaType, &["media", "content_type"]),
        (Role::PayloadTooLarge, &["too_large", "payload", "size"]),
        (Role::RateLimited, &["rate", "too_many", "throttl"]),
        (Role::Timeout, &["timeout", "timed_out"]),
        (Role::Internal, &["internal", "server_error", "unexpected"]),
        (
            Role::Unavailable,
            &["unavailable", "maintenance", "overload"],
        ),
        (Role::IdempotencyKeyInvalid, &["idempotency"]),
        (Role::IdempotencyKeyReused, &["idempotency"]),
        (Role::IdempotencyKeyInProgress, &["idempotency"]),
    ];
    let mut roles: Vec<(Role, String)> = Vec::new();
    for (role, keys) in words {
        let fits = |e: &&Entry| {
            e.statuses
                .first()
                .is_some_and(|s| role.allowed_statuses().contains(s))
        };
        let lower = |e: &Entry| e.code.to_ascii_lowercase();
        let mut candidates: Vec<&Entry> = entries
            .iter()
            .filter(fits)
            .filter(|e| keys.iter().any(|k| lower(e).contains(k)))
            .collect();
        match role {
            Role::IdempotencyKeyReused => {
                candidates.retain(|e| {
                    ["reuse", "duplicate", "mismatch", "conflict"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            Role::IdempotencyKeyInProgress => {
                candidates.retain(|e| {
                    ["progress", "in_flight", "concurrent", "processing"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            Role::IdempotencyKeyInvalid => {
                candidates.retain(|e| {
                    ["invalid", "malformed"]
                        .iter()
                        .any(|k| lower(e).contains(k))
                });
            }
            _ => {}
        }
        // The only code of a role's status is its code too (the only 429, the only 500).
        let only = match role {
            Role::RateLimited | Role::Internal | Role::NotFound => {
                let all: Vec<&Entry> = entries.iter().filter(fits).collect();
                (all.len() == 1).then(|| all[0])
            }
            _ => None,
        };
        let builtin = case.convert(role.builtin_code());
        let exact = candidates.iter().find(|e| e.code == builtin).copied();
        if let Some(e) = exact.or(candidates.first().copied()).or(only) {
            if e.code != builtin {
                roles.push((*role, e.code.clone()));
            }
            continue;
        }
        // A code with the built-in's name but a status the role cannot have would fail `check`:
        // the role takes another code of a fitting status, or a code of its own.
        let Some(e) = entries.iter().find(|e| e.code == builtin && !fits(e)) else {
            continue;
        };
        w.push(
            "import::role-collision",
            e.line,
            format!(
                "`{builtin}` is the name of errcat's built-in code for role `{}`, but here its status is not one of {:?}",
                role.name(),
                role.allowed_statuses()
            ),
        );
        match entries.iter().find(fits) {
            Some(other) => {
                w.help(format!(
                    "role `{}` is mapped to `{}` in `[roles]`: check it",
                    role.name(),
                    other.code
                ));
                roles.push((*role, other.code.clone()));
            }
            None => {
                let name = format!("{builtin}{}", case.convert("_default"));
                w.help(format!(
                    "`{name}` is added for role `{}`: rename it as you like",
                    role.name()
                ));
                roles.push((*role, name.clone()));
                added.push((*role, name));
            }
        }
    }
    roles
}

/// Entries for roles whose built-in code's name an imported code took: errcat's built-in
/// entry under another name.
fn role_entries(added: &[(Role, String)]) -> Vec<Entry> {
    let Ok(builtins) = Catalog::from_toml_str("builtin.toml", "[catalog]\nname = \"builtin\"\n")
    else {
        return Vec::new();
    };
    added
        .iter()
        .map(|(role, name)| {
            let b = builtins.role(*role);
            Entry {
                code: name.clone(),
                statuses: b.statuses.clone(),
                category: b.category.clone(),
                action: b.action.clone(),
                message: b.message(0, 0).source().to_string(),
                notes: vec![format!(
                    "Added by `errcat import` for role `{}`.",
                    role.name()
                )],
                ..Entry::default()
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// TOML

fn toml_str(s: &str) -> String {
    let multiline = s.contains('\n');
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(if multiline { "\"\"\"\n" } else { "\"" });
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multiline => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push_str(if multiline { "\"\"\"" } else { "\"" });
    out
}

fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_str(k)
    }
}

fn toml_list(items: &[String]) -> String {
    if items.len() == 1 && items[0].len() < 60 {
        return format!("[{}]", toml_str(&items[0]));
    }
    let mut out = String::from("[\n");
    for i in items {
        let _ = writeln!(out, "  {},", toml_str(i));
    }
    out.push(']');
    out
}

fn attribute_key(header: &str) -> String {
    let mut k = String::new();
    for c in header.trim().chars() {
        if c.is_ascii_alphanumeric() {
            k.push(c.to_ascii_lowercase());
        } else if !k.ends_with('_') && !k.is_empty() {
            k.push('_');
        }
    }
    let k = k.trim_end_matches('_').to_string();
    if k.is_empty() { "column".into() } else { k }
}

fn to_toml(c: &Imported, source_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by `errcat import` from {}.\n# Review what it warned about, then run `errcat check` on this file.\n",
        source_name.replace('\n', " ")
    );
    out.push_str("[catalog]\n");
    let _ = writeln!(out, "name = {}", toml_str(&c.name));
    if let Some(d) = &c.description {
        let _ = writeln!(out, "description = {}", toml_str(d));
    }
    let _ = writeln!(out, "case = {}", toml_str(c.case.as_str()));
    if let Some(s) = c.style {
        let _ = writeln!(out, "style = {}", toml_str(s.name()));
    }
    if !c.action_required {
        out.push_str(if c.entries.iter().all(|e| e.action.is_none()) {
            "# The source gives no programmatic actions.\naction_required = false\n"
        } else {
            "# The source gives no programmatic action for some codes.\naction_required = false\n"
        });
    }
    if !c.http_statuses.is_empty() {
        out.push_str("\n[http_statuses]\n");
        for (s, m) in &c.http_statuses {
            let _ = writeln!(out, "{} = {}", toml_str(s), toml_str(m));
        }
    }
    if !c.roles.is_empty() {
        out.push_str("\n# Guessed from the codes' names and statuses: check them.\n[roles]\n");
        for (role, code) in &c.roles {
            let _ = writeln!(out, "{} = {}", role.name(), toml_str(code));
        }
    }
    let mut category: Option<&str> = None;
    for e in &c.entries {
        if category != Some(e.category.as_str()) {
            let _ = write!(out, "\n# {}\n", e.category.replace('\n', " "));
            category = Some(&e.category);
        }
        let _ = writeln!(out, "\n[codes.{}]", toml_key(&e.code));
        match e.statuses.as_slice() {
            [] => {}
            [one] => {
                let _ = writeln!(out, "status = {one}");
            }
            many => {
                let list: Vec<String> = many.iter().map(u16::to_string).collect();
                let _ = writeln!(out, "status = [{}]", list.join(", "));
            }
        }
        let _ = writeln!(out, "category = {}", toml_str(&e.category));
        if let Some(t) = &e.title {
            let _ = writeln!(out, "title = {}", toml_str(t));
        }
        if let Some(a) = &e.action {
            let _ = writeln!(out, "action = {}", toml_str(a));
        }
        if let Some(s) = &e.summary {
            let _ = writeln!(out, "summary = {}", toml_str(s));
        }
        let _ = writeln!(out, "message.en = {}", toml_str(&e.message));
        for (k, ty) in &e.context {
            let _ = writeln!(out, "context.{} = {}", toml_key(k), toml_str(ty));
        }
        for (key, v) in [
            ("when", &e.when),
            ("cause", &e.cause),
            ("next_step", &e.next_step),
        ] {
            if let Some(v) = v {
                let _ = writeln!(out, "{key} = {}", toml_str(v));
            }
        }
        if let Some(r) = &e.retry {
            let _ = writeln!(out, "retry = {}", toml_str(r));
        }
        if !e.endpoints.is_empty() {
            let _ = writeln!(out, "endpoints = {}", toml_list(&e.endpoints));
        }
        if !e.notes.is_empty() {
            let _ = writeln!(out, "notes = {}", toml_list(&e.notes));
        }
        let mut seen: Vec<String> = Vec::new();
        for (k, v) in &e.attributes {
            let key = attribute_key(k);
            if seen.contains(&key) {
                continue;
            }
            let _ = writeln!(out, "attributes.{} = {}", toml_key(&key), toml_str(v));
            seen.push(key);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The command

fn detect(path: &Path, text: &str) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Format::Json,
        Some("md" | "markdown" | "mdx" | "txt") => Format::Markdown,
        _ if text.trim_start().starts_with(['[', '{']) => Format::Json,
        _ => Format::Markdown,
    }
}

fn read_input(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(s);
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (invalid byte at offset {}); convert it first",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

pub(crate) fn run(args: &ImportArgs, color: bool) -> ExitCode {
    let text = match read_input(&args.input) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let shown = if args.input.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let stem = args
        .input
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| *s != "-")
        .unwrap_or("imported")
        .to_string();
    let format = args.format.unwrap_or_else(|| detect(&args.input, &text));
    let mut w = Warnings::new(&shown, &text);
    let source = match format {
        Format::Markdown => read_markdown(&text, &mut w),
        Format::Json => read_json(&text, &mut w),
    };
    let source = match source {
        Ok(s) => s,
        Err(Fatal(msg)) => {
            eprint!("{}", w.render(color));
            eprintln!("error: cannot import `{shown}`: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let imported = build(source, args, &stem, &mut w);
    if imported.entries.is_empty() {
        eprint!("{}", w.render(color));
        eprintln!("error: cannot import `{shown}`: it has no error codes");
        return ExitCode::FAILURE;
    }
    let file_name = args
        .input
        .file_name()
        .and_then(|s| s.to_str())
        .filter(|s| *s != "-")
        .unwrap_or("stdin");
    let toml = to_toml(&imported, file_name);
    let out_name = match &args.out {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => format!("{stem}.toml"),
    };
    // The output must pass `check`; say what check will say about it.
    let check = match Catalog::from_toml_str(&out_name, &toml) {
        Ok(c) => c.report().clone(),
        Err(report) => {
            eprint!("{}", w.render(color));
            eprint!("{}", report.render(&[Severity::Error], color));
            eprintln!(
                "error: the imported catalog does not pass `errcat check`: this is a bug in `errcat import`; please report it with the input"
            );
            return ExitCode::FAILURE;
        }
    };
    eprint!("{}", w.render(color));
    eprint!("{}", check.render(&[Severity::Warning], color));
    let written = match &args.out {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, &toml).map_err(|e| format!("cannot write `{}`: {e}", p.display()))
        }
        _ => {
            let mut o = std::io::stdout().lock();
            o.write_all(toml.as_bytes())
                .and_then(|()| o.flush())
                .map_err(|e| format!("cannot write to stdout: {e}"))
        }
    };
    if let Err(msg) = written {
        eprintln!("error: {msg}");
        return ExitCode::FAILURE;
    }
    let mut categories: Vec<&str> = imported
        .entries
        .iter()
        .map(|e| e.category.as_str())
        .collect();
    categories.dedup();
    categories.sort_unstable();
    categories.dedup();
    let n = imported.entries.len();
    let warnings = w.list.len() + check.count(Severity::Warning);
    eprintln!(
        "imported {n} code{} in {} categor{} from {shown}{}; {warnings} warning{}",
        if n == 1 { "" } else { "s" },
        categories.len(),
        if categories.len() == 1 { "y" } else { "ies" },
        match &args.out {
            Some(p) if p.as_os_str() != "-" => format!(" into {}", p.display()),
            _ => String::new(),
        },
        if warnings == 1 { "" } else { "s" },
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_split_with_and_without_outer_pipes() {
        assert_eq!(cells("| a | 401 | b |"), ["a", "401", "b"]);
        assert_eq!(cells("a | 401 | b |"), ["a", "401", "b"]);
        assert_eq!(cells("a | x \\| y"), ["a", "x | y"]);
        assert_eq!(clean_cell(" [`not_found`](#not-found) "), "`not_found`");
        assert!(is_delimiter("|---|:---:|"));
        assert!(is_delimiter("| ---- | ------------- |"));
        assert!(!is_delimiter("| a | b |"));
    }

    #[test]
    fn columns_by_name() {
        assert_eq!(classify("Error Code"), Col::Code);
        assert_eq!(classify("HTTP"), Col::Status);
        assert_eq!(classify("HTTP Status Code"), Col::Status);
        assert_eq!(classify("cause"), Col::Cause);
        assert_eq!(classify("Resolution"), Col::Resolution);
        assert_eq!(classify("Error message"), Col::Message);
        assert_eq!(
            classify("Triggers webhook"),
            Col::Other("Triggers webhook".into())
        );
    }

    #[test]
    fn statuses_and_categories() {
        assert_eq!(statuses_in("HTTP 401 / 403"), [401, 403]);
        assert_eq!(statuses_in("n/a"), Vec::<u16>::new());
        assert_eq!(
            category_name("Authentication Errors (HTTP 401 / 403)"),
            "Authentication Errors"
        );
        assert_eq!(category_name("## Billing (v2)"), "Billing (v2)");
    }

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

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_str("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(toml_str("x\u{1}"), r#""x\u0001""#);
        assert_eq!(toml_str("l1\nl2"), "\"\"\"\nl1\nl2\"\"\"");
        assert_eq!(toml_key("a b"), "\"a b\"");
    }
}
