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
/// required, properties, additionalProperties, items, minItems, $ref), collecting every error.
fn check_schema(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema["$ref"].as_str() {
        let target = doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("dangling $ref {r}"));
        return check_schema(doc, target, v, at, errors);
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
    if let Some(t) = schema["type"].as_str() {
        let ok = match t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            other => panic!("the schema uses type {other}, which this checker does not know"),
        };
        if !ok {
            errors.push(format!("{at}: {v} is not of type {t}"));
            return;
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
        if let Some(s) = schema.get("items") {
            for (i, x) in items.iter().enumerate() {
                check_schema(doc, s, x, &format!("{at}/{i}"), errors);
            }
        }
    }
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
        // The failures every route can meet (timeout, load shedding, panic) are documented.
        for role in [
            errcat::Role::Timeout,
            errcat::Role::Unavailable,
            errcat::Role::Internal,
        ] {
            let (code, status) = common::role(role);
            let listed = &responses
                .get(&status.to_string())
                .map_or(json!([]), |r| r["x-error-codes"].clone());
            assert!(
                listed.as_array().unwrap().contains(&json!(code)),
                "[{style}] {method} {path} lacks {code} under {status}"
            );
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
        let listed =
            &doc["paths"][path][method]["responses"][r.status.to_string()]["x-error-codes"];
        assert!(
            listed.as_array().is_some_and(|l| l.contains(&json!(code))),
            "{method} {path} answered {} `{code}`, which the document does not list there (it lists {listed})",
            r.status
        );
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
