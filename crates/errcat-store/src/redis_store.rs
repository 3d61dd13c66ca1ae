//! The Redis store: rate limits and idempotency keys shared by every instance on one Redis or
//! on a Redis Cluster.
//!
//! Every decision is one Lua script, so it is atomic on the server; the clock is Redis's own
//! (`TIME`), so instances whose clocks disagree still agree on every limit. Every key a script
//! touches carries the same hash tag (the limited key, or the idempotency scope), so on a
//! cluster each script runs on the one node that owns that slot.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Script, ScriptInvocation, Value};

use crate::{
    Begin, Decision, Fingerprint, IdempotencyStore, Limiter, LockToken, RateLimitStore, StoreError,
    StoreFuture, StoredResponse, Window, WindowState, WindowStates,
};

/// How many times the connection is retried, after the first attempt, each time it is lost.
const RECONNECT_RETRIES: usize = 2;
/// The smallest delay between reconnection attempts (jittered and doubled per attempt).
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(50);
/// The largest delay between reconnection attempts.
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(400);
/// The largest time the scripts handle, in microseconds (about 35 years): far below 2^53, where
/// Lua's numbers (doubles) stop being exact integers, even added to the current time.
const MAX_MICROS: u64 = 1 << 50;
/// The largest expiry given to Redis, in milliseconds (about 300 years).
const MAX_MILLIS: u64 = 10_000_000_000_000;

/// How to reach Redis: the key prefix and the timeouts.
///
/// ```
/// use std::time::Duration;
/// use errcat_store::RedisConfig;
///
/// let config = RedisConfig::new()
///     .prefix("mintfax")
///     .connect_timeout(Duration::from_secs(2))
///     .response_timeout(Duration::from_millis(250));
/// assert_eq!(config.key_prefix(), "mintfax");
/// assert_eq!(config.connect_timeout_value(), Duration::from_secs(2));
/// assert_eq!(config.response_timeout_value(), Duration::from_millis(250));
///
/// let defaults = RedisConfig::default();
/// assert_eq!(defaults.key_prefix(), "errcat");
/// assert_eq!(defaults.connect_timeout_value(), Duration::from_secs(1));
/// assert_eq!(defaults.response_timeout_value(), Duration::from_millis(500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisConfig {
    prefix: String,
    connect_timeout: Duration,
    response_timeout: Duration,
}

impl Default for RedisConfig {
    fn default() -> RedisConfig {
        RedisConfig {
            prefix: "errcat".to_owned(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_millis(500),
        }
    }
}

impl RedisConfig {
    /// The defaults: prefix `errcat`, connect timeout 1 s, response timeout 500 ms.
    pub fn new() -> RedisConfig {
        RedisConfig::default()
    }

    /// The first part of every key this store writes (`{prefix}:rl:…`, `{prefix}:idem:…`), so
    /// several applications can share one Redis.
    pub fn prefix(mut self, prefix: impl Into<String>) -> RedisConfig {
        self.prefix = prefix.into();
        self
    }

    /// How long one connection attempt may take (at least 1 ms). It also bounds
    /// [`RedisStore::connect`] as a whole.
    pub fn connect_timeout(mut self, timeout: Duration) -> RedisConfig {
        self.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long Redis may take to answer one command (at least 1 ms).
    pub fn response_timeout(mut self, timeout: Duration) -> RedisConfig {
        self.response_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The key prefix.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The connect timeout.
    pub fn connect_timeout_value(&self) -> Duration {
        self.connect_timeout
    }

    /// The response timeout.
    pub fn response_timeout_value(&self) -> Duration {
        self.response_timeout
    }

    /// The longest any one call may take before it fails: a reconnection, then an answer.
    fn call_timeout(&self) -> Duration {
        self.connect_timeout + self.response_timeout
    }
}

/// Rate limits and idempotency keys on Redis, shared by every instance that uses the same
/// server (or cluster) and prefix.
///
/// Each rate-limit decision and each idempotency step is one Lua script, atomic on the server,
/// timed by Redis's clock. Keys are `{prefix}:rl:{{key}}:{policy}:{window}` (a string holding
/// the window's theoretical arrival time, expiring once the window is full again) and
/// `{prefix}:idem:{{scope}}:{key}` (a hash expiring with the lock or the retention). The part
/// in braces is the key's hash tag: on a [cluster](RedisStore::connect_cluster) a policy's
/// windows for one key, and the idempotency keys of one scope, live in one slot, so each
/// script touches one node; a principal that keys both its limits and its scope (as errcat's
/// layers do) has all of them on one slot, and different principals spread over the slots.
/// In a tag, `%`, `{` and `}` are written `%25`, `%7B` and `%7D`, and an empty key is `%`, so
/// every tag is well-formed and no two keys share one. Durations are clamped (to about 300
/// years), never overflow. Redis caps nothing per scope: its records
/// leave with their expiry, and its memory is Redis's to bound: with `maxmemory` and the
/// `noeviction` policy a full Redis refuses new records (the layers then answer as their
/// `FailMode` says) instead of dropping live ones.
///
/// Cloning is cheap and shares one multiplexed connection (one per node on a cluster, which
/// follows `MOVED` and `ASK` redirections), which reconnects by itself after Redis comes back;
/// the scripts are loaded again if Redis lost them. No call waits longer than
/// the connect timeout plus the response timeout: past that, or while Redis is down, calls
/// return a [`StoreError`].
///
/// ```no_run
/// use std::time::Duration;
/// use errcat_store::{RateLimitStore, RedisConfig, RedisStore, Window};
///
/// # async fn run() -> Result<(), errcat_store::StoreError> {
/// let store = RedisStore::connect("redis://127.0.0.1:6379/", RedisConfig::new().prefix("mintfax")).await?;
/// let limiter = store.limiter("api-key", &[Window::per_second("burst", 10), Window::per_hour("hourly", 1000)]);
/// let decision = limiter.check("key-1").await?;
/// if let Some(retry_after) = decision.retry_after() {
///     println!("refused by window {:?}, retry in {retry_after:?}", decision.rejected_by());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    shared: Arc<Shared>,
}

struct Shared {
    backend: Backend,
    scripts: Scripts,
    prefix: String,
    /// The URL without its password, for messages.
    target: String,
    call_timeout: Duration,
}

struct Scripts {
    rate_limit: Script,
    begin: Script,
    complete: Script,
    release: Script,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            rate_limit: Script::new(RATE_LIMIT_LUA),
            begin: Script::new(BEGIN_LUA),
            complete: Script::new(COMPLETE_LUA),
            release: Script::new(RELEASE_LUA),
        }
    }
}

