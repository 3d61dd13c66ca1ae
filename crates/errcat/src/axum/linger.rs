//! Early answers that reach every client: the rest of an unread request body is read and
//! thrown away, within bounds, before the answer goes out (nginx's `lingering_close`).
//!
//! Many clients (Python's `http.client` and so `requests`, Java's `HttpURLConnection`, most
//! SDKs) write the whole request body before they read anything. When a server answers early,
//! a 413 for a body over the limit or a 401 before the body is looked at, and closes the
//! connection with the body's bytes still unread, the kernel answers those bytes with a TCP
//! reset, and the client sees a broken pipe instead of the envelope. [`Linger`] keeps reading
//! the body the service left, up to [`Linger::max_bytes`] and [`Linger::max_time`], so that
//! the client finishes writing and then reads the answer.
//!
//! ```
//! use axum::{routing::post, Router};
//! use errcat::axum::{Errcat, Linger};
//!
//! errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");
//! let router: Router = Router::new().route("/faxes", post(|| async { "sent" }));
//! let app = tower::ServiceBuilder::new()
//!     .layer(Linger::new())
//!     .service(Errcat::new(mintfax::catalog()).service(router));
//! # let _ = app;
//! ```
//!
//! Requests without a body (no `Content-Length`, or zero, and no `Transfer-Encoding`) pass
//! untouched. A body whose client asked `Expect: 100-continue` and that nobody read is left
//! alone: the client has not sent it, and waits for the answer instead.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::response::Response;
use http::header::{CONTENT_LENGTH, EXPECT, TRANSFER_ENCODING};

/// A layer that drains what a service left of a request body, within bounds. See the
/// [module docs](self).
#[derive(Debug, Clone, Copy)]
pub struct Linger {
    max_bytes: u64,
    max_time: Duration,
}

impl Default for Linger {
    fn default() -> Self {
        Linger {
            max_bytes: 64 * 1024 * 1024,
            max_time: Duration::from_secs(5),
        }
    }
}

impl Linger {
    /// At most 64 MiB, for at most 5 s.
    pub fn new() -> Linger {
        Linger::default()
    }

    /// The most bytes read and thrown away per request.
    pub fn max_bytes(mut self, bytes: u64) -> Linger {
        self.max_bytes = bytes;
        self
    }

    /// The longest time spent reading them.
    pub fn max_time(mut self, time: Duration) -> Linger {
        self.max_time = time;
        self
    }
}

impl<S> tower::Layer<S> for Linger {
    type Service = LingerService<S>;

    fn layer(&self, inner: S) -> LingerService<S> {
        LingerService {
            inner,
            config: *self,
        }
    }
}

/// The service [`Linger`] makes.
#[derive(Debug, Clone)]
pub struct LingerService<S> {
    inner: S,
    config: Linger,
}

/// The request body, shared between the service (through [`SharedBody`]) and the layer, which
/// takes back what is left once the service has answered and let go of it.
struct Slot {
    body: Option<Body>,
    /// Whether anyone polled the body (and so had hyper send `100 Continue`).
    polled: bool,
}

struct SharedBody {
    slot: Arc<Mutex<Slot>>,
    hint: http_body::SizeHint,
}

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.polled = true;
        match slot.body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        let slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.body.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.hint
    }
}

fn has_body(req: &Request) -> bool {
    let headers = req.headers();
    headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

impl<S> tower::Service<Request> for LingerService<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !has_body(&req) {
            return Box::pin(self.inner.call(req));
        }
        let expects_continue = req
            .headers()
            .get(EXPECT)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        let (parts, body) = req.into_parts();
        let hint = body.size_hint();
        let slot = Arc::new(Mutex::new(Slot {
            body: Some(body),
            polled: false,
        }));
        let shared = SharedBody {
            slot: slot.clone(),
            hint,
        };
        let fut = self
            .inner
            .call(Request::from_parts(parts, Body::new(shared)));
        let config = self.config;
        Box::pin(async move {
            let response = fut.await?;
            // Only once the service has let go of the body: a handler that keeps reading it
            // (a streamed upload answered early) is left to do so.
            if Arc::strong_count(&slot) == 1 {
                let rest = {
                    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                    let untouched_continue = expects_continue && !slot.polled;
                    slot.body.take().filter(|_| !untouched_continue)
                };
                if let Some(rest) = rest {
                    drain(rest, config).await;
                }
            }
            Ok(response)
        })
    }
}

/// Reads `body` to its end, or until the bounds; the bytes are thrown away.
async fn drain(mut body: Body, config: Linger) {
    use http_body_util::BodyExt as _;
    let reading = async {
        let mut read = 0u64;
        while !body.is_end_stream() {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        read = read.saturating_add(data.len() as u64);
                        if read > config.max_bytes {
                            return;
                        }
                    }
                }
                Some(Err(_)) | None => return,
            }
        }
    };
    let _ = tokio::time::timeout(config.max_time, reading).await;
}
