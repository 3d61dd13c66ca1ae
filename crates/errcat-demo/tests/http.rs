//! The demo over real sockets: every framework failure in every style, every handler error,
//! request ids and locale negotiation.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use errcat::{Role, StyleKind};
use errcat_demo::{DemoConfig, Gate};
use reqwest::header::{ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use serde_json::json;

const BODY_LIMIT: usize = 64 * 1024;
/// Long enough that no request but `/debug/slow` meets it on a busy machine.
const TIMEOUT: Duration = Duration::from_secs(2);
const PANIC_TEXT: &str = "this text must never reach a client";

fn config(style: StyleKind) -> DemoConfig {
    DemoConfig {
        style: Some(style),
        body_limit: BODY_LIMIT,
        timeout: TIMEOUT,
        max_concurrency: 64,
        debug_routes: true,
        ..DemoConfig::default()
    }
}

/// A JSON document a bit over the body limit.
fn oversized_json() -> Vec<u8> {
    format!(r#"{{"to":"{}"}}"#, "5".repeat(BODY_LIMIT + 16 * 1024)).into_bytes()
}

/// Every framework failure, in one style.
async fn framework_failures(style: StyleKind) {
    let server = demo(config(style)).await;
    let c = client();
    let auth = bearer(server.keys.sandbox.expose());

    // Malformed JSON.
    let (code, status) = role(Role::InvalidJson);
    assert_eq!(status, 400);
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .header(CONTENT_TYPE, "application/json")
            .body("{oops"),
    )
    .await;
    assert_error("malformed JSON", style, &r, &code, status);

    // JSON of the wrong shape: the failing member's pointer, where the style puts fields.
    let (code, status) = role(Role::ValidationFailed);
    assert_eq!(status, 422);
    let body =
        json!({"to": 5, "file": {"content_type": "application/pdf", "content_base64": "JVBERi0="}});
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .json(&body),
    )
    .await;
    assert_error("wrong shape", style, &r, &code, status);
    assert_eq!(
        fields_of(style, r.json()),
        vec![location(style, "/to")],
        "wrong shape [{style}]: {}",
        r.text
    );
    match style {
        StyleKind::Problem => assert_eq!(r.json()["errors"][0]["pointer"], "#/to"),
        StyleKind::JsonApi => assert_eq!(r.json()["errors"][0]["source"]["pointer"], "/to"),
        StyleKind::Flat => assert!(
            r.json()["context"]["errors"]["to"][0].is_string(),
            "{}",
            r.text
        ),
        StyleKind::Nested => assert_eq!(r.json()["error"]["field"], "to"),
        StyleKind::Simple => assert_eq!(r.json()["field"], "to"),
        StyleKind::Google => assert_eq!(
            r.json()["error"]["details"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["fieldViolations"].is_array())
                .unwrap()["fieldViolations"][0]["field"],
            "to"
        ),
        StyleKind::Custom => unreachable!(),
    }

    // A nested member's pointer, too.
    let body = json!({"to": "+15551234567", "file": {"content_type": ["application/pdf"], "content_base64": "JVBERi0="}});
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .json(&body),
    )
    .await;
    assert_error("wrong shape, nested", style, &r, &code, status);
    assert_eq!(
        fields_of(style, r.json()),
        vec![location(style, "/file/content_type")],
        "[{style}] {}",
        r.text
    );

    // Missing and wrong Content-Type.
    let (code, status) = role(Role::UnsupportedMediaType);
    assert_eq!(status, 415);
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .body(good_fax("+15551234567").to_string()),
    )
    .await;
    assert_error("missing content type", style, &r, &code, status);
    assert_eq!(
        fields_of(style, r.json()),
        vec!["content-type".to_string()],
        "[{style}] {}",
        r.text
    );
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .header(CONTENT_TYPE, "text/plain")
            .body(good_fax("+15551234567").to_string()),
    )
    .await;
    assert_error("wrong content type", style, &r, &code, status);
    assert!(
        r.text.contains("text/plain"),
        "the message names what was sent [{style}]: {}",
        r.text
    );

    // A query value that does not parse.
    let (code, status) = role(Role::InvalidParameter);
    let r = send(
        c.get(server.url("/faxes?limit=abc"))
            .header(AUTHORIZATION, &auth),
    )
    .await;
    assert_error("bad query value", style, &r, &code, status);
    assert_eq!(
        fields_of(style, r.json()),
        vec!["limit".to_string()],
        "[{style}] {}",
        r.text
    );

    // A path value that does not parse.
    let r = send(
        c.get(server.url("/faxes/x/pages/abc"))
            .header(AUTHORIZATION, &auth),
    )
    .await;
    assert_error("bad path value", style, &r, &code, status);
    assert_eq!(
        fields_of(style, r.json()),
        vec!["page".to_string()],
        "[{style}] {}",
        r.text
    );

    // Unknown route.
    let (code, status) = role(Role::NotFound);
    assert_eq!(status, 404);
    let r = send(c.get(server.url("/nope"))).await;
    assert_error("unknown route", style, &r, &code, status);

    // Wrong method: 405 with Allow.
    let (code, status) = role(Role::MethodNotAllowed);
    assert_eq!(status, 405);
    let r = send(c.put(server.url("/faxes"))).await;
    assert_error("wrong method", style, &r, &code, status);
    let allow: Vec<String> = r
        .header("allow")
        .split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .collect();
    assert!(
        allow.contains(&"GET".into()) && allow.contains(&"POST".into()),
        "Allow [{style}]: {allow:?}"
    );
    assert!(!allow.contains(&"PUT".into()), "Allow [{style}]: {allow:?}");

    // Declared body over the limit.
    let (code, status) = role(Role::PayloadTooLarge);
    assert_eq!(status, 413);
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &auth)
            .header(CONTENT_TYPE, "application/json")
            .body(oversized_json()),
    )
    .await;
    assert_error("declared body over the limit", style, &r, &code, status);

    // Chunked body over the limit, without Content-Length.
    let head = format!(
        "POST /faxes HTTP/1.1\r\nHost: {}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr
    );
    let r = chunked_request(server.addr, head, oversized_json()).await;
    assert_error("chunked body over the limit", style, &r, &code, status);

    // Panic: 500, and nothing of the panic message.
    let (code, status) = role(Role::Internal);
    assert_eq!(status, 500);
    let r = send(c.get(server.url("/debug/panic"))).await;
    assert_error("panic", style, &r, &code, status);
    assert!(
        !r.text.contains(PANIC_TEXT) && !r.text.contains("on purpose"),
        "panic text leaked [{style}]: {}",
        r.text
    );

    // Timeout and load shedding take real time: run them at once.
    tokio::join!(timeout(style, &server), shedding(style));
}

