//! `errcat explain CODE`: the whole entry, as `rustc --explain` prints it; `errcat explain
//! --rule ID`: a rule of `errcat check` or `errcat import`, from their registries.

use std::fmt::Write as _;

use errcat_catalog::{Catalog, Entry, Lifecycle, Origin, Rule, registry};

use crate::import::rules as import_rules;

/// Every rule `errcat` can print: `check`'s, then `import`'s.
fn all_rules() -> impl Iterator<Item = &'static Rule> {
    registry::ALL.iter().chain(import_rules::ALL)
}

/// `errcat explain --rule ID`: the rule's severity, id, summary and explanation.
pub(crate) fn rule(id: &str, color: bool) -> Result<(), String> {
    let Some(r) = all_rules().find(|r| r.id == id) else {
        let import_id = format!("import::{id}");
        let near = all_rules()
            .find(|r| r.id == import_id)
            .map(|r| r.id)
            .or_else(|| errcat_catalog::suggest::closest(id, all_rules().map(|r| r.id)));
        return Err(format!(
            "`{id}` is not a rule of errcat check or errcat import{}\nhelp: `errcat explain --list-rules` lists every rule",
            near.map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        ));
    };
    print!("{}", explain_rule(r, color));
    Ok(())
}

fn explain_rule(r: &Rule, color: bool) -> String {
    let (b, n) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut s = String::new();
    let _ = writeln!(s, "{b}{}[{}]{n}: {}", r.severity.as_str(), r.id, r.summary);
    let _ = writeln!(s);
    let _ = writeln!(s, "{}", r.explanation.trim_end());
    s
}

/// `errcat explain --list-rules`: every rule id, its severity and summary, one a line.
pub(crate) fn list_rules(color: bool) -> Result<(), String> {
    let (b, n) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let width = all_rules().map(|r| r.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in all_rules() {
        let _ = writeln!(
            s,
            "{b}{:<width$}{n}  {:<7}  {}",
            r.id,
            r.severity.as_str(),
            r.summary
        );
    }
    print!("{s}");
    Ok(())
}

pub(crate) fn run(c: &Catalog, code: &str, color: bool) -> Result<(), String> {
    let e = c.get(code).ok_or_else(|| {
        format!(
            "`{code}` is not a code of `{}`{}",
            c.meta.name,
            c.suggest(code)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        )
    })?;
    print!("{}", explain(c, e, color));
    Ok(())
}

fn explain(c: &Catalog, e: &Entry, color: bool) -> String {
    let (b, r) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut s = String::new();
    let _ = writeln!(s, "{b}{}{r} — {}", e.code, e.title);
    let _ = writeln!(s);
    let status = if e.statuses.is_empty() {
        format!(
            "none (never an HTTP response{})",
            e.appears_in
                .as_deref()
                .map(|a| format!("; appears in {a}"))
                .unwrap_or_default()
        )
    } else {
        e.statuses
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let _ = writeln!(s, "  {b}status{r}     {status}");
    if let Some(a) = &e.action {
        let _ = writeln!(s, "  {b}action{r}     {a}");
    }
    let _ = writeln!(s, "  {b}category{r}   {}", e.category);
    let _ = writeln!(s, "  {b}retry{r}      {}", e.retry.name());
    if let Some(url) = c.docs_url(e) {
        let _ = writeln!(s, "  {b}docs{r}       {url}");
    }
    match e.lifecycle {
        Lifecycle::Active => {}
        Lifecycle::Deprecated => {
            let _ = writeln!(
                s,
                "  {b}deprecated{r} {}",
                e.replaced_by
                    .as_deref()
                    .map(|r| format!("use `{r}`"))
                    .unwrap_or_default()
            );
        }
        Lifecycle::Retired => {
            let _ = writeln!(
                s,
                "  {b}retired{r}    {}",
                e.replaced_by
                    .as_deref()
                    .map(|r| format!("replaced by `{r}`"))
                    .unwrap_or_default()
            );
        }
    }
    if let Some(v) = &e.variant_of {
        let _ = writeln!(s, "  {b}variant of{r} {v}");
    }
    let variants: Vec<&str> = c
        .entries()
        .iter()
        .filter(|x| x.variant_of.as_deref() == Some(&e.code))
        .map(|x| x.code.as_str())
        .collect();
    if !variants.is_empty() {
        let _ = writeln!(s, "  {b}variants{r}   {}", variants.join(", "));
    }
    if e.origin == Origin::Builtin {
        let _ = writeln!(
            s,
            "  {b}origin{r}     errcat's built-in code (the catalog maps no code to this role)"
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{b}Messages{r}");
    for (i, m) in e.messages.iter().enumerate() {
        if let Some(m) = m {
            let _ = writeln!(s, "  {:<6} {}", c.meta.locales[i], m.source());
        }
    }
    if !e.context.is_empty() {
        let _ = writeln!(s, "\n{b}Context{r}");
        for k in &e.context {
            let _ = writeln!(
                s,
                "  {} ({}){}",
                k.name,
                k.ty.name(),
                k.description
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
    }
    for (title, text) in [
        ("When it fires", &e.docs.when),
        ("What caused it", &e.docs.cause),
        ("Next step", &e.docs.next_step),
    ] {
        if let Some(t) = text {
            let _ = writeln!(s, "\n{b}{title}{r}\n  {t}");
        }
    }
    for (title, list) in [
        ("Causes", &e.docs.causes),
        ("Resolution", &e.docs.resolution),
        ("Endpoints", &e.docs.endpoints),
        ("Notes", &e.docs.notes),
    ] {
        if !list.is_empty() {
            let _ = writeln!(s, "\n{b}{title}{r}");
            for item in list {
                let _ = writeln!(s, "  - {}", item.replace('\n', "\n    "));
            }
        }
    }
    if !e.attributes.is_empty() {
        let _ = writeln!(s, "\n{b}Attributes{r}");
        for (k, v) in &e.attributes {
            let _ = writeln!(s, "  {k}: {v}");
        }
    }
    s
}
