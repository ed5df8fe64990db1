//! The real binary against a real Secret Service daemon, checked with an
//! independent client (`secret-tool` from libsecret).
//!
//! These tests only run inside the private D-Bus session with a throwaway,
//! unlocked gnome-keyring that `scripts/test` starts (it sets
//! `TOKCTL_SECRET_SERVICE_TESTS=1`), so they never touch a developer's own
//! keyring. Elsewhere they skip with a visible message; in CI `scripts/test`
//! refuses to run without the daemon, so there they always run.
//!
//! One test locks the keyring: it holds [`DAEMON`] exclusively, the others
//! share it, so no test meets a keyring locked by another.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Command;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::common::{assert_error, TestEnv};

/// The one daemon all tests use.
static DAEMON: RwLock<()> = RwLock::new(());

/// The daemon, shared with other tests that leave it unlocked.
fn shared_daemon() -> Option<RwLockReadGuard<'static, ()>> {
    daemon_available().then(|| DAEMON.read().unwrap_or_else(|p| p.into_inner()))
}

/// The daemon to oneself, to lock it.
fn exclusive_daemon() -> Option<RwLockWriteGuard<'static, ()>> {
    daemon_available().then(|| DAEMON.write().unwrap_or_else(|p| p.into_inner()))
}

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
    let Some(_daemon) = shared_daemon() else {
        return;
    };
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
    let Some(_daemon) = shared_daemon() else {
        return;
    };
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
    let Some(_daemon) = shared_daemon() else {
        return;
    };
    let first = TestEnv::new();
    let second = TestEnv::new();
    let a = mint(&first, "same");
    let b = mint(&second, "same");
    assert_ne!(a, b);
    assert_eq!(run_ok(&first, &["secret", "same"]), a);
    assert_eq!(run_ok(&second, &["secret", "same"]), b);
}

fn store_id(env: &TestEnv) -> String {
    let account = account(env, "x");
    account.trim_end_matches("/x").to_owned()
}

