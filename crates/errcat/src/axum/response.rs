//! `ApiError` as a response, the fallback handler and the mapping of tower's errors.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::StatusCode;

use super::layer::SCOPE;
use super::status::{PENDING_STATUS, Pending, bare_internal_error};
use crate::{ApiError, Role};

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
