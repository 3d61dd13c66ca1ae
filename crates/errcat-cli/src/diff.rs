//! `errcat diff OLD NEW`.

use std::process::ExitCode;

/// Arguments of `errcat diff`.
#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The old catalog: a path, or a git revision and path such as `main:catalogs/x.toml`.
    pub old: String,
    /// The new catalog: a path.
    pub new: String,
}

pub(crate) fn run(_args: &DiffArgs, _color: bool) -> ExitCode {
    eprintln!("error: `errcat diff` is not built yet");
    ExitCode::FAILURE
}
