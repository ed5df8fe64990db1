//! `tokctl scan` through the binary: files and directories (ignore rules,
//! binary files, broken checksums), stdin, git history and staged changes,
//! another store's tokens, `--revoke` through plan, confirmation and apply,
//! the output formats, the exit codes, and paths that cannot be read.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::TestEnv;

/// A scan's exit code, stdout and stderr.
struct Scanned {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Scanned {
    fn from(out: Output) -> Self {
        let scanned = Scanned {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        assert!(!scanned.stderr.contains("panicked"), "{}", scanned.stderr);
        scanned
    }

    /// The JSON Lines findings.
    fn findings(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Asserts that none of `secrets` shows anywhere in the output.
    fn reveals_none(&self, secrets: &[&str]) {
        for secret in secrets {
            let body = &secret[15..59];
            assert!(
                !self.stdout.contains(body) && !self.stderr.contains(body),
                "a secret was printed:\n{}\n{}",
                self.stdout,
                self.stderr
            );
        }
    }
}

fn scan_in(env: &TestEnv, dir: &Path, args: &[&str]) -> Scanned {
    let mut full = vec!["scan"];
    full.extend_from_slice(args);
    Scanned::from(env.cmd(&full).current_dir(dir).output().unwrap())
}

/// (path, line, column, status) of each finding, in order.
fn places(findings: &[Value]) -> Vec<(String, u64, u64, String)> {
    findings
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn shown(secret: &str) -> String {
    format!("{}…{}", &secret[..15], &secret[59..])
}

/// A token with one character of its body changed: its checksum fails.
fn broken(secret: &str) -> String {
    let mut bytes = secret.as_bytes().to_vec();
    bytes[30] = if bytes[30] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ann Example")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann Example")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn new_repo(env: &TestEnv) -> PathBuf {
    let repo = env.dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    repo
}

#[test]
fn scan_finds_planted_tokens_and_says_where_and_which() {
    let env = TestEnv::new();
    let ci = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let old = env.create(&["--name", "old", "--scope", "repo:read", "--expires", "30d"]);
    env.ok(&["revoke", "old", "--reason", "done"]);
    let tree = env.dir.path().join("tree");
    write(
        &tree.join("src/config.rs"),
        format!("// x\nlet t = \"{ci}\";\n"),
    );
    write(
        &tree.join(".env"),
        format!("OLD={old}\nBROKEN={}\n", broken(&ci)),
    );
    write(&tree.join("docs/ünïcode.md"), format!("é {ci}"));
    write(&tree.join("notes.txt"), "nothing here: tkp_short\n");

    let out = scan_in(&env, &tree, &["--format", "jsonl"]);
    assert_eq!(out.code, 27, "a live token was found: {}", out.stderr);
    let findings = out.findings();
    assert_eq!(
        places(&findings),
        [
            (".env".to_owned(), 1, 5, "revoked".to_owned()),
            ("docs/ünïcode.md".to_owned(), 1, 3, "live".to_owned()),
            ("src/config.rs".to_owned(), 2, 10, "live".to_owned()),
        ]
    );
    let live = &findings[2];
    assert_eq!(live["redacted"], shown(&ci));
    assert_eq!(live["id"], &ci[4..15]);
    assert_eq!(live["kind"], "personal");
    assert_eq!(live["origin"], "file");
    assert_eq!(live["secret"], "current");
    assert_eq!(live["token"]["name"], "ci");
    assert_eq!(live["token"]["owner"], "alice");
    assert_eq!(live["token"]["org"], "default");
    assert_eq!(live["offset"], 14);
    assert!(live.get("revoke").is_none());
    assert!(
        out.stderr
            .contains("found 2 tokens in 3 places: 1 live, 1 revoked"),
        "{}",
        out.stderr
    );
    out.reveals_none(&[&ci, &old]);

    // The table says the same for people; no use was recorded by any of it.
    let table = scan_in(&env, &tree, &[]);
    assert_eq!(table.code, 27);
    assert!(
        table.stdout.contains("src/config.rs:2:10"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains(&shown(&ci)));
    table.reveals_none(&[&ci, &old]);
    let shown_ci = env.json(&["show", "ci", "--format", "json"]);
    assert_eq!(shown_ci["use_count"], 0);
    assert_eq!(shown_ci["last_used_at"], Value::Null);
}

#[test]
fn exit_codes_tell_nothing_dead_and_live_apart() {
    let env = TestEnv::new();
    let live = env.create(&["--name", "live", "--scope", "repo:read", "--expires", "30d"]);
    let dead = env.create(&["--name", "dead", "--scope", "repo:read", "--expires", "30d"]);
    env.ok(&["revoke", "dead"]);
    let dir = env.dir.path().join("codes");
    write(
        &dir.join("clean/a.txt"),
        format!("only noise and {}\n", broken(&live)),
    );
    write(&dir.join("dead/a.txt"), &dead);
    write(&dir.join("live/a.txt"), format!("{dead}\n{live}\n"));

    let clean = scan_in(&env, &dir, &["clean"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    assert_eq!(clean.stdout, "");
    assert!(clean.stderr.contains("no tokens found"));
    assert_eq!(scan_in(&env, &dir, &["dead"]).code, 26);
    assert_eq!(scan_in(&env, &dir, &["live"]).code, 27);
    assert_eq!(scan_in(&env, &dir, &["dead", "clean"]).code, 26);
}

#[test]
fn gitignored_files_are_skipped_unless_no_ignore() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let repo = new_repo(&env);
    write(&repo.join(".gitignore"), "build/\n*.log\n");
    write(&repo.join("build/out.txt"), &secret);
    write(&repo.join("debug.log"), &secret);
    write(&repo.join("kept.txt"), &secret);

    let out = scan_in(&env, &repo, &["--format", "jsonl"]);
    assert_eq!(
        places(&out.findings()),
        [("kept.txt".to_owned(), 1, 1, "live".to_owned())]
    );
    let all = scan_in(&env, &repo, &["--format", "jsonl", "--no-ignore"]);
    let paths: Vec<String> = places(&all.findings()).into_iter().map(|p| p.0).collect();
    assert_eq!(paths, ["build/out.txt", "debug.log", "kept.txt"]);
}

#[test]
fn binary_files_are_skipped_unless_binary_or_named() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let dir = env.dir.path().join("bin");
    let mut blob = b"\x7fELF\x00\x00\x01".to_vec();
    blob.extend_from_slice(secret.as_bytes());
    write(&dir.join("lib.so"), &blob);

    let skipped = scan_in(&env, &dir, &["--format", "jsonl"]);
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert!(skipped.findings().is_empty());
    assert!(
        skipped.stderr.contains("skipped 1 binary"),
        "{}",
        skipped.stderr
    );

    let scanned = scan_in(&env, &dir, &["--format", "jsonl", "--binary"]);
    assert_eq!(scanned.code, 27);
    assert_eq!(scanned.findings()[0]["offset"], 7);
    // A file named on the command line is read whatever it holds, as ripgrep does.
    let named = scan_in(&env, &dir, &["--format", "jsonl", "lib.so"]);
    assert_eq!(named.findings().len(), 1);
}

#[test]
fn another_stores_token_is_unknown_even_when_its_id_is_taken_here() {
    let env = TestEnv::new();
    let here = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let other = TestEnv::new();
    let elsewhere = other.create(&[
        "--name",
        "theirs",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    // Both stores' first tokens have the same id.
    assert_eq!(here[4..15], elsewhere[4..15]);
    let dir = env.dir.path().join("paste");
    write(&dir.join("paste.txt"), &elsewhere);

    let out = scan_in(&env, &dir, &["--format", "jsonl"]);
    assert_eq!(out.code, 27, "unknown may work elsewhere: {}", out.stderr);
    let found = &out.findings()[0];
    assert_eq!(found["status"], "unknown");
    assert_eq!(found["token"], Value::Null);
    assert_eq!(found["secret"], Value::Null);
    assert!(
        out.stderr.contains("1 unknown to this store"),
        "{}",
        out.stderr
    );
    out.reveals_none(&[&elsewhere]);
}

#[test]
fn without_a_store_every_token_is_unknown_and_no_store_is_created() {
    let env = TestEnv::empty();
    let dir = env.dir.path().join("ci");
    let token = TestEnv::new().create(&["--name", "x", "--scope", "repo:read", "--expires", "1d"]);
    write(&dir.join("a.txt"), &token);
    let out = scan_in(&env, &dir, &["--format", "jsonl"]);
    assert_eq!(out.code, 27);
    assert_eq!(out.findings()[0]["status"], "unknown");
    assert!(out.stderr.contains("no store at"), "{}", out.stderr);
    assert!(!env.db().exists(), "a scan created a store");
}

#[test]
fn stdin_is_scanned_with_a_dash() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let log = format!("line one\nGET /x Authorization: Bearer {secret}\n");
    let out = Scanned::from(env.run_stdin(&["scan", "-", "--format", "jsonl"], log));
    assert_eq!(out.code, 27);
    let found = out.findings();
    assert_eq!(places(&found), [("-".to_owned(), 2, 30, "live".to_owned())]);
    assert_eq!(found[0]["origin"], "stdin");
    out.reveals_none(&[&secret]);
}

#[test]
fn git_history_finds_a_token_in_an_old_commit_later_deleted() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let repo = new_repo(&env);
    write(&repo.join("README"), "hello\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "first"]);
    write(
        &repo.join("deploy/.env"),
        format!("# deploy\nTOKEN={secret}\n"),
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "oops"]);
    let leaked_in = git(&repo, &["rev-parse", "HEAD"]);
    // The same token kept in the file through another change: reported once.
    write(
        &repo.join("deploy/.env"),
        format!("# deploy v2\nTOKEN={secret}\n"),
    );
    git(&repo, &["commit", "-qam", "edit"]);
    git(&repo, &["rm", "-q", "deploy/.env"]);
    git(&repo, &["commit", "-qm", "remove the token"]);
    let after = git(&repo, &["rev-parse", "HEAD"]);
    write(&repo.join("later.txt"), "clean\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "later"]);

    // The working tree is clean now; the history is not.
    assert_eq!(scan_in(&env, &repo, &[]).code, 0);
    let out = scan_in(&env, &repo, &["--git", "--format", "jsonl"]);
    assert_eq!(out.code, 27, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(
        places(&found),
        [("deploy/.env".to_owned(), 2, 7, "live".to_owned())]
    );
    assert_eq!(found[0]["origin"], "commit");
    assert_eq!(found[0]["commit"], leaked_in);
    assert_eq!(found[0]["author"], "Ann Example <ann@example.com>");
    assert!(found[0]["authored_at"].as_str().unwrap().ends_with('Z'));
    out.reveals_none(&[&secret]);

    // The repository named as a value, from elsewhere; the table shows commit and author.
    let table = scan_in(&env, env.dir.path(), &["--git", repo.to_str().unwrap()]);
    assert!(table.stdout.contains(&leaked_in[..12]), "{}", table.stdout);
    assert!(table.stdout.contains("Ann Example"));

    // Incremental: nothing was added after the deletion.
    let since = scan_in(
        &env,
        &repo,
        &["--git", "--since", &after, "--format", "jsonl"],
    );
    assert_eq!(since.code, 0, "{}", since.stderr);
    assert!(since.findings().is_empty());
}

#[test]
fn git_history_covers_every_ref_and_refuses_what_is_no_repository_or_revision() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let repo = new_repo(&env);
    write(&repo.join("a.txt"), "a\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "a"]);
    git(&repo, &["checkout", "-qb", "feature"]);
    write(&repo.join("b.txt"), &secret);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "b"]);
    git(&repo, &["checkout", "-q", "main"]);
    let out = scan_in(&env, &repo, &["--git", "--format", "jsonl"]);
    assert_eq!(
        places(&out.findings()),
        [("b.txt".to_owned(), 1, 1, "live".to_owned())]
    );

    let plain = env.dir.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    let not_a_repo = scan_in(&env, &plain, &["--git"]);
    assert_eq!(not_a_repo.code, 2, "{}", not_a_repo.stderr);
    assert!(
        not_a_repo
            .stderr
            .starts_with("error: invalid git repository"),
        "{}",
        not_a_repo.stderr
    );
    let bad_rev = scan_in(&env, &repo, &["--git", "--since=--output=x"]);
    assert_eq!(bad_rev.code, 2, "{}", bad_rev.stderr);
    assert!(
        bad_rev.stderr.contains("not a commit"),
        "{}",
        bad_rev.stderr
    );
    assert!(!repo.join("x").exists());
}

#[test]
fn staged_changes_are_scanned_and_tokens_already_committed_are_not_reported_again() {
    let env = TestEnv::new();
    let old = env.create(&["--name", "old", "--scope", "repo:read", "--expires", "30d"]);
    let new = env.create(&["--name", "new", "--scope", "repo:read", "--expires", "30d"]);
    let unstaged = env.create(&[
        "--name",
        "unstaged",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    let repo = new_repo(&env);
    // A first commit may hold tokens too: there is no HEAD to compare with.
    write(&repo.join("fixtures.txt"), format!("{old}\n"));
    git(&repo, &["add", "."]);
    let first = scan_in(&env, &repo, &["--staged", "--format", "jsonl"]);
    assert_eq!(
        places(&first.findings()),
        [("fixtures.txt".to_owned(), 1, 1, "live".to_owned())]
    );
    git(&repo, &["commit", "-qm", "fixtures"]);

    write(&repo.join("fixtures.txt"), format!("{old}\nmore\n"));
    write(&repo.join("app.cfg"), format!("key = {new}\n"));
    git(&repo, &["add", "."]);
    write(
        &repo.join("app.cfg"),
        format!("key = {new}\nother = {unstaged}\n"),
    );

    let out = scan_in(&env, &repo, &["--staged", "--format", "jsonl"]);
    assert_eq!(out.code, 27, "{}", out.stderr);
    let found = out.findings();
    assert_eq!(
        places(&found),
        [("app.cfg".to_owned(), 1, 7, "live".to_owned())]
    );
    assert_eq!(found[0]["origin"], "staged");
    assert_eq!(found[0]["token"]["name"], "new");

    git(&repo, &["reset", "-q", "app.cfg"]);
    assert_eq!(scan_in(&env, &repo, &["--staged"]).code, 0);
}

/// GUIDE.md's pre-commit hook, installed as written, stops a commit that
/// adds a token and lets a clean one through.
#[test]
fn the_documented_pre_commit_hook_blocks_a_commit_with_a_token() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let repo = new_repo(&env);
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).unwrap();
    let start = guide
        .find("```shell\n#!/bin/sh\n# .git/hooks/pre-commit")
        .expect("GUIDE.md shows the hook")
        + "```shell\n".len();
    let hook = &guide[start..start + guide[start..].find("```").unwrap()];
    let path = repo.join(".git/hooks/pre-commit");
    write(&path, hook);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let bin_dir = assert_cmd::cargo::cargo_bin("tokctl")
        .parent()
        .unwrap()
        .to_owned();
    let commit = |message: &str| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["commit", "-qm", message])
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
            .env("HOME", env.dir.path())
            .env("TOKCTL_DB", env.db())
            .env("TOKCTL_TEST_KEYRING", env.keyring_file())
            .env("TOKCTL_TEST_NOW", &env.now)
            .env("TOKCTL_USER", "alice")
            .env("GIT_AUTHOR_NAME", "Ann")
            .env("GIT_AUTHOR_EMAIL", "ann@example.com")
            .env("GIT_COMMITTER_NAME", "Ann")
            .env("GIT_COMMITTER_EMAIL", "ann@example.com")
            .output()
            .unwrap()
    };
    write(&repo.join("clean.txt"), "nothing\n");
    git(&repo, &["add", "."]);
    let clean = commit("clean");
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );

    write(&repo.join("leak.txt"), format!("TOKEN={secret}\n"));
    git(&repo, &["add", "."]);
    let blocked = commit("leak");
    let stderr = String::from_utf8_lossy(&blocked.stderr);
    assert!(!blocked.status.success(), "the hook let a token through");
    assert!(stderr.contains("leak.txt:1:7"), "{stderr}");
    assert!(!stderr.contains(&secret[15..59]), "{stderr}");
    assert_eq!(git(&repo, &["rev-list", "--count", "HEAD"]), "1");
}

#[test]
fn revoke_plans_confirms_and_applies_with_a_reason_naming_the_place() {
    let env = TestEnv::new();
    let ci = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let keep = env.create(&["--name", "keep", "--scope", "repo:read", "--expires", "30d"]);
    let gone = env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "30d"]);
    env.ok(&["revoke", "gone"]);
    let dir = env.dir.path().join("logs");
    write(
        &dir.join("build.log"),
        format!("step 1\n  token {ci}\n{gone}\n"),
    );
    write(&dir.join("again.log"), format!("{ci}\n"));

