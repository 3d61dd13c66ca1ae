//! API-key authentication over real sockets, on the memory store and on Redis (a throwaway
//! `redis-server`, skipped with a message where it is not installed): every failure is the
//! catalog's envelope with its code, status and `WWW-Authenticate`; header spellings make one
//! principal; failures are limited per address; revocation reaches a second instance.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use errcat::auth::{Auth, Principal, principal_key, require_scope};
use errcat::axum::{Errcat, Policy, RateLimit, RouterExt};
use errcat::store::keys::{ApiKeySecret, KeyHasher, KeyRecord, KeyStore};
use errcat::store::{ManualClock, MemoryStore, StoreError, StoreFuture, Window};
use errcat::{Catalog, Role, StyleKind};
use reqwest::header::AUTHORIZATION;

/// A catalog that maps no auth role: the built-in codes (with `scope` in context) answer.
fn catalog() -> Arc<Catalog> {
    let text = r#"
[catalog]
name = "authtest"
docs_url = "https://example.com/errors/{code}"

[codes.nothing_here]
status = 404
category = "Demo"
action = "none"
message.en = "Nothing."
"#;
    Arc::new(Catalog::from_toml_str("authtest.toml", text).unwrap_or_else(|r| panic!("{r}")))
}

/// The keys of one test, stored in `store`.
struct Keys {
    full: ApiKeySecret,
    read_only: ApiKeySecret,
    revoked: ApiKeySecret,
    expired: ApiKeySecret,
    elsewhere: ApiKeySecret,
    here: ApiKeySecret,
    /// Well-formed, never stored.
    unknown: ApiKeySecret,
}

async fn keys(store: &dyn KeyStore, hasher: &KeyHasher) -> Keys {
    let new = || ApiKeySecret::generate("mfx", "test").expect("key");
    let k = Keys {
        full: new(),
        read_only: new(),
        revoked: new(),
        expired: new(),
        elsewhere: new(),
        here: new(),
        unknown: new(),
    };
    let rec = |s: &ApiKeySecret, scopes: &[&str]| {
        KeyRecord::new(s, hasher, "k", "acct").scopes(scopes.iter().copied())
    };
    let all = ["faxes:read", "faxes:write"];
    store.put(&rec(&k.full, &all)).await.expect("put");
    store
        .put(&rec(&k.read_only, &["faxes:read"]))
        .await
        .expect("put");
    store.put(&rec(&k.revoked, &all)).await.expect("put");
    store.revoke(k.revoked.id(), 1).await.expect("revoke");
    let mut expired = rec(&k.expired, &all);
    expired.expires = Some(expired.created.saturating_sub(1));
    store.put(&expired).await.expect("put");
    let nets = |n: &str| vec![n.parse().expect("net")];
    store
        .put(&rec(&k.elsewhere, &all).networks(nets("10.0.0.0/8")))
        .await
        .expect("put");
    store
        .put(&rec(&k.here, &all).networks(nets("127.0.0.0/8")))
        .await
        .expect("put");
    k
}

