//! Token strings: generation, parsing, checksum and hashing.
//!
//! Format (63 ASCII characters, URL-safe base64 without padding):
//!
//! ```text
//! tkp_ AAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
//! │    │           └ 48 chars: base64url(secret[32] ‖ checksum[4])
//! │    └ 11 chars: the public token id, base64url(id as 8 big-endian bytes)
//! └ prefix: tkp_ personal, tko_ org
//! ```
//!
//! The checksum is CRC-32 (IEEE) of prefix ‖ id ‖ secret, big-endian, as in
//! GitHub's tokens: it catches typos and truncation before the store is
//! touched, and costs nanoseconds on the verify path. It is no security
//! measure; the 256-bit secret is. The store keeps only SHA-256(secret). A
//! secret scanner matches every token with `tk[po]_[A-Za-z0-9_-]{59}`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::digest::{digest, SHA256};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::error::{Error, Rejection, Result};
use crate::model::{TokenId, TokenKind, TOKEN_ID_LEN};

/// Bytes of randomness in a secret (256 bits).
pub const SECRET_BYTES: usize = 32;
const CHECKSUM_BYTES: usize = 4;
/// Length of the kind prefix (`tkp_`, `tko_`).
pub(crate) const PREFIX_LEN: usize = 4;
/// Length of a token string.
pub const TOKEN_LEN: usize = PREFIX_LEN + TOKEN_ID_LEN + 48;

/// The stored digest of a secret.
pub type SecretHash = [u8; 32];

