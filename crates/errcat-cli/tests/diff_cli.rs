//! `errcat diff`, run as a process: exit codes, text and JSON output, the git `REV:PATH` form.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use errcat_testkit::cli::{Cli, stderr, stdout};
use serde_json::Value;

const BASE: &str = r#"[catalog]
name = "diffcli"
docs_url = "https://example.com/errors/{anchor}"

[codes.insufficient_balance]
status = 402
category = "Billing"
action = "top_up_balance"
message.en = "Not enough credits."
context.balance = "number"

[codes.fax_not_found]
status = 404
category = "Faxes"
action = "check_fax_id"
message.en = "No fax has this id."
"#;

fn temp_dir(name: &str) -> PathBuf {
    errcat_testkit::cli::temp_dir("errcat-diff-cli-test", name)
}

/// The binary, run in `dir`.
fn cli(dir: &Path) -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).current_dir(dir)
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--color", "never", "diff"];
    all.extend_from_slice(args);
    cli(dir).output(&all)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `errcat diff ARGS` in `dir`, asserts no panic, and returns the exit code and output.
fn diff_in(dir: &Path, args: &[&str]) -> Run {
    let o = run_in(dir, args);
    let run = Run {
        code: o.status.code(),
        stdout: stdout(&o),
        stderr: stderr(&o),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "errcat diff {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// Writes `old.toml` (BASE) and `new.toml` (`new`) into a fresh directory.
fn pair(name: &str, new: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::write(dir.join("old.toml"), BASE).unwrap();
    std::fs::write(dir.join("new.toml"), new).unwrap();
    dir
}

fn expect(run: &Run, code: i32, what: &str) {
    assert_eq!(
        run.code,
        Some(code),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn git_repo(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    git(&dir, &["init", "-q"]);
    dir
}

#[test]
fn an_error_exits_1_and_names_the_rule() {
    let dir = pair("error", &BASE.replace("status = 402", "status = 400"));
    let run = diff_in(&dir, &["old.toml", "new.toml"]);
    expect(&run, 1, "a status change is an error");
    assert!(
        run.stdout
            .contains("error[status-changed] insufficient_balance: status 402 → 400"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 error, 0 warnings, 0 infos"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "no colour with --color never");
}

#[test]
fn warnings_and_infos_pass_by_default_and_fail_on_request() {
    let added = format!(
        "{BASE}\n[codes.fax_purged]\nstatus = 404\ncategory = \"Faxes\"\naction = \"resend\"\nmessage.en = \"Purged.\"\n"
    );
    let dir = pair("warning", &added);
    let run = diff_in(&dir, &["old.toml", "new.toml"]);
    expect(&run, 0, "a warning passes --fail-on error");
    assert!(
        run.stdout.contains("warning[code-added] fax_purged"),
        "{}",
        run.stdout
    );
    expect(
        &diff_in(&dir, &["old.toml", "new.toml", "--fail-on", "warning"]),
        1,
        "a warning fails --fail-on warning",
    );
    expect(
        &diff_in(&dir, &["old.toml", "new.toml", "--fail-on", "info"]),
        1,
        "a warning fails --fail-on info",
    );

    let dir = pair(
        "info",
        &BASE.replace("No fax has this id.", "There is no fax with this id."),
    );
    let run = diff_in(&dir, &["old.toml", "new.toml", "--fail-on", "warning"]);
    expect(&run, 0, "an info passes --fail-on warning");
    assert!(
        run.stdout
            .contains("info[message-changed] fax_not_found: `en` message changed"),
        "{}",
        run.stdout
    );
    expect(
        &diff_in(&dir, &["old.toml", "new.toml", "--fail-on", "info"]),
        1,
        "an info fails --fail-on info",
    );

    let dir = pair("same", BASE);
    let run = diff_in(&dir, &["old.toml", "new.toml", "--fail-on", "info"]);
    expect(&run, 0, "no change passes everything");
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
}

#[test]
fn text_groups_errors_then_warnings_then_infos() {
    let mut new = BASE
        .replace("No fax has this id.", "Gone.")
        .replace("\"top_up_balance\"", "\"add_credits\"");
    new.push_str(
        "\n[codes.fax_purged]\nstatus = 404\ncategory = \"Faxes\"\naction = \"resend\"\nmessage.en = \"Purged.\"\n",
    );
    let dir = pair("groups", &new);
    let run = diff_in(&dir, &["old.toml", "new.toml"]);
    expect(&run, 1, "an action change is an error");
    let at = |s: &str| {
        run.stdout
            .find(s)
            .unwrap_or_else(|| panic!("`{s}` not in:\n{}", run.stdout))
    };
    assert!(at("error[action-changed]") < at("warning[code-added]"));
    assert!(at("warning[code-added]") < at("info[message-changed]"));
    assert!(run.stdout.contains("3 changes: 1 error, 1 warning, 1 info"));
}

#[test]
fn json_has_changes_and_summary() {
    let mut new = BASE.replace("status = 402", "status = 400");
    new.push_str("\n[codes.teapot]\nstatus = 418\ncategory = \"Misc\"\naction = \"brew\"\nmessage.en = \"I am a teapot.\"\n");
    let dir = pair("json", &new);
    let run = diff_in(&dir, &["old.toml", "new.toml", "--format", "json"]);
    expect(&run, 1, "json output keeps the exit code");
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["summary"]["error"], 1);
    assert_eq!(v["summary"]["warning"], 0);
    assert_eq!(v["summary"]["info"], 1);
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0]["rule"], "status-changed");
    assert_eq!(changes[0]["severity"], "error");
    assert_eq!(changes[0]["code"], "insufficient_balance");
    assert_eq!(changes[0]["before"], "402");
    assert_eq!(changes[0]["after"], "400");
    assert_eq!(changes[1]["rule"], "code-added-new-status");
    assert_eq!(changes[1]["severity"], "info");
}

#[test]
fn git_revision_of_a_file() {
    let dir = git_repo("git-file");
    std::fs::write(dir.join("cat.toml"), BASE).unwrap();
    git(&dir, &["add", "cat.toml"]);
    git(&dir, &["commit", "-q", "-m", "one"]);
    std::fs::write(
        dir.join("cat.toml"),
        BASE.replace("context.balance = \"number\"\n", ""),
    )
    .unwrap();

    let run = diff_in(&dir, &["HEAD:cat.toml", "cat.toml"]);
    expect(&run, 1, "a removed context key is an error");
    assert!(
        run.stdout
            .contains("error[context-key-removed] insufficient_balance"),
        "{}",
        run.stdout
    );

    // Both sides at revisions.
    git(&dir, &["commit", "-q", "-am", "two"]);
    let run = diff_in(&dir, &["HEAD~1:cat.toml", "HEAD:cat.toml"]);
    expect(&run, 1, "HEAD~1 against HEAD");
    assert!(run.stdout.contains("context-key-removed"), "{}", run.stdout);
    expect(
        &diff_in(&dir, &["HEAD:cat.toml", "cat.toml"]),
        0,
        "the committed file against itself",
    );
}

#[test]
fn git_revision_of_a_directory() {
    let dir = git_repo("git-dir");
    let cat = dir.join("catalogs/mx");
    std::fs::create_dir_all(&cat).unwrap();
    let (head, codes) = BASE.split_at(BASE.find("[codes.").unwrap());
    std::fs::write(cat.join("catalog.toml"), head).unwrap();
    std::fs::write(cat.join("01-codes.toml"), codes).unwrap();
    std::fs::write(cat.join("README.md"), "not a catalog file").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "one"]);

    let run = diff_in(&dir, &["HEAD:catalogs/mx", "catalogs/mx"]);
    expect(&run, 0, "the committed directory against the work tree");
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);

    std::fs::write(
        cat.join("01-codes.toml"),
        codes.replace("\"check_fax_id\"", "\"list_faxes\""),
    )
    .unwrap();
    let run = diff_in(&dir, &["HEAD:catalogs/mx/", "catalogs/mx"]);
    expect(&run, 1, "an action change in a directory catalog");
    assert!(
        run.stdout
            .contains("error[action-changed] fax_not_found: action `check_fax_id` → `list_faxes`"),
        "{}",
        run.stdout
    );

    // A broken file at a revision is named `REV:PATH/FILE` in the diagnostics.
    std::fs::write(cat.join("01-codes.toml"), "[codes.x\n").unwrap();
    git(&dir, &["commit", "-q", "-am", "broken"]);
    let run = diff_in(&dir, &["HEAD:catalogs/mx", "HEAD~1:catalogs/mx"]);
    expect(&run, 2, "a broken catalog at a revision");
    assert!(
        run.stderr.contains("--> HEAD:catalogs/mx/01-codes.toml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the OLD catalog"), "{}", run.stderr);
}

