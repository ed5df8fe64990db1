//! Scopes: `resource:action`, where `admin` implies `write` implies `read`,
//! optionally narrowed to named resources: `repo:write[api,web]` covers only
//! the repositories `api` and `web` (GitHub's "only select repositories").
//!
//! A token holds a [`ScopeSet`]; a verifier asks whether it [`ScopeSet::allows`]
//! one [`Scope`]. The set is kept canonical (sorted, names sorted, no scope
//! that another one in the set already covers) so that its text form is
//! stable. A resource can appear more than once: `repo:read[base,node]
//! repo:write[web]` reads two repositories and writes a third, and neither
//! entry covers the other, so both stay.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::error::{Error, Result};

/// What a scope lets its holder do to a resource, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// Read only.
    Read,
    /// Read and write.
    Write,
    /// Everything, including administration.
    Admin,
}

impl Action {
    /// Every action, weakest first.
    pub const ALL: [Action; 3] = [Action::Read, Action::Write, Action::Admin];

    /// The lowercase name used in scope strings.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Admin => "admin",
        }
    }
}

/// One permission: an action on a kind of resource, optionally only on
/// some named resources of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    resource: String,
    action: Action,
    /// `None`: every resource of the kind. `Some`: only these (sorted, unique).
    names: Option<Vec<String>>,
}

const MAX_RESOURCE_LEN: usize = 64;
/// At most this many named resources per scope (Docker allows 50 repositories per token).
pub const MAX_NAMES: usize = 50;
const MAX_NAME_LEN: usize = 100;

impl Scope {
    /// The resource part, e.g. `repo`.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The action part.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The named resources it is narrowed to, or `None` for all.
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref()
    }

    /// Narrows the scope to these named resources (validated, sorted, deduplicated).
    pub fn narrowed(mut self, names: &[String]) -> Result<Self> {
        let mut names: Vec<String> = names.to_vec();
        for name in &names {
            validate_resource_name(name)?;
        }
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Err(Error::invalid(
                "resource list",
                "",
                "name at least one resource",
            ));
        }
        if names.len() > MAX_NAMES {
            return Err(Error::invalid(
                "resource list",
                &names.join(","),
                format!("at most {MAX_NAMES} names per scope"),
            ));
        }
        self.names = Some(names);
        Ok(self)
    }

    /// Narrows the scope to the names it already lists plus `names`: how a
    /// second resource list for the same scope adds to the first instead of
    /// replacing it. On a scope for the whole kind this is [`Scope::narrowed`].
    pub fn narrowed_adding(self, names: &[String]) -> Result<Self> {
        let mut all: Vec<String> = self.names.clone().unwrap_or_default();
        all.extend_from_slice(names);
        self.narrowed(&all)
    }

    /// Whether holding `self` alone is enough for `wanted`. A scope narrowed
    /// to named resources covers a request only for names it lists; it does
    /// not cover a request for the whole kind.
    pub fn covers(&self, wanted: &Scope) -> bool {
        match &wanted.names {
            None => self.covers_one(&wanted.resource, wanted.action, None),
            Some(names) => names
                .iter()
                .all(|name| self.covers_one(&wanted.resource, wanted.action, Some(name))),
        }
    }

    /// Whether `self` allows `action` on one named resource of the kind
    /// (`Some`), or on the whole kind (`None`).
    fn covers_one(&self, resource: &str, action: Action, name: Option<&str>) -> bool {
        if self.resource != resource || self.action < action {
            return false;
        }
        match (&self.names, name) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(held), Some(name)) => held.binary_search_by(|h| h.as_str().cmp(name)).is_ok(),
        }
    }
}

fn validate_resource_name(name: &str) -> Result<()> {
    crate::model::refuse_token_text("resource name", name)?;
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "resource name",
            name,
            "must start with a letter or digit and use only A-Z a-z 0-9 . _ - / (at most 100)",
        ))
    }
}

impl FromStr for Scope {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::invalid("scope", text, reason);
        // The stored form may carry names: repo:write[api,web].
        let (text_without_names, names) = match text.split_once('[') {
            Some((head, tail)) => match tail.strip_suffix(']') {
                Some(list) => (
                    head,
                    Some(list.split(',').map(str::to_owned).collect::<Vec<_>>()),
                ),
                None => return Err(invalid("an opening '[' needs a closing ']'")),
            },
            None => (text, None),
        };
        let scope = parse_plain_scope(text, text_without_names)?;
        match names {
            Some(names) => scope.narrowed(&names),
            None => Ok(scope),
        }
    }
}

