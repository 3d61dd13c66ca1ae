//! `errcat import`: bootstrap a catalog from an existing reference, a Markdown error table or a
//! JSON list, with a warning for everything the source lacked.
//!
//! The command reads its input ([`markdown`] or [`json`]) into [`source::Source`] rows,
//! [`build`](mod@build)s catalog entries from them (guessing [`roles`] on the way), writes them as a
//! catalog ([`toml`]), and checks what it wrote as `errcat check` would.

mod args;
mod build;
mod entry;
mod json;
mod markdown;
mod roles;
pub(crate) mod rules;
mod source;
mod tables;
pub(crate) mod toml;
mod warnings;

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use errcat_catalog::{Catalog, Severity};

use args::Format;
pub(crate) use args::ImportArgs;
use build::build;
use json::read_json;
use markdown::read_markdown;
use source::Fatal;
use toml::to_toml;
use warnings::Warnings;

fn detect(path: &Path, text: &str) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json") => Format::Json,
        Some("md" | "markdown" | "mdx" | "txt") => Format::Markdown,
        _ if text.trim_start().starts_with(['[', '{']) => Format::Json,
        _ => Format::Markdown,
    }
}

fn read_input(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        return Ok(s);
    }
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (invalid byte at offset {}); convert it first",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

pub(crate) fn run(args: &ImportArgs, color: bool) -> ExitCode {
    let text = match read_input(&args.input) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let shown = if args.input.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let stem = args
        .input
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| *s != "-")
        .unwrap_or("imported")
        .to_string();
    let format = args.format.unwrap_or_else(|| detect(&args.input, &text));
    let mut w = Warnings::new(&shown, &text);
    let source = match format {
        Format::Markdown => read_markdown(&text, &mut w),
        Format::Json => read_json(&text, &mut w),
    };
    let source = match source {
        Ok(s) => s,
        Err(Fatal(msg)) => {
            eprint!("{}", w.render(color));
            eprintln!("error: cannot import `{shown}`: {msg}");
            return ExitCode::FAILURE;
        }
    };
    let imported = build(source, args, &stem, &mut w);
    if imported.entries.is_empty() {
        eprint!("{}", w.render(color));
        eprintln!("error: cannot import `{shown}`: it has no error codes");
        return ExitCode::FAILURE;
    }
    let file_name = args
        .input
        .file_name()
        .and_then(|s| s.to_str())
        .filter(|s| *s != "-")
        .unwrap_or("stdin");
    let toml = to_toml(&imported, file_name);
    let out_name = match &args.out {
        Some(p) if p.as_os_str() != "-" => p.display().to_string(),
        _ => format!("{stem}.toml"),
    };
    // The output must pass `check`; say what check will say about it.
    let check = match Catalog::from_toml_str(&out_name, &toml) {
        Ok(c) => c.report().clone(),
        Err(report) => {
            eprint!("{}", w.render(color));
            eprint!("{}", report.render(&[Severity::Error], color));
            eprintln!(
                "error: the imported catalog does not pass `errcat check`: this is a bug in `errcat import`; please report it with the input"
            );
            return ExitCode::FAILURE;
        }
    };
    eprint!("{}", w.render(color));
    eprint!("{}", check.render(&[Severity::Warning], color));
    let written = match &args.out {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, &toml).map_err(|e| format!("cannot write `{}`: {e}", p.display()))
        }
        _ => {
            let mut o = std::io::stdout().lock();
            o.write_all(toml.as_bytes())
                .and_then(|()| o.flush())
                .map_err(|e| format!("cannot write to stdout: {e}"))
        }
    };
    if let Err(msg) = written {
        eprintln!("error: {msg}");
        return ExitCode::FAILURE;
    }
    let mut categories: Vec<&str> = imported
        .entries
        .iter()
        .map(|e| e.category.as_str())
        .collect();
    categories.dedup();
    categories.sort_unstable();
    categories.dedup();
    let n = imported.entries.len();
    let warnings = w.list.len() + check.count(Severity::Warning);
    eprintln!(
        "imported {n} code{} in {} categor{} from {shown}{}; {warnings} warning{}",
        if n == 1 { "" } else { "s" },
        categories.len(),
        if categories.len() == 1 { "y" } else { "ies" },
        match &args.out {
            Some(p) if p.as_os_str() != "-" => format!(" into {}", p.display()),
            _ => String::new(),
        },
        if warnings == 1 { "" } else { "s" },
    );
    ExitCode::SUCCESS
}
