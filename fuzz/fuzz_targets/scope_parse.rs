//! Scopes, resource lists and policy patterns: no input may panic, and a
//! scope set that parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokctl::scope::{Scope, ScopeSet};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(scope) = text.parse::<Scope>() {
        assert_eq!(scope.to_string().parse::<Scope>().ok(), Some(scope.clone()));
        let set = ScopeSet::new([scope.clone()]);
        assert!(set.allows(&scope));
    }
    if let Ok(set) = ScopeSet::parse_stored(text) {
        assert_eq!(ScopeSet::parse_stored(&set.to_stored()).ok(), Some(set));
    }
    let _ = tokctl::policy::parse_allowed_scopes(text);
    if let Some((resource, names)) = text.split_once('=') {
        let names: Vec<String> = names.split(',').map(str::to_owned).collect();
        if let Ok(scope) = format!("{resource}:read").parse::<Scope>() {
            let _ = scope.narrowed(&names);
        }
    }
});
