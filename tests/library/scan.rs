//! The scan's finder (pure: text in, hits out) and the library side of
//! `tokctl scan`: which token each found secret is, read-only, and revoking
//! the live ones through plan and apply.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use tokctl::clock::FixedClock;
use tokctl::duration::parse_time;
use tokctl::keyring::{KeyringMode, MemoryKeyring};
use tokctl::model::{Role, TokenId, TokenKind};
use tokctl::ops::{FoundStatus, RotateRequest, SecretMatch, Session, Switch};
use tokctl::scan::{Finder, Finding, Origin};
use tokctl::secret::Generator;
use tokctl::store::{Store, StoreLocation};

use crate::common::session::{create, harness, revoke_named, Harness};

fn mint(kind: TokenKind, key: i64) -> String {
    Generator::default()
        .mint(kind, TokenId::from_key(key).unwrap())
        .unwrap()
        .secret
        .expose()
        .to_owned()
}

/// The same token with one character of its body changed.
fn broken(token: &str, at: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

fn found(text: &str) -> Vec<(u64, u64, u64, String)> {
    Finder::new()
        .find(text.as_bytes())
        .into_iter()
        .map(|hit| (hit.offset, hit.line, hit.column, hit.token.redacted()))
        .collect()
}

fn shown(token: &str) -> String {
    format!("{}…{}", &token[..15], &token[59..])
}

#[test]
fn the_finder_reports_each_token_with_line_column_and_offset() {
    let a = mint(TokenKind::Personal, 1);
    let b = mint(TokenKind::Org, 2);
    let text = format!("first line\nTOKEN={a}\n  ünï {b} and {a}\n");
    let second_line = "first line\n".len() as u64;
    let third_line = second_line + format!("TOKEN={a}\n").len() as u64;
    assert_eq!(
        found(&text),
        [
            (second_line + 6, 2, 7, shown(&a)),
            // Columns count characters: "  ünï " is 6 of them, 8 bytes.
            (third_line + 8, 3, 7, shown(&b)),
            (third_line + 8 + 63 + 5, 3, 7 + 63 + 5, shown(&a)),
        ]
    );
}

#[test]
fn broken_checksums_truncations_and_near_misses_are_not_tokens() {
    let real = mint(TokenKind::Personal, 77);
    let mut text = String::new();
    for at in [4, 10, 15, 30, 62] {
        text.push_str(&broken(&real, at));
        text.push('\n');
    }
    text.push_str(&real[..62]);
    text.push_str("\ntkp_short tko_ tkx_");
    text.push_str(&real[4..]);
    text.push('\n');
    assert_eq!(found(&text), []);
    // The real one after all that noise is found, on line 8.
    text.push_str(&real);
    let hits = found(&text);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].1, 8);
}

#[test]
fn tokens_glued_to_other_text_or_overlapping_a_false_candidate_are_found() {
    let real = mint(TokenKind::Org, 5);
    // No word boundary needed: the checksum decides.
    assert_eq!(found(&format!("abc{real}xyz")).len(), 1);
    // A prefix whose 59 characters run into the real token: the false
    // candidate fails its checksum and the search resumes inside it.
    let hits = found(&format!("tkp_{real}"));
    assert_eq!(hits, [(4, 1, 5, shown(&real))]);
}

#[test]
fn a_hit_keeps_no_secret_only_prefix_id_and_last_four() {
    let real = mint(TokenKind::Personal, 9);
    let hits = Finder::new().find(real.as_bytes());
    let hit = &hits[0];
    assert_eq!(hit.token.kind, TokenKind::Personal);
    assert_eq!(hit.token.id.to_string(), &real[4..15]);
    assert_eq!(hit.token.tail, &real[59..]);
    assert_eq!(hit.token.redacted(), shown(&real));
    let debug = format!("{hits:?}");
    assert!(!debug.contains(&real[15..59]), "{debug}");
}

#[test]
fn crlf_lines_and_binary_bytes_do_not_move_lines() {
    let real = mint(TokenKind::Personal, 11);
    let text = format!("a\r\nb\r\n\u{0}\u{1}{real}");
    assert_eq!(found(&text), [(8, 3, 3, shown(&real))]);
}

/// Findings as a file scan would report them, one per hit.
fn findings(text: &str, path: &str) -> Vec<Finding> {
    Finder::new()
        .find(text.as_bytes())
        .into_iter()
        .map(|hit| Finding {
            origin: Origin::File,
            path: PathBuf::from(path),
            hit,
        })
        .collect()
}

fn statuses(h: &Harness, found: &[Finding]) -> Vec<FoundStatus> {
    h.session
        .identify_found(found.iter().map(|finding| &finding.hit.token))
        .unwrap()
        .into_iter()
        .map(|identified| identified.status)
        .collect()
}

