//! Progress of long commands: at a terminal (a real pseudo-terminal) a bar
//! on stderr while a bulk revoke, prune, policy fix, import or store copy
//! (into the team store `scripts/test` starts) runs, a
//! counter while `verify --batch` reads a file, and a total with the time
//! it took; piped, none of it: stdout is byte for byte what a terminal run
//! writes, stderr holds no escape code, and taking the bar and the time out
//! of a terminal run's stderr leaves exactly the piped one. `--quiet`,
//! `TERM=dumb` and a pipe on `verify --batch`'s stdin (a co-process) show
//! none of it; `--color never` and `NO_COLOR` draw it without colour.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};

use regex::Regex;
use rexpect::session::spawn_command;

use crate::common::TestEnv;
use crate::team_store::{Cluster, TeamDb};

/// Where a terminal run's stdin comes from and stdout goes; stderr (and
/// whatever is not redirected) is the pseudo-terminal.
#[derive(Default)]
struct Redirect<'a> {
    stdin: Option<&'a Path>,
    stdin_piped: bool,
    stdout: Option<&'a Path>,
    env: Vec<(&'a str, &'a str)>,
}

/// Runs tokctl at a pseudo-terminal through `sh` (for the redirections)
/// with `env`'s store, keyring, clock and user; returns all the terminal
/// got, with the terminal's line ends made `\n` again.
fn at_terminal(env: &TestEnv, args: &[&str], redirect: &Redirect<'_>) -> String {
    let mut script = String::from("\"$@\"");
    if redirect.stdin.is_some() {
        if redirect.stdin_piped {
            script = format!("cat \"$TEST_IN\" | {script}");
        } else {
            script.push_str(" <\"$TEST_IN\"");
        }
    }
    if redirect.stdout.is_some() {
        script.push_str(" >\"$TEST_OUT\"");
    }
    let mut command = std::process::Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(&script)
        .arg("sh")
        .arg(assert_cmd::cargo::cargo_bin("tokctl"))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("TERM", "xterm")
        .env("HOME", env.dir.path())
        .env("XDG_CONFIG_HOME", env.config_home())
        .env("TOKCTL_DB", env.db())
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user);
    if let Some(stdin) = redirect.stdin {
        command.env("TEST_IN", stdin);
    }
    if let Some(stdout) = redirect.stdout {
        command.env("TEST_OUT", stdout);
    }
    for (name, value) in &redirect.env {
        command.env(name, value);
    }
    let mut pty = spawn_command(command, Some(30_000)).unwrap();
    pty.exp_eof().unwrap().replace("\r\n", "\n")
}

/// What a terminal run's stderr says once the bar's frames (each ends by
/// clearing its line) and the times the totals give are taken out.
fn without_progress(terminal: &str) -> String {
    let frames = Regex::new(r"[^\n]*\r\x1b\[2K").unwrap();
    let times = Regex::new(r" in [0-9]+(\.[0-9])?s").unwrap();
    times
        .replace_all(&frames.replace_all(terminal, ""), "")
        .into_owned()
}

/// A bar was drawn: a frame of the stage (in colour or not), then a
/// cleared line.
fn assert_bar(terminal: &str, stage: &str) {
    let plain = Regex::new(r"\x1b\[[0-9;]*m")
        .unwrap()
        .replace_all(terminal, "");
    assert!(
        plain.contains(&format!("{stage} [")),
        "no bar for {stage:?}: {terminal:?}"
    );
    assert!(terminal.contains("\x1b[2K"), "never cleared: {terminal:?}");
}

/// Nothing of a progress display: no escape code, no carriage return.
fn assert_plain(stderr: &[u8]) {
    let text = String::from_utf8_lossy(stderr);
    assert!(
        !text.contains('\x1b') && !text.contains('\r'),
        "escape codes when piped: {text:?}"
    );
}

/// A store with `count` tokens named `bulk-N` (keyring off when minted, so
/// their entries are missing when revoked: the clean-up still asks).
fn with_tokens(count: usize) -> TestEnv {
    let env = TestEnv::new();
    let names: Vec<String> = (0..count).map(|n| format!("bulk-{n}")).collect();
    env.bulk_create(&names);
    env
}

/// Another environment holding a copy of `env`'s store and keyring: the
/// same command gives the same output on both.
fn twin(env: &TestEnv) -> TestEnv {
    let copy = TestEnv::empty();
    for name in ["tokctl.db", "tokctl.db-wal", "keyring.json"] {
        let from = env.dir.path().join(name);
        if from.exists() {
            std::fs::copy(&from, copy.dir.path().join(name)).unwrap();
        }
    }
    copy
}

