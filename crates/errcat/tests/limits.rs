//! Rate limits and idempotency keys over real sockets, on the in-memory store: every refusal is
//! the catalog's envelope with its status, and the headers follow the drafts' syntax.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use errcat::axum::{
    ApiKey, ClientIp, ConfigError, Errcat, FailMode, ForwardedHeader, Idempotency, Json,
    KeyExtractor, Policy, RateLimit, RouterExt,
};
use errcat::store::{
    Begin, Decision, Fingerprint, IdempotencyStore, Limiter, LockToken, ManualClock, MemoryStore,
    RateLimitStore, StoreError, StoreFuture, StoredResponse, Window,
};
use errcat::{ApiError, Catalog};
use reqwest::header::HeaderMap;

fn catalog(name: &str) -> Arc<Catalog> {
    let path = format!("{}/../../catalogs/{name}", env!("CARGO_MANIFEST_DIR"));
    Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{path}: {r}")))
}

/// A memory store whose clock stands still unless a test moves it.
fn still_store() -> MemoryStore {
    MemoryStore::with_clock(ManualClock::new())
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap()
    });
    format!("http://{addr}")
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: bytes::Bytes,
    parsed: errcat::client::RemoteError,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.unwrap();
    let parsed = errcat::client::parse(status, &headers, &body);
    Reply {
        status,
        headers,
        body,
        parsed,
    }
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// An error reply is the catalog's envelope: its code, the status the catalog gives that
    /// code, and the request id of `X-Request-Id` in the body.
    fn assert_envelope(&self, catalog: &Catalog, code: &str) {
        let body = String::from_utf8_lossy(&self.body);
        assert_eq!(self.parsed.code.as_deref(), Some(code), "{body}");
        let entry = catalog.get(code).unwrap();
        assert_eq!(Some(self.status), entry.default_status(), "{body}");
        let id = self.header("x-request-id").expect("X-Request-Id");
        assert_eq!(self.parsed.request_id.as_deref(), Some(id), "{body}");
    }
}

/// Parses a header with sfv as a Structured Field List and returns each member's name and
/// integer parameters, in order.
fn sf_list(value: &str) -> Vec<(String, Vec<(String, i64)>)> {
    use sfv::{BareItem, ListEntry, Parser};
    let list = Parser::new(value)
        .parse::<sfv::List>()
        .unwrap_or_else(|e| panic!("`{value}` is not a structured-field list: {e}"));
    list.into_iter()
        .map(|entry| {
            let ListEntry::Item(item) = entry else {
                panic!("`{value}`: inner lists are not allowed")
            };
            let name = match item.bare_item {
                BareItem::String(s) => s.as_str().to_owned(),
                BareItem::Token(t) => t.as_str().to_owned(),
                other => panic!("`{value}`: policy name must be a string, got {other:?}"),
            };
            let params = item
                .params
                .into_iter()
                .map(|(k, v)| match v {
                    BareItem::Integer(i) => (k.as_str().to_owned(), i64::from(i)),
                    other => panic!(
                        "`{value}`: parameter {} must be an integer, got {other:?}",
                        k.as_str()
                    ),
                })
                .collect();
            (name, params)
        })
        .collect()
}

fn param(item: &(String, Vec<(String, i64)>), key: &str) -> i64 {
    item.1
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("{} has no {key}", item.0))
        .1
}

fn limited_app(catalog: &Arc<Catalog>, limits: RateLimit) -> Router {
    Router::new()
        .route("/ping", get(|| async { "pong" }))
        .layer(limits.layer(catalog).unwrap())
        .with_errcat(Errcat::new(catalog.clone()))
}

