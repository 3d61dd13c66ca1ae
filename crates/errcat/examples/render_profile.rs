//! Renders the benchmark's error N times in one style, for an instruction profiler; with a
//! third argument, `build` builds the error in the loop too, `baseline` builds the same body
//! with `serde_json::json!` instead, and `prerendered` writes the pre-rendered limit:
//!
//! ```sh
//! cargo build --release -p errcat --example render_profile
//! valgrind --tool=callgrind target/release/examples/render_profile flat 100000
//! valgrind --tool=callgrind target/release/examples/render_profile flat 100000 baseline
//! ```
//!
//! Instruction counts are repeatable whatever else the machine does, so they show where a
//! render's time goes when wall-clock figures are noisy.

use std::hint::black_box;

use errcat::{Renderer, RequestInfo, StyleKind};

#[path = "../benches/common.rs"]
mod common;

#[path = "../benches/baseline.rs"]
mod baseline;

fn main() {
    let mut args = std::env::args().skip(1);
    let style = args.next().unwrap_or_else(|| "flat".into());
    let Some(style) = StyleKind::ALL.into_iter().find(|s| s.name() == style) else {
        eprintln!(
            "unknown style `{style}`: one of flat, nested, jsonapi, simple, problem, google, custom"
        );
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let mode = args.next().unwrap_or_default();
    let catalog = common::catalog();
    let renderer = Renderer::new(catalog.clone(), style);
    let err = common::error(&catalog);
    let req = RequestInfo::new(common::REQUEST_ID);
    let mut buf = Vec::with_capacity(4096);
    let pre = match renderer.render_to_vec(&err, &req) {
        Ok((_, body)) => baseline::Prerendered::new(&body, common::REQUEST_ID),
        Err(e) => {
            eprintln!("the profile's error does not render: {e}");
            std::process::exit(1);
        }
    };
    let mut total = 0;
    for _ in 0..n {
        buf.clear();
        let ok = match mode.as_str() {
            "build" => {
                let err = common::error(&catalog);
                renderer
                    .render(black_box(&err), black_box(&req), &mut buf)
                    .is_ok()
            }
            "baseline" => {
                let v = baseline::baseline(
                    style,
                    black_box(12_582_912),
                    black_box(10_485_760),
                    common::REQUEST_ID,
                );
                serde_json::to_writer(&mut buf, &v).is_ok()
            }
            "prerendered" => {
                pre.write(&mut buf, black_box(common::REQUEST_ID));
                true
            }
            _ => renderer
                .render(black_box(&err), black_box(&req), &mut buf)
                .is_ok(),
        };
        total += usize::from(ok) + buf.len();
    }
    println!("{total}");
}
