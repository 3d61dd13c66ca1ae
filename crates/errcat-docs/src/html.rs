//! The HTML pages: one index per locale, one page per code per locale.

use std::fmt::Write as _;

use errcat_catalog::{Entry, Lifecycle, Origin, RetryAdvice};

use crate::Page;
use crate::example::Example;
use crate::prep::{Prep, reason};
use crate::text::{Labels, Markdown, esc, esc_into, esc_text_into, plain};

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        let _ = write!($out, $($arg)*);
    }};
}

pub(crate) const HTML: &str = "text/html; charset=utf-8";

/// Where a section is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// In the index page, among every other code.
    Index,
    /// On the code's own page.
    Own,
}

/// One locale's set of pages.
struct Loc<'p, 'a> {
    p: &'p Prep<'a>,
    locale: usize,
    tag: &'a str,
    l: &'static Labels,
    /// `""` for the default locale, `"../"` for the others: the way back to the site's root.
    root: &'static str,
    /// The examples, by entry index, as HTML.
    examples: Vec<Option<String>>,
    /// The sections' bodies as the index has them, by entry index.
    bodies: Vec<String>,
    /// The index rows, by entry index.
    rows: Vec<String>,
    /// ` lang="en"` on a page of another locale: marks the catalog's prose, which is written in
    /// the default locale.
    prose_lang: String,
}

/// The file name of a code's own page. A code whose anchor is `index` has no page of its own
/// (its section is in `index.html`).
pub(crate) fn page_file(anchor: &str) -> Option<String> {
    (anchor != "index").then(|| format!("{anchor}.html"))
}

/// The directory of a locale's pages, relative to the site's root.
pub(crate) fn locale_dir(p: &Prep<'_>, locale: usize) -> String {
    if locale == p.default_locale() {
        String::new()
    } else {
        format!("{}/", p.catalog.meta.locales[locale])
    }
}

