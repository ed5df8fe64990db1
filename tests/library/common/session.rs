//! A library session for tests: in-memory store, fixed clock, memory keyring.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use tokctl::clock::FixedClock;
use tokctl::duration::parse_time;
use tokctl::error::Rejection;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::ops::{CreateRequest, Created, Revoked, Session};
use tokctl::store::Store;
use tokctl::verdict::{Verdict, Verified};
use tokctl::Error;

pub struct Harness {
    pub session: Session,
    pub clock: Arc<FixedClock>,
    pub keyring: Arc<MemoryKeyring>,
}

pub fn harness_with(keyring: MemoryKeyring, mode: KeyringMode) -> Harness {
    let clock = Arc::new(FixedClock::new(parse_time("2026-11-22T10:00:00Z").unwrap()));
    let keyring = Arc::new(keyring);
    let mut session = Session::new(
        Store::open_in_memory().unwrap(),
        clock.clone(),
        Box::new(keyring.clone()),
        mode,
        "alice",
    );
    session.bootstrap_if_empty().unwrap();
    Harness {
        session,
        clock,
        keyring,
    }
}

pub fn harness() -> Harness {
    harness_with(MemoryKeyring::default(), KeyringMode::Auto)
}

pub fn request(name: &str, scopes: &[&str], expires: &str) -> CreateRequest {
    CreateRequest {
        name: Some(name.to_owned()),
        scopes: scopes.iter().map(|s| s.parse().unwrap()).collect(),
        expiry: Some(expires.parse().unwrap()),
        ..CreateRequest::default()
    }
}

pub fn create(h: &mut Harness, name: &str, scopes: &[&str], expires: &str) -> Created {
    h.session
        .create_token(request(name, scopes, expires))
        .unwrap()
}

pub fn revoke_named(
    session: &mut Session,
    references: &[String],
    org: Option<&str>,
    reason: Option<&str>,
) -> Result<Vec<Revoked>, Error> {
    let plan = session.plan_revoke_named(references, org)?;
    Ok(session.revoke_planned(&plan, reason)?.revoked)
}

/// Why a verification was refused; panics on a valid token or an error.
pub fn rejection(result: Result<Verdict, Error>) -> Rejection {
    match result {
        Ok(Verdict::Refused(refusal)) => refusal.reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// The token a verification accepted; panics on a refusal or an error.
pub fn verified(result: Result<Verdict, Error>) -> Verified {
    match result {
        Ok(Verdict::Valid(verified)) => verified,
        other => panic!("expected a valid token, got {other:?}"),
    }
}
