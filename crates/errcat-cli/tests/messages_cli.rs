//! `errcat messages export|import|status`, run as a process: the PO and XLIFF round trips land
//! in place with comments kept, and a file with any bad translation changes nothing.

use std::path::{Path, PathBuf};

use errcat_catalog::Catalog;
use errcat_testkit::cli::{Cli, temp_dir};

fn cli() -> Cli {
    Cli::new(env!("CARGO_BIN_EXE_errcat")).env("NO_COLOR", "1")
}

const CATALOG: &str = r#"# The demo catalog: comments, order and formatting must survive an import.
[catalog]
name = "demo"
action_required = false
locales = ["en", "es", "ru"]
brand_terms = ["MintFax"]

# Batches.
[codes.pages_failed]
status = 422
category = "Batches"
message.en = "{count, plural, one {# page failed} other {# pages failed}}"   # keep it short
message.es = "Fallaron {count} páginas"  # to be replaced
context.count = { type = "integer", description = "How many pages failed." }
when = "Some pages of a batch failed."

[codes.fax_rejected]
status = 422
category = "Faxes"
message = { en = "MintFax rejected the fax to {to}.", ru = "MintFax отклонил факс на {to}." }
context.to = "string"
next_step = "Check the number."

[codes.retired_thing]
status = 410
category = "Faxes"
retired = true
message.en = "Gone."
"#;

/// A catalog file in a fresh directory.
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir("errcat-messages", name);
    let cat = dir.join("catalog.toml");
    std::fs::write(&cat, CATALOG).unwrap();
    (dir, cat)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn message(cat: &Path, code: &str, locale: &str) -> Option<String> {
    let c = Catalog::from_path(cat).unwrap_or_else(|r| panic!("{r}"));
    let li = c.meta.locales.iter().position(|l| l == locale)?;
    c.get(code)?.messages[li]
        .as_ref()
        .map(|m| m.source().to_string())
}

#[test]
fn po_export_carries_codes_sources_translations_and_notes() {
    let (_dir, cat) = setup("po-export");
    let po = cli().ok(&["messages", "export", s(&cat), "--locale", "es"]);
    assert!(po.contains("\"Language: es\\n\""), "{po}");
    assert!(po.contains("\"X-Source-Language: en\\n\""), "{po}");
    let entry =
        "#. When: Some pages of a batch failed.\n#. {count} (integer): How many pages failed.\n";
    assert!(po.contains(entry), "{po}");
    assert!(po.contains("msgctxt \"pages_failed\"\nmsgid \"{count, plural, one {# page failed} other {# pages failed}}\"\nmsgstr \"Fallaron {count} páginas\"\n"), "{po}");
    assert!(
        po.contains(
            "msgctxt \"fax_rejected\"\nmsgid \"MintFax rejected the fax to {to}.\"\nmsgstr \"\"\n"
        ),
        "{po}"
    );
    assert!(po.contains("#. Next step: Check the number.\n"), "{po}");
    assert!(po.contains("catalog.toml:9\n"), "a source reference: {po}");
    // The default locale is the source, not a target; an unknown locale is named.
    let err = cli().fails(&["messages", "export", s(&cat), "--locale", "en"], 1);
    assert!(err.contains("default locale"), "{err}");
    let err = cli().fails(&["messages", "export", s(&cat), "--locale", "de"], 1);
    assert!(
        err.contains("`de` is not one of the catalog's locales (en, es, ru)"),
        "{err}"
    );
}

