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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

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
