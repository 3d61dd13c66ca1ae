//! The retry client (the `reqwest` feature) against a local server that fails N times, then
//! succeeds, and against a port that refuses connections.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use errcat_client::{ClientError, RemoteCode, RetryClient, RetryPolicy};
use http::HeaderMap;

errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");

#[derive(Default)]
struct Flaky {
    /// Requests seen per path.
    hits: HashMap<String, u32>,
    /// Idempotency keys seen per path, in order.
    keys: HashMap<String, Vec<Option<String>>>,
    /// Side effects executed per path.
    effects: HashMap<String, u32>,
    /// Stored responses per idempotency key.
    stored: HashMap<String, String>,
}

type Shared = Arc<Mutex<Flaky>>;

fn failure(kind: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    match kind {
        "503" => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1"), ("content-type", "application/json")],
            r#"{"error":"service_unavailable","message":"Try again."}"#,
        )
            .into_response(),
        "503bare" => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/json")],
            r#"{"error":"service_unavailable","message":"Try again."}"#,
        )
            .into_response(),
        "503long" => (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "5"), ("content-type", "application/json")],
            r#"{"error":"service_unavailable","message":"Try again later."}"#,
        )
            .into_response(),
        "422" => (
            http::StatusCode::UNPROCESSABLE_ENTITY,
            [("content-type", "application/json"), ("x-request-id", "req_422")],
            r#"{"error":"validation_failed","message":"Bad.","request_id":"req_422","context":{"errors":{"to":["required"]}}}"#,
        )
            .into_response(),
        _ => (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/json")],
            r#"{"error":"internal_server_error","message":"Oops."}"#,
        )
            .into_response(),
    }
}

/// `/{kind}/{n}/{name}`: fails `n` times with `kind`, then answers 200. A POST executes its side
/// effect first and stores its answer under its Idempotency-Key; a request with a stored key gets
/// the stored answer without executing again.
async fn flaky(
    axum::extract::State(state): axum::extract::State<Shared>,
    axum::extract::Path((kind, n, name)): axum::extract::Path<(String, u32, String)>,
    method: http::Method,
    headers: HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let path = format!("{kind}/{n}/{name}");
    let mut s = state.lock().unwrap();
    let hit = {
        let h = s.hits.entry(path.clone()).or_default();
        *h += 1;
        *h
    };
    s.keys.entry(path.clone()).or_default().push(key.clone());
    if method == http::Method::POST {
        let stored = key.as_ref().and_then(|k| s.stored.get(k).cloned());
        if let Some(body) = stored {
            if hit > n {
                return (http::StatusCode::CREATED, body).into_response();
            }
        } else {
            let e = s.effects.entry(path.clone()).or_default();
            *e += 1;
            let body = format!("charge {e}");
            if let Some(k) = key {
                s.stored.insert(k, body.clone());
            }
            if hit > n {
                return (http::StatusCode::CREATED, body).into_response();
            }
        }
        return failure(&kind);
    }
    if hit > n {
        return "ok".into_response();
    }
    failure(&kind)
}

