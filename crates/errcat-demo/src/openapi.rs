//! The demo's OpenAPI 3.1 document: every route, what each takes (with every rule the server
//! checks, and an example the server accepts) and everything each can answer, with an example
//! body per error code rendered by errcat in the running style.
//!
//! The rules come from where the server keeps them: the consts and checks of `routes.rs` and
//! `key_routes.rs` (E.164 numbers, document types and their first bytes, sizes, pages, limits,
//! key names, scopes, expiry and networks), the catalog (the codes each status carries) and
//! errcat's envelope schemas. What no schema can say (a page past a fax's last, a fax of the
//! other environment) is in the operation's description, with the status and code that answer
//! it, and those are documented responses.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::header::WWW_AUTHENTICATE;
use axum::response::IntoResponse;
use errcat::headers::{
    IDEMPOTENCY_KEY, IDEMPOTENT_REPLAYED, RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT,
    X_RATELIMIT_REMAINING, X_RATELIMIT_RESET, written,
};
use errcat::store::keys::{CHECKSUM_LEN, ID_LEN, RANDOM_LEN};
use errcat::{Renderer, Role, StyleKind};
use serde_json::{Map, Value, json};

use crate::auth::{ACCOUNT, ACCOUNT_ENV, PREFIX, READ, WRITE};
use crate::key_routes::{MAX_EXPIRES_IN, MAX_NAME, MAX_NETWORKS, NAME_PATTERN, network_pattern};
use crate::mintfax::{self, Code};
use crate::routes::{
    DEFAULT_LIMIT, E164_PATTERN, FAX_COST, FAX_ID_PATTERN, FAX_STATUSES, FILE_TYPES, MAX_LIMIT,
    MAX_PAGES, MAX_SLOW_MS,
};

/// A fax id for examples: well-formed, of no fax (the server answers 404 `not_found`).
pub(crate) const EXAMPLE_FAX_ID: &str = "fax_01J8ZK2M3N4P5Q6R7S8T9V0W1X";
/// A key id for examples: well-formed, of no key (the server answers 404 `not_found`).
pub(crate) const EXAMPLE_KEY_ID: &str = "mfx_test_AbCd1234";
/// A recipient for examples.
const EXAMPLE_TO: &str = "+15551234567";

/// Who may call an operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Guard {
    /// Anyone, without a key.
    Public,
    /// An environment key (`mfx_test_…`, `mfx_live_…`) with this scope.
    Env(&'static str),
    /// The account key (`mfx_acct_…`).
    Account,
}

/// What an operation answers when it succeeds.
struct Success {
    status: u16,
    description: &'static str,
    /// The media type and schema of the body, if it has one.
    content: Option<(&'static str, Value)>,
    /// Operations that take what this answer holds (OpenAPI links).
    links: Value,
}

impl Success {
    fn empty(status: u16, description: &'static str) -> Success {
        Success {
            status,
            description,
            content: None,
            links: Value::Null,
        }
    }

    fn json(status: u16, description: &'static str, schema: Value) -> Success {
        Success {
            status,
            description,
            content: Some(("application/json", schema)),
            links: Value::Null,
        }
    }

    fn links(mut self, links: Value) -> Success {
        self.links = links;
        self
    }
}

/// One operation: what it takes, what it answers, and the codes it can fail with.
struct Op {
    id: &'static str,
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// What no schema can say, with the status and code that answer it.
    description: String,
    guard: Guard,
    /// Its query, path and header parameters (the `Idempotency-Key` of a POST is added).
    params: Vec<Value>,
    /// The component schema of its JSON body, and the examples of that body.
    body: Option<(&'static str, Value)>,
    success: Success,
    /// The catalog codes its handler answers with (authentication's are added per guard).
    codes: Vec<Code>,
    /// The roles its handler and extractors answer with (the layers' are added).
    roles: Vec<Role>,
}

/// What authentication answers, on every authenticated route: seed 000's codes for the
/// credential roles (revoked and expired keys are `unauthenticated`).
const AUTH: [Code; 3] = [
    Code::ApiKeyMissing,
    Code::Unauthenticated,
    Code::ApiKeyInvalid,
];

/// The roles authentication adds on every authenticated route: a key limited to networks the
/// client is not in (errcat's built-in code: seed 000 has none).
const AUTH_ROLES: [Role; 1] = [Role::AddressNotAllowed];

/// Errors any route can return: the rate limits (per address, per key, and on failed
/// authentications), the timeout, load shedding or a store that is down, and a panic.
const EVERY_ROUTE: [Role; 4] = [
    Role::RateLimited,
    Role::Timeout,
    Role::Unavailable,
    Role::Internal,
];

/// Errors of the `Idempotency-Key` header, on the routes it covers (POST): the layer reads the
/// body too, under the same limit.
const IDEMPOTENT_ROUTE: [Role; 4] = [
    Role::IdempotencyKeyInvalid,
    Role::IdempotencyKeyReused,
    Role::IdempotencyKeyInProgress,
    Role::PayloadTooLarge,
];

/// Errors of a JSON body.
const BODY_ROLES: [Role; 4] = [
    Role::InvalidJson,
    Role::ValidationFailed,
    Role::UnsupportedMediaType,
    Role::PayloadTooLarge,
];

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn fax_id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true,
        "description": "The fax's id, as `POST /faxes` answered it. An id of no fax answers 404 `not_found`; a fax of the other environment 403 `forbidden`.",
        "schema": {"type": "string", "pattern": FAX_ID_PATTERN},
        "example": EXAMPLE_FAX_ID})
}