/// What the store holds: one server's self-healing connection, or a cluster's, renewed when
/// calls fail.
enum Backend {
    Single(ConnectionManager),
    Cluster(Box<ClusterBackend>),
}

/// A cluster connection, and the client to make a fresh one with.
///
/// The cluster client reconnects to nodes and refreshes its slots by itself; as a backstop
/// against a connection that does not come back (seen under load after a master returned),
/// a failed call starts a fresh connection in the background, at most one at a time and one
/// per [`RENEW_INTERVAL`], which later calls then use.
struct ClusterBackend {
    client: ClusterClient,
    current: std::sync::RwLock<ClusterConnection>,
    /// When the last renewal started, if one did.
    renewed: std::sync::Mutex<Option<std::time::Instant>>,
    connect_timeout: Duration,
}

/// The least time between two renewals of a cluster connection.
const RENEW_INTERVAL: Duration = Duration::from_secs(1);

impl ClusterBackend {
    fn connection(&self) -> ClusterConnection {
        // A poisoned lock still holds a whole connection: every write is one assignment.
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Starts a fresh connection in the background unless one started within
    /// [`RENEW_INTERVAL`]; it replaces the current one once it is made.
    fn renew(shared: &Arc<Shared>) {
        let Backend::Cluster(backend) = &shared.backend else {
            return;
        };
        {
            let mut renewed = backend
                .renewed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if renewed.is_some_and(|at| at.elapsed() < RENEW_INTERVAL) {
                return;
            }
            *renewed = Some(std::time::Instant::now());
        }
        let shared = Arc::downgrade(shared);
        tokio::spawn(async move {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let Backend::Cluster(backend) = &shared.backend else {
                return;
            };
            if let Ok(Ok(fresh)) = tokio::time::timeout(
                backend.connect_timeout,
                backend.client.get_async_connection(),
            )
            .await
            {
                *backend
                    .current
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
            }
        });
    }
}

/// A connection for one call: a server's or a cluster's; the scripts run on either.
#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.shared.backend {
            Backend::Single(_) => "server",
            Backend::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("mode", &mode)
            .field("target", &self.shared.target)
            .field("prefix", &self.shared.prefix)
            .field("call_timeout", &self.shared.call_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to Redis at `url` (`redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path/to/socket`) and loads the store's scripts.
    ///
    /// Fails with a [`StoreError`] saying what is wrong if the URL is not a Redis URL, if no
    /// connection is made within the connect timeout (retries included), or if Redis then does
    /// not load the scripts within the connect timeout plus the response timeout. Must be
    /// called within a Tokio runtime with its time driver enabled (as `#[tokio::main]` has
    /// it), which then drives the connection.
    ///
    /// ```no_run
    /// use errcat_store::{RedisConfig, RedisStore};
    ///
    /// # async fn run() {
    /// match RedisStore::connect("redis://127.0.0.1:6379/", RedisConfig::default()).await {
    ///     Ok(store) => println!("limits and keys on {store:?}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    pub async fn connect(url: &str, config: RedisConfig) -> Result<RedisStore, StoreError> {
        let target = redact(url);
        let client = url_problem(url)
            .map_or_else(|| redis::Client::open(url).map_err(|e| e.to_string()), Err)
            .map_err(|problem| {
                StoreError::new(format!(
                    "invalid Redis URL `{target}`: {problem}; expected \
                     redis://[[user]:password@]host[:port][/db], rediss://… (TLS) or \
                     redis+unix:///path/to/socket"
                ))
            })?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.connect_timeout))
            .set_response_timeout(Some(config.response_timeout))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_max_delay(RECONNECT_MAX_DELAY);
        let manager = match tokio::time::timeout(
            config.connect_timeout,
            ConnectionManager::new_with_config(client, manager_config),
        )
        .await
        {
            Ok(Ok(manager)) => manager,
            Ok(Err(e)) => {
                return Err(StoreError::new(format!(
                    "cannot connect to Redis at {target}: {e}"
                )));
            }
            Err(_) => {
                return Err(StoreError::new(format!(
                    "cannot connect to Redis at {target}: no connection within {:?}",
                    config.connect_timeout
                )));
            }
        };
        RedisStore::with_connection(Backend::Single(manager), target, &config).await
    }

    /// Connects to a Redis Cluster through its seed nodes (`redis://[[user]:password@]host:port`
    /// each, or `rediss://` for TLS; one reachable node is enough, the client learns the others
    /// from it) and loads the store's scripts on every node.
    ///
    /// The store then works as on one server: each decision is one script on the node that
    /// owns its keys' slot, redirections (`MOVED`, `ASK`) are followed, and a node that is
    /// down fails the calls that need it within the connect timeout plus the response timeout,
    /// as a server that is down does. The prefix may not contain `{` or `}`: the store's own
    /// hash tags spread the keys over the slots.
    ///
    /// Fails with a [`StoreError`] saying what is wrong if no URL is given, if one is not a
    /// TCP Redis URL, if the prefix holds a brace, or if the cluster does not answer (and load
    /// the scripts) in time. Must be called within a Tokio runtime.
    ///
    /// ```no_run
    /// use errcat_store::{RedisConfig, RedisStore};
    ///
    /// # async fn run() -> Result<(), errcat_store::StoreError> {
    /// let store = RedisStore::connect_cluster(
    ///     ["redis://10.0.0.1:7000", "redis://10.0.0.2:7000", "redis://10.0.0.3:7000"],
    ///     RedisConfig::new().prefix("mintfax"),
    /// )
    /// .await?;
    /// assert!(store.is_cluster());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect_cluster<I, S>(
        urls: I,
        config: RedisConfig,
    ) -> Result<RedisStore, StoreError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let urls: Vec<String> = urls.into_iter().map(|u| u.as_ref().to_owned()).collect();
        let target = urls.iter().map(|u| redact(u)).collect::<Vec<_>>().join(",");
        let invalid = |problem: String| {
            StoreError::new(format!(
                "invalid Redis Cluster URLs `{target}`: {problem}; expected one or more seed \
                 nodes, each redis://[[user]:password@]host:port or rediss://… (TLS)"
            ))
        };
        if urls.is_empty() {
            return Err(invalid("no seed node is given".to_owned()));
        }
        for url in &urls {
            if let Some(problem) = url_problem(url) {
                return Err(invalid(format!("`{}`: {problem}", redact(url))));
            }
            if url
                .split_once("://")
                .is_some_and(|(scheme, _)| scheme.ends_with("unix"))
            {
                return Err(invalid(format!(
                    "`{}`: a cluster is reached over TCP, not a Unix socket",
                    redact(url)
                )));
            }
        }
        if config.prefix.contains(['{', '}']) {
            return Err(StoreError::new(format!(
                "the key prefix `{}` holds a brace: on a Redis Cluster it would be every key's \
                 hash tag and put them all in one slot; choose a prefix without `{{` or `}}`",
                config.prefix
            )));
        }
        let client = ClusterClientBuilder::new(urls.clone())
            .connection_timeout(config.connect_timeout)
            .response_timeout(config.response_timeout)
            .overall_response_timeout(Some(config.call_timeout()))
            .retries(RECONNECT_RETRIES as u32)
            .min_retry_wait(millis_ceil(RECONNECT_MIN_DELAY))
            .max_retry_wait(millis_ceil(RECONNECT_MAX_DELAY))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        let connection = match tokio::time::timeout(
            config.connect_timeout,
            client.get_async_connection(),
        )
        .await
        {
            Ok(Ok(connection)) => connection,
            Ok(Err(e)) => {
                return Err(StoreError::new(format!(
                    "cannot connect to the Redis Cluster at {target}: {e}"
                )));
            }
            Err(_) => {
                return Err(StoreError::new(format!(
                    "cannot connect to the Redis Cluster at {target}: no connection within {:?}",
                    config.connect_timeout
                )));
            }
        };
        let backend = Backend::Cluster(Box::new(ClusterBackend {
            client,
            current: std::sync::RwLock::new(connection),
            renewed: std::sync::Mutex::new(None),
            connect_timeout: config.connect_timeout,
        }));
        RedisStore::with_connection(backend, target, &config).await
    }

    /// The store on a connection, once the server (every node of a cluster) loaded the scripts.
    async fn with_connection(
        backend: Backend,
        target: String,
        config: &RedisConfig,
    ) -> Result<RedisStore, StoreError> {
        let store = RedisStore {
            shared: Arc::new(Shared {
                backend,
                scripts: Scripts::new(),
                prefix: config.prefix.clone(),
                target,
                call_timeout: config.call_timeout(),
            }),
        };
        // Loading the scripts up front checks that the server runs them (and compiles them);
        // a cluster loads them on every node.
        let scripts = &store.shared.scripts;
        for (name, script) in [
            ("rate-limit", &scripts.rate_limit),
            ("idempotency begin", &scripts.begin),
            ("idempotency complete", &scripts.complete),
            ("idempotency release", &scripts.release),
        ] {
            let mut conn = store.connection();
            store
                .bounded("loading the scripts", async {
                    script.load_async(&mut conn).await.map_err(|e| {
                        StoreError::new(format!(
                            "Redis at {} did not load the {name} script: {e}",
                            store.shared.target
                        ))
                    })
                })
                .await?;
        }
        Ok(store)
    }

    /// Whether the store is on a Redis Cluster ([`RedisStore::connect_cluster`]).
    ///
    /// ```no_run
    /// # async fn run(store: errcat_store::RedisStore) {
    /// println!("on a {}", if store.is_cluster() { "cluster" } else { "server" });
    /// # }
    /// ```
    pub fn is_cluster(&self) -> bool {
        matches!(self.shared.backend, Backend::Cluster(_))
    }

    /// The prefix of every key this store writes.
    pub fn prefix(&self) -> &str {
        &self.shared.prefix
    }

    /// Asks Redis whether it is there (every node, on a cluster), for readiness checks.
    ///
    /// ```no_run
    /// # async fn run(store: errcat_store::RedisStore) {
    /// if let Err(e) = store.ping().await {
    ///     eprintln!("not ready: {e}");
    /// }
    /// # }
    /// ```
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.connection();
        let answer: Value = self
            .bounded("PING", async {
                redis::cmd("PING")
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.failed("PING", &e))
            })
            .await?;
        match answer {
            Value::SimpleString(s) if s == "PONG" => Ok(()),
            Value::BulkString(b) if b == b"PONG" => Ok(()),
            other => Err(malformed("PING", &other)),
        }
    }

    /// Runs `call` for at most the call timeout: the backstop behind the connection's own
    /// timeouts, so no call ever hangs.
    pub(crate) async fn bounded<T>(
        &self,
        what: &str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let timer = crate::metrics::Timer::start();
        let answer = match tokio::time::timeout(self.shared.call_timeout, call).await {
            Ok(answer) => answer,
            Err(_) => Err(StoreError::new(format!(
                "Redis at {} did not answer {what} within {:?}",
                self.shared.target, self.shared.call_timeout
            ))),
        };
        timer.finish(crate::metrics::Store::Redis, answer.is_ok());
        if answer.is_err() {
            // A cluster's connection is made afresh (in the background, now and then) while
            // calls fail: the backstop behind the client's own reconnection.
            ClusterBackend::renew(&self.shared);
        }
        answer
    }

    pub(crate) fn failed(&self, what: &str, e: &redis::RedisError) -> StoreError {
        StoreError::new(format!(
            "Redis at {} failed {what}: {e}",
            self.shared.target
        ))
    }

    /// Runs a prepared script, within the call timeout.
    async fn eval(
        &self,
        what: &'static str,
        invocation: ScriptInvocation<'_>,
    ) -> Result<Value, StoreError> {
        let mut conn = self.connection();
        self.bounded(what, async {
            invocation
                .invoke_async::<Value>(&mut conn)
                .await
                .map_err(|e| self.failed(what, &e))
        })
        .await
    }

    /// A connection handle (cheap: the connection is shared).
    pub(crate) fn connection(&self) -> Connection {
        match &self.shared.backend {
            Backend::Single(manager) => Connection::Single(manager.clone()),
            Backend::Cluster(backend) => Connection::Cluster(backend.connection()),
        }
    }

    /// `{prefix}:idem:{{scope}}:{key}`: the scope is the hash tag, and it ends at its `}`, so
    /// no two (scope, key) pairs meet.
    fn idempotency_key(&self, scope: &str, key: &str) -> String {
        let mut k = format!("{}:idem:", self.shared.prefix);
        push_tag(&mut k, scope);
        k.push(':');
        k.push_str(key);
        k
    }
}

