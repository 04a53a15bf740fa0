//! The human text of `nskeys verify` (and the refusal diagnosis `nskeys token` writes to
//! stderr).

use super::{Outcome, Report};
use crate::error::Status;
use crate::netsuite::token::Refusal;
use serde::Serialize;
use std::io::Write;

/// The report for people; nothing for an error (its line goes to stderr).
pub(super) fn write_report(
    report: &Report,
    assertion_ttl: u64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let label = |s: &str| format!("  {s:<15}");
    // The headline states the final outcome: a token followed by a failed probe is not OK.
    match report.outcome {
        None | Some(Outcome::Error) => return Ok(()),
        Some(Outcome::DryRun) => writeln!(out, "Dry run: pre-flight passed; nothing was sent.")?,
        Some(Outcome::TokenIssued) => match report.status {
            Some(Status::Ok) | None => writeln!(out, "OK: NetSuite issued a token.")?,
            Some(s) => writeln!(
                out,
                "{s}: NetSuite issued a token, but the SuiteQL probe failed (see below)."
            )?,
        },
        Some(Outcome::ProbeRefused) => writeln!(
            out,
            "CRITICAL: NetSuite issued a token, but the REST API refused it (SuiteQL probe)."
        )?,
        Some(Outcome::Refused) => writeln!(out, "CRITICAL: NetSuite refused the token request.")?,
    }
    if let Some(url) = &report.token_url {
        writeln!(out, "{}{url}", label("token URL"))?;
    }
    if let Some(k) = &report.key {
        writeln!(out, "{}{} ({}, {})", label("key"), k.path, k.kind, k.format)?;
    }
    if let Some(c) = &report.certificate {
        writeln!(
            out,
            "{}{} ({}, expires {}, {} days left)",
            label("certificate"),
            c.path.display(),
            c.subject,
            c.not_after,
            c.days_left
        )?;
    }
    if let (Some(a), Some(from)) = (&report.assertion, &report.certificate_id_from) {
        writeln!(
            out,
            "{}{} (the assertion's kid, from {from})",
            label("Certificate ID"),
            a.header.kid
        )?;
    }
    for w in &report.warnings {
        writeln!(out, "{}{w}", label("warning"))?;
    }
    if let Some(a) = &report.assertion {
        writeln!(out, "{}{}", label("header"), json_line(&a.header))?;
        writeln!(out, "{}{}", label("claims"), json_line(&a.claims))?;
        writeln!(
            out,
            "{}{} s (--assertion-ttl {})",
            label("lifetime"),
            a.claims.exp - a.claims.iat,
            assertion_ttl
        )?;
    }
    if let Some(form) = &report.form {
        writeln!(
            out,
            "{}POST {} (application/x-www-form-urlencoded)",
            label("request"),
            report.token_url.as_deref().unwrap_or("")
        )?;
        writeln!(out, "{}grant_type={}", label(""), form.grant_type)?;
        writeln!(
            out,
            "{}client_assertion_type={}",
            label(""),
            form.client_assertion_type
        )?;
        writeln!(
            out,
            "{}client_assertion={}",
            label(""),
            form.client_assertion
        )?;
    }
    if let Some(t) = &report.token {
        writeln!(out, "{}{}", label("token type"), t.token_type)?;
        let life = t
            .expires_in
            .map(|s| format!("{s} s ({} min)", s / 60))
            .unwrap_or_else(|| "not stated".into());
        writeln!(out, "{}{life}", label("expires in"))?;
        match &t.scopes_granted {
            Some(granted) => writeln!(out, "{}{}", label("scopes granted"), granted.join(" "))?,
            None => writeln!(
                out,
                "{}{} (requested; NetSuite's answer names no scopes)",
                label("scopes"),
                t.scopes_requested.join(" ")
            )?,
        }
        if let Some(tok) = &t.access_token {
            writeln!(out, "{}{tok}", label("access token"))?;
        }
    }
    if let Some(p) = &report.probe {
        let verdict = if p.authenticated {
            "authenticated"
        } else {
            "refused"
        };
        writeln!(
            out,
            "{}HTTP {} from {}: {verdict}",
            label("SuiteQL probe"),
            p.http_status,
            p.url
        )?;
        if let Some(code) = &p.error_code {
            writeln!(out, "{}{code}", label("o:errorCode"))?;
        }
        if let Some(detail) = &p.detail {
            writeln!(out, "{}{detail}", label("detail"))?;
        }
    }
    if let Some(r) = &report.refusal {
        write_refusal(r, out)?;
    }
    if let Some(ms) = report.elapsed_ms {
        writeln!(out, "{}{ms} ms", label("elapsed"))?;
    }
    Ok(())
}

fn json_line<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The diagnosis of a refusal, for people.
pub(super) fn write_refusal(r: &Refusal, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "  {:<15}{}", "HTTP status", r.http_status)?;
    writeln!(
        out,
        "  {:<15}{}",
        "NetSuite said",
        crate::error::printable(&r.answer)
    )?;
    writeln!(out, "Likely causes, most likely first:")?;
    for (i, c) in r.likely_causes.iter().enumerate() {
        writeln!(out, "  {}. {c}", i + 1)?;
    }
    writeln!(out, "Where to look in NetSuite:")?;
    for w in &r.where_to_look {
        writeln!(out, "  - {w}")?;
    }
    for n in &r.notes {
        writeln!(out, "Note: {n}")?;
    }
    Ok(())
}
