//! `errcat monitoring CATALOG --out DIR`: a Grafana dashboard and Prometheus alerting rules
//! for a service that exports errcat's metrics (feature `metrics`), both from the catalog.
//!
//! - `errcat-dashboard.json`: error rate by category (each category's codes summed) and by
//!   code, 4xx against 5xx, rate-limit decisions, idempotency outcomes, authentication
//!   failures and store errors, on a `datasource` variable;
//! - `errcat-alerts.yml`: one group with the 5xx ratio (`--max-5xx-ratio`, of all requests),
//!   and a rule for each code whose catalog entry has an `alert` setting.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use errcat_catalog::{Catalog, Entry};
use serde_json::{Value, json};

/// The dashboard's file name in `--out`.
pub(crate) const DASHBOARD: &str = "errcat-dashboard.json";
/// The rules' file name in `--out`.
pub(crate) const ALERTS: &str = "errcat-alerts.yml";

/// Arguments of `errcat monitoring`.
#[derive(clap::Args)]
pub(crate) struct MonitoringArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// The directory to write `errcat-dashboard.json` and `errcat-alerts.yml` into (made if
    /// missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The share of requests answered with a 5xx above which the 5xx alert fires.
    #[arg(long, default_value_t = 0.05, value_parser = parse_ratio)]
    pub max_5xx_ratio: f64,
}

fn parse_ratio(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if r > 0.0 && r < 1.0 => Ok(r),
        _ => Err(format!("`{s}` is not a ratio between 0 and 1 (say 0.05)")),
    }
}

pub(crate) fn run(args: &MonitoringArgs, color: bool) -> ExitCode {
    let Some(catalog) = crate::common::load_catalog(&args.catalog, color) else {
        return ExitCode::FAILURE;
    };
    let dashboard = match serde_json::to_string_pretty(&dashboard(&catalog)) {
        Ok(t) => t + "\n",
        Err(e) => {
            eprintln!("error: cannot serialize the dashboard: {e}");
            return ExitCode::FAILURE;
        }
    };
    let rules = alert_rules(&catalog, args.max_5xx_ratio);
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!(
            "error: cannot create {}: {e}; pick another --out",
            args.out.display()
        );
        return ExitCode::FAILURE;
    }
    for (name, text) in [(DASHBOARD, &dashboard), (ALERTS, &rules)] {
        let path = args.out.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    let alerts = catalog
        .entries()
        .iter()
        .filter(|e| e.alert.is_some())
        .count();
    println!(
        "wrote {} and {} (the 5xx ratio and {alerts} code alert{})",
        display(&args.out, DASHBOARD),
        display(&args.out, ALERTS),
        if alerts == 1 { "" } else { "s" }
    );
    ExitCode::SUCCESS
}

