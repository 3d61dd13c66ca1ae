//! The demo's OpenAPI document, as served: every route with its methods, error responses that
//! list catalog codes, examples and live bodies that fit the envelope schema, the codes the
//! server really answers with documented, and a clean bill from `openapi-spec-validator`.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use common::*;
use errcat::StyleKind;
use errcat_demo::DemoConfig;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

/// What the demo's router serves (crates/errcat-demo/src/lib.rs), method and path template.
const SERVED: [(&str, &str); 15] = [
    ("post", "/faxes"),
    ("get", "/faxes"),
    ("get", "/faxes/{id}"),
    ("delete", "/faxes/{id}"),
    ("get", "/faxes/{id}/pages/{page}"),
    ("post", "/faxes/{id}/resend"),
    ("get", "/account/balance"),
    ("post", "/account/keys"),
    ("get", "/account/keys"),
    ("delete", "/account/keys/{id}"),
    ("get", "/debug/fail"),
    ("get", "/debug/panic"),
    ("get", "/debug/slow"),
    ("get", "/healthz"),
    ("get", "/openapi.json"),
];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn config(style: StyleKind) -> DemoConfig {
    DemoConfig {
        style: Some(style),
        body_limit: 64 * 1024,
        // Long enough that no request but `/debug/slow` meets it on a busy machine.
        timeout: Duration::from_secs(2),
        debug_routes: true,
        ..DemoConfig::default()
    }
}

async fn fetch_document(server: &Server) -> Value {
    let r = send(client().get(server.url("/openapi.json"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.content_type(), "application/json");
    r.json().clone()
}

/// The document's operations: (method, path) → operation.
fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if METHODS.contains(&method.as_str()) {
                out.push((method.clone(), path.clone(), op));
            }
        }
    }
    out
}

/// A path template with its parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "fax_x").replace("{page}", "1")
}

/// Checks a value against the JSON Schema subset the document uses (type, const, enum,
/// required, properties, additionalProperties, items, minItems, maxItems, minLength,
/// maxLength, minimum, maximum, pattern, oneOf, $ref), collecting every error.
fn check_schema(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}"));
        check_schema(doc, target, v, at, errors);
        // OpenAPI 3.1 allows siblings of $ref: they narrow it.
        let mut rest = schema.clone();
        if let Some(o) = rest.as_object_mut() {
            o.remove("$ref");
            if !o.is_empty() {
                check_schema(doc, &rest, v, at, errors);
            }
        }
        return;
    }
    if let Some(variants) = schema["oneOf"].as_array() {
        let fitting = variants
            .iter()
            .filter(|s| {
                let mut e = Vec::new();
                check_schema(doc, s, v, at, &mut e);
                e.is_empty()
            })
            .count();
        if fitting != 1 {
            errors.push(format!("{at}: {v} fits {fitting} of the oneOf's schemas"));
        }
    }
    if let Some(c) = schema.get("const")
        && v != c
    {
        errors.push(format!("{at}: {v} is not the const {c}"));
    }
    if let Some(e) = schema["enum"].as_array()
        && !e.contains(v)
    {
        errors.push(format!("{at}: {v} is not one of {e:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            // JSON Schema's integers are the numbers without a fraction, 1.0 included.
            "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            other => panic!("the schema uses type {other}, which this checker does not know"),
        });
        if !ok {
            errors.push(format!("{at}: {v} is not of type {types:?}"));
            return;
        }
    }
    if let Some(text) = v.as_str() {
        let len = text.chars().count() as u64;
        if schema["minLength"].as_u64().is_some_and(|m| len < m) {
            errors.push(format!("{at}: {v} is shorter than minLength"));
        }
        if schema["maxLength"].as_u64().is_some_and(|m| len > m) {
            errors.push(format!("{at}: {v} is longer than maxLength"));
        }
        if let Some(p) = schema["pattern"].as_str() {
            let re = regex::Regex::new(p).unwrap_or_else(|e| panic!("pattern {p}: {e}"));
            if !re.is_match(text) {
                errors.push(format!("{at}: {v} does not match {p}"));
            }
        }
    }
    if let Some(n) = v.as_f64() {
        if schema["minimum"].as_f64().is_some_and(|m| n < m) {
            errors.push(format!("{at}: {v} is below the minimum"));
        }
        if schema["maximum"].as_f64().is_some_and(|m| n > m) {
            errors.push(format!("{at}: {v} is above the maximum"));
        }
    }
    if let Some(obj) = v.as_object() {
        for k in schema["required"].as_array().into_iter().flatten() {
            let k = k.as_str().expect("a required key");
            if !obj.contains_key(k) {
                errors.push(format!("{at}: required member `{k}` is missing"));
            }
        }
        let props = schema["properties"].as_object();
        for (k, x) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check_schema(doc, s, x, &format!("{at}/{k}"), errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: member `{k}` is not allowed"))
                    }
                    Some(s @ Value::Object(_)) => {
                        check_schema(doc, s, x, &format!("{at}/{k}"), errors)
                    }
                    _ => {}
                },
            }
        }
    }
    if let Some(items) = v.as_array() {
        if let Some(min) = schema["minItems"].as_u64()
            && (items.len() as u64) < min
        {
            errors.push(format!("{at}: fewer than {min} items"));
        }
        if let Some(max) = schema["maxItems"].as_u64()
            && (items.len() as u64) > max
        {
            errors.push(format!("{at}: more than {max} items"));
        }
        if let Some(s) = schema.get("items") {
            for (i, x) in items.iter().enumerate() {
                check_schema(doc, s, x, &format!("{at}/{i}"), errors);
            }
        }
    }
}

