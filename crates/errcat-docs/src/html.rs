//! The HTML pages: one index per locale, one page per code per locale.

use std::fmt::Write as _;

use errcat_catalog::{Entry, Lifecycle, Origin, RetryAdvice};

use minijinja::{Environment, Value, context};

use crate::Page;
use crate::example::Example;
use crate::prep::{Prep, reason};
use crate::templates::{TemplateError, Templates, safe};
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
    env: &'p Environment<'static>,
    locale: usize,
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
    /// What every page's template sees of the catalog and the locale.
    base: Value,
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

/// The words of a locale the page templates use.
fn labels_value(l: &Labels) -> Value {
    context! {
        skip => l.skip,
        error_reference => l.error_reference,
        language => l.language,
        contents => l.contents,
        statuses => l.statuses,
        codes_by_category => l.codes_by_category,
        reference => l.reference,
        search_label => l.search_label,
        search_placeholder => l.search_placeholder,
        search_button => l.search_button,
        search_count => l.search_count,
        col_code => l.col_code,
        col_status => l.col_status,
        col_meaning => l.col_meaning,
        col_codes => l.col_codes,
        col_action => l.col_action,
        col_description => l.col_description,
        and_more => l.and_more,
        all_codes => l.all_codes,
        generated => l.generated,
        codes_word => l.codes_word,
    }
}

pub(crate) fn generate(
    p: &Prep<'_>,
    templates: &Templates,
    pages: &mut Vec<Page>,
) -> Result<(), TemplateError> {
    let env = templates.environment()?;
    let fail = |e: minijinja::Error| templates.error(&e);
    let all: Vec<usize> = (0..p.entries().len()).collect();
    let order: Vec<usize> = p.order().collect();
    let meta = &p.catalog.meta;
    let catalog = context! {
        name => meta.name.as_str(),
        version => meta.version.as_deref(),
        code_count => p.entries().len(),
    };
    for locale in 0..meta.locales.len() {
        let root = if locale == p.default_locale() {
            ""
        } else {
            "../"
        };
        let prose_lang = if locale == p.default_locale() {
            String::new()
        } else {
            format!(" lang=\"{}\"", esc(&meta.locales[p.default_locale()]))
        };
        let l = p.labels(locale);
        let base = context! {
            lang => meta.locales[locale].as_str(),
            root,
            prose_lang => safe(prose_lang.clone()),
            labels => labels_value(l),
            catalog => catalog.clone(),
        };
        let mut loc = Loc {
            p,
            env: &env,
            locale,
            l,
            root,
            prose_lang,
            base,
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
            body: index.map_err(fail)?.into_bytes(),
            content_type: HTML,
        });
        for (file, body) in own.into_iter().flatten() {
            pages.push(Page {
                path: format!("{dir}{file}"),
                body: body.map_err(fail)?.into_bytes(),
                content_type: HTML,
            });
        }
    }
    Ok(())
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

    /// What every page's template sees: the catalog, the locale, the labels, and where this
    /// page is in the other locales.
    fn page_context(&self, title: String, file: &str) -> Value {
        let p = self.p;
        let meta = &p.catalog.meta;
        let locales: Vec<Value> = if meta.locales.len() > 1 {
            meta.locales
                .iter()
                .enumerate()
                .map(|(i, tag)| {
                    let href = format!("{}{}{file}", self.root, locale_dir(p, i));
                    let current = i == self.locale;
                    context! {
                        tag => tag.as_str(),
                        current,
                        link => if current { file.to_string() } else { href.clone() },
                        href,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        context! { title, file, locales, ..self.base.clone() }
    }

    fn index(&self) -> Result<String, minijinja::Error> {
        let p = self.p;
        let meta = &p.catalog.meta;
        let md = self.md(Kind::Index, 3);
        let block = |text: &str| {
            let mut s = String::with_capacity(text.len() + 64);
            md.block_into(&mut s, text);
            safe(s)
        };
        let categories: Vec<Value> = p
            .categories
            .iter()
            .map(|c| {
                let mut rows = String::with_capacity(c.codes.len() * 512);
                for &i in &c.codes {
                    rows.push_str(&self.rows[i]);
                }
                context! {
                    id => c.id.as_str(),
                    name => c.name,
                    count => c.codes.len(),
                    intro => c.intro.map(block),
                    rows => safe(rows),
                }
            })
            .collect();
        let mut sections = String::with_capacity(p.entries().len() * 5000);
        for i in p.order() {
            self.section(i, Kind::Index, &mut sections);
        }
        let title = format!("{} {}", meta.name, self.l.error_reference.to_lowercase());
        let ctx = context! {
            page => "index",
            intro => meta.description.as_deref().map(block),
            categories,
            statuses => self.status_rows(),
            sections => safe(sections),
            ..self.page_context(title, "index.html")
        };
        self.env.get_template("index.html")?.render(ctx)
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

    /// The rows of the HTTP status summary.
    fn status_rows(&self) -> Vec<Value> {
        const SHOWN: usize = 12;
        let md = self.md(Kind::Index, 4);
        self.p
            .statuses
            .iter()
            .map(|row| {
                let n = row.status.parse::<u16>().ok();
                let phrase = n
                    .map(reason)
                    .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case(row.meaning.trim()))
                    .unwrap_or_default();
                let mut meaning = String::new();
                md.inline_into(&mut meaning, &row.meaning);
                let mut codes = String::new();
                for (k, &i) in row.codes.iter().take(SHOWN).enumerate() {
                    if k > 0 {
                        codes.push_str(", ");
                    }
                    self.code_link(Kind::Index, i, &mut codes);
                }
                context! {
                    status => row.status.as_str(),
                    class => n.map_or("s2", status_class),
                    reason => safe(phrase.to_string()),
                    meaning => safe(meaning),
                    codes => safe(codes),
                    more => row.codes.len().saturating_sub(SHOWN),
                }
            })
            .collect()
    }

    fn code_page(&self, i: usize) -> Result<String, minijinja::Error> {
        let p = self.p;
        let e = &p.entries()[i];
        let meta = &p.catalog.meta;
        let title = format!(
            "{} · {} {}",
            e.code,
            meta.name,
            self.l.error_reference.to_lowercase()
        );
        let canonical = p
            .catalog
            .docs_url(e)
            .filter(|_| self.locale == p.default_locale());
        let file = page_file(&p.anchors[i]).unwrap_or_default();
        let c = &p.categories[p.category_of[i]];
        let mut section = String::with_capacity(8192);
        self.section(i, Kind::Own, &mut section);
        let ctx = context! {
            page => "code",
            description => plain(p.description(e, self.locale)),
            canonical,
            category => context! { id => c.id.as_str(), name => c.name },
            code => context! { code => e.code.as_str(), anchor => p.anchors[i].as_str() },
            section => safe(section),
            ..self.page_context(title, &file)
        };
        self.env.get_template("code.html")?.render(ctx)
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
