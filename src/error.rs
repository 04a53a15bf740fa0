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
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Always one line: user-controlled text (paths, server answers) must not break it.
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
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
