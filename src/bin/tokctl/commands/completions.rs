//! `tokctl completions SHELL` and the hidden `tokctl man DIR`: generated from
//! the clap declaration, so they cannot contradict `--help`. The committed
//! copies (completions/, docs/man/) are checked by tests/cli/generated_files.rs.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use clap_complete::Shell;
use roff::{bold, italic, roman, Roff};

use crate::config;
use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    shell: ShellArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

impl From<ShellArg> for Shell {
    fn from(shell: ShellArg) -> Self {
        match shell {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Zsh => Shell::Zsh,
            ShellArg::Fish => Shell::Fish,
            ShellArg::Powershell => Shell::PowerShell,
            ShellArg::Elvish => Shell::Elvish,
        }
    }
}

/// Prints the completion script for the shell: it asks `tokctl` (on PATH)
/// for candidates each time, so they come from the store.
pub fn run(ui: &Ui, args: CompletionsArgs) -> anyhow::Result<u8> {
    let shell = args
        .shell
        .to_possible_value()
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default();
    ui.print_bytes(&registration(&shell)?)?;
    Ok(exit::SUCCESS)
}

/// The environment variable the scripts set when they ask tokctl for
/// candidates (answered by `crate::completion`).
pub const COMPLETE_VAR: &str = "COMPLETE";

/// The script that registers tokctl's completions with `shell`: it calls
/// `tokctl` (found on PATH) with [`COMPLETE_VAR`] set for the candidates
/// each time.
fn registration(shell: &str) -> std::io::Result<Vec<u8>> {
    use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
    let completer: &dyn EnvCompleter = match shell {
        "bash" => &Bash,
        "zsh" => &Zsh,
        "fish" => &Fish,
        "elvish" => &Elvish,
        _ => &Powershell,
    };
    let mut script = Vec::new();
    completer.write_registration(COMPLETE_VAR, "tokctl", "tokctl", "tokctl", &mut script)?;
    Ok(script)
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Where to write tokctl.1 and one page per subcommand
    #[arg(long, value_name = "DIR")]
    out_dir: PathBuf,
}

/// Writes the man pages of `app`, the whole command line.
pub fn run_man(args: ManArgs, app: clap::Command) -> anyhow::Result<u8> {
    write_pages(&app, &args.out_dir, "tokctl")?;
    Ok(exit::SUCCESS)
}

/// Every environment variable the binary reads (release builds), with what
/// it does: the ENVIRONMENT section of each page. docs/environment.md lists
/// the same ones (a test checks).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("TOKCTL_DB", "The store: a file path, or a team store's postgres://USER@HOST[:PORT]/DB URL (as --db)."),
    ("TOKCTL_USER", "The tokctl user to act as (as --as); local stores only."),
    ("TOKCTL_KEYRING", "Use the OS keyring: auto, required or off (as --keyring)."),
    (config::CONFIG_VAR, "The config file to read instead of the default location; it must exist."),
    ("TOKCTL_TOKEN", "The token verify and inspect check, instead of stdin; removed from the process environment at start."),
    ("XDG_CONFIG_HOME", "Where the config file is looked for: $XDG_CONFIG_HOME/tokctl/config.toml (default ~/.config)."),
    ("HOME", "The home directory: the default config file, the default store, ~/.pgpass, ~/.postgresql/root.crt."),
    ("NO_COLOR", "When set and not empty, no colour with --color auto."),
    ("COLUMNS", "The table width when stdout is not a terminal."),
    ("PGPASSWORD", "A team store's password (never in the URL)."),
    ("PGPASSFILE", "The pgpass file to read a team store's password from (default ~/.pgpass)."),
    ("PATH", "Where notify --sendmail looks for a mail program named without a path (give cron jobs the full path: /usr/sbin is seldom on their PATH)."),
    (COMPLETE_VAR, "Set by the completion scripts (to bash, zsh, fish, ...) when they ask tokctl for candidates; tokctl then prints them and does nothing else."),
];

/// The FILES section of each page.
const FILES: &[(&str, &str)] = &[
    ("~/.local/share/tokctl/tokctl.db", "The default local store (the platform data directory), unless --db, TOKCTL_DB or the config file names another."),
    ("~/.config/tokctl/config.toml", "The config file: db, org, keyring, color, and [create] expires and scopes. Flags and the environment win over it."),
    ("~/.pgpass", "Team store passwords, as libpq reads them."),
    ("~/.postgresql/root.crt", "The certificate authority a team store's certificate is checked against when the URL names no sslrootcert, as in libpq."),
    ("OS keyring, service tokctl", "One entry per token secret, account STORE-ID/TOKEN-ID."),
];