#[tokio::test]
async fn admitted_responses_carry_the_draft_headers_and_refusals_are_429_envelopes() {
    let c = catalog("migosmtp.toml");
    // The store's clock stands still: no token comes back between requests, however slow.
    let limits = RateLimit::new(still_store()).policy(
        Policy::new("keys", ApiKey::authorization()).window(Window::new(
            "burst",
            3,
            Duration::from_secs(10),
        )),
    );
    let base = serve(limited_app(&c, limits)).await;
    let client = reqwest::Client::new();
    for expected_remaining in [2, 1, 0] {
        let r = send(client.get(format!("{base}/ping")).bearer_auth("k1")).await;
        assert_eq!(r.status, 200);
        let policy = sf_list(r.header("ratelimit-policy").unwrap());
        assert_eq!(policy.len(), 1);
        assert_eq!(policy[0].0, "burst");
        assert_eq!(param(&policy[0], "q"), 3);
        assert_eq!(param(&policy[0], "w"), 10);
        let state = sf_list(r.header("ratelimit").unwrap());
        assert_eq!(state[0].0, "burst");
        assert_eq!(param(&state[0], "r"), expected_remaining);
        let t = param(&state[0], "t");
        assert!((1..=10).contains(&t), "t={t}");
        assert_eq!(r.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(
            r.header("x-ratelimit-remaining"),
            Some(expected_remaining.to_string().as_str())
        );
        let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
        assert!((1..=10).contains(&reset));
    }
    let r = send(client.get(format!("{base}/ping")).bearer_auth("k1")).await;
    assert_eq!(r.status, 429);
    r.assert_envelope(&c, "rate_limit_exceeded");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    // One emission interval is 10/3 s: the client waits 4 s at most.
    assert!((1..=4).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.parsed.retry_after, Some(Duration::from_secs(retry)));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(param(&sf_list(r.header("ratelimit").unwrap())[0], "r"), 0);
    assert!(r.header("ratelimit-policy").is_some());

    // Another key has its own budget; a request without a key is not under this policy.
    let other = send(client.get(format!("{base}/ping")).bearer_auth("k2")).await;
    assert_eq!(other.status, 200);
    let anonymous = send(client.get(format!("{base}/ping"))).await;
    assert_eq!(anonymous.status, 200);
    assert!(anonymous.header("ratelimit").is_none());
}

/// A policy decided by a layer further out (an address and a plan decided together, before
/// authentication) is not counted again by a layer further in that has the same policy: each
/// request counts once, and the headers name it once.
#[tokio::test]
async fn a_policy_decided_further_out_is_not_counted_again_further_in() {
    let c = catalog("migosmtp.toml");
    let store = still_store();
    let plan = || {
        Policy::new("plan", ApiKey::authorization()).window(Window::new(
            "burst",
            4,
            Duration::from_secs(10),
        ))
    };
    let address = Policy::new("address", ClientIp::new()).window(Window::new(
        "second",
        100,
        Duration::from_secs(1),
    ));
    let outer = RateLimit::new(store.clone()).policy(address).policy(plan());
    let inner = RateLimit::new(store.clone()).policy(plan());
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .layer(inner.layer(&c).unwrap())
        .layer(outer.layer(&c).unwrap())
        .with_errcat(Errcat::new(c.clone()));
    let base = serve(app).await;
    let client = reqwest::Client::new();
    for expected in [3, 2, 1, 0] {
        let r = send(client.get(format!("{base}/ping")).bearer_auth("k1")).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let state = sf_list(r.header("ratelimit").unwrap());
        let names: Vec<&str> = state.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["second", "burst"], "each window once");
        assert_eq!(param(&state[1], "r"), expected);
        let policy = sf_list(r.header("ratelimit-policy").unwrap());
        assert_eq!(policy.len(), 2);
    }
    let r = send(client.get(format!("{base}/ping")).bearer_auth("k1")).await;
    assert_eq!(r.status, 429);
    r.assert_envelope(&c, "rate_limit_exceeded");
    // Without a key, the outer layer decides the address alone, and the inner one has nothing
    // to decide.
    let anonymous = send(client.get(format!("{base}/ping"))).await;
    assert_eq!(anonymous.status, 200);
    let state = sf_list(anonymous.header("ratelimit").unwrap());
    assert_eq!(state.len(), 1);
    assert_eq!(state[0].0, "second");
}

