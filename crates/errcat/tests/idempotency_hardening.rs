//! Issue 15's hardening of the idempotency layer, over real sockets: refusals are never kept,
//! the body is read under its own deadline, a request that does not finish frees its key (and
//! one whose handler answered keeps its result even if the request is dropped), the memory
//! store's caps answer with the catalog's codes, and durations of `Duration::MAX` work.
//!
//! The checks of the guard run on the memory store and on Redis (a throwaway `redis-server`,
//! skipped with a message where it is not installed, unless `ERRCAT_REQUIRE_REDIS=1`).

use std::convert::Infallible;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use errcat::auth::{Auth, Principal, require};
use errcat::axum::idempotency::Refusal;
use errcat::axum::{Errcat, Idempotency, RouterExt};
use errcat::store::keys::{ApiKeySecret, KeyHasher, KeyRecord, KeyStore as _};
use errcat::store::{IdempotencyLimits, IdempotencyStore, ManualClock, MemoryStore};
use errcat::{ApiError, Catalog, Role};
use futures_util::StreamExt as _;
use tokio::sync::Notify;

/// How long a check waits at most for something the server must do by itself (free a key,
/// answer a trickled body). Far above what it takes; it only turns a hang into a failure.
const BOUND: Duration = Duration::from_secs(30);

fn mintfax() -> Arc<Catalog> {
    static CATALOG: std::sync::OnceLock<Arc<Catalog>> = std::sync::OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let path = format!("{}/../../catalogs/mintfax.toml", env!("CARGO_MANIFEST_DIR"));
            Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{path}: {r}")))
        })
        .clone()
}

/// mintfax's `code`, which is no role.
fn code(name: &str) -> ApiError {
    let c = mintfax();
    assert!(
        Role::ALL.iter().all(|r| c.role(*r).code != name),
        "{name} is a role's code"
    );
    ApiError::checked(&c, name).unwrap_or_else(|e| panic!("{e}"))
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve")
    });
    addr
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
    parsed: errcat::client::RemoteError,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn replayed(&self) -> bool {
        self.header("idempotent-replayed") == Some("true")
    }

    /// The catalog's envelope for `code`, at the status the catalog gives it.
    #[track_caller]
    fn assert_envelope(&self, catalog: &Catalog, code: &str) {
        let body = String::from_utf8_lossy(&self.body);
        assert_eq!(self.parsed.code.as_deref(), Some(code), "{body}");
        let entry = catalog.get(code).expect("code in catalog");
        assert_eq!(Some(self.status), entry.default_status(), "{body}");
        assert!(
            self.header("content-type")
                .is_some_and(|ct| ct.contains("json")),
            "{:?}",
            self.headers
        );
    }
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body");
    let parsed = errcat::client::parse(status, &headers, &body);
    Reply {
        status,
        headers,
        body,
        parsed,
    }
}

