//! `errcat-demo`: the demo fax API. Without flags it listens on 127.0.0.1:8080.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use errcat::StyleKind;
use errcat_demo::{DemoConfig, app, keys};

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
}

fn parse_style(s: &str) -> Result<StyleKind, String> {
    StyleKind::parse(s).ok_or_else(|| {
        "expected flat, nested, jsonapi, simple, problem, google or custom".to_string()
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let config = DemoConfig {
        style: args.style,
        timeout: Duration::from_secs(args.timeout_secs),
        max_concurrency: args.max_concurrency,
        ..DemoConfig::default()
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
    println!(
        "errcat demo: a fax API on seed 000's catalog, listening on http://{addr} (style: {style})"
    );
    println!();
    println!("Try:");
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"to\": \"555\", \"file\": {{\"content_type\": \"text/plain\", \"content_base64\": \"aGk=\"}}}}'",
        keys::SANDBOX
    );
    println!(
        "  curl -i http://{addr}/faxes -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"to\": \"+15551234567\", \"file\": {{\"content_type\": \"application/pdf\", \"content_base64\": \"JVBERi0xLjQ=\"}}}}'",
        keys::LIVE
    );
    println!(
        "  curl -i http://{addr}/faxes/fax_nope -H 'Authorization: Bearer {}' -H 'Accept-Language: es'",
        keys::SANDBOX
    );
    println!("  curl -i http://{addr}/faxes -X PUT");
    println!("  curl -i http://{addr}/debug/panic");
    println!("  curl -s http://{addr}/openapi.json | head -c 400");
    println!();
    println!(
        "Another style: add --style problem (or nested, jsonapi, simple, google). Stop with Ctrl-C."
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match axum::serve(listener, app(config))
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
