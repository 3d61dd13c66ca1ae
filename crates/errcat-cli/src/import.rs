//! `errcat import`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `errcat import`.
#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// A Markdown error table or a JSON list.
    pub input: PathBuf,
}

pub(crate) fn run(_args: &ImportArgs, _color: bool) -> ExitCode {
    eprintln!("error: `errcat import` is not built yet");
    ExitCode::FAILURE
}
