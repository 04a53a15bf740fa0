//! The four report formats of `nskeys expiry`: text for people and cron, JSON for scripts,
//! one Nagios/Icinga plugin line, and Prometheus textfile-collector metrics named as the
//! x509 exporters name them (so existing dashboards and alerts work unchanged).

use super::{Entry, Judged, Thresholds};
use crate::error::{Result, Status};
use crate::pki::verdict::{FindingKind, netsuite_expiry};
use crate::time::rfc3339;
use std::fmt::Write as _;

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// A line per certificate: state, path, subject, NetSuite expiry, days left, and why.
/// `quiet` leaves out the OK lines.
pub fn text(entries: &[Entry], quiet: bool) -> String {
    let mut out = String::new();
    for e in entries.iter().filter(|e| !quiet || e.state() != Status::Ok) {
        match e {
            Entry::Cert(j) => {
                let _ = writeln!(out, "{:<8} {}", j.state.label(), cert_summary(j));
            }
            Entry::Unknown { path, error } => {
                let _ = writeln!(
                    out,
                    "{:<8} {}: {}",
                    Status::Unknown.label(),
                    one_line(path),
                    error.what
                );
            }
        }
    }
    out
}

#[derive(serde::Serialize)]
struct JsonCert<'a> {
    path: &'a str,
    index: usize,
    state: Status,
    days_left: i64,
    subject: &'a str,
    subject_cn: Option<&'a str>,
    issuer: &'a str,
    serial: String,
    not_before: String,
    not_after: String,
    netsuite_expiry: String,
    validity_days: i64,
    sha256_fingerprint: String,
    reasons: Vec<String>,
}

#[derive(serde::Serialize)]
struct JsonUnknown<'a> {
    path: &'a str,
    state: Status,
    error: String,
}

/// A JSON array with an object per certificate and per path that could not be judged.
/// `quiet` leaves out the OK certificates.
pub fn json(entries: &[Entry], quiet: bool) -> Result<String> {
    let mut values = Vec::new();
    for e in entries.iter().filter(|e| !quiet || e.state() != Status::Ok) {
        let v = match e {
            Entry::Cert(j) => serde_json::to_value(JsonCert {
                path: &j.path,
                index: j.index,
                state: j.state,
                days_left: j.days_left,
                subject: &j.facts.subject,
                subject_cn: j.facts.subject_cn.as_deref(),
                issuer: &j.facts.issuer,
                serial: j.facts.serial_hex(),
                not_before: rfc3339(j.facts.not_before),
                not_after: rfc3339(j.facts.not_after),
                netsuite_expiry: rfc3339(netsuite_expiry(&j.facts)),
                validity_days: j.facts.validity_days(),
                sha256_fingerprint: j.facts.fingerprint(),
                reasons: reasons(j),
            }),
            Entry::Unknown { path, error } => serde_json::to_value(JsonUnknown {
                path,
                state: Status::Unknown,
                error: error.to_string(),
            }),
        };
        values.push(v.map_err(|e| crate::error::Error::unknown(e.to_string(), "report this"))?);
    }
    crate::commands::output::json_pretty(&values)
}

/// One Nagios plugin line: the worst state, the certificate (or path) that caused it, a
/// count when there are several, and perfdata `days_left=MIN;WARN;CRIT;0` with the fewest
/// days left of all certificates.
pub fn nagios(entries: &[Entry], t: &Thresholds) -> String {
    let worst = entries
        .iter()
        .map(Entry::state)
        .max()
        .unwrap_or(Status::Unknown);
    // The headline: the first UNKNOWN path, else the worst certificate with the fewest days.
    let headline = entries
        .iter()
        .find(|e| matches!(e, Entry::Unknown { .. }))
        .or_else(|| {
            entries
                .iter()
                .filter(|e| e.state() == worst)
                .min_by_key(|e| match e {
                    Entry::Cert(j) => j.days_left,
                    Entry::Unknown { .. } => i64::MIN,
                })
        });
    let mut line = format!("NSKEYS EXPIRY {worst} - ");
    match headline {
        Some(Entry::Cert(j)) => line.push_str(&cert_summary(j)),
        Some(Entry::Unknown { path, error }) => {
            let _ = write!(line, "{path}: {}", error.what);
        }
        None => line.push_str("no certificate given"),
    }
    if entries.len() > 1 {
        let count = |s: Status| entries.iter().filter(|e| e.state() == s).count();
        let parts: Vec<String> = [
            Status::Critical,
            Status::Warning,
            Status::Unknown,
            Status::Ok,
        ]
        .into_iter()
        .filter(|s| count(*s) > 0)
        .map(|s| format!("{} {s}", count(s)))
        .collect();
        let _ = write!(line, "; {} checked: {}", entries.len(), parts.join(", "));
    }
    // '|' starts the perfdata: none may appear before it.
    let mut line = one_line(&line).replace('|', "/");
    let min_days = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Cert(j) => Some(j.days_left),
            Entry::Unknown { .. } => None,
        })
        .min();
    if let Some(days) = min_days {
        let _ = write!(
            line,
            " | days_left={days};{};{};0",
            t.windows.warn_days, t.windows.crit_days
        );
    }
    line.push('\n');
    line
}

