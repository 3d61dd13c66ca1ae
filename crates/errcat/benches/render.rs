//! Render an error (request id, two context values, two field errors) in every style, against a
//! baseline that builds the same JSON with `serde_json::json!` and serializes it.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::{FieldError, FieldSource, JsonPointer, Renderer, RequestInfo, StyleKind};
use serde_json::json;

#[path = "common.rs"]
mod common;

/// The same body each style renders, built the way a hand-written handler would.
fn baseline(style: StyleKind, size: i64, limit: i64, rid: &str) -> serde_json::Value {
    let msg = format!("The upload is {size} bytes; the limit is {limit}.");
    let f1 = "The file must be 10 MB at most.";
    let f2 = "The to field must be E.164.";
    let docs = "https://api.example.com/errors/upload-too-large";
    match style {
        StyleKind::Flat => {
            json!({"error": "upload_too_large", "message": msg, "action": "shrink_upload", "docs": docs, "request_id": rid,
            "context": {"size": size, "limit": limit, "errors": {"file": [f1], "to": [f2]}}})
        }
        StyleKind::Nested => {
            json!({"success": false, "error": {"code": "upload_too_large", "message": msg, "field": "file", "size": size, "limit": limit,
            "fields": [{"field": "file", "message": f1}, {"field": "to", "message": f2}]},
            "meta": {"requestId": rid, "timestamp": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()}})
        }
        StyleKind::JsonApi => json!({"errors": [
            {"status": "422", "code": "too_large", "detail": f1, "source": {"pointer": "/file"}, "meta": {"size": size, "limit": limit}},
            {"status": "422", "code": "invalid_phone", "detail": f2, "source": {"pointer": "/to"}, "meta": {"size": size, "limit": limit}}],
            "meta": {"version": "1.47.0", "api_version": "v1", "request_id": rid, "datetime": {"timezone": "UTC", "format": "ISO 8601"}}}),
        StyleKind::Simple => {
            json!({"success": false, "error": "upload_too_large", "message": msg, "code": 422, "field": "file",
            "fields": [{"field": "file", "message": f1}, {"field": "to", "message": f2}], "context": {"size": size, "limit": limit}, "request_id": rid})
        }
        StyleKind::Problem => {
            json!({"type": docs, "title": "Upload too large", "status": 422, "detail": msg, "code": "upload_too_large", "request_id": rid,
            "size": size, "limit": limit, "errors": [{"detail": f1, "pointer": "#/file", "code": "too_large"}, {"detail": f2, "pointer": "#/to", "code": "invalid_phone"}]})
        }
        StyleKind::Google => {
            json!({"error": {"code": 422, "message": msg, "status": "FAILED_PRECONDITION", "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "UPLOAD_TOO_LARGE", "domain": "api.example.com", "metadata": {"size": size.to_string(), "limit": limit.to_string()}},
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "file", "description": f1, "reason": "TOO_LARGE"}, {"field": "to", "description": f2, "reason": "INVALID_PHONE"}]},
            {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Upload too large", "url": docs}]},
            {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": rid},
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en", "message": msg}]}})
        }
        StyleKind::Custom => {
            json!({"code": "upload_too_large", "message": msg, "request_id": rid, "details": [
            {"field": "file", "source": "body", "pointer": "/file", "code": "too_large", "message": f1},
            {"field": "to", "source": "body", "pointer": "/to", "code": "invalid_phone", "message": f2}]})
        }
    }
}

fn bench(c: &mut Criterion) {
    let catalog = common::catalog();
    let err = common::error(&catalog);
    for style in StyleKind::ALL {
        let renderer = Renderer::new(catalog.clone(), style);
        let mut group = c.benchmark_group(style.name());
        let mut buf = Vec::with_capacity(1024);
        let req = RequestInfo::new(common::REQUEST_ID);
        group.bench_function("errcat", |b| {
            b.iter(|| {
                buf.clear();
                let head = renderer.render(black_box(&err), black_box(&req), &mut buf);
                black_box((head.is_ok(), buf.len()))
            })
        });
        group.bench_function("errcat_build_and_render", |b| {
            b.iter(|| {
                buf.clear();
                let err = common::error(&catalog);
                let head = renderer.render(black_box(&err), black_box(&req), &mut buf);
                black_box((head.is_ok(), buf.len()))
            })
        });
        group.bench_function("serde_json_baseline", |b| {
            b.iter(|| {
                let v = baseline(
                    style,
                    black_box(12_582_912),
                    black_box(10_485_760),
                    black_box(common::REQUEST_ID),
                );
                black_box(serde_json::to_vec(&v).map(|v| v.len()).unwrap_or(0))
            })
        });
        group.finish();
    }
}

/// The flat style groups field errors by field: 60 000 of them over 20 000 fields, all shown
/// (the grouping is linear), and the same error under the default bound of 100.
fn many_fields(c: &mut Criterion) {
    let catalog = common::catalog();
    let err = common::error(&catalog).fields_from((0..60_000).map(|i| {
        FieldError::at(
            FieldSource::Pointer(JsonPointer::from_tokens([
                "items".to_string(),
                (i % 20_000).to_string(),
            ])),
            "must not be empty",
        )
    }));
    let req = RequestInfo::new(common::REQUEST_ID);
    let mut group = c.benchmark_group("flat_60k_fields");
    let mut buf = Vec::with_capacity(4 << 20);
    for (name, max) in [
        ("all_grouped", usize::MAX),
        ("default_bound", Renderer::DEFAULT_MAX_FIELD_ERRORS),
    ] {
        let renderer = Renderer::new(catalog.clone(), StyleKind::Flat).with_max_field_errors(max);
        group.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                let head = renderer.render(black_box(&err), black_box(&req), &mut buf);
                black_box((head.is_ok(), buf.len()))
            })
        });
    }
    group.finish();
}

