//! The retry client (the `reqwest` feature) against a hostile server on 127.0.0.1: error bodies
//! of 20 MiB, chunked and with a `Content-Length`; a `Retry-After` of three years, as seconds and
//! as an HTTP-date; a field map built to be copied; an error body trickled a byte at a time and
//! a response that never comes. The client's memory is counted on the test's thread, which runs
//! the client, its connections and the server (a current-thread runtime).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use errcat_client::{ClientError, RemoteError, RetryClient, RetryPolicy, Style};

#[path = "support/alloc.rs"]
mod alloc;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// 20 MiB, sent in chunks of 64 KiB.
const BIG: usize = 20 << 20;
static CHUNK: [u8; 64 * 1024] = [b' '; 64 * 1024];

#[derive(Default)]
struct Seen {
    /// Requests per path.
    hits: Mutex<HashMap<String, u32>>,
    /// Bytes of the big bodies handed to the server to write.
    written: AtomicUsize,
}

/// A body of `BIG` bytes (a JSON object, then spaces), counting what the server takes of it.
fn big_body(seen: &Arc<Seen>) -> axum::body::Body {
    let seen = seen.clone();
    let head = Bytes::from_static(br#"{"error":"internal_server_error","message":"big"}"#);
    let rest = BIG - head.len();
    let mut chunks = vec![head];
    chunks.extend((0..rest / CHUNK.len()).map(|_| Bytes::from_static(&CHUNK)));
    chunks.push(Bytes::from_static(&CHUNK[..rest % CHUNK.len()]));
    let stream = futures_util::stream::iter(chunks.into_iter().map(move |c| {
        seen.written.fetch_add(c.len(), Ordering::Relaxed);
        Ok::<_, Infallible>(c)
    }));
    axum::body::Body::from_stream(stream)
}

/// The issue's field map: a 100 KB name with 100k messages (about 500 KB).
fn copied_name_body() -> String {
    let mut body = String::with_capacity(100 * 1024 + 4 * 100_000 + 64);
    body.push_str(r#"{"error":"validation_failed","context":{"errors":{""#);
    body.extend(std::iter::repeat_n('n', 100 * 1024));
    body.push_str(r#"":["m""#);
    for _ in 1..100_000 {
        body.push_str(r#","m""#);
    }
    body.push_str("]}}}");
    body
}

async fn hostile(
    axum::extract::State(seen): axum::extract::State<Arc<Seen>>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> Response {
    *seen.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let status = http::StatusCode::INTERNAL_SERVER_ERROR;
    let json = ("content-type", "application/json");
    let id = ("x-request-id", "req_hostile");
    match path.as_str() {
        // No length: hyper sends it chunked.
        "chunked" => (status, [json, id], big_body(&seen)).into_response(),
        "sized" => {
            let len = BIG.to_string();
            let headers = [
                json,
                id,
                ("content-length", len.as_str()),
                ("retry-after", "1"),
            ];
            (status, headers, big_body(&seen)).into_response()
        }
        // A body exactly at a 4 KiB cap, in chunks, and one byte over it.
        "at-cap" | "over-cap" => {
            let head = br#"{"error":"conflict","message":"x"}"#;
            let total = 4096 + usize::from(path == "over-cap");
            let mut chunks = vec![Bytes::from_static(head)];
            let mut left = total - head.len();
            while left > 0 {
                let n = left.min(1000);
                chunks.push(Bytes::from_static(&CHUNK[..n]));
                left -= n;
            }
            let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, Infallible>));
            let body = axum::body::Body::from_stream(stream);
            (http::StatusCode::CONFLICT, [json, id], body).into_response()
        }
        "parked" => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [json, ("retry-after", "99999999")],
            r#"{"error":"service_unavailable","message":"Come back in three years."}"#,
        )
            .into_response(),
        "parked-date" => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [json, ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")],
            r#"{"error":"service_unavailable","message":"Come back in 9999."}"#,
        )
            .into_response(),
        "names" => (
            http::StatusCode::UNPROCESSABLE_ENTITY,
            [json],
            copied_name_body(),
        )
            .into_response(),
        _ => http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn hostile_server() -> (String, Arc<Seen>, tokio::task::JoinHandle<()>) {
    let seen = Arc::new(Seen::default());
    let app = axum::Router::new()
        .route("/{path}", axum::routing::get(hostile))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen, task)
}

fn hits(seen: &Seen, path: &str) -> u32 {
    seen.hits.lock().unwrap().get(path).copied().unwrap_or(0)
}

fn remote(err: ClientError) -> RemoteError {
    match err {
        ClientError::Remote(e) => e,
        other => panic!("not a remote error: {other}"),
    }
}

/// (a) A 20 MiB error body, chunked and with a `Content-Length`: the client returns a
/// `TooLarge` error with the status and headers, after reading no more than its cap, and its
/// memory does not grow with the body.
#[tokio::test]
async fn a_huge_error_body_is_not_read() {
    let (base, seen, task) = hostile_server().await;
    let client = RetryClient::new(
        reqwest::Client::new(),
        RetryPolicy::default().max_attempts(1),
    );
    assert_eq!(client.error_body_limit(), 1 << 20);
    for path in ["chunked", "sized"] {
        let before = seen.written.load(Ordering::Relaxed);
        let m = alloc::measure();
        let err = client
            .send(client.inner().get(format!("{base}/{path}")))
            .await
            .unwrap_err();
        let growth = m.peak_growth();
        // The cap (1 MiB), hyper's read buffer and the request's own: far below the 20 MiB
        // that reading the body whole needs.
        assert!(
            growth < 3 << 20,
            "{path}: the client's memory grew by {growth} bytes"
        );
        let e = remote(err);
        assert_eq!(e.status, 500, "{path}");
        assert_eq!(e.style, Style::TooLarge, "{path}");
        assert_eq!(e.request_id.as_deref(), Some("req_hostile"), "{path}");
        assert!(e.raw.is_empty(), "{path}");
        assert_eq!((e.code, e.message), (None, None), "{path}");
        assert_eq!(hits(&seen, path), 1, "{path}");
        if path == "sized" {
            assert_eq!(e.retry_after, Some(Duration::from_secs(1)));
        }
        println!(
            "{path}: peak growth {growth} bytes; the server had handed {} bytes to the socket when the client returned",
            seen.written.load(Ordering::Relaxed) - before
        );
    }
    task.abort();
}

/// The cap is the body's length: a body of exactly the cap, in several chunks, is parsed; one
/// byte more is not.
#[tokio::test]
async fn the_cap_is_exact() {
    let (base, _seen, task) = hostile_server().await;
    let client =
        RetryClient::new(reqwest::Client::new(), RetryPolicy::default()).max_error_body(4096);
    let e = remote(
        client
            .send(client.inner().get(format!("{base}/at-cap")))
            .await
            .unwrap_err(),
    );
    assert_eq!(e.style, Style::Flat);
    assert_eq!(e.code.as_deref(), Some("conflict"));
    assert_eq!(e.raw.len(), 4096);
    let e = remote(
        client
            .send(client.inner().get(format!("{base}/over-cap")))
            .await
            .unwrap_err(),
    );
    assert_eq!((e.status, e.style), (409, Style::TooLarge));
    assert_eq!(e.request_id.as_deref(), Some("req_hostile"));
    task.abort();
}

/// (b) `Retry-After: 99999999`, and an HTTP-date in the year 9999, with no deadline: the
/// client gives up at once with the error instead of sleeping; one attempt, no retry.
#[tokio::test]
async fn a_server_cannot_park_the_client() {
    let (base, seen, task) = hostile_server().await;
    let client = RetryClient::new(
        reqwest::Client::new(),
        RetryPolicy::default().max_attempts(5).deadline(None),
    );
    for path in ["parked", "parked-date"] {
        let e = remote(
            client
                .send(client.inner().get(format!("{base}/{path}")))
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (e.status, e.code.as_deref()),
            (503, Some("service_unavailable"))
        );
        // The delay as the server gave it, for the caller to see; not waited for.
        assert!(
            e.retry_after
                .is_some_and(|d| d >= Duration::from_secs(99_999_999)),
            "{path}: {:?}",
            e.retry_after
        );
        assert_eq!(hits(&seen, path), 1, "{path}");
    }
    task.abort();
}

/// (c) through the client: the issue's 100 KB name with 100k messages, under the body cap, is
/// parsed with its field errors capped.
#[tokio::test]
async fn a_copied_name_is_capped_through_the_client() {
    let (base, _seen, task) = hostile_server().await;
    let client = RetryClient::new(reqwest::Client::new(), RetryPolicy::default());
    let m = alloc::measure();
    let e = remote(
        client
            .send(client.inner().get(format!("{base}/names")))
            .await
            .unwrap_err(),
    );
    let growth = m.peak_growth();
    assert_eq!((e.status, e.style), (422, Style::Flat));
    assert_eq!((e.fields.len(), e.fields_dropped), (10, 99_990));
    // The body (about 500 KB, once on the server and once in the client) and 1 MiB of kept
    // text, not 10 GB.
    assert!(
        growth < 8 << 20,
        "the client's memory grew by {growth} bytes"
    );
    task.abort();
}

/// What a raw server's connection did, in order.
#[derive(Debug, PartialEq)]
enum Event {
    /// A connection was accepted.
    Accepted,
    /// The response head and the body's first byte were written.
    FirstByte,
    /// The connection's work ended: `sent` body bytes of `of` written; `cut_off` when a write
    /// failed (or, with no answer, the client closed) before the end.
    Ended {
        sent: usize,
        of: usize,
        cut_off: bool,
    },
}

/// A 500 with `Content-Length: 1000` sent one byte every 100 ms: 100 s for the whole body.
const TRICKLED_LEN: usize = 1000;

/// A server on 127.0.0.1 speaking raw HTTP/1.1: it reads each request's head, then, `trickle`
/// true, writes a 500 head and trickles the body; `trickle` false, answers nothing and waits
/// for the client to close. It reports each connection's events.
async fn raw_server(
    trickle: bool,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<Event>,
    tokio::task::JoinHandle<()>,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let _ = tx.send(Event::Accepted);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                if !trickle {
                    // No answer: hold the connection until the client gives up on it.
                    while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
                    let _ = tx.send(Event::Ended {
                        sent: 0,
                        of: 0,
                        cut_off: true,
                    });
                    return;
                }
                let head = format!(
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
                     content-length: {TRICKLED_LEN}\r\n\r\n{{"
                );
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let _ = tx.send(Event::FirstByte);
                let mut sent = 1;
                let mut ticks = tokio::time::interval(Duration::from_millis(100));
                ticks.tick().await;
                while sent < TRICKLED_LEN {
                    ticks.tick().await;
                    if s.write_all(b" ").await.is_err() {
                        break;
                    }
                    sent += 1;
                }
                let cut_off = sent < TRICKLED_LEN;
                let _ = tx.send(Event::Ended {
                    sent,
                    of: TRICKLED_LEN,
                    cut_off,
                });
            });
        }
    });
    (format!("http://{addr}"), rx, task)
}

