//! The store against another local user and against a file someone else
//! edited: each test performs the attack through the real binary and shows
//! it refused with one line, exit code 24 (or 6 or 2 for paths that are not
//! plain files), and nothing written. docs/SECURITY.md lists them.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{assert_error, TestEnv};

/// Exit code of a store refused as unsafe.
const UNSAFE: i32 = 24;
/// Exit code of a store path that cannot be used.
const STORE: i32 = 6;
/// Exit code of bad usage.
const USAGE: i32 = 2;

/// The other local user: `nobody`, present on every Linux system.
const OTHER_UID: u32 = 65534;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn side(env: &TestEnv, suffix: &str) -> PathBuf {
    let mut path = env.db().into_os_string();
    path.push(suffix);
    PathBuf::from(path)
}

/// The names in a directory, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// How the tests act as a second local user.
enum OtherUser {
    /// Running as root with setpriv: commands really run as uid 65534.
    Setpriv,
    /// Running as root without setpriv: files are written, then chowned.
    Chown,
}

impl OtherUser {
    /// The second user, or `None` (after saying why) when this process can
    /// neither switch user nor give files away.
    fn get() -> Option<OtherUser> {
        if rustix::process::geteuid().as_raw() != 0 {
            eprintln!("skipped: acting as another user needs root (setpriv or chown)");
            return None;
        }
        let setpriv = Command::new("setpriv")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        Some(if setpriv {
            OtherUser::Setpriv
        } else {
            OtherUser::Chown
        })
    }

    /// Writes `bytes` to `path` as the other user with mode 0666: a file
    /// it can read and rewrite whenever it likes.
    fn plant(&self, path: &Path, bytes: &[u8]) {
        match self {
            OtherUser::Setpriv => {
                let mut child = Command::new("setpriv")
                    .args([
                        &format!("--reuid={OTHER_UID}"),
                        &format!("--regid={OTHER_UID}"),
                        "--clear-groups",
                        "sh",
                        "-c",
                        "umask 0; cat > \"$1\"",
                        "sh",
                    ])
                    .arg(path)
                    .stdin(Stdio::piped())
                    .spawn()
                    .unwrap();
                std::io::Write::write_all(&mut child.stdin.take().unwrap(), bytes).unwrap();
                assert!(child.wait().unwrap().success(), "setpriv failed");
            }
            OtherUser::Chown => {
                std::fs::write(path, bytes).unwrap();
                std::os::unix::fs::chown(path, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
                chmod(path, 0o666);
            }
        }
        let meta = std::fs::metadata(path).unwrap();
        assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), OTHER_UID);
    }
}

/// Folds the WAL into the store and lets SQLite delete it, as the last
/// connection of any ordinary SQLite program (the sqlite3 shell) does.
fn fold_and_remove_wal(env: &TestEnv) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("SELECT count(*) FROM tokens", [], |row| {
        row.get::<_, i64>(0)
    })
    .unwrap();
    drop(conn);
    assert!(!side(env, "-wal").exists());
}

/// A test environment whose directory is shared like /tmp (1777).
fn shared_env() -> TestEnv {
    let env = TestEnv::empty();
    chmod(env.dir.path(), 0o1777);
    env
}