/// Why a certificate is not OK, in the words of `expiry`: one reason per finding that is
/// not OK, in the verdict's order.
fn reasons(j: &Judged) -> Vec<String> {
    j.findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Expired { .. } | FindingKind::PastWindow { .. } => {
                Some("expired".to_string())
            }
            FindingKind::WithinCritical { crit_days, .. } => {
                Some(format!("fewer than {crit_days} days left (--crit-days)"))
            }
            FindingKind::WithinWarning { warn_days, .. } => {
                Some(format!("fewer than {warn_days} days left (--warn-days)"))
            }
            FindingKind::NotYetValid { not_before } => {
                Some(format!("not valid yet: valid from {}", rfc3339(*not_before)))
            }
            FindingKind::LongerThanWindow {
                validity_days,
                until,
                not_after,
            } => Some(format!(
                "valid for {validity_days} days, but NetSuite cuts validity to 730 days: it stops working {}, not at its notAfter {}",
                rfc3339(*until),
                rfc3339(*not_after)
            )),
            // expiry judges dates only; the OK findings give no reason.
            FindingKind::ValidityWithinWindow
            | FindingKind::KeyAccepted { .. }
            | FindingKind::KeyRefused(_)
            | FindingKind::KeyAcceptanceUnknown
            | FindingKind::BarePublicKey
            | FindingKind::KeyMatches
            | FindingKind::KeyMismatch => None,
        })
        .collect()
}

/// `path: CN=x, expires 2027-01-21T12:00:00Z (20 days): why`, on one line.
fn cert_summary(j: &Judged) -> String {
    let mut s = format!(
        "{}: {}, expires {} ({} days)",
        j.label(),
        j.name(),
        rfc3339(netsuite_expiry(&j.facts)),
        j.days_left
    );
    let reasons = reasons(j);
    if !reasons.is_empty() {
        let _ = write!(s, ": {}", reasons.join("; "));
    }
    one_line(&s)
}

/// How a gauge's value comes from a judged certificate.
type Gauge = fn(&Judged, &Thresholds) -> i64;

/// A Prometheus label value: backslash, double quote and newline escaped.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Textfile-collector metrics with the x509 exporters' names and labels (`x509_cert_not_before`,
/// `x509_cert_not_after`, `x509_cert_expired`; `filepath`, `serial_number` in decimal,
/// `subject_CN`, `issuer_CN`), plus nskeys' own judgement and `x509_read_errors`.
pub fn prometheus(entries: &[Entry], t: &Thresholds) -> String {
    let certs: Vec<&Judged> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Cert(j) => Some(j.as_ref()),
            Entry::Unknown { .. } => None,
        })
        .collect();
    let labels = |j: &Judged| {
        format!(
            "filepath=\"{}\",serial_number=\"{}\",subject_CN=\"{}\",issuer_CN=\"{}\"",
            escape_label(&j.path),
            j.facts.serial_decimal(),
            escape_label(j.facts.subject_cn.as_deref().unwrap_or("")),
            escape_label(j.facts.issuer_cn.as_deref().unwrap_or("")),
        )
    };
    let metrics: [(&str, &str, Gauge); 5] = [
        (
            "x509_cert_not_before",
            "Indicates the certificate's not before timestamp",
            |j, _| j.facts.not_before.unix_timestamp(),
        ),
        (
            "x509_cert_not_after",
            "Indicates the certificate's not after timestamp",
            |j, _| j.facts.not_after.unix_timestamp(),
        ),
        (
            "x509_cert_expired",
            "Indicates if the certificate is expired",
            |j, t| i64::from(t.now > j.facts.not_after),
        ),
        (
            "nskeys_cert_netsuite_not_after",
            "When NetSuite stops accepting the certificate: notAfter, or notBefore + 730 days if sooner",
            |j, _| netsuite_expiry(&j.facts).unix_timestamp(),
        ),
        (
            "nskeys_cert_expiry_state",
            "nskeys expiry's judgement with its --warn-days/--crit-days: 0 OK, 1 WARNING, 2 CRITICAL",
            |j, _| i64::from(j.state.code()),
        ),
    ];
    let mut out = String::new();
    for (name, help, value) in metrics {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for j in &certs {
            let _ = writeln!(out, "{name}{{{}}} {}", labels(j), value(j, t));
        }
    }
    let errors: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Unknown { path, .. } => Some(path.as_str()),
            Entry::Cert(_) => None,
        })
        .collect();
    let _ = writeln!(
        out,
        "# HELP x509_cert_error Indicates whether the file has read failure(s)\n# TYPE x509_cert_error gauge"
    );
    for path in &errors {
        let _ = writeln!(
            out,
            "x509_cert_error{{filepath=\"{}\"}} 1",
            escape_label(path)
        );
    }
    let _ = writeln!(
        out,
        "# HELP x509_read_errors Indicates the number of read failure(s)\n# TYPE x509_read_errors gauge\nx509_read_errors {}",
        errors.len()
    );
    out
}
