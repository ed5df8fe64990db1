//! Completions that know the store: `tokctl revoke <TAB>` offers the token
//! names and ids the command would see, `--org` and `--user` the orgs and
//! users, `--scope` the scopes the org allows. The shell scripts (from
//! `tokctl completions SHELL`, or completions/ for packagers) call tokctl
//! back with `COMPLETE=SHELL` set and the words typed so far; tokctl then
//! answers from the store that command line would open (its `--db`, the
//! environment, the config file) and exits. Nothing is written, nothing is
//! created, and no error reaches the prompt: a store that cannot be read
//! offers nothing.

use std::ffi::OsString;
use std::sync::OnceLock;

use clap::{Arg, ArgMatches, Command, FromArgMatches};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use tokctl::ops::{Selection, Session};

use crate::cli::args::GlobalArgs;
use crate::config;

use crate::commands::completions::COMPLETE_VAR as VAR;

/// The words typed so far (`tokctl revoke dep`), when completing.
static WORDS: OnceLock<Vec<OsString>> = OnceLock::new();

/// When the shell asks for candidates (`COMPLETE` set), prints them and
/// exits; otherwise returns at once. Call first thing in `main`.
pub fn answer_if_asked(app: fn() -> Command) {
    if std::env::var_os(VAR).is_none_or(|shell| shell.is_empty() || shell == "0") {
        return;
    }
    let words: Vec<OsString> = std::env::args_os()
        .skip_while(|arg| arg != "--")
        .skip(1)
        .collect();
    let _ = WORDS.set(words);
    let current_dir = std::env::current_dir().ok();
    let answered = clap_complete::CompleteEnv::with_factory(move || with_store_candidates(app()))
        .var(VAR)
        .bin("tokctl")
        .completer("tokctl")
        .try_complete(std::env::args_os(), current_dir.as_deref());
    match answered {
        Ok(true) => std::process::exit(i32::from(crate::exit::SUCCESS)),
        // COMPLETE was set to something that is no request: a normal run.
        Ok(false) => {}
        // A shell tokctl does not know, or a call not made by a script: one
        // line, as for any bad input (the scripts ignore it).
        Err(err) => {
            let message = err.to_string();
            let line = message
                .lines()
                .next()
                .unwrap_or("error: invalid completion request");
            eprintln!("{}", line.trim_end());
            std::process::exit(i32::from(crate::exit::USAGE));
        }
    }
}

/// What an argument's candidates are.
#[derive(Debug, Clone, Copy)]
enum Candidates {
    Tokens,
    Orgs,
    Users,
    Scopes,
}

impl Candidates {
    /// Which candidates `arg` takes, by what it is called.
    fn of(arg: &Arg) -> Option<Candidates> {
        let value_names: Vec<&str> = arg
            .get_value_names()
            .unwrap_or_default()
            .iter()
            .map(|name| name.as_str())
            .collect();
        match (arg.get_long(), value_names.as_slice()) {
            (_, ["ID|NAME"]) => Some(Candidates::Tokens),
            (Some("org"), _) | (None, ["ORG"]) => Some(Candidates::Orgs),
            (Some("user" | "as" | "owner" | "actor"), _) | (None, ["USER"]) => {
                Some(Candidates::Users)
            }
            (Some("scope" | "caller-scope"), _) => Some(Candidates::Scopes),
            _ => None,
        }
    }

    fn list(self) -> Vec<CompletionCandidate> {
        // A store that cannot be opened or read offers nothing: the prompt
        // must never show an error.
        let Some(session) = open_quietly() else {
            return Vec::new();
        };
        match self {
            Candidates::Tokens => tokens(&session),
            Candidates::Orgs => session
                .list_orgs()
                .map(|orgs| {
                    orgs.into_iter()
                        .map(|org| CompletionCandidate::new(org.name))
                        .collect()
                })
                .unwrap_or_default(),
            Candidates::Users => session
                .list_users(false)
                .map(|users| {
                    users
                        .into_iter()
                        .map(|user| CompletionCandidate::new(user.name))
                        .collect()
                })
                .unwrap_or_default(),
            Candidates::Scopes => scopes(&session),
        }
    }
}

/// The scopes the typed `--org` allows (suggested as `create` suggests
/// them); with no `--org`, those of every org the user can see.
fn scopes(session: &Session) -> Vec<CompletionCandidate> {
    let orgs = match typed_org() {
        Some(org) => vec![org],
        None => session
            .list_orgs()
            .map(|orgs| orgs.into_iter().map(|org| org.name).collect())
            .unwrap_or_default(),
    };
    let mut seen = std::collections::BTreeSet::new();
    for org in orgs {
        if let Ok(choices) = session.create_choices(Some(&org)) {
            seen.extend(choices.scopes.iter().map(ToString::to_string));
        }
    }
    seen.into_iter().map(CompletionCandidate::new).collect()
}

/// Names first (what people type), then ids, of the tokens a plain `list`
/// shows: active and deactivated ones.
fn tokens(session: &Session) -> Vec<CompletionCandidate> {
    let mut names = Vec::new();
    let mut ids = Vec::new();
    // By name: the order people read them in, and the name index's order,
    // so nothing is sorted.
    let selection = Selection {
        org: typed_org(),
        sort: tokctl::store::TokenSort::Name,
        ..Selection::default()
    };
    let listed = session.list_token_names(&selection, |id, name| {
        let id = id.to_string();
        names.push(CompletionCandidate::new(name).help(Some(id.clone().into())));
        ids.push(CompletionCandidate::new(id).help(Some(name.to_owned().into())));
    });
    if listed.is_err() {
        return Vec::new();
    }
    names.extend(ids);
    names
}

/// `app` with candidates from the store on every argument that names a
/// token, an org, a user or a scope, in every subcommand.
fn with_store_candidates(app: Command) -> Command {
    let ids: Vec<(String, Candidates)> = app
        .get_arguments()
        .filter_map(|arg| Candidates::of(arg).map(|kind| (arg.get_id().to_string(), kind)))
        .collect();
    let mut app = ids.into_iter().fold(app, |app, (id, kind)| {
        app.mut_arg(id, |arg| {
            arg.add(ArgValueCandidates::new(move || kind.list()))
        })
    });
    let subcommands: Vec<String> = app
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in subcommands {
        app = app.mut_subcommand(name, with_store_candidates);
    }
    app
}

/// The matches of the words typed so far, errors ignored (the line is
/// unfinished).
fn typed_matches() -> Option<ArgMatches> {
    let words = WORDS.get()?;
    <crate::cli::Cli as clap::CommandFactory>::command()
        .ignore_errors(true)
        .try_get_matches_from(words)
        .ok()
}

/// The `--org` typed so far, in whichever subcommand.
fn typed_org() -> Option<String> {
    let mut matches = typed_matches()?;
    loop {
        if let Ok(Some(org)) = matches.try_get_one::<String>("org") {
            return Some(org.clone());
        }
        let (_, sub) = matches.remove_subcommand()?;
        matches = sub;
    }
}

/// The session the typed command line would open, read-only in spirit: a
/// local store that does not exist yet is not created (nothing to offer).
fn open_quietly() -> Option<Session> {
    let matches = typed_matches()?;
    let given = config::Given::from_matches(&matches);
    let mut global = GlobalArgs::from_arg_matches(&matches).ok()?;
    let file = config::load().ok()?;
    config::Resolved::apply(&mut global, given, file);
    crate::commands::open_for_completion(&global)
}
