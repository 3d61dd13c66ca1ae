//! The stores' metrics (feature `metrics`), through the [`metrics`] facade: every
//! call a store makes is timed into [`STORE_DURATION_SECONDS`] and, when it fails,
//! counted in [`STORE_ERRORS_TOTAL`], each labelled `store` = `memory` or `redis`.
//!
//! Install any `metrics` recorder (a Prometheus exporter, say) to collect them; without one
//! they cost a check of whether a recorder is set.
//!
//! ```
//! use errcat_store::metrics::{STORE_DURATION_SECONDS, STORE_ERRORS_TOTAL, describe};
//!
//! assert_eq!(STORE_DURATION_SECONDS, "errcat_store_duration_seconds");
//! assert_eq!(STORE_ERRORS_TOTAL, "errcat_store_errors_total");
//! describe(); // HELP texts and units, for the installed recorder
//! ```

use std::time::Instant;

use ::metrics::{Key, Label, Level, Metadata, Unit};

/// A histogram of how long each store call took, in seconds, labelled `store`.
pub const STORE_DURATION_SECONDS: &str = "errcat_store_duration_seconds";

/// A counter of the store calls that failed (an error or a timeout of the store's own),
/// labelled `store`.
pub const STORE_ERRORS_TOTAL: &str = "errcat_store_errors_total";

/// Describes the stores' metrics to the installed recorder (their help text and unit).
pub fn describe() {
    ::metrics::describe_histogram!(
        STORE_DURATION_SECONDS,
        Unit::Seconds,
        "How long each errcat store call took, per store."
    );
    ::metrics::describe_counter!(
        STORE_ERRORS_TOTAL,
        "errcat store calls that failed or timed out, per store."
    );
}

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

static MEMORY: [Label; 1] = [Label::from_static_parts("store", "memory")];
static REDIS: [Label; 1] = [Label::from_static_parts("store", "redis")];
static MEMORY_DURATION: Key = Key::from_static_parts(STORE_DURATION_SECONDS, &MEMORY);
static REDIS_DURATION: Key = Key::from_static_parts(STORE_DURATION_SECONDS, &REDIS);
static MEMORY_ERRORS: Key = Key::from_static_parts(STORE_ERRORS_TOTAL, &MEMORY);
static REDIS_ERRORS: Key = Key::from_static_parts(STORE_ERRORS_TOTAL, &REDIS);

/// Which store a call went to.
#[derive(Clone, Copy)]
pub(crate) enum Store {
    Memory,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    Redis,
}

/// A store call being timed.
pub(crate) struct Timer(Instant);

impl Timer {
    pub(crate) fn start() -> Timer {
        Timer(Instant::now())
    }

    /// Records the call's duration, and counts it as an error unless `ok`.
    pub(crate) fn finish(self, store: Store, ok: bool) {
        let seconds = self.0.elapsed().as_secs_f64();
        let (duration, errors) = match store {
            Store::Memory => (&MEMORY_DURATION, &MEMORY_ERRORS),
            Store::Redis => (&REDIS_DURATION, &REDIS_ERRORS),
        };
        ::metrics::with_recorder(|r| {
            r.register_histogram(duration, &METADATA).record(seconds);
            if !ok {
                r.register_counter(errors, &METADATA).increment(1);
            }
        });
    }
}
