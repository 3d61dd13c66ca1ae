//! The arguments of `errcat import`.

use std::path::PathBuf;

use errcat_catalog::{CaseStyle, StyleKind};

/// Arguments of `errcat import`.
#[derive(clap::Args)]
pub(crate) struct ImportArgs {
    /// A Markdown error table or a JSON list (`[{"code", "status", "message", "action",
    /// "category"}]`); `-` reads stdin.
    pub input: PathBuf,
    /// The input's format; default: by extension (`.json`, `.md`), else by content.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The catalog's name; default: the document's `# Title`, else the file name.
    #[arg(long)]
    pub name: Option<String>,
    /// The case style of codes: `snake_case` or `UPPER_SNAKE`; default: what the codes use.
    #[arg(long, value_parser = parse_case)]
    pub case: Option<CaseStyle>,
    /// The envelope style to write in `[catalog]`; default: none (problem+json).
    #[arg(long, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// Where to write the catalog; `-` or nothing: stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

/// An input format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub(crate) enum Format {
    /// A Markdown (or plain-text) page with error tables.
    Markdown,
    /// A JSON list of codes.
    Json,
}

fn parse_case(s: &str) -> Result<CaseStyle, String> {
    match s {
        "snake_case" | "snake" => Ok(CaseStyle::Snake),
        "UPPER_SNAKE" | "upper_snake" | "upper" => Ok(CaseStyle::UpperSnake),
        _ => Err(format!(
            "`{s}` is not a case style: snake_case or UPPER_SNAKE"
        )),
    }
}