async fn timeout(style: StyleKind, server: &Server) {
    let (code, status) = role(Role::Timeout);
    let start = Instant::now();
    // The handler would answer "slept" after 60 s: only the timeout answers sooner.
    let r = send(client().get(server.url("/debug/slow?ms=60000"))).await;
    assert_error("timeout", style, &r, &code, status);
    assert!(
        start.elapsed() >= TIMEOUT,
        "answered before the timeout [{style}]"
    );
}

/// A demo with one slot, and a request holding it in `/debug/slow` until the gate opens.
async fn one_slot_held(style: StyleKind) -> (Server, Gate, tokio::task::JoinHandle<Reply>) {
    let gate = Gate::new();
    let server = demo(DemoConfig {
        style: Some(style),
        max_concurrency: 1,
        timeout: Duration::from_secs(60),
        gate: Some(gate.clone()),
        debug_routes: true,
        ..DemoConfig::default()
    })
    .await;
    let held = tokio::spawn(send(client().get(server.url("/debug/slow?ms=60000"))));
    // Nothing else is in flight, so the held request takes the slot; once it is in the
    // handler, it holds the slot until the gate opens.
    gate.arrival().await;
    (server, gate, held)
}

/// The held request answers once the gate opens.
async fn release(style: StyleKind, gate: Gate, held: tokio::task::JoinHandle<Reply>) {
    gate.open();
    let held = held.await.expect("held request");
    assert_eq!(
        (held.status, held.text.as_str()),
        (200, "slept"),
        "the held request completes [{style}]"
    );
}

