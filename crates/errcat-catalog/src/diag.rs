//! Diagnostics: what `check` reports, with spans into the catalog's source files.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Identifies one source file of a catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub(crate) u32);

/// A byte range in one of a catalog's source files.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range points into.
    pub file: FileId,
    /// Byte offsets into the file's text.
    pub range: Range<usize>,
}

impl Span {
    pub(crate) fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }
}

/// One source file, kept so diagnostics can quote it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given (or a pseudo path such as `<builtin>`).
    pub path: PathBuf,
    /// The file's full text.
    pub text: String,
}

/// The source files a catalog was read from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub(crate) fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile { path, text });
        FileId((self.files.len() - 1) as u32)
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order read.
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Every file with its id, in the order read.
    ///
    /// ```
    /// let c = errcat_catalog::Catalog::from_toml_str("c.toml", "[catalog]\nname = 'c'\naction_required = false").unwrap();
    /// let (id, first) = c.sources().with_ids().next().unwrap();
    /// assert_eq!(first.path.to_str(), Some("c.toml"));
    /// assert_eq!(c.sources().get(id).path, first.path);
    /// ```
    pub fn with_ids(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column of a byte offset.
    pub fn line_col(&self, span: &Span) -> (usize, usize) {
        let text = &self.get(span.file).text;
        let at = span.range.start.min(text.len());
        let before = &text[..floor_char_boundary(text, at)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

/// The span of `range` inside a TOML string value, when the source holds the value unescaped;
/// otherwise the whole value's span.
pub(crate) fn inner_span(
    sources: &Sources,
    whole: &Span,
    value: &str,
    range: std::ops::Range<usize>,
) -> Span {
    let text = &sources.get(whole.file).text;
    if let Some(src) = text.get(whole.range.clone())
        && let Some(at) = src.find(value)
        && !value.is_empty()
    {
        let start = whole.range.start + at;
        return Span::new(whole.file, start + range.start..start + range.end);
    }
    // Escapes (`\"`, `\u00e9`, a line-ending backslash): map decoded offsets back to the source.
    if let Some(src) = text.get(whole.range.clone())
        && let Some(map) = decoded_offsets(src)
        && let (Some(&a), Some(&b)) = (map.get(range.start), map.get(range.end))
    {
        let end = if range.end > range.start {
            // The end of the last decoded byte's escape, not the start of the next one.
            map.get(range.end - 1).map_or(b, |&last| {
                if src.as_bytes().get(last) == Some(&b'\\') {
                    last + escape_len(src.get(last..).unwrap_or_default())
                } else {
                    last + 1
                }
            })
        } else {
            b
        };
        return Span::new(
            whole.file,
            whole.range.start + a..whole.range.start + end.max(a),
        );
    }
    whole.clone()
}

/// For a TOML string token, the source offset of each byte of its decoded value, and one past
/// the end: `None` when the token is not a string.
fn decoded_offsets(token: &str) -> Option<Vec<usize>> {
    let (delim, basic) = if token.starts_with("\"\"\"") {
        ("\"\"\"", true)
    } else if token.starts_with("'''") {
        ("'''", false)
    } else if token.starts_with('"') {
        ("\"", true)
    } else if token.starts_with('\'') {
        ("'", false)
    } else {
        return None;
    };
    let b = token.as_bytes();
    let end = token.len().checked_sub(delim.len())?;
    let mut i = delim.len();
    if delim.len() == 3 {
        if token[i..].starts_with("\r\n") {
            i += 2;
        } else if token[i..].starts_with('\n') {
            i += 1;
        }
    }
    let mut map = Vec::with_capacity(end);
    while i < end {
        if basic && b[i] == b'\\' {
            let n = escape_len(&token[i..]);
            match b.get(i + 1) {
                Some(b'\n' | b'\r' | b' ' | b'\t') => {
                    // A line-ending backslash: it and the whitespace after it decode to nothing.
                    i += 1;
                    while i < end && b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    continue;
                }
                Some(b'u' | b'U' | b'x') => {
                    let hex = token.get(i + 2..i + n)?;
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    map.extend(std::iter::repeat_n(i, c.len_utf8()));
                }
                _ => map.push(i),
            }
            i += n.max(1);
        } else {
            map.push(i);
            i += 1;
        }
    }
    map.push(end);
    Some(map)
}

/// The length of the escape at the start of `s` (which starts with `\\`), or of its first
/// character otherwise.
fn escape_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first() != Some(&b'\\') {
        return s.chars().next().map_or(0, char::len_utf8);
    }
    match b.get(1) {
        Some(b'u') => 6,
        Some(b'U') => 10,
        Some(b'x') => 4,
        Some(_) => 2,
        None => 1,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational: something errcat filled in for you.
    Note,
    /// Suspicious, but the catalog is usable.
    Warning,
    /// The catalog is unusable until this is fixed.
    Error,
}

impl Severity {
    /// `"error"`, `"warning"` or `"note"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A rule of `errcat check`: its stable id, default severity and documentation.
///
/// Every rule is declared once, in [`crate::registry`]; diagnostics are made from a `Rule`, so a
/// diagnostic can only carry a registered id. `errcat explain --rule ID` prints
/// [`Rule::explanation`].
///
/// ```
/// use errcat_catalog::{Severity, registry};
///
/// let rule = registry::find("duplicate-code").unwrap();
/// assert_eq!(rule.id, "duplicate-code");
/// assert_eq!(rule.severity, Severity::Error);
/// assert!(rule.explanation.contains("[codes."));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The stable id printed in brackets, such as `duplicate-code`.
    pub id: &'static str,
    /// The severity the rule reports at (a few rules report some cases at a lower one, as the
    /// explanation says).
    pub severity: Severity,
    /// One line: what the rule catches.
    pub summary: &'static str,
    /// Paragraphs: what it catches, why it matters, how to fix it, with examples.
    pub explanation: &'static str,
}

/// A labelled span.
#[derive(Debug, Clone)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
    /// The primary label is underlined with `^`, others with `-`.
    pub primary: bool,
}

/// One finding of the loader or the lint.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error, warning or note.
    pub severity: Severity,
    /// A stable rule id, such as `duplicate-code`: the [`Rule::id`] of a registered rule.
    pub rule: &'static str,
    /// The headline.
    pub message: String,
    /// Spans into the source, primary first.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub(crate) fn new(severity: Severity, rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            rule: rule.id,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub(crate) fn error(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, message)
    }

    pub(crate) fn warning(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, message)
    }

    pub(crate) fn note(rule: Rule, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, rule, message)
    }

    pub(crate) fn primary(mut self, span: &Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span: span.clone(),
            message: message.into(),
            primary: true,
        });
        self
    }

    pub(crate) fn secondary(mut self, span: &Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span: span.clone(),
            message: message.into(),
            primary: false,
        });
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Every diagnostic of one load or check, with the sources they point into.
///
/// `Display` renders them as plain text, rustc-style; [`Report::render`] can colour them.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub(crate) sources: Sources,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// The diagnostics, errors first.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The files the diagnostics point into.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// How many diagnostics have this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Keeps only the diagnostics `keep` accepts.
    ///
    /// ```
    /// let r = errcat_catalog::check("/no/such/catalog.toml");
    /// let mut warnings = r.clone();
    /// warnings.retain(|d| d.severity == errcat_catalog::Severity::Warning);
    /// assert!(r.has_errors() && !warnings.has_errors());
    /// ```
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.diagnostics.retain(keep);
    }

    /// Whether some diagnostic has this rule id.
    pub fn has_rule(&self, rule: &str) -> bool {
        self.diagnostics.iter().any(|d| d.rule == rule)
    }

    pub(crate) fn sort(&mut self) {
        // Errors first, then warnings, then notes; stable within a severity.
        self.diagnostics
            .sort_by_key(|d| std::cmp::Reverse(d.severity));
    }

    /// Renders the diagnostics of the given severities, coloured or plain.
    pub fn render(&self, severities: &[Severity], color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for d in self
            .diagnostics
            .iter()
            .filter(|d| severities.contains(&d.severity))
        {
            out.push_str(&self.render_one(&renderer, d));
            out.push_str("\n\n");
        }
        out
    }

    fn render_one(&self, renderer: &Renderer, d: &Diagnostic) -> String {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let title = level.primary_title(d.message.as_str()).id(d.rule);
        let mut group: Group<'_> = Group::with_title(title);
        // One snippet per file, in the order the labels name them.
        let mut files: Vec<FileId> = Vec::new();
        for l in &d.labels {
            if !files.contains(&l.span.file) {
                files.push(l.span.file);
            }
        }
        for file in files {
            let src = self.sources.get(file);
            let mut snippet = Snippet::source(src.text.as_str())
                .path(display_path(&src.path))
                .fold(true);
            for l in d.labels.iter().filter(|l| l.span.file == file) {
                let range = clamp(&src.text, &l.span.range);
                let kind = if l.primary {
                    AnnotationKind::Primary
                } else {
                    AnnotationKind::Context
                };
                snippet = snippet.annotation(kind.span(range).label(l.message.as_str()));
            }
            group = group.element(snippet);
        }
        if let Some(help) = &d.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        renderer.render(&[group])
    }
}

fn display_path(p: &Path) -> String {
    p.display().to_string()
}

/// Keeps a range inside the text and on char boundaries, so rendering never panics.
fn clamp(text: &str, r: &Range<usize>) -> Range<usize> {
    let end = floor_char_boundary(text, r.end.min(text.len()));
    let start = floor_char_boundary(text, r.start.min(end));
    start..end
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.render(&[Severity::Error, Severity::Warning, Severity::Note], false);
        f.write_str(text.trim_end())
    }
}

impl std::error::Error for Report {}
