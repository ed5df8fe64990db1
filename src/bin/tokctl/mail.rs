//! Expiry reminders as e-mail: the message (RFC 5322, plain text, UTF-8)
//! and the mail program it is handed to. tokctl speaks no SMTP: it uses the
//! interface every MTA provides, `sendmail -t` (the message on stdin, the
//! recipients read from its `To:` header, the exit status saying whether it
//! was accepted), run directly, never through a shell.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use tokctl::clock::Timestamp;
use tokctl::duration::Span;
use tokctl::model::TokenKind;
use tokctl::ops::{Reminder, ReminderReason};

use crate::output::time_format::{relative, rfc3339};

/// How long a mail program may take to accept one message before it is
/// stopped and the message counts as not sent: a hung MTA must not hold a
/// nightly job forever.
const SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// A sendmail-compatible program and its arguments, checked to exist.
#[derive(Debug, Clone)]
pub struct MailProgram {
    program: PathBuf,
    args: Vec<String>,
}

/// Why a mail program cannot be used at all (nothing is sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramProblem {
    /// The command line does not split into words (an unclosed quote).
    Unsplittable,
    /// No words.
    Empty,
    /// The program is not there, or not a file, or not executable.
    Missing(String),
    /// A bare name not found on `PATH`.
    NotOnPath(String),
}

impl std::fmt::Display for ProgramProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgramProblem::Unsplittable => {
                write!(f, "the mail program's command line has an unclosed quote")
            }
            ProgramProblem::Empty => write!(f, "the mail program's command line is empty"),
            ProgramProblem::Missing(path) => {
                write!(
                    f,
                    "the mail program {path} does not exist or is not executable"
                )
            }
            ProgramProblem::NotOnPath(name) => {
                write!(f, "the mail program {name} is not on PATH")
            }
        }
    }
}

/// Why one message was not accepted.
#[derive(Debug)]
pub enum SendFailure {
    /// The program could not be started.
    Start(std::io::Error),
    /// It ended with a failure status (or a signal).
    Status(ExitStatus),
    /// It took longer than [`SEND_TIMEOUT`] and was stopped.
    TimedOut,
    /// It exited 0 without reading the whole message.
    Unread(std::io::Error),
    /// Waiting for it failed.
    Wait(std::io::Error),
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendFailure::Start(err) => write!(f, "could not start it: {err}"),
            SendFailure::Status(status) => match status.code() {
                Some(code) => write!(f, "it exited with status {code}"),
                None => write!(f, "it was stopped by a signal"),
            },
            SendFailure::TimedOut => write!(
                f,
                "it did not finish within {} seconds and was stopped",
                SEND_TIMEOUT.as_secs()
            ),
            SendFailure::Unread(err) => write!(f, "it did not read the whole message: {err}"),
            SendFailure::Wait(err) => write!(f, "waiting for it failed: {err}"),
        }
    }
}

impl MailProgram {
    /// Splits `command` into words as a POSIX shell would (quotes and
    /// backslashes; no variables, globs or pipes: nothing runs a shell) and
    /// checks the program: a path must name an executable file; a bare name
    /// is looked up on `path` (the `PATH` variable).
    pub fn parse(command: &str, path: Option<&OsStr>) -> Result<Self, ProgramProblem> {
        let words = shlex::split(command).ok_or(ProgramProblem::Unsplittable)?;
        let (program, args) = words.split_first().ok_or(ProgramProblem::Empty)?;
        let program = if program.contains('/') {
            let candidate = PathBuf::from(program);
            if !is_executable(&candidate) {
                return Err(ProgramProblem::Missing(program.clone()));
            }
            candidate
        } else {
            path.map(std::env::split_paths)
                .into_iter()
                .flatten()
                .map(|dir| dir.join(program))
                .find(|candidate| is_executable(candidate))
                .ok_or_else(|| ProgramProblem::NotOnPath(program.clone()))?
        };
        Ok(MailProgram {
            program,
            args: args.to_vec(),
        })
    }

