//! The interactive `create` driven through a real pseudo-terminal, from the
//! first prompt to the printed secret.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::TestEnv;
use rexpect::session::{spawn_command, PtySession};

fn spawn_in_pty(env: &TestEnv, args: &[&str]) -> PtySession {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
    command
        .args(args)
        .env_clear()
        .env("TERM", "xterm")
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user);
    spawn_command(command, Some(20_000)).unwrap()
}

/// Types keys into the terminal (rexpect buffers until a newline otherwise).
fn keys(pty: &mut PtySession, keys: &str) {
    pty.send(keys).unwrap();
    pty.flush().unwrap();
}

/// Enter at the description prompt: no description.
fn skip_description(pty: &mut PtySession) {
    pty.exp_string("Description (").unwrap();
    keys(pty, "\r");
}

#[test]
fn interactive_create_asks_for_what_is_missing_and_prints_the_secret() {
    let env = TestEnv::new();
    env.ok(&[
        "org",
        "policy",
        "default",
        "--allowed-scopes",
        "repo:*,issues:read",
    ]);
    let mut pty = spawn_in_pty(&env, &["create"]);

    pty.exp_string("Name (say what the token is for; Enter for a generated one)")
        .unwrap();
    keys(&mut pty, "-bad\r"); // refused when submitted, with the reason
    pty.exp_string("must not start with '-'").unwrap();
    keys(&mut pty, &"\u{7f}".repeat(4)); // backspace it away
    keys(&mut pty, "deploy-bot\r");

    pty.exp_string("Description (who uses it, where, why; Enter to skip)")
        .unwrap();
    keys(&mut pty, "ships the web app\r");

    pty.exp_string("Scopes allowed in org 'default'").unwrap();
    // The list holds only allowed scopes: repo:read, repo:write, repo:admin, issues:read, …
    pty.exp_string("issues:read").unwrap();
    keys(&mut pty, " "); // pick repo:read
    keys(&mut pty, "\u{1b}[B"); // down
    keys(&mut pty, " "); // pick repo:write
    keys(&mut pty, "\r");

    pty.exp_string("Expires in").unwrap();
    keys(&mut pty, "\r"); // the default: 90 days

    pty.exp_string("Create personal token 'deploy-bot' in org 'default' with repo:read repo:write, expiring in 90d?")
        .unwrap();
    keys(&mut pty, "y");
    pty.exp_string("the secret is shown once, here; a copy is kept in the OS keyring")
        .unwrap();
    pty.exp_regex("tkp_[A-Za-z0-9_-]{59}").unwrap();
    pty.exp_eof().unwrap();

    let token = env.json(&["show", "deploy-bot", "--format", "json"]);
    assert_eq!(
        token["scopes"],
        serde_json::json!(["repo:write"]),
        "write implies read"
    );
    assert_eq!(token["expires_at"], "2027-02-20T10:00:00Z");
    assert_eq!(token["description"], "ships the web app");
}

#[test]
fn declining_the_summary_creates_nothing() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    let mut pty = spawn_in_pty(&env, &["create", "--name", "x", "--scope", "repo:read"]);
    skip_description(&mut pty);
    pty.exp_string("Expires in").unwrap();
    keys(&mut pty, "\u{1b}[B\r"); // 90 days → 1 year
    pty.exp_string("expiring in 1y?").unwrap();
    keys(&mut pty, "n");
    pty.exp_string("nothing was created").unwrap();
    pty.exp_eof().unwrap();
    assert!(env.store_bytes() == before);
}

#[test]
fn never_is_offered_only_when_the_policy_allows_it() {
    let env = TestEnv::new();
    let mut pty = spawn_in_pty(&env, &["create", "--name", "x", "--scope", "repo:read"]);
    skip_description(&mut pty);
    pty.exp_string("never (not recommended)").unwrap();
    keys(&mut pty, "\u{3}"); // ctrl-c
    let _ = pty.exp_eof();

    env.ok(&["org", "policy", "default", "--require-expiry"]);
    let mut pty = spawn_in_pty(&env, &["create", "--name", "y", "--scope", "repo:read"]);
    skip_description(&mut pty);
    pty.exp_string("custom").unwrap();
    // Up from the default (90 days) past the top wraps to the last entry:
    // "custom…", not "never", which the policy now forbids.
    keys(&mut pty, "\u{1b}[A\u{1b}[A\u{1b}[A\r");
    pty.exp_string("Expires (a duration").unwrap();
    keys(&mut pty, "45d\r");
    pty.exp_string("expiring in 45d?").unwrap();
    keys(&mut pty, "y");
    pty.exp_eof().unwrap();
    assert_eq!(
        env.json(&["show", "y", "--format", "json"])["expires_at"],
        "2027-01-06T10:00:00Z"
    );
}

