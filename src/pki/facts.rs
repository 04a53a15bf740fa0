//! Facts about X.509 certificates and public keys, parsed with `x509-cert`: what `expiry`
//! judges and what `inspect` shows, with NetSuite's rules for keys and validity.

use crate::commands::generate::colon_hex;
use crate::error::{Error, Result};
use crate::pki::alg::{Alg, KeyKind};
use crate::pki::pem::{looks_like_pem, pem_blocks};
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use spki::ObjectIdentifier;
use x509_cert::Certificate;

/// NetSuite's longest honoured validity, in seconds (730 days; it cuts longer ones).
pub const NETSUITE_MAX_VALIDITY: i64 = crate::pki::cert::MAX_DAYS as i64 * 86_400;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// Names of the signature and hash algorithms a certificate may name.
const ALG_NAMES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption"),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption"),
    ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption"),
    ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption"),
    ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption"),
    ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption"),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256"),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384"),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512"),
    ("1.3.101.112", "ED25519"),
    ("1.3.101.113", "ED448"),
    ("1.3.14.3.2.26", "SHA-1"),
    ("2.16.840.1.101.3.4.2.4", "SHA-224"),
    ("2.16.840.1.101.3.4.2.1", "SHA-256"),
    ("2.16.840.1.101.3.4.2.2", "SHA-384"),
    ("2.16.840.1.101.3.4.2.3", "SHA-512"),
];

fn alg_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    ALG_NAMES
        .iter()
        .find(|(o, _)| *o == dotted)
        .map(|(_, n)| n.to_string())
        .unwrap_or(dotted)
}

/// The type of a public key, as far as NetSuite cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyType {
    /// RSA with the ordinary rsaEncryption OID.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// RSA restricted to PSS by its OID (rsassaPss).
    RsaPss {
        /// Modulus size.
        bits: usize,
    },
    /// EC on a curve NetSuite accepts.
    Ec(KeyKind),
    /// EC on another curve (named by OID or name).
    EcOther(String),
    /// Anything else (EdDSA, DSA, ...), by name.
    Other(String),
}

/// Whether NetSuite takes a key for M2M.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyVerdict {
    /// Accepted.
    Allowed,
    /// Nobody documents it: say so.
    Unknown(String),
    /// Refused, with why and what to do.
    Refused(String),
}

impl KeyType {
    /// Read the key type from a SubjectPublicKeyInfo.
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoRef<'_>) -> KeyType {
        let oid = spki.algorithm.oid;
        let rsa_bits = || {
            pkcs1::RsaPublicKeyRef::from_der(spki.subject_public_key.raw_bytes())
                .map(|k| uint_bits(k.modulus.as_bytes()))
                .unwrap_or(0)
        };
        if oid == OID_RSA {
            KeyType::Rsa { bits: rsa_bits() }
        } else if oid == OID_RSA_PSS {
            KeyType::RsaPss { bits: rsa_bits() }
        } else if oid == OID_EC {
            match spki.algorithm.parameters_oid().ok() {
                Some(c) if c == OID_P256 => KeyType::Ec(KeyKind::P256),
                Some(c) if c == OID_P384 => KeyType::Ec(KeyKind::P384),
                Some(c) if c == OID_P521 => KeyType::Ec(KeyKind::P521),
                Some(c) => KeyType::EcOther(curve_name(&c)),
                None => KeyType::EcOther("explicit parameters".into()),
            }
        } else {
            KeyType::Other(oid_key_name(&oid))
        }
    }

    /// `RSA 4096`, `EC P-256`, `RSA-PSS 3072 (rsassaPss OID)`, ...
    pub fn describe(&self) -> String {
        match self {
            KeyType::Rsa { bits } => format!("RSA {bits}"),
            KeyType::RsaPss { bits } => format!("RSA {bits} (rsassaPss OID, PSS-only key)"),
            KeyType::Ec(kind) => kind.name().to_string(),
            KeyType::EcOther(curve) => format!("EC on {curve}"),
            KeyType::Other(name) => name.clone(),
        }
    }

    /// NetSuite's rule for this key (RSA 3072/4096, EC P-256/384/521).
    pub fn netsuite_verdict(&self) -> KeyVerdict {
        match self {
            KeyType::Rsa { bits } => match crate::pki::key::check_key_allowed(KeyKind::Rsa, *bits) {
                Ok(()) => KeyVerdict::Allowed,
                Err(why) => KeyVerdict::Refused(why),
            },
            KeyType::RsaPss { bits } => match crate::pki::key::check_key_allowed(KeyKind::Rsa, *bits) {
                Ok(()) => KeyVerdict::Unknown(
                    "unknown whether NetSuite accepts a key with the rsassaPss OID: prefer an ordinary rsaEncryption key (`nskeys gen --alg ps256`)".into(),
                ),
                Err(why) => KeyVerdict::Refused(why),
            },
            KeyType::Ec(_) => KeyVerdict::Allowed,
            KeyType::EcOther(curve) => KeyVerdict::Refused(format!(
                "NetSuite accepts EC keys on P-256, P-384 and P-521 only, not {curve}: make one with `nskeys gen --alg es256`"
            )),
            KeyType::Other(name) => KeyVerdict::Refused(format!(
                "NetSuite accepts RSA 3072/4096 and EC P-256/P-384/P-521 keys, not {name}: make one with `nskeys gen`"
            )),
        }
    }

    /// The JWT algorithms NetSuite accepts that this key can sign.
    pub fn jwt_algs(&self) -> Vec<Alg> {
        let kind = match self {
            KeyType::Rsa { .. } | KeyType::RsaPss { .. } => KeyKind::Rsa,
            KeyType::Ec(kind) => *kind,
            _ => return Vec::new(),
        };
        Alg::ALL
            .into_iter()
            .filter(|a| a.key_kind() == kind)
            .collect()
    }
}