/// The events of `connections` connections, up to each one's end. The bound is for a broken
/// client only (the server would take 100 s per connection): far above any busy machine's
/// delay, far below the trickle.
async fn events(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Event>,
    connections: usize,
) -> Vec<Event> {
    let mut seen = Vec::new();
    let all = async {
        while seen
            .iter()
            .filter(|e| matches!(e, Event::Ended { .. }))
            .count()
            < connections
        {
            match rx.recv().await {
                Some(e) => seen.push(e),
                None => break,
            }
        }
    };
    let finished = tokio::time::timeout(Duration::from_secs(30), all).await;
    assert!(
        finished.is_ok(),
        "the server's connections did not end: {seen:?}"
    );
    seen
}

/// The client's answer. The bound is for a broken client only, which the trickle would hold
/// for 100 s per attempt; a working one answers in about its attempt limit.
async fn within_30_s<T>(f: impl std::future::Future<Output = T>) -> T {
    match tokio::time::timeout(Duration::from_secs(30), f).await {
        Ok(out) => out,
        Err(_) => panic!("the client was still waiting after 30 s"),
    }
}

/// Every connection was cut off by the client before the server could finish.
fn assert_cut_off(seen: &[Event], connections: usize, trickle: bool) {
    let count = |f: fn(&Event) -> bool| seen.iter().filter(|e| f(e)).count();
    assert_eq!(count(|e| *e == Event::Accepted), connections, "{seen:?}");
    if trickle {
        assert_eq!(count(|e| *e == Event::FirstByte), connections, "{seen:?}");
    }
    for e in seen {
        if let Event::Ended { sent, of, cut_off } = e {
            assert!(*cut_off && sent < of.max(&1), "not cut off: {e:?}");
        }
    }
}

