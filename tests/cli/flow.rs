//! End-to-end flows through the real binary.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{self, assert_error, TestEnv};

#[test]
fn first_run_creates_a_private_store_and_says_where() {
    let env = TestEnv::empty();
    let out = env.run(&["create", "--scope", "repo:read", "--expires", "90d"]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains(&format!(
        "created a new tokctl store at {}",
        env.db().display()
    )));
    assert!(stderr.contains("set up org 'default' with 'alice' as its owner"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.db()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_default_store_lives_in_the_data_directory() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["create", "--scope", "repo:read", "--expires", "1d"])
        .env_remove("TOKCTL_DB")
        .env("XDG_DATA_HOME", env.dir.path().join("data"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = env.dir.path().join("data/tokctl/tokctl.db");
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn create_verify_revoke_then_verify_fails() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:write", "--expires", "90d"]);
    assert!(secret.starts_with("tkp_") && secret.len() == 63);

    let (code, stdout) = env.verify(&secret, &["--scope", "repo:read", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert_eq!(json["owner"], "alice");
    assert_eq!(json["org"], "default");
    assert_eq!(json["scopes"], serde_json::json!(["repo:write"]));

    env.ok(&["revoke", "ci", "--reason", "rotating"]);
    let (code, stdout) = env.verify(&secret, &["--format", "json"]);
    assert_eq!(code, 12);
    assert_eq!(
        stdout.trim(),
        "{\n  \"valid\": false,\n  \"reason\": \"revoked\"\n}"
    );

    let shown = env.json(&["show", "ci", "--format", "json"]);
    assert_eq!(shown["status"], "revoked");
    assert_eq!(shown["revoke_reason"], "rotating");
    assert_eq!(shown["revoked_by"], "alice");
    // Revoked tokens leave the default listing but never disappear.
    assert_eq!(
        env.json(&["list", "--format", "json"]),
        serde_json::json!([])
    );
    assert_eq!(
        env.json(&["list", "--all", "--format", "json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Revoking again is a no-op that succeeds.
    let out = env.run(&["revoke", "ci"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already revoked"));
}

#[test]
fn verify_exit_codes_tell_the_failures_apart() {
    let mut env = TestEnv::new();
    let secret = env.create(&["--name", "t", "--scope", "repo:read", "--expires", "12h"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(env.verify(&secret, &["--scope", "repo:write"]).0, 13);
    assert_eq!(env.verify("tkp_not-a-token", &[]).0, 10);
    // One second before the expiry it still works; at the expiry it does not.
    env.now = "2026-11-22T21:59:59Z".into();
    assert_eq!(env.verify(&secret, &[]).0, 0);
    env.now = "2026-11-22T22:00:00Z".into();
    assert_eq!(env.verify(&secret, &[]).0, 11);
}

#[test]
fn verify_reads_the_token_from_the_environment_too() {
    let env = TestEnv::new();
    let secret = env.create(&["--scope", "repo:read", "--expires", "1d"]);
    let out = env
        .cmd(&["verify"])
        .env("TOKCTL_TOKEN", &secret)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("valid:") && stdout.contains("repo:read"));
}

#[test]
fn org_tokens_survive_as_the_orgs_own() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "admin",
    ]);
    let bob = env.as_user("bob");
    let secret = bob.create(&[
        "--org-token",
        "--name",
        "deploy",
        "--scope",
        "repo:write",
        "--expires",
        "1y",
    ]);
    assert!(secret.starts_with("tko_"));
    let token = bob.json(&["show", "deploy", "--format", "json"]);
    assert_eq!(token["kind"], "org");
    assert_eq!(token["owner"], serde_json::Value::Null);
    assert_eq!(token["created_by"], "bob");
    let (code, stdout) = bob.verify(&secret, &["--format", "json"]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("owner"));
}

#[test]
fn a_member_cannot_mint_org_tokens() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "carol"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "carol", "--role", "member",
    ]);
    let carol = env.as_user("carol");
    let before = carol.store_bytes();
    let out = carol.run(&[
        "create",
        "--org-token",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert_error(&out, 5, "needs the admin role");
    assert!(carol.store_bytes() == before, "the store changed");
}

#[test]
fn usage_is_recorded_by_one_shot_and_batch_verification() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "svc", "--scope", "repo:read", "--expires", "1d"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    let shown = env.json(&["show", "svc", "--format", "json"]);
    assert_eq!(shown["use_count"], 2);
    assert_eq!(shown["last_used_at"], common::NOW);

    let batch = format!("{secret}\n\nnot-a-token\n{secret}\n{secret}\n");
    let out = env.run_stdin(&["verify", "--batch"], batch);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "blank lines are skipped");
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[1]["reason"], "malformed");
    let shown = env.json(&["show", "svc", "--format", "json"]);
    assert_eq!(
        shown["use_count"], 5,
        "buffered uses are flushed at the end of the batch"
    );
}

#[test]
fn secret_reads_back_what_create_printed_until_revoke() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "kept", "--scope", "repo:read", "--expires", "1d"]);
    assert_eq!(env.ok(&["secret", "kept"]), format!("{secret}\n"));
    env.ok(&["revoke", "kept"]);
    let keyring = std::fs::read_to_string(env.keyring_file()).unwrap();
    assert!(!keyring.contains(&secret));
}

#[test]
fn keyring_off_keeps_the_secret_out_of_the_keyring() {
    let env = TestEnv::new();
    let out = env.run(&[
        "create",
        "--keyring",
        "off",
        "--name",
        "k",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("keyring is off"));
    let out = env.run(&["secret", "k"]);
    assert_error(&out, 3, "the keyring holds no secret for token 'k'");
}

#[test]
fn required_keyring_failure_writes_nothing() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    for fail in ["put", "everything"] {
        let out = env
            .cmd(&[
                "create",
                "--keyring",
                "required",
                "--scope",
                "repo:read",
                "--expires",
                "1d",
            ])
            .env("TOKCTL_TEST_KEYRING_FAIL", fail)
            .output()
            .unwrap();
        assert_error(&out, 7, "keyring");
        assert!(out.stdout.is_empty());
        assert!(
            env.store_bytes() == before,
            "store changed after a {fail} failure"
        );
    }
}

#[test]
fn auto_keyring_failure_warns_and_still_prints_the_secret() {
    let env = TestEnv::new();
    let out = env
        .cmd(&["create", "--scope", "repo:read", "--expires", "1d"])
        .env("TOKCTL_TEST_KEYRING_FAIL", "everything")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: could not save the secret"));
    assert_eq!(out.stdout.len(), 64);
}

#[test]
fn json_shapes_are_stable() {
    let env = TestEnv::new();
    let created = env.json(&[
        "create",
        "--name",
        "shape",
        "--description",
        "for the shape test",
        "--scope",
        "repo:read",
        "--expires",
        "2027-01-01",
        "--format",
        "json",
    ]);
    let keys = |value: &serde_json::Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&created), ["keyring", "secret", "token"]);
    assert_eq!(created["keyring"], "stored");
    assert_eq!(
        keys(&created["token"]),
        [
            "created_at",
            "created_by",
            "description",
            "expires_at",
            "id",
            "kind",
            "last_used_at",
            "name",
            "org",
            "owner",
            "owner_kind",
            "owner_status",
            "revoke_reason",
            "revoked_at",
            "revoked_by",
            "scopes",
            "status",
            "use_count"
        ]
    );
    assert_eq!(created["token"]["expires_at"], "2027-01-01T00:00:00Z");
    assert_eq!(created["token"]["created_at"], common::NOW);
    assert_eq!(created["token"]["owner_kind"], "person");
    assert_eq!(created["token"]["owner_status"], "active");
    let listed = env.json(&["list", "--format", "json"]);
    assert_eq!(listed[0], created["token"]);
}

