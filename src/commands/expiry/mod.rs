//! `nskeys expiry`: judge when certificates expire, for cron and monitoring. Every path is
//! judged even when another fails; the exit status is the worst state found.

pub(crate) mod report;

use crate::error::{Error, Result, Status};
use crate::pki::facts::CertFacts;
use crate::pki::objects::Role;
use crate::pki::verdict::{self, Finding, Windows};
use crate::store::read::{Failure, display_name, read_contents};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The file extensions a directory scan reads.
pub const DIR_EXTENSIONS: [&str; 4] = ["pem", "crt", "cer", "der"];

/// Output formats of `nskeys expiry` (shared with `certs list` and `verify`).
pub use crate::commands::output::Format;

/// `nskeys expiry`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryParams {
    /// Certificate files, directories, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// WARNING below this many days left.
    pub warn_days: u32,
    /// CRITICAL below this many days left.
    pub crit_days: u32,
    /// Judge as if now were this instant (RFC 3339), as given.
    pub at: Option<String>,
    /// Output format.
    pub format: Format,
    /// Print only what is not OK.
    pub quiet: bool,
}

/// The windows and the instant certificates are judged against.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// WARNING and CRITICAL windows.
    pub windows: Windows,
    /// Now (or `--at`).
    pub now: OffsetDateTime,
}

/// One certificate and what was decided about it.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The file it came from, as given (`<stdin>` for `-`).
    pub path: String,
    /// Its place in the file, from 1.
    pub index: usize,
    /// How many certificates the file holds.
    pub of: usize,
    /// The certificate.
    pub facts: CertFacts,
    /// OK, WARNING or CRITICAL.
    pub state: Status,
    /// Whole days until NetSuite's effective expiry, rounded down; negative once expired.
    pub days_left: i64,
    /// The verdict on its dates (the OK ones included).
    pub findings: Vec<Finding>,
}

impl Judged {
    /// `path` or `path#2` for the second certificate of a bundle.
    pub fn label(&self) -> String {
        if self.of > 1 {
            format!("{}#{}", self.path, self.index)
        } else {
            self.path.clone()
        }
    }

    /// The subject's CN, else the whole subject.
    pub fn name(&self) -> String {
        self.facts
            .subject_cn
            .as_ref()
            .map(|cn| format!("CN={cn}"))
            .unwrap_or_else(|| self.facts.subject.clone())
    }
}

/// A line of the report: a certificate, or a path that could not be judged (UNKNOWN).
#[derive(Debug, Clone)]
pub enum Entry {
    /// A certificate that was judged.
    Cert(Box<Judged>),
    /// A path with no judgeable certificate.
    Unknown {
        /// The path, as given.
        path: String,
        /// What went wrong.
        error: Error,
    },
}

impl Entry {
    /// The state of this line.
    pub fn state(&self) -> Status {
        match self {
            Entry::Cert(j) => j.state,
            Entry::Unknown { .. } => Status::Unknown,
        }
    }
}

/// Judge one certificate with the windows: CRITICAL if expired (for NetSuite) or fewer than
/// `crit_days` whole days are left, WARNING if fewer than `warn_days` are left, it is not
/// valid yet, or it is valid for longer than NetSuite's two years.
pub fn judge(path: &str, index: usize, of: usize, facts: CertFacts, t: &Thresholds) -> Judged {
    let findings = verdict::judge_dates(&facts, t.now, Some(t.windows));
    Judged {
        path: path.to_string(),
        index,
        of,
        state: verdict::worst(&findings).into(),
        days_left: verdict::days_left(&facts, t.now),
        facts,
        findings,
    }
}

