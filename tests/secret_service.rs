//! The real binary against a real Secret Service daemon, checked with an
//! independent client (`secret-tool` from libsecret).
//!
//! These tests only run inside the private D-Bus session with a throwaway,
//! unlocked gnome-keyring that `scripts/test` starts (it sets
//! `TOKCTL_SECRET_SERVICE_TESTS=1`), so they never touch a developer's own
//! keyring. Elsewhere they skip with a visible message; in CI `scripts/test`
//! refuses to run without the daemon, so there they always run.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

use std::process::Command;

use common::{assert_error, TestEnv};

fn daemon_available() -> bool {
    if std::env::var("TOKCTL_SECRET_SERVICE_TESTS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: Secret Service tests run only under scripts/test with gnome-keyring and dbus installed");
    false
}

/// The binary on the private bus with the OS keyring (no test keyring).
fn os_keyring_cmd(env: &TestEnv, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd(args);
    cmd.env_remove("TOKCTL_TEST_KEYRING")
        .env("TOKCTL_KEYRING", "required");
    for var in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd
}

fn run_ok(env: &TestEnv, args: &[&str]) -> String {
    let out = os_keyring_cmd(env, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} exited {:?}: {} {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Mints a token named `name` with the OS keyring required; returns stdout.
fn mint(env: &TestEnv, name: &str) -> String {
    let args = [
        "create",
        "--name",
        name,
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ];
    run_ok(env, &args)
}

fn account(env: &TestEnv, token_id: &str) -> String {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let store_id: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'store_id'", [], |row| {
            row.get(0)
        })
        .unwrap();
    format!("{store_id}/{token_id}")
}

/// What `secret-tool` finds for the entry, or `None`.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "tokctl", "username", account])
        .output()
        .expect("secret-tool is installed (libsecret-tools)");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

fn token_id(env: &TestEnv, name: &str) -> String {
    let out = run_ok(env, &["show", name, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["id"].as_str().unwrap().to_owned()
}

#[test]
fn create_stores_exactly_the_printed_secret_and_revoke_removes_it() {
    if !daemon_available() {
        return;
    }
    let env = TestEnv::new();
    let printed = mint(&env, "ss-deploy");
    let printed = printed.trim_end();
    let account = account(&env, &token_id(&env, "ss-deploy"));

    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(printed));
    assert_eq!(run_ok(&env, &["secret", "ss-deploy"]).trim_end(), printed);

    let doctor = run_ok(&env, &["doctor", "--format", "json"]);
    let doctor: serde_json::Value = serde_json::from_str(&doctor).unwrap();
    assert_eq!(doctor["keyring_backend"], "secret-service");
    assert_eq!(doctor["keyring"], "reachable");

    run_ok(&env, &["revoke", "ss-deploy"]);
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "revoke deletes the entry"
    );
}

#[test]
fn an_entry_deleted_by_hand_is_reported_not_fatal() {
    if !daemon_available() {
        return;
    }
    let env = TestEnv::new();
    mint(&env, "ss-gone");
    let account = account(&env, &token_id(&env, "ss-gone"));
    let cleared = Command::new("secret-tool")
        .args(["clear", "service", "tokctl", "username", &account])
        .status()
        .unwrap();
    assert!(cleared.success());

    let out = os_keyring_cmd(&env, &["secret", "ss-gone"])
        .output()
        .unwrap();
    assert_error(&out, 3, "the keyring holds no secret");
    let out = os_keyring_cmd(&env, &["doctor", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ss-gone"));

    let out = os_keyring_cmd(&env, &["revoke", "ss-gone"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not in the OS keyring"));
}

#[test]
fn two_stores_never_share_an_entry() {
    if !daemon_available() {
        return;
    }
    let first = TestEnv::new();
    let second = TestEnv::new();
    let a = mint(&first, "same");
    let b = mint(&second, "same");
    assert_ne!(a, b);
    assert_eq!(run_ok(&first, &["secret", "same"]), a);
    assert_eq!(run_ok(&second, &["secret", "same"]), b);
}
