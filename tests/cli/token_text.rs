//! A token pasted into a free-text field (a name, a description, a reason)
//! would be stored in the clear and shown in tables and exports. Every such
//! field refuses a value holding one, anywhere in it: one error line, exit
//! 2, the token not echoed, the store's bytes unchanged.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

/// A store with a token `a`, and a real personal and org secret to paste.
fn store_and_secrets() -> (TestEnv, Vec<String>) {
    let env = TestEnv::new();
    let personal = env.create(&["--name", "a", "--scope", "repo:read", "--expires", "1y"]);
    let org = env.create(&[
        "--name",
        "bot",
        "--org-token",
        "--scope",
        "repo:read",
        "--expires",
        "1y",
    ]);
    assert!(personal.starts_with("tkp_") && org.starts_with("tko_"));
    (env, vec![personal, org])
}

/// Runs `args` (with `{}` replaced by text holding `secret`) and checks the refusal.
fn refused(env: &TestEnv, what: &str, secret: &str, args: &[&str]) {
    for text in [
        secret.to_owned(),
        format!("see {secret} in the log"),
        format!("x{secret}"),
    ] {
        let args: Vec<String> = args.iter().map(|arg| arg.replace("{}", &text)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let before = env.store_bytes();
        let out = env.run(&args);
        assert_error(
            &out,
            2,
            &format!("the {what} contains a tokctl token (tkp_… or tko_…): refused"),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(&secret[4..]), "echoed: {stderr}");
        assert!(out.stdout.is_empty());
        assert_eq!(
            env.store_bytes(),
            before,
            "tokctl {args:?} wrote to the store"
        );
    }
}

#[test]
fn a_token_as_a_token_name_is_refused() {
    let (env, secrets) = store_and_secrets();
    for secret in &secrets {
        refused(
            &env,
            "token name",
            secret,
            &[
                "create",
                "--name",
                "{}",
                "--scope",
                "repo:read",
                "--expires",
                "1d",
            ],
        );
    }
}

#[test]
fn a_token_in_a_description_is_refused() {
    let (env, secrets) = store_and_secrets();
    for secret in &secrets {
        refused(
            &env,
            "description",
            secret,
            &[
                "create",
                "--name",
                "c",
                "--description",
                "{}",
                "--scope",
                "repo:read",
                "--expires",
                "1d",
            ],
        );
    }
}

#[test]
fn a_token_as_a_resource_name_is_refused() {
    let (env, secrets) = store_and_secrets();
    refused(
        &env,
        "resource name",
        &secrets[0],
        &[
            "create",
            "--name",
            "c",
            "--scope",
            "repo:read",
            "--resource",
            "repo={}",
            "--expires",
            "1d",
        ],
    );
    refused(
        &env,
        "resource name",
        &secrets[0],
        &[
            "create",
            "--name",
            "c",
            "--scope",
            "repo:read[{}]",
            "--expires",
            "1d",
        ],
    );
}

#[test]
fn a_token_in_a_revoke_reason_is_refused() {
    let (env, secrets) = store_and_secrets();
    for secret in &secrets {
        refused(&env, "reason", secret, &["revoke", "a", "--reason", "{}"]);
        refused(
            &env,
            "reason",
            secret,
            &["revoke", "--name", "a", "--reason", "{}", "--yes"],
        );
    }
    assert_eq!(env.names(&[]), ["a", "bot"], "nothing was revoked");
}

#[test]
fn a_token_as_an_org_or_user_name_is_refused() {
    let (env, secrets) = store_and_secrets();
    for secret in &secrets {
        refused(&env, "org name", secret, &["org", "add", "{}"]);
        refused(&env, "user name", secret, &["user", "add", "{}"]);
    }
}

#[test]
fn a_token_as_the_acting_user_is_refused_before_the_store_is_touched() {
    let (env, secrets) = store_and_secrets();
    // verify records whoever ran it, registered or not.
    let before = env.store_bytes();
    let out = env
        .cmd(&["verify"])
        .env("TOKCTL_USER", format!("ci-{}", secrets[1]))
        .write_stdin(secrets[0].clone())
        .output()
        .unwrap();
    assert_error(&out, 2, "the acting user name contains a tokctl token");
    assert_eq!(env.store_bytes(), before);
    refused(
        &env,
        "acting user name",
        &secrets[0],
        &["--as", "{}", "verify"],
    );

    // On a brand-new store the acting user would become its first owner.
    let fresh = TestEnv::empty();
    let out = fresh.run(&["--as", &secrets[0], "org", "list"]);
    assert_error(&out, 2, "the acting user name contains a tokctl token");
    assert!(!fresh.db().exists(), "no store was created");
}

#[test]
fn names_that_only_look_a_little_like_tokens_are_fine() {
    let env = TestEnv::new();
    env.ok(&["user", "add", "tkp_admin"]);
    env.ok(&["org", "add", "tko_team"]);
    env.create(&[
        "--org",
        "default",
        "--name",
        "tkp_",
        "--description",
        "rotates tkp_ tokens for CI",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
}
