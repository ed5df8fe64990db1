//! The usage journal: a session that defers its usage (the CLI's one-shot
//! verify) appends its uses beside the store instead of writing them, and
//! the next write of usage folds them in, exactly once, whatever happens
//! between the commit and the emptying of the file.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::common::session::{request, verified};
use tokctl::clock::FixedClock;
use tokctl::duration::parse_time;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::ops::Session;
use tokctl::store::{Store, StoreLocation};

const NOW: &str = "2026-11-22T10:00:00Z";

fn open(path: &Path, actor: &str) -> Session {
    let store = Store::open(&StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    })
    .unwrap()
    .store;
    Session::new(
        store,
        Arc::new(FixedClock::new(parse_time(NOW).unwrap())),
        Box::new(MemoryKeyring::default()),
        KeyringMode::Off,
        actor,
    )
    .with_os_user(format!("{actor} (uid 1000)"))
}

fn journal(path: &Path) -> PathBuf {
    let mut side = path.as_os_str().to_owned();
    side.push("-usage");
    PathBuf::from(side)
}

/// A store with one token; returns its secret.
fn store_with_token(path: &Path) -> String {
    let mut admin = open(path, "alice");
    admin.bootstrap_if_empty().unwrap();
    let created = admin
        .create_token(request("svc", &["repo:read"], "90d"))
        .unwrap();
    created.secret.expose().to_owned()
}

/// One process's one-shot verification: verify, flush (into the journal).
fn verify_once(path: &Path, actor: &str, secret: &str) {
    let mut session = open(path, actor);
    session.defer_usage();
    verified(session.verify(secret, None));
    session.flush_usage().unwrap();
}

/// Reads the stored count without folding anything.
fn stored_use_count(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT use_count FROM tokens", [], |row| row.get(0))
        .unwrap()
}

fn use_events(path: &Path) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT actor, os_user, details FROM audit_events WHERE action = 'token.use' ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn one_shot_uses_wait_in_the_journal_and_are_folded_as_written_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    let secret = store_with_token(&path);
    verify_once(&path, "ci", &secret);
    verify_once(&path, "ci", &secret);
    verify_once(&path, "deploy", &secret);
    assert_eq!(stored_use_count(&path), 0, "nothing was written yet");
    assert!(std::fs::metadata(journal(&path)).unwrap().len() > 0);

    let mut reader = open(&path, "alice");
    reader.fold_deferred_usage().unwrap();
    let shown = reader.show_token("svc", None).unwrap();
    assert_eq!(shown.use_count, 3);
    assert_eq!(shown.last_used_at, Some(parse_time(NOW).unwrap()));
    let one_use = |actor: &str| {
        (
            actor.to_owned(),
            format!("{actor} (uid 1000)"),
            r#"{"tokens":1,"uses":1}"#.to_owned(),
        )
    };
    assert_eq!(
        use_events(&path),
        [one_use("ci"), one_use("ci"), one_use("deploy")],
        "each process's use as its own write would have recorded it"
    );
    assert_eq!(std::fs::metadata(journal(&path)).unwrap().len(), 0);

    // Folding again finds nothing; the counts stay.
    reader.fold_deferred_usage().unwrap();
    drop(reader);
    assert_eq!(stored_use_count(&path), 3);
    assert_eq!(use_events(&path).len(), 3);
}

/// The journal is emptied only after the fold committed. A process that
/// dies in between leaves the file as it was; the next fold must not count
/// those uses a second time, and must still count what came after them.
#[test]
fn a_journal_left_full_after_its_fold_committed_is_not_counted_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    let secret = store_with_token(&path);
    verify_once(&path, "ci", &secret);
    verify_once(&path, "ci", &secret);
    let before_fold = std::fs::read(journal(&path)).unwrap();

    let mut folder = open(&path, "alice");
    folder.fold_deferred_usage().unwrap();
    drop(folder);
    assert_eq!(stored_use_count(&path), 2);
    // As if the process had stopped before emptying the file.
    std::fs::write(journal(&path), &before_fold).unwrap();
    verify_once(&path, "ci", &secret);

    let mut folder = open(&path, "alice");
    folder.fold_deferred_usage().unwrap();
    drop(folder);
    assert_eq!(
        stored_use_count(&path),
        3,
        "the two folded uses once, the new one once"
    );
}

