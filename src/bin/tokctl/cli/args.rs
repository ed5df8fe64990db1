//! The argument types commands share: the global options, the output formats,
//! the scope flags of commands that mint, and the value parsers that turn a
//! flag's text into a library type. Commands import these from here; nothing
//! here knows which commands exist.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use tokctl::duration::{Expiry, PointInTime, Span};
use tokctl::keyring::KeyringMode;
use tokctl::model::{Role, TokenKind};
use tokctl::scope::{compose_scopes, CompositionError, Scope, ScopePart};

/// The help heading of the options every command takes, listed apart from
/// a command's own.
const GLOBAL: &str = "Global options";

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The store file, or a team store's postgres://USER@HOST[:PORT]/DB URL (password from PGPASSWORD or ~/.pgpass, never in the URL) [default: the config file's db, else the platform data directory, e.g. ~/.local/share/tokctl/tokctl.db]
    #[arg(long, global = true, help_heading = GLOBAL, env = "TOKCTL_DB", value_name = "PATH|URL")]
    pub db: Option<PathBuf>,

    /// Act as this tokctl user [default: your login name]
    // Its own id: clap merges arguments that share one, and `audit --actor`
    // (a filter) must never set who acts, nor the other way round.
    #[arg(
        long = "as",
        id = "acting_user",
        global = true,
        help_heading = GLOBAL,
        env = "TOKCTL_USER",
        value_name = "USER"
    )]
    pub actor: Option<String>,

    /// Colour in tables: auto (at a terminal, unless NO_COLOR is set), always, never
    #[arg(long, global = true, help_heading = GLOBAL, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Print only data and errors: no notes on stderr (warnings still show)
    #[arg(long, short, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    /// Show tables in full: cut no cell and drop no column to fit the terminal
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub wide: bool,

    /// Use the OS keyring: auto (when reachable), required, or off
    #[arg(long, global = true, help_heading = GLOBAL, env = "TOKCTL_KEYRING", value_name = "MODE", default_value = "auto",
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
    /// JSON Lines: one object per line.
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

/// A lone `--format` for commands that print data (`org list`, `user list`).
#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
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
        let mut flags: Vec<(usize, ScopePart)> = Vec::new();
        if let (Some(values), Some(indices)) = (
            matches.get_many::<Scope>(SCOPE_ID),
            matches.indices_of(SCOPE_ID),
        ) {
            flags.extend(indices.zip(values.cloned().map(ScopePart::Scope)));
        }
        if let (Some(values), Some(indices)) = (
            matches.get_many::<(String, Vec<String>)>(RESOURCE_ID),
            matches.indices_of(RESOURCE_ID),
        ) {
            flags.extend(
                indices.zip(
                    values
                        .cloned()
                        .map(|(resource, names)| ScopePart::Names { resource, names }),
                ),
            );
        }
        flags.sort_by_key(|(index, _)| *index);
        let scopes = compose_scopes(flags.into_iter().map(|(_, flag)| flag)).map_err(|err| {
            clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                composition_message(err),
            )
        })?;
        Ok(ScopeArgs { scopes })
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Says a composition problem in terms of the flags: `--resource` gives the
/// names, `--scope` the scopes they narrow.
fn composition_message(err: CompositionError) -> String {
    match err {
        CompositionError::NamesBeforeScope { resource, names } => {
            let shown = format!("{resource}={}", names.join(","));
            format!(
                "--resource {shown} comes before any --scope on '{resource}': \
                 put it after the --scope it narrows, e.g. --scope {resource}:read --resource {shown}"
            )
        }
        CompositionError::NoScopeForNames { resource, names } => {
            let shown = format!("{resource}={}", names.join(","));
            format!(
                "invalid resource '{resource}': no --scope names this resource; \
                 add --scope {resource}:ACTION before --resource {shown}"
            )
        }
        CompositionError::Narrowing { resource, source } => {
            format!("--resource on '{resource}': {}", reason_only(source))
        }
    }
}

/// `--scope`: `resource:action`, optionally narrowed, e.g. `repo:read[api,web]`.
pub fn parse_scope(text: &str) -> Result<Scope, String> {
    text.parse::<Scope>().map_err(reason_only)
}

/// `--expires`: a duration, a date, an RFC 3339 time, or `never`.
pub fn parse_expiry(text: &str) -> Result<Expiry, String> {
    text.parse::<Expiry>().map_err(reason_only)
}

/// A duration such as `30m`, `14d`, `6mo` or `1y`.
pub fn parse_span(text: &str) -> Result<Span, String> {
    text.parse::<Span>().map_err(reason_only)
}

/// A duration back from now (`90d`) or a date or time.
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

/// `--role`: owner, admin or member.
pub fn parse_role(text: &str) -> Result<Role, String> {
    text.parse::<Role>().map_err(reason_only)
}

/// `--kind`: personal or org.
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
