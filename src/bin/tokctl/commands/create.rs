//! `tokctl create`: mint a token (or `--count` of them, all or none) and
//! show its secret once.

use clap::Args;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, MultiSelect, Select};
use serde::Serialize;
use tokctl::duration::Expiry;
use tokctl::model::validate_token_name;
use tokctl::ops::{CreateRequest, Created, KeyringOutcome, OwnerChoice, Session};

use crate::cli::args::{parse_expiry, parse_scope, Format, ScopeArgs};
use crate::config::CreateDefaults;
use crate::exit;
use crate::output::outcomes::{keyring_advice, keyring_note, keyring_word};
use crate::output::secret_print::{print_secret_json, print_secret_line};
use crate::output::time_format::rfc3339;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// A descriptive name, unique among the owner's live tokens [default: generated, e.g. repo-read-2026-11-22]
    #[arg(long)]
    name: Option<String>,

    /// What the token is for, so nobody has to guess in five years
    #[arg(long)]
    description: Option<String>,

    #[command(flatten)]
    pub(crate) scopes: ScopeArgs,

    /// When it expires: a duration (12h, 90d, 2w, 6mo, 1y), a date (2027-01-31), an RFC 3339 time, or never
    #[arg(long, value_name = "WHEN", value_parser = parse_expiry, allow_hyphen_values = true)]
    expires: Option<Expiry>,

    /// The org [default: the config file's org, else your only org]
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

    /// Mint N tokens alike in one go, all or none (named NAME-1 to NAME-N with --name); their secrets print one per line, in order
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    count: u16,

    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl CreateArgs {
    /// Fills in what the flags left out from the config file: the org, the
    /// expiry and the scopes (all of them, only when no --scope is given).
    pub fn with_defaults(mut self, org: Option<&str>, defaults: &CreateDefaults) -> Self {
        if self.org.is_none() {
            self.org = org.map(str::to_owned);
        }
        if self.expires.is_none() {
            self.expires = defaults.expires.as_ref().map(|(expiry, _)| *expiry);
        }
        if self.scopes.scopes.is_empty() {
            if let Some(scopes) = &defaults.scopes {
                self.scopes.scopes = scopes.clone();
            }
        }
        self
    }
}

#[derive(Serialize)]
struct CreatedJson<'a> {
    token: TokenJson<'a>,
    secret: &'a str,
    keyring: &'a str,
}

