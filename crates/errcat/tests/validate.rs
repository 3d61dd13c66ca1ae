//! garde and validator reports become field errors whose JSON Pointers name the members the
//! client sent (serde renames honoured), over a real socket.

use std::collections::BTreeMap;
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

/// A batch of recipients, each of which may fail.
#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
struct Batch {
    #[garde(dive)]
    #[validate(nested)]
    recipients: Vec<Recipient>,
}

async fn batch_garde(
    errcat::axum::garde::Valid(_): errcat::axum::garde::Valid<Batch>,
) -> &'static str {
    "ok"
}

async fn batch_validator(
    errcat::axum::validator::Valid(_): errcat::axum::validator::Valid<Batch>,
) -> &'static str {
    "ok"
}

/// Maps whose keys the client chose, at two depths.
#[derive(serde::Deserialize, garde::Validate)]
struct Tagged {
    #[garde(dive)]
    tags: BTreeMap<String, Tag>,
    #[garde(dive)]
    groups: Vec<BTreeMap<String, Vec<Tag>>>,
}

#[derive(serde::Deserialize, garde::Validate)]
struct Tag {
    #[garde(length(min = 2))]
    name: String,
}

async fn tagged(errcat::axum::garde::Valid(_): errcat::axum::garde::Valid<Tagged>) -> &'static str {
    "ok"
}

/// A list under a camelCase name, so every pointer needs the folded lookup at the root.
#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
#[serde(rename_all = "camelCase")]
struct Listed {
    #[garde(dive)]
    #[validate(nested)]
    items_list: Vec<Named>,
}

#[derive(serde::Deserialize, garde::Validate, validator::Validate)]
struct Named {
    #[garde(length(min = 2))]
    #[validate(length(min = 2))]
    name: String,
}

async fn listed_garde(
    errcat::axum::garde::Valid(_): errcat::axum::garde::Valid<Listed>,
) -> &'static str {
    "ok"
}

async fn listed_validator(
    errcat::axum::validator::Valid(_): errcat::axum::validator::Valid<Listed>,
) -> &'static str {
    "ok"
}

fn mintfax() -> Arc<Catalog> {
    Arc::new(
        Catalog::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../catalogs/mintfax.toml"
        ))
        .unwrap(),
    )
}

async fn serve() -> String {
    serve_with(Errcat::new(mintfax()).style(StyleKind::Problem)).await
}

async fn serve_with(errcat: Errcat) -> String {
    let app = Router::new()
        .route("/garde", post(with_garde))
        .route("/validator", post(with_validator))
        .route("/batch/garde", post(batch_garde))
        .route("/batch/validator", post(batch_validator))
        .route("/tagged", post(tagged))
        .route("/listed/garde", post(listed_garde))
        .route("/listed/validator", post(listed_validator))
        .with_errcat(errcat);
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

/// `{"recipients": [...]}` with `n` recipients whose address fails.
fn huge_batch(n: usize) -> Value {
    json!({"recipients": vec![json!({"emailAddress": "nope"}); n]})
}

#[tokio::test]
async fn a_huge_invalid_list_shows_100_field_errors_and_counts_the_rest() {
    let base = serve().await;
    for route in ["batch/garde", "batch/validator"] {
        let (status, v) = post_json(format!("{base}/{route}"), huge_batch(50_000)).await;
        assert_eq!(status, 422, "{route}");
        assert_eq!(v["code"], "validation_failed", "{route}");
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 100, "{route}");
        assert_eq!(v["omitted_field_errors"], 49_900, "{route}");
        // The first hundred, in the body's order.
        for (i, e) in errors.iter().enumerate() {
            assert_eq!(
                e["pointer"],
                format!("#/recipients/{i}/emailAddress"),
                "{route}"
            );
        }
    }
}

#[tokio::test]
async fn the_layers_bound_applies_to_validation_in_the_flat_style() {
    let base = serve_with(
        Errcat::new(mintfax())
            .max_field_errors(10)
            .style(StyleKind::Flat),
    )
    .await;
    for route in ["batch/garde", "batch/validator"] {
        let res = reqwest::Client::new()
            .post(format!("{base}/{route}"))
            .json(&huge_batch(50_000))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{route}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"], "validation_failed", "{route}");
        let fields: Vec<&String> = v["context"]["errors"].as_object().unwrap().keys().collect();
        let want: Vec<String> = (0..10)
            .map(|i| format!("recipients.{i}.emailAddress"))
            .collect();
        assert_eq!(fields, want.iter().collect::<Vec<_>>(), "{route}");
        assert_eq!(v["context"]["omitted_field_errors"], 49_990, "{route}");
    }
}

#[tokio::test]
async fn map_keys_of_any_shape_become_escaped_pointers() {
    let base = serve().await;
    let short = json!({"name": "x"});
    let ok = json!({"name": "fine"});
    let body = json!({
        "tags": {"[0]]": short, "[]é]": short, "a/b": short, "~x": short, "é": short, "": short, "0": short, "fine": ok},
        "groups": [{"k": [ok]}, {"[1]": [ok, short], "~1/": [short], "x.y[2]": [ok, ok, short]}]
    });
    let (status, v) = post_json(format!("{base}/tagged"), body).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["code"], "validation_failed");
    assert_eq!(
        pointers(&v),
        [
            "#/groups/1/[1]/1/name",
            "#/groups/1/x.y[2]/2/name",
            "#/groups/1/~01~1/0/name",
            "#/tags//name",
            "#/tags/0/name",
            "#/tags/[0]]/name",
            "#/tags/[]é]/name",
            "#/tags/a~1b/name",
            "#/tags/~0x/name",
            "#/tags/é/name",
        ]
    );
    // Each pointer unescapes back to the keys the client sent.
    let keys: Vec<Vec<String>> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let p = e["pointer"].as_str().unwrap().strip_prefix('#').unwrap();
            errcat::JsonPointer::parse(p).unwrap().tokens().collect()
        })
        .collect();
    assert!(keys.contains(&vec!["tags".into(), "a/b".into(), "name".into()]));
    assert!(keys.contains(&vec!["tags".into(), "~x".into(), "name".into()]));
    assert!(keys.contains(&vec![
        "groups".into(),
        "1".into(),
        "~1/".into(),
        "0".into(),
        "name".into()
    ]));
}

