//! ICU MessageFormat parsing: the syntax errcat accepts, how old catalogs keep their meaning,
//! and the exact range of each error.

use errcat_catalog::{ArgKind, Catalog, Category, Key, MAX_NESTING, Part, Template};

fn err(src: &str) -> (String, String, bool) {
    let e = Template::parse(src).expect_err("does not parse");
    (src[e.range.clone()].to_string(), e.message, e.icu)
}

#[test]
fn plural_select_number_and_pound() {
    let t = Template::parse(
        "{count, plural, offset:1 =0 {none} one {# page} other {{count, number} pages, {who, select, me {mine} other {#}}}}",
    )
    .unwrap();
    let Part::Plural(p) = &t.parts()[0] else {
        panic!("{:?}", t.parts())
    };
    assert_eq!(
        (p.name.as_str(), p.kind, p.offset),
        ("count", ArgKind::Plural, 1)
    );
    assert_eq!(p.arms[0].key, Key::Exact(0));
    assert_eq!(p.arms[1].key, Key::Category(Category::One));
    assert_eq!(p.arms[1].parts, [Part::Pound, Part::Lit(" page".into())]);
    // `#` inside a select nested in a plural is literal (ICU4J's reading).
    let kinds: Vec<_> = t
        .arguments()
        .iter()
        .map(|a| (a.name.as_str(), a.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("count", ArgKind::Plural),
            ("count", ArgKind::Number),
            ("who", ArgKind::Select)
        ]
    );
    assert!(
        t.arguments()
            .iter()
            .all(|a| a.kind == ArgKind::Number || a.has_other)
    );
    let Part::Select(s) = &p.arms[2].parts[2] else {
        panic!("{:?}", p.arms[2].parts)
    };
    assert_eq!(s.arms[1].parts, [Part::Lit("#".into())]);
    assert_eq!(
        Template::parse("{n, selectordinal, one {#st} other {#th}}")
            .unwrap()
            .arguments()[0]
            .kind,
        ArgKind::SelectOrdinal
    );
}

#[test]
fn apostrophes_and_braces() {
    let lit = |s: &str| match Template::parse(s).unwrap().parts() {
        [Part::Lit(l)] => l.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        lit("it's {{x}} and '{y}' and it''s #1"),
        "it's {x} and {y} and it's #1"
    );
    assert_eq!(lit("'{''}'"), "{'}");
    // Inside an arm, `}}` closes the arm and the argument; `'}'` is a literal brace.
    let t = Template::parse("{n, plural, other {a '}' b}}!").unwrap();
    let Part::Plural(p) = &t.parts()[0] else {
        panic!()
    };
    assert_eq!(p.arms[0].parts, [Part::Lit("a } b".into())]);
    assert_eq!(t.parts()[1], Part::Lit("!".into()));
    // A plain catalog message means what it meant before.
    let t = Template::parse("Balance {balance} is below {cost}. {{literal}}").unwrap();
    assert!(t.is_plain());
    assert_eq!(t.placeholders().collect::<Vec<_>>(), ["balance", "cost"]);
}

#[test]
fn each_error_has_its_exact_range() {
    assert_eq!(err("{n, plural, single {x} other {y}}").0, "single");
    assert_eq!(err("{n, plural, one {x} one {y} other {z}}").0, "one");
    assert_eq!(err("{n, plurl, other {x}}").0, "plurl");
    assert_eq!(err("{n, number, currency}").0, "currency");
    assert_eq!(err("{n, select, =1 {x} other {y}}").0, "=1");
    assert_eq!(err("{n, plural, one x}").0, "one");
    assert_eq!(err("a '{ b").0, "'{ b");
    assert_eq!(err("{n, plural, other {x}").0, "{n, plural, other {x}");
    assert_eq!(err("{n, plural, one {x} other {y").0, "other {y");
    assert_eq!(err("{n, plural,}").0, "{n, plural,}");
    let (at, msg, icu) = err("Gone {Bad Name}.");
    assert_eq!((at.as_str(), icu), ("{Bad Name}", false));
    assert!(msg.contains("not a placeholder"), "{msg}");
    assert!(!err("a } b").2);
    assert!(err("{n, plural, one {x} other {y}").2);
}

#[test]
fn nesting_is_bounded() {
    let deep = |n: usize| {
        let mut s = "x".to_string();
        for _ in 0..n {
            s = format!("{{n, select, other {{{s}}}}}");
        }
        s
    };
    assert!(Template::parse(&deep(MAX_NESTING)).is_ok());
    let (_, msg, icu) = err(&deep(MAX_NESTING + 1));
    assert!(icu && msg.contains("nest"), "{msg}");
    // Hostile depth is an error, not a stack overflow.
    assert!(Template::parse(&deep(10_000)).is_err());
}

const BASE: &str = "[catalog]\nname = 't'\naction_required = false\nlocales = ['en', 'es']\n[codes.x]\nstatus = 422\ncategory = 'c'\ncontext.n = 'integer'\n";

fn rules(messages: &str) -> Vec<(String, String)> {
    let text = format!("{BASE}{messages}");
    let report = match Catalog::from_toml_str("t.toml", &text) {
        Ok(c) => c.report().clone(),
        Err(r) => r,
    };
    report
        .diagnostics()
        .iter()
        .filter(|d| d.rule != "role-default")
        .map(|d| {
            let primary = d.labels.iter().find(|l| l.primary);
            let at = primary.map_or(String::new(), |l| text[l.span.range.clone()].to_string());
            (d.rule.to_string(), at)
        })
        .collect()
}

#[test]
fn parity_reads_value_types() {
    // A language without plurals may write `{n}` for an English plural.
    assert_eq!(
        rules("message.en = '{n, plural, one {# x} other {# xs}}'\nmessage.es = '{n} x'\n"),
        []
    );
    // A select where the default message has a plural reads another type of value.
    assert_eq!(
        rules(
            "message.en = '{n, plural, one {# x} other {# xs}}'\nmessage.es = '{n, select, uno {x} other {xs}}'\n"
        ),
        [(
            "placeholder-parity".to_string(),
            "{n, select, uno {x} other {xs}}".to_string()
        )]
    );
    // Spans stay exact through escapes in a basic string.
    assert_eq!(
        rules(
            "message.en = \"\\\"{n, plural, one {x} other {y}}\\\"\"\nmessage.es = \"\\u00e9 \\\"{n, plural, one {x}}\"\n"
        ),
        [(
            "missing-other".to_string(),
            "{n, plural, one {x}}".to_string()
        )]
    );
}