/// The pattern of a key's public id: `mfx_`, an environment, `_`, then 8 letters and digits.
fn key_id_pattern(environments: &[&str]) -> String {
    format!(
        "^{PREFIX}_(?:{})_[0-9A-Za-z]{{{ID_LEN}}}$",
        environments.join("|")
    )
}

fn operations() -> Vec<Op> {
    let page_param = json!({"name": "page", "in": "path", "required": true,
        "description": format!("A page, from 1. A page past the fax's last answers 404 `not_found`; one no fax can have (0, or past {MAX_PAGES}) 400 `invalid_parameter`."),
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGES},
        "example": 1});
    let key_id_param = json!({"name": "id", "in": "path", "required": true,
        "description": format!("An environment key's public id (`{PREFIX}_test_` or `{PREFIX}_live_`, then {ID_LEN} letters and digits), as `GET /account/keys` lists it. An account key's id (`{PREFIX}_{ACCOUNT_ENV}_…`) answers 403 `acct_key_creation_dashboard_only`; an id of no key of this account 404 `not_found`."),
        "schema": {"type": "string", "pattern": key_id_pattern(&["test", "live"])},
        "example": EXAMPLE_KEY_ID});
    let fax_links = json!({
        "GetFax": {"operationId": "getFax", "parameters": {"id": "$response.body#/id"}, "description": "The fax just sent."},
        "DeleteFax": {"operationId": "deleteFax", "parameters": {"id": "$response.body#/id"}, "description": "Delete it once delivered."},
        "ResendFax": {"operationId": "resendFax", "parameters": {"id": "$response.body#/id"}, "description": "Resend it."},
    });
    vec![
        Op {
            id: "sendFax",
            method: "post",
            path: "/faxes",
            summary: "Send a fax",
            description: format!("Costs {FAX_COST} credits: without them the answer is 402 `insufficient_balance` (the sandbox starts with 5 credits, live with none). The file's content must start as its `content_type` says (`%PDF-`, a TIFF or a JPEG header): each type's pattern on `content_base64` says so; otherwise 422 `validation_failed` with `content_mismatch`."),
            guard: Guard::Env(WRITE),
            params: vec![],
            body: Some(("NewFax", new_fax_examples())),
            success: Success::json(201, "The fax, queued: it is delivered 2 seconds later.", schema_ref("Fax")).links(fax_links),
            codes: vec![Code::ValidationFailed, Code::InsufficientBalance],
            roles: BODY_ROLES.to_vec(),
        },
        Op {
            id: "listFaxes",
            method: "get",
            path: "/faxes",
            summary: "List faxes",
            description: "The faxes of the key's environment, by id. A query parameter not listed here answers 400 `invalid_parameter`.".into(),
            guard: Guard::Env(READ),
            params: vec![
                json!({"name": "limit", "in": "query", "required": false,
                    "description": format!("At most this many faxes, 1 to {MAX_LIMIT} ({DEFAULT_LIMIT} when absent); out of range, 422 `validation_failed`."),
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                    "example": DEFAULT_LIMIT}),
                json!({"name": "status", "in": "query", "required": false,
                    "description": "Only the faxes in this status.",
                    "schema": {"type": "string", "enum": FAX_STATUSES},
                    "example": FAX_STATUSES[1]}),
            ],
            body: None,
            success: Success::json(200, "The faxes.", json!({"type": "array", "maxItems": MAX_LIMIT, "items": schema_ref("Fax")})),
            codes: vec![Code::ValidationFailed],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "getFax",
            method: "get",
            path: "/faxes/{id}",
            summary: "Get a fax",
            description: "A fax of the other environment answers 403 `forbidden`; an id of no fax 404 `not_found`.".into(),
            guard: Guard::Env(READ),
            params: vec![fax_id_param()],
            body: None,
            success: Success::json(200, "The fax.", schema_ref("Fax")),
            codes: vec![Code::NotFound, Code::Forbidden],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "deleteFax",
            method: "delete",
            path: "/faxes/{id}",
            summary: "Delete a delivered fax",
            description: "A fax still queued answers 409 `fax_not_terminal`; of the other environment 403 `forbidden`; an id of no fax 404 `not_found`.".into(),
            guard: Guard::Env(WRITE),
            params: vec![fax_id_param()],
            body: None,
            success: Success::empty(204, "Deleted."),
            codes: vec![Code::NotFound, Code::Forbidden, Code::FaxNotTerminal],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "getFaxPage",
            method: "get",
            path: "/faxes/{id}/pages/{page}",
            summary: "Get one page of a fax",
            description: "A page past the fax's last answers 404 `not_found`, as does an id of no fax; a fax of the other environment 403 `forbidden`.".into(),
            guard: Guard::Env(READ),
            params: vec![fax_id_param(), page_param],
            body: None,
            success: Success::json(200, "The page.", schema_ref("Page")),
            codes: vec![Code::NotFound, Code::Forbidden],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "resendFax",
            method: "post",
            path: "/faxes/{id}/resend",
            summary: "Resend a fax",
            description: "The demo runs zero-footprint: a delivered fax's document is purged at once, so a delivered fax answers 422 `fax_data_purged` and a queued one 409 `fax_not_terminal`; of the other environment 403 `forbidden`; an id of no fax 404 `not_found`.".into(),
            guard: Guard::Env(WRITE),
            params: vec![fax_id_param()],
            body: None,
            success: Success::json(201, "The new fax (never in the demo: it runs zero-footprint).", schema_ref("Fax")),
            codes: vec![
                Code::NotFound,
                Code::Forbidden,
                Code::FaxNotTerminal,
                Code::FaxDataPurged,
            ],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "getBalances",
            method: "get",
            path: "/account/balance",
            summary: "Balances of every environment",
            description: "".into(),
            guard: Guard::Account,
            params: vec![],
            body: None,
            success: Success::json(200, "The balances, in credits.", schema_ref("Balances")),
            codes: vec![],
            roles: vec![],
        },
        Op {
            id: "revokeKey",
            method: "delete",
            path: "/account/keys/{id}",
            summary: "Revoke an environment key: it stops working at once here, within the key cache's time on other instances",
            description: "An account key's id answers 403 `acct_key_creation_dashboard_only`; an id of no key of this account 404 `not_found`.".into(),
            guard: Guard::Account,
            params: vec![key_id_param],
            body: None,
            success: Success::empty(204, "Revoked."),
            codes: vec![Code::AcctKeyCreationDashboardOnly, Code::NotFound],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "createKey",
            method: "post",
            path: "/account/keys",
            summary: "Make an environment key: its secret is in this answer only",
            description: "".into(),
            guard: Guard::Account,
            params: vec![],
            body: Some(("NewKey", new_key_examples())),
            success: Success::json(201, "The key, with its secret.", schema_ref("CreatedKey")).links(json!({
                "RevokeKey": {"operationId": "revokeKey", "parameters": {"id": "$response.body#/id"}, "description": "Revoke the key just made."},
            })),
            codes: vec![Code::ValidationFailed],
            roles: BODY_ROLES.to_vec(),
        },
        Op {
            id: "listKeys",
            method: "get",
            path: "/account/keys",
            summary: "List the account's keys, without their secrets",
            description: "".into(),
            guard: Guard::Account,
            params: vec![],
            body: None,
            success: Success::json(200, "The keys.", json!({"type": "array", "items": schema_ref("Key")})),
            codes: vec![],
            roles: vec![],
        },
        Op {
            id: "debugFail",
            method: "get",
            path: "/debug/fail",
            summary: "Fails on purpose with internal_server_error",
            description: "Mounted with `--debug-routes` only.".into(),
            guard: Guard::Public,
            params: vec![],
            body: None,
            success: Success::empty(200, "Never."),
            codes: vec![Code::InternalServerError],
            roles: vec![],
        },
        Op {
            id: "debugPanic",
            method: "get",
            path: "/debug/panic",
            summary: "Panics on purpose",
            description: "Mounted with `--debug-routes` only.".into(),
            guard: Guard::Public,
            params: vec![],
            body: None,
            success: Success::empty(200, "Never."),
            codes: vec![Code::InternalServerError],
            roles: vec![],
        },
        Op {
            id: "debugSlow",
            method: "get",
            path: "/debug/slow",
            summary: "Sleeps `ms` milliseconds (to see timeouts and load shedding)",
            description: "Mounted with `--debug-routes` only. A wait past the server's timeout answers 504 `timeout`.".into(),
            guard: Guard::Public,
            params: vec![json!({"name": "ms", "in": "query", "required": true,
                "description": format!("How long to wait, in milliseconds (at most {MAX_SLOW_MS}; beyond, 400 `invalid_parameter`)."),
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_SLOW_MS}, "example": 100})],
            body: None,
            success: Success {
                status: 200,
                description: "Slept.",
                content: Some(("text/plain", json!({"type": "string", "enum": ["slept"]}))),
                links: Value::Null,
            },
            codes: vec![],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            id: "healthz",
            method: "get",
            path: "/healthz",
            summary: "Liveness",
            description: "".into(),
            guard: Guard::Public,
            params: vec![],
            body: None,
            success: Success {
                status: 200,
                description: "ok",
                content: Some(("text/plain", json!({"type": "string", "enum": ["ok"]}))),
                links: Value::Null,
            },
            codes: vec![],
            roles: vec![],
        },
        Op {
            id: "openapi",
            method: "get",
            path: "/openapi.json",
            summary: "This document",
            description: "".into(),
            guard: Guard::Public,
            params: vec![],
            body: None,
            success: Success::json(200, "The OpenAPI document.", json!({"type": "object", "required": ["openapi", "info", "paths"]})),
            codes: vec![],
            roles: vec![],
        },
    ]
}

