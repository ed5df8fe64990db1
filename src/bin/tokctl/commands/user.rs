//! `tokctl user add|edit|list|remove`: register people and service
//! accounts, change what is known about them, list them, offboard them.

mod import;

use clap::{Args, Subcommand};
use serde::Serialize;
use tokctl::model::{User, UserKind};
use tokctl::ops::{Session, UserEdit, UserProfile};

use crate::cli::args::{Format, ListFormat};
use crate::exit;
use crate::input::confirm;
use crate::output::outcomes::{
    outcome_format, print_outcomes, revoked_outcomes, warn_skipped, OutcomeJson,
};
use crate::output::time_format::rfc3339;
use crate::output::ui::Ui;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Register a person or a service account (needs admin in some org); add them to an org with 'tokctl member add'
    #[command(after_help = "Examples:\n  \
        tokctl user add alice --display-name 'Alice Liddell' --email alice@example.com\n  \
        tokctl member add --org acme --user alice --role member\n  \
        tokctl user add deploy-bot --service --email platform@example.com")]
    Add(AddArgs),
    /// Change a user's display name, e-mail address or kind, or restore a removed user (needs admin in some org)
    #[command(after_help = "Examples:\n  tokctl user edit deploy-bot --service\n  \
        tokctl user edit alice --email alice@new.example --no-display-name\n  \
        tokctl user edit bob --restore\n\n\
        A restored user may act again and be added to orgs; their memberships are not given back.")]
    Edit(EditArgs),
    /// Add or update users and memberships from a directory file (CSV or JSON Lines), in one go
    #[command(
        after_help = "Examples:\n  tokctl user import people.csv --dry-run\n  \
        tokctl user import people.csv --yes\n  \
        hr-export | tokctl user import - --input-format jsonl --yes --format json\n\n\
        Columns (CSV header, or JSON keys): login, display_name, email, org, role, service.\n\
        Only login is required; an empty or missing value leaves what the store has.\n\
        One row per login; the org must exist; role defaults to member for a new membership.\n\
        Nothing is removed. Every bad row is listed with its line number and nothing is\n\
        written (exit 2)."
    )]
    Import(import::ImportArgs),
    /// List users: active ones, or with --all removed ones too
    #[command(
        after_help = "Examples:\n  tokctl user list\n  tokctl user list --all --format json"
    )]
    List(ListArgs),
    /// Offboard a user: revoke all their personal tokens in every org, remove their memberships, mark them removed
    #[command(
        visible_alias = "offboard",
        after_help = "Org tokens they made are left alone: they belong to the org. So are service\n\
            accounts they registered and the tokens those hold: a service account is\n\
            offboarded only by name.\n\n\
            Example:\n  tokctl user remove bob --dry-run\n  tokctl user remove bob --yes"
    )]
    Remove {
        /// The user's login name
        name: String,
        /// Show what would happen, and change nothing
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation (needed outside a terminal)
        #[arg(long, short)]
        yes: bool,
        /// Output format of what a real run did: json or jsonl, one record per token
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The user's login name (on a team store, their database login)
    name: String,
    /// A name for people to read, e.g. 'Alice Liddell'
    #[arg(long, value_name = "NAME")]
    display_name: Option<String>,
    /// An e-mail address
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,
    /// A service account (a pipeline, a bot), not a person
    #[arg(long)]
    service: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The user's login name
    name: String,
    /// A new display name
    #[arg(long, value_name = "NAME", conflicts_with = "no_display_name")]
    display_name: Option<String>,
    /// Remove the display name
    #[arg(long)]
    no_display_name: bool,
    /// A new e-mail address
    #[arg(long, value_name = "ADDRESS", conflicts_with = "no_email")]
    email: Option<String>,
    /// Remove the e-mail address
    #[arg(long)]
    no_email: bool,
    /// Mark the user a service account
    #[arg(long, conflicts_with = "person")]
    service: bool,
    /// Mark the user a person (not a service account)
    #[arg(long)]
    person: bool,
    /// Make a removed (offboarded) user active again
    #[arg(long)]
    restore: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include removed (offboarded) users
    #[arg(long)]
    all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The JSON form of a user (docs/json.md).
#[derive(Debug, Serialize)]
pub struct UserJson<'a> {
    pub name: &'a str,
    pub created_at: String,
    pub display_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub kind: &'static str,
    pub status: &'static str,
    pub removed_at: Option<String>,
}

impl<'a> UserJson<'a> {
    pub fn new(user: &'a User) -> Self {
        UserJson {
            name: &user.name,
            created_at: rfc3339(user.created_at),
            display_name: user.display_name.as_deref(),
            email: user.email.as_deref(),
            kind: user.kind.as_str(),
            status: user.status().as_str(),
            removed_at: user.removed_at.map(rfc3339),
        }
    }
}

#[derive(Serialize)]
struct UserEditedJson<'a> {
    user: UserJson<'a>,
    changed: &'a [&'static str],
}

