//! The warnings of an import: what the source lacked, each pointing at its line, rendered as
//! `errcat check` renders its diagnostics.

use std::fmt::Write as _;

use errcat_catalog::Rule;

/// A warning about what the source lacked, pointing at its line.
pub(super) struct Warning {
    /// The id of a rule of [`rules`](super::rules).
    pub(super) rule: &'static str,
    pub(super) message: String,
    pub(super) line: Option<usize>,
    pub(super) help: Option<String>,
}

/// What an import found, with its warnings.
pub(super) struct Warnings<'a> {
    pub(super) list: Vec<Warning>,
    pub(super) path: &'a str,
    pub(super) lines: Vec<&'a str>,
}

impl<'a> Warnings<'a> {
    pub(super) fn new(path: &'a str, text: &'a str) -> Self {
        Warnings {
            list: Vec::new(),
            path,
            lines: text.lines().collect(),
        }
    }

    pub(super) fn push(&mut self, rule: Rule, line: Option<usize>, message: impl Into<String>) {
        self.list.push(Warning {
            rule: rule.id,
            message: message.into(),
            line,
            help: None,
        });
    }

    pub(super) fn help(&mut self, help: impl Into<String>) {
        if let Some(w) = self.list.last_mut() {
            w.help = Some(help.into());
        }
    }

    /// Renders the warnings as `errcat check` does: rustc-style, with the source line.
    pub(super) fn render(&self, color: bool) -> String {
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
