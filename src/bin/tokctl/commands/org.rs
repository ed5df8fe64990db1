//! `tokctl org add|list`.

use clap::{Args, Subcommand};
use tokctl::duration::Span;
use tokctl::ops::{policy_json, Session};
use tokctl::policy::{parse_allowed_scopes, MemberTokens, PolicyChange, ScopePattern};

use crate::cli::args::{parse_span, Format, FormatArg};
use crate::exit;
use crate::output::time_format::rfc3339;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an org; you become its owner
    #[command(after_help = "Example:\n  tokctl org add acme")]
    Add {
        /// The org's name
        name: String,
    },
    /// List orgs
    #[command(after_help = "Example:\n  tokctl org list --format json")]
    List(FormatArg),
    /// Show an org's token policy, or change it (owner only)
    #[command(after_help = "Examples:\n  tokctl org policy acme\n  \
        tokctl org policy acme --max-lifetime 1y --require-expiry \\\n      \
        --member-tokens deny --allowed-scopes 'repo:*,issues:read' \\\n      \
        --max-tokens 100\n  \
        tokctl org policy acme --member-tokens deny-except-service-accounts\n\n\
        Tokens that already exist are not changed: 'tokctl policy check' lists those that now break it.")]
    Policy(PolicyArgs),
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The org
    org: String,

    /// Longest a token may live from minting or rotation, e.g. 1y; 'none' for no limit
    #[arg(long, value_name = "DUR|none", value_parser = parse_optional_span)]
    max_lifetime: Option<OrNone<Span>>,

    /// Every token must expire
    #[arg(long, conflicts_with = "no_require_expiry")]
    require_expiry: bool,

    /// Tokens may be minted with --expires never (unless a max lifetime forbids it)
    #[arg(long)]
    no_require_expiry: bool,

    /// Whether plain members may hold personal tokens: allow, deny, or deny-except-service-accounts (people may not, service accounts may)
    #[arg(long, value_name = "allow|deny|deny-except-service-accounts", value_parser = parse_member_tokens)]
    member_tokens: Option<MemberTokens>,

    /// Scopes that may be granted: comma-separated patterns such as 'repo:*,issues:read,*:read'; '*' for any
    #[arg(long, value_name = "PATTERNS", value_parser = parse_patterns)]
    allowed_scopes: Option<OrNone<Vec<ScopePattern>>>,

    /// Most tokens the org may have (revoked and expired count until pruned); 'none' for no quota
    #[arg(long, value_name = "N|none", value_parser = parse_quota)]
    max_tokens: Option<OrNone<u32>>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// A setting's new value, or none (no limit). A newtype because clap gives
/// `Option<Option<T>>` a meaning of its own (a flag whose value is optional).
#[derive(Debug, Clone)]
pub struct OrNone<T>(Option<T>);

fn parse_optional_span(text: &str) -> Result<OrNone<Span>, String> {
    if text == "none" {
        return Ok(OrNone(None));
    }
    parse_span(text).map(|span| OrNone(Some(span)))
}

fn parse_member_tokens(text: &str) -> Result<MemberTokens, String> {
    text.parse()
        .map_err(|_| "expected allow, deny or deny-except-service-accounts".to_owned())
}

fn parse_patterns(text: &str) -> Result<OrNone<Vec<ScopePattern>>, String> {
    match parse_allowed_scopes(text) {
        Ok(patterns) => Ok(OrNone(patterns)),
        Err(tokctl::Error::InvalidInput { reason, value, .. }) => {
            Err(format!("'{value}': {reason}"))
        }
        Err(other) => Err(other.to_string()),
    }
}

fn parse_quota(text: &str) -> Result<OrNone<u32>, String> {
    if text == "none" {
        return Ok(OrNone(None));
    }
    text.parse::<u32>()
        .map(|n| OrNone(Some(n)))
        .map_err(|_| "expected a whole number or 'none'".to_owned())
}

pub fn run(ui: &Ui, session: &mut Session, command: OrgCommand) -> anyhow::Result<u8> {
    match command {
        OrgCommand::Add { name } => {
            let org = session.add_org(&name)?;
            // Unlike other commands' notes, this line has always shown
            // under --quiet; it still does.
            ui.stderr_line(format!(
                "added org '{}' with '{}' as its owner",
                org.name,
                session.actor_name()
            ));
        }
        OrgCommand::Policy(args) => {
            let change = PolicyChange {
                max_lifetime: args.max_lifetime.map(|OrNone(value)| value),
                require_expiry: match (args.require_expiry, args.no_require_expiry) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                member_tokens: args.member_tokens,
                allowed_scopes: args.allowed_scopes.map(|OrNone(value)| value),
                max_tokens: args.max_tokens.map(|OrNone(value)| value),
            };
            let policy = if change.is_empty() {
                session.org_policy(&args.org)?
            } else {
                let policy = session.set_org_policy(&args.org, &change)?;
                ui.note(format!(
                    "updated the policy of org '{}'; 'tokctl policy check --org {}' lists tokens that break it",
                    args.org, args.org
                ));
                policy
            };
            match args.format {
                Format::Json => ui.print_json(&policy_json(&policy))?,
                Format::Table => ui.print_table(
                    ui.fields(&[
                        (
                            "max lifetime",
                            policy
                                .max_lifetime
                                .map_or_else(|| "none".into(), |span| span.to_string()),
                        ),
                        (
                            "require expiry",
                            if policy.require_expiry {
                                "yes".into()
                            } else {
                                "no".into()
                            },
                        ),
                        ("member tokens", policy.member_tokens.as_str().into()),
                        ("allowed scopes", policy.allowed_scopes_text()),
                        (
                            "max tokens",
                            policy
                                .max_tokens
                                .map_or_else(|| "none".into(), |n| n.to_string()),
                        ),
                    ]),
                )?,
            }
        }
        OrgCommand::List(args) => {
            let orgs = session.list_orgs()?;
            match args.format {
                Format::Json => ui.print_json(&orgs)?,
                Format::Table => {
                    let mut rows = ui.table(&["name", "created"]);
                    for org in &orgs {
                        rows.add_row(vec![org.name.clone(), rfc3339(org.created_at)]);
                    }
                    ui.print_table(rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}
