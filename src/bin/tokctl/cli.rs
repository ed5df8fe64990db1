//! The command line, declared once: help, completions and man pages all come from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tokctl::duration::{Expiry, PointInTime, Span};
use tokctl::keyring::KeyringMode;
use tokctl::model::{Role, TokenKind};
use tokctl::scope::Scope;

use crate::commands;
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

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The store file [default: the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]
    #[arg(long, global = true, env = "TOKCTL_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Act as this tokctl user [default: your login name]
    // Its own id: clap merges arguments that share one, and `audit --actor`
    // (a filter) must never set who acts, nor the other way round.
    #[arg(
        long = "as",
        id = "acting_user",
        global = true,
        env = "TOKCTL_USER",
        value_name = "USER"
    )]
    pub actor: Option<String>,

    /// Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only data and errors: no notes on stderr (warnings still show)
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Use the OS keyring: auto (when reachable), required, or off
    #[arg(long, global = true, env = "TOKCTL_KEYRING", value_name = "MODE", default_value = "auto",
          value_parser = parse_keyring_mode)]
    pub keyring: KeyringMode,
}

fn parse_keyring_mode(text: &str) -> Result<KeyringMode, String> {
    text.parse()
        .map_err(|_| "expected auto, required or off".to_owned())
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// At a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Output format of commands that list tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    /// A table for people.
    #[default]
    Table,
    /// One JSON array (see docs/json.md).
    Json,
    /// JSON Lines: one token object per line.
    Jsonl,
    /// CSV (RFC 4180) with a header row, for spreadsheets.
    Csv,
}

