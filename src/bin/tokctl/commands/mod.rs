//! One file per command; this one lists them (`Command`), opens the session
//! and dispatches, one line per command. A command file imports shared
//! modules (`cli::args`, `output`, `input`, `exit`, `selection`), never
//! another command file.

pub mod audit;
pub mod backup;
pub mod check;
pub mod completions;
pub mod config;
pub mod create;
pub mod deactivate;
pub mod doctor;
pub mod edit;
pub mod inspect;
pub mod list;
pub mod member;
pub mod notify;
pub mod org;
pub mod policy;
pub mod prune;
pub mod report;
pub mod revoke;
pub mod rotate;
pub mod scan;
pub mod secret;
pub mod serve;
pub mod show;
pub mod store;
pub mod team;
pub mod user;
pub mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Subcommand;
use tokctl::clock::{Clock, SystemClock};
use tokctl::keyring::{KeyringMode, OsKeyring, SecretKeeper};
use tokctl::ops::Session;
use tokctl::store::{Opened, Store, StoreLocation, StoreTarget};

use crate::cli::args::GlobalArgs;
use crate::config::Resolved;
use crate::hints::Usage;
use crate::output::ui::Ui;
use crate::team_store;

/// Every command, in the order `tokctl --help` lists them. The doc comment
/// of each variant is its line in that list.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Mint a token; the secret is printed once, to stdout
    #[command(
        after_help = "Examples:\n  tokctl create --scope repo:read --expires 90d\n  \
        tokctl create --name deploy-bot --org-token --scope repo:write --expires 1y \\\n      \
        --description 'CI deploys'\n  \
        tokctl create --scope repo:read --resource repo=base,node \\\n      \
        --scope repo:write --resource repo=web --expires 30d\n\n\
        Each --resource narrows the nearest --scope before it on that resource."
    )]
    Create(create::CreateArgs),

    /// List tokens (active ones of your orgs unless told otherwise)
    #[command(after_help = "Examples:\n  tokctl list\n  tokctl list --all --format json")]
    List(list::ListArgs),

    /// Show one token by id or name
    #[command(
        after_help = "Examples:\n  tokctl show deploy-bot\n  tokctl show deploy-bot --usage --since 7d"
    )]
    Show(show::ShowArgs),

    /// Revoke tokens by id or name, in bulk by filter, or by a leaked secret
    #[command(
        after_help = "Examples:\n  tokctl revoke deploy-bot --reason 'left the team'\n  \
        tokctl revoke --stale 1y --dry-run\n  tokctl revoke --stale 1y --yes\n  \
        printf '%s' \"$LEAKED\" | tokctl revoke --secret-stdin"
    )]
    Revoke(revoke::RevokeArgs),

    /// Change a token's name, description or expiry, or narrow its scopes (same secret)
    #[command(
        after_help = "Examples:\n  tokctl edit deploy-bot --description 'CI deploys (web only)'\n  \
        tokctl edit deploy-bot --expires 30d\n  tokctl edit deploy-bot --scope repo:read --resource repo=web\n\n\
        An earlier expiry is always allowed, a later one only within the org's policy.\n\
        --scope gives all the scopes from now on: each one held already or narrower;\n\
        a wider scope needs a new token (tokctl create).\n\n\
        Exit codes: 0 edited  2 wider scope, revoked token, new expiry for an expired one\n  \
        3 no such token  4 the new name is taken  5 beyond the org's policy or not yours"
    )]
    Edit(edit::EditArgs),

    /// Turn tokens off for a while (verify refuses them) by id or name, or in bulk by filter
    #[command(
        after_help = "Examples:\n  tokctl deactivate deploy-bot --reason 'suspicious traffic'\n  \
        tokctl deactivate --owner bob --dry-run\n  tokctl deactivate --owner bob --yes --format jsonl\n\n\
        A deactivated token keeps its secret and name and counts against the quota;\n\
        'tokctl activate' turns it on again while it has not expired.\n\
        verify exits 15 for a deactivated token.\n\n\
        Exit codes: 0 done  2 a revoked or expired token (nothing written)  3 no such token\n  \
        5 not yours to manage  8 a bulk run outside a terminal without --yes, or declined"
    )]
    Deactivate(deactivate::DeactivateArgs),

    /// Turn deactivated tokens on again (not expired or revoked ones)
    #[command(
        after_help = "Examples:\n  tokctl activate deploy-bot\n  tokctl activate --owner bob --yes\n\n\
        Exit codes: 0 done  2 a revoked or expired token (nothing written)  3 no such token\n  \
        5 not yours to manage  8 a bulk run outside a terminal without --yes, or declined"
    )]
    Activate(deactivate::SwitchArgs),

    /// Give a token a new secret; the old one can keep working for a grace period
    #[command(
        after_help = "Examples:\n  tokctl rotate deploy-bot\n  tokctl rotate deploy-bot --grace 1d --expires 90d"
    )]
    Rotate(rotate::RotateArgs),

    /// Find tokens expiring soon or gone stale; the exit code says what was found
    #[command(
        after_help = "Example:\n  tokctl check --expiring 14d --stale 1y --format json\n\n\
        Exit codes: 0 nothing found, 20 expiring found, 21 stale found, 22 both"
    )]
    Check(check::CheckArgs),

    /// Mail each owner one reminder of their tokens expiring soon (or write JSON Lines)
    #[command(after_help = "Examples:\n  tokctl notify --expiring 7d --dry-run\n  \
        tokctl notify --expiring 7d --sendmail '/usr/sbin/sendmail -t' \\\n      \
        --from tokctl@example.com\n  \
        tokctl notify --expiring 7d --format jsonl > reminders.jsonl\n\n\
        A personal token's owner hears about it; an org token's admins and owners do.\n\
        Each reminder (token, expiry, threshold, person) is sent once and remembered;\n\
        a failed one is not, so the next run tries it again. People without an e-mail\n\
        address are named in a warning and skipped by --sendmail.\n\n\
        Exit codes: 0 every reminder handed over (or nothing due)  2 bad usage, a mail\n  \
        program that does not exist  5 not an admin  25 the mail program refused some")]
    Notify(notify::NotifyArgs),

    /// Delete the rows of tokens revoked or expired before a time (the audit trail stays)
    #[command(after_help = "Example:\n  tokctl prune --before 90d --dry-run")]
    Prune(prune::PruneArgs),

    /// Query and export the audit trail; verify its hash chain; prune old events
    #[command(after_help = "Examples:\n  tokctl audit --token deploy-bot\n  \
        tokctl audit --since 7d --action token.revoke --format jsonl\n  tokctl audit verify")]
    Audit(audit::AuditArgs),

    /// Usage report per org: status, owners, last use, expiring, most used, policy
    #[command(after_help = "Examples:\n  tokctl report --org acme --format json\n  \
        tokctl report --format csv > report.csv\n  tokctl report --top 25")]
    Report(report::ReportArgs),

    /// Check a token read from stdin or TOKCTL_TOKEN (never from an argument)
    #[command(
        after_help = "Examples:\n  printf '%s' \"$TOKEN\" | tokctl verify --scope repo:read\n  \
        TOKCTL_TOKEN=... tokctl verify --format json\n\n\
        Exit codes (docs/exit-codes.md):\n  \
        0 valid  10 malformed or unknown  11 expired  12 revoked  13 insufficient scope\n  \
        14 rotated-away secret, past its grace period (audited as a possible leak)\n  \
        15 deactivated (tokctl activate turns it on again)\n  \
        2 bad usage (e.g. empty input)  6 store unusable  1 other failure\n\
        With --batch each line carries its own verdict; the exit code is 0 unless tokctl fails."
    )]
    Verify(verify::VerifyArgs),

    /// Answer verifications over HTTP (POST /v1/verify) until SIGTERM or SIGINT
    #[command(after_help = "Examples:\n  tokctl serve\n  \
        tokctl serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem\n  \
        tokctl serve --no-caller-auth --listen 127.0.0.1:8700\n\n\
        Callers send an org token holding --caller-scope in Authorization: Bearer.\n\
        API, statuses and examples: docs/services.md. Exit 0 after a clean stop.")]
    Serve(serve::ServeArgs),

    /// Say which token a found secret is (stdin or TOKCTL_TOKEN), without using it
    #[command(after_help = "Example:\n  printf '%s' \"$FOUND\" | tokctl inspect\n\n\
        Records one token.inspect audit event and nothing else: no use is counted and\n\
        last use does not move, so the evidence of a leak stays as it was.\n\
        Exit codes: 0 identified (see whether the secret matches)  10 malformed or unknown\n  \
        5 not yours to see  2 bad usage  6 store unusable")]
    Inspect(inspect::InspectArgs),

    /// Find tokens in files, stdin, git history or staged changes; say which they are
    #[command(
        after_help = "Examples:\n  tokctl scan\n  tokctl scan src/ config/ --format sarif > tokens.sarif\n  \
        kubectl logs deploy/web | tokctl scan -\n  tokctl scan --git --since origin/main\n  \
        tokctl scan --staged                       (in .git/hooks/pre-commit)\n  \
        tokctl scan logs/ --revoke\n\n\
        Only strings with a valid checksum count. Each is looked up read-only: no use is\n\
        counted, nothing is written. The secret is never printed: only its prefix, id\n\
        and last four characters.\n\
        Exit codes: 0 nothing found  25 only dead tokens (revoked, expired, rotated away)\n  \
        26 a live or deactivated token, or one this store does not know\n  \
        27 incomplete: a path could not be read (and nothing live found)\n  \
        8 --revoke outside a terminal without --yes, or declined  2 bad usage"
    )]
    Scan(scan::ScanArgs),

    /// Print a token's secret from the OS keyring, and nothing else
    #[command(after_help = "Example:\n  TOKEN=$(tokctl secret deploy-bot)")]
    Secret(secret::SecretArgs),

    /// Manage orgs and their token policy
    #[command(
        subcommand,
        after_help = "Examples:\n  tokctl org add acme\n  tokctl org policy acme --max-lifetime 1y"
    )]
    Org(org::OrgCommand),

    /// Manage users; offboard a leaver
    #[command(
        subcommand,
        after_help = "Examples:\n  tokctl user add bob\n  tokctl user remove bob --dry-run"
    )]
    User(user::UserCommand),

    /// Manage org memberships and roles
    #[command(
        subcommand,
        after_help = "Example:\n  tokctl member add --org acme --user bob --role admin"
    )]
    Member(member::MemberCommand),

    /// Check the store (integrity, audit chain, consistency) and the keyring
    #[command(
        after_help = "Example:\n  tokctl doctor --format json\n\nExit code 1 when something needs attention."
    )]
    Doctor(doctor::DoctorArgs),

    /// Write a consistent copy of the store while others keep using it (its file's owner)
    #[command(after_help = "Example:\n  tokctl backup /var/backups/tokctl-$(date +%F).db")]
    Backup(backup::BackupArgs),

    /// Copy the local store into an empty team store (its database owner)
    #[command(
        subcommand,
        after_help = "Example:\n  tokctl store copy --to postgres://postgres@db.internal/tokens --dry-run"
    )]
    Store(store::StoreCommand),

    /// Set up a team store on PostgreSQL and give database logins access (database owner)
    #[command(
        subcommand,
        after_help = "Examples:\n  tokctl --db postgres://postgres@db.internal/tokens team init\n  \
        tokctl --db postgres://postgres@db.internal/tokens team grant alice"
    )]
    Team(team::TeamCommand),

    /// Find live tokens that break their org's current policy; optionally revoke them
    #[command(subcommand, after_help = "Example:\n  tokctl policy check --org acme")]
    Policy(policy::PolicyCommand),

    /// Print a shell completion script: bash, zsh, fish, powershell or elvish
    #[command(
        after_help = "Examples:\n  echo 'source <(tokctl completions bash)' >> ~/.bashrc\n  \
        tokctl completions fish > ~/.config/fish/completions/tokctl.fish\n\n\
        The script asks tokctl for what it offers as you type: token names and ids, \
        orgs, users and the scopes an org allows, from the store the command line names. \
        Set-up for each shell: docs/GUIDE.md."
    )]
    Completions(completions::CompletionsArgs),

    /// Show the settings in force and where each came from (flag, env, config file, default)
    #[command(subcommand, after_help = "Example:\n  tokctl config show")]
    Config(config::ConfigCommand),

    /// Write the man pages (for packagers)
    #[command(hide = true)]
    Man(completions::ManArgs),
}

