//! Expiry reminders and the report's policy figures through the library:
//! who hears about which token, the memory of what was handed over (per
//! token, expiry, threshold and person), `--resend`, a new expiry reminded
//! of again, removed users and other orgs left out, who may remind, the
//! `notify.sent` events, and the report's compliance counts agreeing with
//! `policy check`.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::Path;
use std::sync::Arc;

use crate::common::session::request;
use tokctl::clock::FixedClock;
use tokctl::duration::parse_time;
use tokctl::model::{Role, UserKind};
use tokctl::ops::{
    AuditQuery, CreateRequest, OwnerChoice, ReminderChannel, ReminderPlan, ReminderReason,
    ReminderRequest, RotateRequest, Session, UserEdit, UserProfile,
};
use tokctl::policy::PolicyChange;
use tokctl::ErrorKind;

fn session_on(path: &Path, clock: &Arc<FixedClock>, user: &str) -> Session {
    let location = tokctl::store::StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    };
    let mut session = Session::new(
        tokctl::store::Store::open(&location).unwrap().store,
        clock.clone(),
        Box::new(tokctl::keyring::MemoryKeyring::default()),
        tokctl::keyring::KeyringMode::Off,
        user,
    );
    session.bootstrap_if_empty().unwrap();
    session
}

fn with_email(email: &str) -> UserProfile {
    UserProfile {
        email: Some(email.to_owned()),
        ..UserProfile::default()
    }
}

fn owned_by(owner: &str, name: &str, expires: &str) -> CreateRequest {
    CreateRequest {
        owner: OwnerChoice::User(owner.into()),
        ..request(name, &["repo:read"], expires)
    }
}

fn org_token(name: &str, expires: &str) -> CreateRequest {
    CreateRequest {
        owner: OwnerChoice::Org,
        ..request(name, &["repo:read"], expires)
    }
}

struct Store {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    clock: Arc<FixedClock>,
}

impl Store {
    fn session(&self, user: &str) -> Session {
        session_on(&self.path, &self.clock, user)
    }
}

/// alice owns `default` (address alice@example.com); carol is its admin
/// (carol@example.com); mia a member (mia@example.com); bob a member with
/// no address. Tokens: alice's `a-soon` (3d) and `a-later` (30d), mia's
/// `m-soon` (5d), bob's `b-soon` (2d), the org token `bot` (6d).
fn store() -> Store {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let clock = Arc::new(FixedClock::new(parse_time("2026-11-22T10:00:00Z").unwrap()));
    let mut alice = session_on(&path, &clock, "alice");
    alice
        .edit_user(
            "alice",
            &UserEdit {
                email: Some(Some("alice@example.com".into())),
                ..UserEdit::default()
            },
        )
        .unwrap();
    alice
        .add_user_with("carol", &with_email("carol@example.com"))
        .unwrap();
    alice.set_member("default", "carol", Role::Admin).unwrap();
    alice
        .add_user_with("mia", &with_email("mia@example.com"))
        .unwrap();
    alice.set_member("default", "mia", Role::Member).unwrap();
    alice.add_user("bob").unwrap();
    alice.set_member("default", "bob", Role::Member).unwrap();
    alice
        .create_token(request("a-soon", &["repo:read"], "3d"))
        .unwrap();
    alice
        .create_token(request("a-later", &["repo:read"], "30d"))
        .unwrap();
    alice.create_token(owned_by("mia", "m-soon", "5d")).unwrap();
    alice.create_token(owned_by("bob", "b-soon", "2d")).unwrap();
    alice.create_token(org_token("bot", "6d")).unwrap();
    Store {
        _dir: dir,
        path,
        clock,
    }
}

fn within(span: &str) -> ReminderRequest {
    ReminderRequest {
        within: span.parse().unwrap(),
        org: None,
        resend: false,
    }
}

/// Each recipient with the names of their tokens, as planned.
fn who_hears(plan: &ReminderPlan) -> Vec<(String, Vec<String>)> {
    plan.reminders
        .iter()
        .map(|reminder| {
            (
                reminder.recipient.name.clone(),
                reminder
                    .tokens
                    .iter()
                    .map(|reminded| reminded.token.name.clone())
                    .collect(),
            )
        })
        .collect()
}

