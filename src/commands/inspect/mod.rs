//! `nskeys inspect`: what is in a certificate or key file, and will NetSuite take it?
//! Exit status: 0 NetSuite takes everything shown; 1 something to fix first (not valid yet,
//! longer than two years, rsassaPss-OID key); 2 NetSuite would refuse something (key type or
//! size, expired, bare public key) or `--key` does not match; 3 a file cannot be read or parsed.

mod text;

use crate::error::{Error, Result, Status};
use crate::pki::alg::Alg;
use crate::pki::facts::{CertFacts, SignatureInfo};
use crate::pki::key::{KeyFormat, KeyType};
use crate::pki::objects::{self, Contents, Encoding, Object, Role, Unreadable};
use crate::pki::verdict::{self, Finding, FindingKind};
use crate::store::read::{display_name, read_contents};
use crate::time::rfc3339;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use time::OffsetDateTime;

/// `nskeys inspect`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectParams {
    /// Certificate or key files, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    /// A private key to match against each certificate: a file, `-`, PEM text or base64.
    pub key: Option<crate::store::input::InputValue>,
    /// Where an encrypted key's passphrase comes from.
    pub passphrase: crate::store::passphrase::PassphraseParams,
    /// Print one JSON document.
    pub json: bool,
}

/// What an inspected object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ObjectKind {
    /// An X.509 certificate.
    #[serde(rename = "certificate")]
    Certificate,
    /// A private key.
    #[serde(rename = "private key")]
    PrivateKey,
    /// A bare public key.
    #[serde(rename = "public key")]
    PublicKey,
}

impl ObjectKind {
    /// `certificate`, `private key`, `public key`.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Certificate => "certificate",
            ObjectKind::PrivateKey => "private key",
            ObjectKind::PublicKey => "public key",
        }
    }
}

/// A remark in the verdict, with how serious it is.
#[derive(Debug, Clone, Serialize)]
pub struct Note {
    /// OK (information), WARNING (fix before relying on it), CRITICAL (NetSuite refuses).
    pub level: Status,
    /// What it means.
    pub text: String,
}

/// One object found in a file: a certificate, a private key or a public key.
#[derive(Debug, Clone, Serialize)]
pub struct Inspected {
    /// Certificate, private key or public key.
    pub kind: ObjectKind,
    /// `PEM` or `DER`.
    pub encoding: Encoding,
    /// Key encoding: `PKCS#8`, `PKCS#1`, `SEC1`, `SubjectPublicKeyInfo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    /// The key is encrypted (its type may then be hidden).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encrypted: bool,
    /// `RSA 4096`, `EC P-256`, ...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<String>,
    /// Certificate subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Certificate issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Issuer and subject are the same name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_signed: Option<bool>,
    /// Serial number, colon hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// notBefore, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// notAfter, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// notAfter - notBefore in whole days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<i64>,
    /// Whole days until the NetSuite expiry, rounded down (negative once expired), as `expiry` counts them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// When NetSuite stops accepting it (notBefore + 730 days if sooner than notAfter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netsuite_expiry: Option<String>,
    /// The certificate's signature algorithm with its PSS parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureInfo>,
    /// SHA-256 of the certificate DER, colon hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_fingerprint: Option<String>,
    /// NetSuite's Certificate ID (the assertion's `kid`): base64url of the same SHA-256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// JWT algorithms NetSuite accepts that the key can sign.
    pub jwt_algs: Vec<Alg>,
    /// Whether `--key` is this certificate's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_matches: Option<bool>,
    /// The worst note: OK, WARNING or CRITICAL.
    pub verdict: Status,
    /// The NetSuite verdict, point by point.
    pub notes: Vec<Note>,
    /// The public key, for `--key`.
    #[serde(skip)]
    spki_der: Option<Vec<u8>>,
}

impl Inspected {
    fn new(kind: ObjectKind, encoding: Encoding) -> Inspected {
        Inspected {
            kind,
            encoding,
            format: None,
            encrypted: false,
            key_type: None,
            subject: None,
            issuer: None,
            self_signed: None,
            serial: None,
            not_before: None,
            not_after: None,
            validity_days: None,
            days_left: None,
            netsuite_expiry: None,
            signature: None,
            sha256_fingerprint: None,
            certificate_id: None,
            jwt_algs: Vec::new(),
            key_matches: None,
            verdict: Status::Ok,
            notes: Vec::new(),
            spki_der: None,
        }
    }

    fn note(&mut self, level: Status, text: impl Into<String>) {
        self.verdict = self.verdict.max(level);
        self.notes.push(Note {
            level,
            text: text.into(),
        });
    }

