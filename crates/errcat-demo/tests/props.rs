//! Properties over a real socket: whatever a client sends, every error response is a catalog
//! envelope with a consistent request id, and nothing but the debug failure routes answers 5xx.

mod common;

use std::sync::OnceLock;

use common::*;
use errcat::axum::is_safe_request_id;
use errcat_demo::{DemoConfig, DemoKeys};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const CASES: u32 = 64;

/// One runtime for every property; proptest's bodies are sync and `block_on` it.
fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// The demo's keys, made once: the strategies draw from them before the server starts.
fn keys() -> &'static DemoKeys {
    static KEYS: OnceLock<DemoKeys> = OnceLock::new();
    KEYS.get_or_init(DemoKeys::generate)
}

fn config() -> Config {
    Config {
        cases: CASES,
        // No regression files: this suite writes nothing into the repository.
        failure_persistence: None,
        ..Config::default()
    }
}

#[derive(Debug, Clone)]
struct Req {
    method: &'static str,
    path: String,
    content_type: Option<String>,
    body: Vec<u8>,
    accept_language: Option<String>,
    request_id: Option<String>,
    authorization: Option<String>,
    idempotency_key: Option<String>,
}

/// The path the server sees: the client resolves `.` and `..` segments.
fn normalized(path: &str) -> String {
    reqwest::Url::parse(&format!("http://h{path}"))
        .map_or_else(|_| path.to_string(), |u| u.path().to_string())
}

fn segment() -> BoxedStrategy<String> {
    prop_oneof![
        "[A-Za-z0-9._~-]{0,12}",
        "(%[0-9A-Fa-f]{2}){1,3}",
        Just("fax_nope".to_string()),
        Just("mfx_acct_x".to_string()),
        "[0-9]{1,5}",
        Just("0".to_string()),
    ]
    .boxed()
}

fn query() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        "limit=[a-z0-9-]{0,4}".prop_map(|q| format!("?{q}")),
        "status=[a-z]{0,10}".prop_map(|q| format!("?{q}")),
        "ms=[a-z0-9]{0,3}".prop_map(|q| format!("?{q}")),
        "[a-z0-9=&%._-]{0,24}".prop_map(|q| format!("?{q}")),
    ]
    .boxed()
}

/// The demo's routes, with random segments in their parameters, plus random paths.
fn path() -> BoxedStrategy<String> {
    let templates = vec![
        "/faxes",
        "/faxes/{a}",
        "/faxes/{a}/pages/{b}",
        "/faxes/{a}/resend",
        "/account/balance",
        "/account/keys/{a}",
        "/debug/fail",
        "/debug/panic",
        "/healthz",
        "/openapi.json",
        "/{a}",
        "/{a}/{b}",
        "/faxes/{a}/{b}",
        "/debug/{a}",
        "/account/{a}",
    ];
    (
        proptest::sample::select(templates),
        segment(),
        segment(),
        query(),
    )
        .prop_map(|(t, a, b, q)| format!("{}{q}", t.replace("{a}", &a).replace("{b}", &b)))
        .prop_filter("/debug/slow is left out: it sleeps", |p| {
            normalized(p) != "/debug/slow"
        })
        .boxed()
}

fn method() -> BoxedStrategy<&'static str> {
    proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]).boxed()
}

fn content_type() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        proptest::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
            "application/vnd.api+json",
            "application/jsonx",
            "text/json",
            "text/plain",
            "multipart/form-data; boundary=x",
        ])
        .prop_map(|s| Some(s.to_string())),
        "[ -~]{0,24}".prop_map(Some),
    ]
    .boxed()
}

/// JSON, JSON of roughly the fax's shape, and JSON cut short.
fn json_ish() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[ -~]{0,12}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("+15551234567")),
        Just(serde_json::Value::from("application/pdf")),
        Just(serde_json::Value::from("JVBERi0xLjQ=")),
    ];
    let value = leaf.clone().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map("[a-z_]{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let key = prop_oneof![
        Just("to".to_string()),
        Just("file".to_string()),
        Just("content_type".to_string()),
        Just("content_base64".to_string()),
        "[a-z_]{1,8}",
    ];
    let fax = (leaf.clone(), leaf.clone(), leaf, proptest::option::of(key)).prop_map(
        |(to, ct, data, extra)| {
            let mut file = serde_json::json!({"content_type": ct, "content_base64": data});
            if let Some(k) = &extra {
                file[k] = serde_json::Value::Bool(true);
            }
            serde_json::json!({"to": to, "file": file}).to_string()
        },
    );
    prop_oneof![
        value.prop_map(|v| v.to_string()),
        fax.clone(),
        (fax, any::<proptest::sample::Index>()).prop_map(|(s, i)| {
            let cut = i.index(s.len().max(1));
            s[..cut].to_string()
        }),
        "[\\[\\]{}\":,0-9a-z +.-]{0,40}",
    ]
    .boxed()
}

