//! The config file (`~/.config/tokctl/config.toml`, `$XDG_CONFIG_HOME`
//! respected, `TOKCTL_CONFIG` overriding the path) and where each setting
//! came from: a flag beats the environment, which beats the file, which
//! beats the built-in default. The library never sees this file; the binary
//! reads it here and hands the library plain values.

use std::fmt;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum};
use serde::Deserialize;
use tokctl::duration::Expiry;
use tokctl::keyring::KeyringMode;
use tokctl::scope::Scope;
use toml::Spanned;

use crate::cli::args::{parse_expiry, parse_scope, ColorChoice, GlobalArgs};

/// The environment variable that names the config file, overriding the
/// XDG location.
pub const CONFIG_VAR: &str = "TOKCTL_CONFIG";

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable (its name).
    Env(&'static str),
    /// The config file.
    File,
    /// tokctl's built-in default.
    Default,
}

/// A setting's value as written, and where it came from.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The value as text, or `None` when there is none (a required flag).
    pub value: Option<String>,
    pub source: Source,
}

/// The settings a config file can give, checked, with the text each was written as.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// The file read, or where one would be read from.
    pub path: Option<PathBuf>,
    /// Whether `path` existed and was read.
    pub loaded: bool,
    pub db: Option<(PathBuf, String)>,
    pub org: Option<String>,
    pub keyring: Option<(KeyringMode, String)>,
    pub color: Option<(ColorChoice, String)>,
    pub create: CreateDefaults,
}

/// `[create]`: what `tokctl create` uses when its flags leave a value out.
#[derive(Debug, Default, Clone)]
pub struct CreateDefaults {
    pub expires: Option<(Expiry, String)>,
    pub scopes: Option<Vec<Scope>>,
}

/// A config file that cannot be used: one line naming the file and the line.
#[derive(Debug)]
pub struct ConfigError {
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The file as written: unknown keys are refused, so a typo
/// (`colour = "never"`) is an error rather than a setting silently ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    db: Option<Spanned<String>>,
    org: Option<Spanned<String>>,
    keyring: Option<Spanned<String>>,
    color: Option<Spanned<String>>,
    create: Option<FileCreate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCreate {
    expires: Option<Spanned<String>>,
    scopes: Option<Spanned<Vec<String>>>,
}

/// Where the config file is: `TOKCTL_CONFIG`, else
/// `$XDG_CONFIG_HOME/tokctl/config.toml`, else `~/.config/tokctl/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CONFIG_VAR).filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    // HOME only from the environment, never the password database: a
    // process with a cleared environment (a test, a cron job with `env -i`)
    // reads no one's config file by surprise.
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".config"))
        })?;
    Some(base.join("tokctl").join("config.toml"))
}

/// Reads the config file, if there is one. A file named by `TOKCTL_CONFIG`
/// must exist; the default location may be empty.
pub fn load() -> Result<Config, ConfigError> {
    let Some(path) = config_path() else {
        return Ok(Config::default());
    };
    let named = std::env::var_os(CONFIG_VAR).is_some_and(|path| !path.is_empty());
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !named => Ok(Config {
            path: Some(path),
            ..Config::default()
        }),
        Err(err) => Err(ConfigError {
            message: format!("config file {}: {err}", path.display()),
        }),
    }
}

