//! In a local store anyone who can open the file can act as any tokctl user
//! (`--as owner`). Every audit event therefore also records the
//! operating-system account that ran the command, which `--as` cannot pick,
//! inside the hash chain, and `--as` someone else says so on stderr.
#![cfg(unix)]
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::TestEnv;

/// The login name of whoever runs the tests.
fn login() -> String {
    whoami::fallible::username().unwrap()
}

/// What events record for whoever runs the tests.
fn os_user() -> String {
    let uid = rustix::process::getuid().as_raw();
    assert_eq!(uid, rustix::process::geteuid().as_raw());
    format!("{} (uid {uid})", login())
}

fn sql(env: &TestEnv, statements: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(statements).unwrap();
}

fn events(env: &TestEnv) -> Vec<serde_json::Value> {
    env.json(&["audit", "--format", "json"])
        .as_array()
        .unwrap()
        .clone()
}

/// A tokctl user name that is not the login name of whoever runs the tests.
fn someone_else() -> &'static str {
    if login() == "mallory" {
        "trudy"
    } else {
        "mallory"
    }
}

#[test]
fn every_event_records_the_os_account_beside_the_tokctl_user() {
    let env = TestEnv::new();
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    let events = events(&env);
    assert!(events.len() >= 2);
    for event in &events {
        assert_eq!(event["actor"], "alice", "{event}");
        assert_eq!(event["os_user"], os_user(), "{event}");
    }
    let csv = env.ok(&["audit", "--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",hash,os_user"));
    assert!(lines.next().unwrap().ends_with(&format!(",{}", os_user())));
    let table = env.ok(&["audit"]);
    assert!(table.contains("OS USER"), "{table}");
    assert!(table.contains(&os_user()), "{table}");
}

#[test]
fn acting_as_an_owner_is_noted_and_the_os_account_is_recorded() {
    let env = TestEnv::new();
    let other = someone_else();
    env.ok(&["user", "add", other]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", other, "--role", "owner",
    ]);
    let out = env.run(&[
        "--as",
        other,
        "create",
        "--name",
        "x",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let note = format!(
        "note: acting as tokctl user '{other}' while logged in as '{}'; the audit trail records both",
        login()
    );
    assert!(stderr.lines().any(|line| line == note), "{stderr}");
    let created = events(&env)
        .into_iter()
        .find(|event| event["action"] == "token.create")
        .unwrap();
    assert_eq!(created["actor"], other);
    assert_eq!(created["os_user"], os_user());

    // --quiet drops the note; an error still comes alone.
    let out = env.run(&["--quiet", "--as", other, "list"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.run(&["--as", other, "show", "missing"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("note: acting as"), "{stderr}");
    // Acting as yourself needs no note.
    let out = env.run(&["--as", &login(), "user", "list"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("acting as"));
}

#[test]
fn editing_or_removing_the_recorded_os_account_breaks_the_chain() {
    for edit in [
        "INSERT OR IGNORE INTO audit_names (name) VALUES ('alice (uid 1000)');
         UPDATE audit_trail SET os_user = (SELECT id FROM audit_names WHERE name = 'alice (uid 1000)')
         WHERE id = 2",
        "UPDATE audit_trail SET os_user = NULL WHERE id = 2",
    ] {
        let env = TestEnv::new();
        env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
        env.ok(&["revoke", "a"]);
        sql(&env, edit);
        let before = env.store_bytes();
        let out = env.run(&["audit", "verify", "--format", "json"]);
        assert_eq!(out.status.code(), Some(9), "{edit}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["broken_at"], 2, "{edit}");
        assert_eq!(env.store_bytes(), before);
    }
}

#[test]
fn events_without_an_os_account_and_events_with_one_verify_in_one_chain() {
    let env = TestEnv::new();
    // The library path with no OS account given writes events without one,
    // as every tokctl before schema 7 did.
    env.bulk_create(&["bulk-1".to_owned(), "bulk-2".to_owned()]);
    env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1d"]);
    assert!(env.count("SELECT count(*) FROM audit_events WHERE os_user IS NULL") > 0);
    assert!(env.count("SELECT count(*) FROM audit_events WHERE os_user IS NOT NULL") > 0);
    let out = env.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0));
    let json = events(&env);
    assert!(json.iter().any(|event| event["os_user"].is_null()));
}
