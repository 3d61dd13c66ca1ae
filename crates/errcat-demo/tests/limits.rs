//! The demo's rate limits and idempotency keys, in memory and on a real `redis-server` that the
//! test starts on a free loopback port: one instance and two sharing Redis, and Redis killed
//! mid-run.

mod common;

use std::time::{Duration, Instant};

use common::{PATIENT, Reply, client, demo, patient_redis, send};
use errcat::StyleKind;
use errcat::store::{ManualClock, MemoryStore, RedisStore};
use errcat_demo::{DemoConfig, DemoKeys, DemoStore};
use errcat_testkit::redis::RedisServer;

/// The keys of every demo in this file: instances sharing a store share their keys too.
fn keys() -> &'static DemoKeys {
    static KEYS: std::sync::OnceLock<DemoKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(DemoKeys::generate)
}

/// The default configuration, with this file's keys.
/// [`base`], with the store given all the time it needs: for tests that are not about faults.
fn patient() -> DemoConfig {
    DemoConfig {
        store_timeout: PATIENT,
        ..base()
    }
}

fn base() -> DemoConfig {
    DemoConfig {
        keys: keys().clone(),
        ..DemoConfig::default()
    }
}

/// A fresh server, or `None` where `redis-server` is not installed (the test is skipped).
fn redis_server() -> Option<RedisServer> {
    RedisServer::start_or_skip()
}

async fn redis_store(server: &RedisServer) -> DemoStore {
    let store = RedisStore::connect(&server.url(), patient_redis())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    DemoStore::Redis(store)
}

