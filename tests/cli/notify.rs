//! `tokctl notify` through the real binary and a real sendmail-compatible
//! program: a shell script that files every message it gets (with its
//! arguments) and refuses the one for a chosen recipient. Also the JSON
//! Lines hand-over, the memory between runs, dry runs, bad mail programs,
//! who may remind, and `report`'s new formats.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::{Path, PathBuf};

use crate::common::{assert_error, TestEnv};

/// A sendmail stand-in in `dir`: it appends its arguments and the message
/// read from stdin to `outbox` (messages separated by a `=====` line),
/// prints `queued` on its stdout (which must not reach tokctl's), and
/// exits 75 when the message is addressed to the name in `fail-for`.
pub fn fake_sendmail(dir: &Path) -> PathBuf {
    let script = dir.join("sendmail");
    let outbox = dir.join("outbox");
    let fail_for = dir.join("fail-for");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             PATH=/usr/bin:/bin\n\
             message=$(cat)\n\
             {{ printf 'ARGV:'; printf ' %s' \"$@\"; printf '\\n%s\\n=====\\n' \"$message\"; }} >> '{outbox}'\n\
             echo queued\n\
             if [ -s '{fail_for}' ] && printf '%s\\n' \"$message\" | grep -q \"^To: .*$(cat '{fail_for}')@\"; then\n\
             \x20   echo 'mailbox unavailable' >&2\n\
             \x20   exit 75\n\
             fi\n\
             exit 0\n",
            outbox = outbox.display(),
            fail_for = fail_for.display(),
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    script
}

/// The messages the stand-in received, in order: (arguments, message).
pub fn received(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("outbox")).unwrap_or_default();
    text.split("=====\n")
        .filter(|chunk| !chunk.is_empty())
        .map(|chunk| {
            let (argv, message) = chunk.split_once('\n').unwrap();
            (argv.to_owned(), message.to_owned())
        })
        .collect()
}

/// A header's value in a message.
fn header<'m>(message: &'m str, name: &str) -> Option<&'m str> {
    message
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
}

/// alice owns `default` (alice@example.com); carol is an admin
/// ("Carol \"CJ\" Jones", carol@example.com); bob a member without an
/// address. Tokens: alice's `a-soon` (3d) and `a-later` (60d), bob's
/// `b-soon` (2d), the org token `deploy` (5d).
fn team() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&["user", "edit", "alice", "--email", "alice@example.com"]);
    env.ok(&[
        "user",
        "add",
        "carol",
        "--email",
        "carol@example.com",
        "--display-name",
        "Carol \"CJ\" Jones",
    ]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "carol", "--role", "admin",
    ]);
    env.ok(&["user", "add", "bob"]);
    env.ok(&[
        "member", "add", "--org", "default", "--user", "bob", "--role", "member",
    ]);
    env.create(&[
        "--name",
        "a-soon",
        "--scope",
        "repo:read",
        "--expires",
        "3d",
    ]);
    env.create(&[
        "--name",
        "a-later",
        "--scope",
        "repo:read",
        "--expires",
        "60d",
    ]);
    env.create(&[
        "--name",
        "b-soon",
        "--user",
        "bob",
        "--scope",
        "repo:read",
        "--expires",
        "2d",
    ]);
    env.create(&[
        "--name",
        "deploy",
        "--org-token",
        "--scope",
        "repo:write",
        "--expires",
        "5d",
        "--description",
        "CI deploys",
    ]);
    env
}

fn sendmail_arg(script: &Path) -> String {
    format!("{} -t -oi", script.display())
}

