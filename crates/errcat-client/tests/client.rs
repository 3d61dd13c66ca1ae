//! The client side: the golden corpus, a round trip through every style errcat renders,
//! property tests, and the retry policy. The retry client against a local server is in
//! `client_retry.rs`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use errcat::{ApiError, Catalog, FieldError, Renderer, RequestInfo, Role, StyleKind};
use errcat_client::{Decision, GiveUpReason, RemoteCode, RemoteSource, RetryPolicy, Style, parse};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use serde_json::Value;

errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");

// ---------------------------------------------------------------------------------------------
// The golden corpus.

fn headers_of(v: &Value) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in v.as_object().into_iter().flatten() {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v.as_str().unwrap()).unwrap(),
        );
    }
    h
}

fn source_of(kind: &str, at: &str) -> RemoteSource {
    match kind {
        "pointer" => RemoteSource::Pointer(at.into()),
        "parameter" => RemoteSource::Parameter(at.into()),
        "header" => RemoteSource::Header(at.into()),
        "name" => RemoteSource::Name(at.into()),
        other => panic!("unknown source kind {other}"),
    }
}

fn opt(v: &Value, key: &str) -> Option<String> {
    match &v[key] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => panic!("`{key}` must be a string or null, not {other}"),
    }
}

#[test]
fn golden_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/client_corpus");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 30, "the corpus has {} cases", paths.len());
    let mut styles_seen = std::collections::HashSet::new();
    for path in &paths {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let case: Value = serde_json::from_slice(&std::fs::read(path).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let status = case["status"].as_u64().unwrap() as u16;
        let headers = headers_of(&case["headers"]);
        let body: Vec<u8> = match (&case["body"], &case["body_bytes"]) {
            (Value::String(s), _) => s.as_bytes().to_vec(),
            (_, Value::Array(bytes)) => bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect(),
            _ => panic!("{name}: no body"),
        };
        let err = parse(status, &headers, &body);
        let want = &case["expected"];
        let ctx = format!("{name}: {err:#?}");
        assert_eq!(err.status, status, "{ctx}");
        assert_eq!(
            format!("{:?}", err.style),
            want["style"].as_str().unwrap(),
            "style of {ctx}"
        );
        styles_seen.insert(format!("{:?}", err.style));
        assert_eq!(err.code, opt(want, "code"), "code of {ctx}");
        assert_eq!(err.message, opt(want, "message"), "message of {ctx}");
        assert_eq!(
            err.request_id,
            opt(want, "request_id"),
            "request_id of {ctx}"
        );
        assert_eq!(err.action, opt(want, "action"), "action of {ctx}");
        assert_eq!(err.docs, opt(want, "docs"), "docs of {ctx}");
        assert_eq!(
            err.retry_after,
            want["retry_after_secs"].as_u64().map(Duration::from_secs),
            "retry_after of {ctx}"
        );
        let fields: Vec<_> = want["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    source_of(f["source"].as_str().unwrap(), f["at"].as_str().unwrap()),
                    opt(f, "code"),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let got: Vec<_> = err
            .fields
            .iter()
            .map(|f| (f.source.clone(), f.code.clone(), f.message.clone()))
            .collect();
        assert_eq!(got, fields, "fields of {ctx}");
        assert_eq!(&err.raw[..], &body[..], "raw of {name}");
    }
    for style in [
        "Flat",
        "Nested",
        "JsonApi",
        "Simple",
        "Problem",
        "Google",
        "Stripe",
        "Microsoft",
        "Detail",
        "Message",
        "CodeMessage",
        "Html",
        "NotJson",
        "Empty",
    ] {
        assert!(
            styles_seen.contains(style),
            "no corpus case of style {style}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip: every catalog, every style errcat renders, parsed back.

fn catalogs() -> Vec<Arc<Catalog>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogs");
    [
        "mintfax.toml",
        "seed001.toml",
        "seed002.toml",
        "migosmtp.toml",
        "mxcep",
    ]
    .iter()
    .map(|n| Arc::new(Catalog::from_path(root.join(n)).unwrap_or_else(|r| panic!("{n}: {r}"))))
    .collect()
}

fn expected_style(kind: StyleKind, catalog: &Catalog) -> Style {
    match kind {
        StyleKind::Flat => Style::Flat,
        StyleKind::Nested => Style::Nested,
        StyleKind::JsonApi => Style::JsonApi,
        StyleKind::Simple => Style::Simple,
        StyleKind::Problem => Style::Problem,
        StyleKind::Google => Style::Google,
        StyleKind::Custom if catalog.meta.custom.is_some() => Style::CodeMessage,
        StyleKind::Custom => Style::Problem,
    }
}

#[test]
fn every_rendered_style_parses_back() {
    let rid = "req_01J9XYZQ8KH7B3R0WXAZP8VW6F";
    let mut checked = 0;
    for catalog in catalogs() {
        for kind in StyleKind::ALL {
            let renderer = Renderer::new(catalog.clone(), kind);
            let cases = [
                ApiError::role(Role::NotFound),
                ApiError::role(Role::ValidationFailed)
                    .field(
                        FieldError::pointer("/to", "The to field is required.")
                            .with_code("required"),
                    )
                    .field(FieldError::parameter("page", "must be a number")),
                ApiError::role(Role::ValidationFailed)
                    .field(FieldError::pointer("/file/name", "too long")),
                ApiError::role(Role::RateLimited).retry_after(7),
                ApiError::role(Role::Internal),
            ];
            for err in cases {
                let Ok((head, body)) =
                    renderer.render_to_vec(&err, &RequestInfo::new(rid).instance("/x"))
                else {
                    continue;
                };
                let headers = head.headers(rid);
                let parsed = parse(head.status.as_u16(), &headers, &body);
                let ctx = format!(
                    "{} {kind}: {}",
                    catalog.meta.name,
                    String::from_utf8_lossy(&body)
                );
                let code = &catalog.entries()[head.code_index].code;
                assert_eq!(parsed.style, expected_style(kind, &catalog), "{ctx}");
                assert_eq!(parsed.request_id.as_deref(), Some(rid), "{ctx}");
                let all_fields_coded = !err.fields().is_empty() && err.fields()[0].code.is_some();
                let want_code = if kind == StyleKind::JsonApi && all_fields_coded {
                    "required".to_string()
                } else {
                    code.clone()
                };
                assert!(
                    parsed
                        .code
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(&want_code)),
                    "code {:?} != {want_code}: {ctx}",
                    parsed.code
                );
                // Every field error comes back, where the style says it points.
                assert_eq!(parsed.fields.len(), err.fields().len(), "{ctx}");
                for (p, f) in parsed.fields.iter().zip(err.fields()) {
                    let name = f.source.name();
                    assert!(
                        p.source.as_str() == name
                            || p.source.as_str().trim_start_matches('/').replace('/', ".") == name,
                        "{:?} vs {name}: {ctx}",
                        p.source
                    );
                    assert_eq!(p.message, f.message, "{ctx}");
                }
                if err.retry_after_secs().is_some() {
                    assert_eq!(parsed.retry_after, Some(Duration::from_secs(7)), "{ctx}");
                    // The styles that carry it in the body give it without the header too.
                    if matches!(
                        kind,
                        StyleKind::Nested | StyleKind::JsonApi | StyleKind::Google
                    ) {
                        let mut h = headers.clone();
                        h.remove(http::header::RETRY_AFTER);
                        let p = parse(head.status.as_u16(), &h, &body);
                        assert_eq!(
                            p.retry_after,
                            Some(Duration::from_secs(7)),
                            "body only: {ctx}"
                        );
                    }
                }
                if catalog.meta.name == "mintfax"
                    && !(kind == StyleKind::JsonApi && all_fields_coded)
                {
                    assert!(
                        matches!(parsed.code_as::<mintfax::Code>(), RemoteCode::Known(c) if c.as_str() == code),
                        "{ctx}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 5 * 7 * 4, "only {checked} renders checked");
}

#[test]
fn unknown_and_missing_codes() {
    let h = HeaderMap::new();
    let e = parse(409, &h, br#"{"error":"brand_new_code","message":"x"}"#);
    assert_eq!(
        e.code_as::<mintfax::Code>(),
        RemoteCode::Unknown("brand_new_code".into())
    );
    let e = parse(404, &h, br#"{"error":{"code":404,"message":"x","status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"NOT_FOUND","domain":"mintfax"}]}}"#);
    assert_eq!(
        e.code_as::<mintfax::Code>(),
        RemoteCode::Known(mintfax::Code::NotFound)
    );
    assert_eq!(
        parse(500, &h, b"oops").code_as::<mintfax::Code>(),
        RemoteCode::Missing
    );
}

/// Items are stored in one arena as they are read: lists nested in items, elements that are no
/// objects between them, a list member given twice, and a `source` given as a string and then
/// as an object must each keep every item in its own list, in order.
#[test]
fn nested_lists_keep_their_items_in_order() {
    let h = HeaderMap::new();
    let body = br#"{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT","details":[
        "not an object",
        {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[1,{"field":"a","description":"da"},null,{"field":"b","reason":"RB","description":"db"}]},
        7,
        {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BAD","domain":"x","metadata":{"k":[{"field":"z"}]}},
        {"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"c","description":"dc"}],"fieldViolations":[{"field":"d","description":"dd"}]},
        {"@type":"type.googleapis.com/google.rpc.Help","links":["x",{"url":"https://docs.example/first"},{"url":"https://docs.example/second"}]}
    ]}}"#;
    let e = parse(400, &h, body);
    assert_eq!(e.style, Style::Google);
    assert_eq!(e.code.as_deref(), Some("BAD"));
    assert_eq!(e.docs.as_deref(), Some("https://docs.example/first"));
    let got: Vec<_> = e
        .fields
        .iter()
        .map(|f| {
            (
                source_text(&f.source),
                f.code.as_deref(),
                f.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a".to_string(), None, "da"),
            ("b".to_string(), Some("RB"), "db"),
            ("c".to_string(), None, "dc"),
            ("d".to_string(), None, "dd"),
        ]
    );

    // JSON:API: the main error (no source), then `source` as seed 001's string, then as an
    // object.
    let body = br#"{"errors":[
        {"code":"main","detail":"the error"},
        "skipped",
        {"code":"invalid","detail":"first","source":"parameter","field":"q"},
        {"code":"invalid","detail":"second","source":{"pointer":"/data/x"}}
    ]}"#;
    let e = parse(422, &h, body);
    assert_eq!(e.style, Style::JsonApi);
    assert_eq!(e.code.as_deref(), Some("main"));
    let got: Vec<_> = e
        .fields
        .iter()
        .map(|f| (f.source.clone(), f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (RemoteSource::Parameter("q".into()), "first"),
            (RemoteSource::Pointer("/data/x".into()), "second"),
        ]
    );
}

fn source_text(s: &RemoteSource) -> String {
    match s {
        RemoteSource::Name(n) => n.clone(),
        other => format!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests.

fn any_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec(
        (
            prop_oneof![
                Just("x-request-id".to_string()),
                Just("retry-after".to_string()),
                Just("date".to_string()),
                Just("content-type".to_string()),
                "[a-z-]{1,12}",
            ],
            "[ -~]{0,40}",
        ),
        0..5,
    )
}

/// JSON-ish text: fragments of every shape's members, glued at random.
fn jsonish() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("-1e999".to_string()),
        Just("18446744073709551616".to_string()),
        Just("\"\\ud800\"".to_string()),
        prop_oneof![
            Just("error"),
            Just("errors"),
            Just("code"),
            Just("message"),
            Just("detail"),
            Just("status"),
            Just("details"),
            Just("source"),
            Just("pointer"),
            Just("meta"),
            Just("context"),
            Just("fields"),
            Just("field"),
            Just("retryAfter"),
            Just("retryDelay"),
            Just("fieldViolations"),
            Just("loc"),
            Just("type"),
            Just("@type"),
            Just("links"),
            Just("request_id"),
            Just("requestId"),
            Just("retry_after_seconds"),
            Just("title"),
        ]
        .prop_map(|k| format!("\"{k}\"")),
        "[0-9]{1,4}",
        "\"[ -~]{0,8}\"",
    ];
    proptest::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.insert(k, v);
        }
    }
    h
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(status in 0u16..1000, headers in any_headers(), body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let h = header_map(&headers);
        let e = parse(status, &h, &body);
        prop_assert_eq!(e.status, status);
        prop_assert_eq!(&e.raw[..], &body[..]);
        if let Some(id) = h.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
            && matches!(e.style, Style::NotJson | Style::Html | Style::Empty) {
                prop_assert_eq!(e.request_id.as_deref(), Some(id));
            }
        // delay-seconds is 1*DIGIT (RFC 9110): `+0`, which `u64::from_str` takes, is not one.
        if let Some(s) = h.get("retry-after").and_then(|v| v.to_str().ok()).map(str::trim)
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u64>().ok()) {
            prop_assert_eq!(e.retry_after, Some(Duration::from_secs(s)));
        }
    }

    #[test]
    fn jsonish_text_never_panics(status in 400u16..600, headers in any_headers(), body in jsonish()) {
        let h = header_map(&headers);
        let e = parse(status, &h, body.as_bytes());
        prop_assert_eq!(e.status, status);
        let _ = e.code_as::<mintfax::Code>();
        let _ = RetryPolicy::default().decide(&e, 1, true, true, Duration::ZERO);
    }

    #[test]
    fn wrapped_in_an_envelope_never_panics(status in 400u16..600, inner in jsonish(), key in "error|errors|detail|meta|context") {
        let body = format!("{{\"{key}\":{inner}}}");
        let e = parse(status, &HeaderMap::new(), body.as_bytes());
        prop_assert_eq!(e.status, status);
    }
}

// ---------------------------------------------------------------------------------------------
// The retry policy, alone.

fn err_with(status: u16, retry_after: Option<u64>, body: &str) -> errcat_client::RemoteError {
    let mut h = HeaderMap::new();
    if let Some(s) = retry_after {
        h.insert(http::header::RETRY_AFTER, HeaderValue::from(s));
    }
    parse(status, &h, body.as_bytes())
}

#[test]
fn policy_by_status() {
    let p = RetryPolicy::default()
        .max_attempts(5)
        .base_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(50))
        .deadline(Some(Duration::from_secs(10)));
    let z = Duration::ZERO;
    for status in [429, 503] {
        assert_eq!(
            p.decide(&err_with(status, Some(4), ""), 1, false, false, z),
            Decision::Retry(Duration::from_secs(4))
        );
        // No Retry-After: backoff.
        assert!(
            matches!(p.decide(&err_with(status, None, ""), 1, false, false, z), Decision::Retry(d) if d <= Duration::from_millis(20))
        );
    }
    for status in [500, 502, 504] {
        for attempt in 1..5 {
            let cap =
                Duration::from_millis(20 * (1 << (attempt - 1))).min(Duration::from_millis(50));
            assert!(
                matches!(p.decide(&err_with(status, None, ""), attempt, false, false, z), Decision::Retry(d) if d <= cap)
            );
        }
        assert_eq!(
            p.decide(&err_with(status, None, ""), 5, false, false, z),
            Decision::GiveUp(GiveUpReason::MaxAttempts)
        );
    }
    for status in [400, 401, 403, 404, 409, 422, 501] {
        assert_eq!(
            p.decide(&err_with(status, Some(1), ""), 1, false, false, z),
            Decision::GiveUp(GiveUpReason::NotRetryable)
        );
    }
    // Retry-After beyond the deadline.
    assert_eq!(
        p.decide(&err_with(503, Some(11), ""), 1, false, false, z),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
    assert_eq!(
        p.decide(
            &err_with(503, Some(2), ""),
            1,
            false,
            false,
            Duration::from_secs(9)
        ),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
    // POST: only with a key.
    assert_eq!(
        p.decide(&err_with(503, Some(1), ""), 1, true, false, z),
        Decision::GiveUp(GiveUpReason::NotIdempotent)
    );
    assert_eq!(
        p.decide(&err_with(503, Some(1), ""), 1, true, true, z),
        Decision::Retry(Duration::from_secs(1))
    );
}

#[test]
fn full_jitter_spreads_over_the_whole_range() {
    let p = RetryPolicy::default().base_delay(Duration::from_millis(100));
    let samples: Vec<Duration> = (0..2000).map(|_| p.backoff(1)).collect();
    assert!(samples.iter().all(|d| *d <= Duration::from_millis(100)));
    assert!(samples.iter().any(|d| *d < Duration::from_millis(10)));
    assert!(samples.iter().any(|d| *d > Duration::from_millis(90)));
}

#[test]
fn policy_follows_the_catalog() {
    let catalog = Arc::new(
        Catalog::from_toml_str(
            "c.toml",
            r#"
[catalog]
name = "c"
action_required = false
[codes.maintenance]
status = 503
category = "Server"
message.en = "Down for maintenance."
retry = "never"
[codes.flaky_upstream]
status = 400
category = "Server"
message.en = "Upstream hiccup."
retry = "backoff"
"#,
        )
        .unwrap(),
    );
    let p = RetryPolicy::default().catalog(catalog);
    let z = Duration::ZERO;
    assert_eq!(
        p.decide(
            &err_with(503, Some(1), r#"{"error":"maintenance"}"#),
            1,
            false,
            false,
            z
        ),
        Decision::GiveUp(GiveUpReason::NotRetryable)
    );
    assert!(matches!(
        p.decide(
            &err_with(400, None, r#"{"error":"flaky_upstream"}"#),
            1,
            false,
            false,
            z
        ),
        Decision::Retry(_)
    ));
    // A code the catalog does not have: by status.
    assert!(matches!(
        p.decide(
            &err_with(503, Some(1), r#"{"error":"other"}"#),
            1,
            false,
            false,
            z
        ),
        Decision::Retry(_)
    ));
}

/// `Retry-After` is delay-seconds (digits only) or an HTTP-date; anything else is no advice.
#[test]
fn retry_after_header_is_digits_or_a_date() {
    for (value, expected) in [
        ("0", Some(Duration::ZERO)),
        (" 12 ", Some(Duration::from_secs(12))),
        ("+0", None),
        ("-1", None),
        ("1.5", None),
        ("soon", None),
    ] {
        let h = header_map(&[("retry-after".to_string(), value.to_string())]);
        assert_eq!(parse(503, &h, b"").retry_after, expected, "{value:?}");
    }
}

/// A server-given delay longer than `max_retry_after` (60 s by default) is given up on, however
/// it is written and whether or not a deadline is set; no value overflows.
#[test]
fn retry_after_beyond_the_cap_is_given_up_on() {
    let p = RetryPolicy::default().max_attempts(5).deadline(None);
    let z = Duration::ZERO;
    let with_header = |value: &str| {
        let h = header_map(&[("retry-after".to_string(), value.to_string())]);
        parse(503, &h, b"")
    };
    let too_long = Decision::GiveUp(GiveUpReason::RetryAfterTooLong);
    let parked = with_header("99999999");
    assert_eq!(parked.retry_after, Some(Duration::from_secs(99_999_999)));
    assert_eq!(p.decide(&parked, 1, false, false, z), too_long);
    // Past u64: read as the longest delay, not wrapped.
    let huge = with_header("99999999999999999999999999");
    assert_eq!(huge.retry_after, Some(Duration::from_secs(u64::MAX)));
    assert_eq!(p.decide(&huge, 1, false, false, z), too_long);
    assert_eq!(
        p.decide(&huge, 1, false, false, Duration::MAX),
        too_long,
        "no overflow with the elapsed time either"
    );
    // An HTTP-date, against the response's Date.
    let h = header_map(&[
        (
            "retry-after".to_string(),
            "Fri, 31 Dec 9999 23:59:59 GMT".to_string(),
        ),
        (
            "date".to_string(),
            "Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
        ),
    ]);
    let dated = parse(503, &h, b"");
    assert!(
        dated
            .retry_after
            .is_some_and(|d| d > Duration::from_secs(8000 * 365 * 86400))
    );
    assert_eq!(p.decide(&dated, 1, false, false, z), too_long);
    let h = header_map(&[
        (
            "retry-after".to_string(),
            "Sun, 06 Nov 1994 08:50:37 GMT".to_string(),
        ),
        (
            "date".to_string(),
            "Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
        ),
    ]);
    assert_eq!(
        p.decide(&parse(503, &h, b""), 1, false, false, z),
        Decision::Retry(Duration::from_secs(60))
    );
    // In the body: Google's RetryInfo.
    let body = br#"{"error":{"code":429,"message":"m","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"99999999s"}]}}"#;
    let google = parse(429, &HeaderMap::new(), body);
    assert_eq!(google.retry_after, Some(Duration::from_secs(99_999_999)));
    assert_eq!(p.decide(&google, 1, false, false, z), too_long);
    // Up to the cap, honoured exactly.
    assert_eq!(
        p.decide(&with_header("60"), 1, false, false, z),
        Decision::Retry(Duration::from_secs(60))
    );
    assert_eq!(p.decide(&with_header("61"), 1, false, false, z), too_long);
    // The cap is the policy's; backoff (no Retry-After) is bounded by max_delay as before.
    let longer = p.clone().max_retry_after(Duration::from_secs(3600));
    assert_eq!(
        longer.decide(&with_header("61"), 1, false, false, z),
        Decision::Retry(Duration::from_secs(61))
    );
    assert!(matches!(
        p.decide(&err_with(503, None, ""), 4, false, false, z),
        Decision::Retry(d) if d <= p.max_delay
    ));
    // With a deadline, one past it is reported as the deadline, as before.
    let p = p.deadline(Some(Duration::from_secs(30)));
    assert_eq!(
        p.decide(&parked, 1, false, false, z),
        Decision::GiveUp(GiveUpReason::Deadline)
    );
}
