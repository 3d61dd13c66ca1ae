//! errcat's metrics (feature `metrics`), through the [`metrics`] facade, so any
//! exporter collects them (the demo serves them with `metrics-exporter-prometheus`):
//!
//! | name | labels | counts |
//! |---|---|---|
//! | [`REQUESTS_TOTAL`] | none | every request [`ErrcatLayer`](crate::axum::ErrcatLayer) serves (the denominator of error ratios) |
//! | [`ERRORS_TOTAL`] | `code`, `status` | every error response [`ErrcatLayer`](crate::axum::ErrcatLayer) renders, once: handlers' errors and the framework's failures (unknown route, wrong method, body too large, timeout, panic, rejections) |
//! | [`RATE_LIMIT_DECISIONS_TOTAL`] | `policy`, `outcome` | each rate-limit policy's decision: `allowed`, `limited`, or `error` (the store failed or was late) |
//! | [`IDEMPOTENCY_TOTAL`] | `outcome` | requests with an `Idempotency-Key`: `executed`, `replayed`, `in_progress`, `reused`, `invalid`, `full` (a cap), `error` (the store failed or was late) |
//! | [`AUTH_FAILURES_TOTAL`] | `reason` | failed authentications and authorizations: `missing`, `malformed`, `invalid`, `revoked`, `expired`, `address`, `environment`, `insufficient_scope`, `refused` (a [`require`](crate::auth::require) check), `unavailable` (the key store failed) |
//! | `errcat_store_duration_seconds` (histogram), `errcat_store_errors_total` | `store` | with the `rate-limit`, `idempotency` or `auth` feature: every store call's latency, and its failures (`errcat_store::metrics`) |
//!
//! Every label value is bounded: codes and statuses come from the catalog (a render failure
//! that no catalog code could answer is `internal_error`), policies from the configuration,
//! outcomes and reasons from the lists above; nothing a client sends becomes a label.
//!
//! Without a recorder installed the calls cost a check of whether one is set; without the
//! feature they are not compiled.
//!
//! ```
//! use errcat::metrics::{ERRORS_TOTAL, describe};
//!
//! assert_eq!(ERRORS_TOTAL, "errcat_errors_total");
//! describe(); // help texts for the installed recorder
//! ```

use ::metrics::{Key, Label, Level, Metadata};

use crate::Catalog;

/// Requests served by the layer, without labels.
pub const REQUESTS_TOTAL: &str = "errcat_requests_total";
/// Error responses, labelled `code` and `status`.
pub const ERRORS_TOTAL: &str = "errcat_errors_total";
/// Rate-limit decisions, labelled `policy` and `outcome` (`allowed`, `limited`, `error`).
pub const RATE_LIMIT_DECISIONS_TOTAL: &str = "errcat_rate_limit_decisions_total";
/// Idempotency-Key outcomes, labelled `outcome`.
pub const IDEMPOTENCY_TOTAL: &str = "errcat_idempotency_total";
/// Authentication failures, labelled `reason`.
pub const AUTH_FAILURES_TOTAL: &str = "errcat_auth_failures_total";

/// Describes errcat's metrics to the installed recorder (their help texts), the stores'
/// too when errcat-store is built in. Call it once after installing the recorder.
pub fn describe() {
    ::metrics::describe_counter!(REQUESTS_TOTAL, "Requests errcat's layer served.");
    ::metrics::describe_counter!(
        ERRORS_TOTAL,
        "Error responses errcat rendered, by catalog code and status."
    );
    ::metrics::describe_counter!(
        RATE_LIMIT_DECISIONS_TOTAL,
        "Rate-limit decisions, by policy and outcome (allowed, limited, error)."
    );
    ::metrics::describe_counter!(
        IDEMPOTENCY_TOTAL,
        "Requests with an Idempotency-Key, by outcome."
    );
    ::metrics::describe_counter!(
        AUTH_FAILURES_TOTAL,
        "Failed authentications and authorizations, by reason."
    );
    #[cfg(any(feature = "rate-limit", feature = "idempotency", feature = "auth"))]
    errcat_store::metrics::describe();
}

static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Adds one to a counter of the current recorder (the thread's local one, else the global).
#[inline]
pub(crate) fn increment(key: &Key) {
    ::metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(1));
}

static REQUESTS_KEY: Key = Key::from_static_name(REQUESTS_TOTAL);

/// Counts a request the layer serves.
#[inline]
pub(crate) fn request() {
    increment(&REQUESTS_KEY);
}

