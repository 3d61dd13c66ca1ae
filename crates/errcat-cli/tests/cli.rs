//! The `errcat` binary, run as a process from the workspace root.

use std::path::{Path, PathBuf};
use std::process::Output;

use errcat_catalog::Catalog;
use serde_json::Value;

use errcat_testkit::cli::{Cli, WORKSPACE_ROOT as ROOT, stderr, stdout};

/// The binary in the workspace root, colour left to the flags.
fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env_remove("NO_COLOR")
}

fn errcat(args: &[&str]) -> Output {
    cli().output(args)
}

/// Runs errcat and asserts it exits 0.
fn ok(args: &[&str]) -> String {
    cli().ok(args)
}

/// Runs errcat and asserts it exits with `code`, without a panic, saying why on stderr; returns
/// stderr.
fn fails(args: &[&str], code: i32) -> String {
    let err = cli().fails(args, code);
    assert!(
        !err.trim().is_empty(),
        "errcat {args:?} says nothing on stderr"
    );
    err
}

/// A rendered response: status line, headers (in order), body.
struct Response {
    status_line: String,
    headers: Vec<(String, String)>,
    raw_body: String,
    body: Value,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn render(args: &[&str]) -> Response {
    let mut full = vec!["render"];
    full.extend_from_slice(args);
    let out = ok(&full);
    let (head, body) = out
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("no blank line between head and body:\n{out}"));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap().to_string();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l
                .split_once(": ")
                .unwrap_or_else(|| panic!("not a header line: {l:?}"));
            (n.to_string(), v.to_string())
        })
        .collect();
    assert!(body.ends_with('\n'), "{body:?}");
    let raw_body = body.strip_suffix('\n').unwrap().to_string();
    let body: Value = serde_json::from_str(&raw_body)
        .unwrap_or_else(|e| panic!("body is not JSON ({e}):\n{raw_body}"));
    Response {
        status_line,
        headers,
        raw_body,
        body,
    }
}

/// A fresh, empty directory under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    errcat_testkit::cli::temp_dir("errcat-cli-test", name)
}

fn catalog(path: &str) -> Catalog {
    Catalog::from_path(Path::new(ROOT).join(path)).unwrap()
}

const MINTFAX: &str = "catalogs/mintfax.toml";

// ---- check ------------------------------------------------------------------------------------

#[test]
fn check_seed_catalogs_succeeds_with_a_summary() {
    for (path, codes) in [
        ("catalogs/mintfax.toml", 15),
        ("catalogs/seed001.toml", 16),
        ("catalogs/seed002.toml", 7),
        ("catalogs/migosmtp.toml", 32),
        ("catalogs/mxcep", 375),
    ] {
        let out = ok(&["check", path]);
        let summary = out.lines().last().unwrap();
        assert!(
            summary.starts_with(&format!("{path}: {codes} codes in ")),
            "{summary}"
        );
        assert!(summary.ends_with("; 0 warnings"), "{summary}");
        assert!(!out.contains("error["), "{out}");
        assert!(!out.contains("warning["), "{out}");
        // Notes only with --notes.
        assert!(!out.contains("note["), "{out}");
    }
}

#[test]
fn check_notes_lists_built_in_role_codes() {
    // mintfax maps 5 of the 14 roles; the rest are filled by errcat.
    let out = ok(&["check", "--notes", MINTFAX]);
    assert!(out.contains("note[role-default]"), "{out}");
    assert!(
        out.contains("role `method_not_allowed` is not in `[roles]`"),
        "{out}"
    );
    assert!(
        !out.contains("role `not_found` is not in `[roles]`"),
        "{out}"
    );
}

/// Line 7 has an error (`status = 301`); the code before it only a warning (no `es` message).
const BROKEN: &str = r#"[catalog]
name = "broken"
locales = ["en", "es"]
action_required = false

[codes.gone]
status = 410
category = "X"
message.en = "Gone."

[codes.moved]
status = 301
category = "X"
message.en = "Moved."
message.es = "Movido."
"#;

fn broken_catalog(name: &str) -> PathBuf {
    let path = temp_dir(name).join("broken.toml");
    std::fs::write(&path, BROKEN).unwrap();
    path
}

#[test]
fn check_broken_catalog_fails_and_points_at_the_source() {
    let path = broken_catalog("check-broken");
    let p = path.to_str().unwrap();
    let o = errcat(&["check", p]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("error[invalid-status]: `301` is not an error status"),
        "{out}"
    );
    assert!(out.contains(&format!("--> {p}:12:10")), "{out}");
    assert!(out.contains("12 | status = 301"), "{out}");
    assert!(out.contains("^^^ expected a 4xx or 5xx status"), "{out}");
    assert!(
        out.contains("warning[missing-message]: `gone` has no `es` message"),
        "{out}"
    );
    assert!(out.contains(&format!("--> {p}:6:8")), "{out}");
    // The warning's code comes first in the file; errors are still listed first.
    let e = out.find("error[").unwrap();
    let w = out.find("warning[").unwrap();
    assert!(e < w, "errors come before warnings:\n{out}");
    assert!(
        out.trim_end()
            .ends_with(&format!("{p}: 1 error, 1 warning")),
        "{out}"
    );
    // stdout is a pipe: no colour.
    assert!(!out.contains('\x1b'), "{out:?}");
}

