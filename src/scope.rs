//! Scopes: `resource:action`, where `admin` implies `write` implies `read`,
//! optionally narrowed to named resources: `repo:write[api,web]` covers only
//! the repositories `api` and `web` (GitHub's "only select repositories").
//!
//! A token holds a [`ScopeSet`]; a verifier asks whether it [`ScopeSet::allows`]
//! one [`Scope`]. The set is kept canonical (sorted, one entry per resource,
//! the strongest action wins, names sorted) so that its text form is stable.

use std::fmt;
use std::str::FromStr;

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

    /// Whether holding `self` is enough for `wanted`. A scope narrowed to
    /// named resources covers a request only for names it lists; it does not
    /// cover a request for the whole kind.
    pub fn covers(&self, wanted: &Scope) -> bool {
        if self.resource != wanted.resource || self.action < wanted.action {
            return false;
        }
        match (&self.names, &wanted.names) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(held), Some(asked)) => asked.iter().all(|name| held.binary_search(name).is_ok()),
        }
    }
}

fn validate_resource_name(name: &str) -> Result<()> {
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

/// The scopes a token holds, canonical: sorted by resource, one per resource.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScopeSet(Vec<Scope>);

impl ScopeSet {
    /// Builds a canonical set; for a resource named twice the stronger action wins.
    pub fn new(scopes: impl IntoIterator<Item = Scope>) -> Self {
        let mut scopes: Vec<Scope> = scopes.into_iter().collect();
        // Sort by resource, strongest action first, then keep the first of each resource.
        scopes.sort_by(|a, b| a.resource.cmp(&b.resource).then(b.action.cmp(&a.action)));
        scopes.dedup_by(|later, earlier| later.resource == earlier.resource);
        ScopeSet(scopes)
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

    /// Whether any held scope covers `wanted`.
    pub fn allows(&self, wanted: &Scope) -> bool {
        self.0.iter().any(|held| held.covers(wanted))
    }

    /// The scopes, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = &Scope> {
        self.0.iter()
    }

    /// Whether the set holds no scope at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Narrows the scope on `resource` to `names`; an error if the set holds
    /// no scope on that resource.
    pub fn narrow(&mut self, resource: &str, names: &[String]) -> Result<()> {
        let Some(index) = self.0.iter().position(|scope| scope.resource == resource) else {
            return Err(Error::invalid(
                "resource",
                resource,
                "no --scope names this resource; add --scope RESOURCE:ACTION",
            ));
        };
        let scope = self.0[index].clone().narrowed(names)?;
        self.0[index] = scope;
        Ok(())
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
