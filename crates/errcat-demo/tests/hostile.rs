//! The demo's protection layers as a stranger meets them, over real sockets: nothing is kept
//! for a refusal, a revoked key gets nothing back, a stalled body meets the timeout, and the
//! idempotency records stay within their caps.

mod common;

use std::time::Duration;

use common::*;
use errcat::Role;
use errcat::StyleKind;
use errcat::store::{IdempotencyLimits, MemoryStore};
use errcat_demo::{DemoConfig, DemoStore};
use reqwest::header::AUTHORIZATION;
use serde_json::json;

fn fax(server: &Server, auth: &str, key: &str) -> reqwest::RequestBuilder {
    client()
        .post(server.url("/faxes"))
        .header(AUTHORIZATION, auth)
        .header("idempotency-key", key)
        .json(&good_fax("+15551234567"))
}

/// Junk, unknown and revoked credentials with one `Idempotency-Key`: every answer is the
/// refusal, never a replay, and the key still runs for its real owner afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_never_kept_and_a_revoked_key_gets_nothing_back() {
    let server = demo(DemoConfig::default()).await;
    for auth in ["Bearer junk", "Bearer mfx_test_x", ""] {
        for _ in 0..2 {
            let r = send(fax(&server, auth, "order-1")).await;
            assert_eq!(r.status, 401, "{auth:?}: {}", r.text);
            assert_eq!(r.header("idempotent-replayed"), "", "{auth:?}");
        }
    }
    // A key without the write scope: 403 each time, nothing kept.
    let made = make_key(
        &server,
        json!({"name": "reader", "scopes": ["faxes:read"], "environment": "test"}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let reader = bearer(made.json()["secret"].as_str().expect("secret"));
    for _ in 0..2 {
        let r = send(fax(&server, &reader, "order-1")).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(r.header("idempotent-replayed"), "");
    }

    // A writer's fax is kept and replayed while the key lives...
    let made = make_key(
        &server,
        json!({"name": "writer", "scopes": ["faxes:read", "faxes:write"], "environment": "test"}),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let writer = bearer(made.json()["secret"].as_str().expect("secret"));
    let id = made.json()["id"].as_str().expect("id").to_owned();
    let first = send(fax(&server, &writer, "order-1")).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = send(fax(&server, &writer, "order-1")).await;
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.text, first.text);

    // ...and not once it is revoked: authentication answers before any record is looked at.
    let r = revoke_key(&server, &id).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = send(fax(&server, &writer, "order-1")).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "");
    assert!(!r.text.contains("fax_"), "{}", r.text);
}

/// `Content-Length: 1000`, a few bytes, then nothing: with or without an `Idempotency-Key`,
/// the demo's timeout answers in the catalog's envelope, and the key is free afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_meets_the_timeout_with_or_without_a_key() {
    let server = demo(DemoConfig {
        // Long enough that no other request meets it on a busy machine.
        timeout: Duration::from_secs(2),
        ..DemoConfig::default()
    })
    .await;
    let auth = bearer(server.keys.sandbox.expose());
    let (code, status) = role(Role::Timeout);
    for key in ["", "Idempotency-Key: stalled-1\r\n"] {
        let head = format!(
            "POST /faxes HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\n{key}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
            server.addr
        );
        let r = stalled_request(server.addr, head, br#"{"to":"+1555"#).await;
        assert_error("a stalled body", StyleKind::Flat, &r, &code, status);
    }
    // The stalled request locked nothing: the key runs now.
    let r = send(fax(&server, &auth, "stalled-1")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "");
}

/// One principal cannot fill the idempotency store: past its cap a new key gets the
/// rate-limited code with `Retry-After`, its kept keys still replay, and another principal is
/// untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_principal_cannot_fill_the_idempotency_store() {
    let store = MemoryStore::new().idempotency_limits(
        IdempotencyLimits::new()
            .per_scope(3, 1024 * 1024)
            .total(100, 8 * 1024 * 1024),
    );
    let server = demo(DemoConfig {
        store: DemoStore::Memory(store.clone()),
        ..DemoConfig::default()
    })
    .await;
    let sandbox = bearer(server.keys.sandbox.expose());
    let mut kept = Vec::new();
    for i in 0..3 {
        let r = send(fax(&server, &sandbox, &format!("k{i}"))).await;
        // The sandbox affords two faxes: the third is the handler's 402, kept all the same.
        assert!(matches!(r.status, 201 | 402), "{}", r.text);
        assert_eq!(r.header("idempotent-replayed"), "");
        kept.push(r.text);
    }
    let (code, status) = role(Role::RateLimited);
    let r = send(fax(&server, &sandbox, "k3")).await;
    assert_error(
        "a key past the scope's cap",
        StyleKind::Flat,
        &r,
        &code,
        status,
    );
    assert!(
        r.header("retry-after").parse::<u64>().is_ok_and(|s| s >= 1),
        "{:?}",
        r.headers
    );
    // Nothing live was evicted to make room.
    let r = send(fax(&server, &sandbox, "k0")).await;
    assert_eq!(r.header("idempotent-replayed"), "true");
    assert_eq!(r.text, kept[0]);
    // Another principal has its own room.
    let live = bearer(server.keys.live.expose());
    let r = send(fax(&server, &live, "k3")).await;
    assert!(matches!(r.status, 201 | 402), "{}", r.text);
    assert_eq!(r.header("idempotent-replayed"), "");
    let usage = store.idempotency_usage();
    assert_eq!((usage.entries, usage.scopes), (4, 2), "{usage:?}");
}
