//! The client parser's own JSON scanner against serde_json: a body is `Style::NotJson` exactly
//! when serde_json says so.
//!
//! "Says so" needs care, because serde_json's answer depends on how the body is read: it
//! decodes what a visitor reads (a lone surrogate in such a string, or `1e400`, is an error;
//! containers nest at most 127 deep) and only checks the grammar of what it skips with
//! `IgnoredAny` (anything goes there, at any depth). The parser reads some members and skips
//! the rest, so neither `from_slice::<Value>` (decodes everything) nor `IgnoredAny` (decodes
//! nothing) matches it exactly; they bound it:
//!
//! - `Value` accepts ⇒ the parser accepts;
//! - `IgnoredAny` rejects ⇒ the parser rejects;
//! - in between, the judge is serde_json itself, driven by [`Shape`]: a seed that reads each
//!   place of the body the way the serde_json reader the scanner replaced did (the members each
//!   envelope shape keeps read, the others skipped). Keep [`TOP`] in step with
//!   `src/parse/shapes.rs`.

use errcat_client::{Style, parse};
use http::HeaderMap;
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

// ---------------------------------------------------------------------------------------------
// The judge.

/// How the parser reads a place of a body, as far as what counts as JSON goes.
#[derive(Clone, Copy)]
enum Shape {
    /// Skipped (`IgnoredAny`): the grammar only.
    Skip,
    /// An object read member by member, these members by their shape and the others skipped;
    /// any other value read for itself (a string or a number decoded, an array's elements
    /// skipped).
    Obj(&'static [(&'static str, Shape)]),
    /// An array of objects of these members; anything else as [`Shape::Obj`] with none.
    List(&'static [(&'static str, Shape)]),
    /// An array of texts, or a text.
    Texts,
    /// An object whose every member is [`Shape::Texts`], or a text.
    FieldMap,
    /// An array of items, an object of texts, or a text (`errors`, `detail`).
    Many,
}

/// A value read as text: a string or a number decoded; a container opened, its contents skipped.
const TEXT: Shape = Shape::Obj(&[]);

static TOP: [(&str, Shape); 28] = [
    ("error", Shape::Obj(&ERROR)),
    ("errors", Shape::Many),
    ("detail", Shape::Many),
    ("message", TEXT),
    ("error_description", TEXT),
    ("title", TEXT),
    ("type", TEXT),
    ("code", TEXT),
    ("status", TEXT),
    ("request_id", TEXT),
    ("requestId", TEXT),
    ("traceId", TEXT),
    ("action", TEXT),
    ("docs", TEXT),
    ("documentation_url", TEXT),
    ("field", TEXT),
    ("retryAfter", TEXT),
    ("retry_after", TEXT),
    ("success", Shape::Skip),
    ("fields", Shape::List(&ITEM)),
    ("details", Shape::List(&ITEM)),
    ("invalid-params", Shape::List(&ITEM)),
    (
        "meta",
        Shape::Obj(&[
            ("retry_after_seconds", TEXT),
            ("retryAfter", TEXT),
            ("retry_after", TEXT),
            ("request_id", TEXT),
            ("requestId", TEXT),
        ]),
    ),
    (
        "context",
        Shape::Obj(&[("errors", Shape::FieldMap), ("retry_after", TEXT)]),
    ),
    // Names the parser does not read at the top level, for the generators.
    ("param", Shape::Skip),
    ("source", Shape::Skip),
    ("links", Shape::Skip),
    ("x", Shape::Skip),
];

static ERROR: [(&str, Shape); 13] = [
    ("code", TEXT),
    ("message", TEXT),
    ("status", TEXT),
    ("type", TEXT),
    ("param", TEXT),
    ("doc_url", TEXT),
    ("target", TEXT),
    ("field", TEXT),
    ("fields", Shape::List(&ITEM)),
    ("details", Shape::List(&ITEM)),
    ("retryAfter", TEXT),
    ("request_id", TEXT),
    ("requestId", TEXT),
];

