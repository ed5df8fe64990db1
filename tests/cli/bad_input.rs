//! Every bad input: one `error:` line (plus an optional `hint:`), a
//! documented exit code, no panic, and the store byte-for-byte unchanged.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

/// (arguments, stdin, exit code, text the error line must contain)
#[rustfmt::skip]
const CASES: &[(&[&str], &str, i32, &str)] = &[
    (&["create", "--bogus"], "", 2, "unexpected argument '--bogus'"),
    (&["create", "--scope", "repo:read", "--expires", "3x"], "", 2, "invalid value '3x'"),
    (&["create", "--scope", "repo:read", "--expires", "-3d"], "", 2, "'-3d'"),
    (&["create", "--scope", "repo:read", "--expires", "1y1y"], "", 2, "invalid value '1y1y'"),
    (&["create", "--scope", "repo:read", "--expires", "2026-02-30"], "", 2, "invalid value '2026-02-30'"),
    (&["create", "--scope", "repo:read", "--expires", "2020-01-01"], "", 2, "is not in the future"),
    (&["create", "--scope", "repo:read", "--expires", "0d"], "", 2, "must be longer than zero"),
    (&["create", "--scope", "repo", "--expires", "1d"], "", 2, "expected resource:action"),
    (&["create", "--scope", "repo:delete", "--expires", "1d"], "", 2, "read, write or admin"),
    (&["create", "--expires", "1d"], "", 2, "at least one scope"),
    (&["create", "--scope", "repo:read"], "", 2, "needs an expiry"),
    (&["create", "--name", "ci", "--scope", "repo:read", "--expires", "1d"], "", 4, "token 'ci' already exists"),
    (&["create", "--name", "bad\nname", "--scope", "repo:read", "--expires", "1d"], "", 2, "control characters"),
    (&["create", "--name=-x", "--scope", "repo:read", "--expires", "1d"], "", 2, "must not start with '-'"),
    (&["create", "--org", "nope", "--scope", "repo:read", "--expires", "1d"], "", 3, "org 'nope' not found"),
    (&["create", "--user", "ghost", "--scope", "repo:read", "--expires", "1d"], "", 3, "user 'ghost' not found"),
    (&["create", "--user", "x", "--org-token", "--scope", "repo:read", "--expires", "1d"], "", 2, "cannot be used with"),
    (&["create", "--format", "xml", "--scope", "repo:read", "--expires", "1d"], "", 2, "invalid value 'xml' for '--format <FORMAT>' [possible values: table, json"),
    (&["create", "--keyring", "maybe", "--scope", "repo:read", "--expires", "1d"], "", 2, "invalid value 'maybe' for '--keyring <MODE>': expected auto, required or off"),
    (&["show", "missing"], "", 3, "token 'missing' not found"),
    (&["show", "AAAAAAAAAAA"], "", 3, "not found"),
    (&["show"], "", 2, "required"),
    (&["revoke", "missing"], "", 3, "token 'missing' not found"),
    (&["revoke", "ci", "missing"], "", 3, "token 'missing' not found"),
    (&["revoke", "ci", "--reason", "a\nb"], "", 2, "invalid reason"),
    (&["revoke"], "", 2, "nothing to revoke"),
    (&["list", "--status", "gone"], "", 2, "invalid value 'gone'"),
    (&["list", "--kind", "robot"], "", 2, "invalid value 'robot'"),
    (&["list", "--org", "nope"], "", 3, "org 'nope' not found"),
    (&["verify"], "", 2, "no token given"),
    (&["verify"], " \n", 2, "no token given"),
    (&["verify", "--scope", "nope"], "x", 2, "invalid value 'nope'"),
    (&["member", "add", "--org", "default", "--user", "alice", "--role", "god"], "", 2, "owner, admin or member"),
    (&["member", "add", "--org", "default", "--user", "alice", "--role", "member"], "", 2, "last owner"),
    (&["member", "add", "--org", "default", "--user", "ghost", "--role", "member"], "", 3, "user 'ghost' not found"),
    (&["org", "add", "default"], "", 4, "org 'default' already exists"),
    (&["org", "add", ""], "", 2, "must not be empty"),
    (&["user", "add", "alice"], "", 4, "user 'alice' already exists"),
    (&["secret", "missing"], "", 3, "not found"),
    (&["frobnicate"], "", 2, "unrecognized subcommand"),
    (&["rotate"], "", 2, "required"),
    (&["rotate", "missing"], "", 3, "token 'missing' not found"),
    (&["rotate", "ci", "--grace", "-1d"], "", 2, "invalid value '-1d'"),
    (&["rotate", "ci", "--grace", "5q"], "", 2, "unknown unit"),
    (&["rotate", "ci", "--expires", "yesterday"], "", 2, "invalid value 'yesterday'"),
    (&["check"], "", 2, "nothing to check"),
    (&["check", "--expiring", "0x"], "", 2, "invalid value '0x'"),
    (&["check", "--stale"], "", 2, "a value is required"),
    (&["check", "--stale", "1y", "--format", "yaml"], "", 2, "invalid value 'yaml'"),
    (&["prune"], "", 2, "required"),
    (&["prune", "--before", "soon"], "", 2, "invalid value 'soon'"),
    (&["prune", "--before", "1y1y"], "", 2, "invalid value '1y1y'"),
    (&["audit", "--since", "tomorrowish"], "", 2, "invalid value 'tomorrowish'"),
    (&["audit", "--format", "xml"], "", 2, "invalid value 'xml'"),
    (&["audit", "prune"], "", 2, "required"),
    (&["audit", "--token", "missing"], "", 3, "token 'missing' not found"),
    (&["audit", "verify", "--format", "yaml"], "", 2, "invalid value 'yaml'"),
    (&["report", "--org", "nope"], "", 3, "org 'nope' not found"),
    (&["org", "policy", "nope"], "", 3, "org 'nope' not found"),
    (&["org", "policy", "default", "--max-lifetime", "3x"], "", 2, "invalid value '3x'"),
    (&["org", "policy", "default", "--member-tokens", "maybe"], "", 2, "invalid value 'maybe'"),
    (&["org", "policy", "default", "--max-tokens", "-1"], "", 2, "'-1'"),
    (&["org", "policy", "default", "--allowed-scopes", "repo"], "", 2, "invalid value 'repo'"),
    (&["org", "policy", "default", "--require-expiry", "--no-require-expiry"], "", 2, "cannot be used with"),
    (&["policy", "check", "--org", "nope"], "", 3, "org 'nope' not found"),
    (&["policy", "check", "--dry-run"], "", 2, "--revoke"),
    (&["list", "--stale", "-1d"], "", 2, "invalid value '-1d'"),
    (&["list", "--expiring", "1y1y"], "", 2, "invalid value '1y1y'"),
    (&["list", "--sort", "random"], "", 2, "invalid value 'random'"),
    (&["list", "--scope", "bad"], "", 2, "invalid value 'bad'"),
    (&["list", "--all", "--status", "active"], "", 2, "cannot be used with"),
    (&["list", "--owner", "ghost"], "", 3, "user 'ghost' not found"),
    (&["revoke", "ci", "--secret-stdin"], "ci", 2, "cannot be used with"),
    (&["revoke", "--stale", "1y", "--format", "csv"], "", 2, "--dry-run"),
    (&["revoke", "--secret-stdin"], "", 2, "no token given"),
    (&["revoke", "--secret-stdin"], "tkp_garbage", 10, "not a well-formed"),
    (&["verify", "--batch", "--format", "json"], "", 2, "cannot be used with"),
    (&["verify", "--resource", "repo=api"], "x", 2, "--scope"),
    (&["member", "add", "--org", "default", "--user"], "", 2, "a value is required"),
    (&["member", "remove", "--org", "default", "--user", "ghost"], "", 3, "user 'ghost' not found"),
    (&["user", "add"], "", 2, "required"),
    (&["user", "remove", "ghost", "--yes"], "", 3, "user 'ghost' not found"),
    (&["org", "add"], "", 2, "required"),
    (&["secret"], "", 2, "required"),
    (&["completions", "tcsh"], "", 2, "invalid value 'tcsh'"),
    (&["backup"], "", 2, "required"),
    (&["create", "--name", "x\ty", "--scope", "repo:read", "--expires", "1d"], "", 2, "control characters"),
    (&["create", "--description", "line\nbreak", "--scope", "repo:read", "--expires", "1d"], "", 2, "control characters"),
    (&["create", "--scope", "repo:read", "--resource", "repo=a b", "--expires", "1d"], "", 2, "must start with a letter or digit"),
    (&["--color", "sometimes", "list"], "", 2, "invalid value 'sometimes'"),
];

