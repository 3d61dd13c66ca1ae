//! The mutation test of `errcat diff`: each rule's kind of change, applied to a base catalog as a
//! text edit, must be reported under exactly that rule id, with that rule's severity, for the
//! right code, and with nothing else.

use std::collections::BTreeSet;

use errcat_catalog::Catalog;
use errcat_catalog::diff::{Change, Changes, RULES, Severity, diff};

const BASE: &str = r#"
[catalog]
name = "base"
docs_url = "https://example.com/errors/{anchor}"
locales = ["en", "es"]

[roles]
rate_limited = "rate_limit_exceeded"

[codes.insufficient_balance]
status = 402
category = "Billing"
action = "top_up_balance"
message.en = "Balance {balance} is below the cost {cost}."
message.es = "El saldo {balance} es menor que el costo {cost}."
context.balance = "number"
context.cost = "number"
context.currency = "string"

[codes.fax_not_found]
status = 404
category = "Faxes"
action = "check_fax_id"
message.en = "No fax has this id."
message.es = "Ningún fax tiene este id."

[codes.upstream_unavailable]
status = [503, 502]
category = "Upstream"
action = "retry_later"
message.en = "A carrier is down."
message.es = "Un operador no está disponible."

[codes.rate_limit_exceeded]
status = 429
category = "Limits"
action = "slow_down"
message.en = "Too many requests; retry in {retry_after} seconds."
message.es = "Demasiadas solicitudes; reintente en {retry_after} segundos."

[codes.legacy_token]
status = 401
category = "Auth"
action = "reauthenticate"
retired = true
message.en = "Legacy tokens are no longer accepted."
message.es = "Los tokens antiguos ya no se aceptan."
"#;

const MINTFAX: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../catalogs/mintfax.toml"
));

fn load(name: &str, text: &str) -> Catalog {
    Catalog::from_toml_str(name, text).unwrap_or_else(|r| panic!("{name} does not load:\n{r}"))
}

/// Replaces exactly one occurrence of `from`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` must occur exactly once in the base"
    );
    text.replacen(from, to, 1)
}

/// Inserts `line` right after the header `[codes.<code>]`.
fn insert_in(text: &str, code: &str, line: &str) -> String {
    let header = format!("[codes.{code}]\n");
    replace_once(text, &header, &format!("{header}{line}\n"))
}

/// Removes the whole `[codes.<code>]` table.
fn remove_code(text: &str, code: &str) -> String {
    let header = format!("[codes.{code}]\n");
    let start = text.find(&header).expect("code in base");
    let end = text[start + header.len()..]
        .find("\n[")
        .map_or(text.len(), |i| start + header.len() + i + 1);
    format!("{}{}", &text[..start], &text[end..])
}

fn add_code(text: &str, code: &str, status: &str) -> String {
    format!(
        "{text}\n[codes.{code}]\nstatus = {status}\ncategory = \"New\"\naction = \"do_something\"\n\
         message.en = \"New.\"\nmessage.es = \"Nuevo.\"\n"
    )
}

fn severity(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|(id, ..)| *id == rule)
        .map(|(_, s, _)| *s)
        .unwrap_or_else(|| panic!("`{rule}` is not in RULES"))
}

fn show(changes: &Changes) -> String {
    changes
        .iter()
        .map(|c| format!("  {}[{}] {}: {}\n", c.severity, c.rule, c.code, c.message))
        .collect()
}

struct Mutation {
    name: &'static str,
    apply: fn(&str) -> String,
    /// Rule id and code, exactly once each, and nothing else.
    expect: &'static [(&'static str, &'static str)],
}

