//! The tests that drive the library API (`tokctl::ops::Session` and the
//! types under it): an in-memory or temp store, a fixed clock and a memory
//! keyring (`common::session`). One test binary, one module per topic.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common {
    pub mod session;
}

mod admin_edits;
mod bulk_revoke;
mod directory_import;
mod library;
mod library_keyring;
mod notify;
mod plan_apply;
mod progress;
mod properties;
mod rotation;
mod scan;
mod service_accounts;
mod store_copy;
mod usage_history;
mod usage_journal;
mod verdict;
mod verify_attacks;
