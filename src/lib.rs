//! tokctl: issue, track and clean up API tokens.
//!
//! The library holds every rule; the `tokctl` binary only parses arguments,
//! calls [`ops`] and renders the result. Nothing in here prints, reads argv or
//! the environment, or exits the process.
//!
//! The model, in one paragraph: an [`model::Org`] has members ([`model::Role`]
//! owner, admin or member). A token is either *personal* (owned by a user,
//! within an org) or an *org* token (owned by the org, so it outlives the
//! person who made it). A token carries scopes (`resource:action`), an
//! optional expiry, usage counters and, once revoked, who revoked it and why.
//!
//! Where secrets live: a freshly minted secret is returned to the caller once
//! (wrapped in [`secret::Secret`], which never prints itself) and may be handed
//! to the OS keyring through [`keyring::SecretKeeper`]. The store only ever
//! holds a SHA-256 digest of it.

pub mod audit;
pub mod clock;
pub mod duration;
pub mod error;
pub mod import;
pub mod keyring;
pub mod model;
pub mod ops;
pub mod policy;
pub mod scan;
pub mod scope;
pub mod secret;
pub mod serve;
pub mod store;
pub mod verdict;

pub use error::{Error, ErrorKind, Result};
