//! One suite for every API-key store: memory, Redis (on a throwaway `redis-server`, skipped
//! with a message where it is not installed) and the cache in front of each.

use std::time::Duration;

use errcat_store::MemoryStore;
use errcat_store::keys::{ApiKeySecret, CachedKeyStore, KeyHasher, KeyRecord, KeyStore};

fn record(owner: &str, hasher: &KeyHasher) -> (ApiKeySecret, KeyRecord) {
    let secret = ApiKeySecret::generate("mfx", "test").expect("key");
    let record = KeyRecord::new(&secret, hasher, "a key", owner)
        .scopes(["faxes:read", "faxes:write"])
        .expires_after(Duration::from_secs(3600))
        .networks([
            "10.0.0.0/8".parse().expect("net"),
            "2001:db8::/32".parse().expect("net"),
        ]);
    (secret, record)
}

/// Put, get, match, list by owner, revoke (once), unknown ids.
async fn lifecycle<S: KeyStore>(store: &S) {
    let hasher = KeyHasher::hmac(b"pepper");
    let owner = format!("acct-{}", fastrand_u64());
    let (secret, rec) = record(&owner, &hasher);
    store.put(&rec).await.expect("put");
    let found = store.get(secret.id()).await.expect("get").expect("found");
    assert_eq!(found, rec, "the record comes back whole");
    assert!(found.matches(&secret, &hasher));
    assert!(
        !found.matches(&secret, &KeyHasher::sha256()),
        "another pepper"
    );
    let other = ApiKeySecret::generate("mfx", "test").expect("key");
    assert!(!found.matches(&other, &hasher));
    assert!(found.has_scope("faxes:write") && !found.has_scope("account"));
    assert!(found.allows("10.1.2.3".parse().expect("ip")));
    assert!(
        found.allows("::ffff:10.1.2.3".parse().expect("ip")),
        "v4-mapped"
    );
    assert!(!found.allows("192.0.2.1".parse().expect("ip")));
    assert!(found.allows("2001:db8::1".parse().expect("ip")));
    assert!(!found.is_expired(rec.created + 3599) && found.is_expired(rec.created + 3600));

    let (second, rec2) = record(&owner, &hasher);
    store.put(&rec2).await.expect("put");
    let (_, foreign) = record("someone-else", &hasher);
    store.put(&foreign).await.expect("put");
    let listed = store.list(&owner).await.expect("list");
    let mut ids = vec![rec.id.clone(), rec2.id.clone()];
    ids.sort();
    assert_eq!(listed.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), ids);

    assert!(store.revoke(second.id(), 100).await.expect("revoke"));
    assert!(store.revoke(second.id(), 200).await.expect("revoke again"));
    let revoked = store.get(second.id()).await.expect("get").expect("kept");
    assert_eq!(revoked.revoked, Some(100), "the first revocation stands");
    assert!(!store.revoke("mfx_test_nothere", 1).await.expect("revoke"));
    assert_eq!(store.get("mfx_test_nothere").await.expect("get"), None);
}

fn fastrand_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed) + u64::from(std::process::id()) * 1_000_000
}

/// A cache keeps answers (missing ones too) for its ttl, sees its own writes at once, and holds
/// no more than its capacity.
async fn cache_semantics<S: KeyStore + Clone>(backing: S) {
    let hasher = KeyHasher::sha256();
    let cache = CachedKeyStore::new(backing.clone(), Duration::from_secs(3600), 4);
    let (secret, rec) = record("cache-owner", &hasher);
    // A miss is remembered: a key added behind the cache's back stays unknown for the ttl.
    assert_eq!(cache.get(secret.id()).await.expect("get"), None);
    backing.put(&rec).await.expect("put");
    assert_eq!(cache.get(secret.id()).await.expect("get"), None);
    // Written through the cache: seen at once.
    cache.put(&rec).await.expect("put");
    assert!(cache.get(secret.id()).await.expect("get").is_some());
    // Revoked behind its back: still cached as valid (the ttl is the bound)…
    backing.revoke(secret.id(), 5).await.expect("revoke");
    let cached = cache.get(secret.id()).await.expect("get").expect("found");
    assert_eq!(cached.revoked, None);
    // …revoked through it: at once.
    cache.revoke(secret.id(), 6).await.expect("revoke");
    let now = cache.get(secret.id()).await.expect("get").expect("found");
    assert_eq!(now.revoked, Some(5));

    // A zero ttl caches nothing: a revocation elsewhere is seen on the next lookup.
    let fresh = CachedKeyStore::new(backing.clone(), Duration::ZERO, 4);
    let (s2, r2) = record("cache-owner", &hasher);
    backing.put(&r2).await.expect("put");
    assert!(
        fresh
            .get(s2.id())
            .await
            .expect("get")
            .is_some_and(|r| r.revoked.is_none())
    );
    backing.revoke(s2.id(), 7).await.expect("revoke");
    assert_eq!(
        fresh
            .get(s2.id())
            .await
            .expect("get")
            .and_then(|r| r.revoked),
        Some(7)
    );

    // Spraying unknown ids keeps at most `capacity` answers; lookups still answer.
    for i in 0..100 {
        assert_eq!(
            cache
                .get(&format!("mfx_test_spray{i:04}"))
                .await
                .expect("get"),
            None
        );
    }
    assert!(cache.get(secret.id()).await.expect("get").is_some());
}

