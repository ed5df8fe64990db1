//! The exit-code contract, documented in docs/exit-codes.md and `tokctl --help`.

use std::process::ExitCode;

use tokctl::error::Rejection;
use tokctl::ErrorKind;

/// Success; for `verify`, the token is valid.
pub const SUCCESS: u8 = 0;
/// An unexpected failure (I/O, the random source, a database error).
pub const FAILURE: u8 = 1;
/// Bad usage: an unknown flag, a value that does not parse, an impossible request.
pub const USAGE: u8 = 2;
/// A named token, org or user does not exist (or the keyring has no such secret).
pub const NOT_FOUND: u8 = 3;
/// A name is taken, or matches more than one token.
pub const CONFLICT: u8 = 4;
/// The acting user is unknown or lacks the role.
pub const FORBIDDEN: u8 = 5;
/// The store cannot be used: not a tokctl store, too new, read-only, locked.
pub const STORE: u8 = 6;
/// `--keyring required` and the keyring failed.
pub const KEYRING: u8 = 7;
/// A bulk change needs confirmation: not a terminal and no `--yes`, or declined.
pub const CONFIRMATION_REQUIRED: u8 = 8;
/// audit verify: the hash chain is broken.
pub const AUDIT_BROKEN: u8 = 9;
/// verify: the token is malformed or unknown.
pub const TOKEN_INVALID: u8 = 10;
/// verify: the token has expired.
pub const TOKEN_EXPIRED: u8 = 11;
/// verify: the token was revoked.
pub const TOKEN_REVOKED: u8 = 12;
/// verify: the token lacks the required scope.
pub const TOKEN_INSUFFICIENT_SCOPE: u8 = 13;
/// verify: a secret rotated away, presented after its grace period (possible leak).
pub const TOKEN_ROTATED: u8 = 14;
/// verify: the token is deactivated (an admin may activate it again).
pub const TOKEN_DEACTIVATED: u8 = 15;

/// check: tokens expiring soon were found (and no stale ones).
pub const CHECK_EXPIRING: u8 = 20;
/// check: stale tokens were found (and none expiring soon).
pub const CHECK_STALE: u8 = 21;
/// check: both were found.
pub const CHECK_BOTH: u8 = 22;

/// policy check: live tokens break their org's policy.
pub const POLICY_VIOLATIONS: u8 = 23;

/// The store was refused as unsafe: files another user can read or change,
/// or schema objects tokctl did not create.
pub const STORE_UNSAFE: u8 = 24;

/// notify: the mail program did not take some reminders (they are tried
/// again next run); the others went out.
pub const NOTIFY_FAILED: u8 = 25;
/// scan: only tokens that no longer work were found (revoked, expired,
/// rotated away), and everything was read.
pub const SCAN_DEAD: u8 = 26;
/// scan: a token that works or may work again was found, or one this store
/// does not know (it may work with another store).
pub const SCAN_LIVE: u8 = 27;
/// scan: a path or input could not be read, and nothing that works was
/// found in the rest.
pub const SCAN_INCOMPLETE: u8 = 28;

/// Ctrl-C at a prompt (128 + SIGINT, as shells report it): nothing changed.
pub const INTERRUPTED: u8 = 130;

/// The exit code for a library error.
pub fn code_for(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Usage => USAGE,
        ErrorKind::NotFound => NOT_FOUND,
        ErrorKind::Conflict => CONFLICT,
        ErrorKind::Forbidden => FORBIDDEN,
        ErrorKind::Store => STORE,
        ErrorKind::Keyring => KEYRING,
        ErrorKind::Unsafe => STORE_UNSAFE,
        ErrorKind::ChainBroken => AUDIT_BROKEN,
        ErrorKind::Internal => FAILURE,
        ErrorKind::Rejected(reason) => code_for_rejection(reason),
    }
}

/// The exit code for a refused token: verify's verdict, or a rejected
/// secret given to another command.
pub fn code_for_rejection(reason: Rejection) -> u8 {
    match reason {
        Rejection::Malformed | Rejection::Unknown => TOKEN_INVALID,
        Rejection::Expired => TOKEN_EXPIRED,
        Rejection::Revoked => TOKEN_REVOKED,
        Rejection::InsufficientScope => TOKEN_INSUFFICIENT_SCOPE,
        Rejection::Rotated => TOKEN_ROTATED,
        Rejection::Deactivated => TOKEN_DEACTIVATED,
    }
}

/// Wraps a code for `main`.
pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// The table shown at the end of `tokctl --help` (lines under 90 columns, so clap does not wrap them).
pub const HELP_TABLE: &str = "\
Exit codes (docs/exit-codes.md):
  0 ok  1 failure  2 bad usage  3 not found  4 name taken or ambiguous  5 forbidden or policy
  6 store unusable  7 keyring failed  8 confirmation needed (--yes)  9 audit chain broken
  verify: 10 malformed/unknown  11 expired  12 revoked  13 lacks scope  14 rotated-away secret
          15 deactivated
  check: 20 expiring  21 stale  22 both;  policy check: 23 violations found
  24 store refused as unsafe (other users' access, schema objects tokctl did not create)
  25 notify: the mail program refused some reminders (tried again next run)
  scan: 26 only dead tokens found  27 live or unknown tokens found  28 incomplete (unreadable)
  130 interrupted at a prompt (Ctrl-C): nothing changed

The secret is shown once and kept in the OS keyring; the store holds only its hash.
Guide: docs/GUIDE.md.  Every command: tokctl COMMAND --help";
