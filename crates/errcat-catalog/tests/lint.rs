//! One test per lint rule: a small inline catalog with exactly that defect, checked for the rule
//! id, the severity, and where the primary label points (1-based line and column, and the text
//! under the label).

use errcat_catalog::{Catalog, Diagnostic, RULES, Report, Severity};

/// The diagnostic with this rule id; panics with the whole report if there is none.
fn find<'r>(report: &'r Report, rule: &str) -> &'r Diagnostic {
    report
        .diagnostics()
        .iter()
        .find(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no `{rule}` diagnostic in:\n{report}"))
}

/// Every rule id the report holds, in order.
fn rules(report: &Report) -> Vec<&'static str> {
    report.diagnostics().iter().map(|d| d.rule).collect()
}

/// The primary label's (line, column) and the source text it covers.
fn primary_at(report: &Report, d: &Diagnostic) -> ((usize, usize), String) {
    let label = d
        .labels
        .iter()
        .find(|l| l.primary)
        .unwrap_or_else(|| panic!("`{}` has no primary label:\n{report}", d.rule));
    assert!(
        d.labels[0].primary,
        "the primary label comes first:\n{report}"
    );
    let src = report.sources().get(label.span.file);
    let text = src.text[label.span.range.clone()].to_string();
    (report.sources().line_col(&label.span), text)
}

/// The file name a label points into.
fn file_of(report: &Report, label: &errcat_catalog::Label) -> String {
    report
        .sources()
        .get(label.span.file)
        .path
        .display()
        .to_string()
}

/// Loads text that must fail; returns the report.
fn err(text: &str) -> Report {
    match Catalog::from_toml_str("t.toml", text) {
        Ok(c) => panic!(
            "expected errors, but the catalog loaded; report:\n{}",
            c.report()
        ),
        Err(r) => r,
    }
}

/// Asserts rule, severity and primary position in one go.
fn assert_rule(
    report: &Report,
    rule: &str,
    severity: Severity,
    line_col: (usize, usize),
    covered: &str,
) -> Diagnostic {
    let d = find(report, rule);
    assert_eq!(d.severity, severity, "severity of `{rule}`:\n{report}");
    let (at, text) = primary_at(report, d);
    assert_eq!(at, line_col, "position of `{rule}`:\n{report}");
    assert_eq!(text, covered, "text under `{rule}`:\n{report}");
    d.clone()
}

const VALID: &str = r#"[catalog]
name = "t"
locales = ["en", "es"]

[codes.insufficient_balance]
status = 402
category = "Billing"
action = "top_up_balance"
message.en = "Balance {balance} is below the cost {cost}."
message.es = "El saldo {balance} es menor que el costo {cost}."
context.balance = "number"
context.cost = { type = "number", description = "Cost." }
"#;

#[test]
fn every_rule_in_rules_is_covered_here() {
    // If a rule is added to RULES, this list (and a test for it) must grow too.
    let covered = [
        "toml",
        "duplicate-code",
        "case-style",
        "code-too-long",
        "invalid-status",
        "role-status",
        "missing-action",
        "undeclared-placeholder",
        "placeholder-parity",
        "missing-message",
        "dangling-reference",
        "anchor-collision",
        "unknown-role-code",
        "unknown-locale",
        "reserved-context-key",
        "unknown-category",
    ];
    let ids: Vec<&str> = RULES.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, covered);
}

#[test]
fn valid_catalog_loads_without_errors_or_warnings() {
    let c = Catalog::from_toml_str("t.toml", VALID).unwrap();
    assert_eq!(c.report().count(Severity::Error), 0);
    assert_eq!(c.report().count(Severity::Warning), 0, "{}", c.report());
    // Unmapped roles are filled by built-in codes, and noted.
    assert!(c.report().has_rule("role-default"));
    let e = c.get("insufficient_balance").unwrap();
    assert_eq!(e.default_status(), Some(402));
    assert_eq!(e.action.as_deref(), Some("top_up_balance"));
}

// ---- toml -------------------------------------------------------------------------------------

