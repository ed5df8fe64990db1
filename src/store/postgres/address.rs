//! Where a team store lives: a `postgres://` (or `postgresql://`) URL read
//! the way libpq reads one (host, a Unix-socket directory as host, port,
//! dbname, user, sslmode, sslrootcert), and the password looked up in a
//! pgpass file.
//! A password in the URL itself is refused: a URL is passed on command
//! lines and kept in shell histories, where others can read it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{Error, RequestProblem, Result};

/// The port PostgreSQL listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 5432;

/// How long connecting may take before the store counts as unreachable.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or an IP address, over TCP.
    Tcp(String),
    /// The directory holding the server's Unix socket.
    Socket(PathBuf),
    /// No host given: the Unix socket in libpq's default directory
    /// (`/var/run/postgresql` where it exists, as Debian builds it, else `/tmp`).
    DefaultSocket,
}

/// Whether the connection is encrypted and what of the server's certificate
/// is checked (libpq's `sslmode`). A Unix socket is never encrypted, as in
/// libpq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never encrypt.
    Disable,
    /// Encrypt when the server offers it (libpq's default); no certificate
    /// is checked.
    #[default]
    Prefer,
    /// Encrypt, or do not connect. The certificate is checked against a root
    /// certificate only when there is one (`sslrootcert`, or the default
    /// file where it exists), as libpq does; then as [`SslMode::VerifyCa`].
    Require,
    /// Encrypt, and the server's certificate must chain to the root
    /// certificate; its host name is not checked.
    VerifyCa,
    /// As [`SslMode::VerifyCa`], and the certificate must name the host
    /// connected to (a DNS name, or an IP address among its addresses).
    VerifyFull,
}

impl SslMode {
    /// The `sslmode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// What a TCP connection checks of the server's certificate, from the
/// `sslmode` and the root certificate (see [`ServerAddress::tls_check`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsCheck {
    /// No encryption.
    None,
    /// Encrypted; the certificate is not checked (`prefer`, or `require`
    /// with no root certificate).
    EncryptOnly {
        /// Whether a server without TLS is refused (`require`).
        required: bool,
    },
    /// Encrypted, and the certificate must chain to a certificate in `roots`.
    Chain {
        /// The root certificate file (PEM).
        roots: PathBuf,
        /// Whether the certificate must also name the host (`verify-full`).
        host: bool,
    },
    /// `verify-ca` or `verify-full` with no root certificate to check against:
    /// no connection is made.
    MissingRoots {
        /// The file that was looked for (the default one), if any.
        looked_for: Option<PathBuf>,
    },
}

/// How a connection reaches the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// A host name or address, over TCP.
    Tcp(&'a str),
    /// The directory of the server's Unix socket.
    Socket(PathBuf),
}

/// A team store's address, parsed from its URL. It never holds a password
/// (a URL with one is refused), so `Debug` and `Display` show it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    host: Host,
    port: u16,
    dbname: Option<String>,
    user: Option<String>,
    sslmode: SslMode,
    /// The URL's `sslrootcert`.
    sslrootcert: Option<PathBuf>,
    /// libpq's default root certificate file (`~/.postgresql/root.crt`),
    /// which the caller names: the library reads no environment.
    default_root_cert: Option<PathBuf>,
    connect_timeout: Duration,
}

