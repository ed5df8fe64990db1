//! Properties over many generated inputs: the parsers and the token format.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use proptest::prelude::*;
use tokctl::duration::{Span, Unit};
use tokctl::model::{TokenId, TokenKind};
use tokctl::scope::{Scope, ScopeSet};
use tokctl::secret::{parse, Generator};

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        Just(Unit::Minutes),
        Just(Unit::Hours),
        Just(Unit::Days),
        Just(Unit::Weeks),
        Just(Unit::Months),
        Just(Unit::Years),
    ]
}

proptest! {
    #[test]
    fn token_ids_round_trip_through_text_and_keys(key in 1i64..=i64::MAX) {
        let id = TokenId::from_key(key).unwrap();
        prop_assert_eq!(id.key(), key);
        prop_assert_eq!(id.to_string().parse::<TokenId>().unwrap(), id);
    }

    #[test]
    fn minted_tokens_parse_back_to_their_id_and_kind(key in 1i64..=i64::MAX, org in any::<bool>()) {
        let kind = if org { TokenKind::Org } else { TokenKind::Personal };
        let id = TokenId::from_key(key).unwrap();
        let minted = Generator::default().mint(kind, id).unwrap();
        let parsed = parse(minted.secret.expose()).unwrap();
        prop_assert_eq!((parsed.id, parsed.kind), (id, kind));
        prop_assert_eq!(parsed.hash(), minted.hash);
    }

    #[test]
    fn one_changed_character_never_parses(
        key in 1i64..=i64::MAX,
        position in 0usize..63,
        replacement in proptest::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".chars().collect::<Vec<_>>()
        ),
    ) {
        let minted = Generator::default().mint(TokenKind::Personal, TokenId::from_key(key).unwrap()).unwrap();
        let mut text: Vec<char> = minted.secret.expose().chars().collect();
        prop_assume!(text[position] != replacement);
        text[position] = replacement;
        let changed: String = text.into_iter().collect();
        // The CRC-32 catches every single-character change; a change to the id
        // that still passed would name another token and fail its secret hash.
        prop_assert!(parse(&changed).is_err());
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers(text in ".{0,80}") {
        let _ = parse(&text);
        let _ = text.parse::<Span>();
        let _ = text.parse::<Scope>();
        let _ = text.parse::<TokenId>();
        let _ = tokctl::duration::parse_time(&text);
        let _ = tokctl::secret::redact_tokens(&text);
    }

    #[test]
    fn durations_print_and_parse_back(amount in 0u32..=1200, unit in unit()) {
        let span = Span::new(amount, unit);
        if let Ok(parsed) = span.to_string().parse::<Span>() {
            prop_assert_eq!(parsed, span);
        } else {
            // Only spans longer than a century are refused: here, over 100 years.
            prop_assert!(unit == Unit::Years && amount > 100);
        }
    }

    /// Making a set canonical never drops a grant: every scope that went in
    /// is still allowed, and the text form reads back to the same set.
    #[test]
    fn canonical_scope_sets_keep_every_grant(
        scopes in proptest::collection::vec(
            ("[ab]", 0usize..3, proptest::option::of(proptest::collection::vec("[a-d]", 1..4))),
            1..6,
        ),
    ) {
        let parsed: Vec<Scope> = scopes
            .iter()
            .map(|(resource, action, names)| {
                let mut text = format!("{resource}:{}", ["read", "write", "admin"][*action]);
                if let Some(names) = names {
                    text.push_str(&format!("[{}]", names.join(",")));
                }
                text.parse().unwrap()
            })
            .collect();
        let set = ScopeSet::new(parsed.clone());
        for scope in &parsed {
            prop_assert!(set.allows(scope), "{} lost from {}", scope, set);
        }
        prop_assert_eq!(ScopeSet::parse_stored(&set.to_stored()).unwrap(), set);
    }

    #[test]
    fn scope_sets_print_and_parse_back(
        scopes in proptest::collection::vec(("[a-z][a-z0-9_.-]{0,10}", 0usize..3), 1..6),
    ) {
        let parsed: Vec<Scope> = scopes
            .iter()
            .map(|(resource, action)| format!("{resource}:{}", ["read", "write", "admin"][*action]).parse().unwrap())
            .collect();
        let set = ScopeSet::new(parsed);
        prop_assert_eq!(ScopeSet::parse_stored(&set.to_stored()).unwrap(), set);
    }
}
