//! Parse a typical error envelope of each style, detection included, against serde_json's plain
//! `from_slice` into a `Value` of the same body, in the same run.
//!
//! A second baseline, `from_slice::<IgnoredAny>`, only validates and skips the body: no parser
//! that reads the body's strings can be faster.
//!
//! The errcat styles are rendered from the render benchmark's catalog and error (two context
//! values, two field errors); the other shapes are their documented examples.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::{Renderer, RequestInfo, StyleKind};
use http::HeaderMap;

// The render benchmark's catalog and error, shared with errcat's benches.
#[path = "../../errcat/benches/common.rs"]
mod common;

fn bodies() -> Vec<(String, HeaderMap, Vec<u8>)> {
    let catalog = common::catalog();
    let err = common::error(&catalog);
    let mut out = Vec::new();
    for style in StyleKind::ALL {
        let renderer = Renderer::new(catalog.clone(), style);
        let req = RequestInfo::new(common::REQUEST_ID).instance("/uploads");
        let (head, body) = renderer.render_to_vec(&err, &req).expect("renders");
        out.push((
            style.name().to_string(),
            head.headers(common::REQUEST_ID),
            body,
        ));
    }
    let json = |s: &str| {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        h.insert(
            "request-id",
            http::HeaderValue::from_static("req_Ab12Cd34Ef56Gh"),
        );
        (h, s.as_bytes().to_vec())
    };
    for (name, body) in [
        (
            "stripe",
            r#"{"error":{"code":"resource_missing","doc_url":"https://stripe.com/docs/error-codes/resource-missing","message":"No such customer: 'cus_123'","param":"customer","request_log_url":"https://dashboard.stripe.com/test/logs/req_Ab12Cd34Ef56Gh?t=1700000000","type":"invalid_request_error"}}"#,
        ),
        (
            "microsoft",
            r#"{"error":{"code":"BadArgument","message":"Multiple errors in ContactInfo data","target":"ContactInfo","details":[{"code":"NullValue","target":"PhoneNumber","message":"Phone number must not be null"},{"code":"NullValue","target":"LastName","message":"Last name must not be null"}],"innererror":{"code":"ContactInfoError"}}}"#,
        ),
        ("detail", r#"{"detail":"Not Found"}"#),
        (
            "message",
            r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}"#,
        ),
    ] {
        let (h, b) = json(body);
        out.push((name.to_string(), h, b));
    }
    out
}

fn parse(c: &mut Criterion) {
    let bodies = bodies();
    let mut g = c.benchmark_group("parse");
    for (name, headers, body) in &bodies {
        g.bench_function(format!("errcat/{name} ({} B)", body.len()), |b| {
            b.iter(|| errcat_client::parse(422, black_box(headers), black_box(body)))
        });
        g.bench_function(format!("serde_json_value/{name} ({} B)", body.len()), |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(body)))
        });
        g.bench_function(
            format!("serde_json_ignored/{name} ({} B)", body.len()),
            |b| b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body))),
        );
    }
    let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let mut h = HeaderMap::new();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html"),
    );
    g.bench_function("errcat/nginx-html", |b| {
        b.iter(|| errcat_client::parse(502, black_box(&h), black_box(html)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(1)).warm_up_time(std::time::Duration::from_millis(300));
    targets = parse
}
criterion_main!(benches);
