//! The throwaway PostgreSQL servers `scripts/pg-cluster` and
//! `scripts/pg-topology` describe in one line of `name=value` fields, and the
//! logins' passwords in their pgpass file.

use std::path::Path;

/// The value of `name=` in a `TOKCTL_TEST_PG`-style line.
pub fn field(line: &str, name: &str) -> Option<String> {
    line.split_whitespace()
        .find_map(|part| part.strip_prefix(&format!("{name}=")))
        .map(str::to_owned)
}

/// `user`'s password in the servers' pgpass file.
pub fn password(passfile: &Path, user: &str) -> String {
    let text = std::fs::read_to_string(passfile).expect("pgpass");
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("*:*:*:{user}:")))
        .unwrap_or_else(|| panic!("no password for {user}"))
        .to_owned()
}
