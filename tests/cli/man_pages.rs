//! The committed man pages read as man pages: the usual sections, the exit
//! codes and examples kept line for line, every environment variable the
//! binary reads, SEE ALSO naming only pages that exist, and groff with all
//! warnings on has nothing to say.

use std::path::{Path, PathBuf};
use std::process::Command;

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man")
}

fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(man_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "1"))
        .collect();
    pages.sort();
    assert!(pages.len() > 10, "no man pages in docs/man");
    pages
}

#[test]
fn every_page_has_the_sections_of_a_man_page_and_names_only_pages_that_exist() {
    let version = format!("tokctl {}", env!("CARGO_PKG_VERSION"));
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for section in [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH OPTIONS",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH VERSION",
            ".SH \"SEE ALSO\"",
        ] {
            assert!(text.contains(section), "{}: no {section}", page.display());
        }
        assert!(text.contains(&version), "{}: no {version}", page.display());
        assert!(!text.contains(".SH EXTRA"), "{}", page.display());
        assert!(!text.contains("tokctl\\-help"), "{}", page.display());
        // The exit-code table is unfilled, so it keeps its lines.
        let status = text.split(".SH \"EXIT STATUS\"").nth(1).unwrap();
        assert!(status.starts_with("\n.nf\n"), "{}", page.display());
        let see_also = text.split(".SH \"SEE ALSO\"").nth(1).unwrap();
        for named in see_also.split(|c: char| c.is_whitespace() || c == ',') {
            if let Some(name) = named.strip_suffix("(1)") {
                let file = man_dir().join(format!("{}.1", name.replace("\\-", "-")));
                assert!(file.exists(), "{} names {named}", page.display());
            }
        }
    }
}

#[test]
fn the_environment_section_and_docs_list_every_variable_the_binary_reads() {
    let page = std::fs::read_to_string(man_dir().join("tokctl.1")).unwrap();
    let section = page
        .split(".SH ENVIRONMENT")
        .nth(1)
        .unwrap()
        .split(".SH ")
        .next()
        .unwrap();
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/environment.md"))
            .unwrap();
    let mut read: Vec<String> = vec![
        "NO_COLOR".into(),
        "TERM".into(),
        "PGPASSWORD".into(),
        "PGPASSFILE".into(),
    ];
    // Every TOKCTL_* name in the binary's source, but the test seams.
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/tokctl");
    let mut stack = vec![bin];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (at, _) in source.match_indices("\"TOKCTL_") {
                let name: String = source[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                if !name.starts_with("TOKCTL_TEST_") && !read.contains(&name) {
                    read.push(name);
                }
            }
        }
    }
    assert!(read.iter().any(|name| name == "TOKCTL_DB"), "{read:?}");
    for name in read {
        assert!(
            section.contains(&format!("\\fB{name}\\fR")),
            "tokctl(1) ENVIRONMENT lacks {name}"
        );
        assert!(
            docs.contains(&format!("| `{name}` |")),
            "docs/environment.md lacks {name}"
        );
    }
}

/// Whether `tool` runs; without it, says so loudly, and fails under CI
/// (.ci/run installs man-db and groff).
fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing under CI (.ci/run installs man-db groff)"
        );
        eprintln!("\n*** SKIPPED man page rendering: no {tool} on this machine ***\n");
    }
    found
}

#[test]
fn every_page_renders_without_a_groff_warning() {
    if !have("groff") || !have("man") {
        return;
    }
    for page in pages() {
        let out = Command::new("groff")
            .args(["-ww", "-man", "-Tutf8", "-z"])
            .arg(&page)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", page.display());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "",
            "groff -ww on {}",
            page.display()
        );
        let out = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = plain(&out.stdout);
        assert!(out.status.success(), "man -l {}", page.display());
        assert!(text.contains("EXIT STATUS"), "{}: {text}", page.display());
    }
    // The table keeps its lines.
    let out = Command::new("man")
        .arg("-l")
        .arg(man_dir().join("tokctl.1"))
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = plain(&out.stdout);
    assert!(
        text.lines().any(|line| line.trim() == "15 deactivated"),
        "{text}"
    );
}

/// man's output without the overstrikes that make bold and underline
/// (`X\bX`), as a pager would show it.
fn plain(bytes: &[u8]) -> String {
    let mut text = String::new();
    for c in String::from_utf8_lossy(bytes).chars() {
        if c == '\u{8}' {
            text.pop();
        } else {
            text.push(c);
        }
    }
    text
}
