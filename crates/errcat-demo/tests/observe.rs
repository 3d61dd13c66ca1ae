//! Observability over real sockets: a burst of known errors against the demo shows up exactly
//! in `/metrics` (served on a listener of its own), and every error response has its JSON log
//! line with its request id, code, status, method, route, latency and trace id.
//!
//! The recorder and the log subscriber are this test's own (`metrics::with_local_recorder`,
//! `tracing::subscriber::with_default`), on a current-thread runtime that runs the server, the
//! client and the metrics listener: nothing global, so no other test can add to the counts.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use errcat::Role;
use errcat_demo::DemoConfig;
use errcat_demo::observe::{
    LogFormat, PROMETHEUS_TEXT, log_subscriber, metrics_router, prometheus_recorder,
};
use metrics_exporter_prometheus::PrometheusHandle;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// Short, since one request meets it on purpose; no other request comes near it.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Log lines, captured whole (the formatter writes each event in one call).
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

impl Buffer {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap_or_else(|p| p.into_inner()).clone();
        String::from_utf8(bytes)
            .expect("logs are UTF-8")
            .lines()
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}"))
            })
            .collect()
    }
}

/// What one error response should have logged.
struct Expected {
    request_id: String,
    code: String,
    status: u16,
    method: &'static str,
    route: Option<&'static str>,
    trace_id: Option<&'static str>,
}

/// The samples of one metric, `{labels}` → value, from Prometheus's text format.
fn samples(text: &str, name: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(name)?;
            if !(rest.starts_with('{') || rest.starts_with(' ')) {
                return None;
            }
            let (labels, value) = rest.rsplit_once(' ')?;
            Some((labels.trim().to_string(), value.parse().ok()?))
        })
        .collect()
}