#[test]
fn check_color_always_adds_ansi_escapes() {
    let path = broken_catalog("check-color");
    let p = path.to_str().unwrap();
    let o = errcat(&["check", "--color", "always", p]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("\x1b["), "{out:?}");
    let o = errcat(&["--color", "never", "check", p]);
    assert!(!stdout(&o).contains('\x1b'));
}

#[test]
fn check_missing_path_fails() {
    let o = errcat(&["check", "catalogs/no-such-catalog.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("error[io]: cannot read `catalogs/no-such-catalog.toml`"),
        "{out}"
    );
    assert!(!stderr(&o).contains("panicked"));
}

// ---- explain ----------------------------------------------------------------------------------

#[test]
fn explain_prints_the_whole_entry() {
    let out = ok(&["explain", "insufficient_balance", "--catalog", MINTFAX]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "insufficient_balance — Insufficient balance");
    let field = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.trim_start().strip_prefix(name).map(str::trim))
            .unwrap_or_else(|| panic!("no `{name}` line:\n{out}"))
    };
    assert_eq!(field("status "), "402");
    assert_eq!(field("action "), "top_up_balance");
    assert_eq!(
        field("docs "),
        "https://mintfax.com/docs/errors/insufficient-balance"
    );
    let when = catalog(MINTFAX)
        .get("insufficient_balance")
        .unwrap()
        .docs
        .when
        .clone()
        .unwrap();
    assert!(out.contains(&format!("When it fires\n  {when}\n")), "{out}");
    assert!(when.contains("available balance"), "{when}");
    assert!(out.contains("  en     Insufficient balance for this operation."));
    assert!(!out.contains('\x1b'));
}

#[test]
fn explain_typo_suggests_the_code() {
    let err = fails(&["explain", "insufficent_balance", "--catalog", MINTFAX], 1);
    assert!(err.contains("did you mean `insufficient_balance`"), "{err}");
}

#[test]
fn explain_code_without_status() {
    let out = ok(&["explain", "network", "--catalog", "catalogs/mxcep"]);
    assert!(
        out.contains("status     none (never an HTTP response; appears in "),
        "{out}"
    );
    assert!(out.contains("  es     "), "{out}");
}

// ---- render -----------------------------------------------------------------------------------

#[test]
fn render_flat_with_context() {
    let r = render(&[
        "insufficient_balance",
        "--catalog",
        MINTFAX,
        "--context",
        "balance=3",
        "--context",
        "cost=5.5",
        "--request-id",
        "req_test123",
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 402 Payment Required");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-request-id"), Some("req_test123"));
    assert_eq!(r.header("content-language"), Some("en"));
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(
        r.header("content-length"),
        Some(r.raw_body.len().to_string().as_str())
    );
    let b = &r.body;
    assert_eq!(b["error"], "insufficient_balance");
    assert_eq!(b["message"], "Insufficient balance for this operation.");
    assert_eq!(b["action"], "top_up_balance");
    assert_eq!(
        b["docs"],
        "https://mintfax.com/docs/errors/insufficient-balance"
    );
    assert_eq!(b["request_id"], "req_test123");
    assert_eq!(b["context"]["balance"], 3);
    assert!(b["context"]["balance"].is_i64());
    assert_eq!(b["context"]["cost"], 5.5);
}

#[test]
fn render_generates_a_request_id_in_the_catalogs_format() {
    let r = render(&["insufficient_balance", "--catalog", MINTFAX]);
    let id = r.header("x-request-id").unwrap();
    // mintfax: prefix `req_`, ULID (26 Crockford base-32 characters).
    assert!(id.starts_with("req_"), "{id}");
    assert_eq!(id.len(), 4 + 26, "{id}");
    assert_eq!(r.body["request_id"], id);
}

fn render_validation(style: &str) -> Response {
    render(&[
        "validation_failed",
        "--catalog",
        MINTFAX,
        "--style",
        style,
        "--field",
        "/to=The to field is required.",
        "--field",
        "file=The file must be a PDF, TIFF, or JPEG.",
        "--request-id",
        "req_v",
    ])
}

#[test]
fn render_style_flat() {
    let r = render_validation("flat");
    assert_eq!(r.status_line, "HTTP/1.1 422 Unprocessable Entity");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let errors = &r.body["context"]["errors"];
    assert_eq!(errors["to"][0], "The to field is required.");
    assert_eq!(errors["file"][0], "The file must be a PDF, TIFF, or JPEG.");
    assert_eq!(r.body["error"], "validation_failed");
}