#[test]
fn each_owner_gets_one_message_through_the_mail_program() {
    let env = team();
    let script = fake_sendmail(env.dir.path());
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--sendmail",
        &sendmail_arg(&script),
        "--from",
        "tokctl@example.com",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // The program's own stdout went to stderr: stdout is tokctl's table.
    assert!(!stdout.contains("queued"), "{stdout}");
    assert!(stderr.contains("queued"), "{stderr}");
    assert!(
        stdout.contains("alice") && stdout.contains("sent"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: bob has no e-mail address: not reminded of 1 token"),
        "{stderr}"
    );
    assert!(
        stderr.contains("sent 2 reminders about 2 tokens; 1 without a usable e-mail address"),
        "{stderr}"
    );

    let messages = received(env.dir.path());
    assert_eq!(messages.len(), 2, "{messages:?}");
    let (argv, alice) = &messages[0];
    assert_eq!(argv, "ARGV: -t -oi", "split into words, never a shell line");
    assert_eq!(header(alice, "To"), Some("alice@example.com"));
    assert_eq!(header(alice, "From"), Some("tokctl@example.com"));
    assert_eq!(
        header(alice, "Subject"),
        Some("tokctl: 2 tokens expire within 7 days")
    );
    assert_eq!(
        header(alice, "Date"),
        Some("Sun, 22 Nov 2026 10:00:00 +0000")
    );
    let id = header(alice, "Message-ID").unwrap();
    assert!(
        id.starts_with("<tokctl-notify.") && id.ends_with("@example.com>"),
        "{id}"
    );
    assert_eq!(
        header(alice, "Content-Type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(header(alice, "Auto-Submitted"), Some("auto-generated"));
    let a_soon = env.json(&["show", "a-soon", "--format", "json"]);
    let deploy = env.json(&["show", "deploy", "--format", "json"]);
    let body = alice.split_once("\n\n").unwrap().1;
    for expected in [
        "Hello alice,",
        "2 tokens you look after expire within 7 days:",
        "  a-soon (org default)\n    expires 2026-11-25T10:00:00Z (in 3 days)",
        &format!("id {}, your personal token", a_soon["id"].as_str().unwrap()),
        &format!(
            "id {}, an org token of default, which you own",
            deploy["id"].as_str().unwrap()
        ),
        "    CI deploys\n",
        &format!(
            "keep it working: tokctl rotate {} --expires 90d",
            deploy["id"].as_str().unwrap()
        ),
    ] {
        assert!(body.contains(expected), "{expected:?} not in\n{body}");
    }
    assert!(!body.contains("a-later"), "not due yet: {body}");
    assert!(!body.contains("b-soon"), "bob's, not alice's: {body}");
    // soonest first
    assert!(body.find("a-soon").unwrap() < body.find("deploy").unwrap());

    let (_, carol) = &messages[1];
    assert_eq!(
        header(carol, "To"),
        Some("\"Carol \\\"CJ\\\" Jones\" <carol@example.com>")
    );
    assert!(carol.contains("Hello Carol \"CJ\" Jones,"), "{carol}");
    assert!(
        carol.contains("an org token of default, which you administer"),
        "{carol}"
    );
    assert!(!carol.contains("a-soon"), "{carol}");
}

#[test]
fn a_refused_message_is_retried_next_run_and_the_sent_ones_are_not_repeated() {
    let env = team();
    let script = fake_sendmail(env.dir.path());
    std::fs::write(env.dir.path().join("fail-for"), "carol").unwrap();
    let notify = || {
        env.run(&[
            "notify",
            "--expiring",
            "7d",
            "--sendmail",
            &sendmail_arg(&script),
        ])
    };
    let out = notify();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(25), "{stderr}");
    assert!(
        stdout.contains("failed: it exited with status 75"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "warning: the mail program did not take the reminder for carol <carol@example.com>: \
             it exited with status 75; it is tried again next run"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 failed (tried again next run)"),
        "{stderr}"
    );
    // alice's went out and was remembered with its events; carol's was not.
    assert_eq!(received(env.dir.path()).len(), 2);
    let events = env.json(&["audit", "--action", "notify.sent", "--format", "json"]);
    let recipients: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(recipients, ["alice", "alice"]);
    assert_eq!(events[0]["details"]["via"], "mail");
    assert_eq!(events[0]["details"]["threshold"], "7d");

    // Next night carol's mailbox works: only her reminder goes out.
    std::fs::remove_file(env.dir.path().join("fail-for")).unwrap();
    let out = notify();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let messages = received(env.dir.path());
    assert_eq!(messages.len(), 3);
    assert_eq!(
        header(&messages[2].1, "To"),
        Some("\"Carol \\\"CJ\\\" Jones\" <carol@example.com>")
    );
    assert!(
        stderr.contains("not repeated: 2 token reminders sent before at 7d"),
        "{stderr}"
    );

    // And the night after, nothing new but bob, who still has no address.
    let out = notify();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(received(env.dir.path()).len(), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bob has no e-mail address"), "{stderr}");
    assert!(stderr.contains("sent no reminder"), "{stderr}");

    // --resend sends them all again; a wider threshold is a new reminder.
    env.ok(&[
        "notify",
        "--expiring",
        "7d",
        "--resend",
        "--sendmail",
        &sendmail_arg(&script),
    ]);
    assert_eq!(received(env.dir.path()).len(), 5);
    env.ok(&[
        "notify",
        "--expiring",
        "90d",
        "--sendmail",
        &sendmail_arg(&script),
    ]);
    let messages = received(env.dir.path());
    assert_eq!(messages.len(), 7);
    assert!(messages[5].1.contains("a-later"));
}

#[test]
fn a_dry_run_shows_who_would_hear_and_sends_and_remembers_nothing() {
    let env = team();
    let script = fake_sendmail(env.dir.path());
    let before = env.store_bytes();
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--dry-run",
        "--sendmail",
        &sendmail_arg(&script),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .skip(1)
        .map(|line| {
            line.split("  ")
                .filter(|c| !c.is_empty())
                .map(str::trim)
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec!["alice", "alice@example.com", "would send", "a-soon, deploy"],
            vec!["bob", "-", "no e-mail address", "b-soon"],
            vec!["carol", "carol@example.com", "would send", "deploy"],
        ]
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("dry run: would send 2 reminders about 2 tokens"));
    assert!(received(env.dir.path()).is_empty());
    // Without --sendmail too.
    env.ok(&["notify", "--expiring", "7d", "--dry-run"]);
    env.ok(&[
        "notify",
        "--expiring",
        "7d",
        "--dry-run",
        "--format",
        "jsonl",
    ]);
    assert_eq!(env.store_bytes(), before, "a dry run writes nothing");
}

#[test]
fn json_lines_hand_one_reminder_per_person_to_another_notifier() {
    let env = team();
    let out = env.run(&["notify", "--expiring", "7d", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let people: Vec<&str> = lines
        .iter()
        .map(|l| l["recipient"].as_str().unwrap())
        .collect();
    assert_eq!(people, ["alice", "bob", "carol"]);
    let alice = &lines[0];
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["kind"], "person");
    assert_eq!(alice["threshold"], "7d");
    assert_eq!(alice["at"], "2026-11-22T10:00:00Z");
    let tokens = alice["tokens"].as_array().unwrap();
    assert_eq!(tokens[0]["name"], "a-soon");
    assert_eq!(tokens[0]["reason"], "own_token");
    assert_eq!(tokens[0]["expires_at"], "2026-11-25T10:00:00Z");
    assert_eq!(tokens[1]["name"], "deploy");
    assert_eq!(tokens[1]["reason"], "org_owner");
    assert_eq!(tokens[1]["kind"], "org");
    assert_eq!(lines[1]["email"], serde_json::Value::Null);
    assert_eq!(lines[2]["display_name"], "Carol \"CJ\" Jones");
    assert_eq!(lines[2]["tokens"][0]["reason"], "org_admin");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bob has no e-mail address"), "{stderr}");
    assert!(
        stderr.contains("handed over 2 reminders about 2 tokens"),
        "{stderr}"
    );
    let events = env.json(&["audit", "--action", "notify.sent", "--format", "json"]);
    assert_eq!(events.as_array().unwrap().len(), 3);
    assert_eq!(events[0]["details"]["via"], "jsonl");

    // What was handed over is remembered; bob, with no address, is not.
    let again = env.ok(&["notify", "--expiring", "7d", "--format", "jsonl"]);
    let people: Vec<String> = again
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["recipient"].to_string()
        })
        .collect();
    assert_eq!(people, ["\"bob\""]);
}

#[test]
fn a_mail_program_that_does_not_exist_is_one_line_and_nothing_is_remembered() {
    let env = team();
    let before = env.store_bytes();
    let missing = env.dir.path().join("no-such-sendmail");
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--sendmail",
        &format!("{} -t", missing.display()),
    ]);
    assert_error(&out, 2, "does not exist or is not executable");
    assert!(out.stdout.is_empty());
    // A bare name is looked up on PATH, which the test leaves empty.
    let out = env.run(&["notify", "--expiring", "7d", "--sendmail", "sendmail -t"]);
    assert_error(&out, 2, "the mail program sendmail is not on PATH");
    let out = env.run(&["notify", "--expiring", "7d", "--sendmail", "'unclosed -t"]);
    assert_error(&out, 2, "unclosed quote");
    // A directory is no program.
    let dir = env.dir.path().display().to_string();
    let out = env.run(&["notify", "--expiring", "7d", "--sendmail", &dir]);
    assert_error(&out, 2, "does not exist or is not executable");
    assert_eq!(env.store_bytes(), before, "nothing remembered");
    let out = env.run(&["audit", "--action", "notify.sent"]);
    assert!(out.status.success());
}

#[test]
fn notify_refuses_what_it_cannot_do() {
    let env = team();
    let script = fake_sendmail(env.dir.path());
    let out = env.run(&["notify", "--expiring", "7d"]);
    assert_error(&out, 2, "say how to hand the reminders over");
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--format",
        "jsonl",
        "--sendmail",
        &sendmail_arg(&script),
    ]);
    assert_error(&out, 2, "pick one");
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--sendmail",
        &sendmail_arg(&script),
        "--from",
        "a@b.example>, <evil@example.org",
    ]);
    assert_error(&out, 2, "not an address a mail header can hold");
    let out = env.run(&["notify", "--expiring", "7d", "--from", "tokctl@example.com"]);
    assert_eq!(out.status.code(), Some(2), "--from needs --sendmail");
    let out = env.run(&["notify", "--expiring", "soon", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    // A plain member reminds no one.
    let out = env
        .as_user("bob")
        .run(&["notify", "--expiring", "7d", "--dry-run"]);
    assert_error(&out, 5, "needs the admin role");
    assert!(received(env.dir.path()).is_empty());
}

#[test]
fn an_address_that_would_add_a_recipient_is_not_used() {
    let env = team();
    let script = fake_sendmail(env.dir.path());
    // Stored by hand, as a directory sync might have: one address that
    // a mail program would read as two.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE users SET email = 'carol@example.com,evil@example.org' WHERE name = 'carol'",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env.run(&[
        "notify",
        "--expiring",
        "7d",
        "--sendmail",
        &sendmail_arg(&script),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot be used in a mail header: not reminded of 1 token"),
        "{stderr}"
    );
    let messages = received(env.dir.path());
    assert_eq!(messages.len(), 1);
    assert!(!messages[0].1.contains("evil"));
}