#[test]
fn git_failures_exit_2_with_what_to_fix() {
    let dir = git_repo("git-fail");
    std::fs::write(dir.join("cat.toml"), BASE).unwrap();
    git(&dir, &["add", "cat.toml"]);
    git(&dir, &["commit", "-q", "-m", "one"]);

    let run = diff_in(&dir, &["no-such-branch:cat.toml", "cat.toml"]);
    expect(&run, 2, "an unknown revision");
    assert!(
        run.stderr.contains("no-such-branch") && run.stderr.contains("not a revision"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git fetch"), "{}", run.stderr);

    let run = diff_in(&dir, &["HEAD:missing.toml", "cat.toml"]);
    expect(&run, 2, "a path not in the revision");
    assert!(
        run.stderr.contains("`missing.toml` is not in `HEAD`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git ls-tree"), "{}", run.stderr);

    let run = diff_in(&dir, &["cat.toml", "HEAD~5:cat.toml"]);
    expect(&run, 2, "a revision that does not exist on the NEW side");
    assert!(run.stderr.contains("the NEW catalog"), "{}", run.stderr);

    // Outside any repository.
    let outside = temp_dir("no-repo");
    std::fs::write(outside.join("cat.toml"), BASE).unwrap();
    let run = diff_in(&outside, &["HEAD:cat.toml", "cat.toml"]);
    // The temp dir may itself sit inside some repository; either way it is a clear exit 2.
    expect(&run, 2, "HEAD:cat.toml outside a repository");
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
}

#[test]
fn a_malformed_catalog_exits_2_with_its_diagnostic() {
    let dir = pair("malformed", "[catalog]\nname = \"x\"\n[codes.a\n");
    let run = diff_in(&dir, &["old.toml", "new.toml"]);
    expect(&run, 2, "a malformed NEW catalog");
    assert!(run.stderr.contains("--> new.toml"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the NEW catalog `new.toml` does not load"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no report: {}", run.stdout);

    // A catalog with a lint error (a code without a category) fails the same way.
    let dir = pair("lint-error", &BASE.replace("category = \"Faxes\"\n", ""));
    let run = diff_in(&dir, &["old.toml", "new.toml"]);
    expect(&run, 2, "a NEW catalog with errors");
    assert!(run.stderr.contains("missing-category"), "{}", run.stderr);

    let run = diff_in(&dir, &["nowhere.toml", "old.toml"]);
    expect(&run, 2, "a missing OLD file");
    assert!(run.stderr.contains("the OLD catalog"), "{}", run.stderr);
}

#[test]
fn colour_only_when_asked() {
    let dir = pair("colour", &BASE.replace("status = 402", "status = 400"));
    let o = cli(&dir).output(&["--color", "always", "diff", "old.toml", "new.toml"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(out.contains("\x1b[1;31merror[status-changed]"), "{out:?}");
}
