//! `nskeys gen`: a key pair and a self-signed certificate NetSuite accepts. [`make_pair`] is
//! the part `rotate` shares: a key and certificate for a [`PairSpec`], written to two paths.

use crate::commands::ui;
use crate::error::{Error, Result, Status};
use crate::netsuite::M2M_SETUP_PAGE;
use crate::pki::alg::Alg;
use crate::pki::cert;
use crate::pki::facts::{CertFacts, colon_hex};
use crate::pki::key::{PrivateKey, spki_key_bits};
use crate::pki::pem::to_pem;
use crate::store::passphrase::{self, Passphrase, PassphraseParams, Purpose};
use crate::store::read::{read_certificates, read_private_key};
use crate::store::write::{self, OutFile};
use crate::time::{self, rfc3339};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The RSA key size when none is given.
pub const DEFAULT_RSA_BITS: usize = 4096;

/// What pair to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairSpec {
    /// The JWT algorithm the key is for (RSA for PS*, the curve for ES*).
    pub alg: Alg,
    /// RSA key size (PS* only; [`DEFAULT_RSA_BITS`] if not given). Given for an EC
    /// algorithm, it is refused: the user meant an RSA key.
    pub bits: Option<usize>,
    /// Certificate lifetime in days.
    pub days: u32,
    /// Certificate subject.
    pub subject: Subject,
    /// Encrypt the key (PKCS#8, PBES2) with this passphrase.
    pub passphrase: Option<Passphrase>,
}

/// The subject of a new certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An RFC 4514 string the user gave (`--subject`, or its default).
    Given(String),
    /// The subject of the certificate being replaced, copied as it is.
    Kept(x509_cert::name::Name),
}

impl PairSpec {
    /// The RSA key size to make, or why `bits` does not fit the algorithm.
    pub fn rsa_bits(&self) -> Result<usize> {
        match (self.alg.is_rsa(), self.bits) {
            (true, bits) => Ok(bits.unwrap_or(DEFAULT_RSA_BITS)),
            (false, None) => Ok(0),
            (false, Some(bits)) => Err(Error::unknown(
                format!(
                    "--bits {bits} is an RSA key size, but {} makes an {} key, whose size is fixed by its curve",
                    self.alg,
                    self.alg.key_kind().name()
                ),
                format!(
                    "for an RSA key give an RSA algorithm: --alg ps256 --bits {bits}; for an EC key leave --bits out"
                ),
            )),
        }
    }
}

/// `nskeys gen`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenParams {
    /// The pair.
    pub pair: PairSpec,
    /// Directory for the files.
    pub out_dir: PathBuf,
    /// Private key file (default `private.pem`), inside `out_dir` if relative.
    pub key_out: Option<PathBuf>,
    /// Certificate file (default `public.pem`), inside `out_dir` if relative.
    pub cert_out: Option<PathBuf>,
    /// Overwrite existing files.
    pub force: bool,
    /// `--encrypt`: where the passphrase comes from.
    pub encrypt: Option<PassphraseParams>,
    /// Print one JSON object.
    pub json: bool,
}

/// A pair made and written.
#[derive(Debug, Clone)]
pub struct MadePair {
    /// The key file.
    pub key_path: PathBuf,
    /// The certificate file.
    pub cert_path: PathBuf,
    /// `RSA 4096`, `EC P-256`, ...
    pub key_type: String,
    /// The certificate as written.
    pub cert: CertFacts,
}

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
    /// NetSuite's Certificate ID for the certificate (the assertion's `kid`): base64url of the
    /// same SHA-256. NetSuite shows it once the certificate is uploaded.
    pub certificate_id: String,
    /// What to do in NetSuite next.
    pub next_steps: Vec<String>,
}

/// Make a key and a self-signed certificate for `spec` and write them to `key_path` and
/// `cert_path`: both or neither, never replacing a file unless `force`.
pub fn make_pair(
    spec: &PairSpec,
    key_path: &Path,
    cert_path: &Path,
    force: bool,
) -> Result<MadePair> {
    let subject = match &spec.subject {
        Subject::Given(dn) => cert::parse_subject(dn)?,
        Subject::Kept(name) => name.clone(),
    };
    let bits = spec.rsa_bits()?;
    if key_path == cert_path {
        return Err(Error::unknown(
            "the key and the certificate would be the same file",
            "give --key-out and --cert-out different names",
        )
        .at(key_path.display()));
    }
    // Refuse before the slow part if anything is in the way (checked again when writing).
    if let Err(e) = write::check_targets([key_path, cert_path], force) {
        return Err(match interrupted_run_key(key_path, cert_path) {
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
        let _spinner = spec
            .alg
            .is_rsa()
            .then(|| ui::Spinner::start(&format!("Generating an RSA-{bits} key...")));
        PrivateKey::generate(spec.alg, bits)?
    };
    let cert_der = cert::self_signed(&key, spec.alg, &subject, time::now(), spec.days)?;
    let key_pem = match &spec.passphrase {
        Some(pass) => key.to_encrypted_pkcs8_pem(pass.as_bytes())?,
        None => key.to_pkcs8_pem()?,
    };
    let cert_pem = to_pem("CERTIFICATE", &cert_der).map_err(|e| {
        Error::unknown(format!("cannot encode the certificate: {e}"), "report this")
    })?;
    let cert = CertFacts::from_der(&cert_der).map_err(|e| {
        Error::unknown(
            format!("cannot read back the certificate: {e}"),
            "report this",
        )
    })?;

    // The certificate first, the key last. If the run dies between the two renames (see
    // write::write_all_or_nothing), with --force the user's old key is still in place: the
    // one that matches the certificate already uploaded to NetSuite, so nothing that works
    // stops working. Key first would have replaced it and lost that key for good.
    write::write_set(
        &[
            OutFile {
                path: cert_path.to_path_buf(),
                contents: cert_pem.as_bytes(),
                mode: 0o644,
            },
            OutFile {
                path: key_path.to_path_buf(),
                contents: key_pem.as_bytes(),
                mode: 0o600,
            },
        ],
        force,
    )?;
    Ok(MadePair {
        key_path: key_path.to_path_buf(),
        cert_path: cert_path.to_path_buf(),
        key_type: key.describe(),
        cert,
    })
}

/// A run killed between its two renames leaves the certificate under its real name and the
/// key, complete and synced, in a hidden temporary file beside where the key goes (see
/// `write::write_all_or_nothing`). Find that file, if this is the state, so the refusal
/// can say how to complete the pair.
fn interrupted_run_key(key_path: &Path, cert_path: &Path) -> Option<PathBuf> {
    if key_path.symlink_metadata().is_ok() || !cert_path.is_file() {
        return None;
    }
    let certs = read_certificates(cert_path).ok()?;
    let want = spki_key_bits(&certs.first()?.spki_der)?;
    let dir = crate::store::state::dir_of(key_path);
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
        let key = read_private_key(&path).ok()?.key;
        let have = spki_key_bits(&key.public_key_der().ok()?)?;
        (have == want).then_some(path)
    })
}