#[test]
fn toml_unclosed_string() {
    let r = err("[catalog]\nname = \"t\n");
    let d = find(&r, "toml");
    assert_eq!(d.severity, Severity::Error);
    let (at, _) = primary_at(&r, d);
    assert_eq!(at, (2, 10), "{r}");
    assert!(d.labels[0].message.contains("expected `\"`"), "{r}");
    assert!(r.to_string().contains("--> t.toml:2:10"), "{r}");
}

#[test]
fn toml_bad_status_value() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.gone]
status = 4x
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = find(&r, "toml");
    assert_eq!(d.severity, Severity::Error);
    let (at, _) = primary_at(&r, d);
    assert_eq!(at, (6, 10), "{r}");
    assert!(r.to_string().contains("--> t.toml:6:10"), "{r}");
}

#[test]
fn toml_unknown_key() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.gone]
stauts = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "toml", Severity::Error, (6, 1), "stauts");
    assert_eq!(d.message, "unknown key");
    assert!(d.labels[0].message.contains("stauts"), "{r}");
    assert!(r.to_string().contains("--> t.toml:6:1"), "{r}");
}

#[test]
fn toml_wrong_type() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.gone]
status = "404"
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "toml", Severity::Error, (6, 10), "\"404\"");
    assert!(d.labels[0].message.contains("HTTP status"), "{r}");
    assert!(r.to_string().contains("--> t.toml:6:10"), "{r}");
}

#[test]
fn toml_missing_required_key() {
    // `[catalog]` without `name`.
    let r = err("[catalog]\nversion = \"1\"\n");
    let d = find(&r, "toml");
    assert_eq!(d.message, "a required key is missing");
    assert!(d.labels[0].message.contains("name"), "{r}");
}

#[test]
fn toml_duplicate_code_in_one_file() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."

[codes.gone]
status = 410
category = "X"
message.en = "Gone again."
"#;
    let r = err(text);
    let d = find(&r, "toml");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.message, "a key is defined twice");
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("each code may be defined once"),
        "{r}"
    );
    let (at, _) = primary_at(&r, d);
    assert_eq!(at.0, 10, "points at the second `[codes.gone]`:\n{r}");
    assert!(r.to_string().contains("--> t.toml:10:"), "{r}");
}

#[test]
fn non_utf8_file_is_an_io_error() {
    let dir = temp_dir("non-utf8");
    let path = dir.join("latin1.toml");
    std::fs::write(
        &path,
        b"[catalog]\nname = \"caf\xe9\"\naction_required = false\n",
    )
    .unwrap();
    let r = Catalog::from_path(&path).unwrap_err();
    let d = find(&r, "io");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("is not UTF-8"), "{r}");
    assert!(d.message.contains("latin1.toml"), "{r}");
}

#[test]
fn nonexistent_path_is_an_io_error() {
    let r = Catalog::from_path("/no/such/errcat/catalog.toml").unwrap_err();
    let d = find(&r, "io");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("cannot read"), "{r}");
    assert!(d.message.contains("/no/such/errcat/catalog.toml"), "{r}");
    // The first diagnostic is the cause, not a consequence of it.
    assert_eq!(r.diagnostics()[0].rule, "io", "{r}");
}

#[test]
fn empty_directory_is_an_io_error() {
    let dir = temp_dir("empty-dir");
    let r = Catalog::from_path(&dir).unwrap_err();
    let d = find(&r, "io");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("holds no `*.toml` file"), "{r}");
    assert_eq!(r.diagnostics()[0].rule, "io", "{r}");
}

#[test]
fn io_failure_reports_nothing_but_the_io_error() {
    // `build` suppresses follow-on errors after a `toml` failure, but not after an `io` one, so
    // a missing path, an empty directory or a non-UTF-8 file also says "no `[catalog]` table was
    // found".
    let missing = Catalog::from_path("/no/such/errcat/catalog.toml").unwrap_err();
    assert_eq!(rules(&missing), ["io"], "{missing}");
    let empty = Catalog::from_path(temp_dir("empty-dir-2")).unwrap_err();
    assert_eq!(rules(&empty), ["io"], "{empty}");
}

// ---- duplicate-code ---------------------------------------------------------------------------

