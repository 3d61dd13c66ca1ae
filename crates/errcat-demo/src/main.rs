//! `errcat-demo`: the demo fax API. Without flags it listens on 127.0.0.1:8080.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use errcat::StyleKind;
use errcat::store::{MemoryStore, RedisConfig, RedisStore};
use errcat_demo::observe::{self, LogFormat};
use errcat_demo::{DemoConfig, DemoStore, app};

/// A fax-sending API whose every error speaks seed 000's catalog.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The envelope style: flat (the catalog's), nested, jsonapi, simple, problem, google.
    #[arg(long, value_parser = parse_style)]
    style: Option<StyleKind>,
    /// Seconds a request may take before the timeout code answers.
    #[arg(long, default_value_t = 10)]
    timeout_secs: u64,
    /// Requests running at once before load shedding answers 503.
    #[arg(long, default_value_t = 512)]
    max_concurrency: usize,
    /// Keep rate limits and idempotency keys on Redis (e.g. redis://127.0.0.1:6379/), shared by
    /// every instance; without it they live in this process.
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// Keep them on a Redis Cluster instead, through its seed nodes (e.g.
    /// redis://10.0.0.1:7000,redis://10.0.0.2:7000): one reachable node is enough.
    #[arg(long, value_name = "URL[,URL...]", value_delimiter = ',', num_args = 1.., conflicts_with = "redis")]
    redis_cluster: Option<Vec<String>>,
    /// When the store is down, let requests through unguarded instead of answering 503.
    #[arg(long)]
    fail_open: bool,
    /// Requests per second each API key may make (the free key's plan is 2 per second).
    #[arg(long, default_value_t = 1000)]
    key_rate: u32,
    /// Requests per hour each API key may make.
    #[arg(long, default_value_t = 1_000_000)]
    key_hourly: u32,
    /// Requests per second each client address may make, with a key or without (checked before
    /// authentication).
    #[arg(long, default_value_t = 1000)]
    ip_rate: u32,
    /// Mount GET /debug/fail, /debug/panic and /debug/slow (unauthenticated: for a local
    /// machine only), to see the internal, panic, timeout and load-shedding answers.
    #[arg(long)]
    debug_routes: bool,
    /// Where to serve Prometheus metrics (GET /metrics), on a listener apart from the API.
    #[arg(long, default_value = observe::DEFAULT_METRICS_ADDR, value_name = "ADDR")]
    metrics_addr: SocketAddr,
    /// The log format: text, or json (one JSON object per line; every error response is one,
    /// with its request id, code, status, method, route, latency and trace id).
    #[arg(long, default_value = "text", value_parser = parse_log_format)]
    log_format: LogFormat,
}

fn parse_log_format(s: &str) -> Result<LogFormat, String> {
    LogFormat::parse(s).ok_or_else(|| "expected text or json".to_string())
}

