//! The error path with metrics: one handler error rendered through `ErrcatLayer` (the
//! request id, the task scope, the render, the `errcat_requests_total` and
//! `errcat_errors_total` counts), with no recorder installed and with a Prometheus recorder,
//! in one run. No log subscriber: the log line is not what is measured.
//!
//! `cargo bench -p errcat --features axum,metrics --bench observe`; without `metrics` only the
//! first case runs, with the hooks compiled out.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse as _, Response};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use tower::Service as _;

#[path = "common.rs"]
#[allow(dead_code)]
mod common;

fn bench(c: &mut Criterion) {
    let catalog = common::catalog();
    let handler_catalog = catalog.clone();
    let mut service =
        errcat::axum::Errcat::new(catalog).service(tower::service_fn(move |_req: Request| {
            let err = common::error(&handler_catalog);
            async move { Ok::<Response, Infallible>(err.into_response()) }
        }));
    let mut once = move || {
        let req = Request::builder()
            .uri("/uploads")
            .body(Body::empty())
            .unwrap_or_default();
        let res = service.call(req).now_or_never();
        let status = res.map(|r| r.map(|r| r.status().as_u16()));
        assert!(matches!(status, Some(Ok(422))), "{status:?}");
    };
    let mut group = c.benchmark_group("error_path");
    group.bench_function("no_recorder", |b| b.iter(&mut once));
    #[cfg(feature = "metrics")]
    {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            group.bench_function("prometheus_recorder", |b| b.iter(&mut once));
        });
        let text = handle.render();
        assert!(
            text.contains("errcat_errors_total{code=\"upload_too_large\",status=\"422\"}"),
            "{text}"
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