/// Name a key algorithm OID that NetSuite does not take.
pub fn oid_key_name(oid: &ObjectIdentifier) -> String {
    if *oid == OID_ED25519 {
        "Ed25519".into()
    } else if *oid == OID_ED448 {
        "Ed448".into()
    } else if *oid == OID_DSA {
        "DSA".into()
    } else {
        format!("key algorithm {oid}")
    }
}

/// A curve NetSuite does not take, by name where it has a common one.
pub fn curve_name(oid: &ObjectIdentifier) -> String {
    if *oid == OID_SECP256K1 {
        "secp256k1".into()
    } else {
        oid.to_string()
    }
}

/// Whether `oid` is the rsassaPss key OID.
pub fn is_rsa_pss_oid(oid: &ObjectIdentifier) -> bool {
    *oid == OID_RSA_PSS
}

/// Bits of a big-endian unsigned integer.
pub fn uint_bits(bytes: &[u8]) -> usize {
    let bytes = strip_zeros(bytes);
    match bytes.first() {
        Some(first) => bytes.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// RSASSA-PSS parameters of a signature (RFC 4055).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PssParams {
    /// Message hash.
    pub hash: String,
    /// MGF1's hash.
    pub mgf1_hash: String,
    /// Salt length in bytes.
    pub salt_length: u32,
    /// Trailer field (1 = 0xBC).
    pub trailer_field: u32,
}

/// RSASSA-PSS-params (RFC 4055) with a salt length of any size: pkcs1's type holds a `u8`,
/// but openssl signs with rsassaPss-OID keys using the largest salt (e.g. 350 bytes).
#[derive(Debug, Default, der::Sequence)]
struct PssParamsDer {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

/// A certificate's signature algorithm.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureInfo {
    /// `rsassaPss`, `ecdsa-with-SHA256`, ... (the dotted OID when unknown).
    pub algorithm: String,
    /// PSS parameters, for rsassaPss.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssParams>,
}

impl SignatureInfo {
    fn from_alg(alg: &spki::AlgorithmIdentifierOwned) -> std::result::Result<Self, String> {
        if alg.oid != OID_RSA_PSS {
            return Ok(SignatureInfo {
                algorithm: alg_name(&alg.oid),
                pss: None,
            });
        }
        // Absent fields take RFC 4055's defaults: SHA-1, MGF1 with SHA-1, salt 20, trailer 1.
        let params = match &alg.parameters {
            Some(any) => {
                let der = any.to_der().map_err(|e| e.to_string())?;
                PssParamsDer::from_der(&der)
                    .map_err(|e| format!("invalid RSASSA-PSS parameters: {e}"))?
            }
            None => PssParamsDer::default(),
        };
        let hash = params
            .hash
            .as_ref()
            .map_or_else(|| "SHA-1".to_string(), |h| alg_name(&h.oid));
        let mgf1_hash = match &params.mask_gen {
            None => "SHA-1".to_string(),
            Some(mg) if mg.oid == OID_MGF1 => mg
                .parameters
                .as_ref()
                .and_then(|p| p.to_der().ok())
                .and_then(|d| spki::AlgorithmIdentifierOwned::from_der(&d).ok())
                .map_or_else(|| "SHA-1".to_string(), |h| alg_name(&h.oid)),
            Some(mg) => format!("unknown mask generation {}", mg.oid),
        };
        Ok(SignatureInfo {
            algorithm: "rsassaPss".into(),
            pss: Some(PssParams {
                hash,
                mgf1_hash,
                salt_length: params.salt_len.unwrap_or(20),
                trailer_field: params.trailer.unwrap_or(1),
            }),
        })
    }

    /// `rsassaPss (SHA-256, MGF1 SHA-256, salt 64, trailer 1)` or `ecdsa-with-SHA256`.
    pub fn describe(&self) -> String {
        match &self.pss {
            Some(p) => format!(
                "{} (hash {}, MGF1 with {}, salt length {}, trailer field {})",
                self.algorithm, p.hash, p.mgf1_hash, p.salt_length, p.trailer_field
            ),
            None => self.algorithm.clone(),
        }
    }
}

/// What nskeys knows about one certificate.
#[derive(Debug, Clone)]
pub struct CertFacts {
    /// Subject, RFC 4514.
    pub subject: String,
    /// The subject's first common name, if any.
    pub subject_cn: Option<String>,
    /// Issuer, RFC 4514.
    pub issuer: String,
    /// The issuer's first common name, if any.
    pub issuer_cn: Option<String>,
    /// Serial number bytes (big-endian, as encoded).
    pub serial: Vec<u8>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// The signature algorithm.
    pub signature: SignatureInfo,
    /// The subject key.
    pub key: KeyType,
    /// The SubjectPublicKeyInfo DER, for matching a private key.
    pub spki_der: Vec<u8>,
    /// SHA-256 of the DER.
    pub sha256: Vec<u8>,
    /// Subject and issuer are the same name (self-issued, as NetSuite's certificates are).
    pub self_issued: bool,
}

impl CertFacts {
    /// Parse one DER certificate; `Err` says what is wrong with it.
    pub fn from_der(der: &[u8]) -> std::result::Result<CertFacts, String> {
        let cert = Certificate::from_der(der)
            .map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
        let tbs = cert.tbs_certificate();
        let spki_der = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| e.to_string())?;
        let spki = spki::SubjectPublicKeyInfoRef::from_der(&spki_der).map_err(|e| e.to_string())?;
        let validity = tbs.validity();
        let secs = |t: &x509_cert::time::Time| t.to_unix_duration().as_secs() as i64;
        Ok(CertFacts {
            subject: tbs.subject().to_string(),
            subject_cn: tbs
                .subject()
                .common_name()
                .ok()
                .flatten()
                .map(|cn| cn.value().to_string()),
            issuer: tbs.issuer().to_string(),
            issuer_cn: tbs
                .issuer()
                .common_name()
                .ok()
                .flatten()
                .map(|cn| cn.value().to_string()),
            serial: tbs.serial_number().as_bytes().to_vec(),
            not_before: secs(&validity.not_before),
            not_after: secs(&validity.not_after),
            signature: SignatureInfo::from_alg(cert.signature_algorithm())?,
            key: KeyType::from_spki(&spki),
            self_issued: tbs.subject() == tbs.issuer(),
            spki_der,
            sha256: Sha256::digest(der).to_vec(),
        })
    }

    /// Serial as colon hex, as openssl prints it.
    pub fn serial_hex(&self) -> String {
        colon_hex(strip_zeros(&self.serial))
    }

    /// Serial in decimal, as the x509 exporters label it.
    pub fn serial_decimal(&self) -> String {
        decimal(&self.serial)
    }

    /// SHA-256 fingerprint, colon hex.
    pub fn fingerprint(&self) -> String {
        colon_hex(&self.sha256)
    }

    /// Whether the validity is longer than NetSuite honours.
    pub fn longer_than_netsuite_allows(&self) -> bool {
        self.not_after - self.not_before > NETSUITE_MAX_VALIDITY
    }

    /// When NetSuite stops accepting it: notAfter, or notBefore + 730 days if that is sooner.
    pub fn effective_not_after(&self) -> i64 {
        self.not_after
            .min(self.not_before.saturating_add(NETSUITE_MAX_VALIDITY))
    }
}

