//! gettext PO files: one entry per code, `msgctxt` the code, `msgid` the default locale's
//! message, `msgstr` the translation.
//!
//! Written here rather than with the `polib` crate: polib 0.3 panics on malformed input (a
//! bare `#` line before any field, a `msgid` keyword without a quoted string), and an import
//! must answer any translator's file with an error, never a panic.

use std::fmt::Write as _;

use super::{Exported, Translations, Unit};

/// The PO text of an export.
pub(crate) fn write(x: &Exported<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} error messages, {} → {}.\n# Messages are ICU MessageFormat: keep each {{placeholder}}, and write the plural\n# forms your language needs ({{count, plural, one {{...}} few {{...}} other {{...}}}}).\n# Import with: errcat messages import CATALOG THIS_FILE",
        x.catalog, x.source_locale, x.locale
    );
    out.push_str("msgid \"\"\nmsgstr \"\"\n");
    for (k, v) in [
        ("Project-Id-Version", x.catalog),
        ("Language", x.locale),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("X-Source-Language", x.source_locale),
        ("X-Generator", "errcat"),
    ] {
        let _ = writeln!(out, "\"{}\"", escape(&format!("{k}: {v}\n")));
    }
    for u in &x.units {
        out.push('\n');
        for note in &u.notes {
            for line in note.lines() {
                let _ = writeln!(out, "#. {line}");
            }
        }
        if let Some(r) = &u.reference {
            let _ = writeln!(out, "#: {r}");
        }
        let _ = writeln!(out, "msgctxt \"{}\"", escape(&u.code));
        let _ = writeln!(out, "msgid \"{}\"", escape(&u.source));
        let _ = writeln!(
            out,
            "msgstr \"{}\"",
            escape(u.target.as_deref().unwrap_or(""))
        );
    }
    out
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str, line: usize) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            return Err(format!(
                "line {line}: a `\"` inside a string is written `\\\"`"
            ));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('t') => '\t',
            Some('r') => '\r',
            Some('\\') => '\\',
            Some('"') => '"',
            Some('a') => '\u{7}',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('v') => '\u{b}',
            Some(other) => return Err(format!("line {line}: unknown escape `\\{other}`")),
            None => return Err(format!("line {line}: the string ends with a lone `\\`")),
        });
    }
    Ok(out)
}

/// The quoted string at the start of `s` (after the keyword), unescaped.
fn quoted(s: &str, line: usize) -> Result<String, String> {
    let s = s.trim();
    let inner = s
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| s.len() >= 2)
        .ok_or_else(|| format!("line {line}: expected a string in double quotes"))?;
    unescape(inner, line)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Ctxt,
    Id,
    IdPlural,
    Str,
}

#[derive(Default)]
struct Entry {
    ctxt: Option<String>,
    id: Option<String>,
    plural: bool,
    str: Option<String>,
    fuzzy: bool,
    line: usize,
}

/// Reads a PO file. Errors name the line.
pub(crate) fn read(text: &str) -> Result<Translations, Vec<String>> {
    let mut t = Translations::default();
    let mut errors = Vec::new();
    let mut cur = Entry::default();
    let mut field: Option<Field> = None;
    let finish = |cur: &mut Entry, t: &mut Translations, errors: &mut Vec<String>| {
        let e = std::mem::take(cur);
        let Some(id) = e.id else {
            if e.ctxt.is_some() || e.str.is_some() {
                errors.push(format!("line {}: an entry without `msgid`", e.line));
            }
            return;
        };
        if e.plural {
            errors.push(format!(
                "line {}: `msgid_plural` entries are not used: errcat messages carry their plural forms in ICU syntax in one `msgstr`",
                e.line
            ));
            return;
        }
        if id.is_empty() && e.ctxt.is_none() {
            // The header.
            for l in e.str.unwrap_or_default().lines() {
                if let Some((k, v)) = l.split_once(':') {
                    match k.trim() {
                        "Language" => t.locale = Some(v.trim().to_string()),
                        "X-Source-Language" => t.source_locale = Some(v.trim().to_string()),
                        _ => {}
                    }
                }
            }
            return;
        }
        let Some(code) = e.ctxt else {
            errors.push(format!(
                "line {}: an entry without `msgctxt`: errcat names the code there",
                e.line
            ));
            return;
        };
        if e.fuzzy {
            t.fuzzy.push(code);
            return;
        }
        t.units.push(Unit {
            code,
            source: id,
            target: e.str.filter(|s| !s.is_empty()),
            line: e.line,
        });
    };
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let l = raw.trim_end_matches('\r');
        let trimmed = l.trim_start();
        if trimmed.is_empty() {
            finish(&mut cur, &mut t, &mut errors);
            field = None;
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            if c.starts_with('~') {
                // An obsolete entry: never imported.
                continue;
            }
            if let Some(flags) = c.strip_prefix(',')
                && flags.split(',').any(|f| f.trim() == "fuzzy")
            {
                if cur.id.is_some() {
                    finish(&mut cur, &mut t, &mut errors);
                }
                cur.fuzzy = true;
            }
            continue;
        }
        if trimmed.starts_with('"') {
            let Some(f) = field else {
                errors.push(format!("line {line}: a string continues no keyword"));
                continue;
            };
            match quoted(trimmed, line) {
                Ok(s) => {
                    let slot = match f {
                        Field::Ctxt => &mut cur.ctxt,
                        Field::Id => &mut cur.id,
                        Field::IdPlural => continue,
                        Field::Str => &mut cur.str,
                    };
                    slot.get_or_insert_with(String::new).push_str(&s);
                }
                Err(e) => errors.push(e),
            }
            continue;
        }
        let (kw, rest) = trimmed.split_once([' ', '\t']).unwrap_or((trimmed, ""));
        let f = match kw {
            "msgctxt" => Field::Ctxt,
            "msgid" => Field::Id,
            "msgid_plural" => Field::IdPlural,
            "msgstr" => Field::Str,
            k if k.starts_with("msgstr[") => {
                cur.plural = true;
                Field::Str
            }
            other => {
                errors.push(format!("line {line}: `{other}` is not a PO keyword"));
                continue;
            }
        };
        // A new msgctxt or msgid after a msgstr starts the next entry.
        if matches!(f, Field::Ctxt | Field::Id)
            && (cur.str.is_some() || (f == Field::Ctxt && cur.id.is_some()))
        {
            let fuzzy = std::mem::take(&mut cur.fuzzy);
            finish(&mut cur, &mut t, &mut errors);
            cur.fuzzy = fuzzy;
        }
        if cur.line == 0 {
            cur.line = line;
        }
        if f == Field::IdPlural {
            cur.plural = true;
        }
        match quoted(rest, line) {
            Ok(s) => {
                let slot = match f {
                    Field::Ctxt => &mut cur.ctxt,
                    Field::Id => &mut cur.id,
                    Field::IdPlural => &mut None,
                    Field::Str => &mut cur.str,
                };
                if slot.is_some() && f != Field::IdPlural && !cur.plural {
                    errors.push(format!("line {line}: `{kw}` twice in one entry"));
                }
                *slot = Some(s);
            }
            Err(e) => errors.push(e),
        }
        field = Some(f);
    }
    finish(&mut cur, &mut t, &mut errors);
    if errors.is_empty() {
        Ok(t)
    } else {
        Err(errors)
    }
}