mod memory {
    use super::*;

    #[tokio::test]
    async fn lifecycle() {
        super::lifecycle(&MemoryStore::new()).await;
    }

    #[tokio::test]
    async fn lifecycle_behind_a_cache() {
        let cache = CachedKeyStore::new(MemoryStore::new(), Duration::from_secs(60), 100);
        super::lifecycle(&cache).await;
    }

    #[tokio::test]
    async fn cache_semantics() {
        super::cache_semantics(MemoryStore::new()).await;
    }
}

/// The shared cases on a Redis backend: `$harness::start_or_skip()` gives a server (or says it
/// is skipped), and the module's `connect` a store on it.
#[cfg(feature = "redis")]
macro_rules! redis_suite {
    ($harness:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn lifecycle() {
            let Some(harness) = $harness::start_or_skip() else {
                return;
            };
            super::lifecycle(&connect(&harness).await).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn lifecycle_behind_a_cache() {
            let Some(harness) = $harness::start_or_skip() else {
                return;
            };
            let cache = CachedKeyStore::new(connect(&harness).await, Duration::from_secs(60), 100);
            super::lifecycle(&cache).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn cache_semantics() {
            let Some(harness) = $harness::start_or_skip() else {
                return;
            };
            super::cache_semantics(connect(&harness).await).await;
        }
    };
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use errcat_store::{RedisConfig, RedisStore};
    use errcat_testkit::redis::RedisServer;

    async fn connect(server: &RedisServer) -> RedisStore {
        RedisStore::connect(
            &server.url(),
            // A busy machine can stall a round trip past the default 500 ms.
            RedisConfig::new()
                .prefix("keys")
                .response_timeout(std::time::Duration::from_secs(30)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    redis_suite!(RedisServer);

    /// A revocation on one instance is seen by another at once (each talks to Redis), and a
    /// record is byte-exact across instances.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn revocation_is_seen_by_a_second_instance() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        let (a, b) = (connect(&server).await, connect(&server).await);
        let hasher = KeyHasher::sha256();
        let (secret, rec) = record("two", &hasher);
        a.put(&rec).await.expect("put");
        assert_eq!(b.get(secret.id()).await.expect("get"), Some(rec.clone()));
        assert!(a.revoke(secret.id(), 42).await.expect("revoke"));
        assert_eq!(
            b.get(secret.id())
                .await
                .expect("get")
                .and_then(|r| r.revoked),
            Some(42)
        );
    }

    /// Redis gone: calls fail, never hang.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_outage_is_an_error() {
        let Some(mut server) = RedisServer::start_or_skip() else {
            return;
        };
        let store = connect(&server).await;
        server.stop();
        let started = std::time::Instant::now();
        assert!(store.get("mfx_test_x").await.is_err());
        assert!(store.list("o").await.is_err());
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "{:?}",
            started.elapsed()
        );
    }
}

/// The same suite on a three-master Redis Cluster: records spread over the slots by id, owners'
/// sets by owner, and every command touches one slot.
#[cfg(feature = "redis")]
mod cluster {
    use super::*;
    use errcat_store::{RedisConfig, RedisStore};
    use errcat_testkit::redis::RedisCluster;

    async fn connect(cluster: &RedisCluster) -> RedisStore {
        RedisStore::connect_cluster(
            cluster.urls(),
            RedisConfig::new()
                .prefix("keys")
                .response_timeout(std::time::Duration::from_secs(30)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    redis_suite!(RedisCluster);

    /// A revocation on one instance is seen by another at once; an owner's keys, on many
    /// slots, all come back in its listing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn revocation_is_seen_by_a_second_instance_and_listings_span_slots() {
        let Some(cluster) = RedisCluster::start_or_skip() else {
            return;
        };
        let (a, b) = (connect(&cluster).await, connect(&cluster).await);
        let hasher = KeyHasher::sha256();
        let mut ids = Vec::new();
        let mut nodes = std::collections::BTreeSet::new();
        for _ in 0..12 {
            let (secret, rec) = record("many", &hasher);
            a.put(&rec).await.expect("put");
            assert_eq!(b.get(secret.id()).await.expect("get"), Some(rec.clone()));
            nodes.insert(
                cluster
                    .node_for_key(&format!("keys:key:{{{}}}", rec.id))
                    .expect("slot"),
            );
            ids.push(rec.id);
        }
        assert!(nodes.len() > 1, "every record on one master: {nodes:?}");
        ids.sort();
        let listed: Vec<String> = b
            .list("many")
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(listed, ids);
        assert!(a.revoke(&ids[0], 42).await.expect("revoke"));
        assert_eq!(
            b.get(&ids[0]).await.expect("get").and_then(|r| r.revoked),
            Some(42)
        );
    }
}