/// Whole days from `now` to `then`, rounded down (negative once `then` is past).
pub fn days_between(now: i64, then: i64) -> i64 {
    (then - now).div_euclid(86_400)
}

/// A big-endian two's-complement integer in decimal.
fn decimal(bytes: &[u8]) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut mag: Vec<u8> = bytes.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let mut digits = Vec::new();
    let mut num: Vec<u8> = strip_zeros(&mag).to_vec();
    while !num.is_empty() {
        let mut rem = 0u32;
        for b in num.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        num = strip_zeros(&num).to_vec();
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    if negative {
        digits.push(b'-');
    }
    digits.reverse();
    String::from_utf8_lossy(&digits).into_owned()
}

/// What a file holds when it holds no certificate, for a message that says what it is.
fn not_a_certificate(what: &str) -> (String, &'static str) {
    let hint = if what.contains("private key") {
        "give the certificate (public.pem), not the private key"
    } else if what.contains("public key") {
        "NetSuite needs a certificate, not a bare public key: make one with `nskeys gen`"
    } else {
        "give a PEM or DER X.509 certificate"
    };
    (format!("{what}, not a certificate"), hint)
}

/// Whether DER bytes are a private key (PKCS#8 plain or encrypted, PKCS#1, SEC1).
fn der_is_private_key(der: &[u8]) -> bool {
    crate::pki::key::parse_private_key(der, "").is_ok()
        || pkcs8::PrivateKeyInfoRef::from_der(der).is_ok()
        || pkcs1::RsaPrivateKeyRef::from_der(der).is_ok()
        || sec1::EcPrivateKey::try_from(der).is_ok()
        || crate::pki::key::is_encrypted_pkcs8_der(der)
}

