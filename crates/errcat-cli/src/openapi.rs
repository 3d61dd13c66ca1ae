//! `errcat openapi CATALOG`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `errcat openapi`.
#[derive(clap::Args)]
pub(crate) struct OpenapiArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
}

pub(crate) fn run(_args: &OpenapiArgs, _color: bool) -> ExitCode {
    eprintln!("error: `errcat openapi` is not built yet");
    ExitCode::FAILURE
}