/// The rate-limit headers every response carries, as OpenAPI header objects.
fn rate_limit_headers() -> Value {
    json!({
        (written(&RATELIMIT_POLICY)): {"description": "The quota policies that apply (draft-ietf-httpapi-ratelimit-headers): a structured-field list such as `\"second\";q=1000;w=1, \"hour\";q=1000000;w=3600`.", "schema": {"type": "string"}},
        (written(&RATELIMIT)): {"description": "What each policy has left: `\"second\";r=999;t=1`, remaining requests and seconds until the window is full again.", "schema": {"type": "string"}},
        (written(&X_RATELIMIT_LIMIT)): {"description": "The quota of the window closest to its limit.", "schema": {"type": "integer", "minimum": 0}},
        (written(&X_RATELIMIT_REMAINING)): {"description": "What that window has left.", "schema": {"type": "integer", "minimum": 0}},
        (written(&X_RATELIMIT_RESET)): {"description": "Seconds until that window is full again.", "schema": {"type": "integer", "minimum": 0}}
    })
}

/// The base64 alphabet, by 6-bit value.
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A regex character class of the base64 characters whose 6-bit values `keep` accepts, with
/// runs of letters or digits written as ranges (`[A-Za-z0-9+/]`).
fn b64_class(keep: impl Fn(u8) -> bool) -> String {
    let mut chars: Vec<u8> = (0u8..64)
        .filter(|v| keep(*v))
        .map(|v| B64[usize::from(v)])
        .collect();
    if let [only] = chars[..] {
        return regex_literal(&char::from(only).to_string());
    }
    chars.sort_unstable();
    let kind = |b: u8| {
        (
            b.is_ascii_uppercase(),
            b.is_ascii_lowercase(),
            b.is_ascii_digit(),
        )
    };
    let mut out = String::from("[");
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j + 1 < chars.len()
            && chars[j + 1] == chars[j] + 1
            && kind(chars[j + 1]) == kind(chars[i])
        {
            j += 1;
        }
        out.push(char::from(chars[i]));
        if j >= i + 2 {
            out.push('-');
        }
        if j > i {
            out.push(char::from(chars[j]));
        }
        i = j + 1;
    }
    out.push(']');
    out
}

