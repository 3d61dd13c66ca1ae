//! Store metrics (feature `metrics`): every call timed per store, failures counted; a Redis
//! store that cannot answer counts an error. The recorder is this test's own
//! (`metrics::with_local_recorder` around a current-thread runtime).

use std::time::Duration;

use errcat_store::{Fingerprint, IdempotencyStore, MemoryStore, RateLimitStore, Window};

fn count(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(line_start)?.trim().parse().ok())
}

#[test]
fn memory_calls_are_timed_and_none_fails() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let store = MemoryStore::new();
            let limiter = store.limiter("p", &[Window::per_second("s", 10)]);
            for _ in 0..3 {
                limiter.check("k").await.expect("a decision");
            }
            let fp = Fingerprint::of("POST", "/", b"");
            store
                .begin("scope", "key", &fp, Duration::from_secs(5))
                .await
                .expect("begin");
        })
    });
    let text = handle.render();
    assert_eq!(
        count(
            &text,
            "errcat_store_duration_seconds_count{store=\"memory\"}"
        ),
        Some(4.0),
        "{text}"
    );
    assert!(!text.contains("errcat_store_errors_total"), "{text}");
}

#[cfg(feature = "redis")]
#[test]
fn a_redis_store_that_cannot_answer_counts_an_error() {
    use errcat_store::{RedisConfig, RedisStore};
    let Some(server) = errcat_testkit::redis::RedisServer::start_or_skip() else {
        return;
    };
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let store = RedisStore::connect(&server.url(), RedisConfig::new())
                .await
                .expect("connect");
            let limiter = store.limiter("p", &[Window::per_second("s", 10)]);
            limiter.check("k").await.expect("a decision");
            drop(server);
            assert!(limiter.check("k").await.is_err(), "the server is gone");
        })
    });
    let text = handle.render();
    assert!(
        count(
            &text,
            "errcat_store_duration_seconds_count{store=\"redis\"}"
        )
        .is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert!(
        count(&text, "errcat_store_errors_total{store=\"redis\"}").is_some_and(|n| n >= 1.0),
        "{text}"
    );
}
