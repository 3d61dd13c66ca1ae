//! errcat's client against the demo over a socket: every error category, in every style the
//! demo serves, parses back to the code the server sent, with the request id of `X-Request-Id`.

mod common;

use std::time::Duration;

use common::*;
use errcat::client::{
    ClientError, RemoteCode, RemoteError, RemoteSource, RetryClient, RetryPolicy, Style,
};
use errcat::{Role, StyleKind};
use errcat_demo::DemoConfig;
use errcat_demo::mintfax::Code;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::json;

fn config(style: StyleKind) -> DemoConfig {
    DemoConfig {
        style: Some(style),
        debug_routes: true,
        ..DemoConfig::default()
    }
}

fn client_style(style: StyleKind) -> Style {
    match style {
        StyleKind::Flat => Style::Flat,
        StyleKind::Nested => Style::Nested,
        StyleKind::JsonApi => Style::JsonApi,
        StyleKind::Simple => Style::Simple,
        StyleKind::Problem => Style::Problem,
        StyleKind::Google => Style::Google,
        StyleKind::Custom => unreachable!("mintfax has no custom template"),
    }
}

/// Sends a request and parses the answer with the client's parser; the request id must be
/// `X-Request-Id`.
async fn remote(req: reqwest::RequestBuilder) -> RemoteError {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body");
    let err = errcat::client::parse_bytes(status, &headers, body);
    let x_request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("an X-Request-Id header");
    assert_eq!(
        err.request_id.as_deref(),
        Some(x_request_id),
        "{}",
        err.body_text()
    );
    err
}

/// Asserts the parse: status, style, the code the server sent, the typed code, and the request
/// id equal to `X-Request-Id` (which `parse` only falls back on, so the body's must match it).
fn check(ctx: &str, style: StyleKind, err: &RemoteError, code: &str, status: u16) {
    let body = err.body_text();
    let json: serde_json::Value = serde_json::from_slice(&err.raw).expect("JSON");
    assert_eq!(err.status, status, "{ctx} [{style}]: {body}");
    assert_eq!(err.style, client_style(style), "{ctx} [{style}]: {body}");
    assert_eq!(
        err.code.as_deref().map(str::to_ascii_lowercase).as_deref(),
        Some(code),
        "{ctx} [{style}]: {body}"
    );
    // What the demo's own harness reads where the style puts it.
    assert_eq!(
        err.request_id.as_deref(),
        Some(request_id_of(style, &json).as_str()),
        "{ctx} [{style}]: {body}"
    );
    assert!(
        is_fresh_id(err.request_id.as_deref().unwrap_or("")),
        "{ctx} [{style}]: {:?}",
        err.request_id
    );
    match err.code_as::<Code>() {
        RemoteCode::Known(c) => assert_eq!(c.as_str(), code, "{ctx} [{style}]"),
        other => panic!("{ctx} [{style}]: {other:?} from {body}"),
    }
}

