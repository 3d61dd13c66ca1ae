//! `check` on a catalog of 10,000 generated codes: parse, build and lint (target: under 1 s).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use errcat_catalog::Catalog;

/// A catalog of `n` codes over 20 categories, two locales, context on every tenth code.
pub fn generated_catalog(n: usize) -> String {
    let mut s = String::from(
        "[catalog]\nname = \"big\"\nlocales = [\"en\", \"es\"]\ndocs_url = \"https://api.example.com/errors/{anchor}\"\n\n",
    );
    let statuses = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503];
    for i in 0..n {
        let status = statuses[i % statuses.len()];
        let _ = write!(
            s,
            "[codes.generated_code_{i}]\nstatus = {status}\ncategory = \"Category {}\"\naction = \"do_thing_{}\"\n",
            i % 20,
            i % 7
        );
        if i % 10 == 0 {
            let _ = write!(
                s,
                "message.en = \"Value {{value}} of item {i} is not allowed.\"\nmessage.es = \"El valor {{value}} del elemento {i} no está permitido.\"\ncontext.value = \"string\"\n"
            );
        } else {
            let _ = write!(
                s,
                "message.en = \"Item {i} failed.\"\nmessage.es = \"El elemento {i} falló.\"\n"
            );
        }
        let _ = writeln!(
            s,
            "when = \"When item {i} fails.\"\nnext_step = \"Fix item {i}.\"\n"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generated_catalog(10_000);
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
