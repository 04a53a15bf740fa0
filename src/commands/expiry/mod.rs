//! `nskeys expiry`: judge when certificates expire, for cron and monitoring. Every path is
//! judged even when another fails; the exit status is the worst state found.

mod report;

use crate::cli::{ExpiryArgs, ExpiryFormat};
use crate::error::{Error, Result, Status};
use crate::pki::facts::{self, CertFacts};
use crate::store::read::{display_name, read_capped};
use crate::time as timeutil;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file extensions a directory scan reads.
pub const DIR_EXTENSIONS: [&str; 4] = ["pem", "crt", "cer", "der"];

/// The windows and the instant certificates are judged against.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// WARNING below this many days left.
    pub warn_days: u32,
    /// CRITICAL below this many days left.
    pub crit_days: u32,
    /// Now, in Unix seconds (or `--at`).
    pub now: i64,
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
    /// Why the state is not OK (empty when OK).
    pub reasons: Vec<String>,
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

/// Judge one certificate: CRITICAL if expired or fewer than `crit_days` whole days are left,
/// WARNING if fewer than `warn_days` are left, it is not valid yet, or it is valid for longer
/// than NetSuite's two years (which NetSuite silently cuts: the days left then count to
/// notBefore + 730 days).
pub fn judge(facts: &CertFacts, t: &Thresholds) -> (Status, i64, Vec<String>) {
    let effective = facts.effective_not_after();
    let days_left = facts::days_between(t.now, effective);
    let mut state = Status::Ok;
    let mut reasons = Vec::new();
    let mut raise = |s: Status, why: String| {
        state = state.max(s);
        reasons.push(why);
    };
    if t.now > effective {
        raise(Status::Critical, "expired".to_string());
    } else if days_left < i64::from(t.crit_days) {
        raise(
            Status::Critical,
            format!("fewer than {} days left (--crit-days)", t.crit_days),
        );
    } else if days_left < i64::from(t.warn_days) {
        raise(
            Status::Warning,
            format!("fewer than {} days left (--warn-days)", t.warn_days),
        );
    }
    if t.now < facts.not_before {
        raise(
            Status::Warning,
            format!(
                "not valid yet: valid from {}",
                timeutil::rfc3339(timeutil::from_unix(facts.not_before))
            ),
        );
    }
    if facts.longer_than_netsuite_allows() {
        raise(
            Status::Warning,
            format!(
                "valid for {} days, but NetSuite cuts validity to 730 days: it stops working {}, not at its notAfter {}",
                (facts.not_after - facts.not_before).div_euclid(86_400),
                timeutil::rfc3339(timeutil::from_unix(effective)),
                timeutil::rfc3339(timeutil::from_unix(facts.not_after)),
            ),
        );
    }
    (state, days_left, reasons)
}

