//! `tokctl rotate`: a new secret for the same token, shown once.

use clap::Args;
use serde::Serialize;
use tokctl::duration::{Expiry, Span};
use tokctl::ops::{KeyringOutcome, RotateRequest, Session};

use crate::cli::args::{parse_expiry, parse_span, Format};
use crate::exit;
use crate::output::outcomes::{keyring_advice, keyring_note, keyring_word};
use crate::output::secret_print::{print_secret_json, print_secret_line};
use crate::output::time_format::rfc3339;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The token's id or name
    #[arg(value_name = "ID|NAME")]
    token: String,

    /// A new expiry (needed to rotate an expired token) [default: keep the current one]
    #[arg(long, value_name = "WHEN", value_parser = parse_expiry, allow_hyphen_values = true)]
    expires: Option<Expiry>,

    /// How long the old secret keeps working, so callers can switch over [default: it stops at once]
    #[arg(long, value_name = "DUR", value_parser = parse_span, allow_hyphen_values = true)]
    grace: Option<Span>,

    /// Look the name up in this org only
    #[arg(long)]
    org: Option<String>,

    /// If the expiry is beyond the org's max lifetime, use the maximum instead of refusing
    #[arg(long)]
    clamp_expiry: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct RotatedJson<'a> {
    token: TokenJson<'a>,
    secret: &'a str,
    old_secret_valid_until: Option<String>,
    keyring: &'a str,
}

pub fn run(ui: &Ui, session: &mut Session, args: RotateArgs) -> anyhow::Result<u8> {
    let rotated = session.rotate_token(RotateRequest {
        reference: args.token,
        org: args.org,
        expiry: args.expires,
        grace: args.grace,
        clamp_expiry: args.clamp_expiry,
    })?;
    let token = &rotated.token;
    ui.note(format!(
        "rotated token '{}' ({}) in org '{}'",
        token.name, token.id, token.org
    ));
    match rotated.old_secret_valid_until {
        Some(until) => ui.note(format!(
            "  the old secret keeps working until {}; any older secret has stopped working",
            rfc3339(until)
        )),
        None => ui.note("  every old secret has stopped working"),
    }
    ui.note(keyring_note(&rotated.keyring, token));
    match args.format {
        Format::Table => {
            ui.secret_banner(matches!(rotated.keyring, KeyringOutcome::Stored { .. }));
            print_secret_line(rotated.secret.expose())?;
        }
        Format::Json => print_secret_json(&RotatedJson {
            token: TokenJson::new(token, session.now()),
            secret: rotated.secret.expose(),
            old_secret_valid_until: rotated.old_secret_valid_until.map(rfc3339),
            keyring: keyring_word(&rotated.keyring),
        })?,
    }
    match &rotated.keyring {
        KeyringOutcome::Failed { error } => ui.keyring_warning(
            format!("could not save the new secret in the OS keyring ({error}); it holds no copy of the old one either: copy the new secret now"),
            keyring_advice(error),
        ),
        KeyringOutcome::Stale { error } => ui.keyring_warning(
            format!(
                "could not replace the secret of '{}' in the OS keyring ({error}): it may still hold the old secret, which no longer works ('tokctl secret' refuses it)",
                token.name
            ),
            keyring_advice(error),
        ),
        KeyringOutcome::Stored { .. } | KeyringOutcome::Off => {}
    }
    Ok(exit::SUCCESS)
}
