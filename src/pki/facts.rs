//! Facts about one X.509 certificate, parsed with `x509-cert`: what `expiry` judges and what
//! `inspect` shows.

use crate::pki::key::KeyType;
use crate::pki::oid;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use std::fmt;
use time::OffsetDateTime;
use x509_cert::Certificate;

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
    fn from_alg(alg: &spki::AlgorithmIdentifierOwned) -> Result<Self, CertProblem> {
        if alg.oid != oid::RSASSA_PSS {
            return Ok(SignatureInfo {
                algorithm: oid::algorithm_name(&alg.oid),
                pss: None,
            });
        }
        // Absent fields take RFC 4055's defaults: SHA-1, MGF1 with SHA-1, salt 20, trailer 1.
        let params = match &alg.parameters {
            Some(any) => {
                let der = any.to_der().map_err(CertProblem::Encoding)?;
                PssParamsDer::from_der(&der).map_err(CertProblem::PssParameters)?
            }
            None => PssParamsDer::default(),
        };
        let hash = params
            .hash
            .as_ref()
            .map_or_else(|| "SHA-1".to_string(), |h| oid::algorithm_name(&h.oid));
        let mgf1_hash = match &params.mask_gen {
            None => "SHA-1".to_string(),
            Some(mg) if mg.oid == oid::MGF1 => mg
                .parameters
                .as_ref()
                .and_then(|p| p.to_der().ok())
                .and_then(|d| spki::AlgorithmIdentifierOwned::from_der(&d).ok())
                .map_or_else(|| "SHA-1".to_string(), |h| oid::algorithm_name(&h.oid)),
            Some(mg) => format!("unknown mask generation {}", mg.oid),
        };
        Ok(SignatureInfo {
            algorithm: oid::algorithm_name(&oid::RSASSA_PSS),
            pss: Some(PssParams {
                hash,
                mgf1_hash,
                salt_length: params.salt_len.unwrap_or(20),
                trailer_field: params.trailer.unwrap_or(1),
            }),
        })
    }

    /// `rsassaPss (hash SHA-256, MGF1 with SHA-256, salt length 64, trailer field 1)` or
    /// `ecdsa-with-SHA256`.
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

/// Why bytes are not a certificate nskeys can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    /// Not an X.509 certificate: what the DER parser said.
    Der(der::Error),
    /// Its RSASSA-PSS signature parameters cannot be read.
    PssParameters(der::Error),
    /// A part of it cannot be encoded again.
    Encoding(der::Error),
}

impl CertProblem {
    /// What the parser said, without saying that it is not a certificate.
    pub fn detail(&self) -> String {
        match self {
            CertProblem::Der(e) | CertProblem::Encoding(e) => e.to_string(),
            CertProblem::PssParameters(_) => self.to_string(),
        }
    }
}

impl fmt::Display for CertProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertProblem::Der(e) => write!(f, "not a valid X.509 certificate: {e}"),
            CertProblem::PssParameters(e) => write!(f, "invalid RSASSA-PSS parameters: {e}"),
            CertProblem::Encoding(e) => write!(f, "{e}"),
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
    /// Serial number bytes (big-endian two's complement, as encoded).
    pub serial: Vec<u8>,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// The signature algorithm.
    pub signature: SignatureInfo,
    /// The subject key.
    pub key: KeyType,
    /// The SubjectPublicKeyInfo DER, for matching a private key.
    pub spki_der: Vec<u8>,
    /// SHA-256 of the DER.
    pub sha256: Vec<u8>,
    /// The certificate itself (DER).
    pub der: Vec<u8>,
    /// Subject and issuer are the same name (self-issued, as NetSuite's certificates are).
    pub self_issued: bool,
}

impl CertFacts {
    /// Parse one DER certificate.
    pub fn from_der(der: &[u8]) -> Result<CertFacts, CertProblem> {
        let cert = Certificate::from_der(der).map_err(CertProblem::Der)?;
        let tbs = cert.tbs_certificate();
        let spki_der = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(CertProblem::Encoding)?;
        let spki =
            spki::SubjectPublicKeyInfoRef::from_der(&spki_der).map_err(CertProblem::Encoding)?;
        let validity = tbs.validity();
        let instant = |t: &x509_cert::time::Time| OffsetDateTime::from(t.to_system_time());
        let cn = |name: &x509_cert::name::Name| {
            name.common_name()
                .ok()
                .flatten()
                .map(|cn| cn.value().to_string())
        };
        Ok(CertFacts {
            subject: tbs.subject().to_string(),
            subject_cn: cn(tbs.subject()),
            issuer: tbs.issuer().to_string(),
            issuer_cn: cn(tbs.issuer()),
            serial: tbs.serial_number().as_bytes().to_vec(),
            not_before: instant(&validity.not_before),
            not_after: instant(&validity.not_after),
            signature: SignatureInfo::from_alg(cert.signature_algorithm())?,
            key: KeyType::from_spki(&spki),
            self_issued: tbs.subject() == tbs.issuer(),
            spki_der,
            sha256: Sha256::digest(der).to_vec(),
            der: der.to_vec(),
        })
    }

