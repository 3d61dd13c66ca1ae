//! `errcat render CODE`: the status line, headers and body a client would receive.

use std::path::PathBuf;
use std::sync::Arc;

use errcat::{
    ApiError, FieldError, FieldSource, JsonPointer, Renderer, RequestIdGenerator, RequestInfo,
    Value,
};
use errcat_catalog::{Catalog, ContextType, StyleKind};

/// Arguments of `errcat render`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
errcat render insufficient_balance --catalog catalogs/mintfax.toml --context balance=3 --context cost=5\n  \
errcat render validation_failed --catalog catalogs/mintfax.toml --style problem --field /to='The to field is required.'\n  \
errcat render phone_not_verified --catalog catalogs/mxcep --locale es --context masked_phone='+52 55 ••••1234'")]
pub(crate) struct RenderArgs {
    /// The code to render.
    pub code: String,
    /// The catalog file or directory.
    #[arg(long, short)]
    pub catalog: PathBuf,
    /// The envelope style; defaults to the catalog's.
    #[arg(long, short, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// The locale of the message (a tag the catalog declares); defaults to the catalog's default.
    #[arg(long, short)]
    pub locale: Option<String>,
    /// Negotiate the locale from this Accept-Language value instead.
    #[arg(long, conflicts_with = "locale")]
    pub accept_language: Option<String>,
    /// A context value, KEY=VALUE; typed by the catalog's declaration. Repeatable.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// A field error, SOURCE=MESSAGE. SOURCE is a JSON Pointer (/to), a field name (to),
    /// query:NAME or header:NAME. Repeatable.
    #[arg(long = "field", value_name = "SOURCE=MESSAGE")]
    pub fields: Vec<String>,
    /// Seconds for Retry-After.
    #[arg(long)]
    pub retry_after: Option<u32>,
    /// One of the code's other statuses (e.g. 503 for a 500/503 code).
    #[arg(long)]
    pub status: Option<u16>,
    /// The request id; a fresh one in the catalog's format by default.
    #[arg(long)]
    pub request_id: Option<String>,
    /// The request path (problem+json's `instance`).
    #[arg(long)]
    pub path: Option<String>,
    /// Pretty-print the body.
    #[arg(long)]
    pub pretty: bool,
}

pub(crate) fn run(c: &Catalog, args: &RenderArgs) -> Result<(), String> {
    let catalog = Arc::new(c.clone());
    let entry = c.get(&args.code).ok_or_else(|| {
        let near = c.suggest(&args.code);
        format!(
            "`{}` is not a code of `{}`{}",
            args.code,
            c.meta.name,
            near.map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        )
    })?;
    let style = args.style.unwrap_or(c.meta.style);
    crate::common::check_style(c, style)?;
    let renderer = Renderer::new(catalog.clone(), style);
    let locale = match (&args.locale, &args.accept_language) {
        (Some(tag), _) => Some(renderer.negotiator().find(tag).ok_or_else(|| {
            format!(
                "`{tag}` is not a locale of `{}`; it has {}",
                c.meta.name,
                c.meta.locales.join(", ")
            )
        })?),
        (None, Some(al)) => Some(renderer.negotiator().negotiate(Some(al))),
        (None, None) => None,
    };

    let mut err = ApiError::checked(c, &entry.code).map_err(|e| e.to_string())?;
    for kv in &args.context {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("--context `{kv}` is not KEY=VALUE"))?;
        let decl = entry.context_key(k).ok_or_else(|| {
            let keys: Vec<&str> = entry.context.iter().map(|k| k.name.as_str()).collect();
            format!(
                "`{}` declares no context key `{k}`{}",
                entry.code,
                if keys.is_empty() {
                    String::from("; it declares none")
                } else {
                    format!("; it declares {}", keys.join(", "))
                }
            )
        })?;
        let value = match decl.ty {
            ContextType::String => Value::from(v.to_string()),
            ContextType::Integer => Value::Int(
                v.parse()
                    .map_err(|_| format!("context `{k}` is an integer; `{v}` is not"))?,
            ),
            ContextType::Number => match v.parse::<i64>() {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Float(
                    v.parse()
                        .map_err(|_| format!("context `{k}` is a number; `{v}` is not"))?,
                ),
            },
            ContextType::Boolean => Value::Bool(
                v.parse()
                    .map_err(|_| format!("context `{k}` is true or false; `{v}` is not"))?,
            ),
        };
        err = err.with(k.to_string(), value);
    }
    for f in &args.fields {
        let (src, msg) = f
            .split_once('=')
            .ok_or_else(|| format!("--field `{f}` is not SOURCE=MESSAGE"))?;
        let source = if let Some(q) = src.strip_prefix("query:") {
            FieldSource::Parameter(q.to_string().into())
        } else if let Some(h) = src.strip_prefix("header:") {
            FieldSource::Header(h.to_string().into())
        } else if src.starts_with('/') {
            FieldSource::Pointer(JsonPointer::parse(src).map_err(|e| e.to_string())?)
        } else {
            FieldSource::Pointer(JsonPointer::from_tokens([src]))
        };
        err = err.field(FieldError::at(source, msg.to_string()));
    }
    if let Some(s) = args.retry_after {
        err = err.retry_after(s);
    }
    if let Some(s) = args.status {
        err = err.with_status(s);
    }
    let rid = args.request_id.clone().unwrap_or_else(|| {
        RequestIdGenerator::new(c.meta.request_id.clone())
            .generate()
            .to_string()
    });
    let mut req = RequestInfo::new(&rid);
    req.locale = locale;
    req.instance = args.path.as_deref();
    let (head, body) = renderer
        .render_to_vec(&err, &req)
        .map_err(|e| e.to_string())?;

    println!(
        "HTTP/1.1 {} {}",
        head.status.as_u16(),
        head.status.canonical_reason().unwrap_or("")
    );
    let headers = head.headers(&rid);
    for (name, value) in &headers {
        println!("{}: {}", name, value.to_str().unwrap_or("<binary>"));
    }
    println!("content-length: {}", body.len());
    println!();
    if args.pretty {
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| format!("the rendered body is not JSON: {e}"))?;
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{}", String::from_utf8_lossy(&body));
    }
    Ok(())
}