/// Whether a directory entry has one of the certificate extensions.
fn has_cert_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| DIR_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Read one file's certificates into entries.
fn judge_file(path: &Path, t: &Thresholds, in_dir: bool, entries: &mut Vec<Entry>) -> usize {
    let name = display_name(path);
    let loaded = read_capped(path).and_then(|data| {
        match facts::load_certificates(&data, &name) {
            // A directory holds private.pem beside public.pem: a key there is not an error.
            Err(_) if in_dir && facts::is_key_file(&data) => Ok(Vec::new()),
            other => other,
        }
    });
    match loaded {
        Ok(certs) => {
            let of = certs.len();
            for (i, facts) in certs.into_iter().enumerate() {
                let (state, days_left, reasons) = judge(&facts, t);
                entries.push(Entry::Cert(Box::new(Judged {
                    path: name.clone(),
                    index: i + 1,
                    of,
                    facts,
                    state,
                    days_left,
                    reasons,
                })));
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
pub fn thresholds(args: &ExpiryArgs) -> Result<Thresholds> {
    let now = match &args.at {
        Some(at) => timeutil::parse_rfc3339(at).ok_or_else(|| {
            Error::unknown(
                format!("invalid --at {at:?}"),
                "give an RFC 3339 instant such as 2027-01-31T00:00:00Z, or a date such as 2027-01-31",
            )
            .at("arguments")
        })?,
        None => std::time::SystemTime::now(),
    };
    if args.crit_days > args.warn_days {
        return Err(Error::unknown(
            format!(
                "--crit-days {} is more than --warn-days {}",
                args.crit_days, args.warn_days
            ),
            "the critical window must lie inside the warning window: raise --warn-days or lower --crit-days",
        )
        .at("arguments"));
    }
    Ok(Thresholds {
        warn_days: args.warn_days,
        crit_days: args.crit_days,
        now: timeutil::unix(now),
    })
}

/// `nskeys expiry`.
pub fn command(args: &ExpiryArgs, out: &mut dyn Write) -> Result<Status> {
    let t = thresholds(args)?;
    let entries = judge_paths(&args.paths, &t);
    for e in &entries {
        if let Entry::Unknown { error, .. } = e {
            eprintln!("nskeys: {error}");
        }
    }
    let text = match args.format {
        ExpiryFormat::Text => report::text(&entries, args.quiet),
        ExpiryFormat::Json => report::json(&entries, args.quiet)?,
        ExpiryFormat::Nagios => report::nagios(&entries, &t),
        ExpiryFormat::Prometheus => report::prometheus(&entries, &t),
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::unknown(format!("cannot write output: {e}"), "").at("<stdout>"))?;
    Ok(entries
        .iter()
        .map(Entry::state)
        .max()
        .unwrap_or(Status::Unknown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::facts::{KeyType, SignatureInfo};

    const DAY: i64 = 86_400;

    fn cert(not_before: i64, not_after: i64) -> CertFacts {
        CertFacts {
            subject: "CN=t".into(),
            subject_cn: Some("t".into()),
            issuer: "CN=t".into(),
            issuer_cn: Some("t".into()),
            serial: vec![1],
            not_before,
            not_after,
            signature: SignatureInfo {
                algorithm: "ecdsa-with-SHA256".into(),
                pss: None,
            },
            key: KeyType::Ec(crate::pki::alg::KeyKind::P256),
            spki_der: Vec::new(),
            sha256: Vec::new(),
            self_issued: true,
        }
    }

    fn at(now: i64) -> Thresholds {
        Thresholds {
            warn_days: 30,
            crit_days: 7,
            now,
        }
    }

    #[test]
    fn windows_are_whole_days_as_openssl_checkend_counts_them() {
        let c = cert(-100 * DAY, 7 * DAY);
        // Exactly 7 days left is not "within 7 days" (openssl -checkend agrees); a second less is.
        assert_eq!(judge(&c, &at(0)).0, Status::Warning);
        assert_eq!(judge(&c, &at(1)).0, Status::Critical);
        assert_eq!(judge(&c, &at(1)).1, 6);
        let c = cert(-100 * DAY, 30 * DAY);
        assert_eq!(judge(&c, &at(0)).0, Status::Ok);
        assert_eq!(judge(&c, &at(1)).0, Status::Warning);
    }

    #[test]
    fn expiry_instant_itself_is_still_valid() {
        let c = cert(-100 * DAY, 0);
        let (state, days, reasons) = judge(&c, &at(0));
        assert_eq!((state, days), (Status::Critical, 0));
        assert!(!reasons.contains(&"expired".to_string()));
        let (_, days, reasons) = judge(&c, &at(1));
        assert_eq!(days, -1);
        assert!(reasons.contains(&"expired".to_string()));
    }

    #[test]
    fn not_yet_valid_and_too_long_are_warnings() {
        assert_eq!(judge(&cert(DAY, 300 * DAY), &at(0)).0, Status::Warning);
        assert_eq!(judge(&cert(0, 730 * DAY), &at(0)).0, Status::Ok);
        let long = cert(0, 731 * DAY);
        let (state, days, _) = judge(&long, &at(0));
        assert_eq!((state, days), (Status::Warning, 730));
        // Days count to NetSuite's cut, and past it the certificate is expired for NetSuite.
        assert_eq!(judge(&long, &at(730 * DAY + 1)).0, Status::Critical);
    }
}
