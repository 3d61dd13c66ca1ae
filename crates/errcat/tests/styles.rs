//! Every envelope style against the seeds' own examples, snapshots of every style, and a
//! property test that any input renders valid JSON.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use errcat::{ApiError, Catalog, FieldError, Renderer, RequestInfo, Role, StyleKind};
use serde::Deserialize as _;
use serde_json::{Value, json};

fn catalog(rel: &str) -> Arc<Catalog> {
    let path = format!("{}/../../catalogs/{rel}", env!("CARGO_MANIFEST_DIR"));
    Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{path}: {r}")))
}

fn mintfax() -> Arc<Catalog> {
    static C: OnceLock<Arc<Catalog>> = OnceLock::new();
    C.get_or_init(|| catalog("mintfax.toml")).clone()
}

/// A fixed request: 2025-12-14T10:30:00Z, as in seed 002's example.
fn req(id: &str) -> RequestInfo<'_> {
    let mut r = RequestInfo::new(id);
    r.time = Some(UNIX_EPOCH + Duration::from_secs(1_765_708_200));
    r
}

fn render(
    c: &Arc<Catalog>,
    style: StyleKind,
    err: &ApiError,
    r: &RequestInfo<'_>,
) -> (errcat::Head, Value) {
    let renderer = Renderer::new(c.clone(), style);
    let (head, body) = renderer
        .render_to_vec(err, r)
        .unwrap_or_else(|e| panic!("{style}: {e}"));
    let v: Value = serde_json::from_slice(&body).unwrap_or_else(|e| {
        panic!(
            "{style} is not JSON: {e}\n{}",
            String::from_utf8_lossy(&body)
        )
    });
    (head, v)
}

/// Asserts every member of `example` exists in `actual` with the same JSON type, recursively
/// (arrays: each element of the example against the element at the same index).
fn assert_has_shape(actual: &Value, example: &Value, path: &str) {
    match (actual, example) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("missing member {path}/{k} in {actual}"));
                assert_has_shape(av, ev, &format!("{path}/{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert!(
                a.len() >= e.len(),
                "{path}: {} elements, example has {}",
                a.len(),
                e.len()
            );
            for (i, ev) in e.iter().enumerate() {
                assert_has_shape(&a[i], ev, &format!("{path}/{i}"));
            }
        }
        (a, e) => assert_eq!(
            type_name(a),
            type_name(e),
            "type of {path}: {a} vs example {e}"
        ),
    }
}