/// Runs one command; returns the exit code. `app` builds the whole clap
/// declaration, for the commands that generate completions and man pages
/// from it (built only then: it costs time on every `verify`). `resolved`
/// holds the config file's settings, already applied to `global`.
pub fn run_command(
    global: GlobalArgs,
    command: Command,
    app: fn() -> clap::Command,
    resolved: &Resolved,
) -> anyhow::Result<u8> {
    let ui = Ui::new(global.color, global.quiet, global.wide);
    // Commands about tokctl itself need no store.
    let command = match command {
        Command::Completions(args) => return completions::run(&ui, args),
        Command::Man(args) => return completions::run_man(args, app()),
        Command::Config(command) => {
            let default_db = default_store_path().ok();
            return config::run(&ui, &global, resolved, default_db.as_deref(), command);
        }
        // A scan needs no store: without one, every token is unknown.
        Command::Scan(args) => return scan::run(&ui, open_existing_session(&ui, &global)?, args),
        // Setting up a team store connects as the database's owner, who
        // need not be a tokctl user.
        Command::Team(command) => {
            return team::run(
                &ui,
                team_store::connect_admin(&global, &login_name())?,
                command,
            )
        }
        // Copying reads a local store and writes a team store it connects
        // to itself, without setting anything up there.
        Command::Store(command) => {
            require_local_source(&global)?;
            let target = team_store::connect_target(command.target(), &login_name())?;
            let mut session = open_session(&ui, &global, false)?;
            return store::run(&ui, &mut session, target, command);
        }
        other => other,
    };
    // doctor reports on an unsafe store instead of refusing it.
    let inspect = matches!(command, Command::Doctor(_));
    let mut session = open_session(&ui, &global, inspect)?;
    // Uses one-shot verifications left in the usage journal go into the
    // store before any command reads or changes it (a stale token must not
    // look stale once it was used); a verification leaves them waiting,
    // and doctor only reports.
    let one_shot_verify = matches!(&command, Command::Verify(args) if !args.is_batch());
    if !inspect && !one_shot_verify {
        session.fold_deferred_usage()?;
    }
    match command {
        Command::Create(args) => create::run(
            &ui,
            &mut session,
            args.with_defaults(resolved.default_org(), &resolved.config.create),
        ),
        Command::List(args) => list::run(&ui, &session, args),
        Command::Show(args) => show::run(&ui, &session, args),
        Command::Revoke(args) => revoke::run(&ui, &mut session, args),
        Command::Rotate(args) => rotate::run(&ui, &mut session, args),
        Command::Edit(args) => edit::run(&ui, &mut session, args),
        Command::Deactivate(args) => deactivate::run_deactivate(&ui, &mut session, args),
        Command::Activate(args) => deactivate::run_activate(&ui, &mut session, args),
        Command::Check(args) => check::run(&ui, &session, args),
        Command::Notify(args) => notify::run(&ui, &mut session, args),
        Command::Prune(args) => prune::run(&ui, &mut session, args),
        Command::Audit(args) => audit::run(&ui, &mut session, args),
        Command::Backup(args) => backup::run(&ui, &mut session, args),
        Command::Report(args) => report::run(&ui, &session, args),
        Command::Verify(args) => verify::run(&ui, &mut session, args),
        Command::Inspect(args) => inspect::run(&ui, &mut session, args),
        Command::Serve(args) => serve::run(&ui, session, args),
        Command::Secret(args) => secret::run(&ui, &session, args),
        Command::Org(command) => org::run(&ui, &mut session, command),
        Command::User(command) => user::run(&ui, &mut session, command),
        Command::Member(command) => member::run(&ui, &mut session, command),
        Command::Doctor(args) => doctor::run(&ui, &session, args),
        Command::Policy(command) => policy::run(&ui, &mut session, command),
        Command::Completions(_)
        | Command::Man(_)
        | Command::Team(_)
        | Command::Config(_)
        | Command::Store(_)
        | Command::Scan(_) => {
            unreachable!("handled before the store is opened")
        }
    }
}

