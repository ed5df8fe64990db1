//! docs/GUIDE.md followed as written: every ```sh block, in order, in one
//! shell on a brand-new store, each command checked for the exit code the
//! guide gives it.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::os::unix::fs::PermissionsExt;

use crate::common;

/// One command of the guide: where it starts, its text (continuation lines
/// joined), and the exit code the guide says it ends with.
#[derive(Debug)]
struct GuideCommand {
    line: usize,
    text: String,
    expected: u8,
}

/// Every command in the ```sh blocks of `doc`, in order.
///
/// A trailing comment that starts with `exit N` (`# exit 13`, `# exit 0:
/// nothing; 20 expiring …`) gives the code this run ends with; every other
/// command must exit 0.
fn guide_commands(doc: &str) -> Vec<GuideCommand> {
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in doc.lines().enumerate() {
        let number = index + 1;
        if !in_block {
            in_block = line.trim_end() == "```sh";
            continue;
        }
        if line.starts_with("```") {
            assert!(
                pending.is_none(),
                "GUIDE.md:{number}: a block ends inside a command"
            );
            in_block = false;
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((number, String::new()));
        match line.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head);
                pending = Some((start, text));
            }
            None => {
                text.push_str(line);
                if !text.trim().is_empty() && !text.trim_start().starts_with('#') {
                    let expected = expected_exit(&text)
                        .unwrap_or_else(|| panic!("GUIDE.md:{start}: unreadable exit code"));
                    commands.push(GuideCommand {
                        line: start,
                        text,
                        expected,
                    });
                }
            }
        }
    }
    assert!(!in_block, "GUIDE.md: an unclosed ```sh block");
    commands
}

/// The code in a trailing `# exit N…` comment, 0 without one; `None` when
/// the comment says `exit` but no number follows.
fn expected_exit(command: &str) -> Option<u8> {
    // A comment starts at a '#' after whitespace (the guide's commands have
    // no '#' inside quotes or words).
    let comment = command
        .match_indices('#')
        .find(|(at, _)| command[..*at].ends_with(char::is_whitespace))
        .map(|(at, _)| command[at + 1..].trim());
    match comment.and_then(|text| text.strip_prefix("exit ")) {
        None => Some(0),
        Some(rest) => rest
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|digits| digits.parse().ok()),
    }
}

/// A shell script that runs the commands in order (`set -u`: a variable the
/// doc never set is an error) and stops at the first one whose exit code is
/// not the documented one, naming its line.
fn checked_script(source: &str, commands: &[GuideCommand]) -> String {
    let mut script = String::from("#!/bin/sh\nset -u\n");
    for command in commands {
        script.push_str(&command.text);
        script.push('\n');
        script.push_str(&format!(
            "rc=$?; if [ \"$rc\" -ne {expected} ]; then \
             echo \"{source}:{line}: exit $rc, the doc says {expected}\" >&2; exit 1; fi\n",
            expected = command.expected,
            line = command.line,
        ));
    }
    script.push_str("echo 'every command of the guide ran'\n");
    script
}

#[test]
fn the_guide_parser_reads_exit_codes_and_joined_lines() {
    let doc = "text\n```sh\na --x \\\n    --y   # exit 13\nb  # list things\n# a note\n\nc # exit 0: fine; 23 not\n```\n```\nnot shell\n```\n";
    let commands = guide_commands(doc);
    let found: Vec<(usize, &str, u8)> = commands
        .iter()
        .map(|c| (c.line, c.text.as_str(), c.expected))
        .collect();
    assert_eq!(
        found,
        [
            (3, "a --x     --y   # exit 13", 13),
            (5, "b  # list things", 0),
            (8, "c # exit 0: fine; 23 not", 0),
        ]
    );
    assert_eq!(expected_exit("a # exit later"), None);
}

/// GUIDE.md §3 once failed when followed after §2 (`user 'alice' belongs to
/// 2 orgs`), and §7, §8 and the README piped variables nothing had set.
#[test]
fn guide_runs_in_order_on_a_fresh_store() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/GUIDE.md")).unwrap();
    let commands = guide_commands(&doc);
    assert!(
        commands.len() >= 20,
        "the guide's commands were not found: {commands:?}"
    );

    let (home, outcome) = run_on_a_fresh_home("docs/GUIDE.md", &commands);
    assert!(outcome.is_ok(), "{}", outcome.unwrap_err());

    // §1's promise about where the store lives and who may read it.
    let store = home.path().join(".local/share/tokctl/tokctl.db");
    let mode = std::fs::metadata(&store).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{}", store.display());
}

/// Runs the commands in one `sh` with a new home directory: no store yet (so
/// the default store path), the test keyring instead of the real one, a
/// pinned clock. Returns the home (kept alive for inspection) and the
/// script's stderr and stdout when a command did not exit as documented.
fn run_on_a_fresh_home(
    source: &str,
    commands: &[GuideCommand],
) -> (std::sync::Arc<tempfile::TempDir>, Result<(), String>) {
    let env = common::TestEnv::empty();
    let home = env.dir.path();
    let script = home.join("guide.sh");
    std::fs::write(&script, checked_script(source, commands)).unwrap();
    let bin_dir = assert_cmd::cargo::cargo_bin("tokctl")
        .parent()
        .unwrap()
        .to_owned();
    let out = std::process::Command::new("sh")
        .arg(&script)
        .current_dir(home)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .env("HOME", home)
        .env("TOKCTL_TEST_KEYRING", env.keyring_file())
        .env("TOKCTL_TEST_NOW", &env.now)
        .env("TOKCTL_USER", &env.user)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let outcome = if out.status.success() && stdout.contains("every command of the guide ran") {
        Ok(())
    } else {
        Err(format!("stderr:\n{stderr}\nstdout:\n{stdout}"))
    };
    (env.dir.clone(), outcome)
}

/// The README's first example once piped a `$TOKEN` it never set.
#[test]
fn readme_first_example_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```console\n")
        .expect("README.md has a ```console block");
    let block = &readme[start..];
    let end = block[3..].find("```").unwrap() + 3;
    let commands: Vec<GuideCommand> = block[..end]
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let text = line.strip_prefix("$ ")?.to_owned();
            Some(GuideCommand {
                line: index + 1,
                expected: expected_exit(&text).unwrap(),
                text,
            })
        })
        .collect();
    assert!(commands.len() >= 4, "{commands:?}");
    assert!(commands.iter().any(|c| c.text.contains("\"$TOKEN\"")));
    let (_home, outcome) = run_on_a_fresh_home("README.md (first example)", &commands);
    assert!(outcome.is_ok(), "{}", outcome.unwrap_err());
}
