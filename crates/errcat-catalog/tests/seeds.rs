#![allow(
    clippy::identity_op,
    reason = "the seed 003 count is written as a documented sum, zeros included"
)]
//! The five seed catalogs under `catalogs/`, each a transcription of an API's error reference
//! (the seed texts in /work/shared/seeds). The expected numbers and values below were read off
//! the seed texts, not off the catalogs.

use errcat_catalog::{CaseStyle, Catalog, Entry, Origin, Role, Severity};

const MINTFAX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mintfax.toml");
const SEED001: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/seed001.toml");
const SEED002: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/seed002.toml");
const MIGOSMTP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/migosmtp.toml");
const MXCEP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogs/mxcep");

const ALL: [&str; 5] = [MINTFAX, SEED001, SEED002, MIGOSMTP, MXCEP];

fn load(path: &str) -> Catalog {
    Catalog::from_path(path).unwrap_or_else(|r| panic!("{path} does not load:\n{r}"))
}

/// The catalog's own codes (not errcat's built-in role codes).
fn own(c: &Catalog) -> Vec<&Entry> {
    c.entries()
        .iter()
        .filter(|e| e.origin == Origin::Catalog)
        .collect()
}

fn codes(c: &Catalog) -> Vec<&str> {
    let mut v: Vec<&str> = own(c).iter().map(|e| e.code.as_str()).collect();
    v.sort_unstable();
    v
}

/// Asserts the catalog's codes and default statuses are exactly `expected`.
fn assert_codes_and_statuses(c: &Catalog, expected: &[(&str, u16)]) {
    let mut want: Vec<&str> = expected.iter().map(|(code, _)| *code).collect();
    want.sort_unstable();
    assert_eq!(codes(c), want, "{}", c.meta.name);
    for (code, status) in expected {
        let e = c.get(code).unwrap();
        assert_eq!(
            e.default_status(),
            Some(*status),
            "{} `{code}`",
            c.meta.name
        );
    }
}

// ---- every catalog ----------------------------------------------------------------------------

#[test]
fn every_seed_catalog_loads_without_errors_or_warnings() {
    for path in ALL {
        let c = load(path);
        let r = c.report();
        assert_eq!(r.count(Severity::Error), 0, "{path}:\n{r}");
        assert_eq!(
            r.count(Severity::Warning),
            0,
            "{path}:\n{}",
            r.render(&[Severity::Warning], false)
        );
        // `check` agrees.
        assert!(!errcat_catalog::check(path).has_errors(), "{path}");
    }
}

#[test]
fn every_role_resolves_to_a_code_with_an_allowed_status() {
    for path in ALL {
        let c = load(path);
        for role in Role::ALL {
            let e = c.role(role);
            let status = e.default_status().unwrap_or_else(|| {
                panic!(
                    "{path}: role `{}` → `{}` has no status",
                    role.name(),
                    e.code
                )
            });
            assert!(
                role.allowed_statuses().contains(&status),
                "{path}: role `{}` → `{}` is {status}, not one of {:?}",
                role.name(),
                e.code,
                role.allowed_statuses()
            );
            // The role's code is findable by name, and is the same entry.
            assert_eq!(c.index_of(&e.code), Some(c.role_index(role)), "{path}");
        }
    }
}

#[test]
fn every_code_follows_its_catalogs_case_style_and_has_a_default_locale_message() {
    for path in ALL {
        let c = load(path);
        let default = c.meta.default_locale;
        for e in own(&c) {
            assert!(c.meta.case.matches(&e.code), "{path}: `{}`", e.code);
            assert!(e.messages[default].is_some(), "{path}: `{}`", e.code);
            assert!(!e.category.is_empty(), "{path}: `{}`", e.code);
        }
    }
}

// ---- seed 000: mintfax ------------------------------------------------------------------------

/// One `<h3 id="…">` per code in seed 000; status and action from each code's `| HTTP | Action |`
/// table.
const MINTFAX_CODES: [(&str, u16, &str); 15] = [
    ("validation_failed", 422, "fix_request"),
    ("unauthenticated", 401, "check_credentials"),
    ("api_key_missing", 401, "check_credentials"),
    ("api_key_invalid", 401, "check_credentials"),
    ("forbidden", 403, "check_credentials"),
    ("key_not_scoped_for_account", 403, "use_account_key"),
    ("key_not_scoped_for_operations", 403, "use_operational_key"),
    ("acct_key_creation_dashboard_only", 403, "use_dashboard"),
    ("account_not_activated", 403, "activate_account"),
    ("not_found", 404, "verify_id"),
    ("insufficient_balance", 402, "top_up_balance"),
    ("fax_data_purged", 422, "submit_new_fax"),
    ("fax_not_terminal", 409, "wait_for_completion"),
    ("rate_limit_exceeded", 429, "wait_and_retry"),
    ("internal_server_error", 500, "retry_or_contact_support"),
];