/// `store copy` reads a local store that exists: a team store is copied
/// with `pg_dump`, and a missing file would only be created empty.
fn require_local_source(global: &GlobalArgs) -> anyhow::Result<()> {
    let path = match &global.db {
        Some(value) => match StoreTarget::parse(value.as_os_str())? {
            StoreTarget::File(path) => path,
            StoreTarget::Server(_) => {
                return Err(Usage::new(
                    "store copy copies a local store: --db (or TOKCTL_DB) names a team store",
                    "copy a team store with pg_dump (docs/team.md#backups)",
                )
                .into())
            }
        },
        None => default_store_path()?,
    };
    if !path.exists() {
        return Err(tokctl::Error::NotFound {
            kind: "local store",
            name: path.display().to_string(),
        }
        .into());
    }
    Ok(())
}

/// The login name: libpq's default database user.
fn login_name() -> String {
    OsAccount::current().login.unwrap_or_else(whoami::username)
}

/// Opens the store (for inspection: see `Store::open_for_inspection`), picks
/// the clock, keyring and actor, and on a brand-new store sets up the
/// default org with the actor as owner.
fn open_session(ui: &Ui, global: &GlobalArgs, inspect: bool) -> anyhow::Result<Session> {
    let account = OsAccount::current();
    let login = || account.login.clone().unwrap_or_else(whoami::username);
    // A postgres:// URL names a team store; anything else is a file path.
    let server = match &global.db {
        Some(value) => match StoreTarget::parse(value.as_os_str())? {
            StoreTarget::Server(address) => Some(address),
            StoreTarget::File(_) => None,
        },
        None => None,
    };
    let (opened, actor) = match server {
        Some(address) => {
            let opened = team_store::connect(address, global.actor.as_deref(), &login())?;
            // The database says who this is; tokctl acts as that user.
            let actor = opened.store.server_user().unwrap_or_default().to_owned();
            if opened.created {
                if let Some(address) = opened.store.server_address() {
                    ui.note(format!(
                        "note: created a new tokctl team store at {address}"
                    ));
                }
            }
            (opened, actor)
        }
        None => open_local(ui, global, inspect, login())?,
    };
    let trusted = opened.store.is_trusted();
    if acts_as_someone_else(global, &account, &actor) {
        ui.note(format!(
            "note: acting as tokctl user '{actor}' while logged in as '{}'; the audit trail records both",
            account.login.as_deref().unwrap_or("an unknown account")
        ));
    }
    let mut session = Session::new(opened.store, clock()?, keyring()?, global.keyring, actor)
        .with_os_user(account.recorded);
    // A store with problems is only reported on, never written.
    let setup = if trusted {
        session.bootstrap_if_empty()?
    } else {
        None
    };
    if let Some(setup) = setup {
        ui.note(format!(
            "note: set up org '{}' with '{}' as its owner",
            setup.org, setup.owner
        ));
    }
    Ok(session)
}

