//! `errcat explain --rule ID` and `--list-rules`, run as a process from the workspace root.

use errcat_catalog::registry;
use errcat_testkit::cli::{Cli, stderr, stdout};

const MINTFAX: &str = "catalogs/mintfax.toml";

/// The binary in the workspace root, colour left to the flags.
fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env_remove("NO_COLOR")
}

/// Runs errcat and asserts it exits 0.
fn ok(args: &[&str]) -> String {
    cli().ok(args)
}

/// Runs errcat and asserts it exits with `code`, without a panic and with nothing on stdout;
/// returns stderr.
fn fails(args: &[&str], code: i32) -> String {
    let o = cli().fails_output(args, code);
    assert!(
        stdout(&o).is_empty(),
        "errcat {args:?} prints nothing on stdout"
    );
    stderr(&o)
}

#[test]
fn explain_rule_prints_severity_id_summary_and_explanation() {
    let out = ok(&["explain", "--rule", "placeholder-parity"]);
    let rule = registry::PLACEHOLDER_PARITY;
    assert!(
        out.starts_with(
            "error[placeholder-parity]: a locale's message uses other placeholders than the default locale's\n\n"
        ),
        "{out}"
    );
    assert!(out.contains(rule.explanation.trim_end()), "{out}");
    assert!(out.contains("message.es = "), "the example is shown: {out}");
    assert!(!out.contains('\x1b'), "not a terminal, no colour: {out:?}");
}

#[test]
fn explain_rule_of_a_warning_and_of_an_import_warning() {
    let out = ok(&["explain", "--rule", "unknown-category"]);
    assert!(out.starts_with("warning[unknown-category]: "), "{out}");
    let out = ok(&["explain", "--rule", "import::no-code-column"]);
    assert!(
        out.starts_with("warning[import::no-code-column]: "),
        "{out}"
    );
    assert!(out.contains("Error Code"), "{out}");
}

#[test]
fn explain_rule_colours_on_request() {
    let out = ok(&["--color", "always", "explain", "--rule", "toml"]);
    assert!(out.starts_with("\x1b[1merror[toml]\x1b[0m: "), "{out:?}");
}

#[test]
fn explain_unknown_rule_suggests_the_closest() {
    let err = fails(&["explain", "--rule", "dangling-refrence"], 1);
    assert!(
        err.contains(
            "error: `dangling-refrence` is not a rule of errcat check or errcat import; did you mean `dangling-reference`?"
        ),
        "{err}"
    );
    assert!(err.contains("errcat explain --list-rules"), "{err}");
}

#[test]
fn explain_import_rule_without_its_prefix_suggests_the_prefix() {
    let err = fails(&["explain", "--rule", "long-row"], 1);
    assert!(err.contains("did you mean `import::long-row`?"), "{err}");
}

#[test]
fn explain_unknown_rule_far_from_any_has_no_suggestion() {
    let err = fails(&["explain", "--rule", "nothing-like-any-rule-at-all"], 1);
    assert!(err.contains("is not a rule"), "{err}");
    assert!(!err.contains("did you mean"), "{err}");
}

#[test]
fn explain_rule_and_a_code_are_exclusive() {
    let err = fails(&["explain", "--rule", "toml", "--catalog", MINTFAX], 2);
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn explain_code_still_needs_its_catalog() {
    let err = fails(&["explain", "insufficient_balance"], 2);
    assert!(err.contains("--catalog"), "{err}");
    let out = ok(&["explain", "insufficient_balance", "--catalog", MINTFAX]);
    assert!(out.starts_with("insufficient_balance — "), "{out}");
}

/// The ids `--list-rules` prints, in order.
fn listed() -> Vec<String> {
    ok(&["explain", "--list-rules"])
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn list_rules_lists_the_catalog_registry_then_the_import_rules() {
    let ids = listed();
    let catalog: Vec<&str> = registry::ALL.iter().map(|r| r.id).collect();
    assert_eq!(&ids[..catalog.len()], catalog.as_slice());
    let import = &ids[catalog.len()..];
    assert!(import.len() > 10, "{ids:?}");
    assert!(
        import.iter().all(|id| id.starts_with("import::")),
        "{ids:?}"
    );
}

#[test]
fn every_registered_rule_can_be_explained() {
    let ids = listed();
    for id in &ids {
        let out = ok(&["explain", "--rule", id]);
        let head = out.lines().next().unwrap_or_default();
        assert!(head.contains(&format!("[{id}]: ")), "{id}: {out}");
        assert!(out.lines().count() >= 3, "{id} has an explanation: {out}");
    }
    for rule in registry::ALL {
        assert!(ids.iter().any(|id| id == rule.id), "{} is listed", rule.id);
        let out = ok(&["explain", "--rule", rule.id]);
        assert!(out.contains(rule.explanation.trim_end()), "{out}");
    }
}
