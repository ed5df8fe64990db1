//! The admin's weekly commands through the binary: `edit`, `deactivate`,
//! `activate`, `policy check --fix`, the JSON reports of real bulk runs,
//! and their exit codes and refusals (one line, nothing written).
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

fn store_with_ci() -> (TestEnv, String) {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:write", "--expires", "30d"]);
    (env, secret)
}

#[test]
fn edit_changes_fields_in_place_and_reports_them_as_json() {
    let (env, secret) = store_with_ci();
    let edited = env.json(&[
        "edit",
        "ci",
        "--name",
        "ci-web",
        "--description",
        "deploys web",
        "--scope",
        "repo:read",
        "--resource",
        "repo=web",
        "--expires",
        "2026-12-01",
        "--format",
        "json",
    ]);
    assert_eq!(
        edited["changed"],
        serde_json::json!(["name", "description", "expires_at", "scopes"])
    );
    assert_eq!(edited["token"]["name"], "ci-web");
    assert_eq!(
        edited["token"]["scopes"],
        serde_json::json!(["repo:read[web]"])
    );
    assert_eq!(edited["token"]["expires_at"], "2026-12-01T00:00:00Z");
    assert_eq!(env.verify(&secret, &["--scope", "repo:read[web]"]).0, 0);
    assert_eq!(env.verify(&secret, &["--scope", "repo:write"]).0, 13);
    let out = env.run(&["edit", "ci-web", "--no-description"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(": description"));
}

#[test]
fn refused_edits_say_one_line_and_write_nothing() {
    let (env, _) = store_with_ci();
    env.ok(&["org", "policy", "default", "--max-lifetime", "60d"]);
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1d"]);
    env.ok(&["revoke", "gone"]);
    let before = env.store_bytes();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["edit", "ci", "--expires", "90d"], 5, "max lifetime"),
        (
            &["edit", "ci", "--scope", "repo:admin"],
            2,
            "can only narrow",
        ),
        (&["edit", "gone", "--description", "x"], 2, "is revoked"),
        (&["edit", "nosuch", "--description", "x"], 3, "not found"),
        (&["edit", "ci"], 2, "nothing to change"),
        (&["edit", "ci", "--expires", "yesterday"], 2, "yesterday"),
    ];
    for (args, code, needle) in cases {
        assert_error(&env.run(args), code, needle);
    }
    assert_eq!(env.store_bytes(), before, "a refused edit wrote something");
    // The hint of a wider scope points at a new token.
    let out = env.run(&["edit", "ci", "--scope", "repo:admin"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("tokctl create"));
}

#[test]
fn a_deactivated_token_exits_15_shows_as_such_and_comes_back() {
    let (env, secret) = store_with_ci();
    env.ok(&["deactivate", "ci", "--reason", "odd traffic"]);
    let (code, out) = env.verify(&secret, &["--format", "json"]);
    assert_eq!(code, 15);
    let verdict: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(verdict["reason"], "deactivated");
    let listed = env.json(&["list", "--format", "json"]);
    assert_eq!(listed[0]["status"], "deactivated");
    assert_eq!(listed[0]["deactivate_reason"], "odd traffic");
    assert!(env.ok(&["show", "ci"]).contains("deactivated"));
    let report = env.json(&["report", "--format", "json"]);
    assert_eq!(report[0]["by_status"]["deactivated"], 1);
    let done = env.json(&["activate", "ci", "--format", "json"]);
    assert_eq!(done[0]["outcome"], "activated");
    assert_eq!(env.verify(&secret, &[]).0, 0);
}

#[test]
fn activating_an_expired_or_revoked_token_is_one_line_and_writes_nothing() {
    let (mut env, _) = store_with_ci();
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["deactivate", "ci", "gone"]);
    env.ok(&["revoke", "gone"]);
    env.at("2027-01-01T00:00:00Z");
    let before = env.store_bytes();
    assert_error(&env.run(&["activate", "ci"]), 2, "has expired");
    assert_error(&env.run(&["activate", "gone"]), 2, "is revoked");
    assert_error(&env.run(&["activate", "nosuch"]), 3, "not found");
    assert_error(&env.run(&["deactivate", "gone"]), 2, "is revoked");
    assert_eq!(env.store_bytes(), before);
}

