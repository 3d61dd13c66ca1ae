//! Runs the built `errcat` binary for the CLI's tests.
//!
//! A crate's own tests name its binary with `env!("CARGO_BIN_EXE_errcat")`, which only that
//! crate sees, so the runner takes the path:
//!
//! ```no_run
//! use errcat_testkit::cli::Cli;
//!
//! let cli = Cli::new("target/debug/errcat").env_remove("NO_COLOR");
//! let summary = cli.ok(&["check", "catalogs/mintfax.toml"]);
//! assert!(summary.contains("15 codes"));
//! let stderr = cli.fails(&["check", "catalogs/nope.toml"], 1);
//! assert!(stderr.contains("nope.toml"));
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace's root directory, where the CLI's tests run by default.
pub const WORKSPACE_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// How to run the `errcat` binary: its path, the directory it runs in and changes to its
/// environment. Each run is a fresh process; the value can be reused.
#[derive(Debug, Clone)]
pub struct Cli {
    binary: PathBuf,
    dir: PathBuf,
    env: Vec<(OsString, Option<OsString>)>,
}

impl Cli {
    /// Runs `binary` in the workspace root ([`WORKSPACE_ROOT`]) with the test's environment.
    pub fn new(binary: impl Into<PathBuf>) -> Cli {
        Cli {
            binary: binary.into(),
            dir: PathBuf::from(WORKSPACE_ROOT),
            env: Vec::new(),
        }
    }

    /// Runs in `dir` instead.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cli {
        self.dir = dir.as_ref().to_path_buf();
        self
    }

    /// Sets `key` to `value` in the binary's environment.
    pub fn env(mut self, key: &str, value: &str) -> Cli {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Removes `key` from the binary's environment (`NO_COLOR`, say).
    pub fn env_remove(mut self, key: &str) -> Cli {
        self.env.push((key.into(), None));
        self
    }

    /// The command, ready to run with `args`: for a test that spawns it (a server) or pipes it.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.binary);
        c.args(args).current_dir(&self.dir);
        for (key, value) in &self.env {
            match value {
                Some(value) => c.env(key, value),
                None => c.env_remove(key),
            };
        }
        c
    }

    /// Runs the binary with `args` and waits for it. Panics if it cannot be started.
    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {} {args:?}: {e}", self.binary.display()))
    }

    /// Runs the binary, asserts it exits 0 and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.output(args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "errcat {args:?}\nstdout:\n{}\nstderr:\n{}",
            stdout(&o),
            stderr(&o)
        );
        stdout(&o)
    }

    /// Runs the binary, asserts it exits with `code` and did not panic, and returns its stderr.
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        stderr(&self.fails_output(args, code))
    }

    /// As [`Cli::fails`], returning the whole output.
    pub fn fails_output(&self, args: &[&str], code: i32) -> Output {
        let o = self.output(args);
        let err = stderr(&o);
        assert_eq!(
            o.status.code(),
            Some(code),
            "errcat {args:?}\nstdout:\n{}\nstderr:\n{err}",
            stdout(&o)
        );
        assert!(
            !err.contains("panicked"),
            "errcat {args:?} panicked:\n{err}"
        );
        o
    }
}

/// A run's stdout; panics if it is not UTF-8.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}"))
}

/// A run's stderr; panics if it is not UTF-8.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap_or_else(|e| panic!("stderr is not UTF-8: {e}"))
}

/// A fresh, empty directory under the system temp dir, named after `prefix`, the process and
/// `name` (so two test binaries running at once do not share one).
pub fn temp_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}
