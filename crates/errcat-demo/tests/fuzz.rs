//! An external, schema-driven fuzzer against the demo: Schemathesis reads `/openapi.json`,
//! generates requests from it (valid ones, which the server must accept, and invalid ones,
//! which it must refuse with a documented status) and checks every answer against the
//! document (status codes, content types, headers, response schemas, authentication, methods,
//! links). Any finding fails the test.
//!
//! The demo runs in this process with its default configuration (debug routes off: they fail
//! on purpose), in each envelope style, but with limits and credits that a few thousand
//! requests cannot exhaust: the fuzzer tests the document, not the quotas (`tests/limits.rs`
//! does).
//!
//! Needs Schemathesis (`pip install schemathesis`, the version `.ci/run` pins), run as
//! `python3 -m schemathesis.cli` (its `st` command); skips with a notice when it is missing,
//! unless `ERRCAT_REQUIRE_SCHEMATHESIS` is set. Writes nothing into the
//! repository: Schemathesis runs in a temporary directory, with no example database.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use errcat::StyleKind;
use errcat_demo::DemoConfig;

/// Test cases per operation and phase (`ERRCAT_FUZZ_MAX_EXAMPLES` to change it).
const MAX_EXAMPLES: &str = "50";
/// Fixed, so a run can be repeated (`ERRCAT_FUZZ_SEED` to try another).
const SEED: &str = "20240816";
/// Seconds per request: generous, a busy machine answers slowly but never this slowly.
const REQUEST_TIMEOUT: &str = "60";

/// Two hooks, for what no schema can state.
///
/// `before_call`: the `Idempotency-Key` header's contract, a new key for each new request,
/// is one no schema can state, and Schemathesis draws the same few keys for many requests: the
/// server rightly answers 422 `idempotency_key_reused` to a key sent with another request,
/// and replays the first answer to one sent with the same request (a 201 for a fax that may
/// since have been deleted). The hook gives a valid request whose key was already sent a
/// suffix that makes it new and keeps it well-formed. Every other header, every key drawn
/// the first time, and the keys of invalid requests go out as drawn (malformed ones too).
///
/// `filter_failure`: resending a delivered fax is refused with 422 `fax_data_purged` (the
/// demo keeps no document; seed 000's catalog gives the code 422, and the operation documents
/// it), which Schemathesis's "valid request rejected" check does not take as a refusal of
/// state. Only that finding, with that code on that operation, is dropped.
const HOOKS: &str = r#"
import itertools
import json
import re

import schemathesis

_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{1,255}")
_sent = set()
_fresh = itertools.count(1)


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers
    if not headers:
        return
    # Only valid requests get a new key: editing an invalid one would make Schemathesis
    # revalidate it with the headers -H adds. Every request's key is remembered, since the
    # server may keep the answer to an invalid one that its handler refused.
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    for name in list(headers):
        key = headers[name]
        if name.lower() != "idempotency-key" or not isinstance(key, str) or not _WELL_FORMED.fullmatch(key):
            continue
        while positive and key in _sent:
            suffix = "-" + str(next(_fresh))
            key = key[: 255 - len(suffix)] + suffix
        _sent.add(key)
        headers[name] = key


