//! Minting a token: checks, the database row, the keyring entry, in that order.
//!
//! Write order (see docs/ARCHITECTURE.md): the row is inserted inside a write
//! transaction; the keyring entry is written while that transaction is still
//! open; only then does the transaction commit. A keyring failure in
//! `required` mode rolls the row back; a failed commit deletes the keyring
//! entry again. So there is never a keyring entry for a token that was not
//! stored, nor (in `required` mode) a stored token without its entry. When
//! the store runs the transaction again after a conflict, the entries of the
//! run that rolled back are deleted first.

use std::collections::HashMap;

use super::Session;
use crate::audit::action;
use crate::clock::Timestamp;
use crate::duration::Expiry;
use crate::error::{Error, Result};
use crate::keyring::{KeyringError, KeyringMode};
use crate::model::{
    refuse_token_text, validate_token_name, Role, Token, TokenKind, UserKind, UserStatus,
};
use crate::policy::Policy;
use crate::scope::{Scope, ScopeSet};
use crate::secret::Secret;
use crate::store::NewToken;
use crate::store::{OrgKey, Tx, UserKey, UserStanding};

/// Who will own the new token.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum OwnerChoice {
    /// The acting user (a personal token).
    #[default]
    Me,
    /// Another user (a personal token; needs admin).
    User(String),
    /// The org itself (an org token; needs admin).
    Org,
}

/// What to mint.
#[derive(Debug, Clone, Default)]
pub struct CreateRequest {
    /// The org; defaults to the actor's only org.
    pub org: Option<String>,
    /// Who owns it.
    pub owner: OwnerChoice,
    /// Its name; generated from the first scope and the date when absent.
    pub name: Option<String>,
    /// What it is for.
    pub description: Option<String>,
    /// What it may do (at least one). A scope narrowed to named resources
    /// (`repo:read[base,node]`) covers only those; several scopes on one kind
    /// of resource all count (see [`ScopeSet::new`]).
    pub scopes: Vec<Scope>,
    /// When it expires.
    pub expiry: Option<Expiry>,
    /// Cut an expiry beyond the org's max lifetime down to the maximum instead of refusing.
    pub clamp_expiry: bool,
}

/// Where the new secret went besides the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyringOutcome {
    /// Stored in the keyring under this backend.
    Stored {
        /// Backend name.
        backend: String,
    },
    /// `auto` mode and the keyring failed: the secret exists only in the
    /// output, and the keyring holds nothing of this token (a rotation
    /// removed the entry with the old secret).
    Failed {
        /// Why.
        error: KeyringError,
    },
    /// `auto` mode, a rotation: the new secret could not be stored, and the
    /// entry with the old one could not be removed either, so the keyring may
    /// still hold a secret that no longer works. Reading it back refuses it
    /// (it does not match the store), and `doctor` lists it as stale.
    Stale {
        /// Why the new secret could not be stored.
        error: KeyringError,
    },
    /// `off` mode.
    Off,
}

/// A freshly minted token. The secret is returned only here (the store keeps
/// its digest); `keyring` says whether a copy was kept in the OS keyring.
#[derive(Debug)]
pub struct Created {
    /// The stored token.
    pub token: Token,
    /// The secret.
    pub secret: Secret,
    /// Where the secret was kept.
    pub keyring: KeyringOutcome,
    /// Whether the expiry was cut down to the org's max lifetime (`clamp_expiry`).
    pub expiry_clamped: bool,
}

const MAX_DESCRIPTION_CHARS: usize = 1000;

/// A batch of at least this many tokens is a bulk mint: the store may spend
/// more memory on it ([`crate::store::StoreAdmin::prefer_bulk_writes`]).
const BULK_MINT: usize = 256;

/// A request that passed the checks needing no store.
#[derive(Debug)]
struct Checked {
    request: CreateRequest,
    scopes: ScopeSet,
    expires_at: Option<Timestamp>,
}

impl Session {
    /// Mints a token.
    pub fn create_token(&mut self, request: CreateRequest) -> Result<Created> {
        self.create_tokens(vec![request])?.pop().ok_or_else(|| {
            Error::request("nothing was minted", crate::error::RequestProblem::Other)
        })
    }