#[test]
fn mintfax_has_one_code_per_h3() {
    let c = load(MINTFAX);
    assert_eq!(own(&c).len(), 15);
    let expected: Vec<(&str, u16)> = MINTFAX_CODES.iter().map(|(c, s, _)| (*c, *s)).collect();
    assert_codes_and_statuses(&c, &expected);
    for (code, _, action) in MINTFAX_CODES {
        assert_eq!(
            c.get(code).unwrap().action.as_deref(),
            Some(action),
            "{code}"
        );
    }
}

#[test]
fn mintfax_insufficient_balance() {
    let c = load(MINTFAX);
    let e = c.get("insufficient_balance").unwrap();
    assert_eq!(e.statuses, [402]);
    assert_eq!(e.action.as_deref(), Some("top_up_balance"));
    assert_eq!(
        c.docs_url(e).as_deref(),
        Some("https://mintfax.com/docs/errors/insufficient-balance")
    );
    // Seed 000's example envelope.
    assert_eq!(
        e.messages[c.meta.default_locale].as_ref().unwrap().source(),
        "Insufficient balance for this operation."
    );
    assert_eq!(c.meta.case, CaseStyle::Snake);
}

// ---- seed 001 ---------------------------------------------------------------------------------

#[test]
fn seed001_has_one_code_per_table_row() {
    // Five tables: 6 authentication + 4 validation + 3 resource + 1 rate-limit + 2 server rows.
    let c = load(SEED001);
    assert_eq!(own(&c).len(), 6 + 4 + 3 + 1 + 2);
    assert_codes_and_statuses(
        &c,
        &[
            ("missing_api_key", 401),
            ("invalid_api_key", 401),
            ("api_key_revoked", 401),
            ("api_key_expired", 401),
            ("insufficient_scope", 403),
            ("ip_not_allowed", 403),
            ("invalid_request", 400),
            ("validation_error", 422),
            ("invalid_parameter", 400),
            ("missing_required_field", 422),
            ("resource_not_found", 404),
            ("resource_already_exists", 409),
            ("resource_conflict", 409),
            ("rate_limit_exceeded", 429),
            ("internal_error", 500),
            ("service_unavailable", 503),
        ],
    );
}

// ---- seed 002 ---------------------------------------------------------------------------------

#[test]
fn seed002_has_one_code_per_heading_in_upper_snake() {
    let c = load(SEED002);
    assert_eq!(own(&c).len(), 7);
    assert_eq!(c.meta.case, CaseStyle::UpperSnake);
    assert_codes_and_statuses(
        &c,
        &[
            ("UNAUTHORIZED", 401),
            ("FORBIDDEN", 403),
            ("NOT_FOUND", 404),
            ("VALIDATION_ERROR", 400),
            ("RATE_LIMITED", 429),
            ("CONFLICT", 409),
            ("SERVER_ERROR", 500),
        ],
    );
    for e in own(&c) {
        assert!(
            e.code
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch == '_'),
            "`{}` is not UPPER_SNAKE",
            e.code
        );
    }
    // Built-in codes filling unmapped roles are converted to the catalog's case too.
    for role in Role::ALL {
        assert!(
            CaseStyle::UpperSnake.matches(&c.role(role).code),
            "{}",
            c.role(role).code
        );
    }
}

// ---- seed 004: migosmtp -----------------------------------------------------------------------

#[test]
fn migosmtp_has_one_code_per_distinct_table_row() {
    // 5 + 5 + 9 + 4 + 5 + 3 + 3 = 34 rows; `daily_limit_reached` and `hourly_limit_reached` are
    // listed both under "Account & Subscription" and under "Rate Limit": 32 codes.
    let c = load(MIGOSMTP);
    assert_eq!(own(&c).len(), 5 + 5 + 9 + 4 + 5 + 3 + 3 - 2);
    assert_codes_and_statuses(
        &c,
        &[
            ("authentication_required", 401),
            ("invalid_api_key", 401),
            ("api_key_expired", 401),
            ("insufficient_scope", 403),
            ("ip_not_whitelisted", 403),
            ("account_suspended", 402),
            ("account_expired", 402),
            ("quota_exceeded", 402),
            ("daily_limit_reached", 429),
            ("hourly_limit_reached", 429),
            ("missing_required_field", 422),
            ("invalid_email_address", 422),
            ("invalid_phone_number", 422),
            ("invalid_json", 400),
            ("field_too_long", 422),
            ("invalid_template_id", 422),
            ("missing_template_variable", 422),
            ("domain_not_verified", 422),
            ("sender_id_not_registered", 422),
            ("resource_not_found", 404),
            ("duplicate_resource", 409),
            ("duplicate_idempotency_key", 409),
            ("resource_limit_reached", 409),
            ("recipient_suppressed", 422),
            ("dnd_number", 422),
            ("dlt_scrubbed", 422),
            ("whatsapp_template_not_approved", 422),
            ("session_window_expired", 422),
            ("rate_limit_exceeded", 429),
            ("internal_error", 500),
            ("service_unavailable", 503),
            ("gateway_timeout", 504),
        ],
    );
}