#[test]
fn report_formats_stay_readable_and_complete() {
    let env = team();
    for n in 0..14 {
        let name = format!("u{n:02}");
        env.ok(&["user", "add", &name]);
        env.ok(&[
            "member", "add", "--org", "default", "--user", &name, "--role", "member",
        ]);
        env.create(&[
            "--name",
            "t",
            "--user",
            &name,
            "--scope",
            "repo:read",
            "--expires",
            "30d",
        ]);
    }
    env.ok(&["org", "policy", "default", "--max-lifetime", "7d"]);
    // The table names the top owners and counts the rest.
    let table = env.ok(&["report"]);
    let line = |text: &str, label: &str| -> String {
        text.lines()
            .find_map(|line| line.trim_start().strip_prefix(label))
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(
        line(&table, "active by owner:"),
        "alice 2, (org) 1, bob 1, u00 1, u01 1, u02 1, u03 1, u04 1, u05 1, u06 1 and 7 more"
    );
    let top3 = env.ok(&["report", "--top", "3"]);
    assert_eq!(
        line(&top3, "active by owner:"),
        "alice 2, (org) 1, bob 1 and 14 more"
    );
    assert_eq!(
        line(&table, "policy:"),
        "15 of 18 live tokens break it (max_lifetime 15; 'tokctl policy check' lists them)"
    );
    let out = env.run(&["report", "--top", "0"]);
    assert_eq!(out.status.code(), Some(2));

    // JSON keeps every owner; JSON Lines one org per line.
    let json = env.json(&["report", "--format", "json"]);
    assert_eq!(json[0]["active_by_owner"].as_object().unwrap().len(), 17);
    assert_eq!(json[0]["generated_at"], "2026-11-22T10:00:00Z");
    assert_eq!(json[0]["policy"]["breaking"], 15);
    assert_eq!(json[0]["policy"]["by_rule"]["max_lifetime"], 15);
    let jsonl = env.ok(&["report", "--format", "jsonl"]);
    assert_eq!(jsonl.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(jsonl.trim_end()).unwrap();
    assert_eq!(line, json[0]);

    // CSV: RFC 4180 with CRLF, a header, one row of totals per org.
    let csv = env.ok(&["report", "--format", "csv"]);
    assert!(csv.ends_with("\r\n"));
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    let header: Vec<&str> = rows[0].split(',').collect();
    let values: Vec<&str> = rows[1].split(',').collect();
    let field = |name: &str| values[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(field("org"), "default");
    assert_eq!(field("generated_at"), "2026-11-22T10:00:00Z");
    assert_eq!(field("total"), "18");
    assert_eq!(field("active_person"), "17");
    assert_eq!(field("active_service"), "0");
    assert_eq!(field("active_org"), "1");
    assert_eq!(field("active_owners"), "16");
    assert_eq!(field("policy_set"), "true");
    assert_eq!(field("policy_breaking"), "15");
    assert_eq!(field("policy_breaking_max_lifetime"), "15");
    assert_eq!(field("policy_breaking_member_tokens"), "0");
}
