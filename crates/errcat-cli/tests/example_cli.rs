//! One example per code: the body `errcat openapi` puts in a response's examples is the body
//! `errcat docs --format markdown` shows under "Example response" (both come from
//! `errcat::example`).

use errcat_testkit::cli::Cli;
use serde_json::Value;
use std::collections::BTreeMap;

const CATALOG: &str = "catalogs/mintfax.toml";

/// Codes with context, a field error, a parameter error, `Retry-After`, and none of these.
const CODES: [&str; 5] = [
    "insufficient_balance",
    "validation_failed",
    "invalid_parameter",
    "rate_limit_exceeded",
    "not_found",
];

fn ok(args: &[&str]) -> String {
    Cli::new(env!("CARGO_BIN_EXE_errcat"))
        .env("NO_COLOR", "1")
        .ok(args)
}

/// The example bodies of the Markdown page, by code (mintfax is flat: the code is `error`).
fn markdown_examples(md: &str) -> BTreeMap<String, Value> {
    const START: &str = "**Example response:**\n\n```json\n";
    let mut out = BTreeMap::new();
    let mut rest = md;
    while let Some(at) = rest.find(START) {
        let body = &rest[at + START.len()..];
        let end = body.find("\n```").expect("the code block ends");
        let v: Value = serde_json::from_str(&body[..end])
            .unwrap_or_else(|e| panic!("an example is not JSON: {e}\n{}", &body[..end]));
        let code = v["error"]
            .as_str()
            .expect("a flat body names its code")
            .to_string();
        out.insert(code, v);
        rest = &body[end..];
    }
    out
}

/// The example body of `code` in the OpenAPI document, under its first status.
fn openapi_example<'a>(doc: &'a Value, code: &str) -> &'a Value {
    let responses = doc["components"]["responses"]
        .as_object()
        .expect("components.responses");
    responses
        .values()
        .find_map(|r| {
            let v = &r["content"]["application/json"]["examples"][code]["value"];
            (!v.is_null()).then_some(v)
        })
        .unwrap_or_else(|| panic!("no OpenAPI example for {code}"))
}

#[test]
fn openapi_and_docs_show_the_same_example() {
    let doc: Value = serde_json::from_str(&ok(&["openapi", CATALOG])).expect("OpenAPI is JSON");
    let md = markdown_examples(&ok(&[
        "docs", CATALOG, "--out", "-", "--format", "markdown",
    ]));
    for code in CODES {
        let page = md
            .get(code)
            .unwrap_or_else(|| panic!("no Markdown example for {code}"));
        assert_eq!(openapi_example(&doc, code), page, "{code}");
    }
    // The examples carry what the shared builder puts in them.
    assert_eq!(
        md["insufficient_balance"]["context"],
        serde_json::json!({"balance": 1.5, "cost": 3})
    );
    assert_eq!(
        md["validation_failed"]["context"]["errors"],
        serde_json::json!({"name": ["The name field is required."]})
    );
}