    /// Mints several tokens in one transaction, all or none, each with the
    /// checks, policy and audit event of [`Session::create_token`]: the bulk
    /// path for imports and seeding.
    pub fn create_tokens(&mut self, requests: Vec<CreateRequest>) -> Result<Vec<Created>> {
        let now = self.ctx.clock.now();
        let checked = requests
            .into_iter()
            .map(|request| check_request(request, now))
            .collect::<Result<Vec<_>>>()?;
        if checked.len() >= BULK_MINT {
            self.store.admin().prefer_bulk_writes()?;
        }
        self.ctx.start_keyring_operation();
        if self.ctx.keyring_mode == KeyringMode::Required {
            // Fail before anything is written.
            self.ctx.keyring.probe()?;
        }
        let mut keyring_written = Vec::new();
        let result = self.write_as_actor(|q, ctx, actor| {
            // Run again after a conflict: the earlier run rolled back, so its
            // keyring entries name tokens that do not exist, and its
            // `keyring.failure` event is gone with it (and so is anything it
            // read: `known` starts empty each run).
            for entry in keyring_written.drain(..) {
                let _ = ctx.keyring.delete(&entry);
            }
            ctx.forget_keyring_audit();
            let mut known = Known::default();
            let created = checked
                .iter()
                .map(|item| ctx.mint(q, actor, item, now, &mut known, &mut keyring_written))
                .collect::<Result<Vec<_>>>()?;
            // One event for all the secrets the keyring did not take.
            let failed: Vec<(&Token, &KeyringError)> = created
                .iter()
                .filter_map(|created| match &created.keyring {
                    KeyringOutcome::Failed { error } => Some((&created.token, error)),
                    _ => None,
                })
                .collect();
            if let Some(event) = ctx.keyring_failure_event("store", &failed) {
                q.append_event(&event)?;
            }
            Ok(created)
        });
        if result.is_err() {
            // Nothing committed: take the keyring entries back out. If that
            // fails too there is nothing better to do than report the first error.
            for entry in &keyring_written {
                let _ = self.ctx.keyring.delete(entry);
            }
        }
        result
    }
}

/// The checks that need no store: scopes, expiry, name, description.
fn check_request(request: CreateRequest, now: Timestamp) -> Result<Checked> {
    if request.scopes.is_empty() {
        return Err(Error::request(
            "a token needs at least one scope",
            crate::error::RequestProblem::NoScope,
        ));
    }
    let Some(expiry) = request.expiry else {
        return Err(Error::request(
            "a token needs an expiry",
            crate::error::RequestProblem::NoExpiry,
        ));
    };
    if let Some(name) = &request.name {
        validate_token_name(name)?;
    }
    if let Some(description) = &request.description {
        validate_description(description)?;
    }
    let scopes = ScopeSet::new(request.scopes.iter().cloned());
    let expires_at = expiry.resolve(now)?;
    Ok(Checked {
        request,
        scopes,
        expires_at,
    })
}

/// Where a token goes, once its org and owner were resolved and the actor's
/// roles checked: the same for every request of a batch that names the same
/// org and owner.
#[derive(Debug, Clone)]
struct Placement {
    org: OrgKey,
    org_name: String,
    kind: TokenKind,
    owner: Option<UserKey>,
    owner_name: Option<String>,
    /// A person or a service account, for a personal token.
    owner_kind: Option<UserKind>,
    /// Whether the owner is a plain member (the policy's member-tokens rule).
    held_by_plain_member: bool,
}

/// What one create transaction already read: orgs by the name asked for
/// (with the actor's membership checked), users' standing by name, roles by org and
/// user, policies by org, placements by the org and owner asked for. Within
/// the transaction none of it can change (it writes only tokens and
/// events), so a batch of a thousand tokens reads each once instead of once
/// per token: per token only its owner's key and role, when they are new.
#[derive(Debug, Default)]
struct Known {
    orgs: HashMap<Option<String>, (OrgKey, String)>,
    users: HashMap<String, UserStanding>,
    roles: HashMap<(OrgKey, UserKey), Option<Role>>,
    policies: HashMap<OrgKey, Policy>,
    placements: HashMap<(Option<String>, OwnerChoice), Placement>,
}

