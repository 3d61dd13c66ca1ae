//! The tables of a Markdown page, as pulldown-cmark's GFM table extension finds them, with three
//! rules of their own for the pages that API references really are (the seeds):
//!
//! - a table starts a block: it is looked for from each line with a pipe, so that a table
//!   right after a list is not taken for the rest of the list's last item;
//! - a line without a pipe ends a table (GFM would take it for a one-cell row), so that the
//!   line naming the next table's category, and that table's header, are not read as rows;
//! - a row whose line has too few cells goes on over the next lines (seed 004 wraps rows), and a
//!   line with too few pipes to be a row is the rest of the row before it.
//!
//! Cells keep their source text, trimmed, with `\|` as `|`: inline code keeps its backticks and
//! emphasis its stars, as the readers after this one expect. Cells that GFM drops, past the
//! header's count, are kept too, for the reader to warn about them.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// A table: its header's cells and its rows, each with the 1-based line it starts on.
#[derive(Debug)]
pub(super) struct Grid {
    /// The 0-based index of the header's line.
    pub(super) first: usize,
    /// The 0-based index of the table's last line.
    pub(super) last: usize,
    pub(super) headers: Vec<String>,
    pub(super) rows: Vec<(usize, Vec<String>)>,
    /// A row still open at the table's end: (its line, its cell count).
    pub(super) short: Option<(usize, usize)>,
}

/// One line of a table as written: its cells, and whether it has outer pipes.
#[derive(Debug, Clone)]
struct Cells {
    cells: Vec<String>,
    leading: bool,
    trailing: bool,
}

impl Cells {
    /// Goes on with the next line, as if the two were one line joined by a space.
    fn join(&mut self, next: Cells) {
        let mut rest = next.cells.into_iter();
        if self.trailing {
            if next.leading {
                // `… | ` + ` | …`: an empty cell between the two pipes.
                self.cells.push(String::new());
            }
        } else if !next.leading
            && let Some(first) = rest.next()
        {
            match self.cells.last_mut() {
                Some(last) => *last = format!("{last} {first}").trim().to_string(),
                None => self.cells.push(first),
            }
        }
        self.cells.extend(rest);
        self.trailing = next.trailing;
    }
}

/// Byte offsets into 0-based line indices.
pub(super) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex(starts)
    }

    /// The 0-based index of the line holding `offset`.
    pub(super) fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&s| s <= offset).saturating_sub(1)
    }
}

/// The number of unescaped pipes of a line.
fn pipes(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

fn cell_text(s: &str) -> String {
    s.trim().replace("\\|", "|")
}

/// Splits text at its unescaped pipes.
fn split_pipes(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'|' && (i == 0 || b[i - 1] != b'\\') {
            out.push(cell_text(&s[start..i]));
            start = i + 1;
        }
    }
    out.push(cell_text(&s[start..]));
    out
}

/// A row as pulldown-cmark gives it (its range and its cells' ranges) as written: without the
/// empty cells GFM pads a short row with, with the cells it drops from a long one.
fn written(text: &str, row: &Range<usize>, cells: &[Range<usize>]) -> (Cells, usize) {
    let line = text.get(row.clone()).unwrap_or("");
    let end = row.start + line.trim_end().len();
    let t = line.trim();
    let mut out = Cells {
        cells: Vec::new(),
        leading: t.starts_with('|'),
        trailing: t.ends_with('|') && !t.ends_with("\\|"),
    };
    let mut after = None;
    for c in cells.iter().filter(|c| c.start < end) {
        out.cells.push(cell_text(text.get(c.clone()).unwrap_or("")));
        after = Some(c.end);
    }
    // What follows the last cell's closing pipe: cells beyond the header's count.
    if let Some(excess) = after
        .filter(|&a| text.as_bytes().get(a) == Some(&b'|'))
        .and_then(|a| text.get(a + 1..end))
        .filter(|s| !s.is_empty())
    {
        let excess = match excess.strip_suffix('|') {
            Some(s) if !s.ends_with('\\') => s,
            _ => excess,
        };
        out.cells.extend(split_pipes(excess));
    }
    (out, pipes(t))
}

/// A table being read: the rows so far, and the row still open.
struct Building {
    grid: Grid,
    ncols: usize,
    rows: Vec<(usize, Cells)>,
    pending: Option<(usize, Cells)>,
}

impl Building {
    /// Takes the next line of the table, or says it is not one (a line without a pipe).
    fn line(&mut self, index: usize, raw: &str, cells: Cells, pipes: usize) -> bool {
        if let Some((start, mut row)) = self.pending.take() {
            row.join(cells);
            if row.cells.len() >= self.ncols {
                self.rows.push((start, row));
            } else {
                self.pending = Some((start, row));
            }
            self.grid.last = index;
            return true;
        }
        if !raw.contains('|') {
            return false;
        }
        match self.rows.last_mut() {
            // Too few cells to be a row: the rest of the previous row's last cell.
            Some((_, prev)) if pipes + 1 < self.ncols => prev.join(cells),
            _ if cells.cells.len() >= self.ncols => self.rows.push((index + 1, cells)),
            _ => self.pending = Some((index + 1, cells)),
        }
        self.grid.last = index;
        true
    }

    fn finish(mut self) -> Grid {
        if let Some((start, row)) = self.pending.take() {
            self.grid.short = Some((start, row.cells.len()));
            self.rows.push((start, row));
        }
        self.grid.rows = self.rows.into_iter().map(|(l, c)| (l, c.cells)).collect();
        self.grid
    }
}

