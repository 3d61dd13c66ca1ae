//! The reference docs site and the Markdown page, generated from a catalog.
//!
//! [`Site::generate`] builds every page in memory: `index.html` per locale (the default locale at
//! the root, the others under `<tag>/`), one `<anchor>.html` per code per locale, and
//! `assets/style.css` and `assets/search.js`. Nothing is loaded from elsewhere, and the pages work
//! without JavaScript (the search box then stays hidden). [`markdown`] writes one Markdown page in
//! the manner of a hand-kept reference.
//!
//! ```
//! use std::sync::Arc;
//! use errcat_docs::{Site, SiteOptions};
//!
//! let catalog = Arc::new(errcat::Catalog::from_toml_str("c.toml", r#"
//! [catalog]
//! name = "demo"
//! docs_url = "https://example.com/docs/errors/{anchor}"
//! [codes.insufficient_balance]
//! status = 402
//! category = "Billing"
//! action = "top_up_balance"
//! message.en = "Insufficient balance for this operation."
//! "#).unwrap());
//! let site = Site::generate(&catalog, &SiteOptions::default());
//! let page = site.page("insufficient-balance.html").unwrap();
//! assert_eq!(page.content_type, "text/html; charset=utf-8");
//! assert!(site.page("index.html").is_some());
//! assert_eq!(errcat_docs::mount_path(&catalog).as_deref(), Some("/docs/errors"));
//! assert!(errcat_docs::markdown(&catalog, None).contains(r#"<h3 id="insufficient-balance">"#));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use errcat::{Catalog, StyleKind};

mod example;
mod html;
mod md;
mod prep;
mod templates;
mod text;

use prep::Prep;
pub use templates::{TemplateError, Templates};

/// How the site is made.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// The envelope style of the example responses; `None` for the catalog's.
    pub style: Option<StyleKind>,
    /// The templates of the HTML pages: errcat's defaults, or a team's own header, logo and
    /// colours in their place (see [`Templates`]).
    pub templates: Templates,
}

/// One file of the site.
#[derive(Debug, Clone)]
pub struct Page {
    /// The path relative to the site's root, e.g. `"index.html"`, `"es/index.html"`,
    /// `"insufficient-balance.html"`, `"assets/search.js"`.
    pub path: String,
    /// The file's bytes.
    pub body: Vec<u8>,
    /// Its media type, e.g. `"text/html; charset=utf-8"`.
    pub content_type: &'static str,
}

/// The whole reference site, in memory.
#[derive(Debug, Clone)]
pub struct Site {
    pages: Vec<Page>,
    by_path: HashMap<String, usize>,
}

/// What a request path finds in a [`Site`]; see [`Site::lookup`].
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// This page answers it.
    Page(&'a Page),
    /// The path is a directory written without its trailing `/` (e.g. `es`): redirect to the path
    /// with a `/` added, so the page's relative links resolve.
    AddSlash,
    /// Nothing here.
    NotFound,
}

const STYLE_CSS: &str = include_str!("assets/style.css");
const SEARCH_JS: &str = include_str!("assets/search.js");

impl Site {
    /// Generates every page of the site for a catalog.
    ///
    /// With templates of a team's own in `options`, a template that fails to parse or render
    /// leaves the site to the default templates; [`Site::try_generate`] says what failed instead.
    pub fn generate(catalog: &Arc<Catalog>, options: &SiteOptions) -> Site {
        match Site::try_generate(catalog, options) {
            Ok(site) => site,
            Err(_) => {
                let defaults = Templates::default();
                match Site::build(catalog, options.style, &defaults) {
                    Ok(site) => site,
                    // The default templates are tested on every catalog shape.
                    Err(e) => unreachable!("errcat's default templates: {e}"),
                }
            }
        }
    }

    /// Generates every page of the site for a catalog, or says which template failed (its
    /// file and line) and why.
    pub fn try_generate(
        catalog: &Arc<Catalog>,
        options: &SiteOptions,
    ) -> Result<Site, TemplateError> {
        Site::build(catalog, options.style, &options.templates)
    }