impl Known {
    fn role(&mut self, q: &dyn Tx, org: OrgKey, user: UserKey) -> Result<Option<Role>> {
        if let Some(role) = self.roles.get(&(org, user)) {
            return Ok(*role);
        }
        let role = q.role(org, user)?;
        self.roles.insert((org, user), role);
        Ok(role)
    }

    fn user(&mut self, q: &dyn Tx, name: &str) -> Result<UserStanding> {
        if let Some(user) = self.users.get(name) {
            return Ok(*user);
        }
        let user = q.user_standing(name)?.ok_or_else(|| Error::NotFound {
            kind: "user",
            name: name.to_owned(),
        })?;
        self.users.insert(name.to_owned(), user);
        Ok(user)
    }

    /// The org to mint in, as [`super::Ctx::default_org`] picks it.
    fn org(
        &mut self,
        q: &dyn Tx,
        ctx: &super::Ctx,
        actor: super::Actor,
        named: Option<&str>,
    ) -> Result<(OrgKey, String)> {
        let key = named.map(str::to_owned);
        if let Some(org) = self.orgs.get(&key) {
            return Ok(org.clone());
        }
        let org = match named {
            Some(name) => {
                let org = q.org_key(name)?.ok_or_else(|| Error::NotFound {
                    kind: "org",
                    name: name.to_owned(),
                })?;
                let role = self.role(q, org, actor.key)?;
                super::role_suffices(role, name, Role::Member, "using the org")?;
                (org, name.to_owned())
            }
            None => ctx.default_org(q, actor, None)?,
        };
        self.orgs.insert(key, org.clone());
        Ok(org)
    }
}

impl super::Ctx {
    /// Mints one checked request inside the caller's write transaction.
    fn mint(
        &self,
        q: &dyn Tx,
        actor: super::Actor,
        item: &Checked,
        now: Timestamp,
        known: &mut Known,
        keyring_written: &mut Vec<crate::keyring::KeyringEntry>,
    ) -> Result<Created> {
        let request = &item.request;
        let key = (request.org.clone(), request.owner.clone());
        let placement = match known.placements.get(&key) {
            Some(placement) => placement.clone(),
            None => {
                let placement = self.place(q, actor, request, known)?;
                known.placements.insert(key, placement.clone());
                placement
            }
        };
        let policy = match known.policies.get(&placement.org) {
            Some(policy) => policy,
            None => known
                .policies
                .entry(placement.org)
                .or_insert(q.policy(placement.org)?),
        };
        let Placement {
            org,
            org_name,
            kind,
            owner,
            owner_name,
            owner_kind,
            held_by_plain_member,
        } = placement;
        let scopes = &item.scopes;
        let (expires_at, expiry_clamped) = enforce_policy(
            q,
            policy,
            org,
            &org_name,
            scopes,
            Holder {
                plain_member: held_by_plain_member,
                service_account: owner_kind == Some(UserKind::Service),
            },
            now,
            item.expires_at,
            request.clamp_expiry,
        )?;
        let name = match &request.name {
            Some(name) => {
                if q.live_name_taken(org, owner, name, now)? {
                    return Err(Error::AlreadyExists {
                        kind: "token",
                        name: name.clone(),
                    });
                }
                name.clone()
            }
            None => generated_name(scopes, now, |candidate| {
                q.live_name_taken(org, owner, candidate, now)
            })?,
        };
        let id = q.allocate_token_id()?;
        let minted = self.generator.mint(kind, id)?;
        q.insert_token(&NewToken {
            id,
            kind,
            org,
            owner,
            name: &name,
            description: request.description.as_deref(),
            scopes,
            hash: &minted.hash,
            created_at: now,
            created_by: actor.key,
            expires_at,
        })?;
        let token = Token {
            id,
            kind,
            org: org_name,
            owner: owner_name,
            name,
            description: request.description.clone(),
            scopes: scopes.clone(),
            created_at: now,
            created_by: self.actor.clone(),
            expires_at,
            last_used_at: None,
            use_count: 0,
            revoked_at: None,
            revoked_by: None,
            revoke_reason: None,
            issued_at: now,
            deactivated_at: None,
            deactivated_by: None,
            deactivate_reason: None,
            owner_kind,
            // Only an active user can be a member, and only members hold tokens.
            owner_status: owner_kind.map(|_| UserStatus::Active),
        };
        q.append_event(&self.token_event(
            action::TOKEN_CREATE,
            &token,
            // The kind follows from the owner (none: an org token).
            serde_json::json!({
                "owner": token.owner,
                "scopes": token.scopes.to_strings(),
                "expires_at": token.expires_at.map(|t| t.timestamp()),
            }),
        ))?;
        let (keyring, written) = self.keep_secret(q, &token, &minted.secret)?;
        keyring_written.extend(written);
        Ok(Created {
            token,
            secret: minted.secret,
            keyring,
            expiry_clamped,
        })
    }

