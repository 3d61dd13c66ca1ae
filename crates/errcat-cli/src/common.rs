//! What several commands share: the `--style` parser, catalog loading, the custom-style check.

use std::path::Path;

use errcat_catalog::{Catalog, Severity, StyleKind};

/// Parses `--style`; the error names every style.
pub(crate) fn parse_style(s: &str) -> Result<StyleKind, String> {
    StyleKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = StyleKind::ALL.iter().map(|k| k.name()).collect();
        format!("unknown style `{s}`; expected one of {}", names.join(", "))
    })
}

/// Loads a catalog, or prints its errors and how to see them all, and returns `None`.
pub(crate) fn load_catalog(path: &Path, color: bool) -> Option<Catalog> {
    match Catalog::from_path(path) {
        Ok(c) => Some(c),
        Err(report) => {
            eprint!("{}", report.render(&[Severity::Error], color));
            eprintln!(
                "error: `{}` has errors; run `errcat check {}`",
                path.display(),
                path.display()
            );
            None
        }
    }
}

/// Checks the catalog can be rendered in `style` (`custom` needs the catalog's template).
pub(crate) fn check_style(c: &Catalog, style: StyleKind) -> Result<(), String> {
    if style == StyleKind::Custom && c.meta.custom.is_none() {
        return Err(format!(
            "the catalog `{}` declares no custom template; pick another --style",
            c.meta.name
        ));
    }
    Ok(())
}