#[test]
fn found_tokens_are_identified_live_deactivated_rotated_expired_revoked_or_unknown() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "30d").secret;
    let off = create(&mut h, "off", &["repo:read"], "30d").secret;
    let rotated = create(&mut h, "rotated", &["repo:read"], "30d").secret;
    let short = create(&mut h, "short", &["repo:read"], "1d").secret;
    let revoked = create(&mut h, "revoked", &["repo:read"], "30d").secret;
    let grace = create(&mut h, "grace", &["repo:read"], "30d").secret;
    h.session
        .rotate_token(RotateRequest {
            reference: "rotated".into(),
            ..RotateRequest::default()
        })
        .unwrap();
    h.session
        .rotate_token(RotateRequest {
            reference: "grace".into(),
            grace: Some("7d".parse().unwrap()),
            ..RotateRequest::default()
        })
        .unwrap();
    revoke_named(&mut h.session, &["revoked".into()], None, None).unwrap();
    let plan = h
        .session
        .plan_switch_named(Switch::Deactivate, &["off".into()], None)
        .unwrap();
    h.session.switch_planned(&plan, None).unwrap();
    h.clock.advance(Duration::days(2));
    // Another store's first token has this store's first token's id.
    let other_store = mint(TokenKind::Personal, 1);
    assert_eq!(other_store[4..15], live.expose()[4..15]);

    let text = [
        live.expose(),
        off.expose(),
        rotated.expose(),
        short.expose(),
        revoked.expose(),
        grace.expose(),
        &other_store,
        live.expose(),
    ]
    .join("\n");
    let found = findings(&text, "leak.log");
    let before = h.session.list_tokens_for_test();
    assert_eq!(
        statuses(&h, &found),
        [
            FoundStatus::Live,
            FoundStatus::Deactivated,
            FoundStatus::Rotated,
            FoundStatus::Expired,
            FoundStatus::Revoked,
            FoundStatus::Live,
            FoundStatus::Unknown,
            FoundStatus::Live,
        ]
    );
    let identified = h
        .session
        .identify_found(found.iter().map(|finding| &finding.hit.token))
        .unwrap();
    assert_eq!(identified[0].token.as_ref().unwrap().name, "live");
    assert_eq!(identified[0].secret, Some(SecretMatch::Current));
    assert!(matches!(
        identified[5].secret,
        Some(SecretMatch::OldStillValid { .. })
    ));
    // Unknown: no details of the store's token whose id it shares.
    assert!(identified[6].token.is_none() && identified[6].secret.is_none());
    // Read-only: nothing was used or written.
    assert_eq!(h.session.list_tokens_for_test(), before);
}

trait Snapshot {
    /// Every token's name, use count, last use and revocation, and the
    /// number of audit events: what a read-only lookup must leave alone.
    fn list_tokens_for_test(&self) -> String;
}

impl Snapshot for Session {
    fn list_tokens_for_test(&self) -> String {
        let selection = tokctl::ops::Selection {
            status: tokctl::ops::StatusChoice::All,
            ..tokctl::ops::Selection::default()
        };
        let tokens: Vec<String> = self
            .select_tokens(&selection)
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{} {} {:?} {:?}",
                    t.name, t.use_count, t.last_used_at, t.revoked_at
                )
            })
            .collect();
        let mut events = 0;
        self.audit_events(&tokctl::ops::AuditQuery::default(), |_| {
            events += 1;
            Ok::<(), tokctl::Error>(())
        })
        .unwrap();
        format!("{tokens:?} events={events}")
    }
}