/// A trickled error body (1000 bytes at one a 100 ms) against a 300 ms attempt timeout and no
/// deadline: each attempt fails as a timeout carrying the status, its connection is closed (the
/// server's send loop is cut off far from its end), and the timeout is retried as a transport
/// error is: two attempts, then the last timeout.
#[tokio::test]
async fn a_trickled_error_body_meets_the_attempt_timeout() {
    let (base, mut rx, task) = raw_server(true).await;
    let client = RetryClient::new(
        reqwest::Client::new(),
        RetryPolicy::default()
            .max_attempts(2)
            .base_delay(Duration::from_millis(1))
            .deadline(None)
            .attempt_timeout(Duration::from_millis(300)),
    );
    let err = within_30_s(client.send(client.inner().get(format!("{base}/x"))))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    match err {
        ClientError::Timeout { limit, status } => {
            assert_eq!((limit, status), (Duration::from_millis(300), Some(500)));
        }
        other => panic!("not an attempt timeout: {other}"),
    }
    let seen = events(&mut rx, 2).await;
    assert_cut_off(&seen, 2, true);
    task.abort();
}

/// The review's reproduction: a 1 s deadline, the default 30 s attempt timeout and five
/// attempts allowed. The trickled body is cut at the deadline, and the client gives up
/// (`GiveUpReason::Deadline`): one attempt, not five.
#[tokio::test]
async fn a_trickled_error_body_cannot_hold_the_client_past_its_deadline() {
    let (base, mut rx, task) = raw_server(true).await;
    let client = RetryClient::new(
        reqwest::Client::new(),
        RetryPolicy::default()
            .max_attempts(5)
            .deadline(Some(Duration::from_secs(1))),
    );
    assert_eq!(client.policy().attempt_timeout, Duration::from_secs(30));
    let err = within_30_s(client.send(client.inner().get(format!("{base}/x"))))
        .await
        .unwrap_err();
    match err {
        ClientError::Timeout { limit, status } => {
            assert!(limit <= Duration::from_secs(1), "{limit:?}");
            assert_eq!(status, Some(500));
        }
        other => panic!("not an attempt timeout: {other}"),
    }
    let seen = events(&mut rx, 1).await;
    assert_cut_off(&seen, 1, true);
    // No second connection was opened: the client gave up at the deadline.
    assert!(rx.try_recv().is_err());
    task.abort();
}

/// A server that reads the request and never answers: the attempt times out with no status and
/// the client closes the connection.
#[tokio::test]
async fn a_response_that_never_comes_meets_the_attempt_timeout() {
    let (base, mut rx, task) = raw_server(false).await;
    let client = RetryClient::new(
        reqwest::Client::new(),
        RetryPolicy::default()
            .max_attempts(1)
            .attempt_timeout(Duration::from_millis(300)),
    );
    let err = within_30_s(client.send(client.inner().get(format!("{base}/x"))))
        .await
        .unwrap_err();
    match err {
        ClientError::Timeout { limit, status } => {
            assert_eq!((limit, status), (Duration::from_millis(300), None));
        }
        other => panic!("not an attempt timeout: {other}"),
    }
    let seen = events(&mut rx, 1).await;
    assert_cut_off(&seen, 1, false);
    task.abort();
}
