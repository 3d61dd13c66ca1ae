//! `errcat messages`: the translator round trip. `export` writes a locale's messages as
//! gettext PO or XLIFF 2.0, `import` writes a translated file back into the catalog's TOML in
//! place (comments, order and formatting kept, through `toml_edit`), refusing the whole file
//! when a translation fails a rule, and `status` shows each locale's coverage.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use errcat_catalog::{Catalog, Entry, FileId, Origin, Severity};
use toml_edit::{DocumentMut, Item};

use crate::common::load_catalog;

mod po;
mod xliff;

/// The file formats of the round trip.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// gettext PO: `msgctxt` the code, `msgid` the default locale's message.
    Po,
    /// XLIFF 2.0: a `<unit>` per code.
    Xliff,
}

#[derive(Subcommand)]
pub(crate) enum MessagesCommand {
    /// Write a locale's messages for translators, as PO or XLIFF 2.0.
    Export {
        /// The catalog file or directory.
        catalog: PathBuf,
        /// The locale to translate into (one of the catalog's `locales`).
        #[arg(long)]
        locale: String,
        /// The file format.
        #[arg(long, value_enum, default_value = "po")]
        format: Format,
        /// Write here instead of to stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Write a translated PO or XLIFF file back into the catalog, in place; nothing is written
    /// when any translation fails a rule.
    Import {
        /// The catalog file or directory.
        catalog: PathBuf,
        /// The translated file.
        file: PathBuf,
        /// The file format (by default, from the extension: .po, .xlf or .xliff).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// The locale of the translations (by default, the file's `Language` or `trgLang`).
        #[arg(long)]
        locale: Option<String>,
    },
    /// Print each locale's coverage, and the codes it lacks.
    Status {
        /// The catalog file or directory.
        catalog: PathBuf,
    },
}

/// One code, as exported.
pub(crate) struct ExportUnit {
    code: String,
    source: String,
    target: Option<String>,
    notes: Vec<String>,
    reference: Option<String>,
}

/// What an export writes.
pub(crate) struct Exported<'a> {
    catalog: &'a str,
    locale: &'a str,
    source_locale: &'a str,
    units: Vec<ExportUnit>,
}

/// One translation, as read.
#[derive(Debug)]
pub(crate) struct Unit {
    code: String,
    source: String,
    target: Option<String>,
    line: usize,
}

/// What a translated file holds.
#[derive(Debug, Default)]
pub(crate) struct Translations {
    locale: Option<String>,
    source_locale: Option<String>,
    units: Vec<Unit>,
    /// Codes whose entries are marked fuzzy, which are never imported.
    fuzzy: Vec<String>,
}

