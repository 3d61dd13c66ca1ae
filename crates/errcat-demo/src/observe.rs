//! What the demo tells its operators: Prometheus metrics on a listener of their own, and logs
//! as text or JSON lines.
//!
//! ```
//! use errcat_demo::observe::{LogFormat, metrics_router, prometheus_recorder};
//!
//! let recorder = prometheus_recorder();
//! let _router = metrics_router(recorder.handle());
//! assert_eq!(LogFormat::parse("json"), Some(LogFormat::Json));
//! ```

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Where the demo serves `/metrics` unless told otherwise.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

/// The content type of Prometheus's text exposition format.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A Prometheus recorder, not installed: install it with `metrics::set_global_recorder`, or
/// use it for a while with `metrics::with_local_recorder` (as the tests do).
pub fn prometheus_recorder() -> PrometheusRecorder {
    PrometheusBuilder::new().build_recorder()
}

/// `GET /metrics`: the recorder's metrics in Prometheus's text format. Serve it on a listener of
/// its own, away from the API (and outside errcat's layer: scrapes are not API traffic).
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { ([(CONTENT_TYPE, PROMETHEUS_TEXT)], handle.render()) }
        }),
    )
}

/// How the demo writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line: the event's fields at the top level (`request_id`, `code`,
    /// `status`, `method`, `route`, `latency_ms`, `trace_id`…), the request's span in `span`.
    Json,
}

impl LogFormat {
    /// `text` or `json`.
    pub fn parse(s: &str) -> Option<LogFormat> {
        match s {
            "text" => Some(LogFormat::Text),
            "json" => Some(LogFormat::Json),
            _ => None,
        }
    }
}

/// The demo's log subscriber, writing to `writer` (standard output in the binary, a buffer in
/// tests) through `filter`.
pub fn log_subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        ),
    }
}
