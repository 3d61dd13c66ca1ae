//! The errcat layer: request ids, locale, panics, rendering, framework failures, logging.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::response::Response;
use futures_util::FutureExt as _;
use futures_util::future::CatchUnwind;
use http::header::{ACCEPT_LANGUAGE, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use tokio::task::futures::TaskLocalFuture;
use tracing::Instrument as _;
use tracing::instrument::Instrumented;

use super::request_id::{MakeRequestId, is_safe_request_id};
use super::status::{PENDING_STATUS, Pending, bare_internal_error, role_for_status};
use super::trace::{TRACEPARENT, TraceId};
use crate::headers::{IDEMPOTENT_REPLAYED, X_REQUEST_ID};
use crate::{
    ApiError, Catalog, Locale, Renderer, RequestId, RequestIdGenerator, RequestInfo, Role,
    StyleKind,
};

/// What the layer shares with the code running in its task: the request's id and locale, and
/// a slot for the error a handler raises. A task-local is far cheaper than request extensions.
pub(crate) struct TaskScope {
    pub(crate) errcat: Errcat,
    pub(crate) id: RequestId,
    pub(crate) locale: Locale,
    /// Only kept when the style shows it (problem+json's `instance`).
    pub(crate) path: Option<String>,
    /// When the request came, if errors could be logged (with their latency).
    pub(crate) start: Option<std::time::Instant>,
    /// The request's method, for the error log.
    pub(crate) method: http::Method,
    /// The route the router matched, once something inside it has said (see [`record_route`]).
    pub(crate) route: std::cell::RefCell<Option<MatchedPath>>,
    /// The trace id of a valid W3C `traceparent` on the request.
    pub(crate) trace: Option<TraceId>,
    pub(crate) pending: std::cell::RefCell<Option<ApiError>>,
}

tokio::task_local! {
    pub(crate) static SCOPE: TaskScope;
}

/// errcat's configuration for a service: the catalog's renderer and how request ids are made.
///
/// ```
/// use errcat::axum::Errcat;
/// use errcat::StyleKind;
///
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let errcat = Errcat::new(mintfax::catalog()).style(StyleKind::Problem).trust_incoming_request_ids(false);
/// assert_eq!(errcat.renderer().style(), StyleKind::Problem);
/// ```
#[derive(Clone)]
pub struct Errcat {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    renderer: Renderer,
    ids: Arc<dyn MakeRequestId>,
    trust_incoming: bool,
    #[cfg(feature = "metrics")]
    error_keys: Arc<crate::metrics::ErrorKeys>,
}

impl Errcat {
    /// errcat for a catalog, in the catalog's style, with request ids in its format.
    pub fn new(catalog: Arc<Catalog>) -> Errcat {
        let ids = RequestIdGenerator::new(catalog.meta.request_id.clone());
        Errcat {
            inner: Arc::new(Inner {
                renderer: Renderer::new(catalog.clone(), catalog.meta.style),
                ids: Arc::new(ids),
                trust_incoming: true,
                #[cfg(feature = "metrics")]
                error_keys: Arc::new(crate::metrics::ErrorKeys::new(&catalog)),
            }),
        }
    }

    /// Renders in another envelope style.
    pub fn style(mut self, style: StyleKind) -> Errcat {
        let inner = Arc::make_mut(&mut self.inner);
        inner.renderer = Renderer::new(inner.renderer.catalog().clone(), style)
            .with_max_field_errors(inner.renderer.max_field_errors());
        self
    }

    /// Shows at most `max` field errors in a body, 100 by default (see
    /// [`Renderer::with_max_field_errors`]); the rest are counted in `omitted_field_errors`.
    /// `garde::Valid` and `validator::Valid` stop converting a report at this bound.
    ///
    /// ```
    /// use errcat::axum::Errcat;
    ///
    /// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
    /// let errcat = Errcat::new(mintfax::catalog()).max_field_errors(20);
    /// assert_eq!(errcat.renderer().max_field_errors(), 20);
    /// ```
    pub fn max_field_errors(mut self, max: usize) -> Errcat {
        let inner = Arc::make_mut(&mut self.inner);
        inner.renderer = inner.renderer.clone().with_max_field_errors(max);
        self
    }

    /// Makes request ids with another strategy.
    pub fn request_ids(mut self, make: impl MakeRequestId) -> Errcat {
        Arc::make_mut(&mut self.inner).ids = Arc::new(make);
        self
    }

    /// Whether a safe incoming `X-Request-Id` is kept (the default) or always replaced.
    pub fn trust_incoming_request_ids(mut self, trust: bool) -> Errcat {
        Arc::make_mut(&mut self.inner).trust_incoming = trust;
        self
    }

    /// The renderer.
    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    /// The layer.
    pub fn layer(&self) -> ErrcatLayer {
        ErrcatLayer {
            errcat: self.clone(),
        }
    }

    /// Wraps a whole service, such as a finished router, in the layer: the same as
    /// `tower::Layer::layer(&self.layer(), inner)`. See the [module docs](super) for why a
    /// router served this way costs less per request than one with [`RouterExt::with_errcat`].
    ///
    /// ```
    /// use axum::{Router, ServiceExt as _};
    /// use errcat::axum::Errcat;
    ///
    /// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
    /// let app = Errcat::new(mintfax::catalog()).service(Router::new());
    /// let _make = app.into_make_service();
    /// ```
    pub fn service<S>(&self, inner: S) -> ErrcatService<S> {
        ErrcatService {
            inner,
            errcat: self.clone(),
        }
    }

    /// Renders an error as a full response for a request's id, locale and path.
    ///
    /// A render failure (say, a message placeholder without a value) is logged and answered with
    /// the catalog's `internal` code, so the client still gets an envelope.
    pub fn render_response(
        &self,
        err: &ApiError,
        request_id: &RequestId,
        locale: Locale,
        path: Option<&str>,
    ) -> Response {
        let mut res = Response::new(Body::empty());
        self.render_into(&mut res, err, request_id, locale, path);
        res.headers_mut()
            .insert(X_REQUEST_ID, request_id.header_value().clone());
        res
    }

    /// Renders into `res`: status, body and errcat's headers but `X-Request-Id` (see [`stamp`]);
    /// other headers stay. Returns the catalog index of the code rendered.
    fn render_into(
        &self,
        res: &mut Response,
        err: &ApiError,
        request_id: &RequestId,
        locale: Locale,
        path: Option<&str>,
    ) -> Option<usize> {
        let info = RequestInfo {
            request_id: request_id.as_str(),
            locale: Some(locale),
            instance: path,
            time: None,
        };
        // Rendered into this thread's scratch buffer, then copied once into a body of the exact
        // size: one allocation per error.
        SCRATCH.with(|scratch| {
            let mut body = scratch.take();
            body.clear();
            let index = self.render_body(res, err, &info, &mut body, request_id);
            scratch.set(body);
            index
        })
    }

    fn render_body(
        &self,
        res: &mut Response,
        err: &ApiError,
        info: &RequestInfo<'_>,
        body: &mut Vec<u8>,
        request_id: &RequestId,
    ) -> Option<usize> {
        let renderer = &self.inner.renderer;
        let head = match renderer.render(err, info, body) {
            Ok(head) => head,
            Err(e) => {
                tracing::error!(request_id = %request_id, code = %err.code(), error = %e, "errcat could not render an error; answering with the internal code");
                body.clear();
                match renderer.render(&ApiError::role(Role::Internal), info, body) {
                    Ok(head) => head,
                    Err(e) => {
                        tracing::error!(request_id = %request_id, error = %e, "errcat could not render the internal code either");
                        *res = bare_internal_error();
                        return None;
                    }
                }
            }
        };
        *res.status_mut() = head.status;
        *res.body_mut() = Body::from(bytes::Bytes::copy_from_slice(body));
        let headers = res.headers_mut();
        headers.remove(CONTENT_LENGTH);
        head.write_headers_without_id(headers);
        Some(head.code_index)
    }

    fn request_id(&self, req: &Request, incoming: Option<&http::HeaderValue>) -> RequestId {
        if self.inner.trust_incoming
            && let Some(v) = incoming
            && v.to_str().is_ok_and(is_safe_request_id)
            && let Some(id) = RequestId::from_header(v)
        {
            return id;
        }
        self.inner.ids.make_request_id(req)
    }
}

thread_local! {
    /// Where errors are rendered before their bytes are copied into the response.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Installs errcat on a router in one call.
pub trait RouterExt<S> {
    /// Adds the [`ErrcatLayer`]. Unknown routes get the catalog's `not_found` code: the layer
    /// renders axum's own empty 404.
    fn with_errcat(self, errcat: Errcat) -> axum::Router<S>;
}

impl<S: Clone + Send + Sync + 'static> RouterExt<S> for axum::Router<S> {
    fn with_errcat(self, errcat: Errcat) -> axum::Router<S> {
        self.layer(errcat.layer())
    }
}

/// The tower layer. See the [module docs](super).
#[derive(Clone)]
pub struct ErrcatLayer {
    errcat: Errcat,
}

impl ErrcatLayer {
    /// The layer for a configuration.
    pub fn new(errcat: Errcat) -> ErrcatLayer {
        ErrcatLayer { errcat }
    }
}

impl<S> tower::Layer<S> for ErrcatLayer {
    type Service = ErrcatService<S>;
    fn layer(&self, inner: S) -> ErrcatService<S> {
        self.errcat.service(inner)
    }
}

/// The service [`ErrcatLayer`] wraps around the inner service.
#[derive(Clone)]
pub struct ErrcatService<S> {
    inner: S,
    errcat: Errcat,
}

impl<S> tower::Service<Request> for ErrcatService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Instrumented<ResponseFuture<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        #[cfg(feature = "metrics")]
        crate::metrics::request();
        // The clock is only read when an error could be logged with its latency.
        let start = tracing::level_enabled!(tracing::Level::ERROR).then(Instant::now);
        let incoming = request_headers(req.headers());
        let (incoming_id, accept_language) = (incoming.id, incoming.language);
        let accept_language = accept_language.and_then(|v| v.to_str().ok());
        let id = self.errcat.request_id(&req, incoming_id);
        let locale = self
            .errcat
            .renderer()
            .negotiator()
            .negotiate(accept_language);
        let trace = incoming.trace.and_then(|v| TraceId::parse(v.as_bytes()));
        // Fields are only evaluated when the span is enabled.
        let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path(), trace_id = trace.as_ref().map(TraceId::as_str));
        let scope = TaskScope {
            path: (self.errcat.renderer().style() == StyleKind::Problem)
                .then(|| req.uri().path().to_owned()),
            errcat: self.errcat.clone(),
            id,
            locale,
            start,
            method: req.method().clone(),
            // Known already when the layer sits inside the router (`Router::layer`).
            route: std::cell::RefCell::new(req.extensions().get::<MatchedPath>().cloned()),
            trace,
            pending: std::cell::RefCell::new(None),
        };

        // The service polled ready is called here and now, so it need not be cloned into the
        // future. Extractors run when the inner future is first polled, inside the scope.
        let inner = &mut self.inner;
        let state = match std::panic::catch_unwind(AssertUnwindSafe(|| inner.call(req))) {
            Ok(fut) => State::Running {
                fut: SCOPE.scope(scope, AssertUnwindSafe(fut).catch_unwind()),
            },
            Err(panic) => State::Panicked {
                scope: Some(scope),
                panic: Some(panic),
            },
        };
        ResponseFuture { state }.instrument(span)
    }
}

