//! The domain model: ids, orgs, users, roles and tokens. No I/O here.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use crate::clock::Timestamp;
use crate::error::{Error, Result};
use crate::scope::ScopeSet;

/// A token's public id: a positive 63-bit number, shown as 11 URL-safe
/// base64 characters.
///
/// Tokens are stored under sequential keys (1, 2, 3, … in minting order), so
/// inserts append to the table instead of landing at random places. The
/// public id is a fixed, invertible scramble of the key: ids look unrelated,
/// and verification still finds the row with one primary-key lookup. Ids are
/// not secrets; the secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(i64);

/// Length of a [`TokenId`]'s text form.
pub const TOKEN_ID_LEN: usize = 11;

const MASK_63: u64 = (1 << 63) - 1;
const SCRAMBLE_1: u64 = 0x5851_F42D_4C95_7F2D & MASK_63;
const SCRAMBLE_2: u64 = 0x1405_7B7E_F767_814F & MASK_63;
const UNSCRAMBLE_1: u64 = inverse_mod_2_63(SCRAMBLE_1);
const UNSCRAMBLE_2: u64 = inverse_mod_2_63(SCRAMBLE_2);

/// The multiplicative inverse of an odd number modulo 2^63 (Newton's method).
const fn inverse_mod_2_63(odd: u64) -> u64 {
    let mut inverse = odd;
    let mut round = 0;
    while round < 6 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
        round += 1;
    }
    inverse & MASK_63
}

/// A bijection on 63-bit numbers: multiply, fold the high half in, multiply.
/// Folding (x ^ x >> 32) undoes itself on 63 bits.
fn scramble(value: u64, first: u64, second: u64) -> u64 {
    let mut x = value.wrapping_mul(first) & MASK_63;
    x ^= x >> 32;
    x.wrapping_mul(second) & MASK_63
}

impl TokenId {
    /// Wraps a public id as stored in audit events. Ids are positive.
    pub fn from_i64(raw: i64) -> Option<Self> {
        (raw > 0).then_some(TokenId(raw))
    }

    /// The id of the token stored under `key` (positive).
    pub fn from_key(key: i64) -> Option<Self> {
        let key = u64::try_from(key)
            .ok()
            .filter(|key| *key > 0 && *key <= MASK_63)?;
        Self::from_i64(scramble(key, SCRAMBLE_1, SCRAMBLE_2) as i64)
    }

    /// The storage key of this token.
    pub fn key(self) -> i64 {
        scramble(self.0 as u64, UNSCRAMBLE_2, UNSCRAMBLE_1) as i64
    }

    /// The public value, as audit events record it.
    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// The big-endian bytes, as embedded in a token string.
    pub fn to_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.to_bytes()))
    }
}

impl FromStr for TokenId {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "token id",
                text,
                "expected 11 characters as shown by 'tokctl list'",
            )
        };
        if text.len() != TOKEN_ID_LEN {
            return Err(invalid());
        }
        let bytes: [u8; 8] = URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(invalid)?;
        TokenId::from_i64(i64::from_be_bytes(bytes)).ok_or_else(invalid)
    }
}

/// Who owns a token: a person, or the org itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Owned by a user within an org; revoked when the user is offboarded.
    Personal,
    /// Owned by the org; survives the member who made it leaving.
    Org,
}

impl TokenKind {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Personal => "personal",
            TokenKind::Org => "org",
        }
    }
}

impl FromStr for TokenKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "personal" => Ok(TokenKind::Personal),
            "org" => Ok(TokenKind::Org),
            _ => Err(Error::invalid(
                "token kind",
                text,
                "expected personal or org",
            )),
        }
    }
}

/// A member's role in an org, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Their own personal tokens only.
    Member,
    /// All tokens of the org.
    Admin,
    /// Everything, including members, roles and policy.
    Owner,
}

impl Role {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "member" => Ok(Role::Member),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            _ => Err(Error::invalid(
                "role",
                text,
                "expected owner, admin or member",
            )),
        }
    }
}

/// Whether a token can be used right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    /// Neither revoked nor expired.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked (this wins over expired).
    Revoked,
    /// Turned off for a while by an admin: refused by verify, but it can
    /// be activated again while it has not expired (expired and revoked
    /// win over it). It still holds its name and counts against the quota.
    Deactivated,
}

impl TokenStatus {
    /// The one rule of a token's status at `now`: revoked wins; expired from
    /// its expiry on (`expires_at <= now`); then deactivated; otherwise
    /// active ("live"). The stores' SQL states the same rule, checked by a
    /// test there.
    pub fn at(
        revoked_at: Option<Timestamp>,
        expires_at: Option<Timestamp>,
        deactivated_at: Option<Timestamp>,
        now: Timestamp,
    ) -> TokenStatus {
        if revoked_at.is_some() {
            TokenStatus::Revoked
        } else if expires_at.is_some_and(|at| at <= now) {
            TokenStatus::Expired
        } else if deactivated_at.is_some() {
            TokenStatus::Deactivated
        } else {
            TokenStatus::Active
        }
    }

