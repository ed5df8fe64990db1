//! `tokctl team init|grant|revoke`: setting up a team store (PostgreSQL)
//! and giving database logins access to it. Run by the database's owner or
//! a superuser, as themselves (`--db postgres://THEM@HOST/DB`); no tokctl
//! user is involved, so no session is opened.

use clap::Subcommand;
use tokctl::store::{TeamAdmin, TeamRole, TEAM_SCHEMA_VERSION};

use crate::exit;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Set up the team store in this database, or upgrade it (database owner or superuser; idempotent)
    #[command(
        after_help = "Example:\n  tokctl --db postgres://postgres@db.internal/tokens team init\n\n\
        Creates the group roles tokctl_owner (owns the schema; nobody logs in as it),\n\
        tokctl_user and tokctl_verifier, the schema tokctl with its tables, row-level\n\
        security, triggers and functions, and the grants. Running it again changes nothing\n\
        or runs the newer migrations."
    )]
    Init,
    /// Let a database login use tokctl here (or, with --verifier, only verify tokens)
    #[command(
        after_help = "Examples:\n  tokctl --db postgres://postgres@db.internal/tokens team grant alice\n  \
        tokctl --db postgres://postgres@db.internal/tokens \\\n      \
        team grant api-gateway --verifier\n\n\
        What alice may then do depends on her tokctl role in each org ('tokctl member add')."
    )]
    Grant {
        /// The database login
        login: String,
        /// Only verify tokens (tokctl_verifier): no table is readable
        #[arg(long)]
        verifier: bool,
    },
    /// Take a database login's access to tokctl away (both group roles)
    #[command(
        after_help = "Example:\n  tokctl --db postgres://postgres@db.internal/tokens team revoke bob\n\n\
        Their tokctl user, memberships and tokens stay: offboard with 'tokctl user remove'."
    )]
    Revoke {
        /// The database login
        login: String,
    },
}

pub fn run(ui: &Ui, mut admin: TeamAdmin, command: TeamCommand) -> anyhow::Result<u8> {
    match command {
        TeamCommand::Init => {
            let done = admin.init()?;
            if done.from_version == 0 {
                ui.note(format!(
                    "created a new tokctl team store (schema version {TEAM_SCHEMA_VERSION}); \
                     grant logins access with 'tokctl team grant LOGIN'"
                ));
            } else if done.from_version < done.to_version {
                ui.note(format!(
                    "upgraded the team store from schema version {} to {}",
                    done.from_version, done.to_version
                ));
            } else {
                ui.note(format!(
                    "the team store is up to date (schema version {}); grants renewed",
                    done.to_version
                ));
            }
        }
        TeamCommand::Grant { login, verifier } => {
            let role = if verifier {
                TeamRole::Verifier
            } else {
                TeamRole::User
            };
            admin.grant(&login, role)?;
            ui.note(format!("granted {} to '{login}'", role.group()));
        }
        TeamCommand::Revoke { login } => {
            admin.revoke(&login)?;
            ui.note(format!(
                "revoked tokctl_user and tokctl_verifier from '{login}'"
            ));
        }
    }
    Ok(exit::SUCCESS)
}