    /// A finding of the verdict, in `inspect`'s words.
    fn finding(&mut self, f: &Finding, key_name: &str) {
        let when = |t: &OffsetDateTime| rfc3339(*t);
        let text = match &f.kind {
            FindingKind::Expired { not_after } => format!(
                "expired {}: NetSuite refuses it; make a new one with `nskeys gen`",
                when(not_after)
            ),
            FindingKind::PastWindow { until, .. } => format!(
                "NetSuite stopped accepting it {} (two years after notBefore); make a new one with `nskeys gen`",
                when(until)
            ),
            FindingKind::NotYetValid { not_before } => {
                format!("not valid yet: valid from {}", when(not_before))
            }
            FindingKind::LongerThanWindow {
                until, not_after, ..
            } => format!(
                "valid for more than 730 days: NetSuite silently cuts it to two years, so it stops working {}, not {}",
                when(until),
                when(not_after)
            ),
            FindingKind::BarePublicKey => "NetSuite needs a certificate, not a bare public key: make one with `nskeys gen`, or `openssl req -new -x509 -key private.pem -days 730 -out public.pem`".to_string(),
            FindingKind::KeyMatches => format!("{key_name} is its private key"),
            FindingKind::KeyMismatch => format!(
                "{key_name} is not its private key: NetSuite would reject assertions signed with it"
            ),
            // The key's verdict and "within two years" read the same everywhere.
            FindingKind::KeyAccepted { .. }
            | FindingKind::KeyRefused(_)
            | FindingKind::KeyAcceptanceUnknown
            | FindingKind::ValidityWithinWindow
            | FindingKind::WithinCritical { .. }
            | FindingKind::WithinWarning { .. } => f.what.clone(),
        };
        self.note(f.level.into(), text);
    }

    fn key_verdict(&mut self, key: &KeyType) {
        self.key_type = Some(key.describe());
        self.jwt_algs = key.jwt_algs();
        self.finding(&verdict::judge_key(key), "");
    }
}

/// A file and what it holds, or why it could not be read.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// The objects, in file order.
    pub objects: Vec<Inspected>,
    /// Why the file could not be read or parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn certificate(facts: &CertFacts, encoding: Encoding, now: OffsetDateTime) -> Inspected {
    let until = verdict::netsuite_expiry(facts);
    let mut o = Inspected {
        subject: Some(facts.subject.clone()),
        issuer: Some(facts.issuer.clone()),
        self_signed: Some(facts.self_issued),
        serial: Some(facts.serial_hex()),
        not_before: Some(rfc3339(facts.not_before)),
        not_after: Some(rfc3339(facts.not_after)),
        validity_days: Some(facts.validity_days()),
        days_left: Some(verdict::days_left(facts, now)),
        netsuite_expiry: Some(rfc3339(until)),
        signature: Some(facts.signature.clone()),
        sha256_fingerprint: Some(facts.fingerprint()),
        certificate_id: Some(facts.certificate_id()),
        spki_der: Some(facts.spki_der.clone()),
        ..Inspected::new(ObjectKind::Certificate, encoding)
    };
    o.key_verdict(&facts.key);
    for f in verdict::judge_dates(facts, now, None) {
        o.finding(&f, "");
    }
    o
}

fn private_key(key: &KeyType, format: KeyFormat, encoding: Encoding) -> Inspected {
    let mut o = Inspected {
        format: Some(format.name()),
        ..Inspected::new(ObjectKind::PrivateKey, encoding)
    };
    o.key_verdict(key);
    o.note(
        Status::Ok,
        "a private key signs the client assertion: keep it secret; NetSuite gets the certificate",
    );
    o
}

fn encrypted_key(format: KeyFormat, encoding: Encoding) -> Inspected {
    // Legacy OpenSSL encryption keeps the type in the PEM label; PKCS#8 hides it.
    let legacy_type = match format {
        KeyFormat::Pkcs1 => Some("RSA"),
        KeyFormat::Sec1 => Some("EC"),
        KeyFormat::Pkcs8 => None,
    };
    let mut o = Inspected {
        format: Some(format.name()),
        encrypted: true,
        key_type: legacy_type.map(str::to_string),
        ..Inspected::new(ObjectKind::PrivateKey, encoding)
    };
    o.note(
        Status::Ok,
        "encrypted: its type and size cannot be checked, and `nskeys verify` needs it decrypted: openssl pkey -in KEY -out KEY.plain (then chmod 600 it)",
    );
    o
}

fn public_key(key: &KeyType, spki_der: &[u8], encoding: Encoding) -> Inspected {
    let mut o = Inspected {
        format: Some("SubjectPublicKeyInfo"),
        spki_der: Some(spki_der.to_vec()),
        ..Inspected::new(ObjectKind::PublicKey, encoding)
    };
    o.key_verdict(key);
    o.finding(&verdict::bare_public_key(), "");
    o
}

const DAMAGED: &str = "the file is damaged: use the original";
const GIVE_CERT_OR_KEY: &str = "give a PEM or DER certificate or private key";