fn mutations() -> Vec<Mutation> {
    vec![
        Mutation {
            name: "remove a code",
            apply: |t| remove_code(t, "fax_not_found"),
            expect: &[("code-removed", "fax_not_found")],
        },
        Mutation {
            name: "revive a retired code with another status",
            apply: |t| {
                let t = replace_once(t, "retired = true\n", "");
                replace_once(&t, "status = 401", "status = 403")
            },
            expect: &[("retired-code-revived", "legacy_token")],
        },
        Mutation {
            name: "revive a retired code with another message",
            apply: |t| {
                let t = replace_once(t, "retired = true\n", "");
                replace_once(
                    &t,
                    "Legacy tokens are no longer accepted.",
                    "Your token is legacy.",
                )
            },
            expect: &[("retired-code-revived", "legacy_token")],
        },
        Mutation {
            name: "revive a retired code unchanged",
            apply: |t| replace_once(t, "retired = true\n", ""),
            expect: &[("code-revived", "legacy_token")],
        },
        Mutation {
            name: "change the default status",
            apply: |t| replace_once(t, "status = 402", "status = 400"),
            expect: &[("status-changed", "insufficient_balance")],
        },
        Mutation {
            name: "remove a status from a list",
            apply: |t| replace_once(t, "status = [503, 502]", "status = 503"),
            expect: &[("status-changed", "upstream_unavailable")],
        },
        Mutation {
            name: "add a status to a list",
            apply: |t| replace_once(t, "status = [503, 502]", "status = [503, 502, 504]"),
            expect: &[("status-added", "upstream_unavailable")],
        },
        Mutation {
            name: "change an action",
            apply: |t| replace_once(t, "\"top_up_balance\"", "\"add_credits\""),
            expect: &[("action-changed", "insufficient_balance")],
        },
        Mutation {
            name: "change the retry advice",
            apply: |t| insert_in(t, "insufficient_balance", "retry = \"backoff\""),
            expect: &[("retry-changed", "insufficient_balance")],
        },
        Mutation {
            name: "change the docs permalink template",
            apply: |t| replace_once(t, "errors/{anchor}", "reference/errors#{code}"),
            expect: &[("docs-url-changed", "")],
        },
        Mutation {
            name: "remove the docs permalink template",
            apply: |t| {
                replace_once(
                    t,
                    "docs_url = \"https://example.com/errors/{anchor}\"\n",
                    "",
                )
            },
            expect: &[("docs-url-changed", "")],
        },
        Mutation {
            name: "remove a context key",
            apply: |t| replace_once(t, "context.currency = \"string\"\n", ""),
            expect: &[("context-key-removed", "insufficient_balance")],
        },
        Mutation {
            name: "change a context key's type",
            apply: |t| {
                replace_once(
                    t,
                    "context.currency = \"string\"",
                    "context.currency = \"integer\"",
                )
            },
            expect: &[("context-key-removed", "insufficient_balance")],
        },
        Mutation {
            name: "map a role to another code",
            apply: |t| replace_once(t, "rate_limited = \"rate_limit_exceeded\"\n", ""),
            expect: &[("role-code-changed", "rate_limit_exceeded")],
        },
        Mutation {
            name: "add a code under an existing status",
            apply: |t| add_code(t, "fax_purged", "404"),
            expect: &[("code-added", "fax_purged")],
        },
        Mutation {
            name: "remove a retired tombstone",
            apply: |t| remove_code(t, "legacy_token"),
            expect: &[("tombstone-removed", "legacy_token")],
        },
        Mutation {
            name: "add a code under a new status",
            apply: |t| add_code(t, "teapot", "418"),
            expect: &[("code-added-new-status", "teapot")],
        },
        Mutation {
            name: "add a context key",
            apply: |t| insert_in(t, "fax_not_found", "context.fax_id = \"string\""),
            expect: &[("context-key-added", "fax_not_found")],
        },
        Mutation {
            name: "change a translation",
            apply: |t| {
                replace_once(
                    t,
                    "Ningún fax tiene este id.",
                    "No existe un fax con este id.",
                )
            },
            expect: &[("message-changed", "fax_not_found")],
        },
        Mutation {
            name: "change the default message",
            apply: |t| replace_once(t, "No fax has this id.", "There is no fax with this id."),
            expect: &[("message-changed", "fax_not_found")],
        },
        Mutation {
            name: "deprecate a code",
            apply: |t| insert_in(t, "fax_not_found", "deprecated = true"),
            expect: &[("code-deprecated", "fax_not_found")],
        },
        Mutation {
            name: "retire a code, keeping a tombstone",
            apply: |t| insert_in(t, "fax_not_found", "retired = true"),
            expect: &[("code-retired", "fax_not_found")],
        },
    ]
}

