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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = bench, many_fields
}
criterion_main!(benches);
