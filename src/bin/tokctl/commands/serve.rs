//! `tokctl serve`: the verification service over HTTP (docs/services.md).
//! Parses the flags into a `ServeConfig`, starts the library's server and
//! renders what it reports until it stops.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tokctl::ops::Session;
use tokctl::scope::Scope;
use tokctl::serve::{
    CallerAuth, ReplicaReads, ServeConfig, ServeEvent, Server, StartupNote, TlsFiles,
    DEFAULT_CALLER_SCOPE, DEFAULT_LISTEN, DEFAULT_MAX_CONNECTIONS,
};
use tokctl::store::StoreTarget;

use crate::cli::args::parse_scope;
use crate::exit;
use crate::hints::Usage;
use crate::output::ui::Ui;
use crate::team_store;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on; port 0 picks a free one. An address
    /// other than loopback needs --tls-cert and --tls-key, or --insecure-listen
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,

    /// Serve HTTPS with this certificate chain (PEM, leaf first)
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM)
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Allow plain HTTP on an address other than loopback (behind a proxy
    /// that terminates TLS, or on a network trusted otherwise)
    #[arg(long)]
    insecure_listen: bool,

    /// Answer anyone who can connect, without a caller token (loopback
    /// addresses only)
    #[arg(long)]
    no_caller_auth: bool,

    /// The scope a caller's org token must hold
    #[arg(long, value_name = "SCOPE", default_value = DEFAULT_CALLER_SCOPE,
          value_parser = parse_scope, conflicts_with = "no_caller_auth")]
    caller_scope: Scope,

    /// Write usage counts at most once per this many seconds, and at shutdown
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    flush_interval: u64,

    /// Serve at most this many connections at once; a few more are answered
    /// 429, further ones closed
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = parse_positive)]
    max_connections: usize,

    /// Worker threads, each verifying with its own store connection
    /// [default: one per CPU, at most 8]
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    workers: Option<usize>,

    /// Look tokens up on this replica of the team store (a postgres:// URL
    /// of a hot standby of --db) while it is at most --max-staleness
    /// behind; usage is still written to --db
    #[arg(long, value_name = "URL")]
    read_db: Option<String>,

    /// With --read-db: read from --db instead while the replica is not
    /// known to hold everything committed this many seconds ago (decimals
    /// allowed)
    #[arg(long, value_name = "SECONDS", default_value = "1", requires = "read_db",
          value_parser = parse_seconds)]
    max_staleness: Duration,

    /// With --read-db: while --db is down, answer from the replica however
    /// stale it is, instead of 503
    #[arg(long, requires = "read_db")]
    allow_stale_reads: bool,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.0..=3600.0).contains(&seconds) => Ok(Duration::from_secs_f64(seconds)),
        _ => Err("expected a number of seconds from 0 to 3600".into()),
    }
}

fn parse_positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) | Err(_) => Err("expected a whole number of at least 1".into()),
        Ok(n) => Ok(n),
    }
}

pub fn run(ui: &Ui, session: Session, args: ServeArgs) -> anyhow::Result<u8> {
    let mut config = ServeConfig::new(args.listen);
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        _ => None,
    };
    config.insecure_listen = args.insecure_listen;
    config.caller_auth = if args.no_caller_auth {
        CallerAuth::Off
    } else {
        CallerAuth::Required {
            scope: args.caller_scope,
        }
    };
    config.flush_interval = Duration::from_secs(args.flush_interval);
    config.max_connections = args.max_connections;
    if let Some(workers) = args.workers {
        config.workers = workers;
    }
    config.replica_reads = ReplicaReads {
        max_staleness: args.max_staleness,
        allow_stale_reads: args.allow_stale_reads,
    };
    let caller_auth = config.caller_auth.clone();
    let server = match args.read_db {
        None => Server::start(config, session)?,
        Some(url) => {
            let StoreTarget::Server(address) = StoreTarget::parse(std::ffi::OsStr::new(&url))?
            else {
                return Err(Usage::new(
                    "--read-db must name a replica of the team store: a postgres:// URL",
                    "name a hot standby of --db: tokctl --db postgres://USER@PRIMARY/DB serve --read-db postgres://USER@REPLICA/DB",
                )
                .into());
            };
            // The replica's login defaults to the primary's.
            let login = session.actor_name().to_owned();
            let replica = team_store::connect(address, None, &login)?.store;
            Server::start_with_read_replica(config, session, replica)?
        }
    };
    let addr = server.local_addr();
    let scheme = if server.tls() { "https" } else { "http" };
    // Kept by --quiet: it says where the service is (port 0 picks one).
    ui.stderr_line(format!("tokctl serve: listening on {scheme}://{addr}"));
    if let CallerAuth::Required { scope } = &caller_auth {
        ui.note(format!(
            "note: callers must send an org token holding {scope} in Authorization: Bearer"
        ));
    }
    for note in server.notes() {
        match note {
            StartupNote::CallerAuthOff => ui.warning(format!(
                "caller authentication is off (--no-caller-auth): anyone who can connect to {addr} can verify tokens"
            )),
            StartupNote::InsecureListen => ui.warning(format!(
                "plain HTTP on {addr} (--insecure-listen): tokens cross the network in the clear unless a TLS proxy is in between"
            )),
            StartupNote::ReadReplica {
                replica,
                max_staleness,
                allow_stale_reads,
            } => {
                ui.note(format!(
                    "note: token lookups go to the replica {replica} while it is at most {}s behind the primary; usage is written to the primary",
                    max_staleness.as_secs_f64()
                ));
                if *allow_stale_reads {
                    ui.note("note: while the primary is down, the replica answers however stale it is (--allow-stale-reads)");
                }
            }
            _ => {}
        }
    }
    while let Some(event) = server.next_event() {
        match event {
            ServeEvent::Stopping { cause } => ui.note(format!(
                "note: {cause}: stopping; answering the requests in flight, then writing usage"
            )),
            ServeEvent::FlushFailed { error } => ui.warning(format!(
                "could not write usage counts (kept for the next write): {error}"
            )),
            ServeEvent::UsageDropped { uses } => ui.warning(format!(
                "{uses} uses not kept: usage could not be written for so long that the counts held in memory reached their bound"
            )),
            _ => {}
        }
    }
    let summary = server.wait()?;
    ui.note(format!(
        "note: stopped after {} requests; {} uses and {} refusals written in {} writes",
        summary.requests, summary.uses_written, summary.refusals_written, summary.flushes
    ));
    Ok(exit::SUCCESS)
}
