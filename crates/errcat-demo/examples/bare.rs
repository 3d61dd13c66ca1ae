//! The load benchmark's baseline: a bare axum app, no errcat, that answers like the demo does on
//! the three benchmarked paths with static bodies of the same size.
//!
//! - any unknown route: 404 with the demo's flat `not_found` body;
//! - `POST /faxes`: 422 with the demo's flat body for `{"to": 5}`, after parsing the body;
//! - `GET /faxes`: 200 with `[]` (`application/json`), the demo's answer to the sandbox key on a
//!   fresh start (no key is checked here).
//!
//! The error bodies are copies of the demo's (a fixed request id in place of a fresh one), so they
//! have the same byte length: 190 and 349 bytes. `scripts/load.sh` checks that the statuses and
//! sizes still match.
//!
//! ```text
//! cargo run --release -p errcat-demo --example bare -- 127.0.0.1:18081
//! ```

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

/// The demo's `GET /nope` body, 190 bytes.
const NOT_FOUND: &str = r#"{"error":"not_found","message":"The requested resource does not exist.","action":"verify_id","docs":"https://mintfax.com/docs/errors/not-found","request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F"}"#;

/// The demo's `POST /faxes` body for `{"to": 5}`, 349 bytes.
const UNPROCESSABLE: &str = r#"{"error":"validation_failed","message":"The request body or query parameters failed validation. Check `context.errors` for per-field messages.","action":"fix_request","docs":"https://mintfax.com/docs/errors/validation-failed","request_id":"req_01J9XYZQ8KH7B3R0WXAZP8VW6F","context":{"errors":{"to":["invalid type: integer `5`, expected a string"]}}}"#;

/// The demo's `GET /faxes` answer on a fresh start: an empty list.
async fn list_faxes() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "[]",
    )
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        NOT_FOUND,
    )
}

/// The same body the demo parses, so the bare app pays for JSON parsing too: the comparison
/// measures errcat, not serde.
#[derive(serde::Deserialize)]
#[allow(dead_code, reason = "the body is only parsed")]
struct NewFax {
    to: String,
    file: serde_json::Value,
}

async fn send_fax(
    body: Result<axum::Json<NewFax>, axum::extract::rejection::JsonRejection>,
) -> impl IntoResponse {
    let status = if body.is_ok() {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        UNPROCESSABLE,
    )
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".to_string());
    let app = Router::new()
        .route("/faxes", get(list_faxes).post(send_fax))
        .fallback(not_found);
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("bare axum baseline listening on http://{addr}");
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the server stopped: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
