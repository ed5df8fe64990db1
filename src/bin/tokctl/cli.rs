//! The command line, declared once: help, completions and man pages all come
//! from here. This file is the root, `tokctl` and its global options; each
//! command declares its own flags in its file under `commands/`, and the
//! argument types they share live in `cli/args.rs`.

pub mod args;

use clap::Parser;

use self::args::GlobalArgs;
use crate::commands::Command;
use crate::exit::HELP_TABLE;

/// Issue, track and clean up API tokens: least-privilege scopes, expiry, the OS keyring, an audit trail.
#[derive(Debug, Parser)]
#[command(
    name = "tokctl",
    version,
    after_help = HELP_TABLE,
    max_term_width = 100,
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The tree a `tokctl verify` is parsed against first: `tokctl`, its global
/// options and the verify command alone, each declared by the same
/// `GlobalArgs` and `VerifyArgs` as in [`Cli`], so a line it parses gives
/// the same matches. Building the other commands' declarations, and
/// dropping them, was a third of a one-shot verify process's work. It
/// holds no help text: help, `--version` and every error come from the
/// whole tree (see [`parse_command_line`]).
fn verify_only() -> clap::Command {
    use clap::Args;
    let verify = crate::commands::verify::VerifyArgs::augment_args(clap::Command::new("verify"));
    GlobalArgs::augment_args(clap::Command::new("tokctl"))
        .subcommand(verify)
        .subcommand_required(true)
}

