//! The demo's OpenAPI 3.1 document: every route, and every error response each can return,
//! with an example body per code rendered by errcat in the running style.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::IntoResponse;
use errcat::headers::{
    IDEMPOTENCY_KEY, RATELIMIT, RATELIMIT_POLICY, X_RATELIMIT_LIMIT, X_RATELIMIT_REMAINING,
    X_RATELIMIT_RESET, written,
};
use errcat::{Renderer, Role, StyleKind};
use serde_json::{Map, Value, json};

use crate::mintfax::{self, Code};

/// One operation: method, path, summary, success status, and the codes it can return.
struct Op {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    success: (u16, &'static str),
    body: Option<&'static str>,
    codes: Vec<Code>,
    roles: Vec<Role>,
    /// The scope the key needs (a role name in the security requirement, OpenAPI 3.1 §4.8.30).
    scope: Option<&'static str>,
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

fn operations() -> Vec<Op> {
    let env = |extra: &[Code]| -> Vec<Code> {
        let mut v = AUTH.to_vec();
        v.push(Code::KeyNotScopedForOperations);
        // A key without the operation's scope (the insufficient_scope role).
        v.push(Code::Forbidden);
        v.extend_from_slice(extra);
        v
    };
    let acct = |extra: &[Code]| -> Vec<Code> {
        let mut v = AUTH.to_vec();
        v.push(Code::KeyNotScopedForAccount);
        v.extend_from_slice(extra);
        v
    };
    let body_roles = vec![
        Role::InvalidJson,
        Role::ValidationFailed,
        Role::UnsupportedMediaType,
        Role::PayloadTooLarge,
    ];
    vec![
        Op {
            method: "post",
            path: "/faxes",
            summary: "Send a fax",
            success: (201, "The fax, queued."),
            body: Some("NewFax"),
            codes: env(&[Code::ValidationFailed, Code::InsufficientBalance]),
            roles: body_roles.clone(),
            scope: Some(crate::auth::WRITE),
        },
        Op {
            method: "get",
            path: "/faxes",
            summary: "List faxes",
            success: (200, "The faxes."),
            body: None,
            codes: env(&[Code::ValidationFailed]),
            roles: vec![Role::InvalidParameter],
            scope: Some(crate::auth::READ),
        },
        Op {
            method: "get",
            path: "/faxes/{id}",
            summary: "Get a fax",
            success: (200, "The fax."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden]),
            roles: vec![],
            scope: Some(crate::auth::READ),
        },
        Op {
            method: "delete",
            path: "/faxes/{id}",
            summary: "Delete a delivered fax",
            success: (204, "Deleted."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden, Code::FaxNotTerminal]),
            roles: vec![],
            scope: Some(crate::auth::WRITE),
        },
        Op {
            method: "get",
            path: "/faxes/{id}/pages/{page}",
            summary: "Get one page of a fax",
            success: (200, "The page."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden]),
            roles: vec![Role::InvalidParameter],
            scope: Some(crate::auth::READ),
        },
        Op {
            method: "post",
            path: "/faxes/{id}/resend",
            summary: "Resend a fax",
            success: (201, "Never in the demo: it runs zero-footprint."),
            body: None,
            codes: env(&[
                Code::NotFound,
                Code::Forbidden,
                Code::FaxNotTerminal,
                Code::FaxDataPurged,
            ]),
            roles: vec![],
            scope: Some(crate::auth::WRITE),
        },
        Op {
            method: "get",
            path: "/account/balance",
            summary: "Balances of every environment",
            success: (200, "The balances."),
            body: None,
            codes: acct(&[]),
            roles: vec![],
            scope: Some(crate::auth::ACCOUNT),
        },
        Op {
            method: "delete",
            path: "/account/keys/{id}",
            summary: "Revoke an environment key: it stops working at once here, within the key cache's time on other instances",
            success: (204, "Revoked."),
            body: None,
            codes: acct(&[Code::AcctKeyCreationDashboardOnly, Code::NotFound]),
            roles: vec![Role::InvalidParameter],
            scope: Some(crate::auth::ACCOUNT),
        },
        Op {
            method: "post",
            path: "/account/keys",
            summary: "Make an environment key: its secret is in this answer only",
            success: (201, "The key, with its secret."),
            body: Some("NewKey"),
            codes: acct(&[Code::ValidationFailed]),
            roles: body_roles.clone(),
            scope: Some(crate::auth::ACCOUNT),
        },
        Op {
            method: "get",
            path: "/account/keys",
            summary: "List the account's keys, without their secrets",
            success: (200, "The keys."),
            body: None,
            codes: acct(&[]),
            roles: vec![],
            scope: Some(crate::auth::ACCOUNT),
        },
        Op {
            method: "get",
            path: "/debug/fail",
            summary: "Fails on purpose with internal_server_error",
            success: (200, "Never."),
            body: None,
            codes: vec![Code::InternalServerError],
            roles: vec![],
            scope: None,
        },
        Op {
            method: "get",
            path: "/debug/panic",
            summary: "Panics on purpose",
            success: (200, "Never."),
            body: None,
            codes: vec![Code::InternalServerError],
            roles: vec![],
            scope: None,
        },
        Op {
            method: "get",
            path: "/debug/slow",
            summary: "Sleeps `ms` milliseconds (to see timeouts and load shedding)",
            success: (200, "Slept."),
            body: None,
            codes: vec![],
            roles: vec![Role::InvalidParameter],
            scope: None,
        },
        Op {
            method: "get",
            path: "/healthz",
            summary: "Liveness",
            success: (200, "ok"),
            body: None,
            codes: vec![],
            roles: vec![],
            scope: None,
        },
        Op {
            method: "get",
            path: "/openapi.json",
            summary: "This document",
            success: (200, "The OpenAPI document."),
            body: None,
            codes: vec![],
            roles: vec![],
            scope: None,
        },
    ]
}

