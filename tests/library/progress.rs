//! Progress of the bulk operations through the library: each `_with_progress`
//! call reports its stages with the right totals, advances exactly that
//! many units, and finishes each stage; the keyring clean-up is a stage of
//! its own only when there are entries to delete.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::cell::RefCell;

use crate::common::session::*;
use chrono::Duration;
use tokctl::import::{parse_directory, DirectoryFormat};
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::ops::Selection;
use tokctl::policy::PolicyChange;
use tokctl::progress::{Progress, Stage};
use tokctl::store::Store;

/// One stage as reported: its total, the units advanced, whether it finished.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reported {
    stage: Stage,
    total: Option<u64>,
    advanced: u64,
    finished: bool,
}

/// Every report, stage by stage; a stage started again replaces the last.
#[derive(Debug, Default)]
struct Recorder {
    stages: RefCell<Vec<Reported>>,
}

impl Progress for Recorder {
    fn start(&self, stage: Stage, total: Option<u64>) {
        let mut stages = self.stages.borrow_mut();
        if let Some(last) = stages.last() {
            assert!(
                last.finished || last.stage == stage,
                "{stage:?} started before {last:?} finished"
            );
        }
        if stages.last().is_some_and(|last| !last.finished) {
            stages.pop();
        }
        stages.push(Reported {
            stage,
            total,
            advanced: 0,
            finished: false,
        });
    }

    fn advance(&self, done: u64) {
        let mut stages = self.stages.borrow_mut();
        let last = stages.last_mut().expect("advance before any start");
        assert!(!last.finished, "advance after {last:?} finished");
        last.advanced += done;
    }

    fn finish(&self) {
        let mut stages = self.stages.borrow_mut();
        let last = stages.last_mut().expect("finish before any start");
        assert!(!last.finished, "{last:?} finished twice");
        last.finished = true;
    }
}

impl Recorder {
    fn stages(&self) -> Vec<Reported> {
        self.stages.borrow().clone()
    }
}

/// A stage that ran to its end: `total` known and reached.
fn completed(stage: Stage, total: u64) -> Reported {
    Reported {
        stage,
        total: Some(total),
        advanced: total,
        finished: true,
    }
}

fn stale() -> Selection {
    Selection {
        stale: Some("1y".parse().unwrap()),
        ..Selection::default()
    }
}

#[test]
fn a_bulk_revoke_counts_every_planned_token_then_each_keyring_entry_it_deletes() {
    let mut h = harness();
    for name in ["a", "b", "c", "d", "e"] {
        create(&mut h, name, &["repo:read"], "5y");
    }
    h.clock.advance(Duration::days(400));
    let plan = h.session.plan_revoke(&stale()).unwrap();
    assert_eq!(plan.tokens.len(), 5);
    // Revoked by someone else after the plan: skipped, still one unit.
    revoke_named(&mut h.session, &["c".into()], None, None).unwrap();

    let progress = Recorder::default();
    let done = h
        .session
        .revoke_planned_with_progress(&plan, None, &progress)
        .unwrap();
    assert_eq!(done.revoked.len(), 4);
    assert_eq!(done.skipped.len(), 1);
    assert_eq!(
        progress.stages(),
        [
            completed(Stage::Revoking, 5),
            completed(Stage::KeyringCleanup, 4)
        ]
    );
    assert!(h.keyring.is_empty(), "every entry deleted");
}

#[test]
fn with_the_keyring_off_a_revoke_has_no_clean_up_stage() {
    let mut h = harness_with(MemoryKeyring::default(), KeyringMode::Off);
    for name in ["a", "b", "c"] {
        create(&mut h, name, &["repo:read"], "5y");
    }
    h.clock.advance(Duration::days(400));
    let plan = h.session.plan_revoke(&stale()).unwrap();
    let progress = Recorder::default();
    h.session
        .revoke_planned_with_progress(&plan, None, &progress)
        .unwrap();
    assert_eq!(progress.stages(), [completed(Stage::Revoking, 3)]);
}

#[test]
fn a_prune_counts_every_planned_token_then_the_keyring_entries() {
    let mut h = harness();
    for name in ["old-1", "old-2", "old-3"] {
        create(&mut h, name, &["repo:read"], "1d");
    }
    create(&mut h, "lives", &["repo:read"], "5y");
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    assert_eq!(plan.tokens.len(), 3);
    let progress = Recorder::default();
    let pruned = h
        .session
        .prune_planned_with_progress(&plan, &progress)
        .unwrap();
    assert_eq!(pruned.pruned.len(), 3);
    assert_eq!(
        progress.stages(),
        [
            completed(Stage::Pruning, 3),
            completed(Stage::KeyringCleanup, 3)
        ]
    );
}