/// Output format of commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// A table for people.
    #[default]
    Table,
    /// Stable JSON for scripts (see docs/json.md).
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mint a token; the secret is printed once, to stdout
    #[command(
        after_help = "Examples:\n  tokctl create --scope repo:read --expires 90d\n  \
        tokctl create --name deploy-bot --org-token --scope repo:write --expires 1y --description 'CI deploys'\n  \
        tokctl create --scope repo:read --resource repo=base,node --scope repo:write --resource repo=web --expires 30d\n\n\
        Each --resource narrows the nearest --scope before it on that resource."
    )]
    Create(commands::create::CreateArgs),

    /// List tokens (active ones of your orgs unless told otherwise)
    #[command(after_help = "Examples:\n  tokctl list\n  tokctl list --all --format json")]
    List(commands::list::ListArgs),

    /// Show one token by id or name
    #[command(after_help = "Example:\n  tokctl show deploy-bot")]
    Show(commands::show::ShowArgs),

    /// Revoke tokens by id or name, in bulk by filter, or by a leaked secret
    #[command(
        after_help = "Examples:\n  tokctl revoke deploy-bot --reason 'left the team'\n  \
        tokctl revoke --stale 1y --dry-run\n  tokctl revoke --stale 1y --yes\n  \
        printf '%s' \"$LEAKED\" | tokctl revoke --secret-stdin"
    )]
    Revoke(commands::revoke::RevokeArgs),

    /// Give a token a new secret; the old one can keep working for a grace period
    #[command(
        after_help = "Examples:\n  tokctl rotate deploy-bot\n  tokctl rotate deploy-bot --grace 1d --expires 90d"
    )]
    Rotate(commands::rotate::RotateArgs),

    /// Find tokens expiring soon or gone stale; the exit code says what was found
    #[command(
        after_help = "Example:\n  tokctl check --expiring 14d --stale 1y --format json\n\n\
        Exit codes: 0 nothing found, 20 expiring found, 21 stale found, 22 both"
    )]
    Check(commands::check::CheckArgs),

    /// Delete the rows of tokens revoked or expired before a time (the audit trail stays)
    #[command(after_help = "Example:\n  tokctl prune --before 90d --dry-run")]
    Prune(commands::prune::PruneArgs),

    /// Query and export the audit trail; verify its hash chain; prune old events
    #[command(after_help = "Examples:\n  tokctl audit --token deploy-bot\n  \
        tokctl audit --since 7d --action token.revoke --format jsonl\n  tokctl audit verify")]
    Audit(commands::audit::AuditArgs),

    /// Usage report per org: status, owners, last use, expiring, most used
    #[command(after_help = "Example:\n  tokctl report --org acme --format json")]
    Report(commands::report::ReportArgs),

    /// Check a token read from stdin or TOKCTL_TOKEN (never from an argument)
    #[command(
        after_help = "Examples:\n  printf '%s' \"$TOKEN\" | tokctl verify --scope repo:read\n  \
        TOKCTL_TOKEN=... tokctl verify --format json\n\n\
        Exit codes (docs/exit-codes.md):\n  \
        0 valid  10 malformed or unknown  11 expired  12 revoked  13 insufficient scope\n  \
        14 rotated-away secret, past its grace period (audited as a possible leak)\n  \
        2 bad usage (e.g. empty input)  6 store unusable  1 other failure\n\
        With --batch each line carries its own verdict; the exit code is 0 unless tokctl fails."
    )]
    Verify(commands::verify::VerifyArgs),

    /// Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it
    #[command(after_help = "Example:\n  printf '%s' \"$FOUND\" | tokctl inspect\n\n\
        Records one token.inspect audit event and nothing else: no use is counted and\n\
        last use does not move, so the evidence of a leak stays as it was.\n\
        Exit codes: 0 identified (see whether the secret matches)  10 malformed or unknown\n  \
        5 not yours to see  2 bad usage  6 store unusable")]
    Inspect(commands::inspect::InspectArgs),

    /// Print a token's secret from the OS keyring, and nothing else
    #[command(after_help = "Example:\n  TOKEN=$(tokctl secret deploy-bot)")]
    Secret(commands::secret::SecretArgs),

    /// Manage orgs and their token policy
    #[command(
        subcommand,
        after_help = "Examples:\n  tokctl org add acme\n  tokctl org policy acme --max-lifetime 1y"
    )]
    Org(commands::org::OrgCommand),

    /// Manage users; offboard a leaver
    #[command(
        subcommand,
        after_help = "Examples:\n  tokctl user add bob\n  tokctl user remove bob --dry-run"
    )]
    User(commands::user::UserCommand),

    /// Manage org memberships and roles
    #[command(
        subcommand,
        after_help = "Example:\n  tokctl member add --org acme --user bob --role admin"
    )]
    Member(commands::member::MemberCommand),

    /// Check the store (integrity, audit chain, consistency) and the keyring
    #[command(
        after_help = "Example:\n  tokctl doctor --format json\n\nExit code 1 when something needs attention."
    )]
    Doctor(commands::doctor::DoctorArgs),

    /// Write a consistent copy of the store while others keep using it (owners only)
    #[command(after_help = "Example:\n  tokctl backup /var/backups/tokctl-$(date +%F).db")]
    Backup(commands::backup::BackupArgs),

    /// Find live tokens that break their org's current policy; optionally revoke them
    #[command(subcommand, after_help = "Example:\n  tokctl policy check --org acme")]
    Policy(commands::policy::PolicyCommand),

    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    #[command(
        after_help = "Example:\n  tokctl completions bash > ~/.local/share/bash-completion/completions/tokctl"
    )]
    Completions(commands::completions::CompletionsArgs),

    /// Write the man pages (for packagers)
    #[command(hide = true)]
    Man(commands::completions::ManArgs),
}

/// The scope flags of a command that mints a token, composed in command-line
/// order: each `--resource KIND=NAMES` narrows the nearest `--scope` before it
/// on that kind, and a second `--resource` for the same scope adds names.
///
/// Clap's derive API loses the order of two different repeated flags, so this
/// implements `Args` by hand and reads the flags' positions (`indices_of`).
#[derive(Debug, Clone, Default)]
pub struct ScopeArgs {
    /// The scopes, narrowed as the flags say; empty when no `--scope` was given.
    pub scopes: Vec<Scope>,
}

const SCOPE_ID: &str = "scopes";
const RESOURCE_ID: &str = "resources";