#[test]
fn duplicate_code_across_files() {
    let catalog = r#"[catalog]
name = "t"
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let more = r#"# more codes
[codes.other]
status = 409
category = "X"
message.en = "Other."

[codes.gone]
status = 410
category = "Y"
message.en = "Gone, again."
"#;
    let r =
        Catalog::from_toml_files(&[("catalog.toml", catalog), ("more.toml", more)]).unwrap_err();
    let d = assert_rule(&r, "duplicate-code", Severity::Error, (7, 8), "gone");
    let primary = d.labels.iter().find(|l| l.primary).unwrap();
    assert_eq!(file_of(&r, primary), "more.toml");
    let secondary = d
        .labels
        .iter()
        .find(|l| !l.primary)
        .expect("a secondary label at the first definition");
    assert_eq!(file_of(&r, secondary), "catalog.toml");
    assert_eq!(r.sources().line_col(&secondary.span), (5, 8));
    assert_eq!(secondary.message, "first defined here");
    let text = r.to_string();
    assert!(text.contains("--> more.toml:7:8"), "{text}");
    assert!(text.contains("catalog.toml:5:8"), "{text}");
}

// ---- case-style -------------------------------------------------------------------------------

#[test]
fn case_style_snake() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.PaymentRequired]
status = 402
category = "X"
message.en = "Pay."
"#;
    let r = err(text);
    let d = assert_rule(&r, "case-style", Severity::Error, (5, 8), "PaymentRequired");
    assert!(d.message.contains("snake_case"), "{r}");
    assert_eq!(rules(&r)[0], "case-style");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

#[test]
fn case_style_upper_snake() {
    let text = r#"[catalog]
name = "t"
case = "UPPER_SNAKE"
action_required = false

[codes.RATE_LIMITED]
status = 429
category = "X"
message.en = "Slow down."

[codes.payment_required]
status = 402
category = "X"
message.en = "Pay."
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "case-style",
        Severity::Error,
        (11, 8),
        "payment_required",
    );
    assert!(d.message.contains("UPPER_SNAKE"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

#[test]
fn case_style_non_ascii() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes."café_closed"]
status = 409
category = "X"
message.en = "Closed."
"#;
    let r = err(text);
    let d = find(&r, "case-style");
    assert_eq!(d.severity, Severity::Error);
    let (at, covered) = primary_at(&r, d);
    assert_eq!(at.0, 5, "{r}");
    assert!(covered.contains("café_closed"), "{covered:?}");
}

// ---- code-too-long ----------------------------------------------------------------------------

#[test]
fn code_too_long() {
    let long = format!("a{}", "_b".repeat(32)); // 65 characters
    assert_eq!(long.len(), 65);
    let ok = "x".repeat(63);
    let text = format!(
        r#"[catalog]
name = "t"
action_required = false

[codes.{ok}]
status = 409
category = "X"
message.en = "Fine."

[codes.{long}]
status = 409
category = "X"
message.en = "Too long."
"#
    );
    let r = err(&text);
    let d = assert_rule(&r, "code-too-long", Severity::Error, (10, 8), &long);
    assert!(d.message.contains("65 characters"), "{r}");
    // Exactly 63 is fine.
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

// ---- invalid-status ---------------------------------------------------------------------------

#[test]
fn invalid_status_not_an_error_status() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.moved]
status = 301
category = "X"
message.en = "Moved."
"#;
    let r = err(text);
    let d = assert_rule(&r, "invalid-status", Severity::Error, (6, 10), "301");
    assert!(d.message.contains("301"), "{r}");
}

#[test]
fn invalid_status_in_a_list() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.flaky]
status = [500, 200]
category = "X"
message.en = "Flaky."
"#;
    let r = err(text);
    let d = assert_rule(&r, "invalid-status", Severity::Error, (6, 10), "[500, 200]");
    assert!(d.message.contains("200"), "{r}");
}

#[test]
fn invalid_status_repeated_is_a_warning() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.flaky]
status = [500, 503, 500]
category = "X"
message.en = "Flaky."
"#;
    let c = Catalog::from_toml_str("t.toml", text).unwrap();
    let r = c.report();
    assert_rule(
        r,
        "invalid-status",
        Severity::Warning,
        (6, 10),
        "[500, 503, 500]",
    );
    assert_eq!(c.get("flaky").unwrap().statuses, [500, 503]);
}

