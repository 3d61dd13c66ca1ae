//! Render an error (request id, two context values, two field errors) in every style, against a
//! baseline that builds the same JSON with `serde_json::json!` and serializes it.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::{FieldError, FieldSource, JsonPointer, Renderer, RequestInfo, StyleKind};

#[path = "common.rs"]
mod common;

#[path = "baseline.rs"]
mod baseline;
use baseline::{Prerendered, baseline};

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
        let (_, body) = renderer
            .render_to_vec(&err, &req)
            .expect("the bench error renders");
        let pre = Prerendered::new(&body, common::REQUEST_ID);
        group.bench_function("prerendered_limit", |b| {
            b.iter(|| {
                buf.clear();
                pre.write(&mut buf, black_box(common::REQUEST_ID));
                black_box(buf.len())
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
