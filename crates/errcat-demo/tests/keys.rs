//! The demo's keys over real sockets: made, listed, used and revoked with the account key;
//! header spellings are one principal; failures are limited per address; a revocation reaches
//! a second instance on Redis (skipped with a message where `redis-server` is missing).

mod common;

use std::time::Duration;

use common::*;
use errcat::StyleKind;
use errcat::store::RedisStore;
use errcat_demo::{DemoConfig, DemoKeys, DemoStore};
use errcat_testkit::redis::RedisServer;
use reqwest::header::AUTHORIZATION;
use serde_json::json;

fn code(r: &Reply) -> &str {
    r.json()["error"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_made_listed_used_and_revoked() {
    let server = demo(DemoConfig::default()).await;
    let r = make_key(
        &server,
        json!({"name": "ci", "scopes": ["faxes:read"], "environment": "test", "expires_in": 3600}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();
    let id = r.json()["id"].as_str().expect("id").to_owned();
    assert!(secret.starts_with(&id) && secret.starts_with("mfx_test_"));
    assert_eq!(r.json()["scopes"], json!(["faxes:read"]));
    assert_eq!(
        r.json()["expires"].as_u64().expect("expires")
            - r.json()["created"].as_u64().expect("created"),
        3600
    );

    // The new key reads, but may not send.
    let get = || {
        client()
            .get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(&secret))
    };
    assert_eq!(send(get()).await.status, 200);
    let r = send(
        client()
            .post(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(&secret))
            .json(&json!({"to": "+15551234567", "file": {"content_type": "application/pdf", "content_base64": "JVBERi0="}})),
    )
    .await;
    assert_eq!((r.status, code(&r)), (403, "forbidden"), "{}", r.text);
    assert_eq!(
        r.header("www-authenticate"),
        r#"Bearer error="insufficient_scope", scope="faxes:write""#
    );

    // Listed without any secret or hash.
    let r = send(
        client()
            .get(server.url("/account/keys"))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.json()
            .as_array()
            .is_some_and(|l| l.iter().any(|k| k["id"] == json!(id)))
    );
    assert!(
        !r.text.contains(&secret[secret.len() - 20..]),
        "a secret in the listing"
    );
    assert!(!r.text.contains("hash"), "{}", r.text);

    // Revoked: refused at once, with the revoked role's code and an RFC 6750 challenge.
    let r = revoke_key(&server, &id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = send(get()).await;
    assert_eq!((r.status, code(&r)), (401, "unauthenticated"));
    assert_eq!(
        r.header("www-authenticate"),
        r#"Bearer error="invalid_token""#
    );

    // Bad requests get field errors with pointers.
    let r = make_key(
        &server,
        json!({"name": "", "scopes": ["admin"], "environment": "prod", "expires_in": 0, "allowed_ips": ["nope"]}),
    )
    .await;
    assert_eq!(
        (r.status, code(&r)),
        (422, "validation_failed"),
        "{}",
        r.text
    );
    let fields = fields_of(StyleKind::Flat, r.json());
    for pointer in [
        "/name",
        "/scopes/0",
        "/environment",
        "/expires_in",
        "/allowed_ips/0",
    ] {
        let at = location(StyleKind::Flat, pointer);
        assert!(fields.contains(&at), "{pointer} in {fields:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_spellings_are_one_principal_and_one_bucket() {
    let server = demo(DemoConfig {
        key_hourly: 100,
        ..DemoConfig::default()
    })
    .await;
    let key = server.keys.sandbox.expose().to_owned();
    let mut hourly = Vec::new();
    for spelling in [
        format!("Bearer {key}"),
        format!("bearer {key}"),
        format!("BEARER   {key}"),
        format!("Bearer\t{key}"),
        format!("Bearer {key} "),
    ] {
        let r = send(
            client()
                .get(server.url("/faxes"))
                .header(AUTHORIZATION, &spelling),
        )
        .await;
        assert_eq!(r.status, 200, "{spelling:?}: {}", r.text);
        // `"second";r=…;t=…, "hour";r=N;…`: the hour's remaining count.
        let state = r.header("ratelimit").to_owned();
        let hour = state
            .split(", ")
            .find(|s| s.starts_with("\"hour\""))
            .and_then(|s| s.split(';').find_map(|p| p.strip_prefix("r=")))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no hour window in {state}"));
        hourly.push(hour);
    }
    assert_eq!(hourly, ["99", "98", "97", "96", "95"], "one bucket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_are_limited_per_address_but_a_valid_key_passes() {
    let server = demo(DemoConfig {
        auth_failures_per_minute: 3,
        ..DemoConfig::default()
    })
    .await;
    for i in 0..3 {
        let r = send(
            client()
                .get(server.url("/faxes"))
                .header(AUTHORIZATION, format!("Bearer guess{i}")),
        )
        .await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let r = send(
        client()
            .get(server.url("/faxes"))
            .header(AUTHORIZATION, "Bearer guess3"),
    )
    .await;
    assert_eq!(
        (r.status, code(&r)),
        (429, "rate_limit_exceeded"),
        "{}",
        r.text
    );
    assert!(!r.header("retry-after").is_empty());
    let r = send(
        client()
            .get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_stops_the_key_on_another() {
    let Some(redis) = RedisServer::start_or_skip() else {
        return;
    };
    let store = || async {
        DemoStore::Redis(
            RedisStore::connect(&redis.url(), patient_redis())
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        )
    };
    let keys = DemoKeys::generate();
    let config = |store| DemoConfig {
        store,
        keys: keys.clone(),
        // The bound on how late another instance sees a revocation: none here.
        key_cache_ttl: Duration::ZERO,
        store_timeout: PATIENT,
        ..DemoConfig::default()
    };
    let a = demo(config(store().await)).await;
    let b = demo(config(store().await)).await;
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
    let r = revoke_key(&a, &id).await;
    assert_eq!(r.status, 204);
    let r = send(on_b()).await;
    assert_eq!((r.status, code(&r)), (401, "unauthenticated"), "{}", r.text);
}
