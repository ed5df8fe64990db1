//! The committed completion scripts and man pages are exactly what the
//! current CLI generates, and bash completion works in a real bash.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::path::Path;

use assert_cmd::Command;

const HOW_TO_FIX: &str = "run scripts/regenerate and commit the result";

fn generated(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("tokctl")
        .unwrap()
        .env_clear()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in [
        ("bash", "tokctl.bash"),
        ("zsh", "_tokctl"),
        ("fish", "tokctl.fish"),
        ("powershell", "tokctl.ps1"),
        ("elvish", "tokctl.elvish"),
    ] {
        let committed = std::fs::read(root().join("completions").join(file)).unwrap_or_default();
        assert!(
            committed == generated(&["completions", shell]),
            "completions/{file} is out of date: {HOW_TO_FIX}"
        );
    }
}

#[test]
fn committed_man_pages_match_the_cli() {
    let fresh = tempfile::tempdir().unwrap();
    let dir = fresh.path().to_str().unwrap();
    generated(&["man", "--out-dir", dir]);
    let names = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.ends_with(".1"))
            .collect();
        names.sort();
        names
    };
    let committed_dir = root().join("docs/man");
    let expected = names(fresh.path());
    assert!(expected.len() > 20, "a page per command");
    assert_eq!(
        names(&committed_dir),
        expected,
        "docs/man has other pages: {HOW_TO_FIX}"
    );
    for name in expected {
        let committed = std::fs::read(committed_dir.join(&name)).unwrap();
        let current = std::fs::read(fresh.path().join(&name)).unwrap();
        assert!(
            committed == current,
            "docs/man/{name} is out of date: {HOW_TO_FIX}"
        );
    }
}

/// What a real bash offers for `tokctl WORD<TAB>` with the committed
/// script (which calls the tokctl on PATH back), sorted.
fn bash_completions(word: &str) -> Vec<String> {
    let script = root().join("completions/tokctl.bash");
    let line = format!("tokctl {word}");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}'; COMP_WORDS=(tokctl {word}); COMP_CWORD=1; COMP_LINE='{line}'; COMP_POINT={}; \
             COMP_TYPE=9; _clap_complete_tokctl tokctl {word} tokctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            line.len()
        ))
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:/usr/bin:/bin",
                assert_cmd::cargo::cargo_bin("tokctl")
                    .parent()
                    .unwrap()
                    .display()
            ),
        )
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    words.sort();
    words
}

#[test]
fn bash_completes_subcommands_in_a_real_bash() {
    assert_eq!(bash_completions("re"), ["report", "revoke"]);
    assert_eq!(bash_completions("r"), ["report", "revoke", "rotate"]);
    assert_eq!(bash_completions("ver"), ["verify"]);
}
