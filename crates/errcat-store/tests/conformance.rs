//! One suite, every store: the checks are generic over the store and run once on
//! `MemoryStore`, once on `RedisStore` against a fresh `redis-server` per test, and once on
//! `RedisStore` against a fresh three-master Redis Cluster per test.
//!
//! The Redis half needs the `redis` feature (`cargo test --all-features`) and `redis-server`
//! on `PATH` (errcat-testkit's `RedisServer` starts it): without it those tests fail with the harness's message.
//!
//! Timing: quotas are chosen so decisions do not depend on the machine's speed (hourly windows
//! for exact counts). The checks of windows and expiries move time with [`Time`]: the memory
//! store runs on a [`ManualClock`], which moves only when a check says so; Redis keeps its own
//! clock, so there a check sleeps, and where two calls must fall within one window it asks
//! [`Time::within`] whether the machine stalled between them, and is run again if it did.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use errcat_store::{
    Begin, Decision, Fingerprint, IdempotencyStore, LockToken, ManualClock, MemoryStore,
    RateLimitStore, StoredResponse, Window,
};

/// How time passes for a store.
#[derive(Clone)]
enum Time {
    /// The store's clock: it moves when told, at once.
    Manual(ManualClock),
    /// The store keeps real time (Redis's `TIME`).
    Real,
}