fn file_in(env: &TestEnv, name: &str) -> PathBuf {
    env.dir.path().join(name)
}

#[test]
fn a_bulk_revoke_draws_a_bar_at_a_terminal_and_nothing_else_changes() {
    let piped_env = with_tokens(40);
    let terminal_env = twin(&piped_env);
    let args = ["revoke", "--name", "bulk-*", "--yes", "--format", "jsonl"];

    let piped = piped_env.run(&args);
    assert!(piped.status.success());
    assert_plain(&piped.stderr);
    let piped_stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(
        piped_stderr.ends_with("\nrevoked 40 tokens\n"),
        "the total, without a time: {piped_stderr}"
    );

    let out = file_in(&terminal_env, "revoked.jsonl");
    let terminal = at_terminal(
        &terminal_env,
        &args,
        &Redirect {
            stdout: Some(&out),
            ..Redirect::default()
        },
    );
    assert_bar(&terminal, "revoking");
    assert!(
        terminal.contains("removing keyring entries ["),
        "the keyring clean-up is a stage: {terminal:?}"
    );
    assert!(
        Regex::new(r"\nrevoked 40 tokens in [0-9.]+s\n$")
            .unwrap()
            .is_match(&terminal),
        "the total with its time, last: {terminal:?}"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        piped.stdout,
        "stdout is the same at a terminal"
    );
    assert_eq!(without_progress(&terminal), piped_stderr);
}

#[test]
fn a_bulk_revoke_in_a_table_gets_a_total_at_a_terminal_only() {
    let env = with_tokens(12);
    let piped_env = twin(&env);
    let terminal = at_terminal(
        &env,
        &["revoke", "--name", "bulk-*", "--yes"],
        &Redirect::default(),
    );
    assert_bar(&terminal, "revoking");
    assert!(
        Regex::new(r"\nrevoked 12 tokens in [0-9.]+s\n$")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );

    let piped = piped_env.run(&["revoke", "--name", "bulk-*", "--yes"]);
    assert!(piped.status.success());
    assert_plain(&piped.stderr);
    let stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(!stderr.contains("revoked 12 tokens"), "{stderr}");
    // The total is the one line a terminal adds.
    assert_eq!(
        without_progress(&terminal),
        format!("{stderr}revoked 12 tokens\n")
    );
}

#[test]
fn quiet_and_a_dumb_terminal_show_no_bar_and_no_total() {
    let env = with_tokens(10);
    let quiet = at_terminal(
        &env,
        &["--quiet", "revoke", "--name", "bulk-1*", "--yes"],
        &Redirect::default(),
    );
    assert!(!quiet.contains('\x1b'), "{quiet:?}");
    assert!(!quiet.contains("revok"), "{quiet:?}");

    let dumb = at_terminal(
        &env,
        &["revoke", "--name", "bulk-2*", "--yes"],
        &Redirect {
            env: vec![("TERM", "dumb")],
            ..Redirect::default()
        },
    );
    assert!(!dumb.contains('\x1b'), "{dumb:?}");
    assert!(dumb.contains("revoked token 'bulk-2'"), "{dumb:?}");
    assert!(
        !Regex::new(r"tokens? in [0-9.]+s").unwrap().is_match(&dumb),
        "no timed total: {dumb:?}"
    );
}

#[test]
fn the_bar_is_coloured_unless_colour_is_off() {
    let sgr = Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    let env = with_tokens(30);
    let coloured = at_terminal(
        &env,
        &["revoke", "--name", "bulk-1*", "--yes"],
        &Redirect::default(),
    );
    assert_bar(&coloured, "revoking");
    assert!(sgr.is_match(&coloured), "{coloured:?}");

    let never = at_terminal(
        &env,
        &["--color", "never", "revoke", "--name", "bulk-2*", "--yes"],
        &Redirect::default(),
    );
    assert_bar(&never, "revoking");
    assert!(!sgr.is_match(&never), "{never:?}");

    let no_color = at_terminal(
        &env,
        &["revoke", "--name", "bulk-*", "--yes"],
        &Redirect {
            env: vec![("NO_COLOR", "1")],
            ..Redirect::default()
        },
    );
    assert_bar(&no_color, "revoking");
    assert!(!sgr.is_match(&no_color), "{no_color:?}");
}