#[test]
fn a_burst_of_known_errors_shows_up_exactly_in_metrics_and_in_json_logs() {
    let recorder = prometheus_recorder();
    let handle = recorder.handle();
    let logs = Buffer::default();
    let subscriber = log_subscriber(LogFormat::Json, EnvFilter::new("info"), logs.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let expected = metrics::with_local_recorder(&recorder, || {
        tracing::subscriber::with_default(subscriber, || runtime.block_on(burst(handle)))
    });
    check_logs(&logs.lines(), &expected);
}

async fn burst(handle: PrometheusHandle) -> Vec<Expected> {
    let server = demo(DemoConfig {
        body_limit: 1024,
        timeout: TIMEOUT,
        debug_routes: true,
        store_timeout: PATIENT,
        ..DemoConfig::default()
    })
    .await;
    let metrics = serve(metrics_router(handle)).await;
    let c = client();
    let sandbox = bearer(server.keys.sandbox.expose());
    let mut expected = Vec::new();
    let mut requests = 0;
    let mut expect = |r: &Reply, role: Role, method, route, trace_id| {
        let (code, status) = common::role(role);
        assert_eq!(r.status, status, "{code}: {}", r.text);
        expected.push(Expected {
            request_id: r.header("x-request-id").to_string(),
            code,
            status,
            method,
            route,
            trace_id,
        });
    };

    for _ in 0..3 {
        let r = send(
            c.get(server.url("/nope"))
                .header("traceparent", TRACEPARENT),
        )
        .await;
        expect(&r, Role::NotFound, "GET", None, Some(TRACE_ID));
        requests += 1;
    }
    // Invalid traceparents are ignored, never an error: another version, zeros, uppercase.
    for bad in [
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    ] {
        let r = send(c.put(server.url("/faxes")).header("traceparent", bad)).await;
        expect(&r, Role::MethodNotAllowed, "PUT", Some("/faxes"), None);
        requests += 1;
    }
    for _ in 0..2 {
        let r = send(c.get(server.url("/faxes"))).await;
        expect(&r, Role::MissingCredentials, "GET", Some("/faxes"), None);
        requests += 1;
    }
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, "Bearer mfx_test_typo"),
    )
    .await;
    expect(&r, Role::MalformedCredentials, "GET", Some("/faxes"), None);
    requests += 1;
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .header(CONTENT_TYPE, "application/json")
            .body("{"),
    )
    .await;
    expect(&r, Role::InvalidJson, "POST", Some("/faxes"), None);
    requests += 1;
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .header(CONTENT_TYPE, "application/json")
            .body(vec![b' '; 4096]),
    )
    .await;
    expect(&r, Role::PayloadTooLarge, "POST", Some("/faxes"), None);
    requests += 1;
    let r = send(
        c.get(server.url("/debug/panic"))
            .header("traceparent", TRACEPARENT),
    )
    .await;
    expect(
        &r,
        Role::Internal,
        "GET",
        Some("/debug/panic"),
        Some(TRACE_ID),
    );
    requests += 1;
    // The handler would answer after 60 s: only the timeout answers sooner.
    let r = send(c.get(server.url("/debug/slow?ms=60000"))).await;
    expect(&r, Role::Timeout, "GET", Some("/debug/slow"), None);
    requests += 1;

    // Idempotency: a bad key, then one request executed and replayed.
    let fax = json!({"to": "+15551234567", "file": {"content_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}});
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .header("Idempotency-Key", "not a key!")
            .json(&fax),
    )
    .await;
    expect(
        &r,
        Role::IdempotencyKeyInvalid,
        "POST",
        Some("/faxes"),
        None,
    );
    requests += 1;
    for _ in 0..2 {
        let r = send(
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &sandbox)
                .header("Idempotency-Key", "order-1")
                .json(&fax),
        )
        .await;
        assert!(r.status < 300, "the fax is sent: {} {}", r.status, r.text);
        requests += 1;
    }

    // The free plan (2 a second, 30 an hour): requests until the first 429, which its
    // hourly window makes certain however slow the machine.
    let free = bearer(server.keys.free.expose());
    let mut free_allowed = 0;
    loop {
        let r = send(c.get(server.url("/faxes")).header(AUTHORIZATION, &free)).await;
        requests += 1;
        if r.status == 429 {
            expect(&r, Role::RateLimited, "GET", Some("/faxes"), None);
            break;
        }
        assert_eq!(r.status, 200, "{}", r.text);
        free_allowed += 1;
        assert!(free_allowed <= 30, "the free plan never limited");
    }

    let scrape = send(c.get(metrics.url("/metrics"))).await;
    assert_eq!(scrape.status, 200);
    assert_eq!(scrape.header("content-type"), PROMETHEUS_TEXT);
    let text = scrape.text;

    let mut want: BTreeMap<String, f64> = BTreeMap::new();
    for e in &expected {
        *want
            .entry(format!("{{code=\"{}\",status=\"{}\"}}", e.code, e.status))
            .or_default() += 1.0;
    }
    assert_eq!(samples(&text, "errcat_errors_total"), want, "{text}");
    assert_eq!(
        samples(&text, "errcat_requests_total"),
        BTreeMap::from([(String::new(), f64::from(requests))]),
        "{text}"
    );
    assert_eq!(
        samples(&text, "errcat_auth_failures_total"),
        BTreeMap::from([
            ("{reason=\"malformed\"}".to_string(), 1.0),
            ("{reason=\"missing\"}".to_string(), 2.0),
        ]),
        "{text}"
    );
    assert_eq!(
        samples(&text, "errcat_idempotency_total"),
        BTreeMap::from([
            ("{outcome=\"executed\"}".to_string(), 1.0),
            ("{outcome=\"invalid\"}".to_string(), 1.0),
            ("{outcome=\"replayed\"}".to_string(), 1.0),
        ]),
        "{text}"
    );
    // Every request passes the limit per address; the five that authenticated (the bad JSON,
    // the oversized body, the bad Idempotency-Key and the two faxes) the principal's too.
    assert_eq!(
        samples(&text, "errcat_rate_limit_decisions_total"),
        BTreeMap::from([
            (
                "{policy=\"ip\",outcome=\"allowed\"}".to_string(),
                f64::from(requests)
            ),
            ("{policy=\"keys\",outcome=\"allowed\"}".to_string(), 5.0),
            (
                "{policy=\"free\",outcome=\"allowed\"}".to_string(),
                f64::from(free_allowed)
            ),
            ("{policy=\"free\",outcome=\"limited\"}".to_string(), 1.0),
        ]),
        "{text}"
    );
    // The memory store answered every decision, and none failed.
    let store_calls = samples(&text, "errcat_store_duration_seconds_count");
    assert!(
        store_calls
            .get("{store=\"memory\"}")
            .is_some_and(|n| *n >= f64::from(requests)),
        "{text}"
    );
    assert!(
        samples(&text, "errcat_store_errors_total").is_empty(),
        "{text}"
    );
    expected
}

fn check_logs(lines: &[Value], expected: &[Expected]) {
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "error response")
        .collect();
    assert_eq!(
        errors.len(),
        expected.len(),
        "one line per error response: {errors:#?}"
    );
    for e in expected {
        let found: Vec<&&Value> = errors
            .iter()
            .filter(|l| l["request_id"] == e.request_id.as_str())
            .collect();
        assert_eq!(found.len(), 1, "one line for {}: {errors:#?}", e.request_id);
        let line = found[0];
        assert_eq!(line["code"], e.code.as_str(), "{line}");
        assert_eq!(line["status"], e.status, "{line}");
        assert_eq!(line["method"], e.method, "{line}");
        assert_eq!(line["route"].as_str(), e.route, "{line}");
        assert!(
            line["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
            "{line}"
        );
        assert_eq!(line["trace_id"].as_str(), e.trace_id, "{line}");
        let expected_level = if e.status >= 500 { "ERROR" } else { "INFO" };
        assert_eq!(line["level"], expected_level, "{line}");
        // The request's span carries the same ids.
        assert_eq!(line["span"]["name"], "request", "{line}");
        assert_eq!(line["span"]["request_id"], e.request_id.as_str(), "{line}");
        assert_eq!(line["span"]["trace_id"].as_str(), e.trace_id, "{line}");
    }
    // The panic's message is in its line's source, and never in a second event.
    let panic = errors
        .iter()
        .find(|l| l["status"] == 500)
        .expect("the panic's line");
    assert!(
        panic["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("panic: ")),
        "{panic}"
    );
}
