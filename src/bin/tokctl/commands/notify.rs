//! `tokctl notify`: tell the people who look after tokens that expire soon,
//! one message each, through a sendmail-compatible program or as JSON Lines
//! for another notifier; what went out is remembered, so a nightly run does
//! not repeat itself.

use std::io::Write as _;

use clap::{Args, ValueEnum};
use serde::Serialize;
use tokctl::duration::Span;
use tokctl::ops::{Reminder, ReminderChannel, ReminderPlan, ReminderRequest, Session};

use crate::cli::args::parse_span;
use crate::exit;
use crate::hints::Usage;
use crate::mail::{self, Envelope, MailProgram};
use crate::output::time_format::rfc3339;
use crate::output::token_rows::TokenJson;
use crate::output::ui::Ui;

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// Remind of active tokens expiring within DUR; also the threshold reminders are remembered under (7d and 1d remind twice)
    #[arg(long, value_name = "DUR", value_parser = parse_span)]
    expiring: Span,

    /// Hand each reminder to this sendmail-compatible program, e.g. '/usr/sbin/sendmail -t': split into words as a shell would but run directly, the message on its stdin with the recipient in To:, its exit status saying whether it was accepted
    #[arg(long, value_name = "COMMAND")]
    sendmail: Option<String>,

    /// The From: address of the mails [default: none given: the mail program sets it, usually to the account running tokctl]
    #[arg(long, value_name = "ADDRESS", requires = "sendmail")]
    from: Option<String>,

    /// Only this org (default: every org you administer)
    #[arg(long)]
    org: Option<String>,

    /// Show what would be sent; send nothing and remember nothing
    #[arg(long)]
    dry_run: bool,

    /// Remind again of tokens reminded of before at this threshold
    #[arg(long)]
    resend: bool,

    /// Output format: a table of who got what, or one reminder per line as JSON for another notifier (then handed over and remembered without --sendmail)
    #[arg(long, value_enum, default_value_t)]
    format: NotifyFormat,
}

/// What `notify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum NotifyFormat {
    /// A table of recipients and outcomes.
    #[default]
    Table,
    /// JSON Lines: one reminder per recipient (see docs/json.md).
    Jsonl,
}

/// One reminder as JSON Lines (docs/json.md).
#[derive(Serialize)]
struct ReminderJson<'a> {
    recipient: &'a str,
    display_name: Option<&'a str>,
    email: Option<&'a str>,
    kind: &'static str,
    threshold: String,
    at: String,
    tokens: Vec<ReminderTokenJson<'a>>,
}

#[derive(Serialize)]
struct ReminderTokenJson<'a> {
    #[serde(flatten)]
    token: TokenJson<'a>,
    reason: &'static str,
}

impl<'a> ReminderJson<'a> {
    fn new(reminder: &'a Reminder, plan: &ReminderPlan) -> Self {
        let recipient = &reminder.recipient;
        ReminderJson {
            recipient: &recipient.name,
            display_name: recipient.display_name.as_deref(),
            email: recipient.email.as_deref(),
            kind: recipient.kind.as_str(),
            threshold: plan.threshold.to_string(),
            at: rfc3339(plan.at),
            tokens: reminder
                .tokens
                .iter()
                .map(|reminded| ReminderTokenJson {
                    token: TokenJson::new(&reminded.token, plan.at),
                    reason: reminded.reason.as_str(),
                })
                .collect(),
        }
    }
}

/// What became of one reminder.
enum Outcome {
    Sent,
    WouldSend,
    NoAddress,
    UnusableAddress,
    Failed(String),
}

impl Outcome {
    fn label(&self) -> String {
        match self {
            Outcome::Sent => "sent".into(),
            Outcome::WouldSend => "would send".into(),
            Outcome::NoAddress => "no e-mail address".into(),
            Outcome::UnusableAddress => "unusable e-mail address".into(),
            Outcome::Failed(why) => format!("failed: {why}"),
        }
    }
}