    /// Resolves the org and owner a request names and checks the actor may
    /// mint there, reading through `known`.
    fn place(
        &self,
        q: &dyn Tx,
        actor: super::Actor,
        request: &CreateRequest,
        known: &mut Known,
    ) -> Result<Placement> {
        let (org, org_name) = known.org(q, self, actor, request.org.as_deref())?;
        let (kind, owner, owner_name, owner_kind, owner_role) = match &request.owner {
            OwnerChoice::Me => (
                TokenKind::Personal,
                Some(actor.key),
                Some(self.actor.clone()),
                Some(actor.kind),
                known.role(q, org, actor.key)?,
            ),
            OwnerChoice::User(name) => {
                let role = known.role(q, org, actor.key)?;
                super::role_suffices(
                    role,
                    &org_name,
                    Role::Admin,
                    "minting a token for another user",
                )?;
                let user = known.user(q, name)?;
                let owner_role = known.role(q, org, user.key)?;
                if owner_role.is_none() {
                    return Err(Error::request(
                        format!("user '{name}' is not a member of org '{org_name}'"),
                        crate::error::RequestProblem::NotAMember,
                    ));
                }
                (
                    TokenKind::Personal,
                    Some(user.key),
                    Some(name.clone()),
                    Some(user.kind),
                    owner_role,
                )
            }
            OwnerChoice::Org => {
                let role = known.role(q, org, actor.key)?;
                super::role_suffices(role, &org_name, Role::Admin, "minting an org token")?;
                (TokenKind::Org, None, None, None, None)
            }
        };
        Ok(Placement {
            org,
            org_name,
            kind,
            owner,
            owner_name,
            owner_kind,
            // The policy's member-tokens rule concerns personal tokens of
            // plain members (see `held_by_plain_member`).
            held_by_plain_member: owner.is_some() && owner_role == Some(Role::Member),
        })
    }
}

/// Who will hold a token, as the policy's member-tokens rule asks.
#[derive(Debug, Clone, Copy)]
struct Holder {
    /// A plain member of the org (see [`held_by_plain_member`]).
    plain_member: bool,
    /// A service account.
    service_account: bool,
}

/// Applies the org's policy to a token about to be minted: the quota, then
/// every rule. Returns the expiry to use (clamped when asked) and whether it
/// was clamped.
#[allow(clippy::too_many_arguments)]
fn enforce_policy(
    q: &dyn Tx,
    policy: &Policy,
    org: OrgKey,
    org_name: &str,
    scopes: &ScopeSet,
    holder: Holder,
    now: crate::clock::Timestamp,
    expires_at: Option<crate::clock::Timestamp>,
    clamp: bool,
) -> Result<(Option<crate::clock::Timestamp>, bool)> {
    if let Some(max) = policy.max_tokens {
        // Counted per token: the batch's own tokens count too.
        let count = q.token_count(org)?;
        if count >= u64::from(max) {
            return Err(Error::PolicyViolation {
                org: org_name.to_owned(),
                refusal: crate::error::PolicyRefusal::Quota { count, max },
            });
        }
    }
    let admission = policy.admit(
        &crate::policy::Candidate {
            scopes,
            issued_at: now,
            expires_at,
            held_by_plain_member: holder.plain_member,
            held_by_service_account: holder.service_account,
        },
        clamp,
    );
    admitted(org_name, admission)
}