/// Whether a file holds keys but no certificate (a directory scan skips such files).
pub fn is_key_file(data: &[u8]) -> bool {
    if looks_like_pem(data) {
        return pem_blocks(data).is_ok_and(|blocks| {
            !blocks.is_empty()
                && blocks
                    .iter()
                    .all(|b| b.label.ends_with("KEY") || b.label == "EC PARAMETERS")
        });
    }
    der_is_private_key(data) || spki::SubjectPublicKeyInfoRef::from_der(data).is_ok()
}

/// Whether a PEM label is a certificate.
pub fn is_cert_label(label: &str) -> bool {
    label == "CERTIFICATE" || label == "X509 CERTIFICATE"
}

/// Every certificate in a file (PEM with one or more certificates, or DER). Text around PEM
/// blocks and other blocks (keys in a combined file) are ignored; a file without any
/// certificate, or with a broken one, is an error naming the file.
pub fn load_certificates(data: &[u8], name: &str) -> Result<Vec<CertFacts>> {
    let err = |what: String, hint: &str| Error::unknown(what, hint).at(name);
    if looks_like_pem(data) {
        let blocks =
            pem_blocks(data).map_err(|e| err(e, "the file is damaged: use the original"))?;
        let mut certs = Vec::new();
        for (i, block) in blocks
            .iter()
            .filter(|b| is_cert_label(&b.label))
            .enumerate()
        {
            let facts = CertFacts::from_der(&block.der).map_err(|e| {
                err(
                    format!("certificate #{}: {e}", i + 1),
                    "the file is damaged: use the original",
                )
            })?;
            certs.push(facts);
        }
        if certs.is_empty() {
            let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
            let (what, hint) = if labels.iter().any(|l| l.contains("PRIVATE KEY")) {
                not_a_certificate("a private key")
            } else if labels.contains(&"PUBLIC KEY") {
                not_a_certificate("a bare public key")
            } else {
                (
                    format!("no certificate in the file (found: {})", labels.join(", ")),
                    "give a PEM or DER X.509 certificate",
                )
            };
            return Err(err(what, hint));
        }
        return Ok(certs);
    }
    match CertFacts::from_der(data) {
        Ok(facts) => Ok(vec![facts]),
        Err(e) => {
            let (what, hint) = if der_is_private_key(data) {
                not_a_certificate("a private key")
            } else if spki::SubjectPublicKeyInfoRef::from_der(data).is_ok() {
                not_a_certificate("a bare public key")
            } else if data.first() != Some(&0x30) {
                (
                    "neither a PEM nor a DER certificate (no BEGIN CERTIFICATE line)".to_string(),
                    "give a PEM or DER X.509 certificate",
                )
            } else {
                (e, "the file is damaged: use the original")
            };
            Err(err(what, hint))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_serials() {
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(decimal(&[0x00, 0xff]), "255");
        assert_eq!(decimal(&[0xff]), "-1");
        assert_eq!(decimal(&[]), "0");
        assert_eq!(
            decimal(&[0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00]),
            "1000000000000000000"
        );
    }

    #[test]
    fn days_round_down() {
        assert_eq!(days_between(0, 86_399), 0);
        assert_eq!(days_between(0, 86_400), 1);
        assert_eq!(days_between(0, -1), -1);
        assert_eq!(days_between(100, 100 - 86_401), -2);
    }

    #[test]
    fn garbage_and_deep_nesting_are_errors_not_panics() {
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(load_certificates(&deep, "x").is_err());
        assert!(load_certificates(b"\x30\x03\x02\x01", "x").is_err());
        assert!(load_certificates(b"hello", "x").is_err());
    }
}
