//! Reading a secret that a person or a script hands to tokctl: from an
//! environment variable, a hidden prompt on a terminal, or stdin. Never argv,
//! where `ps` would show it.

use std::io::IsTerminal;
use std::sync::Mutex;

use tokctl::error::Rejection;
use tokctl::Error;
use zeroize::{Zeroize, Zeroizing};

use crate::output::ui::Ui;

/// No token is longer than this; more input is not a token.
pub const MAX_SECRET_INPUT_BYTES: usize = 4096;

/// The environment variable `verify` reads a token from.
pub const TOKEN_ENV: &str = "TOKCTL_TOKEN";

/// How much stdin is read at a time. Larger than std's own stdin buffer
/// (8 KiB), so on platforms where std's reader is used its buffer is
/// bypassed and never holds a secret.
const READ_CHUNK: usize = 16 * 1024;

/// `TOKCTL_TOKEN`, moved out of the environment at start (see
/// [`take_token_from_environment`]).
static ENV_TOKEN: Mutex<Option<Zeroizing<Vec<u8>>>> = Mutex::new(None);

/// Moves `TOKCTL_TOKEN` out of the process environment into a buffer that
/// is wiped once used, so no child process inherits it and `std::env` no
/// longer hands it out. Call first thing in `main`.
///
/// Removing a variable is sound only while no other thread reads the
/// environment; `main` calls this before anything starts a thread (the
/// keyring's D-Bus client does, later). What this cannot do: erase the copy
/// the kernel placed at exec time, which `/proc/PID/environ` shows (see
/// docs/SECURITY.md).
pub fn take_token_from_environment() {
    if let Some(value) = std::env::var_os(TOKEN_ENV) {
        let bytes = Zeroizing::new(value.into_encoded_bytes());
        std::env::remove_var(TOKEN_ENV);
        if let Ok(mut slot) = ENV_TOKEN.lock() {
            *slot = Some(bytes);
        }
    }
}

/// The secret: `env_var` if given and set, else a hidden prompt when stdin is
/// a terminal, else stdin (surrounding white space ignored). Oversized or
/// non-UTF-8 input is a malformed token; empty input is a usage error.
pub fn read_secret(prompt: &str, env_var: Option<&str>) -> anyhow::Result<Zeroizing<String>> {
    let malformed = || Error::Rejected {
        reason: Rejection::Malformed,
    };
    let from_env = match env_var {
        Some(TOKEN_ENV) => ENV_TOKEN.lock().ok().and_then(|mut slot| slot.take()),
        Some(name) => {
            std::env::var_os(name).map(|value| Zeroizing::new(value.into_encoded_bytes()))
        }
        None => None,
    };
    if let Some(bytes) = from_env {
        let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
        return Ok(Zeroizing::new(text.trim().to_owned()));
    }
    if std::io::stdin().is_terminal() {
        restore_terminal_on_interrupt();
        let text = Zeroizing::new(dialoguer::Password::new().with_prompt(prompt).interact()?);
        return Ok(Zeroizing::new(text.trim().to_owned()));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_SECRET_INPUT_BYTES + 1));
    let overlong = SecretInput::stdin().read_to_end(&mut bytes, MAX_SECRET_INPUT_BYTES)?;
    if overlong {
        return Err(malformed().into());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?.trim();
    if text.is_empty() {
        return Err(crate::hints::Usage::new(
            "no token given",
            "pipe the token on stdin (printf '%s' \"$TOKEN\" | tokctl ...) or, for verify and inspect, set TOKCTL_TOKEN",
        )
        .into());
    }
    Ok(Zeroizing::new(text.to_owned()))
}

/// Secrets read from stdin in bounded memory: a fixed buffer that is wiped
/// as its bytes are consumed, filled straight from the file descriptor on
/// Unix (std's stdin buffer is never wiped). Lines longer than the caller's
/// bound are skipped, not buffered.
pub struct SecretInput {
    buf: Zeroizing<Vec<u8>>,
    start: usize,
    end: usize,
}

impl SecretInput {
    /// Reads the process's stdin. Nothing else may read stdin meanwhile.
    pub fn stdin() -> Self {
        SecretInput {
            buf: Zeroizing::new(vec![0; READ_CHUNK]),
            start: 0,
            end: 0,
        }
    }

    /// Whether input read from stdin is waiting to be consumed (if not, the
    /// next line may have to wait for the writer).
    pub fn has_buffered(&self) -> bool {
        self.start < self.end
    }