/// A plural message beside a plain one, in one catalog, one style and one run: the plain
/// `{count}` substitution against `{count, plural, ...}` with `#`, in English and in Russian
/// (four categories), and a locale-formatted `{total, number}`.
fn plural_message(c: &mut Criterion) {
    use std::sync::Arc;
    let catalog = Arc::new(
        errcat::Catalog::from_toml_str(
            "plural.toml",
            r#"
[catalog]
name = "plural"
action_required = false
locales = ["en", "ru"]

[codes.plain]
status = 422
category = "Batches"
message.en = "{count} pages failed."
message.ru = "Не прошло страниц: {count}."
context.count = "integer"

[codes.plural]
status = 422
category = "Batches"
message.en = "{count, plural, one {# page failed} other {# pages failed}}."
message.ru = "{count, plural, one {# страница не прошла} few {# страницы не прошли} many {# страниц не прошло} other {# страницы не прошло}}."
context.count = "integer"

[codes.number]
status = 422
category = "Batches"
message.en = "{count, plural, one {# page} other {# pages}} of {total, number} failed."
message.ru = "{count, plural, one {# страница} few {# страницы} many {# страниц} other {# страницы}} из {total, number} не прошли."
context.count = "integer"
context.total = "number"
"#,
        )
        .unwrap_or_else(|r| panic!("{r}")),
    );
    let renderer = Renderer::new(catalog.clone(), StyleKind::Flat);
    let mut group = c.benchmark_group("message");
    let mut buf = Vec::with_capacity(1024);
    for tag in ["en", "ru"] {
        let Some(locale) = renderer.negotiator().find(tag) else {
            continue;
        };
        let req = RequestInfo::new(common::REQUEST_ID).locale(locale);
        for code in ["plain", "plural", "number"] {
            let Ok(err) = errcat::ApiError::checked(&catalog, code) else {
                continue;
            };
            let err = err.with("count", 23);
            let err = if code == "number" {
                err.with("total", 12_345.5)
            } else {
                err
            };
            group.bench_function(format!("{code}_{tag}"), |b| {
                b.iter(|| {
                    buf.clear();
                    let head = renderer.render(black_box(&err), black_box(&req), &mut buf);
                    black_box((head.is_ok(), buf.len()))
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench, many_fields, plural_message
}
criterion_main!(benches);
