//! UI tests: one small catalog per registered rule under `tests/ui/` (`<rule-id>.toml`, or a
//! directory `<rule-id>/` for rules about several files), checked as `errcat check` checks it,
//! and its rendered diagnostics compared with `tests/ui/<rule-id>.stderr`.
//!
//! The rendering is `errcat check`'s, without colour: errors, then warnings, then (for a rule
//! whose severity is note) notes. To accept new output, run
//! `ERRCAT_BLESS=1 cargo test -p errcat-catalog --test ui` and review the diff.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use errcat_catalog::{Severity, check, registry};

/// `tests/ui`, relative to the package root (the working directory of tests), so that the
/// paths in the snapshots are the same on every machine.
const UI: &str = "tests/ui";

/// The catalog of each UI case: `(rule id, path)`, in name order.
fn cases() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(UI)
        .unwrap_or_else(|e| panic!("cannot list {UI}: {e}"))
        .map(|e| e.expect("a directory entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            if p.is_dir() {
                Some((name, p))
            } else {
                let id = name.strip_suffix(".toml")?.to_string();
                Some((id, p))
            }
        })
        .collect();
    out.sort();
    out
}

/// What `errcat check` prints for the case, minus the summary line.
fn render(rule_severity: Severity, path: &Path) -> (String, Vec<&'static str>) {
    let report = check(path);
    let mut out = report.render(&[Severity::Error], false);
    out.push_str(&report.render(&[Severity::Warning], false));
    if rule_severity == Severity::Note {
        out.push_str(&report.render(&[Severity::Note], false));
    }
    let rules = report.diagnostics().iter().map(|d| d.rule).collect();
    (out, rules)
}

#[test]
fn every_ui_case_matches_its_snapshot() {
    let bless = std::env::var_os("ERRCAT_BLESS").is_some_and(|v| v != "0");
    let mut failures = Vec::new();
    for (id, path) in cases() {
        let Some(rule) = registry::find(&id) else {
            failures.push(format!(
                "{}: `{id}` is not a registered rule; name UI cases after a rule id",
                path.display()
            ));
            continue;
        };
        let (actual, rules) = render(rule.severity, &path);
        if !rules.contains(&rule.id) {
            failures.push(format!(
                "{}: does not trigger `{id}` (it reports {rules:?})",
                path.display()
            ));
        }
        let snapshot = Path::new(UI).join(format!("{id}.stderr"));
        if bless {
            if let Err(e) = std::fs::write(&snapshot, &actual) {
                failures.push(format!("cannot write {}: {e}", snapshot.display()));
            }
            continue;
        }
        match std::fs::read_to_string(&snapshot) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{} differs from its snapshot {}; rerun with ERRCAT_BLESS=1 to accept\n--- expected\n{expected}\n--- actual\n{actual}",
                path.display(),
                snapshot.display()
            )),
            Err(e) => failures.push(format!(
                "cannot read {} ({e}); run with ERRCAT_BLESS=1 to write it",
                snapshot.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_registered_rule_has_a_ui_case() {
    let ids: BTreeSet<String> = cases().into_iter().map(|(id, _)| id).collect();
    let missing: Vec<&str> = registry::ALL
        .iter()
        .map(|r| r.id)
        .filter(|id| !ids.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "these rules have no UI case under {UI}: {missing:?}"
    );
}

#[test]
fn every_snapshot_belongs_to_a_ui_case() {
    let ids: BTreeSet<String> = cases().into_iter().map(|(id, _)| id).collect();
    for e in std::fs::read_dir(UI).expect("tests/ui is readable") {
        let p = e.expect("a directory entry").path();
        if let Some(id) = p
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".stderr"))
        {
            assert!(ids.contains(id), "{} has no UI case", p.display());
        }
    }
}
