//! The warnings `errcat import` can print, declared once with their explanations (what `errcat
//! explain --rule import::ID` prints). Every warning of the import modules is pushed with one of
//! these.

errcat_catalog::declare_rules! {
    /// Every warning of `errcat import`, in the order the import meets them.
    pub(crate) static ALL = [
        SHORT_ROW {
            id: "import::short-row",
            severity: Warning,
            summary: "a table row has fewer cells than the header",
            explanation: r#"A Markdown table row has fewer cells than the table's header, so the last columns
of that row are empty in the catalog. Often the row was cut short, or a cell was merged
into its neighbour by a missing `|`.

Check the row in the source, and fill in the code's missing fields in the catalog."#,
        },
        LONG_ROW {
            id: "import::long-row",
            severity: Warning,
            summary: "a table row has more cells than the header",
            explanation: r#"A Markdown table row has more cells than the table's header. The extra cells are
joined into the last column, which is usually right when a description holds an unescaped
`|`, and wrong when the row is misaligned.

    | Code | Description          |
    |------|----------------------|
    | gone | Either this | or that |    <- write `this \| or that`"#,
        },
        NO_CODE {
            id: "import::no-code",
            severity: Warning,
            summary: "a table row or JSON item has no code, and is skipped",
            explanation: r#"A Markdown table row has an empty code cell, or a JSON item has no `code`, so there is
nothing to name the entry by and it is skipped. A code is what clients branch on; add it
in the source and import again, or add the entry to the catalog by hand.

    [{"code": "gone", "status": 410}, {"status": 404}]   <- the second item is skipped"#,
        },
        NO_CODE_COLUMN {
            id: "import::no-code-column",
            severity: Warning,
            summary: "a Markdown table has no code column, and is skipped",
            explanation: r#"A Markdown table has no column errcat reads as the code (`Code` or `Error Code`,
case-insensitively), so the whole table is skipped. It may be a table of something else,
such as rate limits; if it does list errors, rename its code column and import again."#,
        },
        NOT_AN_OBJECT {
            id: "import::not-an-object",
            severity: Warning,
            summary: "an item of a JSON list is not an object, and is skipped",
            explanation: r#"A JSON import is a list of objects, one per code; this item is a string, a number or a
list, and is skipped.

    [{"code": "gone", "status": 410, "message": "Gone."}]"#,
        },
        BAD_CODE {
            id: "import::bad-code",
            severity: Warning,
            summary: "a code cannot be converted to the catalog's case style, and is skipped",
            explanation: r#"A code holds nothing errcat can turn into a `snake_case` or `UPPER_SNAKE`
identifier (it has no ASCII letters or digits, say), so its row is skipped. Fix the code in
the source, or add the entry by hand."#,
        },
        CODE_CASE {
            id: "import::code-case",
            severity: Warning,
            summary: "a code is converted to the catalog's case style",
            explanation: r#"A code of the source is not in the catalog's case style, so it is imported converted:
`Invalid-Request` becomes `invalid_request`. Clients that already compare against the old
spelling will see the new one; pass `--case` to choose the style that matches what the API
returns today."#,
        },
        NOT_AN_ERROR {
            id: "import::not-an-error",
            severity: Warning,
            summary: "a code's only statuses are not 4xx or 5xx, and it is skipped",
            explanation: r#"Every status of this row is outside 400 to 599 (a `200` or `302`, say), so it does
not describe an error response and is skipped. A code that never reaches an HTTP response
can be added by hand with `appears_in` instead of `status`."#,
        },
        NOT_AN_ERROR_STATUS {
            id: "import::not-an-error-status",
            severity: Warning,
            summary: "some of a code's statuses are not 4xx or 5xx, and are dropped",
            explanation: r#"A row lists several statuses, and some are outside 400 to 599; those are dropped and the
code keeps its error statuses. Check that the source did not mean another column."#,
        },
        DUPLICATE_CODE {
            id: "import::duplicate-code",
            severity: Warning,
            summary: "a code appears twice in the source, and the rows are merged",
            explanation: r#"The same code is listed twice (often in two tables, for two endpoints). A catalog
defines a code once, so the first row makes the entry and the second is kept in its
`notes`. Read the notes, and fold what they say into the entry."#,
        },
        NO_STATUS {
            id: "import::no-status",
            severity: Warning,
            summary: "a code has no HTTP status",
            explanation: r#"A row has no status, or its status cell holds no HTTP status. The code is imported
without `status`, which means it never reaches an HTTP response. Add its status, or say
where it appears with `appears_in`.

    [codes.quota_exceeded]
    status = 429"#,
        },
        NO_MESSAGE {
            id: "import::no-message",
            severity: Warning,
            summary: "a code has no description, so its title is its message",
            explanation: r#"A row has no description column or an empty one, so the code's message is made from its
title or its name (`quota_exceeded` becomes "Quota exceeded"). Write a message a client
can show, in each locale.

    message.en = "You have used this month's quota.""#,
        },
        NO_CATEGORY {
            id: "import::no-category",
            severity: Warning,
            summary: "codes have no category, and are filed under a default one",
            explanation: r#"Some codes have no category (no Category column, and no heading before their table),
so they are filed under `General`. The category is the section of the reference
docs the code appears in; give each code a real one."#,
        },
        NO_ACTIONS {
            id: "import::no-actions",
            severity: Warning,
            summary: "codes have no programmatic action, so `action_required = false` is written",
            explanation: r#"Some or all codes have no action: an Action or Resolution column of `snake_case`
tokens (`top_up_balance`) becomes `action`, while prose goes to `next_step`. The catalog is
written with `action_required = false` so that it loads; add actions and remove the setting
to have `errcat check` require them (see `missing-action`)."#,
        },
        NO_NAME {
            id: "import::no-name",
            severity: Warning,
            summary: "the source names no API, so the catalog is named after the file",
            explanation: r#"The source has no `# Title` to name the API, and no `--name` was passed, so the
catalog is named after the input file. Pass `--name`, or edit `[catalog] name`."#,
        },
        ROLE_COLLISION {
            id: "import::role-collision",
            severity: Warning,
            summary: "a code has the name of a built-in role code, with a status the role cannot use",
            explanation: r#"A code has the name of one of errcat's built-in role codes (`not_found`,
`rate_limited`, ...) but a status that role cannot return, so it cannot fill the role and
`errcat check` would report `role-status`. The import maps the role to another fitting code
when there is one; otherwise rename the code or map the role in `[roles]` by hand."#,
        },
    ];
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::ALL;

    /// `rule::NO_CODE` → `import::no-code`.
    fn id_of(arg: &str) -> Option<String> {
        let name = arg.strip_prefix("rule::")?;
        Some(format!(
            "import::{}",
            name.to_ascii_lowercase().replace('_', "-")
        ))
    }

    #[test]
    fn every_import_warning_names_a_registered_rule_and_every_rule_is_used() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/import");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("src/import is readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "rs") && !p.ends_with("rules.rs"))
            .collect();
        files.sort();
        let mut used = BTreeSet::new();
        for path in &files {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            let text = std::fs::read_to_string(path).expect("readable");
            for (at, _) in text.match_indices("w.push(") {
                // `w` itself, not the end of `row` or `raw`.
                if text[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                let line = text[..at].matches('\n').count() + 1;
                let arg: String = text[at + "w.push(".len()..]
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '"' | '-'))
                    .collect();
                let id = id_of(&arg).unwrap_or_else(|| {
                    panic!("import/{name}:{line}: a warning's rule is `{arg}`; pass a constant of import/rules.rs, as `rule::NAME`")
                });
                assert!(
                    ALL.iter().any(|r| r.id == id),
                    "import/{name}:{line}: `{arg}` is not registered in import/rules.rs"
                );
                used.insert(id);
            }
            assert!(
                !text.contains("\"import::"),
                "import/{name} names a rule by string; use the constants of import/rules.rs"
            );
        }
        assert!(used.len() > 10, "the scan found too few warnings: {used:?}");
        for r in ALL {
            assert!(
                used.contains(r.id),
                "`{}` is registered but never pushed by the import modules",
                r.id
            );
        }
    }

    #[test]
    fn import_rules_are_well_formed_and_apart_from_the_catalog_rules() {
        let mut seen = BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "`{}` is registered twice", r.id);
            let name =
                r.id.strip_prefix("import::")
                    .unwrap_or_else(|| panic!("`{}`: import rule ids start with `import::`", r.id));
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "`{}`: lower-case words joined by `-`",
                r.id
            );
            assert_eq!(r.severity, errcat_catalog::Severity::Warning, "{}", r.id);
            assert!(!r.summary.ends_with('.'), "{}", r.id);
            assert!(r.explanation.len() > 80, "{}", r.id);
            assert!(
                r.explanation.lines().all(|l| l.chars().count() <= 92),
                "`{}`: explanation lines are wrapped for a terminal",
                r.id
            );
            assert!(errcat_catalog::registry::find(r.id).is_none());
        }
    }
}