pub fn run(ui: &Ui, session: &mut Session, command: UserCommand) -> anyhow::Result<u8> {
    match command {
        UserCommand::Add(args) => {
            let profile = UserProfile {
                display_name: args.display_name,
                email: args.email,
                kind: if args.service {
                    UserKind::Service
                } else {
                    UserKind::Person
                },
            };
            let user = session.add_user_with(&args.name, &profile)?;
            let what = match user.kind {
                UserKind::Service => "service account",
                UserKind::Person => "user",
            };
            ui.note(format!("added {what} '{}'", user.name));
        }
        UserCommand::Edit(args) => return edit(ui, session, args),
        UserCommand::Import(args) => return import::run(ui, session, args),
        UserCommand::Remove {
            name,
            dry_run,
            yes,
            format,
        } => {
            return remove(ui, session, &name, dry_run, yes, format);
        }
        UserCommand::List(args) => {
            let users = session.list_users(args.all)?;
            match args.format {
                Format::Json => {
                    ui.print_json(&users.iter().map(UserJson::new).collect::<Vec<_>>())?
                }
                Format::Table => {
                    let mut rows =
                        ui.table(&["name", "kind", "status", "display name", "email", "created"]);
                    for user in &users {
                        rows.add_row(vec![
                            user.name.clone(),
                            user.kind.as_str().to_owned(),
                            user.status().as_str().to_owned(),
                            user.display_name.clone().unwrap_or_else(|| "-".into()),
                            user.email.clone().unwrap_or_else(|| "-".into()),
                            rfc3339(user.created_at),
                        ]);
                    }
                    ui.print_table(rows)?;
                }
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// `user edit`: one library call, then what changed.
fn edit(ui: &Ui, session: &mut Session, args: EditArgs) -> anyhow::Result<u8> {
    let edit = UserEdit {
        display_name: match (args.display_name, args.no_display_name) {
            (Some(name), _) => Some(Some(name)),
            (None, true) => Some(None),
            (None, false) => None,
        },
        email: match (args.email, args.no_email) {
            (Some(email), _) => Some(Some(email)),
            (None, true) => Some(None),
            (None, false) => None,
        },
        kind: match (args.service, args.person) {
            (true, _) => Some(UserKind::Service),
            (_, true) => Some(UserKind::Person),
            _ => None,
        },
        restore: args.restore,
    };
    if edit == UserEdit::default() {
        anyhow::bail!(crate::hints::Usage::new(
            "nothing to change",
            "give --display-name, --email, --service, --person or --restore",
        ));
    }
    let done = session.edit_user(&args.name, &edit)?;
    ui.note(format!(
        "changed user '{}': {}",
        done.after.name,
        done.changed.join(", ")
    ));
    if args.format == Format::Json {
        ui.print_json(&UserEditedJson {
            user: UserJson::new(&done.after),
            changed: &done.changed,
        })?;
    }
    Ok(exit::SUCCESS)
}

/// Offboarding: the plan fixes the memberships and the token ids; the dry
/// run shows them, the prompt counts them, and the real run acts on exactly
/// them.
fn remove(
    ui: &Ui,
    session: &mut Session,
    name: &str,
    dry_run: bool,
    yes: bool,
    format: ListFormat,
) -> anyhow::Result<u8> {
    let format = if dry_run {
        None
    } else {
        outcome_format(format)?
    };
    let plan = session.plan_offboard(name)?;
    if dry_run {
        for token in &plan.tokens {
            ui.note(format!(
                "would revoke '{}' ({}) in org '{}'",
                token.name, token.id, token.org
            ));
        }
        ui.note(format!(
            "dry run: would remove '{}' from {} org(s) ({}) and mark them removed; would revoke {} personal token(s); org tokens untouched",
            plan.user,
            plan.orgs.len(),
            plan.orgs.join(", "),
            plan.tokens.len()
        ));
        return Ok(exit::SUCCESS);
    }
    let what = format!(
        "remove '{name}' from {} org(s) and revoke {} personal token(s)",
        plan.orgs.len(),
        plan.tokens.len()
    );
    if !confirm(ui, yes, &what)? {
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let done = session.offboard_planned(&plan)?;
    warn_skipped(ui, &done.skipped);
    for item in &done.revoked {
        ui.note(format!(
            "revoked '{}' ({}) in org '{}'",
            item.token.name, item.token.id, item.token.org
        ));
    }
    ui.note(format!(
        "removed '{}' from {} org(s) ({}) and marked them removed; revoked {} personal token(s); org tokens untouched",
        done.user,
        done.orgs.len(),
        done.orgs.join(", "),
        done.revoked.len()
    ));
    // What appeared after the plan was not confirmed, so it was not touched;
    // say so loudly: a leaver's token that still works is the thing
    // offboarding exists to prevent.
    for token in &done.unplanned_tokens {
        ui.warning(format!(
            "'{}' minted token '{}' ({}) in org '{}' after the plan; it was not revoked",
            done.user, token.name, token.id, token.org
        ));
    }
    for org in &done.unplanned_orgs {
        ui.warning(format!(
            "'{}' joined org '{org}' after the plan; that membership was not removed",
            done.user
        ));
    }
    if !done.unplanned_tokens.is_empty() || !done.unplanned_orgs.is_empty() {
        ui.hint(format!("run 'tokctl user remove {}' again", done.user));
    }
    let mut outcomes = revoked_outcomes(&done.revoked, &done.skipped);
    outcomes.extend(
        done.unplanned_tokens
            .iter()
            .map(|token| OutcomeJson::new(token, "not_planned")),
    );
    print_outcomes(ui, format, &outcomes, "revoked")?;
    Ok(exit::SUCCESS)
}
