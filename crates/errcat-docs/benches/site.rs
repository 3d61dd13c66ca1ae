//! Issue 4, section 6: the docs site for a catalog of 10,000 generated codes (target: under 1 s).
//!
//! `cargo bench -p errcat-docs --bench site`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::Catalog;
use errcat_docs::{Site, SiteOptions};
use errcat_testkit::catalog::LargeCatalog;

const CODES: usize = 10_000;

fn bench(c: &mut Criterion) {
    // 50 categories, each code with context and the long-form text a real reference has.
    let text = LargeCatalog::new(CODES)
        .categories(50)
        .actions(20)
        .context_every(1)
        .long_form(true)
        .toml();
    let catalog =
        Arc::new(Catalog::from_toml_str("bench.toml", &text).unwrap_or_else(|r| panic!("{r}")));
    let mut g = c.benchmark_group("docs");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("site_10000_codes", |b| {
        b.iter(|| Site::generate(black_box(&catalog), &SiteOptions::default()))
    });
    g.bench_function("markdown_10000_codes", |b| {
        b.iter(|| errcat_docs::markdown(black_box(&catalog), None))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
