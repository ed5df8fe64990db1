//! `tokctl revoke`: revoke tokens by id or name, all or none.

use clap::Args;
use tokctl::ops::{RevokeOutcome, Session};

use crate::exit;

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// Ids or names of the tokens to revoke
    #[arg(value_name = "ID|NAME", required = true)]
    tokens: Vec<String>,

    /// Why, recorded with the revocation
    #[arg(long)]
    reason: Option<String>,

    /// Look names up in this org only
    #[arg(long)]
    org: Option<String>,
}

pub fn run(session: &mut Session, args: RevokeArgs) -> anyhow::Result<u8> {
    let revoked =
        session.revoke_tokens(&args.tokens, args.org.as_deref(), args.reason.as_deref())?;
    for item in &revoked {
        let token = &item.token;
        if item.newly {
            eprintln!(
                "revoked token '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            );
        } else {
            eprintln!(
                "token '{}' ({}) was already revoked; nothing changed",
                token.name, token.id
            );
        }
        match &item.keyring {
            RevokeOutcome::Deleted => eprintln!("  removed its secret from the OS keyring"),
            RevokeOutcome::Missing => {
                eprintln!(
                    "warning: its secret was not in the OS keyring (already removed, or never stored here)"
                )
            }
            RevokeOutcome::Failed(err) => {
                eprintln!("warning: could not remove its secret from the OS keyring: {err}")
            }
            RevokeOutcome::Untouched => {}
        }
    }
    Ok(exit::SUCCESS)
}
