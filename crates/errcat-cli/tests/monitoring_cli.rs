//! `errcat monitoring`: the dashboard parses as JSON and the rules as YAML, with the queries the
//! catalog implies; `promtool check rules` accepts the rules when it is installed (required
//! under `ERRCAT_REQUIRE_PROMTOOL=1`, which CI sets); bad arguments fail clearly.

use std::io::Write as _;
use std::path::Path;

use errcat_testkit::cli::{Cli, temp_dir};
use serde_json::Value;

fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env("NO_COLOR", "1")
}

/// Two categories; alerts on two codes, one with defaults; text a template or YAML could trip
/// on (quotes, `{{`, a colon).
const CATALOG: &str = r#"
[catalog]
name = "shop"
action_required = false

[codes.card_declined]
status = 402
category = "Payments"
title = "Card declined: 'soft'"
summary = "The bank said no {{ $labels.x }}."
message.en = "The card was declined."
alert = { rate = 0.5, for = "10m", severity = "critical" }

[codes.out_of_stock]
status = 409
category = "Orders"
message.en = "Out of stock."
alert = { rate = 2 }

[codes.order_not_found]
status = 404
category = "Orders"
message.en = "No such order."
"#;

fn generate(dir: &Path) -> (Value, serde_norway::Value) {
    let catalog = dir.join("shop.toml");
    std::fs::write(&catalog, CATALOG).expect("write the catalog");
    let out = dir.join("out");
    let said = cli().ok(&[
        "monitoring",
        catalog.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(said.contains("2 code alerts"), "{said}");
    let dashboard = std::fs::read_to_string(out.join("errcat-dashboard.json")).expect("dashboard");
    let rules = std::fs::read_to_string(out.join("errcat-alerts.yml")).expect("rules");
    (
        serde_json::from_str(&dashboard).expect("the dashboard is JSON"),
        serde_norway::from_str(&rules).expect("the rules are YAML"),
    )
}

fn exprs(panel: &Value) -> Vec<(&str, &str)> {
    panel["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["expr"].as_str().expect("expr"),
                t["legendFormat"].as_str().expect("legend"),
            )
        })
        .collect()
}

