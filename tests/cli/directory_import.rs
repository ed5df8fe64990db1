//! `tokctl user import` through the binary: the plan as a table and as
//! JSON, the confirmation rules (a terminal asks; a script and stdin need
//! --yes), the real run and its audit events, and bad input: one `error:`
//! line per bad row with its line number, a total, exit 2, nothing written.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{assert_error, TestEnv};

const PEOPLE: &str = "login,display_name,email,org,role,service\n\
    bob,Bob Builder,bob@new.example,acme,admin,\n\
    carol,,carol@example.com,acme,,\n\
    ci-bot,,,acme,member,yes\n\
    alice,,,acme,owner,\n";

/// alice owns `default` and `acme`; bob (bob@old.example) is a member of acme.
fn acme() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&["org", "add", "acme"]);
    env.ok(&["user", "add", "bob", "--email", "bob@old.example"]);
    env.ok(&[
        "member", "add", "--org", "acme", "--user", "bob", "--role", "member",
    ]);
    env
}

fn write(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_dry_run_shows_each_change_and_writes_nothing() {
    let env = acme();
    let file = write(&env, "people.csv", PEOPLE);
    let before = env.store_bytes();
    let out = env.run(&["user", "import", &file, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout.clone()).unwrap();
    let lines: Vec<&str> = table.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "LINE  USER    CHANGE        DETAIL",
            "2     bob     user updated  display name: - → Bob Builder",
            "2     bob     user updated  email: bob@old.example → bob@new.example",
            "2     bob     role changed  acme: member → admin",
            "3     carol   user added    person, email carol@example.com",
            "3     carol   member added  acme as member",
            "4     ci-bot  user added    service account",
            "4     ci-bot  member added  acme as member",
        ]
    );
    assert!(
        stderr(&out).contains(
            "dry run: would add 2 user(s), update 1 user(s), add 2 membership(s), change 1 role(s) \
             (4 row(s), 1 already as the file says); nothing was written"
        ),
        "{}",
        stderr(&out)
    );
    let json = env.json(&["user", "import", &file, "--dry-run", "--format", "json"]);
    assert_eq!(json.as_array().unwrap().len(), 7);
    assert_eq!(
        json[1],
        serde_json::json!({"line": 2, "user": "bob", "change": "user_updated", "field": "email",
                           "before": "bob@old.example", "after": "bob@new.example"})
    );
    assert_eq!(
        json[2],
        serde_json::json!({"line": 2, "user": "bob", "change": "role_changed", "org": "acme",
                           "before": "member", "after": "admin"})
    );
    assert_eq!(
        json[5],
        serde_json::json!({"line": 4, "user": "ci-bot", "change": "user_added", "kind": "service",
                           "display_name": null, "email": null})
    );
    assert_eq!(
        json[6],
        serde_json::json!({"line": 4, "user": "ci-bot", "change": "member_added", "org": "acme",
                           "role": "member"})
    );
    assert_eq!(env.store_bytes(), before, "a dry run wrote something");
}