fn doctor_json(env: &TestEnv) -> (Option<i32>, serde_json::Value) {
    let out = os_keyring_cmd(env, &["doctor", "--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn doctor_finds_stale_orphan_and_missing_entries() {
    let Some(_daemon) = shared_daemon() else {
        return;
    };
    let mut env = TestEnv::new();
    for name in ["stale", "revoked", "fine", "missing"] {
        mint(&env, name);
    }
    run_ok(
        &env,
        &[
            "create",
            "--name",
            "pruned",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    // Another store's entry on the same keyring is not this store's business.
    let other = TestEnv::new();
    mint(&other, "elsewhere");

    // The keyring falls out of step behind tokctl's back: a prune, a
    // rotation and a revocation with the keyring off, an entry cleared by
    // hand, and an entry for a token this store never had.
    let pruned_id = token_id(&env, "pruned");
    env.at("2026-12-02T10:00:00Z");
    run_ok(
        &env,
        &["prune", "--before", "7d", "--yes", "--keyring", "off"],
    );
    run_ok(&env, &["rotate", "stale", "--keyring", "off"]);
    run_ok(&env, &["revoke", "revoked", "--keyring", "off"]);
    let missing_account = account(&env, &token_id(&env, "missing"));
    assert!(Command::new("secret-tool")
        .args(["clear", "service", "tokctl", "username", &missing_account])
        .status()
        .unwrap()
        .success());
    let never = format!("{}/AAAAAAAAAAA", store_id(&env));
    let stored = Command::new("sh")
        .args([
            "-c",
            "printf not-a-token | secret-tool store --label=stray service tokctl username \"$1\"",
            "sh",
            &never,
        ])
        .status()
        .unwrap();
    assert!(stored.success());

    let (code, doctor) = doctor_json(&env);
    assert_eq!(code, Some(1), "{doctor}");
    assert_eq!(doctor["ok"], false);
    assert_eq!(doctor["keyring_listing"], "listed");
    // stale, revoked, fine, pruned and the stray one; not the other store's.
    assert_eq!(doctor["keyring_entries"], 5, "{doctor}");
    let stale = format!("stale ({})", token_id(&env, "stale"));
    assert_eq!(strings(&doctor["stale_keyring_entries"]), [stale]);
    let missing = format!("missing ({})", token_id(&env, "missing"));
    assert_eq!(strings(&doctor["missing_keyring_entries"]), [missing]);
    let mut orphans = strings(&doctor["orphan_keyring_entries"]);
    orphans.sort();
    let mut expected = vec![
        "AAAAAAAAAAA, no such token".to_owned(),
        format!("{pruned_id}, no such token"),
        format!("revoked ({}), revoked", token_id(&env, "revoked")),
    ];
    expected.sort();
    assert_eq!(orphans, expected);

    // The other store sees only its own entry, in step.
    let (code, doctor) = doctor_json(&other);
    assert_eq!(code, Some(0), "{doctor}");
    assert_eq!(doctor["keyring_entries"], 1);
}

#[test]
fn prune_removes_keyring_entries() {
    let Some(_daemon) = shared_daemon() else {
        return;
    };
    let mut env = TestEnv::new();
    run_ok(
        &env,
        &[
            "create",
            "--name",
            "short",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ],
    );
    let account = account(&env, &token_id(&env, "short"));
    assert!(secret_tool_lookup(&account).is_some());
    env.at("2026-12-22T10:00:00Z");
    run_ok(&env, &["prune", "--before", "7d", "--yes"]);
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "prune deletes the entry"
    );
}

/// Locks (`true`) or unlocks the default collection over D-Bus. Unlocking
/// uses gnome-keyring's own interface with the password `scripts/test` set:
/// the standard `Unlock` would need a prompt, which a headless daemon
/// refuses (which is the very case under test).
fn set_locked(locked: bool) {
    use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};
    const SERVICE: &str = "org.freedesktop.secrets";
    const PATH: &str = "/org/freedesktop/secrets";
    let conn = zbus::blocking::Connection::session().unwrap();
    let collection = ObjectPath::try_from("/org/freedesktop/secrets/aliases/default").unwrap();
    if locked {
        conn.call_method(
            Some(SERVICE),
            PATH,
            Some("org.freedesktop.Secret.Service"),
            "Lock",
            &(vec![collection],),
        )
        .unwrap();
    } else {
        let password = std::env::var("TOKCTL_SECRET_SERVICE_PASSWORD").unwrap();
        let reply = conn
            .call_method(
                Some(SERVICE),
                PATH,
                Some("org.freedesktop.Secret.Service"),
                "OpenSession",
                &("plain", Value::from("")),
            )
            .unwrap();
        let (_, session): (OwnedValue, OwnedObjectPath) = reply.body().deserialize().unwrap();
        // The unlock goes by the collection's real path, not its alias.
        let reply = conn
            .call_method(
                Some(SERVICE),
                PATH,
                Some("org.freedesktop.Secret.Service"),
                "ReadAlias",
                &("default",),
            )
            .unwrap();
        let real: OwnedObjectPath = reply.body().deserialize().unwrap();
        conn.call_method(
            Some(SERVICE),
            PATH,
            Some("org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"),
            "UnlockWithMasterPassword",
            &(
                real,
                (
                    session,
                    Vec::<u8>::new(),
                    password.into_bytes(),
                    "text/plain",
                ),
            ),
        )
        .unwrap();
    }
    let locked_now = default_collection_locked(&conn);
    assert_eq!(locked_now, locked, "the collection did not change state");
}

fn default_collection_locked(conn: &zbus::blocking::Connection) -> bool {
    use zbus::zvariant::OwnedValue;
    let reply = conn
        .call_method(
            Some("org.freedesktop.secrets"),
            "/org/freedesktop/secrets/aliases/default",
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.freedesktop.Secret.Collection", "Locked"),
        )
        .unwrap();
    let value: OwnedValue = reply.body().deserialize().unwrap();
    bool::try_from(value).unwrap()
}

/// Unlocks again when dropped, so a failing assertion leaves no locked keyring behind.
struct Unlock;

impl Drop for Unlock {
    fn drop(&mut self) {
        set_locked(false);
    }
}

#[test]
fn a_locked_keyring_is_reported_as_locked_and_rotate_leaves_no_usable_stale_secret() {
    let Some(_daemon) = exclusive_daemon() else {
        return;
    };
    let env = TestEnv::new();
    let old = mint(&env, "r1");
    let id = token_id(&env, "r1");
    set_locked(true);
    let unlock = Unlock;

    // Required: refused before anything is written, with the unlock hint.
    let before = env.store_bytes();
    let out = os_keyring_cmd(&env, &["rotate", "r1"]).output().unwrap();
    assert_error(&out, 7, "the keyring is locked");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hint: unlock the keyring collection"),
        "{stderr}"
    );
    assert!(!stderr.contains("start a Secret Service"), "{stderr}");
    assert!(
        env.store_bytes() == before,
        "a refused rotate wrote to the store"
    );

    // Auto: rotates, and says plainly that the keyring may still hold the old secret.
    let out = os_keyring_cmd(&env, &["rotate", "r1", "--keyring", "auto"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let new = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(stderr.contains("the keyring is locked"), "{stderr}");
    assert!(stderr.contains("may still hold the old secret"), "{stderr}");

    let out = os_keyring_cmd(&env, &["secret", "r1"]).output().unwrap();
    assert_error(&out, 7, "the keyring is locked");
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint: unlock"));
    let (code, doctor) = doctor_json(&env);
    assert_eq!(code, Some(1));
    assert_eq!(doctor["keyring"], "locked");

    drop(unlock);
    // Unlocked, the old entry is still there, but it is never handed out as
    // the secret: presenting it would be audited as a possible leak.
    assert_eq!(
        secret_tool_lookup(&account(&env, &id)).as_deref(),
        Some(old.trim_end())
    );
    let out = os_keyring_cmd(&env, &["secret", "r1"]).output().unwrap();
    assert_error(&out, 3, "outdated secret");
    assert!(out.stdout.is_empty());
    let (_, doctor) = doctor_json(&env);
    assert_eq!(
        strings(&doctor["stale_keyring_entries"]),
        [format!("r1 ({id})")]
    );

    // Rotating again with the keyring back puts it in step.
    let newer = run_ok(&env, &["rotate", "r1"]);
    assert_ne!(newer, new);
    assert_eq!(run_ok(&env, &["secret", "r1"]), newer);
    let (code, doctor) = doctor_json(&env);
    assert_eq!(code, Some(0), "{doctor}");
}