/// Errors any route can return: the framework's own, and the rate limit's.
const EVERY_ROUTE: [Role; 4] = [
    Role::RateLimited,
    Role::Timeout,
    Role::Unavailable,
    Role::Internal,
];

/// Errors of the `Idempotency-Key` header, on the routes it covers (POST).
const IDEMPOTENT_ROUTE: [Role; 3] = [
    Role::IdempotencyKeyInvalid,
    Role::IdempotencyKeyReused,
    Role::IdempotencyKeyInProgress,
];

/// The rate-limit headers every response carries, as OpenAPI header objects.
fn rate_limit_headers() -> Value {
    json!({
        (written(&RATELIMIT_POLICY)): {"description": "The quota policies that apply (draft-ietf-httpapi-ratelimit-headers): a structured-field list such as `\"second\";q=1000;w=1, \"hour\";q=1000000;w=3600`.", "schema": {"type": "string"}},
        (written(&RATELIMIT)): {"description": "What each policy has left: `\"second\";r=999;t=1`, remaining requests and seconds until the window is full again.", "schema": {"type": "string"}},
        (written(&X_RATELIMIT_LIMIT)): {"description": "The quota of the window closest to its limit.", "schema": {"type": "integer"}},
        (written(&X_RATELIMIT_REMAINING)): {"description": "What that window has left.", "schema": {"type": "integer"}},
        (written(&X_RATELIMIT_RESET)): {"description": "Seconds until that window is full again.", "schema": {"type": "integer"}}
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
pub fn document(style: StyleKind, debug_routes: bool) -> Value {
    let catalog = mintfax::catalog();
    let renderer = Renderer::new(catalog.clone(), style);
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mounted = operations()
        .into_iter()
        .filter(|op| debug_routes || !op.path.starts_with("/debug/"));
    for op in mounted {
        // Codes by status.
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        let idempotent: &[Role] = if op.method == "post" {
            &IDEMPOTENT_ROUTE
        } else {
            &[]
        };
        let needs_auth = op.codes.iter().any(|c| AUTH.contains(c));
        let auth_roles: &[Role] = if needs_auth { &AUTH_ROLES } else { &[] };
        let role_codes = op
            .roles
            .iter()
            .chain(auth_roles)
            .chain(idempotent)
            .chain(EVERY_ROUTE.iter())
            .map(|r| catalog.role(*r).code.clone());
        for code in op
            .codes
            .iter()
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
        let (ok, ok_desc) = op.success;
        responses.insert(ok.to_string(), json!({"description": ok_desc}));
        for (status, codes) in &by_status {
            let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
            responses.insert(
                status.to_string(),
                errcat::openapi::response(&renderer, *status, &codes),
            );
        }
        for response in responses.values_mut() {
            let headers = response
                .as_object_mut()
                .map(|r| r.entry("headers").or_insert_with(|| json!({})));
            if let Some(Value::Object(headers)) = headers
                && let Value::Object(limits) = rate_limit_headers()
            {
                headers.extend(limits);
            }
        }
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}'], "_")),
            "responses": responses,
        });
        if needs_auth {
            operation["security"] = json!([{"bearer": op.scope.into_iter().collect::<Vec<_>>()}]);
        }
        if let Some(schema) = op.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        let mut params = params_of(op.path, op.method);
        if op.method == "post" {
            params.push(json!({"name": written(&IDEMPOTENCY_KEY), "in": "header", "required": false, "description": "Makes a retry safe: the first response is kept for 24 hours and replayed (with `Idempotent-Replayed: true`) to a retry with the same key and body. 1 to 255 characters from A-Z, a-z, 0-9, _ and -.", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,255}$"}}));
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
    components["securitySchemes"] = json!({"bearer": {"type": "http", "scheme": "bearer", "description": "An API key, `mfx_<environment>_` then 36 letters and digits: `mfx_test_…` (sandbox), `mfx_live_…` (live) or `mfx_acct_…` (account). The demo makes one of each at start and prints them; `POST /account/keys` makes more. Each operation's security requirement names the scope it needs."}});
    components["schemas"]["NewKey"] = json!({"type": "object", "required": ["name", "scopes", "environment"], "additionalProperties": false, "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": crate::key_routes::MAX_NAME},
        "scopes": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": [crate::auth::READ, crate::auth::WRITE]}},
        "environment": {"type": "string", "enum": ["test", "live"]},
        "expires_in": {"type": "integer", "minimum": 1, "maximum": crate::key_routes::MAX_EXPIRES_IN, "description": "Seconds until the key expires; never when absent."},
        "allowed_ips": {"type": "array", "maxItems": crate::key_routes::MAX_NETWORKS, "items": {"type": "string"}, "description": "Networks (CIDRs or addresses) the key may be used from; anywhere when absent."}}});
    components["schemas"]["NewFax"] = json!({"type": "object", "required": ["to", "file"], "additionalProperties": false, "properties": {
        "to": {"type": "string", "description": "E.164, such as +15551234567"},
        "file": {"type": "object", "required": ["content_type", "content_base64"], "additionalProperties": false, "properties": {
            "content_type": {"type": "string", "enum": ["application/pdf", "image/tiff", "image/jpeg"]},
            "content_base64": {"type": "string", "contentEncoding": "base64", "description": "At most 10 MB once decoded."}}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mintfax demo API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A fax-sending API whose every error, its own and the framework's, is rendered by errcat from seed 000's catalog.",
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": components,
    })
}

fn params_of(path: &str, method: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for seg in path.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let schema = if name == "page" {
                json!({"type": "integer", "minimum": 1})
            } else {
                json!({"type": "string"})
            };
            out.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
        }
    }
    match (method, path) {
        ("get", "/faxes") => {
            out.push(json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}));
            out.push(json!({"name": "status", "in": "query", "schema": {"type": "string", "enum": ["queued", "delivered"]}}));
        }
        ("get", "/debug/slow") => out.push(json!({"name": "ms", "in": "query", "required": true, "description": "How long to wait, in milliseconds (at most 60000).", "schema": {"type": "integer", "minimum": 0, "maximum": 60000}, "example": 100})),
        _ => {}
    }
    out
}

pub(crate) async fn serve(spec: Arc<Value>) -> impl IntoResponse {
    axum::Json(spec.as_ref().clone())
}
