//! `errcat docs` and `errcat serve`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `errcat docs`.
#[derive(clap::Args)]
pub(crate) struct DocsArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// Where to write the site.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `errcat serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
}

pub(crate) fn run(_args: &DocsArgs, _color: bool) -> ExitCode {
    eprintln!("error: `errcat docs` is not built yet");
    ExitCode::FAILURE
}

pub(crate) fn serve(_args: &ServeArgs, _color: bool) -> ExitCode {
    eprintln!("error: `errcat serve` is not built yet");
    ExitCode::FAILURE
}