#[test]
fn po_export_edit_import_lands_in_place_with_comments_kept() {
    let (dir, cat) = setup("po-roundtrip");
    let po_path = dir.join("es.po");
    cli().ok(&[
        "messages",
        "export",
        s(&cat),
        "--locale",
        "es",
        "-o",
        s(&po_path),
    ]);
    let po = std::fs::read_to_string(&po_path).unwrap();
    let po = po
        .replace(
            "msgstr \"Fallaron {count} páginas\"",
            "msgstr \"{count, plural, one {Falló # página} other {Fallaron # páginas}}\"",
        )
        .replace(
            "msgid \"MintFax rejected the fax to {to}.\"\nmsgstr \"\"",
            "msgid \"MintFax rejected the fax to {to}.\"\nmsgstr \"MintFax rechazó el \\\"fax\\\" a {to}.\"",
        );
    std::fs::write(&po_path, po).unwrap();
    let out = cli().ok(&["messages", "import", s(&cat), s(&po_path)]);
    assert!(
        out.contains("imported 2 `es` messages into 1 file"),
        "{out}"
    );
    let after = std::fs::read_to_string(&cat).unwrap();
    let want = CATALOG
        .replace(
            "message.es = \"Fallaron {count} páginas\"  # to be replaced",
            "message.es = \"{count, plural, one {Falló # página} other {Fallaron # páginas}}\"  # to be replaced",
        )
        .replace(
            "ru = \"MintFax отклонил факс на {to}.\" }",
            "ru = \"MintFax отклонил факс на {to}.\", es = \"MintFax rechazó el \\\"fax\\\" a {to}.\" }",
        );
    assert_eq!(after, want, "only the two messages change");
    assert_eq!(
        message(&cat, "fax_rejected", "es").as_deref(),
        Some("MintFax rechazó el \"fax\" a {to}.")
    );
    // Importing the same file again changes nothing.
    let out = cli().ok(&["messages", "import", s(&cat), s(&po_path)]);
    assert!(
        out.contains("imported 0 `es` messages into 0 files; 2 unchanged"),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&cat).unwrap(), want);

    // A translation of an older source text is imported, with a warning naming the code.
    let po = std::fs::read_to_string(&po_path)
        .unwrap()
        .replace(
            "msgid \"MintFax rejected the fax to {to}.\"",
            "msgid \"MintFax rejected {to}.\"",
        )
        .replace(r#"rechazó el \"fax\" a {to}."#, "rechazó el fax a {to}.");
    std::fs::write(&po_path, po).unwrap();
    let o = cli().output(&["messages", "import", s(&cat), s(&po_path)]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("changed since the export for fax_rejected"),
        "{err}"
    );
    assert_eq!(
        message(&cat, "fax_rejected", "es").as_deref(),
        Some("MintFax rechazó el fax a {to}.")
    );
}

