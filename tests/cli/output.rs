//! What people see: tables at a fixed width (ids redacted), colour rules,
//! the one-time secret display.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::{self, TestEnv};

/// Replaces every token id in `text` with `[id]`.
fn redact_ids(env: &TestEnv, text: &str) -> String {
    let mut text = text.to_owned();
    for token in env
        .json(&["list", "--all", "--format", "json"])
        .as_array()
        .unwrap()
    {
        // Same width as an id (11), so the columns stay where they were.
        text = text.replace(token["id"].as_str().unwrap(), "[token id]_");
    }
    text
}

fn store() -> TestEnv {
    let mut env = TestEnv::new();
    env.at("2026-08-01T10:00:00Z");
    let used = env.create(&[
        "--name",
        "deploy-bot",
        "--scope",
        "repo:write",
        "--expires",
        "1y",
    ]);
    env.at("2026-11-19T10:00:00Z");
    assert_eq!(env.verify(&used, &[]).0, 0);
    env.create(&[
        "--name",
        "old",
        "--scope",
        "issues:read",
        "--expires",
        "30d",
    ]);
    env.create(&[
        "--name",
        "gone",
        "--org-token",
        "--scope",
        "repo:read",
        "--expires",
        "never",
    ]);
    env.ok(&["revoke", "gone"]);
    env.at(common::NOW);
    env
}

#[test]
fn the_token_table_at_a_fixed_width() {
    let env = store();
    let out = env
        .cmd(&["list", "--all", "--sort", "name"])
        .env("COLUMNS", "110")
        .output()
        .unwrap();
    let table = redact_ids(&env, &String::from_utf8(out.stdout).unwrap());
    let expected = r"
 ID           NAME        KIND      ORG      OWNER  SCOPES       STATUS   EXPIRES      LAST USED
 [token id]_  deploy-bot  personal  default  alice  repo:write   active   in 8 months  3 days ago
 [token id]_  gone        org       default  -      repo:read    revoked  never        never
 [token id]_  old         personal  default  alice  issues:read  active   in 27 days   never
";
    assert_eq!(table, expected[1..]);
}

