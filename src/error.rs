//! One error type for every command: what went wrong, on which file or URL, what to do next,
//! and which exit status of the contract (`../shared/CLI.md`) it maps to.

use std::fmt;

/// The monitoring-plugin exit status every command ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// 0: done / certificate fine / token issued.
    Ok = 0,
    /// 1: a certificate expires within the warning window or is not valid yet.
    Warning = 1,
    /// 2: expired or critical certificate; NetSuite refused, or would refuse, the request.
    Critical = 2,
    /// 3: bad arguments, unreadable or invalid input, I/O, network, or a senseless answer.
    Unknown = 3,
}

impl Status {
    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The name monitoring systems print.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
            Status::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A failure that ends a command: printed as ONE line, `nskeys: <what> (<subject>): <hint>`,
/// first on stderr; then, for a refusal whose diagnosis has no other place (`nskeys token`,
/// whose stdout is for the token), the [`details`](Error::details) lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Exit status this error maps to (`Critical` or `Unknown`).
    pub status: Status,
    /// What went wrong.
    pub what: String,
    /// The file or URL involved, if any.
    pub subject: Option<String>,
    /// What the user should do about it.
    pub hint: String,
    /// Lines printed after the error line (indented), e.g. NetSuite's answer and the likely
    /// causes of a refusal. Not part of the one line.
    pub details: Vec<String>,
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Bad input, arguments, I/O or network: exit 3.
    pub fn unknown(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Error {
            status: Status::Unknown,
            what: what.into(),
            subject: None,
            hint: hint.into(),
            details: Vec::new(),
        }
    }

    /// Something NetSuite refuses or would refuse: exit 2.
    pub fn critical(what: impl Into<String>, hint: impl Into<String>) -> Self {
        Error {
            status: Status::Critical,
            what: what.into(),
            subject: None,
            hint: hint.into(),
            details: Vec::new(),
        }
    }

    /// Lines to print after the error line.
    pub fn with_details(mut self, lines: impl IntoIterator<Item = String>) -> Self {
        self.details.extend(lines);
        self
    }

    /// Name the file or URL the error is about.
    pub fn at(mut self, subject: impl fmt::Display) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    /// Say where the value the error is about came from (a flag, a variable, the state
    /// file): `(URL, from NS_TOKEN_URL)`. A generic subject naming both the flag and the
    /// variable (`--scope / NS_SCOPES`) is replaced.
    pub fn from_origin(mut self, origin: impl fmt::Display) -> Self {
        let from = format!("from {origin}");
        self.subject = Some(match self.subject.take() {
            Some(s) if !s.contains(" / ") => format!("{s}, {from}"),
            _ => from,
        });
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always one line, and nothing a terminal obeys: user-controlled text (paths, server
        // answers) must not break the line or move the cursor, recolour, retitle...
        let one_line = printable;
        write!(f, "{}", one_line(&self.what))?;
        if let Some(subject) = &self.subject {
            write!(f, " ({})", one_line(subject))?;
        }
        if !self.hint.is_empty() {
            write!(f, ": {}", one_line(&self.hint))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Text from outside (a server's answer, a file name) made safe to show on a terminal, on one
/// line: escape sequences (CSI, OSC, and the other ESC forms) removed, line breaks and tabs
/// made spaces, every other control character (C0, DEL, C1) removed.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, up to a final byte @ to ~.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \\).
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' || c == '\u{9c}' {
                            break;
                        }
                        if c == '\u{1b}' {
                            chars.next_if_eq(&'\\');
                            break;
                        }
                    }
                }
                // Two-character sequences (ESC c, ESC 7, ...).
                _ => {}
            },
            // C1 CSI and OSC: their parameters go with them.
            '\u{9b}' => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_removes_what_a_terminal_obeys() {
        assert_eq!(printable("a\u{1b}[31mred\u{1b}[0m b"), "ared b");
        assert_eq!(printable("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(
            printable("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\y"),
            "xlinky"
        );
        assert_eq!(printable("a\nb\rc\u{8}\u{7f}\u{9b}2Jd"), "a b cd");
        assert_eq!(printable("plain ünïcode"), "plain ünïcode");
        let e = Error::unknown("bad \u{1b}[2J answer", "hint\u{1b}c").at("url\n");
        assert_eq!(e.to_string(), "bad  answer (url ): hint");
    }
}