#[tokio::test]
async fn each_window_fires_its_own_code() {
    // Seed 004: hourly and daily limits with their own codes.
    let c = catalog("migosmtp.toml");
    let limits = RateLimit::new(MemoryStore::new())
        .policy(
            Policy::new("hourly-first", ApiKey::header("x-hourly"))
                .window(Window::per_hour("hourly", 2).code("hourly_limit_reached"))
                .window(Window::per_day("daily", 100).code("daily_limit_reached")),
        )
        .policy(
            Policy::new("daily-first", ApiKey::header("x-daily"))
                .window(Window::per_hour("hourly-b", 100).code("hourly_limit_reached"))
                .window(Window::per_day("daily-b", 2).code("daily_limit_reached")),
        );
    let base = serve(limited_app(&c, limits)).await;
    let client = reqwest::Client::new();
    for (header, code, window) in [
        ("x-hourly", "hourly_limit_reached", "hourly"),
        ("x-daily", "daily_limit_reached", "daily-b"),
    ] {
        for _ in 0..2 {
            let r = send(client.get(format!("{base}/ping")).header(header, "key")).await;
            assert_eq!(r.status, 200);
            // Both windows of the policy are advertised.
            assert_eq!(sf_list(r.header("ratelimit-policy").unwrap()).len(), 2);
        }
        let r = send(client.get(format!("{base}/ping")).header(header, "key")).await;
        r.assert_envelope(&c, code);
        let state = sf_list(r.header("ratelimit").unwrap());
        let refusing = state.iter().find(|s| s.0 == window).unwrap();
        assert_eq!(param(refusing, "r"), 0);
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        // An hour's quota of 2 earns one back in 30 minutes; a day's in 12 hours.
        let expected = if window == "hourly" { 1800 } else { 43_200 };
        assert!(
            retry <= expected && retry + 5 >= expected,
            "Retry-After {retry}, expected about {expected}"
        );
    }
}

#[tokio::test]
async fn client_ip_behind_a_trusted_proxy_comes_from_x_forwarded_for() {
    let c = catalog("mintfax.toml");
    let ip = ClientIp::new().trust_proxies(["127.0.0.1/32"]).unwrap();
    let limits = RateLimit::new(still_store())
        .policy(Policy::new("ip", ip).window(Window::per_minute("per-ip", 1)));
    let base = serve(limited_app(&c, limits)).await;
    let client = reqwest::Client::new();
    let get = |xff: &'static str| {
        client
            .get(format!("{base}/ping"))
            .header("x-forwarded-for", xff)
    };
    assert_eq!(send(get("203.0.113.1")).await.status, 200);
    // A spoofed left-hand entry does not change who the client is.
    let r = send(get("6.6.6.6, 203.0.113.1")).await;
    r.assert_envelope(&c, "rate_limit_exceeded");
    assert_eq!(send(get("203.0.113.2")).await.status, 200);
}

/// One request a minute per client address behind `ip`'s proxies on a still clock, and, outside
/// the limit, `/key` answering with the key the limit counts a request under.
/// The client address behind the one proxy these tests have: the loopback peer.
fn behind_loopback(header: ForwardedHeader) -> ClientIp {
    ClientIp::new()
        .behind_proxies(header, ["127.0.0.1"])
        .unwrap_or_else(|e| panic!("{e}"))
}

fn proxied_app(catalog: &Arc<Catalog>, ip: ClientIp) -> Router {
    let limits = RateLimit::new(still_store())
        .policy(Policy::new("ip", ip.clone()).window(Window::per_minute("per-ip", 1)));
    Router::new()
        .route("/ping", get(|| async { "pong" }))
        .layer(limits.layer(catalog).unwrap())
        .route(
            "/key",
            get(move |req: axum::extract::Request| async move { ip.key(&req).unwrap_or_default() }),
        )
        .with_errcat(Errcat::new(catalog.clone()))
}

/// A 429 of the per-ip window: the envelope, `Retry-After` within the minute, nothing left.
fn assert_limited(r: &Reply, catalog: &Catalog) {
    assert_eq!(r.status, 429, "{}", String::from_utf8_lossy(&r.body));
    r.assert_envelope(catalog, "rate_limit_exceeded");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(r.parsed.retry_after, Some(Duration::from_secs(retry)));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let state = sf_list(r.header("ratelimit").unwrap());
    assert_eq!(state[0].0, "per-ip");
    assert_eq!(param(&state[0], "r"), 0);
}