/// The first `X-Request-Id` and `Accept-Language` of a request. A short map is read in one
/// pass, which costs less than two hashed lookups; a long one is looked up.
fn request_headers(h: &HeaderMap) -> Incoming<'_> {
    if h.len() > 16 {
        let mut traces = h.get_all(TRACEPARENT).iter();
        let trace = traces.next().filter(|_| traces.next().is_none());
        return Incoming {
            id: h.get(&X_REQUEST_ID),
            language: h.get(ACCEPT_LANGUAGE),
            trace,
        };
    }
    let mut incoming = Incoming::default();
    let mut traces = 0;
    for (name, value) in h {
        if *name == ACCEPT_LANGUAGE {
            incoming.language = incoming.language.or(Some(value));
        } else if *name == X_REQUEST_ID {
            incoming.id = incoming.id.or(Some(value));
        } else if *name == TRACEPARENT {
            traces += 1;
            incoming.trace = Some(value);
        }
    }
    if traces > 1 {
        incoming.trace = None;
    }
    incoming
}

/// The request headers the layer reads, found in one pass over a short map.
#[derive(Debug, Default, PartialEq)]
struct Incoming<'a> {
    /// The first `X-Request-Id`.
    id: Option<&'a http::HeaderValue>,
    /// The first `Accept-Language`.
    language: Option<&'a http::HeaderValue>,
    /// The `traceparent`, when there is exactly one (two are ignored, as W3C Trace Context
    /// asks).
    trace: Option<&'a http::HeaderValue>,
}

