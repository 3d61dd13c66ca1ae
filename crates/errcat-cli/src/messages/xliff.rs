//! XLIFF 2.0 (OASIS, `urn:oasis:names:tc:xliff:document:2.0`): one `<unit>` per code, its
//! `<notes>` the docs, one `<segment>` with the default locale's `<source>` and the
//! translation's `<target>`. Read and escaped with quick-xml; no crate reads XLIFF 2.0 (the
//! `xliff` crate is an alpha of XLIFF 1.2).

use std::fmt::Write as _;

use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::{Exported, Translations, Unit};

/// The XLIFF text of an export.
pub(crate) fn write(x: &Exported<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        out,
        r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="{}" trgLang="{}">"#,
        escape(x.source_locale),
        escape(x.locale)
    );
    let _ = writeln!(out, r#"  <file id="{}">"#, escape(xml_id(x.catalog)));
    for u in &x.units {
        let _ = writeln!(out, r#"    <unit id="{}">"#, escape(&u.code));
        if !u.notes.is_empty() || u.reference.is_some() {
            out.push_str("      <notes>\n");
            for n in &u.notes {
                let _ = writeln!(out, "        <note>{}</note>", escape(n.as_str()));
            }
            if let Some(r) = &u.reference {
                let _ = writeln!(
                    out,
                    r#"        <note category="location">{}</note>"#,
                    escape(r.as_str())
                );
            }
            out.push_str("      </notes>\n");
        }
        let state = if u.target.is_some() {
            "translated"
        } else {
            "initial"
        };
        let _ = writeln!(out, r#"      <segment state="{state}">"#);
        let _ = writeln!(
            out,
            "        <source>{}</source>",
            escape(u.source.as_str())
        );
        if let Some(t) = &u.target {
            let _ = writeln!(out, "        <target>{}</target>", escape(t.as_str()));
        }
        out.push_str("      </segment>\n    </unit>\n");
    }
    out.push_str("  </file>\n</xliff>\n");
    out
}

/// A file id: the catalog's name, with what an NMTOKEN cannot hold as `_`.
fn xml_id(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Other,
    Source,
    Target,
}

/// Reads an XLIFF 2.0 file. A DOCTYPE, an entity other than XML's five and character
/// references, and markup inside `<source>` or `<target>` are refused.
pub(crate) fn read(text: &str) -> Result<Translations, Vec<String>> {
    let mut reader = Reader::from_str(text);
    let mut t = Translations::default();
    let mut errors = Vec::new();
    let mut unit: Option<(String, usize)> = None;
    let mut source: Option<String> = None;
    let mut target: Option<String> = None;
    let mut state = In::Other;
    let mut saw_root = false;
    let line_of = |pos: u64| {
        let end = usize::try_from(pos).map_or(text.len(), |p| p.min(text.len()));
        text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    loop {
        let pos = reader.buffer_position();
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                errors.push(format!(
                    "line {}: not well-formed XML: {e}",
                    line_of(reader.error_position())
                ));
                break;
            }
        };
        let line = line_of(pos);
        match ev {
            Event::Eof => break,
            Event::DocType(_) => {
                errors.push(format!(
                    "line {line}: a DOCTYPE is not allowed in XLIFF 2.0"
                ));
                break;
            }
            Event::Start(e) | Event::Empty(e) if state != In::Other => {
                errors.push(format!(
                    "line {line}: markup (`<{}>`) inside a {}: write the message as text",
                    String::from_utf8_lossy(e.name().as_ref()),
                    if state == In::Source {
                        "source"
                    } else {
                        "target"
                    }
                ));
            }
            Event::Start(e) => {
                let attr = |name: &[u8]| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == name)
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match e.local_name().as_ref() {
                    b"xliff" => {
                        saw_root = true;
                        if attr(b"version").as_deref() != Some("2.0") {
                            errors.push(format!("line {line}: errcat reads XLIFF version 2.0"));
                        }
                        t.locale = attr(b"trgLang");
                        t.source_locale = attr(b"srcLang");
                    }
                    b"unit" => match attr(b"id") {
                        Some(id) => unit = Some((id, line)),
                        None => errors.push(format!("line {line}: a <unit> without an id")),
                    },
                    b"source" => {
                        state = In::Source;
                        source = Some(String::new());
                    }
                    b"target" => {
                        state = In::Target;
                        target = Some(String::new());
                    }
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"source" | b"target" => state = In::Other,
                b"unit" => {
                    if let Some((code, line)) = unit.take() {
                        t.units.push(Unit {
                            code,
                            source: source.take().unwrap_or_default(),
                            target: target.take().filter(|s| !s.is_empty()),
                            line,
                        });
                    }
                    source = None;
                    target = None;
                }
                _ => {}
            },
            Event::Text(x) if state != In::Other => match x.xml_content() {
                Ok(s) => push(state, &mut source, &mut target, &s),
                Err(e) => errors.push(format!("line {line}: {e}")),
            },
            Event::CData(x) if state != In::Other => match x.decode() {
                Ok(s) => push(state, &mut source, &mut target, &s),
                Err(e) => errors.push(format!("line {line}: {e}")),
            },
            Event::GeneralRef(r) if state != In::Other => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => match &*r as &[u8] {
                        b"lt" => Some("<".into()),
                        b"gt" => Some(">".into()),
                        b"amp" => Some("&".into()),
                        b"quot" => Some("\"".into()),
                        b"apos" => Some("'".into()),
                        _ => None,
                    },
                };
                match resolved {
                    Some(s) => push(state, &mut source, &mut target, &s),
                    None => errors.push(format!(
                        "line {line}: the entity `&{};` is not one of XML's",
                        String::from_utf8_lossy(r.as_ref())
                    )),
                }
            }
            _ => {}
        }
    }
    if !saw_root && errors.is_empty() {
        errors.push("no <xliff> element: this is not an XLIFF file".to_string());
    }
    if errors.is_empty() {
        Ok(t)
    } else {
        Err(errors)
    }
}

fn push(state: In, source: &mut Option<String>, target: &mut Option<String>, s: &str) {
    let slot = if state == In::Source { source } else { target };
    slot.get_or_insert_with(String::new).push_str(s);
}
