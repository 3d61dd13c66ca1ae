//! Sends requests through the demo's whole service in-process (no sockets), or through a bare
//! axum router that answers the same paths with static bodies, for an instruction profiler:
//!
//! ```sh
//! cargo build --release -p errcat-demo --example stack_profile
//! valgrind --tool=callgrind target/release/examples/stack_profile demo 422 20000
//! valgrind --tool=callgrind target/release/examples/stack_profile bare 422 20000
//! ```
//!
//! Paths: `404` (`GET /nope`), `422` (`POST /faxes` with `{"to": 5}` and the sandbox key) and
//! `200` (`GET /faxes` with the sandbox key). The difference between `demo` and `bare` is what
//! errcat and the demo's protection layers cost a request, without the network's noise. One
//! request always goes first, to warm what is made once (lazy tables, the first store entry), so
//! the request count `0` measures the start and that warm-up alone, to subtract.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt as _;
use tower::{Service, ServiceExt as _};

fn request(path: &str, key: &str) -> Request<Body> {
    let (method, uri, body) = match path {
        "404" => ("GET", "/nope", Body::empty()),
        "422" => ("POST", "/faxes", Body::from(r#"{"to": 5}"#)),
        _ => ("GET", "/faxes", Body::empty()),
    };
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap_or_default();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

fn bare() -> Router {
    async fn not_found() -> Response {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            "{}",
        )
            .into_response()
    }
    Router::new()
        .route(
            "/faxes",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], "[]") }).post(
                |body: Result<
                    axum::Json<serde_json::Value>,
                    axum::extract::rejection::JsonRejection,
                >| async move {
                    let status = if body.is_ok() {
                        StatusCode::CREATED
                    } else {
                        StatusCode::UNPROCESSABLE_ENTITY
                    };
                    (status, [(header::CONTENT_TYPE, "application/json")], "{}")
                },
            ),
        )
        .fallback(not_found)
}

async fn drive<S>(mut svc: S, path: &str, key: &str, n: usize) -> Result<(u16, usize), String>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone,
{
    let mut last = (0, 0);
    for _ in 0..=n {
        let ready = svc.ready().await.map_err(|e| e.to_string())?;
        let res = ready
            .call(request(path, key))
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await.map_err(|e| e.to_string())?;
        last = (status, body.to_bytes().len());
    }
    Ok(last)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (which, path) = (
        args.first().map_or("demo", String::as_str),
        args.get(1).map_or("422", String::as_str),
    );
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let config = errcat_demo::DemoConfig {
        key_rate: u32::MAX,
        key_hourly: u32::MAX,
        ip_rate: u32::MAX,
        ..errcat_demo::DemoConfig::default()
    };
    let key = config.keys.sandbox.expose().to_string();
    let result = match which {
        "bare" => drive(bare().into_service(), path, &key, n).await,
        _ => match errcat_demo::app(config).await {
            Ok(app) => drive(app, path, &key, n).await,
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok((status, len)) => {
            println!(
                "{which} {path}: one request to warm up and {n} more, the last {status} with {len} bytes"
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