/// A token string. Never printed by accident: `Debug` shows `REDACTED`,
/// there is no `Display`, and the memory is wiped on drop.
/// [`Secret::expose`] is the one way to read it.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The token string. Call only where it must leave the process
    /// (the one-time display, the keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Wraps a string read back from the keyring or stdin.
    pub fn from_string(text: String) -> Self {
        Secret(Zeroizing::new(text))
    }

    /// Whether this is the current secret of token `id`, whose stored
    /// digest is `stored`: well-formed, naming that id, and hashing to it
    /// (compared in constant time).
    pub fn is_current(&self, id: TokenId, stored: &[u8]) -> bool {
        parse(self.expose())
            .is_ok_and(|parsed| parsed.id == id && hashes_match(stored, &parsed.hash()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

/// A token that was just minted: its string (shown once) and the digest to store.
#[derive(Debug)]
pub struct Minted {
    /// The public id.
    pub id: TokenId,
    /// The full token string.
    pub secret: Secret,
    /// SHA-256 of the secret part.
    pub hash: SecretHash,
}

/// The source of all randomness: ring's `SystemRandom` (the OS CSPRNG).
#[derive(Debug, Clone)]
pub struct Generator(SystemRandom);

impl Default for Generator {
    fn default() -> Self {
        Generator(SystemRandom::new())
    }
}

impl Generator {
    /// Mints a new secret for the token `id`.
    pub fn mint(&self, kind: TokenKind, id: TokenId) -> Result<Minted> {
        let mut secret = Zeroizing::new([0u8; SECRET_BYTES]);
        self.0.fill(secret.as_mut()).map_err(|_| Error::Random)?;
        let mut body = Zeroizing::new([0u8; SECRET_BYTES + CHECKSUM_BYTES]);
        body[..SECRET_BYTES].copy_from_slice(secret.as_ref());
        body[SECRET_BYTES..].copy_from_slice(&checksum(kind, id, &secret));

        let mut text = Zeroizing::new(String::with_capacity(TOKEN_LEN));
        text.push_str(prefix(kind));
        URL_SAFE_NO_PAD.encode_string(id.to_bytes(), &mut text);
        URL_SAFE_NO_PAD.encode_string(body.as_ref(), &mut text);
        debug_assert_eq!(text.len(), TOKEN_LEN);
        Ok(Minted {
            id,
            secret: Secret(text),
            hash: hash_secret(&secret),
        })
    }
}

/// A token string taken apart. The secret bytes are wiped on drop.
#[derive(Debug)]
pub struct ParsedToken {
    /// From the prefix.
    pub kind: TokenKind,
    /// The embedded public id.
    pub id: TokenId,
    secret: Zeroizing<[u8; SECRET_BYTES]>,
}

impl ParsedToken {
    /// SHA-256 of the secret, to compare with the stored digest.
    pub fn hash(&self) -> SecretHash {
        hash_secret(&self.secret)
    }
}

/// Takes a presented token string apart, checking its prefix, length,
/// alphabet and checksum. Touches no store.
pub fn parse(text: &str) -> Result<ParsedToken> {
    let malformed = || Error::Rejected {
        reason: Rejection::Malformed,
    };
    if text.len() != TOKEN_LEN || !text.is_ascii() {
        return Err(malformed());
    }
    let (prefix_text, rest) = text.split_at(PREFIX_LEN);
    let kind = match prefix_text {
        "tkp_" => TokenKind::Personal,
        "tko_" => TokenKind::Org,
        _ => return Err(malformed()),
    };
    let (id_text, body_text) = rest.split_at(TOKEN_ID_LEN);
    let id: TokenId = id_text.parse().map_err(|_| malformed())?;

    let mut body = Zeroizing::new([0u8; SECRET_BYTES + CHECKSUM_BYTES]);
    match URL_SAFE_NO_PAD.decode_slice(body_text, body.as_mut()) {
        Ok(len) if len == body.len() => {}
        _ => return Err(malformed()),
    }
    let mut secret = Zeroizing::new([0u8; SECRET_BYTES]);
    secret.copy_from_slice(&body[..SECRET_BYTES]);
    // The checksum is not a secret: a plain comparison is fine here.
    if body[SECRET_BYTES..] != checksum(kind, id, &secret) {
        return Err(malformed());
    }
    Ok(ParsedToken { kind, id, secret })
}

/// Compares two digests in constant time: the differences of the four
/// 64-bit words are OR-ed together with no branch on their bytes, and only
/// that one word is tested, through `subtle` (ring's own helper is
/// deprecated). `subtle`'s comparison of the 32 bytes one by one, each
/// behind an optimization barrier, cost about 150 ns a call, as much as 5%
/// of a whole verification; this costs a few (docs/PERFORMANCE.md). Only
/// the lengths, which are public, are compared plainly.
pub fn hashes_match(stored: &[u8], presented: &SecretHash) -> bool {
    use subtle::ConstantTimeEq;
    if stored.len() != presented.len() {
        return false;
    }
    let word = |digest: &[u8], at: usize| {
        // Always 8 bytes: `at` steps through a 32-byte digest.
        u64::from_ne_bytes(digest[at..at + 8].try_into().unwrap_or_default())
    };
    let mut difference = 0u64;
    for at in (0..presented.len()).step_by(8) {
        difference |= word(stored, at) ^ word(presented, at);
    }
    bool::from(difference.ct_eq(&0))
}

fn prefix(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Personal => "tkp_",
        TokenKind::Org => "tko_",
    }
}

fn checksum(kind: TokenKind, id: TokenId, secret: &[u8; SECRET_BYTES]) -> [u8; CHECKSUM_BYTES] {
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix(kind).as_bytes());
    crc.update(&id.to_bytes());
    crc.update(secret);
    crc.finalize().to_be_bytes()
}

fn hash_secret(secret: &[u8; SECRET_BYTES]) -> SecretHash {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, secret).as_ref());
    out
}

/// How much stack [`scrub_stack`] overwrites: more than parsing and hashing a
/// token use, in debug builds too.
const STACK_SCRUB_BYTES: usize = 8 * 1024;

/// Overwrites the stack below the caller's frame with zeros. Parsing and
/// hashing a secret leave copies of its bytes in stack frames that are gone
/// (SHA-256 copies a short input into its block buffer), where no wrapper
/// type can wipe them; a caller that handled a secret in deeper calls calls
/// this once they returned. Best effort: it covers the frames of calls made
/// from the caller, to this depth, not the caller's own frame.
#[inline(never)]
pub fn scrub_stack() {
    let mut zeros = [0u8; STACK_SCRUB_BYTES];
    // Keeps the writes: the optimizer must assume the zeros are read.
    std::hint::black_box(&mut zeros);
}