async fn key_of(client: &reqwest::Client, base: &str, headers: &[(&str, &str)]) -> String {
    let mut req = client.get(format!("{base}/key"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.unwrap().text().await.unwrap()
}

fn ping(client: &reqwest::Client, base: &str, headers: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let mut req = client.get(format!("{base}/ping"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req
}

#[tokio::test]
async fn a_spoofed_forwarded_changes_nothing_when_x_forwarded_for_is_trusted() {
    let (c, ip) = (
        catalog("mintfax.toml"),
        behind_loopback(ForwardedHeader::XForwardedFor),
    );
    let base = serve(proxied_app(&c, ip)).await;
    let client = reqwest::Client::new();
    let spoofed = [
        ("x-forwarded-for", "203.0.113.1"),
        ("forwarded", "for=198.51.100.9"),
    ];
    assert_eq!(key_of(&client, &base, &spoofed).await, "203.0.113.1");
    let r = send(ping(&client, &base, &[("x-forwarded-for", "203.0.113.1")])).await;
    assert_eq!(r.status, 200);
    // The same client writes a `Forwarded` of its own: still 203.0.113.1, still limited.
    assert_limited(&send(ping(&client, &base, &spoofed)).await, &c);
    // Without X-Forwarded-For the proxy is the client: a new `Forwarded` each time is no new
    // budget.
    let only_forwarded = [("forwarded", "for=198.51.100.10")];
    assert_eq!(key_of(&client, &base, &only_forwarded).await, "127.0.0.1");
    assert_eq!(
        send(ping(&client, &base, &only_forwarded)).await.status,
        200
    );
    let r = send(ping(&client, &base, &[("forwarded", "for=198.51.100.11")])).await;
    assert_limited(&r, &c);
}

#[tokio::test]
async fn two_addresses_in_one_ipv6_64_share_one_limit() {
    let (c, ip) = (
        catalog("mintfax.toml"),
        behind_loopback(ForwardedHeader::XForwardedFor),
    );
    let base = serve(proxied_app(&c, ip.clone())).await;
    let client = reqwest::Client::new();
    let first = [("x-forwarded-for", "2001:db8:1:2::1")];
    assert_eq!(key_of(&client, &base, &first).await, "2001:db8:1:2::/64");
    assert_eq!(send(ping(&client, &base, &first)).await.status, 200);
    for other_128 in ["2001:db8:1:2:ffff::9", "[2001:db8:1:2:abcd::1]:443"] {
        let r = send(ping(&client, &base, &[("x-forwarded-for", other_128)])).await;
        assert_limited(&r, &c);
    }
    // The next /64 has its own budget.
    let next_64 = [("x-forwarded-for", "2001:db8:1:3::1")];
    assert_eq!(send(ping(&client, &base, &next_64)).await.status, 200);

    // Counted per /128 on request, the two addresses are two clients.
    let base = serve(proxied_app(&c, ip.ipv6_prefix(128).unwrap())).await;
    assert_eq!(send(ping(&client, &base, &first)).await.status, 200);
    let other = [("x-forwarded-for", "2001:db8:1:2:ffff::9")];
    assert_eq!(send(ping(&client, &base, &other)).await.status, 200);
    assert_limited(&send(ping(&client, &base, &other)).await, &c);
}

#[tokio::test]
async fn a_trusted_forwarded_ignores_x_forwarded_for() {
    let (c, ip) = (
        catalog("mintfax.toml"),
        behind_loopback(ForwardedHeader::Forwarded),
    );
    let base = serve(proxied_app(&c, ip)).await;
    let client = reqwest::Client::new();
    let v6 = [
        ("forwarded", r#"for="[2001:db8:cafe::17]:4711""#),
        ("x-forwarded-for", "198.51.100.1"),
    ];
    assert_eq!(key_of(&client, &base, &v6).await, "2001:db8:cafe::/64");
    let first = [
        ("forwarded", "for=203.0.113.5;proto=https"),
        ("x-forwarded-for", "198.51.100.1"),
    ];
    assert_eq!(send(ping(&client, &base, &first)).await.status, 200);
    // Another X-Forwarded-For is the same client.
    let again = [
        ("forwarded", "for=203.0.113.5;proto=https"),
        ("x-forwarded-for", "198.51.100.2"),
    ];
    assert_limited(&send(ping(&client, &base, &again)).await, &c);
    // X-Forwarded-For alone is not read: the proxy is the client, whatever it says.
    let xff = [("x-forwarded-for", "198.51.100.3")];
    assert_eq!(key_of(&client, &base, &xff).await, "127.0.0.1");
    assert_eq!(send(ping(&client, &base, &xff)).await.status, 200);
    let r = send(ping(&client, &base, &[("x-forwarded-for", "198.51.100.4")])).await;
    assert_limited(&r, &c);
}

#[tokio::test]
async fn a_garbage_hop_from_the_proxy_counts_as_the_proxy() {
    let (c, ip) = (
        catalog("mintfax.toml"),
        behind_loopback(ForwardedHeader::XForwardedFor),
    );
    let base = serve(proxied_app(&c, ip)).await;
    let client = reqwest::Client::new();
    let garbage = [("x-forwarded-for", "203.0.113.1, not-an-address")];
    assert_eq!(key_of(&client, &base, &garbage).await, "127.0.0.1");
    assert_eq!(send(ping(&client, &base, &garbage)).await.status, 200);
    // Other garbage is no other key.
    let r = send(ping(
        &client,
        &base,
        &[("x-forwarded-for", "203.0.113.1, _x")],
    ))
    .await;
    assert_limited(&r, &c);
    let fine = [("x-forwarded-for", "not-an-address, 203.0.113.1")];
    assert_eq!(send(ping(&client, &base, &fine)).await.status, 200);
}

/// A store that always fails, or never answers.
#[derive(Clone)]
struct BrokenStore {
    hang: bool,
}

struct BrokenLimiter(bool);

impl Limiter for BrokenLimiter {
    fn check<'a>(&'a self, _key: &'a str) -> StoreFuture<'a, Decision> {
        let hang = self.0;
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            Err(StoreError::new("connection refused"))
        })
    }
}

impl RateLimitStore for BrokenStore {
    fn limiter(&self, _: &str, _: &[Window]) -> Arc<dyn Limiter> {
        Arc::new(BrokenLimiter(self.hang))
    }
}

impl IdempotencyStore for BrokenStore {
    fn begin<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a Fingerprint,
        _: Duration,
    ) -> StoreFuture<'a, Begin> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn complete<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a LockToken,
        _: &'a StoredResponse,
        _: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn release<'a>(&'a self, _: &'a str, _: &'a str, _: &'a LockToken) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test]
async fn a_failed_store_fails_closed_or_open_as_configured_and_never_hangs() {
    let c = catalog("mintfax.toml");
    let client = reqwest::Client::new();
    for hang in [false, true] {
        let closed = RateLimit::new(BrokenStore { hang })
            .policy(Policy::new("p", ApiKey::authorization()).window(Window::per_second("s", 5)))
            .store_timeout(Duration::from_millis(100));
        let base = serve(limited_app(&c, closed)).await;
        let started = std::time::Instant::now();
        let r = send(client.get(format!("{base}/ping")).bearer_auth("k")).await;
        // A hung store would hold the request for good: this bound tells the two apart and
        // leaves a busy machine room.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(r.status, 503);
        let code = c.role(errcat::Role::Unavailable).code.clone();
        r.assert_envelope(&c, &code);
        assert_eq!(r.header("retry-after"), Some("1"));

        let open = RateLimit::new(BrokenStore { hang })
            .policy(Policy::new("p", ApiKey::authorization()).window(Window::per_second("s", 5)))
            .store_timeout(Duration::from_millis(100))
            .on_store_error(FailMode::Open);
        let base = serve(limited_app(&c, open)).await;
        let r = send(client.get(format!("{base}/ping")).bearer_auth("k")).await;
        assert_eq!(r.status, 200);
        assert_eq!(&r.body[..], b"pong");
        assert!(r.header("ratelimit").is_none());
    }
}

#[test]
fn misconfigured_windows_say_what_to_fix() {
    let c = catalog("migosmtp.toml");
    let err = |w: Window| -> ConfigError {
        RateLimit::new(MemoryStore::new())
            .policy(Policy::new("p", ApiKey::authorization()).window(w))
            .layer(&c)
            .err()
            .unwrap()
    };
    let e = err(Window::per_hour("h", 1).code("hourly_limit_reachd")).to_string();
    assert!(e.contains("did you mean `hourly_limit_reached`"), "{e}");
    let e = err(Window::per_hour("h", 1).code("invalid_json")).to_string();
    assert!(e.contains("not 429"), "{e}");
    let e = err(Window::per_hour("bad \"name\"", 1)).to_string();
    assert!(e.contains("printable ASCII"), "{e}");
    let e = RateLimit::new(MemoryStore::new())
        .policy(Policy::new("empty", ApiKey::authorization()))
        .layer(&c)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("has no window"), "{e}");
    let e = RateLimit::new(MemoryStore::new())
        .policy(Policy::new("a:b", ApiKey::authorization()).window(Window::per_hour("h", 1)))
        .layer(&c)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("free of `:`"), "{e}");
}

// ---- idempotency -------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Order {
    amount: u32,
}