static ITEM: [(&str, Shape); 26] = [
    ("code", TEXT),
    ("type", TEXT),
    ("@type", TEXT),
    ("detail", TEXT),
    ("message", TEXT),
    ("description", TEXT),
    ("msg", TEXT),
    ("title", TEXT),
    ("reason", TEXT),
    ("field", TEXT),
    ("target", TEXT),
    ("name", TEXT),
    ("pointer", TEXT),
    ("parameter", TEXT),
    ("header", TEXT),
    (
        "source",
        Shape::Obj(&[("pointer", TEXT), ("parameter", TEXT), ("header", TEXT)]),
    ),
    ("loc", Shape::Texts),
    (
        "meta",
        Shape::Obj(&[
            ("retry_after_seconds", TEXT),
            ("retryAfter", TEXT),
            ("retry_after", TEXT),
        ]),
    ),
    ("retryDelay", TEXT),
    ("fieldViolations", Shape::List(&ITEM)),
    ("links", Shape::List(&ITEM)),
    ("url", TEXT),
    ("requestId", TEXT),
    ("domain", TEXT),
    ("request_id", Shape::Skip),
    ("status", Shape::Skip),
];

impl<'de> DeserializeSeed<'de> for Shape {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self {
            Shape::Skip => IgnoredAny::deserialize(d).map(drop),
            _ => d.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Shape {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        let element = match self {
            Shape::List(members) => Shape::Obj(members),
            Shape::Many => Shape::Obj(&ITEM),
            Shape::Texts => TEXT,
            _ => Shape::Skip,
        };
        while s.next_element_seed(element)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        // Every key of an object read member by member is decoded.
        while let Some(key) = m.next_key::<String>()? {
            let value = match self {
                Shape::Obj(members) => members
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map_or(Shape::Skip, |&(_, shape)| shape),
                Shape::FieldMap | Shape::Many => Shape::Texts,
                _ => Shape::Skip,
            };
            m.next_value_seed(value)?;
        }
        Ok(())
    }
}

/// Whether serde_json reads `body` as the parser does: one UTF-8 check of the whole body, then
/// the top level as an envelope, then nothing but whitespace.
fn judge(body: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(body) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    Shape::Obj(&TOP).deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// Whether the parser reads `body` as JSON at all (else it is HTML, text, or empty).
fn goes_to_the_reader(body: &[u8]) -> bool {
    matches!(
        body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

fn check(body: &[u8]) -> Result<(), TestCaseError> {
    let e = parse(422, &HeaderMap::new(), body);
    prop_assert_eq!(&e.raw[..], body);
    if !goes_to_the_reader(body) {
        return Ok(());
    }
    let not_json = e.style == Style::NotJson;
    let shown = String::from_utf8_lossy(body);
    prop_assert_eq!(not_json, !judge(body), "body {:?}", shown);
    if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        prop_assert!(!not_json, "Value reads it: {:?}", shown);
    }
    let grammar = std::str::from_utf8(body)
        .is_ok_and(|text| serde_json::from_str::<IgnoredAny>(text).is_ok());
    if !grammar {
        prop_assert!(not_json, "IgnoredAny refuses it: {:?}", shown);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// Names of every shape's members, a few unknown ones, and some with escapes.
fn key() -> impl Strategy<Value = String> {
    let names: Vec<&str> = TOP
        .iter()
        .chain(ERROR.iter())
        .chain(ITEM.iter())
        .map(|(name, _)| *name)
        .chain([
            "retry_after_seconds",
            "pointer",
            "errors",
            "unknown",
            "\\u0063ode",
            "er\\u0072ors",
            "\\ud800",
            "\\udc00x",
            "m\\u00e9ta",
            "clé",
            "a\\nb",
        ])
        .collect();
    prop::sample::select(names).prop_map(str::to_owned)
}

/// Scalars, with the ones serde_json decodes differently from how it skips them.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "null",
            "true",
            "false",
            "0",
            "-0",
            "12",
            "-7",
            "1.5",
            "-2.5e-3",
            "1E+2",
            "1e400",
            "-1e400",
            "1e-400",
            "0e999999999999",
            "1e999999999999",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775809",
            "123456789012345678901234567890.5e-3",
            "1.7976931348623157e308",
            "2e308",
            "\"\"",
            "\"plain\"",
            "\"30s\"",
            "\"body\"",
            "\"type.googleapis.com/google.rpc.ErrorInfo\"",
            "\"q\\\"uote\\\\ back\\/slash\\b\\f\\n\\r\\t\"",
            "\"\\u00e9\\u20AC\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\ud800x\"",
            "\"\\ud800\\n\"",
            "\"límite € 日本 😀\"",
        ])
        .prop_map(str::to_owned),
        "-?(0|[1-9][0-9]{0,25})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,4})?",
        "\"([ -!#-\\[\\]-~]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}){0,12}\"",
    ]
}

/// JSON values of every shape's members, nested.
fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..6).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// An envelope: an object of members (now and then an array).
fn envelope() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::collection::vec((key(), value()), 0..8).prop_map(|members| {
            let members: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect();
            format!("{{{}}}", members.join(","))
        }),
        1 => prop::collection::vec(value(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
    ]
}

