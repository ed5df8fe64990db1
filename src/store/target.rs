//! Which store a `--db` value names: a `postgres://` or `postgresql://` URL
//! is a team store on a server; anything else is the path of a local file,
//! read exactly as before.

use std::ffi::OsStr;
use std::path::PathBuf;

use super::ServerAddress;
use crate::error::Result;

/// Where a store lives, as named by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    /// A local SQLite file.
    File(PathBuf),
    /// A team store in a PostgreSQL database.
    Server(ServerAddress),
}

impl StoreTarget {
    /// Reads a store's name: a URL starting with `postgres://` or
    /// `postgresql://` is parsed as libpq would ([`ServerAddress::parse`];
    /// one with a password is refused without repeating it); any other
    /// value, UTF-8 or not, is a file path, checked later as a path.
    pub fn parse(text: &OsStr) -> Result<StoreTarget> {
        match text.to_str() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StoreTarget::Server(ServerAddress::parse(url)?))
            }
            _ => Ok(StoreTarget::File(PathBuf::from(text))),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_name_servers_and_everything_else_a_file() {
        for url in ["postgres://olive@db/team", "postgresql://db"] {
            assert!(matches!(
                StoreTarget::parse(OsStr::new(url)).unwrap(),
                StoreTarget::Server(_)
            ));
        }
        for path in [
            "tokctl.db",
            "/var/lib/tokctl/store.db",
            "postgres:/not-a-url",
            "file:tokctl.db",
            "Postgres://upper-case-is-a-file",
        ] {
            assert_eq!(
                StoreTarget::parse(OsStr::new(path)).unwrap(),
                StoreTarget::File(PathBuf::from(path))
            );
        }
    }
}