impl ServerAddress {
    /// Parses a `postgres://` or `postgresql://` URL:
    /// `postgres://[user@][host][:port][/dbname][?param=value&...]`, where
    /// the host may be a percent-encoded socket directory (`%2Frun%2Fpg`)
    /// and the parameters are `host`, `port`, `dbname`, `user`, `sslmode`
    /// (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`),
    /// `sslrootcert` (a PEM file of root certificates) and
    /// `connect_timeout` (seconds).
    /// A password (`user:secret@` or `password=`) is refused without being
    /// repeated in the error.
    pub fn parse(url: &str) -> Result<ServerAddress> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| bad_url("it must start with postgres:// or postgresql://"))?;
        if rest.contains('#') {
            return Err(bad_url("it must not have a fragment (#…)"));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.split_once('/') {
            Some((authority, path)) => (authority, Some(path)),
            None => (before_query, None),
        };
        let mut address = ServerAddress {
            host: Host::DefaultSocket,
            port: DEFAULT_PORT,
            dbname: None,
            user: None,
            sslmode: SslMode::default(),
            sslrootcert: None,
            default_root_cert: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        };
        let host_port = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => {
                if userinfo.contains(':') {
                    return Err(password_refused());
                }
                address.user = non_empty(decode(userinfo, "user name")?);
                host_port
            }
            None => authority,
        };
        address.parse_host_port(host_port)?;
        if let Some(path) = path {
            address.dbname = non_empty(decode(path, "database name")?);
        }
        // Look for a password before anything else can fail and be reported.
        let pairs: Vec<(&str, &str)> = query
            .filter(|query| !query.is_empty())
            .map(|query| {
                query
                    .split('&')
                    .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                    .collect()
            })
            .unwrap_or_default();
        if pairs.iter().any(|(key, _)| *key == "password") {
            return Err(password_refused());
        }
        for (key, value) in pairs {
            let value = decode(value, "parameter")?;
            match key {
                "host" => address.host = host_of(&value)?,
                "port" => address.port = port_of(&value)?,
                "dbname" => address.dbname = non_empty(value),
                "user" => address.user = non_empty(value),
                "sslmode" => address.sslmode = sslmode_of(&value)?,
                "sslrootcert" => address.sslrootcert = Some(root_cert_of(&value)?),
                "connect_timeout" => {
                    let seconds: u64 = value.parse().map_err(|_| {
                        bad_url("connect_timeout must be a whole number of seconds")
                    })?;
                    // libpq: zero (or less) waits forever; tokctl waits at most a day.
                    address.connect_timeout =
                        Duration::from_secs(if seconds == 0 { 86_400 } else { seconds.max(2) });
                }
                other => {
                    return Err(bad_url(&format!(
                        "unknown parameter '{}' (known: host, port, dbname, user, sslmode, sslrootcert, connect_timeout)",
                        crate::error::quote_for_message(other)
                    )))
                }
            }
        }
        Ok(address)
    }

    fn parse_host_port(&mut self, host_port: &str) -> Result<()> {
        if host_port.is_empty() {
            return Ok(());
        }
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            // An IPv6 address: [::1]:5432
            let (inside, after) = bracketed
                .split_once(']')
                .ok_or_else(|| bad_url("an IPv6 host needs its closing ']'"))?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad_url("expected ':PORT' after the IPv6 host"))?,
                ),
            };
            (Host::Tcp(inside.to_owned()), port)
        } else {
            let (host, port) = match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            };
            let host = if host.is_empty() {
                Host::DefaultSocket
            } else {
                host_of(&decode(host, "host")?)?
            };
            (host, port)
        };
        self.host = host;
        if let Some(port) = port {
            self.port = port_of(port)?;
        }
        Ok(())
    }

    /// The host.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port (also the socket's, which is named after it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The database name: the URL's, else the user name (libpq's default).
    pub fn dbname(&self) -> Option<&str> {
        self.dbname.as_deref().or(self.user.as_deref())
    }

    /// The database user named in the URL.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The encryption asked for.
    pub fn sslmode(&self) -> SslMode {
        self.sslmode
    }

    /// The URL's root certificate file (`sslrootcert`), if it names one.
    pub fn sslrootcert(&self) -> Option<&Path> {
        self.sslrootcert.as_deref()
    }

    /// How long connecting may take.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Uses `file` as the root certificate when the URL names none: libpq's
    /// `~/.postgresql/root.crt`, which the caller resolves (the library
    /// reads no environment). It counts only where it exists.
    #[must_use]
    pub fn with_default_root_cert(mut self, file: impl Into<PathBuf>) -> Self {
        self.default_root_cert = Some(file.into());
        self
    }

    /// What a TCP connection to this address checks, as libpq decides it:
    /// a root certificate (the URL's `sslrootcert`, else the default file
    /// when it exists) turns on the chain check for `require` too;
    /// `verify-ca` and `verify-full` without one connect to nothing.
    /// `prefer` never checks (it would fall back to no encryption anyway).
    pub fn tls_check(&self) -> TlsCheck {
        let roots = self.sslrootcert.clone().or_else(|| {
            self.default_root_cert
                .as_ref()
                .filter(|file| file.exists())
                .cloned()
        });
        match (self.sslmode, roots) {
            (SslMode::Disable, _) => TlsCheck::None,
            (SslMode::Prefer, _) => TlsCheck::EncryptOnly { required: false },
            (SslMode::Require, None) => TlsCheck::EncryptOnly { required: true },
            (SslMode::Require | SslMode::VerifyCa, Some(roots)) => {
                TlsCheck::Chain { roots, host: false }
            }
            (SslMode::VerifyFull, Some(roots)) => TlsCheck::Chain { roots, host: true },
            (SslMode::VerifyCa | SslMode::VerifyFull, None) => TlsCheck::MissingRoots {
                looked_for: self.default_root_cert.clone(),
            },
        }
    }

    /// Uses `user` when the URL names none (libpq: the login name).
    #[must_use]
    pub fn with_default_user(mut self, user: &str) -> Self {
        if self.user.is_none() {
            self.user = Some(user.to_owned());
        }
        self
    }

    /// How to reach the server: through the socket in a directory (the
    /// URL's, or the first default one that exists) or over TCP.
    pub(crate) fn route(&self) -> Route<'_> {
        match &self.host {
            Host::Tcp(host) => Route::Tcp(host),
            Host::Socket(dir) => Route::Socket(dir.clone()),
            Host::DefaultSocket => Route::Socket(
                ["/var/run/postgresql", "/tmp"]
                    .iter()
                    .map(PathBuf::from)
                    .find(|dir| dir.is_dir())
                    .unwrap_or_else(|| PathBuf::from("/tmp")),
            ),
        }
    }

    /// The password for this address in a pgpass file (libpq's format: lines
    /// of `host:port:database:user:password`, `*` matching anything, `\`
    /// escaping `:` and `\`; a socket host matches `localhost`). The file
    /// must be readable by its owner only, as libpq requires; a missing file
    /// holds no password.
    pub fn password_from_pgpass(&self, file: &Path) -> Result<Option<Zeroizing<String>>> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => Zeroizing::new(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    path: file.to_owned(),
                    source,
                })
            }
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file)
                .map_err(|source| Error::Io {
                    path: file.to_owned(),
                    source,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Error::StoreUnsafe {
                    problem: format!(
                        "the password file {} can be read by others (mode {:o}; it must be 600 or less)",
                        file.display(),
                        mode & 0o777
                    ),
                });
            }
        }
        let host = match &self.host {
            Host::Tcp(host) => host.clone(),
            // libpq matches a socket connection against "localhost".
            Host::Socket(_) | Host::DefaultSocket => "localhost".to_owned(),
        };
        let port = self.port.to_string();
        let wanted = [
            host.as_str(),
            port.as_str(),
            self.dbname().unwrap_or(""),
            self.user().unwrap_or(""),
        ];
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields = pgpass_fields(line);
            if fields.len() < 5 {
                continue;
            }
            let matches = wanted
                .iter()
                .zip(fields.iter())
                .all(|(want, field)| field.as_str() == "*" || field.as_str() == *want);
            if matches {
                return Ok(Some(Zeroizing::new(fields[4].to_string())));
            }
        }
        Ok(None)
    }
}

