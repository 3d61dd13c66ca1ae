//! `errcat::openapi::components` on a catalog of 10,000 generated codes (issue 4: under one
//! second). Each code has a status, a category, an action, a docs permalink and, for every
//! tenth code, two context keys, so every example renders with filled context.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::{Catalog, StyleKind};
use errcat_testkit::catalog::LargeCatalog;

const CODES: usize = 10_000;

fn bench(c: &mut Criterion) {
    // 40 categories, 100 actions, two context keys on every tenth code, a custom template.
    let toml = LargeCatalog::new(CODES)
        .categories(40)
        .actions(100)
        .context_every(10)
        .custom_template(true)
        .toml();
    let catalog =
        Arc::new(Catalog::from_toml_str("bench.toml", &toml).unwrap_or_else(|r| panic!("{r}")));
    assert!(catalog.entries().len() >= CODES);
    let mut g = c.benchmark_group("openapi");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    for style in [StyleKind::Flat, StyleKind::JsonApi, StyleKind::Custom] {
        g.bench_function(format!("components/10k/{style}"), |b| {
            b.iter(|| black_box(errcat::openapi::components(&catalog, style)))
        });
    }
    g.bench_function("components+serialize/10k/flat", |b| {
        b.iter(|| {
            let v = errcat::openapi::components(&catalog, StyleKind::Flat);
            black_box(serde_json::to_vec_pretty(&v).map(|b| b.len()))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