/// Asserts `actual` has no member outside `allowed` at the top level of an object.
fn assert_only_members(actual: &Value, allowed: &[&str]) {
    for k in actual.as_object().unwrap().keys() {
        assert!(
            allowed.contains(&k.as_str()),
            "unexpected member `{k}` in {actual}"
        );
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[test]
fn seed_000_flat_matches_its_examples() {
    let c = mintfax();
    // The envelope example.
    let example = json!({
      "error": "insufficient_balance",
      "message": "Insufficient balance for this operation.",
      "action": "top_up_balance",
      "docs": "https://mintfax.com/docs/errors/insufficient-balance",
      "request_id": "req_01J9XYZQ8KH7B3R0WXAZP8VW6F"
    });
    let err = ApiError::checked(&c, "insufficient_balance").unwrap();
    let (head, v) = render(
        &c,
        StyleKind::Flat,
        &err,
        &req("req_01J9XYZQ8KH7B3R0WXAZP8VW6F"),
    );
    assert_eq!(v, example, "the seed's example, member for member");
    assert_eq!(head.status, 402);
    assert_eq!(head.content_type, "application/json");

    // The validation example: context.errors as {field: [messages]}.
    let example = json!({
      "error": "validation_failed",
      "message": "The to field is required.",
      "action": "fix_request",
      "docs": "https://mintfax.com/docs/errors/validation-failed",
      "context": { "errors": { "to": ["The to field is required."], "file": ["The file must be a PDF, TIFF, or JPEG."] } }
    });
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/to", "The to field is required."))
        .field(FieldError::pointer(
            "/file",
            "The file must be a PDF, TIFF, or JPEG.",
        ));
    let (head, v) = render(&c, StyleKind::Flat, &err, &req("req_1"));
    assert_eq!(head.status, 422);
    assert_has_shape(&v, &example, "");
    assert_only_members(
        &v,
        &[
            "error",
            "message",
            "action",
            "docs",
            "request_id",
            "context",
        ],
    );
    assert_eq!(v["context"]["errors"], example["context"]["errors"]);
    assert_eq!(v["request_id"], "req_1");
}

#[test]
fn seed_000_flat_groups_repeated_fields_and_keeps_context() {
    let c = mintfax();
    let err = ApiError::checked(&c, "insufficient_balance")
        .unwrap()
        .with("balance", 3)
        .with("cost", 5.5);
    let (_, v) = render(&c, StyleKind::Flat, &err, &req("r"));
    assert_eq!(v["context"], json!({"balance": 3, "cost": 5.5}));

    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/to", "a"))
        .field(FieldError::pointer("/file", "b"))
        .field(FieldError::pointer("/to", "c"));
    let (_, v) = render(&c, StyleKind::Flat, &err, &req("r"));
    assert_eq!(
        v["context"]["errors"],
        json!({"to": ["a", "c"], "file": ["b"]})
    );
}

#[test]
fn seed_002_nested_matches_its_examples() {
    let c = catalog("seed002.toml");
    let example = json!({
      "success": false,
      "error": { "code": "VALIDATION_ERROR", "message": "The 'priority' field must be one of: low, normal, high, critical", "field": "priority" },
      "meta": { "requestId": "req_abc123", "timestamp": "2025-12-14T10:30:00Z" }
    });
    let err = ApiError::role(Role::ValidationFailed).field(FieldError::pointer(
        "/priority",
        "The 'priority' field must be one of: low, normal, high, critical",
    ));
    let (head, v) = render(&c, StyleKind::Nested, &err, &req("req_abc123"));
    assert_eq!(v, example, "the seed's example, member for member");
    assert_eq!(head.status, 400);

    // 429 carries retryAfter, and the message names the delay.
    let err = ApiError::role(Role::RateLimited).retry_after(42);
    let (head, v) = render(&c, StyleKind::Nested, &err, &req("req_abc123"));
    assert_eq!(head.status, 429);
    assert_eq!(head.retry_after, Some(42));
    assert_has_shape(
        &v["error"],
        &json!({"code": "RATE_LIMITED", "message": "Rate limit exceeded. Try again in 42 seconds.", "retryAfter": 42}),
        "",
    );
    assert_eq!(
        v["error"]["message"],
        "Rate limit exceeded. Try again in 42 seconds."
    );
    assert_eq!(v["error"]["retryAfter"], 42);
}

#[test]
fn seed_003_jsonapi_matches_its_example() {
    let c = catalog("mxcep");
    let example = json!({
      "errors": [{
          "status": "422",
          "code": "phone_not_verified",
          "detail": "Phone is not verified.",
          "source": { "pointer": "/data/attributes/phone" },
          "meta": { "masked_phone": "+52 55 ••••1234" }
      }],
      "meta": {
        "version": "1.47.0",
        "api_version": "v1",
        "request_id": "a1b2c3d4e5f6",
        "datetime": { "timezone": "UTC", "format": "ISO 8601" }
      }
    });
    let err = ApiError::checked(&c, "phone_not_verified")
        .unwrap()
        .with_status(422)
        .with("masked_phone", "+52 55 ••••1234")
        .field(
            FieldError::pointer("/data/attributes/phone", "Phone is not verified.")
                .with_code("phone_not_verified"),
        );
    let (head, v) = render(&c, StyleKind::JsonApi, &err, &req("a1b2c3d4e5f6"));
    assert_eq!(v, example, "the seed's example, member for member");
    assert_eq!(head.status, 422);
    assert_eq!(head.content_type, "application/vnd.api+json");
}

#[test]
fn seed_003_jsonapi_has_one_error_per_field_and_localizes() {
    let c = catalog("mxcep");
    let renderer = Renderer::new(c.clone(), StyleKind::JsonApi);
    let es = renderer
        .negotiator()
        .negotiate(Some("es-MX,es;q=0.9,en;q=0.5"));
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/data/attributes/email", "invalid").with_code("invalid_email"))
        .field(FieldError::pointer("/data/attributes/phone", "invalid").with_code("invalid_phone"))
        .field(FieldError::parameter("page", "not a number"));
    let (head, v) = render(&c, StyleKind::JsonApi, &err, &req("abc").locale(es));
    assert_eq!(head.content_language, "es");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0]["code"], "invalid_email");
    assert_eq!(errors[0]["status"], "422");
    assert_eq!(errors[1]["source"]["pointer"], "/data/attributes/phone");
    assert_eq!(errors[2]["source"]["parameter"], "page");
    assert_eq!(errors[2]["code"], "validation_error");

    // Without field errors, the detail is the negotiated locale's message.
    let err = ApiError::checked(&c, "otp_expired").unwrap();
    let (_, v) = render(&c, StyleKind::JsonApi, &err, &req("abc").locale(es));
    let es_text = c.get("otp_expired").unwrap().messages[1]
        .as_ref()
        .unwrap()
        .source()
        .to_string();
    assert_eq!(v["errors"][0]["detail"], es_text.as_str());
    assert_ne!(es_text, "OTP expired before use.");
    let (head, v) = render(&c, StyleKind::JsonApi, &err, &req("abc"));
    assert_eq!(v["errors"][0]["detail"], "OTP expired before use.");
    assert_eq!(head.content_language, "en");
}

