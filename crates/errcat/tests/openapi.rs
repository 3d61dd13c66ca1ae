//! `errcat::openapi` on every seed catalog in every style: one response per status whose code
//! enum is exactly the codes with that status, one example per code that carries its code and
//! status and fits its response's schema, a document openapi-spec-validator accepts, and the
//! merge into a utoipa document.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use errcat::catalog::Lifecycle;
use errcat::{Catalog, StyleKind, openapi};
use serde_json::{Value, json};

const SEEDS: [&str; 5] = [
    "mintfax.toml",
    "seed001.toml",
    "seed002.toml",
    "migosmtp.toml",
    "mxcep",
];

fn catalog(rel: &str) -> Arc<Catalog> {
    let path = format!("{}/../../catalogs/{rel}", env!("CARGO_MANIFEST_DIR"));
    Arc::new(Catalog::from_path(&path).unwrap_or_else(|r| panic!("{path}: {r}")))
}

/// The style the renderer really uses: custom without a template is problem+json.
fn effective(c: &Catalog, style: StyleKind) -> StyleKind {
    if style == StyleKind::Custom && c.meta.custom.is_none() {
        StyleKind::Problem
    } else {
        style
    }
}

/// The statuses and their codes, computed apart from the library: every non-retired code
/// under each of its statuses, in catalog order.
fn expected(c: &Catalog) -> BTreeMap<u16, Vec<String>> {
    let mut out: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    for e in c.entries() {
        if e.lifecycle == Lifecycle::Retired {
            continue;
        }
        for s in &e.statuses {
            out.entry(*s).or_default().push(e.code.clone());
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().expect("a string").to_string())
        .collect()
}

/// The code enum of a response schema, where each style puts it.
fn code_enum(style: StyleKind, schema: &Value) -> Vec<String> {
    let p = &schema["properties"];
    strings(match style {
        StyleKind::Flat | StyleKind::Simple => &p["error"]["enum"],
        StyleKind::Nested => &p["error"]["properties"]["code"]["enum"],
        StyleKind::JsonApi => &p["errors"]["items"]["anyOf"][0]["properties"]["code"]["enum"],
        StyleKind::Problem => &p["code"]["enum"],
        StyleKind::Google => {
            &p["error"]["properties"]["details"]["items"]["properties"]["reason"]["enum"]
        }
        // seed001's template: {"code": "{{code}}", …}
        StyleKind::Custom => &p["code"]["enum"],
    })
}

/// The code an example body carries, where each style puts it.
fn code_of(style: StyleKind, body: &Value) -> String {
    let v = match style {
        StyleKind::Flat | StyleKind::Simple => &body["error"],
        StyleKind::Nested => &body["error"]["code"],
        StyleKind::JsonApi => &body["errors"][0]["code"],
        StyleKind::Problem | StyleKind::Custom => &body["code"],
        StyleKind::Google => body["error"]["details"]
            .as_array()
            .and_then(|d| {
                d.iter().find(|x| {
                    x["@type"]
                        .as_str()
                        .is_some_and(|t| t.ends_with("ErrorInfo"))
                })
            })
            .map_or(&Value::Null, |x| &x["reason"]),
    };
    v.as_str()
        .unwrap_or_else(|| panic!("[{style}] no code in {body}"))
        .to_string()
}

/// The HTTP status an example body repeats, if its style does.
fn status_of(style: StyleKind, body: &Value) -> Option<u64> {
    match style {
        StyleKind::Simple => body["code"].as_u64(),
        StyleKind::Problem => body["status"].as_u64(),
        StyleKind::Google => body["error"]["code"].as_u64(),
        StyleKind::JsonApi => body["errors"][0]["status"]
            .as_str()
            .and_then(|s| s.parse().ok()),
        _ => None,
    }
}

fn content_type(style: StyleKind) -> &'static str {
    match style {
        StyleKind::Problem => "application/problem+json",
        StyleKind::JsonApi => "application/vnd.api+json",
        _ => "application/json",
    }
}

