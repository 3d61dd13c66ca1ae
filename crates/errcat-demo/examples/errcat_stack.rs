//! The errcat stack alone, for the load benchmark: the same routes as `bare`, with errcat's
//! layer and `Json` extractor and nothing else (no auth, timeout, concurrency limit or load
//! shedding, which the demo adds and `bare` lacks).
//!
//! - any unknown route: axum's empty 404, rendered by the layer as the catalog's `not_found`;
//! - `POST /faxes`: the `Json` extractor rejects `{"to": 5}` with `validation_failed` (422).
//!
//! Usage: `cargo run --release -p errcat-demo --example errcat_stack [ADDR]`.

use axum::Router;
use axum::routing::post;
use errcat::axum::{Errcat, Json, RouterExt};

#[derive(serde::Deserialize)]
#[allow(dead_code, reason = "the body is only parsed")]
struct NewFax {
    to: String,
    file: serde_json::Value,
}

async fn send_fax(Json(_fax): Json<NewFax>) -> &'static str {
    "queued"
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18082".to_string());
    let app = Router::new()
        .route("/faxes", post(send_fax))
        .with_errcat(Errcat::new(errcat_demo::mintfax::catalog()));
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
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
