//! What the layer and the responses share below both: the placeholder of an error waiting for
//! the layer, the bare 500 for when no catalog can answer, and the role a framework failure's
//! status stands for.

use std::sync::Arc;

use axum::response::Response;
use http::{HeaderValue, StatusCode};

use crate::{ApiError, Role};

/// An error a handler returned, waiting for [`ErrcatLayer`](super::ErrcatLayer) to render it
/// with the request's id and locale (the path for errors raised outside the layer's task).
#[derive(Clone)]
pub(crate) struct Pending(pub(crate) Arc<ApiError>);

/// The status of a response whose error waits in the task scope; never sent to a client.
pub(crate) const PENDING_STATUS: u16 = 599;

/// A minimal JSON 500, for when no catalog can answer: outside the layer, or when even the
/// catalog's `internal` code fails to render. Never text/plain.
pub(crate) fn bare_internal_error() -> Response {
    let mut res = Response::new(axum::body::Body::from(r#"{"error":"internal_error"}"#));
    *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The role a framework failure's status stands for, if any.
///
/// ```
/// use errcat::{Role, axum::role_for_status};
/// assert_eq!(role_for_status(405), Some(Role::MethodNotAllowed));
/// assert_eq!(role_for_status(408), Some(Role::Timeout));
/// assert_eq!(role_for_status(401), None);
/// ```
pub fn role_for_status(status: u16) -> Option<Role> {
    Some(match status {
        400 => Role::InvalidParameter,
        404 => Role::NotFound,
        405 => Role::MethodNotAllowed,
        408 | 504 => Role::Timeout,
        413 => Role::PayloadTooLarge,
        415 => Role::UnsupportedMediaType,
        422 => Role::ValidationFailed,
        429 => Role::RateLimited,
        503 => Role::Unavailable,
        500..=599 => Role::Internal,
        _ => return None,
    })
}