#[test]
fn every_seed_in_every_style() {
    for seed in SEEDS {
        let c = catalog(seed);
        let want = expected(&c);
        for style in StyleKind::ALL {
            let eff = effective(&c, style);
            let doc = openapi::document(&c, style);
            assert_eq!(doc["openapi"], "3.1.0");
            assert_eq!(doc["info"]["title"], c.meta.name.as_str());
            assert_eq!(doc["paths"], json!({}));
            let responses = doc["components"]["responses"]
                .as_object()
                .expect("responses");
            let names: BTreeSet<String> = responses.keys().cloned().collect();
            let want_names: BTreeSet<String> = want.keys().map(|s| format!("Error{s}")).collect();
            assert_eq!(
                names, want_names,
                "[{seed} {style}] one response per status"
            );
            for (status, codes) in &want {
                let what = format!("[{seed} {style} {status}]");
                let r = &responses[&format!("Error{status}")];
                assert_eq!(&strings(&r["x-error-codes"]), codes, "{what}");
                let media = &r["content"][content_type(eff)];
                let schema = &media["schema"];
                assert_eq!(schema["$ref"], "#/components/schemas/Error", "{what}");
                let listed: Vec<String> = if eff == StyleKind::Google {
                    codes.iter().map(|c| c.to_ascii_uppercase()).collect()
                } else {
                    codes.clone()
                };
                assert_eq!(code_enum(eff, schema), listed, "{what} the code enum");
                let desc = r["description"].as_str().expect("a description");
                let examples = media["examples"].as_object().expect("examples");
                let keys: Vec<&String> = examples.keys().collect();
                assert_eq!(
                    keys,
                    codes.iter().collect::<Vec<_>>(),
                    "{what} one example per code"
                );
                for code in codes {
                    assert!(desc.contains(&format!("- `{code}`")), "{what} {desc}");
                    let body = &examples[code]["value"];
                    let got = code_of(eff, body);
                    if eff == StyleKind::Google {
                        assert_eq!(got, code.to_ascii_uppercase(), "{what}");
                    } else {
                        assert_eq!(&got, code, "{what}");
                    }
                    if let Some(s) = status_of(eff, body) {
                        assert_eq!(s, u64::from(*status), "{what} {code}");
                    }
                }
            }
        }
    }
}

#[test]
fn examples_fill_context_and_retry_after() {
    let mintfax = catalog("mintfax.toml");
    let c = openapi::components(&mintfax, StyleKind::Flat);
    let body = &c["responses"]["Error402"]["content"]["application/json"]["examples"]["insufficient_balance"]
        ["value"];
    assert_eq!(
        body["context"],
        json!({"balance": 1.5, "cost": 3}),
        "{body}"
    );
    let seed002 = catalog("seed002.toml");
    let c = openapi::components(&seed002, StyleKind::Nested);
    let r429 = &c["responses"]["Error429"];
    let body = &r429["content"]["application/json"]["examples"]["RATE_LIMITED"]["value"];
    assert_eq!(body["error"]["retryAfter"], 30, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("30"),
        "{body}"
    );
    assert_eq!(
        r429["headers"]["Retry-After"]["$ref"],
        "#/components/headers/Retry-After"
    );
    // A request id in the catalog's own format: mxcep's is 12 hex digits, no prefix.
    let mxcep = catalog("mxcep");
    let c = openapi::components(&mxcep, StyleKind::JsonApi);
    let body = &c["responses"]["Error404"]["content"]["application/vnd.api+json"]["examples"]["not_found"]
        ["value"];
    assert_eq!(body["meta"]["request_id"], "8f3a2b1c9d4e", "{body}");
}

