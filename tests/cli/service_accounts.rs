//! Service accounts and removed users through the binary: `user add
//! --service`, `user edit`, the member-tokens exemption, listings and the
//! report telling service accounts from people, offboarding that leaves
//! service accounts alone and keeps the leaver on record as removed.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

/// alice owns `default`; bob is an admin, mia a member; deploy-bot, a
/// service account bob registered, is a member with a token bob minted.
fn team() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&[
        "user",
        "add",
        "bob",
        "--display-name",
        "Bob B",
        "--email",
        "bob@example.com",
    ]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "admin",
    ]);
    env.ok(&["user", "add", "mia"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "mia", "--role", "member",
    ]);
    let bob = env.as_user("bob");
    bob.ok(&["user", "add", "deploy-bot", "--service"]);
    env.ok(&[
        "member",
        "add",
        "--org",
        "default",
        "--user",
        "deploy-bot",
        "--role",
        "member",
    ]);
    bob.create(&[
        "--user",
        "deploy-bot",
        "--name",
        "deploy",
        "--scope",
        "repo:write",
        "--expires",
        "30d",
    ]);
    bob.create(&["--name", "bobs", "--scope", "repo:read", "--expires", "30d"]);
    env
}

fn token<'a>(list: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|token| token["name"] == name)
        .unwrap()
}

#[test]
fn listings_and_the_report_tell_service_accounts_from_people() {
    let env = team();
    let list = env.json(&["list", "--format", "json"]);
    assert_eq!(token(&list, "deploy")["owner_kind"], "service");
    assert_eq!(token(&list, "bobs")["owner_kind"], "person");
    assert_eq!(token(&list, "bobs")["owner_status"], "active");
    let table = env.ok(&["list", "--sort", "name"]);
    assert!(table.contains("deploy-bot (service)"), "{table}");
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(
        report[0]["active_by_owner_kind"],
        serde_json::json!({"person": 1, "service": 1})
    );
    let users = env.json(&["user", "list", "--format", "json"]);
    let bob = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "bob")
        .unwrap();
    assert_eq!(
        *bob,
        serde_json::json!({"name": "bob", "created_at": crate::common::NOW, "display_name": "Bob B",
                           "email": "bob@example.com", "kind": "person", "status": "active",
                           "removed_at": null})
    );
}

#[test]
fn deny_except_service_accounts_refuses_people_only() {
    let env = team();
    let policy = env.json(&[
        "org",
        "policy",
        "default",
        "--member-tokens",
        "deny-except-service-accounts",
        "--format",
        "json",
    ]);
    assert_eq!(policy["member_tokens"], "deny-except-service-accounts");
    env.create(&[
        "--user",
        "deploy-bot",
        "--name",
        "deploy-2",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let out = env
        .as_user("mia")
        .run(&["create", "--scope", "repo:read", "--expires", "1d"]);
    assert_error(&out, 5, "does not allow members to hold personal tokens");
    assert_error(
        &env.run(&["org", "policy", "default", "--member-tokens", "people"]),
        2,
        "deny-except-service-accounts",
    );
}

#[test]
fn offboarding_a_person_keeps_them_on_record_and_their_service_accounts_working() {
    let env = team();
    let secret = env.ok(&["secret", "deploy"]).trim().to_owned();
    env.ok(&["user", "remove", "bob", "--yes"]);
    assert_eq!(
        env.verify(&secret, &[]).0,
        0,
        "the service account's token works"
    );
    let list = env.json(&["list", "--all", "--format", "json"]);
    assert_eq!(token(&list, "deploy")["status"], "active");
    assert_eq!(token(&list, "bobs")["status"], "revoked");
    assert_eq!(token(&list, "bobs")["owner_status"], "removed");
    let table = env.ok(&["list", "--all", "--sort", "name"]);
    assert!(table.contains("bob (removed)"), "{table}");
    let shown = env.ok(&["show", "bobs"]);
    assert!(
        shown
            .lines()
            .any(|line| line.trim_start().starts_with("owner:") && line.ends_with("bob (removed)")),
        "{shown}"
    );
    // user list: active users; --all shows bob as removed.
    let names = |args: &[&str]| -> Vec<String> {
        env.json(args)
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                format!(
                    "{} {}",
                    u["name"].as_str().unwrap(),
                    u["status"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names(&["user", "list", "--format", "json"]),
        ["alice active", "deploy-bot active", "mia active"]
    );
    assert_eq!(
        names(&["user", "list", "--all", "--format", "json"]),
        [
            "alice active",
            "bob removed",
            "deploy-bot active",
            "mia active"
        ]
    );
    assert!(env.ok(&["user", "list", "--all"]).contains("removed"));
    // bob can no longer act, nor be added back until restored.
    assert_error(
        &env.as_user("bob").run(&["list"]),
        5,
        "user 'bob' was removed",
    );
    let out = env.run(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    assert_error(&out, 2, "was removed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("tokctl user edit bob --restore"));
    assert_error(
        &env.run(&["user", "add", "bob"]),
        4,
        "removed user 'bob' already exists",
    );
    env.ok(&["user", "edit", "bob", "--restore"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    env.as_user("bob").ok(&["list"]);
}

#[test]
fn user_edit_changes_what_it_is_told_and_refuses_the_rest() {
    let env = team();
    let edited = env.json(&[
        "user",
        "edit",
        "mia",
        "--service",
        "--email",
        "mia@example.com",
        "--format",
        "json",
    ]);
    assert_eq!(edited["changed"], serde_json::json!(["email", "kind"]));
    assert_eq!(edited["user"]["kind"], "service");
    let out = env.run(&["user", "edit", "mia", "--person", "--no-email"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed user 'mia': email, kind"));
    let before = env.store_bytes();
    assert_error(&env.run(&["user", "edit", "mia"]), 2, "nothing to change");
    assert_error(
        &env.run(&["user", "edit", "mia", "--person"]),
        2,
        "nothing to change",
    );
    assert_error(
        &env.run(&["user", "edit", "nobody", "--service"]),
        3,
        "not found",
    );
    assert_error(
        &env.run(&["user", "edit", "mia", "--email", "mia at example"]),
        2,
        "invalid e-mail address",
    );
    assert_error(
        &env.as_user("mia")
            .run(&["user", "edit", "mia", "--service"]),
        5,
        "needs the admin role",
    );
    assert_error(
        &env.as_user("mia")
            .run(&["user", "add", "bot2", "--service"]),
        5,
        "needs the admin role",
    );
    assert_eq!(env.store_bytes(), before, "a refused edit wrote something");
}