/// `s` as a regex that matches it literally (base64 has one metacharacter outside a class).
fn regex_literal(s: &str) -> String {
    s.replace('+', "\\+")
}

/// The end of canonical, padded base64 (RFC 4648 §4, as the `base64` crate's standard engine
/// decodes it): whole groups, then nothing or a last group of one or two bytes whose unused
/// bits are zero.
fn b64_rest() -> String {
    let any = b64_class(|_| true);
    let pad2 = b64_class(|v| v & 0b1111 == 0);
    let pad1 = b64_class(|v| v & 0b11 == 0);
    format!("(?:{any}{{4}})*(?:{any}{pad2}==|{any}{{2}}{pad1}=)?")
}

/// A regex (without anchors) of the canonical, padded base64 texts whose decoded bytes start
/// with `magic` (not empty).
fn b64_starting_with(magic: &[u8]) -> String {
    let whole = magic.len() / 3 * 3;
    let mut out = String::new();
    for group in magic[..whole].chunks(3) {
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for shift in [18, 12, 6, 0] {
            out.push(char::from(B64[((n >> shift) & 63) as usize]));
        }
    }
    out = regex_literal(&out);
    let any = b64_class(|_| true);
    let rest = b64_rest();
    match magic[whole..] {
        [] => out.push_str(&rest),
        [b] => {
            // The next group starts with b: its first character is fixed, its second keeps b's
            // low two bits on top.
            let c1 = b64_class(|v| v == b >> 2);
            let c2_exact = b64_class(|v| v == (b & 3) << 4);
            let c2 = b64_class(|v| v >> 4 == b & 3);
            let pad1 = b64_class(|v| v & 0b11 == 0);
            out.push_str(&format!(
                "{c1}(?:{c2_exact}==|{c2}{pad1}=|{c2}{any}{{2}}{rest})"
            ));
        }
        [b0, b1] => {
            let c1 = b64_class(|v| v == b0 >> 2);
            let c2 = b64_class(|v| v == ((b0 & 3) << 4 | b1 >> 4));
            let c3_exact = b64_class(|v| v == (b1 & 15) << 2);
            let c3 = b64_class(|v| v >> 2 == b1 & 15);
            out.push_str(&format!("{c1}{c2}(?:{c3_exact}=|{c3}{any}{rest})"));
        }
        _ => unreachable!("fewer than 3 bytes are left over"),
    }
    out
}

/// The pattern of `content_base64` for a document type: canonical base64 of bytes that start
/// with one of its magic prefixes.
pub(crate) fn content_pattern(magics: &[&[u8]]) -> String {
    let alternatives: Vec<String> = magics.iter().map(|m| b64_starting_with(m)).collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// The longest `content_base64`: that of a [`MAX_FILE_BYTES`](crate::MAX_FILE_BYTES) document.
const MAX_CONTENT_BASE64: usize = crate::MAX_FILE_BYTES.div_ceil(3) * 4;

fn new_fax_schema() -> Value {
    json!({"type": "object", "required": ["to", "file"], "additionalProperties": false,
    "properties": {
        "to": {"type": "string", "pattern": E164_PATTERN, "description": "The recipient, E.164: `+`, then 2 to 15 digits, the first not 0.", "example": EXAMPLE_TO},
        "file": schema_ref("NewFile"),
    }})
}

fn new_file_schema() -> Value {
    let variants: Vec<Value> = FILE_TYPES
        .iter()
        .map(|(content_type, magics)| {
            json!({"type": "object", "title": content_type,
                "required": ["content_type", "content_base64"], "additionalProperties": false,
                "properties": {
                    "content_type": {"type": "string", "const": content_type},
                    "content_base64": {"type": "string", "contentEncoding": "base64", "contentMediaType": content_type,
                        "minLength": 4, "maxLength": MAX_CONTENT_BASE64, "pattern": content_pattern(magics)},
                }})
        })
        .collect();
    let types: Vec<&str> = FILE_TYPES.iter().map(|(t, _)| *t).collect();
    json!({
        "description": format!("The document: its type ({}) and its bytes in canonical, padded base64 (RFC 4648 §4), at most {} MB once decoded, starting as the type says.", types.join(", "), crate::MAX_FILE_BYTES / (1024 * 1024)),
        "oneOf": variants,
    })
}

fn new_key_schema() -> Value {
    let net = network_pattern();
    json!({"type": "object", "required": ["name", "scopes", "environment"], "additionalProperties": false, "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": NAME_PATTERN,
            "description": format!("A name for the key: 1 to {MAX_NAME} characters, no ASCII control character, no space at either end.")},
        "scopes": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": [READ, WRITE]}, "description": "What the key may do."},
        "environment": {"type": "string", "enum": ["test", "live"], "description": "The sandbox (`test`) or `live`."},
        "expires_in": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_EXPIRES_IN, "description": "Seconds until the key expires, at most ten years; never when absent or null."},
        "allowed_ips": {"type": ["array", "null"], "maxItems": MAX_NETWORKS, "items": {"type": "string", "pattern": net},
            "description": format!("At most {MAX_NETWORKS} networks the key may be used from: an IPv4 or IPv6 address, or one with a prefix length (`192.0.2.0/24`, `2001:db8::/32`); anywhere when absent or null.")}}})
}