/// Asserts that `v` fits `schema` (a schema of the document `doc`).
fn assert_fits(doc: &Value, schema: &Value, v: &Value, what: &str) {
    let mut errors = Vec::new();
    check_schema(doc, schema, v, "", &mut errors);
    assert!(
        errors.is_empty(),
        "{what} does not fit its schema:\n{}\nvalue: {v}",
        errors.join("\n")
    );
}

fn assert_fits_error_schema(doc: &Value, body: &Value, what: &str) {
    let mut errors = Vec::new();
    check_schema(
        doc,
        &json!({"$ref": "#/components/schemas/Error"}),
        body,
        "",
        &mut errors,
    );
    assert!(
        errors.is_empty(),
        "{what} does not fit the Error schema:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

async fn document_describes_the_server(style: StyleKind) {
    let server = demo(config(style)).await;
    let doc = fetch_document(&server).await;
    // A catalog without a custom template renders custom as problem+json.
    let effective = if style == StyleKind::Custom {
        StyleKind::Problem
    } else {
        style
    };
    assert_eq!(
        doc,
        errcat_demo::openapi::document(effective, true),
        "[{style}] the served document is openapi::document's"
    );
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());

    // Exactly the served routes and methods.
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(m, p, _)| (m, p))
        .collect();
    let served: BTreeSet<(String, String)> = SERVED
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, served,
        "[{style}] documented operations vs served routes"
    );

    // The server agrees: a method no route uses answers 405 with exactly the documented methods.
    let c = client();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let r = send(c.patch(server.url(&concrete(path)))).await;
        assert_eq!(r.status, 405, "[{style}] PATCH {path}: {}", r.text);
        let allow: BTreeSet<String> = r
            .header("allow")
            .split(',')
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| m != "head")
            .collect();
        let methods: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| METHODS.contains(&m.as_str()))
            .cloned()
            .collect();
        assert_eq!(allow, methods, "[{style}] Allow of {path}");
    }

    let catalog = errcat_demo::mintfax::catalog();
    let mut operation_ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().expect("operationId");
        assert!(
            operation_ids.insert(id.to_string()),
            "[{style}] operationId {id} is used twice"
        );
        let responses = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "[{style}] {method} {path} documents no success"
        );
        // Who may call it: a key with a scope, or anyone (an explicit empty list).
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("[{style}] {method} {path}: no security requirement"));
        let public =
            ["/healthz", "/openapi.json"].contains(&path.as_str()) || path.starts_with("/debug/");
        assert_eq!(security.is_empty(), public, "[{style}] {method} {path}");
        for requirement in security {
            let scopes = requirement["bearer"].as_array().expect("bearer scopes");
            assert_eq!(scopes.len(), 1, "[{style}] {method} {path}: one scope");
        }
        // Every parameter and body has an example that fits its schema (the server accepts
        // them: `documented_examples_are_accepted`).
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = &p["name"];
            let example = p
                .get("example")
                .unwrap_or_else(|| panic!("[{style}] {method} {path}: {name} has no example"));
            assert_fits(
                &doc,
                &p["schema"],
                example,
                &format!("[{style}] {method} {path}: the example of {name}"),
            );
        }
        if let Some(body) = op.get("requestBody") {
            let media = &body["content"]["application/json"];
            let examples = media["examples"]
                .as_object()
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| panic!("[{style}] {method} {path}: a body without examples"));
            for (name, example) in examples {
                assert_fits(
                    &doc,
                    &media["schema"],
                    &example["value"],
                    &format!("[{style}] {method} {path}: body example {name}"),
                );
            }
        }
        // The failures of the layers: every route's (rate limits, timeout, load shedding,
        // panic), authentication's, a body's and an idempotency key's, where they apply.
        let mut roles = vec![
            errcat::Role::RateLimited,
            errcat::Role::Timeout,
            errcat::Role::Unavailable,
            errcat::Role::Internal,
        ];
        if !public {
            roles.extend([
                errcat::Role::MissingCredentials,
                errcat::Role::MalformedCredentials,
                errcat::Role::InvalidCredentials,
                errcat::Role::RevokedCredentials,
                errcat::Role::ExpiredCredentials,
                errcat::Role::AddressNotAllowed,
            ]);
        }
        if op.get("requestBody").is_some() {
            roles.extend([
                errcat::Role::InvalidJson,
                errcat::Role::ValidationFailed,
                errcat::Role::UnsupportedMediaType,
                errcat::Role::PayloadTooLarge,
            ]);
        }
        if method == "post" {
            roles.extend([
                errcat::Role::IdempotencyKeyInvalid,
                errcat::Role::IdempotencyKeyReused,
                errcat::Role::IdempotencyKeyInProgress,
            ]);
        }
        if op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["in"] != "header")
        {
            roles.push(errcat::Role::InvalidParameter);
        }
        for role in roles {
            let (code, status) = common::role(role);
            let listed = &responses
                .get(&status.to_string())
                .map_or(json!([]), |r| r["x-error-codes"].clone());
            assert!(
                listed.as_array().unwrap().contains(&json!(code)),
                "[{style}] {method} {path} lacks {code} under {status}"
            );
        }
        if !public {
            for status in ["401", "403"] {
                assert_eq!(
                    responses[status]["headers"]["WWW-Authenticate"]["$ref"],
                    "#/components/headers/WWW-Authenticate",
                    "[{style}] {method} {path} {status}"
                );
            }
        }
        for (status, response) in responses {
            let status: u16 = status
                .parse()
                .unwrap_or_else(|_| panic!("status key {status}"));
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty())
            );
            if status < 400 {
                assert!(response.get("x-error-codes").is_none());
                continue;
            }
            let codes = response["x-error-codes"]
                .as_array()
                .unwrap_or_else(|| panic!("[{style}] {method} {path} {status}: no x-error-codes"));
            assert!(!codes.is_empty());
            for code in codes {
                let code = code.as_str().unwrap();
                let entry = catalog.get(code).unwrap_or_else(|| {
                    panic!("[{style}] {method} {path} {status}: `{code}` is not a catalog code")
                });
                assert_eq!(
                    entry.default_status(),
                    Some(status),
                    "[{style}] {method} {path}: `{code}` under {status}"
                );
                assert!(
                    response["description"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("`{code}`"))
                );
            }
            // One example per code, each a rendered envelope of that code that fits the schema.
            let media = &response["content"][content_type_of(effective)];
            assert_eq!(
                media["schema"]["$ref"], "#/components/schemas/Error",
                "[{style}] {method} {path} {status}"
            );
            assert_eq!(
                response["headers"]["X-Request-Id"]["$ref"],
                "#/components/headers/X-Request-Id"
            );
            let examples = media["examples"].as_object().expect("examples");
            let example_codes: BTreeSet<&str> = examples.keys().map(String::as_str).collect();
            let listed: BTreeSet<&str> = codes.iter().map(|c| c.as_str().unwrap()).collect();
            assert_eq!(
                example_codes, listed,
                "[{style}] {method} {path} {status}: one example per code"
            );
            for (code, example) in examples {
                let body = &example["value"];
                assert_fits_error_schema(
                    &doc,
                    body,
                    &format!("[{style}] the example of {code} ({method} {path} {status})"),
                );
                if effective == StyleKind::JsonApi {
                    assert_eq!(body["errors"][0]["status"], json!(status.to_string()));
                } else {
                    assert_eq!(
                        &code_of(effective, body),
                        code,
                        "[{style}] the example of {code}"
                    );
                }
                if let Some(s) = body_status_of(effective, body) {
                    assert_eq!(s, u64::from(status), "[{style}] the example of {code}");
                }
            }
        }
    }
}

