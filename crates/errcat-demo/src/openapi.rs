//! The demo's OpenAPI 3.1 document: every route, and every error response each can return,
//! with an example body per code rendered by errcat in the running style.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::IntoResponse;
use errcat::{ApiError, Catalog, Renderer, RequestInfo, Role, StyleKind};
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
}

const AUTH: [Code; 3] = [
    Code::ApiKeyMissing,
    Code::Unauthenticated,
    Code::ApiKeyInvalid,
];

fn operations() -> Vec<Op> {
    let env = |extra: &[Code]| -> Vec<Code> {
        let mut v = AUTH.to_vec();
        v.push(Code::KeyNotScopedForOperations);
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
            roles: body_roles,
        },
        Op {
            method: "get",
            path: "/faxes",
            summary: "List faxes",
            success: (200, "The faxes."),
            body: None,
            codes: env(&[Code::ValidationFailed]),
            roles: vec![Role::InvalidParameter],
        },
        Op {
            method: "get",
            path: "/faxes/{id}",
            summary: "Get a fax",
            success: (200, "The fax."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden]),
            roles: vec![],
        },
        Op {
            method: "delete",
            path: "/faxes/{id}",
            summary: "Delete a delivered fax",
            success: (204, "Deleted."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden, Code::FaxNotTerminal]),
            roles: vec![],
        },
        Op {
            method: "get",
            path: "/faxes/{id}/pages/{page}",
            summary: "Get one page of a fax",
            success: (200, "The page."),
            body: None,
            codes: env(&[Code::NotFound, Code::Forbidden]),
            roles: vec![Role::InvalidParameter],
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
        },
        Op {
            method: "get",
            path: "/account/balance",
            summary: "Balances of every environment",
            success: (200, "The balances."),
            body: None,
            codes: acct(&[]),
            roles: vec![],
        },
        Op {
            method: "delete",
            path: "/account/keys/{id}",
            summary: "Delete an environment key",
            success: (204, "Deleted."),
            body: None,
            codes: acct(&[Code::AcctKeyCreationDashboardOnly]),
            roles: vec![Role::InvalidParameter],
        },
        Op {
            method: "get",
            path: "/debug/fail",
            summary: "Fails on purpose with internal_server_error",
            success: (200, "Never."),
            body: None,
            codes: vec![Code::InternalServerError],
            roles: vec![],
        },
        Op {
            method: "get",
            path: "/debug/panic",
            summary: "Panics on purpose",
            success: (200, "Never."),
            body: None,
            codes: vec![Code::InternalServerError],
            roles: vec![],
        },
        Op {
            method: "get",
            path: "/debug/slow",
            summary: "Sleeps `ms` milliseconds (to see timeouts and load shedding)",
            success: (200, "Slept."),
            body: None,
            codes: vec![],
            roles: vec![Role::InvalidParameter],
        },
        Op {
            method: "get",
            path: "/healthz",
            summary: "Liveness",
            success: (200, "ok"),
            body: None,
            codes: vec![],
            roles: vec![],
        },
        Op {
            method: "get",
            path: "/openapi.json",
            summary: "This document",
            success: (200, "The OpenAPI document."),
            body: None,
            codes: vec![],
            roles: vec![],
        },
    ]
}

/// Errors any route can return: the framework's own.
const EVERY_ROUTE: [Role; 3] = [Role::Timeout, Role::Unavailable, Role::Internal];

/// The JSON Schema of the envelope of a style.
pub fn envelope_schema(style: StyleKind) -> Value {
    let s = json!({"type": "string"});
    let field_list = json!({"type": "array", "items": {"type": "object", "properties": {"field": s, "message": s}, "required": ["field", "message"]}});
    match style {
        StyleKind::Flat => {
            json!({"type": "object", "required": ["error", "message", "request_id"], "properties": {
            "error": s, "message": s, "action": s, "docs": {"type": "string", "format": "uri"}, "request_id": s,
            "context": {"type": "object", "properties": {"errors": {"type": "object", "additionalProperties": {"type": "array", "items": s}}}}}})
        }
        StyleKind::Nested => {
            json!({"type": "object", "required": ["success", "error", "meta"], "properties": {
            "success": {"const": false},
            "error": {"type": "object", "required": ["code", "message"], "properties": {"code": s, "message": s, "field": s, "retryAfter": {"type": "integer"}, "fields": field_list}},
            "meta": {"type": "object", "required": ["requestId", "timestamp"], "properties": {"requestId": s, "timestamp": {"type": "string", "format": "date-time"}}}}})
        }
        StyleKind::JsonApi => {
            json!({"type": "object", "required": ["errors", "meta"], "properties": {
            "errors": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["status", "code", "detail"], "properties": {
                "status": s, "code": s, "detail": s,
                "source": {"type": "object", "properties": {"pointer": s, "parameter": s, "header": s}},
                "meta": {"type": "object"}}}},
            "meta": {"type": "object", "required": ["request_id"], "properties": {"version": s, "api_version": s, "request_id": s, "datetime": {"type": "object"}}}}})
        }
        StyleKind::Simple => {
            json!({"type": "object", "required": ["success", "error", "message", "code", "request_id"], "properties": {
            "success": {"const": false}, "error": s, "message": s, "code": {"type": "integer"}, "field": s, "fields": field_list,
            "context": {"type": "object"}, "request_id": s}})
        }
        StyleKind::Problem => {
            json!({"type": "object", "required": ["type", "title", "status", "detail", "code", "request_id"], "properties": {
            "type": {"type": "string", "format": "uri-reference"}, "title": s, "status": {"type": "integer"}, "detail": s,
            "instance": {"type": "string", "format": "uri-reference"}, "code": s, "request_id": s,
            "errors": {"type": "array", "items": {"type": "object", "required": ["detail"], "properties": {"detail": s, "pointer": s, "parameter": s, "header": s, "code": s}}}}})
        }
        StyleKind::Google => json!({"type": "object", "required": ["error"], "properties": {
            "error": {"type": "object", "required": ["code", "message", "status"], "properties": {
                "code": {"type": "integer"}, "message": s, "status": s,
                "details": {"type": "array", "items": {"type": "object", "required": ["@type"], "properties": {"@type": s}}}}}}}),
        StyleKind::Custom => json!({"type": "object"}),
    }
}