    /// Serial as colon hex, as openssl prints it.
    pub fn serial_hex(&self) -> String {
        let start = self
            .serial
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(self.serial.len());
        colon_hex(&self.serial[start..])
    }

    /// Serial in decimal, as the x509 exporters label it.
    pub fn serial_decimal(&self) -> String {
        decimal(&self.serial)
    }

    /// SHA-256 fingerprint, colon hex.
    pub fn fingerprint(&self) -> String {
        colon_hex(&self.sha256)
    }

    /// NetSuite's Certificate ID for this certificate (the assertion's `kid`): base64url,
    /// unpadded, of the SHA-256 of the DER, the same digest as [`Self::fingerprint`].
    pub fn certificate_id(&self) -> String {
        certificate_id_of_digest(&self.sha256)
    }

    /// notAfter - notBefore in whole days.
    pub fn validity_days(&self) -> i64 {
        crate::time::days_between(self.not_before, self.not_after)
    }
}

/// NetSuite's Certificate ID of a certificate's DER: base64url (unpadded) of its SHA-256,
/// verified on Oracle's own example (article_0209112025, `fixtures/oracle-docs/`).
pub fn certificate_id(der: &[u8]) -> String {
    certificate_id_of_digest(&Sha256::digest(der))
}

fn certificate_id_of_digest(digest: &[u8]) -> String {
    use base64ct::Encoding as _;
    base64ct::Base64UrlUnpadded::encode_string(digest)
}

/// Whether `id` has the shape of a Certificate ID: 43 base64url characters (a SHA-256).
pub fn looks_like_certificate_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Colon-separated upper-case hex, as openssl prints fingerprints and serials.
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A big-endian two's-complement integer in decimal.
fn decimal(bytes: &[u8]) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude = bytes.to_vec();
    if negative {
        // Two's complement: invert and add one.
        for b in magnitude.iter_mut() {
            *b = !*b;
        }
        for b in magnitude.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let digits =
        crypto_bigint::BoxedUint::from_be_slice_vartime(&magnitude).to_string_radix_vartime(10);
    if negative {
        format!("-{digits}")
    } else {
        digits
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
        assert_eq!(decimal(&[0x80]), "-128");
        assert_eq!(decimal(&[0xff, 0x00]), "-256");
        assert_eq!(decimal(&[]), "0");
        assert_eq!(
            decimal(&[0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00]),
            "1000000000000000000"
        );
        // 20 bytes, as certificates carry: beyond any machine integer.
        let mut big = [0xffu8; 20];
        big[0] = 0x7f;
        assert_eq!(
            decimal(&big),
            "730750818665451459101842416358141509827966271487"
        );
    }

    /// Oracle's own example (article_0209112025): the certificate uploaded there came back
    /// with this Certificate ID.
    #[test]
    fn certificate_id_is_oracles_on_oracles_example() {
        let pem = include_bytes!("../../fixtures/oracle-docs/certificate.pem");
        let want = include_str!("../../fixtures/oracle-docs/certificate-id.txt").trim();
        let blocks = crate::pki::pem::pem_blocks(pem).unwrap();
        let facts = CertFacts::from_der(&blocks[0].der).unwrap();
        assert_eq!(facts.certificate_id(), want);
        assert_eq!(certificate_id(&blocks[0].der), want);
        assert!(looks_like_certificate_id(want));
        assert!(looks_like_certificate_id(
            "-QjavVtnzeAPA_QdffgnTh9yPy6LbSGOYqNeJqtbKgU"
        ));
        assert!(!looks_like_certificate_id("a/b"));
        assert!(!looks_like_certificate_id("OLD1"));
    }

    #[test]
    fn garbage_and_deep_nesting_are_errors_not_panics() {
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(CertFacts::from_der(&deep).is_err());
        assert!(CertFacts::from_der(b"\x30\x03\x02\x01").is_err());
        assert!(CertFacts::from_der(b"hello").is_err());
    }
}