#[test]
fn seed_004_simple_matches_its_description() {
    let c = catalog("migosmtp.toml");
    // "success: false, an error string code, a human-readable message, the HTTP code, and
    // optionally a field for validation errors."
    let example = json!({"success": false, "error": "invalid_phone_number", "message": "m", "code": 422, "field": "to"});
    let err = ApiError::checked(&c, "invalid_phone_number")
        .unwrap()
        .field(FieldError::pointer(
            "/to",
            "Phone number not in E.164 international format",
        ));
    let (head, v) = render(&c, StyleKind::Simple, &err, &req("req_8f3a2b1c9d4e7f0a"));
    assert_has_shape(&v, &example, "");
    assert_eq!(v["success"], false);
    assert_eq!(v["error"], "invalid_phone_number");
    assert_eq!(v["code"], 422);
    assert_eq!(v["field"], "to");
    assert_eq!(v["request_id"], "req_8f3a2b1c9d4e7f0a");
    assert_eq!(head.status, 422);

    let err = ApiError::checked(&c, "gateway_timeout").unwrap();
    let (head, v) = render(&c, StyleKind::Simple, &err, &req("r"));
    assert_eq!(head.status, 504);
    assert!(v.get("field").is_none());
    assert_only_members(&v, &["success", "error", "message", "code", "request_id"]);
}

#[test]
fn problem_json_follows_rfc_9457() {
    let c = mintfax();
    // RFC 9457 section 3's example, with errcat's code and request_id extensions.
    let example = json!({
      "type": "https://example.net/validation-error",
      "title": "Your request is not valid.",
      "status": 422,
      "detail": "d",
      "instance": "/faxes",
      "errors": [
        { "detail": "must be a positive integer", "pointer": "#/age" },
        { "detail": "must be 'green', 'red' or 'blue'", "pointer": "#/profile/color" }
      ],
      "code": "validation_failed",
      "request_id": "req_1"
    });
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/age", "must be a positive integer"))
        .field(FieldError::pointer(
            "/profile/color",
            "must be 'green', 'red' or 'blue'",
        ));
    let (head, v) = render(
        &c,
        StyleKind::Problem,
        &err,
        &req("req_1").instance("/faxes"),
    );
    assert_has_shape(&v, &example, "");
    assert_eq!(head.content_type, "application/problem+json");
    assert_eq!(
        v["type"],
        "https://mintfax.com/docs/errors/validation-failed"
    );
    assert_eq!(v["status"], 422);
    assert_eq!(v["instance"], "/faxes");
    assert_eq!(v["errors"][1]["pointer"], "#/profile/color");

    // Context values become extension members; no docs URL means about:blank.
    let c2 = catalog("seed001.toml");
    let err = ApiError::role(Role::NotFound);
    let (_, v) = render(&c2, StyleKind::Problem, &err, &req("r"));
    assert_eq!(v["type"], "about:blank");
    assert_eq!(v["code"], "resource_not_found");
}