fn new_fax_examples() -> Value {
    json!({
        "pdf": {"summary": "A one-page PDF", "value": {"to": EXAMPLE_TO, "file": {"content_type": "application/pdf", "content_base64": "JVBERi0xLjQ="}}},
        "jpeg": {"summary": "A JPEG (its JFIF header)", "value": {"to": "+442071838750", "file": {"content_type": "image/jpeg", "content_base64": "/9j/4AAQSkZJRg=="}}},
    })
}

fn new_key_examples() -> Value {
    json!({
        "read": {"summary": "A sandbox key that may only read", "value": {"name": "ci", "scopes": [READ], "environment": "test"}},
        "office": {"summary": "A live key for one office, for a day", "value": {"name": "Front office", "scopes": [READ, WRITE], "environment": "live", "expires_in": 86_400, "allowed_ips": ["192.0.2.0/24", "2001:db8::/32"]}},
    })
}

/// The schemas of the demo's own bodies.
fn schemas() -> Value {
    let key_properties = json!({
        "id": {"type": "string", "pattern": key_id_pattern(&["test", "live", ACCOUNT_ENV]), "description": "The key's public id: it may be shown and logged."},
        "name": {"type": "string"},
        "environment": {"type": "string", "enum": ["test", "live", ACCOUNT_ENV]},
        "scopes": {"type": "array", "items": {"type": "string", "enum": [READ, WRITE, ACCOUNT]}},
        "created": {"type": "integer", "minimum": 0, "description": "Seconds since the Unix epoch."},
        "expires": {"type": ["integer", "null"], "minimum": 0, "description": "When it expires, in seconds since the Unix epoch; null for never."},
        "revoked": {"type": ["integer", "null"], "minimum": 0, "description": "When it was revoked, in seconds since the Unix epoch; null if it was not."},
        "allowed_ips": {"type": "array", "items": {"type": "string"}, "description": "The networks it may be used from; empty for anywhere."},
    });
    let key_required = json!([
        "id",
        "name",
        "environment",
        "scopes",
        "created",
        "expires",
        "revoked",
        "allowed_ips"
    ]);
    let mut created_properties = key_properties.clone();
    created_properties["secret"] = json!({"type": "string",
        "pattern": format!("^{PREFIX}_(?:test|live)_[0-9A-Za-z]{{{}}}$", RANDOM_LEN + CHECKSUM_LEN),
        "description": "The whole key, shown this once: send it as `Authorization: Bearer …`."});
    let mut created_required = key_required.clone();
    if let Value::Array(r) = &mut created_required {
        r.push("secret".into());
    }
    json!({
        "NewFax": new_fax_schema(),
        "NewFile": new_file_schema(),
        "Fax": {"type": "object", "additionalProperties": false, "required": ["id", "to", "status", "pages", "created_at"], "properties": {
            "id": {"type": "string", "pattern": FAX_ID_PATTERN},
            "to": {"type": "string", "pattern": E164_PATTERN},
            "status": {"type": "string", "enum": FAX_STATUSES, "description": "`queued`, then `delivered` 2 seconds after it was sent."},
            "pages": {"type": "integer", "minimum": 1, "maximum": MAX_PAGES},
            "created_at": {"type": "string", "format": "date-time"},
        }},
        "Page": {"type": "object", "additionalProperties": false, "required": ["fax_id", "page", "of"], "properties": {
            "fax_id": {"type": "string", "pattern": FAX_ID_PATTERN},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGES},
            "of": {"type": "integer", "minimum": 1, "maximum": MAX_PAGES},
        }},
        "Balances": {"type": "object", "additionalProperties": false, "required": ["sandbox", "live"], "properties": {
            "sandbox": {"type": "integer", "description": format!("Credits; a fax costs {FAX_COST}.")},
            "live": {"type": "integer"},
        }},
        "NewKey": new_key_schema(),
        "Key": {"type": "object", "additionalProperties": false, "required": key_required, "properties": key_properties},
        "CreatedKey": {"type": "object", "additionalProperties": false, "required": created_required, "properties": created_properties},
    })
}

/// The JSON Schema of the envelope of a style: errcat's own, see
/// [`errcat::openapi::envelope_schema`].
pub fn envelope_schema(style: StyleKind) -> Value {
    errcat::openapi::envelope_schema(style)
}