/// Where `gen` writes the private key.
pub fn key_path(params: &GenParams) -> PathBuf {
    in_out_dir(params, &params.key_out, "private.pem")
}

fn in_out_dir(params: &GenParams, file: &Option<PathBuf>, default: &str) -> PathBuf {
    params
        .out_dir
        .join(file.clone().unwrap_or_else(|| default.into()))
}

/// `nskeys gen`: generate, then print the summary (text or JSON).
pub fn command(params: &GenParams, out: &mut dyn Write) -> Result<Status> {
    let key_path = key_path(params);
    let cert_path = in_out_dir(params, &params.cert_out, "public.pem");
    let mut spec = params.pair.clone();
    if let Some(sources) = &params.encrypt {
        let name = key_path.display().to_string();
        spec.passphrase = Some(passphrase::obtain(sources, &name, Purpose::Encrypt)?);
    }
    let made = make_pair(&spec, &key_path, &cert_path, params.force)?;
    let report = report(params, made);
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
    let text = if params.json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| Error::unknown(e.to_string(), "report this"))?
            + "\n"
    } else {
        text(&report)
    };
    out.write_all(text.as_bytes()).map_err(w)?;
    Ok(Status::Ok)
}

fn report(params: &GenParams, made: MadePair) -> GenReport {
    let spec = &params.pair;
    let cert_file = made.cert_path.display().to_string();
    let key_file = made.key_path.display().to_string();
    GenReport {
        alg: spec.alg,
        key_type: made.key_type,
        signature: spec.alg.cert_signature_name(),
        subject: made.cert.subject.clone(),
        serial: colon_hex(&made.cert.serial),
        not_before: rfc3339(made.cert.not_before),
        not_after: rfc3339(made.cert.not_after),
        days: spec.days,
        sha256_fingerprint: made.cert.fingerprint(),
        certificate_id: made.cert.certificate_id(),
        next_steps: vec![
            format!("In NetSuite, open {M2M_SETUP_PAGE} and click Create New."),
            format!(
                "Choose the entity, role and application (integration record), upload {cert_file}, and save."
            ),
            format!(
                "NetSuite will show Certificate ID {id} for the new mapping (the assertion's kid; nskeys reads it from {cert_file}, so --cert-id is not needed).",
                id = made.cert.certificate_id()
            ),
            format!(
                "Check the setup: nskeys verify --account ACCOUNT_ID --client-id CLIENT_ID --key {key_file} --cert {cert_file}"
            ),
            format!("Monitor expiry from cron: nskeys expiry --quiet {cert_file}"),
        ],
        key_path: made.key_path,
        cert_path: made.cert_path,
    }
}

/// What keeps the key file private, as the summary says it.
#[cfg(unix)]
const KEY_PROTECTION: &str = "mode 0600";
/// Windows has no mode bits: the file inherits its folder's ACL.
#[cfg(not(unix))]
const KEY_PROTECTION: &str = "protected by its folder's permissions (ACL): under your user profile only you, SYSTEM and Administrators can read it";

fn text(r: &GenReport) -> String {
    format!(
        "Private key:  {key} ({kt}, PKCS#8, {protection}: keep it secret, never upload it)\n\
         Certificate:  {cert} (upload this one to NetSuite)\n\
         Algorithm:    {alg}, certificate signed {sig}\n\
         Subject:      {subj}\n\
         Valid:        {nb} to {na} ({days} days)\n\
         SHA-256:      {fp}\n\
         NetSuite Certificate ID: {id}\n\
         \n\
         Next steps:\n{steps}",
        key = r.key_path.display(),
        kt = r.key_type,
        protection = KEY_PROTECTION,
        cert = r.cert_path.display(),
        alg = r.alg,
        sig = r.signature,
        subj = r.subject,
        nb = r.not_before,
        na = r.not_after,
        days = r.days,
        fp = r.sha256_fingerprint,
        id = r.certificate_id,
        steps = r
            .next_steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("  {}. {s}\n", i + 1))
            .collect::<String>(),
    )
}
