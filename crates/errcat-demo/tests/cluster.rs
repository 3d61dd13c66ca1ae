//! The demo on a throwaway three-master Redis Cluster (errcat-testkit's `RedisCluster`,
//! skipped with a message where `redis-server` or `redis-cli` is not installed): two instances
//! share limits, idempotency keys and revocations; the master that holds a principal is killed
//! mid-run and each instance answers as its fail mode says, then recovers; the binary's
//! `--redis-cluster` flag.

mod common;

use std::io::BufRead as _;
use std::time::{Duration, Instant};

use common::{PATIENT, Reply, bearer, client, demo, make_key, patient_redis, revoke_key, send};
use errcat::StyleKind;
use errcat::store::RedisStore;
use errcat_demo::{DemoConfig, DemoKeys, DemoStore};
use errcat_testkit::redis::RedisCluster;
use reqwest::header::AUTHORIZATION;
use serde_json::json;

/// The keys of every demo in this file.
fn keys() -> &'static DemoKeys {
    static KEYS: std::sync::OnceLock<DemoKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(DemoKeys::generate)
}

/// A store on the cluster under `prefix`, patient (the demo's `store_timeout` is the bound).
async fn store(cluster: &RedisCluster, prefix: &str) -> DemoStore {
    let store = RedisStore::connect_cluster(cluster.urls(), patient_redis().prefix(prefix))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    DemoStore::Redis(store)
}

fn patient(store: DemoStore) -> DemoConfig {
    DemoConfig {
        store,
        keys: keys().clone(),
        store_timeout: PATIENT,
        ..DemoConfig::default()
    }
}

