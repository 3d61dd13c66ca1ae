//! A team's own templates: they replace errcat's by file name, the others stay errcat's, a broken
//! one is an error naming its file and line, and what errcat makes as HTML is not escaped twice.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use errcat::Catalog;
use errcat_docs::{Site, SiteOptions, Templates};

fn load(file: &str) -> Arc<Catalog> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../catalogs")
        .join(file);
    Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{}:\n{r}", path.display())))
}

fn text(site: &Site, path: &str) -> String {
    let page = site.page(path).unwrap_or_else(|| panic!("no page {path}"));
    String::from_utf8(page.body.clone()).expect("UTF-8")
}

/// A fresh directory holding these files.
fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "errcat-docs-templates-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    for (file, body) in files {
        std::fs::write(dir.join(file), body).expect("write template");
    }
    dir
}

fn with_dir(dir: &Path) -> SiteOptions {
    SiteOptions {
        templates: Templates::from_dir(dir).unwrap_or_else(|e| panic!("{e}")),
        ..SiteOptions::default()
    }
}

/// errcat's layout with the team's header: a logo, its colours.
fn branded_layout() -> String {
    let default = Templates::default_source("layout.html").expect("layout.html");
    let header = "<header class=\"site\">\n<div class=\"wrap bar\">\n";
    assert!(default.contains(header));
    default
        .replace(
            header,
            "<header class=\"site acme\">\n<div class=\"wrap bar\">\n\
             <img class=\"logo\" src=\"{{ root }}logo.svg\" alt=\"ACME\">\n",
        )
        .replace(
            "{% block head %}{% endblock %}\n",
            "{% block head %}{% endblock %}\n<style>:root { --accent: #c0ffee; }</style>\n",
        )
}

#[test]
fn the_defaults_are_the_template_files() {
    for name in Templates::NAMES {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("templates")
            .join(name);
        let on_disk = std::fs::read_to_string(&file).expect("template file");
        assert_eq!(Templates::default_source(name), Some(on_disk.as_str()));
    }
    assert_eq!(Templates::default_source("nope.html"), None);
    // No overrides: the same site as without templates at all.
    let catalog = load("mxcep");
    let site = Site::try_generate(&catalog, &SiteOptions::default()).expect("defaults render");
    let again = Site::generate(&catalog, &SiteOptions::default());
    for (a, b) in site.pages().iter().zip(again.pages()) {
        assert_eq!(a.body, b.body, "{}", a.path);
    }
}