async fn serve(auth: Auth) -> String {
    // No test here is about a slow store: a busy machine's stall must not turn into a 503.
    let auth = auth.store_timeout(Duration::from_secs(30));
    let c = catalog();
    let per_key = RateLimit::new(MemoryStore::with_clock(ManualClock::new()))
        .policy(Policy::new("keys", principal_key).window(Window::per_hour("hour", 1000)))
        .layer(&c)
        .expect("limits");
    let reads = Router::new()
        .route(
            "/faxes",
            get(|p: Principal| async move { p.key_id().to_owned() }).post(|| async { "sent" }),
        )
        .route("/live/faxes", get(|| async { "live" }));
    let writes = Router::new()
        .route("/write", axum::routing::post(|| async { "written" }))
        .route_layer(require_scope("faxes:write"));
    let app = reads
        .merge(writes)
        .layer(per_key)
        .layer(
            auth.environment(|req| {
                req.uri()
                    .path()
                    .starts_with("/live/")
                    .then(|| "live".to_owned())
            })
            .layer(&c),
        )
        .with_errcat(Errcat::new(c).style(StyleKind::Flat));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

struct Reply {
    status: u16,
    code: String,
    body: serde_json::Value,
    challenge: String,
    headers: reqwest::header::HeaderMap,
}

async fn get_with(base: &str, path: &str, auth: Option<&str>) -> Reply {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if let Some(a) = auth {
        req = req.header(AUTHORIZATION, a);
    }
    reply(req).await
}

async fn reply(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let challenge = headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = res.text().await.expect("body");
    let body: serde_json::Value =
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    let code = body["error"].as_str().unwrap_or("").to_owned();
    Reply {
        status,
        code,
        body,
        challenge,
        headers,
    }
}

#[track_caller]
fn refused(r: &Reply, status: u16, code: &str, challenge: &str) {
    assert_eq!((r.status, r.code.as_str()), (status, code), "{}", r.body);
    assert_eq!(r.challenge, challenge, "{}", r.body);
    assert_eq!(
        r.body["request_id"].as_str(),
        r.headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        "{}",
        r.body
    );
}

/// A key with `id`'s id, another secret and a valid checksum: what an attacker who knows a
/// key's public id can make.
fn same_id_other_secret(id: &str) -> String {
    let mut body = format!("{id}{}", "Z".repeat(22));
    let mut n = crc32fast::hash(body.as_bytes());
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut sum = [b'0'; 6];
    for slot in sum.iter_mut().rev() {
        *slot = alphabet[(n % 62) as usize];
        n /= 62;
    }
    body.push_str(std::str::from_utf8(&sum).expect("ascii"));
    body
}

/// Every role, on one store.
async fn every_role(store: Arc<dyn KeyStore>) {
    let hasher = KeyHasher::hmac(b"test pepper");
    let k = keys(&*store, &hasher).await;
    let base = serve(Auth::new(store).hasher(hasher).no_failure_limit()).await;
    let bearer = |s: &ApiKeySecret| format!("Bearer {}", s.expose());
    const INVALID: &str = r#"Bearer error="invalid_token""#;
    const MALFORMED: &str = r#"Bearer error="invalid_request""#;

    let ok = get_with(&base, "/faxes", Some(&bearer(&k.full))).await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.body,
        serde_json::json!(k.full.id()),
        "the principal reaches the handler"
    );

    refused(
        &get_with(&base, "/faxes", None).await,
        401,
        "missing_credentials",
        "Bearer",
    );
    for bad in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        "Bearerabc",
        "Bearer mfx_test_demo",
        "Token abc",
    ] {
        let r = get_with(&base, "/faxes", Some(bad)).await;
        refused(&r, 401, "malformed_credentials", MALFORMED);
    }
    // One changed character: malformed by its checksum, no store lookup needed.
    let mut typo = k.full.expose().to_owned();
    let last = typo.pop().expect("char");
    typo.push(if last == 'a' { 'b' } else { 'a' });
    let r = get_with(&base, "/faxes", Some(&format!("Bearer {typo}"))).await;
    refused(&r, 401, "malformed_credentials", MALFORMED);
    // Truncated.
    let cut = &k.full.expose()[..k.full.expose().len() - 3];
    let r = get_with(&base, "/faxes", Some(&format!("Bearer {cut}"))).await;
    refused(&r, 401, "malformed_credentials", MALFORMED);

    let r = get_with(&base, "/faxes", Some(&bearer(&k.unknown))).await;
    refused(&r, 401, "invalid_credentials", INVALID);
    let forged = same_id_other_secret(k.full.id());
    assert!(
        ApiKeySecret::parse(&forged).is_ok(),
        "the forgery is well-formed"
    );
    let r = get_with(&base, "/faxes", Some(&format!("Bearer {forged}"))).await;
    refused(&r, 401, "invalid_credentials", INVALID);
    let r = get_with(&base, "/faxes", Some(&bearer(&k.revoked))).await;
    refused(&r, 401, "revoked_credentials", INVALID);
    let r = get_with(&base, "/faxes", Some(&bearer(&k.expired))).await;
    refused(&r, 401, "expired_credentials", INVALID);

    let r = get_with(&base, "/faxes", Some(&bearer(&k.elsewhere))).await;
    refused(&r, 403, "address_not_allowed", "");
    assert_eq!(
        get_with(&base, "/faxes", Some(&bearer(&k.here)))
            .await
            .status,
        200
    );

    let r = get_with(&base, "/live/faxes", Some(&bearer(&k.full))).await;
    refused(&r, 403, "wrong_environment", "");

    let post = |key: &ApiKeySecret| {
        reply(
            reqwest::Client::new()
                .post(format!("{base}/write"))
                .header(AUTHORIZATION, bearer(key)),
        )
    };
    let r = post(&k.read_only).await;
    refused(
        &r,
        403,
        "insufficient_scope",
        r#"Bearer error="insufficient_scope", scope="faxes:write""#,
    );
    assert_eq!(r.body["context"]["scope"], "faxes:write", "{}", r.body);
    assert_eq!(post(&k.full).await.status, 200);
}

