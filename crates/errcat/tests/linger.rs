//! The lingering layer over real sockets: a write-first client reads an early answer, a slow
//! or endless body is drained no longer than the bounds, and `Expect: 100-continue` is honoured.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use errcat::axum::{Errcat, Linger};

errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");

/// A route that answers 401 without reading its body, behind errcat and `linger`.
async fn serve(linger: Linger) -> SocketAddr {
    let router = Router::new().route(
        "/early",
        post(|| async { axum::http::StatusCode::UNAUTHORIZED }),
    );
    let app = tower::ServiceBuilder::new()
        .layer(linger)
        .service(Errcat::new(mintfax::catalog()).service(router));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, axum::ServiceExt::into_make_service(app)).await;
    });
    addr
}

/// Reads one response's head; "" if the connection closed first.
fn read_head(stream: &mut TcpStream) -> String {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    while !raw.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&raw).into_owned()
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    s.set_write_timeout(Some(Duration::from_secs(15)))
        .expect("timeout");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_first_client_reads_the_early_answer() {
    let addr = serve(Linger::new()).await;
    let head = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        let body = vec![b'x'; 8 * 1024 * 1024];
        let head = format!(
            "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).expect("head");
        s.write_all(&body)
            .expect("the whole body is read by the server");
        read_head(&mut s)
    })
    .await
    .expect("client");
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("x-request-id: "),
        "{head}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_is_drained_no_longer_than_the_bound() {
    let addr = serve(Linger::new().max_time(Duration::from_millis(300))).await;
    let head = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        // Promises a megabyte, sends ten bytes, then waits for the answer.
        s.write_all(
            b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n0123456789",
        )
        .expect("write");
        read_head(&mut s)
    })
    .await
    .expect("client");
    // The answer comes once the time bound is spent, not when the client finishes.
    assert!(head.starts_with("HTTP/1.1 401"), "{head:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_byte_bound_is_not_read_to_its_end() {
    let addr = serve(Linger::new().max_bytes(64 * 1024)).await;
    let written = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        let body = vec![b'x'; 32 * 1024 * 1024];
        let head = format!(
            "POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).expect("head");
        // The server stops reading after 64 KiB and closes: the write fails.
        s.write_all(&body).is_ok()
    })
    .await
    .expect("client");
    assert!(!written, "32 MiB were read against a 64 KiB bound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_continue_gets_the_answer_without_sending_the_body() {
    let addr = serve(Linger::new()).await;
    let head = tokio::task::spawn_blocking(move || {
        let mut s = connect(addr);
        s.write_all(b"POST /early HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n")
            .expect("write");
        // No body sent: the answer comes, and it is not a 100 Continue.
        read_head(&mut s)
    })
    .await
    .expect("client");
    assert!(head.starts_with("HTTP/1.1 401"), "{head:?}");
}