/// The session `scan` asks which tokens it found: the store `global` names,
/// opened as for any command, unless it is a local file that does not exist
/// (a scan in CI or in a pre-commit hook creates no store): then `None`.
fn open_existing_session(ui: &Ui, global: &GlobalArgs) -> anyhow::Result<Option<Session>> {
    if let Some(path) = missing_local_store(global)? {
        ui.note(format!(
            "note: no store at {}: every token found is reported as unknown",
            path.display()
        ));
        return Ok(None);
    }
    open_session(ui, global, false).map(Some)
}

/// The local store file `global` names (or the default one) when it does
/// not exist yet; `None` for a team store or a file that exists.
fn missing_local_store(global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    let path = match &global.db {
        Some(value) => match StoreTarget::parse(value.as_os_str())? {
            StoreTarget::Server(_) => return Ok(None),
            StoreTarget::File(path) => path,
        },
        None => default_store_path()?,
    };
    Ok((!path.exists()).then_some(path))
}

/// The session a completion reads candidates from: the store `global`
/// names, opened as a command would open it, except that a local store
/// that does not exist is not created, an empty one is not set up, and the
/// keyring is never asked. `None` when it cannot be opened.
pub fn open_for_completion(global: &GlobalArgs) -> Option<Session> {
    let account = OsAccount::current();
    let login = account.login.clone().unwrap_or_else(whoami::username);
    if missing_local_store(global).ok()?.is_some() {
        return None;
    }
    let target = match &global.db {
        Some(value) => StoreTarget::parse(value.as_os_str()).ok()?,
        None => StoreTarget::File(default_store_path().ok()?),
    };
    let (store, actor) = match target {
        StoreTarget::Server(address) => {
            let opened = team_store::connect(address, global.actor.as_deref(), &login).ok()?;
            let actor = opened.store.server_user().unwrap_or_default().to_owned();
            (opened.store, actor)
        }
        StoreTarget::File(path) => {
            let location = StoreLocation {
                path,
                create_dirs: false,
            };
            let actor = global.actor.clone().unwrap_or(login);
            (Store::open(&location).ok()?.store, actor)
        }
    };
    let session = Session::new(
        store,
        clock().ok()?,
        keyring().ok()?,
        KeyringMode::Off,
        actor,
    )
    .with_os_user(account.recorded);
    Some(session)
}

