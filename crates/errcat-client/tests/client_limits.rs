//! Hostile bodies through the parser: what it keeps is bounded by its [`Parser`] limits, not by
//! what the body makes it copy, and it counts what it drops. Allocations are counted on the
//! parsing thread with a global allocator.

use errcat_client::{Parser, RemoteSource, Style, parse};
use http::HeaderMap;

#[path = "support/alloc.rs"]
mod alloc;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// errcat flat's field map: one field `name` with `n` messages `"m"`.
fn one_name_many_messages(name: &str, n: usize) -> Vec<u8> {
    let mut body = format!(r#"{{"error":"validation_failed","context":{{"errors":{{"{name}":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#""m""#);
    }
    body.push_str("]}}}");
    body.into_bytes()
}

/// The issue's body: a 100 KB field name and 100k messages. Before, the name was copied once per
/// message (10 GB); now the kept field errors hold at most `max_field_bytes` of text, and
/// parsing allocates the body's copy, those bytes and little else.
#[test]
fn a_long_name_with_many_messages_is_not_copied_per_message() {
    let name = "n".repeat(100 * 1024);
    let body = one_name_many_messages(&name, 100_000);
    let m = alloc::measure();
    let err = parse(422, &HeaderMap::new(), &body);
    let allocated = m.allocated();
    assert_eq!(err.style, Style::Flat);
    assert_eq!(err.code.as_deref(), Some("validation_failed"));
    let limits = Parser::DEFAULT;
    let kept = limits.max_field_bytes / (name.len() + 1);
    assert_eq!(kept, 10);
    assert_eq!(err.fields.len(), kept);
    assert_eq!(err.fields_dropped, 100_000 - kept);
    assert!(
        err.fields
            .iter()
            .all(|f| f.source == RemoteSource::Name(name.clone()) && f.message == "m")
    );
    // The body's copy into the result, the kept text, and 256 KiB for everything else (the
    // run of stored messages, the vector of fields): O(body), not O(name × messages).
    let bound = body.len() + limits.max_field_bytes + 256 * 1024;
    assert!(
        allocated <= bound,
        "{allocated} bytes allocated for a {} byte body (bound {bound})",
        body.len()
    );
    println!(
        "100 KB name x 100k messages: a {} byte body, {allocated} bytes allocated",
        body.len()
    );
}

