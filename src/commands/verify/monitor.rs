//! `verify --format nagios|prometheus`: the live token exchange as a monitoring check.
//! OK: a token was issued; CRITICAL: NetSuite refused (or pre-flight found what it would
//! refuse); UNKNOWN: unreachable, or an answer that makes no sense. Perfdata: the exchange time.

use super::{Outcome, Report};
use crate::commands::expiry::report::escape_label;
use crate::error::Status;
use std::fmt::Write as _;

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ").replace('|', "/")
}

fn status(r: &Report) -> Status {
    r.status.unwrap_or(Status::Unknown)
}

fn seconds(r: &Report) -> Option<f64> {
    r.elapsed_ms.map(|ms| ms as f64 / 1000.0)
}

/// What happened, in one line.
fn summary(r: &Report) -> String {
    let url = r.token_url.as_deref().unwrap_or("?");
    match (r.outcome, status(r)) {
        (Some(Outcome::TokenIssued), Status::Ok) => {
            let life = r
                .token
                .as_ref()
                .and_then(|t| t.expires_in)
                .map(|s| format!(", valid {s} s"))
                .unwrap_or_default();
            format!("NetSuite issued a token at {url}{life}")
        }
        (Some(Outcome::DryRun), _) => format!("dry run: pre-flight passed, nothing sent to {url}"),
        _ => r.error.clone().unwrap_or_else(|| "no outcome".into()),
    }
}

/// One Nagios/Icinga plugin line: `NSKEYS VERIFY <STATE> - <what> | time=<s>s;;;0`.
pub(super) fn nagios(r: &Report) -> String {
    let mut line = format!("NSKEYS VERIFY {} - {}", status(r), one_line(&summary(r)));
    if let Some(s) = seconds(r) {
        let _ = write!(line, " | time={s:.3}s;;;0");
    }
    line.push('\n');
    line
}

/// Textfile-collector metrics for the exchange.
pub(super) fn prometheus(r: &Report) -> String {
    let url = escape_label(r.token_url.as_deref().unwrap_or(""));
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, value: String| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        let _ = writeln!(out, "{name}{{token_url=\"{url}\"}} {value}");
    };
    metric(
        "nskeys_verify_state",
        "The check's state: 0 OK, 1 WARNING, 2 CRITICAL (refused), 3 UNKNOWN (unreachable).",
        status(r).code().to_string(),
    );
    metric(
        "nskeys_verify_token_issued",
        "1 if NetSuite issued a token.",
        u8::from(r.token.is_some()).to_string(),
    );
    if let Some(s) = seconds(r) {
        metric(
            "nskeys_verify_duration_seconds",
            "Time spent on the network for the exchange.",
            format!("{s:.3}"),
        );
    }
    if let Some(code) = r.http_status {
        metric(
            "nskeys_verify_http_status",
            "HTTP status of the token endpoint's answer.",
            code.to_string(),
        );
    }
    out
}
