//! `errcat docs` and `errcat serve`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use errcat_catalog::StyleKind;
use errcat_docs::{Lookup, Site, SiteOptions, Templates};

/// What `errcat docs` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// The static site: index.html per locale, one page per code, assets/.
    Html,
    /// One Markdown page, DIR/errors.md (or stdout with `--out -`).
    Markdown,
}

/// Arguments of `errcat docs`.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
errcat docs catalogs/mintfax.toml --out site\n  \
errcat docs catalogs/mxcep --out - --format markdown --locale es")]
pub(crate) struct DocsArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// Where to write the site (a directory); `-` prints the Markdown page to stdout.
    #[arg(long)]
    pub out: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value = "html")]
    pub format: Format,
    /// The envelope style of the example responses; defaults to the catalog's.
    #[arg(long, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// For `--format markdown`: the locale to write (a tag the catalog declares).
    #[arg(long)]
    pub locale: Option<String>,
    /// A directory of templates that replace errcat's by file name (layout.html, index.html,
    /// code.html); those it lacks stay errcat's.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Arguments of `errcat serve`.
#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The catalog file or directory.
    pub catalog: PathBuf,
    /// Where to listen; port 0 picks a free port. The URL is printed on stdout's first line.
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// The envelope style of the example responses; defaults to the catalog's.
    #[arg(long, value_parser = crate::common::parse_style)]
    pub style: Option<StyleKind>,
    /// A directory of templates that replace errcat's by file name, as for `errcat docs`.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// The site of a catalog with the templates of `--templates DIR`, or the error on stderr.
fn site(
    catalog: &Arc<errcat::Catalog>,
    style: Option<StyleKind>,
    dir: Option<&Path>,
) -> Option<Site> {
    let templates = match dir {
        None => Templates::default(),
        Some(dir) => match Templates::from_dir(dir) {
            Ok(t) => {
                if t.replaced().is_empty() {
                    eprintln!(
                        "note: `{}` has none of {}; the site keeps errcat's templates",
                        dir.display(),
                        Templates::NAMES.join(", ")
                    );
                }
                t
            }
            Err(e) => {
                eprintln!("error: template {e}");
                return None;
            }
        },
    };
    match Site::try_generate(catalog, &SiteOptions { style, templates }) {
        Ok(site) => Some(site),
        Err(e) => {
            eprintln!("error: template {e}");
            None
        }
    }
}

pub(crate) fn run(args: &DocsArgs, color: bool) -> ExitCode {
    let to_stdout = args.out.as_os_str() == "-";
    if to_stdout && args.format == Format::Html {
        eprintln!(
            "error: `--out -` prints one Markdown page; add `--format markdown`, or give a directory"
        );
        return ExitCode::FAILURE;
    }
    let Some(catalog) = crate::common::load_catalog(&args.catalog, color).map(Arc::new) else {
        return ExitCode::FAILURE;
    };
    if let Err(msg) = crate::common::check_style(&catalog, args.style.unwrap_or(catalog.meta.style))
    {
        eprintln!("error: {msg}");
        return ExitCode::FAILURE;
    }
    if let Some(tag) = &args.locale {
        if !catalog
            .meta
            .locales
            .iter()
            .any(|l| l.eq_ignore_ascii_case(tag))
        {
            eprintln!(
                "error: `{tag}` is not a locale of `{}`; it has {}",
                catalog.meta.name,
                catalog.meta.locales.join(", ")
            );
            return ExitCode::FAILURE;
        }
        if args.format == Format::Html {
            eprintln!("note: --locale applies to --format markdown; the site has every locale");
        }
    }
    if args.templates.is_some() && args.format == Format::Markdown {
        eprintln!("note: --templates applies to the HTML site; the Markdown page has no templates");
    }
    match args.format {
        Format::Markdown => {
            let text = errcat_docs::markdown(&catalog, args.locale.as_deref());
            if to_stdout {
                let mut out = std::io::stdout().lock();
                if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                    eprintln!("error: cannot write to stdout: {e}");
                    return ExitCode::FAILURE;
                }
                return ExitCode::SUCCESS;
            }
            let file = args.out.join("errors.md");
            let written = std::fs::create_dir_all(&args.out)
                .and_then(|()| std::fs::write(&file, text.as_bytes()));
            match written {
                Ok(()) => {
                    println!("wrote {}", file.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write `{}`: {e}", file.display());
                    ExitCode::FAILURE
                }
            }
        }
        Format::Html => {
            let Some(site) = site(&catalog, args.style, args.templates.as_deref()) else {
                return ExitCode::FAILURE;
            };
            match site.write_to(&args.out) {
                Ok(()) => {
                    println!(
                        "wrote {} files to {} (open {})",
                        site.pages().len(),
                        args.out.display(),
                        args.out.join("index.html").display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!(
                        "error: cannot write the site to `{}`: {e}",
                        args.out.display()
                    );
                    ExitCode::FAILURE
                }
            }
        }
    }
}

pub(crate) fn serve(args: &ServeArgs, color: bool) -> ExitCode {
    let Some(catalog) = crate::common::load_catalog(&args.catalog, color).map(Arc::new) else {
        return ExitCode::FAILURE;
    };
    if let Err(msg) = crate::common::check_style(&catalog, args.style.unwrap_or(catalog.meta.style))
    {
        eprintln!("error: {msg}");
        return ExitCode::FAILURE;
    }
    if !args.addr.ip().is_loopback() {
        eprintln!(
            "warning: {} is not a loopback address; the preview is reachable from other machines",
            args.addr.ip()
        );
    }
    let Some(site) = site(&catalog, args.style, args.templates.as_deref()).map(Arc::new) else {
        return ExitCode::FAILURE;
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the server: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(args.addr).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "error: cannot listen on {}: {e}{}",
                    args.addr,
                    if e.kind() == std::io::ErrorKind::AddrInUse {
                        "; the port is busy: pick another with --addr (port 0 picks a free one)"
                    } else {
                        ""
                    }
                );
                return ExitCode::FAILURE;
            }
        };
        let addr = listener.local_addr().unwrap_or(args.addr);
        // Nothing here may panic if stdout has gone away (a closed pipe).
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "http://{addr}/");
        let _ = writeln!(
            stdout,
            "serving the {} reference ({} pages); press Ctrl-C to stop",
            catalog.meta.name,
            site.pages().len()
        );
        let _ = stdout.flush();
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let site = site.clone();
            async move { respond(&site, uri.path()) }
        });
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
        {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: the server stopped: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Answers one request from the site.
fn respond(site: &Site, path: &str) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match site.lookup(path) {
        Lookup::Page(p) => (
            [
                (header::CONTENT_TYPE, p.content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            p.body.clone(),
        )
            .into_response(),
        Lookup::AddSlash => {
            // Rebuilt from the trimmed path: never `//host`, which would leave the site.
            let location = format!("/{}/", path.trim_matches('/'));
            (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response()
        }
        Lookup::NotFound => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>\
             <body><p>No such page. <a href=\"/\">All codes</a></p></body></html>\n",
        )
            .into_response(),
    }
}