fn body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..256),
        json_ish().prop_map(String::into_bytes),
    ]
    .boxed()
}

fn accept_language() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        "[ -~]{0,32}".prop_map(Some),
        proptest::sample::select(vec![
            "es",
            "en",
            "fr",
            "*",
            "en;q=0",
            "es-MX;q=0.9, en;q=0.8",
            "en;q=abc",
            ",,;",
            "q=1"
        ])
        .prop_map(|s| Some(s.to_string())),
    ]
    .boxed()
}

fn request_id() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        "[ -~]{0,40}".prop_map(Some),
        "[A-Za-z0-9._:-]{1,40}".prop_map(Some),
        "[A-Za-z0-9]{120,140}".prop_map(Some),
    ]
    .boxed()
}

fn authorization() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(vec![
            keys().sandbox.expose().to_owned(),
            keys().live.expose().to_owned(),
            keys().account.expose().to_owned()
        ])
        .prop_map(|k| Some(bearer(&k))),
        "Bearer [ -~]{0,20}".prop_map(Some),
        "[ -~]{0,20}".prop_map(Some),
    ]
    .boxed()
}

fn any_request() -> BoxedStrategy<Req> {
    (
        method(),
        path(),
        content_type(),
        body(),
        accept_language(),
        request_id(),
        authorization(),
    )
        .prop_map(
            |(method, path, content_type, body, accept_language, request_id, authorization)| Req {
                method,
                path,
                content_type,
                body,
                accept_language,
                request_id,
                authorization,
                idempotency_key: None,
            },
        )
        .boxed()
}

/// A demo server (flat style) and a client, for one property.
struct Harness {
    server: Server,
    client: reqwest::Client,
}

impl Harness {
    fn start() -> Harness {
        Harness::with(DemoConfig::default())
    }

    fn with(config: DemoConfig) -> Harness {
        let server = rt().block_on(demo(DemoConfig {
            keys: keys().clone(),
            debug_routes: true,
            ..config
        }));
        Harness {
            server,
            client: client(),
        }
    }

    fn send(&self, req: &Req) -> Reply {
        rt().block_on(async {
            let method = reqwest::Method::from_bytes(req.method.as_bytes()).expect("a method");
            let mut b = self.client.request(method, self.server.url(&req.path));
            if let Some(v) = &req.content_type {
                b = b.header("content-type", v.as_str());
            }
            if let Some(v) = &req.accept_language {
                b = b.header("accept-language", v.as_str());
            }
            if let Some(v) = &req.request_id {
                b = b.header("x-request-id", v.as_str());
            }
            if let Some(v) = &req.authorization {
                b = b.header("authorization", v.as_str());
            }
            if let Some(v) = &req.idempotency_key {
                b = b.header("idempotency-key", v.as_str());
            }
            if !req.body.is_empty() {
                b = b.body(req.body.clone());
            }
            send(b).await
        })
    }

    /// Sends a request and checks every invariant of its response.
    fn check(&self, req: &Req) -> Result<(), TestCaseError> {
        let r = self.send(req);
        let ctx = || {
            format!(
                "{} {} -> {} {:?} {}",
                req.method, req.path, r.status, r.headers, r.text
            )
        };

        // Every response has an id: the client's when safe, else a fresh one.
        let id = r.header("x-request-id").to_string();
        prop_assert!(!id.is_empty(), "no x-request-id: {}", ctx());
        let sent = req
            .request_id
            .as_deref()
            .map(|v| v.trim_matches([' ', '\t']));
        match sent {
            Some(v) if is_safe_request_id(v) => {
                prop_assert_eq!(&id, v, "a safe id is echoed: {}", ctx())
            }
            _ => prop_assert!(is_fresh_id(&id), "a fresh id: {}", ctx()),
        }

        let path = normalized(&req.path);
        if r.status >= 500 {
            prop_assert!(
                path == "/debug/fail" || path == "/debug/panic",
                "5xx outside the debug routes: {}",
                ctx()
            );
        }
        if r.status < 400 {
            return Ok(());
        }

        // Every error is a catalog envelope.
        prop_assert_eq!(
            r.content_type(),
            "application/json",
            "content type: {}",
            ctx()
        );
        prop_assert_eq!(r.header("content-language"), "en", "{}", ctx());
        let Some(json) = &r.json else {
            return Err(TestCaseError::fail(format!("not JSON: {}", ctx())));
        };
        let Some(code) = json["error"].as_str() else {
            return Err(TestCaseError::fail(format!("no `error` code: {}", ctx())));
        };
        let catalog = errcat_demo::mintfax::catalog();
        let Some(entry) = catalog.get(code) else {
            return Err(TestCaseError::fail(format!(
                "`{code}` is not in the catalog: {}",
                ctx()
            )));
        };
        prop_assert!(
            entry.statuses.contains(&r.status),
            "status not among {:?}: {}",
            entry.statuses,
            ctx()
        );
        prop_assert_eq!(
            json["request_id"].as_str(),
            Some(id.as_str()),
            "body id vs header: {}",
            ctx()
        );
        prop_assert!(
            json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "a message: {}",
            ctx()
        );
        Ok(())
    }
}