    /// Refills the buffer once it is used up; false at the end of input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.start < self.end {
            return Ok(true);
        }
        self.start = 0;
        self.end = 0;
        let read = read_stdin(&mut self.buf)?;
        self.end = read;
        Ok(read > 0)
    }

    /// Takes `len` bytes from the buffer (copying them to `to`, unless
    /// `None`) and wipes them there.
    fn consume(&mut self, len: usize, to: Option<&mut Zeroizing<Vec<u8>>>) {
        let taken = &mut self.buf[self.start..self.start + len];
        if let Some(to) = to {
            to.extend_from_slice(taken);
        }
        taken.zeroize();
        self.start += len;
    }

    /// The next line (without its `\n`) into `line`, whose old contents are
    /// wiped. `None` at the end of input; `Some(true)` when the line was
    /// longer than `max` bytes: then `line` is empty and the rest of the
    /// line was read and dropped, never held. `line` should have room for
    /// `max` bytes, so it is never reallocated (which would leave a copy).
    pub fn next_line(
        &mut self,
        line: &mut Zeroizing<Vec<u8>>,
        max: usize,
    ) -> std::io::Result<Option<bool>> {
        wipe(line);
        let mut overlong = false;
        let mut any = false;
        while self.fill()? {
            any = true;
            let waiting = &self.buf[self.start..self.end];
            let (len, ends) = match waiting.iter().position(|b| *b == b'\n') {
                Some(at) => (at, true),
                None => (waiting.len(), false),
            };
            if !overlong && line.len() + len > max {
                overlong = true;
                wipe(line);
            }
            self.consume(len, (!overlong).then_some(&mut *line));
            if ends {
                self.consume(1, None);
                return Ok(Some(overlong));
            }
        }
        Ok(any.then_some(overlong))
    }

    /// All input (up to `max` bytes) into `out`; true when there was more,
    /// in which case reading stopped there.
    pub fn read_to_end(
        &mut self,
        out: &mut Zeroizing<Vec<u8>>,
        max: usize,
    ) -> std::io::Result<bool> {
        while self.fill()? {
            let len = self.end - self.start;
            if out.len() + len > max {
                wipe(out);
                self.consume(len, None);
                return Ok(true);
            }
            self.consume(len, Some(out));
        }
        Ok(false)
    }
}

/// Wipes and empties a buffer that is only ever filled within its capacity
/// (so only its initialized part can hold anything): cheaper than
/// `Vec::zeroize`, which wipes the whole capacity a byte at a time.
pub fn wipe(buffer: &mut Vec<u8>) {
    buffer.as_mut_slice().zeroize();
    buffer.clear();
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretInput(REDACTED)")
    }
}

/// One read from stdin into `buf`: the bytes read (0 at the end). By file
/// descriptor, so no copy lands in std's stdin buffer, which is never wiped.
#[cfg(unix)]
pub fn read_stdin(buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match rustix::io::read(rustix::stdio::stdin(), &mut *buf) {
            Err(rustix::io::Errno::INTR) => continue,
            other => return other.map_err(std::io::Error::from),
        }
    }
}

/// One read from stdin into `buf`: the bytes read (0 at the end). `buf` is
/// larger than std's stdin buffer, which such reads bypass.
#[cfg(not(unix))]
pub fn read_stdin(buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    loop {
        match std::io::stdin().lock().read(buf) {
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Call before a prompt: Ctrl-C then ends tokctl with exit 130 and leaves
/// the terminal as it was before the prompt (a hidden prompt turns echo
/// off; a list hides the cursor). Prompts that read keys in raw mode see
/// Ctrl-C as a key instead: their error is [`is_interrupted`].
pub fn restore_terminal_on_interrupt() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let saved = rustix::termios::tcgetattr(std::io::stdin()).ok();
        let _ = ctrlc::set_handler(move || {
            if let Some(saved) = &saved {
                let _ = rustix::termios::tcsetattr(
                    std::io::stdin(),
                    rustix::termios::OptionalActions::Now,
                    saved,
                );
            }
            show_cursor_again();
            eprintln!("{INTERRUPTED_NOTE}");
            std::process::exit(i32::from(crate::exit::INTERRUPTED));
        });
    });
}

/// What tokctl says when Ctrl-C ends it at a prompt.
pub const INTERRUPTED_NOTE: &str = "interrupted: nothing was changed";

/// Whether `err` is Ctrl-C pressed at a prompt that reads keys in raw
/// mode (the terminal itself is restored by then, the cursor is not).
pub fn is_interrupted(err: &anyhow::Error) -> bool {
    let io = match err.downcast_ref::<dialoguer::Error>() {
        Some(dialoguer::Error::IO(io)) => Some(io),
        _ => err.downcast_ref::<std::io::Error>(),
    };
    io.is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted)
}

/// Shows the cursor a list prompt hid, and ends the prompt's line.
pub fn show_cursor_again() {
    if std::io::stderr().is_terminal() {
        use std::io::Write;
        let mut stderr = std::io::stderr();
        let _ = stderr.write_all(b"\x1b[?25h\n");
        let _ = stderr.flush();
    }
}

/// Whether a person is at the keyboard: stdin and stderr are terminals.
pub fn at_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks before a destructive change such as "revoke 12 token(s)". With
/// `yes`, goes ahead. In a terminal, asks (default no). Elsewhere prints why
/// nothing happened and returns false: scripts must say `--yes`.
pub fn confirm(ui: &Ui, yes: bool, what: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if at_terminal() {
        restore_terminal_on_interrupt();
        let confirmed = dialoguer::Confirm::new()
            .with_prompt(format!("{}?", capitalized(what)))
            .default(false)
            .interact()?;
        if !confirmed {
            ui.note("nothing was changed");
        }
        return Ok(confirmed);
    }
    ui.error(format!(
        "this would {what}; outside a terminal that needs --yes"
    ));
    ui.hint("review it with --dry-run, then run again with --yes; nothing was changed");
    Ok(false)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