pub fn run(ui: &Ui, session: &mut Session, args: NotifyArgs) -> anyhow::Result<u8> {
    let program = match (&args.sendmail, args.format) {
        (Some(_), NotifyFormat::Jsonl) => anyhow::bail!(Usage::new(
            "--sendmail and --format jsonl are two ways to hand reminders over; pick one",
            "mail them with --sendmail, or print them with --format jsonl for another notifier",
        )),
        (Some(command), NotifyFormat::Table) => Some(
            MailProgram::parse(command, std::env::var_os("PATH").as_deref()).map_err(|problem| {
                Usage::new(
                    problem.to_string(),
                    "give the full path of a sendmail-compatible program, e.g. --sendmail '/usr/sbin/sendmail -t'",
                )
            })?,
        ),
        (None, NotifyFormat::Table) if !args.dry_run => anyhow::bail!(Usage::new(
            "say how to hand the reminders over",
            "mail them with --sendmail '/usr/sbin/sendmail -t', print them with --format jsonl, \
             or look first with --dry-run",
        )),
        (None, _) => None,
    };
    if let Some(from) = &args.from {
        if !mail::usable_address(from) {
            anyhow::bail!(Usage::new(
                format!("--from {from}: not an address a mail header can hold"),
                "give a plain address such as --from tokctl@example.com",
            ));
        }
    }
    let plan = session.plan_reminders(&ReminderRequest {
        within: args.expiring,
        org: args.org,
        resend: args.resend,
    })?;
    for reminder in &plan.reminders {
        let name = &reminder.recipient.name;
        let tokens = plural(reminder.tokens.len(), "token");
        match reminder.address() {
            None => ui.warning(format!(
                "{name} has no e-mail address: not reminded of {tokens} \
                 (an admin adds one with 'tokctl user edit {name} --email ADDRESS')"
            )),
            Some(address) if program.is_some() && !mail::usable_address(address) => {
                ui.warning(format!(
                    "{name}'s e-mail address {address:?} cannot be used in a mail header: \
                     not reminded of {tokens}"
                ))
            }
            Some(_) => {}
        }
    }
    let code = match args.format {
        NotifyFormat::Jsonl => write_jsonl(ui, session, &plan, args.dry_run)?,
        NotifyFormat::Table => {
            let outcomes = match &program {
                Some(program) if !args.dry_run => {
                    send_all(ui, session, &plan, program, args.from.as_deref())?
                }
                _ => plan
                    .reminders
                    .iter()
                    .map(|reminder| match reminder.address() {
                        None => Outcome::NoAddress,
                        Some(address) if !mail::usable_address(address) => Outcome::UnusableAddress,
                        Some(_) => Outcome::WouldSend,
                    })
                    .collect(),
            };
            print_table(ui, &plan, &outcomes)?;
            summarize(ui, &plan, &outcomes, args.dry_run);
            if outcomes.iter().any(|o| matches!(o, Outcome::Failed(_))) {
                exit::NOTIFY_FAILED
            } else {
                exit::SUCCESS
            }
        }
    };
    Ok(code)
}

/// Mails each reminder in turn and remembers each one the mail program
/// accepted at once (so a crash later repeats nothing that went out). A
/// failure is reported and the next recipient tried; failed reminders are
/// not remembered, so the next run tries them again.
fn send_all(
    ui: &Ui,
    session: &mut Session,
    plan: &ReminderPlan,
    program: &MailProgram,
    from: Option<&str>,
) -> anyhow::Result<Vec<Outcome>> {
    let domain = mail::message_id_domain(from);
    let mut outcomes = Vec::with_capacity(plan.reminders.len());
    for (number, reminder) in plan.reminders.iter().enumerate() {
        let envelope = Envelope {
            from,
            threshold: plan.threshold,
            at: plan.at,
            message_id: mail::message_id(plan.at, number, &domain),
        };
        let Some(message) = mail::compose(reminder, &envelope) else {
            outcomes.push(match reminder.address() {
                None => Outcome::NoAddress,
                Some(_) => Outcome::UnusableAddress,
            });
            continue;
        };
        match program.send(&message) {
            Ok(()) => {
                session.remember_reminders(plan, &[reminder], ReminderChannel::Mail)?;
                outcomes.push(Outcome::Sent);
            }
            Err(failure) => {
                ui.warning(format!(
                    "the mail program did not take the reminder for {} <{}>: {failure}; \
                     it is tried again next run",
                    reminder.recipient.name,
                    reminder.address().unwrap_or_default()
                ));
                outcomes.push(Outcome::Failed(failure.to_string()));
            }
        }
    }
    Ok(outcomes)
}