#[derive(Clone, Default)]
struct Counter {
    runs: Arc<AtomicUsize>,
    /// Told when an order of 999 is in the handler (so it holds its key).
    entered: Arc<tokio::sync::Notify>,
    /// Lets that order finish.
    release: Arc<tokio::sync::Notify>,
}

async fn create(
    State(c): State<Counter>,
    Json(order): Json<Order>,
) -> Result<(axum::http::StatusCode, String), ApiError> {
    let n = c.runs.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(Duration::from_millis(20)).await;
    match order.amount {
        0 => Err(ApiError::role(errcat::Role::ValidationFailed)),
        // A business refusal the handler decided: kept and replayed.
        13 => Err(ApiError::checked(&mxcep(), "job_not_cancellable").unwrap()),
        429 => Ok((
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "slow down".into(),
        )),
        999 => {
            c.entered.notify_one();
            c.release.notified().await;
            Ok((axum::http::StatusCode::CREATED, format!("{{\"run\":{n}}}")))
        }
        666 => panic!("the handler crashed"),
        // Over the 1 MiB a response may have to be kept.
        77 => Ok((
            axum::http::StatusCode::CREATED,
            "x".repeat(2 * 1024 * 1024 + n),
        )),
        _ => Ok((
            axum::http::StatusCode::CREATED,
            format!("{{\"run\":{n},\"amount\":{}}}", order.amount),
        )),
    }
}

