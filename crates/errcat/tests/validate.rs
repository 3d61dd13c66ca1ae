//! garde and validator reports become field errors whose JSON Pointers name the members the
//! client sent (serde renames honoured), over a real socket.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;
use errcat::axum::{Errcat, RouterExt};
use errcat::{Catalog, StyleKind};
use serde_json::{Value, json};
#[allow(
    unused_imports,
    reason = "validator's derive calls `validate` on nested values by name"
)]
use validator::Validate as _;

#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
#[serde(rename_all = "camelCase")]
struct Fax {
    #[garde(length(min = 2))]
    #[validate(length(min = 2))]
    to_number: String,
    #[serde(rename = "cover")]
    #[garde(dive)]
    #[validate(nested)]
    cover_page: Cover,
    #[garde(dive)]
    #[validate(nested)]
    recipients: Vec<Recipient>,
}

#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
struct Cover {
    #[serde(rename = "title-text")]
    #[garde(length(max = 5))]
    #[validate(length(max = 5))]
    title_text: String,
}

#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
#[serde(rename_all = "camelCase")]
struct Recipient {
    #[garde(contains("@"))]
    #[validate(contains(pattern = "@"))]
    email_address: String,
}

async fn with_garde(
    errcat::axum::garde::Valid(_): errcat::axum::garde::Valid<Fax>,
) -> &'static str {
    "ok"
}

async fn with_validator(
    errcat::axum::validator::Valid(_): errcat::axum::validator::Valid<Fax>,
) -> &'static str {
    "ok"
}

async fn serve() -> String {
    let catalog = Catalog::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../catalogs/mintfax.toml"
    ))
    .unwrap();
    let app = Router::new()
        .route("/garde", post(with_garde))
        .route("/validator", post(with_validator))
        .with_errcat(Errcat::new(Arc::new(catalog)).style(StyleKind::Problem));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn bad_body() -> Value {
    json!({
        "toNumber": "1",
        "cover": {"title-text": "far too long"},
        "recipients": [{"emailAddress": "a@example.com"}, {"emailAddress": "not-an-email"}]
    })
}

async fn post_json(url: String, body: Value) -> (u16, Value) {
    let res = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

fn pointers(v: &Value) -> Vec<String> {
    let mut p: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[tokio::test]
async fn garde_reports_every_field_with_client_names() {
    let base = serve().await;
    let (status, v) = post_json(format!("{base}/garde"), bad_body()).await;
    assert_eq!(status, 422);
    assert_eq!(v["code"], "validation_failed");
    // `rename_all` and kebab-case renames are recovered from the body; garde cannot name an
    // arbitrary `#[serde(rename = "cover")]`, so that member keeps its Rust name.
    assert_eq!(
        pointers(&v),
        [
            "#/cover_page/title_text",
            "#/recipients/1/emailAddress",
            "#/toNumber"
        ]
    );
}

#[tokio::test]
async fn validator_reports_every_field_with_client_names_and_codes() {
    let base = serve().await;
    let (status, v) = post_json(format!("{base}/validator"), bad_body()).await;
    assert_eq!(status, 422);
    // `rename_all` and kebab-case renames are recovered from the body; validator cannot name
    // an arbitrary `#[serde(rename = "cover")]`, so that member keeps its Rust name.
    assert_eq!(
        pointers(&v),
        [
            "#/cover_page/title_text",
            "#/recipients/1/emailAddress",
            "#/toNumber"
        ]
    );
    let codes: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"contains") && codes.contains(&"length"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn case_and_separator_renames_are_recovered_at_every_depth() {
    let base = serve().await;
    // Only `rename_all` and kebab-case renames: every pointer names the client's members.
    let body = json!({"toNumber": "1", "cover": {"title-text": "ok"}, "recipients": [{"emailAddress": "nope"}]});
    for route in ["garde", "validator"] {
        let (status, v) = post_json(format!("{base}/{route}"), body.clone()).await;
        assert_eq!(status, 422);
        assert_eq!(
            pointers(&v),
            ["#/recipients/0/emailAddress", "#/toNumber"],
            "{route}"
        );
    }
}

#[tokio::test]
async fn a_valid_body_passes_and_a_wrong_shape_is_still_a_pointer() {
    let base = serve().await;
    let good = json!({"toNumber": "+15551234567", "cover": {"title-text": "Hi"}, "recipients": [{"emailAddress": "a@example.com"}]});
    for route in ["garde", "validator"] {
        let res = reqwest::Client::new()
            .post(format!("{base}/{route}"))
            .json(&good)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let (status, v) = post_json(
            format!("{base}/{route}"),
            json!({"toNumber": "12", "cover": {"title-text": 5}, "recipients": []}),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(pointers(&v), ["#/cover/title-text"]);
    }
}
