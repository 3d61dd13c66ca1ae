//! `errcat explain CODE`.

use errcat_catalog::Catalog;

pub(crate) fn run(c: &Catalog, code: &str, _color: bool) -> Result<(), String> {
    Err(format!("not yet: {code} {}", c.meta.name))
}
