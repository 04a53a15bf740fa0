//! Private keys: generation, reading every encoding NetSuite users have (PKCS#8, PKCS#1, SEC1;
//! PEM or DER), PKCS#8 output, and the public key that goes into a certificate.

use crate::error::{Error, Result};
use crate::pki::alg::{Alg, KeyKind};
use crate::pki::pem::{PemBlock, looks_like_pem, pem_blocks};
use der::Decode;
use rsa::traits::PublicKeyParts;
use spki::{EncodePublicKey, ObjectIdentifier};
use zeroize::Zeroizing;

/// RSA key sizes NetSuite accepts for M2M certificates.
pub const RSA_BITS_ALLOWED: [usize; 2] = [3072, 4096];

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// A private key of a type NetSuite can use. Secret material is zeroized on drop by the
/// underlying types; `Debug` shows only the kind and size.
#[derive(Clone)]
pub enum PrivateKey {
    /// RSA.
    Rsa(Box<rsa::PrivateKey>),
    /// EC P-256.
    P256(p256::SecretKey),
    /// EC P-384.
    P384(p384::SecretKey),
    /// EC P-521.
    P521(p521::SecretKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivateKey({})", self.describe())
    }
}

/// How a key file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum KeyFormat {
    /// `BEGIN PRIVATE KEY` / PKCS#8 DER.
    #[serde(rename = "PKCS#8")]
    Pkcs8,
    /// `BEGIN RSA PRIVATE KEY` / PKCS#1 DER.
    #[serde(rename = "PKCS#1")]
    Pkcs1,
    /// `BEGIN EC PRIVATE KEY` / SEC1 DER.
    #[serde(rename = "SEC1")]
    Sec1,
}

impl KeyFormat {
    /// `PKCS#8`, `PKCS#1`, `SEC1`.
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
        }
    }
}

/// A key read from a file, with the encoding it had.
#[derive(Debug, Clone)]
pub struct LoadedKey {
    /// The key.
    pub key: PrivateKey,
    /// Its encoding.
    pub format: KeyFormat,
    /// Whether the file was PEM (else DER).
    pub pem: bool,
}

impl PrivateKey {
    /// Generate a fresh key for `alg` (`rsa_bits` is used for PS* only).
    pub fn generate(alg: Alg, rsa_bits: usize) -> Result<PrivateKey> {
        use p256::elliptic_curve::Generate;
        Ok(match alg.key_kind() {
            KeyKind::Rsa => PrivateKey::Rsa(Box::new(crate::pki::rsagen::generate(rsa_bits)?)),
            KeyKind::P256 => PrivateKey::P256(p256::SecretKey::generate()),
            KeyKind::P384 => PrivateKey::P384(p384::SecretKey::generate()),
            KeyKind::P521 => PrivateKey::P521(p521::SecretKey::generate()),
        })
    }

    /// RSA or which curve.
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::Rsa(_) => KeyKind::Rsa,
            PrivateKey::P256(_) => KeyKind::P256,
            PrivateKey::P384(_) => KeyKind::P384,
            PrivateKey::P521(_) => KeyKind::P521,
        }
    }

    /// Key size in bits: the RSA modulus, or the curve's field size.
    pub fn bits(&self) -> usize {
        match self {
            PrivateKey::Rsa(k) => k.n().bits_precision() as usize - k.n().leading_zeros() as usize,
            PrivateKey::P256(_) => 256,
            PrivateKey::P384(_) => 384,
            PrivateKey::P521(_) => 521,
        }
    }

    /// `RSA 4096`, `EC P-256`, ...
    pub fn describe(&self) -> String {
        match self.kind() {
            KeyKind::Rsa => format!("RSA {}", self.bits()),
            kind => kind.name().to_string(),
        }
    }

    /// Whether NetSuite accepts this key for M2M; `Err` says why not and what to do.
    pub fn netsuite_check(&self) -> std::result::Result<(), String> {
        check_key_allowed(self.kind(), self.bits())
    }

    /// Whether `alg` can sign with this key; `Err` says what fits instead.
    pub fn check_alg(&self, alg: Alg) -> std::result::Result<(), String> {
        let kind = self.kind();
        if alg.key_kind() == kind {
            return Ok(());
        }
        let fits: Vec<&str> = Alg::ALL
            .iter()
            .filter(|a| a.key_kind() == kind)
            .map(|a| a.jwt_name())
            .collect();
        Err(format!(
            "{} cannot sign with a {} key; use --alg {}",
            alg,
            self.describe(),
            fits.join(" or ").to_lowercase()
        ))
    }

    /// The SubjectPublicKeyInfo (DER) of the public half.
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::P256(k) => k.public_key().to_public_key_der(),
            PrivateKey::P384(k) => k.public_key().to_public_key_der(),
            PrivateKey::P521(k) => k.public_key().to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| Error::unknown(format!("cannot encode public key: {e}"), "report this"))
    }

    /// Unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`), as `openssl req -nodes` writes it.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>> {
        use pkcs8::EncodePrivateKey;
        let le = pkcs8::LineEnding::LF;
        let pem = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_pem(le),
            PrivateKey::P256(k) => k.to_pkcs8_pem(le),
            PrivateKey::P384(k) => k.to_pkcs8_pem(le),
            PrivateKey::P521(k) => k.to_pkcs8_pem(le),
        };
        pem.map_err(|e| Error::unknown(format!("cannot encode private key: {e}"), "report this"))
    }
}

