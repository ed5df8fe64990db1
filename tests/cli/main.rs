//! The tests that drive the real binary: each runs `tokctl` with a cleared
//! environment against a temp store, a file keyring and a pinned clock
//! (`common`). One test binary, one module per topic, so the suite links
//! once and the topics run in parallel.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

mod common;

mod admin;
mod audit;
mod audit_anchors;
mod bad_input;
mod config_file;
mod cron_doc;
mod directory_import;
mod flow;
mod generated_files;
mod governance;
mod guide_doc;
mod hardening;
mod hints;
mod interactive;
mod keyring;
mod lifecycle;
mod man_pages;
mod notify;
mod os_user;
mod output;
mod progress;
mod scan;
mod secret_service;
mod serve;
mod serve_team;
mod service_accounts;
mod shell_completions;
mod snapshots;
mod store_copy;
mod store_files;
mod store_security;
mod team_enforcement;
mod team_faults;
mod team_store;
mod team_tls;
mod token_text;
mod topology;
mod trust;
mod verify_attacks;