#[test]
fn the_custom_template_gives_the_schema() {
    let c = catalog("seed001.toml");
    let comps = openapi::components(&c, StyleKind::Custom);
    let error = &comps["schemas"]["Error"];
    assert_eq!(
        error["required"],
        json!(["code", "message", "request_id", "details"])
    );
    assert_eq!(error["properties"]["details"]["type"], "array");
    // Rendered as problem+json when a catalog has no template.
    let mintfax = catalog("mintfax.toml");
    let comps = openapi::components(&mintfax, StyleKind::Custom);
    assert_eq!(
        comps["schemas"]["Error"],
        openapi::envelope_schema(StyleKind::Problem)
    );
}

#[test]
fn output_is_reproducible() {
    let c = catalog("seed002.toml");
    for style in StyleKind::ALL {
        assert_eq!(
            openapi::document(&c, style),
            openapi::document(&c, style),
            "{style}"
        );
    }
}

#[test]
fn no_panic_on_a_catalog_with_no_codes_of_its_own() {
    let c = Arc::new(
        Catalog::from_toml_str("empty.toml", "[catalog]\nname = \"empty\"\n").expect("loads"),
    );
    for style in StyleKind::ALL {
        let doc = openapi::document(&c, style);
        // The built-in role codes still have responses.
        assert!(doc["components"]["responses"]["Error404"].is_object());
    }
}

/// Whether `python3 -m openapi_spec_validator` can run; when it cannot, fails if
/// `ERRCAT_REQUIRE_OPENAPI_VALIDATOR` is set and otherwise says so and skips.
fn validator_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import openapi_spec_validator, jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("ERRCAT_REQUIRE_OPENAPI_VALIDATOR").is_none(),
            "ERRCAT_REQUIRE_OPENAPI_VALIDATOR is set but python3 -m openapi_spec_validator is missing: pip install openapi-spec-validator"
        );
        let _ = writeln!(
            std::io::stderr(),
            "notice: skipping OpenAPI validation: python3 -m openapi_spec_validator is not available \
             (pip install openapi-spec-validator; set ERRCAT_REQUIRE_OPENAPI_VALIDATOR=1 to make this a failure)"
        );
    }
    ok
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("errcat-openapi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    dir
}

/// Runs openapi-spec-validator on the files; panics with its output unless each is OK.
fn validate(files: &[PathBuf]) {
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .args(files)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects a document:\n{stdout}\n{stderr}"
    );
    for f in files {
        assert!(
            stdout.contains(&format!("{}: OK", f.display())),
            "no OK for {}:\n{stdout}\n{stderr}",
            f.display()
        );
    }
}

/// Checks every example against its response's schema with Python's jsonschema (2020-12).
fn examples_fit(files: &[PathBuf]) {
    const SCRIPT: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
bad = 0
for path in sys.argv[1:]:
    doc = json.load(open(path))
    comps = doc["components"]
    def deref(node):
        if isinstance(node, dict):
            if "$ref" in node:
                target = comps["schemas"][node["$ref"].rsplit("/", 1)[1]]
                rest = {k: deref(v) for k, v in node.items() if k != "$ref"}
                return {"allOf": [deref(target), rest]}
            return {k: deref(v) for k, v in node.items()}
        if isinstance(node, list):
            return [deref(x) for x in node]
        return node
    for name, resp in comps["responses"].items():
        for ctype, media in resp["content"].items():
            schema = deref(media["schema"])
            Draft202012Validator.check_schema(schema)
            v = Draft202012Validator(schema)
            for code, ex in media.get("examples", {}).items():
                for err in v.iter_errors(ex["value"]):
                    bad += 1
                    print(f"{path} {name} {code}: {err.message} at {list(err.absolute_path)}")
sys.exit(1 if bad else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(files)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "examples that do not fit their schema:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, serde_json::to_vec_pretty(v).expect("JSON")).expect("write");
    f
}

#[test]
fn validators_accept_every_seed_in_every_style() {
    if !validator_available() {
        return;
    }
    let dir = temp_dir("seeds");
    let mut files = Vec::new();
    for seed in SEEDS {
        let c = catalog(seed);
        for style in StyleKind::ALL {
            let name = format!("{}-{}.json", seed.trim_end_matches(".toml"), style.name());
            files.push(write_json(&dir, &name, &openapi::document(&c, style)));
        }
    }
    validate(&files);
    examples_fit(&files);
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "utoipa")]
mod utoipa_merge {
    use super::*;
    use utoipa::OpenApi as _;

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Fax {
        id: String,
        pages: u32,
    }

