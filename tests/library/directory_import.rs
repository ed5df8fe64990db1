//! Importing a directory through the library: the plan says exactly what
//! would change (and nothing is written), every bad row is reported at once
//! (the file's problems and the store's), the apply writes exactly the plan
//! in one transaction with the single-user commands' audit events, and a
//! plan the store outgrew writes nothing.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use tokctl::audit::Event;
use tokctl::import::{parse_directory, DirectoryFormat, ParsedDirectory};
use tokctl::model::{Role, UserKind};
use tokctl::ops::{AuditQuery, DirectoryChange, ImportCounts, UserProfile};
use tokctl::{Error, ErrorKind};

fn csv(text: &str) -> ParsedDirectory {
    parse_directory(DirectoryFormat::Csv, text.as_bytes()).unwrap()
}

fn events(h: &Harness, action: &str) -> Vec<Event> {
    let mut out = Vec::new();
    h.session
        .audit_events(
            &AuditQuery {
                action: Some(action.into()),
                ..AuditQuery::default()
            },
            |event| {
                out.push(event.clone());
                Ok::<(), Error>(())
            },
        )
        .unwrap();
    out
}

/// An owner of `acme` with bob (a person, an old address) a member there.
fn acme() -> Harness {
    let mut h = harness();
    h.session.add_org("acme").unwrap();
    h.session
        .add_user_with(
            "bob",
            &UserProfile {
                email: Some("bob@old.example".into()),
                ..UserProfile::default()
            },
        )
        .unwrap();
    h.session.set_member("acme", "bob", Role::Member).unwrap();
    h
}

const PEOPLE: &str = "login,display_name,email,org,role,service\n\
    bob,Bob Builder,bob@new.example,acme,admin,\n\
    carol,,carol@example.com,acme,,\n\
    ci-bot,,,acme,member,yes\n\
    alice,,,acme,owner,\n";

#[test]
fn the_plan_lists_each_change_by_row_and_writes_nothing() {
    let h = acme();
    let users_before = h.session.list_users(true).unwrap();
    let plan = h.session.plan_import(&csv(PEOPLE)).unwrap();
    let line = |change: &DirectoryChange| (change.line(), change.user().to_owned());
    assert_eq!(
        plan.changes.iter().map(line).collect::<Vec<_>>(),
        [
            (2, "bob".into()),
            (2, "bob".into()),
            (2, "bob".into()),
            (3, "carol".into()),
            (3, "carol".into()),
            (4, "ci-bot".into()),
            (4, "ci-bot".into()),
        ]
    );
    assert_eq!(
        plan.changes[1],
        DirectoryChange::UserUpdated {
            line: 2,
            user: "bob".into(),
            field: "email",
            before: Some("bob@old.example".into()),
            after: Some("bob@new.example".into()),
        }
    );
    assert_eq!(
        plan.changes[2],
        DirectoryChange::RoleChanged {
            line: 2,
            user: "bob".into(),
            org: "acme".into(),
            before: Role::Member,
            after: Role::Admin,
        }
    );
    assert_eq!(
        plan.changes[4],
        DirectoryChange::MemberAdded {
            line: 3,
            user: "carol".into(),
            org: "acme".into(),
            role: Role::Member,
        }
    );
    assert!(matches!(
        &plan.changes[5],
        DirectoryChange::UserAdded {
            kind: UserKind::Service,
            ..
        }
    ));
    // alice already owns acme: her row changes nothing.
    assert_eq!(plan.unchanged_rows, 1);
    assert_eq!(
        ImportCounts::of(&plan.changes),
        ImportCounts {
            users_added: 2,
            users_updated: 1,
            members_added: 2,
            roles_changed: 1,
        }
    );
    assert_eq!(h.session.list_users(true).unwrap(), users_before);
}

#[test]
fn applying_writes_exactly_the_plan_with_an_event_per_change() {
    let mut h = acme();
    let plan = h.session.plan_import(&csv(PEOPLE)).unwrap();
    let done = h.session.apply_import(&plan).unwrap();
    assert_eq!(done, plan.changes);
    let users = h.session.list_users(false).unwrap();
    let bob = users.iter().find(|user| user.name == "bob").unwrap();
    assert_eq!(bob.display_name.as_deref(), Some("Bob Builder"));
    assert_eq!(bob.email.as_deref(), Some("bob@new.example"));
    let bot = users.iter().find(|user| user.name == "ci-bot").unwrap();
    assert_eq!(bot.kind, UserKind::Service);
    let members = h.session.list_members(Some("acme")).unwrap();
    let role = |user: &str| members.iter().find(|m| m.user == user).unwrap().role;
    assert_eq!(role("bob"), Role::Admin);
    assert_eq!(role("carol"), Role::Member);
    assert_eq!(role("alice"), Role::Owner);
    // As `user add`, `user edit` and `member add` audit them, and one summary.
    assert_eq!(events(&h, "user.add").len(), 1 + 2);
    let edits = events(&h, "user.edit");
    assert_eq!(edits.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&edits[0].details).unwrap();
    assert_eq!(
        details["changed"],
        serde_json::json!(["display_name", "email"])
    );
    assert_eq!(details["email"]["before"], "bob@old.example");
    let imports = events(&h, "user.import");
    assert_eq!(imports.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&imports[0].details).unwrap();
    assert_eq!(details["users_added"], 2);
    assert_eq!(details["roles_changed"], 1);
    assert!(h.session.verify_audit_chain(None).unwrap().broken.is_none());
    // The same file again changes nothing.
    let again = h.session.plan_import(&csv(PEOPLE)).unwrap();
    assert!(again.changes.is_empty());
    assert_eq!(again.unchanged_rows, 4);
}