type Panic = Box<dyn std::any::Any + Send>;

pin_project_lite::pin_project! {
    /// The response future of [`ErrcatService`]: the inner service's future, run inside the
    /// request's task scope with panics caught, and its response turned into what the client
    /// gets. A named type rather than a boxed one: routers box it once anyway.
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F> {
        Running {
            #[pin]
            fut: TaskLocalFuture<TaskScope, CatchUnwind<AssertUnwindSafe<F>>>,
        },
        Panicked {
            scope: Option<TaskScope>,
            panic: Option<Panic>,
        },
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (scope, outcome) = match self.project().state.project() {
            StateProj::Running { mut fut } => {
                let outcome = std::task::ready!(fut.as_mut().poll(cx));
                // The scope comes back once its future has completed.
                (fut.take_value(), outcome)
            }
            StateProj::Panicked { scope, panic } => match panic.take() {
                Some(panic) => (scope.take(), Err(panic)),
                None => (None, Err(Box::new("polled after completion") as Panic)),
            },
        };
        let Some(scope) = scope else {
            return Poll::Ready(Ok(bare_internal_error()));
        };
        let pending = scope.pending.borrow_mut().take();
        let (mut res, settled) = match outcome {
            Ok(Ok(res)) => finish(&scope, res, pending),
            Ok(Err(never)) => match never {},
            Err(panic) => {
                // Logged once, as the error response's source.
                let message = panic_message(&panic);
                let err = ApiError::role(Role::Internal).with_source(format!("panic: {message}"));
                respond(&scope, &err, Response::new(Body::empty()))
            }
        };
        // The scope ends here: its id moves into the header rather than being copied.
        stamp(&mut res, settled, scope.id.into_header_value());
        Poll::Ready(Ok(res))
    }
}