#[test]
fn revoking_by_name_at_a_terminal_asks_first() {
    let env = TestEnv::new();
    env.create(&[
        "--name",
        "doomed",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let mut pty = spawn_in_pty(&env, &["revoke", "doomed"]);
    pty.exp_string("Revoke 'doomed'").unwrap();
    keys(&mut pty, "n");
    pty.exp_eof().unwrap();
    assert_eq!(env.names(&[]), ["doomed"], "declined: still active");
    let mut pty = spawn_in_pty(&env, &["revoke", "doomed"]);
    pty.exp_string("Revoke 'doomed'").unwrap();
    keys(&mut pty, "y");
    pty.exp_eof().unwrap();
    assert!(env.names(&[]).is_empty());
}

#[test]
fn enter_at_the_name_prompt_takes_a_generated_name() {
    let env = TestEnv::new();
    let mut pty = spawn_in_pty(
        &env,
        &["create", "--scope", "repo:read", "--expires", "30d"],
    );
    pty.exp_string("Enter for a generated one").unwrap();
    keys(&mut pty, "\r");
    skip_description(&mut pty);
    pty.exp_string("Create personal token '(generated name)'")
        .unwrap();
    keys(&mut pty, "y");
    pty.exp_eof().unwrap();
    assert_eq!(env.names(&[]), ["repo-read-2026-11-22"]);
}

/// Ctrl-C in a list prompt (read in raw mode, so it arrives as a key):
/// exit 130, the cursor the list hid is shown again, nothing created.
#[test]
fn ctrl_c_in_the_wizard_exits_130_and_shows_the_cursor_again() {
    let env = TestEnv::new();
    let before = env.store_bytes();
    let mut pty = spawn_in_pty(&env, &["create", "--name", "x", "--scope", "repo:read"]);
    skip_description(&mut pty);
    pty.exp_string("Expires in").unwrap();
    keys(&mut pty, "\u{3}");
    pty.exp_string("\u{1b}[?25h").unwrap();
    pty.exp_string("interrupted: nothing was changed").unwrap();
    pty.exp_eof().unwrap();
    let status = format!("{:?}", pty.process().wait().unwrap());
    assert!(
        status.starts_with("Exited(") && status.ends_with(", 130)"),
        "{status}"
    );
    assert!(env.store_bytes() == before);
}

/// Ctrl-C at the hidden prompt for a token (echo off, SIGINT delivered):
/// in a real bash, the exit status is 130 and the terminal echoes again.
#[test]
fn ctrl_c_at_a_hidden_prompt_exits_130_with_echo_restored() {
    let env = TestEnv::new();
    let mut command = std::process::Command::new("bash");
    command
        .args(["--norc", "--noprofile", "-i"])
        .env_clear()
        .env("TERM", "xterm")
        .env("PS1", "$ ")
        .env("PATH", std::env::var("PATH").unwrap())
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user);
    // rexpect starts the terminal with echo off: the command turns it on
    // first, so that "echo" afterwards is tokctl's doing.
    let mut pty = spawn_command(command, Some(20_000)).unwrap();
    let tokctl = assert_cmd::cargo::cargo_bin("tokctl");
    pty.send_line(&format!(
        "stty echo; '{}' verify; echo \"rc=$?\"; stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo",
        tokctl.display()
    ))
    .unwrap();
    pty.exp_string("Token").unwrap();
    keys(&mut pty, "tkp_half");
    keys(&mut pty, "\u{3}");
    pty.exp_string("rc=130").unwrap();
    // The line after is stty's: "echo", not "-echo".
    let (_, line) = pty.exp_regex("\r\n-?echo\r\n").unwrap();
    assert_eq!(line.trim(), "echo");
    pty.send_line("exit").unwrap();
    let _ = pty.exp_eof();
}
