//! The errcat error catalog: the model, loading from TOML with source spans, and lint.
//!
//! A catalog is the single source of truth for every error an HTTP API returns. This crate has no
//! HTTP and no async: it reads catalog files, checks them, and hands the model to the renderer,
//! the docs generator and the CLI. The file format is described in `docs/catalog-format.md`.
//!
//! Loading runs four stages, in order: read, parse, build and lint. Every rule a diagnostic can
//! carry is declared once, in [`registry`], with its severity and explanation.
//!
//! ```
//! use errcat_catalog::{Catalog, Role};
//!
//! let catalog = Catalog::from_toml_str("mini.toml", r#"
//! [catalog]
//! name = "mini"
//! docs_url = "https://example.com/errors#{anchor}"
//!
//! [codes.insufficient_balance]
//! status = 402
//! category = "Billing"
//! action = "top_up_balance"
//! message.en = "Balance {balance} is below the cost {cost}."
//! context.balance = "number"
//! context.cost = "number"
//! "#)?;
//!
//! let e = catalog.get("insufficient_balance").unwrap();
//! assert_eq!(catalog.docs_url(e).unwrap(), "https://example.com/errors#insufficient-balance");
//! // Roles the catalog leaves out are filled by errcat's built-in codes.
//! assert_eq!(catalog.role(Role::NotFound).code, "not_found");
//! # Ok::<(), errcat_catalog::Report>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod code;
mod diag;
pub mod diff;
mod lint;
mod load;
mod model;
mod raw;
pub mod registry;
pub mod suggest;
mod template;

use std::path::{Path, PathBuf};

pub use code::CatalogCode;
pub use diag::{Diagnostic, FileId, Label, Report, Rule, Severity, SourceFile, Sources, Span};
pub use lint::{BUILTIN_PLACEHOLDERS, MAX_CODE_LEN, RESERVED_CONTEXT_KEYS, RULES};
pub use model::{
    Alert, AlertSeverity, CaseStyle, Catalog, ContextKey, ContextType, Docs, Entry, EntrySpans,
    Lifecycle, Meta, Origin, RequestIdFormat, RequestIdSpec, RetryAdvice, Role, StyleKind,
    anchor_of,
};
pub use template::{
    Arg, ArgKind, Arm, Category, Choice, CustomPart, CustomTemplate, Key, MAX_NESTING, Part, Slot,
    Template, TemplateError,
};

impl Catalog {
    /// Loads and checks a catalog file, or a directory of catalog files.
    ///
    /// On success the catalog's [`Catalog::report`] holds its warnings and notes. On failure the
    /// [`Report`] holds every diagnostic; its `Display` renders them rustc-style.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Catalog, Report> {
        load_stages(load::read(path.as_ref()))
    }

    /// Loads and checks a catalog from TOML text. `name` is used in diagnostics.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Catalog, Report> {
        Catalog::from_toml_files(&[(name, text)])
    }

    /// Loads and checks a catalog made of several TOML texts, in the order given.
    pub fn from_toml_files(files: &[(&str, &str)]) -> Result<Catalog, Report> {
        let texts = files
            .iter()
            .map(|(name, text)| Ok((PathBuf::from(name), text.to_string())))
            .collect();
        load_stages(texts)
    }
}

/// The four stages of loading, in order: read (done by the caller) → parse → build → lint.
///
/// Every stage adds its diagnostics to one report; the catalog loads when none is an error.
fn load_stages(texts: Vec<load::ReadFile>) -> Result<Catalog, Report> {
    let mut report = Report::default();
    let parsed = load::parse(&mut report, texts);
    let built = load::build(&mut report, parsed);
    if let Some(catalog) = &built {
        lint::lint(catalog, &mut report);
    }
    report.sort();
    match built {
        Some(catalog) if !report.has_errors() => Ok(Catalog { report, ..catalog }),
        _ => Err(report),
    }
}

/// Checks a catalog and returns every diagnostic, whether or not it loads.
///
/// ```
/// let report = errcat_catalog::check("/no/such/catalog.toml");
/// assert!(report.has_errors());
/// ```
pub fn check(path: impl AsRef<Path>) -> Report {
    match Catalog::from_path(path) {
        Ok(c) => c.report().clone(),
        Err(r) => r,
    }
}
