//! Service accounts and removed users through the library: who may mark a
//! service account, the member-tokens exemption, offboarding a person
//! leaving the service accounts they set up alone, a removed user kept for
//! the record but unable to act, and restoring one.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::request;
use tokctl::error::{PolicyRefusal, RequestProblem};
use tokctl::model::{Role, TokenStatus, UserKind, UserStatus};
use tokctl::ops::{
    CreateRequest, OwnerChoice, Selection, Session, StatusChoice, UserEdit, UserProfile,
};
use tokctl::policy::{MemberTokens, PolicyChange, Violation};
use tokctl::{Error, ErrorKind};

fn session_on(path: &std::path::Path, user: &str) -> Session {
    use std::sync::Arc;
    let location = tokctl::store::StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    };
    let clock = Arc::new(tokctl::clock::FixedClock::new(
        tokctl::duration::parse_time("2026-11-22T10:00:00Z").unwrap(),
    ));
    let mut session = Session::new(
        tokctl::store::Store::open(&location).unwrap().store,
        clock,
        Box::new(tokctl::keyring::MemoryKeyring::default()),
        tokctl::keyring::KeyringMode::Off,
        user,
    );
    session.bootstrap_if_empty().unwrap();
    session
}

fn service() -> UserProfile {
    UserProfile {
        kind: UserKind::Service,
        ..UserProfile::default()
    }
}

fn minted_for(owner: &str, name: &str) -> CreateRequest {
    CreateRequest {
        owner: OwnerChoice::User(owner.into()),
        ..request(name, &["repo:read"], "30d")
    }
}

/// alice owns `default`; bob is an admin there, mia a plain member.
fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let mut alice = session_on(&path, "alice");
    alice.add_user("bob").unwrap();
    alice.set_member("default", "bob", Role::Admin).unwrap();
    alice.add_user("mia").unwrap();
    alice.set_member("default", "mia", Role::Member).unwrap();
    (dir, path)
}

fn all_tokens(session: &Session) -> Vec<(String, TokenStatus)> {
    let now = session.now();
    session
        .select_tokens(&Selection {
            status: StatusChoice::All,
            ..Selection::default()
        })
        .unwrap()
        .into_iter()
        .map(|token| (token.name.clone(), token.status(now)))
        .collect()
}

#[test]
fn offboarding_a_person_leaves_the_service_accounts_they_set_up() {
    let (_dir, path) = store();
    // bob registers a service account, makes it a member and mints its tokens.
    let mut bob = session_on(&path, "bob");
    bob.add_user_with("deploy-bot", &service()).unwrap();
    let mut alice = session_on(&path, "alice");
    alice
        .set_member("default", "deploy-bot", Role::Member)
        .unwrap();
    bob.create_token(minted_for("deploy-bot", "deploy"))
        .unwrap();
    bob.create_token(request("bobs-own", &["repo:read"], "30d"))
        .unwrap();
    let plan = alice.plan_offboard("bob").unwrap();
    let planned: Vec<&str> = plan.tokens.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(planned, ["bobs-own"]);
    alice.offboard_planned(&plan).unwrap();
    let mut tokens = all_tokens(&alice);
    tokens.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        tokens,
        [
            ("bobs-own".to_owned(), TokenStatus::Revoked),
            ("deploy".to_owned(), TokenStatus::Active),
        ]
    );
    let members = alice.list_members(Some("default")).unwrap();
    assert!(members.iter().any(|m| m.user == "deploy-bot"));
    // bob stays on record as removed, and his token says so.
    let users = alice.list_users(true).unwrap();
    let bob_record = users.iter().find(|user| user.name == "bob").unwrap();
    assert_eq!(bob_record.status(), UserStatus::Removed);
    assert!(!alice
        .list_users(false)
        .unwrap()
        .iter()
        .any(|user| user.name == "bob"));
    let token = alice.show_token("bobs-own", None).unwrap();
    assert_eq!(token.owner_status, Some(UserStatus::Removed));
    let token = alice.show_token("deploy", None).unwrap();
    assert_eq!(token.owner_kind, Some(UserKind::Service));
    assert_eq!(token.owner_status, Some(UserStatus::Active));
}

#[test]
fn a_removed_user_cannot_act_or_join_until_restored() {
    let (_dir, path) = store();
    let mut alice = session_on(&path, "alice");
    let plan = alice.plan_offboard("mia").unwrap();
    alice.offboard_planned(&plan).unwrap();
    let mia = session_on(&path, "mia");
    let err = mia.list_orgs().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    assert!(matches!(&err, Error::RemovedActor { name } if name == "mia"));
    let err = alice
        .set_member("default", "mia", Role::Member)
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidRequest { reason: RequestProblem::UserRemoved { user }, .. } if user == "mia"),
        "{err:?}"
    );
    let err = alice.add_user("mia").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    let restored = alice
        .edit_user(
            "mia",
            &UserEdit {
                restore: true,
                ..UserEdit::default()
            },
        )
        .unwrap();
    assert_eq!(restored.changed, ["status"]);
    assert_eq!(restored.after.status(), UserStatus::Active);
    alice.set_member("default", "mia", Role::Member).unwrap();
    assert!(session_on(&path, "mia").list_orgs().is_ok());
}

#[test]
fn only_admins_mark_service_accounts() {
    let (_dir, path) = store();
    let mut mia = session_on(&path, "mia");
    let mark = UserEdit {
        kind: Some(UserKind::Service),
        ..UserEdit::default()
    };
    let err = mia.edit_user("mia", &mark).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = mia.add_user_with("bot", &service()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let mut bob = session_on(&path, "bob");
    let edited = bob.edit_user("mia", &mark).unwrap();
    assert_eq!(edited.changed, ["kind"]);
    let err = bob.edit_user("mia", &mark).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage, "nothing to change");
    // Display names and addresses are checked like every other free text.
    let err = bob
        .edit_user(
            "mia",
            &UserEdit {
                email: Some(Some("not an address".into())),
                ..UserEdit::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
}

#[test]
fn deny_except_service_accounts_lets_service_members_hold_tokens() {
    let (_dir, path) = store();
    let mut alice = session_on(&path, "alice");
    alice.add_user_with("ci", &service()).unwrap();
    alice.set_member("default", "ci", Role::Member).unwrap();
    alice.create_token(minted_for("mia", "mias")).unwrap();
    alice
        .set_org_policy(
            "default",
            &PolicyChange {
                member_tokens: Some(MemberTokens::DenyExceptServiceAccounts),
                ..PolicyChange::default()
            },
        )
        .unwrap();
    alice.create_token(minted_for("ci", "ci-deploy")).unwrap();
    let err = alice.create_token(minted_for("mia", "mias-2")).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::PolicyViolation {
                refusal: PolicyRefusal::Rule(Violation::MemberTokensDenied),
                ..
            }
        ),
        "{err:?}"
    );
    // policy check finds mia's old token, not the service account's.
    let findings = alice.policy_check(Some("default")).unwrap();
    let names: Vec<&str> = findings.iter().map(|f| f.token.name.as_str()).collect();
    assert_eq!(names, ["mias"]);
    // Under plain deny the service account's token breaks the rule too.
    alice
        .set_org_policy(
            "default",
            &PolicyChange {
                member_tokens: Some(MemberTokens::Deny),
                ..PolicyChange::default()
            },
        )
        .unwrap();
    let findings = alice.policy_check(Some("default")).unwrap();
    assert_eq!(findings.len(), 2);
}
