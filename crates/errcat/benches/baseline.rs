//! The render benchmark's baseline, shared with `examples/render_profile.rs`: the body each
//! style renders, built the way a hand-written handler would, with `serde_json::json!`.

use errcat::StyleKind;
use serde_json::json;

/// The same body each style renders, built the way a hand-written handler would.
pub fn baseline(style: StyleKind, size: i64, limit: i64, rid: &str) -> serde_json::Value {
    let msg = format!("The upload is {size} bytes; the limit is {limit}.");
    let f1 = "The file must be 10 MB at most.";
    let f2 = "The to field must be E.164.";
    let docs = "https://api.example.com/errors/upload-too-large";
    match style {
        StyleKind::Flat => {
            json!({"error": "upload_too_large", "message": msg, "action": "shrink_upload", "docs": docs, "request_id": rid,
            "context": {"size": size, "limit": limit, "errors": {"file": [f1], "to": [f2]}}})
        }
        StyleKind::Nested => {
            json!({"success": false, "error": {"code": "upload_too_large", "message": msg, "field": "file", "size": size, "limit": limit,
            "fields": [{"field": "file", "message": f1}, {"field": "to", "message": f2}]},
            "meta": {"requestId": rid, "timestamp": humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()}})
        }
        StyleKind::JsonApi => json!({"errors": [
            {"status": "422", "code": "too_large", "detail": f1, "source": {"pointer": "/file"}, "meta": {"size": size, "limit": limit}},
            {"status": "422", "code": "invalid_phone", "detail": f2, "source": {"pointer": "/to"}, "meta": {"size": size, "limit": limit}}],
            "meta": {"version": "1.47.0", "api_version": "v1", "request_id": rid, "datetime": {"timezone": "UTC", "format": "ISO 8601"}}}),
        StyleKind::Simple => {
            json!({"success": false, "error": "upload_too_large", "message": msg, "code": 422, "field": "file",
            "fields": [{"field": "file", "message": f1}, {"field": "to", "message": f2}], "context": {"size": size, "limit": limit}, "request_id": rid})
        }
        StyleKind::Problem => {
            json!({"type": docs, "title": "Upload too large", "status": 422, "detail": msg, "code": "upload_too_large", "request_id": rid,
            "size": size, "limit": limit, "errors": [{"detail": f1, "pointer": "#/file", "code": "too_large"}, {"detail": f2, "pointer": "#/to", "code": "invalid_phone"}]})
        }
        StyleKind::Google => {
            json!({"error": {"code": 422, "message": msg, "status": "FAILED_PRECONDITION", "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "UPLOAD_TOO_LARGE", "domain": "api.example.com", "metadata": {"size": size.to_string(), "limit": limit.to_string()}},
            {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "file", "description": f1, "reason": "TOO_LARGE"}, {"field": "to", "description": f2, "reason": "INVALID_PHONE"}]},
            {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Upload too large", "url": docs}]},
            {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": rid},
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en", "message": msg}]}})
        }
        StyleKind::Custom => {
            json!({"code": "upload_too_large", "message": msg, "request_id": rid, "details": [
            {"field": "file", "source": "body", "pointer": "/file", "code": "too_large", "message": f1},
            {"field": "to", "source": "body", "pointer": "/to", "code": "invalid_phone", "message": f2}]})
        }
    }
}

/// The practical limit: the body errcat renders, split once around the request id, so that a
/// render is two copies and the escaped id. Only the request id changes between requests here;
/// a real API would need more, so no renderer can reach this.
pub struct Prerendered {
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl Prerendered {
    /// Splits `body` around the first `"request_id"` value it contains.
    pub fn new(body: &[u8], request_id: &str) -> Prerendered {
        let at = body
            .windows(request_id.len())
            .position(|w| w == request_id.as_bytes())
            .unwrap_or(body.len());
        Prerendered {
            head: body[..at].to_vec(),
            tail: body[(at + request_id.len()).min(body.len())..].to_vec(),
        }
    }

    /// Writes the body for `request_id`, escaped as JSON.
    pub fn write(&self, out: &mut Vec<u8>, request_id: &str) {
        out.extend_from_slice(&self.head);
        for c in request_id.bytes() {
            if c == b'"' || c == b'\\' || c < 0x20 {
                out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
            } else {
                out.push(c);
            }
        }
        out.extend_from_slice(&self.tail);
    }
}