macro_rules! per_style {
    ($($name:ident => $style:expr),* $(,)?) => {
        mod document_describes_the_server {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    super::document_describes_the_server($style).await;
                }
            )*
        }
    };
}

per_style!(
    flat => errcat::StyleKind::Flat,
    nested => errcat::StyleKind::Nested,
    jsonapi => errcat::StyleKind::JsonApi,
    simple => errcat::StyleKind::Simple,
    problem => errcat::StyleKind::Problem,
    google => errcat::StyleKind::Google,
    custom => errcat::StyleKind::Custom,
);

/// Real error responses fit the documented envelope schema, in every style.
#[tokio::test(flavor = "multi_thread")]
async fn live_errors_fit_the_error_schema() {
    for style in styles() {
        let server = demo(config(style)).await;
        let doc = fetch_document(&server).await;
        let c = client();
        let auth = bearer(server.keys.sandbox.expose());
        let cases = vec![
            ("unknown route", c.get(server.url("/nope"))),
            ("wrong method", c.put(server.url("/faxes"))),
            ("no key", c.get(server.url("/faxes"))),
            ("malformed JSON", c.post(server.url("/faxes")).header(AUTHORIZATION, &auth).header(CONTENT_TYPE, "application/json").body("{")),
            ("wrong shape", c.post(server.url("/faxes")).header(AUTHORIZATION, &auth).json(&json!({"to": 5}))),
            (
                "two field errors",
                c.post(server.url("/faxes"))
                    .header(AUTHORIZATION, &auth)
                    .json(&json!({"to": "555", "file": {"content_type": "text/plain", "content_base64": "aGk="}})),
            ),
            ("no content type", c.post(server.url("/faxes")).header(AUTHORIZATION, &auth).body("{}")),
            ("bad parameter", c.get(server.url("/faxes?limit=abc")).header(AUTHORIZATION, &auth)),
            ("insufficient balance", c.post(server.url("/faxes")).header(AUTHORIZATION, bearer(server.keys.live.expose())).json(&good_fax("+15551234567"))),
            ("internal", c.get(server.url("/debug/fail"))),
        ];
        for (what, req) in cases {
            let r = send(req).await;
            assert!(r.status >= 400, "[{style}] {what}: {}", r.text);
            assert_fits_error_schema(&doc, r.json(), &format!("[{style}] {what}"));
        }
    }
}