// ---- role-status ------------------------------------------------------------------------------

#[test]
fn role_status_wrong_class() {
    let text = r#"[catalog]
name = "t"
action_required = false

[roles]
not_found = "gone"

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "role-status", Severity::Error, (9, 10), "410");
    assert!(d.message.contains("not_found"), "{r}");
    assert!(d.message.contains("410"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

#[test]
fn role_status_no_status() {
    let text = r#"[catalog]
name = "t"
action_required = false

[roles]
internal = "job_failed"

[codes.job_failed]
appears_in = "jobs.error_code"
category = "X"
message.en = "The job failed."
"#;
    let r = err(text);
    let d = assert_rule(&r, "role-status", Severity::Error, (8, 8), "job_failed");
    assert!(d.message.contains("has no status"), "{r}");
}

#[test]
fn role_status_unmapped_role_with_same_named_code() {
    // `not_found` is not in [roles], so errcat would use the catalog's own `not_found`; but that
    // one is 410, which cannot fill the role.
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.not_found]
status = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "role-status", Severity::Error, (5, 8), "not_found");
    assert!(d.message.contains("cannot fill it"), "{r}");
}

// ---- missing-action ---------------------------------------------------------------------------

#[test]
fn missing_action() {
    let text = r#"[catalog]
name = "t"

[codes.with_action]
status = 409
category = "X"
action = "retry"
message.en = "Fine."

[codes.no_action]
status = 409
category = "X"
message.en = "No action."
"#;
    let r = err(text);
    let d = assert_rule(&r, "missing-action", Severity::Error, (10, 8), "no_action");
    assert!(d.message.contains("no_action"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

#[test]
fn missing_action_is_fine_when_not_required_or_retired() {
    let text = r#"[catalog]
name = "t"

[codes.with_action]
status = 409
category = "X"
action = "retry"
message.en = "Fine."

[codes.old_code]
status = 409
category = "X"
retired = true
message.en = "Retired."
"#;
    let c = Catalog::from_toml_str("t.toml", text).unwrap();
    assert!(!c.report().has_rule("missing-action"));
}

// ---- undeclared-placeholder -------------------------------------------------------------------

#[test]
fn undeclared_placeholder() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.insufficient_balance]
status = 402
category = "Billing"
message.en = "Balance {balance} is below {cost}."
context.balance = "number"
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "undeclared-placeholder",
        Severity::Error,
        (8, 42),
        "{cost}",
    );
    assert!(d.message.contains("{cost}"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

#[test]
fn retry_after_needs_no_declaration() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.slow_down]
status = 429
category = "X"
message.en = "Try again in {retry_after} seconds."
"#;
    let c = Catalog::from_toml_str("t.toml", text).unwrap();
    assert!(!c.report().has_rule("undeclared-placeholder"));
}

// ---- placeholder-parity -----------------------------------------------------------------------

#[test]
fn placeholder_parity() {
    let text = r#"[catalog]
name = "t"
locales = ["en", "es"]
action_required = false

[codes.insufficient_balance]
status = 402
category = "Billing"
message.en = "Balance {balance} is below the cost."
message.es = "El saldo es insuficiente."
context.balance = "number"
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "placeholder-parity",
        Severity::Error,
        (10, 14),
        "\"El saldo es insuficiente.\"",
    );
    let primary = d.labels.iter().find(|l| l.primary).unwrap();
    assert_eq!(primary.message, "lacks {balance}");
    let secondary = d.labels.iter().find(|l| !l.primary).unwrap();
    assert_eq!(r.sources().line_col(&secondary.span), (9, 14));
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

// ---- missing-message --------------------------------------------------------------------------

#[test]
fn missing_message_non_default_locale_is_a_warning() {
    let text = r#"[catalog]
name = "t"
locales = ["en", "es"]
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let c = Catalog::from_toml_str("t.toml", text).expect("a warning does not stop loading");
    let r = c.report();
    let d = assert_rule(r, "missing-message", Severity::Warning, (6, 8), "gone");
    assert!(d.message.contains("`es`"), "{r}");
    assert_eq!(r.count(Severity::Error), 0);
    assert_eq!(r.count(Severity::Warning), 1, "{r}");
}

#[test]
fn missing_message_default_locale_is_an_error() {
    let text = r#"[catalog]
name = "t"
locales = ["en", "es"]
default_locale = "en"
action_required = false

[codes.gone]
status = 410
category = "X"
message.es = "Ya no existe."
"#;
    let r = err(text);
    let d = assert_rule(&r, "missing-message", Severity::Error, (7, 8), "gone");
    assert!(d.message.contains("default locale `en`"), "{r}");
}

// ---- dangling-reference -----------------------------------------------------------------------

#[test]
fn dangling_variant_of() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.forbidden]
status = 403
category = "X"
message.en = "Forbidden."