    // Outside a terminal and without --yes: the plan is shown, nothing changes.
    let before = env.store_bytes();
    let refused = scan_in(&env, &dir, &["--revoke"]);
    assert_eq!(refused.code, 8, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("to revoke token 'ci'"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("needs --yes"), "{}", refused.stderr);
    assert!(
        refused.stdout.contains("build.log:2:9"),
        "{}",
        refused.stdout
    );
    assert_eq!(env.store_bytes(), before);

    // A dry run says what would happen.
    let dry = scan_in(&env, &dir, &["--revoke", "--dry-run", "--format", "jsonl"]);
    assert_eq!(dry.code, 27);
    assert!(
        dry.stderr.contains("would revoke token 'ci'"),
        "{}",
        dry.stderr
    );
    assert_eq!(dry.findings()[0]["revoke"], "planned");
    assert_eq!(env.store_bytes(), before);

    let done = scan_in(&env, &dir, &["--revoke", "--yes", "--format", "jsonl"]);
    assert_eq!(
        done.code, 27,
        "the exit code says what was found: {}",
        done.stderr
    );
    assert!(
        done.stderr.contains("revoked token 'ci'"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("revoked 1 token"), "{}", done.stderr);
    let outcomes: Vec<(String, Value)> = done
        .findings()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f.get("revoke").cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("again.log".to_owned(), Value::from("revoked")),
            ("build.log".to_owned(), Value::from("revoked")),
            ("build.log".to_owned(), Value::Null),
        ]
    );
    done.reveals_none(&[&ci, &gone]);
    let shown_ci = env.json(&["show", "ci", "--format", "json"]);
    assert_eq!(shown_ci["status"], "revoked");
    assert_eq!(
        shown_ci["revoke_reason"],
        "leaked: found by a scan at again.log:1:1 and 1 more place"
    );
    assert_eq!(
        env.json(&["show", "keep", "--format", "json"])["status"],
        "active"
    );
    let _ = keep;

