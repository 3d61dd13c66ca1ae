//! `errcat diff OLD NEW`: a breaking-change report between two catalog versions, for CI.
//!
//! Either side is a path (a file or a directory of catalog files) or a git revision and path,
//! `REV:PATH`, read with git itself. Exit status: 0 when no change reaches `--fail-on`, 1 when
//! one does, 2 when a side cannot be read (load errors, git failures).

use std::path::Path;
use std::process::{Command, ExitCode};

use errcat_catalog::diff::{Change, Changes, Severity as Level, diff};
use errcat_catalog::{Catalog, Severity};

/// Arguments of `errcat diff`.
#[derive(clap::Args)]
pub(crate) struct DiffArgs {
    /// The old catalog: a path, or a git revision and path such as `main:catalogs/x.toml` or
    /// `HEAD~1:catalogs/mxcep` (a directory).
    pub old: String,
    /// The new catalog: a path, or a git revision and path.
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when a change of this severity or worse is found.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
}

/// How to print the report.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    /// One line per change, errors first, then a summary.
    Text,
    /// `{"changes": [...], "summary": {"error": n, "warning": n, "info": n}}`.
    Json,
}

/// The least severity that fails the run.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// Breaking changes only.
    Error,
    /// Breaking changes and warnings.
    Warning,
    /// Any change at all.
    Info,
}

impl FailOn {
    fn level(self) -> Level {
        match self {
            FailOn::Error => Level::Error,
            FailOn::Warning => Level::Warning,
            FailOn::Info => Level::Info,
        }
    }
}

/// Exit status when a side cannot be read.
const UNREADABLE: u8 = 2;

pub(crate) fn run(args: &DiffArgs, color: bool) -> ExitCode {
    let old = load("OLD", &args.old, color);
    let new = load("NEW", &args.new, color);
    let (Some(old), Some(new)) = (old, new) else {
        return ExitCode::from(UNREADABLE);
    };
    let changes = diff(&old, &new);
    let threshold = args.fail_on.level();
    let fails = changes.worst().is_some_and(|w| w >= threshold);
    match args.format {
        Format::Text => print!("{}", text(&changes, threshold, fails, color)),
        Format::Json => match json(&changes) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("error: cannot write the report as JSON: {e}");
                return ExitCode::from(UNREADABLE);
            }
        },
    }
    if fails {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads one side, or prints why it cannot be loaded and returns `None`.
fn load(side: &str, arg: &str, color: bool) -> Option<Catalog> {
    let (result, fix) = match git_spec(arg) {
        None => (
            Catalog::from_path(arg),
            format!("run `errcat check {arg}` and fix the errors"),
        ),
        Some((rev, path)) => match read_git(rev, path) {
            Ok(files) => {
                let files: Vec<(&str, &str)> = files
                    .iter()
                    .map(|(n, t)| (n.as_str(), t.as_str()))
                    .collect();
                (
                    Catalog::from_toml_files(&files),
                    "fix the errors at that revision, or diff against another one".to_string(),
                )
            }
            Err(GitError { message, help }) => {
                eprintln!("error: cannot read the {side} catalog `{arg}` from git");
                for line in message.lines() {
                    eprintln!("  git: {line}");
                }
                eprintln!("help: {help}");
                return None;
            }
        },
    };
    match result {
        Ok(c) => Some(c),
        Err(report) => {
            eprint!("{}", report.render(&[Severity::Error], color));
            eprintln!("error: the {side} catalog `{arg}` does not load (errors above); {fix}");
            None
        }
    }
}

/// `REV:PATH` → `(REV, PATH)`, unless `arg` names an existing file or has no `:`.
fn git_spec(arg: &str) -> Option<(&str, &str)> {
    if Path::new(arg).exists() {
        return None;
    }
    arg.split_once(':')
}

struct GitError {
    message: String,
    help: String,
}

/// Runs git and returns its stdout, or its stderr as the error.
fn git(args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(if err.is_empty() {
            format!("`git {}` failed ({})", args.join(" "), out.status)
        } else {
            err
        })
    }
}

