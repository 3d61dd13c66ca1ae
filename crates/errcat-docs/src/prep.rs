//! What both the site and the Markdown page work from: the codes grouped by category, who is a
//! variant of whom, which roles each code fills, the status summary rows and the examples.

use std::collections::HashMap;
use std::sync::Arc;

use errcat::{Renderer, Role, StyleKind};
use errcat_catalog::{Catalog, Entry, Lifecycle};

use crate::example::{self, Example};
use crate::text::{self, Labels};

/// A row of the HTTP status summary.
#[derive(Debug, Clone)]
pub(crate) struct StatusRow {
    pub status: String,
    pub meaning: String,
    /// Entry indices of the codes that can carry this status.
    pub codes: Vec<usize>,
}

/// One category of the index.
#[derive(Debug, Clone)]
pub(crate) struct Category<'a> {
    pub name: &'a str,
    /// `cat_` + a slug: never a code's anchor, which has no `_`.
    pub id: String,
    pub intro: Option<&'a str>,
    pub codes: Vec<usize>,
}

pub(crate) struct Prep<'a> {
    pub catalog: &'a Arc<Catalog>,
    pub renderer: Renderer,
    pub categories: Vec<Category<'a>>,
    /// By entry index: the category's position in `categories`.
    pub category_of: Vec<usize>,
    /// By entry index: the codes that are variants of it.
    pub variants: Vec<Vec<usize>>,
    /// By entry index: the roles it fills.
    pub roles: Vec<Vec<Role>>,
    pub anchors: Vec<String>,
    /// Anchor → entry index.
    pub by_anchor: HashMap<String, usize>,
    pub statuses: Vec<StatusRow>,
    /// `https://host` of the docs permalinks.
    pub origin: Option<String>,
    pub request_id: String,
}

/// `https://host` of an absolute URL.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    (!host.is_empty() && !host.contains('{')).then(|| format!("{scheme}://{host}"))
}

fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