#[test]
fn an_integer_map_key_is_walked_into_like_any_key() {
    // garde names a `HashMap<usize, _>`'s keys as indices; the body holds them as members.
    let mut report = garde::Report::new();
    let path = garde::Path::new("by_id").join(7usize).join("email_address");
    report.append(path, garde::Error::new("not an address"));
    let body = json!({"byId": {"7": {"emailAddress": "nope"}}});
    let fields = errcat::axum::garde::field_errors(&report, &body);
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].source.name(), "byId.7.emailAddress");
}

/// `{"a0000000": 0, ... (junk members), "itemsList": [{"name": ""}, ...]}`: the junk first.
fn junk_then_items(junk: usize, items: usize) -> String {
    let mut s = String::from("{");
    for i in 0..junk {
        s.push_str(&format!("\"a{i:07}\":0,"));
    }
    s.push_str("\"itemsList\":[");
    s.push_str(&vec![r#"{"name":""}"#; items].join(","));
    s.push_str("]}");
    s
}

/// The review's body: close to axum's 2 MB limit, 150,000 members the client made up around
/// the one a pointer must find by its folded name, and 100 invalid items. Each of the 100
/// errors used to fold every member's name again (allocating each time): seconds of a worker
/// thread per request. Now the root's names are folded once per report, and the answer is the
/// same 422 with the client's names.
#[tokio::test]
async fn many_members_around_a_renamed_field_still_give_the_clients_pointers() {
    let base = serve().await;
    let body = junk_then_items(150_000, 100);
    assert!(body.len() < 2_000_000, "{}", body.len());
    for route in ["listed/garde", "listed/validator"] {
        let res = reqwest::Client::new()
            .post(format!("{base}/{route}"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{route}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["code"], "validation_failed", "{route}");
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 100, "{route}");
        for (i, e) in errors.iter().enumerate() {
            assert_eq!(e["pointer"], format!("#/itemsList/{i}/name"), "{route}");
        }
    }
}

#[test]
fn a_folded_name_is_found_in_objects_small_and_large_at_any_depth() {
    // Small objects are scanned, large ones indexed: both find the same member, at the root
    // and below it, and a name the object lacks keeps its Rust spelling.
    for junk in [0, 1, 15, 16, 17, 1_000] {
        let mut inner = serde_json::Map::new();
        for i in 0..junk {
            inner.insert(format!("x{i}"), json!(0));
        }
        inner.insert("email-address".into(), json!("nope"));
        let mut root = serde_json::Map::new();
        for i in 0..junk {
            root.insert(format!("y{i}"), json!(0));
        }
        root.insert("ByID".into(), json!({"7": inner}));
        let body = Value::Object(root);
        let mut report = garde::Report::new();
        for leaf in ["email_address", "phone_number", "email_address"] {
            let path = garde::Path::new("by_id").join(7usize).join(leaf);
            report.append(path, garde::Error::new("bad"));
        }
        report.append(garde::Path::new("missing_field"), garde::Error::new("bad"));
        let names: Vec<String> = errcat::axum::garde::field_errors(&report, &body)
            .iter()
            .map(|f| f.source.name().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "ByID.7.email-address",
                "ByID.7.phone_number",
                "ByID.7.email-address",
                "missing_field"
            ],
            "{junk} junk members"
        );
    }
}

mod props {
    use super::*;
    use errcat::FieldSource;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Whatever a map key holds, garde's path becomes a valid pointer whose tokens are the
        /// path's components, the key among them verbatim, with or without the body to walk.
        #[test]
        fn any_map_key_round_trips_through_the_pointer(
            key in prop_oneof![any::<String>(), "[\\[\\]./~01é]{0,8}"],
            index in 0usize..4,
        ) {
            let mut report = garde::Report::new();
            let path = garde::Path::new("items").join(index).join("tags").join(key.as_str()).join("name");
            report.append(path, garde::Error::new("too short"));
            let item = json!({"tags": {key.clone(): {"name": ""}}});
            let with_body = json!({"items": vec![item; index + 1]});
            for body in [with_body, Value::Null] {
                let fields = errcat::axum::garde::field_errors(&report, &body);
                prop_assert_eq!(fields.len(), 1);
                let FieldSource::Pointer(p) = &fields[0].source else {
                    return Err(TestCaseError::fail("not a pointer"));
                };
                prop_assert!(errcat::JsonPointer::parse(p.as_str()).is_ok(), "{}", p);
                let tokens: Vec<String> = p.tokens().collect();
                let want = ["items".to_string(), index.to_string(), "tags".into(), key.clone(), "name".into()];
                prop_assert_eq!(tokens, want, "{}", p);
            }
        }
    }
}
