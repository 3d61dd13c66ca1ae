// Shared by the render benchmark, the allocation test and errcat-client's parse benchmark:
// one catalog, one error.

use std::sync::Arc;

use errcat::{ApiError, Catalog, FieldError};

pub const CATALOG: &str = r#"
[catalog]
name = "bench"
docs_url = "https://api.example.com/errors/{anchor}"
locales = ["en", "es"]
[catalog.jsonapi]
version = "1.47.0"
api_version = "v1"
[catalog.google]
domain = "api.example.com"
[catalog.custom]
template = '{"code": "{{code}}", "message": "{{message}}", "request_id": "{{request_id}}", "details": "{{fields}}"}'

[codes.upload_too_large]
status = 422
category = "Validation"
action = "shrink_upload"
message.en = "The upload is {size} bytes; the limit is {limit}."
message.es = "El archivo pesa {size} bytes; el límite es {limit}."
context.size = "integer"
context.limit = "integer"
"#;

pub fn catalog() -> Arc<Catalog> {
    Arc::new(Catalog::from_toml_str("bench.toml", CATALOG).expect("the bench catalog is valid"))
}

/// An error with two context values and two field errors.
pub fn error(c: &Catalog) -> ApiError {
    ApiError::checked(c, "upload_too_large")
        .expect("code exists")
        .with("size", 12_582_912)
        .with("limit", 10_485_760)
        .field(
            FieldError::pointer("/file", "The file must be 10 MB at most.").with_code("too_large"),
        )
        .field(FieldError::pointer("/to", "The to field must be E.164.").with_code("invalid_phone"))
}

pub const REQUEST_ID: &str = "req_01J9XYZQ8KH7B3R0WXAZP8VW6F";
