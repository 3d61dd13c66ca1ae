//! `errcat import`: seed 004's and seed 001's Markdown tables and a JSON list become catalogs
//! that pass `check`, with warnings for what the sources lack; the round trip import → check →
//! docs; and clear failures for unreadable input and tables without a code column.
//!
//! Regenerate the golden files with `ERRCAT_BLESS=1 cargo test -p errcat-cli --test import_cli`.

use std::path::{Path, PathBuf};
use std::process::Output;

use errcat_catalog::{Catalog, Origin};
use errcat_testkit::cli::Cli;

use errcat_testkit::cli::WORKSPACE_ROOT as ROOT;
const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seeds/");
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/import");

fn errcat(args: &[&str]) -> Output {
    Cli::new(env!("CARGO_BIN_EXE_errcat"))
        .env_remove("NO_COLOR")
        .output(args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    errcat_testkit::cli::temp_dir("errcat-import", name)
}

/// A seed's text, by number: the file in the seeds directory (found by listing it), or the
/// inline copy of its tables when the directory is absent. Written to `dir` under the seed's
/// own file name, so the output names it the same either way.
fn seed(number: &str, dir: &Path) -> PathBuf {
    let found = std::fs::read_dir(SEEDS).ok().and_then(|entries| {
        entries.filter_map(Result::ok).map(|e| e.path()).find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{number}_")) && n.ends_with(".txt"))
        })
    });
    let (name, text) = match found {
        Some(p) => (
            p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("seed.txt")
                .to_string(),
            std::fs::read_to_string(&p).expect("read the seed"),
        ),
        None => {
            eprintln!("notice: {SEEDS} is absent: using the inline copy of seed {number}'s tables");
            // Under the seed's own file name, so the output is the same as from the seed.
            let (name, text) = match number {
                "004" => ("004_5b6434f88cfd9328.txt", SEED_004_TABLES),
                "001" => ("001_cb4f795d972bc4c1.txt", SEED_001_TABLES),
                other => panic!("no inline copy of seed {other}"),
            };
            (name.to_string(), text.to_string())
        }
    };
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the seed");
    path
}

/// The golden file of a seed's import: from the seed itself, or, where the seeds directory is
/// absent (a clone with nothing beside it), from the inline copy of its tables, which lacks
/// the seed's prose.
fn seed_golden(number: &str) -> String {
    if std::fs::read_dir(SEEDS).is_ok() {
        format!("seed{number}.toml")
    } else {
        format!("seed{number}.inline.toml")
    }
}