#[test]
fn a_real_run_needs_yes_outside_a_terminal_then_applies_and_audits() {
    let env = acme();
    let file = write(&env, "people.csv", PEOPLE);
    let before = env.store_bytes();
    let out = env.run(&["user", "import", &file]);
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(stderr(&out).contains("outside a terminal that needs --yes"));
    assert_eq!(env.store_bytes(), before);

    let done = env.json(&["user", "import", &file, "--yes", "--format", "json"]);
    assert_eq!(done.as_array().unwrap().len(), 7);
    let users = env.json(&["user", "list", "--format", "json"]);
    let user = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(user("bob")["display_name"], "Bob Builder");
    assert_eq!(user("bob")["email"], "bob@new.example");
    assert_eq!(user("ci-bot")["kind"], "service");
    assert_eq!(user("carol")["kind"], "person");
    let members = env.json(&["member", "list", "--org", "acme", "--format", "json"]);
    assert_eq!(members.as_array().unwrap().len(), 4);
    let actions: Vec<String> = env
        .json(&["audit", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["action"].as_str().unwrap().to_owned())
        .collect();
    let count = |action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count("user.add"), 1 + 2);
    assert_eq!(count("user.edit"), 1);
    assert_eq!(count("member.set"), 1 + 3);
    assert_eq!(count("user.import"), 1);
    env.ok(&["audit", "verify"]);
    // Again: nothing left to do.
    let out = env.run(&["user", "import", &file, "--yes"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("nothing to change"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stdin_needs_a_format_and_yes() {
    let env = acme();
    let jsonl = "{\"login\":\"dana\",\"org\":\"acme\",\"role\":\"admin\"}\n\
                 {\"login\":\"eve\",\"service\":true,\"email\":\"eve@example.com\"}\n";
    let before = env.store_bytes();
    let out = env.run_stdin(&["user", "import", "-"], jsonl);
    assert_error(&out, 2, "cannot tell how stdin is written");
    assert!(stderr(&out).contains("--input-format"));
    let out = env.run_stdin(&["user", "import", "-", "--input-format", "jsonl"], jsonl);
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    assert!(stderr(&out).contains("with the file on stdin that needs --yes"));
    assert_eq!(env.store_bytes(), before);
    let out = env.run_stdin(
        &["user", "import", "-", "--input-format", "jsonl", "--yes"],
        jsonl,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("imported stdin: added 2 user(s), added 1 membership(s)"));
    let members = env.json(&["member", "list", "--org", "acme", "--format", "json"]);
    assert!(members
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user"] == "dana" && m["role"] == "admin"));
}

#[test]
fn bad_rows_are_one_line_each_with_their_line_and_nothing_is_written() {
    let env = acme();
    let file = write(
        &env,
        "bad.csv",
        "login,org,role\n\
         fine,acme,member\n\
         dave,acme,boss\n\
         erin,nowhere,member\n\
         fine,acme,admin\n\
         too,many,fields,here\n\
         alice,acme,member\n",
    );
    let before = env.store_bytes();
    let out = env.run(&["user", "import", &file, "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let expected = [
        format!("error: {file}:3: invalid role 'boss': expected owner, admin or member"),
        format!("error: {file}:4: org 'nowhere' not found"),
        format!("error: {file}:5: login 'fine' is also on line 2: one row per user"),
        format!("error: {file}:6: malformed row: 4 field(s) where the header has 3"),
        format!("error: {file}:7: 'alice' is the last owner of org 'acme' and cannot be demoted"),
        format!("error: 5 bad row(s) in {file}; nothing was written"),
    ];
    assert_eq!(stderr(&out).lines().collect::<Vec<_>>(), expected);
    assert_eq!(env.store_bytes(), before, "bad input wrote something");
    // The same with --dry-run, and in JSON Lines (line numbers count blank lines).
    let jsonl = write(
        &env,
        "bad.jsonl",
        "{\"login\":\"ok\"}\n\n{\"login\":\"x\",\"role\":\"admin\"}\nnot json\n",
    );
    let out = env.run(&["user", "import", &jsonl, "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let lines: Vec<String> = stderr(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with(&format!("error: {jsonl}:3: a role needs an org")));
    assert!(lines[1].starts_with(&format!("error: {jsonl}:4: malformed row: not JSON")));
    assert_eq!(env.store_bytes(), before);
}

#[test]
fn unreadable_or_unknown_files_and_missing_roles_are_refused() {
    let env = acme();
    let txt = write(&env, "people.txt", PEOPLE);
    assert_error(&env.run(&["user", "import", &txt]), 2, "cannot tell how");
    let missing = env.dir.path().join("nope.csv");
    assert_error(
        &env.run(&["user", "import", missing.to_str().unwrap()]),
        2,
        "cannot read",
    );
    // An admin may register users but only an org's owner changes its members.
    env.ok(&["user", "add", "adam"]);
    env.ok(&[
        "member", "add", "--org", "acme", "--user", "adam", "--role", "admin",
    ]);
    let file = write(&env, "people.csv", PEOPLE);
    let out = env
        .as_user("adam")
        .run(&["user", "import", &file, "--dry-run"]);
    assert_error(&out, 5, "needs the owner role in org 'acme'");
    assert!(stderr(&out).contains("line 2"));
}

/// At a terminal the real run asks, with the counts; no means nothing
/// changes (exit 8), yes applies.
#[test]
fn at_a_terminal_the_import_asks_first() {
    use rexpect::session::spawn_command;
    let env = acme();
    let file = write(&env, "people.csv", PEOPLE);
    let spawn = || {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("tokctl"));
        command
            .args(["user", "import", &file])
            .env_clear()
            .env("TERM", "xterm")
            .env("TOKCTL_DB", env.db())
            .env("TOKCTL_TEST_KEYRING", env.keyring_file())
            .env("TOKCTL_TEST_NOW", &env.now)
            .env("TOKCTL_USER", &env.user);
        spawn_command(command, Some(20_000)).unwrap()
    };
    let question = "Add 2 user(s), update 1 user(s), add 2 membership(s), change 1 role(s)?";
    let before = env.store_bytes();
    let mut pty = spawn();
    pty.exp_string(question).unwrap();
    pty.send("n").unwrap();
    pty.flush().unwrap();
    pty.exp_string("nothing was changed").unwrap();
    pty.exp_eof().unwrap();
    assert_eq!(env.store_bytes(), before);

    let mut pty = spawn();
    pty.exp_string(question).unwrap();
    pty.send("y").unwrap();
    pty.flush().unwrap();
    pty.exp_string("imported").unwrap();
    pty.exp_eof().unwrap();
    let users = env.json(&["user", "list", "--format", "json"]);
    assert_eq!(users.as_array().unwrap().len(), 4);
}
