//! `errcat openapi`: golden documents for the five seed catalogs, each accepted by
//! openapi-spec-validator, with one response per status whose code enum is exactly the codes
//! with that status and whose examples carry their code; and clear failures.
//!
//! Regenerate the golden files with `ERRCAT_BLESS=1 cargo test -p errcat-cli --test openapi_cli`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use errcat_catalog::{Catalog, Lifecycle, StyleKind};
use errcat_testkit::cli::Cli;
use serde_json::Value;

use errcat_testkit::cli::WORKSPACE_ROOT as ROOT;
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/openapi");

const SEEDS: [(&str, &str); 5] = [
    ("mintfax", "catalogs/mintfax.toml"),
    ("seed001", "catalogs/seed001.toml"),
    ("seed002", "catalogs/seed002.toml"),
    ("migosmtp", "catalogs/migosmtp.toml"),
    ("mxcep", "catalogs/mxcep"),
];

fn errcat(args: &[&str]) -> Output {
    cli().output(args)
}

/// The binary in the workspace root, colour left to the flags.
fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env_remove("NO_COLOR")
}

fn ok(args: &[&str]) -> String {
    cli().ok(args)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"))
}

/// Compares with the golden file, or writes it when `ERRCAT_BLESS` is set.
fn golden(name: &str, actual: &str) {
    let path = Path::new(GOLDEN).join(name);
    if std::env::var_os("ERRCAT_BLESS").is_some() {
        std::fs::create_dir_all(GOLDEN).expect("create the golden dir");
        std::fs::write(&path, actual).expect("write the golden file");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with ERRCAT_BLESS=1 to write it",
            path.display()
        )
    });
    if want != actual {
        let (n, (w, a)) = want
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (w, a))| w != a)
            .unwrap_or((
                want.lines().count().min(actual.lines().count()),
                ("<end>", "<end>"),
            ));
        panic!(
            "{} differs from the output at line {}:\n  golden: {w}\n  output: {a}\nrun with ERRCAT_BLESS=1 to accept the output",
            path.display(),
            n + 1
        );
    }
}

/// The statuses and their codes, read from the catalog apart from errcat::openapi.
fn expected(rel: &str) -> BTreeMap<u16, Vec<String>> {
    let c = Catalog::from_path(Path::new(ROOT).join(rel)).unwrap_or_else(|r| panic!("{r}"));
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

fn style_of(rel: &str) -> StyleKind {
    let c = Catalog::from_path(Path::new(ROOT).join(rel)).unwrap_or_else(|r| panic!("{r}"));
    c.meta.style
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().expect("a string").to_string())
        .collect()
}

/// The code enum of a response schema, and the code of an example body, for a style.
fn code_enum(style: StyleKind, schema: &Value) -> Vec<String> {
    let p = &schema["properties"];
    strings(match style {
        StyleKind::Flat | StyleKind::Simple => &p["error"]["enum"],
        StyleKind::Nested => &p["error"]["properties"]["code"]["enum"],
        StyleKind::JsonApi => &p["errors"]["items"]["anyOf"][0]["properties"]["code"]["enum"],
        StyleKind::Problem | StyleKind::Custom => &p["code"]["enum"],
        StyleKind::Google => {
            &p["error"]["properties"]["details"]["items"]["properties"]["reason"]["enum"]
        }
    })
}

fn code_of(style: StyleKind, body: &Value) -> String {
    let v = match style {
        StyleKind::Flat | StyleKind::Simple => &body["error"],
        StyleKind::Nested => &body["error"]["code"],
        StyleKind::JsonApi => &body["errors"][0]["code"],
        StyleKind::Problem | StyleKind::Custom => &body["code"],
        StyleKind::Google => &body["error"]["details"][0]["reason"],
    };
    v.as_str()
        .unwrap_or_else(|| panic!("no code in {body}"))
        .to_string()
}