#[test]
fn an_own_layout_is_on_every_page_and_the_rest_falls_back() {
    let catalog = load("mxcep");
    let dir = dir_with("layout", &[("layout.html", &branded_layout())]);
    let options = with_dir(&dir);
    assert_eq!(options.templates.replaced(), ["layout.html"]);
    let site = Site::try_generate(&catalog, &options).unwrap_or_else(|e| panic!("{e}"));
    let default = Site::generate(&catalog, &SiteOptions::default());
    assert_eq!(site.pages().len(), default.pages().len());
    let mut html_pages = 0;
    for page in site.pages().iter().filter(|p| p.path.ends_with(".html")) {
        html_pages += 1;
        let html = text(&site, &page.path);
        let root = if page.path.starts_with("es/") {
            "../"
        } else {
            ""
        };
        assert!(
            html.contains(&format!(
                "<img class=\"logo\" src=\"{root}logo.svg\" alt=\"ACME\">"
            )),
            "{}",
            page.path
        );
        assert!(html.contains("--accent: #c0ffee;"), "{}", page.path);
        // The page's own part is still errcat's.
        let main = |h: &str| h.split("<main").nth(1).map(str::to_owned);
        assert_eq!(
            main(&html),
            main(&text(&default, &page.path)),
            "{}",
            page.path
        );
    }
    assert!(html_pages > 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_own_code_page_leaves_the_index_alone() {
    let catalog = load("mintfax.toml");
    let code = "{% extends \"layout.html\" %}\n{% block main %}\n\
                <p class=\"team\">{{ code.code }} in {{ category.name }}</p>\n{{ section }}\
                {% endblock %}\n";
    let dir = dir_with(
        "code",
        &[("code.html", code), ("notes.txt", "not a template {%")],
    );
    let site = Site::try_generate(&catalog, &with_dir(&dir)).unwrap_or_else(|e| panic!("{e}"));
    let default = Site::generate(&catalog, &SiteOptions::default());
    assert_eq!(text(&site, "index.html"), text(&default, "index.html"));
    let page = text(&site, "insufficient-balance.html");
    assert!(
        page.contains("<p class=\"team\">insufficient_balance in Billing</p>"),
        "{page}"
    );
    // errcat's HTML is put in as it is, not escaped again.
    assert!(page.contains("<section class=\"entry\" id=\"insufficient-balance\""));
    assert!(!page.contains("&lt;section"));
    assert!(!page.contains("&amp;"), "{page}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn catalog_text_in_an_own_template_is_escaped() {
    let catalog = Arc::new(
        Catalog::from_toml_str(
            "c.toml",
            r#"
[catalog]
name = "<script>alert('x')</script> & co"
action_required = false
[codes.bad_input]
status = 400
category = "<b>cat</b>"
summary = "Bad **input**."
message.en = "Bad input."
"#,
        )
        .unwrap_or_else(|r| panic!("{r}")),
    );
    let layout = "<title>{{ title }}</title><h1>{{ catalog.name }}</h1>\
                  {% block head %}{% endblock %}{% block main %}{% endblock %}";
    let options = SiteOptions {
        templates: Templates::default().with("layout.html", layout),
        ..SiteOptions::default()
    };
    let site = Site::try_generate(&catalog, &options).unwrap_or_else(|e| panic!("{e}"));
    for page in site.pages().iter().filter(|p| p.path.ends_with(".html")) {
        let html = text(&site, &page.path);
        assert!(!html.contains("<script>"), "{}: {html}", page.path);
        assert!(!html.contains("<b>"), "{}: {html}", page.path);
        assert!(
            html.contains("<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</h1>"),
            "{}: {html}",
            page.path
        );
    }
    let page = text(&site, "bad-input.html");
    // The Markdown of the summary is HTML, once.
    assert!(page.contains("Bad <strong>input</strong>."), "{page}");
    assert!(page.contains("&lt;b&gt;cat&lt;/b&gt;"), "{page}");
}

#[test]
fn a_broken_template_names_its_file_and_line() {
    let catalog = load("seed001.toml");
    let dir = dir_with(
        "broken",
        &[(
            "index.html",
            "{% extends \"layout.html\" %}\n{% block main %}\n<p>{% if %}</p>\n{% endblock %}\n",
        )],
    );
    let options = with_dir(&dir);
    let err = Site::try_generate(&catalog, &options).expect_err("a syntax error");
    let file = dir.join("index.html").display().to_string();
    assert_eq!(err.file(), file);
    assert_eq!(err.line(), Some(3));
    assert!(err.message().contains("syntax error"), "{err}");
    assert!(err.to_string().starts_with(&format!("{file}:3: ")), "{err}");
    // `generate` never panics: it keeps errcat's templates.
    let site = Site::generate(&catalog, &options);
    let default = Site::generate(&catalog, &SiteOptions::default());
    assert_eq!(text(&site, "index.html"), text(&default, "index.html"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_template_that_fails_to_render_names_its_file_and_line() {
    let catalog = load("seed001.toml");
    // A variable no page has, and a template that is not there.
    for (name, source, line) in [
        (
            "code.html",
            "{% extends \"layout.html\" %}\n{% block main %}\n\n{{ no_such.thing }}\n{% endblock %}\n",
            4,
        ),
        ("layout.html", "<html>\n{% include \"header.html\" %}\n", 2),
    ] {
        let options = SiteOptions {
            templates: Templates::default().with(name, source),
            ..SiteOptions::default()
        };
        let err = Site::try_generate(&catalog, &options).expect_err("a render error");
        assert_eq!((err.file(), err.line()), (name, Some(line)), "{err}");
    }
    // An included template of the team's own is found beside the others.
    let layout = "<html>{% include \"header.html\" %}{% block head %}{% endblock %}\
                  {% block main %}{% endblock %}</html>\n";
    let dir = dir_with(
        "include",
        &[
            ("layout.html", layout),
            ("header.html", "<header>{{ catalog.name }}</header>"),
        ],
    );
    let site = Site::try_generate(&catalog, &with_dir(&dir)).unwrap_or_else(|e| panic!("{e}"));
    assert!(text(&site, "index.html").starts_with("<html><header>"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_that_cannot_be_read_is_an_error() {
    let missing = std::env::temp_dir().join(format!(
        "errcat-docs-templates-{}-missing",
        std::process::id()
    ));
    let err = Templates::from_dir(&missing).expect_err("no directory");
    assert_eq!(err.file(), missing.display().to_string());
    let dir = dir_with("latin1", &[]);
    std::fs::write(dir.join("code.html"), b"caf\xe9").expect("write");
    let err = Templates::from_dir(&dir).expect_err("not UTF-8");
    assert!(err.file().ends_with("code.html"), "{err}");
    assert!(err.message().contains("UTF-8"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