/// Parses and checks a config file's text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let at = |span: Option<std::ops::Range<usize>>, message: &str| {
        let line = span.map_or(1, |span| {
            text.get(..span.start).unwrap_or(text).matches('\n').count() + 1
        });
        // toml's messages can run over lines; the contract is one line.
        let message = message.trim().replace(['\n', '\r'], " ");
        ConfigError {
            message: format!("{}:{line}: {message}", path.display()),
        }
    };
    let file: FileConfig = toml::from_str(text).map_err(|err| at(err.span(), err.message()))?;
    let check = |value: &Spanned<String>, name: &str, outcome: Result<(), String>| {
        outcome.map_err(|reason| at(Some(value.span()), &format!("{name}: {reason}")))
    };
    let mut config = Config {
        path: Some(path.to_owned()),
        loaded: true,
        ..Config::default()
    };
    if let Some(db) = file.db {
        let text = db.get_ref().clone();
        let is_url = text.starts_with("postgres://") || text.starts_with("postgresql://");
        // A relative path would name a different store in every directory.
        let result = if is_url || Path::new(&text).is_absolute() {
            Ok(())
        } else {
            Err(format!(
                "'{text}' is neither an absolute path nor a postgres:// URL"
            ))
        };
        check(&db, "db", result)?;
        config.db = Some((PathBuf::from(&text), text));
    }
    if let Some(org) = file.org {
        let result = if org.get_ref().trim().is_empty() {
            Err("empty org name".to_owned())
        } else {
            Ok(())
        };
        check(&org, "org", result)?;
        config.org = Some(org.into_inner());
    }
    if let Some(keyring) = file.keyring {
        let text = keyring.get_ref().clone();
        match text.parse::<KeyringMode>() {
            Ok(mode) => config.keyring = Some((mode, text)),
            Err(_) => check(
                &keyring,
                "keyring",
                Err(format!("'{text}': expected auto, required or off")),
            )?,
        }
    }
    if let Some(color) = file.color {
        let text = color.get_ref().clone();
        match ColorChoice::from_str(&text, false) {
            Ok(choice) => config.color = Some((choice, text)),
            Err(_) => check(
                &color,
                "color",
                Err(format!("'{text}': expected auto, always or never")),
            )?,
        }
    }
    if let Some(create) = file.create {
        if let Some(expires) = create.expires {
            let text = expires.get_ref().clone();
            match parse_expiry(&text) {
                Ok(expiry) => config.create.expires = Some((expiry, text)),
                Err(reason) => check(&expires, "create.expires", Err(reason))?,
            }
        }
        if let Some(scopes) = create.scopes {
            let mut parsed = Vec::new();
            for text in scopes.get_ref() {
                match parse_scope(text) {
                    Ok(scope) => parsed.push(scope),
                    Err(reason) => {
                        return Err(at(
                            Some(scopes.span()),
                            &format!("create.scopes: '{text}': {reason}"),
                        ))
                    }
                }
            }
            if parsed.is_empty() {
                return Err(at(Some(scopes.span()), "create.scopes: an empty list"));
            }
            config.create.scopes = Some(parsed);
        }
    }
    Ok(config)
}

/// Where the global options came from on this command line: the flag, its
/// environment variable, or nothing (clap's default or absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    db: Option<GivenBy>,
    keyring: Option<GivenBy>,
    color: Option<GivenBy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GivenBy {
    Flag,
    Env,
}

impl Given {
    /// Reads the sources from the root matches (global options are
    /// propagated there from any subcommand). Call before the values are
    /// taken out of `matches`.
    pub fn from_matches(matches: &ArgMatches) -> Self {
        let by = |id: &str| match matches.value_source(id) {
            Some(ValueSource::CommandLine) => Some(GivenBy::Flag),
            Some(ValueSource::EnvVariable) => Some(GivenBy::Env),
            _ => None,
        };
        Given {
            db: by("db"),
            keyring: by("keyring"),
            color: by("color"),
        }
    }
}

/// The settings in force: the global options with the config file applied
/// below flags and the environment, and where each came from.
#[derive(Debug)]
pub struct Resolved {
    pub config: Config,
    given: Given,
}

impl Resolved {
    /// Fills in from `config` the global options neither a flag nor the
    /// environment gave.
    pub fn apply(global: &mut GlobalArgs, given: Given, config: Config) -> Self {
        if given.db.is_none() {
            if let Some((path, _)) = &config.db {
                global.db = Some(path.clone());
            }
        }
        if given.keyring.is_none() {
            if let Some((mode, _)) = config.keyring {
                global.keyring = mode;
            }
        }
        if given.color.is_none() {
            if let Some((choice, _)) = config.color {
                global.color = choice;
            }
        }
        Resolved { config, given }
    }