/// `resource:action` without names.
fn parse_plain_scope(original: &str, text: &str) -> Result<Scope> {
    let invalid = |reason: &str| Error::invalid("scope", original, reason);
    let Some((resource, action)) = text.split_once(':') else {
        return Err(invalid("expected resource:action, e.g. repo:read"));
    };
    let valid_resource = !resource.is_empty()
        && resource.len() <= MAX_RESOURCE_LEN
        && resource.starts_with(|c: char| c.is_ascii_lowercase())
        && resource
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if !valid_resource {
        return Err(invalid(
            "the resource must start with a lowercase letter and use only a-z, 0-9, '_', '-', '.' (at most 64)",
        ));
    }
    let action = match action {
        "read" => Action::Read,
        "write" => Action::Write,
        "admin" => Action::Admin,
        _ => return Err(invalid("the action must be read, write or admin")),
    };
    Ok(Scope {
        resource: resource.to_owned(),
        action,
        names: None,
    })
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.resource, self.action.as_str())?;
        if let Some(names) = &self.names {
            write!(f, "[{}]", names.join(","))?;
        }
        Ok(())
    }
}

/// One piece of a list of scopes as a front end was given it, in order: a
/// scope, or named resources that narrow the nearest scope before them on
/// that kind of resource (`repo` and `api,web` for `repo:…[api,web]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopePart {
    /// A scope, maybe already narrowed (`repo:read[api]`).
    Scope(Scope),
    /// Names for the nearest scope before them on `resource`.
    Names {
        /// The kind of resource, e.g. `repo`.
        resource: String,
        /// The names, e.g. `api`, `web`.
        names: Vec<String>,
    },
}

impl ScopePart {
    /// Parses `RESOURCE=NAME[,NAME...]` (`repo=api,web`) into
    /// [`ScopePart::Names`], each name checked as a scope's names are.
    pub fn parse_names(text: &str) -> Result<ScopePart> {
        let Some((resource, names)) = text.split_once('=') else {
            return Err(Error::invalid(
                "resource",
                text,
                "expected RESOURCE=NAME[,NAME...], e.g. repo=api,web",
            ));
        };
        let names: Vec<String> = names
            .split(',')
            .map(|name| name.trim().to_owned())
            .collect();
        // Checked through the scope parser so the rules live in one place.
        format!("{resource}:read")
            .parse::<Scope>()
            .and_then(|scope| scope.narrowed(&names))?;
        Ok(ScopePart::Names {
            resource: resource.to_owned(),
            names,
        })
    }
}

/// Why a list of [`ScopePart`]s does not compose: the facts, for a front end
/// to say it in its own words (flags, fields).
#[derive(Debug, thiserror::Error)]
pub enum CompositionError {
    /// Names come before every scope on their resource; a later one names it.
    #[error("the names {} come before any scope on '{resource}'", names.join(","))]
    NamesBeforeScope {
        /// The kind of resource.
        resource: String,
        /// The names.
        names: Vec<String>,
    },
    /// Names for a resource no scope in the list is about.
    #[error("no scope names the resource '{resource}' the names {} are for", names.join(","))]
    NoScopeForNames {
        /// The kind of resource.
        resource: String,
        /// The names.
        names: Vec<String>,
    },
    /// The scope the names narrow would be invalid (too many names, say).
    #[error("names on '{resource}': {source}")]
    Narrowing {
        /// The kind of resource.
        resource: String,
        /// Why.
        source: Error,
    },
}

/// Composes scopes and names in the order given: each [`ScopePart::Names`]
/// narrows the nearest scope before it on the same resource, adding to the
/// names that scope already lists (a second list adds, never replaces).
/// Names that no earlier scope can take are refused, never dropped or
/// guessed.
pub fn compose_scopes(
    parts: impl IntoIterator<Item = ScopePart>,
) -> Result<Vec<Scope>, CompositionError> {
    let parts: Vec<ScopePart> = parts.into_iter().collect();
    let mut scopes: Vec<Scope> = Vec::new();
    for (position, part) in parts.iter().enumerate() {
        match part {
            ScopePart::Scope(scope) => scopes.push(scope.clone()),
            ScopePart::Names { resource, names } => {
                let Some(target) = scopes
                    .iter_mut()
                    .rev()
                    .find(|scope| scope.resource() == resource)
                else {
                    let later = parts[position..].iter().any(
                        |part| matches!(part, ScopePart::Scope(scope) if scope.resource() == resource),
                    );
                    let (resource, names) = (resource.clone(), names.clone());
                    return Err(if later {
                        CompositionError::NamesBeforeScope { resource, names }
                    } else {
                        CompositionError::NoScopeForNames { resource, names }
                    });
                };
                *target = target.clone().narrowed_adding(names).map_err(|source| {
                    CompositionError::Narrowing {
                        resource: resource.clone(),
                        source,
                    }
                })?;
            }
        }
    }
    Ok(scopes)
}

