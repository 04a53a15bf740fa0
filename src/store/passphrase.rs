//! The passphrase of an encrypted private key: from `--passphrase-file FILE` (its first line),
//! else the `NS_KEY_PASSPHRASE` variable, else a prompt that does not echo when standard input
//! is a terminal. It lives in a zeroized buffer and is never shown, not even in `Debug`.

use crate::error::{Error, Result};
use crate::origin::Sourced;
use crate::store::read::read_capped;
use std::fmt;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A passphrase: zeroized on drop, never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(Zeroizing<Vec<u8>>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<not shown>)")
    }
}

impl Passphrase {
    /// A passphrase of these bytes.
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> Passphrase {
        Passphrase(bytes)
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Where a passphrase may come from, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PassphraseParams {
    /// `--passphrase-file`: its first line.
    pub file: Option<Sourced<PathBuf>>,
    /// `NS_KEY_PASSPHRASE`.
    pub env: Option<Sourced<Passphrase>>,
}

/// Why a passphrase is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// To decrypt the key named by the subject.
    Decrypt,
    /// To encrypt a new key (a prompt asks twice).
    Encrypt,
}

const GIVE: &str = "give it with --passphrase-file FILE or the NS_KEY_PASSPHRASE variable, or run in a terminal to be asked";

/// The passphrase, from the first source given; `subject` names the key in messages.
pub fn obtain(params: &PassphraseParams, subject: &str, purpose: Purpose) -> Result<Passphrase> {
    if let Some(file) = &params.file {
        return from_file(file);
    }
    if let Some(env) = &params.env {
        if env.value.0.is_empty() {
            return Err(Error::unknown(
                format!("{} is empty", env.origin),
                "set it to the passphrase, or unset it",
            ));
        }
        return Ok(env.value.clone());
    }
    prompt(subject, purpose)
}

fn from_file(file: &Sourced<PathBuf>) -> Result<Passphrase> {
    let name = format!("{}, from {}", file.value.display(), file.origin);
    let data = read_capped(&file.value).map_err(|e| e.at(&name))?;
    let end = data
        .iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .unwrap_or(data.len());
    if end == 0 {
        return Err(Error::unknown(
            "the passphrase file's first line is empty",
            "put the passphrase on its first line",
        )
        .at(&name));
    }
    Ok(Passphrase(Zeroizing::new(data[..end].to_vec())))
}

fn no_passphrase(subject: &str, purpose: Purpose) -> Error {
    let what = match purpose {
        Purpose::Decrypt => "the private key is encrypted and no passphrase was given",
        Purpose::Encrypt => "--encrypt needs a passphrase",
    };
    Error::unknown(what, GIVE).at(subject)
}

/// Ask on the terminal, without echo (twice for a new key).
#[cfg(unix)]
fn prompt(subject: &str, purpose: Purpose) -> Result<Passphrase> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(no_passphrase(subject, purpose));
    }
    let ask = |text: &str| {
        tty::read_hidden(text).map_err(|e| {
            Error::unknown(format!("cannot read the passphrase: {e}"), GIVE).at(subject)
        })
    };
    let first = match purpose {
        Purpose::Decrypt => ask(&format!("Passphrase for {subject}: "))?,
        Purpose::Encrypt => ask("Passphrase for the new key: ")?,
    };
    if first.is_empty() {
        return Err(no_passphrase(subject, purpose));
    }
    if purpose == Purpose::Encrypt && ask("Same passphrase again: ")? != first {
        return Err(Error::unknown(
            "the two passphrases differ",
            "run again and type the same passphrase twice",
        ));
    }
    Ok(Passphrase(first))
}

/// Windows: no prompt; a file or the variable.
#[cfg(not(unix))]
fn prompt(subject: &str, purpose: Purpose) -> Result<Passphrase> {
    Err(no_passphrase(subject, purpose))
}

#[cfg(unix)]
mod tty {
    use rustix::termios::{self, LocalModes, OptionalActions};
    use std::io::{Read, Write};
    use zeroize::Zeroizing;

    /// Turns echo back on however the read ends.
    struct Restore<'a> {
        tty: &'a std::fs::File,
        saved: termios::Termios,
    }

    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let _ = termios::tcsetattr(self.tty, OptionalActions::Flush, &self.saved);
        }
    }

    /// Print `prompt` on the controlling terminal and read a line from it without echo.
    pub(super) fn read_hidden(prompt: &str) -> std::io::Result<Zeroizing<Vec<u8>>> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        let saved = termios::tcgetattr(&tty)?;
        let mut quiet = saved.clone();
        quiet.local_modes -= LocalModes::ECHO;
        quiet.local_modes |= LocalModes::ECHONL;
        (&tty).write_all(prompt.as_bytes())?;
        (&tty).flush()?;
        termios::tcsetattr(&tty, OptionalActions::Flush, &quiet)?;
        let restore = Restore { tty: &tty, saved };
        // Byte by byte into one zeroizing buffer: no reader's buffer keeps a copy.
        let mut line = Zeroizing::new(Vec::with_capacity(1024));
        let mut byte = Zeroizing::new([0u8; 1]);
        while line.len() < 1024 && (&*restore.tty).read(&mut *byte)? == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        drop(restore);
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(line)
    }
}