    /// The org `create` mints in when `--org` is not given.
    pub fn default_org(&self) -> Option<&str> {
        self.config.org.as_deref()
    }

    /// Each setting, its value and where it came from, in the order
    /// `tokctl config show` prints them. `default_db` is the built-in store path.
    pub fn settings(
        &self,
        global: &GlobalArgs,
        default_db: Option<&Path>,
    ) -> Vec<(&'static str, Shown)> {
        let source = |given: Option<GivenBy>, env: &'static str, in_file: bool| match given {
            Some(GivenBy::Flag) => Source::Flag,
            Some(GivenBy::Env) => Source::Env(env),
            None if in_file => Source::File,
            None => Source::Default,
        };
        let db_value = global
            .db
            .as_deref()
            .or(default_db)
            .map(|path| path.display().to_string());
        let keyring = match global.keyring {
            KeyringMode::Auto => "auto",
            KeyringMode::Required => "required",
            KeyringMode::Off => "off",
        };
        let color = global
            .color
            .to_possible_value()
            .map(|value| value.get_name().to_owned());
        let from_file = |value: Option<String>| Shown {
            source: if value.is_some() {
                Source::File
            } else {
                Source::Default
            },
            value,
        };
        vec![
            (
                "db",
                Shown {
                    value: db_value,
                    source: source(self.given.db, "TOKCTL_DB", self.config.db.is_some()),
                },
            ),
            ("org", from_file(self.config.org.clone())),
            (
                "keyring",
                Shown {
                    value: Some(keyring.to_owned()),
                    source: source(
                        self.given.keyring,
                        "TOKCTL_KEYRING",
                        self.config.keyring.is_some(),
                    ),
                },
            ),
            (
                "color",
                Shown {
                    value: color,
                    source: source(self.given.color, "", self.config.color.is_some()),
                },
            ),
            (
                "create.expires",
                from_file(
                    self.config
                        .create
                        .expires
                        .as_ref()
                        .map(|(_, text)| text.clone()),
                ),
            ),
            (
                "create.scopes",
                from_file(self.config.create.scopes.as_ref().map(|scopes| {
                    scopes
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(" ")
                })),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse(text, Path::new("/etc/x.toml")).unwrap_err().message
    }

    #[test]
    fn an_unknown_key_names_the_file_and_its_line() {
        let message = error("db = \"/tmp/a.db\"\ncolour = \"never\"\n");
        assert!(message.starts_with("/etc/x.toml:2: "), "{message}");
        assert!(message.contains("colour"), "{message}");
        assert!(!message.contains('\n'));
    }

    #[test]
    fn a_bad_value_names_its_line() {
        let message = error("\n[create]\nexpires = \"soon\"\n");
        assert!(
            message.starts_with("/etc/x.toml:3: create.expires"),
            "{message}"
        );
        let message = error("keyring = \"maybe\"");
        assert!(message.starts_with("/etc/x.toml:1: keyring"), "{message}");
        let message = error("db = \"relative.db\"");
        assert!(message.contains("absolute"), "{message}");
    }

    #[test]
    fn a_full_file_parses() {
        let config = parse(
            "db = \"/srv/t.db\"\norg = \"acme\"\nkeyring = \"off\"\ncolor = \"never\"\n\
             [create]\nexpires = \"30d\"\nscopes = [\"repo:read\", \"issues:write\"]\n",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(config.org.as_deref(), Some("acme"));
        assert_eq!(config.keyring.map(|(mode, _)| mode), Some(KeyringMode::Off));
        assert_eq!(config.create.scopes.map(|s| s.len()), Some(2));
    }
}
