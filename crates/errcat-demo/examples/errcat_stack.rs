//! The errcat stack alone, for the load benchmark: the same routes as `bare`, with errcat's
//! layer and `Json` extractor and nothing else (no auth, timeout, concurrency limit or load
//! shedding, which the demo adds and `bare` lacks).
//!
//! The layer wraps the finished router once ([`Errcat::service`]), the way errcat's docs advise
//! to serve: `Router::with_errcat` wraps each route instead, and axum then clones and boxes the
//! layer's service on every request. `--per-route` serves it that way, for comparison.
//!
//! - any unknown route: axum's empty 404, rendered by the layer as the catalog's `not_found`;
//! - `POST /faxes`: the `Json` extractor rejects `{"to": 5}` with `validation_failed` (422);
//! - `GET /faxes`: 200 with `[]` (`application/json`, errcat's `Json` response), as the demo
//!   answers the sandbox key on a fresh start (no key is checked here).
//!
//! Usage: `cargo run --release -p errcat-demo --example errcat_stack [ADDR] [--per-route]`.

use axum::routing::get;
use axum::{Router, ServiceExt as _};
use errcat::axum::{Errcat, Json, RouterExt};

#[derive(serde::Deserialize)]
#[allow(dead_code, reason = "the body is only parsed")]
struct NewFax {
    to: String,
    file: serde_json::Value,
}

/// An empty list, as the demo's `GET /faxes` on a fresh start.
async fn list_faxes() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}

async fn send_fax(Json(_fax): Json<NewFax>) -> &'static str {
    "queued"
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let per_route = args.iter().any(|a| a == "--per-route");
    let addr = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:18082".to_string());
    let errcat = Errcat::new(errcat_demo::mintfax::catalog());
    let router = Router::new().route("/faxes", get(list_faxes).post(send_fax));
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = if per_route {
        axum::serve(listener, router.with_errcat(errcat))
            .with_graceful_shutdown(shutdown)
            .await
    } else {
        let app = errcat.service(router).into_make_service();
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    };
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