fn display(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// A PromQL string literal's contents.
fn promql_str(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A regular expression matching exactly one of `codes` (RE2, as Prometheus reads it).
fn any_of(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|c| {
            c.chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '_' {
                        ch.to_string()
                    } else {
                        format!("\\{ch}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// The codes that reach HTTP responses, by category, in catalog order.
fn categories(catalog: &Catalog) -> Vec<(&str, Vec<&str>)> {
    let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in catalog.entries().iter().filter(|e| !e.statuses.is_empty()) {
        match out.iter_mut().find(|(c, _)| *c == e.category) {
            Some((_, codes)) => codes.push(&e.code),
            None => out.push((&e.category, vec![&e.code])),
        }
    }
    out
}

fn panel(id: u32, title: &str, targets: Vec<(String, String)>, unit: &str) -> Value {
    let (x, y) = ((id - 1) % 2 * 12, (id - 1) / 2 * 8);
    let targets: Vec<Value> = targets
        .into_iter()
        .enumerate()
        .map(|(i, (expr, legend))| {
            json!({
                "refId": ref_id(i),
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": expr,
                "legendFormat": legend,
            })
        })
        .collect();
    json!({
        "id": id,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": true}},
        "targets": targets,
    })
}

/// `A`, `B`, … `Z`, `AA`, `AB`…
fn ref_id(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The Grafana dashboard (JSON model, schema 39).
pub(crate) fn dashboard(catalog: &Catalog) -> Value {
    let name = &catalog.meta.name;
    let by_category = categories(catalog)
        .into_iter()
        .map(|(category, codes)| {
            (
                format!(
                    "sum(rate(errcat_errors_total{{code=~\"{}\"}}[$__rate_interval]))",
                    promql_str(&any_of(&codes))
                ),
                category.to_string(),
            )
        })
        .collect();
    let panels = vec![
        panel(1, "Error responses by category", by_category, "reqps"),
        panel(
            2,
            "Error responses by code",
            vec![(
                "sum by (code, status) (rate(errcat_errors_total[$__rate_interval]))".into(),
                "{{code}} ({{status}})".into(),
            )],
            "reqps",
        ),
        panel(
            3,
            "4xx and 5xx",
            vec![
                (
                    "sum(rate(errcat_errors_total{status=~\"4..\"}[$__rate_interval]))".into(),
                    "4xx".into(),
                ),
                (
                    "sum(rate(errcat_errors_total{status=~\"5..\"}[$__rate_interval]))".into(),
                    "5xx".into(),
                ),
                (
                    "sum(rate(errcat_requests_total[$__rate_interval]))".into(),
                    "all requests".into(),
                ),
            ],
            "reqps",
        ),
        panel(
            4,
            "Rate-limit decisions",
            vec![(
                "sum by (policy, outcome) (rate(errcat_rate_limit_decisions_total[$__rate_interval]))".into(),
                "{{policy}} {{outcome}}".into(),
            )],
            "reqps",
        ),
        panel(
            5,
            "Idempotency outcomes",
            vec![(
                "sum by (outcome) (rate(errcat_idempotency_total[$__rate_interval]))".into(),
                "{{outcome}}".into(),
            )],
            "reqps",
        ),
        panel(
            6,
            "Authentication failures",
            vec![(
                "sum by (reason) (rate(errcat_auth_failures_total[$__rate_interval]))".into(),
                "{{reason}}".into(),
            )],
            "reqps",
        ),
        panel(
            7,
            "Store errors",
            vec![(
                "sum by (store) (rate(errcat_store_errors_total[$__rate_interval]))".into(),
                "{{store}}".into(),
            )],
            "reqps",
        ),
    ];
    json!({
        "uid": uid(name),
        "title": format!("errcat: {name}"),
        "description": format!("Error responses of {name}, by the codes of its catalog (generated by errcat monitoring)."),
        "tags": ["errcat"],
        "editable": true,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "templating": {"list": [{
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }]},
        "annotations": {"list": []},
        "panels": panels,
    })
}

/// A dashboard uid: at most 40 characters of `[A-Za-z0-9_-]`.
fn uid(name: &str) -> String {
    let mut uid: String = format!("errcat-{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    uid.truncate(40);
    uid
}

/// A YAML single-quoted scalar.
fn yaml(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("'{}'", flat.replace('\'', "''"))
}

/// Text for an annotation, which Prometheus reads as a Go template: no `{{` may open one.
fn annotation(s: &str) -> String {
    yaml(&s.replace("{{", "{ {").replace("}}", "} }"))
}

/// An alert name (`[A-Za-z_][A-Za-z0-9_]*`) from a code: `card_declined` → `ErrcatCardDeclined`.
fn alert_name(code: &str) -> String {
    let mut out = String::from("Errcat");
    for word in code.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

fn rate_text(rate: f64) -> String {
    let mut s = format!("{rate}");
    if !s.contains(['.', 'e']) {
        s.push_str(".0");
    }
    s
}

/// The Prometheus alerting rules (YAML).
pub(crate) fn alert_rules(catalog: &Catalog, max_5xx_ratio: f64) -> String {
    let name = &catalog.meta.name;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Prometheus alerting rules for the errcat catalog `{}`, generated by `errcat monitoring`.",
        name.replace(['\n', '\r'], " ")
    );
    out.push_str("groups:\n");
    let _ = writeln!(out, "  - name: {}", yaml(&format!("errcat-{name}")));
    out.push_str("    rules:\n");
    let _ = writeln!(out, "      - alert: ErrcatHigh5xxRatio");
    let _ = writeln!(
        out,
        "        expr: {}",
        yaml(&format!(
            "sum(rate(errcat_errors_total{{status=~\"5..\"}}[5m])) / sum(rate(errcat_requests_total[5m])) > {}",
            rate_text(max_5xx_ratio)
        ))
    );
    out.push_str("        for: 5m\n");
    out.push_str("        labels:\n          severity: critical\n");
    out.push_str("        annotations:\n");
    let _ = writeln!(
        out,
        "          summary: {}",
        annotation(&format!(
            "More than {}% of requests to {name} answer with a 5xx",
            max_5xx_ratio * 100.0
        ))
    );
    let _ = writeln!(
        out,
        "          description: {}",
        yaml("{{ $value | humanizePercentage }} of requests answered 5xx over the last 5 minutes.")
    );
    let mut names = std::collections::HashSet::from(["ErrcatHigh5xxRatio".to_string()]);
    for e in catalog.entries() {
        if let Some(rule) = code_rule(e, &mut names) {
            out.push_str(&rule);
        }
    }
    out
}

fn code_rule(e: &Entry, names: &mut std::collections::HashSet<String>) -> Option<String> {
    let alert = e.alert.as_ref()?;
    let mut name = alert_name(&e.code);
    let base = name.clone();
    let mut n = 2;
    while !names.insert(name.clone()) {
        name = format!("{base}{n}");
        n += 1;
    }
    let mut out = String::new();
    let _ = writeln!(out, "      - alert: {name}");
    let _ = writeln!(
        out,
        "        expr: {}",
        yaml(&format!(
            "sum(rate(errcat_errors_total{{code=\"{}\"}}[5m])) > {}",
            promql_str(&e.code),
            rate_text(alert.rate)
        ))
    );
    let _ = writeln!(out, "        for: {}", alert.for_duration);
    out.push_str("        labels:\n");
    let _ = writeln!(out, "          severity: {}", alert.severity.name());
    let _ = writeln!(out, "          code: {}", yaml(&e.code));
    let _ = writeln!(out, "          category: {}", yaml(&e.category));
    out.push_str("        annotations:\n");
    let _ = writeln!(
        out,
        "          summary: {}",
        annotation(&format!(
            "{} ({}) above {}/s",
            e.title,
            e.code,
            rate_text(alert.rate)
        ))
    );
    let _ = writeln!(out, "          description: {}", annotation(&e.summary));
    Some(out)
}
