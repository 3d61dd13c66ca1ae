//! The reference docs site mounted in the demo: every `docs` permalink of the catalog, and the
//! `docs` link of real error responses, resolve to a page holding the code's anchor.

mod common;

use common::*;
use errcat::StyleKind;
use errcat_demo::DemoConfig;

/// The path of a permalink (`https://mintfax.com/docs/errors/x` → `/docs/errors/x`).
fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".into(),
    }
}

#[tokio::test]
async fn every_docs_permalink_resolves() {
    let server = demo(DemoConfig::default()).await;
    let c = client();
    let catalog = errcat_demo::mintfax::catalog();
    let mut checked = 0;
    for e in catalog.entries() {
        let url = catalog.docs_url(e).expect("mintfax has a docs_url");
        let path = path_of(&url);
        assert!(path.starts_with("/docs/errors/"), "{path}");
        let r = send(c.get(server.url(&path))).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.text);
        assert!(
            r.header("content-type").starts_with("text/html"),
            "GET {path}: {}",
            r.header("content-type")
        );
        assert!(
            r.text.contains(&format!("id=\"{}\"", e.anchor())),
            "GET {path} has no section for {}",
            e.code
        );
        checked += 1;
    }
    assert_eq!(checked, catalog.entries().len());

    // The index, its assets, and the redirect to the index's own URL.
    let r = send(c.get(server.url("/docs/errors/"))).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("id=\"insufficient-balance\""));
    let r = send(c.get(server.url("/docs/errors/assets/style.css"))).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/css"));
    let r = send(c.get(server.url("/docs/errors/assets/search.js"))).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").starts_with("text/javascript"));
    let r = send(c.get(server.url("/docs/errors/insufficient-balance.html"))).await;
    assert_eq!(r.status, 200);

    // An unknown code is the catalog's own not_found, in the catalog's envelope.
    let r = send(c.get(server.url("/docs/errors/no-such-code"))).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");
}

#[tokio::test]
async fn the_index_redirects_to_its_slash() {
    let server = demo(DemoConfig::default()).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = send(c.get(server.url("/docs/errors"))).await;
    assert_eq!(r.status, 308);
    assert_eq!(r.header("location"), "/docs/errors/");
}

#[tokio::test]
async fn real_error_docs_links_resolve() {
    let server = demo(DemoConfig::default()).await;
    let c = client();
    // A route that does not exist, and a request without credentials.
    let cases = [
        (c.get(server.url("/no/such/route")), "not_found"),
        (c.get(server.url("/faxes")), "api_key_missing"),
        (
            c.get(server.url("/account/balance")).header(
                "authorization",
                format!("Bearer {}", server.keys.sandbox.expose()),
            ),
            "key_not_scoped_for_account",
        ),
    ];
    for (req, code) in cases {
        let r = send(req).await;
        assert_eq!(r.json()["error"], code, "{}", r.text);
        let docs = r.json()["docs"]
            .as_str()
            .unwrap_or_else(|| panic!("no docs link in {}", r.text))
            .to_string();
        let page = send(c.get(server.url(&path_of(&docs)))).await;
        assert_eq!(page.status, 200, "GET {docs}");
        let anchor = code.replace('_', "-");
        assert!(page.text.contains(&format!("id=\"{anchor}\"")), "{docs}");
        // The page's example is the demo's own envelope.
        assert!(
            page.text
                .contains(&format!("&quot;error&quot;: &quot;{code}&quot;"))
                || page.text.contains(&format!("\"error\": \"{code}\""))
        );
    }
}

#[tokio::test]
async fn the_site_shows_the_demos_style() {
    let server = demo(DemoConfig {
        style: Some(StyleKind::Problem),
        ..DemoConfig::default()
    })
    .await;
    let c = client();
    let r = send(c.get(server.url("/docs/errors/insufficient-balance"))).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("application/problem+json"), "{}", r.text);
}
