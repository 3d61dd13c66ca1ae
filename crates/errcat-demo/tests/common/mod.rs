//! Shared harness for the demo's HTTP tests: a server on 127.0.0.1:0, a client, and readers for
//! every envelope style (where each style puts the code, the request id and the field errors).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use errcat::store::RedisConfig;
use errcat::{Role, StyleKind};
use serde_json::Value;

/// How long a test that is not about faults lets a store take: a busy 2-core machine can stall
/// a Redis round trip for longer than the demo's 250 ms, and a 503 there would be chance.
pub const PATIENT: Duration = Duration::from_secs(30);

/// A Redis client that waits [`PATIENT`] for an answer: the demo's `store_timeout` is then
/// the only bound (short in fault tests, [`PATIENT`] elsewhere).
pub fn patient_redis() -> RedisConfig {
    RedisConfig::new().response_timeout(PATIENT)
}

/// A server running in the current tokio runtime; aborted when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    /// The demo's keys, for a demo server.
    pub keys: errcat_demo::DemoKeys,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves a router, or any service of requests, on a fresh loopback port.
pub async fn serve<S>(service: S) -> Server
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local_addr");
    let make = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        SocketAddr,
    >(service);
    let task = tokio::spawn(async move {
        axum::serve(listener, make).await.expect("axum::serve");
    });
    Server {
        addr,
        base: format!("http://{addr}"),
        keys: errcat_demo::DemoKeys::generate(),
        task,
    }
}

/// Serves the demo with a configuration; `keys` are the demo's.
pub async fn demo(config: errcat_demo::DemoConfig) -> Server {
    let keys = config.keys.clone();
    let app = errcat_demo::app(config)
        .await
        .unwrap_or_else(|e| panic!("the demo's keys: {e}"));
    let mut server = serve(app).await;
    server.keys = keys;
    server
}

/// A client that never waits forever.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("reqwest client")
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Option<Value>,
}

impl Reply {
    /// A header as a string ("" when absent or not ASCII).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The JSON body; panics with the raw body when it is not JSON.
    pub fn json(&self) -> &Value {
        match &self.json {
            Some(v) => v,
            None => panic!("body is not JSON (status {}): {:?}", self.status, self.text),
        }
    }

    /// The content type without parameters, lower-cased.
    pub fn content_type(&self) -> String {
        self.header("content-type")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }
}

/// Sends a request and reads the whole response.
pub async fn send(req: reqwest::RequestBuilder) -> Reply {
    let res = req.send().await.expect("request failed");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("read body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).ok();
    Reply {
        status,
        headers,
        text,
        json,
    }
}

/// The styles the mintfax catalog can render (it has no custom template).
pub fn styles() -> Vec<StyleKind> {
    StyleKind::ALL
        .into_iter()
        .filter(|s| *s != StyleKind::Custom)
        .collect()
}

/// The content type each style must answer with.
pub fn content_type_of(style: StyleKind) -> &'static str {
    match style {
        StyleKind::Problem => "application/problem+json",
        StyleKind::JsonApi => "application/vnd.api+json",
        StyleKind::Flat | StyleKind::Nested | StyleKind::Simple | StyleKind::Google => {
            "application/json"
        }
        StyleKind::Custom => panic!("mintfax has no custom template"),
    }
}

fn google_detail<'a>(json: &'a Value, kind: &str) -> Option<&'a Value> {
    let suffix = format!("google.rpc.{kind}");
    json["error"]["details"]
        .as_array()?
        .iter()
        .find(|d| d["@type"].as_str().is_some_and(|t| t.ends_with(&suffix)))
}