/// Every code the server answers an operation with is documented for it, under its status.
#[tokio::test(flavor = "multi_thread")]
async fn observed_codes_are_documented() {
    let server = demo(config(StyleKind::Flat)).await;
    let doc = fetch_document(&server).await;
    let c = client();
    let sandbox = bearer(server.keys.sandbox.expose());
    let account = bearer(server.keys.account.expose());

    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .json(&good_fax("+15551234567")),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let fax = format!("/faxes/{}", r.json()["id"].as_str().unwrap());

    // Keys made over the API: one that may only read, one for another network.
    let make_key = |body: Value| {
        let c = c.clone();
        let account = account.clone();
        let url = server.url("/account/keys");
        async move {
            let r = send(c.post(url).header(AUTHORIZATION, account).json(&body)).await;
            assert_eq!(r.status, 201, "{}", r.text);
            bearer(r.json()["secret"].as_str().expect("a secret"))
        }
    };
    let read_only =
        make_key(json!({"name": "ro", "scopes": ["faxes:read"], "environment": "test"})).await;
    let elsewhere = make_key(json!({"name": "far", "scopes": ["faxes:read"], "environment": "test", "allowed_ips": ["10.0.0.0/8"]})).await;
    let unknown = errcat::store::keys::ApiKeySecret::generate("mfx", "test").expect("a key");

    let big = format!(r#"{{"to":"{}"}}"#, "5".repeat(80 * 1024));
    let json_post = |key: &str, body: &str| {
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, bearer(key))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
    };
    let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
        ("post", "/faxes", c.post(server.url("/faxes"))),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, "Basic x"),
        ),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, bearer("mfx_test_nope")),
        ),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &account)
                .json(&good_fax("+15551234567")),
        ),
        (
            "post",
            "/faxes",
            json_post(server.keys.sandbox.expose(), "{oops"),
        ),
        (
            "post",
            "/faxes",
            json_post(server.keys.sandbox.expose(), r#"{"to": 5}"#),
        ),
        (
            "post",
            "/faxes",
            json_post(server.keys.sandbox.expose(), &big),
        ),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &sandbox)
                .body("{}"),
        ),
        (
            "post",
            "/faxes",
            json_post(
                server.keys.live.expose(),
                &good_fax("+15551234567").to_string(),
            ),
        ),
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes?limit=abc"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes?limit=0"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes?status=lost"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes?color=red"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}",
            c.get(server.url("/faxes/fax_nope"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}",
            c.get(server.url(&fax))
                .header(AUTHORIZATION, bearer(server.keys.live.expose())),
        ),
        (
            "delete",
            "/faxes/{id}",
            c.delete(server.url(&fax)).header(AUTHORIZATION, &sandbox),
        ),
        (
            "delete",
            "/faxes/{id}",
            c.delete(server.url("/faxes/fax_nope"))
                .header(AUTHORIZATION, &account),
        ),
        (
            "get",
            "/faxes/{id}/pages/{page}",
            c.get(server.url("/faxes/x/pages/abc"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}/pages/{page}",
            c.get(server.url(&format!("{fax}/pages/7")))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "post",
            "/faxes/{id}/resend",
            c.post(server.url(&format!("{fax}/resend")))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "post",
            "/faxes/{id}/resend",
            c.post(server.url("/faxes/fax_nope/resend"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/account/balance",
            c.get(server.url("/account/balance"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/account/balance",
            c.get(server.url("/account/balance")),
        ),
        (
            "delete",
            "/account/keys/{id}",
            c.delete(server.url("/account/keys/mfx_acct_x"))
                .header(AUTHORIZATION, &account),
        ),
        (
            "delete",
            "/account/keys/{id}",
            c.delete(server.url("/account/keys/mfx_test_x"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "delete",
            "/account/keys/{id}",
            c.delete(server.url("/account/keys/mfx_test_x"))
                .header(AUTHORIZATION, &account),
        ),
        (
            "post",
            "/account/keys",
            c.post(server.url("/account/keys"))
                .header(AUTHORIZATION, &account)
                .json(&json!({"name": "", "scopes": ["admin"], "environment": "prod"})),
        ),
        (
            "post",
            "/account/keys",
            c.post(server.url("/account/keys"))
                .header(AUTHORIZATION, &sandbox)
                .json(&json!({"name": "x", "scopes": ["faxes:read"], "environment": "test"})),
        ),
        (
            "get",
            "/account/keys",
            c.get(server.url("/account/keys"))
                .header(AUTHORIZATION, bearer(unknown.expose())),
        ),
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes"))
                .header(AUTHORIZATION, &elsewhere),
        ),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &read_only)
                .json(&good_fax("+15551234567")),
        ),
        // Pages no fax can have, and rules of a new key's members.
        (
            "get",
            "/faxes/{id}/pages/{page}",
            c.get(server.url(&format!("{fax}/pages/0")))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}/pages/{page}",
            c.get(server.url(&format!("{fax}/pages/106")))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "post",
            "/account/keys",
            c.post(server.url("/account/keys"))
                .header(AUTHORIZATION, &account)
                .json(&json!({"name": " padded", "scopes": ["faxes:read"], "environment": "test", "expires_in": 1.5, "allowed_ips": ["010.0.0.0/8"]})),
        ),
        (
            "post",
            "/faxes",
            c.post(server.url("/faxes"))
                .header(AUTHORIZATION, &sandbox)
                .header("Idempotency-Key", "not a key")
                .json(&good_fax("+15551234567")),
        ),
        ("get", "/debug/fail", c.get(server.url("/debug/fail"))),
        ("get", "/debug/panic", c.get(server.url("/debug/panic"))),
        ("get", "/debug/slow", c.get(server.url("/debug/slow"))),
        ("get", "/debug/slow", c.get(server.url("/debug/slow?ms=-1"))),
        (
            "get",
            "/debug/slow",
            c.get(server.url("/debug/slow?ms=60000")),
        ),
        (
            "get",
            "/debug/slow",
            c.get(server.url("/debug/slow?ms=60001")),
        ),
    ];
    let mut seen = BTreeSet::new();
    for (method, path, req) in cases {
        let r = send(req).await;
        assert!(
            r.status >= 400,
            "{method} {path}: expected an error, got {} {}",
            r.status,
            r.text
        );
        let code = code_of(StyleKind::Flat, r.json());
        let response = &doc["paths"][path][method]["responses"][r.status.to_string()];
        let listed = &response["x-error-codes"];
        assert!(
            listed.as_array().is_some_and(|l| l.contains(&json!(code))),
            "{method} {path} answered {} `{code}`, which the document does not list there (it lists {listed})",
            r.status
        );
        // Every header it sent, but HTTP's own, is documented for that response.
        for name in r.headers.keys() {
            if [
                "content-type",
                "content-length",
                "date",
                "connection",
                "vary",
            ]
            .contains(&name.as_str())
            {
                continue;
            }
            let documented = response["headers"]
                .as_object()
                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(name.as_str())));
            assert!(
                documented,
                "{method} {path} {} sent `{name}`, which the document does not list there",
                r.status
            );
        }
        seen.insert(code);
    }
    // The cases reach a broad set of codes, so this test means something.
    assert!(seen.len() >= 15, "only {seen:?}");
}