/// Writes the page of `command` and, recursively, of its subcommands
/// (`tokctl-org-policy.1` for `tokctl org policy`). Besides clap_mangen's
/// sections, each page has EXIT STATUS (the table, lines kept as they are),
/// ENVIRONMENT, FILES, its examples unfilled, the version and SEE ALSO
/// naming only pages that are written.
fn write_pages(command: &clap::Command, dir: &Path, name: &str) -> anyhow::Result<()> {
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page(command, name)?)
        .with_context(|| format!("writing {}", path.display()))?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        write_pages(sub, dir, &format!("{name}-{}", sub.get_name()))?;
    }
    Ok(())
}

/// The page of `command`, named `name` (`tokctl-org-policy`).
fn page(command: &clap::Command, name: &str) -> anyhow::Result<Vec<u8>> {
    let version = format!("tokctl {}", env!("CARGO_PKG_VERSION"));
    // No `help` subcommand: it has no page, so no page may name one.
    let command = command
        .clone()
        .name(name.to_owned())
        .disable_help_subcommand(true);
    let man = clap_mangen::Man::new(command.clone());
    // Each piece renders roff's apostrophe preamble; the page needs it once.
    let preamble = Roff::new().render();
    // The title by hand: roff drops an empty argument, so an empty date
    // would shift the version into its place in the footer.
    let mut page =
        format!("{preamble}.TH {name} 1 \"\" \"{version}\" \"tokctl manual\"\n").into_bytes();
    let mut piece = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        render(&mut bytes)?;
        page.extend_from_slice(bytes.strip_prefix(preamble.as_bytes()).unwrap_or(&bytes));
        std::io::Result::Ok(())
    };
    piece(&|w| man.render_name_section(w))?;
    piece(&|w| man.render_synopsis_section(w))?;
    piece(&|w| man.render_description_section(w))?;
    piece(&|w| man.render_options_section(w))?;
    let subcommands: Vec<String> = command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| format!("{name}-{}", sub.get_name()))
        .collect();
    if !subcommands.is_empty() {
        piece(&|w| man.render_subcommands_section(w))?;
    }

    let mut roff = Roff::new();
    let unfilled = |roff: &mut Roff, text: &str| {
        roff.control("nf", []);
        for line in text.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    };
    // The root's after-help is the exit-code table and two notes.
    let root = name == "tokctl";
    let after = command.get_after_help().map(ToString::to_string);
    if let Some(text) = after.as_deref().filter(|_| !root) {
        let heading = if text.starts_with("Example") {
            "EXAMPLES"
        } else {
            "NOTES"
        };
        roff.control("SH", [heading]);
        unfilled(&mut roff, text);
    }
    roff.control("SH", ["EXIT STATUS"]);
    let (codes, notes) = exit::HELP_TABLE
        .split_once("\n\n")
        .unwrap_or((exit::HELP_TABLE, ""));
    unfilled(&mut roff, codes);
    roff.control("SH", ["ENVIRONMENT"]);
    for (variable, meaning) in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(*variable)]);
        roff.text([roman(*meaning)]);
    }
    roff.control("SH", ["FILES"]);
    for (file, meaning) in FILES {
        roff.control("TP", []);
        roff.text([italic(*file)]);
        roff.text([roman(*meaning)]);
    }
    if root && !notes.is_empty() {
        roff.control("SH", ["NOTES"]);
        unfilled(&mut roff, notes);
    }
    roff.control("SH", ["VERSION"]);
    roff.text([roman(version)]);
    roff.control("SH", ["SEE ALSO"]);
    // The parent's page and the subcommands' pages: all written by write_pages.
    let mut see_also: Vec<String> = Vec::new();
    if let Some((parent, _)) = name.rsplit_once('-') {
        see_also.push(parent.to_owned());
    }
    see_also.extend(subcommands);
    let names: Vec<String> = see_also.iter().map(|page| format!("{page}(1)")).collect();
    let mut text = names.join(", ");
    if !text.is_empty() {
        text.push_str(". ");
    }
    text.push_str("The guide and reference: docs/ in tokctl's source.");
    roff.text([roman(text)]);
    let rendered = roff.render();
    page.extend_from_slice(
        rendered
            .strip_prefix(preamble.as_str())
            .unwrap_or(&rendered)
            .as_bytes(),
    );
    Ok(page)
}