async fn flaky_server() -> (String, Shared, tokio::task::JoinHandle<()>) {
    let state = Shared::default();
    let app = axum::Router::new()
        .route("/{kind}/{n}/{name}", axum::routing::any(flaky))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), state, task)
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .base_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(200))
        .deadline(Some(Duration::from_secs(5)))
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_client_against_a_flaky_server() {
    let (base, state, task) = flaky_server().await;
    let client = RetryClient::new(reqwest::Client::new(), fast_policy());
    let hits = |p: &str| state.lock().unwrap().hits.get(p).copied().unwrap_or(0);
    let effects = |p: &str| state.lock().unwrap().effects.get(p).copied().unwrap_or(0);

    // 503 with Retry-After: 1, once: one retry after a second.
    let t = Instant::now();
    let res = client
        .send(client.inner().get(format!("{base}/503/1/a")))
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(res.status(), 200);
    assert_eq!(hits("503/1/a"), 2);
    // At least the second asked for; the bound above leaves a busy machine room and still
    // tells one second from the five of the deadline.
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );

    // 500 three times: backoff 20, 40, 80 ms at most.
    let t = Instant::now();
    let res = client
        .send(client.inner().get(format!("{base}/500/3/b")))
        .await
        .unwrap();
    let took = t.elapsed();
    assert_eq!(res.status(), 200);
    assert_eq!(hits("500/3/b"), 4);
    // 140 ms of backoff at most: far from a second per retry, even on a busy machine.
    assert!(took < Duration::from_secs(3), "{took:?}");

    // 500 forever: five attempts, then the parsed error.
    let err = client
        .send(client.inner().get(format!("{base}/500/99/c")))
        .await
        .unwrap_err();
    assert_eq!(hits("500/99/c"), 5);
    let remote = err.remote().unwrap();
    assert_eq!(
        (remote.status, remote.code.as_deref()),
        (500, Some("internal_server_error"))
    );
    assert_eq!(
        remote.code_as::<mintfax::Code>(),
        RemoteCode::Known(mintfax::Code::InternalServerError)
    );

    // 422: never retried.
    let err = client
        .send(client.inner().get(format!("{base}/422/99/d")))
        .await
        .unwrap_err();
    assert_eq!(hits("422/99/d"), 1);
    let ClientError::Remote(remote) = err else {
        panic!("{err}")
    };
    assert_eq!(
        (remote.code.as_deref(), remote.request_id.as_deref()),
        (Some("validation_failed"), Some("req_422"))
    );
    assert_eq!(remote.fields.len(), 1);

    // Retry-After beyond the deadline: no retry at all.
    let short = RetryClient::new(
        reqwest::Client::new(),
        fast_policy().deadline(Some(Duration::from_secs(2))),
    );
    let t = Instant::now();
    let err = short
        .send(short.inner().get(format!("{base}/503long/1/e")))
        .await
        .unwrap_err();
    assert_eq!(hits("503long/1/e"), 1);
    // Not the five seconds Retry-After asked for.
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(
        err.remote().unwrap().retry_after,
        Some(Duration::from_secs(5))
    );

    // A POST: the client sets a key, every retry reuses it, the server acts once.
    let res = client
        .send(
            client
                .inner()
                .post(format!("{base}/503bare/2/f"))
                .json(&serde_json::json!({"amount": 5})),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.text().await.unwrap(), "charge 1");
    assert_eq!(hits("503bare/2/f"), 3);
    assert_eq!(effects("503bare/2/f"), 1);
    let keys = state.lock().unwrap().keys["503bare/2/f"].clone();
    assert!(
        keys[0]
            .as_deref()
            .is_some_and(|k| uuid::Uuid::parse_str(k).is_ok()),
        "{keys:?}"
    );
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");

    // A POST with the caller's own key keeps it.
    let res = client
        .send(
            client
                .inner()
                .post(format!("{base}/500/1/g"))
                .header("idempotency-key", "mine-1")
                .body("x"),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        state.lock().unwrap().keys["500/1/g"],
        vec![Some("mine-1".to_string()); 2]
    );
    assert_eq!(effects("500/1/g"), 1);

    // A POST without a key, when the policy must not add one: sent once.
    let keyless = RetryClient::new(
        reqwest::Client::new(),
        fast_policy().idempotency_keys(false),
    );
    let err = keyless
        .send(keyless.inner().post(format!("{base}/500/1/h")).body("x"))
        .await
        .unwrap_err();
    assert_eq!(err.remote().map(|e| e.status), Some(500));
    assert_eq!(hits("500/1/h"), 1);
    assert_eq!(effects("500/1/h"), 1);
    assert_eq!(state.lock().unwrap().keys["500/1/h"], vec![None]);

    // The catalog's advice wins over the status.
    let cat = RetryClient::new(
        reqwest::Client::new(),
        fast_policy().catalog(mintfax::catalog()),
    );
    let err = cat
        .send(cat.inner().get(format!("{base}/422/99/i")))
        .await
        .unwrap_err();
    assert_eq!(err.remote().map(|e| e.status), Some(422));
    assert_eq!(hits("422/99/i"), 1);

    task.abort();
}

#[tokio::test]
async fn transport_errors_are_retried_then_reported() {
    // A port nothing listens on: bound but not listening, so no other test can take it and
    // connections to it are refused.
    let holder = tokio::net::TcpSocket::new_v4().unwrap();
    holder.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = holder.local_addr().unwrap();
    let client = RetryClient::new(reqwest::Client::new(), fast_policy().max_attempts(3));
    let t = Instant::now();
    let err = client
        .send(client.inner().get(format!("http://{addr}/")))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Transport(_)), "{err}");
    // Refused at once, three times, with at most 60 ms of backoff: no hang.
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    drop(holder);
}