/// A fold whose transaction rolls back takes nothing: the next one finds
/// every record still there.
#[test]
fn a_fold_that_rolls_back_leaves_the_records_for_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    let secret = store_with_token(&path);
    verify_once(&path, "ci", &secret);

    let mut store = Store::open(&StoreLocation {
        path: path.clone(),
        create_dirs: false,
    })
    .unwrap()
    .store;
    let failed: tokctl::Result<()> = store.write(|q| {
        assert_eq!(q.take_deferred_usage()?.len(), 1);
        Err(tokctl::Error::request(
            "changed my mind",
            tokctl::error::RequestProblem::Other,
        ))
    });
    assert!(failed.is_err());
    drop(store);
    assert!(std::fs::metadata(journal(&path)).unwrap().len() > 0);

    let mut folder = open(&path, "alice");
    folder.fold_deferred_usage().unwrap();
    drop(folder);
    assert_eq!(stored_use_count(&path), 1);
}

/// Many processes appending at once (each under the file's lock) lose no
/// record.
#[test]
fn concurrent_appends_are_all_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    let secret = store_with_token(&path);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..10 {
                    verify_once(&path, "ci", &secret);
                }
            });
        }
    });
    let mut folder = open(&path, "alice");
    folder.fold_deferred_usage().unwrap();
    drop(folder);
    assert_eq!(stored_use_count(&path), 80);
}

/// A deferring session with a refusal to record writes at once: refusals
/// are what an audit of an attack looks for, so they never wait.
#[test]
fn refusals_are_written_at_once_even_when_uses_are_deferred() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    store_with_token(&path);
    let mut session = open(&path, "ci");
    session.defer_usage();
    assert!(!session.verify("tkp_garbage", None).unwrap().is_valid());
    session.flush_usage().unwrap();
    drop(session);
    let refusals: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_events WHERE action = 'token.verify'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(refusals, 1);
    assert!(std::fs::metadata(journal(&path)).map_or(0, |m| m.len()) == 0);
}

/// A store in memory has no journal: a deferring session writes as any other.
#[test]
fn without_a_journal_deferred_uses_are_written() {
    let mut h = crate::common::session::harness();
    let created = crate::common::session::create(&mut h, "svc", &["repo:read"], "90d");
    h.session.defer_usage();
    verified(h.session.verify(created.secret.expose(), None));
    h.session.flush_usage().unwrap();
    assert_eq!(h.session.show_token("svc", None).unwrap().use_count, 1);
}

/// `store copy` reads the tables: uses still waiting in the journal would
/// be missing from the copy (its counts, history and trail), and the
/// journal would stay behind with the local file. The copy folds them in
/// first, so the copy and its dry run's counts carry every use.
#[test]
fn a_store_copy_carries_uses_still_waiting_in_the_usage_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokctl.db");
    let secret = store_with_token(&path);
    verify_once(&path, "ci", &secret);
    verify_once(&path, "deploy", &secret);
    assert_eq!(stored_use_count(&path), 0, "nothing was written yet");

    let mut source = open(&path, "alice");
    let mut target = Store::open_in_memory().unwrap();
    let dry = source.copy_store(&mut target, true).unwrap();
    let copy = source.copy_store(&mut target, false).unwrap();
    assert_eq!(copy.counts, dry.counts);
    assert_eq!(copy.counts.usage_hours, 1);
    assert_eq!(std::fs::metadata(journal(&path)).unwrap().len(), 0);
    drop(source);
    assert_eq!(stored_use_count(&path), 2);

    let there = Session::new(
        target,
        Arc::new(FixedClock::new(parse_time(NOW).unwrap())),
        Box::new(MemoryKeyring::default()),
        KeyringMode::Off,
        "alice",
    );
    let shown = there.show_token("svc", None).unwrap();
    assert_eq!(shown.use_count, 2);
    assert_eq!(shown.last_used_at, Some(parse_time(NOW).unwrap()));
    let mut uses = Vec::new();
    there
        .audit_events(
            &tokctl::ops::AuditQuery {
                action: Some("token.use".into()),
                ..tokctl::ops::AuditQuery::default()
            },
            |event| {
                uses.push((event.actor.clone(), event.details.clone()));
                Ok::<_, tokctl::Error>(())
            },
        )
        .unwrap();
    assert_eq!(
        uses,
        [
            (Some("ci".to_owned()), r#"{"tokens":1,"uses":1}"#.to_owned()),
            (
                Some("deploy".to_owned()),
                r#"{"tokens":1,"uses":1}"#.to_owned()
            ),
        ]
    );
}