/// The whole document, for a style; the debug routes are listed only when they are mounted
/// ([`DemoConfig::debug_routes`](crate::DemoConfig::debug_routes)).
///
/// The envelope schema, the headers and each operation's error responses (an enum of the codes
/// it can return under each status, one example body per code) come from `errcat::openapi`;
/// the reusable per-status responses of the whole catalog are in `components.responses`.
///
/// ```
/// let doc = errcat_demo::openapi::document(errcat::StyleKind::Flat, false);
/// let send = &doc["paths"]["/faxes"]["post"];
/// assert_eq!(send["security"], serde_json::json!([{"bearer": ["faxes:write"]}]));
/// // Every status it can answer, with the catalog codes of each.
/// assert_eq!(send["responses"]["402"]["x-error-codes"], serde_json::json!(["insufficient_balance"]));
/// assert!(doc["paths"]["/debug/fail"].is_null());
/// ```
pub fn document(style: StyleKind, debug_routes: bool) -> Value {
    let catalog = mintfax::catalog();
    let renderer = Renderer::new(catalog.clone(), style);
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mounted = operations()
        .into_iter()
        .filter(|op| debug_routes || !op.path.starts_with("/debug/"));
    for op in mounted {
        let codes: Vec<Code> = match op.guard {
            Guard::Public => vec![],
            // A key without the operation's scope is the insufficient_scope role (`forbidden`).
            Guard::Env(_) => [Code::KeyNotScopedForOperations, Code::Forbidden].to_vec(),
            Guard::Account => vec![Code::KeyNotScopedForAccount],
        };
        let auth: &[Code] = if op.guard == Guard::Public {
            &[]
        } else {
            &AUTH
        };
        let auth_roles: &[Role] = if op.guard == Guard::Public {
            &[]
        } else {
            &AUTH_ROLES
        };
        let idempotent: &[Role] = if op.method == "post" {
            &IDEMPOTENT_ROUTE
        } else {
            &[]
        };
        let role_codes = op
            .roles
            .iter()
            .chain(auth_roles)
            .chain(idempotent)
            .chain(EVERY_ROUTE.iter())
            .map(|r| catalog.role(*r).code.clone());
        // Codes by status.
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for code in auth
            .iter()
            .chain(&codes)
            .chain(&op.codes)
            .map(|c| c.as_str().to_string())
            .chain(role_codes)
        {
            if let Some(status) = catalog.get(&code).and_then(|e| e.default_status()) {
                let list = by_status.entry(status).or_default();
                if !list.contains(&code) {
                    list.push(code);
                }
            }
        }
        let mut responses = Map::new();
        let mut ok = json!({"description": op.success.description, "headers": {}});
        if let Some((media, schema)) = &op.success.content {
            ok["content"] = json!({(*media): {"schema": schema}});
        }
        if op.method == "post" {
            ok["headers"][written(&IDEMPOTENT_REPLAYED)] = json!({"description": "`true` on a replay: the response kept for this `Idempotency-Key`.", "schema": {"type": "string", "enum": ["true"]}});
        }
        if !op.success.links.is_null() {
            ok["links"] = op.success.links.clone();
        }
        responses.insert(op.success.status.to_string(), ok);
        for (status, codes) in &by_status {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            let mut response = errcat::openapi::response(&renderer, *status, &codes);
            if op.guard != Guard::Public && matches!(status, 401 | 403) {
                let name = written(&WWW_AUTHENTICATE);
                response["headers"][&name] =
                    json!({"$ref": format!("#/components/headers/{name}")});
            }
            responses.insert(status.to_string(), response);
        }
        for response in responses.values_mut() {
            if let Some(Value::Object(headers)) = response.get_mut("headers")
                && let Value::Object(limits) = rate_limit_headers()
            {
                headers.extend(limits);
            }
        }
        let mut operation = json!({
            "operationId": op.id,
            "summary": op.summary,
            "responses": responses,
        });
        if !op.description.is_empty() {
            operation["description"] = op.description.into();
        }
        operation["security"] = match op.guard {
            Guard::Public => json!([]),
            Guard::Env(scope) => json!([{"bearer": [scope]}]),
            Guard::Account => json!([{"bearer": [ACCOUNT]}]),
        };
        if let Some((schema, examples)) = &op.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                "schema": schema_ref(schema), "examples": examples}}});
        }
        let mut params = op.params;
        if op.method == "post" {
            // Each operation's example key is its own, so its examples never collide.
            params.push(json!({"name": written(&IDEMPOTENCY_KEY), "in": "header", "required": false,
                "description": "Makes a retry safe: the first response is kept for 24 hours and replayed (with `Idempotent-Replayed: true`) to a retry with the same key, method, path and body. Use a new key for each new request: the same key with another request answers 422 `idempotency_key_reused`, and while the first is still running 409 `idempotency_key_in_progress`. 1 to 255 characters from A-Z, a-z, 0-9, _ and -.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,255}$"},
                "example": format!("{}-7c1f0e9a", op.id)}));
        }
        if !params.is_empty() {
            operation["parameters"] = Value::Array(params);
        }
        paths
            .entry(op.path)
            .or_default()
            .insert(op.method.to_string(), operation);
    }
    // errcat's components (Error, the per-status responses, the headers), plus the demo's own.
    let mut components = errcat::openapi::components(&catalog, style);
    components["headers"][written(&WWW_AUTHENTICATE)] = json!({"description": "The Bearer challenge (RFC 6750 §3): `Bearer`, with `error=\"invalid_token\"` for a key that is malformed, unknown, revoked or expired, and `error=\"insufficient_scope\", scope=\"…\"` for a missing scope.", "schema": {"type": "string"}});
    components["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer", "description": format!("An API key, `{PREFIX}_<environment>_` then {} letters and digits: `{PREFIX}_test_…` (sandbox), `{PREFIX}_live_…` (live) or `{PREFIX}_{ACCOUNT_ENV}_…` (account). The demo makes one of each at start and prints them; `POST /account/keys` makes more. Each operation's security requirement names the scope it needs: `{READ}` or `{WRITE}` with an environment key, `{ACCOUNT}` for the account key.", RANDOM_LEN + CHECKSUM_LEN)}});
    if let (Value::Object(ours), Value::Object(theirs)) = (schemas(), &mut components["schemas"]) {
        theirs.extend(ours);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mintfax demo API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A fax-sending API whose every error, its own and the framework's, is rendered by errcat from seed 000's catalog.\n\nEvery operation lists each status it can answer and the catalog codes of each (`x-error-codes`, with one example body per code). Beyond them: a path no operation has answers 404 `not_found`, and a method its path does not list 405 `method_not_allowed` with `Allow` (`components.responses` has both).",
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": components,
    })
}