    /// Hands one message to the program on its stdin and waits for its
    /// verdict: exit status 0 is accepted, anything else (or no answer
    /// within [`SEND_TIMEOUT`]) is not. Its stdout goes to tokctl's stderr,
    /// so that stdout keeps carrying only data; its stderr is tokctl's.
    pub fn send(&self, message: &str) -> Result<(), SendFailure> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(std::io::stderr()))
            .spawn()
            .map_err(SendFailure::Start)?;
        // Written from a thread: a program that stops reading (or never
        // starts) must not block tokctl once the pipe's buffer is full.
        let stdin = child.stdin.take();
        let bytes = message.as_bytes().to_vec();
        let writer = std::thread::spawn(move || match stdin {
            Some(mut stdin) => stdin.write_all(&bytes),
            None => Ok(()),
        });
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= SEND_TIMEOUT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(SendFailure::TimedOut);
                }
                Ok(None) => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(err) => return Err(SendFailure::Wait(err)),
            }
        };
        let written = writer
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the writer thread failed")));
        if !status.success() {
            return Err(SendFailure::Status(status));
        }
        written.map_err(SendFailure::Unread)
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// An address as it may stand in a header: `local@domain` with no white
/// space, control character, quote, bracket, comma or other character that
/// would end the address or start another (so no stored address can add a
/// recipient or a header). Letters beyond ASCII are allowed (RFC 6532).
pub fn usable_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
    let domain_ok = |c: char| c.is_alphanumeric() || c == '-' || c == '.';
    !local.is_empty()
        && !domain.is_empty()
        && local.chars().all(local_ok)
        && domain.chars().all(domain_ok)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// A display name as a header phrase: as it is when it holds only
/// characters a phrase may (letters, digits, spaces and `!#$%&'*+-/=?^_`
/// `` ` ``{|}~`), quoted when it is other printable ASCII, and as RFC 2047
/// encoded words (UTF-8, base64) otherwise, folded onto continuation lines.
fn phrase(name: &str) -> String {
    let atext = |c: char| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c);
    if name.chars().all(atext) {
        return name.to_owned();
    }
    if name.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        return format!("\"{escaped}\"");
    }
    // Each encoded word at most 75 characters: 12 of framing and the
    // base64 of at most 45 bytes, never splitting a character.
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in name.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|word| format!("=?UTF-8?B?{}?=", STANDARD.encode(word)))
        .collect::<Vec<_>>()
        .join("\n ")
}

/// A span for people: `7d` as "7 days", `1mo` as "1 month".
pub fn span_words(span: &Span) -> String {
    let text = span.to_string();
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let (amount, unit) = text.split_at(digits);
    let unit = match unit {
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => return text,
    };
    let plural = if amount == "1" { "" } else { "s" };
    format!("{amount} {unit}{plural}")
}

/// Text as one line of the body: a control character (a line break
/// among them, in a store edited by hand) becomes a space, so no stored
/// text can start a line of its own, such as the lone `.` that ends a
/// message for a sendmail run without `-i`.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Words in lines of at most `width` characters (a longer word on a line of
/// its own, cut at 900 characters: RFC 5322 allows 998 per line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let word: String = word.chars().take(900).collect();
        let needed = line.chars().count() + 1 + word.chars().count();
        if !line.is_empty() && needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What a message needs besides the reminder.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `From:`, when given (else the mail program sets it: usually the
    /// account running tokctl).
    pub from: Option<&'a str>,
    /// The threshold (`7d`).
    pub threshold: Span,
    /// When: the `Date:` header and "in 3 days".
    pub at: Timestamp,
    /// The `Message-ID:`, without its angle brackets.
    pub message_id: String,
}

