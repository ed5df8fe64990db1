//! The `tokctl` binary: parse, call the library, render. All logic is in the library.

mod cli;
mod commands;
mod completion;
mod config;
mod exit;
mod hints;
mod input;
mod mail;
mod output;
mod selection;
mod team_store;

use std::io::ErrorKind as IoErrorKind;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use hints::Hint;
use tokctl::secret::redact_tokens;

fn main() -> ExitCode {
    // Before anything else, and before any thread exists.
    harden_process();
    // A shell asking for completions gets them and nothing else.
    completion::answer_if_asked(cli::Cli::command);
    input::take_token_from_environment();
    let mut matches = match cli::parse_command_line() {
        Ok(matches) => matches,
        Err(err) => return exit::exit(report_clap_error(&err)),
    };
    // Which global options a flag or the environment gave, before the
    // values are taken out of the matches: the config file fills in the rest.
    let given = config::Given::from_matches(&matches);
    let mut cli = match cli::Cli::from_arg_matches_mut(&mut matches) {
        Ok(cli) => cli,
        Err(err) => return exit::exit(report_clap_error(&err.format(&mut cli::Cli::command()))),
    };
    // A config file that cannot be used stops everything: one line, exit 2.
    let file = match config::load() {
        Ok(file) => file,
        Err(err) => {
            eprintln!("error: {}", redact_tokens(&err.message));
            return exit::exit(exit::USAGE);
        }
    };
    let resolved = config::Resolved::apply(&mut cli.global, given, file);
    match commands::run_command(cli.global, cli.command, cli::Cli::command, &resolved) {
        Ok(code) => exit::exit(code),
        Err(err) => exit::exit(report_error(&err)),
    }
}

/// Keeps secrets held in memory out of core dumps and away from other
/// processes of the same user: no core file (`RLIMIT_CORE` 0), and on Linux
/// not dumpable, which also makes `/proc/PID/environ`, `/proc/PID/mem` and
/// ptrace available to root only. Neither call fails in practice; if one
/// did, tokctl would work as before, so the error is not reported.
fn harden_process() {
    #[cfg(unix)]
    {
        use rustix::process::{setrlimit, Resource, Rlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{set_dumpable_behavior, DumpableBehavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

/// Prints one `error:` line (and a `hint:` where one helps); returns the exit code.
fn report_error(err: &anyhow::Error) -> u8 {
    // A closed stdout (`tokctl list | head`) is not a failure.
    let io_kind = err
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        .or_else(|| {
            err.downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        });
    if io_kind == Some(IoErrorKind::BrokenPipe) {
        return exit::SUCCESS;
    }
    if input::is_interrupted(err) {
        input::show_cursor_again();
        eprintln!("{}", input::INTERRUPTED_NOTE);
        return exit::INTERRUPTED;
    }
    match err.downcast_ref::<tokctl::Error>() {
        Some(lib) => {
            eprintln!("error: {}", redact_tokens(&lib.to_string()));
            if let Some(hint) = lib.hint() {
                eprintln!("hint: {}", redact_tokens(&hint));
            }
            exit::code_for(lib.kind())
        }
        None => {
            // The binary's own usage errors carry their hint already.
            if let Some(usage) = err.downcast_ref::<hints::Usage>() {
                eprintln!("error: {}", redact_tokens(&usage.message));
                eprintln!("hint: {}", redact_tokens(usage.hint));
                return exit::USAGE;
            }
            eprintln!("error: {}", redact_tokens(&one_line(&format!("{err:#}"))));
            exit::FAILURE
        }
    }
}

/// Clap's own help and version go to stdout with code 0; its errors are cut
/// down to one `error:` line plus a hint, instead of a usage block.
fn report_clap_error(err: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                return exit::USAGE;
            }
            exit::SUCCESS
        }
        _ => {
            let rendered = err.render().to_string();
            let mut lines = rendered.lines().peekable();
            let mut first = lines.next().unwrap_or("error: invalid usage").to_owned();
            // "the following required arguments were not provided:" lists them
            // on indented lines: keep them on the one error line.
            if first.ends_with(':') {
                let mut listed = Vec::new();
                while let Some(line) = lines.next_if(|line| line.starts_with("  ")) {
                    listed.push(line.trim().to_owned());
                }
                first = format!("{first} {}", listed.join(", "));
            }
            // An invalid value: clap lists the valid ones on the next line.
            if let Some(values) = rendered
                .lines()
                .map(str::trim)
                .find(|line| line.starts_with("[possible values:"))
            {
                first = format!("{first} {values}");
            }
            let first = first.as_str();
            // A token pasted as an argument must not be echoed back.
            eprintln!("{}", redact_tokens(&one_line(first)));
            match lines.map(str::trim).find(|line| line.starts_with("tip:")) {
                Some(tip) => eprintln!(
                    "hint: {}",
                    redact_tokens(tip.trim_start_matches("tip:").trim())
                ),
                None => eprintln!("hint: see 'tokctl --help', or 'tokctl COMMAND --help'"),
            }
            exit::USAGE
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
