//! The human text of `nskeys inspect`: a block per object, then the NetSuite verdict.

use super::{FileReport, Inspected, ObjectKind};
use crate::error::Status;
use crate::pki::objects::Encoding;
use std::fmt::Write as _;

fn verdict_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "accepted",
        Status::Warning => "accepted, with something to fix first",
        Status::Critical => "REFUSED",
        Status::Unknown => "unknown",
    }
}

fn object(out: &mut String, o: &Inspected, n: usize, of: usize) {
    let mut head = o.kind.name().to_string();
    if of > 1 {
        let _ = write!(head, " {n} of {of}");
    }
    let mut enc = vec![match o.encoding {
        Encoding::Pem => "PEM",
        Encoding::Der => "DER",
    }];
    if let Some(f) = o.format {
        enc.insert(0, f);
    }
    if o.encrypted {
        enc.push("encrypted");
    }
    let _ = writeln!(out, "  {head} ({})", enc.join(", "));
    let mut row = |k: &str, v: &str| {
        let _ = writeln!(out, "    {k:<15} {v}");
    };
    if let Some(v) = &o.key_type {
        row("Key:", v);
    }
    if let Some(v) = &o.subject {
        row("Subject:", v);
    }
    if let Some(v) = &o.issuer {
        let own = if o.self_signed == Some(true) {
            " (self-signed: issuer = subject)"
        } else {
            ""
        };
        row("Issuer:", &format!("{v}{own}"));
    }
    if let Some(v) = &o.serial {
        row("Serial:", v);
    }
    if let (Some(nb), Some(na), Some(d)) = (&o.not_before, &o.not_after, o.validity_days) {
        row("Valid:", &format!("{nb} to {na} ({d} days)"));
    }
    if let (Some(e), Some(na)) = (&o.netsuite_expiry, &o.not_after)
        && e != na
    {
        row("NetSuite until:", e);
    }
    if let Some(d) = o.days_left {
        let v = if d >= 0 {
            d.to_string()
        } else {
            format!("{d} (expired)")
        };
        row("Days left:", &v);
    }
    if let Some(sig) = &o.signature {
        row("Signature:", &sig.describe());
    }
    if let Some(v) = &o.sha256_fingerprint {
        row("SHA-256:", v);
    }
    if let Some(v) = &o.certificate_id {
        row("NetSuite Certificate ID:", v);
    }
    if o.kind != ObjectKind::PrivateKey || !o.jwt_algs.is_empty() {
        let algs: Vec<&str> = o.jwt_algs.iter().map(|a| a.jwt_name()).collect();
        let v = if algs.is_empty() {
            "none NetSuite accepts".to_string()
        } else {
            algs.join(", ")
        };
        row("JWT algorithms:", &v);
    }
    if let Some(m) = o.key_matches {
        row("Key matches:", if m { "yes" } else { "NO" });
    }
    let verdict = if o.encrypted {
        "cannot tell while it is encrypted"
    } else {
        verdict_word(o.verdict)
    };
    let _ = writeln!(out, "    NetSuite:       {verdict}");
    for note in &o.notes {
        let mark = match note.level {
            Status::Ok => "ok",
            Status::Warning => "warning",
            _ => "REFUSED",
        };
        let _ = writeln!(out, "      - {mark}: {}", note.text);
    }
}

/// Render every file's report.
pub fn render(files: &[FileReport]) -> String {
    let mut out = String::new();
    for (i, f) in files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}:", f.path.replace(['\n', '\r'], " "));
        if let Some(e) = &f.error {
            let _ = writeln!(out, "  UNKNOWN: {e}");
        }
        for (n, o) in f.objects.iter().enumerate() {
            object(&mut out, o, n + 1, f.objects.len());
        }
    }
    out
}