/// Opens the local store (`--db PATH`, or the default file) as the user
/// `--as` names, else the login name.
fn open_local(
    ui: &Ui,
    global: &GlobalArgs,
    inspect: bool,
    login: String,
) -> anyhow::Result<(Opened, String)> {
    let actor = global.actor.clone().unwrap_or(login);
    // Verification records the acting name even when no such user exists:
    // a token pasted there would be stored in the clear.
    tokctl::model::refuse_token_text("acting user name", &actor)?;
    let location = match &global.db {
        Some(path) => StoreLocation {
            path: path.clone(),
            create_dirs: false,
        },
        None => StoreLocation {
            path: default_store_path()?,
            create_dirs: true,
        },
    };
    let opened = if inspect {
        Store::open_for_inspection(&location)?
    } else {
        Store::open(&location)?
    };
    if opened.created {
        ui.note(format!(
            "note: created a new tokctl store at {}",
            location.path.display()
        ));
    }
    Ok((opened, actor))
}

/// The operating-system account running tokctl. Audit events record it
/// beside the tokctl user, because in a local store anyone who can open the
/// file can act as any tokctl user (docs/SECURITY.md).
struct OsAccount {
    /// The login name, when the system knows one.
    login: Option<String>,
    /// What events record: "name (uid N)", with the effective uid as well
    /// when it differs from the real one (a set-uid wrapper).
    recorded: String,
}

