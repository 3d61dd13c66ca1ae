//! `errcat openapi CATALOG`: an OpenAPI 3.1 document (or just its `components`) for the
//! catalog's error responses, as JSON on stdout.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use errcat::StyleKind;
use errcat_catalog::{Catalog, Severity};

/// Arguments of `errcat openapi`.
#[derive(clap::Args)]
pub(crate) struct OpenapiArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// The envelope style to describe; default: the catalog's own.
    #[arg(long, value_parser = parse_style)]
    pub style: Option<StyleKind>,
    /// Print only the `components` object, to merge into a document of your own.
    #[arg(long)]
    pub components_only: bool,
}

fn parse_style(s: &str) -> Result<StyleKind, String> {
    StyleKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = StyleKind::ALL.iter().map(|k| k.name()).collect();
        format!("`{s}` is not a style; styles: {}", names.join(", "))
    })
}

pub(crate) fn run(args: &OpenapiArgs, color: bool) -> ExitCode {
    let catalog = match Catalog::from_path(&args.catalog) {
        Ok(c) => Arc::new(c),
        Err(report) => {
            eprint!("{}", report.render(&[Severity::Error], color));
            eprintln!(
                "error: `{}` has errors; run `errcat check {}`",
                args.catalog.display(),
                args.catalog.display()
            );
            return ExitCode::FAILURE;
        }
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
