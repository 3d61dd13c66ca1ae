//! The render's shortcuts agree with the long way round: a code checked against one catalog
//! renders as the same code from another (where it sits elsewhere), and an error with more
//! context values than are matched ahead still fills every placeholder and member.

use std::sync::Arc;

use errcat::{ApiError, Catalog, Renderer, RequestInfo, StyleKind};

fn catalog(codes: &[&str]) -> Arc<Catalog> {
    let mut toml = String::from("[catalog]\nname = 'paths'\naction_required = false\n");
    for (i, c) in codes.iter().enumerate() {
        toml.push_str(&format!(
            "[codes.{c}]\nstatus = {}\ncategory = 'x'\nmessage.en = '{c} says {{n}}.'\ncontext.n = 'integer'\n",
            400 + i
        ));
    }
    Arc::new(Catalog::from_toml_str("paths.toml", &toml).expect("valid catalog"))
}

#[test]
fn a_code_checked_against_another_catalog_renders_as_itself() {
    let a = catalog(&["alpha", "beta", "gamma"]);
    let b = catalog(&["gamma", "alpha"]);
    let err = ApiError::checked(&a, "gamma").expect("in a").with("n", 7);
    let renderer = Renderer::new(b.clone(), StyleKind::Flat);
    let (head, body) = renderer
        .render_to_vec(&err, &RequestInfo::new("req_1"))
        .expect("gamma is in b too");
    assert_eq!(head.status, 400, "b's status for gamma, not a's (402)");
    let body = String::from_utf8(body).expect("utf-8");
    assert!(
        body.starts_with(r#"{"error":"gamma","message":"gamma says 7.""#),
        "{body}"
    );

    // A code b does not have is refused, even though a index points into b's range.
    let beta = ApiError::checked(&a, "beta").expect("in a");
    assert!(
        renderer
            .render_to_vec(&beta, &RequestInfo::new("req_1"))
            .is_err()
    );
}

#[test]
fn many_context_values_fill_every_placeholder_and_member() {
    let keys: Vec<String> = (0..20).map(|i| format!("k{i:02}")).collect();
    let mut toml = String::from(
        "[catalog]\nname = 'wide'\naction_required = false\n[codes.wide]\nstatus = 422\ncategory = 'x'\n",
    );
    toml.push_str("message.en = 'first {k00}, last {k19}, sixteenth {k16}.'\n");
    for k in &keys {
        toml.push_str(&format!("context.{k} = 'integer'\n"));
    }
    let catalog = Arc::new(Catalog::from_toml_str("wide.toml", &toml).expect("valid"));
    for count in [3usize, 16, 17, 20] {
        // Given in reverse, so context order and declaration order differ.
        let mut err = ApiError::checked(&catalog, "wide").expect("code");
        for (i, k) in keys.iter().enumerate().rev().take(count) {
            err = err.with(k.clone(), i as i64);
        }
        let renderer = Renderer::new(catalog.clone(), StyleKind::Flat);
        let result = renderer.render_to_vec(&err, &RequestInfo::new("req_1"));
        if count < 20 {
            // k00 is among the last given only when all twenty are.
            assert!(result.is_err(), "{count} values leave k00 out");
            continue;
        }
        let (_, body) = result.expect("all twenty given");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["message"], "first 0, last 19, sixteenth 16.");
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(body["context"][k], i as i64, "{k}");
        }
        let order: Vec<&String> = body["context"]
            .as_object()
            .expect("object")
            .keys()
            .collect();
        assert_eq!(
            order.first().map(|s| s.as_str()),
            Some("k19"),
            "the error's order"
        );
    }
}