/// The catalog of the current request's layer.
#[cfg(feature = "idempotency")]
pub(crate) fn current_catalog() -> Option<Arc<Catalog>> {
    SCOPE
        .try_with(|s| s.errcat.renderer().catalog().clone())
        .ok()
}

/// What [`finish`] did to a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// Left as the service made it (a success, or an error body the service chose).
    Untouched,
    /// Rendered from an `ApiError` the service raised; the catalog index of its code.
    Raised(Option<usize>),
    /// A framework's plain failure (unknown route, wrong method…) turned into its role's code.
    Converted,
}

/// Renders the response of the current request as the client will get it, inside the layer's
/// task: an error the handler raised becomes its envelope now rather than when the response
/// reaches [`ErrcatLayer`]. Layers that keep responses (idempotency) call it. Outside the
/// layer the response is returned as it is.
#[cfg(feature = "idempotency")]
pub(crate) fn settle(res: Response) -> (Response, Settled) {
    let mut slot = Some(res);
    let settled = SCOPE.try_with(|scope| {
        let pending = scope.pending.borrow_mut().take();
        slot.take().map(|res| {
            let (mut res, settled) = finish(scope, res, pending);
            stamp(&mut res, settled, scope.id.header_value().clone());
            (res, settled)
        })
    });
    match (settled, slot) {
        (Ok(Some(done)), _) => done,
        (_, Some(res)) => (res, Settled::Untouched),
        // Unreachable: the closure either ran (and took the response) or did not.
        (_, None) => (bare_internal_error(), Settled::Untouched),
    }
}