/// The keys of [`ERRORS_TOTAL`], made once per catalog: one per code and status it can carry.
pub(crate) struct ErrorKeys {
    by_code: Box<[StatusKeys]>,
}

/// One code's keys, by status.
type StatusKeys = Box<[(u16, Key)]>;

/// What a response no catalog code could render counts as.
static BARE_INTERNAL: [Label; 2] = [
    Label::from_static_parts("code", "internal_error"),
    Label::from_static_parts("status", "500"),
];
static BARE_INTERNAL_KEY: Key = Key::from_static_parts(ERRORS_TOTAL, &BARE_INTERNAL);

impl ErrorKeys {
    pub(crate) fn new(catalog: &Catalog) -> ErrorKeys {
        let by_code = catalog
            .entries()
            .iter()
            .map(|e| {
                let code: std::sync::Arc<str> = e.code.as_str().into();
                e.statuses
                    .iter()
                    .map(|&s| (s, error_key(&code, s)))
                    .collect()
            })
            .collect();
        ErrorKeys { by_code }
    }

    /// Counts an error response: the code at `index` of the catalog, or `None` when even the
    /// internal code could not be rendered.
    pub(crate) fn count(&self, index: Option<usize>, status: u16) {
        let Some(statuses) = index.and_then(|i| self.by_code.get(i)) else {
            increment(&BARE_INTERNAL_KEY);
            return;
        };
        match statuses.iter().find(|(s, _)| *s == status) {
            Some((_, key)) => increment(key),
            // A status the catalog does not list for the code (the renderer refuses those, so
            // this is not expected): still counted, under the code's own name.
            None => {
                if let Some((_, key)) = statuses.first() {
                    let labels: Vec<Label> = key
                        .labels()
                        .take(1)
                        .cloned()
                        .chain([Label::new("status", status.to_string())])
                        .collect();
                    increment(&Key::from_parts(ERRORS_TOTAL, labels));
                }
            }
        }
    }
}

fn error_key(code: &std::sync::Arc<str>, status: u16) -> Key {
    Key::from_parts(
        ERRORS_TOTAL,
        vec![
            Label::new("code", code.clone()),
            Label::new("status", status.to_string()),
        ],
    )
}

/// The keys of one rate-limit policy's outcomes: allowed, limited, error.
#[cfg(feature = "rate-limit")]
pub(crate) struct PolicyKeys([Key; 3]);

#[cfg(feature = "rate-limit")]
impl PolicyKeys {
    pub(crate) fn new(policy: &str) -> PolicyKeys {
        let policy: std::sync::Arc<str> = policy.into();
        PolicyKeys(["allowed", "limited", "error"].map(|outcome| {
            Key::from_parts(
                RATE_LIMIT_DECISIONS_TOTAL,
                vec![
                    Label::new("policy", policy.clone()),
                    Label::from_static_parts("outcome", outcome),
                ],
            )
        }))
    }

    pub(crate) fn allowed(&self) {
        increment(&self.0[0]);
    }

    pub(crate) fn limited(&self) {
        increment(&self.0[1]);
    }

    pub(crate) fn error(&self) {
        increment(&self.0[2]);
    }
}

/// Defines a `&'static Key` per value of a single fixed label.
#[allow(unused_macros)]
macro_rules! fixed_keys {
    ($name:expr, $label:literal: $($fn_name:ident => $value:literal),+ $(,)?) => {
        $(
            #[allow(dead_code)]
            pub(crate) fn $fn_name() {
                static LABELS: [Label; 1] = [Label::from_static_parts($label, $value)];
                static KEY: Key = Key::from_static_parts($name, &LABELS);
                increment(&KEY);
            }
        )+
    };
}

/// [`IDEMPOTENCY_TOTAL`]'s outcomes.
#[cfg(feature = "idempotency")]
pub(crate) mod idempotency {
    use super::*;
    fixed_keys!(IDEMPOTENCY_TOTAL, "outcome":
        executed => "executed",
        replayed => "replayed",
        in_progress => "in_progress",
        reused => "reused",
        invalid => "invalid",
        full => "full",
        error => "error",
    );
}

/// [`AUTH_FAILURES_TOTAL`]'s reasons.
#[cfg(feature = "auth")]
pub(crate) mod auth {
    use super::*;
    fixed_keys!(AUTH_FAILURES_TOTAL, "reason":
        missing => "missing",
        malformed => "malformed",
        invalid => "invalid",
        revoked => "revoked",
        expired => "expired",
        address => "address",
        environment => "environment",
        insufficient_scope => "insufficient_scope",
        refused => "refused",
        unavailable => "unavailable",
    );
}
