//! Completions that know the store, in real shells: bash, zsh and fish are
//! started in a pseudo-terminal with a fresh HOME set up as docs/GUIDE.md
//! says, a token name is typed in part and completed with Tab, and the
//! completed command runs. A shell that is not installed is skipped with a
//! note (CI installs all three).

use std::path::Path;
use std::process::Command;

use rexpect::session::{spawn_command, PtySession};

use crate::common::TestEnv;

/// A store with two tokens whose names share a prefix, and an org.
fn store() -> TestEnv {
    let env = TestEnv::new();
    for name in ["deploy-bot", "deploy-web"] {
        env.create(&["--name", name, "--scope", "repo:read", "--expires", "30d"]);
    }
    env.ok(&["org", "add", "acme"]);
    env
}

/// `shell ARGS` in a pty with HOME in `env`'s directory and tokctl on PATH,
/// or `None` (with a note) when the shell is not installed.
fn spawn_shell(env: &TestEnv, shell: &str, args: &[&str]) -> Option<PtySession> {
    if Command::new(shell).arg("-c").arg("true").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI must test completions in {shell}"
        );
        eprintln!("note: {shell} not found: skipping its completion test");
        return None;
    }
    let bin_dir = assert_cmd::cargo::cargo_bin("tokctl")
        .parent()
        .unwrap()
        .to_owned();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut command = Command::new(shell);
    command
        .args(args)
        .env_clear()
        .env("HOME", env.dir.path())
        .env("PATH", path)
        .env("TERM", "dumb")
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user);
    let mut pty = spawn_command(command, Some(20_000)).unwrap();
    // Waits for the shell to have read its start-up files: the typed line
    // does not contain the word it prints.
    pty.send_line("echo rea\"\"dy").unwrap();
    pty.exp_string("ready").unwrap();
    Some(pty)
}

/// The set-up lines of docs/GUIDE.md's completion section for `shell`.
fn guide_setup(shell: &str) -> String {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).unwrap();
    let section = &guide[guide.find(". Shell completions\n").unwrap()..];
    let block = &section[section.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    block
        .lines()
        .filter(|line| line.contains(&format!("# {shell}")))
        .map(|line| line.split(" # ").next().unwrap().trim().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the guide's set-up for `shell` in `home`, as a newcomer would.
fn set_up(home: &Path, shell: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(guide_setup(shell))
        .env("HOME", home)
        .env(
            "PATH",
            format!(
                "{}:{}",
                assert_cmd::cargo::cargo_bin("tokctl")
                    .parent()
                    .unwrap()
                    .display(),
                std::env::var("PATH").unwrap()
            ),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell} set-up: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Types `partial`, Tab, then Enter, and expects `shown`: what the command
/// prints only when Tab completed the last word from the store.
fn tab_then_enter(pty: &mut PtySession, partial: &str, shown: &str) {
    pty.send(&format!("{partial}\t")).unwrap();
    pty.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    pty.send("\r").unwrap();
    pty.flush().unwrap();
    pty.exp_string(shown)
        .unwrap_or_else(|err| panic!("{partial}<TAB>: {err}"));
}

/// In `shell`, set up as the guide says: Tab completes a token name (`show`
/// prints it) and an org ("ac" alone is no org: only the completed name
/// shows a policy).
fn completes_token_names_and_orgs_in(shell: &str) {
    let env = store();
    set_up(env.dir.path(), shell);
    let Some(mut pty) = spawn_shell(&env, shell, &["-i"]) else {
        return;
    };
    tab_then_enter(&mut pty, "tokctl show deploy-b", "name:       deploy-bot");
    tab_then_enter(&mut pty, "tokctl org policy ac", "allowed scopes:");
    pty.send_line("exit").unwrap();
    let _ = pty.exp_eof();
}

#[test]
fn bash_completes_token_names_and_orgs_from_the_store() {
    completes_token_names_and_orgs_in("bash");
}

#[test]
fn zsh_completes_token_names_and_orgs_from_the_store() {
    completes_token_names_and_orgs_in("zsh");
}

#[test]
fn fish_completes_token_names_and_orgs_from_the_store() {
    completes_token_names_and_orgs_in("fish");
}

/// A completion never prints an error into the prompt and never creates
/// a store: with no store at all, nothing is offered and nothing appears.
#[test]
fn completing_without_a_store_offers_nothing_and_creates_nothing() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["--", "tokctl", "revoke", ""])
        .env("COMPLETE", "fish")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let offered = String::from_utf8(out.stdout).unwrap();
    assert!(
        offered.lines().all(|line| line.starts_with("--")),
        "{offered}"
    );
    assert!(!env.db().exists());
}

/// `COMPLETE` naming a shell tokctl has no script for is bad input: one
/// line, exit 2, and no store made.
#[test]
fn an_unknown_shell_is_one_line_and_exit_2() {
    let env = TestEnv::empty();
    let out = env
        .cmd(&["--", "tokctl", "sh"])
        .env("COMPLETE", "tcsh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: unknown shell `tcsh`"),
        "{stderr}"
    );
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    assert!(!env.db().exists());
}
