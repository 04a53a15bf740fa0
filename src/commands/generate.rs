//! `nskeys gen`: a key pair and a self-signed certificate NetSuite accepts.

use crate::cli::GenArgs;
use crate::commands::ui;
use crate::error::{Error, Result, Status};
use crate::netsuite::M2M_SETUP_PAGE;
use crate::pki::alg::Alg;
use crate::pki::cert::{self, MAX_DAYS};
use crate::pki::key::{self, PrivateKey};
use crate::pki::pem::to_pem;
use crate::store::write::{self, OutFile};
use crate::time as timeutil;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What `gen` made.
#[derive(Debug, Serialize)]
pub struct GenReport {
    /// Private key file.
    pub key_path: PathBuf,
    /// Certificate file.
    pub cert_path: PathBuf,
    /// JWT algorithm the key is for.
    pub alg: Alg,
    /// `RSA 4096`, `EC P-256`, ...
    pub key_type: String,
    /// The certificate's self-signature.
    pub signature: String,
    /// Certificate subject (RFC 4514).
    pub subject: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Lifetime in days.
    pub days: u32,
    /// SHA-256 of the certificate DER, colon-separated upper-case hex (as openssl prints it).
    pub sha256_fingerprint: String,
    /// What to do in NetSuite next.
    pub next_steps: Vec<String>,
}

/// Check `--days`: 1..=730, with the reason for the limit.
pub fn parse_days(s: &str) -> std::result::Result<u32, String> {
    let days: u32 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of days"))?;
    if days == 0 {
        return Err("a certificate must be valid for at least 1 day".into());
    }
    if days > MAX_DAYS {
        return Err(format!(
            "{days} days is more than NetSuite's maximum of {MAX_DAYS}: NetSuite silently cuts validity to two years, \
             so the certificate would lie about its expiry; use --days {MAX_DAYS} or less"
        ));
    }
    Ok(days)
}

/// Check `--bits`: 3072 or 4096, the RSA sizes NetSuite takes.
pub fn parse_bits(s: &str) -> std::result::Result<usize, String> {
    match s.trim() {
        "4096" => Ok(4096),
        "3072" => Ok(3072),
        _ => Err(format!(
            "NetSuite accepts RSA keys of 3072 or 4096 bits only, not {s}"
        )),
    }
}

/// Colon-separated upper-case hex.
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Generate the key and certificate and write both files.
pub fn run(args: &GenArgs) -> Result<GenReport> {
    let subject = cert::parse_subject(&args.subject)?;
    let key_path = args
        .out_dir
        .join(args.key_out.clone().unwrap_or_else(|| "private.pem".into()));
    let cert_path = args
        .out_dir
        .join(args.cert_out.clone().unwrap_or_else(|| "public.pem".into()));
    if key_path == cert_path {
        return Err(Error::unknown(
            "the key and the certificate would be the same file",
            "give --key-out and --cert-out different names",
        )
        .at(key_path.display()));
    }
    // Refuse before the slow part if anything is in the way (checked again when writing).
    if let Err(e) = write::check_targets([key_path.as_path(), cert_path.as_path()], args.force) {
        return Err(match interrupted_run_key(&key_path, &cert_path) {
            Some(staged) => Error::unknown(
                "refusing to overwrite the certificate of an interrupted run",
                format!(
                    "its key was left in {staged}: `mv {staged} {key}` completes that pair; \
                     or remove both and run again",
                    staged = staged.display(),
                    key = key_path.display()
                ),
            )
            .at(cert_path.display()),
            None => e,
        });
    }

    let key = {
        let _spinner = args
            .alg
            .is_rsa()
            .then(|| ui::Spinner::start(&format!("Generating an RSA-{} key...", args.bits)));
        PrivateKey::generate(args.alg, args.bits)?
    };
    let now = SystemTime::now();
    let cert_der = cert::self_signed(&key, args.alg, &subject, now, args.days)?;
    let key_pem = key.to_pkcs8_pem()?;
    let cert_pem = to_pem("CERTIFICATE", &cert_der);

    // The certificate first, the key last. If the run dies between the two renames (see
    // write::write_all_or_nothing), with --force the user's old key is still in place: the
    // one that matches the certificate already uploaded to NetSuite, so nothing that works
    // stops working. Key first would have replaced it and lost that key for good.
    write::write_set(
        &[
            OutFile {
                path: cert_path.clone(),
                contents: cert_pem.as_bytes(),
                mode: 0o644,
            },
            OutFile {
                path: key_path.clone(),
                contents: key_pem.as_bytes(),
                mode: 0o600,
            },
        ],
        args.force,
    )?;

    let not_after = now + std::time::Duration::from_secs(u64::from(args.days) * 86_400);
    let serial = {
        use der::Decode;
        x509_cert::Certificate::from_der(&cert_der)
            .map(|c| colon_hex(c.tbs_certificate().serial_number().as_bytes()))
            .unwrap_or_default()
    };
    let cert_file = cert_path.display().to_string();
    let key_file = key_path.display().to_string();
    Ok(GenReport {
        alg: args.alg,
        key_type: key.describe(),
        signature: args.alg.cert_signature_name(),
        subject: subject.to_string(),
        serial,
        not_before: timeutil::rfc3339(now),
        not_after: timeutil::rfc3339(not_after),
        days: args.days,
        sha256_fingerprint: colon_hex(&Sha256::digest(&cert_der)),
        next_steps: vec![
            format!("In NetSuite, open {M2M_SETUP_PAGE} and click Create New."),
            format!("Choose the entity, role and application (integration record), upload {cert_file}, and save."),
            "Copy the Certificate ID shown for the new mapping: it is the kid that `nskeys verify --cert-id` needs.".into(),
            format!(
                "Check the setup: nskeys verify --account ACCOUNT_ID --client-id CLIENT_ID --cert-id CERTIFICATE_ID --key {key_file} --cert {cert_file}"
            ),
            format!("Monitor expiry from cron: nskeys expiry --quiet {cert_file}"),
        ],
        key_path,
        cert_path,
    })
}