/// A short name with many messages: the count cap, `max_fields`, comes first.
#[test]
fn field_errors_past_max_fields_are_counted_not_kept() {
    let name = "n".repeat(1024);
    let body = one_name_many_messages(&name, 100_000);
    let m = alloc::measure();
    let err = parse(422, &HeaderMap::new(), &body);
    let allocated = m.allocated();
    assert_eq!(err.fields.len(), 1000);
    assert_eq!(err.fields_dropped, 99_000);
    // 1000 copies of the name, the body's copy, and little else: the 99,000 other messages
    // were checked, not stored.
    let bound = body.len() + 1000 * (name.len() + 1) + 256 * 1024;
    assert!(allocated <= bound, "{allocated} > {bound}");

    // Configured where the parser is.
    let err = Parser::new()
        .max_fields(3)
        .parse(422, &HeaderMap::new(), &body);
    assert_eq!((err.fields.len(), err.fields_dropped), (3, 99_997));
    let err =
        Parser::new()
            .max_field_bytes(2 * (name.len() + 1))
            .parse(422, &HeaderMap::new(), &body);
    assert_eq!((err.fields.len(), err.fields_dropped), (2, 99_998));

    // Several names: the first ones in the body's order are kept.
    let body = br#"{"message":"Invalid.","errors":{"a":["1","2"],"b":["3"],"c":["4","5"]}}"#;
    let err = Parser::new()
        .max_fields(3)
        .parse(422, &HeaderMap::new(), body);
    assert_eq!(err.style, Style::Message);
    let got: Vec<_> = err
        .fields
        .iter()
        .map(|f| (f.source.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(got, [("a", "1"), ("a", "2"), ("b", "3")]);
    assert_eq!(err.fields_dropped, 2);
    // Under the limits nothing is dropped.
    let err = parse(422, &HeaderMap::new(), body);
    assert_eq!((err.fields.len(), err.fields_dropped), (5, 0));
}

fn jsonapi_errors(n: usize) -> Vec<u8> {
    let mut body = String::from(r#"{"errors":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#"{"code":"invalid","detail":"d","source":{"pointer":"/a"}}"#);
    }
    body.push_str("]}");
    body.into_bytes()
}

/// JSON:API's errors array: the field errors are capped, and the objects stored while reading
/// too (`max_items`), so a body of many small objects costs O(body), not a big item per object.
#[test]
fn list_items_are_capped_while_reading() {
    let err = parse(422, &HeaderMap::new(), &jsonapi_errors(5000));
    assert_eq!(err.style, Style::JsonApi);
    assert_eq!(err.code.as_deref(), Some("invalid"));
    assert_eq!(err.fields.len(), 1000);
    assert_eq!(err.fields_dropped, 4000);
    assert_eq!(err.fields[999].source, RemoteSource::Pointer("/a".into()));

    let body = jsonapi_errors(100_000);
    let m = alloc::measure();
    let err = parse(422, &HeaderMap::new(), &body);
    let allocated = m.allocated();
    assert_eq!((err.fields.len(), err.fields_dropped), (1000, 99_000));
    // The body's copy, 4096 items at most, 1000 fields: well under twice the body. Storing an
    // item per object was about five times the body.
    assert!(
        allocated < 2 * body.len(),
        "{allocated} bytes allocated for a {} byte body",
        body.len()
    );
    println!(
        "100k JSON:API errors: a {} byte body, {allocated} bytes allocated",
        body.len()
    );

    // Configured: objects past `max_items` are counted, one field error each.
    let err = Parser::new()
        .max_items(3)
        .parse(422, &HeaderMap::new(), &jsonapi_errors(5));
    assert_eq!(err.style, Style::JsonApi);
    assert_eq!((err.fields.len(), err.fields_dropped), (3, 2));
    // No item stored at all: still JSON:API, every error dropped.
    let err = Parser::new()
        .max_items(0)
        .parse(422, &HeaderMap::new(), &jsonapi_errors(5));
    assert_eq!(err.style, Style::JsonApi);
    assert_eq!((err.fields.len(), err.fields_dropped), (0, 5));
}

/// Google's details: the field violations of a `BadRequest` are capped, and an `ErrorInfo`
/// after them still gives the code.
#[test]
fn google_field_violations_are_capped() {
    let mut body = String::from(
        r#"{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":["#,
    );
    for i in 0..3000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#"{"field":"f","description":"d"}"#);
    }
    body.push_str(
        r#"]},{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"BAD_THING","domain":"x"}]}}"#,
    );
    let err = parse(400, &HeaderMap::new(), body.as_bytes());
    assert_eq!(err.style, Style::Google);
    assert_eq!(err.code.as_deref(), Some("BAD_THING"));
    assert_eq!((err.fields.len(), err.fields_dropped), (1000, 2000));

    // Past `max_items`, the violations are counted where they were dropped.
    let err = Parser::new()
        .max_items(11)
        .parse(400, &HeaderMap::new(), body.as_bytes());
    assert_eq!(err.style, Style::Google);
    // The BadRequest and 10 of its violations stored; the ErrorInfo is past the limit.
    assert_eq!((err.fields.len(), err.fields_dropped), (10, 2990 + 1));
    assert_eq!(err.code.as_deref(), Some("INVALID_ARGUMENT"));
}

/// What is read past the limits is held to the same rules: whether a body is JSON does not
/// depend on them.
#[test]
fn past_the_limits_the_body_is_still_checked() {
    let h = HeaderMap::new();
    let bad_item = br#"{"errors":[{"detail":"ok","source":{"pointer":"/a"}},{"detail":"\ud800","source":{"pointer":"/b"}}]}"#;
    let good_item = br#"{"errors":[{"detail":"ok","source":{"pointer":"/a"}},{"detail":"\u00e9","source":{"pointer":"/b"}}]}"#;
    let bad_message = br#"{"error":"x","context":{"errors":{"a":["ok","\ud800"]}}}"#;
    let good_message = br#"{"error":"x","context":{"errors":{"a":["ok","\u00e9"]}}}"#;
    let tight = Parser::new().max_items(1).max_fields(1);
    for (body, style) in [
        (&bad_item[..], Style::NotJson),
        (&good_item[..], Style::JsonApi),
        (&bad_message[..], Style::NotJson),
        (&good_message[..], Style::Flat),
    ] {
        assert_eq!(parse(422, &h, body).style, style);
        let err = tight.parse(422, &h, body);
        assert_eq!(err.style, style, "{}", String::from_utf8_lossy(body));
        if style != Style::NotJson {
            assert_eq!((err.fields.len(), err.fields_dropped), (1, 1));
        }
    }
}