[codes.permission_denied]
status = 403
category = "X"
message.en = "Denied."
variant_of = "forbiden"
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "dangling-reference",
        Severity::Error,
        (14, 14),
        "\"forbiden\"",
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `forbidden`?"));
}

#[test]
fn dangling_replaced_by_self() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.old_code]
status = 409
category = "X"
message.en = "Old."
deprecated = true
replaced_by = "old_code"
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "dangling-reference",
        Severity::Error,
        (10, 15),
        "\"old_code\"",
    );
    assert!(d.message.contains("names itself"), "{r}");
}

// ---- anchor-collision -------------------------------------------------------------------------

#[test]
fn anchor_collision() {
    // With either case style, two codes that pass the case check map to different anchors
    // (`_` → `-` and lower-casing are injective on such codes, and built-in codes are converted
    // to the catalog's case), so a collision always comes with a case-style error on one of them.
    // (The second code in file order also sorts second, so the primary label is the same whether
    // or not codes keep file order.)
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.rate-limited]
status = 429
category = "X"
message.en = "Slow down."

[codes.rate_limited]
status = 429
category = "X"
message.en = "Slow down, again."
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "anchor-collision",
        Severity::Error,
        (10, 8),
        "rate_limited",
    );
    assert!(d.message.contains("#rate-limited"), "{r}");
    let secondary = d.labels.iter().find(|l| !l.primary).unwrap();
    assert_eq!(r.sources().line_col(&secondary.span), (5, 8));
    assert_eq!(secondary.message, "collides with this one");
    assert_rule(&r, "case-style", Severity::Error, (5, 8), "rate-limited");
    assert_eq!(r.count(Severity::Error), 2, "{r}");
}

#[test]
fn anchor_collision_upper_snake() {
    let text = r#"[catalog]
name = "t"
case = "UPPER_SNAKE"
action_required = false

[codes.RATE_LIMITED]
status = 429
category = "X"
message.en = "Slow down."

[codes.Rate_Limited]
status = 429
category = "X"
message.en = "Slow down, again."
"#;
    let r = err(text);
    assert_rule(
        &r,
        "anchor-collision",
        Severity::Error,
        (11, 8),
        "Rate_Limited",
    );
    assert_rule(&r, "case-style", Severity::Error, (11, 8), "Rate_Limited");
}

// ---- unknown-role-code ------------------------------------------------------------------------

