//! `errcat keys`: a new key and its record, and the offline check, run as the built binary.

use std::process::Output;

use errcat_store::keys::{ApiKeySecret, KeyHasher};
use errcat_testkit::cli::Cli;

fn errcat(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cli = Cli::new(env!("CARGO_BIN_EXE_errcat"));
    for (k, v) in env {
        cli = cli.env(k, v);
    }
    cli.output(args)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn new_prints_a_key_and_a_record_holding_only_its_hash() {
    let o = errcat(
        &[
            "keys",
            "new",
            "--prefix",
            "mfx",
            "--env",
            "live",
            "--scope",
            "faxes:read",
            "--scope",
            "faxes:write",
            "--owner",
            "acct_9",
            "--allow",
            "10.0.0.0/8",
            "--allow",
            "192.0.2.7",
            "--expires-in",
            "3600",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).expect("utf-8");
    let mut lines = out.lines();
    let key = lines.next().expect("the key");
    let secret = ApiKeySecret::parse(key).expect("well-formed");
    let record: serde_json::Value =
        serde_json::from_str(lines.next().expect("the record")).expect("JSON");
    assert_eq!(record["id"], secret.id());
    assert_eq!(record["environment"], "live");
    assert_eq!(record["owner"], "acct_9");
    assert_eq!(
        record["scopes"],
        serde_json::json!(["faxes:read", "faxes:write"])
    );
    assert_eq!(
        record["networks"],
        serde_json::json!(["10.0.0.0/8", "192.0.2.7/32"])
    );
    assert_eq!(
        record["expires"].as_u64().expect("expires") - record["created"].as_u64().expect("created"),
        3600
    );
    assert_eq!(record["hash"], hex(&KeyHasher::sha256().hash(key)));
    assert!(!lines.next().is_some_and(|l| l.contains(key)));
    assert!(
        !record.to_string().contains(&key[key.len() - 20..]),
        "the secret is not in the record"
    );
}

#[test]
fn a_pepper_comes_from_the_environment_and_makes_an_hmac() {
    let o = errcat(
        &[
            "keys",
            "new",
            "--prefix",
            "mfx",
            "--env",
            "test",
            "--pepper-env",
            "ERRCAT_TEST_PEPPER",
        ],
        &[("ERRCAT_TEST_PEPPER", "s3cret pepper")],
    );
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    let (key, record) = out.split_once('\n').expect("two lines");
    let record: serde_json::Value = serde_json::from_str(record.trim()).expect("JSON");
    assert_eq!(record["hash_kind"], "hmac-sha256");
    assert_eq!(
        record["hash"],
        hex(&KeyHasher::hmac(b"s3cret pepper").hash(key))
    );
    let o = errcat(
        &[
            "keys",
            "new",
            "--prefix",
            "mfx",
            "--env",
            "test",
            "--pepper-env",
            "ERRCAT_NO_SUCH_VAR",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("ERRCAT_NO_SUCH_VAR holds no pepper"));
}

#[test]
fn check_tells_a_good_key_from_a_typo_offline() {
    let key = ApiKeySecret::generate("mfx", "test").expect("key");
    let o = errcat(&["keys", "check", key.expose()], &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("id {}", key.id())), "{out}");
    let mut typo = key.expose().to_owned();
    let c = typo.remove(12);
    typo.insert(12, if c == 'x' { 'y' } else { 'x' });
    let o = errcat(&["keys", "check", &typo], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("checksum"),
        "{:?}",
        o
    );
    let o = errcat(&["keys", "check", "mfx_test_demo"], &[]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_arguments_say_what_to_fix() {
    for (args, says) in [
        (vec!["--prefix", "MFX", "--env", "test"], "lower-case"),
        (vec!["--prefix", "mfx", "--env", "te_st"], "lower-case"),
        (
            vec!["--prefix", "mfx", "--env", "test", "--allow", "10.0.0.0/33"],
            "not a network",
        ),
    ] {
        let mut all = vec!["keys", "new"];
        all.extend(args);
        let o = errcat(&all, &[]);
        assert_eq!(o.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&o.stderr).contains(says), "{:?}", o);
        assert!(o.stdout.is_empty(), "no key is printed");
    }
}