/// Parses the command line: a line naming `verify` against [`verify_only`]
/// first; anything that tree does not parse (another command, a typo,
/// `--help`, `--version`) against the whole declaration, so what tokctl
/// prints about its command line always comes from [`Cli`].
pub fn parse_command_line() -> Result<clap::ArgMatches, clap::Error> {
    use clap::CommandFactory;
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.iter().skip(1).any(|arg| arg == "verify") {
        if let Ok(matches) = verify_only().try_get_matches_from(&args) {
            return Ok(matches);
        }
    }
    Cli::command().try_get_matches_from(args)
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches, Parser};

    use super::Cli;
    use crate::commands::Command;

    /// The scopes `tokctl create ARGS --expires 1d` would mint, or clap's first error line.
    fn create_scopes(args: &[&str]) -> Result<Vec<String>, String> {
        let mut argv = vec!["tokctl", "create", "--expires", "1d"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                command: Command::Create(create),
                ..
            }) => Ok(create
                .scopes
                .scopes
                .iter()
                .map(ToString::to_string)
                .collect()),
            Ok(other) => panic!("not a create: {other:?}"),
            Err(err) => Err(err
                .render()
                .to_string()
                .lines()
                .next()
                .unwrap_or("")
                .to_owned()),
        }
    }

    #[test]
    fn each_resource_flag_narrows_the_nearest_scope_before_it() {
        let cases: [(&[&str], &[&str]); 5] = [
            (
                &[
                    "--scope",
                    "repo:read",
                    "--resource",
                    "repo=base,node",
                    "--scope",
                    "repo:write",
                    "--resource",
                    "repo=web",
                ],
                &["repo:read[base,node]", "repo:write[web]"],
            ),
            (
                &[
                    "--scope",
                    "repo:read",
                    "--resource",
                    "repo=base",
                    "--resource",
                    "repo=node",
                ],
                &["repo:read[base,node]"],
            ),
            (
                &["--scope", "repo:read[base]", "--resource", "repo=node"],
                &["repo:read[base,node]"],
            ),
            (
                &[
                    "--scope",
                    "repo:read",
                    "--scope",
                    "issues:write",
                    "--resource",
                    "repo=api",
                ],
                &["repo:read[api]", "issues:write"],
            ),
            (
                &[
                    "--scope",
                    "repo:read",
                    "--scope",
                    "repo:write",
                    "--resource",
                    "repo=web",
                ],
                &["repo:read", "repo:write[web]"],
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(create_scopes(args).unwrap(), expected, "{args:?}");
        }
    }

    #[test]
    fn a_resource_flag_no_earlier_scope_can_take_is_refused() {
        let before =
            create_scopes(&["--resource", "repo=api", "--scope", "repo:read"]).unwrap_err();
        assert!(
            before.contains("comes before any --scope on 'repo'"),
            "{before}"
        );
        let unknown =
            create_scopes(&["--scope", "issues:read", "--resource", "repo=api"]).unwrap_err();
        assert!(
            unknown.contains("no --scope names this resource"),
            "{unknown}"
        );
        let too_many: Vec<String> = (0..51).map(|i| format!("r{i}")).collect();
        let first = format!("repo={}", too_many[..30].join(","));
        let second = format!("repo={}", too_many[30..].join(","));
        let merged = create_scopes(&[
            "--scope",
            "repo:read",
            "--resource",
            &first,
            "--resource",
            &second,
        ])
        .unwrap_err();
        assert!(merged.contains("at most 50 names"), "{merged}");
    }

    #[test]
    fn the_command_line_declaration_is_consistent() {
        super::Cli::command().debug_assert();
        super::verify_only().debug_assert();
    }

    /// The verify-only tree reads every verify line as the whole
    /// declaration does, and refuses what it refuses (the caller then
    /// parses again with the whole tree, for its help and errors).
    #[test]
    fn the_verify_only_tree_parses_verify_lines_as_the_whole_tree_does() {
        let lines: &[&[&str]] = &[
            &["verify"],
            &["verify", "--scope", "repo:read"],
            &[
                "verify",
                "--scope",
                "repo:read",
                "--resource",
                "repo=api,web",
            ],
            &["verify", "--format", "json"],
            &["verify", "--batch", "--scope", "repo:write"],
            &["--db", "/tmp/x.db", "verify", "--scope", "repo:read"],
            &[
                "verify",
                "--db",
                "/tmp/x.db",
                "--as",
                "ci",
                "--keyring",
                "off",
            ],
            &["-q", "--color", "never", "verify", "--wide"],
            &["--db", "postgres://vera@db/tokens", "verify"],
        ];
        for line in lines {
            let argv: Vec<&str> = std::iter::once("tokctl")
                .chain(line.iter().copied())
                .collect();
            let whole = format!("{:?}", Cli::try_parse_from(&argv).unwrap());
            let mut matches = super::verify_only().try_get_matches_from(&argv).unwrap();
            let fast = format!("{:?}", Cli::from_arg_matches_mut(&mut matches).unwrap());
            assert_eq!(fast, whole, "{line:?}");
        }
        let refused: &[&[&str]] = &[
            &["verify", "--help"],
            &["verify", "-h"],
            &["--version", "verify"],
            &["verify", "--resource", "repo=api"],
            &["verify", "--batch", "--format", "json"],
            &["verify", "--scope", "nope"],
            &["verify", "extra"],
            &["--as", "verify", "list"],
            &["help", "verify"],
        ];
        for line in refused {
            let argv: Vec<&str> = std::iter::once("tokctl")
                .chain(line.iter().copied())
                .collect();
            assert!(
                super::verify_only().try_get_matches_from(&argv).is_err(),
                "{line:?}"
            );
        }
    }

    /// The verify command and the global options are the same declarations
    /// in both trees, argument by argument.
    #[test]
    fn the_verify_only_tree_declares_what_the_whole_tree_declares() {
        let whole = Cli::command();
        let fast = super::verify_only();
        let args = |command: &clap::Command| -> Vec<String> {
            command
                .get_arguments()
                .map(|arg| format!("{arg:?}"))
                .collect()
        };
        assert_eq!(args(&fast), args(&whole));
        assert_eq!(
            args(fast.find_subcommand("verify").unwrap()),
            args(whole.find_subcommand("verify").unwrap())
        );
    }

    /// Every command shows an example, and every flag says what it does.
    #[test]
    fn every_command_has_help_with_an_example() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let visible = command
                .get_subcommands()
                .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help");
            for sub in visible {
                let name = format!("{path} {}", sub.get_name());
                if !sub
                    .clone()
                    .render_long_help()
                    .to_string()
                    .contains("Example")
                {
                    missing.push(name.clone());
                }
                for arg in sub.get_arguments().filter(|arg| !arg.is_hide_set()) {
                    let id = arg.get_id().as_str();
                    if arg.get_help().is_none() && id != "help" && id != "version" {
                        missing.push(format!("{name} {id}"));
                    }
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "tokctl", &mut missing);
        assert!(
            missing.is_empty(),
            "without help or an example: {missing:?}"
        );
    }
}