fn fax_body() -> serde_json::Value {
    serde_json::json!({
        "to": "+15551234567",
        "file": {"content_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}
    })
}

fn post_fax(base: &str, key: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{base}/faxes"))
        .bearer_auth(keys().sandbox.expose())
        .header("idempotency-key", key)
        .json(&fax_body())
}

async fn fax_count(base: &str) -> usize {
    let r = send(
        client()
            .get(format!("{base}/faxes?limit=100"))
            .bearer_auth(keys().sandbox.expose()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json().as_array().map_or(0, Vec::len)
}

/// Sends 200 requests with one idempotency key at once, spread over the instances, and checks
/// that exactly one fax exists among them all, that every answer is the first response or
/// the in-progress envelope, and that every replay is byte-for-byte the original.
async fn one_key_runs_once(bases: &[String]) {
    let tasks: Vec<_> = (0..200)
        .map(|i| tokio::spawn(send(post_fax(&bases[i % bases.len()], "same-order"))))
        .collect();
    let mut first: Option<String> = None;
    let mut in_progress = 0;
    for t in tasks {
        let r: Reply = t.await.unwrap();
        match r.status {
            201 => {
                if let Some(body) = &first {
                    assert_eq!(&r.text, body, "a replay differs from the first response");
                } else {
                    first = Some(r.text.clone());
                }
            }
            409 => {
                assert_eq!(
                    common::code_of(StyleKind::Flat, r.json()),
                    "idempotency_key_in_progress"
                );
                assert_eq!(r.header("retry-after"), "1");
                in_progress += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert!(first.is_some(), "no request was admitted");
    let mut total = 0;
    for base in bases {
        total += fax_count(base).await;
    }
    assert_eq!(
        total, 1,
        "the handler ran {total} times ({in_progress} in progress answers)"
    );
    // After the first finished, a retry anywhere is a replay.
    for base in bases {
        let r = send(post_fax(base, "same-order")).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.header("idempotent-replayed"), "true");
        assert_eq!(Some(&r.text), first.as_ref());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_retries_create_one_fax_in_memory() {
    let server = demo(base()).await;
    one_key_runs_once(std::slice::from_ref(&server.base)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_retries_create_one_fax_on_redis_one_and_two_instances() {
    let Some(redis) = redis_server() else { return };
    let one = demo(DemoConfig {
        store: redis_store(&redis).await,
        ..patient()
    })
    .await;
    one_key_runs_once(std::slice::from_ref(&one.base)).await;

    // Two fresh instances (their own fax tables) sharing a fresh Redis.
    let Some(redis) = redis_server() else { return };
    let a = demo(DemoConfig {
        store: redis_store(&redis).await,
        ..patient()
    })
    .await;
    let b = demo(DemoConfig {
        store: redis_store(&redis).await,
        ..patient()
    })
    .await;
    one_key_runs_once(&[a.base.clone(), b.base.clone()]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_admit_no_more_than_the_limit() {
    let Some(redis) = redis_server() else { return };
    let config = |store| DemoConfig {
        store,
        key_hourly: 20,
        ..patient()
    };
    let a = demo(config(redis_store(&redis).await)).await;
    let b = demo(config(redis_store(&redis).await)).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            tokio::spawn(send(
                client()
                    .get(format!("{base}/faxes"))
                    .bearer_auth(keys().sandbox.expose()),
            ))
        })
        .collect();
    let (mut admitted, mut limited) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => admitted += 1,
            429 => {
                assert_eq!(
                    common::code_of(StyleKind::Flat, r.json()),
                    "rate_limit_exceeded"
                );
                let retry: u64 = r.header("retry-after").parse().unwrap();
                // 20 an hour earns one back every 3 minutes.
                assert!((170..=180).contains(&retry), "Retry-After {retry}");
                assert_eq!(r.header("x-ratelimit-remaining"), "0");
                limited += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((admitted, limited), (20, 80));
}

/// On Redis, a request with a key the demo already knows (its record cached, the key
/// remembered) is one round trip: its address and its plan in one script. A key's first
/// request is two (the address before authentication, the plan after), and the plan counts
/// each request once either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_key_costs_one_redis_round_trip_and_counts_once() {
    let Some(redis) = redis_server() else { return };
    let d = demo(DemoConfig {
        store: redis_store(&redis).await,
        key_hourly: 10,
        ..patient()
    })
    .await;
    let calls = |c: &str| redis.calls(c).unwrap_or_else(|e| panic!("{e}"));
    let list = || {
        send(
            client()
                .get(format!("{}/faxes", d.base))
                .bearer_auth(keys().sandbox.expose()),
        )
    };
    // What the demo sends on this path: scripts, and the key's record. (INFO commandstats
    // also counts the commands the scripts run inside Redis, GET and SET among them.)
    let sent = || calls("evalsha") + calls("eval") + calls("hgetall");
    let before = sent();
    let first = list().await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.header("x-ratelimit-remaining"), "9");
    let cold = sent() - before;
    // The address, the key's record (once), the plan.
    assert!(cold >= 2, "{cold} commands for a key's first request");
    for left in (0..9).rev() {
        let before = sent();
        let r = list().await;
        assert_eq!(r.status, 200, "{}", r.text);
        let per = ["evalsha", "eval", "hgetall"].map(|c| (c, calls(c)));
        assert_eq!(
            sent() - before,
            1,
            "one round trip for a known key: {per:?}"
        );
        assert_eq!(r.header("x-ratelimit-remaining"), left.to_string());
        let state = r.header("ratelimit");
        assert!(state.contains("\"ip-second\";r="), "{state}");
        assert_eq!(state.matches("\"hour\";r=").count(), 1, "{state}");
    }
    let refused = list().await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(
        common::code_of(StyleKind::Flat, refused.json()),
        "rate_limit_exceeded"
    );
    // Known keys on routes the plans do not cover cost them nothing.
    let health = send(
        client()
            .get(format!("{}/healthz", d.base))
            .bearer_auth(keys().sandbox.expose()),
    )
    .await;
    assert_eq!(health.status, 200);
    assert_eq!(health.header("x-ratelimit-limit"), "1000");
}

/// Polls until `check` holds, for at most `limit`.
async fn eventually<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_fails_as_configured_and_service_returns_with_it() {
    let Some(mut redis) = redis_server() else {
        return;
    };
    let closed = demo(DemoConfig {
        store: redis_store(&redis).await,
        ..base()
    })
    .await;
    let open = demo(DemoConfig {
        store: redis_store(&redis).await,
        fail_open: true,
        ..base()
    })
    .await;
    let list = |base: &str| {
        client()
            .get(format!("{base}/faxes"))
            .bearer_auth(keys().sandbox.expose())
    };
    for base in [&closed.base, &open.base] {
        let r = send(list(base)).await;
        assert_eq!(r.status, 200);
        assert!(!r.header("ratelimit").is_empty());
    }

    redis.stop();
    for round in 0..3 {
        let started = Instant::now();
        let r = send(list(&closed.base)).await;
        // The store's bound is 250 ms; a hang would last the client's 15 s.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "round {round} took {:?}",
            started.elapsed()
        );
        assert_eq!(r.status, 503, "{}", r.text);
        assert_eq!(
            common::code_of(StyleKind::Flat, r.json()),
            "service_unavailable"
        );
        assert_eq!(r.header("retry-after"), "1");
        assert_eq!(
            common::request_id_of(StyleKind::Flat, r.json()),
            r.header("x-request-id")
        );
        let r = send(post_fax(&closed.base, "while-down")).await;
        assert_eq!(r.status, 503, "{}", r.text);

        let started = Instant::now();
        let r = send(list(&open.base)).await;
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.header("ratelimit").is_empty());
        if round == 0 {
            // Unguarded, but still served: the fax is created (the sandbox affords two).
            let r = send(post_fax(&open.base, "open")).await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    }
    // Nothing was kept for the key refused while Redis was down.
    redis.restart().unwrap_or_else(|e| panic!("{e}"));
    let back = eventually(Duration::from_secs(15), || async {
        let r = send(list(&closed.base)).await;
        r.status == 200 && !r.header("ratelimit").is_empty()
    })
    .await;
    assert!(
        back,
        "the fail-closed instance did not recover after Redis returned"
    );
    let r = send(post_fax(&closed.base, "while-down")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "");
    let r = send(post_fax(&closed.base, "while-down")).await;
    assert_eq!(r.header("idempotent-replayed"), "true");
    let r = send(list(&open.base)).await;
    assert_eq!(r.status, 200);
    assert!(
        eventually(Duration::from_secs(15), || async {
            !send(list(&open.base)).await.header("ratelimit").is_empty()
        })
        .await
    );
}

#[tokio::test]
async fn the_free_plan_is_three_requests_from_a_429_with_every_header() {
    // The store's clock stands still, so however slow the machine, no token comes back
    // between the requests.
    let server = demo(DemoConfig {
        store: DemoStore::Memory(MemoryStore::with_clock(ManualClock::new())),
        ..base()
    })
    .await;
    let get = || {
        client()
            .get(server.url("/faxes"))
            .bearer_auth(keys().free.expose())
    };
    // The items of a list header, in any order: a key's first request is decided by the
    // plan's layer after authentication, the next ones with the address before it.
    let items = |v: &str| {
        let mut items: Vec<String> = v.split(", ").map(str::to_owned).collect();
        items.sort();
        items
    };
    let item = |v: &str, name: &str| {
        v.split(", ")
            .find(|i| i.starts_with(&format!("\"{name}\";")))
            .unwrap_or_else(|| panic!("no {name} in {v}"))
            .to_owned()
    };
    for remaining in ["1", "0"] {
        let r = send(get()).await;
        assert_eq!(r.status, 200);
        // The plan's windows and every request's limit per address.
        assert_eq!(
            items(r.header("ratelimit-policy")),
            items(r#""free-second";q=2;w=1, "free-hour";q=30;w=3600, "ip-second";q=1000;w=1"#)
        );
        let state = r.header("ratelimit");
        assert_eq!(
            item(state, "free-second"),
            format!("\"free-second\";r={remaining};t=1")
        );
        assert!(
            item(state, "free-hour").starts_with("\"free-hour\";r="),
            "{state}"
        );
        assert!(
            item(state, "ip-second").starts_with("\"ip-second\";r="),
            "{state}"
        );
        assert_eq!(items(state).len(), 3, "{state}");
        assert_eq!(r.header("x-ratelimit-remaining"), remaining);
    }
    let r = send(get()).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        common::code_of(StyleKind::Flat, r.json()),
        "rate_limit_exceeded"
    );
    assert_eq!(r.header("retry-after"), "1");
    // The refusing window, and the address's; the hourly window was not consulted.
    let state = r.header("ratelimit");
    assert_eq!(item(state, "free-second"), "\"free-second\";r=0;t=1");
    assert!(
        item(state, "ip-second").starts_with("\"ip-second\";r="),
        "{state}"
    );
    assert_eq!(items(state).len(), 2, "{state}");
}