    /// Gets a fax.
    #[utoipa::path(get, path = "/faxes/{id}", params(("id" = String, Path, description = "The fax id")),
        responses((status = 200, description = "The fax", body = Fax)))]
    #[allow(dead_code)]
    fn get_fax() {}

    #[derive(utoipa::OpenApi)]
    #[openapi(
        info(title = "faxes", version = "1.0.0"),
        paths(get_fax),
        components(schemas(Fax))
    )]
    struct Api;

    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Error {
        mine: bool,
    }

    #[derive(utoipa::OpenApi)]
    #[openapi(info(title = "mine", version = "1"), components(schemas(Error)))]
    struct WithOwnError;

    #[test]
    fn merges_into_a_utoipa_document() {
        let c = catalog("mintfax.toml");
        for style in StyleKind::ALL {
            let mut doc = Api::openapi();
            let before = serde_json::to_value(&doc).expect("serializes");
            openapi::add_to_utoipa(&mut doc, &c, style).expect("merges");
            let after = serde_json::to_value(&doc).expect("serializes");
            // What the document had survives.
            assert_eq!(after["paths"], before["paths"], "[{style}]");
            assert_eq!(after["info"], before["info"], "[{style}]");
            assert_eq!(
                after["components"]["schemas"]["Fax"],
                before["components"]["schemas"]["Fax"]
            );
            // errcat's components are in, with their enums.
            let eff = effective(&c, style);
            let ours = openapi::components(&c, style);
            assert_eq!(
                after["components"]["schemas"]["Error"], ours["schemas"]["Error"],
                "[{style}] the envelope schema survives utoipa's model"
            );
            for (status, codes) in expected(&c) {
                let r = &after["components"]["responses"][format!("Error{status}")];
                let media = &r["content"][content_type(eff)];
                let all_of = &media["schema"]["allOf"];
                assert_eq!(all_of[0]["$ref"], "#/components/schemas/Error", "[{style}]");
                let listed: Vec<String> = if eff == StyleKind::Google {
                    codes.iter().map(|c| c.to_ascii_uppercase()).collect()
                } else {
                    codes.clone()
                };
                assert_eq!(code_enum(eff, &all_of[1]), listed, "[{style} {status}]");
                assert_eq!(strings(&r["x-error-codes"]), codes);
                assert_eq!(r["headers"]["X-Request-Id"]["schema"]["type"], "string");
                let ex = media["examples"].as_object().expect("examples");
                assert_eq!(ex.len(), codes.len());
            }
        }
    }

    #[test]
    fn the_documents_own_components_win() {
        let c = catalog("seed002.toml");
        let mut doc = WithOwnError::openapi();
        let before = serde_json::to_value(&doc).expect("serializes");
        openapi::add_to_utoipa(&mut doc, &c, StyleKind::Nested).expect("merges");
        let after = serde_json::to_value(&doc).expect("serializes");
        assert_eq!(
            after["components"]["schemas"]["Error"],
            before["components"]["schemas"]["Error"]
        );
        assert!(after["components"]["responses"]["Error429"].is_object());
    }

    #[test]
    fn the_merged_document_validates() {
        if !validator_available() {
            return;
        }
        let dir = temp_dir("utoipa");
        let mut files = Vec::new();
        for seed in SEEDS {
            let c = catalog(seed);
            for style in StyleKind::ALL {
                let mut doc = Api::openapi();
                openapi::add_to_utoipa(&mut doc, &c, style).expect("merges");
                let v = serde_json::to_value(&doc).expect("serializes");
                let name = format!("{}-{}.json", seed.trim_end_matches(".toml"), style.name());
                files.push(write_json(&dir, &name, &v));
            }
        }
        validate(&files);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
