//! What processes leave beside the store for the next one to read: the WAL
//! (folded once it passes 64 KiB, so no process rereads a large one when it
//! opens the store) and the usage journal (one-shot verifications append
//! their use there instead of writing a transaction; the next other command
//! folds it in, exactly).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::PathBuf;

use crate::common::{assert_error, TestEnv};

const UNSAFE: i32 = 24;
const WAL_FOLD_BYTES: u64 = 64 << 10;

fn side(env: &TestEnv, suffix: &str) -> PathBuf {
    let mut path = env.db().into_os_string();
    path.push(suffix);
    PathBuf::from(path)
}

fn size(env: &TestEnv, suffix: &str) -> u64 {
    std::fs::metadata(side(env, suffix)).map_or(0, |meta| meta.len())
}

/// Each one-shot verification once wrote a transaction (four pages into
/// the WAL) that every later process had to read again on open, and the
/// WAL was never folded: it grew past a megabyte. Now its use is one small
/// record in the usage journal, and the next other command folds it in.
#[test]
fn a_one_shot_verify_writes_no_transaction_and_loses_no_count() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    let before = env.store_bytes();
    for _ in 0..3 {
        assert_eq!(env.verify(&secret, &["--scope", "repo:read"]).0, 0);
    }
    assert!(
        env.store_bytes() == before,
        "verify wrote to the store or its WAL"
    );
    assert!(
        size(&env, "-usage") > 0,
        "the uses wait in the usage journal"
    );

    let shown = env.json(&["show", "svc", "--format", "json"]);
    assert_eq!(shown["use_count"], 3);
    assert_eq!(shown["last_used_at"], crate::common::NOW);
    assert_eq!(size(&env, "-usage"), 0, "folded and emptied");
    // The trail reads as if each verification had written its use itself.
    let events = env.json(&["audit", "--action", "token.use", "--format", "json"]);
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    for event in events {
        assert_eq!(event["details"]["uses"], 1);
        assert_eq!(event["actor"], "alice");
        assert_eq!(event["at"], crate::common::NOW);
    }
    assert_eq!(
        env.json(&["show", "svc", "--format", "json"])["use_count"],
        3,
        "counted once"
    );
}

/// Processes verifying at the same time each append under the journal's
/// lock: no count is lost or doubled.
#[test]
fn concurrent_one_shot_verifies_count_exactly() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| assert_eq!(env.verify(&secret, &[]).0, 0));
        }
    });
    assert_eq!(
        env.json(&["show", "svc", "--format", "json"])["use_count"],
        12
    );
}

/// A batch still writes its uses at the end (one transaction for many), and
/// that write folds in whatever one-shot verifications left.
#[test]
fn a_batch_write_folds_the_journal_in() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    let out = env.run_stdin(&["verify", "--batch"], format!("{secret}\n{secret}\n"));
    assert!(out.status.success());
    assert_eq!(size(&env, "-usage"), 0);
    assert_eq!(
        env.count("SELECT use_count FROM tokens WHERE name = 'svc'"),
        3
    );
}

/// The WAL once stayed at whatever size the last writer left (1.1 MB was
/// seen), and every process that opened the store read all of it again.
/// A process closing the store now folds a WAL past 64 KiB into the file.
#[test]
fn the_wal_never_stays_past_64_kib_after_a_command() {
    let env = TestEnv::new();
    for i in 0..12 {
        let name = format!("t{i}");
        env.create(&["--name", &name, "--scope", "repo:read", "--expires", "1d"]);
        assert!(
            size(&env, "-wal") <= WAL_FOLD_BYTES,
            "after create {i}: {} bytes",
            size(&env, "-wal")
        );
    }
}

/// A WAL a writer left large (it could not fold it: another process held
/// the store) is folded by the next process to close the store alone, a
/// verification included.
#[test]
fn a_wal_left_large_is_folded_by_the_next_process() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .unwrap();
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")
            .unwrap();
        while size(&env, "-wal") <= WAL_FOLD_BYTES {
            conn.execute(
                "UPDATE tokens SET description = CASE WHEN description IS NULL THEN 'x' END",
                [],
            )
            .unwrap();
        }
    }
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(size(&env, "-wal"), 0);
}

/// Whoever can write the usage journal can add uses to any token: one that
/// others can read or write is refused like an unsafe WAL.
#[test]
fn a_usage_journal_others_can_use_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    std::fs::set_permissions(side(&env, "-usage"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.run_stdin(&["verify"], secret.clone());
    assert_error(
        &out,
        UNSAFE,
        "tokctl.db-usage can be used by group or others",
    );
    let out = env.run(&["list"]);
    assert_error(
        &out,
        UNSAFE,
        "tokctl.db-usage can be used by group or others",
    );
}

/// A scan and a shell completion only read the store: they fold nothing
/// (a completion runs at every Tab, a scan in a pre-commit hook), so the
/// uses a one-shot verify left wait for the next other command, which
/// counts them once.
#[test]
fn scan_and_completion_leave_the_usage_journal_for_the_next_command() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    let (store, journal) = (env.store_bytes(), size(&env, "-usage"));
    assert!(journal > 0);

    let scanned = env.run_stdin(&["scan", "-", "--format", "jsonl"], format!("{secret}\n"));
    assert_eq!(
        scanned.status.code(),
        Some(27),
        "{}",
        String::from_utf8_lossy(&scanned.stderr)
    );
    let completed = env
        .cmd(&["--", "tokctl", "revoke", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    assert!(completed.status.success());
    assert!(String::from_utf8_lossy(&completed.stdout).contains("svc"));
    assert!(env.store_bytes() == store, "a read wrote to the store");
    assert_eq!(size(&env, "-usage"), journal, "a read folded the journal");

    assert_eq!(
        env.json(&["show", "svc", "--format", "json"])["use_count"],
        1
    );
    assert_eq!(size(&env, "-usage"), 0);
}

/// Offboarding revokes a person's tokens: a use one of them had before,
/// still waiting in the journal, is written first, so the count, the last
/// use and the trail (the use, then the revocation) are what happened.
#[test]
fn a_use_waiting_in_the_journal_is_written_before_offboarding_revokes_the_token() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    let bob = env.as_user("bob");
    let secret = bob.create(&["--name", "bobs", "--scope", "repo:read", "--expires", "30d"]);
    assert_eq!(bob.verify(&secret, &[]).0, 0);
    assert!(size(&env, "-usage") > 0);

    let offboarded = env.json(&["user", "remove", "bob", "--yes", "--format", "json"]);
    assert_eq!(offboarded[0]["outcome"], "revoked");
    assert_eq!(size(&env, "-usage"), 0);
    assert_eq!(
        env.count("SELECT use_count FROM tokens WHERE name = 'bobs'"),
        1
    );
    let used = env.count("SELECT max(id) FROM audit_events WHERE action = 'token.use'");
    let revoked = env.count("SELECT max(id) FROM audit_events WHERE action = 'token.revoke'");
    assert!(used < revoked, "use {used}, revocation {revoked}");
    // Refused from now on, and the refusal adds no use.
    assert_ne!(env.verify(&secret, &[]).0, 0);
    assert_eq!(
        env.count("SELECT use_count FROM tokens WHERE name = 'bobs'"),
        1
    );
}