#[test]
fn list_defaults_to_active_tokens_and_status_filters_work() {
    let mut env = TestEnv::new();
    env.create(&["--name", "short", "--scope", "repo:read", "--expires", "1h"]);
    env.create(&["--name", "long", "--scope", "repo:read", "--expires", "1y"]);
    env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "1y"]);
    env.ok(&["revoke", "gone"]);
    env.now = "2026-11-22T12:00:00Z".into();
    let names = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["list", "--format", "json", "--sort", "name"];
        full.extend_from_slice(args);
        env.json(&full)
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&[]), ["long"]);
    assert_eq!(names(&["--status", "expired"]), ["short"]);
    assert_eq!(names(&["--status", "revoked"]), ["gone"]);
    assert_eq!(names(&["--all"]), ["gone", "long", "short"]);
    let table = env.ok(&["list", "--all"]);
    assert!(table.lines().next().unwrap().contains("STATUS"));
    assert_eq!(table.lines().count(), 4);
}

#[test]
fn doctor_reports_the_store_and_keyring() {
    let env = TestEnv::new();
    env.create(&[
        "--keyring",
        "off",
        "--name",
        "orphan",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let out = env.run(&["doctor", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a live token without its keyring entry is a problem"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], tokctl::store::SCHEMA_VERSION);
    assert_eq!(report["file_mode"], "600");
    assert_eq!(report["keyring"], "reachable");
    assert_eq!(
        report["missing_keyring_entries"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let env = TestEnv::new();
    for i in 0..50 {
        env.create(&[
            "--name",
            &format!("t{i}"),
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ]);
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' list --format json | head -c 10 >/dev/null",
            assert_cmd::cargo::cargo_bin("tokctl").display()
        ))
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_USER", "alice")
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