/// `openapi-spec-validator` accepts the document in every style.
#[tokio::test(flavor = "multi_thread")]
async fn openapi_spec_validator_accepts_every_style() {
    let available = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if std::env::var_os("ERRCAT_REQUIRE_OPENAPI_VALIDATOR").is_some() {
            panic!(
                "ERRCAT_REQUIRE_OPENAPI_VALIDATOR is set but the Python module openapi_spec_validator is missing: pip install openapi-spec-validator"
            );
        }
        // Straight to stderr, past libtest's capture, so the skip is seen.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "notice: skipping OpenAPI validation: python3 -m openapi_spec_validator is not available \
             (pip install openapi-spec-validator; set ERRCAT_REQUIRE_OPENAPI_VALIDATOR=1 to make this a failure)"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("errcat-demo-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let mut files = Vec::new();
    for style in StyleKind::ALL {
        let server = demo(config(style)).await;
        let doc = fetch_document(&server).await;
        let file = dir.join(format!("{}.json", style.name()));
        std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap())
            .expect("write the document");
        files.push(file);
    }
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .args(&files)
        .output()
        .expect("run python3");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects the document:\n{stdout}\n{stderr}"
    );
    for file in &files {
        assert!(
            stdout.contains(&format!("{}: OK", file.display())),
            "no OK for {}:\n{stdout}\n{stderr}",
            file.display()
        );
    }
}

/// The key an operation's security requirement names, if any: the account key for
/// `account`, the sandbox key for the fax scopes.
fn key_for<'a>(server: &'a Server, op: &Value) -> Option<&'a str> {
    match op["security"][0]["bearer"][0].as_str() {
        None => None,
        Some("account") => Some(server.keys.account.expose()),
        Some(_) => Some(server.keys.sandbox.expose()),
    }
}