pub(crate) async fn serve(spec: Arc<Value>) -> impl IntoResponse {
    axum::Json(spec.as_ref().clone())
}

#[cfg(test)]
mod tests {
    //! The document's patterns say what the server's checks do: each pattern against its
    //! check, on generated inputs near and far from the rule.

    use base64::Engine as _;
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;
    use crate::key_routes::{is_name, parse_network};
    use crate::routes::is_e164;

    fn re(pattern: &str) -> Regex {
        Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    /// The network pattern, compiled once: it is long.
    fn net() -> &'static Regex {
        static NET: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        NET.get_or_init(|| re(&network_pattern()))
    }

    /// Whether the server takes `b64` as a document of `content_type`: the check of
    /// `routes::validate`, which decodes with the standard engine and compares first bytes.
    fn server_takes(magics: &[&[u8]], b64: &str) -> bool {
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .is_ok_and(|d| !d.is_empty() && magics.iter().any(|m| d.starts_with(m)))
    }

    #[test]
    fn classes_are_written_as_ranges() {
        assert_eq!(b64_class(|_| true), "[+/0-9A-Za-z]");
        assert_eq!(b64_class(|v| v & 0b1111 == 0), "[AQgw]");
        assert_eq!(b64_class(|v| v >> 4 == 0), "[A-P]");
        assert_eq!(b64_class(|v| v == 62), "\\+");
    }

    #[test]
    fn content_patterns_of_each_type() {
        let pdf = re(&content_pattern(FILE_TYPES[0].1));
        assert!(pdf.is_match("JVBERi0="), "%PDF- alone");
        assert!(pdf.is_match("JVBERi0xLjQ="), "%PDF-1.4");
        assert!(!pdf.is_match("JVBERi0xLjQ"), "unpadded");
        assert!(!pdf.is_match("JVBERi1="), "non-zero unused bits");
        assert!(!pdf.is_match("/9j/4AAQ"), "a JPEG");
        let jpeg = re(&content_pattern(FILE_TYPES[2].1));
        assert!(jpeg.is_match("/9j/"));
        assert!(jpeg.is_match("/9j/4AAQSkZJRg=="));
        assert!(!jpeg.is_match("/9j/\n"));
        let tiff = re(&content_pattern(FILE_TYPES[1].1));
        assert!(tiff.is_match("SUkqAA=="), "II*\\0");
        assert!(tiff.is_match("TU0AKg=="), "MM\\0*");
    }

