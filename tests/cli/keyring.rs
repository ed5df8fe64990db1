//! The keyring through the real binary, with the test keyring (a file in the
//! test's temp dir) and injected failures: what is said, how often, what is
//! audited, and that the keyring stays in step with the store.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Output;

use crate::common::{assert_error, TestEnv};

/// The binary with the test keyring failing as `fail` says.
fn run_failing(env: &TestEnv, fail: &str, args: &[&str]) -> Output {
    env.cmd(args)
        .env("TOKCTL_TEST_KEYRING_FAIL", fail)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn warnings(out: &Output) -> usize {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .count()
}

/// The test keyring's entries: account → secret.
fn keyring(env: &TestEnv) -> std::collections::HashMap<String, String> {
    match std::fs::read(env.keyring_file()) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap(),
        Err(_) => Default::default(),
    }
}

fn account(env: &TestEnv, name: &str) -> String {
    let store_id: String = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |row| {
            row.get(0)
        })
        .unwrap();
    format!("{store_id}/{}", token_id(env, name))
}

fn token_id(env: &TestEnv, name: &str) -> String {
    env.json(&["show", name, "--format", "json"])["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn keyring_failure_events(env: &TestEnv) -> i64 {
    env.count("SELECT count(*) FROM audit_events WHERE action = 'keyring.failure'")
}

fn mint(env: &TestEnv, name: &str) -> String {
    env.create(&["--name", name, "--scope", "repo:read", "--expires", "90d"])
}

/// 43 tokens, expired by now, that a stale clean-up two years on picks up
/// with `--all` (a bulk revoke takes expired tokens only when asked).
fn store_for_a_cron_clean_up() -> TestEnv {
    let mut env = TestEnv::new();
    let names: Vec<String> = (0..43).map(|i| format!("t{i}")).collect();
    env.bulk_create(&names);
    env.at("2028-11-22T10:00:00Z");
    env
}

#[test]
fn bulk_revoke_without_keyring_warns_once() {
    let env = store_for_a_cron_clean_up();
    let out = run_failing(
        &env,
        "everything",
        &["revoke", "--stale", "1y", "--all", "--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(warnings(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("the secrets of 43 tokens"));
    assert!(stderr(&out).contains("the keyring is not reachable"));
    assert_eq!(env.names(&["--status", "revoked"]).len(), 43);
    assert_eq!(keyring_failure_events(&env), 1);
    assert_eq!(
        env.count(
            "SELECT json_extract(details, '$.tokens') FROM audit_events WHERE action = 'keyring.failure'"
        ),
        43
    );
}

#[test]
fn bulk_revoke_without_keyring_and_quiet_prints_only_the_warning() {
    let env = store_for_a_cron_clean_up();
    let out = run_failing(
        &env,
        "everything",
        &["revoke", "--stale", "1y", "--all", "--yes", "--quiet"],
    );
    assert!(out.status.success());
    let stderr = stderr(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("warning: could not remove the secrets of 43 tokens"));
    assert_eq!(keyring_failure_events(&env), 1);
}

#[test]
fn create_without_keyring_warns_once() {
    let env = TestEnv::new();
    let out = run_failing(
        &env,
        "everything",
        &[
            "create",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
            "--quiet",
        ],
    );
    assert!(out.status.success());
    let stderr = stderr(&out);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("warning: could not save the secret"));
    assert!(stderr.contains("copy it now"));
    assert_eq!(keyring_failure_events(&env), 1);
}

#[test]
fn quiet_silences_the_notes_of_a_new_store() {
    let env = TestEnv::empty();
    let out = env.run(&["org", "list", "--quiet"]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}

#[test]
fn secret_with_keyring_off_says_so() {
    let env = TestEnv::new();
    mint(&env, "k");
    for out in [
        env.run(&["secret", "k", "--keyring", "off"]),
        env.cmd(&["secret", "k"])
            .env("TOKCTL_KEYRING", "off")
            .output()
            .unwrap(),
    ] {
        assert_error(&out, 7, "the keyring is off");
        let stderr = stderr(&out);
        assert!(out.stdout.is_empty());
        assert!(stderr.contains("hint: "), "{stderr}");
        assert!(!stderr.contains("--keyring auto"), "{stderr}");
        assert!(!stderr.contains("holds no secret"), "{stderr}");
    }
}

#[test]
fn secret_with_keyring_unreachable_says_so_and_never_suggests_auto() {
    let env = TestEnv::new();
    mint(&env, "k");
    for mode in ["auto", "required"] {
        let out = run_failing(&env, "everything", &["secret", "k", "--keyring", mode]);
        assert_error(&out, 7, "the keyring is not reachable");
        let stderr = stderr(&out);
        assert!(stderr.contains("hint: start a Secret Service"), "{stderr}");
        // auto reads the same keyring: suggesting it would only repeat this error.
        assert!(!stderr.contains("--keyring"), "{stderr}");
    }
    let out = run_failing(&env, "locked", &["secret", "k"]);
    assert_error(&out, 7, "the keyring is locked");
    let stderr = stderr(&out);
    assert!(
        stderr.contains("hint: unlock the keyring collection"),
        "{stderr}"
    );
    assert!(!stderr.contains("start a Secret Service"), "{stderr}");
}

#[test]
fn rotate_with_a_failing_keyring_leaves_no_stale_secret() {
    let env = TestEnv::new();
    let old = mint(&env, "r1");
    let out = run_failing(&env, "put", &["rotate", "r1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(warnings(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("could not save the new secret"));
    assert!(!keyring(&env).values().any(|secret| *secret == old));

    // `tokctl secret r1 | tokctl verify` cannot present the rotated-away secret.
    let out = env.run(&["secret", "r1"]);
    assert_error(&out, 3, "the keyring holds no secret");
    assert!(out.stdout.is_empty());
    assert_eq!(
        env.count("SELECT count(*) FROM audit_events WHERE action = 'token.verify'"),
        0
    );
}

#[test]
fn rotate_with_a_locked_keyring_says_the_old_secret_may_remain_and_secret_refuses_it() {
    let env = TestEnv::new();
    let old = mint(&env, "r1");
    let out = run_failing(&env, "locked", &["rotate", "r1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(warnings(&out), 1, "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("the keyring is locked"), "{text}");
    assert!(text.contains("may still hold the old secret"), "{text}");
    assert!(text.contains("unlock the keyring collection"), "{text}");
    assert_eq!(keyring(&env).get(&account(&env, "r1")), Some(&old));

    // Unlocked later: the outdated entry is refused, not handed to verify.
    let out = env.run(&["secret", "r1"]);
    assert_error(&out, 3, "outdated secret");
    assert!(out.stdout.is_empty());
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doctor: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doctor["stale_keyring_entries"],
        serde_json::json!([format!("r1 ({})", token_id(&env, "r1"))])
    );

    // A rotation with the keyring back puts it in step again.
    let new = env.ok(&["rotate", "r1"]);
    assert_eq!(env.ok(&["secret", "r1"]), new);
    assert!(env.run(&["doctor"]).status.success());
}

#[test]
fn rotate_with_a_locked_keyring_and_keyring_required_writes_nothing() {
    let env = TestEnv::new();
    mint(&env, "r1");
    let before = env.store_bytes();
    let out = run_failing(&env, "locked", &["rotate", "r1", "--keyring", "required"]);
    assert_error(&out, 7, "the keyring is locked");
    let stderr = stderr(&out);
    assert!(
        stderr.contains("hint: unlock the keyring collection"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(
        env.store_bytes() == before,
        "a refused rotate wrote to the store"
    );
}

#[test]
fn prune_removes_keyring_entries() {
    let mut env = TestEnv::new();
    env.create(&["--name", "short", "--scope", "repo:read", "--expires", "1d"]);
    mint(&env, "kept");
    let short = account(&env, "short");
    assert!(keyring(&env).contains_key(&short));
    env.at("2026-12-22T10:00:00Z");
    let out = env.run(&["prune", "--before", "7d", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed the secrets of 1 pruned token(s)"));
    let left = keyring(&env);
    assert!(!left.contains_key(&short), "prune leaves the entry");
    assert_eq!(left.len(), 1);
}

#[test]
fn doctor_finds_stale_orphan_and_missing_entries() {
    let env = TestEnv::new();
    for name in ["stale", "revoked", "fine"] {
        mint(&env, name);
    }
    env.ok(&["rotate", "stale", "--keyring", "off"]);
    env.ok(&["revoke", "revoked", "--keyring", "off"]);
    env.ok(&[
        "create",
        "--name",
        "missing",
        "--scope",
        "repo:read",
        "--expires",
        "90d",
        "--keyring",
        "off",
    ]);
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doctor: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doctor["ok"], false);
    assert_eq!(doctor["keyring_listing"], "listed");
    assert_eq!(doctor["keyring_entries"], 3);
    let named = |name: &str| format!("{name} ({})", token_id(&env, name));
    assert_eq!(
        doctor["stale_keyring_entries"],
        serde_json::json!([named("stale")])
    );
    assert_eq!(
        doctor["missing_keyring_entries"],
        serde_json::json!([named("missing")])
    );
    assert_eq!(
        doctor["orphan_keyring_entries"],
        serde_json::json!([format!("{}, revoked", named("revoked"))])
    );
    let table = String::from_utf8(env.run(&["doctor"]).stdout).unwrap();
    assert!(table.contains("outdated secrets:  stale"), "{table}");
}

#[test]
fn doctor_reports_a_locked_keyring_with_its_own_hint() {
    let env = TestEnv::new();
    let out = run_failing(&env, "locked", &["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("locked: unlock the collection"), "{table}");
    assert!(!table.contains("start a Secret Service"), "{table}");
    let out = run_failing(&env, "locked", &["doctor", "--format", "json"]);
    let doctor: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doctor["keyring"], "locked");
    assert_eq!(doctor["keyring_listing"], "not checked");
}