async fn every_category(style: StyleKind) {
    let server = demo(config(style)).await;
    let c = client();
    let sandbox = bearer(server.keys.sandbox.expose());

    // Validation: two field errors, where the style puts them.
    let body =
        json!({"to": "555", "file": {"content_type": "text/plain", "content_base64": "aGk="}});
    let err = remote(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .json(&body),
    )
    .await;
    let x_request_id = err.request_id.clone();
    if style == StyleKind::JsonApi {
        // Every JSON:API error is a field error with its own code: the catalog code is not in
        // the body, and the first error's code is what the server sent.
        assert_eq!(
            err.code.as_deref(),
            Some("invalid_phone"),
            "{}",
            err.body_text()
        );
        assert_eq!(
            err.code_as::<Code>(),
            RemoteCode::Unknown("invalid_phone".into())
        );
    } else {
        check("validation", style, &err, "validation_failed", 422);
    }
    assert!(x_request_id.is_some());
    let fields: Vec<String> = err
        .fields
        .iter()
        .map(|f| match &f.source {
            RemoteSource::Pointer(p) => p.trim_start_matches('/').replace('/', "."),
            RemoteSource::Name(n) | RemoteSource::Parameter(n) | RemoteSource::Header(n) => {
                n.clone()
            }
        })
        .collect();
    assert_eq!(
        fields,
        vec!["to", "file.content_type"],
        "[{style}] {}",
        err.body_text()
    );
    assert!(
        err.fields.iter().all(|f| !f.message.is_empty()),
        "[{style}] {:?}",
        err.fields
    );
    if matches!(style, StyleKind::JsonApi | StyleKind::Problem) {
        let codes: Vec<_> = err.fields.iter().map(|f| f.code.as_deref()).collect();
        assert_eq!(
            codes,
            vec![Some("invalid_phone"), Some("invalid_file_type")]
        );
    }

    // Not found: an unknown fax, and an unknown route.
    let err = remote(
        c.get(server.url("/faxes/fax_nope"))
            .header(AUTHORIZATION, &sandbox),
    )
    .await;
    check("unknown fax", style, &err, "not_found", 404);
    let (code, status) = role(Role::NotFound);
    let err = remote(c.get(server.url("/nope"))).await;
    check("unknown route", style, &err, &code, status);

    // Insufficient balance: live starts with none.
    let err = remote(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(server.keys.live.expose()))
            .json(&good_fax("+15551234567")),
    )
    .await;
    check(
        "insufficient balance",
        style,
        &err,
        "insufficient_balance",
        402,
    );
    assert_eq!(
        err.code_as::<Code>(),
        RemoteCode::Known(Code::InsufficientBalance)
    );
    if style == StyleKind::Flat {
        assert_eq!(err.action.as_deref(), Some("top_up_balance"));
        assert!(
            err.docs
                .as_deref()
                .is_some_and(|d| d.ends_with("insufficient-balance"))
        );
    }

    // Authentication.
    let err = remote(c.get(server.url("/faxes"))).await;
    check("no Authorization", style, &err, "api_key_missing", 401);

    // Wrong method.
    let (code, status) = role(Role::MethodNotAllowed);
    let err = remote(c.put(server.url("/faxes"))).await;
    check("wrong method", style, &err, &code, status);

    // Unsupported media type.
    let (code, status) = role(Role::UnsupportedMediaType);
    let err = remote(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .header(CONTENT_TYPE, "text/plain")
            .body(good_fax("+15551234567").to_string()),
    )
    .await;
    check("unsupported media type", style, &err, &code, status);

    // Malformed JSON.
    let (code, status) = role(Role::InvalidJson);
    let err = remote(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .header(CONTENT_TYPE, "application/json")
            .body("{oops"),
    )
    .await;
    check("malformed JSON", style, &err, &code, status);

    // A panic: 500, and through the retry client, retried with backoff until it gives up.
    let (code, status) = role(Role::Internal);
    let err = remote(c.get(server.url("/debug/panic"))).await;
    check("panic", style, &err, &code, status);
    let retry = RetryClient::new(
        c.clone(),
        RetryPolicy::default()
            .max_attempts(3)
            .base_delay(Duration::from_millis(5))
            .catalog(errcat_demo::mintfax::catalog()),
    );
    match retry.send(c.get(server.url("/debug/panic"))).await {
        Err(ClientError::Remote(e)) => check("panic, retried", style, &e, &code, status),
        other => panic!("[{style}] {other:?}"),
    }
    // A 422 through the retry client: returned at once, typed.
    match retry
        .send(
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &sandbox)
                .header(CONTENT_TYPE, "application/json")
                .body("{oops"),
        )
        .await
    {
        Err(ClientError::Remote(e)) => check(
            "malformed JSON, retry client",
            style,
            &e,
            &role(Role::InvalidJson).0,
            400,
        ),
        other => panic!("[{style}] {other:?}"),
    }
    // A good fax through the retry client: the response itself.
    let res = retry
        .send(
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &sandbox)
                .json(&good_fax("+15551234567")),
        )
        .await
        .expect("a good fax");
    assert_eq!(res.status(), 201);
}

macro_rules! per_style {
    ($($name:ident => $style:expr),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread")]
            async fn $name() {
                every_category($style).await;
            }
        )*
    };
}

per_style!(
    flat => StyleKind::Flat,
    nested => StyleKind::Nested,
    jsonapi => StyleKind::JsonApi,
    simple => StyleKind::Simple,
    problem => StyleKind::Problem,
    google => StyleKind::Google,
);

#[test]
fn every_served_style_is_covered() {
    assert_eq!(styles().len(), 6);
}