/// Every table of a Markdown text, in order.
///
/// A table starts a block of its own, as on the seeds' pages: pulldown-cmark reads each block of
/// lines from one with a pipe to the next blank line, and a table there is one only if it starts
/// on that line. So a table right after a list (seed 002) is still a table, not a lazy
/// continuation of the list's last item; a table in a code block is none.
pub(super) fn tables(text: &str) -> Vec<Grid> {
    let lines = LineIndex::new(text);
    let code: Vec<Range<usize>> = Parser::new_ext(text, Options::ENABLE_TABLES)
        .into_offset_iter()
        .filter_map(|(e, r)| matches!(e, Event::Start(Tag::CodeBlock(_))).then_some(r))
        .collect();
    let starts = &lines.0;
    let line = |i: usize| {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        text.get(starts[i]..end).unwrap_or("")
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < starts.len() {
        let start = starts[i];
        if !line(i).contains('|') || code.iter().any(|c| c.contains(&start)) {
            i += 1;
            continue;
        }
        let end = (i + 1..starts.len())
            .find(|&j| line(j).trim().is_empty())
            .map_or(text.len(), |j| starts[j]);
        match table_at(text, start..end, &lines) {
            Some(grid) => {
                i = grid.last.max(i) + 1;
                out.push(grid);
            }
            None => i += 1,
        }
    }
    out
}

/// The table that starts a block, if one does.
fn table_at(text: &str, block: Range<usize>, lines: &LineIndex) -> Option<Grid> {
    let from = block.start;
    let mut events = Parser::new_ext(text.get(block)?, Options::ENABLE_TABLES).into_offset_iter();
    match events.next() {
        Some((Event::Start(Tag::Table(_)), r)) if r.start == 0 => {}
        _ => return None,
    }
    let mut building: Option<Building> = None;
    let mut row: Option<(Range<usize>, Vec<Range<usize>>)> = None;
    for (event, r) in events {
        let r = r.start + from..r.end + from;
        match event {
            Event::Start(Tag::TableHead | Tag::TableRow) => row = Some((r, Vec::new())),
            Event::Start(Tag::TableCell) => {
                if let Some((_, cells)) = row.as_mut() {
                    cells.push(r);
                }
            }
            Event::End(TagEnd::TableHead) => {
                let (range, cells) = row.take()?;
                let (header, _) = written(text, &range, &cells);
                let first = lines.line(range.start);
                building = Some(Building {
                    ncols: header.cells.len(),
                    grid: Grid {
                        first,
                        // The delimiter row.
                        last: first + 1,
                        headers: header.cells,
                        rows: Vec::new(),
                        short: None,
                    },
                    rows: Vec::new(),
                    pending: None,
                });
            }
            Event::End(TagEnd::TableRow) => {
                let ((range, cells), b) = (row.take()?, building.as_mut()?);
                let raw = text.get(range.clone()).unwrap_or("");
                let (cells, pipes) = written(text, &range, &cells);
                if !b.line(lines.line(range.start), raw, cells, pipes) {
                    // A line without a pipe: the table ends before it.
                    break;
                }
            }
            Event::End(TagEnd::Table) => break,
            _ => {}
        }
    }
    building.map(Building::finish)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        tables(text)
            .into_iter()
            .flat_map(|g| g.rows.into_iter().map(|(_, c)| c))
            .collect()
    }

    #[test]
    fn cells_split_with_and_without_outer_pipes() {
        let t = "| h | h | h |\n|---|:---:|---|\n| a | 401 | b |\na | 401 | b |\n";
        assert_eq!(rows(t), [["a", "401", "b"], ["a", "401", "b"]]);
        assert_eq!(
            rows("| h | h |\n| ---- | ------------- |\na | x \\| y\n"),
            [["a", "x | y"]]
        );
        assert!(tables("| a | b |\n| a | b |\n").is_empty());
    }

    #[test]
    fn a_table_after_a_list_or_in_a_fence() {
        let t = "- item\nlazy text\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\n| c | d |\n|---|---|\n```\n";
        let grids = tables(t);
        assert_eq!(grids.len(), 1);
        assert_eq!((grids[0].first, grids[0].last), (2, 4));
        assert_eq!(grids[0].rows, [(5, vec!["1".to_string(), "2".to_string()])]);
    }

    #[test]
    fn a_line_without_a_pipe_ends_a_table_and_wrapped_rows_are_joined() {
        let t = "| a | b | c |\n|---|---|---|\n| x | y |\nwrapped | z |\n| 1 | 2 | 3 | 4 |\nNext\n| d | e |\n|---|---|\n| f |\n";
        let grids = tables(t);
        assert_eq!(grids.len(), 2);
        assert_eq!((grids[0].first, grids[0].last), (0, 4));
        assert_eq!(
            grids[0].rows,
            [
                (
                    3,
                    vec!["x".into(), "y".into(), "wrapped".into(), "z".into()]
                ),
                (5, vec!["1".into(), "2".into(), "3".into(), "4".into()]),
            ]
        );
        assert_eq!(grids[1].headers, ["d", "e"]);
        assert_eq!(grids[1].short, Some((9, 1)));
        let index = LineIndex::new(t);
        assert_eq!((index.line(0), index.line(14), index.line(13)), (0, 1, 0));
    }
}
