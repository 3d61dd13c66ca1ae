//! `errcat::openapi::components` on a catalog of 10,000 generated codes (issue 4: under one
//! second). Each code has a status, a category, an action, a docs permalink and, for every
//! tenth code, two context keys, so every example renders with filled context.

use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat::{Catalog, StyleKind};

const CODES: usize = 10_000;
const STATUSES: [u16; 12] = [400, 401, 402, 403, 404, 409, 410, 422, 429, 500, 502, 503];

/// A catalog of `n` generated codes, as TOML.
fn catalog_toml(n: usize) -> String {
    let mut s = String::with_capacity(n * 220);
    s.push_str(
        "[catalog]\nname = \"bench\"\nversion = \"1\"\ndocs_url = \"https://api.example.com/errors/{anchor}\"\n\
         [catalog.custom]\ntemplate = '{\"code\": \"{{code}}\", \"status\": \"{{status}}\", \"message\": \"{{message}}\"}'\n\n",
    );
    for i in 0..n {
        let status = STATUSES[i % STATUSES.len()];
        let _ = write!(
            s,
            "[codes.generated_code_{i:05}]\nstatus = {status}\ncategory = \"Category {}\"\naction = \"fix_thing_{}\"\n",
            i % 40,
            i % 100
        );
        if i % 10 == 0 {
            let _ = write!(
                s,
                "message.en = \"Item {{item}} failed after {{attempts}} attempts ({i}).\"\ncontext.item = \"string\"\ncontext.attempts = \"integer\"\n\n"
            );
        } else {
            let _ = write!(s, "message.en = \"Generated error number {i}.\"\n\n");
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let toml = catalog_toml(CODES);
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