fn post_with(
    client: &reqwest::Client,
    addr: SocketAddr,
    path: &str,
    key: &str,
    auth: &str,
) -> reqwest::RequestBuilder {
    client
        .post(format!("http://{addr}{path}"))
        .header("idempotency-key", key)
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(r#"{"to":"+15550100"}"#)
}

// ---- 1. refusals are never kept ---------------------------------------------------------

/// Authentication and a `require` check sit inside the idempotency layer (the order the
/// layer must survive): junk credentials and a refused principal are answered afresh every
/// time, and a refusal that no longer applies lets the retry run.
#[tokio::test]
async fn refusals_in_front_of_the_handler_are_never_replayed() {
    let c = mintfax();
    let keys = MemoryStore::new();
    let hasher = KeyHasher::sha256();
    let good = ApiKeySecret::generate("mfx", "test").expect("key");
    let broke = ApiKeySecret::generate("mfx", "test").expect("key");
    let unknown = ApiKeySecret::generate("mfx", "test").expect("key");
    for (secret, owner) in [(&good, "acct_good"), (&broke, "acct_broke")] {
        keys.put(&KeyRecord::new(secret, &hasher, "k", owner))
            .await
            .expect("put");
    }
    let runs = Arc::new(AtomicUsize::new(0));
    // Whether acct_broke is out of balance: a non-role catalog code (402), refused by
    // `require` in front of the handler.
    let out_of_balance = Arc::new(AtomicBool::new(true));
    let check = {
        let out = out_of_balance.clone();
        move |p: &Principal| {
            (p.owner() == "acct_broke" && out.load(Ordering::SeqCst))
                .then(|| code("insufficient_balance"))
        }
    };
    let handler = {
        let runs = runs.clone();
        move || async move {
            let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
            (StatusCode::CREATED, format!("{{\"run\":{n}}}"))
        }
    };
    let app = Router::new()
        .route("/faxes", post(handler))
        .route_layer(require(check))
        .layer(Auth::new(keys).no_failure_limit().layer(&c))
        .layer(Idempotency::new(MemoryStore::new()).layer())
        .with_errcat(Errcat::new(c.clone()));
    let addr = serve(app).await;
    let client = reqwest::Client::new();
    let bearer = |s: &ApiKeySecret| format!("Bearer {}", s.expose());

    for (auth, code) in [
        ("Bearer junk".to_owned(), "unauthenticated"),
        (bearer(&unknown), "api_key_invalid"),
    ] {
        for _ in 0..2 {
            let r = send(post_with(&client, addr, "/faxes", "k-junk", &auth)).await;
            r.assert_envelope(&c, code);
            assert!(!r.replayed(), "a refusal was replayed: {:?}", r.body);
        }
    }
    for _ in 0..2 {
        let r = send(post_with(&client, addr, "/faxes", "k-1", &bearer(&broke))).await;
        r.assert_envelope(&c, "insufficient_balance");
        assert!(!r.replayed(), "a require refusal was replayed");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    // The account is topped up: the retry with the same key is decided again, and runs.
    out_of_balance.store(false, Ordering::SeqCst);
    let r = send(post_with(&client, addr, "/faxes", "k-1", &bearer(&broke))).await;
    assert_eq!((r.status, r.replayed()), (201, false));
    assert_eq!(&r.body[..], b"{\"run\":1}");
    let again = send(post_with(&client, addr, "/faxes", "k-1", &bearer(&broke))).await;
    assert_eq!((again.status, again.replayed()), (201, true));
    assert_eq!(again.body, r.body);

    let ok = send(post_with(&client, addr, "/faxes", "k-2", &bearer(&good))).await;
    assert_eq!((ok.status, ok.replayed()), (201, false));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// A handler's own 401 and 403 (a catalog code that is no role, or a bare status) are never
/// kept; a response marked `Refusal` is not either, while the same business refusal unmarked
/// is the request's outcome and is replayed.
#[tokio::test]
async fn a_handlers_401_403_and_marked_refusals_are_not_replayed() {
    let c = mintfax();
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = |answer: fn() -> Response| {
        let runs = runs.clone();
        post(move || async move {
            runs.fetch_add(1, Ordering::SeqCst);
            answer()
        })
    };
    let app = Router::new()
        .route(
            "/inactive",
            counted(|| code("account_not_activated").into_response()),
        )
        .route(
            "/who",
            counted(|| (StatusCode::UNAUTHORIZED, "who are you?").into_response()),
        )
        .route(
            "/busy-marked",
            counted(|| (Extension(Refusal), code("fax_not_terminal")).into_response()),
        )
        .route(
            "/busy",
            counted(|| code("fax_not_terminal").into_response()),
        )
        .layer(Idempotency::new(MemoryStore::new()).layer())
        .with_errcat(Errcat::new(c.clone()));
    let addr = serve(app).await;
    let client = reqwest::Client::new();

    for (path, status) in [("/inactive", 403), ("/who", 401), ("/busy-marked", 409)] {
        let before = runs.load(Ordering::SeqCst);
        for _ in 0..2 {
            let r = send(post_with(&client, addr, path, "k", "Bearer t")).await;
            assert_eq!(r.status, status, "{path}");
            assert!(!r.replayed(), "{path} was replayed");
        }
        assert_eq!(runs.load(Ordering::SeqCst), before + 2, "{path}");
    }
    let first = send(post_with(&client, addr, "/busy", "k", "Bearer t")).await;
    first.assert_envelope(&c, "fax_not_terminal");
    let again = send(post_with(&client, addr, "/busy", "k", "Bearer t")).await;
    assert!(again.replayed());
    assert_eq!(again.body, first.body);
    assert_eq!(runs.load(Ordering::SeqCst), 7);
}

// ---- 2. the body is read under a deadline ------------------------------------------------

/// A raw connection to the server, whose reads give up after [`BOUND`].
fn connect(addr: SocketAddr) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(BOUND)).expect("timeout");
    s.set_write_timeout(Some(BOUND)).expect("timeout");
    s
}

/// Reads one HTTP/1.1 response (head and `Content-Length` body) from a raw socket.
fn read_response(stream: &mut std::net::TcpStream) -> (u16, http::HeaderMap, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream
            .read(&mut chunk)
            .unwrap_or_else(|e| panic!("no response within {BOUND:?}: {e}"));
        assert!(n > 0, "the connection closed before a response: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).expect("ascii head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let mut headers = http::HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("header line");
        headers.append(
            http::HeaderName::from_bytes(name.trim().as_bytes()).expect("name"),
            http::HeaderValue::from_str(value.trim()).expect("value"),
        );
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("content-length");
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "the connection closed mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    (status, headers, body)
}

/// A client announces 1000 bytes, sends a few, then nothing: it gets the catalog's timeout
/// envelope once the body timeout is up, the handler never runs, and the key is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_gets_the_timeout_code_and_leaves_the_key_free() {
    let c = mintfax();
    let runs = Arc::new(AtomicUsize::new(0));
    let handler = {
        let runs = runs.clone();
        move |_body: Bytes| async move {
            runs.fetch_add(1, Ordering::SeqCst);
            (StatusCode::CREATED, "sent")
        }
    };
    // Short, so the test is quick; the test waits for the answer, not for the clock.
    let idem = Idempotency::new(MemoryStore::new()).body_timeout(Duration::from_millis(200));
    let app = Router::new()
        .route("/faxes", post(handler))
        .layer(idem.layer())
        .with_errcat(Errcat::new(c.clone()));
    let addr = serve(app).await;

    let (status, headers, body) = tokio::task::spawn_blocking(move || {
        let mut stream = connect(addr);
        let head = "POST /faxes HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
                    content-length: 1000\r\nidempotency-key: trickle\r\n\
                    authorization: Bearer t\r\n\r\n{\"to\":";
        stream.write_all(head.as_bytes()).expect("write");
        // Then nothing more: the answer must come by itself.
        read_response(&mut stream)
    })
    .await
    .expect("client");
    let parsed = errcat::client::parse(status, &headers, &body);
    let timeout = c.role(Role::Timeout);
    assert_eq!(
        parsed.code.as_deref(),
        Some(timeout.code.as_str()),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(Some(status), timeout.default_status());
    assert!(
        headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.contains("json"))
    );
    assert!(parsed.request_id.is_some());
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    // The key was never locked: the whole request runs at once.
    let client = reqwest::Client::new();
    let r = send(post_with(&client, addr, "/faxes", "trickle", "Bearer t")).await;
    assert_eq!((r.status, r.replayed()), (201, false));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

// ---- 3. the guard ------------------------------------------------------------------------

const NORMAL: u8 = 0;
const PANIC: u8 = 1;
/// Wait in the handler until `release`.
const HOLD: u8 = 2;
/// Answer at once with a body that tells `entered` when its reading starts, and whose end
/// waits for `release`.
const STREAM: u8 = 3;

/// The handler's state: what its next run does (later runs answer at once), and events.
#[derive(Clone, Default)]
struct Probe {
    runs: Arc<AtomicUsize>,
    next: Arc<AtomicU8>,
    entered: Arc<Notify>,
    release: Arc<Notify>,
    /// Drops the request in flight on `/cut` (as an outer timeout or a client gone would).
    cut: Arc<Notify>,
    /// Set, and told, when a held run was dropped before it finished.
    cancelled: Arc<AtomicBool>,
    dropped: Arc<Notify>,
}

impl Probe {
    fn new(next: u8) -> Probe {
        let probe = Probe::default();
        probe.next.store(next, Ordering::SeqCst);
        probe
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

/// Sets the probe's flag and tells `dropped` if dropped armed.
struct Cancelled(Probe, bool);

impl Drop for Cancelled {
    fn drop(&mut self) {
        if self.1 {
            self.0.cancelled.store(true, Ordering::SeqCst);
            self.0.dropped.notify_one();
        }
    }
}

async fn probed(State(p): State<Probe>, _body: Bytes) -> Response {
    let n = p.runs.fetch_add(1, Ordering::SeqCst) + 1;
    let json = [(CONTENT_TYPE, "application/json")];
    match p.next.swap(NORMAL, Ordering::SeqCst) {
        PANIC => panic!("the handler crashed"),
        HOLD => {
            let mut armed = Cancelled(p.clone(), true);
            p.entered.notify_one();
            p.release.notified().await;
            armed.1 = false;
        }
        STREAM => {
            let (entered, release) = (p.entered.clone(), p.release.clone());
            let head = futures_util::stream::once(async move {
                entered.notify_one();
                Ok::<_, Infallible>(Bytes::from(format!("{{\"run\":{n},")))
            });
            let tail = futures_util::stream::once(async move {
                release.notified().await;
                Ok::<_, Infallible>(Bytes::from_static(b"\"done\":true}"))
            });
            return (
                StatusCode::CREATED,
                json,
                Body::from_stream(head.chain(tail)),
            )
                .into_response();
        }
        _ => {}
    }
    (StatusCode::CREATED, json, format!("{{\"run\":{n}}}")).into_response()
}

/// Outside the idempotency layer on `/cut`: answers the catalog's timeout code as soon as
/// `cut` is told, dropping the request in flight (what an outer timeout does, without a clock).
async fn cut_off(State(cut): State<Arc<Notify>>, req: Request, next: Next) -> Response {
    tokio::select! {
        res = next.run(req) => res,
        () = cut.notified() => ApiError::role(Role::Timeout).into_response(),
    }
}

/// `/faxes` behind idempotency on `store`; `/cut` the same behind [`cut_off`].
fn guarded_app(c: &Arc<Catalog>, store: impl IdempotencyStore, probe: &Probe) -> Router {
    let idem = Idempotency::new(store).layer();
    let faxes = Router::new()
        .route("/faxes", post(probed))
        .layer(idem.clone())
        .with_state(probe.clone());
    let cut = Router::new()
        .route("/cut", post(probed))
        .layer(idem)
        .layer(axum::middleware::from_fn_with_state(
            probe.cut.clone(),
            cut_off,
        ))
        .with_state(probe.clone());
    faxes.merge(cut).with_errcat(Errcat::new(c.clone()))
}

/// Sends the request until its key is no longer in progress (the server frees it by itself,
/// maybe on a task of its own): the first other answer, and how many 409s came before it.
async fn until_free(req: impl Fn() -> reqwest::RequestBuilder) -> (Reply, usize) {
    let started = Instant::now();
    let mut busy = 0;
    loop {
        let r = send(req()).await;
        if r.status != 409 {
            return (r, busy);
        }
        busy += 1;
        assert!(
            started.elapsed() < BOUND,
            "the key is still locked after {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Whether the store frees a key as soon as it is asked (the memory store), so a retry right
/// after must find it free.
#[derive(Clone, Copy, PartialEq)]
enum Release {
    AtOnce,
    OnATask,
}

/// A handler that panics (the errcat layer answers `internal`) frees its key: the retry runs.
async fn a_panicking_handler_frees_its_key(store: impl IdempotencyStore, release: Release) {
    let c = mintfax();
    let probe = Probe::new(PANIC);
    let addr = serve(guarded_app(&c, store, &probe)).await;
    let client = reqwest::Client::new();
    let req = || post_with(&client, addr, "/faxes", "crash", "Bearer t");
    let crashed = send(req()).await;
    crashed.assert_envelope(&c, "internal_server_error");
    let (retry, busy) = until_free(req).await;
    if release == Release::AtOnce {
        assert_eq!(busy, 0, "the retry after a panic got 409");
    }
    assert_eq!((retry.status, retry.replayed()), (201, false));
    assert_eq!(&retry.body[..], b"{\"run\":2}");
    assert_eq!(probe.runs(), 2);
}

/// The request is dropped from outside while its handler runs (an outer timeout, say): the key
/// is freed, and the retry runs the handler again (it never finished).
async fn a_dropped_request_frees_its_key(store: impl IdempotencyStore, release: Release) {
    let c = mintfax();
    let probe = Probe::new(HOLD);
    let addr = serve(guarded_app(&c, store, &probe)).await;
    let client = reqwest::Client::new();
    let req = || post_with(&client, addr, "/cut", "dropped", "Bearer t");
    let first = tokio::spawn(send(req()));
    probe.entered.notified().await;
    probe.cut.notify_one();
    let timed_out = first.await.expect("client");
    timed_out.assert_envelope(&c, &c.role(Role::Timeout).code);
    assert!(probe.cancelled.load(Ordering::SeqCst));
    let (retry, busy) = until_free(req).await;
    if release == Release::AtOnce {
        assert_eq!(busy, 0, "the retry after a dropped request got 409");
    }
    assert_eq!((retry.status, retry.replayed()), (201, false));
    assert_eq!(&retry.body[..], b"{\"run\":2}");
    assert_eq!(probe.runs(), 2);
}

/// The handler has answered but its body is still being read when the request is dropped from
/// outside: keeping it goes on regardless, so once the body ends the retry is a replay of that
/// run, not a second run.
async fn a_finished_result_survives_a_dropped_request(store: impl IdempotencyStore) {
    let c = mintfax();
    let probe = Probe::new(STREAM);
    let addr = serve(guarded_app(&c, store, &probe)).await;
    let client = reqwest::Client::new();
    let req = || post_with(&client, addr, "/cut", "kept", "Bearer t");
    let first = tokio::spawn(send(req()));
    // The layer is reading the body: the handler has answered.
    probe.entered.notified().await;
    probe.cut.notify_one();
    let timed_out = first.await.expect("client");
    timed_out.assert_envelope(&c, &c.role(Role::Timeout).code);
    // Now the body may end: the layer's own task reads it and records it.
    probe.release.notify_one();
    let (retry, _) = until_free(req).await;
    assert_eq!(retry.status, 201);
    assert!(
        retry.replayed(),
        "the finished result was lost: {:?}",
        retry.body
    );
    assert_eq!(&retry.body[..], b"{\"run\":1,\"done\":true}");
    assert_eq!(probe.runs(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_frees_its_key_in_memory() {
    let store = MemoryStore::with_clock(ManualClock::new());
    a_panicking_handler_frees_its_key(store, Release::AtOnce).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_request_frees_its_key_in_memory() {
    let store = MemoryStore::with_clock(ManualClock::new());
    a_dropped_request_frees_its_key(store, Release::AtOnce).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_result_survives_a_dropped_request_in_memory() {
    let store = MemoryStore::with_clock(ManualClock::new());
    a_finished_result_survives_a_dropped_request(store).await;
}

/// A client that disconnects while its handler runs: the server drops the request (hyper
/// does when it sees the connection close), and the key is free as soon as it has: the retry
/// runs at once, without a 409.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_leaves_its_key_free() {
    let c = mintfax();
    let probe = Probe::new(HOLD);
    let store = MemoryStore::with_clock(ManualClock::new());
    let addr = serve(guarded_app(&c, store, &probe)).await;

    let stream = tokio::task::spawn_blocking(move || {
        let mut stream = connect(addr);
        let body = r#"{"to":"+15550100"}"#;
        let request = format!(
            "POST /faxes HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nidempotency-key: gone\r\nauthorization: Bearer t\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("write");
        stream
    })
    .await
    .expect("client");
    probe.entered.notified().await;
    drop(stream);
    tokio::time::timeout(BOUND, probe.dropped.notified())
        .await
        .expect("the server never dropped the request of a client that went away");
    // Nothing is left to release: the handler went with the request.
    probe.release.notify_one();

    let client = reqwest::Client::new();
    // The handler's future drops a moment before the guard frees the key, so a retry may meet
    // the lock once; the store's clock never moves, so only the guard can free it at all.
    let (retry, _busy) =
        until_free(|| post_with(&client, addr, "/faxes", "gone", "Bearer t")).await;
    assert_eq!((retry.status, retry.replayed()), (201, false));
    assert_eq!(&retry.body[..], b"{\"run\":2}");
    assert_eq!(probe.runs(), 2);
}

#[cfg(feature = "redis")]
mod redis {
    use errcat::store::{RedisConfig, RedisStore};
    use errcat_testkit::redis::RedisServer;

    use super::Release;

    async fn store(server: &RedisServer) -> RedisStore {
        RedisStore::connect(&server.url(), RedisConfig::new().prefix("hardening"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_handler_frees_its_key_on_redis() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        super::a_panicking_handler_frees_its_key(store(&server).await, Release::OnATask).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_frees_its_key_on_redis() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        super::a_dropped_request_frees_its_key(store(&server).await, Release::OnATask).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_finished_result_survives_a_dropped_request_on_redis() {
        let Some(server) = RedisServer::start_or_skip() else {
            return;
        };
        super::a_finished_result_survives_a_dropped_request(store(&server).await).await;
    }
}

// ---- 4. memory bounds --------------------------------------------------------------------

/// A scope over its cap gets the catalog's `rate_limited` code, the store over its own
/// `unavailable`, both with `Retry-After` until the soonest record expires; kept responses
/// still replay, and expiry makes room.
#[tokio::test]
async fn full_stores_answer_429_for_a_scope_and_503_for_the_whole() {
    let c = mintfax();
    let clock = ManualClock::new();
    let store = MemoryStore::with_clock(clock.clone()).idempotency_limits(
        IdempotencyLimits::new()
            .per_scope(2, 1 << 20)
            .total(3, 1 << 20),
    );
    let probe = Probe::new(NORMAL);
    let addr = serve(guarded_app(&c, store, &probe)).await;
    let client = reqwest::Client::new();
    let fax = |key: &str, tenant: &str| {
        post_with(&client, addr, "/faxes", key, &format!("Bearer {tenant}"))
    };
    const DAY: &str = "86400";

    for key in ["k1", "k2"] {
        assert_eq!(send(fax(key, "tenant-a")).await.status, 201);
    }
    let over = send(fax("k3", "tenant-a")).await;
    over.assert_envelope(&c, &c.role(Role::RateLimited).code);
    // The scope's records are kept for the default 24 h, on a clock that stands still.
    assert_eq!(over.header("retry-after"), Some(DAY));
    let replay = send(fax("k1", "tenant-a")).await;
    assert_eq!((replay.status, replay.replayed()), (201, true));

    assert_eq!(send(fax("k1", "tenant-b")).await.status, 201);
    let full = send(fax("k1", "tenant-c")).await;
    full.assert_envelope(&c, &c.role(Role::Unavailable).code);
    assert_eq!(full.header("retry-after"), Some(DAY));
    let replay = send(fax("k1", "tenant-b")).await;
    assert_eq!((replay.status, replay.replayed()), (201, true));
    assert_eq!(probe.runs(), 3);

    clock.advance(Duration::from_secs(86_400));
    let room = send(fax("k1", "tenant-c")).await;
    assert_eq!((room.status, room.replayed()), (201, false));
    let fresh = send(fax("k3", "tenant-a")).await;
    assert_eq!((fresh.status, fresh.replayed()), (201, false));
    assert_eq!(probe.runs(), 5);
}

// ---- 5. durations ------------------------------------------------------------------------

/// `Duration::MAX` everywhere: requests are answered and replayed (the memory store used to
/// overflow on every request).
#[tokio::test]
async fn durations_of_duration_max_are_clamped() {
    let c = mintfax();
    let probe = Probe::new(NORMAL);
    let idem = Idempotency::new(MemoryStore::new())
        .retention(Duration::MAX)
        .lock_timeout(Duration::MAX)
        .store_timeout(Duration::MAX)
        .body_timeout(Duration::MAX)
        .layer();
    let app = Router::new()
        .route("/faxes", post(probed))
        .layer(idem)
        .with_state(probe.clone())
        .with_errcat(Errcat::new(c));
    let addr = serve(app).await;
    let client = reqwest::Client::new();
    let first = send(post_with(&client, addr, "/faxes", "forever", "Bearer t")).await;
    assert_eq!((first.status, first.replayed()), (201, false));
    let again = send(post_with(&client, addr, "/faxes", "forever", "Bearer t")).await;
    assert_eq!((again.status, again.replayed()), (201, true));
    assert_eq!(again.body, first.body);
    assert_eq!(probe.runs(), 1);

    // The memory store on its own saturates too.
    let store = MemoryStore::new();
    let f = errcat::store::Fingerprint::of("POST", "/faxes", b"");
    let errcat::store::Begin::Acquired(token) = store
        .begin("-", "forever", &f, Duration::MAX)
        .await
        .expect("begin")
    else {
        panic!("a fresh key is free");
    };
    let response = errcat::store::StoredResponse {
        status: 201,
        headers: Vec::new(),
        body: Bytes::from_static(b"sent"),
    };
    assert!(
        store
            .complete("-", "forever", &token, &response, Duration::MAX)
            .await
            .expect("complete")
    );
    assert_eq!(
        store
            .begin("-", "forever", &f, Duration::MAX)
            .await
            .expect("begin"),
        errcat::store::Begin::Completed(response)
    );
}

/// Counts when it is dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A handler's response body that never ends, behind a request timeout that answers first:
/// the task keeping the response gives up within the lock timeout, drops the body and frees
/// the key, rather than holding them for ever after the request is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_body_that_never_ends_is_given_up_within_the_lock_timeout() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let handler = {
        let dropped = dropped.clone();
        move || {
            let guard = DropCount(dropped.clone());
            async move {
                let head = futures_util::stream::once(async {
                    Ok::<_, Infallible>(Bytes::from_static(b"{\"a\":"))
                });
                let never = futures_util::stream::once(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    Ok::<_, Infallible>(Bytes::new())
                });
                (
                    StatusCode::CREATED,
                    [(CONTENT_TYPE, "application/json")],
                    Body::from_stream(head.chain(never)),
                )
                    .into_response()
            }
        }
    };
    // The request's own timeout: the body never ends, so it always answers first.
    async fn request_timeout(req: Request, next: Next) -> Response {
        match tokio::time::timeout(Duration::from_millis(200), next.run(req)).await {
            Ok(res) => res,
            Err(_) => ApiError::role(Role::Timeout).into_response(),
        }
    }
    let store = MemoryStore::new();
    let app = Router::new()
        .route("/faxes", post(handler))
        .layer(
            Idempotency::new(store.clone())
                .lock_timeout(Duration::from_secs(1))
                .layer(),
        )
        .layer(axum::middleware::from_fn(request_timeout))
        .with_errcat(Errcat::new(mintfax()));
    let addr = serve(app).await;
    let r = send(
        reqwest::Client::new()
            .post(format!("http://{addr}/faxes"))
            .header("idempotency-key", "endless")
            .header("authorization", "Bearer t")
            .body("{}"),
    )
    .await;
    assert_eq!(
        r.status,
        504,
        "the request's timeout answers: {}",
        String::from_utf8_lossy(&r.body)
    );
    let started = Instant::now();
    while dropped.load(Ordering::SeqCst) == 0 || store.idempotency_usage().entries > 0 {
        assert!(
            started.elapsed() < BOUND,
            "the endless body is still held: {:?}",
            store.idempotency_usage()
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
