//! Attacks on the verify path through the library: guessing against more
//! tokens than the refusal counters hold stays bounded.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common;
use tokctl::model::TokenKind;
use tokctl::secret::Generator;

/// The library keeps at most so many counters per window: presenting
/// wrong secrets for more tokens than that lumps the rest per reason, so
/// the number of events stays bounded.
#[test]
fn guessing_against_more_tokens_than_the_counters_hold_stays_bounded() {
    use common::session::{harness_with, rejection, request};
    use tokctl::error::Rejection;
    use tokctl::keyring::{KeyringMode, MemoryKeyring};

    let mut h = harness_with(MemoryKeyring::default(), KeyringMode::Off);
    h.session.set_refusal_counter_limit(10);
    let created = h
        .session
        .create_tokens(
            (0..25)
                .map(|i| request(&format!("t{i}"), &["repo:read"], "1d"))
                .collect(),
        )
        .unwrap();
    let generator = Generator::default();
    for token in &created {
        for _ in 0..2 {
            let guess = generator.mint(TokenKind::Personal, token.token.id).unwrap();
            assert_eq!(
                rejection(h.session.verify(guess.secret.expose(), None)),
                Rejection::Unknown
            );
        }
    }
    h.session.flush_usage().unwrap();
    let mut events = Vec::new();
    let filter = tokctl::store::EventFilter {
        action: Some("token.verify".into()),
        ..Default::default()
    };
    h.session
        .store()
        .read()
        .for_each_event(&filter, |event| {
            events.push(event);
            Ok::<(), tokctl::Error>(())
        })
        .unwrap();
    assert_eq!(events.len(), 11, "ten counters and one lump: {events:?}");
    let lump = events.iter().find(|e| e.token_id.is_none()).unwrap();
    let details: serde_json::Value = serde_json::from_str(&lump.details).unwrap();
    assert_eq!(details["count"], 30);
    assert_eq!(details["beyond_limit"], 30);
    let named: u64 = events
        .iter()
        .filter(|e| e.token_id.is_some())
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.details).unwrap()["count"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(named, 20, "every refusal is counted once");
}
