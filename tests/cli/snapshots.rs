//! What people and scripts see, as committed snapshots (insta, in
//! `tests/cli/snapshots/`): help, the `list`, `show` and `audit` tables,
//! the JSON of `list`, `show` and `verify`. Each snapshot holds the exit
//! code, stdout and stderr of one run. Token ids, times, secrets, the OS
//! account and temp paths are redacted, keeping column widths, so a
//! snapshot changes only when the output does.
//!
//! After an intended change: `INSTA_UPDATE=always cargo test --test cli
//! snapshots` (or `cargo insta review`), then read the diff before
//! committing. With `CI` set, insta writes nothing and a missing or
//! different snapshot fails.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::process::Output;

use crate::common::TestEnv;

/// Exit code, stdout and stderr of one run, in one text.
fn shown(out: &Output) -> String {
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `text` as a regex matching itself.
fn literal(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern
}

/// A store with one token of each kind and state, used, rotated and
/// revoked over two days; the clock ends on the second day.
struct Fixture {
    env: TestEnv,
    /// Token ids in the order the tokens were made.
    ids: Vec<String>,
    /// The current secret of `ci`.
    ci_secret: String,
    /// The secret of the revoked `old`.
    old_secret: String,
}

fn fixture() -> Fixture {
    let mut env = TestEnv::new();
    let mut ci_secret = env.create(&["--name", "ci", "--scope", "repo:read", "--expires", "90d"]);
    env.create(&[
        "--name",
        "deploy",
        "--org-token",
        "--scope",
        "repo:write",
        "--scope",
        "registry:read",
        "--resource",
        "registry=web,api",
        "--expires",
        "30d",
        "--description",
        "pushes releases",
    ]);
    let old_secret = env.create(&["--name", "old", "--scope", "repo:read", "--expires", "7d"]);
    assert_eq!(env.verify(&ci_secret, &[]).0, 0);

    env.at("2026-11-24T10:00:00Z");
    env.ok(&["revoke", "old", "--reason", "no longer needed"]);
    ci_secret = env
        .ok(&["rotate", "ci", "--grace", "1d"])
        .trim_end()
        .to_owned();
    assert_eq!(env.verify(&ci_secret, &[]).0, 0);

    let ids = ["ci", "deploy", "old"]
        .iter()
        .map(|name| {
            env.json(&["show", name, "--format", "json"])["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    Fixture {
        env,
        ids,
        ci_secret,
        old_secret,
    }
}

/// Insta settings that redact what changes from run to run or machine to
/// machine. Each replacement is as wide as what it replaces where it can
/// stand in a table column, so the columns stay aligned.
fn redactions(env: &TestEnv, ids: &[String]) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    // Secrets first: each one holds its token's id.
    settings.add_filter(r"\btk[po]_[A-Za-z0-9_-]{59}\b", "[SECRET]");
    for (n, id) in ids.iter().enumerate() {
        settings.add_filter(&literal(id), format!("[token-id{}]", n + 1));
    }
    settings.add_filter(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]");
    // The audit table's TIME column: 19 characters.
    settings.add_filter(
        r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\b",
        "[TIME]             ",
    );
    // Unix times in audit details (`expires_at`, `old_secret_valid_until`).
    settings.add_filter(r#"("[a-z_]+_(?:at|until)"):\d+"#, "$1:[UNIX TIME]");
    // The account running the tests: its name and uid, and the width of its column.
    settings.add_filter(r"\S+ \(uid \d+(, euid \d+)?\)", "[os user]");
    settings.add_filter(r"OS USER +", "OS USER    ");
    settings.add_filter(&literal(&env.dir.path().display().to_string()), "[TEMP]");
    settings
}

/// Snapshots `out` as `name`, with the command that made it on top.
fn assert_out(mut settings: insta::Settings, name: &str, command: &str, out: &Output) {
    settings.set_description(command);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, shown(out)));
}

/// Snapshots the run of `args` on the fixture's store as `name`.
fn assert_shown(name: &str, fixture: &Fixture, args: &[&str]) {
    let out = fixture.env.run(args);
    let settings = redactions(&fixture.env, &fixture.ids);
    assert_out(settings, name, &format!("tokctl {}", args.join(" ")), &out);
}

/// Snapshots the run of `args` on the fixture's store, as a terminal of
/// `columns` would see it, as `name`.
fn assert_shown_at(name: &str, fixture: &Fixture, args: &[&str], columns: u16) {
    let out = fixture
        .env
        .cmd(args)
        .env("COLUMNS", columns.to_string())
        .output()
        .unwrap();
    let settings = redactions(&fixture.env, &fixture.ids);
    let command = format!("COLUMNS={columns} tokctl {}", args.join(" "));
    assert_out(settings, name, &command, &out);
}

/// Snapshots `tokctl ARGS` (help: no store is opened) as `name`, run with
/// an empty environment so that no `[env: …]` shows a value.
fn assert_help(name: &str, args: &[&str]) {
    let out = assert_cmd::Command::cargo_bin("tokctl")
        .unwrap()
        .env_clear()
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let settings = redactions(&TestEnv::empty(), &[]);
    assert_out(settings, name, &format!("tokctl {}", args.join(" ")), &out);
}

#[test]
fn help_snapshots() {
    assert_help("help", &["--help"]);
    assert_help("help_list", &["list", "--help"]);
    assert_help("help_show", &["show", "--help"]);
    assert_help("help_audit", &["audit", "--help"]);
    assert_help("help_revoke", &["revoke", "--help"]);
    assert_help("help_scan", &["scan", "--help"]);
}

#[test]
fn list_snapshots() {
    let fixture = fixture();
    assert_shown("list_table", &fixture, &["list", "--all"]);
    assert_shown(
        "list_json",
        &fixture,
        &["list", "--all", "--format", "json"],
    );
}

#[test]
fn show_snapshots() {
    let fixture = fixture();
    assert_shown("show_table", &fixture, &["show", "ci"]);
    assert_shown("show_json", &fixture, &["show", "ci", "--format", "json"]);
    assert_shown("show_org_token_table", &fixture, &["show", "deploy"]);
    assert_shown(
        "show_revoked_json",
        &fixture,
        &["show", "old", "--format", "json"],
    );
}

#[test]
fn audit_snapshots() {
    let fixture = fixture();
    assert_shown("audit_table", &fixture, &["audit"]);
}

#[test]
fn verify_json_snapshots() {
    let fixture = fixture();
    let env = &fixture.env;
    for (name, (whose, secret), args) in [
        (
            "verify_json_valid",
            ("ci's", &fixture.ci_secret),
            &["--format", "json"][..],
        ),
        (
            "verify_json_lacks_scope",
            ("ci's", &fixture.ci_secret),
            &["--format", "json", "--scope", "repo:write"][..],
        ),
        (
            "verify_json_revoked",
            ("the revoked old's", &fixture.old_secret),
            &["--format", "json"][..],
        ),
    ] {
        let mut full = vec!["verify"];
        full.extend_from_slice(args);
        let out = env.run_stdin(&full, secret.as_str());
        let command = format!("{whose} secret | tokctl {}", full.join(" "));
        assert_out(redactions(env, &fixture.ids), name, &command, &out);
    }
}

/// Tables at a narrow and a wide terminal: at 80 columns nothing wraps,
/// ids stay whole, long cells are cut with `…` and the least important
/// columns go; at 200 everything shows.
#[test]
fn tables_at_80_and_200_columns() {
    let fixture = fixture();
    for columns in [80, 200] {
        assert_shown_at(
            &format!("list_{columns}"),
            &fixture,
            &["list", "--all"],
            columns,
        );
        assert_shown_at(
            &format!("show_{columns}"),
            &fixture,
            &["show", "ci"],
            columns,
        );
        assert_shown_at(&format!("audit_{columns}"), &fixture, &["audit"], columns);
        assert_shown_at(&format!("report_{columns}"), &fixture, &["report"], columns);
    }
}
