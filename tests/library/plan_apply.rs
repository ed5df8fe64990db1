//! Plan, then apply, through the library, for every destructive operation
//! besides the bulk revoke (bulk_revoke.rs): prune, offboarding, the
//! policy revoke, and a revoke by name or by a leaked secret. A planned token
//! that changed before the apply is skipped and reported; a token that
//! started to qualify after the plan is not touched.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use crate::common::session::*;
use chrono::Duration;
use tokctl::model::{Role, Token};
use tokctl::ops::{CreateRequest, OwnerChoice, RotateRequest, SkipReason};
use tokctl::policy::PolicyChange;

fn names<'a>(tokens: impl IntoIterator<Item = &'a Token>) -> Vec<&'a str> {
    let mut names: Vec<&str> = tokens.into_iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    names
}

fn skips(skipped: &[(Token, SkipReason)]) -> Vec<(&str, SkipReason)> {
    let mut skips: Vec<(&str, SkipReason)> = skipped
        .iter()
        .map(|(token, why)| (token.name.as_str(), *why))
        .collect();
    skips.sort_unstable_by_key(|(name, _)| *name);
    skips
}

fn renew(h: &mut Harness, name: &str, expires: &str) {
    h.session
        .rotate_token(RotateRequest {
            reference: name.into(),
            expiry: Some(expires.parse().unwrap()),
            ..RotateRequest::default()
        })
        .unwrap();
}

#[test]
fn a_prune_deletes_only_planned_tokens_that_still_ended_before_the_cutoff() {
    let mut h = harness();
    create(&mut h, "pruned-meanwhile", &["repo:read"], "1d");
    create(&mut h, "renewed-meanwhile", &["repo:read"], "5d");
    create(&mut h, "prunable", &["repo:read"], "5d");
    create(&mut h, "ends-later", &["repo:read"], "25d");
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    assert_eq!(
        names(&plan.tokens),
        ["prunable", "pruned-meanwhile", "renewed-meanwhile"]
    );
    assert_eq!(plan.before, h.session.now() - Duration::days(7));
    assert_eq!(h.session.preview_prune(&plan).len(), 3);

    // Between the plan and the run: another prune takes one token, one is
    // renewed, and time passes, so a fourth has now ended long enough ago.
    let other = h.session.plan_prune("27d".parse().unwrap(), None).unwrap();
    assert_eq!(names(&other.tokens), ["pruned-meanwhile"]);
    h.session.prune_planned(&other).unwrap();
    renew(&mut h, "renewed-meanwhile", "30d");
    h.clock.advance(Duration::days(10));
    let now_prunable = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    assert_eq!(names(&now_prunable.tokens), ["ends-later", "prunable"]);

    let done = h.session.prune_planned(&plan).unwrap();
    assert_eq!(names(done.pruned.iter().map(|p| &p.token)), ["prunable"]);
    assert_eq!(
        skips(&done.skipped),
        [
            ("pruned-meanwhile", SkipReason::Gone),
            ("renewed-meanwhile", SkipReason::Renewed),
        ]
    );
    assert!(
        h.session.show_token("ends-later", None).is_ok(),
        "a token that ended after the plan's cutoff stays"
    );
    assert!(h.session.show_token("prunable", None).is_err());
}

#[test]
fn a_prune_refuses_a_planned_token_whose_org_the_actor_no_longer_administers() {
    let mut h = harness();
    h.session.add_user("carol").unwrap();
    h.session.add_org("acme").unwrap();
    h.session.set_member("acme", "carol", Role::Owner).unwrap();
    h.session
        .create_token(CreateRequest {
            org: Some("acme".into()),
            ..request("acme-old", &["repo:read"], "1d")
        })
        .unwrap();
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    assert_eq!(names(&plan.tokens), ["acme-old"]);
    h.session.set_member("acme", "alice", Role::Member).unwrap();
    let err = h.session.prune_planned(&plan).unwrap_err();
    assert_eq!(err.kind(), tokctl::error::ErrorKind::Forbidden);
}

