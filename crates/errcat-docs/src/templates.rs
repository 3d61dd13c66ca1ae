//! The templates the HTML pages are rendered from: the defaults, embedded, and a team's own.

use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use crate::text::esc_into;

/// The default templates, by file name.
const DEFAULTS: [(&str, &str); 3] = [
    ("layout.html", include_str!("../templates/layout.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("code.html", include_str!("../templates/code.html")),
];

/// The templates of a [`Site`](crate::Site): errcat's defaults, any of which a team may replace
/// with its own by file name.
///
/// The defaults are `layout.html` (the document head, the site header with the locale switcher,
/// and the footer; the other two extend it and fill its blocks `head` and `main`),
/// `index.html` (the index page of each locale) and `code.html` (a code's own page). Their
/// sources are [`Templates::default_source`]; a replacement sees the same variables.
///
/// Templates are [MiniJinja](https://docs.rs/minijinja) (Jinja2) with `trim_blocks`,
/// `lstrip_blocks` and a kept trailing newline. Values are escaped for HTML unless errcat made them
/// as HTML (the Markdown of the catalog's prose, a code's section, the index rows); a variable
/// the page lacks is an error, not an empty string. Any other `*.html` file of the directory
/// may be included (`{% include "header.html" %}`).
///
/// Every page sees `page` (`"index"` or `"code"`), `title`, `lang` (the locale's tag), `root`
/// (`""`, or `"../"` on another locale's page: prefix it to `assets/…` and other site files),
/// `file` (the page's file name), `locales` (empty for one locale; else each with `tag`,
/// `current`, `link` for the switcher and `href` for `<link rel="alternate">`),
/// `catalog` (`name`, `version` or none, `code_count`), `labels` (the locale's words, e.g.
/// `labels.error_reference`) and `prose_lang` (HTML: ` lang="en"` where the catalog's prose is
/// in another language than the page). The index page adds `intro` (HTML or none),
/// `categories` (each with `id`, `name`, `count`, `intro`, `rows`), `statuses` (each with
/// `status`, `class`, `reason`, `meaning`, `codes`, `more`) and `sections` (HTML: every code in
/// full); a code's page adds `description` (plain text), `canonical` (a URL or none),
/// `category` (`id`, `name`), `code` (`code`, `anchor`) and `section` (HTML: the code in full).
///
/// ```
/// use std::sync::Arc;
/// use errcat_docs::{Site, SiteOptions, Templates};
///
/// let catalog = Arc::new(errcat::Catalog::from_toml_str("c.toml", r#"
/// [catalog]
/// name = "demo"
/// action_required = false
/// [codes.not_found]
/// status = 404
/// category = "Requests"
/// message.en = "Not found."
/// "#).unwrap());
/// // A layout of the team's own: its logo, its colours, errcat's pages in it.
/// let layout = r#"<!DOCTYPE html>
/// <html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
/// {% block head %}{% endblock %}
/// <link rel="stylesheet" href="{{ root }}assets/style.css">
/// <style>:root { --accent: #b4005a; }</style></head>
/// <body><header><img src="https://demo.example/logo.svg" alt="Demo"> {{ catalog.name }}</header>
/// <main id="main">{% block main %}{% endblock %}</main></body></html>
/// "#;
/// let options = SiteOptions {
///     templates: Templates::default().with("layout.html", layout),
///     ..SiteOptions::default()
/// };
/// let site = Site::try_generate(&catalog, &options)?;
/// let page = String::from_utf8_lossy(&site.page("not-found.html").unwrap().body).into_owned();
/// assert!(page.contains(r#"<img src="https://demo.example/logo.svg" alt="Demo"> demo"#));
/// assert!(page.contains("<code>not_found</code>"));
///
/// // A template that does not parse is an error naming it, with the line.
/// let broken = Templates::default().with("code.html", "{% extends \"layout.html\" %}\n{% block main %}");
/// let options = SiteOptions { templates: broken, ..SiteOptions::default() };
/// let err = Site::try_generate(&catalog, &options).unwrap_err();
/// assert_eq!((err.file(), err.line()), ("code.html", Some(2)));
/// # Ok::<(), errcat_docs::TemplateError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// The replacements and any other templates they include, in the order given.
    own: Vec<Own>,
}

#[derive(Debug, Clone)]
struct Own {
    name: String,
    source: String,
    /// Where it was read from, for errors.
    path: Option<PathBuf>,
}

impl Templates {
    /// The file names of the default templates.
    pub const NAMES: [&'static str; 3] = ["layout.html", "index.html", "code.html"];

    /// The source of a default template, by file name.
    pub fn default_source(name: &str) -> Option<&'static str> {
        DEFAULTS.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    /// Every `*.html` file directly in `dir`, each replacing the default template of its name
    /// (others may be included by them); the defaults not found there stay.
    pub fn from_dir(dir: &Path) -> Result<Templates, TemplateError> {
        let io = |path: &Path, what: &str, e: std::io::Error| TemplateError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read {what}: {e}"),
        };
        let mut files = Vec::new();
        for item in std::fs::read_dir(dir).map_err(|e| io(dir, "the directory", e))? {
            let path = item.map_err(|e| io(dir, "the directory", e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
            if let Some(name) = name.filter(|n| n.ends_with(".html"))
                && path.is_file()
            {
                files.push((name, path));
            }
        }
        files.sort();
        let mut templates = Templates::default();
        for (name, path) in files {
            let bytes = std::fs::read(&path).map_err(|e| io(&path, "the template", e))?;
            let source = String::from_utf8(bytes).map_err(|_| TemplateError {
                file: path.display().to_string(),
                line: None,
                message: "the template is not UTF-8".into(),
            })?;
            templates.own.push(Own {
                name,
                source,
                path: Some(path),
            });
        }
        Ok(templates)
    }

    /// These templates, with `name` replaced by (or, for a name that is no default's, added as)
    /// `source`.
    pub fn with(mut self, name: impl Into<String>, source: impl Into<String>) -> Templates {
        let name = name.into();
        self.own.retain(|t| t.name != name);
        self.own.push(Own {
            name,
            source: source.into(),
            path: None,
        });
        self
    }

    /// The names of the default templates these replace.
    pub fn replaced(&self) -> Vec<&str> {
        Self::NAMES
            .into_iter()
            .filter(|n| self.own.iter().any(|t| t.name == *n))
            .collect()
    }

    /// Where the template of this name comes from, for an error.
    fn file_of(&self, name: &str) -> String {
        match self.own.iter().find(|t| t.name == name) {
            Some(Own {
                path: Some(path), ..
            }) => path.display().to_string(),
            _ => name.to_string(),
        }
    }

    /// The error of a template, naming its file.
    pub(crate) fn error(&self, e: &minijinja::Error) -> TemplateError {
        let mut message = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        TemplateError {
            file: e.name().map_or_else(String::new, |n| self.file_of(n)),
            line: e.line().filter(|&l| l > 0),
            message,
        }
    }

    /// The environment the pages are rendered in: every template parsed.
    pub(crate) fn environment(&self) -> Result<Environment<'static>, TemplateError> {
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| self.error(&e))?;
        env.set_syntax(syntax);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(|out, state, value| {
            // errcat's own escaping, so the default pages stay as they were made by hand:
            // `'` as `&#39;`, `/` as itself.
            if matches!(state.auto_escape(), AutoEscape::Html)
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                let mut s = String::with_capacity(text.len() + 16);
                esc_into(&mut s, text);
                return out.write_str(&s).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        for (name, source) in DEFAULTS {
            if !self.own.iter().any(|t| t.name == name) {
                env.add_template(name, source).map_err(|e| self.error(&e))?;
            }
        }
        for t in &self.own {
            env.add_template_owned(t.name.clone(), t.source.clone())
                .map_err(|e| {
                    let mut err = self.error(&e);
                    if err.file.is_empty() {
                        err.file = self.file_of(&t.name);
                    }
                    err
                })?;
        }
        Ok(env)
    }
}

/// HTML made by errcat, put in a template as it is.
pub(crate) fn safe(html: String) -> Value {
    Value::from_safe_string(html)
}

/// A template that failed to load, parse or render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    file: String,
    line: Option<usize>,
    message: String,
}

impl TemplateError {
    /// The template's file: its path where it was read from a directory, else its name.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line of the template where it failed, where known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.is_empty(), self.line) {
            (true, _) => write!(f, "template: {}", self.message),
            (false, Some(line)) => write!(f, "{}:{line}: {}", self.file, self.message),
            (false, None) => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}