/// Every documented example, sent as documented (the path, query and header parameters'
/// examples, then each body example) with the key the operation's security requirement
/// names, is accepted: the documented success, or, where the path names a resource (the
/// examples' ids name none), the documented 404 `not_found`. An example `Idempotency-Key`
/// sent again with the same request replays the answer.
#[tokio::test(flavor = "multi_thread")]
async fn documented_examples_are_accepted() {
    let server = demo(DemoConfig::default()).await;
    let doc = fetch_document(&server).await;
    let c = client();
    let mut sent = 0;
    for (method, path, op) in operations(&doc) {
        let mut target = path.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().expect("a name");
            let text = match &p["example"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match p["in"].as_str().expect("in") {
                "path" => target = target.replace(&format!("{{{name}}}"), &text),
                "query" => query.push((name.to_string(), text)),
                "header" => headers.push((name.to_string(), text)),
                other => panic!("{method} {path}: a parameter in {other}"),
            }
        }
        let bodies: Vec<Option<Value>> =
            match op["requestBody"]["content"]["application/json"]["examples"].as_object() {
                Some(examples) => examples
                    .values()
                    .map(|e| Some(e["value"].clone()))
                    .collect(),
                None => vec![None],
            };
        let success: u16 = op["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .find(|s| s.starts_with('2'))
            .expect("a success")
            .parse()
            .expect("a status");
        let names_a_resource = path.contains('{');
        let method_upper = method.to_ascii_uppercase();
        for (i, body) in bodies.iter().enumerate() {
            let request = |with_headers: bool| {
                let mut req = c
                    .request(method_upper.parse().expect("a method"), server.url(&target))
                    .query(&query);
                if let Some(k) = key_for(&server, op) {
                    req = req.header(AUTHORIZATION, bearer(k));
                }
                if with_headers {
                    for (n, v) in &headers {
                        req = req.header(n, v);
                    }
                }
                if let Some(b) = body {
                    req = req.json(b);
                }
                req
            };
            // An idempotency key is for one request: the documented one goes with the first.
            let r = send(request(i == 0)).await;
            let what = format!("{method} {target} with example {i}");
            if names_a_resource {
                assert_eq!(r.status, 404, "{what}: {}", r.text);
                assert_eq!(code_of(StyleKind::Flat, r.json()), "not_found", "{what}");
            } else {
                assert_eq!(r.status, success, "{what}: {}", r.text);
            }
            if i == 0 && !headers.is_empty() && r.status < 300 {
                let again = send(request(true)).await;
                assert_eq!(
                    (again.status, again.header("idempotent-replayed")),
                    (r.status, "true"),
                    "{what}, again: {}",
                    again.text
                );
            }
            sent += 1;
        }
    }
    assert!(sent >= 12, "only {sent} requests");
}

/// Asserts that a success is documented for its operation, with its media type, and that its
/// body fits the documented schema.
fn assert_documented_success(doc: &Value, method: &str, path: &str, r: &Reply) {
    let what = format!("{method} {path} {}", r.status);
    assert!(r.status < 300, "{what}: {}", r.text);
    let response = &doc["paths"][path][method]["responses"][r.status.to_string()];
    assert!(response.is_object(), "{what} is not documented");
    let Some(content) = response["content"].as_object() else {
        assert!(
            r.text.is_empty(),
            "{what}: a body the document does not describe"
        );
        return;
    };
    let media = content
        .get(&r.content_type())
        .unwrap_or_else(|| panic!("{what}: {} is not documented", r.content_type()));
    let body = if r.content_type() == "application/json" {
        r.json().clone()
    } else {
        Value::String(r.text.clone())
    };
    assert_fits(doc, &media["schema"], &body, &what);
}

/// What every operation answers when it succeeds is documented, with a schema the real body
/// fits (the fuzzer checks the same, with `response_schema_conformance`).
#[tokio::test(flavor = "multi_thread")]
async fn success_bodies_fit_their_schemas() {
    let server = demo(config(StyleKind::Flat)).await;
    let doc = fetch_document(&server).await;
    let c = client();
    let sandbox = bearer(server.keys.sandbox.expose());
    let account = bearer(server.keys.account.expose());
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .json(&good_fax("+15551234567")),
    )
    .await;
    assert_documented_success(&doc, "post", "/faxes", &r);
    let fax = format!("/faxes/{}", r.json()["id"].as_str().expect("an id"));
    let r = send(
        c.post(server.url("/account/keys"))
            .header(AUTHORIZATION, &account)
            .json(&json!({"name": "Front office", "scopes": ["faxes:read"], "environment": "live", "expires_in": 60, "allowed_ips": ["192.0.2.0/24", "::1"]})),
    )
    .await;
    assert_documented_success(&doc, "post", "/account/keys", &r);
    let key = format!("/account/keys/{}", r.json()["id"].as_str().expect("an id"));
    let cases: Vec<(&str, &str, reqwest::RequestBuilder)> = vec![
        (
            "get",
            "/faxes",
            c.get(server.url("/faxes?limit=100"))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}",
            c.get(server.url(&fax)).header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/faxes/{id}/pages/{page}",
            c.get(server.url(&format!("{fax}/pages/1")))
                .header(AUTHORIZATION, &sandbox),
        ),
        (
            "get",
            "/account/balance",
            c.get(server.url("/account/balance"))
                .header(AUTHORIZATION, &account),
        ),
        (
            "get",
            "/account/keys",
            c.get(server.url("/account/keys"))
                .header(AUTHORIZATION, &account),
        ),
        (
            "delete",
            "/account/keys/{id}",
            c.delete(server.url(&key)).header(AUTHORIZATION, &account),
        ),
        ("get", "/healthz", c.get(server.url("/healthz"))),
        ("get", "/openapi.json", c.get(server.url("/openapi.json"))),
        ("get", "/debug/slow", c.get(server.url("/debug/slow?ms=0"))),
    ];
    for (method, path, req) in cases {
        assert_documented_success(&doc, method, path, &send(req).await);
    }
}