/// Whether NetSuite accepts a key of this kind and size; `Err` says why not.
pub fn check_key_allowed(kind: KeyKind, bits: usize) -> std::result::Result<(), String> {
    match kind {
        KeyKind::Rsa if RSA_BITS_ALLOWED.contains(&bits) => Ok(()),
        KeyKind::Rsa => Err(format!(
            "NetSuite accepts RSA keys of 3072 or 4096 bits only, not {bits}: make a new key with `nskeys gen --alg ps256`"
        )),
        _ => Ok(()),
    }
}

/// Read a private key from file contents (PEM or DER; PKCS#8, PKCS#1 or SEC1).
/// `name` is the file name for messages.
pub fn parse_private_key(data: &[u8], name: &str) -> Result<LoadedKey> {
    let err = |what: String, hint: &str| Error::unknown(what, hint).at(name);
    if looks_like_pem(data) {
        let blocks =
            pem_blocks(data).map_err(|e| err(e, "the key file is damaged; use the original"))?;
        let Some(block) = blocks.iter().find(|b| b.label.contains("PRIVATE KEY")) else {
            let found: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
            let hint = if found.contains(&"CERTIFICATE") {
                "this is a certificate; give the private key (private.pem)"
            } else {
                "give a PEM private key (BEGIN PRIVATE KEY)"
            };
            return Err(err(
                format!("no private key in the file (found: {})", found.join(", ")),
                hint,
            ));
        };
        let key = parse_pem_block(block).map_err(|(w, h)| err(w, h))?;
        return Ok(LoadedKey {
            key: key.0,
            format: key.1,
            pem: true,
        });
    }
    let (key, format) = parse_der(data).map_err(|(w, h)| err(w, h))?;
    Ok(LoadedKey {
        key,
        format,
        pem: false,
    })
}

type ParseErr = (String, &'static str);

const DECRYPT_HINT: &str =
    "decrypt it first: openssl pkey -in KEY -out KEY.plain (then chmod 600 it)";

fn parse_pem_block(block: &PemBlock) -> std::result::Result<(PrivateKey, KeyFormat), ParseErr> {
    if block.legacy_encrypted || block.label == "ENCRYPTED PRIVATE KEY" {
        return Err(("the private key is encrypted".to_string(), DECRYPT_HINT));
    }
    match block.label.as_str() {
        "PRIVATE KEY" => Ok((parse_pkcs8(&block.der)?, KeyFormat::Pkcs8)),
        "RSA PRIVATE KEY" => Ok((parse_pkcs1(&block.der)?, KeyFormat::Pkcs1)),
        "EC PRIVATE KEY" => Ok((parse_sec1(&block.der)?, KeyFormat::Sec1)),
        other => Err((
            format!("unsupported key type {other:?}"),
            "NetSuite accepts RSA 3072/4096 and EC P-256/P-384/P-521 keys",
        )),
    }
}

fn parse_der(der: &[u8]) -> std::result::Result<(PrivateKey, KeyFormat), ParseErr> {
    if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
        return Ok((parse_pkcs8(der)?, KeyFormat::Pkcs8));
    }
    if let Ok(k) = parse_pkcs1(der) {
        return Ok((k, KeyFormat::Pkcs1));
    }
    if let Ok(k) = parse_sec1(der) {
        return Ok((k, KeyFormat::Sec1));
    }
    if x509_cert::Certificate::from_der(der).is_ok() {
        return Err((
            "this is a certificate, not a private key".to_string(),
            "give the private key (private.pem)",
        ));
    }
    if is_encrypted_pkcs8_der(der) {
        return Err(("the private key is encrypted".to_string(), DECRYPT_HINT));
    }
    Err((
        "not a private key (expected PEM, or DER in PKCS#8, PKCS#1 or SEC1)".to_string(),
        "give the private key made with the certificate",
    ))
}

/// Whether DER bytes are an encrypted PKCS#8 key:
/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
pub fn is_encrypted_pkcs8_der(der: &[u8]) -> bool {
    #[derive(der::Sequence)]
    struct Encrypted<'a> {
        alg: spki::AlgorithmIdentifierRef<'a>,
        data: &'a der::asn1::OctetStringRef,
    }
    Encrypted::from_der(der).is_ok()
}

