//! A gate on `GET /debug/slow`, so that a test knows when a request is inside the handler (and
//! so holds its concurrency slot) and decides when it leaves, instead of guessing with sleeps.
//!
//! ```
//! use std::time::Duration;
//! use errcat_demo::{DemoConfig, Gate};
//!
//! let gate = Gate::new();
//! let config = DemoConfig {
//!     max_concurrency: 1,
//!     gate: Some(gate.clone()),
//!     ..DemoConfig::default()
//! };
//! // Serve `errcat_demo::app(config)`, send `GET /debug/slow?ms=60000`, then:
//! # async fn hold(gate: Gate) {
//! gate.arrival().await; // the request is in the handler: it holds the only slot
//! // ... requests made now are shed ...
//! gate.open(); // the held request answers "slept"
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

/// Lets a test see requests arrive at `GET /debug/slow` and hold them there until it opens the
/// gate (or their `ms` run out, whichever comes first). Clones share the gate.
#[derive(Clone, Debug)]
pub struct Gate {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// One permit per arrival not yet seen by [`Gate::arrival`].
    arrived: Semaphore,
    open: watch::Sender<bool>,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            inner: Arc::new(Inner {
                arrived: Semaphore::new(0),
                open: watch::Sender::new(false),
            }),
        }
    }
}

impl Gate {
    /// A closed gate.
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Waits until a request has arrived in the handler (one arrival per call).
    pub async fn arrival(&self) {
        // The semaphore is never closed, so `acquire` cannot fail.
        if let Ok(permit) = self.inner.arrived.acquire().await {
            permit.forget();
        }
    }

    /// Opens the gate for good: held requests answer, later ones pass at once.
    pub fn open(&self) {
        self.inner.open.send_replace(true);
    }

    /// Called by the handler: counts the arrival, then waits for the gate or for `most`.
    pub(crate) async fn pass(&self, most: Duration) {
        let mut open = self.inner.open.subscribe();
        self.inner.arrived.add_permits(1);
        let _ = tokio::time::timeout(most, open.wait_for(|open| *open)).await;
    }
}