fn check(m: &Mutation) -> Changes {
    let old = load("old.toml", BASE);
    let new = load(&format!("new.toml ({})", m.name), &(m.apply)(BASE));
    let changes = diff(&old, &new);
    let got: Vec<(&str, &str)> = changes.iter().map(|c| (c.rule, c.code.as_str())).collect();
    assert_eq!(
        got,
        m.expect,
        "mutation `{}` reported:\n{}",
        m.name,
        show(&changes)
    );
    for c in &changes {
        assert_eq!(
            c.severity,
            severity(c.rule),
            "`{}` has the wrong severity",
            c.rule
        );
        assert!(!c.message.is_empty(), "`{}` has no message", c.rule);
    }
    let worst = m.expect.iter().map(|(r, _)| severity(r)).max();
    assert_eq!(changes.worst(), worst, "mutation `{}`", m.name);
    if worst == Some(Severity::Info) {
        assert_eq!(
            changes.count(Severity::Error),
            0,
            "a pure-info mutation `{}` reported an error",
            m.name
        );
    }
    changes
}

#[test]
fn each_mutation_reports_exactly_its_rule() {
    for m in mutations() {
        check(&m);
    }
}

#[test]
fn every_rule_is_exercised_by_a_mutation() {
    let exercised: BTreeSet<&str> = mutations()
        .iter()
        .flat_map(|m| m.expect.iter().map(|(r, _)| *r))
        .collect();
    let all: BTreeSet<&str> = RULES.iter().map(|(id, ..)| *id).collect();
    let missing: Vec<_> = all.difference(&exercised).collect();
    assert!(
        missing.is_empty(),
        "rules no mutation exercises: {missing:?}"
    );
    let unknown: Vec<_> = exercised.difference(&all).collect();
    assert!(
        unknown.is_empty(),
        "mutations expect unknown rules: {unknown:?}"
    );
    let ids: Vec<&str> = RULES.iter().map(|(id, ..)| *id).collect();
    assert_eq!(ids.len(), all.len(), "rule ids are unique");
}

#[test]
fn rule_severities_are_as_documented() {
    for (rule, sev) in [
        ("code-removed", Severity::Error),
        ("retired-code-revived", Severity::Error),
        ("status-changed", Severity::Error),
        ("action-changed", Severity::Error),
        ("retry-changed", Severity::Error),
        ("docs-url-changed", Severity::Error),
        ("context-key-removed", Severity::Error),
        ("code-added", Severity::Warning),
        ("code-added-new-status", Severity::Info),
        ("context-key-added", Severity::Info),
        ("message-changed", Severity::Info),
        ("code-retired", Severity::Info),
    ] {
        assert_eq!(severity(rule), sev, "{rule}");
    }
}

#[test]
fn identical_catalogs_have_no_changes() {
    assert!(diff(&load("a.toml", BASE), &load("b.toml", BASE)).is_empty());
    let changes = diff(&load("a.toml", MINTFAX), &load("b.toml", MINTFAX));
    assert!(changes.is_empty(), "{}", show(&changes));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mxcep");
    let (a, b) = (
        Catalog::from_path(dir).unwrap(),
        Catalog::from_path(dir).unwrap(),
    );
    assert!(diff(&a, &b).is_empty());
}

#[test]
fn a_tombstone_is_not_a_removal() {
    let changes = check(&Mutation {
        name: "tombstone",
        apply: |t| {
            let t = insert_in(
                t,
                "fax_not_found",
                "retired = true\nreplaced_by = \"fax_purged\"",
            );
            add_code(&t, "fax_purged", "404")
        },
        expect: &[
            ("code-retired", "fax_not_found"),
            ("code-added", "fax_purged"),
        ],
    });
    assert!(
        changes.changes[0].message.contains("fax_purged"),
        "{}",
        show(&changes)
    );
    assert!(!changes.iter().any(|c| c.rule == "code-removed"));
}