pub fn run(ui: &Ui, session: &mut Session, mut args: CreateArgs) -> anyhow::Result<u8> {
    let missing = args.name.is_none() || args.scopes.scopes.is_empty() || args.expires.is_none();
    // Prompt only for a person at a terminal; elsewhere a missing value is a clear error.
    if missing && crate::input::at_terminal() && !prompt_for_missing(ui, session, &mut args)? {
        ui.note("nothing was created");
        return Ok(exit::CONFIRMATION_REQUIRED);
    }
    let owner = match (args.org_token, args.user) {
        (true, _) => OwnerChoice::Org,
        (false, Some(user)) => OwnerChoice::User(user),
        (false, None) => OwnerChoice::Me,
    };
    let request = CreateRequest {
        org: args.org,
        owner,
        name: args.name,
        description: args.description,
        scopes: args.scopes.scopes,
        expiry: args.expires,
        clamp_expiry: args.clamp_expiry,
    };
    let all = if args.count == 1 {
        vec![session.create_token(request)?]
    } else {
        // NAME-1 … NAME-N, or a generated name each.
        let requests = (1..=args.count)
            .map(|n| CreateRequest {
                name: request.name.as_ref().map(|name| format!("{name}-{n}")),
                ..request.clone()
            })
            .collect();
        session.create_tokens(requests)?
    };
    for created in &all {
        report(ui, created);
    }
    match args.format {
        Format::Table => {
            let kept = all
                .iter()
                .all(|created| matches!(created.keyring, KeyringOutcome::Stored { .. }));
            ui.secret_banner(kept);
            for created in &all {
                print_secret_line(created.secret.expose())?;
            }
        }
        Format::Json => {
            let values: Vec<CreatedJson<'_>> = all
                .iter()
                .map(|created| CreatedJson {
                    token: TokenJson::new(&created.token, session.now()),
                    secret: created.secret.expose(),
                    keyring: keyring_word(&created.keyring),
                })
                .collect();
            match values.as_slice() {
                [one] if args.count == 1 => print_secret_json(one)?,
                _ => print_secret_json(&values)?,
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// What was made, on stderr: stdout holds only the secrets (or the JSON).
fn report(ui: &Ui, created: &Created) {
    let token = &created.token;
    let owner = token
        .owner
        .as_deref()
        .map_or_else(|| "the org".to_owned(), |o| format!("'{o}'"));
    ui.note(format!(
        "created {} token '{}' ({}) in org '{}', owned by {owner}",
        token.kind.as_str(),
        token.name,
        token.id,
        token.org
    ));
    ui.note(format!(
        "  scopes: {}; expires: {}",
        token.scopes,
        token.expires_at.map_or_else(|| "never".into(), rfc3339)
    ));
    if created.expiry_clamped {
        ui.note("  the expiry was cut to the org's max lifetime (--clamp-expiry)");
    }
    ui.note(keyring_note(&created.keyring, token));
    if let KeyringOutcome::Failed { error } | KeyringOutcome::Stale { error } = &created.keyring {
        ui.keyring_warning(
            format!("could not save the secret in the OS keyring ({error}): copy it now, this output is the only place it exists"),
            keyring_advice(error),
        );
    }
}

/// Asks for the name, scopes and expiry that the command line left out, then
/// for confirmation of a summary. Returns false when the person declines.
fn prompt_for_missing(ui: &Ui, session: &Session, args: &mut CreateArgs) -> anyhow::Result<bool> {
    crate::input::restore_terminal_on_interrupt();
    let theme = ColorfulTheme::default();
    let choices = session.create_choices(args.org.as_deref())?;
    if args.name.is_none() {
        let name: String = Input::with_theme(&theme)
            .with_prompt("Name (say what the token is for; Enter for a generated one)")
            .allow_empty(true)
            .validate_with(|input: &String| {
                if input.is_empty() {
                    return Ok(());
                }
                validate_token_name(input).map_err(|err| err.to_string())
            })
            .interact_text()?;
        // Empty: the library picks a readable, unique name (repo-read-2026-11-22).
        args.name = (!name.is_empty()).then_some(name);
    }
    if args.description.is_none() {
        let description: String = Input::with_theme(&theme)
            .with_prompt("Description (who uses it, where, why; Enter to skip)")
            .allow_empty(true)
            .interact_text()?;
        args.description = (!description.trim().is_empty()).then(|| description.trim().to_owned());
    }
    if args.scopes.scopes.is_empty() {
        let mut labels: Vec<String> = choices.scopes.iter().map(ToString::to_string).collect();
        labels.push("other… (type them)".into());
        loop {
            let picked = MultiSelect::with_theme(&theme)
                .with_prompt(format!(
                    "Scopes allowed in org '{}' (space to pick, enter to accept)",
                    choices.org
                ))
                .items(&labels)
                .interact()?;
            for index in &picked {
                if let Some(scope) = choices.scopes.get(*index) {
                    args.scopes.scopes.push(scope.clone());
                }
            }
            if picked.contains(&choices.scopes.len()) {
                let typed: String = Input::with_theme(&theme)
                    .with_prompt("Scopes (resource:action, separated by spaces)")
                    .validate_with(|input: &String| {
                        input
                            .split_whitespace()
                            .try_for_each(|scope| parse_scope(scope).map(|_| ()))
                    })
                    .interact_text()?;
                for scope in typed.split_whitespace() {
                    args.scopes
                        .scopes
                        .push(parse_scope(scope).map_err(anyhow::Error::msg)?);
                }
            }
            if !args.scopes.scopes.is_empty() {
                break;
            }
            ui.stderr_line("pick at least one scope (space selects)");
        }
    }
    if args.expires.is_none() {
        let mut options = vec![
            ("7 days", "7d"),
            ("30 days", "30d"),
            ("90 days", "90d"),
            ("1 year", "1y"),
            ("custom…", ""),
        ];
        if choices.policy.allows_never_expiring() {
            options.push(("never (not recommended)", "never"));
        }
        let labels: Vec<&str> = options.iter().map(|(label, _)| *label).collect();
        let picked = Select::with_theme(&theme)
            .with_prompt("Expires in")
            .items(&labels)
            .default(2)
            .interact()?;
        let text = match options[picked].1 {
            "" => Input::<String>::with_theme(&theme)
                .with_prompt("Expires (a duration like 45d, or a date like 2027-06-30)")
                .validate_with(|input: &String| parse_expiry(input).map(|_| ()))
                .interact_text()?,
            preset => preset.to_owned(),
        };
        args.expires = Some(parse_expiry(&text).map_err(anyhow::Error::msg)?);
    }
    let kind = if args.org_token { "org" } else { "personal" };
    let scopes: Vec<String> = args.scopes.scopes.iter().map(ToString::to_string).collect();
    let what = match (args.count, args.name.as_deref()) {
        (1, Some(name)) => format!("{kind} token '{name}'"),
        (1, None) => format!("{kind} token '(generated name)'"),
        (count, Some(name)) => format!("{count} {kind} tokens '{name}-1' … '{name}-{count}'"),
        (count, None) => format!("{count} {kind} tokens (generated names)"),
    };
    let summary = format!(
        "Create {what} in org '{}' with {}, expiring {}?",
        choices.org,
        scopes.join(" "),
        args.expires
            .map_or_else(String::new, |expiry| match expiry {
                Expiry::Never => "never".to_owned(),
                Expiry::In(span) => format!("in {span}"),
                Expiry::At(at) => format!("at {}", rfc3339(at)),
            })
    );
    Ok(Confirm::with_theme(&theme)
        .with_prompt(summary)
        .default(true)
        .interact()?)
}