#[test]
fn google_aip_193_details() {
    let c = mintfax();
    let err = ApiError::role(Role::RateLimited).retry_after(30);
    let (head, v) = render(&c, StyleKind::Google, &err, &req("req_9"));
    assert_eq!(head.status, 429);
    let e = &v["error"];
    assert_eq!(e["code"], 429);
    assert_eq!(e["status"], "RESOURCE_EXHAUSTED");
    let details = e["details"].as_array().unwrap();
    let by_type = |t: &str| {
        details
            .iter()
            .find(|d| d["@type"] == format!("type.googleapis.com/google.rpc.{t}"))
            .unwrap_or_else(|| panic!("no {t} in {v}"))
    };
    assert_eq!(by_type("ErrorInfo")["reason"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(by_type("ErrorInfo")["domain"], "mintfax");
    assert_eq!(by_type("RetryInfo")["retryDelay"], "30s");
    assert_eq!(
        by_type("Help")["links"][0]["url"],
        "https://mintfax.com/docs/errors/rate-limit-exceeded"
    );
    assert_eq!(by_type("RequestInfo")["requestId"], "req_9");
    assert_eq!(by_type("LocalizedMessage")["locale"], "en");

    let err = ApiError::checked(&c, "insufficient_balance")
        .unwrap()
        .with("balance", 1.5)
        .with("cost", 2);
    let (_, v) = render(&c, StyleKind::Google, &err, &req("r"));
    // Metadata values are strings (google.rpc.ErrorInfo.metadata is map<string, string>).
    assert_eq!(
        v["error"]["details"][0]["metadata"],
        json!({"balance": "1.5", "cost": "2"})
    );
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/book/title", "required").with_code("required"));
    let (_, v) = render(&c, StyleKind::Google, &err, &req("r"));
    let bad = &v["error"]["details"][1];
    assert_eq!(bad["@type"], "type.googleapis.com/google.rpc.BadRequest");
    assert_eq!(
        bad["fieldViolations"][0],
        json!({"field": "book.title", "description": "required", "reason": "REQUIRED"})
    );
}

#[test]
fn custom_template_of_seed_001() {
    let c = catalog("seed001.toml");
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/email", "must be an email"));
    let (head, v) = render(&c, StyleKind::Custom, &err, &req("req_x"));
    assert_eq!(head.status, 422);
    assert_only_members(&v, &["code", "message", "request_id", "details"]);
    assert_eq!(v["code"], "validation_error");
    assert_eq!(v["request_id"], "req_x");
    assert_eq!(v["details"][0]["field"], "email");
    assert_eq!(v["details"][0]["pointer"], "/email");
    assert_eq!(v["details"][0]["message"], "must be an email");
}

#[test]
fn custom_template_interpolates_text_and_typed_values() {
    let c = Arc::new(
        Catalog::from_toml_str(
            "t.toml",
            r#"
[catalog]
name = "t"
style = "custom"
action_required = false
docs_url = "https://x.test/e/{anchor}"
[catalog.custom]
content_type = "application/vnd.t+json"
template = '{"e": {"id": "{{code}}", "http": "{{status}}", "see": "docs: {{docs}} ({{status}})", "ctx": "{{context}}", "wait": "{{retry_after}}", "none": "x{{action}}y"}}'
[codes.gone_away]
status = 410
category = "c"
message.en = "Gone \"away\"."
context.n = "integer"
"#,
        )
        .unwrap(),
    );
    let err = ApiError::checked(&c, "gone_away").unwrap().with("n", 7);
    let (head, v) = render(&c, StyleKind::Custom, &err, &req("r"));
    assert_eq!(head.content_type, "application/vnd.t+json");
    assert_eq!(
        v,
        json!({"e": {"id": "gone_away", "http": 410, "see": "docs: https://x.test/e/gone-away (410)", "ctx": {"n": 7}, "wait": null, "none": "xy"}})
    );
}

#[test]
fn headers_carry_request_id_language_and_retry_after() {
    let c = mintfax();
    let renderer = Renderer::new(c.clone(), StyleKind::Flat);
    let err = ApiError::role(Role::RateLimited).retry_after(7);
    let (head, _) = renderer.render_to_vec(&err, &req("req_abc")).unwrap();
    let h = head.headers("req_abc");
    assert_eq!(h["x-request-id"], "req_abc");
    assert_eq!(h["retry-after"], "7");
    assert_eq!(h["content-language"], "en");
    assert_eq!(h["content-type"], "application/json");
    let (head, _) = renderer
        .render_to_vec(&ApiError::role(Role::NotFound), &req("r"))
        .unwrap();
    assert!(!head.headers("r").contains_key("retry-after"));
}

#[test]
fn render_errors_are_clear_and_write_nothing() {
    let c = mintfax();
    let renderer = Renderer::new(c.clone(), StyleKind::Flat);
    let mut out = Vec::new();
    let r = req("r");

    let missing = errcat::Code::checked(&c, "no_such_code").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "`no_such_code` is not a code of the catalog `mintfax`"
    );

    let err = ApiError::checked(&c, "insufficient_balance")
        .unwrap()
        .with("nope", 1);
    let e = renderer.render(&err, &r, &mut out).unwrap_err();
    assert!(
        matches!(e, errcat::RenderError::UndeclaredContext { ref key, .. } if key == "nope"),
        "{e}"
    );

    let err = ApiError::checked(&c, "insufficient_balance")
        .unwrap()
        .with("balance", "lots");
    let e = renderer.render(&err, &r, &mut out).unwrap_err();
    assert!(
        e.to_string()
            .contains("declared number but the error gives a string"),
        "{e}"
    );

    let err = ApiError::checked(&c, "insufficient_balance")
        .unwrap()
        .with_status(500);
    let e = renderer.render(&err, &r, &mut out).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`insufficient_balance` cannot be sent with status 500; the catalog lists [402]"
    );

    // A message placeholder without a value.
    let c2 = catalog("seed002.toml");
    let r2 = Renderer::new(c2.clone(), StyleKind::Nested);
    let e = r2
        .render(&ApiError::role(Role::RateLimited), &r, &mut out)
        .unwrap_err();
    assert!(
        matches!(e, errcat::RenderError::MissingContext { ref key, .. } if key == "retry_after"),
        "{e}"
    );

    // A code without a status (seed 003's async terminal codes).
    let c3 = catalog("mxcep");
    let r3 = Renderer::new(c3.clone(), StyleKind::JsonApi);
    let e = r3
        .render(&ApiError::checked(&c3, "network").unwrap(), &r, &mut out)
        .unwrap_err();
    assert_eq!(e, errcat::RenderError::NoStatus("network".into()));

    // A code of another catalog.
    let other = ApiError::checked(&c3, "otp_expired").unwrap();
    let e = renderer.render(&other, &r, &mut out).unwrap_err();
    assert_eq!(e, errcat::RenderError::UnknownCode("otp_expired".into()));
    assert!(out.is_empty(), "nothing is written on error");
}

