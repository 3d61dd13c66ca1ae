//! `ApiError` as a response, and the mapping of framework failures to roles.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

use crate::{ApiError, Role};

/// An error a handler returned, waiting for [`ErrcatLayer`](super::ErrcatLayer) to render it
/// with the request's id and locale (the path for errors raised outside the layer's task).
#[derive(Clone)]
pub(crate) struct Pending(pub(crate) Arc<ApiError>);

/// What the layer shares with the code running in its task: the request's id and locale, and
/// a slot for the error a handler raises. A task-local is far cheaper than request extensions.
pub(crate) struct TaskScope {
    pub(crate) errcat: super::Errcat,
    pub(crate) id: crate::RequestId,
    pub(crate) locale: crate::Locale,
    /// Only kept when the style shows it (problem+json's `instance`).
    pub(crate) path: Option<String>,
    /// When the request came, if errors could be logged (with their latency).
    pub(crate) start: Option<std::time::Instant>,
    pub(crate) pending: std::cell::RefCell<Option<ApiError>>,
}

tokio::task_local! {
    pub(crate) static SCOPE: TaskScope;
}

/// The status of a response whose error waits in the task scope; never sent to a client.
pub(crate) const PENDING_STATUS: u16 = 599;

impl IntoResponse for ApiError {
    /// A placeholder the [`ErrcatLayer`](super::ErrcatLayer) renders in the catalog's style.
    ///
    /// Inside the layer's task the error goes to the layer through a task-local slot; elsewhere
    /// (a spawned task) through the response's extensions. Without the layer the response is a
    /// 500 with a minimal JSON body, so even a misconfigured service never answers text/plain.
    fn into_response(self) -> Response {
        let mut slot = Some(self);
        let _ = SCOPE.try_with(|scope| {
            if let Ok(mut pending) = scope.pending.try_borrow_mut() {
                *pending = slot.take();
            }
        });
        let Some(err) = slot else {
            let mut res = Response::new(axum::body::Body::empty());
            *res.status_mut() =
                StatusCode::from_u16(PENDING_STATUS).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return res;
        };
        let mut res = bare_internal_error();
        res.extensions_mut().insert(Pending(Arc::new(err)));
        res
    }
}

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

/// A fallback handler for unknown routes: the catalog's `not_found` role.
///
/// ```
/// let app: axum::Router = axum::Router::new().fallback(errcat::axum::not_found);
/// ```
pub async fn not_found() -> ApiError {
    ApiError::role(Role::NotFound)
}

/// Maps tower's errors for `HandleErrorLayer`: a timeout becomes the `timeout` role, load
/// shedding the `unavailable` role, anything else `internal` (with the error kept for logs).
///
/// ```
/// use std::time::Duration;
/// use axum::{error_handling::HandleErrorLayer, Router};
/// use tower::ServiceBuilder;
///
/// let app: Router = Router::new().layer(
///     ServiceBuilder::new()
///         .layer(HandleErrorLayer::new(errcat::axum::handle_error))
///         .load_shed()
///         .concurrency_limit(64)
///         .timeout(Duration::from_secs(10)),
/// );
/// ```
pub async fn handle_error(err: tower::BoxError) -> ApiError {
    if err.is::<tower::timeout::error::Elapsed>() {
        ApiError::role(Role::Timeout).with_source(err)
    } else if err.is::<tower::load_shed::error::Overloaded>() {
        ApiError::role(Role::Unavailable)
            .retry_after(1)
            .with_source(err)
    } else {
        ApiError::role(Role::Internal).with_source(err)
    }
}
