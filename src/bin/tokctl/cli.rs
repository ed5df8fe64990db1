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
    #[arg(long = "as", global = true, env = "TOKCTL_USER", value_name = "USER")]
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
        tokctl create --name deploy-bot --org-token --scope repo:write --expires 1y --description 'CI deploys'"
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
        Exit codes: 0 valid, 10 malformed or unknown, 11 expired, 12 revoked, 13 insufficient scope"
    )]
    Verify(commands::verify::VerifyArgs),

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

/// Arguments shared by commands that mint a token.
#[derive(Debug, Args)]
pub struct ScopeArgs {
    /// A permission, resource:action with action read, write or admin (repeatable)
    #[arg(long = "scope", value_name = "SCOPE", value_parser = parse_scope)]
    pub scopes: Vec<Scope>,

    /// Narrow a scope to named resources, e.g. repo=api,web (repeatable; at most 50 names)
    #[arg(long = "resource", value_name = "RESOURCE=NAMES", value_parser = parse_resource)]
    pub resources: Vec<(String, Vec<String>)>,
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
    use clap::CommandFactory;

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