fn fax_body() -> serde_json::Value {
    json!({
        "to": "+15551234567",
        "file": {"content_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}
    })
}

fn post_fax(base: &str, idempotency_key: &str) -> reqwest::RequestBuilder {
    client()
        .post(format!("{base}/faxes"))
        .bearer_auth(keys().sandbox.expose())
        .header("idempotency-key", idempotency_key)
        .json(&fax_body())
}

fn list(base: &str, key: &str) -> reqwest::RequestBuilder {
    client()
        .get(format!("{base}/faxes?limit=100"))
        .bearer_auth(key)
}

async fn fax_count(base: &str) -> usize {
    let r = send(list(base, keys().sandbox.expose())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json().as_array().map_or(0, Vec::len)
}

/// Two instances on one cluster: one limit between them, one run per idempotency key (a
/// retry on the other instance is a replay), and a key revoked on one stops on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_cluster_share_limits_idempotency_keys_and_revocations() {
    let Some(cluster) = RedisCluster::start_or_skip() else {
        return;
    };

    // Limits: 20 an hour for the live key, 100 requests spread over both instances.
    let limited = |store| DemoConfig {
        key_hourly: 20,
        ..patient(store)
    };
    let a = demo(limited(store(&cluster, "limits").await)).await;
    let b = demo(limited(store(&cluster, "limits").await)).await;
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            tokio::spawn(send(list(base, keys().live.expose())))
        })
        .collect();
    let (mut admitted, mut refused) = (0, 0);
    for t in tasks {
        let r: Reply = t.await.expect("task");
        match r.status {
            200 => admitted += 1,
            429 => {
                assert_eq!(
                    common::code_of(StyleKind::Flat, r.json()),
                    "rate_limit_exceeded"
                );
                let retry: u64 = r.header("retry-after").parse().expect("Retry-After");
                // 20 an hour earns one back every 3 minutes.
                assert!((170..=180).contains(&retry), "Retry-After {retry}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((admitted, refused), (20, 80));

    // Idempotency keys: 40 tries of one key at once over both instances run the handler once.
    let a = demo(patient(store(&cluster, "idem").await)).await;
    let b = demo(patient(store(&cluster, "idem").await)).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base };
            tokio::spawn(send(post_fax(base, "shared-order")))
        })
        .collect();
    let mut first: Option<String> = None;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            201 => match &first {
                Some(body) => assert_eq!(&r.text, body, "a replay differs"),
                None => first = Some(r.text.clone()),
            },
            409 => assert_eq!(
                common::code_of(StyleKind::Flat, r.json()),
                "idempotency_key_in_progress"
            ),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    let first = first.expect("no request was admitted");
    assert_eq!(fax_count(&a.base).await + fax_count(&b.base).await, 1);
    for base in [&a.base, &b.base] {
        let r = send(post_fax(base, "shared-order")).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.header("idempotent-replayed"), "true");
        assert_eq!(r.text, first);
    }
    // The same key with another body is refused on either instance.
    let r = send(
        client()
            .post(format!("{}/faxes", b.base))
            .bearer_auth(keys().sandbox.expose())
            .header("idempotency-key", "shared-order")
            .json(&json!({"to": "+15550000000", "file": {"content_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}})),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);

    // Revocations: a key made on A works on B; revoked on A, B refuses it at once.
    let config = |store| DemoConfig {
        key_cache_ttl: Duration::ZERO,
        ..patient(store)
    };
    let a = demo(config(store(&cluster, "keys").await)).await;
    let b = demo(config(store(&cluster, "keys").await)).await;
    let r = make_key(
        &a,
        json!({"name": "shared", "scopes": ["faxes:read"], "environment": "live"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let on_b = || {
        client()
            .get(b.url("/faxes"))
            .header(AUTHORIZATION, bearer(&secret))
    };
    assert_eq!(send(on_b()).await.status, 200, "a key made on A works on B");
    let listed = send(
        client()
            .get(b.url("/account/keys"))
            .header(AUTHORIZATION, bearer(b.keys.account.expose())),
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert!(
        listed.text.contains(&id),
        "B lists the key made on A: {}",
        listed.text
    );
    let r = revoke_key(&a, &id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = send(on_b()).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.json()["error"], "unauthenticated");
}

/// How long an answer may take while a master is down: the demo's store bound is 250 ms; a
/// hang would never end, and a busy machine may be slow.
const HANG: Duration = Duration::from_secs(30);

/// A client that waits longer than [`HANG`], so a hang shows as the bound, not as its error.
fn slow_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(HANG * 2)
        .build()
        .expect("reqwest client")
}

/// Sends `req`, asserting the answer comes within [`HANG`].
async fn timely(what: &str, req: reqwest::RequestBuilder) -> Reply {
    let started = Instant::now();
    let r = send(req).await;
    assert!(
        started.elapsed() < HANG,
        "{what} took {:?}",
        started.elapsed()
    );
    r
}

/// The master holding the sandbox key's limits and idempotency keys is killed mid-run: the
/// fail-closed instance answers 503 `service_unavailable` (with Retry-After), the fail-open one
/// serves unguarded, each within the bound; once the master is back (the cluster whole), both
/// guard requests again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_killed_mid_run_fails_as_configured_and_service_returns_with_it() {
    let Some(mut cluster) = RedisCluster::start_or_skip() else {
        return;
    };
    let config = |store, fail_open| DemoConfig {
        store,
        keys: keys().clone(),
        fail_open,
        // Authentication reads keys from its cache through the outage: the test is about the
        // limits and idempotency keys.
        key_cache_ttl: Duration::from_secs(3600),
        ..DemoConfig::default()
    };
    let closed = demo(config(store(&cluster, "fault").await, false)).await;
    let open = demo(config(store(&cluster, "fault").await, true)).await;
    let sandbox = keys().sandbox.expose();
    let get = |base: &str| {
        slow_client()
            .get(format!("{base}/faxes"))
            .bearer_auth(sandbox)
    };
    let post = |base: &str, key: &str| {
        slow_client()
            .post(format!("{base}/faxes"))
            .bearer_auth(sandbox)
            .header("idempotency-key", key)
            .json(&fax_body())
    };
    // The principal is the key's id: its tag names the master.
    let victim = cluster
        .node_for_key(&format!("{{{}}}", keys().sandbox.id()))
        .unwrap_or_else(|e| panic!("{e}"));

    // Mid-run: requests flow through both instances until the master dies.
    for base in [&closed.base, &open.base] {
        for _ in 0..5 {
            let r = send(get(base)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert!(principal_limited(&r), "{:?}", r.header("ratelimit"));
        }
    }
    cluster.stop_node(victim);
    for round in 0..3 {
        let r = timely("a fail-closed GET", get(&closed.base)).await;
        assert_eq!(r.status, 503, "round {round}: {}", r.text);
        assert_eq!(
            common::code_of(StyleKind::Flat, r.json()),
            "service_unavailable"
        );
        assert_eq!(r.header("retry-after"), "1");
        let r = timely("a fail-closed POST", post(&closed.base, "while-down")).await;
        assert_eq!(r.status, 503, "round {round}: {}", r.text);

        let r = timely("a fail-open GET", get(&open.base)).await;
        assert_eq!(r.status, 200, "round {round}: {}", r.text);
        // Unguarded: no state of the principal's windows (the address's limit may be on a
        // master that is still up).
        assert!(!principal_limited(&r), "{:?}", r.header("ratelimit"));
        if round == 0 {
            let r = timely("a fail-open POST", post(&open.base, "open")).await;
            assert_eq!(r.status, 201, "{}", r.text);
            assert_eq!(r.header("idempotent-replayed"), "");
        }
    }

    // The other masters count it as failing: the cluster refuses everything (CLUSTERDOWN),
    // the address's limit too.
    cluster.wait_failed().unwrap_or_else(|e| panic!("{e}"));
    let r = timely("a fail-closed GET", get(&closed.base)).await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(
        common::code_of(StyleKind::Flat, r.json()),
        "service_unavailable"
    );
    let r = timely("a fail-open GET", get(&open.base)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("ratelimit"), "", "nothing guarded");

    // Whole again: the same master, its slots, no data.
    cluster
        .restart_node(victim)
        .unwrap_or_else(|e| panic!("{e}"));
    for base in [&closed.base, &open.base] {
        let started = Instant::now();
        loop {
            let r = send(get(base)).await;
            if r.status == 200 && principal_limited(&r) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{base} did not recover once the cluster was whole: {} {}",
                r.status,
                r.text
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The key refused while the master was down was kept nowhere: it runs now, then replays.
    let r = send(post(&closed.base, "while-down")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "");
    let r = send(post(&open.base, "while-down")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "true");
}

/// Whether the answer carries the state of the principal's windows (`second`, `hour`).
fn principal_limited(r: &Reply) -> bool {
    let state = r.header("ratelimit");
    state.contains("\"second\";") && state.contains("\"hour\";")
}

/// `--redis-cluster` takes comma-separated seed nodes and says where the state is; it and
/// `--redis` exclude each other; a cluster that is not there is an error that says what to fix.
#[test]
fn the_binary_takes_redis_cluster() {
    let bin = env!("CARGO_BIN_EXE_errcat-demo");
    let both = std::process::Command::new(bin)
        .args([
            "--redis",
            "redis://127.0.0.1:1/",
            "--redis-cluster",
            "redis://127.0.0.1:2/",
        ])
        .output()
        .expect("run the demo");
    assert_eq!(both.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&both.stderr);
    assert!(stderr.contains("cannot be used with"), "{stderr}");

    // A port held but not listening: connections are refused.
    let holder = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = holder.local_addr().expect("addr").port();
    drop(holder);
    let down = std::process::Command::new(bin)
        .args(["--addr", "127.0.0.1:0", "--redis-cluster"])
        .arg(format!("redis://127.0.0.1:{port}/"))
        .output()
        .expect("run the demo");
    assert_eq!(down.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(stderr.contains("cannot use the Redis Cluster"), "{stderr}");
    assert!(stderr.contains("fix --redis-cluster"), "{stderr}");

    let Some(cluster) = RedisCluster::start_or_skip() else {
        return;
    };
    let mut child = std::process::Command::new(bin)
        .args(["--addr", "127.0.0.1:0", "--redis-cluster"])
        .arg(cluster.urls().join(","))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run the demo");
    let mut line = String::new();
    let read = std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let _ = child.kill();
    let _ = child.wait();
    read.expect("the demo's first line");
    assert!(
        line.contains("limits and idempotency keys on the Redis Cluster at redis://127.0.0.1:"),
        "{line}"
    );
    assert_eq!(
        line.matches("redis://").count(),
        RedisCluster::MASTERS,
        "{line}"
    );
}