#[test]
fn every_bad_row_is_reported_at_once_and_nothing_is_written() {
    let mut h = acme();
    h.session.add_user("gone").unwrap();
    h.session.set_member("acme", "gone", Role::Member).unwrap();
    let plan = h.session.plan_offboard("gone").unwrap();
    h.session.offboard_planned(&plan).unwrap();
    let users_before = h.session.list_users(true).unwrap();
    let file = "login,org,role\n\
        fine,acme,member\n\
        bad-role,acme,boss\n\
        nowhere,nope,member\n\
        fine,acme,admin\n\
        gone,acme,member\n\
        alice,acme,admin\n\
        \"broken,acme\n";
    let err = h.session.plan_import(&csv(file)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    let Error::BadRows { problems } = &err else {
        panic!("{err:?}");
    };
    let lines: Vec<u64> = problems.iter().map(|problem| problem.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8], "{problems:?}");
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(messages[0].contains("invalid role 'boss'"), "{messages:?}");
    assert!(messages[1].contains("org 'nope' not found"), "{messages:?}");
    assert!(messages[2].contains("also on line 2"), "{messages:?}");
    assert!(messages[3].contains("was removed"), "{messages:?}");
    assert!(
        messages[4].contains("last owner of org 'acme'"),
        "{messages:?}"
    );
    assert!(messages[5].contains("malformed row"), "{messages:?}");
    assert_eq!(h.session.list_users(true).unwrap(), users_before);
    assert!(events(&h, "user.import").is_empty());
}

#[test]
fn a_new_owner_in_the_same_file_lets_the_old_one_step_down() {
    let mut h = acme();
    let file = "login,org,role\nalice,acme,admin\nbob,acme,owner\n";
    let plan = h.session.plan_import(&csv(file)).unwrap();
    h.session.apply_import(&plan).unwrap();
    let members = h.session.list_members(Some("acme")).unwrap();
    let owners: Vec<&str> = members
        .iter()
        .filter(|member| member.role == Role::Owner)
        .map(|member| member.user.as_str())
        .collect();
    assert_eq!(owners, ["bob"]);
}

#[test]
fn a_plan_the_store_outgrew_writes_nothing() {
    let mut h = acme();
    let plan = h.session.plan_import(&csv(PEOPLE)).unwrap();
    // Someone adds carol by hand between the plan and the apply.
    h.session.add_user("carol").unwrap();
    let events_before = events(&h, "user.add").len();
    let err = h.session.apply_import(&plan).unwrap_err();
    assert!(matches!(err, Error::PlanOutdated { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(events(&h, "user.add").len(), events_before);
    assert!(!h
        .session
        .list_users(false)
        .unwrap()
        .iter()
        .any(|user| user.name == "ci-bot"));
}

#[test]
fn memberships_need_the_owner_role_and_users_the_admin_role() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut alice = session_on(&path, "alice");
    alice.add_org("acme").unwrap();
    alice.add_user("bob").unwrap();
    alice.set_member("acme", "bob", Role::Admin).unwrap();
    alice.add_user("mia").unwrap();
    alice.set_member("acme", "mia", Role::Member).unwrap();
    // An admin may add users but not members.
    let bob = session_on(&path, "bob");
    let err = bob
        .plan_import(&csv("login,org\ncarol,acme\n"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(err.to_string().contains("line 2"), "{err}");
    assert!(bob.plan_import(&csv("login\ncarol\n")).is_ok());
    // A member may do neither.
    let mia = session_on(&path, "mia");
    let err = mia.plan_import(&csv("login\ncarol\n")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

/// 1,200 people: planned and applied through the library. (How fast is the
/// benchmark's business, scripts/bench; here: all of it lands, once.)
#[test]
fn a_large_directory_lands_whole() {
    let mut h = acme();
    let mut file = String::from("login,display_name,email,org,role\n");
    for i in 0..1_200 {
        file.push_str(&format!(
            "user{i:04},User {i},user{i:04}@example.com,acme,member\n"
        ));
    }
    let plan = h.session.plan_import(&csv(&file)).unwrap();
    assert_eq!(ImportCounts::of(&plan.changes).users_added, 1_200);
    h.session.apply_import(&plan).unwrap();
    assert_eq!(h.session.list_members(Some("acme")).unwrap().len(), 1_202);
    assert!(h.session.verify_audit_chain(None).unwrap().broken.is_none());
}

fn session_on(path: &std::path::Path, user: &str) -> tokctl::ops::Session {
    use std::sync::Arc;
    let location = tokctl::store::StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    };
    let clock = Arc::new(tokctl::clock::FixedClock::new(
        tokctl::duration::parse_time("2026-11-22T10:00:00Z").unwrap(),
    ));
    let mut session = tokctl::ops::Session::new(
        tokctl::store::Store::open(&location).unwrap().store,
        clock,
        Box::new(tokctl::keyring::MemoryKeyring::default()),
        tokctl::keyring::KeyringMode::Off,
        user,
    );
    session.bootstrap_if_empty().unwrap();
    session
}