impl Args for ScopeArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        command
            .arg(
                clap::Arg::new(SCOPE_ID)
                    .long("scope")
                    .value_name("SCOPE")
                    .value_parser(parse_scope)
                    .action(clap::ArgAction::Append)
                    .help(
                        "A permission, resource:action with action read, write or admin, \
                         optionally narrowed: repo:read[api,web] (repeatable)",
                    ),
            )
            .arg(
                clap::Arg::new(RESOURCE_ID)
                    .long("resource")
                    .value_name("RESOURCE=NAMES")
                    .value_parser(parse_resource)
                    .action(clap::ArgAction::Append)
                    .help(
                        "Narrow the nearest --scope before it on that resource to named \
                         resources, e.g. repo=api,web (repeatable; at most 50 names per scope)",
                    ),
            )
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl clap::FromArgMatches for ScopeArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut flags: Vec<(usize, ScopeFlag)> = Vec::new();
        if let (Some(values), Some(indices)) = (
            matches.get_many::<Scope>(SCOPE_ID),
            matches.indices_of(SCOPE_ID),
        ) {
            flags.extend(indices.zip(values.cloned().map(ScopeFlag::Scope)));
        }
        if let (Some(values), Some(indices)) = (
            matches.get_many::<(String, Vec<String>)>(RESOURCE_ID),
            matches.indices_of(RESOURCE_ID),
        ) {
            flags.extend(indices.zip(values.cloned().map(ScopeFlag::Resource)));
        }
        flags.sort_by_key(|(index, _)| *index);
        let scopes = compose_scopes(flags.into_iter().map(|(_, flag)| flag))
            .map_err(|reason| clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, reason))?;
        Ok(ScopeArgs { scopes })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// One `--scope` or `--resource`, as given.
#[derive(Debug, Clone)]
enum ScopeFlag {
    Scope(Scope),
    Resource((String, Vec<String>)),
}

/// Applies each `--resource` to the nearest `--scope` before it on the same
/// resource kind. A `--resource` that no earlier `--scope` can take is refused
/// (never dropped, never guessed), with one line saying why.
fn compose_scopes(flags: impl IntoIterator<Item = ScopeFlag>) -> Result<Vec<Scope>, String> {
    let flags: Vec<ScopeFlag> = flags.into_iter().collect();
    let mut scopes: Vec<Scope> = Vec::new();
    for (position, flag) in flags.iter().enumerate() {
        match flag {
            ScopeFlag::Scope(scope) => scopes.push(scope.clone()),
            ScopeFlag::Resource((resource, names)) => {
                let Some(target) = scopes
                    .iter_mut()
                    .rev()
                    .find(|scope| scope.resource() == resource)
                else {
                    let later = flags[position..].iter().any(
                        |flag| matches!(flag, ScopeFlag::Scope(scope) if scope.resource() == resource),
                    );
                    let shown = format!("{resource}={}", names.join(","));
                    return Err(if later {
                        format!(
                            "--resource {shown} comes before any --scope on '{resource}': \
                             put it after the --scope it narrows, e.g. --scope {resource}:read --resource {shown}"
                        )
                    } else {
                        format!(
                            "invalid resource '{resource}': no --scope names this resource; \
                             add --scope {resource}:ACTION before --resource {shown}"
                        )
                    });
                };
                *target = target
                    .clone()
                    .narrowed_adding(names)
                    .map_err(|err| format!("--resource on '{resource}': {}", reason_only(err)))?;
            }
        }
    }
    Ok(scopes)
}

pub fn parse_scope(text: &str) -> Result<Scope, String> {
    text.parse::<Scope>().map_err(reason_only)
}

pub fn parse_expiry(text: &str) -> Result<Expiry, String> {
    text.parse::<Expiry>().map_err(reason_only)
}

pub fn parse_span(text: &str) -> Result<Span, String> {
    text.parse::<Span>().map_err(reason_only)
}

pub fn parse_point_in_time(text: &str) -> Result<PointInTime, String> {
    text.parse::<PointInTime>().map_err(reason_only)
}

/// `RESOURCE=NAME[,NAME...]`, e.g. `repo=api,web`.
pub fn parse_resource(text: &str) -> Result<(String, Vec<String>), String> {
    let (resource, names) = text
        .split_once('=')
        .ok_or_else(|| "expected RESOURCE=NAME[,NAME...], e.g. repo=api,web".to_owned())?;
    let names: Vec<String> = names
        .split(',')
        .map(|name| name.trim().to_owned())
        .collect();
    // Validate through the scope parser so the rules live in one place.
    format!("{resource}:read")
        .parse::<Scope>()
        .and_then(|scope| scope.narrowed(&names))
        .map_err(reason_only)?;
    Ok((resource.to_owned(), names))
}

pub fn parse_role(text: &str) -> Result<Role, String> {
    text.parse::<Role>().map_err(reason_only)
}

pub fn parse_kind(text: &str) -> Result<TokenKind, String> {
    text.parse::<TokenKind>().map_err(reason_only)
}

/// Clap already says "invalid value 'x' for '--flag'": keep only our reason.
fn reason_only(err: tokctl::Error) -> String {
    match err {
        tokctl::Error::InvalidInput { reason, .. } => reason,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Cli, Command};

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