/// Everything in one file's contents, as `inspect` shows it.
pub fn inspect(contents: &Contents, name: &str, now: OffsetDateTime) -> Result<Vec<Inspected>> {
    let err = |what: String, hint: &str| Error::unknown(what, hint).at(name);
    let encoding = contents.encoding;
    let mut shown = Vec::new();
    for found in &contents.found {
        let n = found.block;
        let label = found.label.as_deref().unwrap_or_default();
        match &found.object {
            Object::Certificate(facts) => shown.push(certificate(facts, encoding, now)),
            Object::BadCertificate(problem) => {
                return Err(err(format!("PEM block #{n} ({label}): {problem}"), DAMAGED));
            }
            Object::PrivateKey(loaded) => {
                let mut o = private_key(&loaded.key.key_type(), loaded.format, encoding);
                o.spki_der = loaded.key.public_key_der().ok();
                shown.push(o);
            }
            Object::EncryptedKey { format } => shown.push(encrypted_key(*format, encoding)),
            Object::UnusableKey {
                format,
                key_type: Some(key),
                ..
            } => shown.push(private_key(key, *format, encoding)),
            Object::UnusableKey { problem, .. } => {
                return Err(match encoding {
                    Encoding::Pem => problem.error().at(name),
                    Encoding::Der => err(not_cert_or_key(), GIVE_CERT_OR_KEY),
                });
            }
            Object::PublicKey { key_type, spki_der } => {
                shown.push(public_key(key_type, spki_der, encoding));
            }
            Object::BadPublicKey => {
                return Err(err(
                    format!("PEM block #{n} (PUBLIC KEY) is not a valid public key"),
                    DAMAGED,
                ));
            }
            // Other blocks (EC PARAMETERS beside a SEC1 key, ...) say nothing NetSuite needs.
            Object::Other { .. } => {}
            // A CSR or PKCS#7 block: what it is and how to get what NetSuite needs, unless a
            // certificate or key beside it is shown.
            Object::Foreign(_) => {}
        }
    }
    let foreign = contents.found.iter().find_map(|f| match f.object {
        Object::Foreign(kind) => Some(kind),
        _ => None,
    });
    if let (true, Some(kind)) = (shown.is_empty(), foreign) {
        return Err(objects::foreign_error(kind, Role::InspectPath, name));
    }
    if shown.is_empty() {
        return Err(err(
            format!(
                "no certificate or key in the file (found: {})",
                contents.labels().join(", ")
            ),
            GIVE_CERT_OR_KEY,
        ));
    }
    Ok(shown)
}

fn not_cert_or_key() -> String {
    "not a certificate or key (neither PEM nor DER X.509, PKCS#8, PKCS#1, SEC1)".to_string()
}

/// One file, read and inspected.
fn inspect_file(path: &std::path::Path, now: OffsetDateTime) -> Result<Vec<Inspected>> {
    let name = display_name(path);
    let contents = read_contents(path).map_err(|f| {
        f.into_error(&name, |u| match u {
            Unreadable::Pem(e) => Error::unknown(e.to_string(), DAMAGED),
            Unreadable::NotPemOrDer(_) | Unreadable::UnknownDer(_) => {
                Error::unknown(not_cert_or_key(), GIVE_CERT_OR_KEY)
            }
            Unreadable::Foreign(f) => objects::foreign_error(f, Role::InspectPath, &name),
        })
    })?;
    inspect(&contents, &name, now)
}

/// `nskeys inspect`.
pub fn command(params: &InspectParams, out: &mut dyn Write) -> Result<Status> {
    let now = crate::time::now();
    let key = match &params.key {
        Some(value) => {
            let value =
                crate::origin::Sourced::new(value.clone(), crate::origin::Origin::Flag("--key"));
            let read = crate::store::input::read_key(&value, &params.passphrase)?;
            Some((read.source.to_string(), read.loaded.key.public_key_der()?))
        }
        None => None,
    };
    let mut status = Status::Ok;
    let mut files = Vec::new();
    for path in &params.paths {
        let name = display_name(path);
        match inspect_file(path, now) {
            Ok(mut objs) => {
                if let Some((key_name, key_spki)) = &key {
                    for o in objs.iter_mut().filter(|o| o.kind != ObjectKind::PrivateKey) {
                        let found = verdict::judge_match(
                            o.spki_der.as_deref().unwrap_or_default(),
                            key_spki,
                        );
                        o.key_matches = Some(found.kind == FindingKind::KeyMatches);
                        o.finding(&found, key_name);
                    }
                }
                status = objs.iter().map(|o| o.verdict).fold(status, Status::max);
                files.push(FileReport {
                    path: name,
                    objects: objs,
                    error: None,
                });
            }
            Err(e) => {
                eprintln!("nskeys: {e}");
                status = Status::Unknown;
                files.push(FileReport {
                    path: name,
                    objects: Vec::new(),
                    error: Some(e.to_string()),
                });
            }
        }
    }
    let text = if params.json {
        crate::commands::output::json_pretty(
            &serde_json::json!({ "status": status, "files": files }),
        )?
    } else {
        text::render(&files)
    };
    crate::commands::output::write_output(out, &text)?;
    Ok(status)
}
