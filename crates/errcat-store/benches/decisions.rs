//! Rate-limit decisions per second, on each store.
//!
//! `cargo bench -p errcat-store --all-features --bench decisions` (the Redis benches need the
//! `redis` feature, and `redis-server` and `redis-cli` on `PATH`; they start their own server
//! and three-master cluster with errcat-testkit's harness, and are skipped with a message
//! where those are missing).
//!
//! Every decision is over a two-window policy (100 per second, 100 000 per hour), as a typical
//! API-key limit: memory on one hot key and on 10 000 rotating keys; Redis (one server, then a
//! cluster, in the same run) with sequential awaits on one connection, and with 64 checks in
//! flight at once.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use errcat_store::{Decision, Limiter, MemoryStore, RateLimitStore, Window};

fn windows() -> [Window; 2] {
    [
        Window::per_second("burst", 100),
        Window::per_hour("hourly", 100_000),
    ]
}

fn keys() -> Vec<String> {
    (0..10_000).map(|i| format!("key-{i:05}")).collect()
}

/// The memory store's futures are ready at once: poll them without a runtime.
fn decide_now(limiter: &dyn Limiter, key: &str) -> Decision {
    let mut future = pin!(limiter.check(key));
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(decision) => decision.expect("the memory store does not fail"),
        Poll::Pending => panic!("the memory store answers at once"),
    }
}

fn memory(c: &mut Criterion) {
    let store = MemoryStore::new();
    let mut group = c.benchmark_group("memory");
    group.throughput(Throughput::Elements(1));

    let limiter = store.limiter("hot", &windows());
    group.bench_function("one hot key", |b| {
        b.iter(|| black_box(decide_now(&*limiter, black_box("key-00000"))));
    });

    let limiter = store.limiter("rotating", &windows());
    let keys = keys();
    let mut i = 0;
    group.bench_function("10k rotating keys", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(decide_now(&*limiter, black_box(&keys[i])))
        });
    });
    group.finish();
}

#[cfg(feature = "redis")]
fn redis(c: &mut Criterion) {
    use errcat_store::{RedisConfig, RedisStore};
    use errcat_testkit::redis::{RedisCluster, RedisServer};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The skip messages say why; ERRCAT_REQUIRE_REDIS=1 makes a missing server fail instead.
    if let Some(server) = RedisServer::start_or_skip() {
        let store = runtime
            .block_on(RedisStore::connect(&server.url(), RedisConfig::new()))
            .unwrap_or_else(|e| panic!("{e}"));
        redis_group(c, "redis", &runtime, &store);
    }
    if let Some(cluster) = RedisCluster::start_or_skip() {
        let store = runtime
            .block_on(RedisStore::connect_cluster(
                cluster.urls(),
                RedisConfig::new(),
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        redis_group(c, "redis cluster", &runtime, &store);
    }
}

/// Sequential decisions on one key, and 64 in flight over 10 000 keys (on a cluster, spread
/// over the masters).
#[cfg(feature = "redis")]
fn redis_group(
    c: &mut Criterion,
    name: &str,
    runtime: &tokio::runtime::Runtime,
    store: &errcat_store::RedisStore,
) {
    use std::sync::Arc;
    use std::time::Instant;

    const IN_FLIGHT: u64 = 64;

    let limiter = store.limiter("bench", &windows());
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));

    group.bench_function("sequential", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(limiter.check("key-00000").await.expect("check"));
                }
                started.elapsed()
            })
        });
    });

    let keys: Arc<Vec<String>> = Arc::new(keys());
    group.bench_function("64 in flight", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let started = Instant::now();
                let mut tasks = tokio::task::JoinSet::new();
                for t in 0..IN_FLIGHT {
                    // Spread `iters` decisions over the tasks.
                    let share = iters / IN_FLIGHT + u64::from(t < iters % IN_FLIGHT);
                    let limiter = Arc::clone(&limiter);
                    let keys = Arc::clone(&keys);
                    tasks.spawn(async move {
                        for i in 0..share {
                            let key = &keys[((t * 131 + i) % keys.len() as u64) as usize];
                            black_box(limiter.check(key).await.expect("check"));
                        }
                    });
                }
                while let Some(done) = tasks.join_next().await {
                    done.expect("task");
                }
                started.elapsed()
            })
        });
    });
    group.finish();
}

#[cfg(not(feature = "redis"))]
fn redis(_: &mut Criterion) {
    eprintln!("redis benches skipped: build with --features redis");
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = memory, redis
}
criterion_main!(benches);