    /// Whether a token of this status has not ended: active, or
    /// deactivated and so able to work again. Such a token holds its name
    /// (no second live token of it can be minted) and is what policy checks.
    pub fn not_ended(self) -> bool {
        matches!(self, TokenStatus::Active | TokenStatus::Deactivated)
    }

    /// The displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::Active => "active",
            TokenStatus::Expired => "expired",
            TokenStatus::Revoked => "revoked",
            TokenStatus::Deactivated => "deactivated",
        }
    }
}

/// An org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    /// Unique name.
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
}

/// Who a user is: a person, or a service account (a pipeline, a bot) that
/// holds tokens on the org's behalf and never leaves the way a person does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    /// A person (the default).
    #[default]
    Person,
    /// A service account: offboarding a person never touches it, and an
    /// org's policy may let it hold personal tokens where people may not.
    Service,
}

impl UserKind {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Person => "person",
            UserKind::Service => "service",
        }
    }
}

impl FromStr for UserKind {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "person" => Ok(UserKind::Person),
            "service" => Ok(UserKind::Service),
            _ => Err(Error::invalid(
                "user kind",
                text,
                "expected person or service",
            )),
        }
    }
}

/// Whether a user still works here. A removed user (offboarded) keeps
/// their row, so the tokens and events that name them still say who.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Registered and able to act.
    Active,
    /// Offboarded: no memberships, cannot act, kept for the record.
    Removed,
}

impl UserStatus {
    /// The displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Removed => "removed",
        }
    }
}

/// A user known to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Unique login name.
    pub name: String,
    /// When it was added.
    pub created_at: Timestamp,
    /// A name for people to read ("Ada Lovelace"), if known.
    pub display_name: Option<String>,
    /// An e-mail address, if known.
    pub email: Option<String>,
    /// A person or a service account.
    pub kind: UserKind,
    /// When the user was removed (offboarded); `None` while active.
    pub removed_at: Option<Timestamp>,
}

impl User {
    /// An active person named `name`, added at `now`, with nothing else known.
    pub fn new(name: &str, now: Timestamp) -> Self {
        User {
            name: name.to_owned(),
            created_at: now,
            display_name: None,
            email: None,
            kind: UserKind::Person,
            removed_at: None,
        }
    }

    /// Active, or removed.
    pub fn status(&self) -> UserStatus {
        match self.removed_at {
            Some(_) => UserStatus::Removed,
            None => UserStatus::Active,
        }
    }
}