impl OsAccount {
    #[cfg(unix)]
    fn current() -> Self {
        let uid = rustix::process::getuid().as_raw();
        let euid = rustix::process::geteuid().as_raw();
        let ids = if uid == euid {
            format!("uid {uid}")
        } else {
            format!("uid {uid}, euid {euid}")
        };
        let login = whoami::fallible::username().ok();
        let recorded = match &login {
            Some(name) => format!("{name} ({ids})"),
            None => ids,
        };
        OsAccount { login, recorded }
    }

    #[cfg(not(unix))]
    fn current() -> Self {
        let login = whoami::fallible::username().ok();
        let recorded = login.clone().unwrap_or_else(|| "unknown".to_owned());
        OsAccount { login, recorded }
    }
}

/// Whether `--as` names a tokctl user other than the login name. Only the
/// flag counts: `TOKCTL_USER`, set once for a shell or a job, would repeat
/// the note on every command.
fn acts_as_someone_else(global: &GlobalArgs, account: &OsAccount, actor: &str) -> bool {
    let from_flag = global.actor.is_some()
        && std::env::var_os("TOKCTL_USER").is_none_or(|set| set.to_str() != Some(actor));
    from_flag && account.login.as_deref() != Some(actor)
}

fn default_store_path() -> anyhow::Result<PathBuf> {
    let base = dirs::data_dir()
        .context("cannot find a data directory for the store (is HOME set?); pass --db PATH")?;
    Ok(base.join("tokctl").join("tokctl.db"))
}

/// The system clock. Debug builds (which the integration tests drive) accept
/// `TOKCTL_TEST_NOW` to pin time; release builds have no such override.
fn clock() -> anyhow::Result<Arc<dyn Clock>> {
    #[cfg(debug_assertions)]
    if let Ok(text) = std::env::var("TOKCTL_TEST_NOW") {
        let at = tokctl::duration::parse_time(&text)?;
        return Ok(Arc::new(tokctl::clock::FixedClock::new(at)));
    }
    Ok(Arc::new(SystemClock))
}

/// The OS keyring. Debug builds with the `test-support` feature (on in the
/// crate's own test builds) accept `TOKCTL_TEST_KEYRING=PATH` (a plain
/// file keyring, so tests never touch a real one) and
/// `TOKCTL_TEST_KEYRING_FAIL=put|delete|everything|locked` to force failures.
fn keyring() -> anyhow::Result<Box<dyn SecretKeeper>> {
    #[cfg(all(debug_assertions, feature = "test-support"))]
    if let Some(path) = std::env::var_os("TOKCTL_TEST_KEYRING") {
        use tokctl::keyring::{FailOn, PlainFileKeyring};
        let fail_on = match std::env::var("TOKCTL_TEST_KEYRING_FAIL").ok().as_deref() {
            None | Some("") => None,
            Some("put") => Some(FailOn::Put),
            Some("delete") => Some(FailOn::Delete),
            Some("everything") => Some(FailOn::Everything),
            Some("locked") => Some(FailOn::Locked),
            Some(other) => anyhow::bail!("TOKCTL_TEST_KEYRING_FAIL: unknown value '{other}'"),
        };
        return Ok(Box::new(PlainFileKeyring::new(path.into(), fail_on)));
    }
    Ok(Box::new(OsKeyring))
}
