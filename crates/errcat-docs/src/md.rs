//! The single Markdown page, in the manner of seed 000: a heading with an anchor per code, its
//! HTTP/Action table, the when/cause/next-step paragraphs, an example body, and the status summary.

use std::fmt::Write as _;

use errcat_catalog::{Lifecycle, Origin, RetryAdvice};

use crate::prep::Prep;

macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

/// Text for one table cell: no line breaks, no bare `|`.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// A Markdown table with columns padded to the same width, as seed 000 writes them.
fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let n = head.len();
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count().max(3)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            width[i] = width[i].max(c.chars().count());
        }
    }
    // Very wide cells are not padded: the table stays readable as text either way.
    let width: Vec<usize> = width.into_iter().map(|w| w.min(80)).collect();
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        out.push('|');
        for (i, c) in cells.enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            w!(out, " {c}{} |", " ".repeat(pad));
        }
        out.push('\n');
    };
    line(out, &mut head.iter().copied());
    out.push('|');
    for w in &width {
        w!(out, " {} |", "-".repeat(*w));
    }
    out.push('\n');
    for r in rows {
        line(out, &mut r.iter().map(String::as_str));
    }
}

pub(crate) fn page(p: &Prep<'_>, locale: usize) -> String {
    let l = p.labels(locale);
    let meta = &p.catalog.meta;
    let entries = p.entries();
    let mut out = String::with_capacity(2048 + entries.len() * 1500);

    w!(out, "# {} — {}\n\n", meta.name, l.md_title);
    if let Some(v) = &meta.version {
        w!(out, "> {} {v}\n\n", meta.name);
    }
    if let Some(d) = &meta.description {
        w!(out, "{}\n\n", d.trim());
    }

    if let Some(i) = p.showcase()
        && let Some(ex) = p.example(i, locale)
    {
        w!(out, "## {}\n\n```json\n{}\n```\n\n", l.md_shape, ex.body);
    }

    // The index.
    w!(out, "## {}\n\n", l.md_index);
    if let Some(first) = p.order().next() {
        w!(out, "{} (e.g. `#{}`).\n\n", l.md_anchors, p.anchors[first]);
    }
    for c in &p.categories {
        w!(out, "### {}\n\n", c.name);
        if let Some(intro) = c.intro {
            w!(out, "{}\n\n", intro.trim());
        }
        let rows: Vec<Vec<String>> = c
            .codes
            .iter()
            .map(|&i| {
                let e = &entries[i];
                let mut code = format!("[`{}`](#{})", e.code, p.anchors[i]);
                match e.lifecycle {
                    Lifecycle::Active => {}
                    Lifecycle::Deprecated => w!(code, " ({})", l.deprecated.to_lowercase()),
                    Lifecycle::Retired => w!(code, " ({})", l.retired.to_lowercase()),
                }
                vec![
                    code,
                    statuses(e, l.none),
                    e.action
                        .as_deref()
                        .map(|a| format!("`{a}`"))
                        .unwrap_or_else(|| "—".into()),
                    cell(p.description(e, locale)),
                ]
            })
            .collect();
        table(
            &mut out,
            &[l.col_code, l.http, l.col_action, l.col_description],
            &rows,
        );
        out.push('\n');
    }
    out.push_str("***\n\n");

    // Every code.
    for i in p.order() {
        let e = &entries[i];
        let anchor = &p.anchors[i];
        w!(
            out,
            "<h3 id=\"{anchor}\">\n  <code>{}</code>\n</h3>\n\n",
            e.code
        );
        let action = e
            .action
            .as_deref()
            .map(|a| format!("`{a}`"))
            .unwrap_or_else(|| "—".into());
        table(
            &mut out,
            &[l.http, l.action],
            &[vec![statuses(e, l.none), action]],
        );
        out.push('\n');
        match e.lifecycle {
            Lifecycle::Active => {}
            Lifecycle::Deprecated | Lifecycle::Retired => {
                let text = if e.lifecycle == Lifecycle::Retired {
                    l.retired_text
                } else {
                    l.deprecated_text
                };
                w!(out, "> **{text}**");
                if let Some(r) = &e.replaced_by {
                    w!(
                        out,
                        " {}: [`{r}`](#{}).",
                        l.replaced_by,
                        errcat_catalog::anchor_of(r)
                    );
                }
                out.push_str("\n\n");
            }
        }
        w!(out, "{}\n\n", p.description(e, locale).trim());
        if e.origin == Origin::Builtin {
            w!(out, "*{}*\n\n", l.builtin_text);
        }
        if let Some(a) = &e.appears_in {
            w!(out, "**{}:** {a}\n\n", l.appears_in);
        }
        for (label, text) in [
            (l.when, &e.docs.when),
            (l.cause, &e.docs.cause),
            (l.next_step, &e.docs.next_step),
        ] {
            if let Some(t) = text {
                w!(out, "**{label}:** {}\n\n", t.trim());
            }
        }
        if let Some(ex) = p.example(i, locale) {
            w!(out, "**{}:**\n\n```json\n{}\n```\n\n", l.example, ex.body);
        }
        for (label, list, ordered) in [
            (l.causes, &e.docs.causes, false),
            (l.resolution, &e.docs.resolution, true),
        ] {
            if !list.is_empty() {
                w!(out, "**{label}:**\n\n");
                for (n, item) in list.iter().enumerate() {
                    let item = item.trim().replace('\n', "\n   ");
                    if ordered {
                        w!(out, "{}. {item}\n", n + 1);
                    } else {
                        w!(out, "- {item}\n");
                    }
                }
                out.push('\n');
            }
        }
        if !e.docs.endpoints.is_empty() {
            let eps: Vec<String> = e.docs.endpoints.iter().map(|x| format!("`{x}`")).collect();
            w!(out, "**{}:** {}\n\n", l.endpoints, eps.join(", "));
        }
        if !e.statuses.is_empty() && e.lifecycle != Lifecycle::Retired {
            let advice = match e.retry {
                RetryAdvice::Never => l.retry_never,
                RetryAdvice::AfterRetryAfter => l.retry_after,
                RetryAdvice::Backoff => l.retry_backoff,
            };
            w!(out, "**{}:** {advice}\n\n", l.retry);
        }
        if let Some(v) = &e.variant_of {
            w!(
                out,
                "**{}:** [`{v}`](#{})\n\n",
                l.variant_of,
                errcat_catalog::anchor_of(v)
            );
        }
        if !p.variants[i].is_empty() {
            let vs: Vec<String> = p.variants[i]
                .iter()
                .map(|&v| format!("[`{}`](#{})", entries[v].code, p.anchors[v]))
                .collect();
            w!(out, "**{}:** {}\n\n", l.variants, vs.join(", "));
        }
        if !e.context.is_empty() {
            w!(out, "**{}:**\n\n", l.context);
            let rows: Vec<Vec<String>> = e
                .context
                .iter()
                .map(|k| {
                    vec![
                        format!("`{}`", k.name),
                        k.ty.name().to_string(),
                        k.description.as_deref().map(cell).unwrap_or_default(),
                    ]
                })
                .collect();
            table(&mut out, &[l.col_key, l.col_type, l.col_description], &rows);
            out.push('\n');
        }
        for (k, v) in &e.attributes {
            w!(out, "**{k}:** {}\n\n", v.trim());
        }
        for n in &e.docs.notes {
            w!(out, "{}\n\n", n.trim());
        }
        out.push_str("***\n\n");
    }

    // The status summary.
    w!(out, "## {}\n\n", l.md_summary);
    let rows: Vec<Vec<String>> = p
        .statuses
        .iter()
        .map(|r| vec![cell(&r.status), cell(&r.meaning)])
        .collect();
    table(&mut out, &[l.col_code, l.col_meaning], &rows);
    out
}

fn statuses(e: &errcat_catalog::Entry, none: &str) -> String {
    if e.statuses.is_empty() {
        return none.to_string();
    }
    e.statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