#[test]
fn messages_and_values_are_precise() {
    let old = load("old.toml", MINTFAX);
    let mutated = replace_once(
        MINTFAX,
        "[codes.insufficient_balance]\nstatus = 402",
        "[codes.insufficient_balance]\nstatus = 400",
    );
    let changes = diff(&old, &load("new.toml", &mutated));
    assert_eq!(
        changes.changes,
        [Change {
            rule: "status-changed",
            severity: Severity::Error,
            code: "insufficient_balance".into(),
            message: "status 402 → 400".into(),
            before: Some("402".into()),
            after: Some("400".into()),
        }]
    );

    let old = load("old.toml", BASE);
    let new = load(
        "new.toml",
        &replace_once(BASE, "status = [503, 502]", "status = 503"),
    );
    let c = &diff(&old, &new).changes[0];
    assert_eq!(c.message, "status [503, 502] → 503");
    assert_eq!(
        (c.before.as_deref(), c.after.as_deref()),
        (Some("[503, 502]"), Some("503"))
    );
}

#[test]
fn builtin_role_codes_are_not_the_contract() {
    // BASE leaves `not_found` to errcat's built-in code; a catalog that defines its own
    // `not_found` adds a code (under 404, which clients already see), nothing more.
    let new = add_code(BASE, "not_found", "404");
    let changes = diff(&load("old.toml", BASE), &load("new.toml", &new));
    let got: Vec<(&str, &str)> = changes.iter().map(|c| (c.rule, c.code.as_str())).collect();
    assert_eq!(got, [("code-added", "not_found")], "{}", show(&changes));
    // And the other way round: dropping it is a removal of the catalog's own code.
    let changes = diff(&load("old.toml", &new), &load("new.toml", BASE));
    let got: Vec<(&str, &str)> = changes.iter().map(|c| (c.rule, c.code.as_str())).collect();
    assert_eq!(got, [("code-removed", "not_found")], "{}", show(&changes));
}

#[test]
fn order_is_by_code_then_rule() {
    let mut t = replace_once(BASE, "status = 402", "status = 400");
    t = replace_once(&t, "\"top_up_balance\"", "\"add_credits\"");
    t = insert_in(&t, "fax_not_found", "context.fax_id = \"string\"");
    t = remove_code(&t, "upstream_unavailable");
    t = add_code(&t, "another_new_code", "418");
    t = replace_once(&t, "errors/{anchor}", "errors#{anchor}");
    let changes = diff(&load("old.toml", BASE), &load("new.toml", &t));
    let got: Vec<(&str, &str)> = changes.iter().map(|c| (c.code.as_str(), c.rule)).collect();
    assert_eq!(
        got,
        [
            ("", "docs-url-changed"),
            ("another_new_code", "code-added-new-status"),
            ("fax_not_found", "context-key-added"),
            ("insufficient_balance", "status-changed"),
            ("insufficient_balance", "action-changed"),
            ("upstream_unavailable", "code-removed"),
        ]
    );
    assert_eq!(changes.worst(), Some(Severity::Error));
    // Deterministic: the same inputs give the same output.
    assert_eq!(
        changes,
        diff(&load("old.toml", BASE), &load("new.toml", &t))
    );
}

#[test]
fn json_shape() {
    let new = load("new.toml", &add_code(BASE, "teapot", "418"));
    let json = serde_json::to_value(diff(&load("old.toml", BASE), &new)).unwrap();
    assert_eq!(json["changes"][0]["rule"], "code-added-new-status");
    assert_eq!(json["changes"][0]["severity"], "info");
    assert_eq!(json["changes"][0]["code"], "teapot");
    assert_eq!(json["changes"][0]["before"], serde_json::Value::Null);
    assert_eq!(json["changes"][0]["after"], "418");
}
