//! Issue 4, section 6: the docs site for a catalog of 10,000 generated codes (target: under 1 s).
//!
//! `cargo bench -p errcat-docs --bench site`

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::Catalog;
use errcat_docs::{Site, SiteOptions};

const CODES: usize = 10_000;
const STATUSES: [u16; 10] = [400, 401, 403, 404, 409, 410, 422, 429, 500, 503];

/// A catalog of `n` codes in 50 categories, each with the long-form text a real reference has.
fn catalog_text(n: usize) -> String {
    let mut s = String::with_capacity(n * 700);
    s.push_str(
        "[catalog]\nname = \"bench\"\nversion = \"1\"\n\
         description = \"A generated catalog of many codes, to time the docs site.\"\n\
         docs_url = \"https://example.com/docs/errors/{anchor}\"\nstyle = \"flat\"\n\n",
    );
    for i in 0..n {
        let status = STATUSES[i % STATUSES.len()];
        let _ = write!(
            s,
            "[codes.generated_code_{i:05}]\nstatus = {status}\ncategory = \"Category {}\"\n\
             action = \"do_thing_{}\"\n\
             message.en = \"Generated error number {i}: the `{{item}}` cannot be processed.\"\n\
             context.item = {{ type = \"string\", description = \"The item that failed.\" }}\n\
             when = \"The request names an item that is in **state {i}**, which this endpoint refuses.\"\n\
             cause = \"The item was changed by another request; see [the guide](/guides/items).\"\n\
             next_step = \"Fetch the item again, check its `state`, and retry if it changed.\"\n\
             endpoints = [\"POST /v1/items/{{id}}/process\"]\n\n",
            i % 50,
            i % 20,
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = catalog_text(CODES);
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