fn run<S: Strategy<Value = Req>>(strategy: S) {
    let h = Harness::start();
    let mut runner = TestRunner::new(config());
    if let Err(e) = runner.run(&strategy, |req| h.check(&req)) {
        panic!("{e}");
    }
}

#[test]
fn every_request_gets_a_catalog_envelope() {
    run(any_request());
}

#[test]
fn fax_bodies_get_catalog_envelopes() {
    // Mostly JSON content types and JSON-ish bodies, so most requests reach the deserializer.
    let content_type =
        prop_oneof![3 => Just(Some("application/json".to_string())), 1 => content_type()];
    let body = prop_oneof![3 => json_ish().prop_map(String::into_bytes), 1 => body()];
    let strategy = (
        content_type,
        body,
        proptest::sample::select(vec![
            keys().sandbox.expose().to_owned(),
            keys().live.expose().to_owned(),
        ]),
    )
        .prop_map(|(content_type, body, key)| Req {
            method: "POST",
            path: "/faxes".to_string(),
            content_type,
            body,
            accept_language: None,
            request_id: None,
            authorization: Some(bearer(&key)),
            idempotency_key: None,
        });
    run(strategy);
}

#[test]
fn any_headers_keep_envelopes_whole() {
    let strategy = (
        proptest::sample::select(vec![
            "/nope",
            "/faxes/fax_nope",
            "/faxes?limit=x",
            "/healthz",
        ]),
        accept_language(),
        request_id(),
    )
        .prop_map(|(path, accept_language, request_id)| Req {
            method: "GET",
            path: path.to_string(),
            content_type: None,
            body: Vec::new(),
            accept_language,
            request_id,
            authorization: Some(bearer(keys().sandbox.expose())),
            idempotency_key: None,
        });
    run(strategy);
}

/// One step of a client against the idempotency layer: a whole request, or one that gives up
/// part way (after its headers, mid-body, or before reading the answer).
#[derive(Debug, Clone)]
enum Step {
    Send(Req),
    Abandon { req: Req, at: Cut },
}

#[derive(Debug, Clone, Copy)]
enum Cut {
    AfterHeaders,
    MidBody,
    BeforeReading,
}

/// The keys a sequence shares, so that retries, reuses and in-progress keys meet; more than a
/// scope may keep, so its cap is met too.
const POOL: [&str; 8] = [
    "order-a", "order-b", "order-c", "order-d", "order-e", "order-f", "order-g", "order-h",
];