/// Reads a catalog file, or the `*.toml` files of a directory, at a git revision. Each file is
/// named `REV:PATH` for diagnostics.
fn read_git(rev: &str, path: &str) -> Result<Vec<(String, String)>, GitError> {
    let path = path.trim_end_matches('/');
    if rev.is_empty() || rev.starts_with('-') {
        return Err(GitError {
            message: format!("`{rev}` is not a revision"),
            help: format!(
                "write a revision before the `:`, such as `HEAD:{path}` or `main:{path}`"
            ),
        });
    }
    if path.is_empty() {
        return Err(GitError {
            message: format!("`{rev}:` names no path"),
            help: format!(
                "write the catalog's path after the `:`, such as `{rev}:catalogs/api.toml`"
            ),
        });
    }
    if let Err(message) = git(&["cat-file", "-t", rev]) {
        let help = if message.contains("not a git repository") {
            "run `errcat diff` inside the git repository, or pass a file path instead".to_string()
        } else if message.contains("cannot run git") {
            "install git, or pass file paths instead of `REV:PATH`".to_string()
        } else {
            format!(
                "`{rev}` is not a revision of this repository: check its name (`git branch -a`, \
                 `git log --oneline`); in CI, a shallow clone may lack it: fetch it first \
                 (`git fetch origin {rev}`, or checkout with `fetch-depth: 0`)"
            )
        };
        return Err(GitError { message, help });
    }
    let object = format!("{rev}:{path}");
    let kind = git(&["cat-file", "-t", &object]).map_err(|message| GitError {
        message,
        help: format!(
            "`{path}` is not in `{rev}`: list what is there with `git ls-tree --name-only {rev}`; \
             the path is relative to the repository root (write `{rev}:./{path}` for one relative \
             to the current directory)"
        ),
    })?;
    match String::from_utf8_lossy(&kind).trim() {
        "blob" => Ok(vec![(object.clone(), read_blob(&object, &object)?)]),
        "tree" => {
            let listing = git(&["ls-tree", "-z", &object]).map_err(|message| GitError {
                message,
                help: format!("check that `{object}` is a directory at that revision"),
            })?;
            let mut names: Vec<(String, String)> = Vec::new();
            for item in listing.split(|&b| b == 0).filter(|i| !i.is_empty()) {
                // `<mode> SP <type> SP <object> TAB <name>`
                let item = String::from_utf8_lossy(item);
                let Some((meta, name)) = item.split_once('\t') else {
                    continue;
                };
                let mut meta = meta.split(' ');
                let (Some(_mode), Some("blob"), Some(id)) = (meta.next(), meta.next(), meta.next())
                else {
                    continue;
                };
                if name.ends_with(".toml") {
                    names.push((name.to_string(), id.to_string()));
                }
            }
            names.sort();
            if names.is_empty() {
                return Err(GitError {
                    message: format!("`{object}` holds no `*.toml` file"),
                    help: "a directory catalog is a folder of TOML files, one of which holds \
                           `[catalog]`; name a catalog file or directory"
                        .to_string(),
                });
            }
            names
                .into_iter()
                .map(|(name, id)| {
                    let display = format!("{object}/{name}");
                    let text = read_blob(&id, &display)?;
                    Ok((display, text))
                })
                .collect()
        }
        other => Err(GitError {
            message: format!("`{object}` is a {other}, not a file or a directory"),
            help: "name a catalog file or a directory of catalog files".to_string(),
        }),
    }
}

fn read_blob(object: &str, display: &str) -> Result<String, GitError> {
    let bytes = git(&["cat-file", "blob", object]).map_err(|message| GitError {
        message,
        help: format!("check that `{display}` is readable with `git show {display}`"),
    })?;
    String::from_utf8(bytes).map_err(|e| GitError {
        message: format!("`{display}` is not UTF-8 text ({e})"),
        help: "catalog files are UTF-8 TOML".to_string(),
    })
}

fn paint(level: Level, s: &str, color: bool) -> String {
    if !color {
        return s.to_string();
    }
    let code = match level {
        Level::Error => "1;31",
        Level::Warning => "1;33",
        Level::Info => "1;36",
    };
    format!("\x1b[{code}m{s}\x1b[0m")
}

fn line(c: &Change, color: bool) -> String {
    let head = paint(c.severity, &format!("{}[{}]", c.severity, c.rule), color);
    let code = if c.code.is_empty() {
        "(catalog)"
    } else {
        c.code.as_str()
    };
    let code = if color {
        format!("\x1b[1m{code}\x1b[0m")
    } else {
        code.to_string()
    };
    format!("{head} {code}: {}\n", c.message)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn text(changes: &Changes, threshold: Level, fails: bool, color: bool) -> String {
    let mut out = String::new();
    for level in Level::ALL {
        let group: Vec<&Change> = changes.iter().filter(|c| c.severity == level).collect();
        if group.is_empty() {
            continue;
        }
        for c in group {
            out.push_str(&line(c, color));
        }
        out.push('\n');
    }
    if changes.is_empty() {
        out.push_str("no changes\n");
        return out;
    }
    let verdict = if fails {
        format!("fails --fail-on {threshold}")
    } else {
        format!("passes --fail-on {threshold}")
    };
    out.push_str(&format!(
        "{}: {}, {}, {} ({verdict})\n",
        plural(changes.changes.len(), "change"),
        plural(changes.count(Level::Error), "error"),
        plural(changes.count(Level::Warning), "warning"),
        plural(changes.count(Level::Info), "info"),
    ));
    out
}

fn json(changes: &Changes) -> Result<String, serde_json::Error> {
    let value = serde_json::json!({
        "changes": serde_json::to_value(&changes.changes)?,
        "summary": {
            "error": changes.count(Level::Error),
            "warning": changes.count(Level::Warning),
            "info": changes.count(Level::Info),
        },
    });
    serde_json::to_string_pretty(&value)
}