#[test]
fn a_prune_draws_its_bar_and_times_its_own_total() {
    let mut piped_env = with_tokens(20);
    piped_env.at("2026-12-30T10:00:00Z");
    let mut terminal_env = twin(&piped_env);
    terminal_env.at("2026-12-30T10:00:00Z");
    let args = ["prune", "--before", "7d", "--yes", "--format", "json"];

    let piped = piped_env.run(&args);
    assert!(piped.status.success());
    assert_plain(&piped.stderr);
    let piped_stderr = String::from_utf8(piped.stderr).unwrap();
    assert!(
        piped_stderr.contains("pruned 20 token(s); their audit events are kept"),
        "{piped_stderr}"
    );

    let out = file_in(&terminal_env, "pruned.json");
    let terminal = at_terminal(
        &terminal_env,
        &args,
        &Redirect {
            stdout: Some(&out),
            ..Redirect::default()
        },
    );
    assert_bar(&terminal, "pruning");
    assert!(
        Regex::new(r"pruned 20 token\(s\) in [0-9.]+s; their audit events are kept")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), piped.stdout);
    assert_eq!(without_progress(&terminal), piped_stderr);
}

/// Tokens that live too long for a policy tightened after them.
fn breaking_policy() -> TestEnv {
    let env = TestEnv::new();
    for n in 0..15 {
        env.create(&[
            "--name",
            &format!("long-{n}"),
            "--scope",
            "repo:read",
            "--expires",
            "2y",
        ]);
    }
    env.ok(&["org", "policy", "default", "--max-lifetime", "1y"]);
    env
}

#[test]
fn a_policy_fix_and_a_policy_revoke_draw_their_bars_at_a_terminal() {
    let piped_env = breaking_policy();
    let terminal_env = twin(&piped_env);
    let fix = ["policy", "check", "--fix", "--yes", "--format", "json"];

    let piped = piped_env.run(&fix);
    assert!(piped.status.success(), "{piped:?}");
    assert_plain(&piped.stderr);
    let out = file_in(&terminal_env, "fixed.json");
    let terminal = at_terminal(
        &terminal_env,
        &fix,
        &Redirect {
            stdout: Some(&out),
            ..Redirect::default()
        },
    );
    assert_bar(&terminal, "clamping expiries");
    assert!(
        Regex::new(r"\nclamped 15 tokens in [0-9.]+s\n$")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), piped.stdout);
    assert_eq!(
        without_progress(&terminal),
        String::from_utf8(piped.stderr).unwrap()
    );

    // Tightened again: the revoke of what breaks it.
    for env in [&piped_env, &terminal_env] {
        env.ok(&["org", "policy", "default", "--max-lifetime", "7d"]);
    }
    let revoke = ["policy", "check", "--revoke", "--yes"];
    let piped = piped_env.run(&revoke);
    assert!(piped.status.success(), "{piped:?}");
    assert_plain(&piped.stderr);
    let terminal = at_terminal(&terminal_env, &revoke, &Redirect::default());
    assert_bar(&terminal, "revoking");
    assert!(
        Regex::new(r"revoked 15 token\(s\) that broke policy in [0-9.]+s\n")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
}

#[test]
fn an_import_draws_its_bar_and_times_its_total() {
    let env = TestEnv::new();
    env.ok(&["org", "add", "acme"]);
    let mut rows = String::from("login,org,role\n");
    for n in 0..60 {
        rows.push_str(&format!("user-{n},acme,member\n"));
    }
    let file = file_in(&env, "people.csv");
    std::fs::write(&file, rows).unwrap();
    let terminal = at_terminal(
        &env,
        &["user", "import", file.to_str().unwrap(), "--yes"],
        &Redirect::default(),
    );
    assert_bar(&terminal, "importing rows");
    assert!(
        Regex::new(
            r"imported \S+people\.csv in [0-9.]+s: added 60 user\(s\), added 60 membership\(s\)\n$"
        )
        .unwrap()
        .is_match(&terminal),
        "{terminal:?}"
    );
}

/// A file of `count` lines of `env`'s secrets, repeated.
fn secrets_file(env: &TestEnv, count: usize) -> PathBuf {
    let secrets: Vec<String> = (0..3)
        .map(|n| {
            env.create(&[
                "--name",
                &format!("svc-{n}"),
                "--scope",
                "repo:read",
                "--expires",
                "30d",
            ])
        })
        .collect();
    let mut lines = String::new();
    for n in 0..count {
        lines.push_str(&secrets[n % secrets.len()]);
        lines.push('\n');
    }
    lines.push_str("not-a-token\n");
    let file = file_in(env, "presented.txt");
    std::fs::write(&file, lines).unwrap();
    file
}