fn panic_message(panic: &Panic) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// Whether a response already carries a JSON body the service chose to send.
fn is_json(content_type: &http::HeaderValue) -> bool {
    content_type
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .is_some_and(|ct| {
            let ct = ct.trim();
            ct.eq_ignore_ascii_case("application/json") || ct.ends_with("+json")
        })
}

/// Turns the inner service's response into what the client gets.
fn finish(scope: &TaskScope, mut res: Response, pending: Option<ApiError>) -> (Response, Settled) {
    if res.status().as_u16() == PENDING_STATUS
        && let Some(err) = pending
    {
        *res.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return respond(scope, &err, res);
    }
    if let Some(Pending(err)) = res.extensions_mut().remove::<Pending>() {
        return respond(scope, &err, res);
    }
    let status = res.status();
    let renderer = scope.errcat.renderer();
    // A JSON error body (errcat's own, or one the service chose) is left alone.
    let converted = (status.is_client_error() || status.is_server_error())
        && !res
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|ct| ct == renderer.content_type() || is_json(ct));
    if converted && let Some(role) = role_for_status(status.as_u16()) {
        let mut err = ApiError::role(role);
        if let Some(secs) = res
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok())
        {
            err = err.retry_after(secs);
        }
        return (respond(scope, &err, res).0, Settled::Converted);
    }
    (res, Settled::Untouched)
}

/// Sets `X-Request-Id` on what [`finish`] made. A replayed response the layer left untouched
/// keeps the id of the request that made it, which its body names.
fn stamp(res: &mut Response, settled: Settled, id: http::HeaderValue) {
    if settled != Settled::Untouched || !res.headers().contains_key(IDEMPOTENT_REPLAYED) {
        res.headers_mut().insert(X_REQUEST_ID, id);
    }
}