pub(crate) fn run(cmd: &MessagesCommand, color: bool) -> ExitCode {
    match cmd {
        MessagesCommand::Export {
            catalog,
            locale,
            format,
            output,
        } => {
            let Some(c) = load_catalog(catalog, color) else {
                return ExitCode::FAILURE;
            };
            match export(&c, locale, *format) {
                Ok(text) => match output {
                    None => {
                        print!("{text}");
                        ExitCode::SUCCESS
                    }
                    Some(p) => match std::fs::write(p, text) {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(e) => fail(&format!("cannot write {}: {e}", p.display())),
                    },
                },
                Err(e) => fail(&e),
            }
        }
        MessagesCommand::Import {
            catalog,
            file,
            format,
            locale,
        } => import(catalog, file, *format, locale.as_deref(), color),
        MessagesCommand::Status { catalog } => {
            let Some(c) = load_catalog(catalog, color) else {
                return ExitCode::FAILURE;
            };
            print!("{}", status(&c));
            ExitCode::SUCCESS
        }
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

fn own_entries(c: &Catalog) -> impl Iterator<Item = &Entry> {
    c.entries().iter().filter(|e| e.origin == Origin::Catalog)
}

fn locale_index(c: &Catalog, locale: &str) -> Result<usize, String> {
    c.meta
        .locales
        .iter()
        .position(|l| l == locale)
        .ok_or_else(|| {
            format!(
                "`{locale}` is not one of the catalog's locales ({}); add it to `locales` in `[catalog]` first",
                c.meta.locales.join(", ")
            )
        })
}

/// `path:line` of where a code is defined.
fn reference(c: &Catalog, e: &Entry) -> Option<String> {
    let f = c.sources().get(e.spans.code.file);
    let line = f
        .text
        .get(..e.spans.code.range.start)?
        .matches('\n')
        .count()
        + 1;
    Some(format!("{}:{line}", f.path.display()))
}

fn notes(e: &Entry) -> Vec<String> {
    let mut out = Vec::new();
    out.push(format!("{} ({})", e.title, e.category));
    for (label, v) in [
        ("When", &e.docs.when),
        ("Cause", &e.docs.cause),
        ("Next step", &e.docs.next_step),
    ] {
        if let Some(v) = v {
            out.push(format!("{label}: {v}"));
        }
    }
    for k in &e.context {
        out.push(match &k.description {
            Some(d) => format!("{{{}}} ({}): {d}", k.name, k.ty.name()),
            None => format!("{{{}}} ({})", k.name, k.ty.name()),
        });
    }
    out
}

fn export(c: &Catalog, locale: &str, format: Format) -> Result<String, String> {
    let li = locale_index(c, locale)?;
    let d = c.meta.default_locale;
    if li == d {
        return Err(format!(
            "`{locale}` is the default locale, whose messages are the source; export another locale"
        ));
    }
    let units = own_entries(c)
        .filter_map(|e| {
            let source = e.messages[d].as_ref()?.source().to_string();
            Some(ExportUnit {
                code: e.code.clone(),
                source,
                target: e.messages[li].as_ref().map(|t| t.source().to_string()),
                notes: notes(e),
                reference: reference(c, e),
            })
        })
        .collect();
    let x = Exported {
        catalog: &c.meta.name,
        locale,
        source_locale: c.meta.default_locale_tag(),
        units,
    };
    Ok(match format {
        Format::Po => po::write(&x),
        Format::Xliff => xliff::write(&x),
    })
}

fn status(c: &Catalog) -> String {
    use std::fmt::Write as _;
    let own: Vec<&Entry> = own_entries(c).collect();
    let total = own.len();
    let width = c.meta.locales.iter().map(String::len).max().unwrap_or(2);
    let mut out = String::new();
    for (li, tag) in c.meta.locales.iter().enumerate() {
        let missing: Vec<&str> = own
            .iter()
            .filter(|e| e.messages[li].is_none())
            .map(|e| e.code.as_str())
            .collect();
        let done = total - missing.len();
        let pct = if total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / total as f64
        };
        let default = if li == c.meta.default_locale {
            "  (default)"
        } else {
            ""
        };
        let _ = writeln!(out, "{tag:<width$}  {pct:>5.1}%  {done}/{total}{default}");
        if !missing.is_empty() {
            let _ = writeln!(out, "{:<width$}  missing: {}", "", missing.join(", "));
        }
    }
    out
}

fn import(
    catalog: &Path,
    file: &Path,
    format: Option<Format>,
    locale: Option<&str>,
    color: bool,
) -> ExitCode {
    let Some(c) = load_catalog(catalog, color) else {
        return ExitCode::FAILURE;
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {}: {e}", file.display())),
    };
    let format = format.unwrap_or_else(|| {
        match file
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("xlf" | "xliff") => Format::Xliff,
            Some("po" | "pot") => Format::Po,
            _ if text.trim_start().starts_with('<') => Format::Xliff,
            _ => Format::Po,
        }
    });
    let parsed = match format {
        Format::Po => po::read(&text),
        Format::Xliff => xliff::read(&text),
    };
    let t = match parsed {
        Ok(t) => t,
        Err(errors) => return refuse(file, &errors, None),
    };
    // gettext writes `es_MX` where BCP 47 has `es-MX`.
    let Some(locale) = locale.map(str::to_string).or(t.locale.clone()).map(|l| {
        if c.meta.locales.contains(&l) {
            l
        } else {
            l.replace('_', "-")
        }
    }) else {
        return refuse(
            file,
            &[
                "the file names no target locale (PO `Language`, XLIFF `trgLang`); pass --locale"
                    .to_string(),
            ],
            None,
        );
    };
    let mut failures = Vec::new();
    let li = match locale_index(&c, &locale) {
        Ok(i) if i == c.meta.default_locale => {
            return refuse(
                file,
                &[format!(
                    "`{locale}` is the default locale; its messages are the source, edit them in the catalog"
                )],
                None,
            );
        }
        Ok(i) => i,
        Err(e) => return refuse(file, &[e], None),
    };
    if let Some(src) = &t.source_locale
        && src != c.meta.default_locale_tag()
    {
        failures.push(format!(
            "the file translates from `{src}`, but the catalog's default locale is `{}`",
            c.meta.default_locale_tag()
        ));
    }
    // code → (file, translation)
    let mut edits: HashMap<FileId, Vec<(&str, &str)>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut stale = Vec::new();
    let mut unchanged = 0;
    for u in &t.units {
        let Some(target) = u.target.as_deref() else {
            continue;
        };
        if !seen.insert(u.code.as_str()) {
            failures.push(format!("line {}: `{}` is translated twice", u.line, u.code));
            continue;
        }
        let Some(e) = c.get(&u.code).filter(|e| e.origin == Origin::Catalog) else {
            let hint = c
                .suggest(&u.code)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            failures.push(format!(
                "line {}: `{}` is not a code of the catalog{hint}",
                u.line, u.code
            ));
            continue;
        };
        let source = e.messages[c.meta.default_locale]
            .as_ref()
            .map(|m| m.source());
        if source != Some(u.source.as_str()) {
            stale.push(u.code.as_str());
        }
        if e.messages[li].as_ref().map(|m| m.source()) == Some(target) {
            unchanged += 1;
            continue;
        }
        edits
            .entry(e.spans.code.file)
            .or_default()
            .push((&u.code, target));
    }
    if !failures.is_empty() {
        return refuse(file, &failures, None);
    }

    // Apply the edits to every file's text, then check the catalog they make.
    let mut texts: Vec<(PathBuf, String, bool)> = Vec::new();
    for (id, f) in c.sources().with_ids() {
        if f.path.to_str().is_some_and(|p| p.starts_with('<')) {
            continue; // errcat's built-in codes
        }
        let Some(list) = edits.get(&id) else {
            texts.push((f.path.clone(), f.text.clone(), false));
            continue;
        };
        match apply(&f.text, &locale, list) {
            Ok(new) => texts.push((f.path.clone(), new, true)),
            Err(e) => failures.push(format!("{}: {e}", f.path.display())),
        }
    }
    if !failures.is_empty() {
        return refuse(file, &failures, None);
    }
    let names: Vec<String> = texts
        .iter()
        .map(|(p, _, _)| p.display().to_string())
        .collect();
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, (_, t, _))| (n.as_str(), t.as_str()))
        .collect();
    // Refused: any error, and any warning the translations bring in (HTML markup, a plural
    // read from a string) that the catalog did not have before.
    let report = match Catalog::from_toml_files(&files) {
        Ok(after) => after.report().clone(),
        Err(report) => report,
    };
    let before: Vec<(&str, &str)> = c
        .report()
        .diagnostics()
        .iter()
        .map(|d| (d.rule, d.message.as_str()))
        .collect();
    let mut failing = report.clone();
    failing.retain(|d| {
        d.severity == Severity::Error
            || (d.severity == Severity::Warning && !before.contains(&(d.rule, d.message.as_str())))
    });
    if !failing.diagnostics().is_empty() {
        let n = failing.diagnostics().len();
        let rendered = failing.render(&[Severity::Error, Severity::Warning], color);
        return refuse(file, &[], Some((n, rendered)));
    }

    // Write: every changed file to a temporary beside it, then each renamed over the original.
    let changed: Vec<&(PathBuf, String, bool)> = texts.iter().filter(|t| t.2).collect();
    let mut temps = Vec::new();
    for (path, text, _) in &changed {
        let tmp = temp_path(path);
        if let Err(e) = std::fs::write(&tmp, text) {
            for t in &temps {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&tmp);
            return fail(&format!(
                "cannot write {}: {e}; nothing was changed",
                tmp.display()
            ));
        }
        temps.push(tmp);
    }
    for ((path, _, _), tmp) in changed.iter().zip(&temps) {
        if let Err(e) = std::fs::rename(tmp, path) {
            return fail(&format!("cannot replace {}: {e}", path.display()));
        }
    }
    let count: usize = edits.values().map(Vec::len).sum();
    println!(
        "{}: imported {count} `{locale}` message{} into {} file{}; {unchanged} unchanged",
        file.display(),
        if count == 1 { "" } else { "s" },
        changed.len(),
        if changed.len() == 1 { "" } else { "s" },
    );
    if !t.fuzzy.is_empty() {
        eprintln!(
            "warning: {} fuzzy entr{} not imported: {}",
            t.fuzzy.len(),
            if t.fuzzy.len() == 1 { "y" } else { "ies" },
            t.fuzzy.join(", ")
        );
    }
    if !stale.is_empty() {
        eprintln!(
            "warning: the default locale's message changed since the export for {}; check these translations",
            stale.join(", ")
        );
    }
    ExitCode::SUCCESS
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".errcat-import-{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Prints why the file is refused, and that nothing was written.
fn refuse(file: &Path, failures: &[String], report: Option<(usize, String)>) -> ExitCode {
    for f in failures {
        eprintln!("error: {}: {f}", file.display());
    }
    let n = failures.len() + report.as_ref().map_or(0, |r| r.0);
    if let Some((_, rendered)) = report {
        eprint!("{rendered}");
    }
    eprintln!(
        "error: {}: {n} failure{}; nothing was written",
        file.display(),
        if n == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}

/// Sets `message.LOCALE` of each code in a catalog file's text, keeping everything else as it
/// was written.
fn apply(text: &str, locale: &str, edits: &[(&str, &str)]) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("does not parse as TOML: {e}"))?;
    for (code, target) in edits {
        let entry = doc
            .get_mut("codes")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.get_mut(code))
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("`[codes.{code}]` is not a table here"))?;
        if entry.get("message").is_none() {
            let mut t = toml_edit::Table::new();
            t.set_dotted(true);
            entry.insert("message", Item::Table(t));
        }
        let mut value = crate::import::toml::string(target);
        // In an inline table, the new pair goes before the space that closed the last one.
        if let Some(Item::Value(toml_edit::Value::InlineTable(t))) = entry.get_mut("message")
            && !t.contains_key(locale)
            && let Some((_, last)) = t.iter_mut().last()
        {
            let suffix = last.decor().suffix().cloned();
            last.decor_mut().set_suffix("");
            value.decor_mut().set_prefix(" ");
            if let Some(s) = suffix {
                value.decor_mut().set_suffix(s);
            }
        }
        let messages = entry
            .get_mut("message")
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("`message` of `{code}` is not a table"))?;
        match messages.get_mut(locale) {
            Some(Item::Value(old)) => {
                *value.decor_mut() = old.decor().clone();
                *old = value;
            }
            Some(_) => return Err(format!("`message.{locale}` of `{code}` is not a string")),
            None => {
                messages.insert(locale, Item::Value(value));
            }
        }
    }
    Ok(doc.to_string())
}