#[test]
fn revoking_found_tokens_plans_the_live_ones_and_records_where_they_were_found() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "30d").secret;
    let off = create(&mut h, "off", &["repo:read"], "30d").secret;
    let dead = create(&mut h, "dead", &["repo:read"], "30d").secret;
    revoke_named(&mut h.session, &["dead".into()], None, None).unwrap();
    let plan = h
        .session
        .plan_switch_named(Switch::Deactivate, &["off".into()], None)
        .unwrap();
    h.session.switch_planned(&plan, None).unwrap();
    let text = format!(
        "x\n  {}\n{}\n{}\n{}\n{}",
        live.expose(),
        dead.expose(),
        off.expose(),
        mint(TokenKind::Org, 4242),
        live.expose()
    );
    let found = findings(&text, "logs/app.log");

    let plan = h.session.plan_revoke_found(&found).unwrap();
    let planned: Vec<(&str, usize, &str)> = plan
        .tokens
        .iter()
        .map(|item| (item.token.name.as_str(), item.places, item.reason.as_str()))
        .collect();
    assert_eq!(
        planned,
        [
            (
                "live",
                2,
                "leaked: found by a scan at logs/app.log:2:3 and 1 more place"
            ),
            ("off", 1, "leaked: found by a scan at logs/app.log:4:1"),
        ]
    );
    assert!(plan.tokens.iter().all(|item| item.visible));

    let done = h.session.revoke_found_planned(&plan).unwrap();
    let revoked: Vec<(&str, bool, Option<&str>)> = done
        .revoked
        .iter()
        .map(|item| {
            (
                item.token.name.as_str(),
                item.newly,
                item.token.revoke_reason.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        revoked,
        [
            (
                "live",
                true,
                Some("leaked: found by a scan at logs/app.log:2:3 and 1 more place")
            ),
            (
                "off",
                true,
                Some("leaked: found by a scan at logs/app.log:4:1")
            ),
        ]
    );
    assert!(done.skipped.is_empty());
    // Nothing live is left to plan.
    assert!(h
        .session
        .plan_revoke_found(&found)
        .unwrap()
        .tokens
        .is_empty());
    assert_eq!(
        statuses(&h, &found),
        [
            FoundStatus::Revoked,
            FoundStatus::Revoked,
            FoundStatus::Revoked,
            FoundStatus::Unknown,
            FoundStatus::Revoked
        ]
    );
}

#[test]
fn a_token_revoked_between_plan_and_apply_is_reported_unchanged() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "30d").secret;
    let found = findings(live.expose(), "a.txt");
    let plan = h.session.plan_revoke_found(&found).unwrap();
    revoke_named(&mut h.session, &["live".into()], None, Some("by hand")).unwrap();
    let done = h.session.revoke_found_planned(&plan).unwrap();
    assert_eq!(done.revoked.len(), 1);
    assert!(!done.revoked[0].newly);
    assert_eq!(
        done.revoked[0].token.revoke_reason.as_deref(),
        Some("by hand")
    );
}

#[test]
fn a_reason_quotes_a_hostile_path_on_one_line_without_token_text() {
    let mut h = harness();
    let live = create(&mut h, "live", &["repo:read"], "30d").secret;
    let other = mint(TokenKind::Personal, 999);
    let path = format!("dir\nwith {other} and {}", "x".repeat(600));
    let found = findings(live.expose(), &path);
    let plan = h.session.plan_revoke_found(&found).unwrap();
    let reason = &plan.tokens[0].reason;
    assert!(!reason.contains('\n') && !reason.contains(&other[15..]));
    assert!(reason.chars().count() <= 500, "{}", reason.len());
    // The revoke accepts it.
    h.session.revoke_found_planned(&plan).unwrap();
}

fn session_on(path: &std::path::Path, user: &str, clock: Arc<FixedClock>) -> Session {
    let location = StoreLocation {
        path: path.to_owned(),
        create_dirs: false,
    };
    let mut session = Session::new(
        Store::open(&location).unwrap().store,
        clock,
        Box::new(MemoryKeyring::default()),
        KeyringMode::Off,
        user,
    );
    session.bootstrap_if_empty().unwrap();
    session
}

#[test]
fn members_see_only_the_status_of_tokens_not_theirs_and_may_still_revoke_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let clock = Arc::new(FixedClock::new(parse_time("2026-11-22T10:00:00Z").unwrap()));
    let mut owner = session_on(&path, "alice", clock.clone());
    owner.add_user("bob").unwrap();
    owner.set_member("default", "bob", Role::Member).unwrap();
    let secret = owner
        .create_token(crate::common::session::request("ci", &["repo:read"], "30d"))
        .unwrap()
        .secret;
    let found = findings(secret.expose(), "ci.log");

    let mut bob = session_on(&path, "bob", clock.clone());
    let identified = bob
        .identify_found(found.iter().map(|finding| &finding.hit.token))
        .unwrap();
    assert_eq!(identified[0].status, FoundStatus::Live);
    assert!(
        identified[0].token.is_none(),
        "bob may not see alice's token"
    );

    // Someone who is no user of the store sees statuses too, and no more.
    let stranger = session_on(&path, "mallory", clock);
    let seen = stranger
        .identify_found(found.iter().map(|finding| &finding.hit.token))
        .unwrap();
    assert_eq!(seen[0].status, FoundStatus::Live);
    assert!(seen[0].token.is_none());

    // Holding the secret is authority enough to revoke, as revoke --secret-stdin.
    let plan = bob.plan_revoke_found(&found).unwrap();
    assert_eq!(plan.tokens.len(), 1);
    assert!(!plan.tokens[0].visible);
    let done = bob.revoke_found_planned(&plan).unwrap();
    assert!(done.revoked[0].newly);
    assert_eq!(done.revoked[0].token.revoked_by.as_deref(), Some("bob"));
}