/// Alice (owner of `default`) with Bob as a member and a second org `acme`.
fn team() -> Harness {
    let mut h = harness();
    h.session.add_user("bob").unwrap();
    h.session
        .set_member("default", "bob", Role::Member)
        .unwrap();
    h.session.add_org("acme").unwrap();
    h
}

fn create_for_bob(h: &mut Harness, name: &str, expires: &str) -> Token {
    h.session
        .create_token(CreateRequest {
            owner: OwnerChoice::User("bob".into()),
            org: Some("default".into()),
            ..request(name, &["repo:read"], expires)
        })
        .unwrap()
        .token
}

#[test]
fn offboarding_acts_on_the_plan_and_reports_what_appeared_after_it() {
    let mut h = team();
    create_for_bob(&mut h, "bob-ci", "1y");
    create_for_bob(&mut h, "bob-revoked-meanwhile", "1y");
    create_for_bob(&mut h, "bob-pruned-meanwhile", "1d");
    h.clock.advance(Duration::days(30));
    let plan = h.session.plan_offboard("bob").unwrap();
    assert_eq!(plan.orgs, ["default"]);
    assert_eq!(
        names(&plan.tokens),
        ["bob-ci", "bob-pruned-meanwhile", "bob-revoked-meanwhile"]
    );

    // Between the plan and the run: one token is revoked, one pruned, Bob
    // mints another, and he joins another org.
    revoke_named(
        &mut h.session,
        &["bob-revoked-meanwhile".into()],
        None,
        None,
    )
    .unwrap();
    let prune = h.session.plan_prune("7d".parse().unwrap(), None).unwrap();
    assert_eq!(names(&prune.tokens), ["bob-pruned-meanwhile"]);
    h.session.prune_planned(&prune).unwrap();
    let minted = create_for_bob(&mut h, "bob-minted-after", "1y");
    h.session.set_member("acme", "bob", Role::Member).unwrap();

    let done = h.session.offboard_planned(&plan).unwrap();
    assert_eq!(names(done.revoked.iter().map(|r| &r.token)), ["bob-ci"]);
    assert!(done.revoked.iter().all(|r| r.newly));
    assert_eq!(
        skips(&done.skipped),
        [
            ("bob-pruned-meanwhile", SkipReason::Gone),
            ("bob-revoked-meanwhile", SkipReason::AlreadyRevoked),
        ]
    );
    assert_eq!(done.orgs, ["default"]);
    assert_eq!(names(&done.unplanned_tokens), ["bob-minted-after"]);
    assert_eq!(done.unplanned_orgs, ["acme"]);

    let after = h.session.show_token("bob-minted-after", None).unwrap();
    assert!(after.revoked_at.is_none(), "nobody confirmed revoking it");
    assert_eq!(after.id, minted.id);
    let members = h.session.list_members(None).unwrap();
    let bobs: Vec<&str> = members
        .iter()
        .filter(|m| m.user == "bob")
        .map(|m| m.org.as_str())
        .collect();
    assert_eq!(bobs, ["acme"], "only the planned membership is removed");

    // Offboarding again covers what the first run left.
    let again = h.session.plan_offboard("bob").unwrap();
    assert_eq!(names(&again.tokens), ["bob-minted-after"]);
    assert_eq!(again.orgs, ["acme"]);
    let done = h.session.offboard_planned(&again).unwrap();
    assert!(done.unplanned_tokens.is_empty() && done.unplanned_orgs.is_empty());
}

#[test]
fn offboarding_rechecks_the_last_owner_rule_at_apply() {
    let mut h = team();
    create_for_bob(&mut h, "bob-ci", "1y");
    let plan = h.session.plan_offboard("bob").unwrap();
    // After the plan, Bob becomes the only owner of `default` (Alice stays
    // an admin, so she may still offboard him).
    h.session.set_member("default", "bob", Role::Owner).unwrap();
    h.session
        .set_member("default", "alice", Role::Admin)
        .unwrap();
    let err = h.session.offboard_planned(&plan).unwrap_err();
    assert!(err.to_string().contains("last owner"), "{err}");
    let token = h.session.show_token("bob-ci", None).unwrap();
    assert!(
        token.revoked_at.is_none(),
        "a refused apply changes nothing"
    );
}