    // Everything found is dead now.
    let after = scan_in(&env, &dir, &["--revoke", "--yes"]);
    assert_eq!(after.code, 26);
    assert!(
        after.stderr.contains("nothing to revoke"),
        "{}",
        after.stderr
    );
}

#[test]
fn revoke_works_on_stdin_too() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let log = format!("a\nb\nleaked {secret} here\n");
    let out = Scanned::from(env.run_stdin(&["scan", "-", "--revoke", "--yes"], log));
    assert_eq!(out.code, 27, "{}", out.stderr);
    assert!(out.stderr.contains("revoked token 'ci'"), "{}", out.stderr);
    assert_eq!(
        env.json(&["show", "ci", "--format", "json"])["revoke_reason"],
        "leaked: found by a scan on stdin at line 3, column 8"
    );
    // Piped input and no --yes: never a prompt, nothing revoked.
    let other = env.create(&[
        "--name",
        "other",
        "--scope",
        "repo:read",
        "--expires",
        "30d",
    ]);
    let out = Scanned::from(env.run_stdin(&["scan", "-", "--revoke"], other.clone()));
    assert_eq!(out.code, 8);
    assert_eq!(
        env.json(&["show", "other", "--format", "json"])["status"],
        "active"
    );
}

#[test]
fn revoke_without_a_store_is_refused() {
    let env = TestEnv::empty();
    let dir = env.dir.path().join("x");
    write(&dir.join("a.txt"), "nothing");
    let out = scan_in(&env, &dir, &["--revoke", "--yes"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no store here"), "{}", out.stderr);
}

#[test]
fn bad_paths_and_unreadable_files_are_one_line_each_and_the_rest_is_scanned() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let gone = env.create(&["--name", "gone", "--scope", "repo:read", "--expires", "30d"]);
    env.ok(&["revoke", "gone"]);
    let dir = env.dir.path().join("mixed");
    write(&dir.join("dead.txt"), &gone);

    // A path that does not exist, and a file every user (root too) fails to
    // read: /proc/self/mem at offset 0 is unmapped memory (EIO).
    let mut args = vec!["dead.txt", "missing.txt"];
    let proc_mem = Path::new("/proc/self/mem");
    if proc_mem.exists() {
        args.push("/proc/self/mem");
    }
    args.extend(["--format", "jsonl"]);
    let out = scan_in(&env, &dir, &args);
    assert_eq!(
        out.code, 28,
        "incomplete, and only dead tokens in the rest: {}",
        out.stderr
    );
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        errors.len(),
        if proc_mem.exists() { 2 } else { 1 },
        "{}",
        out.stderr
    );
    assert!(
        errors
            .iter()
            .any(|line| line.starts_with("error: cannot read missing.txt: No such file")),
        "{}",
        out.stderr
    );
    if proc_mem.exists() {
        assert!(
            errors
                .iter()
                .any(|line| line.starts_with("error: cannot read /proc/self/mem: ")),
            "{}",
            out.stderr
        );
    }
    assert!(out.stderr.contains("INCOMPLETE"), "{}", out.stderr);
    assert_eq!(
        out.findings().len(),
        1,
        "the readable file was still scanned"
    );

    // A live token wins over an incomplete scan: 26, with the error line kept.
    write(&dir.join("live.txt"), &secret);
    let live = scan_in(&env, &dir, &["live.txt", "missing.txt"]);
    assert_eq!(live.code, 27);
    assert!(
        live.stderr.contains("error: cannot read missing.txt"),
        "{}",
        live.stderr
    );
}

