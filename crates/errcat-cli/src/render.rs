//! `errcat render CODE`.

use std::path::PathBuf;

use errcat_catalog::Catalog;

/// Arguments of `errcat render`.
#[derive(clap::Args)]
pub(crate) struct RenderArgs {
    /// The code to render.
    pub code: String,
    /// The catalog file or directory.
    #[arg(long, short)]
    pub catalog: PathBuf,
}

pub(crate) fn run(c: &Catalog, args: &RenderArgs) -> Result<(), String> {
    Err(format!("not yet: {} {}", args.code, c.meta.name))
}