fn set_max_lifetime(h: &mut Harness, span: &str) {
    h.session
        .set_org_policy(
            "default",
            &PolicyChange {
                max_lifetime: Some(Some(span.parse().unwrap())),
                ..PolicyChange::default()
            },
        )
        .unwrap();
}

#[test]
fn a_policy_revoke_revokes_only_findings_that_still_break_the_policy() {
    let mut h = harness();
    create(&mut h, "breaks", &["repo:read"], "2y");
    create(&mut h, "revoked-meanwhile", &["repo:read"], "2y");
    create(&mut h, "fixed-meanwhile", &["repo:read"], "2y");
    create(&mut h, "complies-at-plan", &["repo:read"], "300d");
    set_max_lifetime(&mut h, "1y");
    let findings = h.session.policy_check(None).unwrap();
    assert_eq!(
        names(findings.iter().map(|f| &f.token)),
        ["breaks", "fixed-meanwhile", "revoked-meanwhile"]
    );

    // Between the check and the revoke: one is revoked, one rotated into
    // line, and the policy tightens so that a fourth breaks it too.
    revoke_named(&mut h.session, &["revoked-meanwhile".into()], None, None).unwrap();
    renew(&mut h, "fixed-meanwhile", "30d");
    set_max_lifetime(&mut h, "90d");
    let now_breaking = h.session.policy_check(None).unwrap();
    assert_eq!(
        names(now_breaking.iter().map(|f| &f.token)),
        ["breaks", "complies-at-plan"]
    );

    let done = h.session.revoke_noncompliant(&findings).unwrap();
    assert_eq!(names(done.revoked.iter().map(|r| &r.token)), ["breaks"]);
    let reason = done.revoked[0].token.revoke_reason.as_deref().unwrap();
    assert!(reason.starts_with("policy: "), "{reason}");
    assert_eq!(
        skips(&done.skipped),
        [
            ("fixed-meanwhile", SkipReason::Complies),
            ("revoked-meanwhile", SkipReason::AlreadyRevoked),
        ]
    );
    let untouched = h.session.show_token("complies-at-plan", None).unwrap();
    assert!(untouched.revoked_at.is_none(), "it was not in the findings");
}

#[test]
fn a_named_revoke_runs_the_planned_ids_not_the_names_again() {
    let mut h = harness();
    let first = create(&mut h, "deploy", &["repo:read"], "1y");
    create(&mut h, "short", &["repo:read"], "1d");
    let plan = h
        .session
        .plan_revoke_named(&["deploy".into(), "short".into(), "deploy".into()], None)
        .unwrap();
    assert_eq!(
        names(&plan.tokens),
        ["deploy", "short"],
        "named twice, planned once"
    );
    let preview = h.session.preview_revoke(&plan, Some("rotating")).unwrap();
    assert!(preview.iter().all(|r| r.newly
        && r.token.revoke_reason.as_deref() == Some("rotating")
        && r.keyring == tokctl::ops::RevokeOutcome::Untouched));
    assert!(h
        .session
        .show_token("deploy", None)
        .unwrap()
        .revoked_at
        .is_none());

    // Between the plan and the run: 'short' expires (and is pruned below),
    // 'deploy' is revoked and a new 'deploy' is minted.
    h.clock.advance(Duration::days(10));
    revoke_named(&mut h.session, &["deploy".into()], None, Some("by bob")).unwrap();
    let second = create(&mut h, "deploy", &["repo:read"], "1y");
    let prune = h.session.plan_prune("1d".parse().unwrap(), None).unwrap();
    assert_eq!(names(&prune.tokens), ["short"]);
    h.session.prune_planned(&prune).unwrap();

    let done = h.session.revoke_planned(&plan, Some("rotating")).unwrap();
    assert_eq!(done.revoked.len(), 1);
    assert_eq!(done.revoked[0].token.id, first.token.id);
    assert!(
        !done.revoked[0].newly,
        "it was revoked already: nothing changed"
    );
    assert_eq!(
        done.revoked[0].token.revoke_reason.as_deref(),
        Some("by bob")
    );
    assert_eq!(skips(&done.skipped), [("short", SkipReason::Gone)]);
    let new = h
        .session
        .show_token(&second.token.id.to_string(), None)
        .unwrap();
    assert!(
        new.revoked_at.is_none(),
        "the new 'deploy' was never planned"
    );
}

