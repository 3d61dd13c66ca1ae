//! The TOML writer: the imported catalog as an errcat catalog file, commented where a reader
//! should check what the import guessed.

use std::fmt::Write as _;

use super::build::Imported;

pub(super) fn toml_str(s: &str) -> String {
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

pub(super) fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_str(k)
    }
}

pub(super) fn toml_list(items: &[String]) -> String {
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

pub(super) fn attribute_key(header: &str) -> String {
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

pub(super) fn to_toml(c: &Imported, source_name: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape() {
        assert_eq!(toml_str("a \"b\" \\ c"), r#""a \"b\" \\ c""#);
        assert_eq!(toml_str("x\u{1}"), r#""x\u0001""#);
        assert_eq!(toml_str("l1\nl2"), "\"\"\"\nl1\nl2\"\"\"");
        assert_eq!(toml_key("a b"), "\"a b\"");
    }
}