/// Renders an error into the response, keeping the headers the service had set (such as
/// `Allow`), and logs it.
fn respond(scope: &TaskScope, err: &ApiError, mut res: Response) -> (Response, Settled) {
    let errcat = &scope.errcat;
    let code_index = errcat.render_into(
        &mut res,
        err,
        &scope.id,
        scope.locale,
        scope.path.as_deref(),
    );
    let status = res.status().as_u16();
    #[cfg(feature = "metrics")]
    errcat.inner.error_keys.count(code_index, status);
    let server_error = status >= 500;
    if server_error || tracing::enabled!(tracing::Level::INFO) {
        let catalog = errcat.renderer().catalog();
        let code = code_index.map_or("internal_error", |i| catalog.entries()[i].code.as_str());
        let latency_ms = scope
            .start
            .map_or(0.0, |start| start.elapsed().as_secs_f64() * 1000.0);
        let route = scope.route.borrow();
        let route = route.as_ref().map(MatchedPath::as_str);
        let method = scope.method.as_str();
        let trace_id = scope.trace.as_ref().map(TraceId::as_str);
        if server_error {
            // The hidden source goes to the log, never to the client.
            let source = err
                .source_error()
                .map(|s| s.to_string())
                .unwrap_or_default();
            tracing::error!(code, status, request_id = %scope.id, method, route, latency_ms, trace_id, source = %source, "error response");
        } else {
            tracing::info!(code, status, request_id = %scope.id, method, route, latency_ms, trace_id, "error response");
        }
    }
    (res, Settled::Raised(code_index))
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, ApiError> {
        current_request_id().ok_or_else(|| {
            ApiError::role(Role::Internal).with_source("RequestId extracted outside errcat's layer")
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = Infallible;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Infallible> {
        Ok(current_locale().unwrap_or(Locale(0)))
    }
}

/// Notes the route the router matched for the current request, for its error log line.
fn note_route(route: &MatchedPath) {
    let _ = SCOPE.try_with(|s| {
        if let Ok(mut slot) = s.route.try_borrow_mut() {
            *slot = Some(route.clone());
        }
    });
}

/// A layer for `Router::route_layer` that tells [`ErrcatLayer`] which route matched (axum's
/// [`MatchedPath`]), so each error's log line names it. Needed when the layer wraps the
/// whole router ([`Errcat::service`]): it sees requests before routing. With
/// [`RouterExt::with_errcat`] the layer already sits inside the router and sees the route.
///
/// ```
/// use axum::{routing::get, Router};
/// use errcat::axum::{Errcat, record_route};
///
/// errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
/// let router: Router = Router::new()
///     .route("/faxes/{id}", get(|| async { "fax" }))
///     .route_layer(record_route());
/// let _app = Errcat::new(mintfax::catalog()).service(router);
/// ```
pub fn record_route() -> RecordRouteLayer {
    RecordRouteLayer(())
}

/// The layer [`record_route`] makes.
#[derive(Debug, Clone, Copy)]
pub struct RecordRouteLayer(());

impl<S> tower::Layer<S> for RecordRouteLayer {
    type Service = RecordRoute<S>;
    fn layer(&self, inner: S) -> RecordRoute<S> {
        RecordRoute { inner }
    }
}

/// The service [`RecordRouteLayer`] makes.
#[derive(Debug, Clone)]
pub struct RecordRoute<S> {
    inner: S,
}

impl<S> tower::Service<Request> for RecordRoute<S>
where
    S: tower::Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if let Some(route) = req.extensions().get::<MatchedPath>() {
            note_route(route);
        }
        self.inner.call(req)
    }
}

/// The id of the request the current task serves, inside [`ErrcatLayer`].
///
/// Handlers can also take [`RequestId`] as an extractor.
pub fn current_request_id() -> Option<RequestId> {
    SCOPE.try_with(|s| s.id.clone()).ok()
}

/// Runs `f` on the catalog of the [`ErrcatLayer`] serving the current task, if any.
#[cfg_attr(not(feature = "auth"), allow(dead_code))]
pub(crate) fn with_catalog<R>(f: impl FnOnce(&crate::Catalog) -> R) -> Option<R> {
    SCOPE.try_with(|s| f(s.errcat.renderer().catalog())).ok()
}

/// The negotiated locale of the request the current task serves, inside [`ErrcatLayer`].
pub fn current_locale() -> Option<Locale> {
    SCOPE.try_with(|s| s.locale).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_headers_reads_the_first_of_each_in_short_and_long_maps() {
        for filler in [0, 3, 40] {
            let mut h = HeaderMap::new();
            for i in 0..filler {
                h.insert(
                    http::HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
                    http::HeaderValue::from_static("v"),
                );
            }
            assert_eq!(request_headers(&h), Incoming::default(), "{filler} fillers");
            h.append(ACCEPT_LANGUAGE, http::HeaderValue::from_static("es"));
            h.append(ACCEPT_LANGUAGE, http::HeaderValue::from_static("en"));
            h.append(X_REQUEST_ID, http::HeaderValue::from_static("req_1"));
            h.append(X_REQUEST_ID, http::HeaderValue::from_static("req_2"));
            let Incoming {
                id, language: lang, ..
            } = request_headers(&h);
            assert_eq!(
                id.map(|v| v.as_bytes()),
                Some(&b"req_1"[..]),
                "{filler} fillers"
            );
            assert_eq!(
                lang.map(|v| v.as_bytes()),
                Some(&b"es"[..]),
                "{filler} fillers"
            );
            // One traceparent is read; a second makes both ignored.
            let trace = http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            );
            h.append(TRACEPARENT, trace.clone());
            assert_eq!(request_headers(&h).trace, Some(&trace), "{filler} fillers");
            h.append(TRACEPARENT, trace.clone());
            assert_eq!(request_headers(&h).trace, None, "{filler} fillers");
        }
    }
}