impl fmt::Display for ServerAddress {
    /// The URL again, without parameters other than a non-default sslmode:
    /// what messages show. There is never a password to hide.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("postgres://")?;
        if let Some(user) = &self.user {
            write!(f, "{}@", encode(user))?;
        }
        match &self.host {
            Host::Tcp(host) if host.contains(':') => write!(f, "[{host}]")?,
            Host::Tcp(host) => f.write_str(&encode(host))?,
            Host::Socket(dir) => f.write_str(&encode(&dir.to_string_lossy()))?,
            Host::DefaultSocket => {}
        }
        if self.port != DEFAULT_PORT {
            write!(f, ":{}", self.port)?;
        }
        if let Some(dbname) = &self.dbname {
            write!(f, "/{}", encode(dbname))?;
        }
        if self.sslmode != SslMode::default() {
            write!(f, "?sslmode={}", self.sslmode.as_str())?;
        }
        Ok(())
    }
}

/// A pgpass line split into its fields, with `\:` and `\\` unescaped; the
/// last field (the password) keeps any further colons.
fn pgpass_fields(line: &str) -> Vec<Zeroizing<String>> {
    let mut fields = vec![Zeroizing::new(String::new())];
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        let last = fields.len() - 1;
        match ch {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields[last].push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(Zeroizing::new(String::new())),
            _ => fields[last].push(ch),
        }
    }
    fields
}

