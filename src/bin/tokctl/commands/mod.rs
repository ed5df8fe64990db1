//! One file per command; this one opens the session and dispatches.

pub mod audit;
pub mod backup;
pub mod check;
pub mod completions;
pub mod create;
pub mod doctor;
pub mod inspect;
pub mod list;
pub mod member;
pub mod org;
pub mod policy;
pub mod prune;
pub mod report;
pub mod revoke;
pub mod rotate;
pub mod secret;
pub mod show;
pub mod user;
pub mod verify;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use tokctl::clock::{Clock, SystemClock};
use tokctl::keyring::{OsKeyring, SecretKeeper};
use tokctl::ops::Session;
use tokctl::store::{Store, StoreLocation};

use crate::cli::{Cli, Command, GlobalArgs};

/// Runs the parsed command; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    crate::output::set_quiet(cli.global.quiet);
    crate::output::configure(cli.global.color);
    // Commands about tokctl itself need no store.
    let command = match cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return completions::run_man(args),
        other => other,
    };
    // doctor reports on an unsafe store instead of refusing it.
    let inspect = matches!(command, Command::Doctor(_));
    let mut session = open_session(&cli.global, inspect)?;
    match command {
        Command::Create(args) => create::run(&mut session, args),
        Command::List(args) => list::run(&session, args),
        Command::Show(args) => show::run(&session, args),
        Command::Revoke(args) => revoke::run(&mut session, args),
        Command::Rotate(args) => rotate::run(&mut session, args),
        Command::Check(args) => check::run(&session, args),
        Command::Prune(args) => prune::run(&mut session, args),
        Command::Audit(args) => audit::run(&mut session, args),
        Command::Backup(args) => backup::run(&mut session, args),
        Command::Report(args) => report::run(&session, args),
        Command::Verify(args) => verify::run(&mut session, args),
        Command::Inspect(args) => inspect::run(&mut session, args),
        Command::Secret(args) => secret::run(&session, args),
        Command::Org(command) => org::run(&mut session, command),
        Command::User(command) => user::run(&mut session, command),
        Command::Member(command) => member::run(&mut session, command),
        Command::Doctor(args) => doctor::run(&session, args),
        Command::Policy(command) => policy::run(&mut session, command),
        Command::Completions(_) | Command::Man(_) => {
            unreachable!("handled before the store is opened")
        }
    }
}

/// Opens the store (for inspection: see `Store::open_for_inspection`), picks
/// the clock, keyring and actor, and on a brand-new store sets up the
/// default org with the actor as owner.
fn open_session(global: &GlobalArgs, inspect: bool) -> anyhow::Result<Session> {
    let account = OsAccount::current();
    let actor = match &global.actor {
        Some(name) => name.clone(),
        None => account.login.clone().unwrap_or_else(whoami::username),
    };
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
    let trusted = opened.store.is_trusted();
    if opened.created {
        crate::output::note(format!(
            "note: created a new tokctl store at {}",
            location.path.display()
        ));
    }
    if acts_as_someone_else(global, &account, &actor) {
        crate::output::note(format!(
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
        crate::output::note(format!(
            "note: set up org '{}' with '{}' as its owner",
            setup.org, setup.owner
        ));
    }
    Ok(session)
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
