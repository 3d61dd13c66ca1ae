//! Converting a garde report into field errors when the body's objects hold many members: the
//! review's body (150,000 members the client made up beside a camelCase field, 100 invalid
//! items), and a small body with the same 100 errors for scale.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use garde::Validate;

#[derive(Validate, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[garde(dive)]
    items_list: Vec<Named>,
}

#[derive(Validate, serde::Deserialize)]
struct Named {
    #[garde(length(min = 2))]
    name: String,
}

/// `junk` made-up members first, then `itemsList` with `items` invalid items.
fn body(junk: usize, items: usize) -> String {
    let mut s = String::from("{");
    for i in 0..junk {
        s.push_str(&format!("\"a{i:07}\":0,"));
    }
    s.push_str("\"itemsList\":[");
    s.push_str(&vec![r#"{"name":""}"#; items].join(","));
    s.push_str("]}");
    s
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("garde_field_errors");
    group.sample_size(10);
    for (name, junk) in [
        ("100_errors_2_members", 1),
        ("100_errors_150k_members", 150_000),
    ] {
        let raw = body(junk, 100);
        let listed: Listed = serde_json::from_str(&raw).expect("the body is a Listed");
        let report = listed.validate().expect_err("every item is invalid");
        let json: serde_json::Value = serde_json::from_str(&raw).expect("the body is JSON");
        group.bench_function(name, |b| {
            b.iter(|| {
                let (fields, more) =
                    errcat::axum::garde::field_errors_capped(black_box(&report), &json, 100);
                black_box((fields.len(), more))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