#[test]
fn multi_status_codes_pick_a_listed_status() {
    let c = catalog("mxcep");
    let renderer = Renderer::new(c.clone(), StyleKind::JsonApi);
    let base = || ApiError::checked(&c, "dispatch_failed").unwrap();
    let (head, v) = render(&c, StyleKind::JsonApi, &base(), &req("r"));
    assert_eq!(head.status, 500);
    assert_eq!(v["errors"][0]["status"], "500");
    let (head, v) = render(&c, StyleKind::JsonApi, &base().with_status(503), &req("r"));
    assert_eq!(head.status, 503);
    assert_eq!(v["errors"][0]["status"], "503");
    assert!(
        renderer
            .render_to_vec(&base().with_status(502), &req("r"))
            .is_err()
    );
}

/// `n` field errors on distinct body members `/items/0/name`, `/items/1/name`, ...
fn many_fields(n: usize) -> ApiError {
    ApiError::role(Role::ValidationFailed).fields_from((0..n).map(|i| {
        FieldError::at(
            errcat::FieldSource::Pointer(errcat::JsonPointer::from_tokens([
                "items".to_string(),
                i.to_string(),
                "name".to_string(),
            ])),
            format!("item {i} is wrong"),
        )
    }))
}

/// A catalog whose custom template shows the context and the field errors as values.
fn capped_custom() -> Arc<Catalog> {
    Arc::new(
        Catalog::from_toml_str(
            "capped.toml",
            r#"
[catalog]
name = "capped"
action_required = false
[catalog.custom]
template = '{"code": "{{code}}", "context": "{{context}}", "fields": "{{fields}}"}'
"#,
        )
        .unwrap(),
    )
}