#[test]
fn a_narrow_terminal_wraps_cells_instead_of_overflowing() {
    let env = store();
    let out = env
        .cmd(&["list", "--all"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.lines().all(|line| line.chars().count() <= 60),
        "{table}"
    );
}

#[test]
fn show_lists_every_field_with_exact_and_relative_times() {
    let env = store();
    let out = env.run(&["show", "deploy-bot"]);
    let text = redact_ids(&env, &String::from_utf8(out.stdout).unwrap());
    let expected = r"
 id:         [token id]_
 name:       deploy-bot
 kind:       personal
 org:        default
 owner:      alice
 scopes:     repo:write
 status:     active
 created:    2026-08-01T10:00:00Z (3 months ago) by alice
 expires:    2027-08-01T10:00:00Z (in 8 months)
 last used:  2026-11-19T10:00:00Z (3 days ago)
 uses:       1
";
    assert_eq!(text, expected[1..]);
}

#[test]
fn colour_only_when_asked_or_at_a_terminal() {
    let env = store();
    let plain = env.ok(&["list", "--all"]);
    assert!(!plain.contains('\u{1b}'), "no colour when piped");
    let always = env.ok(&["list", "--all", "--color", "always"]);
    let red = "\u{1b}[38;5;9m";
    assert!(always.contains(&format!("{red} revoked")), "{always:?}");
    let never = env.ok(&["list", "--all", "--color", "never"]);
    assert!(!never.contains('\u{1b}'));
}

/// NO_COLOR turns off colour that tokctl would choose; `--color always` is
/// the user's explicit choice and wins. The table crate used to read
/// NO_COLOR on its own and print bare resets (`ESC[m`) with no colour.
#[test]
fn color_always_wins_over_no_color_with_whole_escape_codes() {
    let env = store();
    let out = env
        .cmd(&["list", "--all", "--color", "always"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let always = String::from_utf8(out.stdout).unwrap();
    assert!(always.contains("\u{1b}[38;5;9m revoked"), "{always:?}");
    assert!(!always.contains("\u{1b}[m"), "{always:?}");
    let out = env
        .cmd(&["list", "--all"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn the_secret_alone_on_stdout_and_the_warning_on_stderr() {
    let env = TestEnv::new();
    let out = env.run(&[
        "create",
        "--name",
        "x",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.starts_with("tkp_"));
    assert!(stderr.contains("the secret is shown once, here"));
    assert!(
        !stderr.contains(stdout.trim()),
        "the secret is never on stderr"
    );
    let quiet = env.run(&[
        "create",
        "--quiet",
        "--name",
        "y",
        "--scope",
        "repo:read",
        "--expires",
        "1d",
    ]);
    assert!(quiet.stderr.is_empty(), "--quiet drops the notes");
}

#[test]
fn a_long_table_streams_with_the_same_layout() {
    let env = TestEnv::new();
    let requests = 1_100;
    let names: Vec<String> = (0..requests).map(|i| format!("t{i:04}")).collect();
    env.bulk_create(&names);
    let out = env
        .cmd(&["list", "--sort", "name"])
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(rows.len(), requests + 1);
    // Buffered and streamed rows line up the same way.
    let column = |line: &str| line.find("personal").unwrap();
    assert_eq!(column(rows[1]), column(rows[requests]));
    assert!(rows[requests].contains("t1099"));
}

/// `verify --help` once left out 14 (a rotated-away secret). Every code
/// docs/exit-codes.md gives verify, and the general ones verify can end
/// with, must be in its help.
#[test]
fn verify_help_lists_every_exit_code() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/exit-codes.md"))
        .unwrap();
    let mut codes: Vec<String> = doc
        .lines()
        .filter_map(|line| {
            let mut cells = line.split('|').map(str::trim).skip(1);
            let code = cells.next()?;
            let meaning = cells.next()?;
            (code.parse::<u8>().is_ok() && meaning.starts_with("verify:")).then(|| code.to_owned())
        })
        .collect();
    assert!(codes.contains(&"14".to_owned()), "{codes:?}");
    codes.extend(["0", "1", "2", "6"].map(str::to_owned));

    let help = TestEnv::new().ok(&["verify", "--help"]);
    let section = &help[help.find("Exit codes").expect("an exit-code list")..];
    let listed: Vec<&str> = section
        .split_whitespace()
        .filter(|word| word.parse::<u8>().is_ok())
        .collect();
    for code in &codes {
        assert!(
            listed.contains(&code.as_str()),
            "verify --help lacks exit {code}: {section}"
        );
    }
}

/// The note once said both "read it back with tokctl secret" and "this secret
/// will not be shown again". Now it says one of them, whichever is true.
#[test]
fn the_created_secret_message_says_one_true_thing() {
    let env = TestEnv::new();
    let create = |name: &str, extra: &[(&str, &str)], flags: &[&str]| {
        let mut cmd = env.cmd(&[
            "create",
            "--name",
            name,
            "--scope",
            "repo:read",
            "--expires",
            "1d",
        ]);
        cmd.args(flags);
        for (key, value) in extra {
            cmd.env(key, value);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap().trim().to_owned(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    // Kept in the keyring: shown once here, and readable again.
    let (secret, stderr) = create("kept", &[], &[]);
    assert!(
        stderr.contains("the secret is shown once, here; a copy is kept in the OS keyring"),
        "{stderr}"
    );
    assert!(stderr.contains("'tokctl secret "), "{stderr}");
    assert!(!stderr.contains("will not be shown again"), "{stderr}");
    assert_eq!(
        env.ok(&["secret", "kept"]).trim(),
        secret,
        "the note's promise holds"
    );

    // Not kept anywhere: gone once shown, and no promise of reading it back.
    for (name, extra, flags) in [
        ("off", &[][..], &["--keyring", "off"][..]),
        (
            "failed",
            &[("TOKCTL_TEST_KEYRING_FAIL", "put")][..],
            &[][..],
        ),
    ] {
        let (_, stderr) = create(name, extra, flags);
        assert!(
            stderr.contains("will not be shown again"),
            "{name}: {stderr}"
        );
        assert!(!stderr.contains("tokctl secret"), "{name}: {stderr}");
        assert!(!stderr.contains("a copy is kept"), "{name}: {stderr}");
        assert_eq!(
            env.run(&["secret", name]).status.code(),
            Some(3),
            "{name}: nothing to read back"
        );
    }
}

/// Every example in every command's help fits 80 columns as written (long
/// ones are continued with `\`), so a terminal of 80 never breaks one in
/// the middle of a flag.
#[test]
fn every_help_example_fits_80_columns() {
    let env = TestEnv::empty();
    let help = |words: &[&str]| {
        let mut args = words.to_vec();
        args.push("--help");
        let out = env.cmd(&args).env("COLUMNS", "200").output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let subcommands = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|line| !line.starts_with("Commands:"))
            .skip(1)
            .take_while(|line| !line.is_empty())
            .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
            .filter(|name| name != "help")
            .collect()
    };
    let mut checked = 0;
    for command in subcommands(&help(&[])) {
        let text = help(&[&command]);
        let mut pages = vec![(command.clone(), text.clone())];
        for sub in subcommands(&text) {
            pages.push((format!("{command} {sub}"), help(&[&command, &sub])));
        }
        for (name, page) in pages {
            for line in page
                .lines()
                .skip_while(|line| !line.starts_with("Example"))
                .take_while(|line| !line.is_empty())
            {
                checked += 1;
                assert!(
                    line.chars().count() <= 80,
                    "tokctl {name} --help: an example over 80 columns:\n{line}"
                );
            }
        }
    }
    assert!(checked > 50, "examples found: {checked}");
}