fn owned(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter()
        .map(|(who, tokens)| {
            (
                (*who).to_owned(),
                tokens.iter().map(|t| (*t).to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn owners_hear_of_their_tokens_and_admins_of_org_tokens_each_once() {
    let store = store();
    let alice = store.session("alice");
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(
        who_hears(&plan),
        owned(&[
            ("alice", &["a-soon", "bot"]),
            ("bob", &["b-soon"]),
            ("carol", &["bot"]),
            ("mia", &["m-soon"]),
        ])
    );
    let reasons: Vec<ReminderReason> = plan.reminders[0]
        .tokens
        .iter()
        .map(|reminded| reminded.reason)
        .collect();
    assert_eq!(
        reasons,
        [ReminderReason::OwnToken, ReminderReason::OrgOwner]
    );
    assert_eq!(plan.reminders[2].tokens[0].reason, ReminderReason::OrgAdmin);
    // bob is in the plan, with nowhere to mail it: the caller says so.
    assert_eq!(plan.reminders[1].address(), None);
    assert_eq!(plan.reminders[3].address(), Some("mia@example.com"));
    assert_eq!(plan.already_sent, 0);
}

#[test]
fn what_was_handed_over_is_not_repeated_but_the_rest_is() {
    let store = store();
    let mut alice = store.session("alice");
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    // alice's and carol's went out; mia's failed, bob has no address.
    let delivered = [&plan.reminders[0], &plan.reminders[2]];
    assert_eq!(
        alice
            .remember_reminders(&plan, &delivered, ReminderChannel::Mail)
            .unwrap(),
        3
    );
    let again = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(
        who_hears(&again),
        owned(&[("bob", &["b-soon"]), ("mia", &["m-soon"])])
    );
    assert_eq!(again.already_sent, 3);

    // --resend: everything again.
    let resend = alice
        .plan_reminders(&ReminderRequest {
            resend: true,
            ..within("7d")
        })
        .unwrap();
    assert_eq!(resend.reminders.len(), 4);
    assert_eq!(resend.already_sent, 0);

    // Another threshold is another reminder; a longer one reaches a-later too.
    let month = alice.plan_reminders(&within("30d")).unwrap();
    assert_eq!(
        month.reminders[0].tokens.len(),
        3,
        "{:?}",
        who_hears(&month)
    );

    // A day later the same plan still leaves out what went out.
    store.clock.advance(chrono::Duration::days(1));
    let next_day = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(next_day.already_sent, 3);
}

#[test]
fn a_token_given_a_new_expiry_is_reminded_of_again() {
    let store = store();
    let mut alice = store.session("alice");
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    let delivered: Vec<_> = plan.reminders.iter().collect();
    alice
        .remember_reminders(&plan, &delivered, ReminderChannel::JsonLines)
        .unwrap();
    // Rotated with a new expiry that is still within the week.
    alice
        .rotate_token(RotateRequest {
            reference: "a-soon".into(),
            org: None,
            expiry: Some("6d".parse().unwrap()),
            grace: None,
            clamp_expiry: false,
        })
        .unwrap();
    let again = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(who_hears(&again), owned(&[("alice", &["a-soon"])]));
}

#[test]
fn each_reminder_remembered_is_audited_in_its_transaction() {
    let store = store();
    let mut alice = store.session("alice");
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    alice
        .remember_reminders(&plan, &[&plan.reminders[2]], ReminderChannel::Mail)
        .unwrap();
    let mut events = Vec::new();
    alice
        .audit_events(
            &AuditQuery {
                action: Some("notify.sent".into()),
                ..AuditQuery::default()
            },
            |event| {
                events.push(event.clone());
                Ok::<(), tokctl::Error>(())
            },
        )
        .unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.target.as_deref(), Some("bot"));
    assert_eq!(event.org.as_deref(), Some("default"));
    let details: serde_json::Value = serde_json::from_str(&event.details).unwrap();
    assert_eq!(details["recipient"], "carol");
    assert_eq!(details["email"], "carol@example.com");
    assert_eq!(details["reason"], "org_admin");
    assert_eq!(details["threshold"], "7d");
    assert_eq!(details["expires_at"], "2026-11-28T10:00:00Z");
    assert_eq!(details["via"], "mail");
    // Remembering nothing writes nothing.
    assert_eq!(
        alice
            .remember_reminders(&plan, &[], ReminderChannel::Mail)
            .unwrap(),
        0
    );
}

#[test]
fn only_admins_remind_and_only_of_their_orgs() {
    let store = store();
    let mia = store.session("mia");
    let err = mia.plan_reminders(&within("7d")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let err = mia
        .plan_reminders(&ReminderRequest {
            org: Some("default".into()),
            ..within("7d")
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);

    // An org where alice is not a member: its tokens and people are not hers to remind.
    let mut carol = store.session("carol");
    carol.add_org("other").unwrap();
    carol
        .create_token(CreateRequest {
            org: Some("other".into()),
            ..request("other-soon", &["repo:read"], "1d")
        })
        .unwrap();
    let plan = store
        .session("alice")
        .plan_reminders(&within("7d"))
        .unwrap();
    assert!(plan
        .reminders
        .iter()
        .all(|r| r.tokens.iter().all(|t| t.token.org == "default")));
    let only_other = carol
        .plan_reminders(&ReminderRequest {
            org: Some("other".into()),
            ..within("7d")
        })
        .unwrap();
    assert_eq!(who_hears(&only_other), owned(&[("carol", &["other-soon"])]));
    // Remembering a plan of an org where the actor is no admin is refused.
    let mut mia = store.session("mia");
    let err = mia
        .remember_reminders(
            &only_other,
            &[&only_other.reminders[0]],
            ReminderChannel::Mail,
        )
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
}

#[test]
fn removed_users_and_ended_tokens_get_no_reminder() {
    let store = store();
    let mut alice = store.session("alice");
    let plan = alice.plan_offboard("mia").unwrap();
    alice.offboard_planned(&plan).unwrap();
    let names = ["b-soon".to_owned()];
    crate::common::session::revoke_named(&mut alice, &names, None, None).unwrap();
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(
        who_hears(&plan),
        owned(&[("alice", &["a-soon", "bot"]), ("carol", &["bot"])])
    );
    // An expired token is past reminding.
    store.clock.advance(chrono::Duration::days(4));
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    assert_eq!(
        who_hears(&plan),
        owned(&[("alice", &["bot"]), ("carol", &["bot"])])
    );
}

#[test]
fn a_service_account_hears_of_its_own_tokens_at_its_address() {
    let store = store();
    let mut alice = store.session("alice");
    alice
        .add_user_with(
            "deploy-bot",
            &UserProfile {
                kind: UserKind::Service,
                email: Some("platform@example.com".into()),
                ..UserProfile::default()
            },
        )
        .unwrap();
    alice
        .set_member("default", "deploy-bot", Role::Member)
        .unwrap();
    alice
        .create_token(owned_by("deploy-bot", "deploy", "1d"))
        .unwrap();
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    let bot = plan
        .reminders
        .iter()
        .find(|r| r.recipient.name == "deploy-bot")
        .unwrap();
    assert_eq!(bot.address(), Some("platform@example.com"));
    assert_eq!(bot.recipient.kind, UserKind::Service);
}

#[test]
fn a_pruned_token_leaves_nothing_to_remember_and_its_reminders_go_with_it() {
    let store = store();
    let mut alice = store.session("alice");
    let plan = alice.plan_reminders(&within("7d")).unwrap();
    let delivered: Vec<_> = plan.reminders.iter().collect();
    alice
        .remember_reminders(&plan, &delivered, ReminderChannel::Mail)
        .unwrap();
    // Long after they expired, the rows are pruned; the reminders go by cascade.
    store.clock.advance(chrono::Duration::days(400));
    let prune = alice
        .plan_prune(
            "30d".parse::<tokctl::duration::PointInTime>().unwrap(),
            None,
        )
        .unwrap();
    alice.prune_planned(&prune).unwrap();
    let conn = rusqlite::Connection::open(&store.path).unwrap();
    let left: i64 = conn
        .query_row("SELECT count(*) FROM reminders", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left, 0);
    // Remembering an old plan whose tokens are gone writes nothing.
    assert_eq!(
        alice
            .remember_reminders(&plan, &delivered, ReminderChannel::Mail)
            .unwrap(),
        0
    );
}

#[test]
fn the_report_counts_what_policy_check_finds() {
    let store = store();
    let mut alice = store.session("alice");
    let report = alice.usage_report(None).unwrap();
    assert!(!report[0].policy.set);
    assert_eq!(report[0].policy.live, 5);
    assert_eq!(report[0].policy.breaking, 0);
    alice
        .set_org_policy(
            "default",
            &PolicyChange {
                max_lifetime: Some(Some("4d".parse().unwrap())),
                member_tokens: Some(tokctl::policy::MemberTokens::Deny),
                ..PolicyChange::default()
            },
        )
        .unwrap();
    let findings = alice.policy_check(None).unwrap();
    let report = alice.usage_report(None).unwrap();
    let policy = &report[0].policy;
    assert!(policy.set);
    assert_eq!(policy.live, 5);
    assert_eq!(policy.breaking, findings.len() as u64);
    // a-later, m-soon and bot live too long; mia's and bob's are members' tokens.
    assert_eq!(policy.breaking, 4);
    assert_eq!(policy.by_rule.get("max_lifetime"), Some(&3));
    assert_eq!(policy.by_rule.get("member_tokens"), Some(&2));
    assert_eq!(
        serde_json::to_value(&report[0]).unwrap()["generated_at"],
        "2026-11-22T10:00:00Z"
    );
}