fn mxcep() -> Arc<Catalog> {
    static CATALOG: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| catalog("mxcep")).clone()
}

fn idempotent_app(catalog: &Arc<Catalog>, idem: Idempotency, counter: Counter) -> Router {
    Router::new()
        .route("/orders", post(create).get(|| async { "list" }))
        .with_state(counter)
        .layer(idem.layer())
        .with_errcat(Errcat::new(catalog.clone()))
}

/// The orders app on mxcep with default idempotency in memory: its catalog, its run counter,
/// its base URL and a client.
async fn orders_in_memory() -> (Arc<Catalog>, Counter, String, reqwest::Client) {
    let c = catalog("mxcep");
    let counter = Counter::default();
    let app = idempotent_app(&c, Idempotency::new(MemoryStore::new()), counter.clone());
    (c, counter, serve(app).await, reqwest::Client::new())
}

fn reqwest_post(client: &reqwest::Client, base: &str) -> reqwest::RequestBuilder {
    client.post(format!("{base}/orders"))
}

fn order(client: &reqwest::Client, base: &str, key: &str, amount: u32) -> reqwest::RequestBuilder {
    reqwest_post(client, base)
        .header("idempotency-key", key)
        .bearer_auth("tenant-a")
        .json(&serde_json::json!({ "amount": amount }))
}

#[tokio::test]
async fn a_retry_replays_the_first_response_byte_for_byte() {
    let (c, counter, base, client) = orders_in_memory().await;
    let first = send(order(&client, &base, "key-1", 5)).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = send(order(&client, &base, "key-1", 5)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("content-type"), first.header("content-type"));
    assert_eq!(again.header("x-request-id"), first.header("x-request-id"));
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);

    // A handler's own error is the request's outcome: kept and replayed, request id and all.
    let err = send(order(&client, &base, "key-2", 13)).await;
    err.assert_envelope(&c, "job_not_cancellable");
    let err_again = send(order(&client, &base, "key-2", 13)).await;
    assert_eq!(err_again.body, err.body);
    assert_eq!(err_again.header("idempotent-replayed"), Some("true"));
    err_again.assert_envelope(&c, "job_not_cancellable");
    assert_eq!(counter.runs.load(Ordering::SeqCst), 2);

    // Another client's identical key is another key.
    let other = send(
        reqwest_post(&client, &base)
            .header("idempotency-key", "key-1")
            .bearer_auth("tenant-b")
            .json(&serde_json::json!({ "amount": 5 })),
    )
    .await;
    assert_eq!(other.status, 201);
    assert_eq!(other.header("idempotent-replayed"), None);
    // GET is not covered: it runs every time.
    let list = send(
        client
            .get(format!("{base}/orders"))
            .header("idempotency-key", "key-1"),
    )
    .await;
    assert_eq!(&list.body[..], b"list");
    assert_eq!(list.header("idempotent-replayed"), None);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn invalid_reused_and_in_progress_keys_get_the_catalogs_codes() {
    let (c, counter, base, client) = orders_in_memory().await;

    for bad in ["has space", "a/b", "a.b", "", &"a".repeat(256)] {
        let r = send(order(&client, &base, bad, 5)).await;
        r.assert_envelope(&c, "invalid_idempotency_key");
        assert_eq!(r.parsed.fields.len(), 1, "{:?}", r.body);
    }
    // Two values are ambiguous.
    let r = send(order(&client, &base, "a", 5).header("idempotency-key", "b")).await;
    r.assert_envelope(&c, "invalid_idempotency_key");
    assert_eq!(counter.runs.load(Ordering::SeqCst), 0);

    assert_eq!(send(order(&client, &base, "k", 5)).await.status, 201);
    let reused = send(order(&client, &base, "k", 6)).await;
    reused.assert_envelope(&c, "idempotency_key_reused");

    let slow = tokio::spawn(send(order(&client, &base, "slow", 999)));
    // The first request is in the handler, holding its key, until it is released.
    counter.entered.notified().await;
    let busy = send(order(&client, &base, "slow", 999)).await;
    busy.assert_envelope(&c, "idempotency_key_in_progress");
    assert_eq!(busy.header("retry-after"), Some("1"));
    counter.release.notify_one();
    let slow = slow.await.unwrap();
    assert_eq!(slow.status, 201);
    assert_eq!(
        send(order(&client, &base, "slow", 999)).await.body,
        slow.body
    );
}