/// Writes every reminder as one JSON line, then (unless a dry run)
/// remembers those with an address as handed over: only once all of them
/// reached stdout, so a closed pipe remembers nothing.
fn write_jsonl(
    ui: &Ui,
    session: &mut Session,
    plan: &ReminderPlan,
    dry_run: bool,
) -> anyhow::Result<u8> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for reminder in &plan.reminders {
        serde_json::to_writer(&mut out, &ReminderJson::new(reminder, plan))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    let handed: Vec<&Reminder> = plan
        .reminders
        .iter()
        .filter(|reminder| reminder.address().is_some())
        .collect();
    let what = format!(
        "{} about {}",
        plural(handed.len(), "reminder"),
        plural(distinct_tokens(&handed), "token")
    );
    if handed.is_empty() {
        ui.note(format!(
            "nothing to hand over: no active token expires within {} \
             that its people (with an address) were not reminded of",
            plan.threshold
        ));
    } else if dry_run {
        ui.note(format!(
            "dry run: would hand over {what}; nothing remembered"
        ));
    } else {
        session.remember_reminders(plan, &handed, ReminderChannel::JsonLines)?;
        ui.note(format!("handed over {what}"));
    }
    note_already_sent(ui, plan);
    Ok(exit::SUCCESS)
}

fn print_table(ui: &Ui, plan: &ReminderPlan, outcomes: &[Outcome]) -> anyhow::Result<()> {
    if plan.reminders.is_empty() {
        return Ok(());
    }
    let mut table = ui.table(&["recipient", "address", "outcome", "tokens"]);
    for (reminder, outcome) in plan.reminders.iter().zip(outcomes) {
        table.add_row(vec![
            reminder.recipient.name.clone(),
            reminder.address().unwrap_or("-").to_owned(),
            outcome.label(),
            reminder
                .tokens
                .iter()
                .map(|reminded| reminded.token.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    ui.print_table(table)?;
    Ok(())
}

/// The totals on stderr: what went out, what did not, what was left out
/// as sent before.
fn summarize(ui: &Ui, plan: &ReminderPlan, outcomes: &[Outcome], dry_run: bool) {
    if plan.reminders.is_empty() {
        ui.note(format!(
            "nothing to remind of: no active token expires within {} \
             that its people were not reminded of",
            plan.threshold
        ));
        note_already_sent(ui, plan);
        return;
    }
    let with = |wanted: fn(&Outcome) -> bool| -> Vec<&Reminder> {
        plan.reminders
            .iter()
            .zip(outcomes)
            .filter(|(_, outcome)| wanted(outcome))
            .map(|(reminder, _)| reminder)
            .collect()
    };
    let sent = with(|o| matches!(o, Outcome::Sent | Outcome::WouldSend));
    let failed = with(|o| matches!(o, Outcome::Failed(_))).len();
    let unreached = with(|o| matches!(o, Outcome::NoAddress | Outcome::UnusableAddress)).len();
    let what = if sent.is_empty() {
        "no reminder".to_owned()
    } else {
        format!(
            "{} about {}",
            plural(sent.len(), "reminder"),
            plural(distinct_tokens(&sent), "token")
        )
    };
    let mut line = if dry_run {
        format!("dry run: would send {what}")
    } else {
        format!("sent {what}")
    };
    if failed > 0 {
        line.push_str(&format!("; {failed} failed (tried again next run)"));
    }
    if unreached > 0 {
        line.push_str(&format!("; {unreached} without a usable e-mail address"));
    }
    ui.note(line);
    note_already_sent(ui, plan);
}

/// How many different tokens the reminders name (an org token is in each
/// of its admins' reminders).
fn distinct_tokens(reminders: &[&Reminder]) -> usize {
    reminders
        .iter()
        .flat_map(|reminder| reminder.tokens.iter().map(|reminded| reminded.token.id))
        .collect::<std::collections::HashSet<_>>()
        .len()
}

fn note_already_sent(ui: &Ui, plan: &ReminderPlan) {
    if plan.already_sent > 0 {
        ui.note(format!(
            "not repeated: {} sent before at {} (--resend sends them again)",
            plural(plan.already_sent, "token reminder"),
            plan.threshold
        ));
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