#[test]
fn an_unreadable_file_inside_a_walked_directory_leaves_the_scan_incomplete() {
    let env = TestEnv::new();
    let dir = env.dir.path().join("walked");
    write(&dir.join("ok.txt"), "fine\n");
    let locked = dir.join("locked.txt");
    write(&locked, "secret stuff\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    if std::fs::read(&locked).is_ok() {
        // Root (or a system without permission bits) reads it anyway; the
        // unreadable case is covered with /proc/self/mem above.
        eprintln!("note: running as root: a mode 000 file is readable, skipping this assertion");
        return;
    }
    let out = scan_in(&env, &dir, &[]);
    assert_eq!(out.code, 28, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: cannot read locked.txt: Permission denied"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_and_sarif_describe_the_whole_scan() {
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let dir = env.dir.path().join("doc");
    write(&dir.join("a b.txt"), format!("x {secret}\n"));

    let out = scan_in(&env, &dir, &["--format", "json", ".", "missing"]);
    assert_eq!(out.code, 27);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["scanned"]["inputs"], 1);
    assert_eq!(doc["findings"][0]["path"], "a b.txt");
    assert_eq!(doc["problems"][0]["path"], "missing");
    assert!(doc["problems"][0]["error"]
        .as_str()
        .unwrap()
        .contains("No such file"));

    let out = scan_in(&env, &dir, &["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "tokctl");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let result = &run["results"][0];
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], result["ruleId"]);
    assert_eq!(result["ruleId"], "tokctl/live-token");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "a%20b.txt");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 1);
    assert_eq!(location["region"]["startColumn"], 3);
    assert_eq!(location["region"]["endColumn"], 3 + 63);
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains(&shown(&secret)));
    assert!(!out.stdout.contains(&secret[15..59]));
}