#[tokio::test]
async fn every_role_in_memory() {
    every_role(Arc::new(MemoryStore::new())).await;
}

#[tokio::test]
async fn header_spellings_make_one_principal_and_one_bucket() {
    let store = MemoryStore::new();
    let hasher = KeyHasher::sha256();
    let k = keys(&store, &hasher).await;
    let base = serve(Auth::new(store).no_failure_limit()).await;
    let key = k.full.expose();
    let mut remaining = Vec::new();
    for spelling in [
        format!("Bearer {key}"),
        format!("bearer {key}"),
        format!("BEARER  {key}"),
        format!("Bearer\t{key}"),
        format!("Bearer {key}  "),
    ] {
        let r = get_with(&base, "/faxes", Some(&spelling)).await;
        assert_eq!(r.status, 200, "{spelling:?}: {}", r.body);
        assert_eq!(r.body, serde_json::json!(k.full.id()));
        remaining.push(
            r.headers["x-ratelimit-remaining"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["999", "998", "997", "996", "995"], "one bucket");
    // Two Authorization headers are ambiguous: refused, not guessed.
    let r = reply(
        reqwest::Client::new()
            .get(format!("{base}/faxes"))
            .header(AUTHORIZATION, format!("Bearer {key}"))
            .header(AUTHORIZATION, format!("Bearer {key}")),
    )
    .await;
    assert_eq!((r.status, r.code.as_str()), (401, "malformed_credentials"));
}

#[tokio::test]
async fn an_api_key_header_is_read_when_configured() {
    let store = MemoryStore::new();
    let k = keys(&store, &KeyHasher::sha256()).await;
    let base = serve(Auth::new(store).header("x-api-key").no_failure_limit()).await;
    let r = reply(
        reqwest::Client::new()
            .get(format!("{base}/faxes"))
            .header("x-api-key", k.full.expose()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = reply(
        reqwest::Client::new()
            .get(format!("{base}/faxes"))
            .header("x-api-key", "nope"),
    )
    .await;
    assert_eq!((r.status, r.code.as_str()), (401, "malformed_credentials"));
}

/// Behind a trusted proxy, a key's allowed networks are checked against the client's whole
/// address, not the /64 its limits are keyed by, nor the proxy's.
#[tokio::test]
async fn allowed_networks_see_the_whole_forwarded_ipv6_address() {
    let store = MemoryStore::new();
    let hasher = KeyHasher::sha256();
    let one_host = ApiKeySecret::generate("mfx", "test").expect("key");
    let record = KeyRecord::new(&one_host, &hasher, "k", "acct")
        .scopes(["faxes:read"])
        .networks(vec!["2001:db8:1:2::7/128".parse().expect("net")]);
    store.put(&record).await.expect("put");
    let client_ip = errcat::axum::ClientIp::new()
        .trust_proxies(["127.0.0.1"])
        .expect("networks");
    let base = serve(Auth::new(store).client_ip(client_ip).no_failure_limit()).await;
    let from = |addr: &str| {
        reqwest::Client::new()
            .get(format!("{base}/faxes"))
            .header(AUTHORIZATION, format!("Bearer {}", one_host.expose()))
            .header("x-forwarded-for", addr.to_owned())
    };
    let r = reply(from("2001:db8:1:2::7")).await;
    assert_eq!(r.status, 200, "the allowed host: {}", r.body);
    // Same /64, another host: refused.
    let r = reply(from("2001:db8:1:2::8")).await;
    refused(&r, 403, "address_not_allowed", "");
}

#[tokio::test]
async fn failures_are_limited_per_address_and_a_valid_key_still_passes() {
    let store = MemoryStore::new();
    let k = keys(&store, &KeyHasher::sha256()).await;
    // The failure window's clock stands still: no failure is forgiven while the test runs.
    let limit = MemoryStore::with_clock(ManualClock::new());
    let base = serve(Auth::new(store).limit_failures(limit, Window::per_minute("fail", 3))).await;
    for i in 0..3 {
        let r = get_with(&base, "/faxes", Some(&format!("Bearer guess{i}"))).await;
        assert_eq!((r.status, r.code.as_str()), (401, "malformed_credentials"));
    }
    let r = get_with(&base, "/faxes", Some("Bearer guess4")).await;
    assert_eq!(
        (r.status, r.code.as_str()),
        (429, "rate_limited"),
        "{}",
        r.body
    );
    let retry: u64 = r.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=21).contains(&retry), "Retry-After {retry}");
    // Spraying well-formed keys counts the same.
    let r = get_with(
        &base,
        "/faxes",
        Some(&format!("Bearer {}", k.unknown.expose())),
    )
    .await;
    assert_eq!(r.status, 429);
    // Only failures count: the owner of a valid key is not locked out.
    let ok = get_with(
        &base,
        "/faxes",
        Some(&format!("Bearer {}", k.full.expose())),
    )
    .await;
    assert_eq!(ok.status, 200);
}

/// A key store that cannot answer.
struct Down;

impl KeyStore for Down {
    fn get<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Option<KeyRecord>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn put<'a>(&'a self, _: &'a KeyRecord) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn revoke<'a>(&'a self, _: &'a str, _: u64) -> StoreFuture<'a, bool> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn list<'a>(&'a self, _: &'a str) -> StoreFuture<'a, Vec<KeyRecord>> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test]
async fn a_store_that_cannot_answer_is_unavailable_never_open() {
    let base = serve(Auth::new(Down).no_failure_limit()).await;
    let key = ApiKeySecret::generate("mfx", "test").expect("key");
    let r = get_with(&base, "/faxes", Some(&format!("Bearer {}", key.expose()))).await;
    assert_eq!(r.status, 503, "{}", r.body);
    let unavailable = catalog().role(Role::Unavailable).code.clone();
    assert_eq!(r.code, unavailable);
    assert_eq!(r.headers["retry-after"], "1");
    // Malformed keys never reach the store: still their own code.
    let r = get_with(&base, "/faxes", Some("Bearer nope")).await;
    assert_eq!(r.code, "malformed_credentials");
}

#[cfg(feature = "redis")]
mod redis {
    use super::*;
    use errcat::store::keys::CachedKeyStore;
    use errcat::store::{RedisConfig, RedisStore};
    use errcat_testkit::redis::RedisServer;

    async fn connect(server: &RedisServer) -> RedisStore {
        RedisStore::connect(
            &server.url(),
            RedisConfig::new()
                .prefix("auth")
                .response_timeout(Duration::from_secs(30)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_role_on_redis_behind_a_cache() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        let store = CachedKeyStore::new(connect(&server).await, Duration::from_secs(30), 1000);
        every_role(Arc::new(store)).await;
    }

    /// Two instances on one Redis: a key revoked through one stops working on the other
    /// within its cache's ttl (zero here, so at once).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_revocation_reaches_a_second_instance() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        let a = connect(&server).await;
        let b = CachedKeyStore::new(connect(&server).await, Duration::ZERO, 1000);
        let hasher = KeyHasher::sha256();
        let secret = ApiKeySecret::generate("mfx", "live").expect("key");
        a.put(&KeyRecord::new(&secret, &hasher, "k", "o").scopes(["faxes:read"]))
            .await
            .expect("put");
        let base_b = serve(Auth::new(b).no_failure_limit()).await;
        let bearer = format!("Bearer {}", secret.expose());
        assert_eq!(get_with(&base_b, "/faxes", Some(&bearer)).await.status, 200);
        a.revoke(secret.id(), errcat::store::keys::unix_now())
            .await
            .expect("revoke");
        let r = get_with(&base_b, "/faxes", Some(&bearer)).await;
        assert_eq!((r.status, r.code.as_str()), (401, "revoked_credentials"));
    }
}