#[test]
fn xliff_round_trip_for_russian_plurals() {
    let (dir, cat) = setup("xliff-roundtrip");
    let x = cli().ok(&[
        "messages",
        "export",
        s(&cat),
        "--locale",
        "ru",
        "--format",
        "xliff",
    ]);
    assert!(x.contains(r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ru">"#), "{x}");
    assert!(x.contains(r#"<unit id="pages_failed">"#), "{x}");
    assert!(x.contains(r#"<segment state="initial">"#), "{x}");
    assert!(
        x.contains("<target>MintFax отклонил факс на {to}.</target>"),
        "{x}"
    );
    let ru = "{count, plural, one {# страница не прошла} few {# страницы не прошли} many {# страниц не прошло} other {# страницы не прошло}}";
    let x = x.replace(
        "<source>{count, plural, one {# page failed} other {# pages failed}}</source>",
        &format!("<source>{{count, plural, one {{# page failed}} other {{# pages failed}}}}</source><target>{}</target>", ru.replace('<', "&lt;")),
    );
    let path = dir.join("ru.xlf");
    std::fs::write(&path, x).unwrap();
    let out = cli().ok(&["messages", "import", s(&cat), s(&path)]);
    assert!(
        out.contains("imported 1 `ru` message into 1 file; 1 unchanged"),
        "{out}"
    );
    assert_eq!(message(&cat, "pages_failed", "ru").as_deref(), Some(ru));
    let after = std::fs::read_to_string(&cat).unwrap();
    assert!(
        after.contains(&format!("# to be replaced\nmessage.ru = \"{ru}\"\n")),
        "{after}"
    );
}

/// One translated file with a fault of each kind: every one is listed, and the catalog file is
/// byte-identical afterwards.
#[test]
fn a_broken_translation_changes_nothing_and_lists_each_failure() {
    let (dir, cat) = setup("po-broken");
    let po_path = dir.join("es.po");
    cli().ok(&[
        "messages",
        "export",
        s(&cat),
        "--locale",
        "es",
        "-o",
        s(&po_path),
    ]);
    let po = std::fs::read_to_string(&po_path)
        .unwrap()
        .replace(
            "msgstr \"Fallaron {count} páginas\"",
            "msgstr \"{count, plural, one {Falló # <b>página</b>}}\"",
        )
        .replace(
            "msgid \"MintFax rejected the fax to {to}.\"\nmsgstr \"\"",
            "msgid \"MintFax rejected the fax to {to}.\"\nmsgstr \"FaxMenta rechazó el fax a {destino}.\"",
        );
    std::fs::write(&po_path, &po).unwrap();
    let before = std::fs::read(&cat).unwrap();
    let err = cli().fails(&["messages", "import", s(&cat), s(&po_path)], 1);
    for rule in [
        "missing-other",
        "brand-removed",
        "placeholder-parity",
        "undeclared-placeholder",
    ] {
        assert!(err.contains(&format!("error[{rule}]")), "{rule}: {err}");
    }
    // Markup is a warning of `check`, but a translation that brings it in is refused.
    assert!(err.contains("warning[html-unsafe]"), "{err}");
    assert!(err.contains("6 failures; nothing was written"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        std::fs::read(&cat).unwrap(),
        before,
        "the catalog is byte-identical"
    );

    // Malformed ICU: the span is on the exact bytes.
    let po = po.replace(
        "msgstr \"{count, plural, one {Falló # <b>página</b>}}\"",
        "msgstr \"{count, plural, uno {Falló # página} other {Fallaron # páginas}}\"",
    );
    std::fs::write(&po_path, &po).unwrap();
    let err = cli().fails(&["messages", "import", s(&cat), s(&po_path)], 1);
    assert!(err.contains("error[icu-syntax]"), "{err}");
    assert!(
        err.contains("^^^ `uno` is not a CLDR plural category"),
        "{err}"
    );
    assert_eq!(std::fs::read(&cat).unwrap(), before);

    // A code the catalog does not have, and the default locale as a target.
    let po = std::fs::read_to_string(&po_path)
        .unwrap()
        .replace("msgctxt \"fax_rejected\"", "msgctxt \"fax_rejectd\"");
    std::fs::write(&po_path, &po).unwrap();
    let err = cli().fails(&["messages", "import", s(&cat), s(&po_path)], 1);
    assert!(
        err.contains("`fax_rejectd` is not a code of the catalog; did you mean `fax_rejected`?"),
        "{err}"
    );
    let err = cli().fails(
        &["messages", "import", s(&cat), s(&po_path), "--locale", "en"],
        1,
    );
    assert!(err.contains("default locale"), "{err}");
    assert_eq!(std::fs::read(&cat).unwrap(), before);
}

/// Hostile or broken files: an error naming the line, never a panic, and nothing written.
#[test]
fn malformed_files_are_refused_without_a_panic() {
    let (dir, cat) = setup("hostile");
    let before = std::fs::read(&cat).unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("a.po", "#\n\"\nmsgid\nmsgstr \"x\n", "line 2"),
        (
            "b.po",
            "msgid \"\"\nmsgstr \"Language: es\\n\"\n\nmsgctxt \"pages_failed\"\nmsgid \"x\"\nmsgstr[0] \"a\"\nmsgstr[1] \"b\"\n",
            "msgid_plural",
        ),
        (
            "c.po",
            "msgid \"\"\nmsgstr \"Language: es\\n\"\n\nmsgctxt \"pages_failed\"\nmsgid \"x\"\nmsgstr \"bad \\q escape\"\n",
            "unknown escape",
        ),
        (
            "d.xlf",
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><xliff version=\"2.0\" trgLang=\"es\"><file><unit id=\"pages_failed\"><segment><source>x</source><target>&a;</target></segment></unit></file></xliff>",
            "DOCTYPE",
        ),
        (
            "e.xlf",
            "<xliff version=\"2.0\" trgLang=\"es\"><file><unit id=\"pages_failed\"><segment><source>x</source><target>a <pc id=\"1\">b</pc></target></segment></unit></file></xliff>",
            "markup",
        ),
        (
            "f.xlf",
            "<xliff version=\"2.0\" trgLang=\"es\"><file><unit id=\"pages_failed\"><segment><target>a &bogus; b</target>",
            "entity",
        ),
        (
            "g.xlf",
            "<xliff version=\"2.0\" trgLang=\"es\"><file><unit id=\"pages_failed\"><segment><target>a</targe></segment>",
            "not well-formed",
        ),
        (
            "h.po",
            "msgctxt \"pages_failed\"\nmsgid \"x\"\nmsgstr \"y\"\n",
            "no target locale",
        ),
    ];
    for (name, text, says) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = cli().fails(&["messages", "import", s(&cat), s(&path)], 1);
        assert!(err.contains(says), "{name}: expected `{says}` in:\n{err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(
            std::fs::read(&cat).unwrap(),
            before,
            "{name} changed the catalog"
        );
    }
}

#[test]
fn status_prints_coverage_and_missing_codes() {
    let (_dir, cat) = setup("status");
    let out = cli().ok(&["messages", "status", s(&cat)]);
    // Three codes of the catalog's own; the retired one counts too.
    assert_eq!(
        out,
        "en  100.0%  3/3  (default)\nes   33.3%  1/3\n    missing: fax_rejected, retired_thing\nru   33.3%  1/3\n    missing: pages_failed, retired_thing\n"
    );
}

/// A directory catalog: each translation lands in the file that defines its code.
#[test]
fn imports_into_the_file_of_each_code() {
    let dir = temp_dir("errcat-messages", "dir");
    let cat = dir.join("cat");
    std::fs::create_dir_all(&cat).unwrap();
    std::fs::write(
        cat.join("00-catalog.toml"),
        "[catalog]\nname = \"d\"\naction_required = false\nlocales = [\"en\", \"es\"]\n",
    )
    .unwrap();
    std::fs::write(
        cat.join("01-a.toml"),
        "[codes.a_failed]\nstatus = 422\ncategory = \"A\"\nmessage.en = \"A failed.\"\n",
    )
    .unwrap();
    std::fs::write(cat.join("02-b.toml"), "# B codes.\n[codes.b_failed]\nstatus = 422\ncategory = \"B\"\n\n[codes.b_failed.message]\nen = \"B failed.\" # the source\n").unwrap();
    let po = cli().ok(&["messages", "export", s(&cat), "--locale", "es"]);
    let po = po
        .replace(
            "msgid \"A failed.\"\nmsgstr \"\"",
            "msgid \"A failed.\"\nmsgstr \"A falló.\"",
        )
        .replace(
            "msgid \"B failed.\"\nmsgstr \"\"",
            "msgid \"B failed.\"\nmsgstr \"B falló.\"",
        );
    let path = dir.join("es.po");
    std::fs::write(&path, po).unwrap();
    let out = cli().ok(&["messages", "import", s(&cat), s(&path)]);
    assert!(
        out.contains("imported 2 `es` messages into 2 files"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(cat.join("01-a.toml")).unwrap(),
        "[codes.a_failed]\nstatus = 422\ncategory = \"A\"\nmessage.en = \"A failed.\"\nmessage.es = \"A falló.\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(cat.join("02-b.toml")).unwrap(),
        "# B codes.\n[codes.b_failed]\nstatus = 422\ncategory = \"B\"\n\n[codes.b_failed.message]\nen = \"B failed.\" # the source\nes = \"B falló.\"\n"
    );
    assert_eq!(
        std::fs::read_to_string(cat.join("00-catalog.toml")).unwrap(),
        "[catalog]\nname = \"d\"\naction_required = false\nlocales = [\"en\", \"es\"]\n"
    );
}