#[test]
fn bad_inputs_fail_cleanly_and_change_nothing() {
    let env = TestEnv::new();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    for (args, stdin, code, needle) in CASES {
        let before = env.store_bytes();
        let out = env.run_stdin(args, *stdin);
        assert_error(&out, *code, needle);
        assert!(env.store_bytes() == before, "store changed by {args:?}");
    }
}

#[test]
fn the_matrix_is_large() {
    assert!(CASES.len() >= 60, "{} cases", CASES.len());
}

#[test]
fn names_with_quotes_and_shell_metacharacters_round_trip_untouched() {
    let env = TestEnv::new();
    let name = r#"it's "quoted" $(rm -rf /); `id` | tee > x & * ?"#;
    env.create(&["--name", name, "--scope", "repo:read", "--expires", "1d"]);
    let shown = env.json(&["show", name, "--format", "json"]);
    assert_eq!(shown["name"], name);
    assert!(!env.dir.path().join("x").exists(), "nothing was run");
}

#[test]
fn non_utf8_arguments_are_refused() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    let before = env.store_bytes();
    let bad = std::ffi::OsStr::from_bytes(&[0x66, 0x6f, 0xff, 0xfe]);
    let out = env
        .cmd(&[
            "create",
            "--scope",
            "repo:read",
            "--expires",
            "1d",
            "--name",
        ])
        .arg(bad)
        .output()
        .unwrap();
    assert_error(&out, 2, "invalid UTF-8");
    assert!(env.store_bytes() == before);
}