/// Appends `{tag}`, a hash tag: `%`, `{` and `}` are written `%25`, `%7B` and `%7D`, and an
/// empty tag `%`, so it is never empty, holds no brace, and no two tags are the same.
pub(crate) fn push_tag(key: &mut String, tag: &str) {
    key.push('{');
    if tag.is_empty() {
        key.push('%');
    }
    for c in tag.chars() {
        match c {
            '%' => key.push_str("%25"),
            '{' => key.push_str("%7B"),
            '}' => key.push_str("%7D"),
            c => key.push(c),
        }
    }
    key.push('}');
}

/// What is plainly wrong with a URL, in words the Redis client does not give.
fn url_problem(url: &str) -> Option<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some("it has no scheme (`redis://`)".to_owned());
    };
    const SCHEMES: [&str; 7] = [
        "redis",
        "rediss",
        "redis+unix",
        "unix",
        "valkey",
        "valkeys",
        "valkey+unix",
    ];
    if !SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
        return Some(format!("`{scheme}` is not a Redis scheme"));
    }
    let tcp = !scheme.ends_with("unix");
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if tcp && host.is_empty() {
        return Some("it has no host".to_owned());
    }
    None
}

/// The URL with any password replaced by `***`, for messages.
fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://***@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn malformed(what: &str, value: &Value) -> StoreError {
    let mut shown = format!("{value:?}");
    if shown.len() > 200 {
        let mut end = 200;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push('…');
    }
    StoreError::new(format!(
        "Redis answered {what} with an unexpected reply: {shown}"
    ))
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(*i),
        Value::BulkString(b) => std::str::from_utf8(b).ok()?.parse().ok(),
        Value::SimpleString(s) => s.parse().ok(),
        _ => None,
    }
}

