//! Opening a team store (a `postgres://` URL given to `--db`): the acting
//! user is the database user, so `--as` is refused; the password comes from
//! `PGPASSWORD` or the pgpass file (`PGPASSFILE`, else `~/.pgpass`), never
//! from the command line, and is never shown. The root certificate for
//! `sslmode` verify-ca and verify-full is the URL's `sslrootcert`, else
//! libpq's `~/.postgresql/root.crt`; like every other part of the address,
//! it is not read from libpq's variables (`PGSSLMODE`, `PGSSLROOTCERT`):
//! the URL names the store.

use std::path::PathBuf;

use tokctl::store::{Opened, ServerAddress, Store, StoreTarget, TeamAdmin};
use zeroize::Zeroizing;

use crate::cli::args::GlobalArgs;
use crate::hints::Usage;

/// Connects to the team store at `address`, as the URL's user or else
/// `login` (libpq's default, the login name). `acting_user` is what `--as`
/// or `TOKCTL_USER` named: a team store refuses it before connecting.
pub fn connect(
    address: ServerAddress,
    acting_user: Option<&str>,
    login: &str,
) -> anyhow::Result<Opened> {
    refuse_acting_user(acting_user)?;
    let address = with_defaults(address, login);
    let password = password_for(&address)?;
    Ok(Store::connect(
        &address,
        password.as_deref().map(String::as_str),
    )?)
}

/// A team store's user is the database login: `--as` (or `TOKCTL_USER`)
/// naming one is refused before connecting, in one line whose advice needs
/// no hint.
fn refuse_acting_user(acting_user: Option<&str>) -> anyhow::Result<()> {
    if acting_user.is_none() {
        return Ok(());
    }
    Err(tokctl::Error::request(
        "--as (and TOKCTL_USER) cannot pick the user in a team store: you act as the \
         database user you connect as; name another in the URL (postgres://USER@HOST/DB)",
        tokctl::error::RequestProblem::Other,
    )
    .into())
}

/// Connects to the team store `--db` names as the database's owner or a
/// superuser, for `tokctl team`: nothing about the store is checked yet.
pub fn connect_admin(global: &GlobalArgs, login: &str) -> anyhow::Result<TeamAdmin> {
    let address = match &global.db {
        Some(value) => match StoreTarget::parse(value.as_os_str())? {
            StoreTarget::Server(address) => Some(address),
            StoreTarget::File(_) => None,
        },
        None => None,
    };
    let Some(address) = address else {
        return Err(Usage::new(
            "tokctl team sets up a team store: --db (or TOKCTL_DB) must be a postgres:// URL",
            "connect as the database's owner: tokctl --db postgres://OWNER@HOST/DBNAME team init",
        )
        .into());
    };
    refuse_acting_user(global.actor.as_deref())?;
    let address = with_defaults(address, login);
    let password = password_for(&address)?;
    Ok(TeamAdmin::connect(
        &address,
        password.as_deref().map(String::as_str),
    )?)
}

/// Connects to the team store `store copy --to` names, as the URL's user
/// (else `login`): it must be a `postgres://` URL and a store set up by
/// `team init`; nothing is bootstrapped there (a copy needs it empty).
pub fn connect_target(url: &str, login: &str) -> anyhow::Result<Store> {
    let StoreTarget::Server(address) = StoreTarget::parse(std::ffi::OsStr::new(url))? else {
        return Err(Usage::new(
            "store copy --to must name a team store: a postgres:// URL",
            "copy into a team store as its owner: tokctl store copy --to postgres://OWNER@HOST/DBNAME",
        )
        .into());
    };
    Ok(connect(address, None, login)?.store)
}

/// libpq's defaults for what the URL leaves out: the login name as the
/// user, `~/.postgresql/root.crt` as the root certificate.
fn with_defaults(address: ServerAddress, login: &str) -> ServerAddress {
    let address = address.with_default_user(login);
    match dirs::home_dir() {
        Some(home) => address.with_default_root_cert(home.join(".postgresql").join("root.crt")),
        None => address,
    }
}

/// `PGPASSWORD`, else the matching line of the pgpass file, as libpq reads them.
fn password_for(address: &ServerAddress) -> anyhow::Result<Option<Zeroizing<String>>> {
    if let Some(password) = std::env::var_os("PGPASSWORD") {
        let password = password
            .into_string()
            .map_err(|_| anyhow::anyhow!("PGPASSWORD is not valid UTF-8"))?;
        return Ok(Some(Zeroizing::new(password)));
    }
    let file = match std::env::var_os("PGPASSFILE") {
        Some(file) => PathBuf::from(file),
        None => match dirs::home_dir() {
            Some(home) => home.join(".pgpass"),
            None => return Ok(None),
        },
    };
    Ok(address.password_from_pgpass(&file)?)
}