    fn magic_and_rest() -> impl Strategy<Value = (usize, Vec<u8>, Vec<u8>)> {
        (
            0..FILE_TYPES.len(),
            proptest::collection::vec(any::<u8>(), 0..8),
            proptest::collection::vec(any::<u8>(), 0..12),
        )
            .prop_map(|(t, mangle, rest)| {
                let magics = FILE_TYPES[t].1;
                let mut data = magics[rest.len() % magics.len()].to_vec();
                // Sometimes change a byte of the magic, or cut it short.
                if let Some(&m) = mangle.first()
                    && m % 3 == 0
                {
                    let i = usize::from(m) % data.len();
                    data[i] ^= 1 << (m % 8);
                } else if mangle.len() == 1 {
                    data.truncate(data.len() - 1);
                }
                (t, data, rest)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Encoded documents, right, wrong and damaged: the pattern agrees with the server.
        #[test]
        fn content_patterns_agree_with_the_server(
            (t, data, rest) in magic_and_rest(),
            damage in proptest::option::of((any::<prop::sample::Index>(), "[A-Za-z0-9+/=\n -]")),
        ) {
            let (_, magics) = FILE_TYPES[t];
            let pattern = re(&content_pattern(magics));
            let mut bytes = data;
            bytes.extend(rest);
            let mut b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
            if let Some((i, c)) = damage && !b64.is_empty() {
                let i = i.index(b64.len());
                b64.replace_range(i..=i, &c);
            }
            prop_assert_eq!(pattern.is_match(&b64), server_takes(magics, &b64), "{}", b64);
        }

        /// Random base64-ish text: the pattern agrees with the server.
        #[test]
        fn content_patterns_agree_on_noise(t in 0..3usize, b64 in "[A-Za-z0-9+/=]{0,16}") {
            let (_, magics) = FILE_TYPES[t];
            prop_assert_eq!(re(&content_pattern(magics)).is_match(&b64), server_takes(magics, &b64), "{}", b64);
        }

        #[test]
        fn e164_pattern_is_the_check(s in prop_oneof![r"\+?[0-9]{0,17}", r"[+0-9a ]{0,6}", ".{0,4}"]) {
            prop_assert_eq!(re(E164_PATTERN).is_match(&s), is_e164(&s), "{:?}", s);
        }

        #[test]
        fn name_pattern_is_the_check(s in prop_oneof![
            r"[ -~]{0,70}",
            r"[ \t\x00\x1f\x7fa\u{e9}\u{3000}\u{1F600}]{0,5}",
            r"\PC{0,66}",
        ]) {
            // The document says it with minLength, maxLength (in characters) and the pattern.
            let count = s.chars().count();
            let documented = (1..=MAX_NAME).contains(&count) && re(NAME_PATTERN).is_match(&s);
            prop_assert_eq!(documented, is_name(&s), "{:?}", s);
        }

        #[test]
        fn network_pattern_is_the_parser(s in prop_oneof![
            r"(25[0-6]|2[0-4][0-9]|1[0-9]{2}|0?[0-9]{1,2})(\.(25[0-6]|1[0-9]{2}|0?[0-9]{1,2})){2,4}(/0?[0-9]{1,3})?",
            r"([0-9a-fA-F]{0,5}:{1,2}){0,8}[0-9a-fA-F]{0,5}(/0?[0-9]{1,3})?",
            r"([0-9a-f]{1,4}:){1,6}:?(1\.2\.3\.4|[0-9a-f]{1,4})(/[0-9]{1,3})?",
            r"[0-9a-f:./]{0,12}",
        ]) {
            prop_assert_eq!(net().is_match(&s), parse_network(&s).is_some(), "{:?}", s);
        }
    }

    /// Addresses as Rust, people and tools write them, with or without a prefix length, and
    /// the same with one character changed, dropped or added.
    fn written_networks() -> impl Strategy<Value = String> {
        let v6 = any::<u128>().prop_flat_map(|bits| {
            let a = std::net::Ipv6Addr::from(bits);
            let groups = a.segments().map(|g| format!("{g:x}")).join(":");
            let zeros = std::net::Ipv6Addr::from(bits & 0xffff_0000_0000_0000_0000_ffff_0000_ffff);
            prop::sample::select(vec![
                a.to_string(),
                groups,
                zeros.to_string(),
                format!("::ffff:{}", std::net::Ipv4Addr::from(bits as u32)),
            ])
        });
        let v4 = any::<u32>().prop_map(|bits| std::net::Ipv4Addr::from(bits).to_string());
        let prefix = prop_oneof![
            Just(String::new()),
            (0u8..=140).prop_map(|p| format!("/{p}"))
        ];
        let edit = proptest::option::of((any::<prop::sample::Index>(), 0u8..3, "[0-9a-f:./]"));
        (prop_oneof![v6, v4], prefix, edit).prop_map(|(addr, prefix, edit)| {
            let mut s = format!("{addr}{prefix}");
            if let Some((i, op, c)) = edit {
                let i = i.index(s.len());
                match op {
                    0 => s.replace_range(i..=i, &c),
                    1 => {
                        s.remove(i);
                    }
                    _ => s.insert_str(i, &c),
                }
            }
            s
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn network_pattern_is_the_parser_on_written_addresses(s in written_networks()) {
            prop_assert_eq!(net().is_match(&s), parse_network(&s).is_some(), "{:?}", s);
        }
    }

    #[test]
    fn network_pattern_takes_what_the_examples_show() {
        let net = net();
        for ok in [
            "10.0.0.0/8",
            "192.0.2.1",
            "2001:db8::/32",
            "::1",
            "::",
            "::ffff:192.0.2.1",
            "1:2:3:4:5:6:7:8/128",
            "1::",
            "0.0.0.0/0",
        ] {
            assert!(net.is_match(ok), "{ok}");
            assert!(parse_network(ok).is_some(), "{ok}");
        }
        for bad in [
            "010.0.0.0/8",
            "10.0.0.0/08",
            "10.0.0.0/33",
            "1.2.3.4/",
            "::1/129",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "",
            "nope",
        ] {
            assert!(!net.is_match(bad), "{bad}");
            assert!(parse_network(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn statuses_are_the_filter_values() {
        for s in FAX_STATUSES {
            let parsed: Result<crate::routes::FaxStatus, _> =
                serde_json::from_value(Value::from(s));
            assert!(parsed.is_ok(), "{s}");
        }
    }

    #[test]
    fn fax_ids_have_the_documented_shape() {
        let id = re(FAX_ID_PATTERN);
        assert!(id.is_match(EXAMPLE_FAX_ID));
        for _ in 0..100 {
            let made = format!("{}{}", crate::routes::FAX_ID_PREFIX, ulid::Ulid::new());
            assert!(id.is_match(&made), "{made}");
        }
    }

    #[test]
    fn key_ids_and_secrets_have_the_documented_shape() {
        let doc = document(StyleKind::Flat, false);
        let schemas = &doc["components"]["schemas"];
        let id = re(schemas["Key"]["properties"]["id"]["pattern"]
            .as_str()
            .unwrap());
        let secret = re(schemas["CreatedKey"]["properties"]["secret"]["pattern"]
            .as_str()
            .unwrap());
        let revokable = re(
            doc["paths"]["/account/keys/{id}"]["delete"]["parameters"][0]["schema"]["pattern"]
                .as_str()
                .unwrap(),
        );
        for env in ["test", "live", ACCOUNT_ENV] {
            let key = errcat::store::keys::ApiKeySecret::generate(PREFIX, env).unwrap();
            assert!(id.is_match(key.id()), "{}", key.id());
            assert_eq!(revokable.is_match(key.id()), env != ACCOUNT_ENV);
            assert_eq!(secret.is_match(key.expose()), env != ACCOUNT_ENV);
        }
        assert!(revokable.is_match(EXAMPLE_KEY_ID));
    }
}