#[test]
fn migosmtp_daily_limit_reached_is_429_and_defined_once() {
    let c = load(MIGOSMTP);
    let e = c.get("daily_limit_reached").unwrap();
    assert_eq!(e.statuses, [429]);
    assert_eq!(
        own(&c)
            .iter()
            .filter(|e| e.code == "daily_limit_reached")
            .count(),
        1
    );
    let text = std::fs::read_to_string(MIGOSMTP).unwrap();
    assert_eq!(text.matches("[codes.daily_limit_reached]").count(), 1);
    assert_eq!(text.matches("[codes.hourly_limit_reached]").count(), 1);
}

// ---- seed 003: mxcep --------------------------------------------------------------------------

/// Codes per section of seed 003, counted off the seed's tables.
const MXCEP_COUNT: usize =
    // Authentication & session: 26 rows.
    26
    // OTP, 2FA, and verification: 29 rows.
    + 29
    // Registration & account: 17 rows.
    + 17
    // Generic field validation: 30 rows.
    + 30
    // Idempotency: 3 rows.
    + 3
    // SPEI transfer validation: 9 rows (two with status "terminal").
    + 9
    // Async-validation terminal codes: 15 rows, less `bank_code_unresolvable_for_phone` and
    // `intra_bank_no_cep`, already listed under SPEI.
    + (15 - 2)
    // Beneficiaries: 7 rows.
    + 7
    // Bulk imports: 26 rows (9 with a status, 17 `(row)` codes).
    + 26
    // Plan & billing: 42 rows.
    + 42
    // Finance: 9 rows.
    + 9
    // Webhooks & notifications: 27 rows.
    + 27
    // Rate limit: 3 rows.
    + 3
    // Generic resources: 10 rows, less `dispatch_failed`, already an async terminal code.
    + (10 - 1)
    // Admin: 29 rows expanded into their named members, less codes listed in an earlier section.
    + MXCEP_ADMIN;

/// The admin table, row by row: each row's named members, minus codes already counted.
const MXCEP_ADMIN: usize =
    // permission_denied: already under Authentication.
    0
    // admin_self_target_forbidden.
    + 1
    // cannot_delete_self / cannot_suspend_self / cannot_change_own_role /
    // cannot_change_own_status / cannot_force_logout_self / cannot_reset_own_2fa.
    + 6
    // cannot_suspend_owner / cannot_suspend_admin; `only_owner_can_*` names no members.
    + 2
    // cannot_deactivate_default_plan / cannot_set_inactive_as_default / plan_cannot_delete_default.
    + 3
    // queues_*_failed: overview, states, stats, pause, resume, start, stop, restart, cancel,
    // retry, discard, dlq, batches, jobs, workers, config; the `_prepare_failed` sub-family names
    // no members.
    + 16
    // scheduled_task_*_failed: create, update, delete, detail, run_now, executions, drift, list.
    + 8
    // migration_*: 7 named.
    + 7
    // seeder_*: 5 named.
    + 5
    // test_*: 7 test_* codes and compare_runs_must_differ.
    + 8
    // worker_not_found / instance_not_found / scheduled_task_not_found / dlq_entry_not_found /
    // execution_not_found / run_not_found.
    + 6
    // worker_not_running / run_not_cancellable; job_not_cancellable is under Bulk imports.
    + 2
    // dlq_entry_unreadable.
    + 1
    // payload_corrupt / payload_too_large / invalid_payload: all under Generic field validation.
    + 0
    // 18 param-validation codes, less invalid_otp_id (under OTP).
    + (18 - 1)
    // bulk_action_invalid / bulk_slugs_required / bulk_slugs_too_many.
    + 3
    // name_already_exists.
    + 1
    // broadcast_not_found / broadcast_empty_audience.
    + 2
    // logs_read_failed / heartbeat_persist_failed / execution_failed.
    + 3
    // openapi_spec_missing / openapi_spec_invalid_yaml.
    + 2
    // target_required / probe_label_required.
    + 2
    // retry_policy_invalid.
    + 1
    // permissions_must_be_object.
    + 1
    // plan_*: 14 named, plus plan_price_* expanded to migrate, archive, range.
    + (14 + 3)
    // initial_price_base_required / initial_price_metered_required.
    + 2
    // out_of_range / invalid_type; invalid_type is under Generic field validation.
    + 1
    // worker_failed; `run (queues)` adds none.
    + 1
    // recent_executions_failed / scheduled_tasks_drift_failed / scheduled_tasks_list_failed.
    + 3
    // i18n lint: placeholder_parity_drift, icu_malformed, html_unsafe, brand_removed.
    + 4;

