//! The `hint:` lines the binary prints for library errors: the library
//! names no flags, so these are checked on the real binary's stderr. Each
//! test runs the case of the library test of the same name
//! (tests/library), which checks the error's variant and facts.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Output;

use crate::common::{assert_error, TestEnv};

/// The text of the `hint:` line, if stderr has one.
fn hint(out: &Output) -> Option<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|line| line.strip_prefix("hint: "))
        .map(str::to_owned)
}

/// The binary with the test keyring failing as `fail` says.
fn run_failing(env: &TestEnv, fail: &str, args: &[&str]) -> Output {
    env.cmd(args)
        .env("TOKCTL_TEST_KEYRING_FAIL", fail)
        .output()
        .unwrap()
}

fn mint(env: &TestEnv, name: &str) -> String {
    env.create(&["--name", name, "--scope", "repo:read", "--expires", "90d"])
}

#[test]
fn unknown_actors_are_refused_with_a_hint() {
    let env = TestEnv::new();
    let out = env.as_user("mallory").run(&["show", "x"]);
    assert_error(&out, 5, "user 'mallory' is not registered");
    assert!(hint(&out).unwrap().contains("tokctl user add mallory"));
}

#[test]
fn rotate_with_a_locked_keyring_marks_the_entry_stale_and_secret_refuses_it() {
    let env = TestEnv::new();
    mint(&env, "r1");
    let out = run_failing(&env, "locked", &["rotate", "r1"]);
    assert!(out.status.success(), "{out:?}");
    let out = run_failing(&env, "locked", &["secret", "r1"]);
    assert_error(&out, 7, "the keyring is locked");
    assert!(out.stdout.is_empty());
    assert!(hint(&out).unwrap().contains("unlock"));
}

#[test]
fn rotate_with_a_locked_keyring_in_required_mode_writes_nothing() {
    let env = TestEnv::new();
    mint(&env, "r1");
    let out = run_failing(&env, "locked", &["rotate", "r1", "--keyring", "required"]);
    assert_error(&out, 7, "the keyring is locked");
    assert!(hint(&out).unwrap().contains("unlock"), "{:?}", hint(&out));
    assert!(!hint(&out).unwrap().contains("start a Secret Service"));
}

#[test]
fn secret_with_keyring_off_says_so() {
    let env = TestEnv::new();
    mint(&env, "k");
    let out = env.run(&["secret", "k", "--keyring", "off"]);
    assert_error(&out, 7, "the keyring is off");
    assert!(!hint(&out).unwrap().contains("--keyring auto"));
}