/// A run killed between its two renames leaves the certificate under its real name and the
/// key, complete and synced, in a hidden temporary file beside where the key goes (see
/// `write::write_all_or_nothing`). Find that file, if this is the state, so the refusal
/// can say how to complete the pair.
fn interrupted_run_key(key_path: &Path, cert_path: &Path) -> Option<PathBuf> {
    use der::{Decode, Encode};
    if key_path.symlink_metadata().is_ok() || !cert_path.is_file() {
        return None;
    }
    let cert_pem = crate::store::read::read_capped(cert_path).ok()?;
    let block = crate::pki::pem::pem_blocks(&cert_pem)
        .ok()?
        .into_iter()
        .next()?;
    let cert = x509_cert::Certificate::from_der(&block.der).ok()?;
    let cert_spki = cert
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .ok()?;
    let want = key::spki_key_bits(&cert_spki)?;
    let dir = match key_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let name = entry.file_name();
        let name = name.to_str()?;
        if !(name.starts_with(".nskeys-") && name.ends_with(".tmp")) {
            return None;
        }
        let path = entry.path();
        // Keys are a few KB: skip anything else rather than read it.
        // (file_type and metadata do not follow symlinks: a link is skipped, not read.)
        if !entry.file_type().ok()?.is_file() || entry.metadata().ok()?.len() > 64 * 1024 {
            return None;
        }
        let data = crate::store::read::read_capped(&path).ok()?;
        let key = key::parse_private_key(&data, name).ok()?.key;
        let have = key::spki_key_bits(&key.public_key_der().ok()?)?;
        (have == want).then_some(path)
    })
}

/// `nskeys gen`: generate, then print the summary (text or JSON).
pub fn command(args: &GenArgs, out: &mut dyn Write) -> Result<Status> {
    let report = run(args)?;
    // The files are in place by now: say so, or a script would take the failure for "no
    // key made" and its next run would be refused for the files this one left.
    let w = |e: std::io::Error| {
        Error::unknown(
            format!("cannot write output: {e}"),
            format!(
                "the key and certificate were written all the same: {} and {}",
                report.key_path.display(),
                report.cert_path.display()
            ),
        )
        .at("<stdout>")
    };
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Error::unknown(e.to_string(), "report this"))?;
        writeln!(out, "{json}").map_err(w)?;
        return Ok(Status::Ok);
    }
    let r = &report;
    let text = format!(
        "Private key:  {key} ({kt}, PKCS#8, mode 0600: keep it secret, never upload it)\n\
         Certificate:  {cert} (upload this one to NetSuite)\n\
         Algorithm:    {alg}, certificate signed {sig}\n\
         Subject:      {subj}\n\
         Valid:        {nb} to {na} ({days} days)\n\
         SHA-256:      {fp}\n\
         \n\
         Next steps:\n{steps}",
        key = r.key_path.display(),
        kt = r.key_type,
        cert = r.cert_path.display(),
        alg = r.alg,
        sig = r.signature,
        subj = r.subject,
        nb = r.not_before,
        na = r.not_after,
        days = r.days,
        fp = r.sha256_fingerprint,
        steps = r
            .next_steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  {}. {s}\n", i + 1))
            .collect::<String>(),
    );
    out.write_all(text.as_bytes()).map_err(w)?;
    Ok(Status::Ok)
}