#[test]
fn a_bulk_deactivate_plans_confirms_and_reports_jsonl() {
    let env = TestEnv::new();
    for name in ["ci-a", "ci-b", "keep"] {
        env.create(&["--name", name, "--scope", "repo:read", "--expires", "30d"]);
    }
    let dry = env.json(&[
        "deactivate",
        "--name",
        "ci-*",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(dry.as_array().unwrap().len(), 2);
    assert_eq!(dry[0]["status"], "deactivated");
    // Outside a terminal a bulk run needs --yes: exit 8, nothing changed.
    let out = env.run(&["deactivate", "--name", "ci-*"]);
    assert_eq!(out.status.code(), Some(8));
    let out = env.run(&["deactivate", "--name", "ci-*", "--yes", "--format", "jsonl"]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|line| line["outcome"] == "deactivated"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("deactivated 2 tokens"));
    assert_eq!(env.names(&["--status", "active"]), ["keep"]);
    assert_error(
        &env.run(&["deactivate", "--name", "ci-*", "--status", "all"]),
        2,
        "do not apply",
    );
    assert_error(&env.run(&["activate"]), 2, "nothing to activate");
}

#[test]
fn policy_check_fix_clamps_late_expiries_in_one_go() {
    let env = TestEnv::new();
    for name in ["a", "b"] {
        env.create(&["--name", name, "--scope", "repo:read", "--expires", "90d"]);
    }
    env.create(&["--name", "fine", "--scope", "repo:read", "--expires", "10d"]);
    env.ok(&["org", "policy", "default", "--max-lifetime", "30d"]);
    let before = env.store_bytes();
    let out = env.run(&["policy", "check", "--fix", "--dry-run"]);
    assert_eq!(out.status.code(), Some(23));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 expiry(s) would be clamped"));
    assert_eq!(
        env.run(&["policy", "check", "--fix"]).status.code(),
        Some(8)
    );
    assert_eq!(
        env.store_bytes(),
        before,
        "a dry run or an unconfirmed fix wrote"
    );
    let done = env.json(&["policy", "check", "--fix", "--yes", "--format", "json"]);
    assert_eq!(done.as_array().unwrap().len(), 2);
    assert!(done
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["outcome"] == "clamped"));
    assert_eq!(env.run(&["policy", "check"]).status.code(), Some(0));
    let listed = env.json(&["list", "--format", "json", "--sort", "name"]);
    assert_eq!(listed[0]["expires_at"], "2026-12-22T10:00:00Z");
    let events = env.json(&["audit", "--action", "token.edit", "--format", "json"]);
    assert_eq!(events.as_array().unwrap().len(), 2);
    assert_eq!(
        events[0]["details"]["after"]["expires_at"],
        "2026-12-22T10:00:00Z"
    );
    assert_error(
        &env.run(&["policy", "check", "--fix", "--revoke"]),
        2,
        "cannot be used with",
    );
}

#[test]
fn real_revoke_prune_and_offboarding_report_json_a_script_can_trust() {
    let mut env = TestEnv::new();
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    for name in ["a", "b"] {
        env.create(&["--name", name, "--scope", "repo:read", "--expires", "30d"]);
    }
    env.as_user("bob")
        .create(&["--name", "bobs", "--scope", "repo:read", "--expires", "30d"]);
    let out = env.run(&["revoke", "--name", "[ab]", "--yes", "--format", "jsonl"]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["outcome"], "revoked");
    assert!(lines[0]["id"].as_str().unwrap().len() == 11);
    assert!(String::from_utf8_lossy(&out.stderr).contains("revoked 2 tokens"));
    let again = env.json(&["revoke", "a", "--format", "json"]);
    assert_eq!(again[0]["outcome"], "unchanged");
    let offboarded = env.json(&["user", "remove", "bob", "--yes", "--format", "json"]);
    assert_eq!(offboarded[0]["name"], "bobs");
    assert_eq!(offboarded[0]["outcome"], "revoked");
    assert_error(
        &env.run(&["revoke", "b", "--format", "csv"]),
        2,
        "--format csv",
    );
    env.at("2027-06-01T00:00:00Z");
    let pruned = env.json(&["prune", "--before", "30d", "--yes", "--format", "json"]);
    assert_eq!(pruned.as_array().unwrap().len(), 3);
    assert!(pruned
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["outcome"] == "pruned"));
}

/// Whoever owns the store file can copy it anyway: `backup` no longer asks
/// them for the owner role in every org, and the audit event says on what
/// authority it went.
#[test]
fn the_store_files_owner_may_back_it_up_without_the_owner_role() {
    let env = TestEnv::new();
    env.ok(&["org", "add", "other"]);
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    let dest = env.dir.path().join("copy.db");
    let out = env.as_user("bob").run(&["backup", dest.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dest.exists());
    let events = env.json(&["audit", "--action", "store.backup", "--format", "json"]);
    assert_eq!(events[0]["actor"], "bob");
    assert_eq!(events[0]["details"]["authority"], "file owner");
}

/// Exports a script or a spreadsheet reads: CSV records end in CRLF (RFC
/// 4180), a cell that starts like a formula is marked as text, and times in
/// audit details are RFC 3339 as every other time in JSON is.
#[test]
fn csv_is_rfc_4180_and_inert_and_audit_details_use_rfc_3339() {
    let env = TestEnv::new();
    env.create(&[
        "--name",
        "ci",
        "--description",
        "=HYPERLINK(\"http://x\")",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    let csv = env.ok(&["list", "--format", "csv"]);
    assert!(csv.ends_with("\r\n"), "{csv:?}");
    assert_eq!(csv.matches("\r\n").count(), 2, "{csv:?}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv:?}");
    let events = env.json(&["audit", "--action", "token.create", "--format", "json"]);
    assert_eq!(events[0]["details"]["expires_at"], "2026-12-22T10:00:00Z");
    let csv = env.ok(&["audit", "--action", "token.create", "--format", "csv"]);
    assert!(csv.contains("2026-12-22T10:00:00Z"), "{csv:?}");
}