fn parse_style(s: &str) -> Result<StyleKind, String> {
    StyleKind::parse(s).ok_or_else(|| {
        "expected flat, nested, jsonapi, simple, problem, google or custom".to_string()
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = observe::log_subscriber(args.log_format, filter, std::io::stdout);
    if let Err(e) = tracing::subscriber::set_global_default(logs) {
        eprintln!("error: cannot install the logger: {e}");
        return std::process::ExitCode::FAILURE;
    }
    let recorder = observe::prometheus_recorder();
    let metrics = recorder.handle();
    if let Err(e) = metrics::set_global_recorder(recorder) {
        eprintln!("error: cannot install the metrics recorder: {e}");
        return std::process::ExitCode::FAILURE;
    }
    errcat::metrics::describe();
    let metrics_listener = match tokio::net::TcpListener::bind(args.metrics_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "error: cannot serve metrics on {}: {e}; pick another address with --metrics-addr",
                args.metrics_addr
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    let metrics_addr = metrics_listener.local_addr().unwrap_or(args.metrics_addr);
    {
        // The recorder's summaries roll over time: keep them current.
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                metrics.run_upkeep();
            }
        });
    }
    tokio::spawn(async move {
        if let Err(e) = axum::serve(metrics_listener, observe::metrics_router(metrics)).await {
            tracing::error!(error = %e, "the metrics listener stopped");
        }
    });
    let store = match (&args.redis, &args.redis_cluster) {
        (Some(url), _) => match RedisStore::connect(url, RedisConfig::new()).await {
            Ok(store) => DemoStore::Redis(store),
            Err(e) => {
                eprintln!(
                    "error: cannot use Redis at {url}: {e}; start redis-server, fix --redis, or leave it out to keep state in memory"
                );
                return std::process::ExitCode::FAILURE;
            }
        },
        (None, Some(urls)) => match RedisStore::connect_cluster(urls, RedisConfig::new()).await {
            Ok(store) => DemoStore::Redis(store),
            Err(e) => {
                eprintln!(
                    "error: cannot use the Redis Cluster: {e}; check that the cluster is up, fix --redis-cluster, or leave it out to keep state in memory"
                );
                return std::process::ExitCode::FAILURE;
            }
        },
        (None, None) => DemoStore::Memory(MemoryStore::new()),
    };
    let config = DemoConfig {
        style: args.style,
        timeout: Duration::from_secs(args.timeout_secs),
        max_concurrency: args.max_concurrency,
        store,
        fail_open: args.fail_open,
        key_rate: args.key_rate,
        key_hourly: args.key_hourly,
        ip_rate: args.ip_rate,
        debug_routes: args.debug_routes,
        ..DemoConfig::default()
    };
    let keys = config.keys.clone();
    let service = match app(config).await {
        Ok(service) => service,
        Err(e) => {
            eprintln!("error: cannot store the demo's keys: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}: {e}; pick another address with --addr",
                args.addr
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    let style = args
        .style
        .map_or("flat (the catalog's)".to_string(), |s| s.name().to_string());
    let state = match (&args.redis, &args.redis_cluster) {
        (Some(url), _) => format!("on Redis at {url}"),
        (None, Some(urls)) => format!("on the Redis Cluster at {}", urls.join(",")),
        (None, None) => "in memory".to_string(),
    };
    println!(
        "errcat demo: a fax API on seed 000's catalog, listening on http://{addr} (style: {style}; limits and idempotency keys {state})"
    );
    println!("Metrics: http://{metrics_addr}/metrics");
    println!();
    println!("Keys, new each run (shown here only):");
    println!("  sandbox  {}", keys.sandbox.expose());
    println!("  live     {}", keys.live.expose());
    println!("  account  {}", keys.account.expose());
    println!(
        "  free     {}   (2 requests a second, 30 an hour)",
        keys.free.expose()
    );
    println!();
    println!("Try:");
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"to\": \"555\", \"file\": {{\"content_type\": \"text/plain\", \"content_base64\": \"aGk=\"}}}}'",
        keys.sandbox.expose()
    );
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"to\": \"+15551234567\", \"file\": {{\"content_type\": \"application/pdf\", \"content_base64\": \"JVBERi0xLjQ=\"}}}}'",
        keys.live.expose()
    );
    println!(
        "  curl -i http://{addr}/faxes/fax_nope -H 'Authorization: Bearer {}' -H 'Accept-Language: es'",
        keys.sandbox.expose()
    );
    println!(
        "  for i in 1 2 3; do curl -si http://{addr}/faxes -H 'Authorization: Bearer {}' | head -1; done   # the free plan: 429 on the third",
        keys.free.expose()
    );
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer {}' -H 'Idempotency-Key: order-1' -H 'Content-Type: application/json' -d '{{\"to\": \"+15551234567\", \"file\": {{\"content_type\": \"application/pdf\", \"content_base64\": \"JVBERi0xLjQ=\"}}}}'   # twice: the second is a replay",
        keys.sandbox.expose()
    );
    println!(
        "  curl -i http://{addr}/account/keys -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"name\": \"ci\", \"scopes\": [\"faxes:read\"], \"environment\": \"test\"}}'   # a new key, shown once",
        keys.account.expose()
    );
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer mfx_test_typo'   # malformed: 401"
    );
    println!("  curl -i http://{addr}/faxes -X PUT");
    if args.debug_routes {
        println!("  curl -i http://{addr}/debug/panic");
    }
    println!("  curl -s http://{addr}/openapi.json | head -c 400");
    println!();
    println!(
        "Another style: add --style problem (or nested, jsonapi, simple, google); --debug-routes mounts /debug/fail, /debug/panic and /debug/slow. Stop with Ctrl-C."
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let service = axum::ServiceExt::into_make_service_with_connect_info::<SocketAddr>(service);
    match axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the server stopped: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