/// Renders an example body of a code in the style.
fn example(renderer: &Renderer, err: ApiError) -> Option<Value> {
    let (_, body) = renderer
        .render_to_vec(&err, &RequestInfo::new("req_01J9XYZQ8KH7B3R0WXAZP8VW6F"))
        .ok()?;
    serde_json::from_slice(&body).ok()
}

fn example_error(catalog: &Catalog, code: &str) -> Option<ApiError> {
    let err = ApiError::checked(catalog, code).ok()?;
    Some(match code {
        "insufficient_balance" => err.with("balance", 1).with("cost", 2),
        "validation_failed" => err.field(
            errcat::FieldError::pointer("/to", "The to field is required.").with_code("required"),
        ),
        _ => err,
    })
}

/// The whole document, for a style.
pub fn document(style: StyleKind) -> Value {
    let catalog = mintfax::catalog();
    let renderer = Renderer::new(catalog.clone(), style);
    let content_type = renderer
        .content_type()
        .to_str()
        .unwrap_or("application/json")
        .to_string();
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for op in operations() {
        // Codes by status.
        let mut by_status: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        let role_codes = op
            .roles
            .iter()
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
            let mut examples = Map::new();
            let mut lines = Vec::new();
            for code in codes {
                let entry = catalog.get(code);
                lines.push(format!(
                    "- `{code}`: {}",
                    entry.map_or("", |e| e.summary.as_str())
                ));
                if let Some(v) = example_error(&catalog, code).and_then(|e| example(&renderer, e)) {
                    examples.insert(code.clone(), json!({"summary": code, "value": v}));
                }
            }
            let mut media = json!({"schema": {"$ref": "#/components/schemas/Error"}});
            if !examples.is_empty() {
                media["examples"] = Value::Object(examples);
            }
            responses.insert(
                status.to_string(),
                json!({
                    "description": format!("{}\n\n{}", reason(*status), lines.join("\n")),
                    "headers": {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}},
                    "content": {content_type.clone(): media},
                    "x-error-codes": codes,
                }),
            );
        }
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}'], "_")),
            "responses": responses,
        });
        let needs_auth = op.codes.iter().any(|c| AUTH.contains(c));
        if needs_auth {
            operation["security"] = json!([{"bearer": []}]);
        }
        if let Some(schema) = op.body {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        let params = params_of(op.path, op.method);
        if !params.is_empty() {
            operation["parameters"] = Value::Array(params);
        }
        paths
            .entry(op.path)
            .or_default()
            .insert(op.method.to_string(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "mintfax demo API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "A fax-sending API whose every error, its own and the framework's, is rendered by errcat from seed 000's catalog.",
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "mfx_test_demo (sandbox), mfx_live_demo (live) or mfx_acct_demo (account)"}},
            "headers": {"X-Request-Id": {"description": "The request id, also in the body.", "schema": {"type": "string"}}},
            "schemas": {
                "Error": envelope_schema(style),
                "NewFax": {"type": "object", "required": ["to", "file"], "additionalProperties": false, "properties": {
                    "to": {"type": "string", "description": "E.164, such as +15551234567"},
                    "file": {"type": "object", "required": ["content_type", "content_base64"], "additionalProperties": false, "properties": {
                        "content_type": {"type": "string", "enum": ["application/pdf", "image/tiff", "image/jpeg"]},
                        "content_base64": {"type": "string", "contentEncoding": "base64", "description": "At most 10 MB once decoded."}}}}},
            },
        },
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
        ("get", "/debug/slow") => out.push(json!({"name": "ms", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}})),
        _ => {}
    }
    out
}

fn reason(status: u16) -> &'static str {
    axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error")
}

pub(crate) async fn serve(spec: Arc<Value>) -> impl IntoResponse {
    axum::Json(spec.as_ref().clone())
}