/// A unique `Message-ID` (without angle brackets): the time, this
/// process and the message's number in it, at `domain`.
pub fn message_id(at: Timestamp, number: usize, domain: &str) -> String {
    format!(
        "tokctl-notify.{}.{}.{number}@{domain}",
        at.timestamp(),
        std::process::id()
    )
}

/// The domain a `Message-ID` names: the `From:` address's, else this host's
/// name when it is one, else `localhost`.
pub fn message_id_domain(from: Option<&str>) -> String {
    if let Some((_, domain)) = from.and_then(|from| from.rsplit_once('@')) {
        return domain.to_owned();
    }
    whoami::fallible::hostname()
        .ok()
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// The message for one reminder, or `None` when its recipient has no
/// address that can stand in a header. Lines end in LF, as the sendmail
/// interface expects of local input (the mail program writes CRLF on the
/// wire); headers are ASCII, the body UTF-8 sent as 8bit.
pub fn compose(reminder: &Reminder, envelope: &Envelope<'_>) -> Option<String> {
    let address = reminder.address().filter(|a| usable_address(a))?;
    let recipient = &reminder.recipient;
    let to = match &recipient.display_name {
        Some(name) => format!("{} <{address}>", phrase(name)),
        None => address.to_owned(),
    };
    let count = reminder.tokens.len();
    let subject = if count == 1 {
        format!(
            "tokctl: 1 token expires within {}",
            span_words(&envelope.threshold)
        )
    } else {
        format!(
            "tokctl: {count} tokens expire within {}",
            span_words(&envelope.threshold)
        )
    };
    let mut message = String::new();
    message.push_str(&format!("To: {to}\n"));
    if let Some(from) = envelope.from {
        message.push_str(&format!("From: {from}\n"));
    }
    message.push_str(&format!("Subject: {subject}\n"));
    message.push_str(&format!("Date: {}\n", envelope.at.to_rfc2822()));
    message.push_str(&format!("Message-ID: <{}>\n", envelope.message_id));
    // RFC 3834: no vacation replies to a robot.
    message.push_str("Auto-Submitted: auto-generated\n");
    message.push_str("MIME-Version: 1.0\n");
    message.push_str("Content-Type: text/plain; charset=utf-8\n");
    message.push_str("Content-Transfer-Encoding: 8bit\n");
    message.push('\n');
    message.push_str(&body(reminder, envelope));
    Some(message)
}

/// The text: who, which tokens, when, and how to keep each one working.
pub fn body(reminder: &Reminder, envelope: &Envelope<'_>) -> String {
    let recipient = &reminder.recipient;
    let name = recipient.display_name.as_deref().unwrap_or(&recipient.name);
    let count = reminder.tokens.len();
    let mut text = format!("Hello {},\n\n", one_line(name));
    text.push_str(&if count == 1 {
        format!(
            "a token you look after expires within {}:\n",
            span_words(&envelope.threshold)
        )
    } else {
        format!(
            "{count} tokens you look after expire within {}:\n",
            span_words(&envelope.threshold)
        )
    });
    for reminded in &reminder.tokens {
        let token = &reminded.token;
        text.push('\n');
        text.push_str(&format!(
            "  {} (org {})\n",
            one_line(&token.name),
            one_line(&token.org)
        ));
        if let Some(expires) = token.expires_at {
            text.push_str(&format!(
                "    expires {} ({})\n",
                rfc3339(expires),
                relative(Some(expires), envelope.at, "")
            ));
        }
        let whose = match (reminded.reason, token.kind) {
            (ReminderReason::OwnToken, _) | (_, TokenKind::Personal) => {
                "your personal token".to_owned()
            }
            (ReminderReason::OrgOwner, TokenKind::Org) => {
                format!("an org token of {}, which you own", token.org)
            }
            (ReminderReason::OrgAdmin, TokenKind::Org) => {
                format!("an org token of {}, which you administer", token.org)
            }
        };
        text.push_str(&format!("    id {}, {whose}\n", token.id));
        if let Some(description) = &token.description {
            for line in wrap(&one_line(description), 72) {
                text.push_str(&format!("    {line}\n"));
            }
        }
        text.push_str(&format!(
            "    keep it working: tokctl rotate {} --expires 90d\n",
            token.id
        ));
    }
    text.push_str(
        "\nRotating gives a token a new secret and a new expiry (within the org's\n\
         policy); the new secret is printed once, so update whatever uses the\n\
         token right away. A token left alone stops working when it expires.\n\
         'tokctl show ID' tells more about one.\n",
    );
    text.push_str(&format!(
        "\n-- \nSent by tokctl notify --expiring {}: one reminder per token and\n\
         expiry at this threshold.\n",
        envelope.threshold
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::{one_line, phrase, span_words, usable_address, wrap, MailProgram, ProgramProblem};

    #[test]
    fn stored_text_never_starts_a_line_of_its_own_nor_runs_past_998_characters() {
        assert_eq!(one_line("deploy\n.\nBcc: x"), "deploy . Bcc: x");
        let long = format!("{} short words", "x".repeat(1000));
        let lines = wrap(&long, 72);
        assert_eq!(lines, ["x".repeat(900), "short words".to_owned()]);
        let prose = "CI deploys of the api service to staging and production, \
                     every weekday, from the release branch only";
        for line in wrap(prose, 72) {
            assert!(line.chars().count() <= 72, "{line}");
        }
        assert_eq!(wrap(prose, 72).join(" "), prose);
    }

    #[test]
    fn thresholds_read_as_words() {
        for (span, words) in [
            ("7d", "7 days"),
            ("1d", "1 day"),
            ("2w", "2 weeks"),
            ("1mo", "1 month"),
            ("12h", "12 hours"),
        ] {
            assert_eq!(span_words(&span.parse().unwrap()), words);
        }
    }

    #[test]
    fn addresses_that_could_add_recipients_or_headers_are_not_used() {
        for good in [
            "alice@example.com",
            "a.b+tag@mail.example.org",
            "jörg@example.de",
        ] {
            assert!(usable_address(good), "{good}");
        }
        for bad in [
            "a,b@example.com",
            "a@example.com>, <evil@example.org",
            "a b@example.com",
            "a@example.com\nBcc: evil@example.org",
            "\"a\"@example.com",
            "a@[127.0.0.1]",
            "@example.com",
            "a@",
            "a(comment)@example.com",
            ".a@example.com",
        ] {
            assert!(!usable_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn display_names_become_safe_phrases() {
        assert_eq!(phrase("Ada Lovelace"), "Ada Lovelace");
        assert_eq!(phrase("Dr. Who"), "\"Dr. Who\"");
        assert_eq!(phrase("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
        let encoded = phrase("Jörg Müller");
        assert_eq!(encoded, "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=");
        let long = phrase(&"é".repeat(60));
        for line in long.lines() {
            assert!(line.len() <= 76, "{line}");
        }
        assert!(!long.contains('\r'));
    }

    #[test]
    fn mail_commands_are_split_as_words_and_checked() {
        let path = std::env::var_os("PATH");
        assert_eq!(
            MailProgram::parse("'/no/such/sendmail' -t", path.as_deref()).unwrap_err(),
            ProgramProblem::Missing("/no/such/sendmail".into())
        );
        assert_eq!(
            MailProgram::parse("'unclosed -t", path.as_deref()).unwrap_err(),
            ProgramProblem::Unsplittable
        );
        assert_eq!(
            MailProgram::parse("  ", path.as_deref()).unwrap_err(),
            ProgramProblem::Empty
        );
        assert_eq!(
            MailProgram::parse("sh -c", None).unwrap_err(),
            ProgramProblem::NotOnPath("sh".into())
        );
        let sh = MailProgram::parse("/bin/sh -c 'cat > /dev/null'", None).unwrap();
        assert_eq!(sh.args, ["-c", "cat > /dev/null"]);
    }
}