impl<'a> Prep<'a> {
    pub(crate) fn new(catalog: &'a Arc<Catalog>, style: Option<StyleKind>) -> Prep<'a> {
        let renderer = Renderer::new(catalog.clone(), style.unwrap_or(catalog.meta.style));
        let entries = catalog.entries();
        let mut categories: Vec<Category<'a>> = Vec::new();
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        let mut used_ids: HashMap<String, usize> = HashMap::new();
        let mut category_of = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let c = *by_name.entry(e.category.as_str()).or_insert_with(|| {
                let base = format!("cat_{}", slug(&e.category));
                let n = used_ids.entry(base.clone()).or_insert(0);
                *n += 1;
                let id = if *n == 1 { base } else { format!("{base}_{n}") };
                categories.push(Category {
                    name: &e.category,
                    id,
                    intro: catalog
                        .meta
                        .category_docs
                        .iter()
                        .find(|(k, _)| *k == e.category)
                        .map(|(_, v)| v.as_str()),
                    codes: Vec::new(),
                });
                categories.len() - 1
            });
            categories[c].codes.push(i);
            category_of.push(c);
        }
        let mut variants = vec![Vec::new(); entries.len()];
        for (i, e) in entries.iter().enumerate() {
            if let Some(base) = e.variant_of.as_deref().and_then(|v| catalog.index_of(v)) {
                variants[base].push(i);
            }
        }
        let mut roles = vec![Vec::new(); entries.len()];
        for r in Role::ALL {
            roles[catalog.role_index(r)].push(r);
        }
        let anchors: Vec<String> = entries.iter().map(Entry::anchor).collect();
        let by_anchor = anchors
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), i))
            .collect();
        Prep {
            statuses: status_rows(catalog),
            origin: catalog.meta.docs_url.as_deref().and_then(origin_of),
            request_id: errcat::example::request_id(catalog),
            renderer,
            categories,
            category_of,
            variants,
            roles,
            anchors,
            by_anchor,
            catalog,
        }
    }

    /// The entry whose anchor this is.
    pub(crate) fn anchor_index(&self, anchor: &str) -> Option<usize> {
        self.by_anchor.get(anchor).copied()
    }

    pub(crate) fn entries(&self) -> &'a [Entry] {
        self.catalog.entries()
    }

    /// Entry indices in index order: by category, then catalog order.
    pub(crate) fn order(&self) -> impl Iterator<Item = usize> + '_ {
        self.categories.iter().flat_map(|c| c.codes.iter().copied())
    }

    pub(crate) fn default_locale(&self) -> usize {
        self.catalog.meta.default_locale
    }

    pub(crate) fn labels(&self, locale: usize) -> &'static Labels {
        text::labels(&self.catalog.meta.locales[locale])
    }

    /// The one-line description of a code in a locale: the summary, or, where the summary is just
    /// the default message, the locale's own message.
    pub(crate) fn description(&self, e: &'a Entry, locale: usize) -> &'a str {
        let d = self.default_locale();
        if locale != d && e.summary == e.message(d, d).source() {
            let m = e.message(locale, d).source();
            if !m.is_empty() {
                return m;
            }
        }
        &e.summary
    }

    /// Whether [`Prep::description`] is in the locale itself (or in the default locale's words).
    pub(crate) fn description_is_localized(&self, e: &'a Entry, locale: usize) -> bool {
        locale == self.default_locale()
            || !std::ptr::eq(self.description(e, locale), e.summary.as_str())
    }

    pub(crate) fn example(&self, index: usize, locale: usize) -> Option<Example> {
        example::example(
            &self.renderer,
            &self.entries()[index],
            locale,
            &self.request_id,
            self.labels(locale),
        )
    }

    /// The first code whose example best shows the envelope: an active code with a status, an
    /// action and context if there is one.
    pub(crate) fn showcase(&self) -> Option<usize> {
        let ok = |e: &Entry| e.default_status().is_some() && e.lifecycle != Lifecycle::Retired;
        let entries = self.entries();
        let score = |e: &Entry| {
            usize::from(e.action.is_some()) * 2
                + usize::from(!e.context.is_empty()) * 4
                + usize::from(e.origin == errcat_catalog::Origin::Catalog)
        };
        let mut best: Option<(usize, usize)> = None;
        for (i, e) in entries.iter().enumerate() {
            if ok(e) {
                let s = score(e);
                if best.is_none_or(|(_, b)| s > b) {
                    best = Some((i, s));
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The reason phrase of a status, if it has a well-known one.
pub(crate) fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("")
}

/// The status summary: the catalog's `[http_statuses]` in its order, then any status a code
/// carries that the table leaves out; without the table, every status the codes carry.
fn status_rows(catalog: &Catalog) -> Vec<StatusRow> {
    let mut by_status: HashMap<u16, Vec<usize>> = HashMap::new();
    for (i, e) in catalog.entries().iter().enumerate() {
        for &s in &e.statuses {
            let v = by_status.entry(s).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }
    let mut rows = Vec::new();
    let mut seen = Vec::new();
    for (s, meaning) in &catalog.meta.http_statuses {
        let n = s.trim().parse::<u16>().ok();
        if let Some(n) = n {
            seen.push(n);
        }
        rows.push(StatusRow {
            status: s.clone(),
            meaning: meaning.clone(),
            codes: n
                .and_then(|n| by_status.get(&n).cloned())
                .unwrap_or_default(),
        });
    }
    let mut rest: Vec<u16> = by_status
        .keys()
        .copied()
        .filter(|s| !seen.contains(s))
        .collect();
    rest.sort_unstable();
    for s in rest {
        rows.push(StatusRow {
            status: s.to_string(),
            meaning: reason(s).to_string(),
            codes: by_status.remove(&s).unwrap_or_default(),
        });
    }
    rows
}