/// Deep nesting where the parser reads (items in lists in items: the limit applies) and where it
/// skips (no limit), around 127 levels.
fn deep() -> impl Strategy<Value = String> {
    (
        prop_oneof![0usize..140, 60usize..66],
        prop::sample::select(vec!["links", "fieldViolations", "x", "code", "meta", "loc"]),
        prop::sample::select(vec!["[]", "{}", "[[]]", "1", "1e400", "\"\\ud800\""]),
        prop::sample::select(vec!["errors", "detail", "details", "x", "error"]),
    )
        .prop_map(|(n, key, inner, outer)| {
            let mut s = format!("{{\"{outer}\":");
            for _ in 0..n {
                s.push_str(&format!("[{{\"{key}\":"));
            }
            s.push_str(inner);
            for _ in 0..n {
                s.push_str("}]");
            }
            s.push('}');
            s
        })
}

/// Arrays nested `n` deep under a member the parser reads or skips.
fn deep_arrays() -> impl Strategy<Value = String> {
    (
        100usize..200,
        prop::sample::select(vec!["x", "code", "errors", "loc", "success"]),
    )
        .prop_map(|(n, key)| format!("{{\"{key}\":{}{}}}", "[".repeat(n), "]".repeat(n)))
}

/// Whitespace (and a form feed, which JSON refuses) between tokens, now and then.
fn spaced(text: String, seed: u64) -> String {
    if !seed.is_multiple_of(3) {
        return text;
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut x = seed;
    for c in text.chars() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if matches!(c, ',' | ':' | '{' | '[' | '}' | ']') && x >> 61 == 0 {
            out.push([' ', '\n', '\t', '\r', ' ', '\n', ' ', '\u{c}'][(x >> 40) as usize & 7]);
        }
        out.push(c);
    }
    out
}

/// A byte-level change.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
    Repeat(usize, usize),
    Append(Vec<u8>),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        prop::sample::select(b"{}[],:\"\\ \t\n\r\x0cu0123456789-+.eEd\x01\x1f\x7f".to_vec()),
        any::<u8>(),
    ];
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(at, len)| Edit::Repeat(at, len)),
        prop::sample::select(vec![
            &b" "[..],
            b"\n\t ",
            b",",
            b"}",
            b"]",
            b"x",
            b"{}",
            b"0",
            b"\x00",
            b"\xff",
        ])
        .prop_map(|tail| Edit::Append(tail.to_vec())),
    ]
}

