//! `tokctl edit`: change a token's name, description, expiry or scopes
//! without a new secret.

use clap::Args;
use serde::Serialize;
use tokctl::duration::Expiry;
use tokctl::ops::{EditRequest, Session};

use crate::cli::args::{parse_expiry, Format, ScopeArgs};
use crate::exit;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The token's id or name
    #[arg(value_name = "ID|NAME")]
    token: String,

    /// A new name, unique among the owner's live tokens
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// A new description
    #[arg(long, conflicts_with = "no_description")]
    description: Option<String>,

    /// Remove the description
    #[arg(long)]
    no_description: bool,

    /// A new expiry: earlier always; later (or never) only within the org's policy
    #[arg(long, value_name = "WHEN", value_parser = parse_expiry, allow_hyphen_values = true)]
    expires: Option<Expiry>,

    /// The token's scopes from now on (all of them): each one held already,
    /// or narrower; a wider scope needs a new token
    #[command(flatten)]
    scopes: ScopeArgs,

    /// If a later expiry is beyond the org's max lifetime, use the maximum instead of refusing
    #[arg(long, requires = "expires")]
    clamp_expiry: bool,

    /// Look the name up in this org only
    #[arg(long)]
    org: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct EditedJson<'a> {
    token: TokenJson<'a>,
    changed: &'a [&'static str],
}

pub fn run(ui: &Ui, session: &mut Session, args: EditArgs) -> anyhow::Result<u8> {
    let description = match (args.description, args.no_description) {
        (_, true) => Some(None),
        (Some(text), false) => Some(Some(text)),
        (None, false) => None,
    };
    let edited = session.edit_token(EditRequest {
        reference: args.token,
        org: args.org,
        name: args.name,
        description,
        expiry: args.expires,
        scopes: (!args.scopes.scopes.is_empty()).then_some(args.scopes.scopes),
        clamp_expiry: args.clamp_expiry,
    })?;
    let token = &edited.after;
    if edited.changed.is_empty() {
        ui.note(format!(
            "token '{}' ({}) already is as asked; nothing changed",
            token.name, token.id
        ));
    } else {
        ui.note(format!(
            "edited token '{}' ({}) in org '{}': {}",
            token.name,
            token.id,
            token.org,
            edited.changed.join(", ")
        ));
    }
    match args.format {
        Format::Table => ui.print_table(crate::output::token_rows::token_fields(
            ui,
            token,
            session.now(),
        ))?,
        Format::Json => ui.print_json(&EditedJson {
            token: TokenJson::new(token, session.now()),
            changed: &edited.changed,
        })?,
    }
    Ok(exit::SUCCESS)
}