#[test]
fn render_style_nested() {
    let r = render_validation("nested");
    assert_eq!(r.body["success"], false);
    assert_eq!(r.body["error"]["code"], "validation_failed");
    assert_eq!(r.body["error"]["field"], "to");
    assert_eq!(r.body["meta"]["requestId"], "req_v");
}

#[test]
fn render_style_jsonapi() {
    let r = render_validation("jsonapi");
    assert_eq!(r.header("content-type"), Some("application/vnd.api+json"));
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{}", r.raw_body);
    assert_eq!(errors[0]["status"], "422");
    assert_eq!(errors[0]["code"], "validation_failed");
    assert_eq!(errors[0]["source"]["pointer"], "/to");
    assert_eq!(errors[0]["detail"], "The to field is required.");
    assert_eq!(errors[1]["source"]["pointer"], "/file");
    assert_eq!(r.body["meta"]["request_id"], "req_v");
}

#[test]
fn render_style_simple() {
    let r = render_validation("simple");
    assert_eq!(r.body["success"], false);
    assert_eq!(r.body["error"], "validation_failed");
    assert_eq!(r.body["code"], 422);
    assert_eq!(r.body["field"], "to");
}

#[test]
fn render_style_problem() {
    let r = render_validation("problem");
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.body["status"], 422);
    assert_eq!(r.body["code"], "validation_failed");
    assert_eq!(
        r.body["type"],
        "https://mintfax.com/docs/errors/validation-failed"
    );
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["pointer"], "#/to");
    assert_eq!(errors[0]["detail"], "The to field is required.");
    assert_eq!(errors[1]["pointer"], "#/file");
}

#[test]
fn render_style_google() {
    let r = render_validation("google");
    assert_eq!(r.body["error"]["code"], 422);
    let details = r.body["error"]["details"].as_array().unwrap();
    let types: Vec<&str> = details
        .iter()
        .map(|d| d["@type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"type.googleapis.com/google.rpc.ErrorInfo"),
        "{types:?}"
    );
    assert!(
        types.contains(&"type.googleapis.com/google.rpc.BadRequest"),
        "{types:?}"
    );
    let info = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.ErrorInfo")
        .unwrap();
    assert_eq!(info["reason"], "VALIDATION_FAILED");
    let bad = details
        .iter()
        .find(|d| d["@type"] == "type.googleapis.com/google.rpc.BadRequest")
        .unwrap();
    assert_eq!(bad["fieldViolations"].as_array().unwrap().len(), 2);
    assert_eq!(bad["fieldViolations"][0]["field"], "to");
}

#[test]
fn render_style_custom() {
    let r = render(&[
        "validation_error",
        "--catalog",
        "catalogs/seed001.toml",
        "--style",
        "custom",
        "--field",
        "/email=email is not a valid email address",
        "--request-id",
        "req_c",
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 422 Unprocessable Entity");
    let b = r.body.as_object().unwrap();
    let keys: Vec<&str> = b.keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message", "request_id", "details"]);
    assert_eq!(b["code"], "validation_error");
    assert_eq!(b["message"], "One or more fields failed validation");
    assert_eq!(b["request_id"], "req_c");
    let details = b["details"].as_array().unwrap();
    assert_eq!(details.len(), 1);
    assert_eq!(details[0]["field"], "email");
    assert_eq!(details[0]["message"], "email is not a valid email address");
}

#[test]
fn render_custom_style_without_template_fails() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--style",
            "custom",
        ],
        1,
    );
    assert!(err.contains("declares no custom template"), "{err}");
}

