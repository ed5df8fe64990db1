//! `tokctl create`: mint a token and show its secret once.

use clap::Args;
use serde::Serialize;
use tokctl::duration::Expiry;
use tokctl::model::Token;
use tokctl::ops::{CreateRequest, KeyringOutcome, OwnerChoice, Session};

use crate::cli::{parse_expiry, Format, ScopeArgs};
use crate::exit;
use crate::output::{note, print_json, print_line, rfc3339, TokenJson};

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A descriptive name, unique among the owner's live tokens [default: generated, e.g. repo-read-2026-11-22]
    #[arg(long)]
    name: Option<String>,

    /// What the token is for, so nobody has to guess in five years
    #[arg(long)]
    description: Option<String>,

    #[command(flatten)]
    scopes: ScopeArgs,

    /// When it expires: a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time, or never
    #[arg(long, value_name = "WHEN", value_parser = parse_expiry, allow_hyphen_values = true)]
    expires: Option<Expiry>,

    /// The org [default: your only org]
    #[arg(long)]
    org: Option<String>,

    /// Mint a personal token for this user instead of yourself (needs admin)
    #[arg(long, value_name = "USER", conflicts_with = "org_token")]
    user: Option<String>,

    /// Mint an org token, owned by the org rather than a person (needs admin)
    #[arg(long)]
    org_token: bool,

    /// If the expiry is beyond the org's max lifetime, use the maximum instead of refusing
    #[arg(long)]
    clamp_expiry: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct CreatedJson<'a> {
    token: TokenJson<'a>,
    secret: &'a str,
    keyring: &'a str,
}

pub fn run(session: &mut Session, args: CreateArgs) -> anyhow::Result<u8> {
    let owner = match (args.org_token, args.user) {
        (true, _) => OwnerChoice::Org,
        (false, Some(user)) => OwnerChoice::User(user),
        (false, None) => OwnerChoice::Me,
    };
    let created = session.create_token(CreateRequest {
        org: args.org,
        owner,
        name: args.name,
        description: args.description,
        scopes: args.scopes.scopes,
        expiry: args.expires,
        resources: args.scopes.resources,
        clamp_expiry: args.clamp_expiry,
    })?;
    let token = &created.token;

    // Metadata and warnings go to stderr; stdout holds only the secret (or the JSON).
    let owner = token
        .owner
        .as_deref()
        .map_or_else(|| "the org".to_owned(), |o| format!("'{o}'"));
    note(format!(
        "created {} token '{}' ({}) in org '{}', owned by {owner}",
        token.kind.as_str(),
        token.name,
        token.id,
        token.org
    ));
    note(format!(
        "  scopes: {}; expires: {}",
        token.scopes,
        token.expires_at.map_or_else(|| "never".into(), rfc3339)
    ));
    if created.expiry_clamped {
        note("  the expiry was cut to the org's max lifetime (--clamp-expiry)");
    }
    note(keyring_note(&created.keyring, token));
    if let KeyringOutcome::Failed { error } = &created.keyring {
        eprintln!("warning: could not save the secret in the OS keyring: {error}");
        eprintln!("warning: copy it now: this output is the only place it exists");
    }
    match args.format {
        Format::Table => print_line(created.secret.expose())?,
        Format::Json => print_json(&CreatedJson {
            token: TokenJson::new(token, session.now()),
            secret: created.secret.expose(),
            keyring: keyring_word(&created.keyring),
        })?,
    }
    Ok(exit::SUCCESS)
}

/// The stable JSON word for where the secret went.
pub fn keyring_word(outcome: &KeyringOutcome) -> &'static str {
    match outcome {
        KeyringOutcome::Stored { .. } => "stored",
        KeyringOutcome::Failed { .. } => "failed",
        KeyringOutcome::Off => "off",
    }
}

/// The note that says where a new secret went, and that it is shown once.
pub fn keyring_note(outcome: &KeyringOutcome, token: &Token) -> String {
    let place = match outcome {
        KeyringOutcome::Stored { backend } => format!(
            "the secret is saved in the OS keyring ({backend}); read it back with 'tokctl secret {}'",
            token.id
        ),
        KeyringOutcome::Failed { .. } => "the secret is not saved anywhere".to_owned(),
        KeyringOutcome::Off => "the keyring is off: this output is the only place the secret exists".to_owned(),
    };
    format!("  {place}\n  this secret will not be shown again")
}