fn set_max_lifetime(h: &mut Harness, span: &str) {
    h.session
        .set_org_policy(
            "default",
            &PolicyChange {
                max_lifetime: Some(Some(span.parse().unwrap())),
                ..PolicyChange::default()
            },
        )
        .unwrap();
}

#[test]
fn a_policy_revoke_and_a_policy_fix_count_their_planned_tokens() {
    let mut h = harness();
    for name in ["long-1", "long-2", "long-3", "long-4"] {
        create(&mut h, name, &["repo:read"], "2y");
    }
    create(&mut h, "short", &["repo:read"], "30d");
    set_max_lifetime(&mut h, "1y");
    let findings = h.session.policy_check(None).unwrap();
    assert_eq!(findings.len(), 4);

    let plan = h.session.plan_clamp(&findings[..3]).unwrap();
    let progress = Recorder::default();
    let clamped = h
        .session
        .clamp_planned_with_progress(&plan, &progress)
        .unwrap();
    assert_eq!(clamped.edited.len(), 3);
    assert_eq!(progress.stages(), [completed(Stage::Clamping, 3)]);

    // The fourth is left to the revoke; the three clamped are skipped there.
    let progress = Recorder::default();
    let revoked = h
        .session
        .revoke_noncompliant_with_progress(&findings, &progress)
        .unwrap();
    assert_eq!(revoked.revoked.len(), 1);
    assert_eq!(revoked.skipped.len(), 3);
    assert_eq!(
        progress.stages(),
        [
            completed(Stage::Revoking, 4),
            completed(Stage::KeyringCleanup, 1)
        ]
    );
}

#[test]
fn an_import_counts_every_row_of_the_file_also_those_that_change_nothing() {
    let mut h = harness();
    h.session.add_org("acme").unwrap();
    h.session.add_user("bob").unwrap();
    let mut rows = String::from("login,org,role\n");
    for n in 0..40 {
        rows.push_str(&format!("user-{n},acme,member\n"));
    }
    // Already as the file says: no change, still a row.
    rows.push_str("alice,default,owner\n");
    let parsed = parse_directory(DirectoryFormat::Csv, rows.as_bytes()).unwrap();
    let plan = h.session.plan_import(&parsed).unwrap();
    assert_eq!(plan.rows(), 41);
    assert_eq!(plan.unchanged_rows, 1);
    let progress = Recorder::default();
    h.session
        .apply_import_with_progress(&plan, &progress)
        .unwrap();
    assert_eq!(progress.stages(), [completed(Stage::Importing, 41)]);
}

#[test]
fn a_copy_counts_toward_the_rows_the_source_holds_in_the_dry_run_and_the_copy() {
    let mut h = harness();
    for n in 0..25 {
        create(&mut h, &format!("token-{n}"), &["repo:read"], "30d");
    }
    let mut target = Store::open_in_memory().unwrap();
    let progress = Recorder::default();
    let dry = h
        .session
        .copy_store_with_progress(&mut target, true, &progress)
        .unwrap();
    let rows = dry.counts.total();
    assert!(rows > 50, "tokens and their events: {rows}");
    assert_eq!(progress.stages(), [completed(Stage::Copying, rows)]);

    let progress = Recorder::default();
    let copy = h
        .session
        .copy_store_with_progress(&mut target, false, &progress)
        .unwrap();
    assert_eq!(copy.counts.total(), rows);
    assert_eq!(progress.stages(), [completed(Stage::Copying, rows)]);
}

#[test]
fn a_failed_apply_does_not_finish_its_stage() {
    let mut h = harness();
    h.session.add_org("acme").unwrap();
    let parsed = parse_directory(
        DirectoryFormat::Csv,
        "login,org,role\ncarol,acme,member\n".as_bytes(),
    )
    .unwrap();
    let plan = h.session.plan_import(&parsed).unwrap();
    // The store changes after the plan: the apply writes nothing.
    h.session.add_user("carol").unwrap();
    let progress = Recorder::default();
    let err = h
        .session
        .apply_import_with_progress(&plan, &progress)
        .unwrap_err();
    assert!(matches!(err, tokctl::Error::PlanOutdated { .. }), "{err}");
    let stages = progress.stages();
    assert!(
        stages.iter().all(|stage| !stage.finished),
        "a failed stage finished: {stages:?}"
    );
}