#[tokio::test]
async fn two_hundred_concurrent_retries_run_the_handler_once() {
    let (c, counter, base, client) = orders_in_memory().await;
    let tasks: Vec<_> = (0..200)
        .map(|_| tokio::spawn(send(order(&client, &base, "same", 7))))
        .collect();
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => created += 1,
            409 => r.assert_envelope(&c, "idempotency_key_in_progress"),
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert!(created >= 1);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refusals_and_429s_are_not_kept_so_a_corrected_retry_runs() {
    let (c, counter, base, client) = orders_in_memory().await;
    // Malformed JSON: refused by the extractor before the handler.
    let bad = send(
        client
            .post(format!("{base}/orders"))
            .header("idempotency-key", "fix-me")
            .bearer_auth("tenant-a")
            .header("content-type", "application/json")
            .body("{nope"),
    )
    .await;
    assert_eq!(bad.status, 400);
    let fixed = send(order(&client, &base, "fix-me", 5)).await;
    assert_eq!(fixed.status, 201);
    assert_eq!(fixed.header("idempotent-replayed"), None);

    // Validation failed in the handler: a refusal, not kept.
    let invalid = send(order(&client, &base, "v", 0)).await;
    invalid.assert_envelope(&c, "validation_error");
    assert_eq!(
        send(order(&client, &base, "v", 0))
            .await
            .header("idempotent-replayed"),
        None
    );

    // A 429 is never kept.
    let limited = send(order(&client, &base, "r", 429)).await;
    assert_eq!(limited.status, 429);
    let again = send(order(&client, &base, "r", 429)).await;
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 5);
}