fn bytes_of(value: Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        _ => None,
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros())
        .unwrap_or(u64::MAX)
        .min(MAX_MICROS)
}

/// Whole milliseconds, rounded up, for `PEXPIRE`.
fn millis_ceil(d: Duration) -> u64 {
    let ms = d.as_micros().div_ceil(1000);
    u64::try_from(ms).unwrap_or(u64::MAX).min(MAX_MILLIS)
}

fn duration_from_micros(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

/// GCRA over every window of a policy, in one atomic step.
///
/// KEYS: one per window, in the policy's order. ARGV: per window, the emission interval T and
/// the tolerance tau = burst * T, in integer microseconds.
///
/// Returns `{refusing window (0-based, -1 if none), retry after (µs), reset (µs) of each window
/// consulted}`. A window that admits stores its new theoretical arrival time; the first window
/// that refuses stops the script, so later windows are neither consulted nor charged.
const RATE_LIMIT_LUA: &str = r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local out = {-1, 0}
for i = 1, #KEYS do
  local t = tonumber(ARGV[2 * i - 1])
  local tau = tonumber(ARGV[2 * i])
  local tat = now
  local stored = tonumber(redis.call('GET', KEYS[i]) or '')
  if stored and stored > now then
    tat = stored
  end
  local new_tat = tat + t
  local ahead = new_tat - now
  if ahead <= tau then
    local ttl = math.ceil(ahead / 1000)
    if ttl < 1 then
      ttl = 1
    end
    redis.call('SET', KEYS[i], string.format('%.0f', new_tat), 'PX', string.format('%.0f', ttl))
    out[#out + 1] = ahead
  else
    out[1] = i - 1
    out[2] = new_tat - tau - now
    out[#out + 1] = tat - now
    return out
  end
end
return out
"#;

/// KEYS[1]: the key's hash. ARGV: fingerprint (hex), token, lock ttl (ms).
const BEGIN_LUA: &str = r#"
local h = redis.call('HMGET', KEYS[1], 'state', 'fp', 'status', 'headers', 'body')
if not h[1] then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'state', 'lock', 'fp', ARGV[1], 'token', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {'acquired'}
end
if h[2] ~= ARGV[1] then
  return {'mismatch'}
end
if h[1] == 'lock' then
  return {'in_progress', redis.call('PTTL', KEYS[1])}
end
if h[1] == 'done' then
  return {'done', h[3], h[4], h[5]}
end
return redis.error_reply('errcat: unknown idempotency state')
"#;

/// KEYS[1]: the key's hash. ARGV: token, status, headers, body, retention (ms).
const COMPLETE_LUA: &str = r#"
local h = redis.call('HMGET', KEYS[1], 'state', 'token')
if h[1] ~= 'lock' or h[2] ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'status', ARGV[2], 'headers', ARGV[3], 'body', ARGV[4])
redis.call('HDEL', KEYS[1], 'token')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
"#;

/// KEYS[1]: the key's hash. ARGV: token.
const RELEASE_LUA: &str = r#"
local h = redis.call('HMGET', KEYS[1], 'state', 'token')
if h[1] == 'lock' and h[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"#;

struct RedisWindow {
    /// `:{policy}:{window}`, after the key's tag.
    key_suffix: String,
    /// The emission interval, µs.
    interval: u64,
    /// The tolerance, µs.
    tolerance: u64,
}

struct RedisLimiter {
    store: RedisStore,
    /// `{prefix}:rl:`, before the key's tag.
    key_prefix: String,
    windows: Vec<RedisWindow>,
}

impl RateLimitStore for RedisStore {
    fn limiter(&self, policy: &str, windows: &[Window]) -> Arc<dyn Limiter> {
        let windows = windows
            .iter()
            .map(|w| {
                let interval = micros(w.emission_interval()).max(1);
                RedisWindow {
                    key_suffix: format!(":{policy}:{}", w.name()),
                    interval,
                    tolerance: interval
                        .saturating_mul(u64::from(w.burst_size()))
                        .min(MAX_MICROS),
                }
            })
            .collect();
        Arc::new(RedisLimiter {
            store: self.clone(),
            key_prefix: format!("{}:rl:", self.shared.prefix),
            windows,
        })
    }
}

impl RedisLimiter {
    /// Appends this limiter's windows, under `key`'s tag, to a script invocation.
    fn add_windows(&self, invocation: &mut ScriptInvocation<'_>, key: &str) {
        // `{prefix}:rl:{{key}}`: one tag for every window, so one slot.
        let mut tagged = String::with_capacity(self.key_prefix.len() + key.len() + 2);
        tagged.push_str(&self.key_prefix);
        push_tag(&mut tagged, key);
        for w in &self.windows {
            let mut redis_key = String::with_capacity(tagged.len() + w.key_suffix.len());
            redis_key.push_str(&tagged);
            redis_key.push_str(&w.key_suffix);
            invocation.key(redis_key).arg(w.interval).arg(w.tolerance);
        }
    }
}

/// Splits the rate-limit script's reply over the limiters whose windows it was given, in
/// order: one decision per limiter consulted, the last one the refusal if there is one.
fn decisions(limiters: &[&RedisLimiter], reply: &Value) -> Result<Vec<Decision>, StoreError> {
    let bad = || malformed("a rate-limit check", reply);
    let Value::Array(items) = reply else {
        return Err(bad());
    };
    let total: usize = limiters.iter().map(|l| l.windows.len()).sum();
    let consulted = items.len().saturating_sub(2);
    if items.len() < 2 || consulted > total {
        return Err(bad());
    }
    let (Some(refused), Some(retry_after)) = (integer(&items[0]), integer(&items[1])) else {
        return Err(bad());
    };
    let refused = match (refused, usize::try_from(refused)) {
        (-1, _) if consulted == total => None,
        (_, Ok(i)) if i + 1 == consulted => Some(i),
        _ => return Err(bad()),
    };
    let mut resets = items[2..].iter();
    let mut decisions = Vec::with_capacity(limiters.len());
    let mut first = 0;
    for limiter in limiters {
        if decisions
            .last()
            .is_some_and(|d: &Decision| d.rejected.is_some())
        {
            break;
        }
        let mut states = WindowStates::with_capacity(limiter.windows.len());
        let mut rejected = None;
        for (i, w) in limiter.windows.iter().enumerate() {
            let Some(item) = resets.next() else { break };
            let Some(reset) = integer(item) else {
                return Err(bad());
            };
            let reset_us = u64::try_from(reset).unwrap_or(0);
            let remaining = if refused == Some(first + i) {
                rejected = Some((i, duration_from_micros(retry_after)));
                0
            } else {
                u32::try_from(w.tolerance.saturating_sub(reset_us) / w.interval).unwrap_or(u32::MAX)
            };
            states.push(WindowState {
                remaining,
                reset: Duration::from_micros(reset_us),
            });
        }
        first += limiter.windows.len();
        decisions.push(Decision { states, rejected });
    }
    Ok(decisions)
}

impl Limiter for RedisLimiter {
    fn check<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Decision> {
        Box::pin(async move {
            if self.windows.is_empty() {
                return Ok(Decision {
                    states: WindowStates::new(),
                    rejected: None,
                });
            }
            let mut invocation = self.store.shared.scripts.rate_limit.prepare_invoke();
            self.add_windows(&mut invocation, key);
            let reply = self.store.eval("a rate-limit check", invocation).await?;
            let mut decisions = decisions(&[self], &reply)?;
            decisions
                .pop()
                .ok_or_else(|| malformed("a rate-limit check", &reply))
        })
    }

    /// One script over every window of the chain, on one server. A cluster keeps each key's
    /// windows on its own slot, so there the chain is checked one limiter at a time (`None`),
    /// as it is when a limiter of the chain is not on this same store.
    fn check_chain<'a>(
        &'a self,
        key: &'a str,
        then: &'a [(&'a dyn Limiter, &'a str)],
    ) -> Option<StoreFuture<'a, Vec<Decision>>> {
        if self.store.is_cluster() {
            return None;
        }
        let mut chain: Vec<(&RedisLimiter, &str)> = Vec::with_capacity(then.len() + 1);
        chain.push((self, key));
        for (limiter, key) in then {
            let peer = limiter.as_any()?.downcast_ref::<RedisLimiter>()?;
            if !Arc::ptr_eq(&peer.store.shared, &self.store.shared) {
                return None;
            }
            chain.push((peer, key));
        }
        Some(Box::pin(async move {
            let limiters: Vec<&RedisLimiter> = chain.iter().map(|(l, _)| *l).collect();
            if limiters.iter().all(|l| l.windows.is_empty()) {
                return Ok(limiters
                    .iter()
                    .map(|_| Decision {
                        states: WindowStates::new(),
                        rejected: None,
                    })
                    .collect());
            }
            let mut invocation = self.store.shared.scripts.rate_limit.prepare_invoke();
            for (limiter, key) in &chain {
                limiter.add_windows(&mut invocation, key);
            }
            let reply = self.store.eval("a rate-limit check", invocation).await?;
            decisions(&limiters, &reply)
        }))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

/// Headers as one blob: per header, the name's length (u32, big-endian), the name, the value's
/// length, the value.
fn encode_headers(headers: &[(String, Vec<u8>)]) -> Result<Vec<u8>, StoreError> {
    let size = headers
        .iter()
        .map(|(n, v)| 8 + n.len() + v.len())
        .sum::<usize>();
    let mut blob = Vec::with_capacity(size);
    for (name, value) in headers {
        for part in [name.as_bytes(), value.as_slice()] {
            let len = u32::try_from(part.len())
                .map_err(|_| StoreError::new("a response header is too long to keep"))?;
            blob.extend_from_slice(&len.to_be_bytes());
            blob.extend_from_slice(part);
        }
    }
    Ok(blob)
}

fn decode_headers(mut blob: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
    fn part<'b>(blob: &mut &'b [u8]) -> Option<&'b [u8]> {
        let (len, rest) = blob.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
        if rest.len() < len {
            return None;
        }
        let (part, rest) = rest.split_at(len);
        *blob = rest;
        Some(part)
    }
    let mut headers = Vec::new();
    while !blob.is_empty() {
        let name = String::from_utf8(part(&mut blob)?.to_vec()).ok()?;
        let value = part(&mut blob)?.to_vec();
        headers.push((name, value));
    }
    Some(headers)
}

fn begin_answer(reply: Value, token: LockToken) -> Result<Begin, StoreError> {
    let bad = |reply: &Value| malformed("an idempotency begin", reply);
    let Value::Array(items) = reply else {
        return Err(bad(&reply));
    };
    let mut items = items.into_iter();
    let tag = items.next().and_then(bytes_of);
    let answer = match tag.as_deref() {
        Some(b"acquired") => Some(Begin::Acquired(token)),
        Some(b"mismatch") => Some(Begin::Mismatch),
        Some(b"in_progress") => items.next().as_ref().and_then(integer).map(|ms| {
            Begin::InProgress {
                // -1 (no expiry) cannot happen with this store's keys; read it as "any time".
                lock_expires_in: Duration::from_millis(u64::try_from(ms).unwrap_or(0)),
            }
        }),
        Some(b"done") => {
            let status = items.next().as_ref().and_then(integer);
            let headers = items.next().and_then(bytes_of);
            let body = items.next().and_then(bytes_of);
            match (status, headers, body) {
                (Some(status), Some(headers), Some(body)) => {
                    match (u16::try_from(status), decode_headers(&headers)) {
                        (Ok(status), Some(headers)) => Some(Begin::Completed(StoredResponse {
                            status,
                            headers,
                            body: bytes::Bytes::from(body),
                        })),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        _ => None,
    };
    answer.ok_or_else(|| {
        StoreError::new("Redis answered an idempotency begin with an unexpected reply")
    })
}

impl IdempotencyStore for RedisStore {
    fn begin<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        fingerprint: &'a Fingerprint,
        lock_ttl: Duration,
    ) -> StoreFuture<'a, Begin> {
        Box::pin(async move {
            let token = LockToken::random();
            let mut invocation = self.shared.scripts.begin.prepare_invoke();
            invocation
                .key(self.idempotency_key(scope, key))
                .arg(fingerprint.to_hex())
                .arg(token.as_str())
                .arg(millis_ceil(lock_ttl));
            let reply = self.eval("an idempotency begin", invocation).await?;
            begin_answer(reply, token)
        })
    }

    fn complete<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
        response: &'a StoredResponse,
        retention: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let headers = encode_headers(&response.headers)?;
            let mut invocation = self.shared.scripts.complete.prepare_invoke();
            invocation
                .key(self.idempotency_key(scope, key))
                .arg(token.as_str())
                .arg(response.status)
                .arg(headers)
                .arg(response.body.as_ref())
                .arg(millis_ceil(retention));
            let reply = self.eval("an idempotency complete", invocation).await?;
            match integer(&reply) {
                Some(1) => Ok(true),
                Some(0) => Ok(false),
                _ => Err(malformed("an idempotency complete", &reply)),
            }
        })
    }

    fn release<'a>(
        &'a self,
        scope: &'a str,
        key: &'a str,
        token: &'a LockToken,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut invocation = self.shared.scripts.release.prepare_invoke();
            invocation
                .key(self.idempotency_key(scope, key))
                .arg(token.as_str());
            let reply = self.eval("an idempotency release", invocation).await?;
            match integer(&reply) {
                Some(0 | 1) => Ok(()),
                _ => Err(malformed("an idempotency release", &reply)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(
            redact("redis://user:secret@host:6379/0"),
            "redis://***@host:6379/0"
        );
        assert_eq!(redact("redis://:p@ss@host"), "redis://***@host");
        assert_eq!(redact("not a url"), "not a url");
    }

    #[test]
    fn explains_bad_urls() {
        assert_eq!(url_problem("redis://127.0.0.1:6379/0"), None);
        assert_eq!(url_problem("rediss://user:pw@example.com"), None);
        assert_eq!(url_problem("redis+unix:///run/redis.sock"), None);
        assert_eq!(
            url_problem("localhost:6379").as_deref(),
            Some("it has no scheme (`redis://`)")
        );
        assert_eq!(
            url_problem("http://localhost").as_deref(),
            Some("`http` is not a Redis scheme")
        );
        assert_eq!(
            url_problem("redis://:pw@/0").as_deref(),
            Some("it has no host")
        );
    }

    #[test]
    fn headers_round_trip() {
        let headers = vec![
            ("set-cookie".to_owned(), b"a=1".to_vec()),
            ("set-cookie".to_owned(), b"b=\xff\x00".to_vec()),
            ("x-empty".to_owned(), Vec::new()),
        ];
        let blob = encode_headers(&headers).unwrap();
        assert_eq!(decode_headers(&blob), Some(headers));
        assert_eq!(decode_headers(&[]), Some(Vec::new()));
        assert_eq!(decode_headers(&blob[..blob.len() - 1]), None);
        assert_eq!(decode_headers(&[0, 0, 0]), None);
    }

    #[test]
    fn malformed_replies_are_errors() {
        let token = LockToken::random();
        assert!(begin_answer(Value::Nil, token.clone()).is_err());
        assert!(begin_answer(Value::Array(vec![]), token.clone()).is_err());
        let done = |status: Value, headers: &[u8]| {
            Value::Array(vec![
                Value::BulkString(b"done".to_vec()),
                status,
                Value::BulkString(headers.to_vec()),
                Value::BulkString(b"body".to_vec()),
            ])
        };
        assert!(begin_answer(done(Value::Int(70000), b""), token.clone()).is_err());
        assert!(begin_answer(done(Value::Int(200), b"\0\0\0\x09x"), token.clone()).is_err());
        assert!(begin_answer(done(Value::Nil, b""), token.clone()).is_err());
        assert!(matches!(
            begin_answer(done(Value::BulkString(b"201".to_vec()), b""), token.clone()),
            Ok(Begin::Completed(StoredResponse { status: 201, .. }))
        ));
        assert_eq!(
            begin_answer(
                Value::Array(vec![Value::BulkString(b"acquired".to_vec())]),
                token.clone()
            )
            .ok(),
            Some(Begin::Acquired(token))
        );
    }

    #[test]
    fn tags_are_well_formed_and_distinct() {
        let tag = |t: &str| {
            let mut k = String::new();
            push_tag(&mut k, t);
            k
        };
        assert_eq!(tag("acct_1"), "{acct_1}");
        assert_eq!(tag(""), "{%}");
        assert_eq!(tag("%"), "{%25}");
        assert_eq!(tag("a}b{c"), "{a%7Db%7Bc}");
        assert_eq!(tag("}"), "{%7D}");
        let inputs = [
            "", "%", "%25", "{", "%7B", "}", "%7D", "a", "a}", "a%7D", "é{",
        ];
        let tags: std::collections::BTreeSet<String> = inputs.iter().map(|t| tag(t)).collect();
        assert_eq!(tags.len(), inputs.len(), "{tags:?}");
        for t in &tags {
            // One `{` first, one `}` last, something between: Redis hashes what is between.
            assert_eq!(t.matches('{').count(), 1, "{t}");
            assert_eq!(t.matches('}').count(), 1, "{t}");
            assert!(t.starts_with('{') && t.ends_with('}') && t.len() > 2, "{t}");
        }
    }

    #[test]
    fn durations_are_clamped() {
        assert_eq!(millis_ceil(Duration::from_micros(1)), 1);
        assert_eq!(millis_ceil(Duration::ZERO), 0);
        assert_eq!(millis_ceil(Duration::from_millis(300)), 300);
        assert_eq!(millis_ceil(Duration::MAX), MAX_MILLIS);
        assert_eq!(micros(Duration::MAX), MAX_MICROS);
        assert_eq!(duration_from_micros(-5), Duration::ZERO);
    }
}
