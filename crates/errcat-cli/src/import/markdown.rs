//! The Markdown reader.
//!
//! Tables are found by pulldown-cmark's GFM table extension ([`super::tables`]), with the rules
//! the seeds' pages need: a line without a pipe ends a table, and a row wrapped over several
//! lines (seed 004) is joined again. The lines around the tables are read line by line: the
//! first `# Title` names the catalog, the heading or short line just before a table
//! (`Authentication errors (401, 403)`) names its category, and the rest is the catalog's
//! description. Columns are matched by name, case-insensitively: Code / Error Code,
//! Status / HTTP, Description / Message / Cause, Action / Resolution, Title, Category, Endpoint;
//! any other column is kept in `attributes`.

use super::rules as rule;
use super::source::{Fatal, Row, Source, statuses_in};
use super::tables::tables;
use super::warnings::Warnings;

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Col {
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

pub(super) fn clean_cell(s: &str) -> String {
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

pub(super) fn header_words(h: &str) -> String {
    let lower = h.to_lowercase().replace(['*', '`', '_'], " ");
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn classify(header: &str) -> Col {
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

/// A heading-like line: `## Title`, or a short line that is not a sentence.
pub(super) fn heading_text(line: &str) -> Option<String> {
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
pub(super) fn category_name(heading: &str) -> String {
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

pub(super) struct Table {
    pub(super) header_line: usize,
    pub(super) cols: Vec<Col>,
    pub(super) headers: Vec<String>,
    pub(super) category: Option<String>,
    /// (first line, cells of the row, joined over wrapped lines).
    pub(super) rows: Vec<(usize, Vec<String>)>,
}

pub(super) fn read_markdown(text: &str, w: &mut Warnings<'_>) -> Result<Source, Fatal> {
    let lines: Vec<&str> = text.lines().collect();
    let mut grids = tables(text).into_iter().peekable();
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
        let Some(grid) = grids.next_if(|g| g.first <= i) else {
            if t.starts_with("```") || t.starts_with("~~~") {
                in_fence = !in_fence;
            } else if !in_fence {
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
        };
        // The category: the heading or short line just before the table, else the last heading.
        let mut category = last_heading.clone();
        if let Some(pos) = prose.iter().rposition(|(_, l)| !l.trim().is_empty()) {
            let (_, before) = prose[pos];
            if let Some(h) = heading_text(before) {
                category = Some(h);
                prose.remove(pos);
            }
        }
        i = grid.last.max(i) + 1;
        let mut cols: Vec<Col> = grid.headers.iter().map(|h| classify(h)).collect();
        let ncols = grid.headers.len();
        let table_rows = grid.rows;
        // A "Code" column of HTTP statuses (`| Code | Meaning |`) is a status column.
        if !cols.contains(&Col::Status)
            && let Some(ci) = cols.iter().position(|c| *c == Col::Code)
        {
            let numeric = !table_rows.is_empty()
                && table_rows.iter().all(|(_, r)| {
                    r.get(ci).is_some_and(|v| {
                        let v = clean_cell(v);
                        v.len() == 3 && v.chars().all(|c| c.is_ascii_digit())
                    })
                });
            if numeric {
                cols[ci] = Col::Status;
            }
        }
        if let Some((start, n)) = grid.short {
            w.push(
                rule::SHORT_ROW,
                Some(start),
                format!(
                    "this row has {n} cells, the table's header has {ncols}: the rest are empty"
                ),
            );
        }
        tables.push(Table {
            header_line: grid.first + 1,
            cols,
            headers: grid.headers,
            category: category.map(|c| category_name(&c)),
            rows: table_rows,
        });
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
                && table.rows.iter().all(|(_, c)| {
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
                for (_, c) in &table.rows {
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
        for (line, cells) in &table.rows {
            let mut c = cells.clone();
            if c.len() > table.cols.len() {
                w.push(
                    rule::LONG_ROW,
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
                w.push(rule::NO_CODE, Some(*line), "this row has no code: skipped");
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
            rule::NO_CODE_COLUMN,
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
pub(super) fn description(prose: &[(usize, &str)]) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cleaned() {
        assert_eq!(clean_cell(" [`not_found`](#not-found) "), "`not_found`");
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
    fn categories() {
        assert_eq!(
            category_name("Authentication Errors (HTTP 401 / 403)"),
            "Authentication Errors"
        );
        assert_eq!(category_name("## Billing (v2)"), "Billing (v2)");
    }
}