/// The scopes a token holds, canonical (see [`ScopeSet::new`]). Immutable
/// once built and shared on clone, so the verify path can keep parsed sets
/// and hand out copies for the price of a reference count.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(Arc<[Scope]>);

impl ScopeSet {
    /// Builds a canonical set: sorted by resource, strongest action first,
    /// then by names; a scope that another one in the set covers on its own
    /// is dropped (`repo:read` beside `repo:admin`), every other one is kept,
    /// so a stronger action on fewer names never swallows a weaker action on
    /// other names.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        scopes.sort_by(|a, b| {
            a.resource
                .cmp(&b.resource)
                .then(b.action.cmp(&a.action))
                // None (the whole kind) first, then the name lists in order.
                .then_with(|| a.names.cmp(&b.names))
        });
        scopes.dedup();
        // After dedup no two scopes cover each other (mutual cover means
        // equal), so dropping every covered one keeps exactly the maximal ones.
        let kept = scopes
            .iter()
            .enumerate()
            .filter(|(i, scope)| {
                !scopes
                    .iter()
                    .enumerate()
                    .any(|(j, other)| j != *i && other.covers(scope))
            })
            .map(|(_, scope)| scope.clone())
            .collect::<Vec<_>>();
        ScopeSet(kept.into())
    }

    /// Parses the stored form: scopes separated by single spaces.
    pub fn parse_stored(text: &str) -> Result<Self> {
        text.split_whitespace()
            .map(Scope::from_str)
            .collect::<Result<Vec<_>>>()
            .map(ScopeSet::new)
    }

    /// The stored form: canonical scopes separated by single spaces.
    pub fn to_stored(&self) -> String {
        self.to_string()
    }

    /// Whether the held scopes together cover `wanted`: for a request
    /// narrowed to names, each name may be covered by a different held scope
    /// (`repo:read[a] repo:write[b]` allows `repo:read[a,b]`).
    pub fn allows(&self, wanted: &Scope) -> bool {
        let held = |name: Option<&str>| {
            self.0
                .iter()
                .any(|scope| scope.covers_one(&wanted.resource, wanted.action, name))
        };
        match &wanted.names {
            None => held(None),
            Some(names) => names.iter().all(|name| held(Some(name))),
        }
    }

    /// The scopes, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether the set holds no scope at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes as strings, for JSON output.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(Scope::to_string).collect()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(text: &str) -> Scope {
        text.parse().unwrap()
    }

    #[test]
    fn admin_implies_write_implies_read() {
        let held = ScopeSet::new([scope("repo:write")]);
        assert!(held.allows(&scope("repo:read")));
        assert!(held.allows(&scope("repo:write")));
        assert!(!held.allows(&scope("repo:admin")));
        assert!(!held.allows(&scope("issues:read")));
        assert!(ScopeSet::new([scope("repo:admin")]).allows(&scope("repo:read")));
    }

    #[test]
    fn sets_are_canonical() {
        let set = ScopeSet::new([
            scope("repo:read"),
            scope("issues:read"),
            scope("repo:admin"),
        ]);
        assert_eq!(set.to_stored(), "issues:read repo:admin");
        assert_eq!(ScopeSet::parse_stored(&set.to_stored()).unwrap(), set);
    }

    #[test]
    fn a_stronger_action_on_fewer_names_keeps_the_weaker_grant() {
        let set = ScopeSet::new([scope("repo:write[web]"), scope("repo:read[base,node]")]);
        assert_eq!(set.to_stored(), "repo:write[web] repo:read[base,node]");
        assert_eq!(ScopeSet::parse_stored(&set.to_stored()).unwrap(), set);
        for allowed in [
            "repo:read[base]",
            "repo:read[node]",
            "repo:write[web]",
            "repo:read[web]",
        ] {
            assert!(set.allows(&scope(allowed)), "{allowed}");
        }
        for refused in [
            "repo:write[base]",
            "repo:read",
            "repo:read[docs]",
            "repo:admin[web]",
        ] {
            assert!(!set.allows(&scope(refused)), "{refused}");
        }
        // Each name may be covered by a different held scope.
        assert!(set.allows(&scope("repo:read[base,web]")));
        assert!(!set.allows(&scope("repo:write[base,web]")));
    }

    #[test]
    fn only_scopes_another_one_covers_are_dropped() {
        let cases = [
            // A whole-kind scope covers the same or a weaker action on any names.
            ("repo:admin repo:read[a]", "repo:admin"),
            ("repo:write[a] repo:read", "repo:write[a] repo:read"),
            ("repo:write[a,b] repo:read[a]", "repo:write[a,b]"),
            (
                "repo:write[a] repo:read[a,b]",
                "repo:write[a] repo:read[a,b]",
            ),
            ("repo:read[b] repo:read[a]", "repo:read[a] repo:read[b]"),
            ("repo:read[a] repo:read[a,b]", "repo:read[a,b]"),
            ("repo:read repo:read", "repo:read"),
        ];
        for (given, canonical) in cases {
            let set = ScopeSet::parse_stored(given).unwrap();
            assert_eq!(set.to_stored(), canonical, "{given}");
            assert_eq!(ScopeSet::parse_stored(canonical).unwrap(), set, "{given}");
        }
    }

    #[test]
    fn adding_names_merges_with_those_already_listed() {
        let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let merged = scope("repo:read[node]")
            .narrowed_adding(&names(&["base", "node"]))
            .unwrap();
        assert_eq!(merged.to_string(), "repo:read[base,node]");
        let first = scope("repo:read")
            .narrowed_adding(&names(&["web"]))
            .unwrap();
        assert_eq!(first.to_string(), "repo:read[web]");
        let many: Vec<String> = (0..30).map(|i| format!("r{i}")).collect();
        let more: Vec<String> = (30..51).map(|i| format!("r{i}")).collect();
        let err = scope("repo:read")
            .narrowed_adding(&many)
            .unwrap()
            .narrowed_adding(&more)
            .unwrap_err();
        assert!(err.to_string().contains("at most 50 names"), "{err}");
    }

    #[test]
    fn names_narrow_the_nearest_scope_before_them_and_add_up() {
        let names = |resource: &str, list: &[&str]| ScopePart::Names {
            resource: resource.into(),
            names: list.iter().map(|n| (*n).to_owned()).collect(),
        };
        let composed = compose_scopes([
            ScopePart::Scope(scope("repo:read")),
            names("repo", &["base", "node"]),
            ScopePart::Scope(scope("issues:read")),
            ScopePart::Scope(scope("repo:write[api]")),
            names("repo", &["web"]),
            names("repo", &["docs"]),
        ])
        .unwrap();
        let shown: Vec<String> = composed.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "repo:read[base,node]",
                "issues:read",
                "repo:write[api,docs,web]"
            ]
        );
        assert!(matches!(
            compose_scopes([names("repo", &["web"]), ScopePart::Scope(scope("repo:read"))]),
            Err(CompositionError::NamesBeforeScope { resource, .. }) if resource == "repo"
        ));
        assert!(matches!(
            compose_scopes([ScopePart::Scope(scope("issues:read")), names("repo", &["web"])]),
            Err(CompositionError::NoScopeForNames { resource, .. }) if resource == "repo"
        ));
        let many: Vec<String> = (0..51).map(|i| format!("r{i}")).collect();
        let err = compose_scopes([
            ScopePart::Scope(scope("repo:read[r0]")),
            ScopePart::Names {
                resource: "repo".into(),
                names: many,
            },
        ])
        .unwrap_err();
        assert!(err.to_string().contains("at most 50 names"), "{err}");
    }

    #[test]
    fn bad_scopes_are_refused_with_a_reason() {
        for bad in [
            "repo",
            "repo:",
            ":read",
            "repo:delete",
            "Repo:read",
            "re po:read",
            "repo:read:x",
            "",
        ] {
            let err = bad.parse::<Scope>().unwrap_err();
            assert!(err.to_string().starts_with("invalid scope"), "{bad}: {err}");
        }
    }
}