#[test]
fn golden_documents_of_the_seed_catalogs() {
    for (name, rel) in SEEDS {
        let out = ok(&["openapi", rel]);
        golden(&format!("{name}.json"), &out);
        let doc = json(&out);
        assert_eq!(doc["openapi"], "3.1.0");
        let style = style_of(rel);
        let responses = doc["components"]["responses"]
            .as_object()
            .expect("responses");
        let want = expected(rel);
        assert_eq!(
            responses.len(),
            want.len(),
            "[{name}] one response per status"
        );
        for (status, codes) in &want {
            let r = &responses[&format!("Error{status}")];
            let (_, media) = r["content"]
                .as_object()
                .and_then(|c| c.iter().next())
                .expect("a media type");
            let listed: Vec<String> = if style == StyleKind::Google {
                codes.iter().map(|c| c.to_ascii_uppercase()).collect()
            } else {
                codes.clone()
            };
            assert_eq!(
                code_enum(style, &media["schema"]),
                listed,
                "[{name} {status}] the enum is the codes with that status"
            );
            let examples = media["examples"].as_object().expect("examples");
            assert_eq!(examples.len(), codes.len(), "[{name} {status}]");
            for code in codes {
                let body = &examples[code]["value"];
                assert!(body.is_object(), "[{name} {status}] {code}: {body}");
                let got = code_of(style, body);
                assert!(
                    got == *code || got == code.to_ascii_uppercase(),
                    "[{name} {status}] the example of {code} carries {got}"
                );
            }
        }
    }
}

#[test]
fn golden_documents_pass_openapi_spec_validator() {
    let available = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("ERRCAT_REQUIRE_OPENAPI_VALIDATOR").is_none(),
            "ERRCAT_REQUIRE_OPENAPI_VALIDATOR is set but python3 -m openapi_spec_validator is missing: pip install openapi-spec-validator"
        );
        let _ = writeln!(
            std::io::stderr(),
            "notice: skipping OpenAPI validation: python3 -m openapi_spec_validator is not available \
             (pip install openapi-spec-validator; set ERRCAT_REQUIRE_OPENAPI_VALIDATOR=1 to make this a failure)"
        );
        return;
    }
    // The output itself (equal to the golden files when the golden test passes), and the
    // components-only output wrapped in a minimal document.
    let dir = std::env::temp_dir().join(format!("errcat-openapi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut files: Vec<PathBuf> = Vec::new();
    for (name, rel) in SEEDS {
        let f = dir.join(format!("{name}.json"));
        std::fs::write(&f, ok(&["openapi", rel])).expect("write");
        files.push(f);
        for style in ["flat", "jsonapi", "google", "custom"] {
            let comps = json(&ok(&[
                "openapi",
                rel,
                "--components-only",
                "--style",
                style,
            ]));
            let doc = serde_json::json!({"openapi": "3.1.0", "info": {"title": name, "version": "1"}, "paths": {}, "components": comps});
            let f = dir.join(format!("{name}-{style}-components.json"));
            std::fs::write(&f, serde_json::to_vec(&doc).expect("JSON")).expect("write");
            files.push(f);
        }
    }
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .args(&files)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "openapi-spec-validator rejects a document:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in &files {
        assert!(
            stdout.contains(&format!("{}: OK", f.display())),
            "no OK for {}:\n{stdout}",
            f.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn components_only_and_style() {
    let doc = json(&ok(&["openapi", "catalogs/mintfax.toml"]));
    let comps = json(&ok(&[
        "openapi",
        "catalogs/mintfax.toml",
        "--components-only",
    ]));
    assert_eq!(doc["components"], comps);
    assert!(comps.get("openapi").is_none());
    let problem = json(&ok(&[
        "openapi",
        "catalogs/mintfax.toml",
        "--style",
        "problem",
        "--components-only",
    ]));
    let media = &problem["responses"]["Error402"]["content"]["application/problem+json"];
    assert_eq!(
        media["schema"]["properties"]["code"]["enum"],
        serde_json::json!(["insufficient_balance"])
    );
    assert_eq!(
        media["examples"]["insufficient_balance"]["value"]["status"],
        402
    );
}

#[test]
fn a_bad_catalog_fails_clearly() {
    let dir = std::env::temp_dir().join(format!("errcat-openapi-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "[catalog]\nname = \"bad\"\n[codes.oops]\nstatus = 200\ncategory = \"x\"\naction = \"y\"\nmessage.en = \"m\"\n",
    )
    .expect("write");
    let o = errcat(&[
        "openapi",
        bad.to_str().expect("a UTF-8 path"),
        "--color",
        "never",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(o.stdout.is_empty());
    assert!(err.contains("error[invalid-status]"), "{err}");
    assert!(err.contains("has errors; run `errcat check"), "{err}");

    let o = errcat(&["openapi", "catalogs/no-such.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));

    let o = errcat(&["openapi", "catalogs/mintfax.toml", "--style", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown style `xml`"));
    let _ = std::fs::remove_dir_all(&dir);
}
