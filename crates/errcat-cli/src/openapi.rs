//! `errcat openapi CATALOG`: an OpenAPI 3.1 document (or just its `components`) for the
//! catalog's error responses, as JSON on stdout.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use errcat::StyleKind;

/// Arguments of `errcat openapi`.
#[derive(clap::Args)]
pub(crate) struct OpenapiArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// The envelope style to describe; default: the catalog's own.
    #[arg(long, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// Print only the `components` object, to merge into a document of your own.
    #[arg(long)]
    pub components_only: bool,
}

pub(crate) fn run(args: &OpenapiArgs, color: bool) -> ExitCode {
    let Some(catalog) = crate::common::load_catalog(&args.catalog, color).map(Arc::new) else {
        return ExitCode::FAILURE;
    };
    let style = args.style.unwrap_or(catalog.meta.style);
    let value = if args.components_only {
        errcat::openapi::components(&catalog, style)
    } else {
        errcat::openapi::document(&catalog, style)
    };
    let text = match serde_json::to_string_pretty(&value) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot serialize the document: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is not worth a message.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
