//! ICU MessageFormat messages rendered with CLDR rules: plural forms per locale (en, es, ru),
//! ordinals, selects, locale number formatting, and the fallbacks for missing or non-numeric
//! values.

use std::sync::Arc;

use errcat::{ApiError, Catalog, Renderer, RequestInfo, StyleKind};

const CATALOG: &str = r#"
[catalog]
name = "plurals"
action_required = false
style = "flat"
locales = ["en", "es", "ru"]

[codes.pages_failed]
status = 422
category = "Batches"
message.en = "{count, plural, one {# page failed} other {# pages failed}}"
message.es = "{count, plural, one {Falló # página} other {Fallaron # páginas}}"
message.ru = "{count, plural, one {# страница не прошла} few {# страницы не прошли} many {# страниц не прошло} other {# страницы не прошло}}"
context.count = "integer"

[codes.batch_rejected]
status = 422
category = "Batches"
message.en = "{count, plural, =0 {Nothing was sent} one {Only # page was sent} other {{count, number} pages were sent}} to {recipient}; try the {attempt, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} time '{'again'}'."
message.es = "{count, plural, =0 {No se envió nada} one {Solo se envió # página} other {Se enviaron {count, number} páginas}} a {recipient}; intento {attempt}."
message.ru = "{count, plural, =0 {Ничего не отправлено} one {Отправлена # страница} few {Отправлены # страницы} many {Отправлено # страниц} other {Отправлено # страницы}} получателю {recipient}; попытка {attempt}."
context.count = "number"
context.recipient = "string"
context.attempt = "integer"

[codes.channel_down]
status = 503
category = "Delivery"
message.en = "{channel, select, sms {SMS is down} email {Email is down} other {The {channel} channel is down}}."
message.es = "{channel, select, sms {El SMS no funciona} email {El correo no funciona} other {El canal {channel} no funciona}}."
message.ru = "{channel, select, sms {SMS не работает} email {Почта не работает} other {Канал {channel} не работает}}."
context.channel = "string"

[codes.guests]
status = 422
category = "Batches"
message.en = "{guests, plural, offset:1 =0 {Nobody came} =1 {Only you came} one {You and # guest came} other {You and # guests came}}."
context.guests = "integer"
"#;

fn setup() -> (Arc<Catalog>, Renderer) {
    let catalog = Arc::new(Catalog::from_toml_str("plurals.toml", CATALOG).expect("loads"));
    let renderer = Renderer::new(catalog.clone(), StyleKind::Flat);
    (catalog, renderer)
}

fn message(r: &Renderer, err: &ApiError, tag: &str) -> String {
    let locale = r.negotiator().find(tag).expect("a catalog locale");
    let (head, body) = r
        .render_to_vec(err, &RequestInfo::new("req_1").locale(locale))
        .expect("renders");
    assert_eq!(head.content_language, tag);
    let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    v["message"].as_str().expect("a message").to_string()
}

#[test]
fn each_locale_picks_its_cldr_plural_form_for_1_3_5_and_21() {
    let (catalog, r) = setup();
    let want = [
        (
            "en",
            [
                "1 page failed",
                "3 pages failed",
                "5 pages failed",
                "21 pages failed",
            ],
        ),
        (
            "es",
            [
                "Falló 1 página",
                "Fallaron 3 páginas",
                "Fallaron 5 páginas",
                "Fallaron 21 páginas",
            ],
        ),
        (
            "ru",
            [
                "1 страница не прошла",
                "3 страницы не прошли",
                "5 страниц не прошло",
                "21 страница не прошла",
            ],
        ),
    ];
    for (tag, forms) in want {
        for (n, form) in [1, 3, 5, 21].into_iter().zip(forms) {
            let err = ApiError::checked(&catalog, "pages_failed")
                .unwrap()
                .with("count", n);
            assert_eq!(message(&r, &err, tag), form, "{tag}, {n}");
        }
    }
}

