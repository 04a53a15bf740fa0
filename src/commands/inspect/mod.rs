//! `nskeys inspect`: what is in a certificate or key file, and will NetSuite take it?
//! Exit status: 0 NetSuite takes everything shown; 1 something to fix first (not valid yet,
//! longer than two years, rsassaPss-OID key); 2 NetSuite would refuse something (key type or
//! size, expired, bare public key) or `--key` does not match; 3 a file cannot be read or parsed.

mod text;

use crate::cli::InspectArgs;
use crate::error::{Error, Result, Status};
use crate::pki::alg::Alg;
use crate::pki::facts::{self, CertFacts, KeyType, KeyVerdict, SignatureInfo};
use crate::pki::key::{self, KeyFormat};
use crate::pki::pem::{looks_like_pem, pem_blocks, to_pem};
use crate::store::read::{display_name, read_capped};
use crate::time::{self as timeutil, from_unix, rfc3339};
use der::Decode;
use serde::Serialize;
use std::io::Write;

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
pub struct Object {
    /// `certificate`, `private key` or `public key`.
    pub kind: &'static str,
    /// `PEM` or `DER`.
    pub encoding: &'static str,
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

impl Default for Object {
    fn default() -> Self {
        Object {
            kind: "",
            encoding: "",
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
            jwt_algs: Vec::new(),
            key_matches: None,
            verdict: Status::Ok,
            notes: Vec::new(),
            spki_der: None,
        }
    }
}

impl Object {
    fn note(&mut self, level: Status, text: impl Into<String>) {
        self.verdict = self.verdict.max(level);
        self.notes.push(Note {
            level,
            text: text.into(),
        });
    }

    fn key_verdict(&mut self, key: &KeyType) {
        self.key_type = Some(key.describe());
        self.jwt_algs = key.jwt_algs();
        match key.netsuite_verdict() {
            KeyVerdict::Allowed => self.note(
                Status::Ok,
                format!("key type {} is accepted", key.describe()),
            ),
            KeyVerdict::Unknown(why) => self.note(Status::Warning, why),
            KeyVerdict::Refused(why) => self.note(Status::Critical, why),
        }
    }
}

/// A file and what it holds, or why it could not be read.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// The objects, in file order.
    pub objects: Vec<Object>,
    /// Why the file could not be read or parsed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn certificate(facts: &CertFacts, pem: bool, now: i64) -> Object {
    let effective = facts.effective_not_after();
    let mut o = Object {
        kind: "certificate",
        encoding: if pem { "PEM" } else { "DER" },
        subject: Some(facts.subject.clone()),
        issuer: Some(facts.issuer.clone()),
        self_signed: Some(facts.self_issued),
        serial: Some(facts.serial_hex()),
        not_before: Some(rfc3339(from_unix(facts.not_before))),
        not_after: Some(rfc3339(from_unix(facts.not_after))),
        validity_days: Some((facts.not_after - facts.not_before).div_euclid(86_400)),
        days_left: Some(facts::days_between(now, effective)),
        netsuite_expiry: Some(rfc3339(from_unix(effective))),
        signature: Some(facts.signature.clone()),
        sha256_fingerprint: Some(facts.fingerprint()),
        spki_der: Some(facts.spki_der.clone()),
        ..Object::default()
    };
    o.key_verdict(&facts.key);
    let when = |t: i64| rfc3339(from_unix(t));
    if now > facts.not_after {
        o.note(
            Status::Critical,
            format!(
                "expired {}: NetSuite refuses it; make a new one with `nskeys gen`",
                when(facts.not_after)
            ),
        );
    } else if now > effective {
        o.note(
            Status::Critical,
            format!(
                "NetSuite stopped accepting it {} (two years after notBefore); make a new one with `nskeys gen`",
                when(effective)
            ),
        );
    } else if now < facts.not_before {
        o.note(
            Status::Warning,
            format!("not valid yet: valid from {}", when(facts.not_before)),
        );
    }
    if facts.longer_than_netsuite_allows() {
        o.note(
            Status::Warning,
            format!(
                "valid for more than 730 days: NetSuite silently cuts it to two years, so it stops working {}, not {}",
                when(effective),
                when(facts.not_after)
            ),
        );
    } else {
        o.note(Status::Ok, "validity within NetSuite's two years");
    }
    o
}