#[test]
fn a_directory_as_the_store_is_refused() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["list"])
        .env("TOKCTL_DB", env.dir.path())
        .output()
        .unwrap();
    assert_error(&out, 6, "cannot open the store");
}

#[test]
fn a_ten_kilobyte_name_is_refused() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    let long = "n".repeat(10_000);
    let out = env.run(&[
        "create",
        "--name",
        &long,
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(&out, 2, "longer than 100 characters");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.len() < 400, "the echoed value is shortened");
    assert!(env.store_bytes() == before, "the store changed");
}

/// A refused verification changes no token, but is audited: one denied
/// `token.verify` event (with a count of one) per one-shot attempt, garbage,
/// huge or binary input alike.
#[test]
fn rejected_verifications_change_nothing_but_the_audit_trail() {
    let env = TestEnv::new();
    let tokens_before = env.ok(&["list", "--all", "--format", "json"]);
    let inputs: [Vec<u8>; 3] = [
        b"hello world".to_vec(),
        vec![b'a'; 1 << 20],
        vec![0xff, 0xfe, 0x00, 0x41],
    ];
    for input in inputs {
        let out = env.run_stdin(&["verify"], input);
        assert_error(&out, 10, "not a well-formed tokctl token");
    }
    assert_eq!(
        env.ok(&["list", "--all", "--format", "json"]),
        tokens_before
    );
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let denied: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_events WHERE action = 'token.verify'
             AND outcome = 'denied' AND json_extract(details, '$.reason') = 'malformed'
             AND json_extract(details, '$.count') = 1 AND token_id IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(denied, 3);
}

#[test]
fn an_unknown_actor_is_refused_with_a_hint() {
    let mut env = TestEnv::new();
    env.user = "mallory".into();
    let before = env.store_bytes();
    let out = env.run(&["list"]);
    assert_error(&out, 5, "user 'mallory' is not registered");
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("hint: an owner can register it with 'tokctl user add mallory'"));
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let env = TestEnv::empty();
    std::fs::write(
        env.db(),
        b"this is not a database, just some text that is long enough",
    )
    .unwrap();
    env.make_store_private();
    let before = env.store_bytes();
    assert_error(&env.run(&["list"]), 6, "is not a tokctl store");
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn another_apps_sqlite_file_is_refused_untouched() {
    let env = TestEnv::empty();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
        .unwrap();
    drop(conn);
    env.make_store_private();
    let before = env.store_bytes();
    assert_error(&env.run(&["list"]), 6, "is not a tokctl store");
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn a_store_from_a_newer_tokctl_is_refused_untouched() {
    let env = TestEnv::new();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = env.store_bytes();
    let out = env.run(&["list"]);
    let expected = format!(
        "has schema version 99, newer than this tokctl supports ({})",
        tokctl::store::SCHEMA_VERSION
    );
    assert_error(&out, 6, &expected);
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint: upgrade tokctl"));
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn an_explicit_store_path_needs_an_existing_directory() {
    let env = TestEnv::empty();
    let missing = env.dir.path().join("no/such/dir/tokctl.db");
    let out = env
        .cmd(&["list"])
        .env("TOKCTL_DB", &missing)
        .output()
        .unwrap();
    assert_error(&out, 2, "the directory of the store does not exist");
    assert!(!env.dir.path().join("no").exists());
}

#[test]
fn a_read_only_store_is_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o400)).unwrap();
    // Root ignores file modes; there the scenario cannot be built this way.
    if std::fs::OpenOptions::new()
        .write(true)
        .open(env.db())
        .is_ok()
    {
        eprintln!("skipped: file modes are not enforced for this user (root)");
        return;
    }
    let before = env.store_bytes();
    assert_error(&env.run(&["list"]), 6, "is read-only");
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn a_store_from_an_older_tokctl_is_upgraded_in_place() {
    let env = TestEnv::empty();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(include_str!(
        "../../src/store/sqlite/migrations/0001_init.sql"
    ))
    .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1; PRAGMA application_id = 1953459043;
         INSERT INTO orgs (id, name, created_at) VALUES (1, 'default', 0);
         INSERT INTO users (id, name, created_at) VALUES (1, 'alice', 0);
         INSERT INTO memberships VALUES (1, 1, 'owner', 0);
         INSERT INTO tokens (id, kind, org_id, owner_user_id, name, scopes, secret_hash, created_at, created_by)
         VALUES (12345, 'personal', 1, 1, 'old', 'repo:read', zeroblob(32), 0, 1);",
    )
    .unwrap();
    drop(conn);
    env.make_store_private();
    let listed = env.json(&["list", "--format", "json"]);
    assert_eq!(listed[0]["name"], "old");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, tokctl::store::SCHEMA_VERSION);
}