fn s(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

/// The catalog code where the style puts it. For jsonapi this is `errors[0].code`, which is a
/// field error's own code when that field error has one.
pub fn code_of(style: StyleKind, json: &Value) -> String {
    match style {
        StyleKind::Flat | StyleKind::Simple => s(&json["error"]),
        StyleKind::Nested => s(&json["error"]["code"]),
        StyleKind::JsonApi => s(&json["errors"][0]["code"]),
        StyleKind::Problem => s(&json["code"]),
        StyleKind::Google => {
            s(
                &google_detail(json, "ErrorInfo")
                    .unwrap_or_else(|| panic!("no ErrorInfo in {json}"))["reason"],
            )
            .to_ascii_lowercase()
        }
        StyleKind::Custom => panic!("mintfax has no custom template"),
    }
}

/// The request id where the style puts it.
pub fn request_id_of(style: StyleKind, json: &Value) -> String {
    match style {
        StyleKind::Flat | StyleKind::Simple | StyleKind::Problem => s(&json["request_id"]),
        StyleKind::Nested => s(&json["meta"]["requestId"]),
        StyleKind::JsonApi => s(&json["meta"]["request_id"]),
        StyleKind::Google => s(&google_detail(json, "RequestInfo")
            .unwrap_or_else(|| panic!("no RequestInfo in {json}"))["requestId"]),
        StyleKind::Custom => panic!("mintfax has no custom template"),
    }
}

/// The status the body states, for the styles that state one.
pub fn body_status_of(style: StyleKind, json: &Value) -> Option<u64> {
    match style {
        StyleKind::Problem => json["status"].as_u64(),
        StyleKind::Simple => json["code"].as_u64(),
        StyleKind::Google => json["error"]["code"].as_u64(),
        StyleKind::JsonApi => json["errors"][0]["status"]
            .as_str()
            .and_then(|v| v.parse().ok()),
        _ => None,
    }
}

/// Where a field error points, as the style writes it: a pointer `/file/content_type` is
/// `file.content_type` in flat, nested, simple and google, `#/file/content_type` in problem and
/// `/file/content_type` in jsonapi; a parameter or header is its name everywhere.
pub fn location(style: StyleKind, pointer_or_name: &str) -> String {
    match pointer_or_name.strip_prefix('/') {
        None => pointer_or_name.to_string(),
        Some(rest) => match style {
            StyleKind::Problem => format!("#{pointer_or_name}"),
            StyleKind::JsonApi => pointer_or_name.to_string(),
            _ => rest.replace('/', "."),
        },
    }
}

/// Every field error's location, in order, as the style writes it.
pub fn fields_of(style: StyleKind, json: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &Value| {
        if let Some(x) = v.as_str()
            && !out.iter().any(|o| o == x)
        {
            out.push(x.to_string());
        }
    };
    match style {
        StyleKind::Flat => {
            if let Some(m) = json["context"]["errors"].as_object() {
                for k in m.keys() {
                    push(&Value::String(k.clone()));
                }
            }
        }
        StyleKind::Nested | StyleKind::Simple => {
            let root = if style == StyleKind::Nested {
                &json["error"]
            } else {
                json
            };
            push(&root["field"]);
            for f in root["fields"].as_array().into_iter().flatten() {
                push(&f["field"]);
            }
        }
        StyleKind::Problem => {
            for e in json["errors"].as_array().into_iter().flatten() {
                for k in ["pointer", "parameter", "header"] {
                    push(&e[k]);
                }
            }
        }
        StyleKind::JsonApi => {
            for e in json["errors"].as_array().into_iter().flatten() {
                for k in ["pointer", "parameter", "header"] {
                    push(&e["source"][k]);
                }
            }
        }
        StyleKind::Google => {
            if let Some(br) = google_detail(json, "BadRequest") {
                for v in br["fieldViolations"].as_array().into_iter().flatten() {
                    push(&v["field"]);
                }
            }
        }
        StyleKind::Custom => panic!("mintfax has no custom template"),
    }
    out
}

/// The code and default status the mintfax catalog gives a role.
pub fn role(role: Role) -> (String, u16) {
    let catalog = errcat_demo::mintfax::catalog();
    let e = catalog.role(role);
    (
        e.code.clone(),
        e.default_status().expect("a role's code has a status"),
    )
}

/// The default status of a mintfax code.
pub fn status_of(code: &str) -> u16 {
    errcat_demo::mintfax::catalog()
        .get(code)
        .unwrap_or_else(|| panic!("`{code}` is not a mintfax code"))
        .default_status()
        .expect("a status")
}

/// Whether an id looks like one errcat made for mintfax: `req_` + a 26-character ULID.
pub fn is_fresh_id(id: &str) -> bool {
    const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    id.strip_prefix("req_")
        .is_some_and(|u| u.len() == 26 && u.bytes().all(|b| CROCKFORD.contains(&b)))
}

/// Asserts an error response: status, the style's content type, `X-Request-Id` equal to the
/// body's request id, the code where the style puts it, and any status the body states.
/// `context` names the case in failure messages.
pub fn assert_error(context: &str, style: StyleKind, reply: &Reply, code: &str, status: u16) {
    assert_eq!(
        reply.status, status,
        "{context} [{style}]: status; body {}",
        reply.text
    );
    assert_eq!(
        reply.content_type(),
        content_type_of(style),
        "{context} [{style}]: content-type; body {}",
        reply.text
    );
    let json = reply.json();
    assert_eq!(
        code_of(style, json),
        code,
        "{context} [{style}]: code; body {}",
        reply.text
    );
    let header_id = reply.header("x-request-id");
    assert!(
        !header_id.is_empty(),
        "{context} [{style}]: no x-request-id header"
    );
    // The message's language is negotiated: every error says which, and that caches key on it.
    assert!(
        !reply.header("content-language").is_empty(),
        "{context} [{style}]: no content-language header"
    );
    let vary: Vec<&str> = reply
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    assert_eq!(
        vary.iter()
            .filter(|v| v.eq_ignore_ascii_case("accept-language"))
            .count(),
        1,
        "{context} [{style}]: Vary {vary:?} names Accept-Language once"
    );
    assert_eq!(
        request_id_of(style, json),
        header_id,
        "{context} [{style}]: request id; body {}",
        reply.text
    );
    if let Some(b) = body_status_of(style, json) {
        assert_eq!(
            b,
            u64::from(status),
            "{context} [{style}]: status in the body; body {}",
            reply.text
        );
    }
}

/// A request body with a valid one-page PDF.
pub fn good_fax(to: &str) -> Value {
    use base64::Engine as _;
    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4\n%demo\n");
    serde_json::json!({"to": to, "file": {"content_type": "application/pdf", "content_base64": pdf}})
}

/// `Bearer KEY`.
pub fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

/// Makes a key with the demo's account key (`POST /account/keys`).
pub async fn make_key(server: &Server, body: Value) -> Reply {
    send(
        client()
            .post(server.url("/account/keys"))
            .header("authorization", bearer(server.keys.account.expose()))
            .json(&body),
    )
    .await
}

/// Revokes a key with the demo's account key (`DELETE /account/keys/{id}`).
pub async fn revoke_key(server: &Server, id: &str) -> Reply {
    send(
        client()
            .delete(server.url(&format!("/account/keys/{id}")))
            .header("authorization", bearer(server.keys.account.expose())),
    )
    .await
}

/// Sends `head` (a request line and headers announcing `Transfer-Encoding: chunked`) and `body`
/// in 8 KiB chunks over a plain socket, and reads the response. reqwest cannot stream a body
/// without its `stream` feature, so this writes HTTP/1.1 by hand.
pub async fn chunked_request(addr: SocketAddr, head: String, body: Vec<u8>) -> Reply {
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
            && !head.to_ascii_lowercase().contains("content-length")
    );
    let mut out = head.into_bytes();
    for chunk in body.chunks(8 * 1024) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading everything; the answer is what counts.
    raw_request(addr, out, false).await
}