fn private_key(key: KeyType, format: KeyFormat, pem: bool) -> Object {
    let mut o = Object {
        kind: "private key",
        encoding: if pem { "PEM" } else { "DER" },
        format: Some(format.name()),
        ..Object::default()
    };
    o.key_verdict(&key);
    o.note(
        Status::Ok,
        "a private key signs the client assertion: keep it secret; NetSuite gets the certificate",
    );
    o
}

fn encrypted_key(format: KeyFormat, pem: bool, legacy_type: Option<&str>) -> Object {
    let mut o = Object {
        kind: "private key",
        encoding: if pem { "PEM" } else { "DER" },
        format: Some(format.name()),
        encrypted: true,
        key_type: legacy_type.map(str::to_string),
        ..Object::default()
    };
    o.note(
        Status::Ok,
        "encrypted: its type and size cannot be checked, and `nskeys verify` needs it decrypted: openssl pkey -in KEY -out KEY.plain (then chmod 600 it)",
    );
    o
}

fn public_key(key: KeyType, pem: bool) -> Object {
    let mut o = Object {
        kind: "public key",
        encoding: if pem { "PEM" } else { "DER" },
        format: Some("SubjectPublicKeyInfo"),
        ..Object::default()
    };
    o.key_verdict(&key);
    o.note(
        Status::Critical,
        "NetSuite needs a certificate, not a bare public key: make one with `nskeys gen`, or `openssl req -new -x509 -key private.pem -days 730 -out public.pem`",
    );
    o
}

/// The type of a private key that `keys` does not load (EdDSA, other curves, rsassaPss OID).
fn unsupported_key_type(der: &[u8], format: KeyFormat) -> Option<KeyType> {
    match format {
        KeyFormat::Pkcs8 => {
            let info = pkcs8::PrivateKeyInfoRef::from_der(der).ok()?;
            let oid = info.algorithm.oid;
            if facts::is_rsa_pss_oid(&oid) {
                let inner = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes()).ok()?;
                return Some(KeyType::RsaPss {
                    bits: facts::uint_bits(inner.modulus.as_bytes()),
                });
            }
            if let Ok(curve) = info.algorithm.parameters_oid() {
                return Some(KeyType::EcOther(facts::curve_name(&curve)));
            }
            Some(KeyType::Other(facts::oid_key_name(&oid)))
        }
        KeyFormat::Sec1 => {
            let ec = sec1::EcPrivateKey::try_from(der).ok()?;
            let curve = ec.parameters.and_then(|p| p.named_curve());
            Some(KeyType::EcOther(
                curve.map_or("an unnamed curve".into(), |c| facts::curve_name(&c)),
            ))
        }
        KeyFormat::Pkcs1 => None,
    }
}

fn format_of_label(label: &str) -> Option<KeyFormat> {
    match label {
        "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => Some(KeyFormat::Pkcs8),
        "RSA PRIVATE KEY" => Some(KeyFormat::Pkcs1),
        "EC PRIVATE KEY" => Some(KeyFormat::Sec1),
        _ => None,
    }
}

fn loaded_key_type(key: &key::PrivateKey) -> KeyType {
    match key.kind() {
        crate::pki::alg::KeyKind::Rsa => KeyType::Rsa { bits: key.bits() },
        kind => KeyType::Ec(kind),
    }
}

/// A private key from its DER and known format; `Err` says why it cannot be read.
fn read_private_key(der: &[u8], format: KeyFormat, pem: bool, name: &str) -> Result<Object> {
    let label = match format {
        KeyFormat::Pkcs8 => "PRIVATE KEY",
        KeyFormat::Pkcs1 => "RSA PRIVATE KEY",
        KeyFormat::Sec1 => "EC PRIVATE KEY",
    };
    match key::parse_private_key(to_pem(label, der).as_bytes(), name) {
        Ok(loaded) => {
            let mut o = private_key(loaded_key_type(&loaded.key), format, pem);
            o.spki_der = loaded.key.public_key_der().ok();
            Ok(o)
        }
        Err(e) => match unsupported_key_type(der, format) {
            Some(kind) => Ok(private_key(kind, format, pem)),
            None => Err(e),
        },
    }
}

fn public_key_object(der: &[u8], pem: bool) -> Option<Object> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(der).ok()?;
    let mut o = public_key(KeyType::from_spki(&spki), pem);
    o.spki_der = Some(der.to_vec());
    Some(o)
}