#[test]
fn mxcep_code_count_matches_the_seed() {
    assert_eq!(MXCEP_ADMIN, 125);
    assert_eq!(MXCEP_COUNT, 375);
    let c = load(MXCEP);
    assert_eq!(own(&c).len(), MXCEP_COUNT);
}

#[test]
fn mxcep_sections_are_categories_in_order() {
    let c = load(MXCEP);
    let mut cats: Vec<&str> = Vec::new();
    for e in own(&c) {
        if !cats.contains(&e.category.as_str()) {
            cats.push(&e.category);
        }
    }
    assert_eq!(
        cats,
        [
            "Authentication & session",
            "OTP, 2FA, and verification",
            "Registration & account",
            "Generic field validation",
            "Idempotency",
            "SPEI transfer validation",
            "Async-validation terminal codes",
            "Beneficiaries",
            "Bulk imports (validations + beneficiaries)",
            "Plan & billing",
            "Finance",
            "Webhooks & notifications",
            "Rate limit",
            "Generic resources",
            "Admin (internal operation)",
        ]
    );
}

#[test]
fn mxcep_family_rows_expand_into_members() {
    let c = load(MXCEP);
    for code in [
        "queues_overview_failed",
        "queues_config_failed",
        "scheduled_task_run_now_failed",
        "migration_mark_bulk_limit",
        "compare_runs_must_differ",
        "plan_price_migrate",
        "plan_price_archive",
        "plan_price_range",
        "brand_removed",
        "cannot_reset_own_2fa",
        "worker_failed",
    ] {
        assert!(c.get(code).is_some(), "`{code}` is missing");
    }
    for not_a_code in [
        "only_owner_can_*",
        "queues_*_failed",
        "queues_overview_prepare_failed",
        "run",
        "run (queues)",
        "i18n",
    ] {
        assert!(c.get(not_a_code).is_none(), "`{not_a_code}` is not a code");
    }
}

#[test]
fn mxcep_statuses() {
    let c = load(MXCEP);
    assert_eq!(c.get("dispatch_failed").unwrap().statuses, [500, 503]);
    let otp_id = &c.get("invalid_otp_id").unwrap().statuses;
    assert!(otp_id.contains(&422) && otp_id.contains(&400), "{otp_id:?}");
    // Async terminal codes never reach an HTTP response.
    let network = c.get("network").unwrap();
    assert!(network.statuses.is_empty(), "{:?}", network.statuses);
    assert!(network.appears_in.is_some());
    assert_eq!(
        c.get("phone_not_verified").unwrap().default_status(),
        Some(403)
    );
    assert_eq!(
        c.get("email_delivery_failed").unwrap().default_status(),
        Some(502)
    );
    assert_eq!(
        c.get("payload_too_large").unwrap().default_status(),
        Some(413)
    );
    assert_eq!(
        c.get("method_not_allowed").unwrap().default_status(),
        Some(405)
    );
}

#[test]
fn mxcep_every_code_has_english_and_spanish() {
    let c = load(MXCEP);
    assert_eq!(c.meta.locales, ["en", "es"]);
    assert_eq!(c.meta.default_locale_tag(), "en");
    let en = c.meta.locales.iter().position(|l| l == "en").unwrap();
    let es = c.meta.locales.iter().position(|l| l == "es").unwrap();
    for e in own(&c) {
        let en_msg = e.messages[en].as_ref();
        let es_msg = e.messages[es].as_ref();
        assert!(en_msg.is_some(), "`{}` has no en message", e.code);
        assert!(es_msg.is_some(), "`{}` has no es message", e.code);
        assert!(!es_msg.unwrap().source().is_empty(), "`{}`", e.code);
    }
}