#[test]
fn a_leaked_secret_plan_previews_then_revokes_its_token() {
    let mut h = harness();
    let leaked = create(&mut h, "leaky", &["repo:read"], "1y");
    let plan = h
        .session
        .plan_revoke_secret(leaked.secret.expose())
        .unwrap();
    assert_eq!(names(&plan.tokens), ["leaky"]);
    let preview = h.session.preview_revoke(&plan, None).unwrap();
    assert_eq!(
        preview[0].token.revoke_reason.as_deref(),
        Some("leaked: revoked by presenting its secret")
    );
    assert!(
        h.session
            .verify(leaked.secret.expose(), None)
            .unwrap()
            .is_valid(),
        "a preview changes nothing"
    );

    let done = h.session.revoke_planned(&plan, None).unwrap();
    assert!(done.revoked[0].newly);
    assert_eq!(
        rejection(h.session.verify(leaked.secret.expose(), None)),
        tokctl::error::Rejection::Revoked
    );
    let again = h
        .session
        .plan_revoke_secret(leaked.secret.expose())
        .unwrap();
    let done = h.session.revoke_planned(&again, None).unwrap();
    assert!(!done.revoked[0].newly && done.skipped.is_empty());
}

#[test]
fn a_preview_refuses_a_reason_the_real_run_would_refuse() {
    let mut h = harness();
    create(&mut h, "k", &["repo:read"], "1y");
    let plan = h.session.plan_revoke_named(&["k".into()], None).unwrap();
    let err = h
        .session
        .preview_revoke(&plan, Some("two\nlines"))
        .unwrap_err();
    assert_eq!(err.kind(), tokctl::error::ErrorKind::Usage);
}

#[test]
fn an_audit_prune_removes_exactly_the_planned_events() {
    let mut h = harness();
    create(&mut h, "old", &["repo:read"], "5y");
    h.clock.advance(Duration::days(400));
    create(&mut h, "new", &["repo:read"], "5y");
    let plan = h.session.plan_audit_prune("1y".parse().unwrap()).unwrap();
    assert!(plan.events > 0, "{plan:?}");
    let pruned = h.session.prune_audit_planned(&plan).unwrap();
    assert_eq!(pruned.removed, plan.events);
    assert_eq!(pruned.checkpoint, plan.through);
    let report = h.session.verify_audit_chain(None).unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    assert!(report.checkpoint_vouched_by.is_some(), "{report:?}");
}

#[test]
fn an_audit_prune_whose_trail_changed_after_the_plan_removes_nothing() {
    let mut h = harness();
    create(&mut h, "old", &["repo:read"], "5y");
    h.clock.advance(Duration::days(400));
    let stale = h.session.plan_audit_prune("1y".parse().unwrap()).unwrap();
    // Someone else prunes the same events first.
    let other = h.session.plan_audit_prune("1y".parse().unwrap()).unwrap();
    h.session.prune_audit_planned(&other).unwrap();
    let head = h.session.audit_head().unwrap();
    let err = h.session.prune_audit_planned(&stale).unwrap_err();
    assert!(matches!(err, tokctl::Error::PlanOutdated { .. }), "{err:?}");
    assert_eq!(h.session.audit_head().unwrap(), head, "no event was added");
}