/// Every place `text` starts something shaped like a token: the byte
/// offset of each `tkp_` or `tko_` and how many token-alphabet characters
/// (`A-Z a-z 0-9 - _`) follow it. What counts as long enough is the caller's
/// call: [`redact_tokens`] hides anything that could carry an id,
/// [`crate::model::contains_token`] refuses a whole token.
pub(crate) fn token_runs(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let is_token_char = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
    (0..(bytes.len() + 1).saturating_sub(PREFIX_LEN)).filter_map(move |at| {
        let prefix = &bytes[at..at + PREFIX_LEN];
        (prefix == b"tkp_" || prefix == b"tko_").then(|| {
            let run = bytes[at + PREFIX_LEN..]
                .iter()
                .take_while(|b| is_token_char(b))
                .count();
            (at, run)
        })
    })
}

/// Replaces everything in `text` that looks like a tokctl token with
/// `tkp_[REDACTED]`, so a token pasted into the wrong place (an argument, a
/// name) is never echoed back into a terminal log or an error message.
pub fn redact_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, run) in token_runs(text) {
        // Anything long enough to carry an id and part of a secret is hidden;
        // a prefix inside a run already hidden is skipped.
        if at < copied || run < TOKEN_ID_LEN {
            continue;
        }
        out.push_str(&text[copied..at + PREFIX_LEN]);
        out.push_str("[REDACTED]");
        copied = at + PREFIX_LEN + run;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minted(kind: TokenKind) -> Minted {
        Generator::default()
            .mint(kind, TokenId::from_key(7).unwrap())
            .unwrap()
    }

    #[test]
    fn minted_tokens_parse_back() {
        for kind in [TokenKind::Personal, TokenKind::Org] {
            let token = minted(kind);
            let text = token.secret.expose();
            assert_eq!(text.len(), TOKEN_LEN);
            assert!(text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
            assert_eq!(&text[4..15], token.id.to_string());
            let parsed = parse(text).unwrap();
            assert_eq!((parsed.kind, parsed.id), (kind, token.id));
            assert!(hashes_match(&token.hash, &parsed.hash()));
        }
    }

    #[test]
    fn any_single_character_change_is_caught_by_the_checksum() {
        let token = minted(TokenKind::Personal);
        let text = token.secret.expose();
        for position in 0..text.len() {
            for replacement in ['A', 'z', '0', '-', '_'] {
                let mut bytes = text.as_bytes().to_vec();
                if bytes[position] == replacement as u8 {
                    continue;
                }
                bytes[position] = replacement as u8;
                let changed = String::from_utf8(bytes).unwrap();
                assert!(
                    parse(&changed).is_err(),
                    "position {position} -> {replacement}"
                );
            }
        }
    }

    #[test]
    fn truncated_or_padded_tokens_are_malformed() {
        let token = minted(TokenKind::Org);
        let text = token.secret.expose();
        assert!(parse(&text[..TOKEN_LEN - 1]).is_err());
        assert!(parse(&format!("{text}=")).is_err());
        assert!(parse("").is_err());
        assert!(parse(&"é".repeat(TOKEN_LEN)).is_err());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let token = minted(TokenKind::Personal);
        let debug = format!("{token:?}");
        assert!(!debug.contains(token.secret.expose()));
        assert!(debug.contains("REDACTED"));
    }

    #[test]
    fn tokens_are_redacted_wherever_they_appear() {
        let token = minted(TokenKind::Personal);
        let text = format!(
            "error: unexpected argument '{}' found",
            token.secret.expose()
        );
        let redacted = redact_tokens(&text);
        assert_eq!(
            redacted,
            "error: unexpected argument 'tkp_[REDACTED]' found"
        );
        assert_eq!(redact_tokens("tkp_short and tko_"), "tkp_short and tko_");
        assert_eq!(redact_tokens("plain é text"), "plain é text");
    }

    #[test]
    fn digest_comparison_needs_equal_length_and_bytes() {
        let a = [1u8; 32];
        let mut b = a;
        assert!(hashes_match(&a, &b));
        b[31] = 2;
        assert!(!hashes_match(&a, &b));
        assert!(!hashes_match(&a[..31], &a));
    }

    /// The compare folds the digests word by word: a difference in any one
    /// bit of any byte, in any word, still tells them apart.
    #[test]
    fn digest_comparison_by_words_sees_every_bit() {
        let a: SecretHash = std::array::from_fn(|i| i as u8 * 7);
        for byte in 0..32 {
            for bit in 0..8 {
                let mut b = a;
                b[byte] ^= 1 << bit;
                assert!(!hashes_match(&a, &b), "byte {byte}, bit {bit}");
            }
        }
        assert!(hashes_match(&a, &a));
    }
}
