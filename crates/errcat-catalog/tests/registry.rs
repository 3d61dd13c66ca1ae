//! The rule registry against the sources: every diagnostic the crate builds names a registered
//! rule, with a severity the rule allows, and every registered rule is built somewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use errcat_catalog::{RULES, Severity, registry};

/// Every `.rs` file under `dir`, recursively, in name order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// One diagnostic constructor call found in the sources.
#[derive(Debug)]
struct Call {
    at: String,
    severity: Severity,
    /// The first argument, as written (`rule::DUPLICATE_CODE`, or whatever else).
    arg: String,
}

/// Every `Diagnostic::error(` / `warning(` / `note(` call of the crate's sources, with its first
/// argument.
fn constructor_calls() -> Vec<Call> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut calls = Vec::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).expect("a source file is UTF-8");
        for (severity, needle) in [
            (Severity::Error, "Diagnostic::error("),
            (Severity::Warning, "Diagnostic::warning("),
            (Severity::Note, "Diagnostic::note("),
        ] {
            for (at, _) in text.match_indices(needle) {
                let rest = text[at + needle.len()..].trim_start();
                let arg: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '"')
                    .collect();
                let line = text[..at].matches('\n').count() + 1;
                calls.push(Call {
                    at: format!("{}:{line}", file.display()),
                    severity,
                    arg,
                });
            }
        }
        assert!(
            !text.contains("Diagnostic::new("),
            "{}: build diagnostics with Diagnostic::error/warning/note, which the scan in this test reads",
            file.display()
        );
    }
    calls
}

/// `rule::DUPLICATE_CODE` → `duplicate-code`, or `None` for anything but a registry constant.
fn id_of(arg: &str) -> Option<String> {
    let name = arg.strip_prefix("rule::")?;
    Some(name.to_ascii_lowercase().replace('_', "-"))
}

#[test]
fn every_diagnostic_names_a_registered_rule_at_an_allowed_severity() {
    let calls = constructor_calls();
    assert!(calls.len() > 40, "the scan found too few calls: {calls:#?}");
    let mut emitted: BTreeMap<String, BTreeSet<Severity>> = BTreeMap::new();
    for c in &calls {
        let id = id_of(&c.arg).unwrap_or_else(|| {
            panic!(
                "{}: the rule of a diagnostic is `{}`; pass a constant of the registry, as `rule::NAME` (`use crate::registry as rule;`)",
                c.at, c.arg
            )
        });
        let rule = registry::find(&id).unwrap_or_else(|| {
            panic!(
                "{}: `{}` is not a registered rule (registry constants are named after their id)",
                c.at, c.arg
            )
        });
        assert!(
            c.severity <= rule.severity,
            "{}: `{id}` is reported as a {}, above its registered severity {}",
            c.at,
            c.severity.as_str(),
            rule.severity.as_str()
        );
        emitted.entry(id).or_default().insert(c.severity);
    }
    for rule in registry::ALL {
        let severities = emitted.get(rule.id).unwrap_or_else(|| {
            panic!(
                "`{}` is registered but no diagnostic is ever built from it; remove it from the registry",
                rule.id
            )
        });
        assert!(
            severities.contains(&rule.severity),
            "`{}` is registered as a {}, but never reported at that severity",
            rule.id,
            rule.severity.as_str()
        );
    }
}

#[test]
fn rule_ids_named_as_strings_are_registered() {
    // `report.has_rule(...)` and the like take an id; they must name registered rules too.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).expect("a source file is UTF-8");
        for (at, _) in text.match_indices("has_rule(\"") {
            let rest = &text[at + "has_rule(\"".len()..];
            let id = &rest[..rest.find('"').unwrap_or(0)];
            assert!(
                registry::find(id).is_some(),
                "{}: `{id}` is not a registered rule",
                file.display()
            );
        }
    }
}

#[test]
fn the_registry_is_well_formed() {
    let mut seen = BTreeSet::new();
    for rule in registry::ALL {
        assert!(seen.insert(rule.id), "`{}` is registered twice", rule.id);
        assert!(
            !rule.id.is_empty() && rule.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "`{}`: ids are lower-case words joined by `-`",
            rule.id
        );
        assert!(
            !rule.summary.is_empty() && !rule.summary.ends_with('.'),
            "`{}`: the summary is one line, without a final full stop",
            rule.id
        );
        assert!(
            rule.explanation.len() > 120,
            "`{}`: the explanation says what the rule catches, why, and how to fix it",
            rule.id
        );
        assert!(
            rule.explanation.lines().all(|l| l.chars().count() <= 92),
            "`{}`: explanation lines are wrapped for a terminal",
            rule.id
        );
        assert_eq!(registry::find(rule.id), Some(rule));
    }
}

#[test]
fn the_legacy_rules_list_comes_from_the_registry() {
    for (id, summary) in RULES {
        let rule = registry::find(id).unwrap_or_else(|| panic!("`{id}` is not registered"));
        assert_eq!(rule.summary, *summary);
    }
}

#[test]
fn suggestions_find_typos_only() {
    assert_eq!(
        registry::suggest("dangling-refrence"),
        Some("dangling-reference")
    );
    assert_eq!(registry::suggest("DUPLICATE-CODE"), Some("duplicate-code"));
    assert_eq!(registry::suggest("completely-unrelated-words"), None);
}