fn parse_pkcs8(der: &[u8]) -> std::result::Result<PrivateKey, ParseErr> {
    use pkcs8::DecodePrivateKey;
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| {
        (
            format!("invalid PKCS#8 private key: {e}"),
            "the key file is damaged; use the original",
        )
    })?;
    let oid = info.algorithm.oid;
    let bad = |e: pkcs8::Error| {
        (
            format!("invalid PKCS#8 private key: {e}"),
            "the key file is damaged; use the original",
        )
    };
    if oid == OID_RSA {
        return Ok(PrivateKey::Rsa(Box::new(
            rsa::PrivateKey::from_pkcs8_der(der).map_err(bad)?,
        )));
    }
    if oid == OID_EC {
        let curve = info.algorithm.parameters_oid().ok();
        return match curve {
            Some(c) if c == OID_P256 => Ok(PrivateKey::P256(
                p256::SecretKey::from_pkcs8_der(der).map_err(bad)?,
            )),
            Some(c) if c == OID_P384 => Ok(PrivateKey::P384(
                p384::SecretKey::from_pkcs8_der(der).map_err(bad)?,
            )),
            Some(c) if c == OID_P521 => Ok(PrivateKey::P521(
                p521::SecretKey::from_pkcs8_der(der).map_err(bad)?,
            )),
            other => Err((
                format!(
                    "EC key on an unsupported curve ({})",
                    other.map(|o| o.to_string()).unwrap_or("unnamed".into())
                ),
                "NetSuite accepts EC keys on P-256, P-384 and P-521: make one with `nskeys gen --alg es256`",
            )),
        };
    }
    let name = if oid == OID_RSA_PSS {
        "an RSASSA-PSS-only key (OID rsassaPss)"
    } else if oid == OID_ED25519 || oid == OID_ED448 {
        "an EdDSA key"
    } else if oid == OID_DSA {
        "a DSA key"
    } else {
        "a key of an unknown type"
    };
    Err((
        format!("{name} ({oid}) is not supported"),
        "NetSuite accepts RSA (rsaEncryption) 3072/4096 and EC P-256/P-384/P-521 keys: make one with `nskeys gen`",
    ))
}

fn parse_pkcs1(der: &[u8]) -> std::result::Result<PrivateKey, ParseErr> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    rsa::PrivateKey::from_pkcs1_der(der)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| {
            (
                format!("invalid PKCS#1 RSA private key: {e}"),
                "the key file is damaged; use the original",
            )
        })
}

fn parse_sec1(der: &[u8]) -> std::result::Result<PrivateKey, ParseErr> {
    let ec = sec1::EcPrivateKey::try_from(der).map_err(|e| {
        (
            format!("invalid SEC1 EC private key: {e}"),
            "the key file is damaged; use the original",
        )
    })?;
    let curve = ec.parameters.and_then(|p| p.named_curve());
    let bad = |e: p256::elliptic_curve::DecodeError| {
        (
            format!("invalid SEC1 EC private key: {e}"),
            "the key file is damaged; use the original",
        )
    };
    match curve {
        Some(c) if c == OID_P256 => p256::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P256)
            .map_err(bad),
        Some(c) if c == OID_P384 => p384::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P384)
            .map_err(bad),
        Some(c) if c == OID_P521 => p521::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P521)
            .map_err(bad),
        other => Err((
            format!(
                "EC key on an unsupported or unnamed curve ({})",
                other
                    .map(|o| o.to_string())
                    .unwrap_or("no curve OID".into())
            ),
            "NetSuite accepts EC keys on P-256, P-384 and P-521: make one with `nskeys gen --alg es256`",
        )),
    }
}

/// The subjectPublicKey bits of a SubjectPublicKeyInfo (DER), for comparing keys whatever
/// the encoding of the algorithm parameters.
pub fn spki_key_bits(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    Some(spki.subject_public_key.raw_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_roundtrip_ec() {
        let k = PrivateKey::generate(Alg::Es384, 0).unwrap();
        let pem = k.to_pkcs8_pem().unwrap();
        let back = parse_private_key(pem.as_bytes(), "k.pem").unwrap();
        assert_eq!(back.format, KeyFormat::Pkcs8);
        assert_eq!(
            back.key.public_key_der().unwrap(),
            k.public_key_der().unwrap()
        );
    }

    #[test]
    fn rsa_2048_is_refused() {
        assert!(check_key_allowed(KeyKind::Rsa, 2048).is_err());
        assert!(check_key_allowed(KeyKind::Rsa, 3072).is_ok());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_private_key(b"\x30\x03\x02\x01", "x").is_err());
        assert!(parse_private_key(b"hello", "x").is_err());
    }
}