#[test]
fn exact_arms_numbers_ordinals_and_quotes() {
    let (catalog, r) = setup();
    let err = |count: f64, attempt: i64| {
        ApiError::checked(&catalog, "batch_rejected")
            .unwrap()
            .with("count", count)
            .with("recipient", "Ana \"A\"")
            .with("attempt", attempt)
    };
    assert_eq!(
        message(&r, &err(0.0, 1), "en"),
        "Nothing was sent to Ana \"A\"; try the 1st time {again}."
    );
    assert_eq!(
        message(&r, &err(1.0, 2), "en"),
        "Only 1 page was sent to Ana \"A\"; try the 2nd time {again}."
    );
    assert_eq!(
        message(&r, &err(12345.0, 23), "en"),
        "12,345 pages were sent to Ana \"A\"; try the 23rd time {again}."
    );
    assert_eq!(
        message(&r, &err(11.0, 11), "en"),
        "11 pages were sent to Ana \"A\"; try the 11th time {again}."
    );
    // A fraction is `other` in English (CLDR: v != 0), and is written with the locale's symbols.
    assert_eq!(
        message(&r, &err(1.5, 4), "en"),
        "1.5 pages were sent to Ana \"A\"; try the 4th time {again}."
    );
    assert_eq!(
        message(&r, &err(12345.5, 1), "es"),
        "Se enviaron 12.345,5 páginas a Ana \"A\"; intento 1."
    );
    assert_eq!(
        message(&r, &err(12345.0, 1), "ru"),
        "Отправлено 12\u{a0}345 страниц получателю Ana \"A\"; попытка 1."
    );
    assert_eq!(
        message(&r, &err(1.5, 1), "ru"),
        "Отправлено 1,5 страницы получателю Ana \"A\"; попытка 1."
    );
}

#[test]
fn select_and_offset() {
    let (catalog, r) = setup();
    let ch = |c: &str| {
        ApiError::checked(&catalog, "channel_down")
            .unwrap()
            .with("channel", c.to_string())
    };
    assert_eq!(message(&r, &ch("sms"), "en"), "SMS is down.");
    assert_eq!(message(&r, &ch("email"), "es"), "El correo no funciona.");
    assert_eq!(message(&r, &ch("fax"), "ru"), "Канал fax не работает.");
    let g = |n: i64| {
        ApiError::checked(&catalog, "guests")
            .unwrap()
            .with("guests", n)
    };
    assert_eq!(message(&r, &g(0), "en"), "Nobody came.");
    assert_eq!(message(&r, &g(1), "en"), "Only you came.");
    assert_eq!(message(&r, &g(2), "en"), "You and 1 guest came.");
    assert_eq!(message(&r, &g(3), "en"), "You and 2 guests came.");
}

/// A plural whose value is missing, or is not a number, takes `other` and never fails the
/// render; `#` writes the value as given, or nothing.
#[test]
fn a_missing_or_non_numeric_plural_value_takes_other() {
    let (catalog, r) = setup();
    let missing = ApiError::checked(&catalog, "pages_failed").unwrap();
    assert_eq!(message(&r, &missing, "en"), " pages failed");
    assert_eq!(message(&r, &missing, "ru"), " страницы не прошло");
    // Values the catalog does not declare are refused before the message; an unchecked error
    // with a string count still renders: a decimal string counts as its number.
    let lenient = Catalog::from_toml_str(
        "s.toml",
        &CATALOG.replace("context.count = \"integer\"", "context.count = \"string\""),
    )
    .expect("loads, with a plural-argument-type warning");
    assert!(
        lenient
            .report()
            .diagnostics()
            .iter()
            .any(|d| d.rule == "plural-argument-type")
    );
    let lenient = Arc::new(lenient);
    let r = Renderer::new(lenient.clone(), StyleKind::Flat);
    let s = |v: &str| {
        ApiError::checked(&lenient, "pages_failed")
            .unwrap()
            .with("count", v.to_string())
    };
    assert_eq!(message(&r, &s("21"), "ru"), "21 страница не прошла");
    assert_eq!(message(&r, &s("many"), "ru"), "many страницы не прошло");
    // Visible fraction digits count (CLDR's `v`): "1.50" is `other` in Russian, written as
    // given with the locale's separator.
    assert_eq!(message(&r, &s("1.50"), "ru"), "1,50 страницы не прошло");
    assert_eq!(message(&r, &s("1"), "en"), "1 page failed");
    assert_eq!(message(&r, &s("1.0"), "en"), "1.0 pages failed");
    assert_eq!(message(&r, &s("1e400"), "en"), "1e400 pages failed");
    assert_eq!(message(&r, &s(""), "en"), " pages failed");
}

#[test]
fn plain_catalogs_render_as_before() {
    let catalog = Arc::new(
        Catalog::from_toml_str(
            "plain.toml",
            "[catalog]\nname='p'\naction_required=false\nstyle='flat'\n[codes.gone]\nstatus=410\ncategory='x'\nmessage.en = \"{{literal}} {what}'s gone, it''s #1\"\ncontext.what='string'",
        )
        .unwrap(),
    );
    let r = Renderer::new(catalog.clone(), StyleKind::Flat);
    let err = ApiError::checked(&catalog, "gone")
        .unwrap()
        .with("what", "it");
    assert_eq!(message(&r, &err, "en"), "{literal} it's gone, it's #1");
}
