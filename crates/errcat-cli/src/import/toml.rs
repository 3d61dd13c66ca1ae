//! The TOML writer: the imported catalog as an errcat catalog file, built as a `toml_edit`
//! document and printed, commented (through the items' decor) where a reader should check what
//! the import guessed.
//!
//! The layout is the one a person would write: `[catalog]`, `[http_statuses]`, `[roles]`, then
//! one `[codes.NAME]` table a code, under a comment naming its category, with dotted keys
//! (`message.en`, `context.NAME`, `attributes.NAME`), lists of more than one item one item a
//! line. Strings are basic strings (`"…"`, multi-line `"""` where they hold a newline),
//! encoded by `toml_writer`, rather than the literal strings `toml_edit` would choose for text
//! with quotes or backslashes.

use toml_edit::{Array, DocumentMut, Item, Key, Table, Value};
use toml_writer::{ToTomlKey as _, ToTomlValue as _, TomlKeyBuilder, TomlStringBuilder};

use super::build::Imported;

/// A string as a TOML basic string, multi-line where it holds a newline.
fn toml_str(s: &str) -> String {
    let b = TomlStringBuilder::new(s);
    if s.contains('\n') {
        b.as_ml_basic().to_toml_value()
    } else {
        b.as_basic().to_toml_value()
    }
}

/// A key, bare where it can be, else a basic string.
fn toml_key(k: &str) -> String {
    let b = TomlKeyBuilder::new(k);
    b.as_unquoted()
        .unwrap_or_else(|| b.as_basic())
        .to_toml_key()
}

/// A string value written as [`toml_str`] writes it.
pub(crate) fn string(s: &str) -> Value {
    toml_str(s).parse().unwrap_or_else(|_| Value::from(s))
}

/// A key written as `repr`.
fn key(k: &str, repr: &str) -> Key {
    match Key::parse(repr) {
        Ok(mut keys) if keys.len() == 1 => keys.pop().unwrap_or_else(|| Key::new(k)),
        _ => Key::new(k),
    }
}

/// A list: inline when it is one short item, else one item a line.
fn list(items: &[String]) -> Value {
    let mut a: Array = items.iter().map(|i| string(i)).collect();
    if !(items.len() == 1 && items[0].len() < 60) {
        for v in a.iter_mut() {
            v.decor_mut().set_prefix("\n  ");
            v.decor_mut().set_suffix("");
        }
        a.set_trailing_comma(true);
        a.set_trailing("\n");
    }
    Value::Array(a)
}

/// Sets `key = value` in `t`, with `key` written as [`toml_key`] writes it.
fn set(t: &mut Table, k: &str, v: impl Into<Value>) {
    t.insert_formatted(&key(k, &toml_key(k)), Item::Value(v.into()));
}

/// Sets `outer.inner = value` in `t`, a dotted key.
fn set_dotted(t: &mut Table, outer: &str, inner: &str, v: Value) {
    let item = t.entry(outer).or_insert_with(|| {
        let mut d = Table::new();
        d.set_dotted(true);
        Item::Table(d)
    });
    if let Some(d) = item.as_table_mut() {
        set(d, inner, v);
    }
}

/// Puts a comment line above `k` in `t`.
fn comment(t: &mut Table, k: &str, text: &str) {
    if let Some(mut k) = t.key_mut(k) {
        k.leaf_decor_mut().set_prefix(format!("# {text}\n"));
    }
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

pub(super) fn to_toml(c: &Imported, source_name: &str) -> String {
    let mut doc = DocumentMut::new();
    let mut catalog = Table::new();
    catalog.decor_mut().set_prefix(format!(
        "# Imported by `errcat import` from {}.\n# Review what it warned about, then run `errcat check` on this file.\n\n",
        source_name.replace('\n', " ")
    ));
    set(&mut catalog, "name", string(&c.name));
    if let Some(d) = &c.description {
        set(&mut catalog, "description", string(d));
    }
    set(&mut catalog, "case", string(c.case.as_str()));
    if let Some(s) = c.style {
        set(&mut catalog, "style", string(s.name()));
    }
    if !c.action_required {
        set(&mut catalog, "action_required", false);
        let why = if c.entries.iter().all(|e| e.action.is_none()) {
            "The source gives no programmatic actions."
        } else {
            "The source gives no programmatic action for some codes."
        };
        comment(&mut catalog, "action_required", why);
    }
    doc.insert("catalog", Item::Table(catalog));
    if !c.http_statuses.is_empty() {
        let mut t = Table::new();
        t.decor_mut().set_prefix("\n");
        for (s, m) in &c.http_statuses {
            // Quoted, as a status is a name here, not a number.
            let k = key(s, &TomlKeyBuilder::new(s).as_basic().to_toml_key());
            t.insert_formatted(&k, Item::Value(string(m)));
        }
        doc.insert("http_statuses", Item::Table(t));
    }
    if !c.roles.is_empty() {
        let mut t = Table::new();
        t.decor_mut()
            .set_prefix("\n# Guessed from the codes' names and statuses: check them.\n");
        for (role, code) in &c.roles {
            set(&mut t, role.name(), string(code));
        }
        doc.insert("roles", Item::Table(t));
    }
    let mut codes = Table::new();
    codes.set_implicit(true);
    let mut category: Option<&str> = None;
    for e in &c.entries {
        let mut t = Table::new();
        if category == Some(e.category.as_str()) {
            t.decor_mut().set_prefix("\n");
        } else {
            t.decor_mut()
                .set_prefix(format!("\n# {}\n\n", e.category.replace('\n', " ")));
            category = Some(&e.category);
        }
        match e.statuses.as_slice() {
            [] => {}
            [one] => set(&mut t, "status", i64::from(*one)),
            many => set(
                &mut t,
                "status",
                many.iter().map(|s| i64::from(*s)).collect::<Array>(),
            ),
        }
        set(&mut t, "category", string(&e.category));
        if let Some(v) = &e.title {
            set(&mut t, "title", string(v));
        }
        if let Some(v) = &e.action {
            set(&mut t, "action", string(v));
        }
        if let Some(v) = &e.summary {
            set(&mut t, "summary", string(v));
        }
        set_dotted(&mut t, "message", "en", string(&e.message));
        for (k, ty) in &e.context {
            set_dotted(&mut t, "context", k, string(ty));
        }
        for (k, v) in [
            ("when", &e.when),
            ("cause", &e.cause),
            ("next_step", &e.next_step),
        ] {
            if let Some(v) = v {
                set(&mut t, k, string(v));
            }
        }
        if let Some(r) = &e.retry {
            set(&mut t, "retry", string(r));
        }
        if !e.endpoints.is_empty() {
            set(&mut t, "endpoints", list(&e.endpoints));
        }
        if !e.notes.is_empty() {
            set(&mut t, "notes", list(&e.notes));
        }
        for (k, v) in &e.attributes {
            let k = attribute_key(k);
            // The first of two columns of one name.
            let taken = t
                .get("attributes")
                .and_then(Item::as_table)
                .is_some_and(|a| a.contains_key(&k));
            if !taken {
                set_dotted(&mut t, "attributes", &k, string(v));
            }
        }
        codes.insert_formatted(&key(&e.code, &toml_key(&e.code)), Item::Table(t));
    }
    doc.insert("codes", Item::Table(codes));
    doc.to_string()
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