/// The error for a URL with a password: one line, the password not repeated.
fn password_refused() -> Error {
    Error::request(
        "refusing a store URL with a password in it (others can read command lines and shell \
         histories): put the password in PGPASSWORD or ~/.pgpass instead",
        RequestProblem::Other,
    )
}

fn bad_url(reason: &str) -> Error {
    Error::request(
        format!("invalid store URL: {reason}"),
        RequestProblem::Other,
    )
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// `host=` or the URL's host: a socket directory when it starts with `/`.
fn host_of(text: &str) -> Result<Host> {
    if text.contains(',') {
        return Err(bad_url("several hosts are not supported; name one"));
    }
    Ok(if text.is_empty() {
        Host::DefaultSocket
    } else if text.starts_with('/') {
        Host::Socket(PathBuf::from(text))
    } else {
        Host::Tcp(text.to_owned())
    })
}

fn port_of(text: &str) -> Result<u16> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(bad_url(&format!(
            "the port '{}' is not a number from 1 to 65535",
            crate::error::quote_for_message(text)
        ))),
    }
}

fn sslmode_of(text: &str) -> Result<SslMode> {
    match text {
        "disable" => Ok(SslMode::Disable),
        "prefer" => Ok(SslMode::Prefer),
        "require" => Ok(SslMode::Require),
        "verify-ca" => Ok(SslMode::VerifyCa),
        "verify-full" => Ok(SslMode::VerifyFull),
        // allow: plain first, TLS only when the server insists; nobody
        // should want it, and the client cannot do it.
        "allow" => Err(bad_url(
            "sslmode allow is not supported (use disable, prefer, require, verify-ca or verify-full)",
        )),
        other => Err(bad_url(&format!(
            "unknown sslmode '{}' (use disable, prefer, require, verify-ca or verify-full)",
            crate::error::quote_for_message(other)
        ))),
    }
}

/// `sslrootcert=`: a file. libpq's `system` (the OS's trusted roots) needs
/// a source of those roots tokctl does not carry.
fn root_cert_of(text: &str) -> Result<PathBuf> {
    match text {
        "" => Err(bad_url("sslrootcert names no file")),
        "system" => Err(bad_url(
            "sslrootcert=system is not supported: name the file of the certificate authority \
             that signed the server's certificate",
        )),
        file => Ok(PathBuf::from(file)),
    }
}

/// Percent-decoding of one URL component.
fn decode(text: &str, what: &str) -> Result<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = bytes
                    .get(index + 1..index + 3)
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                    .ok_or_else(|| bad_url(&format!("bad percent-encoding in the {what}")))?;
                out.push(hex);
                index += 3;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad_url(&format!("the {what} is not UTF-8")))
}