fn apply(mut body: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = body.len();
        match edit {
            Edit::Delete(at) if len > 0 => {
                body.remove(at % len);
            }
            Edit::Insert(at, b) => body.insert(at % (len + 1), *b),
            Edit::Truncate(at) => body.truncate(at % (len + 1)),
            Edit::Repeat(at, n) if len > 0 => {
                let from = at % len;
                let to = (from + n % 16).min(len);
                let copy = body[from..to].to_vec();
                body.splice(from..from, copy);
            }
            Edit::Append(tail) => body.extend_from_slice(tail),
            _ => {}
        }
    }
    body
}

/// The bodies of the golden corpus.
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/client_corpus");
        let mut bodies = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the corpus is there") {
            let path = entry.expect("a corpus entry").path();
            let case: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("JSON");
            if let Some(body) = case["body"].as_str() {
                bodies.push(body.as_bytes().to_vec());
            }
        }
        bodies.sort();
        bodies
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn envelopes(body in envelope(), seed in any::<u64>()) {
        check(spaced(body, seed).as_bytes())?;
    }

    #[test]
    fn envelopes_edited(body in envelope(), edits in prop::collection::vec(edit(), 1..4)) {
        check(&apply(body.into_bytes(), &edits))?;
    }

    #[test]
    fn deep_nesting(body in deep(), edits in prop::collection::vec(edit(), 0..2)) {
        check(&apply(body.into_bytes(), &edits))?;
    }

    #[test]
    fn deep_arrays_read_or_skipped(body in deep_arrays()) {
        check(body.as_bytes())?;
    }

    #[test]
    fn corpus_edited(at in any::<usize>(), edits in prop::collection::vec(edit(), 0..5)) {
        let corpus = corpus();
        check(&apply(corpus[at % corpus.len()].clone(), &edits))?;
    }

    #[test]
    fn bytes_after_a_brace(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let mut body = b"{".to_vec();
        body.extend(bytes);
        check(&body)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The cases the judge decides, spelt out.

#[test]
fn read_places_are_decoded_skipped_places_are_not() {
    let deep_read = format!(
        "{{\"errors\":{}1{}}}",
        "[{\"links\":".repeat(63),
        "}]".repeat(63)
    );
    let too_deep_read = format!(
        "{{\"errors\":{}[]{}}}",
        "[{\"links\":".repeat(63),
        "}]".repeat(63)
    );
    let deep_skipped = format!("{{\"x\":{}{}}}", "[".repeat(1000), "]".repeat(1000));
    let cases: &[(&str, bool)] = &[
        (r#"{"code":1e400,"message":"m"}"#, false),
        (r#"{"x":1e400,"message":"m"}"#, true),
        (r#"{"code":"\ud800","message":"m"}"#, false),
        (r#"{"x":"\ud800","message":"m"}"#, true),
        (r#"{"code":{"\ud800":1},"message":"m"}"#, false),
        (r#"{"x":{"\ud800":1},"message":"m"}"#, true),
        (r#"{"\ud800":1,"message":"m"}"#, false),
        (r#"{"success":["\udc00",1e999],"error":"e"}"#, true),
        (
            r#"{"error":{"code":"c","innererror":{"x":"\ud800"}}}"#,
            true,
        ),
        (r#"{"errors":[{"meta":{"size":1e400}}]}"#, true),
        (r#"{"errors":[{"meta":{"retryAfter":1e400}}]}"#, false),
        (r#"{"message":"m",}"#, false),
        (r#"{"message":"m"} x"#, false),
        (r#"{"message":"m"}  "#, true),
        (r#"{"code":01,"message":"m"}"#, false),
        ("{\"message\":\"a\tb\"}", false),
        ("\u{c}{\"message\":\"m\"}", false),
        (deep_read.as_str(), true),
        (too_deep_read.as_str(), false),
        (deep_skipped.as_str(), true),
    ];
    for (body, json) in cases {
        let e = parse(422, &HeaderMap::new(), body.as_bytes());
        assert_eq!(e.style != Style::NotJson, *json, "{body}");
        assert_eq!(judge(body.as_bytes()), *json, "the judge on {body}");
    }
}