/// How many threads to spread the work over.
fn workers(items: usize) -> usize {
    if items < 64 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over `items`, in order, spread over scoped threads.
fn par_map<T: Send>(items: &[usize], f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let n = workers(items.len());
    if n <= 1 {
        return items.iter().map(|&i| f(i)).collect();
    }
    let chunk = items.len().div_ceil(n);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(|&i| f(i)).collect::<Vec<T>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

pub(crate) fn generate(p: &Prep<'_>, pages: &mut Vec<Page>) {
    let all: Vec<usize> = (0..p.entries().len()).collect();
    let order: Vec<usize> = p.order().collect();
    for locale in 0..p.catalog.meta.locales.len() {
        let mut loc = Loc {
            p,
            locale,
            tag: &p.catalog.meta.locales[locale],
            l: p.labels(locale),
            root: if locale == p.default_locale() {
                ""
            } else {
                "../"
            },
            prose_lang: if locale == p.default_locale() {
                String::new()
            } else {
                format!(
                    " lang=\"{}\"",
                    esc(&p.catalog.meta.locales[p.default_locale()])
                )
            },
            examples: par_map(&all, |i| p.example(i, locale).map(|ex| example_html(&ex))),
            bodies: Vec::new(),
            rows: Vec::new(),
        };
        let parts = par_map(&all, |i| {
            let mut row = String::with_capacity(512);
            loc.index_row(i, &mut row);
            (loc.section_body(i), row)
        });
        (loc.bodies, loc.rows) = parts.into_iter().unzip();
        let dir = locale_dir(p, locale);
        // The index page on one thread, the codes' own pages on the others.
        let (index, own) = if workers(order.len()) > 1 {
            std::thread::scope(|s| {
                let index = s.spawn(|| loc.index());
                let own = par_map(&order, |i| {
                    page_file(&p.anchors[i]).map(|f| (f, loc.code_page(i)))
                });
                match index.join() {
                    Ok(index) => (index, own),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            })
        } else {
            let own = order
                .iter()
                .map(|&i| page_file(&p.anchors[i]).map(|f| (f, loc.code_page(i))))
                .collect();
            (loc.index(), own)
        };
        pages.push(Page {
            path: format!("{dir}index.html"),
            body: index.into_bytes(),
            content_type: HTML,
        });
        for (file, body) in own.into_iter().flatten() {
            pages.push(Page {
                path: format!("{dir}{file}"),
                body: body.into_bytes(),
                content_type: HTML,
            });
        }
    }
}

fn example_html(ex: &Example) -> String {
    let mut s = String::with_capacity(ex.body.len() + 200);
    s.push_str("<pre class=\"example\"><code><span class=\"http-status\">");
    esc_text_into(&mut s, &ex.status_line);
    s.push_str("</span>\n");
    for (k, v) in &ex.headers {
        s.push_str("<span class=\"http-header\">");
        esc_text_into(&mut s, k);
        s.push_str(":</span> ");
        esc_text_into(&mut s, v);
        s.push('\n');
    }
    s.push('\n');
    esc_text_into(&mut s, &ex.body);
    s.push_str("</code></pre>");
    s
}

fn status_class(s: u16) -> &'static str {
    match s {
        500.. => "s5",
        400..500 => "s4",
        _ => "s2",
    }
}

fn humanize(key: &str) -> String {
    let spaced = key.replace(['_', '-'], " ");
    let mut c = spaced.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl<'a> Loc<'_, 'a> {
    fn md(&self, kind: Kind, min_heading: u8) -> Markdown<'_> {
        Markdown {
            origin: self.p.origin.as_deref(),
            fragment_base: match kind {
                Kind::Index => "",
                Kind::Own => "index.html",
            },
            min_heading,
        }
    }

    /// A link to a code from a page of this locale.
    fn code_href(&self, kind: Kind, i: usize) -> String {
        let a = &self.p.anchors[i];
        match (kind, page_file(a)) {
            (Kind::Index, _) | (Kind::Own, None) => {
                format!("{}#{a}", if kind == Kind::Own { "index.html" } else { "" })
            }
            (Kind::Own, Some(f)) => f,
        }
    }

    fn code_link(&self, kind: Kind, i: usize, out: &mut String) {
        let e = &self.p.entries()[i];
        w!(out, "<a href=\"{}\"><code>", self.code_href(kind, i));
        esc_into(out, &e.code);
        out.push_str("</code></a>");
    }

    /// The document head and the site header.
    fn open(&self, out: &mut String, title: &str, file: &str, extra_head: &str) {
        let p = self.p;
        let meta = &p.catalog.meta;
        w!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
            esc(self.tag)
        );
        esc_into(out, title);
        out.push_str("</title>\n");
        out.push_str(extra_head);
        w!(
            out,
            "<meta name=\"generator\" content=\"errcat\">\n\
             <link rel=\"stylesheet\" href=\"{r}assets/style.css\">\n\
             <script src=\"{r}assets/search.js\" defer></script>\n",
            r = self.root
        );
        if meta.locales.len() > 1 {
            for (i, tag) in meta.locales.iter().enumerate() {
                w!(
                    out,
                    "<link rel=\"alternate\" hreflang=\"{}\" href=\"{}{}{}\">\n",
                    esc(tag),
                    self.root,
                    esc(&locale_dir(p, i)),
                    file
                );
            }
        }
        out.push_str("</head>\n<body>\n");
        w!(
            out,
            "<a class=\"skip\" href=\"#main\">{}</a>\n<header class=\"site\">\n<div class=\"wrap bar\">\n\
             <a class=\"brand\" href=\"index.html\"><span class=\"name\">",
            self.l.skip
        );
        esc_into(out, &meta.name);
        w!(
            out,
            "</span> <span class=\"what\">{}</span></a>\n",
            self.l.error_reference
        );
        if let Some(v) = &meta.version {
            out.push_str("<span class=\"version\">");
            esc_into(out, v);
            out.push_str("</span>\n");
        }
        if meta.locales.len() > 1 {
            w!(
                out,
                "<nav class=\"locales\" aria-label=\"{}\"><ul>",
                self.l.language
            );
            for (i, tag) in meta.locales.iter().enumerate() {
                if i == self.locale {
                    w!(
                        out,
                        "<li><a aria-current=\"page\" lang=\"{t}\" hreflang=\"{t}\" href=\"{f}\">{t}</a></li>",
                        t = esc(tag),
                        f = file
                    );
                } else {
                    w!(
                        out,
                        "<li><a lang=\"{t}\" hreflang=\"{t}\" href=\"{}{}{f}\">{t}</a></li>",
                        self.root,
                        esc(&locale_dir(p, i)),
                        t = esc(tag),
                        f = file
                    );
                }
            }
            out.push_str("</ul></nav>\n");
        }
        out.push_str("</div>\n</header>\n<main id=\"main\" class=\"wrap\">\n");
    }

    fn close(&self, out: &mut String) {
        let meta = &self.p.catalog.meta;
        let n = self.p.entries().len();
        w!(
            out,
            "</main>\n<footer class=\"wrap\"><p>{} <strong>",
            self.l.generated
        );
        esc_into(out, &meta.name);
        out.push_str("</strong>");
        if let Some(v) = &meta.version {
            out.push(' ');
            esc_into(out, v);
        }
        w!(
            out,
            " · {n} {}.</p></footer>\n</body>\n</html>\n",
            self.l.codes_word
        );
    }

    fn search_box(&self, out: &mut String) {
        w!(
            out,
            "<div class=\"search\" id=\"search\" role=\"search\" hidden>\n\
             <label for=\"q\">{}</label>\n\
             <input type=\"search\" id=\"q\" name=\"q\" placeholder=\"{}\" autocomplete=\"off\" spellcheck=\"false\">\n\
             <p class=\"count\" id=\"search-count\" aria-live=\"polite\" data-format=\"{}\"></p>\n</div>\n",
            self.l.search_label,
            self.l.search_placeholder,
            self.l.search_count
        );
    }

    fn index(&self) -> String {
        let p = self.p;
        let l = self.l;
        let meta = &p.catalog.meta;
        let mut out = String::with_capacity(8192 + p.entries().len() * 5000);
        let title = format!("{} {}", meta.name, l.error_reference.to_lowercase());
        self.open(&mut out, &title, "index.html", "");
        out.push_str("<h1>");
        esc_into(&mut out, &meta.name);
        w!(
            out,
            " <span class=\"what\">{}</span></h1>\n",
            l.error_reference
        );
        let md = self.md(Kind::Index, 3);
        if let Some(d) = &meta.description {
            w!(out, "<div class=\"intro\"{}>\n", self.prose_lang);
            md.block_into(&mut out, d);
            out.push_str("</div>\n");
        }

        // Contents.
        w!(
            out,
            "<nav class=\"toc\" aria-label=\"{}\">\n<ul>\n<li><a href=\"#top_statuses\">{}</a></li>\n\
             <li><a href=\"#top_codes\">{}</a>\n<ul>\n",
            l.contents,
            l.statuses,
            l.codes_by_category
        );
        for c in &p.categories {
            w!(out, "<li><a href=\"#{}\">", c.id);
            esc_into(&mut out, c.name);
            w!(
                out,
                "</a> <span class=\"n\">{}</span></li>\n",
                c.codes.len()
            );
        }
        w!(
            out,
            "</ul>\n</li>\n<li><a href=\"#top_reference\">{}</a></li>\n</ul>\n</nav>\n",
            l.reference
        );

        self.status_table(&mut out);

        // The index of codes.
        w!(
            out,
            "<section id=\"top_codes\" aria-labelledby=\"top_codes_h\">\n<h2 id=\"top_codes_h\">{}</h2>\n",
            l.codes_by_category
        );
        self.search_box(&mut out);
        for c in &p.categories {
            w!(
                out,
                "<section class=\"category\" id=\"{}\" aria-labelledby=\"{}_h\">\n<h3 id=\"{}_h\">",
                c.id,
                c.id,
                c.id
            );
            esc_into(&mut out, c.name);
            out.push_str("</h3>\n");
            if let Some(intro) = c.intro {
                w!(out, "<div class=\"category-intro\"{}>", self.prose_lang);
                md.block_into(&mut out, intro);
                out.push_str("</div>\n");
            }
            w!(
                out,
                "<div class=\"table-wrap\"><table class=\"codes\">\n<colgroup><col class=\"c-code\"><col class=\"c-status\"><col class=\"c-action\"><col class=\"c-desc\"></colgroup>\n<thead><tr><th scope=\"col\">{}</th>\
                 <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
                l.col_code,
                l.col_status,
                l.col_action,
                l.col_description
            );
            for &i in &c.codes {
                out.push_str(&self.rows[i]);
            }
            out.push_str("</tbody>\n</table></div>\n</section>\n");
        }
        out.push_str("</section>\n");

        // Every code in full.
        w!(
            out,
            "<section id=\"top_reference\" aria-labelledby=\"top_reference_h\">\n<h2 id=\"top_reference_h\">{}</h2>\n",
            l.reference
        );
        for i in p.order() {
            self.section(i, Kind::Index, &mut out);
        }
        out.push_str("</section>\n");
        self.close(&mut out);
        out
    }

    fn status_cell(&self, e: &Entry, out: &mut String) {
        if e.statuses.is_empty() {
            w!(out, "<span class=\"muted\">{}</span>", self.l.none);
        }
        for (n, s) in e.statuses.iter().enumerate() {
            if n > 0 {
                out.push(' ');
            }
            w!(out, "<span class=\"badge {}\">{s}</span>", status_class(*s));
        }
    }

    fn lifecycle_badge(&self, e: &Entry, out: &mut String) {
        match e.lifecycle {
            Lifecycle::Active => {}
            Lifecycle::Deprecated => {
                w!(
                    out,
                    " <span class=\"badge deprecated\">{}</span>",
                    self.l.deprecated
                );
            }
            Lifecycle::Retired => {
                w!(
                    out,
                    " <span class=\"badge retired\">{}</span>",
                    self.l.retired
                );
            }
        }
    }

    fn index_row(&self, i: usize, out: &mut String) {
        let e = &self.p.entries()[i];
        let class = match e.lifecycle {
            Lifecycle::Active => "",
            Lifecycle::Deprecated => " class=\"is-deprecated\"",
            Lifecycle::Retired => " class=\"is-retired\"",
        };
        w!(
            out,
            "<tr data-anchor=\"{}\"{class}><td class=\"code\">",
            self.p.anchors[i]
        );
        self.code_link(Kind::Index, i, out);
        self.lifecycle_badge(e, out);
        out.push_str("</td><td class=\"status\">");
        self.status_cell(e, out);
        out.push_str("</td><td class=\"action\">");
        match &e.action {
            Some(a) => {
                out.push_str("<code>");
                esc_into(out, a);
                out.push_str("</code>");
            }
            None => out.push_str("<span class=\"muted\">—</span>"),
        }
        let lang = if self.p.description_is_localized(e, self.locale) {
            ""
        } else {
            self.prose_lang.as_str()
        };
        w!(out, "</td><td class=\"desc\"{lang}>");
        self.md(Kind::Index, 4)
            .inline_into(out, self.p.description(e, self.locale));
        out.push_str("</td></tr>\n");
    }

    fn status_table(&self, out: &mut String) {
        let l = self.l;
        w!(
            out,
            "<section id=\"top_statuses\" aria-labelledby=\"top_statuses_h\">\n<h2 id=\"top_statuses_h\">{}</h2>\n\
             <div class=\"table-wrap\"><table class=\"statuses\">\n<thead><tr><th scope=\"col\">{}</th>\
             <th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            l.statuses,
            l.col_status,
            l.col_meaning,
            l.col_codes
        );
        const SHOWN: usize = 12;
        for row in &self.p.statuses {
            let class = row.status.parse::<u16>().map(status_class).unwrap_or("s2");
            w!(out, "<tr><td><span class=\"badge {class}\">");
            esc_into(out, &row.status);
            out.push_str("</span>");
            if let Ok(n) = row.status.parse::<u16>() {
                let r = reason(n);
                if !r.is_empty() && !r.eq_ignore_ascii_case(row.meaning.trim()) {
                    w!(out, " <span class=\"reason\">{r}</span>");
                }
            }
            out.push_str("</td><td>");
            self.md(Kind::Index, 4).inline_into(out, &row.meaning);
            out.push_str("</td><td class=\"status-codes\">");
            for (n, &i) in row.codes.iter().take(SHOWN).enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                self.code_link(Kind::Index, i, out);
            }
            if row.codes.len() > SHOWN {
                w!(
                    out,
                    " <span class=\"muted\">+{} {}</span>",
                    row.codes.len() - SHOWN,
                    l.and_more
                );
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n</section>\n");
    }

    fn code_page(&self, i: usize) -> String {
        let p = self.p;
        let l = self.l;
        let e = &p.entries()[i];
        let meta = &p.catalog.meta;
        let mut out = String::with_capacity(8192);
        let title = format!(
            "{} · {} {}",
            e.code,
            meta.name,
            l.error_reference.to_lowercase()
        );
        let mut head = String::new();
        head.push_str("<meta name=\"description\" content=\"");
        esc_into(&mut head, &plain(p.description(e, self.locale)));
        head.push_str("\">\n");
        if let Some(url) = p.catalog.docs_url(e)
            && self.locale == p.default_locale()
        {
            head.push_str("<link rel=\"canonical\" href=\"");
            esc_into(&mut head, &url);
            head.push_str("\">\n");
        }
        let file = page_file(&p.anchors[i]).unwrap_or_default();
        self.open(&mut out, &title, &file, &head);
        let c = &p.categories[p.category_of[i]];
        w!(
            out,
            "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"index.html\">{}</a></li><li><a href=\"index.html#{}\">",
            l.all_codes,
            c.id
        );
        esc_into(&mut out, c.name);
        out.push_str("</a></li></ol></nav>\n");
        w!(
            out,
            "<form class=\"search jump\" id=\"search\" role=\"search\" action=\"index.html\" method=\"get\" hidden>\n\
             <label for=\"q\">{}</label>\n<input type=\"search\" id=\"q\" name=\"q\" placeholder=\"{}\" autocomplete=\"off\" spellcheck=\"false\">\n\
             <button type=\"submit\">{}</button>\n</form>\n",
            l.search_label,
            l.search_placeholder,
            l.search_button
        );
        self.section(i, Kind::Own, &mut out);
        w!(
            out,
            "<p class=\"back\"><a href=\"index.html#{}\">← {}</a></p>\n",
            p.anchors[i],
            l.all_codes
        );
        self.close(&mut out);
        out
    }

    /// One code, in full.
    fn section(&self, i: usize, kind: Kind, out: &mut String) {
        let p = self.p;
        let l = self.l;
        let e = &p.entries()[i];
        let anchor = &p.anchors[i];
        let h = match kind {
            Kind::Index => 3u8,
            Kind::Own => 1,
        };
        let class = match e.lifecycle {
            Lifecycle::Active => "entry",
            Lifecycle::Deprecated => "entry is-deprecated",
            Lifecycle::Retired => "entry is-retired",
        };
        w!(
            out,
            "<section class=\"{class}\" id=\"{anchor}\" aria-labelledby=\"{anchor}_h\">\n\
             <div class=\"entry-head\"><h{h} id=\"{anchor}_h\"><code>"
        );
        esc_into(out, &e.code);
        w!(out, "</code></h{h}>");
        if kind == Kind::Index {
            w!(
                out,
                "<a class=\"permalink\" href=\"#{anchor}\" title=\"{}\">#</a>",
                l.permalink
            );
        }
        out.push_str("<span class=\"badges\">");
        if e.statuses.is_empty() {
            w!(out, "<span class=\"badge none\">{}</span>", l.no_status);
        } else {
            self.status_cell(e, out);
        }
        self.lifecycle_badge(e, out);
        out.push_str("</span></div>\n");
        match kind {
            Kind::Index => out.push_str(&self.bodies[i]),
            Kind::Own => self.own_body(&self.bodies[i], out),
        }
    }

    /// Everything of a section after its heading, as the index page has it (a code's own page
    /// rewrites it with [`Loc::own_body`]).
    fn section_body(&self, i: usize) -> String {
        let p = self.p;
        let l = self.l;
        let e = &p.entries()[i];
        let kind = Kind::Index;
        let h = 3u8;
        let mut body = String::with_capacity(4096);
        let out = &mut body;
        w!(out, "<p class=\"entry-title\"{}>", self.prose_lang);
        esc_into(out, &e.title);
        out.push_str("</p>\n");

        let md = self.md(kind, h + 2);
        let desc = p.description(e, self.locale);
        let lang = if p.description_is_localized(e, self.locale) {
            ""
        } else {
            self.prose_lang.as_str()
        };
        w!(out, "<div class=\"summary\"{lang}>");
        md.block_into(out, desc);
        out.push_str("</div>\n");

        match e.lifecycle {
            Lifecycle::Active => {}
            Lifecycle::Deprecated | Lifecycle::Retired => {
                let (cls, text) = if e.lifecycle == Lifecycle::Retired {
                    ("retired", l.retired_text)
                } else {
                    ("deprecated", l.deprecated_text)
                };
                w!(out, "<p class=\"notice {cls}\">{text}");
                if let Some(r) = e.replaced_by.as_deref().and_then(|r| p.catalog.index_of(r)) {
                    w!(out, " {}: ", l.replaced_by);
                    self.code_link(kind, r, out);
                    out.push('.');
                }
                out.push_str("</p>\n");
            }
        }
        if e.origin == Origin::Builtin {
            w!(out, "<p class=\"notice builtin\">{}</p>\n", l.builtin_text);
        }

        // The facts.
        out.push_str("<dl class=\"facts\">\n");
        w!(out, "<dt>{}</dt><dd>", l.http);
        if e.statuses.is_empty() {
            w!(out, "<span class=\"muted\">{}</span>", l.no_status);
        } else {
            for (n, s) in e.statuses.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                w!(out, "<strong>{s}</strong> {}", reason(*s));
            }
        }
        out.push_str("</dd>\n");
        if let Some(a) = &e.appears_in {
            w!(out, "<dt>{}</dt><dd{}>", l.appears_in, self.prose_lang);
            md.inline_into(out, a);
            out.push_str("</dd>\n");
        }
        if let Some(a) = &e.action {
            w!(out, "<dt>{}</dt><dd><code>", l.action);
            esc_into(out, a);
            out.push_str("</code></dd>\n");
        }
        if !e.statuses.is_empty() && e.lifecycle != Lifecycle::Retired {
            let advice = match e.retry {
                RetryAdvice::Never => l.retry_never,
                RetryAdvice::AfterRetryAfter => l.retry_after,
                RetryAdvice::Backoff => l.retry_backoff,
            };
            w!(out, "<dt>{}</dt><dd>{advice}</dd>\n", l.retry);
        }
        let c = &p.categories[p.category_of[i]];
        let cat_href = match kind {
            Kind::Index => format!("#{}", c.id),
            Kind::Own => format!("index.html#{}", c.id),
        };
        w!(out, "<dt>{}</dt><dd><a href=\"{cat_href}\">", l.category);
        esc_into(out, c.name);
        out.push_str("</a></dd>\n");
        let msg = e.message(self.locale, p.default_locale()).source();
        if msg != desc && !msg.is_empty() {
            w!(out, "<dt>{}</dt><dd class=\"message\">", l.message);
            esc_into(out, msg);
            out.push_str("</dd>\n");
        }
        if !p.roles[i].is_empty() {
            w!(out, "<dt>{}</dt><dd>", l.roles);
            for (n, r) in p.roles[i].iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                w!(out, "<code>{}</code>", r.name());
            }
            out.push_str("</dd>\n");
        }
        if let Some(v) = &e.variant_of {
            w!(out, "<dt>{}</dt><dd>", l.variant_of);
            match p.catalog.index_of(v) {
                Some(b) => self.code_link(kind, b, out),
                None => {
                    out.push_str("<code>");
                    esc_into(out, v);
                    out.push_str("</code>");
                }
            }
            out.push_str("</dd>\n");
        }
        if !p.variants[i].is_empty() {
            w!(out, "<dt>{}</dt><dd>", l.variants);
            for (n, &v) in p.variants[i].iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                self.code_link(kind, v, out);
            }
            out.push_str("</dd>\n");
        }
        if e.lifecycle == Lifecycle::Active
            && let Some(r) = e.replaced_by.as_deref().and_then(|r| p.catalog.index_of(r))
        {
            w!(out, "<dt>{}</dt><dd>", l.replaced_by);
            self.code_link(kind, r, out);
            out.push_str("</dd>\n");
        }
        for (k, v) in &e.attributes {
            out.push_str("<dt>");
            esc_into(out, &humanize(k));
            w!(out, "</dt><dd{}>", self.prose_lang);
            md.inline_into(out, v);
            out.push_str("</dd>\n");
        }
        if let Some(url) = p.catalog.docs_url(e) {
            w!(out, "<dt>{}</dt><dd class=\"url\"><a href=\"", l.permalink);
            esc_into(out, &url);
            out.push_str("\">");
            esc_into(out, &url);
            out.push_str("</a></dd>\n");
        }
        out.push_str("</dl>\n");

        // The long-form text.
        let hl = h + 1;
        for (label, text) in [
            (l.when, &e.docs.when),
            (l.cause, &e.docs.cause),
            (l.next_step, &e.docs.next_step),
        ] {
            if let Some(t) = text {
                w!(
                    out,
                    "<h{hl}>{label}</h{hl}>\n<div class=\"text\"{}>",
                    self.prose_lang
                );
                md.block_into(out, t);
                out.push_str("</div>\n");
            }
        }
        if let Some(ex) = &self.examples[i] {
            w!(
                out,
                "<h{hl}>{}</h{hl}>\n<figure class=\"example\">\n",
                l.example
            );
            out.push_str(ex);
            w!(
                out,
                "\n<figcaption>{}</figcaption>\n</figure>\n",
                l.example_note
            );
        }
        for (label, list, ordered) in [
            (l.causes, &e.docs.causes, false),
            (l.resolution, &e.docs.resolution, true),
        ] {
            if !list.is_empty() {
                let tag = if ordered { "ol" } else { "ul" };
                w!(out, "<h{hl}>{label}</h{hl}>\n<{tag}{}>\n", self.prose_lang);
                for item in list {
                    out.push_str("<li>");
                    md.inline_into(out, item);
                    out.push_str("</li>\n");
                }
                w!(out, "</{tag}>\n");
            }
        }
        if !e.docs.endpoints.is_empty() {
            w!(
                out,
                "<h{hl}>{}</h{hl}>\n<ul class=\"endpoints\">\n",
                l.endpoints
            );
            for ep in &e.docs.endpoints {
                out.push_str("<li><code>");
                esc_into(out, ep);
                out.push_str("</code></li>\n");
            }
            out.push_str("</ul>\n");
        }
        if !e.context.is_empty() {
            w!(
                out,
                "<h{hl}>{}</h{hl}>\n<div class=\"table-wrap\"><table class=\"context\">\n<thead><tr>\
                 <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
                l.context,
                l.col_key,
                l.col_type,
                l.col_description
            );
            for k in &e.context {
                out.push_str("<tr><td><code>");
                esc_into(out, &k.name);
                w!(
                    out,
                    "</code></td><td>{}</td><td{}>",
                    k.ty.name(),
                    self.prose_lang
                );
                if let Some(d) = &k.description {
                    md.inline_into(out, d);
                }
                out.push_str("</td></tr>\n");
            }
            out.push_str("</tbody>\n</table></div>\n");
        }
        if !e.docs.notes.is_empty() {
            w!(
                out,
                "<h{hl}>{}</h{hl}>\n<div class=\"notes\"{}>\n",
                l.notes,
                self.prose_lang
            );
            for n in &e.docs.notes {
                md.block_into(out, n);
            }
            out.push_str("</div>\n");
        }
        out.push_str("</section>\n");
        body
    }

    /// A section body from the index page, for the code's own page: headings two levels up, and
    /// in-page links pointed at the code's page or back at the index.
    fn own_body(&self, body: &str, out: &mut String) {
        const HEADINGS: [(&str, &str); 6] = [
            ("<h4>", "<h2>"),
            ("</h4>", "</h2>"),
            ("<h5>", "<h3>"),
            ("</h5>", "</h3>"),
            ("<h6>", "<h4>"),
            ("</h6>", "</h4>"),
        ];
        out.reserve(body.len() + 256);
        let mut rest = body;
        // Catalog text is escaped, so `<h4>` and `href="#` only occur in the markup made here.
        while let Some(lt) = rest.find('<') {
            let (before, at) = rest.split_at(lt);
            out.push_str(before);
            if let Some(frag) = at.strip_prefix("<a href=\"#") {
                let end = frag.find('"').unwrap_or(frag.len());
                let target = &frag[..end];
                match self
                    .p
                    .anchor_index(target)
                    .and_then(|i| page_file(&self.p.anchors[i]))
                {
                    Some(file) => w!(out, "<a href=\"{file}\""),
                    None => w!(out, "<a href=\"index.html#{target}\""),
                }
                rest = frag.get(end + 1..).unwrap_or_default();
                continue;
            }
            if let Some((from, to)) = HEADINGS.iter().find(|(from, _)| at.starts_with(from)) {
                out.push_str(to);
                rest = &at[from.len()..];
                continue;
            }
            out.push_str(&at[..1]);
            rest = &at[1..];
        }
        out.push_str(rest);
    }
}