/// On a team store the database hides tokens a member may not manage: the
/// scan still says their status (through the verify read every login may
/// make), shows no details, and `--revoke` leaves them, with a warning, to
/// someone the store lets revoke them.
#[test]
fn on_a_team_store_a_member_sees_statuses_and_revokes_only_what_the_store_allows() {
    use crate::team_store::{Cluster, Env};
    let Some(cluster) = Cluster::get("scan_team") else {
        return;
    };
    let mut env = Env::team(&cluster, "scan_team");
    env.ok("olive", &["org", "list"]);
    env.ok("olive", &["user", "add", "max"]);
    env.ok(
        "olive",
        &[
            "member", "add", "--org", "default", "--user", "max", "--role", "member",
        ],
    );
    let ci = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "ci",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    let old = env.secret(
        "olive",
        &[
            "create",
            "--name",
            "old",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    env.ok("olive", &["revoke", "old"]);
    let mine = env.secret(
        "max",
        &[
            "create",
            "--name",
            "mine",
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ],
    );
    let log = format!("{ci}\n{old}\n{mine}\n");

    let scan = |env: &mut Env, user: &str, args: &[&str]| {
        let mut full = vec!["scan", "-"];
        full.extend_from_slice(args);
        Scanned::from(env.run_with(user, &full, Some(&log)))
    };
    let seen = scan(&mut env, "max", &["--format", "jsonl"]);
    assert_eq!(seen.code, 27, "{}", seen.stderr);
    let statuses: Vec<(String, bool)> = seen
        .findings()
        .iter()
        .map(|f| {
            (
                f["status"].as_str().unwrap().to_owned(),
                f["token"].is_object(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("live".into(), false),
            ("revoked".into(), false),
            ("live".into(), true)
        ]
    );
    seen.reveals_none(&[&ci, &old, &mine]);

    let by_max = scan(&mut env, "max", &["--revoke", "--yes"]);
    assert_eq!(by_max.code, 27, "{}", by_max.stderr);
    assert!(
        by_max.stderr.contains("revoked token 'mine'"),
        "{}",
        by_max.stderr
    );
    assert!(
        by_max.stderr.contains(&format!(
            "warning: token {} works, but this team store does not let you revoke it",
            &ci[4..15]
        )),
        "{}",
        by_max.stderr
    );
    let by_olive = scan(
        &mut env,
        "olive",
        &["--revoke", "--yes", "--format", "jsonl"],
    );
    assert_eq!(by_olive.code, 27, "{}", by_olive.stderr);
    assert_eq!(by_olive.findings()[0]["token"]["name"], "ci");
    assert_eq!(by_olive.findings()[0]["revoke"], "revoked");
    assert_eq!(scan(&mut env, "max", &[]).code, 26);
}

/// At a terminal `--revoke` asks, after showing what it found and planned;
/// declining changes nothing.
#[test]
fn revoke_at_a_terminal_asks_first() {
    use rexpect::session::spawn_command;
    let env = TestEnv::new();
    let secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "30d"]);
    let file = env.dir.path().join("found.txt");
    write(&file, format!("token: {secret}\n"));
    let spawn = || {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
        command
            .args(["scan", "--revoke"])
            .arg(&file)
            .env_clear()
            .env("TERM", "xterm")
            .env("TOKCTL_DB", env.db())
            .env("TOKCTL_TEST_KEYRING", env.keyring_file())
            .env("TOKCTL_TEST_NOW", &env.now)
            .env("TOKCTL_USER", &env.user);
        spawn_command(command, Some(20_000)).unwrap()
    };
    let status = || env.json(&["show", "ci", "--format", "json"])["status"].clone();

    let mut pty = spawn();
    pty.exp_string("found.txt:1:8").unwrap();
    pty.exp_string("to revoke token 'ci'").unwrap();
    pty.exp_string("Revoke 1 token(s)?").unwrap();
    pty.send("n").unwrap();
    pty.flush().unwrap();
    pty.exp_eof().unwrap();
    assert_eq!(status(), "active", "declined: nothing changed");

    let mut pty = spawn();
    pty.exp_string("Revoke 1 token(s)?").unwrap();
    pty.send("y").unwrap();
    pty.flush().unwrap();
    pty.exp_string("revoked token 'ci'").unwrap();
    pty.exp_eof().unwrap();
    assert_eq!(status(), "revoked");
}