def _codes(response):
    """The code where each envelope style puts it."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return set()
    if not isinstance(body, dict):
        return set()
    error = body.get("error")
    errors = body.get("errors")
    found = {body.get("code")}
    if isinstance(error, str):
        found.add(error)
    if isinstance(error, dict):
        found.add(error.get("code"))
        for detail in error.get("details") or []:
            if isinstance(detail, dict) and isinstance(detail.get("reason"), str):
                found.add(detail["reason"].lower())
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        found.add(errors[0].get("code"))
    return found


@schemathesis.hook
def filter_failure(context, failure, case, response):
    # Seed 000's catalog answers a resend of a fax whose document is purged with 422
    # `fax_data_purged` (documented there); Schemathesis counts only 401, 403, 404, 409 and 429
    # as a valid request's refusals. This one answer, on this one operation, is not a finding.
    purged = (
        failure.code == "ST202"
        and case.method.upper() == "POST"
        and case.path == "/faxes/{id}/resend"
        and response.status_code == 422
        and "fax_data_purged" in _codes(response)
    )
    return not purged
"#;

/// Schemathesis's CLI, as the Python module the `st` script runs (so `PATH` does not matter,
/// as for `openapi-spec-validator`).
fn st() -> Command {
    let mut c = Command::new("python3");
    c.args(["-m", "schemathesis.cli"]);
    c
}

fn schemathesis_version() -> Option<String> {
    let out = st().arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "python -m schemathesis.cli, version 4.32.5"
    out.status.success().then(|| {
        let v = text.trim();
        v.rsplit_once("version ").map_or(v, |(_, n)| n).to_string()
    })
}

/// The fuzzer's last `=== … ===` line: its summary of the run.
fn summary(stdout: &str) -> String {
    stdout
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with("==") && l.ends_with("==") && l.contains(" in "))
        .map(|l| l.trim_matches('=').trim().to_string())
        .unwrap_or_else(|| "(no summary line)".to_string())
}

/// Runs `st run` in `dir` against the document, with a key, on the operations whose paths
/// `filter` selects.
fn fuzz(dir: &Path, hooks: &Path, spec: &str, key: &str, filter: [&str; 2]) -> Output {
    let setting =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.into());
    let max_examples = setting("ERRCAT_FUZZ_MAX_EXAMPLES", MAX_EXAMPLES);
    let seed = setting("ERRCAT_FUZZ_SEED", SEED);
    st().current_dir(dir)
        .env("SCHEMATHESIS_HOOKS", hooks)
        // No color, no progress bars: the output is read by a test and by people in a CI log.
        .env("NO_COLOR", "1")
        .args(["run", spec, "--checks", "all"])
        .args(["--max-examples", &max_examples, "--seed", &seed])
        .args(["--request-timeout", REQUEST_TIMEOUT])
        .args(["--generation-database", "none", "--no-color"])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args(filter)
        .output()
        .expect("run python3 -m schemathesis.cli")
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every operation, with a key that may call it (the fax routes and the public ones with the
/// sandbox key, the account routes with the account key), in every envelope style (or the one
/// `ERRCAT_FUZZ_STYLE` names): the fuzzer finds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_nothing() {
    let Some(version) = schemathesis_version() else {
        if std::env::var_os("ERRCAT_REQUIRE_SCHEMATHESIS").is_some() {
            panic!(
                "ERRCAT_REQUIRE_SCHEMATHESIS is set but the Python module schemathesis is missing: pip install schemathesis"
            );
        }
        // Straight to stderr, past libtest's capture, so the skip is seen.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "notice: skipping the schema-driven fuzzer: python3 -m schemathesis.cli is not available \
             (pip install schemathesis; set ERRCAT_REQUIRE_SCHEMATHESIS=1 to make this a failure)"
        );
        return;
    };
    let styles: Vec<StyleKind> = match std::env::var("ERRCAT_FUZZ_STYLE") {
        Ok(name) => vec![StyleKind::parse(&name).expect("ERRCAT_FUZZ_STYLE names a style")],
        Err(_) => styles(),
    };
    let dir =
        TempDir(std::env::temp_dir().join(format!("errcat-demo-fuzz-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("a temp dir");
    let hooks = dir.0.join("hooks.py");
    std::fs::write(&hooks, HOOKS).expect("write the hooks");
    let mut failures = Vec::new();
    for style in styles {
        let server = demo(DemoConfig {
            style: Some(style),
            key_rate: 1_000_000,
            key_hourly: 1_000_000_000,
            ip_rate: 1_000_000,
            auth_failures_per_minute: 1_000_000,
            sandbox_credits: 1_000_000_000,
            store_timeout: PATIENT,
            ..DemoConfig::default()
        })
        .await;
        let spec = server.url("/openapi.json");
        let runs = [
            (
                "faxes and public routes, sandbox key",
                server.keys.sandbox.expose().to_owned(),
                ["--exclude-path-regex", "^/account"],
            ),
            (
                "account routes, account key",
                server.keys.account.expose().to_owned(),
                ["--include-path-regex", "^/account"],
            ),
        ];
        for (what, key, filter) in runs {
            let what = format!("{style}: {what}");
            let (dir, hooks, spec) = (dir.0.clone(), hooks.clone(), spec.clone());
            let out = tokio::task::spawn_blocking(move || fuzz(&dir, &hooks, &spec, &key, filter))
                .await
                .expect("the fuzzer's thread");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let line = summary(&stdout);
            // The whole report goes to libtest's capture (shown on failure, or with
            // --nocapture); the summary line straight to stderr, so every run shows it.
            eprintln!("schemathesis ({what}):\n{stdout}\n{stderr}");
            {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "schemathesis {version} ({what}): {line}");
            }
            if !out.status.success() {
                failures.push(format!(
                    "schemathesis ({what}) exited with {}: {line}\n{stdout}\n{stderr}",
                    out.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
