//! Printing a secret (create, rotate, secret) without leaving a copy in
//! std's stdout buffer, which is never wiped (docs/SECURITY.md).

use std::io::Write;

use serde::Serialize;

/// Writes a secret and a newline to stdout. See [`write_secret`].
pub fn print_secret_line(secret: &str) -> std::io::Result<()> {
    let mut line = zeroize::Zeroizing::new(Vec::with_capacity(secret.len() + 1));
    line.extend_from_slice(secret.as_bytes());
    line.push(b'\n');
    write_secret(&line)
}

/// Writes a value holding a secret as indented JSON to stdout. See
/// [`write_secret`]; the text is measured first, so its buffer is allocated
/// once and no copy is left behind by growing it.
pub fn print_secret_json(value: &impl Serialize) -> anyhow::Result<()> {
    struct Measure(usize);
    impl Write for Measure {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut measure = Measure(0);
    serde_json::to_writer_pretty(&mut measure, value)?;
    let mut text = zeroize::Zeroizing::new(Vec::with_capacity(measure.0 + 1));
    serde_json::to_writer_pretty(&mut *text, value)?;
    text.push(b'\n');
    write_secret(&text)?;
    Ok(())
}

/// Writes bytes holding a secret to stdout in order with what was printed
/// before, without a copy in std's stdout buffer (never wiped): on Unix
/// straight to the file descriptor; elsewhere in one write of whole lines,
/// which std passes through unbuffered.
fn write_secret(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.flush()?;
    #[cfg(unix)]
    {
        let mut rest = bytes;
        while !rest.is_empty() {
            match rustix::io::write(rustix::stdio::stdout(), rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(written) => rest = &rest[written..],
                Err(rustix::io::Errno::INTR) => {}
                Err(err) => return Err(err.into()),
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        stdout.write_all(bytes)?;
        stdout.flush()
    }
}