/// Everything in one file's contents.
pub fn objects(data: &[u8], name: &str, now: i64) -> Result<Vec<Object>> {
    let err = |what: String, hint: &str| Error::unknown(what, hint).at(name);
    if !looks_like_pem(data) {
        return der_object(data, name, now).map(|o| vec![o]);
    }
    let blocks = pem_blocks(data).map_err(|e| err(e, "the file is damaged: use the original"))?;
    let mut found = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let n = i + 1;
        let label = block.label.as_str();
        if facts::is_cert_label(label) {
            let facts = CertFacts::from_der(&block.der).map_err(|e| {
                err(
                    format!("PEM block #{n} ({label}): {e}"),
                    "the file is damaged: use the original",
                )
            })?;
            found.push(certificate(&facts, true, now));
        } else if let Some(format) = format_of_label(label) {
            if block.legacy_encrypted || label == "ENCRYPTED PRIVATE KEY" {
                let legacy = match format {
                    KeyFormat::Pkcs1 => Some("RSA"),
                    KeyFormat::Sec1 => Some("EC"),
                    KeyFormat::Pkcs8 => None,
                };
                found.push(encrypted_key(format, true, legacy));
            } else {
                found.push(read_private_key(&block.der, format, true, name)?);
            }
        } else if label == "PUBLIC KEY" {
            found.push(public_key_object(&block.der, true).ok_or_else(|| {
                err(
                    format!("PEM block #{n} (PUBLIC KEY) is not a valid public key"),
                    "the file is damaged: use the original",
                )
            })?);
        }
        // Other blocks (EC PARAMETERS beside a SEC1 key, ...) say nothing NetSuite needs.
    }
    if found.is_empty() {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(err(
            format!(
                "no certificate or key in the file (found: {})",
                labels.join(", ")
            ),
            "give a PEM or DER certificate or private key",
        ));
    }
    Ok(found)
}

fn der_object(data: &[u8], name: &str, now: i64) -> Result<Object> {
    if let Ok(facts) = CertFacts::from_der(data) {
        return Ok(certificate(&facts, false, now));
    }
    if let Ok(loaded) = key::parse_private_key(data, name) {
        let mut o = private_key(loaded_key_type(&loaded.key), loaded.format, false);
        o.spki_der = loaded.key.public_key_der().ok();
        return Ok(o);
    }
    if key::is_encrypted_pkcs8_der(data) {
        return Ok(encrypted_key(KeyFormat::Pkcs8, false, None));
    }
    if let Some(o) = public_key_object(data, false) {
        return Ok(o);
    }
    if let Some(kind) = unsupported_key_type(data, KeyFormat::Pkcs8) {
        return Ok(private_key(kind, KeyFormat::Pkcs8, false));
    }
    Err(Error::unknown(
        "not a certificate or key (neither PEM nor DER X.509, PKCS#8, PKCS#1, SEC1)",
        "give a PEM or DER certificate or private key",
    )
    .at(name))
}

/// `nskeys inspect`.
pub fn command(args: &InspectArgs, out: &mut dyn Write) -> Result<Status> {
    let now = timeutil::unix(std::time::SystemTime::now());
    let key = match &args.key {
        Some(path) => {
            let name = display_name(path);
            let loaded = key::parse_private_key(&read_capped(path)?, &name)?;
            Some((name, loaded.key.public_key_der()?))
        }
        None => None,
    };
    let key_bits = key.as_ref().and_then(|(_, der)| key::spki_key_bits(der));
    let mut status = Status::Ok;
    let mut files = Vec::new();
    for path in &args.paths {
        let name = display_name(path);
        match read_capped(path).and_then(|data| objects(&data, &name, now)) {
            Ok(mut objs) => {
                if let Some((key_name, _)) = &key {
                    for o in objs.iter_mut().filter(|o| o.kind != "private key") {
                        let matches =
                            o.spki_der.as_deref().and_then(key::spki_key_bits) == key_bits;
                        o.key_matches = Some(matches);
                        if matches {
                            o.note(Status::Ok, format!("{key_name} is its private key"));
                        } else {
                            o.note(
                                Status::Critical,
                                format!("{key_name} is not its private key: NetSuite would reject assertions signed with it"),
                            );
                        }
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
    let text = if args.json {
        let doc = serde_json::json!({ "status": status, "files": files });
        let mut s = serde_json::to_string_pretty(&doc)
            .map_err(|e| Error::unknown(e.to_string(), "report this"))?;
        s.push('\n');
        s
    } else {
        text::render(&files)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::unknown(format!("cannot write output: {e}"), "").at("<stdout>"))?;
    Ok(status)
}
