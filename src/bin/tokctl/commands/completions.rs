//! `tokctl completions SHELL` and the hidden `tokctl man DIR`: generated from
//! the clap declaration, so they cannot contradict `--help`. The committed
//! copies (completions/, docs/man/) are checked by tests/cli/generated_files.rs.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use clap_complete::Shell;

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

/// Prints the completion script of `app`, the whole command line.
pub fn run(ui: &Ui, args: CompletionsArgs, mut app: clap::Command) -> anyhow::Result<u8> {
    let shell: Shell = args.shell.into();
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut app, "tokctl", &mut script);
    ui.print_bytes(&script)?;
    Ok(exit::SUCCESS)
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

/// Writes the page of `command` and, recursively, of its subcommands
/// (`tokctl-org-policy.1` for `tokctl org policy`).
fn write_pages(command: &clap::Command, dir: &Path, name: &str) -> anyhow::Result<()> {
    let command = command.clone().name(name.to_owned());
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        write_pages(sub, dir, &format!("{name}-{}", sub.get_name()))?;
    }
    Ok(())
}