/// Whether `owner` (none for org tokens) is a plain member of `org`: the
/// policy's member-tokens rule concerns exactly those holders.
pub(super) fn held_by_plain_member(
    q: &dyn Tx,
    org: crate::store::OrgKey,
    owner: Option<crate::store::UserKey>,
) -> Result<bool> {
    Ok(match owner {
        Some(user) => q.role(org, user)? == Some(Role::Member),
        None => false,
    })
}

/// Checks a description: no token in it, one line of at most 1000 characters.
pub(super) fn validate_description(description: &str) -> Result<()> {
    refuse_token_text("description", description)?;
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(Error::invalid(
            "description",
            description,
            "longer than 1000 characters",
        ));
    }
    if description.chars().any(char::is_control) {
        return Err(Error::invalid(
            "description",
            description,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// The gate's answer as a result: the expiry and whether it was clamped, or
/// the error for the first broken rule.
pub(super) fn admitted(
    org_name: &str,
    admission: crate::policy::Admission,
) -> Result<(Option<crate::clock::Timestamp>, bool)> {
    match admission.violations.first() {
        None => Ok((admission.expires_at, admission.clamped)),
        Some(violation) => Err(policy_refusal(org_name, violation)),
    }
}

/// The error for a broken rule.
pub(super) fn policy_refusal(org: &str, violation: &crate::policy::Violation) -> Error {
    Error::PolicyViolation {
        org: org.to_owned(),
        refusal: crate::error::PolicyRefusal::Rule(violation.clone()),
    }
}

/// A readable name from the first scope and the date (`repo-read-2026-11-22`),
/// with `-2`, `-3`, ... appended until it is free.
fn generated_name(
    scopes: &ScopeSet,
    now: crate::clock::Timestamp,
    mut taken: impl FnMut(&str) -> Result<bool>,
) -> Result<String> {
    let base = match scopes.iter().next() {
        Some(scope) => format!(
            "{}-{}-{}",
            scope.resource(),
            scope.action().as_str(),
            now.format("%Y-%m-%d")
        ),
        None => format!("token-{}", now.format("%Y-%m-%d")),
    };
    if !taken(&base)? {
        return Ok(base);
    }
    for suffix in 2.. {
        let candidate = format!("{base}-{suffix}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// What an interactive `create` may offer: the org it will mint in, its
/// policy, and scopes worth suggesting.
#[derive(Debug, Clone)]
pub struct CreateChoices {
    /// The org the token will belong to.
    pub org: String,
    /// Its policy (to offer only allowed scopes and expiries).
    pub policy: crate::policy::Policy,
    /// Suggested scopes, allowed by the policy: those already granted in the
    /// org, then common ones.
    pub scopes: Vec<Scope>,
}

/// Resources suggested when the org has no tokens yet.
const COMMON_RESOURCES: &[&str] = &["repo", "issues", "packages", "pulls", "org"];

impl Session {
    /// What an interactive `create` in `org` (or the actor's only org) may offer.
    pub fn create_choices(&self, org: Option<&str>) -> Result<CreateChoices> {
        let q: &dyn Tx = &*self.store.read();
        let actor = self.ctx.actor(q)?;
        let (key, name) = self.ctx.default_org(q, actor, org)?;
        let policy = q.policy(key)?;
        let mut seen: Vec<String> = Vec::new();
        let filter = crate::store::TokenFilter {
            orgs: Some(vec![key]),
            now: self.ctx.clock.now(),
            ..crate::store::TokenFilter::default()
        };
        q.for_each_token(&filter, |row| {
            for scope in row.token.scopes.iter() {
                if !seen.iter().any(|known| known == scope.resource()) {
                    seen.push(scope.resource().to_owned());
                }
            }
            Ok::<(), Error>(())
        })?;
        for resource in COMMON_RESOURCES {
            if !seen.iter().any(|known| known == resource) {
                seen.push((*resource).to_owned());
            }
        }
        let mut scopes = Vec::new();
        for resource in seen {
            for action in ["read", "write", "admin"] {
                let scope: Scope = format!("{resource}:{action}").parse()?;
                let allowed = policy
                    .allowed_scopes
                    .as_ref()
                    .is_none_or(|patterns| patterns.iter().any(|pattern| pattern.permits(&scope)));
                if allowed {
                    scopes.push(scope);
                }
            }
        }
        Ok(CreateChoices {
            org: name,
            policy,
            scopes,
        })
    }
}
