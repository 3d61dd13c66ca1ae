//! `check` on a catalog of 10,000 generated codes: parse, build and lint (target: under 1 s).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat_catalog::Catalog;
use errcat_testkit::catalog::LargeCatalog;

fn bench(c: &mut Criterion) {
    // 20 categories, 7 actions, two locales, context on every tenth code.
    let text = LargeCatalog::new(10_000)
        .categories(20)
        .actions(7)
        .spanish(true)
        .context_every(10)
        .long_form(true)
        .toml();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("10000_codes", |b| {
        b.iter(|| {
            let catalog = Catalog::from_toml_str("big.toml", black_box(&text));
            black_box(catalog.map(|c| c.entries().len()).unwrap_or(0))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