/// Whether a directory entry has one of the certificate extensions.
fn has_cert_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DIR_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Read one file's certificates into entries; returns how many entries it made.
fn judge_file(path: &Path, t: &Thresholds, in_dir: bool, entries: &mut Vec<Entry>) -> usize {
    let name = display_name(path);
    let loaded = match read_contents(path) {
        Err(Failure::Io(e)) => Err(e),
        Err(Failure::Content(u)) => Err(u.error(Role::ExpiryPath, &name)),
        Ok(contents) => {
            // A directory holds private.pem beside public.pem: a key there is not an error.
            let only_keys = contents.holds_only_keys();
            match contents.certificates() {
                Err(_) if in_dir && only_keys => Ok(Vec::new()),
                other => other.map_err(|r| r.error(Role::ExpiryPath, &name)),
            }
        }
    };
    match loaded {
        Ok(certs) => {
            let of = certs.len();
            for (i, facts) in certs.into_iter().enumerate() {
                entries.push(Entry::Cert(Box::new(judge(&name, i + 1, of, facts, t))));
            }
            of
        }
        Err(error) => {
            entries.push(Entry::Unknown { path: name, error });
            1
        }
    }
}

/// The certificate files of a directory (not recursive), sorted by name.
fn dir_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let name = display_name(dir);
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Error::unknown(
            format!("cannot read the directory: {e}"),
            "check the path and its permissions",
        )
        .at(&name)
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| has_cert_extension(p) && p.is_file())
        .collect();
    files.sort();
    // A key directory kept by `nskeys rotate`: judge what is in use, each file once.
    crate::store::state::keep_for_expiry(dir, &mut files);
    Ok(files)
}

/// Judge every path: files, directories, `-`.
pub fn judge_paths(paths: &[PathBuf], t: &Thresholds) -> Vec<Entry> {
    let mut entries = Vec::new();
    for path in paths {
        let is_dir = path != Path::new("-") && path.is_dir();
        if !is_dir {
            judge_file(path, t, false, &mut entries);
            continue;
        }
        let found = match dir_files(path) {
            Ok(files) => files
                .iter()
                .map(|f| judge_file(f, t, true, &mut entries))
                .sum::<usize>(),
            Err(error) => {
                entries.push(Entry::Unknown {
                    path: display_name(path),
                    error,
                });
                continue;
            }
        };
        if found == 0 {
            entries.push(Entry::Unknown {
                path: display_name(path),
                error: Error::unknown(
                    "no certificate in the directory",
                    "it must hold *.pem, *.crt, *.cer or *.der certificate files (subdirectories are not searched)",
                )
                .at(display_name(path)),
            });
        }
    }
    entries
}

/// Check the options: `--at` must parse, and the critical window must fit in the warning window.
pub fn thresholds(params: &ExpiryParams) -> Result<Thresholds> {
    let now = match &params.at {
        Some(at) => crate::time::parse_rfc3339(at).ok_or_else(|| {
            Error::unknown(
                format!("invalid --at {at:?}"),
                "give an RFC 3339 instant such as 2027-01-31T00:00:00Z, or a date such as 2027-01-31",
            )
            .at("arguments")
        })?,
        None => crate::time::now(),
    };
    crate::commands::output::check_windows(params.warn_days, params.crit_days)?;
    Ok(Thresholds {
        windows: Windows {
            warn_days: params.warn_days,
            crit_days: params.crit_days,
        },
        now,
    })
}

/// `nskeys expiry`.
pub fn command(params: &ExpiryParams, out: &mut dyn Write) -> Result<Status> {
    let t = thresholds(params)?;
    let entries = judge_paths(&params.paths, &t);
    for e in &entries {
        if let Entry::Unknown { error, .. } = e {
            eprintln!("nskeys: {error}");
        }
    }
    let text = match params.format {
        Format::Text => report::text(&entries, params.quiet),
        Format::Json => report::json(&entries, params.quiet)?,
        Format::Nagios => report::nagios(&entries, &t),
        Format::Prometheus => report::prometheus(&entries, &t),
    };
    crate::commands::output::write_output(out, &text)?;
    Ok(entries
        .iter()
        .map(Entry::state)
        .max()
        .unwrap_or(Status::Unknown))
}
