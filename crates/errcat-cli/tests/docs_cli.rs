//! `errcat docs` and `errcat serve`, run as processes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use errcat_testkit::cli::Cli;

/// The binary in the workspace root, without colour.
fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env("NO_COLOR", "1")
}

fn errcat(args: &[&str]) -> Output {
    cli().output(args)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    errcat_testkit::cli::temp_dir("errcat-cli-docs", name)
}

#[test]
fn docs_writes_the_site() {
    let dir = temp_dir("site");
    let site = dir.join("site");
    let o = errcat(&[
        "docs",
        "catalogs/mxcep",
        "--out",
        site.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("wrote "), "{}", out(&o));
    for f in [
        "index.html",
        "es/index.html",
        "phone-not-verified.html",
        "es/phone-not-verified.html",
        "assets/style.css",
        "assets/search.js",
    ] {
        assert!(site.join(f).is_file(), "{f} was not written");
    }
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains("id=\"phone-not-verified\""));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn docs_style_changes_the_examples() {
    let dir = temp_dir("style");
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        dir.to_str().expect("UTF-8 path"),
        "--style",
        "google",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let page = std::fs::read_to_string(dir.join("insufficient-balance.html")).expect("page");
    assert!(page.contains("FAILED_PRECONDITION") || page.contains("type.googleapis.com"));
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        "x",
        "--style",
        "xml",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(err(&o).contains("unknown style `xml`"), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_to_stdout_and_to_a_file() {
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        "-",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let md = out(&o);
    assert!(md.starts_with("# mintfax"));
    assert!(md.contains("<h3 id=\"insufficient-balance\">"));
    assert!(md.contains("| 402  | `top_up_balance` |"), "{md}");
    assert!(md.contains("## HTTP status code summary"));

    let o = errcat(&[
        "docs",
        "catalogs/mxcep",
        "--out",
        "-",
        "--format",
        "markdown",
        "--locale",
        "es",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("El teléfono no se ha verificado"));

    let dir = temp_dir("md");
    let o = errcat(&[
        "docs",
        "catalogs/seed002.toml",
        "--out",
        dir.to_str().expect("UTF-8 path"),
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let md = std::fs::read_to_string(dir.join("errors.md")).expect("errors.md");
    assert!(md.contains("<h3 id=\"validation-error\">"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clear_errors() {
    // A catalog with errors: the diagnostic, and exit 1.
    let dir = temp_dir("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[catalog]\nname = \"bad\"\n[codes.Bad_Code]\nstatus = 999\ncategory = \"x\"\nmessage.en = \"m\"\n",
    )
    .expect("write");
    let o = errcat(&[
        "docs",
        bad.to_str().expect("UTF-8"),
        "--out",
        "-",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("error["), "{}", err(&o));
    assert!(err(&o).contains("has errors"), "{}", err(&o));
    assert!(out(&o).is_empty());
    let o = errcat(&[
        "serve",
        bad.to_str().expect("UTF-8"),
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("error["), "{}", err(&o));

    // A missing catalog.
    let o = errcat(&[
        "docs",
        "catalogs/nope.toml",
        "--out",
        "-",
        "--format",
        "markdown",
    ]);
    assert_eq!(o.status.code(), Some(1));

    // An out dir that cannot be made: it is under a file.
    let file = dir.join("file");
    std::fs::write(&file, "x").expect("write");
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        file.join("site").to_str().expect("UTF-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("cannot write the site"), "{}", err(&o));

    // `--out -` is for Markdown only.
    let o = errcat(&["docs", "catalogs/mintfax.toml", "--out", "-"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("--format markdown"), "{}", err(&o));

    // A locale the catalog lacks.
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        "-",
        "--format",
        "markdown",
        "--locale",
        "fr",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("not a locale"), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A running `errcat serve`, killed when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over HTTP/1.0: the status code, the headers and the body.
fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

#[test]
fn serve_answers_on_a_free_port() {
    let mut child = Cli::new(env!("CARGO_BIN_EXE_errcat"))
        .command(&["serve", "catalogs/mxcep", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("errcat serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let serving = Serving(child);
    // The reader stays open while the server runs.
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    lines.read_line(&mut first).expect("first line");
    let url = first.trim();
    let addr = url
        .strip_prefix("http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("first line is not a URL: {first:?}"));
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );

    let (status, head, body) = get(addr, "/");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(body.contains("id=\"phone-not-verified\""));
    let (status, _, body) = get(addr, "/phone-not-verified");
    assert_eq!(status, 200);
    assert!(body.contains("<h1 id=\"phone-not-verified_h\">"));
    let (status, _, body) = get(addr, "/es/");
    assert_eq!(status, 200);
    assert!(body.contains("<html lang=\"es\">"));
    let (status, head, _) = get(addr, "/es");
    assert_eq!(status, 308);
    assert!(head.contains("location: /es/"), "{head}");
    let (status, head, _) = get(addr, "/assets/search.js");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    let (status, _, _) = get(addr, "/no-such-page");
    assert_eq!(status, 404);
    drop(serving);
    drop(lines);
}

#[test]
fn serve_reports_a_busy_port() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let o = errcat(&["serve", "catalogs/mintfax.toml", "--addr", &addr]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains(&format!("cannot listen on {addr}")),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("busy"), "{}", err(&o));
    drop(taken);
}

#[test]
fn docs_templates_replace_errcats_by_file_name() {
    let dir = temp_dir("templates");
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    let layout = "<!DOCTYPE html>\n<html lang=\"{{ lang }}\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>\n\
                  {% block head %}{% endblock %}</head>\n<body><header class=\"acme\"><img src=\"{{ root }}logo.svg\" alt=\"ACME\"></header>\n\
                  {% block main %}{% endblock %}</body></html>\n";
    std::fs::write(templates.join("layout.html"), layout).expect("layout");
    let site = dir.join("site");
    let o = errcat(&[
        "docs",
        "catalogs/mxcep",
        "--out",
        site.to_str().expect("UTF-8 path"),
        "--templates",
        templates.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    for (f, root) in [
        ("index.html", ""),
        ("phone-not-verified.html", ""),
        ("es/index.html", "../"),
        ("es/phone-not-verified.html", "../"),
    ] {
        let page = std::fs::read_to_string(site.join(f)).expect("page");
        assert!(
            page.contains(&format!("<img src=\"{root}logo.svg\" alt=\"ACME\">")),
            "{f}: {page}"
        );
    }
    // index.html and code.html are not in the directory: errcat's.
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains("<nav class=\"toc\""));
    let page = std::fs::read_to_string(site.join("phone-not-verified.html")).expect("page");
    assert!(page.contains("<h1 id=\"phone-not-verified_h\">"));

    // A directory with none of the templates: a note, and errcat's site.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        dir.join("plain").to_str().expect("UTF-8 path"),
        "--templates",
        empty.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("has none of layout.html"), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_template_fails_with_its_file_and_line() {
    let dir = temp_dir("broken-template");
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    std::fs::write(
        templates.join("code.html"),
        "{% extends \"layout.html\" %}\n{% block main %}\n{{ section }\n{% endblock %}\n",
    )
    .expect("code.html");
    let file = templates.join("code.html").display().to_string();
    let site = dir.join("site");
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        site.to_str().expect("UTF-8 path"),
        "--templates",
        templates.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(
        err(&o).contains(&format!("error: template {file}:3: syntax error")),
        "{}",
        err(&o)
    );
    assert!(!err(&o).contains("panicked"), "{}", err(&o));
    assert!(!site.exists(), "nothing is written");
    // `serve` takes the same flag, and fails the same way before it listens.
    let o = errcat(&[
        "serve",
        "catalogs/mintfax.toml",
        "--addr",
        "127.0.0.1:0",
        "--templates",
        templates.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(err(&o).contains(&format!("{file}:3: ")), "{}", err(&o));
    // A directory that is not there.
    let o = errcat(&[
        "docs",
        "catalogs/mintfax.toml",
        "--out",
        site.to_str().expect("UTF-8 path"),
        "--templates",
        dir.join("nope").to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("cannot read the directory"), "{}", err(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