/// Imports `input` into `dir/out.toml`, asserting success; returns (path, stderr).
fn import(input: &Path, dir: &Path, extra: &[&str]) -> (PathBuf, String) {
    let out = dir.join("out.toml");
    let mut args = vec![
        "import",
        input.to_str().expect("UTF-8 path"),
        "--out",
        out.to_str().expect("UTF-8 path"),
        "--color",
        "never",
    ];
    args.extend_from_slice(extra);
    let o = errcat(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "errcat {args:?}:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    (out, err)
}

/// Loads a catalog and asserts `errcat check` reports no errors for it.
fn checked(path: &Path) -> Catalog {
    let o = errcat(&[
        "check",
        path.to_str().expect("UTF-8 path"),
        "--color",
        "never",
    ]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "check:\n{out}\n{}", stderr(&o));
    assert!(!out.contains("error"), "check:\n{out}");
    Catalog::from_path(path).unwrap_or_else(|r| panic!("{r}"))
}

fn own(c: &Catalog) -> Vec<&errcat_catalog::Entry> {
    c.entries()
        .iter()
        .filter(|e| e.origin == Origin::Catalog)
        .collect()
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
    assert!(
        want == actual,
        "{} differs from the output; run with ERRCAT_BLESS=1 to accept it\n--- output ---\n{actual}",
        path.display()
    );
}

#[test]
fn seed_004_imports_to_32_codes() {
    let dir = temp_dir("004");
    let input = seed("004", &dir);
    let (out, err) = import(
        &input,
        &dir,
        &["--name", "MigoSMTP and Telnxo", "--style", "simple"],
    );
    let c = checked(&out);
    let codes = own(&c);
    assert_eq!(
        codes.len(),
        32,
        "{:?}",
        codes.iter().map(|e| &e.code).collect::<Vec<_>>()
    );
    assert!(
        codes.iter().all(|e| !e.statuses.is_empty()),
        "every code has a status"
    );
    assert_eq!(
        c.categories()
            .into_iter()
            .filter(|k| codes.iter().any(|e| e.category == *k))
            .collect::<Vec<_>>(),
        [
            "Authentication Errors",
            "Account & Subscription Errors",
            "Validation Errors",
            "Resource Errors",
            "Sending / Delivery Errors",
            "Rate Limit Errors",
            "Server Errors",
        ]
    );
    assert_eq!(c.meta.name, "MigoSMTP and Telnxo");
    assert!(!c.meta.action_required);
    // As the hand-made catalog has it.
    let reference =
        Catalog::from_path(Path::new(ROOT).join("catalogs/migosmtp.toml")).expect("loads");
    for e in &codes {
        let r = reference
            .get(&e.code)
            .unwrap_or_else(|| panic!("`{}` is not in migosmtp.toml", e.code));
        assert_eq!(e.statuses, r.statuses, "{}", e.code);
        assert_eq!(e.category, r.category, "{}", e.code);
        assert_eq!(e.docs.next_step, r.docs.next_step, "{}", e.code);
    }
    // The two codes listed twice are one entry each, the second row in the notes.
    let daily = c.get("daily_limit_reached").expect("daily_limit_reached");
    assert_eq!(daily.category, "Account & Subscription Errors");
    assert_eq!(
        daily.docs.notes,
        [
            "Also listed under Rate Limit Errors: Daily message dispatch limit reached for current plan. Resolution: Wait for midnight reset in your timezone; upgrade plan for higher limits"
        ]
    );
    assert_eq!(
        c.get("hourly_limit_reached")
            .expect("hourly")
            .docs
            .notes
            .len(),
        1
    );
    // Rows wrapped over two lines are joined again.
    assert_eq!(
        c.get("invalid_email_address")
            .and_then(|e| e.docs.next_step.as_deref()),
        Some("Validate email addresses before sending; use RFC 5321 format")
    );
    assert_eq!(
        c.get("duplicate_idempotency_key")
            .and_then(|e| e.docs.next_step.as_deref()),
        Some("Use a new unique idempotency key for each request")
    );
    // Roles go to the API's own codes.
    assert_eq!(
        c.role(errcat_catalog::Role::NotFound).code,
        "resource_not_found"
    );
    assert_eq!(
        c.role(errcat_catalog::Role::Timeout).code,
        "gateway_timeout"
    );
    // Warnings for what the source lacked, in the CLI's diagnostic manner.
    assert!(
        err.contains(
            "warning[import::duplicate-code]: duplicate code `daily_limit_reached` merged"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "warning[import::duplicate-code]: duplicate code `hourly_limit_reached` merged"
        ),
        "{err}"
    );
    assert!(
        err.contains("no programmatic actions: set action_required = false"),
        "{err}"
    );
    assert!(err.contains(" --> "), "{err}");
    assert!(err.contains("imported 32 codes in 7 categories"), "{err}");
    golden(
        &seed_golden("004"),
        &std::fs::read_to_string(&out).expect("read"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn seed_001_imports_to_16_codes() {
    let dir = temp_dir("001");
    let input = seed("001", &dir);
    let (out, err) = import(&input, &dir, &[]);
    let c = checked(&out);
    let codes = own(&c);
    assert_eq!(codes.len(), 16);
    let reference =
        Catalog::from_path(Path::new(ROOT).join("catalogs/seed001.toml")).expect("loads");
    for e in &codes {
        let r = reference
            .get(&e.code)
            .unwrap_or_else(|| panic!("`{}` is not in seed001.toml", e.code));
        assert_eq!(e.statuses, r.statuses, "{}", e.code);
        assert_eq!(e.category, r.category, "{}", e.code);
        assert_eq!(e.docs.next_step, r.docs.next_step, "{}", e.code);
    }
    let categories: Vec<&str> = codes
        .iter()
        .map(|e| e.category.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(categories.len(), 5, "{categories:?}");
    assert!(err.contains("no programmatic actions"), "{err}");
    // No name in the source: the file's.
    assert!(err.contains("warning[import::no-name]"), "{err}");
    golden(
        &seed_golden("001"),
        &std::fs::read_to_string(&out).expect("read"),
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_json_list_imports() {
    let dir = temp_dir("json");
    let input = dir.join("errors.json");
    std::fs::write(
        &input,
        r#"[
  {"code": "fax_not_found", "status": 404, "message": "No fax has the id {fax_id}.", "action": "check_fax_id", "category": "Faxes", "context": {"fax_id": "string"}},
  {"code": "insufficient_balance", "status": "402", "message": "Costs {cost} credits, literally.", "action": "top_up_balance", "category": "Billing", "triggers_webhook": "Yes"},
  {"code": "busy", "status": [409, 423], "message": "Busy.", "action": "retry_later", "category": "Faxes"},
  {"code": "busy", "status": 409, "message": "Also busy.", "action": "retry_later", "category": "Other"},
  {"code": "legacy", "message": "Old \"quoted\" text\\ with a backslash.", "action": "migrate", "category": "Faxes"}
]"#,
    )
    .expect("write");
    let (out, err) = import(&input, &dir, &["--name", "faxes"]);
    let c = checked(&out);
    assert_eq!(own(&c).len(), 4);
    assert!(c.meta.action_required, "every code has an action token");
    let nf = c.get("fax_not_found").expect("fax_not_found");
    assert_eq!(nf.statuses, [404]);
    assert_eq!(nf.action.as_deref(), Some("check_fax_id"));
    assert_eq!(nf.context[0].name, "fax_id");
    // Braces are literal where no context is declared.
    let ib = c.get("insufficient_balance").expect("insufficient_balance");
    assert_eq!(
        ib.message(0, 0).source(),
        "Costs {{cost}} credits, literally."
    );
    assert_eq!(
        ib.attributes,
        [("triggers_webhook".to_string(), "Yes".to_string())]
    );
    assert_eq!(c.get("busy").expect("busy").statuses, [409, 423]);
    assert_eq!(
        c.get("busy").expect("busy").docs.notes,
        ["Also listed under Other: Also busy."]
    );
    assert_eq!(
        c.get("legacy").expect("legacy").message(0, 0).source(),
        "Old \"quoted\" text\\ with a backslash."
    );
    assert!(err.contains("no status for `legacy`"), "{err}");
    assert!(err.contains("duplicate code `busy` merged"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn formats_are_detected_and_codes_normalized() {
    let dir = temp_dir("detect");
    // JSON content under a name that says nothing.
    let input = dir.join("errors.data");
    std::fs::write(
        &input,
        r#"[{"code": "NotFound", "status": 404, "message": "Nope.", "category": "X"}]"#,
    )
    .expect("write");
    let (out, err) = import(&input, &dir, &[]);
    let c = checked(&out);
    assert!(c.get("not_found").is_some());
    assert!(
        err.contains("`NotFound` is not snake_case: imported as `not_found`"),
        "{err}"
    );
    // UPPER_SNAKE codes keep their case; a Markdown table with Markdown headings and a code
    // column named "Error".
    let md = dir.join("ref.md");
    std::fs::write(
        &md,
        "# Widgets API\n\nIntro text.\n\n## Auth\n\n| Error | HTTP Status | Message | Action |\n|:--|--:|---|---|\n| `UNAUTHORIZED` | 401 | Who are you? | `sign_in` |\n| `RATE_LIMITED` | 429 | Slow {down}. | `wait` |\n\n| Status | Meaning |\n|---|---|\n| 401 | Missing key |\n",
    )
    .expect("write");
    let (out, _) = import(&md, &dir, &[]);
    let c = checked(&out);
    assert_eq!(c.meta.name, "Widgets API");
    assert_eq!(c.meta.case, errcat_catalog::CaseStyle::UpperSnake);
    assert!(c.meta.action_required);
    let u = c.get("UNAUTHORIZED").expect("UNAUTHORIZED");
    assert_eq!(
        (
            u.statuses.as_slice(),
            u.category.as_str(),
            u.action.as_deref()
        ),
        (&[401][..], "Auth", Some("sign_in"))
    );
    assert_eq!(
        c.meta.http_statuses,
        [("401".to_string(), "Missing key".to_string())]
    );
    assert_eq!(c.meta.description.as_deref(), Some("Intro text."));
    // --format and stdout.
    let o = errcat(&[
        "import",
        md.to_str().expect("UTF-8"),
        "--format",
        "markdown",
        "--name",
        "w",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(
        Catalog::from_toml_str("stdout.toml", &text).is_ok(),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreadable_input_and_tables_without_codes_fail_clearly() {
    let dir = temp_dir("fail");
    let fails = |args: &[&str], needle: &str| {
        let o = errcat(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "errcat {args:?}:\n{err}");
        assert!(
            err.contains(needle),
            "errcat {args:?}: wanted {needle:?} in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    };
    fails(
        &["import", "no/such/file.md"],
        "error: cannot read `no/such/file.md`",
    );
    let no_code = dir.join("nocode.md");
    std::fs::write(
        &no_code,
        "| Status | Description |\n|---|---|\n| 404 thing | Not found |\n",
    )
    .expect("write");
    fails(
        &["import", no_code.to_str().expect("UTF-8")],
        "has no code column (its columns: Status, Description)",
    );
    let no_table = dir.join("prose.md");
    std::fs::write(&no_table, "Just words.\n").expect("write");
    fails(
        &["import", no_table.to_str().expect("UTF-8")],
        "no table found",
    );
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "[{\"code\": ").expect("write");
    fails(
        &["import", bad_json.to_str().expect("UTF-8")],
        "is not valid JSON",
    );
    let binary = dir.join("binary.md");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).expect("write");
    fails(&["import", binary.to_str().expect("UTF-8")], "is not UTF-8");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Seed 004's table → `import` → `check` → `docs`: the site's index lists every code.
#[test]
fn round_trip_import_check_docs() {
    let dir = temp_dir("roundtrip");
    let input = seed("004", &dir);
    let (out, _) = import(&input, &dir, &["--name", "MigoSMTP and Telnxo"]);
    let c = checked(&out);
    let site = dir.join("site");
    let o = errcat(&[
        "docs",
        out.to_str().expect("UTF-8"),
        "--out",
        site.to_str().expect("UTF-8"),
    ]);
    let err = stderr(&o);
    assert!(
        !err.contains("not built yet"),
        "`errcat docs` is not built yet: the round trip stops at check"
    );
    assert_eq!(o.status.code(), Some(0), "docs:\n{err}");
    let index = std::fs::read_to_string(site.join("index.html")).expect("DIR/index.html");
    for e in own(&c) {
        assert!(index.contains(&e.code), "index.html lacks {}", e.code);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Seed 004's tables, for when the seeds directory is absent.
const SEED_004_TABLES: &str = r#"Authentication Errors (HTTP 401 / 403)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| authentication_required | 401 | Authorization header missing from request | Add Authorization: Bearer YOUR_KEY header |
| invalid_api_key | 401 | API key is incorrect, malformed, or revoked | Check key value; generate a new key if revoked |
| api_key_expired | 401 | API key has passed its configured expiry date | Generate a new API key |
| insufficient_scope | 403 | Key does not have the required scope for this endpoint | Create a new key with the necessary scope |
| ip_not_whitelisted | 403 | Request IP not in the key's allowed IP list | Add the server IP to the key's whitelist |
Account & Subscription Errors (HTTP 402 / 403)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| account_suspended | 402 | Subscription is suspended; invoice overdue | Pay outstanding invoice in Rackwave portal |
| account_expired | 402 | Trial or subscription has expired | Upgrade or renew subscription |
| quota_exceeded | 402 | Monthly sending quota fully consumed | Upgrade plan or wait for next billing cycle reset |
| daily_limit_reached | 429 | Daily sending limit reached for this plan | Wait until midnight (your timezone) for reset; or upgrade |
| hourly_limit_reached | 429 | Hourly sending limit reached | Wait until the next hour window; or upgrade |
Validation Errors (HTTP 400 / 422)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| missing_required_field | 422 | A required request field is absent | Check the field property in the error response for which field is missing |
| invalid_email_address | 422 | The to, from, or reply_to field is not a valid email |
Validate email addresses before sending; use RFC 5321 format |
| invalid_phone_number | 422 | Phone number not in E.164 international format | Format numbers as +[country code][number] e.g. +919876543210 |
| invalid_json | 400 | Request body is not valid JSON | Validate JSON before sending; check for trailing commas or unescaped characters |
| field_too_long | 422 | A field value exceeds maximum allowed length | Truncate the value; check API docs for field length limits |
| invalid_template_id | 422 | The specified template ID does not exist or is inactive | Verify the template ID; ensure the template is published and active |
| missing_template_variable | 422 | A variable defined in the template has no value in the request | Provide all required template variables or define fallback values in the template |
| domain_not_verified | 422 | The from domain has not been verified in MigoSMTP |
Complete domain verification in Dashboard → Domain Management |
| sender_id_not_registered | 422 | The Sender ID used in SMS is not registered on the account | Register the Sender ID in Telnxo → SMS → Sender IDs |
Resource Errors (HTTP 404 / 409)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| resource_not_found | 404 | The requested resource ID does not exist | Verify the ID — check for typos or stale references |
| duplicate_resource | 409 | A resource with this identifier already exists | Use a different identifier or update the existing resource |
| duplicate_idempotency_key | 409 | An X-Idempotency-Key was reused within 24 hours |
Use a new unique idempotency key for each request |
| resource_limit_reached | 409 | Plan limit reached for this resource type (domains, SMTP accounts, etc.) | Delete an existing resource or upgrade your plan |
Sending / Delivery Errors (HTTP 422)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| recipient_suppressed | 422 | Recipient address or phone number is on the suppression list | Remove from suppression list if unsubscribe was in error; otherwise do not send |
| dnd_number | 422 | Phone number is registered on the DND (Do Not Disturb) registry (India) | Do not send promotional SMS to DND numbers; only transactional SMS is permitted |
| dlt_scrubbed | 422 | SMS content did not match any registered DLT template (India) | Register the exact message template on DLT and map the PE ID and Template ID |
| whatsapp_template_not_approved | 422 | WhatsApp template used in the request has not been approved by Meta | Wait for Meta approval or use a different approved template |
| session_window_expired | 422 | WhatsApp 24-hour session window has closed; template message required | Send a template message to re-open the conversation window |
Rate Limit Errors (HTTP 429)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| rate_limit_exceeded | 429 | Too many API requests in the current rate limit window | Wait for the Retry-After seconds then retry with exponential backoff |
| daily_limit_reached | 429 | Daily message dispatch limit reached for current plan | Wait for midnight reset in your timezone; upgrade plan for higher limits |
| hourly_limit_reached | 429 | Hourly message dispatch limit reached | Queue requests and retry after the next hour window opens |
Server Errors (HTTP 500 / 503)
| Error Code | HTTP | Cause | Resolution |
|---|---|---|---|
| internal_error | 500 | Unexpected platform-side error | Retry with exponential backoff; if persistent, open a support ticket with the request ID from the response |
| service_unavailable | 503 | Platform is under maintenance or temporarily overloaded | Retry after a short delay; check the platform status page for maintenance notices |
| gateway_timeout | 504 | Upstream service (carrier, relay) did not respond in time | Retry the request; the message may or may not have been queued — check logs before retrying to avoid duplicates |
"#;

/// Seed 001's tables, for when the seeds directory is absent.
const SEED_001_TABLES: &str = r#"Authentication errors (401, 403)
| Code | Status | Description | Action |
|---|---|---|---|
missing_api_key | 401 | No Authorization header present | Add Authorization: Bearer YOUR_KEY header |
invalid_api_key | 401 | Key does not exist or is malformed | Check the key in your dashboard |
api_key_revoked | 401 | Key was revoked | Generate a new key |
api_key_expired | 401 | Key has passed its expiry date | Generate a new key |
insufficient_scope | 403 | Key lacks required permissions | Create a key with the appropriate scope |
ip_not_allowed | 403 | Request IP not on the key’s allowlist | Update the IP allowlist or use an allowed IP |
Validation errors (400, 422)
| Code | Status | Description | Action |
|---|---|---|---|
invalid_request | 400 | Request is malformed or unparseable | Check request body format and Content-Type |
validation_error | 422 | One or more fields failed validation | Check the details array for field-specific messages |
invalid_parameter | 400 | A query parameter has an invalid value | Review the parameter documentation |
missing_required_field | 422 | A required field is absent | Add the missing field to the request body |
Resource errors (404, 409)
| Code | Status | Description | Action |
|---|---|---|---|
resource_not_found | 404 | The requested resource does not exist | Verify the resource ID |
resource_already_exists | 409 | A resource with this identifier already exists | Use a different identifier or retrieve the existing resource |
resource_conflict | 409 | Operation conflicts with current resource state | Check the resource’s current status before retrying |
Rate limit errors (429)
| Code | Status | Description | Action |
|---|---|---|---|
rate_limit_exceeded | 429 | Too many requests in the current window | Wait for Retry-After seconds, then retry with backoff |
Server errors (500, 502, 503)
| Code | Status | Description | Action |
|---|---|---|---|
internal_error | 500 | Unexpected server error | Retry after a short delay; contact support if persistent |
service_unavailable | 503 | API is temporarily unavailable | Check the status page; retry with exponential backoff |
"#;