/// A 422 with 150 field errors shows 100 and counts the other 50 in `omitted_field_errors`,
/// where each style puts it; the body fits the documented envelope, and the envelope
/// documents the count there.
#[tokio::test(flavor = "multi_thread")]
async fn many_field_errors_fit_the_error_schema() {
    for style in styles() {
        let server = demo(config(style)).await;
        let doc = fetch_document(&server).await;
        let scopes = vec!["nope"; 150];
        let r = send(
            client()
                .post(server.url("/account/keys"))
                .header(AUTHORIZATION, bearer(server.keys.account.expose()))
                .json(&json!({"name": "ci", "scopes": scopes, "environment": "test"})),
        )
        .await;
        assert_eq!(r.status, 422, "[{style}] {}", r.text);
        let body = r.json();
        assert_fits_error_schema(&doc, body, &format!("[{style}] 150 field errors"));
        assert_eq!(fields_of(style, body).len(), 100, "[{style}] {}", r.text);
        let error = &doc["components"]["schemas"]["Error"];
        let (count, declared) = match style {
            StyleKind::Flat | StyleKind::Simple => (
                &body["context"]["omitted_field_errors"],
                &error["properties"]["context"]["properties"]["omitted_field_errors"],
            ),
            StyleKind::Nested => (
                &body["error"]["omitted_field_errors"],
                &error["properties"]["error"]["properties"]["omitted_field_errors"],
            ),
            StyleKind::Problem => (
                &body["omitted_field_errors"],
                &error["properties"]["omitted_field_errors"],
            ),
            StyleKind::JsonApi => (
                &body["meta"]["omitted_field_errors"],
                &error["properties"]["meta"]["properties"]["omitted_field_errors"],
            ),
            StyleKind::Google => (
                body["error"]["details"]
                    .as_array()
                    .and_then(|d| d.iter().find(|d| d["metadata"].is_object()))
                    .map_or(&Value::Null, |d| &d["metadata"]["omitted_field_errors"]),
                &error["properties"]["error"]["properties"]["details"]["items"]["properties"]["metadata"]
                    ["properties"]["omitted_field_errors"],
            ),
            StyleKind::Custom => unreachable!("mintfax has no custom template"),
        };
        let expected = if style == StyleKind::Google {
            json!("50")
        } else {
            json!(50)
        };
        assert_eq!(count, &expected, "[{style}] {}", r.text);
        assert!(
            declared["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "[{style}] the envelope does not describe omitted_field_errors"
        );
        assert_fits(
            &doc,
            declared,
            count,
            &format!("[{style}] omitted_field_errors"),
        );
    }
}

/// Whether the document's schema takes `v`.
fn fits(doc: &Value, schema: &Value, v: &Value) -> bool {
    let mut errors = Vec::new();
    check_schema(doc, schema, v, "", &mut errors);
    errors.is_empty()
}

/// Each rule the server checks, on values on both sides of it: the document's schema and the
/// server give the same verdict, and the server's refusal names the field.
#[tokio::test(flavor = "multi_thread")]
async fn schema_and_server_agree_on_each_rule() {
    let server = demo(DemoConfig {
        sandbox_credits: 1_000,
        ..config(StyleKind::Flat)
    })
    .await;
    let doc = fetch_document(&server).await;
    let c = client();
    let sandbox = bearer(server.keys.sandbox.expose());
    let account = bearer(server.keys.account.expose());
    let schemas = &doc["components"]["schemas"];

    // Bodies: a change to a valid body, the member it touches, and what the schema says.
    let key = json!({"name": "ci", "scopes": ["faxes:read"], "environment": "test"});
    let with = |base: &Value, member: &str, v: Value| {
        let mut b = base.clone();
        b[member] = v;
        b
    };
    let pdf = |b64: &str| json!({"to": "+15551234567", "file": {"content_type": "application/pdf", "content_base64": b64}});
    let name_64 = "n".repeat(64);
    let name_65 = "n".repeat(65);
    let bodies: Vec<(&str, Value, &str)> = vec![
        (
            "/account/keys",
            with(&key, "name", json!(" padded")),
            "/name",
        ),
        (
            "/account/keys",
            with(&key, "name", json!("padded ")),
            "/name",
        ),
        ("/account/keys", with(&key, "name", json!("in side")), ""),
        (
            "/account/keys",
            with(&key, "name", json!("tab\there")),
            "/name",
        ),
        (
            "/account/keys",
            with(&key, "name", json!("\u{e9}t\u{e9} \u{1F600}")),
            "",
        ),
        ("/account/keys", with(&key, "name", json!(name_64)), ""),
        ("/account/keys", with(&key, "name", json!(name_65)), "/name"),
        ("/account/keys", with(&key, "expires_in", json!(3600)), ""),
        ("/account/keys", with(&key, "expires_in", json!(3600.0)), ""),
        ("/account/keys", with(&key, "expires_in", json!(null)), ""),
        (
            "/account/keys",
            with(&key, "expires_in", json!(315_360_000)),
            "",
        ),
        (
            "/account/keys",
            with(&key, "expires_in", json!(315_360_001)),
            "/expires_in",
        ),
        (
            "/account/keys",
            with(&key, "expires_in", json!(0)),
            "/expires_in",
        ),
        (
            "/account/keys",
            with(&key, "expires_in", json!(-5)),
            "/expires_in",
        ),
        (
            "/account/keys",
            with(
                &key,
                "allowed_ips",
                json!(["10.0.0.0/8", "::1", "2001:db8::/128"]),
            ),
            "",
        ),
        ("/account/keys", with(&key, "allowed_ips", json!(null)), ""),
        (
            "/account/keys",
            with(&key, "allowed_ips", json!(["010.0.0.0/8"])),
            "/allowed_ips/0",
        ),
        (
            "/account/keys",
            with(&key, "allowed_ips", json!(["10.0.0.0/08"])),
            "/allowed_ips/0",
        ),
        (
            "/account/keys",
            with(&key, "allowed_ips", json!(["10.0.0.0/33"])),
            "/allowed_ips/0",
        ),
        (
            "/account/keys",
            with(&key, "allowed_ips", json!(vec!["::1"; 16])),
            "",
        ),
        (
            "/account/keys",
            with(&key, "allowed_ips", json!(vec!["::1"; 17])),
            "/allowed_ips",
        ),
        ("/account/keys", with(&key, "scopes", json!([])), "/scopes"),
        (
            "/account/keys",
            with(&key, "scopes", json!(["account"])),
            "/scopes/0",
        ),
        (
            "/account/keys",
            with(&key, "environment", json!("acct")),
            "/environment",
        ),
        ("/faxes", pdf("JVBERi0xLjQ="), ""),
        ("/faxes", pdf("JVBERi0="), ""),
        ("/faxes", pdf("JVBERi1="), "/file/content_base64"),
        ("/faxes", pdf("JVBERi0xLjQ"), "/file/content_base64"),
        ("/faxes", pdf("/9j/4AAQ"), "/file/content_base64"),
        ("/faxes", pdf(""), "/file/content_base64"),
        ("/faxes", with(&pdf("JVBERi0="), "to", json!("+1")), "/to"),
        ("/faxes", with(&pdf("JVBERi0="), "to", json!("+12")), ""),
        (
            "/faxes",
            with(&pdf("JVBERi0="), "to", json!("+123456789012345")),
            "",
        ),
        (
            "/faxes",
            with(&pdf("JVBERi0="), "to", json!("+1234567890123456")),
            "/to",
        ),
        (
            "/faxes",
            with(&pdf("JVBERi0="), "to", json!("+0123")),
            "/to",
        ),
        (
            "/faxes",
            json!({"to": "+15551234567", "file": {"content_type": "image/tiff", "content_base64": "TU0AKg=="}}),
            "",
        ),
        (
            "/faxes",
            json!({"to": "+15551234567", "file": {"content_type": "text/plain", "content_base64": "aGk="}}),
            "/file/content_type",
        ),
    ];
    for (path, body, refused_at) in bodies {
        let (schema, auth) = if path == "/faxes" {
            (&schemas["NewFax"], &sandbox)
        } else {
            (&schemas["NewKey"], &account)
        };
        let r = send(
            c.post(server.url(path))
                .header(AUTHORIZATION, auth)
                .json(&body),
        )
        .await;
        let what = format!("POST {path} {body}");
        assert_eq!(
            fits(&doc, schema, &body),
            refused_at.is_empty(),
            "{what}: the schema's verdict"
        );
        if refused_at.is_empty() {
            assert_eq!(r.status, 201, "{what}: {}", r.text);
        } else {
            assert_eq!(r.status, 422, "{what}: {}", r.text);
            let at = location(StyleKind::Flat, refused_at);
            assert!(
                fields_of(StyleKind::Flat, r.json()).contains(&at),
                "{what}: {at} in {}",
                r.text
            );
        }
    }

    // Parameters: pages and limits.
    let r = send(
        c.post(server.url("/faxes"))
            .header(AUTHORIZATION, &sandbox)
            .json(&good_fax("+15551234567")),
    )
    .await;
    let fax = format!("/faxes/{}", r.json()["id"].as_str().expect("an id"));
    let page = &doc["paths"]["/faxes/{id}/pages/{page}"]["get"]["parameters"][1]["schema"];
    let limit = &doc["paths"]["/faxes"]["get"]["parameters"][0]["schema"];
    let params: Vec<(String, &Value, Value, u16)> = vec![
        (format!("{fax}/pages/1"), page, json!(1), 200),
        // Within the range, past this fax's last page: documented as 404.
        (format!("{fax}/pages/105"), page, json!(105), 404),
        (format!("{fax}/pages/0"), page, json!(0), 400),
        (format!("{fax}/pages/106"), page, json!(106), 400),
        ("/faxes?limit=1".into(), limit, json!(1), 200),
        ("/faxes?limit=100".into(), limit, json!(100), 200),
        ("/faxes?limit=0".into(), limit, json!(0), 422),
        ("/faxes?limit=101".into(), limit, json!(101), 422),
    ];
    for (target, schema, value, status) in params {
        let r = send(c.get(server.url(&target)).header(AUTHORIZATION, &sandbox)).await;
        assert_eq!(r.status, status, "GET {target}: {}", r.text);
        assert_eq!(
            fits(&doc, schema, &value),
            status != 400 && status != 422,
            "GET {target}: the schema's verdict"
        );
        if status == 400 || status == 422 {
            let name = if target.contains("pages") {
                "page"
            } else {
                "limit"
            };
            assert_eq!(
                fields_of(StyleKind::Flat, r.json()),
                vec![name.to_string()],
                "GET {target}"
            );
        }
    }
}
