//! `ApiError` as a response, and the mapping of framework failures to roles.

use std::sync::Arc;

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};

use crate::{ApiError, Role};

/// An error a handler returned, waiting for [`ErrcatLayer`](super::ErrcatLayer) to render it
/// with the request's id and locale.
#[derive(Clone)]
pub(crate) struct Pending(pub(crate) Arc<ApiError>);

/// Marks a response errcat has rendered, so the layer leaves it alone.
#[derive(Clone, Copy)]
pub(crate) struct Rendered;

impl IntoResponse for ApiError {
    /// A placeholder the [`ErrcatLayer`](super::ErrcatLayer) renders in the catalog's style.
    ///
    /// Without the layer the response is a 500 with a minimal JSON body naming the code, so
    /// even a misconfigured service never answers with text/plain.
    fn into_response(self) -> Response {
        let body = format!(
            r#"{{"error":{}}}"#,
            crate::json::quoted(&self.code().to_string())
        );
        let mut res = (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
        res.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        res.extensions_mut().insert(Pending(Arc::new(self)));
        res
    }
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