#[test]
fn render_retry_after() {
    let r = render(&[
        "RATE_LIMITED",
        "--catalog",
        "catalogs/seed002.toml",
        "--retry-after",
        "42",
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 429 Too Many Requests");
    assert_eq!(r.header("retry-after"), Some("42"));
    assert_eq!(
        r.body["error"]["message"],
        "Rate limit exceeded. Try again in 42 seconds."
    );
}

#[test]
fn render_other_status() {
    let r = render(&[
        "dispatch_failed",
        "--catalog",
        "catalogs/mxcep",
        "--status",
        "503",
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(r.body["errors"][0]["status"], "503");
}

const PHONE: &str = "masked_phone=+52 55 ••••1234";

fn spanish_phone_not_verified() -> String {
    let c = catalog("catalogs/mxcep");
    let es = c.meta.locales.iter().position(|l| l == "es").unwrap();
    let e = c.get("phone_not_verified").unwrap();
    e.messages[es]
        .as_ref()
        .unwrap()
        .fill(|k| (k == "masked_phone").then(|| "+52 55 ••••1234".to_string()))
        .unwrap()
}

#[test]
fn render_spanish_by_locale() {
    let r = render(&[
        "phone_not_verified",
        "--catalog",
        "catalogs/mxcep",
        "--locale",
        "es",
        "--context",
        PHONE,
    ]);
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(r.header("content-language"), Some("es"));
    let err = &r.body["errors"][0];
    assert_eq!(err["code"], "phone_not_verified");
    assert_eq!(err["detail"], spanish_phone_not_verified().as_str());
    assert_ne!(
        err["detail"], "Phone hasn't been verified via OTP.",
        "not the English text"
    );
    assert_eq!(err["meta"]["masked_phone"], "+52 55 ••••1234");
    // mxcep's request ids: 12 hex digits, no prefix.
    let id = r.header("x-request-id").unwrap();
    assert_eq!(id.len(), 12, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}

#[test]
fn render_spanish_by_accept_language() {
    let r = render(&[
        "phone_not_verified",
        "--catalog",
        "catalogs/mxcep",
        "--accept-language",
        "es-MX;q=0.9,en;q=0.1",
        "--context",
        PHONE,
    ]);
    assert_eq!(r.header("content-language"), Some("es"));
    assert_eq!(
        r.body["errors"][0]["detail"],
        spanish_phone_not_verified().as_str()
    );
    // And English when English is preferred.
    let r = render(&[
        "phone_not_verified",
        "--catalog",
        "catalogs/mxcep",
        "--accept-language",
        "en-US,es;q=0.5",
        "--context",
        PHONE,
    ]);
    assert_eq!(r.header("content-language"), Some("en"));
    assert_eq!(
        r.body["errors"][0]["detail"],
        "Phone hasn't been verified via OTP."
    );
}

// ---- render: bad input ------------------------------------------------------------------------

#[test]
fn render_unknown_code() {
    let err = fails(&["render", "no_such_code", "--catalog", MINTFAX], 1);
    assert!(
        err.contains("`no_such_code` is not a code of `mintfax`"),
        "{err}"
    );
    let err = fails(&["render", "insufficient_balanse", "--catalog", MINTFAX], 1);
    assert!(err.contains("did you mean `insufficient_balance`"), "{err}");
}

#[test]
fn render_unknown_style() {
    let o = errcat(&[
        "render",
        "insufficient_balance",
        "--catalog",
        MINTFAX,
        "--style",
        "xml",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(o.status.code().is_some(), "killed by a signal");
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("xml"), "{err}");
    for style in [
        "flat", "nested", "jsonapi", "simple", "problem", "google", "custom",
    ] {
        assert!(err.contains(style), "names `{style}`: {err}");
    }
}

#[test]
fn render_unknown_locale() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--locale",
            "fr",
        ],
        1,
    );
    assert!(err.contains("`fr` is not a locale of `mintfax`"), "{err}");
    assert!(err.contains("it has en"), "{err}");
}

#[test]
fn render_undeclared_context_key() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--context",
            "nope=1",
        ],
        1,
    );
    assert!(err.contains("declares no context key `nope`"), "{err}");
    assert!(err.contains("balance, cost"), "{err}");
}

#[test]
fn render_context_of_the_wrong_type() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--context",
            "balance=abc",
        ],
        1,
    );
    assert!(
        err.contains("context `balance` is a number; `abc` is not"),
        "{err}"
    );
}

#[test]
fn render_context_without_equals() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--context",
            "balance",
        ],
        1,
    );
    assert!(err.contains("is not KEY=VALUE"), "{err}");
}

#[test]
fn render_missing_placeholder_value() {
    let err = fails(
        &[
            "render",
            "RATE_LIMITED",
            "--catalog",
            "catalogs/seed002.toml",
        ],
        1,
    );
    assert!(err.contains("RATE_LIMITED"), "{err}");
    assert!(err.contains("retry_after"), "{err}");
}

#[test]
fn render_nonexistent_catalog() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            "catalogs/no-such-catalog.toml",
        ],
        1,
    );
    assert!(err.contains("error[io]"), "{err}");
    assert!(err.contains("catalogs/no-such-catalog.toml"), "{err}");
}

#[test]
fn render_broken_catalog() {
    let path = broken_catalog("render-broken");
    let p = path.to_str().unwrap();
    let err = fails(&["render", "gone", "--catalog", p], 1);
    assert!(err.contains("error[invalid-status]"), "{err}");
    assert!(err.contains(&format!("run `errcat check {p}`")), "{err}");
}

#[test]
fn render_status_the_code_cannot_carry() {
    let err = fails(
        &[
            "render",
            "insufficient_balance",
            "--catalog",
            MINTFAX,
            "--status",
            "404",
        ],
        1,
    );
    assert!(err.contains("404"), "{err}");
    assert!(err.contains("[402]"), "{err}");
}