/// Percent-encoding of what `decode` would misread.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_url_names_host_port_database_user_and_sslmode() {
        let address =
            ServerAddress::parse("postgres://olive@db.example:6543/team?sslmode=require").unwrap();
        assert_eq!(address.host(), &Host::Tcp("db.example".into()));
        assert_eq!(address.port(), 6543);
        assert_eq!(address.dbname(), Some("team"));
        assert_eq!(address.user(), Some("olive"));
        assert_eq!(address.sslmode(), SslMode::Require);
        assert_eq!(
            address.to_string(),
            "postgres://olive@db.example:6543/team?sslmode=require"
        );
    }

    #[test]
    fn a_socket_directory_is_a_host() {
        let encoded = ServerAddress::parse("postgresql://%2Fvar%2Frun%2Fpg/team").unwrap();
        assert_eq!(encoded.host(), &Host::Socket("/var/run/pg".into()));
        let param = ServerAddress::parse("postgres:///team?host=/tmp/sock&port=7000").unwrap();
        assert_eq!(param.host(), &Host::Socket("/tmp/sock".into()));
        assert_eq!(param.port(), 7000);
        let none = ServerAddress::parse("postgres://").unwrap();
        assert_eq!(none.host(), &Host::DefaultSocket);
        assert_eq!(none.dbname(), None);
        assert_eq!(
            none.with_default_user("olive").dbname(),
            Some("olive"),
            "the database defaults to the user name"
        );
        let ipv6 = ServerAddress::parse("postgres://[::1]:5433/x").unwrap();
        assert_eq!(ipv6.host(), &Host::Tcp("::1".into()));
        assert_eq!(ipv6.port(), 5433);
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_being_repeated() {
        for url in [
            "postgres://olive:hunter2secret@db/team",
            "postgres://olive:@db/team",
            "postgres://db/team?password=hunter2secret",
            "postgres://db/team?sslmode=bogus&password=hunter2secret",
            "postgres://olive:hunter2secret@db:notaport/team",
        ] {
            let err = ServerAddress::parse(url).unwrap_err();
            let text = err.to_string();
            assert!(text.contains("password"), "{text}");
            assert!(!text.contains("hunter2secret"), "{text}");
            assert!(!text.contains('\n'));
        }
    }

    #[test]
    fn bad_urls_are_refused_with_the_part_at_fault() {
        let cases = [
            ("postgres://db:99999/x", "port"),
            ("postgres://db/x?sslmode=allow", "not supported"),
            ("postgres://db/x?sslrootcert=system", "not supported"),
            ("postgres://db/x?sslrootcert=", "no file"),
            ("postgres://db/x?sslmode=sometimes", "unknown sslmode"),
            ("postgres://db/x?options=-c", "unknown parameter 'options'"),
            ("postgres://a,b/x", "several hosts"),
            ("postgres://db/x%zz", "percent-encoding"),
        ];
        for (url, needle) in cases {
            let text = ServerAddress::parse(url).unwrap_err().to_string();
            assert!(text.contains(needle), "{url}: {text}");
        }
    }

    #[test]
    fn the_certificate_check_follows_sslmode_and_the_root_certificate_as_in_libpq() {
        let dir = tempfile::tempdir().unwrap();
        let present = dir.path().join("root.crt");
        std::fs::write(&present, "").unwrap();
        let absent = dir.path().join("absent.crt");
        let check = |url: &str, default: &Path| {
            ServerAddress::parse(url)
                .unwrap()
                .with_default_root_cert(default)
                .tls_check()
        };
        let chain = |roots: &Path, host: bool| TlsCheck::Chain {
            roots: roots.to_owned(),
            host,
        };
        assert_eq!(
            check("postgres://db/x?sslmode=disable", &present),
            TlsCheck::None
        );
        assert_eq!(
            check("postgres://db/x", &present),
            TlsCheck::EncryptOnly { required: false },
            "prefer never checks"
        );
        assert_eq!(
            check("postgres://db/x?sslmode=require", &absent),
            TlsCheck::EncryptOnly { required: true }
        );
        assert_eq!(
            check("postgres://db/x?sslmode=require", &present),
            chain(&present, false),
            "require with a root certificate checks the chain"
        );
        assert_eq!(
            check("postgres://db/x?sslmode=verify-ca", &present),
            chain(&present, false)
        );
        assert_eq!(
            check("postgres://db/x?sslmode=verify-full", &present),
            chain(&present, true)
        );
        let named = format!(
            "postgres://db/x?sslmode=verify-full&sslrootcert={}",
            absent.display()
        );
        assert_eq!(
            check(&named, &present),
            chain(&absent, true),
            "the URL's file wins, and its absence is found when it is read"
        );
        assert_eq!(
            check("postgres://db/x?sslmode=verify-ca", &absent),
            TlsCheck::MissingRoots {
                looked_for: Some(absent.clone())
            }
        );
        assert_eq!(
            ServerAddress::parse(&named).unwrap().to_string(),
            "postgres://db/x?sslmode=verify-full",
            "messages name the file where it matters, not in every address"
        );
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:olive:wrong\ndb:5432:team:olive:pa\\:ss:word\n*:*:*:*:fallback\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let address = ServerAddress::parse("postgres://olive@db/team").unwrap();
        let found = address.password_from_pgpass(&file).unwrap().unwrap();
        assert_eq!(found.as_str(), "pa:ss:word");
        let other = ServerAddress::parse("postgres://bob@db/team").unwrap();
        let found = other.password_from_pgpass(&file).unwrap().unwrap();
        assert_eq!(found.as_str(), "fallback");
        assert!(address
            .password_from_pgpass(&dir.path().join("missing"))
            .unwrap()
            .is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = address.password_from_pgpass(&file).unwrap_err();
            assert!(err.to_string().contains("can be read by others"), "{err}");
        }
    }
}