#[test]
fn verify_batch_counts_a_file_read_in_at_a_terminal_and_its_answers_are_unchanged() {
    let env = TestEnv::new();
    let input = secrets_file(&env, 3_000);
    let piped = env
        .cmd(&["verify", "--batch"])
        .pipe_stdin(&input)
        .unwrap()
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(piped.stderr.is_empty(), "{:?}", piped.stderr);

    let out = file_in(&env, "answers.jsonl");
    let terminal = at_terminal(
        &env,
        &["verify", "--batch"],
        &Redirect {
            stdin: Some(&input),
            stdout: Some(&out),
            ..Redirect::default()
        },
    );
    assert!(
        terminal.contains("verifying tokens: "),
        "no counter: {terminal:?}"
    );
    assert!(
        Regex::new(r"verified 3,001 tokens in [0-9.]+s: 3,000 valid, 1 refused\n$")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
    assert_eq!(
        without_progress(&terminal),
        "verified 3,001 tokens: 3,000 valid, 1 refused\n"
    );
    assert_eq!(std::fs::read(&out).unwrap(), piped.stdout);
}

#[test]
fn verify_batch_fed_by_a_pipe_or_answering_on_the_terminal_shows_no_counter() {
    let env = TestEnv::new();
    let input = secrets_file(&env, 50);
    // A pipe may be a co-process's: its terminal is left alone.
    let out = file_in(&env, "answers.jsonl");
    let piped_in = at_terminal(
        &env,
        &["verify", "--batch"],
        &Redirect {
            stdin: Some(&input),
            stdin_piped: true,
            stdout: Some(&out),
            ..Redirect::default()
        },
    );
    assert_eq!(piped_in, "", "nothing on the terminal");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 51);

    // Answers on the terminal: a counter would draw over them.
    let on_terminal = at_terminal(
        &env,
        &["verify", "--batch"],
        &Redirect {
            stdin: Some(&input),
            ..Redirect::default()
        },
    );
    assert!(!on_terminal.contains("verifying"), "{on_terminal:?}");
    assert!(!on_terminal.contains('\x1b'), "{on_terminal:?}");
    assert_eq!(on_terminal.lines().count(), 51, "{on_terminal:?}");
}

/// `store copy` into a team store (the cluster `scripts/test` starts): the
/// dry run and the copy draw a bar at a terminal and time their totals; the
/// dry run piped is the terminal's without them.
#[test]
fn a_store_copy_draws_its_bar_at_a_terminal() {
    let Some(cluster) = Cluster::get("progress_store_copy") else {
        return;
    };
    let local = TestEnv::empty().as_user("olive");
    local.ok(&["org", "list"]);
    let names: Vec<String> = (0..20).map(|n| format!("copied-{n}")).collect();
    local.bulk_create(&names);
    let team = TeamDb::new(&cluster, "progress_store_copy");
    let url = cluster.url(&cluster.superuser, &team.name);
    let passfile = cluster.passfile.to_str().unwrap();
    let dry_run = [
        "store",
        "copy",
        "--to",
        &url,
        "--dry-run",
        "--format",
        "json",
    ];

    let piped = local
        .cmd(&dry_run)
        .env("PGPASSFILE", passfile)
        .output()
        .unwrap();
    assert!(piped.status.success(), "{piped:?}");
    assert_plain(&piped.stderr);
    let out = file_in(&local, "dry-run.json");
    let terminal = at_terminal(
        &local,
        &dry_run,
        &Redirect {
            stdout: Some(&out),
            env: vec![("PGPASSFILE", passfile)],
            ..Redirect::default()
        },
    );
    assert_bar(&terminal, "copying rows");
    assert!(
        Regex::new(r"would copy 20 tokens, [^\n]* in [0-9.]+s; nothing was written\n")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), piped.stdout);
    assert_eq!(
        without_progress(&terminal),
        String::from_utf8(piped.stderr).unwrap()
    );

    let terminal = at_terminal(
        &local,
        &["store", "copy", "--to", &url],
        &Redirect {
            env: vec![("PGPASSFILE", passfile)],
            ..Redirect::default()
        },
    );
    assert_bar(&terminal, "copying rows");
    assert!(
        Regex::new(r"\ncopied 20 tokens, [^\n]* in [0-9.]+s\n")
            .unwrap()
            .is_match(&terminal),
        "{terminal:?}"
    );
}