/// The field errors a body shows, and its `omitted_field_errors` member, where each style
/// puts them.
fn shown_and_omitted(style: StyleKind, v: &Value) -> (usize, Value) {
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    match style {
        StyleKind::Flat => (
            v["context"]["errors"].as_object().map_or(0, |o| o.len()),
            v["context"]["omitted_field_errors"].clone(),
        ),
        StyleKind::Nested => (
            len(&v["error"]["fields"]),
            v["error"]["omitted_field_errors"].clone(),
        ),
        StyleKind::Simple => (
            len(&v["fields"]),
            v["context"]["omitted_field_errors"].clone(),
        ),
        StyleKind::Problem => (len(&v["errors"]), v["omitted_field_errors"].clone()),
        // Field errors are the error objects with a `source`; without any, the code's own.
        StyleKind::JsonApi => (
            v["errors"].as_array().map_or(0, |e| {
                e.iter().filter(|e| e.get("source").is_some()).count()
            }),
            v["meta"]["omitted_field_errors"].clone(),
        ),
        StyleKind::Google => {
            let details = v["error"]["details"].as_array().unwrap();
            let of = |t: &str| {
                details
                    .iter()
                    .find(|d| d["@type"] == format!("type.googleapis.com/google.rpc.{t}"))
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            (
                len(&of("BadRequest")["fieldViolations"]),
                of("ErrorInfo")["metadata"]["omitted_field_errors"].clone(),
            )
        }
        StyleKind::Custom => (
            len(&v["fields"]),
            v["context"]["omitted_field_errors"].clone(),
        ),
    }
}

#[test]
fn field_errors_are_capped_at_100_in_every_style_and_the_rest_counted() {
    for style in StyleKind::ALL {
        let c = if style == StyleKind::Custom {
            capped_custom()
        } else {
            mintfax()
        };
        let (head, v) = render(&c, style, &many_fields(150), &req("r"));
        assert_eq!(head.status, 422, "{style}");
        let want = if style == StyleKind::Google {
            json!("50")
        } else {
            json!(50)
        };
        assert_eq!(shown_and_omitted(style, &v), (100, want), "{style}: {v}");

        // At the bound exactly, nothing is left out and no member says so.
        let (_, v) = render(&c, style, &many_fields(100), &req("r"));
        assert_eq!(
            shown_and_omitted(style, &v),
            (100, Value::Null),
            "{style}: {v}"
        );
        assert!(
            !v.to_string().contains("omitted_field_errors"),
            "{style}: {v}"
        );
    }
}

#[test]
fn the_bound_is_configurable_and_counts_what_the_error_never_kept() {
    for style in StyleKind::ALL {
        let c = if style == StyleKind::Custom {
            capped_custom()
        } else {
            mintfax()
        };
        let renderer = Renderer::new(c.clone(), style).with_max_field_errors(3);
        assert_eq!(renderer.max_field_errors(), 3);
        let err = many_fields(10)
            .with_omitted_fields(5)
            .with_omitted_fields(2);
        let (_, body) = renderer.render_to_vec(&err, &req("r")).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        let want = if style == StyleKind::Google {
            json!("14")
        } else {
            json!(14)
        };
        assert_eq!(shown_and_omitted(style, &v), (3, want), "{style}: {v}");

        // None kept at all: the count alone still says there were some.
        let err = ApiError::role(Role::ValidationFailed).with_omitted_fields(9);
        let (_, body) = renderer.render_to_vec(&err, &req("r")).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        let want = if style == StyleKind::Google {
            json!("9")
        } else {
            json!(9)
        };
        assert_eq!(shown_and_omitted(style, &v), (0, want), "{style}: {v}");
    }
}

#[test]
fn one_field_shown_of_several_is_not_taken_for_the_only_one() {
    let c = mintfax();
    let err = ApiError::role(Role::ValidationFailed)
        .field(FieldError::pointer("/to", "to is wrong"))
        .field(FieldError::pointer("/file", "file is wrong"));
    for style in [StyleKind::Nested, StyleKind::Simple] {
        let renderer = Renderer::new(c.clone(), style).with_max_field_errors(1);
        let (_, body) = renderer.render_to_vec(&err, &req("r")).unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        let e = if style == StyleKind::Nested {
            &v["error"]
        } else {
            &v
        };
        // The code's own message, not the first field's, since there were two.
        assert_ne!(e["message"], "to is wrong", "{style}: {v}");
        assert_eq!(e["field"], "to", "{style}: {v}");
        assert_eq!(
            e["fields"],
            json!([{"field": "to", "message": "to is wrong"}]),
            "{style}: {v}"
        );
    }
}

#[test]
fn flat_groups_sixty_thousand_fields_in_order_of_first_appearance() {
    let c = mintfax();
    // Round-robin over three members, plus a query parameter named like one of them (another
    // source, so another group, even though its name is the same).
    let names = ["c", "a", "b"];
    let err = ApiError::role(Role::ValidationFailed)
        .fields_from((0..60_000).map(|i| {
            FieldError::at(
                errcat::FieldSource::Pointer(errcat::JsonPointer::from_tokens([names[i % 3]])),
                i.to_string(),
            )
        }))
        .field(FieldError::parameter("a", "the parameter"));
    let renderer = Renderer::new(c, StyleKind::Flat).with_max_field_errors(usize::MAX);
    let (_, body) = renderer.render_to_vec(&err, &req("r")).unwrap();
    // Parsed as a stream of key/value pairs, so the repeated key `a` is not merged.
    let text = std::str::from_utf8(&body).unwrap();
    let errors_at = text.find(r#""errors":{"#).unwrap() + r#""errors":"#.len();
    let mut de = serde_json::Deserializer::from_str(&text[errors_at..]);
    let groups = Groups::deserialize(&mut de).unwrap().0;
    let keys: Vec<&str> = groups.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["c", "a", "b", "a"]);
    for (g, (_, messages)) in groups.iter().take(3).enumerate() {
        assert_eq!(messages.len(), 20_000);
        let want: Vec<String> = (0..20_000).map(|j| (j * 3 + g).to_string()).collect();
        assert_eq!(messages, &want, "group {g} keeps its fields' order");
    }
    assert_eq!(groups[3].1, ["the parameter"]);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["context"].get("omitted_field_errors").is_none());
}