/// Sends `head` (which must carry `Content-Length`) and `body` as a client that writes the whole
/// request before it reads anything, as Python's `http.client` does: the write must succeed
/// (the server reads or drains the body), then the answer is read.
pub async fn write_first_request(addr: SocketAddr, head: String, body: Vec<u8>) -> Reply {
    assert!(head.to_ascii_lowercase().contains("content-length"));
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    raw_request(addr, out, true).await
}

/// Sends `head` (which must carry `Content-Length`) and only `part` of the body it announces,
/// then waits for the answer without sending the rest: a client that trickles or stalls.
pub async fn stalled_request(addr: SocketAddr, head: String, part: &[u8]) -> Reply {
    assert!(head.to_ascii_lowercase().contains("content-length"));
    let mut out = head.into_bytes();
    out.extend_from_slice(part);
    raw_request(addr, out, true).await
}

/// Writes `request` on a new connection and reads one response. With `must_write`, a write
/// that fails (the server closed before reading it all) fails the test.
async fn raw_request(addr: SocketAddr, request: Vec<u8>, must_write: bool) -> Reply {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .expect("timeout");
        stream
            .set_write_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let written = stream.write_all(&request);
        if must_write {
            written.unwrap_or_else(|e| panic!("the request could not be written whole: {e}"));
        }
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        let (header_end, content_length) = loop {
            let n = stream.read(&mut buf).expect("read the response");
            assert!(
                n > 0,
                "the connection closed before a response: {:?}",
                String::from_utf8_lossy(&raw)
            );
            raw.extend_from_slice(&buf[..n]);
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..i]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse::<usize>().expect("content-length"))
                    .expect("the response has a content-length");
                break (i + 4, len);
            }
        };
        while raw.len() < header_end + content_length {
            let n = stream.read(&mut buf).expect("read the body");
            assert!(n > 0, "the connection closed mid-body");
            raw.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&raw[..header_end - 4]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let mut headers = reqwest::header::HeaderMap::new();
        for line in lines {
            let (name, value) = line.split_once(':').expect("a header line");
            headers.append(
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
                    .expect("header name"),
                reqwest::header::HeaderValue::from_str(value.trim()).expect("header value"),
            );
        }
        let bytes = &raw[header_end..header_end + content_length];
        Reply {
            status,
            headers,
            text: String::from_utf8_lossy(bytes).into_owned(),
            json: serde_json::from_slice(bytes).ok(),
        }
    })
    .await
    .expect("the raw request task")
}