#[test]
fn unknown_role_code() {
    let text = r#"[catalog]
name = "t"
action_required = false

[roles]
rate_limited = "too_many"

[codes.rate_limit_exceeded]
status = 429
category = "X"
message.en = "Slow down."
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "unknown-role-code",
        Severity::Error,
        (6, 16),
        "\"too_many\"",
    );
    assert!(d.message.contains("rate_limited"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

// ---- unknown-locale ---------------------------------------------------------------------------

#[test]
fn unknown_locale() {
    let text = r#"[catalog]
name = "t"
locales = ["en", "es"]
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
message.es = "Ya no existe."
message.fr = "Disparu."
"#;
    let r = err(text);
    let d = assert_rule(&r, "unknown-locale", Severity::Error, (11, 9), "fr");
    assert!(d.message.contains("`fr`"), "{r}");
    assert_eq!(r.count(Severity::Error), 1, "{r}");
}

// ---- rules outside RULES: custom-template, invalid-placeholder --------------------------------

#[test]
fn custom_template_invalid_json() {
    let text = r#"[catalog]
name = "t"
style = "custom"
action_required = false

[catalog.custom]
template = '{"code": "{{code}}", "message": }'

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "custom-template", Severity::Error, (7, 45), "}");
    assert!(d.labels[0].message.contains("not valid JSON"), "{r}");
}

#[test]
fn custom_template_unknown_placeholder() {
    let text = r#"[catalog]
name = "t"
style = "custom"
action_required = false

[catalog.custom]
template = '{"code": "{{code}}", "x": "{{nope}}"}'

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    let d = assert_rule(&r, "custom-template", Severity::Error, (7, 42), "nope");
    assert!(
        d.labels[0]
            .message
            .contains("unknown placeholder `{{nope}}`"),
        "{r}"
    );
}

#[test]
fn custom_style_without_template() {
    let text = r#"[catalog]
name = "t"
style = "custom"
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."
"#;
    let r = err(text);
    assert_rule(&r, "custom-template", Severity::Error, (3, 9), "\"custom\"");
}

#[test]
fn invalid_placeholder_name() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.oops]
status = 409
category = "X"
message.en = "oops {Bad Name}"
"#;
    let r = err(text);
    let d = assert_rule(
        &r,
        "invalid-placeholder",
        Severity::Error,
        (8, 20),
        "{Bad Name}",
    );
    assert!(d.labels[0].message.contains("is not a placeholder"), "{r}");
}

#[test]
fn invalid_placeholder_unclosed() {
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.oops]
status = 409
category = "X"
message.en = "unclosed {x"
context.x = "string"
"#;
    let r = err(text);
    let d = assert_rule(&r, "invalid-placeholder", Severity::Error, (8, 24), "{x");
    assert!(d.labels[0].message.contains("unclosed"), "{r}");
}

// ---- order ----------------------------------------------------------------------------------

#[test]
fn codes_keep_file_order() {
    // docs/catalog-format.md: codes keep the order they are written in, and categories are
    // listed in the order they first appear.
    let text = r#"[catalog]
name = "t"
action_required = false

[codes.zeta]
status = 409
category = "Zed"
message.en = "Z."

[codes.alpha]
status = 409
category = "Alpha"
message.en = "A."

[codes.mid]
status = 409
category = "Zed"
message.en = "M."
"#;
    let c = Catalog::from_toml_str("t.toml", text).unwrap();
    let codes: Vec<&str> = c
        .entries()
        .iter()
        .filter(|e| e.origin == errcat_catalog::Origin::Catalog)
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(codes, ["zeta", "alpha", "mid"]);
    assert_eq!(&c.categories()[..2], ["Zed", "Alpha"]);
}

// ---- rendering --------------------------------------------------------------------------------

#[test]
fn display_renders_rustc_style() {
    let text = r#"[catalog]
name = "t"

[codes.no_action]
status = 409
category = "X"
message.en = "No action."
"#;
    let r = err(text);
    let s = r.to_string();
    assert!(
        s.starts_with("error[missing-action]: `no_action` has no action"),
        "{s}"
    );
    assert!(s.contains("--> t.toml:4:8"), "{s}");
    assert!(s.contains("^^^^^^^^^"), "{s}");
    assert!(
        s.contains("= help: the action is the programmatic next step"),
        "{s}"
    );
    assert!(!s.contains('\x1b'), "Display is plain text: {s:?}");
    assert!(r.render(&[Severity::Error], true).contains('\x1b'));
}

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("errcat-lint-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn reserved_context_key() {
    let r = err(r#"[catalog]
name = "t"
action_required = false

[codes.gone]
status = 410
category = "c"
message.en = "Gone."
context.status = "string"
"#);
    assert_rule(&r, "reserved-context-key", Severity::Error, (5, 8), "gone");
}

#[test]
fn unknown_category_is_a_warning() {
    let c = Catalog::from_toml_str(
        "t.toml",
        r#"[catalog]
name = "t"
action_required = false

[categories]
"Billing" = "Money."
"Bilingual" = "A typo."

[codes.gone]
status = 410
category = "Billing"
message.en = "Gone."
"#,
    )
    .unwrap();
    let d = assert_rule(
        c.report(),
        "unknown-category",
        Severity::Warning,
        (7, 1),
        "\"Bilingual\"",
    );
    assert!(d.message.contains("Bilingual"), "{}", d.message);
}