fn idempotency_key() -> BoxedStrategy<Option<String>> {
    prop_oneof![
        6 => proptest::sample::select(POOL.to_vec()).prop_map(|k| Some(k.to_string())),
        1 => "[ -~]{0,12}".prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn idempotent_post() -> BoxedStrategy<Req> {
    let body = prop_oneof![
        3 => Just(good_fax("+15551234567").to_string().into_bytes()),
        1 => json_ish().prop_map(String::into_bytes),
    ];
    let auth = prop_oneof![
        4 => proptest::sample::select(vec![
            keys().sandbox.expose().to_owned(),
            keys().live.expose().to_owned(),
        ])
        .prop_map(|k| Some(bearer(&k))),
        1 => authorization(),
    ];
    (body, auth, idempotency_key())
        .prop_map(|(body, authorization, idempotency_key)| Req {
            method: "POST",
            path: "/faxes".to_string(),
            content_type: Some("application/json".to_string()),
            body,
            accept_language: None,
            request_id: None,
            authorization,
            idempotency_key,
        })
        .boxed()
}

fn step() -> BoxedStrategy<Step> {
    let cut = proptest::sample::select(vec![Cut::AfterHeaders, Cut::MidBody, Cut::BeforeReading]);
    prop_oneof![
        3 => idempotent_post().prop_map(Step::Send),
        1 => (idempotent_post(), cut).prop_map(|(req, at)| Step::Abandon { req, at }),
    ]
    .boxed()
}

/// Writes part of a request on a raw socket and closes it without reading the answer.
fn abandon(addr: std::net::SocketAddr, req: &Req, at: Cut) {
    use std::io::Write as _;
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        req.path,
        req.body.len()
    );
    for (name, value) in [
        ("Authorization", &req.authorization),
        ("Idempotency-Key", &req.idempotency_key),
    ] {
        // Only values a client could send as one header line.
        if let Some(v) = value.as_deref().filter(|v| !v.contains(['\r', '\n'])) {
            head.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    head.push_str("\r\n");
    let body: &[u8] = match at {
        Cut::AfterHeaders => &[],
        Cut::MidBody => &req.body[..req.body.len() / 2],
        Cut::BeforeReading => &req.body,
    };
    if let Ok(mut stream) = std::net::TcpStream::connect(addr) {
        // The server may have answered and closed already; either way the client is gone.
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    }
}

/// Random idempotent requests, some abandoned part way, through the whole demo stack: every
/// answer is an envelope (a full scope is the rate-limited code), no key is left locked once
/// its request is gone, and the store holds no more than its caps.
#[test]
fn abandoned_requests_leave_no_key_locked_and_the_store_bounded() {
    const SCOPE_ENTRIES: usize = 6;
    let store = errcat::store::MemoryStore::new().idempotency_limits(
        errcat::store::IdempotencyLimits::new()
            .per_scope(SCOPE_ENTRIES, 256 * 1024)
            .total(1000, 8 * 1024 * 1024),
    );
    let h = Harness::with(DemoConfig {
        store: errcat_demo::DemoStore::Memory(store.clone()),
        ..DemoConfig::default()
    });
    let mut runner = TestRunner::new(Config {
        cases: 32,
        ..config()
    });
    let outcome = runner.run(&proptest::collection::vec(step(), 1..10), |steps| {
        for s in &steps {
            match s {
                Step::Send(req) => h.check(req)?,
                // Plain blocking sockets: the property runs outside the server's runtime.
                Step::Abandon { req, at } => abandon(h.server.addr, req, *at),
            }
        }
        // Whatever was abandoned frees its key once the server has seen the client go: a
        // retry is never answered "in progress" for long (each key is polled until it is not,
        // within a bound far beyond any machine's stall).
        let principals = [keys().sandbox.expose(), keys().live.expose()];
        for (key, principal) in POOL.iter().flat_map(|k| principals.map(|p| (*k, p))) {
            let probe = Req {
                idempotency_key: Some(key.to_string()),
                authorization: Some(bearer(principal)),
                ..idempotent_probe()
            };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let r = h.send(&probe);
                if r.status != 409 {
                    break;
                }
                prop_assert!(
                    std::time::Instant::now() < deadline,
                    "{key} still in progress: {}",
                    r.text
                );
                rt().block_on(tokio::time::sleep(std::time::Duration::from_millis(20)));
            }
        }
        // Nor is any key left locked at all (a lock held under another body answers 422 to
        // the probes, so the store is asked too), once the server has seen the clients go.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while store.idempotency_usage().locked > 0 {
            prop_assert!(
                std::time::Instant::now() < deadline,
                "keys left locked: {:?}",
                store.idempotency_usage()
            );
            rt().block_on(tokio::time::sleep(std::time::Duration::from_millis(20)));
        }
        let usage = store.idempotency_usage();
        // Two principals (sandbox and live) keep records; strangers keep none.
        prop_assert!(usage.scopes <= 2, "{usage:?}");
        prop_assert!(usage.entries <= 2 * SCOPE_ENTRIES, "{usage:?}");
        prop_assert!(usage.bytes <= 2 * 256 * 1024 + 64 * 1024, "{usage:?}");
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

/// The fax every key-check probe sends.
fn idempotent_probe() -> Req {
    Req {
        method: "POST",
        path: "/faxes".to_string(),
        content_type: Some("application/json".to_string()),
        body: good_fax("+15551234567").to_string().into_bytes(),
        accept_language: None,
        request_id: None,
        authorization: None,
        idempotency_key: None,
    }
}