#[test]
fn the_dashboard_and_the_rules_parse_and_say_what_the_catalog_implies() {
    let dir = temp_dir("errcat-monitoring", "parse");
    let (dashboard, rules) = generate(&dir);

    assert_eq!(dashboard["title"], "errcat: shop");
    assert_eq!(dashboard["uid"], "errcat-shop");
    assert_eq!(dashboard["templating"]["list"][0]["type"], "datasource");
    let panels = dashboard["panels"].as_array().expect("panels");
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        [
            "Error responses by category",
            "Error responses by code",
            "4xx and 5xx",
            "Rate-limit decisions",
            "Idempotency outcomes",
            "Authentication failures",
            "Store errors"
        ]
    );
    let ids: Vec<u64> = panels
        .iter()
        .map(|p| p["id"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7], "unique panel ids");
    // Each category sums its own codes (the built-in ones have a category of their own).
    let by_category = exprs(&panels[0]);
    let payments = by_category
        .iter()
        .find(|(_, legend)| *legend == "Payments")
        .expect("a Payments series");
    assert_eq!(
        payments.0,
        "sum(rate(errcat_errors_total{code=~\"card_declined\"}[$__rate_interval]))"
    );
    let orders = by_category
        .iter()
        .find(|(_, legend)| *legend == "Orders")
        .expect("an Orders series");
    assert_eq!(
        orders.0,
        "sum(rate(errcat_errors_total{code=~\"out_of_stock|order_not_found\"}[$__rate_interval]))"
    );
    let refs: Vec<&str> = panels[0]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["refId"].as_str().unwrap_or(""))
        .collect();
    let mut unique = refs.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), refs.len(), "unique refIds: {refs:?}");
    assert!(
        exprs(&panels[2])
            .iter()
            .any(|(e, l)| *l == "5xx" && e.contains("status=~\"5..\""))
    );
    assert!(
        exprs(&panels[3])[0]
            .0
            .contains("errcat_rate_limit_decisions_total")
    );
    assert!(exprs(&panels[4])[0].0.contains("errcat_idempotency_total"));

    let group = &rules["groups"][0];
    assert_eq!(group["name"].as_str(), Some("errcat-shop"));
    let rules = group["rules"].as_sequence().expect("rules");
    let names: Vec<&str> = rules
        .iter()
        .map(|r| r["alert"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "ErrcatHigh5xxRatio",
            "ErrcatCardDeclined",
            "ErrcatOutOfStock"
        ]
    );
    assert_eq!(
        rules[0]["expr"].as_str(),
        Some(
            "sum(rate(errcat_errors_total{status=~\"5..\"}[5m])) / sum(rate(errcat_requests_total[5m])) > 0.05"
        )
    );
    assert_eq!(rules[0]["labels"]["severity"].as_str(), Some("critical"));
    let card = &rules[1];
    assert_eq!(
        card["expr"].as_str(),
        Some("sum(rate(errcat_errors_total{code=\"card_declined\"}[5m])) > 0.5")
    );
    assert_eq!(card["for"].as_str(), Some("10m"));
    assert_eq!(card["labels"]["severity"].as_str(), Some("critical"));
    assert_eq!(card["labels"]["code"].as_str(), Some("card_declined"));
    assert_eq!(card["labels"]["category"].as_str(), Some("Payments"));
    let summary = card["annotations"]["summary"].as_str().expect("summary");
    assert!(
        summary.starts_with("Card declined: 'soft' (card_declined)"),
        "{summary}"
    );
    let description = card["annotations"]["description"]
        .as_str()
        .expect("description");
    assert!(
        !description.contains("{{"),
        "no template opens: {description}"
    );
    // Defaults: five minutes, warning.
    let stock = &rules[2];
    assert_eq!(
        stock["expr"].as_str(),
        Some("sum(rate(errcat_errors_total{code=\"out_of_stock\"}[5m])) > 2.0")
    );
    assert_eq!(stock["for"].as_str(), Some("5m"));
    assert_eq!(stock["labels"]["severity"].as_str(), Some("warning"));
}

#[test]
fn promtool_accepts_the_rules() {
    let available = std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("ERRCAT_REQUIRE_PROMTOOL").is_none(),
            "ERRCAT_REQUIRE_PROMTOOL is set but promtool is missing: apt-get install prometheus"
        );
        let _ = writeln!(
            std::io::stderr(),
            "skipped: promtool check rules: promtool is not installed (install prometheus; set ERRCAT_REQUIRE_PROMTOOL=1 to make this a failure)"
        );
        return;
    }
    let dir = temp_dir("errcat-monitoring", "promtool");
    generate(&dir);
    let rules = dir.join("out").join("errcat-alerts.yml");
    let out = std::process::Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&rules)
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool refused the rules: {text}");
    assert!(text.contains("SUCCESS: 3 rules found"), "{text}");
}

#[test]
fn bad_arguments_fail_clearly() {
    let dir = temp_dir("errcat-monitoring", "bad");
    let catalog = dir.join("shop.toml");
    std::fs::write(&catalog, CATALOG).expect("write the catalog");
    let catalog = catalog.to_str().expect("utf-8 path");
    let err = cli().fails(
        &["monitoring", catalog, "--out", "x", "--max-5xx-ratio", "5"],
        2,
    );
    assert!(err.contains("not a ratio between 0 and 1"), "{err}");
    // An output path that is a file.
    let file = dir.join("file");
    std::fs::write(&file, "").expect("write");
    let err = cli().fails(
        &[
            "monitoring",
            catalog,
            "--out",
            file.to_str().expect("utf-8 path"),
        ],
        1,
    );
    assert!(err.contains("cannot create"), "{err}");
    // A catalog with a bad alert does not load.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, CATALOG.replace("rate = 2", "rate = -1")).expect("write");
    let err = cli().fails(
        &[
            "monitoring",
            bad.to_str().expect("utf-8 path"),
            "--out",
            "x",
        ],
        1,
    );
    assert!(err.contains("invalid-alert"), "{err}");
}
