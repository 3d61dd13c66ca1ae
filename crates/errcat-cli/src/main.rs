//! The `errcat` command.
#![forbid(unsafe_code)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use errcat_catalog::{Catalog, Severity};

mod common;
mod diff;
mod docs;
mod explain;
mod import;
mod keys;
mod messages;
mod monitoring;
mod openapi;
mod render;

/// errcat: one error catalog, every error an HTTP API returns.
#[derive(Parser)]
#[command(name = "errcat", version, about, long_about = None)]
struct Cli {
    /// When to colour the output.
    #[arg(long, value_enum, default_value = "auto", global = true)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Color {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Check a catalog file or directory: errors exit non-zero; warnings are listed apart.
    Check {
        /// A catalog file, or a directory of catalog files.
        path: PathBuf,
        /// Also list notes (roles errcat fills with its built-in codes).
        #[arg(long)]
        notes: bool,
    },
    /// Explain a code: the whole entry, as `rustc --explain` does; or, with --rule, a rule.
    Explain {
        /// The code, e.g. insufficient_balance.
        #[arg(required_unless_present_any = ["rule", "list_rules"])]
        code: Option<String>,
        /// The catalog file or directory.
        #[arg(long, short, required_unless_present_any = ["rule", "list_rules"])]
        catalog: Option<PathBuf>,
        /// Explain a rule of `errcat check` or `errcat import` instead, e.g. duplicate-code.
        #[arg(long, value_name = "ID", conflicts_with_all = ["code", "catalog", "list_rules"])]
        rule: Option<String>,
        /// List every rule id, with its severity and summary.
        #[arg(long, conflicts_with_all = ["code", "catalog"])]
        list_rules: bool,
    },
    /// Print the status line, headers and body a client would receive for a code.
    Render(render::RenderArgs),
    /// Generate the reference docs site, or one Markdown page.
    Docs(docs::DocsArgs),
    /// Preview the reference docs site on a local port.
    Serve(docs::ServeArgs),
    /// Print OpenAPI 3.1 components for the catalog's error responses.
    Openapi(openapi::OpenapiArgs),
    /// Write a Grafana dashboard and Prometheus alerting rules for the catalog's metrics.
    Monitoring(monitoring::MonitoringArgs),
    /// Report what changed between two catalog versions, and whether it breaks clients.
    Diff(diff::DiffArgs),
    /// Bootstrap a catalog from a Markdown error table or a JSON list.
    Import(import::ImportArgs),
    /// The translator round trip: export a locale as PO or XLIFF, import it back in place, and
    /// see each locale's coverage.
    #[command(subcommand)]
    Messages(messages::MessagesCommand),
    /// Make API keys and check them offline.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match cli.command {
        Command::Check { path, notes } => check(&path, notes, color),
        Command::Explain {
            code,
            catalog,
            rule,
            list_rules,
        } => match (rule, code, catalog) {
            (Some(id), ..) => report(explain::rule(&id, color)),
            (None, Some(code), Some(catalog)) if !list_rules => {
                with_catalog(&catalog, color, |c| explain::run(c, &code, color))
            }
            // clap requires CODE and --catalog unless --rule or --list-rules is given.
            _ => report(explain::list_rules(color)),
        },
        Command::Docs(args) => docs::run(&args, color),
        Command::Serve(args) => docs::serve(&args, color),
        Command::Openapi(args) => openapi::run(&args, color),
        Command::Monitoring(args) => monitoring::run(&args, color),
        Command::Diff(args) => diff::run(&args, color),
        Command::Import(args) => import::run(&args, color),
        Command::Keys(command) => keys::run(&command),
        Command::Messages(command) => messages::run(&command, color),
        Command::Render(args) => {
            let path = args.catalog.clone();
            with_catalog(&path, color, |c| render::run(c, &args))
        }
    }
}

fn check(path: &std::path::Path, notes: bool, color: bool) -> ExitCode {
    let (report, loaded) = match Catalog::from_path(path) {
        Ok(c) => (c.report().clone(), Some(c)),
        Err(r) => (r, None),
    };
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    // Errors and warnings are listed apart: errors first, then warnings.
    print!("{}", report.render(&[Severity::Error], color));
    print!("{}", report.render(&[Severity::Warning], color));
    if notes {
        print!("{}", report.render(&[Severity::Note], color));
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    match loaded {
        Some(c) => {
            let own: Vec<_> = c
                .entries()
                .iter()
                .filter(|e| e.origin == errcat_catalog::Origin::Catalog)
                .collect();
            let mut categories: Vec<&str> = own.iter().map(|e| e.category.as_str()).collect();
            categories.sort_unstable();
            categories.dedup();
            println!(
                "{}: {} codes in {} categories; {warnings} warning{}",
                path.display(),
                own.len(),
                categories.len(),
                plural(warnings),
            );
        }
        None => println!(
            "{}: {errors} error{}, {warnings} warning{}",
            path.display(),
            plural(errors),
            plural(warnings),
        ),
    }
    if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Exits 0, or prints the error and exits 1.
fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Loads a catalog, or prints why it cannot be loaded and exits 1.
fn with_catalog(
    path: &std::path::Path,
    color: bool,
    f: impl FnOnce(&Catalog) -> Result<(), String>,
) -> ExitCode {
    match common::load_catalog(path, color) {
        None => ExitCode::FAILURE,
        Some(c) => report(f(&c)),
    }
}