/// A JSON object read as its key/value pairs in order, repeated keys kept.
struct Groups(Vec<(String, Vec<String>)>);

impl<'de> serde::Deserialize<'de> for Groups {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Groups, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Groups;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of string arrays")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Groups, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    out.push(entry);
                }
                Ok(Groups(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// One snapshot per seed catalog and style, of a validation error with context and fields.
#[test]
fn snapshots_of_every_style() {
    for rel in [
        "mintfax.toml",
        "seed001.toml",
        "seed002.toml",
        "mxcep",
        "migosmtp.toml",
    ] {
        let c = catalog(rel);
        for style in StyleKind::ALL {
            if style == StyleKind::Custom && c.meta.custom.is_none() {
                continue;
            }
            let err = ApiError::role(Role::ValidationFailed)
                .field(
                    FieldError::pointer("/to", "The to field is required.").with_code("required"),
                )
                .field(FieldError::parameter("page", "must be a number"));
            let (head, v) = render(
                &c,
                style,
                &err,
                &req("req_01J9XYZQ8KH7B3R0WXAZP8VW6F").instance("/faxes"),
            );
            let name = format!("{}_{}", rel.trim_end_matches(".toml"), style.name());
            insta::assert_json_snapshot!(
                name,
                json!({"status": head.status.as_u16(), "content_type": head.content_type.to_str().unwrap(), "body": v})
            );
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Any strings in context, messages, field names and request ids render valid JSON that
        /// round-trips them, in every style.
        #[test]
        fn any_input_renders_valid_json(
            ctx in ".*",
            msg in ".*",
            field in "[^\\x00]{0,12}",
            rid in "[ -~]{0,40}",
            balance in proptest::num::f64::ANY,
        ) {
            let c = mintfax();
            let err = ApiError::checked(&c, "insufficient_balance").unwrap()
                .with("balance", balance)
                .with("cost", 1)
                .field(FieldError::at(errcat::FieldSource::Pointer(errcat::JsonPointer::from_tokens([field.as_str()])), msg.clone()))
                .field(FieldError::header("X-Ctx", ctx.clone()));
            for style in StyleKind::ALL {
                let renderer = Renderer::new(c.clone(), style);
                let (_, body) = renderer.render_to_vec(&err, &RequestInfo::new(&rid)).unwrap();
                let v: Value = serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(format!("{style}: {e}")))?;
                let text = v.to_string();
                prop_assert!(text.contains(&json!(rid).to_string()), "{style} lost the request id: {text}");
                prop_assert!(text.contains(&json!(msg).to_string()), "{style} lost the field message: {text}");
            }
        }
    }
}