/// The longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// The longest e-mail address, in characters (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Checks a display name: one printable line of at most
/// [`MAX_DISPLAY_NAME_CHARS`] characters holding no token. Unlike a login
/// it may start with any character a name can.
pub fn validate_display_name(name: &str) -> Result<()> {
    refuse_token_text("display name", name)?;
    if name.trim().is_empty() {
        return Err(Error::invalid("display name", name, "must not be empty"));
    }
    if name.trim() != name {
        return Err(Error::invalid(
            "display name",
            name,
            "must not start or end with white space",
        ));
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return Err(Error::invalid(
            "display name",
            name,
            format!("longer than {MAX_DISPLAY_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "display name",
            name,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks an e-mail address the way a directory needs it checked: one
/// `local@domain` with no white space or control characters, a dot in the
/// domain, at most [`MAX_EMAIL_CHARS`] characters. Whether the mailbox
/// exists is not tokctl's to know.
pub fn validate_email(email: &str) -> Result<()> {
    refuse_token_text("e-mail address", email)?;
    let invalid = |reason: &str| Error::invalid("e-mail address", email, reason.to_owned());
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(invalid("longer than 254 characters"));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("must not contain white space"));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(invalid("expected name@domain"));
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    if local.is_empty() || !domain_ok || local.contains('@') {
        return Err(invalid("expected name@domain"));
    }
    Ok(())
}

/// A user's membership in an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The org.
    pub org: String,
    /// The user.
    pub user: String,
    /// Their role there.
    pub role: Role,
}

/// Everything tokctl knows about a token, except its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Public id.
    pub id: TokenId,
    /// Personal or org.
    pub kind: TokenKind,
    /// The org it belongs to.
    pub org: String,
    /// The owning user; `None` for org tokens.
    pub owner: Option<String>,
    /// Unique per owner among live tokens.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// What it may do.
    pub scopes: ScopeSet,
    /// When it was minted.
    pub created_at: Timestamp,
    /// Who minted it.
    pub created_by: String,
    /// When it stops working; `None` for never.
    pub expires_at: Option<Timestamp>,
    /// When it last verified successfully (coalesced, see `ops::verify`).
    pub last_used_at: Option<Timestamp>,
    /// How many successful verifications have been recorded.
    pub use_count: u64,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// Why.
    pub revoke_reason: Option<String>,
    /// When the current secret was minted or last rotated.
    pub issued_at: Timestamp,
    /// When it was deactivated (`None`: never, or activated again since).
    pub deactivated_at: Option<Timestamp>,
    /// Who deactivated it.
    pub deactivated_by: Option<String>,
    /// Why.
    pub deactivate_reason: Option<String>,
    /// Whether the owner is a person or a service account (`None` for org tokens).
    pub owner_kind: Option<UserKind>,
    /// Whether the owner is still active or was removed (`None` for org tokens).
    pub owner_status: Option<UserStatus>,
}

impl Token {
    /// Whether the token is active, deactivated, expired or revoked at `now`.
    pub fn status(&self, now: Timestamp) -> TokenStatus {
        TokenStatus::at(self.revoked_at, self.expires_at, self.deactivated_at, now)
    }
}

/// Whether `text` holds something shaped like a tokctl token anywhere in it:
/// `tkp_` or `tko_` followed by at least 59 characters of the token alphabet
/// (`A-Z a-z 0-9 - _`; docs/token-format.md). Unlike the scanner's regular
/// expression this needs no boundary around it, so a token glued to other
/// text still counts: refusing such a value is cheap, storing a secret is not.
pub fn contains_token(text: &str) -> bool {
    crate::secret::token_runs(text)
        .any(|(_, run)| run >= crate::secret::TOKEN_LEN - crate::secret::PREFIX_LEN)
}

/// Refuses a free-text value that holds a token (see [`contains_token`]):
/// names, descriptions and reasons are stored in the clear and shown in
/// tables and exports, so a secret pasted into one would leak. The error
/// names the field, never the value.
pub fn refuse_token_text(what: &'static str, text: &str) -> Result<()> {
    if contains_token(text) {
        return Err(Error::TokenInText { what });
    }
    Ok(())
}

/// The longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// Checks a token name: [`validate_name`] with the token name's limit.
pub fn validate_token_name(name: &str) -> Result<()> {
    validate_name("token name", name, MAX_TOKEN_NAME_CHARS)
}

/// Checks a user-chosen name (org, user or token): one printable line of at
/// most `max` characters that does not start with `-` and holds no token.
pub fn validate_name(what: &'static str, name: &str, max: usize) -> Result<()> {
    refuse_token_text(what, name)?;
    if name.trim().is_empty() {
        return Err(Error::invalid(what, name, "must not be empty"));
    }
    if name.trim() != name {
        return Err(Error::invalid(
            what,
            name,
            "must not start or end with white space",
        ));
    }
    if name.chars().count() > max {
        return Err(Error::invalid(
            what,
            name,
            format!("longer than {max} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            what,
            name,
            "must not contain control characters",
        ));
    }
    if name.starts_with('-') {
        return Err(Error::invalid(what, name, "must not start with '-'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_round_trip_and_never_start_like_a_flag() {
        for key in [1, 2, 3, 1_000_000, i64::MAX] {
            let id = TokenId::from_key(key).unwrap();
            assert_eq!(id.key(), key);
            let text = id.to_string();
            assert_eq!(text.len(), TOKEN_ID_LEN);
            assert!(
                text.starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{text}"
            );
            assert_eq!(text.parse::<TokenId>().unwrap(), id);
        }
        assert!(TokenId::from_key(0).is_none());
        assert!(TokenId::from_key(-5).is_none());
    }

    #[test]
    fn neighbouring_keys_get_unrelated_ids() {
        let a = TokenId::from_key(41).unwrap().to_string();
        let b = TokenId::from_key(42).unwrap().to_string();
        let shared = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
        assert!(shared < 3, "{a} {b}");
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "short",
            "AAAAAAAAAAA",
            "!!!!!!!!!!!",
            "_AAAAAAAAAA",
            "AAAAAAAAAAAB",
        ] {
            assert!(bad.parse::<TokenId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_single_printable_lines() {
        assert!(validate_name("token name", "deploy bot (api)", 100).is_ok());
        for bad in ["", " x", "x ", "a\nb", "-x", &"x".repeat(101)] {
            assert!(validate_name("token name", bad, 100).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn token_names_are_at_most_a_hundred_characters() {
        assert!(validate_token_name(&"x".repeat(100)).is_ok());
        let err = validate_token_name(&"x".repeat(101)).unwrap_err();
        assert!(
            err.to_string().contains("longer than 100 characters"),
            "{err}"
        );
    }

    #[test]
    fn values_holding_a_token_anywhere_are_refused() {
        let token = format!("tkp_{}", "aB3-_".repeat(12).get(..59).unwrap());
        assert_eq!(token.len(), crate::secret::TOKEN_LEN);
        for text in [
            token.clone(),
            token.replacen("tkp_", "tko_", 1),
            format!("leaked: {token}, see ticket"),
            format!("glued{token}glued"),
        ] {
            assert!(contains_token(&text), "{text}");
            let err = validate_name("token name", &text, 1000).unwrap_err();
            assert!(matches!(err, Error::TokenInText { what: "token name" }));
            assert!(!err.to_string().contains(&token[4..]), "{err}");
        }
        for text in [
            "tkp_".to_owned(),
            token[..62].to_owned(),
            token.replacen("tkp_", "tkx_", 1),
            token.replacen("tkp_", "TKP_", 1),
            format!("{} {}", &token[..30], &token[30..]),
            "ünïcödé tkp_ names".to_owned(),
        ] {
            assert!(!contains_token(&text), "{text}");
        }
    }
}