    fn build(
        catalog: &Arc<Catalog>,
        style: Option<StyleKind>,
        templates: &Templates,
    ) -> Result<Site, TemplateError> {
        let prep = Prep::new(catalog, style);
        let locales = catalog.meta.locales.len().max(1);
        let mut pages = Vec::with_capacity(2 + locales * (1 + catalog.entries().len()));
        html::generate(&prep, templates, &mut pages)?;
        pages.push(Page {
            path: "assets/style.css".into(),
            body: STYLE_CSS.as_bytes().to_vec(),
            content_type: "text/css; charset=utf-8",
        });
        pages.push(Page {
            path: "assets/search.js".into(),
            body: SEARCH_JS.as_bytes().to_vec(),
            content_type: "text/javascript; charset=utf-8",
        });
        let by_path = pages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.path.clone(), i))
            .collect();
        Ok(Site { pages, by_path })
    }

    /// Every page, index pages first.
    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// The page at a relative path, exactly.
    pub fn page(&self, path: &str) -> Option<&Page> {
        self.by_path.get(path).map(|&i| &self.pages[i])
    }

    /// Resolves a request path relative to where the site is mounted, as a server would: `""` and
    /// `"es/"` are the index pages, `"insufficient-balance"` (a docs permalink) and
    /// `"insufficient-balance.html"` the code's page, and a `{code}` permalink such as
    /// `"RATE_LIMITED"` finds the page of its anchor.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let catalog = Arc::new(errcat::Catalog::from_toml_str("c.toml", "[catalog]\nname='x'\naction_required=false\ncase='UPPER_SNAKE'\nlocales=['en','es']\n[codes.RATE_LIMITED_X]\nstatus=429\ncategory='x'\nmessage.en='m'\nmessage.es='m'").unwrap_or_else(|r| panic!("{r}")));
    /// use errcat_docs::{Lookup, Site, SiteOptions};
    /// let site = Site::generate(&catalog, &SiteOptions::default());
    /// assert!(matches!(site.lookup(""), Lookup::Page(p) if p.path == "index.html"));
    /// assert!(matches!(site.lookup("/es/"), Lookup::Page(p) if p.path == "es/index.html"));
    /// assert!(matches!(site.lookup("es"), Lookup::AddSlash));
    /// assert!(matches!(site.lookup("rate-limited-x"), Lookup::Page(p) if p.path == "rate-limited-x.html"));
    /// assert!(matches!(site.lookup("RATE_LIMITED_X"), Lookup::Page(p) if p.path == "rate-limited-x.html"));
    /// assert!(matches!(site.lookup("nope"), Lookup::NotFound));
    /// ```
    pub fn lookup(&self, path: &str) -> Lookup<'_> {
        let path = path.trim_start_matches('/');
        if path.is_empty() || path.ends_with('/') {
            return match self.page(&format!("{path}index.html")) {
                Some(p) => Lookup::Page(p),
                None => Lookup::NotFound,
            };
        }
        if let Some(p) = self.page(path) {
            return Lookup::Page(p);
        }
        if let Some(p) = self.page(&format!("{path}.html")) {
            return Lookup::Page(p);
        }
        if self.page(&format!("{path}/index.html")).is_some() {
            return Lookup::AddSlash;
        }
        let (dir, last) = match path.rsplit_once('/') {
            Some((d, l)) => (format!("{d}/"), l),
            None => (String::new(), path),
        };
        let last = last.strip_suffix(".html").unwrap_or(last);
        let anchor = errcat_catalog::anchor_of(last);
        match self.page(&format!("{dir}{anchor}.html")) {
            Some(p) => Lookup::Page(p),
            None => Lookup::NotFound,
        }
    }

    /// Writes every page under `dir`, creating directories as needed.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for p in &self.pages {
            let path = dir.join(&p.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &p.body)?;
        }
        Ok(())
    }
}

/// The catalog as one Markdown page, in the manner of seed 000: a heading with an anchor per
/// code, its HTTP/Action table, the when/cause/next-step paragraphs, an example response body and
/// the HTTP status summary. `locale` is a tag of the catalog (`None`, or a tag it lacks, for the
/// default).
pub fn markdown(catalog: &Arc<Catalog>, locale: Option<&str>) -> String {
    let prep = Prep::new(catalog, None);
    let locale = locale
        .and_then(|t| {
            catalog
                .meta
                .locales
                .iter()
                .position(|l| l.eq_ignore_ascii_case(t))
        })
        .unwrap_or(catalog.meta.default_locale);
    md::page(&prep, locale)
}

/// Where the site belongs on the API's own server: the path of the catalog's `docs_url` up to
/// the code's part, without a trailing `/` (`https://mintfax.com/docs/errors/{anchor}` →
/// `/docs/errors`; `""` for the root). `None` without a `docs_url`.
///
/// ```
/// # let c = |u: &str| errcat::Catalog::from_toml_str("c.toml", &format!("[catalog]\nname='x'\naction_required=false\ndocs_url='{u}'\n[codes.a]\nstatus=400\ncategory='x'\nmessage.en='m'")).unwrap();
/// assert_eq!(errcat_docs::mount_path(&c("https://x.com/docs/errors/{anchor}")).as_deref(), Some("/docs/errors"));
/// assert_eq!(errcat_docs::mount_path(&c("https://x.com/errors#{anchor}")).as_deref(), Some("/errors"));
/// assert_eq!(errcat_docs::mount_path(&c("https://x.com/{code}")).as_deref(), Some(""));
/// assert_eq!(errcat_docs::mount_path(&c("/reference/errors/{code}.html")).as_deref(), Some("/reference/errors"));
/// ```
pub fn mount_path(catalog: &Catalog) -> Option<String> {
    let url = catalog.meta.docs_url.as_deref()?;
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => url,
    };
    let (head, rest) = path.split_at(path.find(['{', '?', '#']).unwrap_or(path.len()));
    // A fragment or query holds the code (`/errors#{anchor}`): the path is the page itself.
    // Otherwise the code's part follows the last `/` (`/docs/errors/{anchor}`).
    let dir = if rest.starts_with(['#', '?']) {
        head
    } else {
        head.rfind('/').map_or("", |i| &head[..i])
    };
    Some(dir.trim_end_matches('/').to_string())
}