async fn shedding(style: StyleKind) {
    let (server, gate, held) = one_slot_held(style).await;
    let shed = send(client().get(server.url("/debug/slow?ms=0"))).await;
    let (code, status) = role(Role::Unavailable);
    assert_eq!(status, 503);
    assert_error("load shedding", style, &shed, &code, status);
    assert_eq!(shed.header("retry-after"), "1", "[{style}]");
    release(style, gate, held).await;
}

macro_rules! per_style {
    ($f:ident: $($name:ident => $style:expr),* $(,)?) => {
        mod $f {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::$f($style).await;
                }
            )*
        }
    };
}

per_style!(framework_failures:
    flat => errcat::StyleKind::Flat,
    nested => errcat::StyleKind::Nested,
    jsonapi => errcat::StyleKind::JsonApi,
    simple => errcat::StyleKind::Simple,
    problem => errcat::StyleKind::Problem,
    google => errcat::StyleKind::Google,
);

#[test]
fn every_renderable_style_is_covered() {
    // The per-style tests above list the styles by hand; this fails if a style is added.
    assert_eq!(styles().len(), 6);
}

/// Every handler error reachable with real requests, in one style.
async fn handler_errors(style: StyleKind) {
    let server = demo(config(style)).await;
    let c = client();
    let post = |key: &str, body: serde_json::Value| {
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(key))
            .json(&body)
    };

    // Validation: two field errors in one response.
    let body =
        json!({"to": "555", "file": {"content_type": "text/plain", "content_base64": "aGk="}});
    let r = send(post(server.keys.sandbox.expose(), body)).await;
    assert_error(
        "validation",
        style,
        &r,
        if style == StyleKind::JsonApi {
            "invalid_phone"
        } else {
            "validation_failed"
        },
        422,
    );
    assert_eq!(
        fields_of(style, r.json()),
        vec![
            location(style, "/to"),
            location(style, "/file/content_type")
        ],
        "validation [{style}]: {}",
        r.text
    );
    match style {
        StyleKind::Flat => {
            let errors = r.json()["context"]["errors"].as_object().unwrap();
            assert_eq!(errors.len(), 2, "{}", r.text);
            assert!(
                errors["to"][0].as_str().unwrap().contains("E.164"),
                "{}",
                r.text
            );
            assert!(
                errors["file.content_type"][0]
                    .as_str()
                    .unwrap()
                    .contains("PDF"),
                "{}",
                r.text
            );
        }
        StyleKind::JsonApi => {
            let codes: Vec<_> = r.json()["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["code"].clone())
                .collect();
            assert_eq!(
                codes,
                vec![json!("invalid_phone"), json!("invalid_file_type")],
                "{}",
                r.text
            );
        }
        StyleKind::Problem => {
            assert_eq!(r.json()["errors"][0]["code"], "invalid_phone", "{}", r.text);
            assert_eq!(
                r.json()["errors"][1]["code"],
                "invalid_file_type",
                "{}",
                r.text
            );
        }
        _ => {}
    }

    // A good fax: 201, with an id and a request id.
    let r = send(post(server.keys.sandbox.expose(), good_fax("+15551234567"))).await;
    assert_eq!(r.status, 201, "[{style}] {}", r.text);
    assert!(
        is_fresh_id(r.header("x-request-id")),
        "[{style}] {:?}",
        r.headers
    );
    let fax = r.json().clone();
    let id = fax["id"].as_str().expect("id").to_string();
    assert!(id.starts_with("fax_"), "{id}");
    assert_eq!(fax["to"], "+15551234567");
    assert_eq!(fax["status"], "queued");
    let r = send(
        c.get(server.url(&format!("/faxes/{id}")))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_eq!((r.status, &r.json()["id"]), (200, &json!(id)), "[{style}]");

    // Authentication.
    let r = send(c.get(server.url("/faxes"))).await;
    assert_error("no Authorization", style, &r, "api_key_missing", 401);
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, "Basic dXNlcjpwYXNz"),
    )
    .await;
    assert_error("not a Bearer key", style, &r, "unauthenticated", 401);
    // Not a key of this API's format (no checksum): malformed, no store asked.
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer("mfx_test_wrong")),
    )
    .await;
    assert_error("a malformed key", style, &r, "unauthenticated", 401);
    // Well-formed, but no such key.
    let unknown = errcat::store::keys::ApiKeySecret::generate("mfx", "test").expect("a key");
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(unknown.expose())),
    )
    .await;
    assert_error("unknown key", style, &r, "api_key_invalid", 401);

    // Key scopes.
    let r = send(
        c.get(server.url("/account/balance"))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_error(
        "env key on an account route",
        style,
        &r,
        "key_not_scoped_for_account",
        403,
    );
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_error(
        "account key on an operational route",
        style,
        &r,
        "key_not_scoped_for_operations",
        403,
    );
    let r = send(
        c.get(server.url("/account/balance"))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_eq!(
        (r.status, &r.json()["sandbox"]),
        (200, &json!(3)),
        "[{style}] balance after one fax: {}",
        r.text
    );

    // Another environment's fax.
    let r = send(
        c.get(server.url(&format!("/faxes/{id}")))
            .header(AUTHORIZATION, bearer(server.keys.live.expose())),
    )
    .await;
    assert_error("another environment's fax", style, &r, "forbidden", 403);

    // Not found.
    let r = send(
        c.get(server.url("/faxes/fax_nope"))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_error("unknown fax", style, &r, "not_found", 404);
    let r = send(
        c.get(server.url(&format!("/faxes/{id}/pages/9")))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_error("unknown page", style, &r, "not_found", 404);

    // Insufficient balance: live starts with none.
    let r = send(post(server.keys.live.expose(), good_fax("+15551234567"))).await;
    assert_error(
        "insufficient balance",
        style,
        &r,
        "insufficient_balance",
        402,
    );
    if style == StyleKind::Flat {
        assert_eq!(
            r.json()["context"]["balance"].as_f64(),
            Some(0.0),
            "{}",
            r.text
        );
        assert_eq!(
            r.json()["context"]["cost"].as_f64(),
            Some(2.0),
            "{}",
            r.text
        );
        assert_eq!(r.json()["action"], "top_up_balance");
        assert_eq!(
            r.json()["docs"],
            "https://mintfax.com/docs/errors/insufficient-balance"
        );
    }

    // Deleting a fax that is still queued.
    let r = send(
        c.delete(server.url(&format!("/faxes/{id}")))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_error("delete a queued fax", style, &r, "fax_not_terminal", 409);

    // Internal error: the source stays in the logs.
    let r = send(c.get(server.url("/debug/fail"))).await;
    assert_error("internal error", style, &r, "internal_server_error", 500);
    assert!(
        !r.text.contains("storage backend") && !r.text.contains("hidden"),
        "[{style}] {}",
        r.text
    );

    // Account keys are managed in the dashboard only; environment keys may be deleted.
    let r = send(
        c.delete(server.url("/account/keys/mfx_acct_x"))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_error(
        "delete an account key",
        style,
        &r,
        "acct_key_creation_dashboard_only",
        403,
    );
    // No such key (or another owner's): not found.
    let r = send(
        c.delete(server.url("/account/keys/mfx_test_x"))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_error("delete an unknown key", style, &r, "not_found", 404);
    // An environment key is revoked, and stops working.
    let r = send(
        c.delete(server.url(&format!("/account/keys/{}", server.keys.sandbox.id())))
            .header(AUTHORIZATION, bearer(server.keys.account.expose())),
    )
    .await;
    assert_eq!(r.status, 204, "[{style}] {}", r.text);
    let r = send(
        c.get(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(server.keys.sandbox.expose())),
    )
    .await;
    assert_error("a revoked key", style, &r, "unauthenticated", 401);
}

per_style!(handler_errors:
    flat => errcat::StyleKind::Flat,
    jsonapi => errcat::StyleKind::JsonApi,
    problem => errcat::StyleKind::Problem,
    google => errcat::StyleKind::Google,
);

#[tokio::test(flavor = "multi_thread")]
async fn request_ids() {
    let server = demo(DemoConfig::default()).await;
    let c = client();

    // A safe incoming id is echoed, on errors and on successes.
    let r = send(
        c.get(server.url("/nope"))
            .header("x-request-id", "req_client_123"),
    )
    .await;
    assert_error("safe id", StyleKind::Flat, &r, "not_found", 404);
    assert_eq!(r.header("x-request-id"), "req_client_123");
    let r = send(
        c.get(server.url("/healthz"))
            .header("x-request-id", "req_client_123"),
    )
    .await;
    assert_eq!(
        (r.status, r.text.as_str(), r.header("x-request-id")),
        (200, "ok", "req_client_123")
    );

    // Unsafe ones are replaced by a fresh id.
    let long = "a".repeat(129);
    let unsafe_ids = [
        HeaderValue::from_static("has space"),
        HeaderValue::from_str(&long).unwrap(),
        HeaderValue::from_static("<script>"),
        HeaderValue::from_bytes(b"req_\xc3\xa9t\xc3\xa9").unwrap(),
    ];
    for bad in unsafe_ids {
        let r = send(
            c.get(server.url("/nope"))
                .header("x-request-id", bad.clone()),
        )
        .await;
        assert_error("unsafe id", StyleKind::Flat, &r, "not_found", 404);
        let id = r.header("x-request-id");
        assert!(is_fresh_id(id), "{bad:?} was answered with id {id:?}");
        assert!(
            !r.text.contains("script") && !r.text.contains("has space"),
            "{}",
            r.text
        );
    }
    // 128 characters is still safe.
    let r = send(
        c.get(server.url("/nope"))
            .header("x-request-id", "b".repeat(128)),
    )
    .await;
    assert_eq!(r.header("x-request-id"), "b".repeat(128));

    // Successes carry fresh ids too, each its own.
    let a = send(c.get(server.url("/healthz"))).await;
    let b = send(c.get(server.url("/healthz"))).await;
    assert_eq!(a.status, 200);
    assert!(
        is_fresh_id(a.header("x-request-id")) && is_fresh_id(b.header("x-request-id")),
        "{:?}",
        a.headers
    );
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[tokio::test(flavor = "multi_thread")]
async fn locales() {
    use axum::routing::get;
    use errcat::axum::{Errcat, RouterExt};

    let catalog = Arc::new(
        errcat::Catalog::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mxcep"))
            .expect("the mxcep catalog loads"),
    );
    let entry = catalog.get("otp_expired").expect("otp_expired");
    let locale = |tag: &str| {
        catalog
            .meta
            .locales
            .iter()
            .position(|l| l == tag)
            .expect("locale")
    };
    let en = entry
        .message(locale("en"), catalog.meta.default_locale)
        .source()
        .to_string();
    let es = entry
        .message(locale("es"), catalog.meta.default_locale)
        .source()
        .to_string();
    assert_eq!(es, "El OTP expiró antes de usarse.");
    assert_ne!(en, es);

    let handler_catalog = catalog.clone();
    let vary_catalog = catalog.clone();
    let router = axum::Router::new()
        .route(
            "/otp",
            get(move || {
                let catalog = handler_catalog.clone();
                async move { errcat::ApiError::checked(&catalog, "otp_expired").expect("a code") }
            }),
        )
        .route(
            "/otp-cors",
            get(move || {
                let catalog = vary_catalog.clone();
                async move {
                    (
                        [(axum::http::header::VARY, "Origin")],
                        errcat::ApiError::checked(&catalog, "otp_expired").expect("a code"),
                    )
                }
            }),
        )
        .with_errcat(Errcat::new(catalog));
    let server = serve(router).await;
    let c = client();

    for (accept, lang, message) in [
        (Some("es"), "es", &es),
        (Some("en"), "en", &en),
        (None, "en", &en),
        (Some("es-MX;q=0.9, en;q=0.8"), "es", &es),
        (Some("en;q=0.2, es;q=0.9"), "es", &es),
        (Some("fr"), "en", &en),
    ] {
        let mut req = c.get(server.url("/otp"));
        if let Some(a) = accept {
            req = req.header(ACCEPT_LANGUAGE, a);
        }
        let r = send(req).await;
        assert_error("locale", StyleKind::JsonApi, &r, "otp_expired", 422);
        assert_eq!(
            r.header("content-language"),
            lang,
            "Accept-Language {accept:?}"
        );
        assert_eq!(
            r.json()["errors"][0]["detail"].as_str(),
            Some(message.as_str()),
            "Accept-Language {accept:?}"
        );
    }
    // A handler's own `Vary` is kept beside errcat's.
    let r = send(c.get(server.url("/otp-cors")).header(ACCEPT_LANGUAGE, "es")).await;
    assert_error("vary", StyleKind::JsonApi, &r, "otp_expired", 422);
    let vary: Vec<&str> = r
        .headers
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(vary, ["Origin", "Accept-Language"]);
    assert_eq!(r.header("content-language"), "es");
    // mxcep's request ids: no prefix, 12 hex digits.
    let r = send(c.get(server.url("/otp"))).await;
    let id = r.header("x-request-id");
    assert!(
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id:?}"
    );
}

/// `DemoConfig::max_concurrency` is documented as how many requests run at once before load
/// shedding answers; with one slot taken by a slow request, any other route must be shed too.
#[tokio::test(flavor = "multi_thread")]
async fn max_concurrency_is_per_server() {
    let (server, gate, held) = one_slot_held(StyleKind::Flat).await;
    // Another route is shed too: the one slot is the whole server's.
    let r = send(client().get(server.url("/healthz"))).await;
    let (code, status) = role(Role::Unavailable);
    assert_error(
        "a second route while the only slot is taken",
        StyleKind::Flat,
        &r,
        &code,
        status,
    );
    release(StyleKind::Flat, gate, held).await;
    // The slot is free again.
    let r = send(client().get(server.url("/healthz"))).await;
    assert_eq!((r.status, r.text.as_str()), (200, "ok"));
}

/// Clients that write the whole body before reading (Python's `http.client`, Java's
/// `HttpURLConnection`) read every early answer: the server drains what it did not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_first_clients_read_early_answers() {
    let server = demo(DemoConfig::default()).await;
    let head = |auth: &str, len: usize| {
        format!(
            "POST /faxes HTTP/1.1\r\nHost: {}\r\n{auth}Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n",
            server.addr
        )
    };
    // 16 MB against a 14 MiB limit: refused by its length, before a byte is read.
    let big = format!(r#"{{"to":"{}"}}"#, "5".repeat(16_000_000)).into_bytes();
    let auth = format!("Authorization: Bearer {}\r\n", server.keys.sandbox.expose());
    let r = write_first_request(server.addr, head(&auth, big.len()), big.clone()).await;
    let (code, status) = role(Role::PayloadTooLarge);
    assert_error("16 MB, written first", StyleKind::Flat, &r, &code, status);
    // No key: refused before the body is looked at.
    let r = write_first_request(server.addr, head("", big.len()), big).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.content_type(), "application/json");
    assert!(!r.header("x-request-id").is_empty());
    // A body the handler reads whole is not read again: the normal answer.
    let small = br#"{"to":"+15551234567","file":{"content_type":"application/pdf","content_base64":"JVBERi0="}}"#;
    let r = write_first_request(server.addr, head(&auth, small.len()), small.to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// The debug routes are unauthenticated and can hold a concurrency slot for a minute each: by
/// default they are neither mounted nor in the OpenAPI document.
#[tokio::test(flavor = "multi_thread")]
async fn debug_routes_are_off_by_default() {
    let server = demo(DemoConfig::default()).await;
    let c = client();
    let (code, status) = role(Role::NotFound);
    for path in ["/debug/fail", "/debug/panic", "/debug/slow?ms=60000"] {
        let r = send(c.get(server.url(path))).await;
        assert_error(path, StyleKind::Flat, &r, &code, status);
    }
    let doc = send(c.get(server.url("/openapi.json"))).await;
    let paths = doc.json()["paths"].as_object().cloned().unwrap_or_default();
    assert!(paths.contains_key("/faxes"), "{paths:?}");
    assert!(
        paths.keys().all(|p| !p.starts_with("/debug/")),
        "{:?}",
        paths.keys().collect::<Vec<_>>()
    );
    // Mounted on request, with the wait bounded.
    let server = demo(config(StyleKind::Flat)).await;
    let r = send(c.get(server.url("/debug/slow?ms=60001"))).await;
    let (code, status) = role(Role::InvalidParameter);
    assert_error("a wait over the bound", StyleKind::Flat, &r, &code, status);
    assert_eq!(fields_of(StyleKind::Flat, r.json()), ["ms"], "{}", r.text);
}