/// A timed check could not be judged: the machine stalled where it needed two calls to fall
/// within a window. The check is run again from the start (with fresh keys).
#[derive(Debug)]
struct Stalled(&'static str);

/// What a timed check returns.
type Checked = Result<(), Stalled>;

/// Runs a timed check until it can be judged: a stall on five runs in a row fails it.
async fn attempts<F, Fut>(name: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Checked>,
{
    const ATTEMPTS: u32 = 5;
    for attempt in 1..=ATTEMPTS {
        match check().await {
            Ok(()) => return,
            Err(Stalled(what)) => {
                eprintln!("{name}: the machine stalled while {what} (attempt {attempt})")
            }
        }
    }
    panic!("{name}: the machine stalled on all {ATTEMPTS} attempts");
}

impl Time {
    /// Lets `d` pass on the store's clock.
    async fn pass(&self, d: Duration) {
        match self {
            Time::Manual(clock) => clock.advance(d),
            Time::Real => tokio::time::sleep(d).await,
        }
    }

    /// `Ok` if less than `bound` has passed on the store's clock since `since`; a manual clock
    /// never moves by itself.
    fn within(&self, since: Instant, bound: Duration, what: &'static str) -> Checked {
        match self {
            Time::Manual(_) => Ok(()),
            Time::Real if since.elapsed() < bound => Ok(()),
            Time::Real => Err(Stalled(what)),
        }
    }
}

/// What the suite needs of a store.
trait Store: RateLimitStore + IdempotencyStore + Clone {}
impl<S: RateLimitStore + IdempotencyStore + Clone> Store for S {}

/// A name no other test uses, so tests may share a server.
fn unique(name: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

const HOUR: Duration = Duration::from_secs(3600);

/// `actual` is within `tolerance` below `expected`, and not above it (GCRA never overstates).
#[track_caller]
fn assert_near(actual: Duration, expected: Duration, tolerance: Duration) {
    assert!(
        actual <= expected && actual + tolerance >= expected,
        "{actual:?} is not within {tolerance:?} below {expected:?}"
    );
}

#[track_caller]
fn admitted(d: &Decision) {
    assert!(d.admitted(), "expected admission, got {d:?}");
}

fn fp(body: &[u8]) -> Fingerprint {
    Fingerprint::of("POST", "/faxes", body)
}

/// The scope of the checks that use one.
const SCOPE: &str = "scope-1";

/// `begin` in [`SCOPE`], which must answer.
async fn begin<S: Store>(store: &S, key: &str, f: &Fingerprint, ttl: Duration) -> Begin {
    begin_in(store, SCOPE, key, f, ttl).await
}

/// `begin` in `scope`, which must answer.
async fn begin_in<S: Store>(
    store: &S,
    scope: &str,
    key: &str,
    f: &Fingerprint,
    ttl: Duration,
) -> Begin {
    store.begin(scope, key, f, ttl).await.expect("begin")
}

/// `begin` in `scope`, which must lock the key.
async fn acquire_in<S: Store>(
    store: &S,
    scope: &str,
    key: &str,
    f: &Fingerprint,
    ttl: Duration,
) -> LockToken {
    match begin_in(store, scope, key, f, ttl).await {
        Begin::Acquired(token) => token,
        other => panic!("expected Acquired for {scope}/{key}, got {other:?}"),
    }
}

/// `complete` for an hour's retention, which must answer.
async fn complete<S: Store>(
    store: &S,
    key: &str,
    token: &LockToken,
    response: &StoredResponse,
) -> bool {
    store
        .complete(SCOPE, key, token, response, HOUR)
        .await
        .expect("complete")
}

async fn acquire<S: Store>(store: &S, key: &str, f: &Fingerprint, ttl: Duration) -> LockToken {
    acquire_in(store, SCOPE, key, f, ttl).await
}

/// A response that exercises every byte: a binary body, duplicate header names in order, a
/// header value with high bytes.
fn binary_response() -> StoredResponse {
    let mut body: Vec<u8> = (0..=255u8).collect();
    body.extend_from_slice(&[0x00, 0xff, 0x00, b'\r', b'\n', 0xff]);
    StoredResponse {
        status: 201,
        headers: vec![
            (
                "content-type".to_owned(),
                b"application/octet-stream".to_vec(),
            ),
            ("set-cookie".to_owned(), b"a=1; Path=/".to_vec()),
            (
                "x-bytes".to_owned(),
                vec![0x01, 0x7f, 0x80, 0xff, b' ', b'\t'],
            ),
            ("set-cookie".to_owned(), b"b=2".to_vec()),
            ("x-empty".to_owned(), Vec::new()),
        ],
        body: body.into(),
    }
}

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

/// The whole burst passes, counting down; the next request waits one emission interval; keys
/// and policies are independent.
async fn burst_then_refused<S: Store>(store: S) {
    let policy = unique("burst");
    let window = Window::per_hour("hourly", 5);
    let t = window.emission_interval(); // 720 s
    let limiter = store.limiter(&policy, std::slice::from_ref(&window));
    for i in 0..5u32 {
        let d = limiter.check("k1").await.expect("check");
        admitted(&d);
        assert_eq!(d.states.len(), 1);
        assert_eq!(d.states[0].remaining, 4 - i, "request {i}: {d:?}");
        assert_near(d.states[0].reset, t * (i + 1), t);
    }
    for _ in 0..2 {
        let d = limiter.check("k1").await.expect("check");
        assert_eq!(d.rejected_by(), Some(0), "{d:?}");
        assert_near(
            d.retry_after().expect("refused"),
            t,
            Duration::from_secs(10),
        );
        assert_eq!(d.states.len(), 1);
        assert_eq!(d.states[0].remaining, 0);
        assert_near(d.states[0].reset, t * 5, Duration::from_secs(10));
    }

    // Another key of the same policy has its own quota.
    let d = limiter.check("k2").await.expect("check");
    admitted(&d);
    assert_eq!(d.states[0].remaining, 4);

    // Another policy with the same window and key too.
    let other = store.limiter(&unique("burst-other"), &[window]);
    let d = other.check("k1").await.expect("check");
    admitted(&d);
    assert_eq!(d.states[0].remaining, 4);

    // A burst smaller than the limit: 2 at once, then one emission interval apart.
    let small = store.limiter(
        &unique("burst-small"),
        &[Window::per_hour("hourly", 5).burst(2)],
    );
    let first = small.check("k1").await.expect("check");
    admitted(&first);
    assert_eq!(first.states[0].remaining, 1);
    assert_near(first.states[0].reset, t, Duration::from_secs(1));
    let second = small.check("k1").await.expect("check");
    admitted(&second);
    assert_eq!(second.states[0].remaining, 0);
    let third = small.check("k1").await.expect("check");
    assert_eq!(third.rejected_by(), Some(0));
    assert_near(
        third.retry_after().expect("refused"),
        t,
        Duration::from_secs(10),
    );
    assert_near(third.states[0].reset, t * 2, Duration::from_secs(10));
}

/// Two limiters made for the same policy and window (two layers, say) share their state, from
/// one store handle or a clone of it.
async fn same_policy_shares_state<S: Store + Clone>(store: S) {
    let policy = unique("shared");
    let window = Window::per_hour("hourly", 3);
    let a = store.limiter(&policy, std::slice::from_ref(&window));
    let b = store
        .clone()
        .limiter(&policy, std::slice::from_ref(&window));
    for (i, limiter) in [&a, &b, &a].into_iter().enumerate() {
        let d = limiter.check("k").await.expect("check");
        admitted(&d);
        assert_eq!(d.states[0].remaining, 2 - i as u32, "{d:?}");
    }
    let d = b.check("k").await.expect("check");
    assert_eq!(d.rejected_by(), Some(0), "{d:?}");
}

/// A chain of limiters (an address, then a plan) is decided in order, as one check each would
/// be: all admitted count everywhere, and the first refusal stops the chain, so the limiters
/// after it are neither consulted nor charged.
async fn chain_stops_at_the_first_refusal<S: Store>(store: S) {
    let address = store.limiter(&unique("chain-ip"), &[Window::per_hour("hourly", 2)]);
    let plan = store.limiter(
        &unique("chain-plan"),
        &[Window::per_hour("hourly", 5), Window::per_hour("daily", 9)],
    );
    let chain = [(&*address, "10.0.0.1"), (&*plan, "key_1")];
    for i in 0..2u32 {
        let d = errcat_store::check_chain(&chain).await.expect("check");
        assert_eq!(d.len(), 2, "{d:?}");
        admitted(&d[0]);
        admitted(&d[1]);
        assert_eq!(d[0].states[0].remaining, 1 - i);
        assert_eq!(d[1].states.len(), 2);
        assert_eq!(d[1].states[0].remaining, 4 - i);
        assert_eq!(d[1].states[1].remaining, 8 - i);
    }
    let refused = errcat_store::check_chain(&chain).await.expect("check");
    assert_eq!(refused.len(), 1, "the plan was consulted: {refused:?}");
    assert_eq!(refused[0].rejected_by(), Some(0));
    // The plan was not charged by the refusal: alone, it has three left, as after two.
    let d = plan.check("key_1").await.expect("check");
    admitted(&d);
    assert_eq!(d.states[0].remaining, 2, "{d:?}");
    // A refusal by the plan's second window, after the address admitted.
    let other = [(&*address, "10.0.0.2"), (&*plan, "key_2")];
    let tight = store.limiter(
        &unique("chain-tight"),
        &[Window::per_hour("a", 9), Window::per_hour("b", 1)],
    );
    let chain3 = [other[0], (&*tight, "key_3"), other[1]];
    admitted(&errcat_store::check_chain(&chain3).await.expect("check")[1]);
    let d = errcat_store::check_chain(&chain3).await.expect("check");
    assert_eq!(d.len(), 2, "{d:?}");
    admitted(&d[0]);
    assert_eq!(d[1].rejected_by(), Some(1), "{d:?}");
    assert_eq!(d[1].states.len(), 2);
    assert_eq!(d[1].states[1].remaining, 0);
    assert!(
        errcat_store::check_chain(&[])
            .await
            .expect("check")
            .is_empty()
    );
}

/// After one emission interval, one more request passes.
async fn refill<S: Store>(store: S, time: Time) -> Checked {
    let limiter = store.limiter(&unique("refill"), &[Window::per_second("burst", 5)]);
    let t = Duration::from_millis(200);
    let started = Instant::now();
    let mut passed = 0;
    let refused = loop {
        let d = limiter.check("k").await.expect("check");
        if !d.admitted() {
            break d;
        }
        passed += 1;
        assert!(passed <= 10, "never refused");
    };
    assert!(passed >= 5, "only {passed} of the burst of 5 passed");
    let wait = refused.retry_after().expect("refused");
    assert!(wait <= t, "retry after {wait:?} > one emission interval");
    time.within(started, t, "spending the burst")?;
    assert_eq!(passed, 5, "{refused:?}");
    time.pass(wait + Duration::from_millis(50)).await;
    admitted(&limiter.check("k").await.expect("check"));
    Ok(())
}

/// Two windows: the refusing window's index is reported; a request refused by the second
/// window was charged to the first; windows after the refusing one are not charged.
async fn two_windows<S: Store>(store: S, time: Time) -> Checked {
    let policy = unique("two");
    let limiter = store.limiter(
        &policy,
        &[
            Window::per_second("burst", 3),
            Window::per_hour("hourly", 5),
        ],
    );
    // Spend the burst: 3, unless the machine stalled for a third of a second.
    let started = Instant::now();
    let mut passed = 0u32;
    let refused = loop {
        let d = limiter.check("k").await.expect("check");
        if !d.admitted() {
            break d;
        }
        passed += 1;
        assert_eq!(d.states.len(), 2);
        assert_eq!(d.states[1].remaining, 5 - passed, "{d:?}");
    };
    time.within(started, Duration::from_millis(300), "spending the burst")?;
    assert_eq!(passed, 3, "{passed} passed a burst of 3");
    assert_eq!(refused.rejected_by(), Some(0), "{refused:?}");
    assert_eq!(refused.states.len(), 1, "the hourly window was consulted");
    assert!(refused.retry_after().expect("refused") <= Duration::from_millis(334));

    // The burst refills; the hourly window was not charged for the refused request.
    time.pass(Duration::from_millis(1200)).await;
    let started = Instant::now();
    let hourly_left = 5 - passed;
    for i in 0..hourly_left {
        let d = limiter.check("k").await.expect("check");
        admitted(&d);
        assert_eq!(d.states[1].remaining, hourly_left - 1 - i, "{d:?}");
    }
    // The burst window still has tokens: the hourly one refuses, and the burst is charged.
    let burst_left = 3 - hourly_left;
    let mut refusals = Vec::new();
    for _ in 0..burst_left {
        refusals.push(limiter.check("k").await.expect("check"));
    }
    // Those refusals used up the burst.
    let last = limiter.check("k").await.expect("check");
    time.within(started, Duration::from_millis(300), "the second burst")?;
    for (i, d) in refusals.iter().enumerate() {
        let i = i as u32;
        assert_eq!(d.rejected_by(), Some(1), "{d:?}");
        assert_eq!(d.states.len(), 2);
        assert_eq!(d.states[0].remaining, burst_left - 1 - i, "{d:?}");
        assert_eq!(d.states[1].remaining, 0);
        let wait = d.retry_after().expect("refused");
        assert!(
            wait > Duration::from_secs(700) && wait <= Duration::from_secs(720),
            "{wait:?}"
        );
    }
    assert_eq!(last.rejected_by(), Some(0), "{last:?}");
    assert_eq!(last.states.len(), 1);
    Ok(())
}

/// `tasks` checks at once, spread over `stores`: exactly the quota passes.
async fn concurrent_limit<S: Store>(stores: Vec<S>) {
    let policy = unique("shared");
    let window = Window::per_hour("hourly", 50);
    let limiters: Vec<_> = stores
        .iter()
        .map(|s| s.limiter(&policy, std::slice::from_ref(&window)))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let limiter = Arc::clone(&limiters[i % limiters.len()]);
        tasks.spawn(async move { limiter.check("tenant").await.expect("check") });
    }
    let mut passed = 0;
    let mut refused = 0;
    while let Some(d) = tasks.join_next().await {
        let d = d.expect("task");
        if d.admitted() {
            passed += 1;
        } else {
            assert_eq!(d.rejected_by(), Some(0));
            refused += 1;
        }
    }
    assert_eq!((passed, refused), (50, 150));
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

/// Acquire, in progress, complete, byte-exact replay, mismatch.
async fn idempotency_lifecycle<S: Store>(store: S) {
    let key = unique("life");
    let (mine, other) = (fp(b"{\"to\":1}"), fp(b"{\"to\":2}"));
    let ttl = Duration::from_secs(60);
    let token = acquire(&store, &key, &mine, ttl).await;

    match begin(&store, &key, &mine, ttl).await {
        Begin::InProgress { lock_expires_in } => {
            assert!(lock_expires_in <= ttl, "{lock_expires_in:?}");
            assert!(lock_expires_in > ttl - Duration::from_secs(10));
        }
        other => panic!("expected InProgress, got {other:?}"),
    }
    assert_eq!(begin(&store, &key, &other, ttl).await, Begin::Mismatch);

    // Only the holder records.
    let response = binary_response();
    let stranger = LockToken::random();
    assert!(!complete(&store, &key, &stranger, &response).await);
    assert!(matches!(
        begin(&store, &key, &mine, ttl).await,
        Begin::InProgress { .. }
    ));

    assert!(complete(&store, &key, &token, &response).await);
    for _ in 0..2 {
        assert_eq!(
            begin(&store, &key, &mine, ttl).await,
            Begin::Completed(response.clone())
        );
    }
    assert_eq!(begin(&store, &key, &other, ttl).await, Begin::Mismatch);

    // A finished key is not completed twice, nor released.
    let twice = StoredResponse {
        status: 500,
        headers: Vec::new(),
        body: bytes::Bytes::new(),
    };
    assert!(!complete(&store, &key, &token, &twice).await);
    store.release(SCOPE, &key, &token).await.expect("release");
    assert_eq!(
        begin(&store, &key, &mine, ttl).await,
        Begin::Completed(response)
    );

    // An empty response replays as empty.
    let key = unique("life-empty");
    let token = acquire(&store, &key, &mine, ttl).await;
    let empty = StoredResponse {
        status: 204,
        headers: Vec::new(),
        body: bytes::Bytes::new(),
    };
    assert!(complete(&store, &key, &token, &empty).await);
    assert_eq!(
        begin(&store, &key, &mine, ttl).await,
        Begin::Completed(empty)
    );
}

/// Only the holder's release frees the key.
async fn release_frees<S: Store>(store: S) {
    let key = unique("release");
    let f = fp(b"r");
    let ttl = Duration::from_secs(60);
    let first = acquire(&store, &key, &f, ttl).await;
    store
        .release(SCOPE, &key, &LockToken::random())
        .await
        .expect("release");
    assert!(matches!(
        begin(&store, &key, &f, ttl).await,
        Begin::InProgress { .. }
    ));
    store.release(SCOPE, &key, &first).await.expect("release");
    let second = acquire(&store, &key, &f, ttl).await;
    assert_ne!(first, second);
    // The old token no longer frees it.
    store.release(SCOPE, &key, &first).await.expect("release");
    assert!(matches!(
        begin(&store, &key, &f, ttl).await,
        Begin::InProgress { .. }
    ));
    // Releasing a key nobody holds is fine.
    store
        .release(SCOPE, &unique("release-none"), &first)
        .await
        .expect("release");
}

/// A lock expires: the key is free again, and the old holder can no longer record.
async fn lock_expiry<S: Store>(store: S, time: Time) -> Checked {
    let key = unique("expiry");
    let f = fp(b"e");
    let ttl = Duration::from_millis(300);
    let started = Instant::now();
    let old = acquire(&store, &key, &f, ttl).await;
    let during = begin(&store, &key, &f, ttl).await;
    time.within(started, ttl, "looking at the lock")?;
    match during {
        Begin::InProgress { lock_expires_in } => assert!(lock_expires_in <= ttl),
        other => panic!("expected InProgress, got {other:?}"),
    }
    time.pass(Duration::from_millis(700)).await;
    let new = acquire(&store, &key, &f, Duration::from_secs(60)).await;
    let response = binary_response();
    assert!(!complete(&store, &key, &old, &response).await);
    // Nothing was written: the new holder still holds the key.
    assert!(matches!(
        begin(&store, &key, &f, ttl).await,
        Begin::InProgress { .. }
    ));
    assert!(complete(&store, &key, &new, &response).await);
    assert_eq!(
        begin(&store, &key, &f, ttl).await,
        Begin::Completed(response)
    );
    Ok(())
}

/// A recorded response is kept for the retention only.
async fn retention_expiry<S: Store>(store: S, time: Time) -> Checked {
    let key = unique("retention");
    let f = fp(b"k");
    let ttl = Duration::from_secs(60);
    let retention = Duration::from_millis(300);
    let token = acquire(&store, &key, &f, ttl).await;
    let response = binary_response();
    let started = Instant::now();
    assert!(
        store
            .complete(SCOPE, &key, &token, &response, retention)
            .await
            .expect("complete")
    );
    let kept = begin(&store, &key, &f, ttl).await;
    time.within(started, retention, "reading the kept response")?;
    assert_eq!(kept, Begin::Completed(response));
    time.pass(Duration::from_millis(700)).await;
    // Free, even for another request.
    acquire(&store, &key, &fp(b"other"), ttl).await;
    Ok(())
}

/// 200 requests with one key at once, spread over `stores`: exactly one runs.
async fn concurrent_begin<S: Store>(stores: Vec<S>) {
    let key = unique("race");
    let f = fp(b"race");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let store = stores[i % stores.len()].clone();
        let key = key.clone();
        tasks.spawn(async move {
            store
                .begin(SCOPE, &key, &f, Duration::from_secs(60))
                .await
                .expect("begin")
        });
    }
    let (mut acquired, mut in_progress) = (0, 0);
    while let Some(answer) = tasks.join_next().await {
        match answer.expect("task") {
            Begin::Acquired(_) => acquired += 1,
            Begin::InProgress { .. } => in_progress += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((acquired, in_progress), (1, 199));
}

/// The same key in two scopes is two keys: each locks, records and frees on its own, and one
/// scope's token does nothing to the other's key.
async fn scopes_keep_keys_apart<S: Store>(store: S) {
    let key = unique("scoped");
    let f = fp(b"scoped");
    let ttl = Duration::from_secs(60);
    let a = acquire_in(&store, "tenant-a", &key, &f, ttl).await;
    let b = acquire_in(&store, "tenant-b", &key, &f, ttl).await;
    assert_ne!(a, b);
    // Another request under the same key in a third scope is no mismatch.
    acquire_in(&store, "tenant-c", &key, &fp(b"other"), ttl).await;

    let response = binary_response();
    assert!(
        !store
            .complete("tenant-b", &key, &a, &response, HOUR)
            .await
            .expect("complete")
    );
    store.release("tenant-b", &key, &a).await.expect("release");
    assert!(matches!(
        begin_in(&store, "tenant-b", &key, &f, ttl).await,
        Begin::InProgress { .. }
    ));

    assert!(
        store
            .complete("tenant-a", &key, &a, &response, HOUR)
            .await
            .expect("complete")
    );
    assert_eq!(
        begin_in(&store, "tenant-a", &key, &f, ttl).await,
        Begin::Completed(response)
    );
    assert!(matches!(
        begin_in(&store, "tenant-b", &key, &f, ttl).await,
        Begin::InProgress { .. }
    ));
    store.release("tenant-b", &key, &b).await.expect("release");
    acquire_in(&store, "tenant-b", &key, &f, ttl).await;
}

/// A lock and a retention of `Duration::MAX` neither overflow nor fail: the key is locked,
/// then kept, for a very long time.
async fn durations_saturate<S: Store>(store: S) {
    let key = unique("forever");
    let f = fp(b"forever");
    let token = acquire(&store, &key, &f, Duration::MAX).await;
    match begin(&store, &key, &f, Duration::MAX).await {
        Begin::InProgress { lock_expires_in } => assert!(
            lock_expires_in > Duration::from_secs(10 * 365 * 86_400),
            "{lock_expires_in:?}"
        ),
        other => panic!("expected InProgress, got {other:?}"),
    }
    let response = binary_response();
    assert!(
        store
            .complete(SCOPE, &key, &token, &response, Duration::MAX)
            .await
            .expect("complete")
    );
    assert_eq!(
        begin(&store, &key, &f, Duration::MAX).await,
        Begin::Completed(response)
    );
}

// ---------------------------------------------------------------------------------------------
// The suite, on each store
// ---------------------------------------------------------------------------------------------

macro_rules! suite {
    ($store:ident: $make:expr) => {
        suite!(@one $store: $make; same_policy_shares_state, burst_then_refused,
            chain_stops_at_the_first_refusal, idempotency_lifecycle, release_frees, scopes_keep_keys_apart, durations_saturate);
        suite!(@timed $store: $make; refill, two_windows, lock_expiry, retention_expiry);
        suite!(@many $store: $make; concurrent_limit, concurrent_begin);
    };
    // Checks of windows and expiries, run again while the machine stalls where they cannot.
    (@timed $store:ident: $make:expr; $($check:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            super::attempts(stringify!($check), || async {
                let Some($store) = $make else { return Ok(()) };
                super::$check($store.store(), $store.time()).await
            })
            .await;
        }
    )*};
    // Checks of one store.
    (@one $store:ident: $make:expr; $($check:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let Some($store) = $make else { return };
            super::$check($store.store()).await;
        }
    )*};
    // Checks of several handles on one store (here, one).
    (@many $store:ident: $make:expr; $($check:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $check() {
            let Some($store) = $make else { return };
            super::$check(vec![$store.store()]).await;
        }
    )*};
}

mod memory {
    use std::time::Duration;

    use errcat_store::{Begin, Cap, IdempotencyLimits, IdempotencyStore};

    use super::{HOUR, ManualClock, MemoryStore, Time, acquire_in, begin_in, binary_response, fp};

    /// A store on a manual clock.
    struct Fixture(MemoryStore, ManualClock);

    impl Fixture {
        fn new() -> Fixture {
            let clock = ManualClock::new();
            Fixture(MemoryStore::with_clock(clock.clone()), clock)
        }

        fn store(&self) -> MemoryStore {
            self.0.clone()
        }

        fn time(&self) -> Time {
            Time::Manual(self.1.clone())
        }
    }

    suite!(fixture: Some(Fixture::new()));

    /// Caps on records, per scope and in all: a new key over one is `Full`, with which cap and
    /// when the soonest record under it expires; keys already there still answer (nothing is
    /// evicted); a release or an expiry makes room.
    #[tokio::test]
    async fn entry_caps_refuse_new_keys_and_evict_nothing() {
        let clock = ManualClock::new();
        let store = MemoryStore::with_clock(clock.clone()).idempotency_limits(
            IdempotencyLimits::new()
                .per_scope(2, 1 << 20)
                .total(3, 1 << 20),
        );
        let f = fp(b"caps");
        let lock = Duration::from_secs(60);
        let response = binary_response();

        // t = 0: a/k1 locked until 60; t = 10: a/k2 until 70.
        let a1 = acquire_in(&store, "a", "k1", &f, lock).await;
        clock.advance(Duration::from_secs(10));
        let a2 = acquire_in(&store, "a", "k2", &f, lock).await;
        assert_eq!(
            begin_in(&store, "a", "k3", &f, lock).await,
            Begin::Full {
                cap: Cap::ScopeEntries,
                retry_after: Duration::from_secs(50)
            }
        );
        // The scope's keys still answer.
        assert!(matches!(
            begin_in(&store, "a", "k1", &f, lock).await,
            Begin::InProgress { .. }
        ));
        assert_eq!(
            begin_in(&store, "a", "k1", &fp(b"other"), lock).await,
            Begin::Mismatch
        );
        assert!(
            store
                .complete("a", "k1", &a1, &response, HOUR)
                .await
                .expect("complete")
        );
        assert_eq!(
            begin_in(&store, "a", "k1", &f, lock).await,
            Begin::Completed(response.clone())
        );
        // a/k1 is kept until 3610 now: the scope's soonest record is a/k2, at 70.
        assert_eq!(
            begin_in(&store, "a", "k3", &f, lock).await,
            Begin::Full {
                cap: Cap::ScopeEntries,
                retry_after: Duration::from_secs(60)
            }
        );

        // b/k1 until 70 fills the store: a new scope's key is refused by the total.
        let b1 = acquire_in(&store, "b", "k1", &f, lock).await;
        assert_eq!(
            begin_in(&store, "c", "k1", &f, lock).await,
            Begin::Full {
                cap: Cap::TotalEntries,
                retry_after: Duration::from_secs(60)
            }
        );
        // Refusals took no room and evicted nothing.
        assert_eq!(
            begin_in(&store, "a", "k1", &f, lock).await,
            Begin::Completed(response.clone())
        );
        assert!(matches!(
            begin_in(&store, "b", "k1", &f, lock).await,
            Begin::InProgress { .. }
        ));

        // A release makes room at once.
        store.release("a", "k2", &a2).await.expect("release");
        acquire_in(&store, "c", "k1", &f, lock).await;
        assert!(matches!(
            begin_in(&store, "d", "k1", &f, lock).await,
            Begin::Full {
                cap: Cap::TotalEntries,
                ..
            }
        ));

        // t = 71: b/k1 and c/k1 expired and were swept; a/k1 is still kept.
        clock.advance(Duration::from_secs(61));
        acquire_in(&store, "d", "k1", &f, lock).await;
        acquire_in(&store, "a", "k2", &f, lock).await;
        assert_eq!(
            begin_in(&store, "a", "k1", &f, lock).await,
            Begin::Completed(response)
        );
        store.release("b", "k1", &b1).await.expect("release");
    }

    /// Caps on the bytes of kept responses, per scope and in all: checked when a key is
    /// locked, so keys locked before the cap was reached still complete (the overshoot the
    /// docs bound); expiry frees the bytes.
    #[tokio::test]
    async fn byte_caps_refuse_new_keys_once_reached() {
        let response = binary_response();
        let size = response.size();
        let clock = ManualClock::new();
        let store = MemoryStore::with_clock(clock.clone()).idempotency_limits(
            IdempotencyLimits::new()
                .per_scope(100, size)
                .total(100, 3 * size),
        );
        let f = fp(b"bytes");
        let lock = Duration::from_secs(60);

        // Two keys of scope a locked while it holds nothing: both complete, over its cap.
        let a1 = acquire_in(&store, "a", "k1", &f, lock).await;
        let a2 = acquire_in(&store, "a", "k2", &f, lock).await;
        for (key, token) in [("k1", &a1), ("k2", &a2)] {
            assert!(
                store
                    .complete("a", key, token, &response, HOUR)
                    .await
                    .expect("complete")
            );
        }
        assert_eq!(
            begin_in(&store, "a", "k3", &f, lock).await,
            Begin::Full {
                cap: Cap::ScopeBytes,
                retry_after: HOUR
            }
        );
        for key in ["k1", "k2"] {
            assert_eq!(
                begin_in(&store, "a", key, &f, lock).await,
                Begin::Completed(response.clone())
            );
        }

        // Scope b brings the store to its total.
        clock.advance(Duration::from_secs(600));
        let b1 = acquire_in(&store, "b", "k1", &f, lock).await;
        assert!(
            store
                .complete("b", "k1", &b1, &response, HOUR)
                .await
                .expect("complete")
        );
        assert_eq!(
            begin_in(&store, "c", "k1", &f, lock).await,
            Begin::Full {
                cap: Cap::TotalBytes,
                retry_after: HOUR - Duration::from_secs(600)
            }
        );
        // A scope over its own cap hears of its own cap first.
        assert!(matches!(
            begin_in(&store, "b", "k2", &f, lock).await,
            Begin::Full {
                cap: Cap::ScopeBytes,
                ..
            }
        ));

        // Scope a's records expire: their bytes are free again.
        clock.advance(HOUR - Duration::from_secs(600));
        acquire_in(&store, "c", "k1", &f, lock).await;
        acquire_in(&store, "a", "k3", &f, lock).await;
    }

    /// The default caps.
    #[test]
    fn default_caps() {
        let limits = IdempotencyLimits::default();
        assert_eq!(limits.total_entries(), 100_000);
        assert_eq!(limits.total_bytes(), 256 * 1024 * 1024);
        assert_eq!(limits.scope_entries(), 10_000);
        assert_eq!(limits.scope_bytes(), 32 * 1024 * 1024);
        let zero = IdempotencyLimits::new().total(0, 0).per_scope(0, 0);
        assert_eq!(
            (
                zero.total_entries(),
                zero.total_bytes(),
                zero.scope_entries(),
                zero.scope_bytes()
            ),
            (1, 1, 1, 1)
        );
    }

    /// The machine's clock, which the other checks replace: windows refill and locks expire
    /// in real time too.
    #[tokio::test]
    async fn on_the_machines_clock() {
        let store = MemoryStore::new();
        super::attempts("refill", || super::refill(store.clone(), Time::Real)).await;
        super::attempts("lock_expiry", || {
            super::lock_expiry(store.clone(), Time::Real)
        })
        .await;
    }
}

#[cfg(feature = "redis")]
mod redis {
    use super::begin;
    use std::time::{Duration, Instant};

    use errcat_store::StoreError;
    use errcat_store::{
        Begin, IdempotencyStore, LockToken, RateLimitStore, RedisConfig, RedisStore, Window,
    };
    use errcat_testkit::redis::RedisServer;

    use super::{SCOPE, binary_response, fp, unique};

    /// A fresh server and a store on it; the server lives as long as the fixture.
    struct Fixture {
        server: RedisServer,
        store: RedisStore,
    }

    impl Fixture {
        /// `None` where `redis-server` is not installed (the harness says the test is skipped).
        async fn new() -> Option<Fixture> {
            let server = RedisServer::start_or_skip()?;
            let store = connect(&server).await;
            Some(Fixture { server, store })
        }

        fn store(&self) -> RedisStore {
            self.store.clone()
        }

        fn time(&self) -> super::Time {
            super::Time::Real
        }
    }

    async fn connect(server: &RedisServer) -> RedisStore {
        RedisStore::connect(&server.url(), RedisConfig::new().prefix("conformance"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    suite!(fixture: Fixture::new().await);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_begin_on_two_instances() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let second = connect(&fixture.server).await;
        super::concurrent_begin(vec![fixture.store(), second]).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_limit_on_two_instances() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let second = connect(&fixture.server).await;
        super::concurrent_limit(vec![fixture.store(), second]).await;
    }

    /// On one server a chain of limiters is one script: one round trip for an address and a
    /// plan together.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_chain_is_one_script_on_one_server() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let address = store.limiter(&unique("one-trip-ip"), &[Window::per_hour("h", 100)]);
        let plan = store.limiter(
            &unique("one-trip-plan"),
            &[Window::per_second("s", 100), Window::per_hour("h", 100)],
        );
        let chain = [(&*address, "10.0.0.1"), (&*plan, "key_1")];
        // Warm: the first call loads the script.
        errcat_store::check_chain(&chain).await.expect("check");
        let calls = |c: &str| fixture.server.calls(c).unwrap_or_else(|e| panic!("{e}"));
        let (evalsha, eval) = (calls("evalsha"), calls("eval"));
        for _ in 0..10 {
            let d = errcat_store::check_chain(&chain).await.expect("check");
            assert_eq!(d.len(), 2);
        }
        assert_eq!(calls("evalsha") - evalsha, 10, "one EVALSHA per chain");
        assert_eq!(calls("eval"), eval);
        // A limiter of another store is checked on its own.
        let elsewhere = connect(&fixture.server).await;
        let foreign = elsewhere.limiter(&unique("one-trip-other"), &[Window::per_hour("h", 100)]);
        let before = calls("evalsha");
        let d = errcat_store::check_chain(&[(&*address, "10.0.0.1"), (&*foreign, "k")])
            .await
            .expect("check");
        assert_eq!(d.len(), 2);
        assert_eq!(calls("evalsha") - before, 2);
    }

    /// The keys are where the docs say, with expiries; another prefix shares nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_and_prefixes() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let policy = unique("layout");
        let limiter = store.limiter(&policy, &[Window::per_hour("hourly", 5)]);
        assert!(limiter.check("tenant").await.expect("check").admitted());
        let ttl = Duration::from_secs(30);
        let f = fp(b"layout");
        let token = match begin(&store, "idem-1", &f, ttl).await {
            Begin::Acquired(token) => token,
            other => panic!("{other:?}"),
        };

        let client = redis::Client::open(fixture.server.url()).expect("url");
        let mut raw = client
            .get_multiplexed_async_connection()
            .await
            .expect("connection");
        // The limited key, then the scope, are the hash tags.
        let rl_key = format!("conformance:rl:{{tenant}}:{policy}:hourly");
        let tat_ttl: i64 = redis::cmd("PTTL")
            .arg(&rl_key)
            .query_async(&mut raw)
            .await
            .expect("PTTL");
        assert!(
            tat_ttl > 700_000 && tat_ttl <= 720_000,
            "{rl_key}: {tat_ttl}"
        );
        let state: Option<String> = redis::cmd("HGET")
            .arg("conformance:idem:{scope-1}:idem-1")
            .arg("state")
            .query_async(&mut raw)
            .await
            .expect("HGET");
        assert_eq!(state.as_deref(), Some("lock"));
        let lock_ttl: i64 = redis::cmd("PTTL")
            .arg("conformance:idem:{scope-1}:idem-1")
            .query_async(&mut raw)
            .await
            .expect("PTTL");
        assert!(lock_ttl > 20_000 && lock_ttl <= 30_000, "{lock_ttl}");
        store
            .release(SCOPE, "idem-1", &token)
            .await
            .expect("release");
        let exists: i64 = redis::cmd("EXISTS")
            .arg("conformance:idem:{scope-1}:idem-1")
            .query_async(&mut raw)
            .await
            .expect("EXISTS");
        assert_eq!(exists, 0);

        // Another prefix on the same server: its own limits and keys.
        let other = RedisStore::connect(&fixture.server.url(), RedisConfig::new().prefix("other"))
            .await
            .expect("connect");
        assert_eq!(other.prefix(), "other");
        let other_limiter = other.limiter(&policy, &[Window::per_hour("hourly", 5)]);
        assert_eq!(
            other_limiter.check("tenant").await.expect("check").states[0].remaining,
            4
        );
        let _lock = begin(&store, "idem-2", &f, ttl).await;
        assert!(matches!(
            begin(&other, "idem-2", &f, ttl).await,
            Begin::Acquired(_)
        ));
        other.ping().await.expect("ping");
    }

    /// Redis dies: calls fail fast, never hang; Redis comes back: the same store works again
    /// (the scripts are loaded again).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn outage_and_recovery() {
        let Some(mut fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let limiter = store.limiter(&unique("outage"), &[Window::per_hour("hourly", 100)]);
        let f = fp(b"outage");
        let ttl = Duration::from_secs(60);
        assert!(limiter.check("k").await.expect("check").admitted());
        let token = match begin(&store, "before", &f, ttl).await {
            Begin::Acquired(token) => token,
            other => panic!("{other:?}"),
        };

        fixture.server.stop();
        let bound = FAST;
        for _ in 0..3 {
            let err = fails_fast("check", limiter.check("k")).await;
            assert!(err.to_string().starts_with("store unavailable: "), "{err}");
            fails_fast("begin", store.begin(SCOPE, "during", &f, ttl)).await;
            let response = binary_response();
            fails_fast(
                "complete",
                store.complete(SCOPE, "before", &token, &response, ttl),
            )
            .await;
            fails_fast("release", store.release(SCOPE, "before", &token)).await;
            fails_fast("ping", store.ping()).await;
        }
        // Many callers at once fail as fast.
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..20 {
            let limiter = limiter.clone();
            tasks.spawn(async move { limiter.check(&format!("k{i}")).await.is_err() });
        }
        while let Some(failed) = tasks.join_next().await {
            assert!(failed.expect("task"));
        }
        assert!(started.elapsed() < bound, "{:?}", started.elapsed());

        fixture.server.restart().unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let decision = loop {
            match limiter.check("k").await {
                Ok(d) => break d,
                Err(_) if started.elapsed() < Duration::from_secs(15) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("Redis is back but the store still fails: {e}"),
            }
        };
        // A fresh server: the limit starts over.
        assert!(decision.admitted());
        assert_eq!(decision.states[0].remaining, 99);
        let token = match begin(&store, "after", &f, ttl).await {
            Begin::Acquired(token) => token,
            other => panic!("{other:?}"),
        };
        assert!(
            store
                .complete(SCOPE, "after", &token, &binary_response(), ttl)
                .await
                .expect("complete")
        );
        assert_eq!(
            begin(&store, "after", &f, ttl).await,
            Begin::Completed(binary_response())
        );
        store
            .release(SCOPE, "after", &LockToken::random())
            .await
            .expect("release");
        store.ping().await.expect("ping");
    }

    /// Redis hangs (stopped, its socket open): calls time out instead of waiting; Redis
    /// resumes: the same store works again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hung_server() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let limiter = store.limiter(&unique("hung"), &[Window::per_hour("hourly", 100)]);
        assert!(limiter.check("k").await.expect("check").admitted());
        let pid = fixture.server.pid().expect("running").to_string();
        let signal = |name: &str| {
            let status = std::process::Command::new("kill")
                .args([name, pid.as_str()])
                .status()
                .expect("kill");
            assert!(status.success());
        };
        signal("-STOP");
        let resume = Resume(&signal);
        for _ in 0..2 {
            fails_fast("check", limiter.check("k")).await;
            fails_fast(
                "begin",
                store.begin(SCOPE, "hung", &fp(b"h"), Duration::from_secs(5)),
            )
            .await;
        }
        drop(resume);
        let started = Instant::now();
        let decision = loop {
            match limiter.check("k").await {
                Ok(d) => break d,
                Err(_) if started.elapsed() < Duration::from_secs(15) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("Redis resumed but the store still fails: {e}"),
            }
        };
        assert!(decision.admitted());
        // The checks that timed out may or may not have been counted; no more than that.
        assert!(
            (95..=98).contains(&decision.states[0].remaining),
            "{decision:?}"
        );
        store.ping().await.expect("ping");

        /// Sends SIGCONT even if the test fails, so the server can be killed.
        struct Resume<'a>(&'a dyn Fn(&str));
        impl Drop for Resume<'_> {
            fn drop(&mut self) {
                (self.0)("-CONT");
            }
        }
    }

    /// How soon a call must fail when Redis is gone or hung. The store's own bounds are 1 s to
    /// connect and 500 ms to answer; a call that hangs would never end, so the bound leaves
    /// room for a busy machine and still tells the two apart.
    const FAST: Duration = Duration::from_secs(6);

    /// `call` fails, within [`FAST`].
    async fn fails_fast<T: std::fmt::Debug>(
        what: &str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> StoreError {
        let started = Instant::now();
        let answer = call.await;
        let elapsed = started.elapsed();
        assert!(elapsed < FAST, "{what} took {elapsed:?}");
        match answer {
            Ok(v) => panic!("{what} succeeded with Redis down: {v:?}"),
            Err(e) => e,
        }
    }

    /// Nobody listens: `connect` fails within the connect timeout.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connect_refused() {
        // A socket bound but not listening holds the port, so nobody else can take it while
        // the test runs, and connections to it are refused.
        let holder = tokio::net::TcpSocket::new_v4().expect("socket");
        holder
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let port = holder.local_addr().expect("port").port();
        let started = Instant::now();
        let err = RedisStore::connect(
            &format!("redis://127.0.0.1:{port}/"),
            RedisConfig::new().connect_timeout(Duration::from_secs(1)),
        )
        .await
        .expect_err("nobody listens");
        assert!(started.elapsed() < FAST, "{:?}", started.elapsed());
        drop(holder);
        let message = err.to_string();
        assert!(
            message.contains("cannot connect to Redis at redis://127.0.0.1:"),
            "{message}"
        );
    }

    /// A bad URL says what is wrong, without the password.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_urls() {
        for (url, problem) in [
            ("http://localhost:6379/", "`http` is not a Redis scheme"),
            ("localhost:6379", "it has no scheme"),
            ("redis://:hunter2@/0", "it has no host"),
            ("redis://:hunter2@[::1/", "did not parse"),
        ] {
            let err = RedisStore::connect(url, RedisConfig::new())
                .await
                .expect_err(url);
            let message = err.to_string();
            assert!(message.contains("invalid Redis URL"), "{url}: {message}");
            assert!(message.contains(problem), "{url}: {message}");
            assert!(message.contains("expected redis://"), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{url}: {message}");
        }
    }

    /// The harness: a URL, a port, stop and restart on the same port.
    #[test]
    fn server_harness() {
        let Some(mut server) = RedisServer::start_or_skip() else {
            return;
        };
        let port = server.port();
        assert_eq!(server.url(), format!("redis://127.0.0.1:{port}/"));
        assert!(server.is_running());
        server.stop();
        server.stop();
        assert!(!server.is_running());
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        server.restart().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(server.port(), port);
        assert!(server.is_running());
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
        // Two servers at once get two ports.
        let other = RedisServer::start().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(other.port(), port);
    }
}