#[test]
fn a_wal_and_shm_planted_by_another_user_in_a_shared_directory_are_refused() {
    let Some(other) = OtherUser::get() else {
        return;
    };
    let env = shared_env();
    other.plant(&side(&env, "-wal"), b"");
    other.plant(&side(&env, "-shm"), b"");
    let out = env.run(&[
        "create",
        "--name",
        "ci",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(
        &out,
        UNSAFE,
        &format!("tokctl.db-wal is owned by uid {OTHER_UID}, not by you"),
    );
    // Nothing created, nothing written into the files the other user reads.
    assert!(!env.db().exists());
    assert_eq!(std::fs::read(side(&env, "-wal")).unwrap(), b"");
    assert_eq!(std::fs::read(side(&env, "-shm")).unwrap(), b"");
}

#[test]
fn a_wal_planted_next_to_an_existing_store_is_refused() {
    let Some(other) = OtherUser::get() else {
        return;
    };
    let env = shared_env();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    // The other user gets there first once the WAL is gone.
    fold_and_remove_wal(&env);
    other.plant(&side(&env, "-wal"), b"");
    let before = env.store_bytes();
    let out = env.run(&["revoke", "ci"]);
    assert_error(&out, UNSAFE, "tokctl.db-wal is owned by uid");
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(std::fs::read(side(&env, "-wal")).unwrap(), b"");
}

#[test]
fn a_wal_copied_back_by_another_user_cannot_unrevoke_a_token() {
    let Some(other) = OtherUser::get() else {
        return;
    };
    let env = shared_env();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    // A second, small write: the first (which made the store) left a WAL
    // past 64 KiB, folded when it closed; this one stays in the WAL.
    env.create(&["--name", "cd", "--scope", "repo:read", "--expires", "1d"]);
    // The WAL as it was while the token was live (what an attacker who
    // could read it would have kept).
    let live_wal = std::fs::read(side(&env, "-wal")).unwrap();
    assert!(!live_wal.is_empty());
    env.ok(&["revoke", "ci"]);
    fold_and_remove_wal(&env);
    other.plant(&side(&env, "-wal"), &live_wal);

    // The payload is real: SQLite itself would read the token as active.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(env.db(), copy.path().join("tokctl.db")).unwrap();
    std::fs::write(copy.path().join("tokctl.db-wal"), &live_wal).unwrap();
    let conn = rusqlite::Connection::open(copy.path().join("tokctl.db")).unwrap();
    let revoked: Option<i64> = conn
        .query_row(
            "SELECT revoked_at FROM tokens WHERE name = 'ci'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(revoked, None, "the old WAL un-revokes the token");
    drop(conn);

    let before = env.store_bytes();
    for args in [&["list", "--all"][..], &["audit", "verify"], &["doctor"]] {
        let out = env.run(args);
        if args[0] == "doctor" {
            assert_eq!(out.status.code(), Some(1), "doctor reports it");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(stdout.contains("is owned by uid"), "{stdout}");
        } else {
            assert_error(&out, UNSAFE, "tokctl.db-wal is owned by uid");
        }
    }
    assert!(env.store_bytes() == before, "the store changed");
    // Without the planted file, the revocation stands.
    std::fs::remove_file(side(&env, "-wal")).unwrap();
    let listed = env.json(&["list", "--all", "--name", "ci", "--format", "json"]);
    assert_eq!(listed[0]["status"], "revoked");
}

#[test]
fn a_store_file_precreated_by_another_user_is_refused() {
    let Some(other) = OtherUser::get() else {
        return;
    };
    let env = shared_env();
    other.plant(&env.db(), b"");
    let out = env.run(&[
        "create",
        "--name",
        "ci",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(
        &out,
        UNSAFE,
        &format!("tokctl.db is owned by uid {OTHER_UID}"),
    );
    assert_eq!(std::fs::read(env.db()).unwrap(), b"");
    assert_eq!(entries(env.dir.path()), ["tokctl.db"]);
}

#[test]
fn a_store_in_a_directory_owned_by_another_user_is_refused() {
    let Some(_) = OtherUser::get() else { return };
    let env = TestEnv::new();
    let before = env.store_bytes();
    std::os::unix::fs::chown(env.dir.path(), Some(OTHER_UID), Some(OTHER_UID)).unwrap();
    chmod(env.dir.path(), 0o755);
    let out = env.run(&["list"]);
    assert_error(
        &out,
        UNSAFE,
        &format!("is owned by uid {OTHER_UID}, neither you (uid 0) nor root"),
    );
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn a_shared_directory_without_the_sticky_bit_is_refused() {
    let env = TestEnv::empty();
    chmod(env.dir.path(), 0o777);
    let out = env.run(&[
        "create",
        "--name",
        "ci",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(
        &out,
        UNSAFE,
        "writable by group or others without the sticky bit",
    );
    assert!(entries(env.dir.path()).is_empty(), "nothing is created");

    // An existing store there is refused the same way, untouched.
    chmod(env.dir.path(), 0o700);
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    chmod(env.dir.path(), 0o770);
    let before = env.store_bytes();
    assert_error(
        &env.run(&["revoke", "ci"]),
        UNSAFE,
        "without the sticky bit",
    );
    assert!(env.store_bytes() == before, "the store changed");
}

#[test]
fn a_store_file_open_to_group_or_others_is_refused() {
    let env = TestEnv::new();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    for (suffix, mode) in [("", 0o644), ("-wal", 0o604), ("-shm", 0o660)] {
        let path = side(&env, suffix);
        chmod(&path, mode);
        let before = env.store_bytes();
        let out = env.run(&["revoke", "ci"]);
        assert_error(
            &out,
            UNSAFE,
            &format!("tokctl.db{suffix} can be used by group or others (mode {mode:o}"),
        );
        assert!(env.store_bytes() == before, "the store changed");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            mode,
            "the mode is reported, not silently changed"
        );
        chmod(&path, 0o600);
    }
    env.ok(&["revoke", "ci"]);
}

#[test]
fn a_sticky_shared_directory_is_fine_when_the_files_are_private() {
    let env = shared_env();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["revoke", "ci"]);
    for suffix in ["", "-wal", "-shm"] {
        let mode = std::fs::metadata(side(&env, suffix))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "tokctl.db{suffix}");
    }
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    let verdicts: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("directory", "ok"),
            ("store", "ok"),
            ("wal", "ok"),
            ("shm", "ok"),
            ("journal", "absent"),
            ("usage", "absent")
        ]
    );
    assert_eq!(files[0]["mode"], "1777");
}

#[test]
fn doctor_reports_unsafe_files_without_touching_them() {
    let env = TestEnv::new();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    chmod(&side(&env, "-wal"), 0o644);
    let before = env.store_bytes();
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let wal = &report["files"][2];
    assert_eq!(wal["file"], "wal");
    assert_eq!(wal["mode"], "644");
    assert_eq!(wal["owner"], rustix::process::geteuid().as_raw());
    assert_eq!(
        wal["verdict"],
        "can be used by group or others (mode 644, must be 600)"
    );
    assert!(env.store_bytes() == before, "doctor wrote to the store");
    assert_eq!(
        std::fs::metadata(side(&env, "-wal"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o644
    );
}

/// Plants SQL in the store with SQLite directly, as someone who can write
/// the file would.
fn plant(env: &TestEnv, sql: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// One token `ci` in a fresh store; returns the env.
fn store_with_a_token() -> TestEnv {
    let env = TestEnv::new();
    env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "1d"]);
    env
}

fn revoked_at(env: &TestEnv) -> Option<i64> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row(
        "SELECT revoked_at FROM tokens WHERE name = 'ci'",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

#[test]
fn a_planted_trigger_that_unrevokes_tokens_is_refused() {
    let env = store_with_a_token();
    plant(
        &env,
        "CREATE TRIGGER keep_active AFTER UPDATE OF revoked_at ON tokens BEGIN
             UPDATE tokens SET revoked_at = NULL, revoked_by = NULL, revoke_reason = NULL
             WHERE id = NEW.id;
         END;",
    );
    let before = env.store_bytes();
    let out = env.run(&["revoke", "ci"]);
    assert_error(
        &out,
        UNSAFE,
        "the store has schema objects tokctl did not create: trigger keep_active",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("tokctl doctor"));
    assert!(out.stdout.is_empty(), "nothing claims it was revoked");
    assert_error(&env.run(&["list"]), UNSAFE, "trigger keep_active");
    assert_error(
        &env.run(&["audit", "verify"]),
        UNSAFE,
        "trigger keep_active",
    );
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(revoked_at(&env), None);
}

#[test]
fn a_planted_trigger_that_deletes_revoke_events_is_refused() {
    let env = store_with_a_token();
    plant(
        &env,
        "CREATE TRIGGER forget AFTER INSERT ON audit_trail
             WHEN NEW.action = (SELECT id FROM audit_names WHERE name = 'token.revoke') BEGIN
             DELETE FROM audit_trail WHERE id = NEW.id;
         END;",
    );
    let events = env.count("SELECT count(*) FROM audit_events");
    let before = env.store_bytes();
    assert_error(&env.run(&["revoke", "ci"]), UNSAFE, "trigger forget");
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(env.count("SELECT count(*) FROM audit_events"), events);
    assert_eq!(revoked_at(&env), None);
}

#[test]
fn a_planted_trigger_that_copies_hashes_is_refused() {
    let env = store_with_a_token();
    plant(
        &env,
        "CREATE TABLE loot (hash BLOB);
         CREATE TRIGGER copy_hash AFTER INSERT ON tokens BEGIN
             INSERT INTO loot VALUES (NEW.secret_hash);
         END;",
    );
    let before = env.store_bytes();
    let out = env.run(&[
        "create",
        "--name",
        "next",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(&out, UNSAFE, "table loot, trigger copy_hash");
    assert!(out.stdout.is_empty(), "no secret was minted");
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(env.count("SELECT count(*) FROM loot"), 0);
    assert_eq!(env.count("SELECT count(*) FROM tokens"), 1);
}

#[test]
fn a_planted_trigger_in_an_older_store_is_refused_before_migrating() {
    let env = TestEnv::empty();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(include_str!(
        "../../src/store/sqlite/migrations/0001_init.sql"
    ))
    .unwrap();
    // Migration 5 rewrites every token row: this would run for each.
    conn.execute_batch(
        "PRAGMA user_version = 1; PRAGMA application_id = 1953459043;
         CREATE TRIGGER on_migrate AFTER UPDATE ON tokens BEGIN SELECT 1; END;",
    )
    .unwrap();
    drop(conn);
    env.make_store_private();
    let before = env.store_bytes();
    assert_error(&env.run(&["list"]), UNSAFE, "trigger on_migrate");
    assert_error(&env.run(&["doctor"]), UNSAFE, "trigger on_migrate");
    assert!(env.store_bytes() == before, "the store changed");
    assert_eq!(env.count("PRAGMA user_version"), 1);
}

#[test]
fn doctor_lists_planted_schema_objects_and_writes_nothing() {
    let env = store_with_a_token();
    plant(
        &env,
        "CREATE TRIGGER keep_active AFTER UPDATE OF revoked_at ON tokens BEGIN SELECT 1; END;
         CREATE VIEW live AS SELECT name FROM tokens;
         DROP INDEX tokens_by_expiry;",
    );
    let before = env.store_bytes();
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(
        report["schema"],
        serde_json::json!([
            "trigger keep_active",
            "view live",
            "index tokens_by_expiry (missing)"
        ])
    );
    // The rest of the report is still there.
    assert_eq!(report["audit_chain"], "intact");
    let table = env.run(&["doctor"]);
    assert!(String::from_utf8_lossy(&table.stdout)
        .contains("not created by tokctl: trigger keep_active, view live"));
    assert!(env.store_bytes() == before, "doctor wrote to the store");
}

#[test]
fn a_fifo_as_the_store_is_refused_before_sqlite_sees_it() {
    let env = TestEnv::empty();
    let fifo = env.dir.path().join("store.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = env.cmd(&["list"]).env("TOKCTL_DB", &fifo).output().unwrap();
    assert_error(&out, STORE, "it is a FIFO, not a regular file");
    assert_eq!(entries(env.dir.path()), ["store.fifo"]);
}

#[test]
fn a_device_as_the_store_is_refused_and_nothing_is_left_beside_it() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["list"])
        .env("TOKCTL_DB", "/dev/null")
        .output()
        .unwrap();
    assert_error(
        &out,
        STORE,
        "cannot open the store at /dev/null: it is a character device",
    );
    for suffix in ["-journal", "-wal", "-shm"] {
        assert!(!Path::new(&format!("/dev/null{suffix}")).exists());
    }
}

#[test]
fn an_sqlite_uri_as_the_store_is_refused() {
    let env = TestEnv::empty();
    let absolute = format!("file:{}/a.db?nolock=1", env.dir.path().display());
    for uri in [absolute.as_str(), "file:a.db?nolock=1", "file:a.db"] {
        let out = env
            .cmd(&["list"])
            .env("TOKCTL_DB", uri)
            .current_dir(env.dir.path())
            .output()
            .unwrap();
        assert_error(&out, USAGE, "looks like an SQLite URI");
        assert!(entries(env.dir.path()).is_empty(), "{uri} created a file");
    }
    let out = env
        .cmd(&["list"])
        .env("TOKCTL_DB", ":memory:")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert_error(&out, USAGE, "in-memory database, not a file");
    assert!(entries(env.dir.path()).is_empty());
}

#[test]
fn uri_parsing_is_off_so_a_literal_name_stays_a_file_name() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["list"])
        .env("TOKCTL_DB", "./file:a.db?nolock=1")
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(entries(env.dir.path()).contains(&"file:a.db?nolock=1".to_owned()));
    assert!(!env.dir.path().join("a.db").exists());
}

#[test]
fn a_symlink_as_the_store_is_refused() {
    let env = TestEnv::empty();
    let fifo = env.dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let real = env.dir.path().join("real.db");
    for (link, target) in [
        ("to-null", Path::new("/dev/null")),
        ("to-fifo", fifo.as_path()),
        ("to-missing", Path::new("/nonexistent/tokctl.db")),
    ] {
        let link = env.dir.path().join(link);
        std::os::unix::fs::symlink(target, &link).unwrap();
        let before = entries(env.dir.path());
        let out = env.cmd(&["list"]).env("TOKCTL_DB", &link).output().unwrap();
        assert_error(&out, STORE, "it is a symbolic link, not a regular file");
        assert_eq!(entries(env.dir.path()), before, "something was created");
    }
    // Even a link to a real store: tokctl opens only the file itself.
    env.cmd(&["list"])
        .env("TOKCTL_DB", &real)
        .assert()
        .success();
    let link = env.dir.path().join("to-store");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = env.cmd(&["list"]).env("TOKCTL_DB", &link).output().unwrap();
    assert_error(&out, STORE, "symbolic link");
}