/// Issue 15 changed this: a crashed request used to hold its key until the lock timeout (a
/// retry got 409 meanwhile); the layer's guard now frees the key as the handler unwinds, so the
/// retry runs the handler again.
#[tokio::test]
async fn a_crashed_request_frees_its_key_at_once() {
    let c = catalog("mxcep");
    let counter = Counter::default();
    // The store's clock stands still: only the guard can free the key.
    let idem = Idempotency::new(MemoryStore::with_clock(ManualClock::new()));
    let base = serve(idempotent_app(&c, idem, counter.clone())).await;
    let client = reqwest::Client::new();
    let crashed = send(order(&client, &base, "crash", 666)).await;
    crashed.assert_envelope(&c, "internal_error");
    let again = send(order(&client, &base, "crash", 666)).await;
    again.assert_envelope(&c, "internal_error");
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_unreachable_idempotency_store_fails_closed_or_open() {
    let c = catalog("mxcep");
    let client = reqwest::Client::new();
    let counter = Counter::default();
    let closed = Idempotency::new(BrokenStore { hang: false });
    let base = serve(idempotent_app(&c, closed, counter.clone())).await;
    let r = send(order(&client, &base, "k", 5)).await;
    assert_eq!(r.status, 503);
    let code = c.role(errcat::Role::Unavailable).code.clone();
    r.assert_envelope(&c, &code);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 0);

    let open = Idempotency::new(BrokenStore { hang: false }).on_store_error(FailMode::Open);
    let base = serve(idempotent_app(&c, open, counter.clone())).await;
    assert_eq!(send(order(&client, &base, "k", 5)).await.status, 201);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn seed_004s_header_name_is_configurable() {
    let c = catalog("migosmtp.toml");
    let counter = Counter::default();
    let idem = Idempotency::new(MemoryStore::new()).header("x-idempotency-key");
    let base = serve(idempotent_app(&c, idem, counter.clone())).await;
    let client = reqwest::Client::new();
    let post = |amount: u32| {
        client
            .post(format!("{base}/orders"))
            .header("x-idempotency-key", "abc")
            .json(&serde_json::json!({ "amount": amount }))
    };
    assert_eq!(send(post(1)).await.status, 201);
    assert_eq!(
        send(post(1)).await.header("idempotent-replayed"),
        Some("true")
    );
    // Seed 004 answers a reused key with its own 409 code.
    send(post(2))
        .await
        .assert_envelope(&c, "duplicate_idempotency_key");
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_policy_can_cover_one_group_of_routes_and_seed_002_gets_retry_after_in_the_body() {
    // Seed 002: X-RateLimit-Remaining and `retryAfter` in its nested envelope.
    let c = catalog("seed002.toml");
    let limits = RateLimit::new(still_store())
        .policy(Policy::new("send", ApiKey::authorization()).window(Window::per_minute("send", 1)))
        .layer(&c)
        .unwrap();
    let limited = Router::new()
        .route("/send", post(|| async { "sent" }))
        .route_layer(limits);
    let app = Router::new()
        .route("/status", get(|| async { "up" }))
        .nest("/v1", limited)
        .with_errcat(Errcat::new(c.clone()));
    let base = serve(app).await;
    let client = reqwest::Client::new();
    assert_eq!(
        send(client.post(format!("{base}/v1/send")).bearer_auth("k"))
            .await
            .status,
        200
    );
    let r = send(client.post(format!("{base}/v1/send")).bearer_auth("k")).await;
    r.assert_envelope(&c, "RATE_LIMITED");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(
        body["error"]["retryAfter"],
        serde_json::json!(secs),
        "{body}"
    );
    assert!((55..=60).contains(&secs), "{secs}");
    // Routes outside the group are not limited and carry no rate-limit headers.
    for _ in 0..3 {
        let r = send(client.get(format!("{base}/status")).bearer_auth("k")).await;
        assert_eq!(r.status, 200);
        assert!(r.header("ratelimit").is_none());
    }
    // An unknown route inside the group is not counted either: route_layer wraps routes only.
    let r = send(client.post(format!("{base}/v1/nope")).bearer_auth("k")).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_response_too_big_to_keep_is_sent_whole_and_not_replayed() {
    let (_, counter, base, client) = orders_in_memory().await;
    let first = send(order(&client, &base, "big", 77)).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.body.len(), 2 * 1024 * 1024 + 1);
    assert!(first.body.iter().all(|b| *b == b'x'));
    let second = send(order(&client, &base, "big", 77)).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_eq!(second.body.len(), 2 * 1024 * 1024 + 2);
    assert_eq!(counter.runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn scopes_keep_clients_apart_unless_unscoped() {
    let c = catalog("mxcep");
    let client = reqwest::Client::new();
    let post = |base: &str, tenant: &str| {
        reqwest_post(&client, base)
            .header("idempotency-key", "shared-key")
            .header("x-tenant", tenant)
            .json(&serde_json::json!({ "amount": 3 }))
    };
    let tenant = |req: &axum::extract::Request| {
        req.headers()
            .get("x-tenant")?
            .to_str()
            .ok()
            .map(str::to_owned)
    };
    let counter = Counter::default();
    let scoped = Idempotency::new(MemoryStore::new()).scope(tenant);
    let base = serve(idempotent_app(&c, scoped, counter.clone())).await;
    assert_eq!(
        send(post(&base, "a")).await.header("idempotent-replayed"),
        None
    );
    assert_eq!(
        send(post(&base, "b")).await.header("idempotent-replayed"),
        None
    );
    assert_eq!(
        send(post(&base, "b")).await.header("idempotent-replayed"),
        Some("true")
    );
    assert_eq!(counter.runs.load(Ordering::SeqCst), 2);

    let counter = Counter::default();
    let unscoped = Idempotency::new(MemoryStore::new()).unscoped();
    let base = serve(idempotent_app(&c, unscoped, counter.clone())).await;
    assert_eq!(send(post(&base, "a")).await.status, 201);
    assert_eq!(
        send(post(&base, "b")).await.header("idempotent-replayed"),
        Some("true")
    );
    assert_eq!(counter.runs.load(Ordering::SeqCst), 1);
}