/// The suite on a Redis Cluster (three masters, a fresh one per test), the keys' slots, and a
/// master killed mid-run.
#[cfg(feature = "redis")]
mod cluster {
    use std::time::{Duration, Instant};

    use errcat_store::{
        Begin, IdempotencyStore, RateLimitStore, RedisConfig, RedisStore, StoreError, Window,
    };
    use errcat_testkit::redis::RedisCluster;

    use super::{binary_response, fp, unique};

    struct Fixture {
        cluster: RedisCluster,
        store: RedisStore,
    }

    impl Fixture {
        /// `None` where `redis-server` or `redis-cli` is not installed (the harness says the
        /// test is skipped).
        async fn new() -> Option<Fixture> {
            let cluster = RedisCluster::start_or_skip()?;
            let store = connect(&cluster, RedisConfig::new().prefix("conformance")).await;
            Some(Fixture { cluster, store })
        }

        fn store(&self) -> RedisStore {
            self.store.clone()
        }

        fn time(&self) -> super::Time {
            super::Time::Real
        }
    }

    async fn connect(cluster: &RedisCluster, config: RedisConfig) -> RedisStore {
        RedisStore::connect_cluster(cluster.urls(), config)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    suite!(fixture: Fixture::new().await);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_begin_on_two_instances() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        // The second instance knows one seed node only, and learns the rest.
        let second = RedisStore::connect_cluster(
            &fixture.cluster.urls()[2..],
            RedisConfig::new().prefix("conformance"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(second.is_cluster());
        super::concurrent_begin(vec![fixture.store(), second]).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_limit_on_two_instances() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let second = connect(&fixture.cluster, RedisConfig::new().prefix("conformance")).await;
        super::concurrent_limit(vec![fixture.store(), second]).await;
    }

    /// A principal's windows and idempotency keys are on one slot (the tag is the principal);
    /// principals spread over every master; hostile keys (braces, `%`, empty) still make one
    /// slot per principal and collide with nobody.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_share_a_slot_per_principal_and_spread_over_the_masters() {
        let Some(fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let policy = unique("slots");
        let windows = [Window::per_hour("hourly", 5), Window::per_day("daily", 50)];
        let limiter = store.limiter(&policy, &windows);
        let mut masters = std::collections::BTreeSet::new();
        for i in 0..30 {
            let principal = format!("acct_{i}");
            let decision = limiter.check(&principal).await.expect("check");
            assert!(
                decision.admitted() && decision.states.len() == 2,
                "{decision:?}"
            );
            let token = match store
                .begin(&principal, "order-1", &fp(b"x"), Duration::from_secs(60))
                .await
                .expect("begin")
            {
                Begin::Acquired(token) => token,
                other => panic!("{other:?}"),
            };
            let keys = [
                format!("conformance:rl:{{{principal}}}:{policy}:hourly"),
                format!("conformance:rl:{{{principal}}}:{policy}:daily"),
                format!("conformance:idem:{{{principal}}}:order-1"),
            ];
            let nodes: Vec<usize> = keys
                .iter()
                .map(|k| {
                    fixture
                        .cluster
                        .node_for_key(k)
                        .unwrap_or_else(|e| panic!("{e}"))
                })
                .collect();
            assert!(
                nodes.iter().all(|&n| n == nodes[0]),
                "{keys:?} on {nodes:?}"
            );
            masters.insert(nodes[0]);
            assert!(
                store
                    .complete(
                        &principal,
                        "order-1",
                        &token,
                        &binary_response(),
                        super::HOUR
                    )
                    .await
                    .expect("complete")
            );
        }
        assert_eq!(masters.len(), RedisCluster::MASTERS, "{masters:?}");

        // Keys a client chose: each is its own, and every window of one is on one slot (the
        // script would fail with CROSSSLOT otherwise).
        let hostile = ["", "}", "{", "{}", "a}b", "%7D", "%", "{a}", "}{", "é"];
        for key in hostile {
            let decision = limiter
                .check(key)
                .await
                .unwrap_or_else(|e| panic!("{key:?}: {e}"));
            assert_eq!(decision.states[0].remaining, 4, "{key:?} shares a window");
            assert!(matches!(
                store
                    .begin(key, key, &fp(b"h"), Duration::from_secs(60))
                    .await
                    .unwrap_or_else(|e| panic!("{key:?}: {e}")),
                Begin::Acquired(_)
            ));
        }
    }

    /// A prefix with a brace would be every key's tag: refused, saying what to fix; no seed
    /// node, a Unix socket and a bad URL are refused too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bad_configuration_says_what_to_fix() {
        let err = RedisStore::connect_cluster(
            ["redis://127.0.0.1:7000"],
            RedisConfig::new().prefix("app{1}"),
        )
        .await
        .expect_err("a brace");
        assert!(err.to_string().contains("choose a prefix without"), "{err}");
        let none: [&str; 0] = [];
        let err = RedisStore::connect_cluster(none, RedisConfig::new())
            .await
            .expect_err("nothing");
        assert!(err.to_string().contains("no seed node"), "{err}");
        let err = RedisStore::connect_cluster(["redis+unix:///tmp/r.sock"], RedisConfig::new())
            .await
            .expect_err("unix");
        assert!(err.to_string().contains("over TCP"), "{err}");
        let err = RedisStore::connect_cluster(
            ["redis://127.0.0.1:7000", "http://:hunter2@host"],
            RedisConfig::new(),
        )
        .await
        .expect_err("http");
        let message = err.to_string();
        assert!(message.contains("not a Redis scheme"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    /// Nobody listens at the seed node: `connect_cluster` fails within its bound.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connect_refused() {
        let holder = tokio::net::TcpSocket::new_v4().expect("socket");
        holder
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let port = holder.local_addr().expect("port").port();
        let started = Instant::now();
        let err = RedisStore::connect_cluster(
            [format!("redis://127.0.0.1:{port}/")],
            RedisConfig::new().connect_timeout(Duration::from_secs(1)),
        )
        .await
        .expect_err("nobody listens");
        assert!(started.elapsed() < HANG, "{:?}", started.elapsed());
        drop(holder);
        assert!(
            err.to_string()
                .contains("cannot connect to the Redis Cluster at redis://127.0.0.1:"),
            "{err}"
        );
    }

    /// The bound on an answer while a master is down: the store's own is the connect timeout
    /// plus the response timeout (1.5 s); a hang would never end, and a busy machine may be
    /// slow, so the bound is generous.
    const HANG: Duration = Duration::from_secs(30);

    /// `call` fails (the store's answer when a node is down), within [`HANG`].
    async fn fails<T: std::fmt::Debug>(
        what: &str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> StoreError {
        let started = Instant::now();
        let answer = call.await;
        let elapsed = started.elapsed();
        assert!(elapsed < HANG, "{what} took {elapsed:?}");
        match answer {
            Ok(v) => panic!("{what} succeeded with its master down: {v:?}"),
            Err(e) => e,
        }
    }

    /// A master is killed while instances check limits: every call for a principal on its
    /// slots fails (a `StoreError`, for the layers' fail mode) within the bound, never hangs;
    /// once it is back with its slots and the cluster says ok, the same store answers again
    /// for every principal.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn master_killed_mid_run_fails_fast_and_recovers() {
        let Some(mut fixture) = Fixture::new().await else {
            return;
        };
        let store = fixture.store();
        let limiter = store.limiter(&unique("fault"), &[Window::per_hour("hourly", 1000)]);
        // One principal per master.
        let mut principals: Vec<Option<String>> = vec![None; RedisCluster::MASTERS];
        for i in 0.. {
            let p = format!("acct_{i}");
            let node = fixture
                .cluster
                .node_for_key(&format!("{{{p}}}"))
                .unwrap_or_else(|e| panic!("{e}"));
            principals[node].get_or_insert(p);
            if principals.iter().all(Option::is_some) {
                break;
            }
        }
        let principals: Vec<String> = principals.into_iter().flatten().collect();
        let victim = 1;
        let doomed = principals[victim].clone();

        // Mid-run: a task keeps checking every principal; the master dies once it has made
        // ten rounds of decisions.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
        let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
        let runner = {
            let limiter = limiter.clone();
            let principals = principals.clone();
            tokio::spawn(async move {
                let mut rounds = 0u32;
                let mut slowest = Duration::ZERO;
                while !*stop_rx.borrow_and_update() {
                    for p in &principals {
                        let started = Instant::now();
                        let _ = limiter.check(p).await;
                        slowest = slowest.max(started.elapsed());
                    }
                    rounds += 1;
                    if rounds == 10 {
                        let _ = tx.send(()).await;
                    }
                }
                slowest
            })
        };
        rx.recv().await.expect("the runner made ten rounds");
        fixture.cluster.stop_node(victim);

        let f = fp(b"fault");
        let ttl = Duration::from_secs(60);
        for _ in 0..3 {
            let err = fails("check", limiter.check(&doomed)).await;
            assert!(err.to_string().starts_with("store unavailable: "), "{err}");
            fails("begin", store.begin(&doomed, "during", &f, ttl)).await;
        }
        // Many callers at once fail as soon.
        let started = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (limiter, doomed) = (limiter.clone(), doomed.clone());
            tasks.spawn(async move { limiter.check(&doomed).await.is_err() });
        }
        while let Some(failed) = tasks.join_next().await {
            assert!(failed.expect("task"));
        }
        assert!(started.elapsed() < HANG, "{:?}", started.elapsed());

        stop_tx.send(true).expect("runner");
        let slowest = runner.await.expect("runner");
        assert!(
            slowest < HANG,
            "a check took {slowest:?} while the master was down"
        );

        // Whole again: the same node, its slots, no data.
        fixture
            .cluster
            .restart_node(victim)
            .unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        for p in &principals {
            loop {
                match limiter.check(p).await {
                    Ok(d) => {
                        assert!(d.admitted(), "{p}: {d:?}");
                        break;
                    }
                    Err(_) if started.elapsed() < Duration::from_secs(60) => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("the cluster is whole but {p} still fails: {e}"),
                }
            }
        }
        // The restarted master lost its data: the doomed principal starts over (it had made
        // at least ten checks before; a check that failed on the way back may have counted).
        let d = limiter.check(&doomed).await.expect("check");
        assert!((990..=998).contains(&d.states[0].remaining), "{d:?}");
        let token = match store.begin(&doomed, "after", &f, ttl).await.expect("begin") {
            Begin::Acquired(token) => token,
            other => panic!("{other:?}"),
        };
        assert!(
            store
                .complete(&doomed, "after", &token, &binary_response(), ttl)
                .await
                .expect("complete")
        );
        assert_eq!(
            store.begin(&doomed, "after", &f, ttl).await.expect("begin"),
            Begin::Completed(binary_response())
        );
        store.ping().await.expect("ping");
    }

    /// The harness: three masters, every slot served, a node stopped and started again.
    #[test]
    fn cluster_harness() {
        let Some(mut cluster) = RedisCluster::start_or_skip() else {
            return;
        };
        let urls = cluster.urls();
        assert_eq!(urls.len(), RedisCluster::MASTERS);
        let nodes: std::collections::BTreeSet<usize> = (0..200)
            .map(|i| cluster.node_for_key(&format!("k{i}")).expect("slot"))
            .collect();
        assert_eq!(nodes.len(), RedisCluster::MASTERS);
        // A tag decides the slot.
        assert_eq!(
            cluster.node_for_key("a:{p}:x").expect("slot"),
            cluster.node_for_key("b:{p}:y").expect("slot")
        );
        let port = cluster.node(0).port();
        cluster.stop_node(0);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
        cluster.restart_node(0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cluster.node(0).port(), port);
        cluster.wait_ok().expect("ok");
    }
}
