//! What authentication adds to a request: a cached key in memory, through `AuthLayer`, beside
//! errcat's own layer (request id, locale, panic guard) and a bare service, from the same run.
//! Every future here is ready on its first poll (memory stores, a ready inner service), so
//! each request is polled once, without a runtime's scheduling in the figure.

use std::convert::Infallible;
use std::hint::black_box;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use criterion::{Criterion, criterion_group, criterion_main};
use errcat::auth::Auth;
use errcat::axum::Errcat;
use errcat::store::MemoryStore;
use errcat::store::keys::{ApiKeySecret, CachedKeyStore, KeyHasher, KeyRecord, KeyStore as _};
use futures_util::FutureExt as _;
use tower::{Layer as _, Service, ServiceExt as _};

errcat::codes!(mod mintfax = "../../catalogs/mintfax.toml");

fn inner() -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone {
    tower::service_fn(|_req: Request| async { Ok::<_, Infallible>(Response::new(Body::empty())) })
}

fn request(auth: &str) -> Request {
    Request::builder()
        .uri("/faxes")
        .header("authorization", auth)
        .body(Body::empty())
        .unwrap_or_default()
}

/// One request through `svc`, which must answer on the first poll.
fn call<S>(svc: &mut S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let ready = svc.ready().now_or_never();
    assert!(matches!(ready, Some(Ok(_))), "the service is ready");
    match svc.call(req).now_or_never() {
        Some(Ok(res)) => res,
        _ => panic!("the request did not answer on its first poll"),
    }
}

fn bench(c: &mut Criterion) {
    let catalog = mintfax::catalog();
    let hasher = KeyHasher::sha256();
    let secret = ApiKeySecret::generate("mfx", "test").expect("a key");
    let store = MemoryStore::new();
    let record = KeyRecord::new(&secret, &hasher, "bench", "acct").scopes(["faxes:read"]);
    store
        .put(&record)
        .now_or_never()
        .expect("memory answers at once")
        .expect("put");
    let keys = CachedKeyStore::new(store, Duration::from_secs(60), 1000);
    let bearer = format!("Bearer {}", secret.expose());

    let mut bare = inner();
    let mut errcat = Errcat::new(catalog.clone()).layer().layer(inner());
    let mut auth = Auth::new(keys)
        .no_failure_limit()
        .layer(&catalog)
        .layer(inner());
    // Warm the cache, and check each answers as it should.
    assert_eq!(call(&mut auth, request(&bearer)).status(), 200);
    assert_eq!(call(&mut errcat, request(&bearer)).status(), 200);

    let mut g = c.benchmark_group("layer");
    g.bench_function("bare", |b| {
        b.iter(|| black_box(call(&mut bare, request(black_box(&bearer)))))
    });
    g.bench_function("errcat (request id, locale)", |b| {
        b.iter(|| black_box(call(&mut errcat, request(black_box(&bearer)))))
    });
    g.bench_function("auth (cached key, memory)", |b| {
        b.iter(|| black_box(call(&mut auth, request(black_box(&bearer)))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
