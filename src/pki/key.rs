//! Keys: private keys nskeys generates and reads (PKCS#8, PKCS#1, SEC1; PEM or DER), their
//! PKCS#8 output and public half, the facts about a public key NetSuite cares about, and
//! why a private key cannot be used.

use crate::error::{Error, Result};
use crate::pki::alg::{Alg, KeyKind};
use crate::pki::oid::{self, ObjectIdentifier};
use der::Decode;
use rsa::traits::PublicKeyParts;
use spki::EncodePublicKey;
use std::fmt;
use zeroize::Zeroizing;

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

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({})", self.describe())
    }
}

/// How a private key was encoded.
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

    /// The format a PEM label names: `PRIVATE KEY` and `ENCRYPTED PRIVATE KEY` (PKCS#8),
    /// `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC1).
    pub fn of_label(label: &str) -> Option<KeyFormat> {
        match label {
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" => Some(KeyFormat::Pkcs8),
            "RSA PRIVATE KEY" => Some(KeyFormat::Pkcs1),
            "EC PRIVATE KEY" => Some(KeyFormat::Sec1),
            _ => None,
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
}

/// An algorithm that cannot sign with a key, and those that can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgMismatch {
    /// The algorithm asked for.
    pub alg: Alg,
    /// The key, described (`EC P-256`).
    pub key: String,
    /// The algorithms that fit the key.
    pub fits: Vec<Alg>,
}

impl fmt::Display for AlgMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fits: Vec<&str> = self.fits.iter().map(|a| a.jwt_name()).collect();
        write!(
            f,
            "{} cannot sign with a {} key; use --alg {}",
            self.alg,
            self.key,
            fits.join(" or ").to_lowercase()
        )
    }
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

    /// The facts about its public half.
    pub fn key_type(&self) -> KeyType {
        match self.kind() {
            KeyKind::Rsa => KeyType::Rsa { bits: self.bits() },
            kind => KeyType::Ec(kind),
        }
    }

    /// `RSA 4096`, `EC P-256`, ...
    pub fn describe(&self) -> String {
        self.key_type().describe()
    }

    /// Whether `alg` can sign with this key.
    pub fn check_alg(&self, alg: Alg) -> std::result::Result<(), AlgMismatch> {
        let kind = self.kind();
        if alg.key_kind() == kind {
            return Ok(());
        }
        Err(AlgMismatch {
            alg,
            key: self.describe(),
            fits: Alg::ALL
                .into_iter()
                .filter(|a| a.key_kind() == kind)
                .collect(),
        })
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

/// PBKDF2 iterations for keys nskeys encrypts (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;

impl PrivateKey {
    /// Encrypted PKCS#8 PEM (`BEGIN ENCRYPTED PRIVATE KEY`): PBES2 with PBKDF2-HMAC-SHA256
    /// ([`PBKDF2_ITERATIONS`]) and AES-256-CBC, as `openssl pkcs8 -topk8 -v2 aes-256-cbc`
    /// writes it and `openssl pkey -passin` reads it.
    pub fn to_encrypted_pkcs8_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<String>> {
        use pkcs8::EncodePrivateKey;
        use rand::Rng;
        let fail = |e: &dyn fmt::Display| {
            Error::unknown(format!("cannot encrypt private key: {e}"), "report this")
        };
        let plain = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_der(),
            PrivateKey::P256(k) => k.to_pkcs8_der(),
            PrivateKey::P384(k) => k.to_pkcs8_der(),
            PrivateKey::P521(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| fail(&e))?;
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        rand::rng().fill_bytes(&mut iv);
        let params = pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(
            PBKDF2_ITERATIONS,
            &salt,
            iv,
        )
        .map_err(|e| fail(&e))?;
        let info = pkcs8::PrivateKeyInfoRef::from_der(plain.as_bytes()).map_err(|e| fail(&e))?;
        let encrypted = info
            .encrypt_with_params(params, passphrase)
            .map_err(|e| fail(&e))?;
        encrypted
            .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
            .map_err(|e| fail(&e))
    }
}

/// Why an encrypted PKCS#8 key could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecryptProblem {
    /// The passphrase is wrong (or the file damaged: the two cannot be told apart).
    WrongPassphrase,
    /// An encryption scheme nskeys does not read (PBES1, DES, an unknown PRF): what it is.
    Unsupported(String),
    /// Not an EncryptedPrivateKeyInfo.
    Damaged(String),
}

impl DecryptProblem {
    /// The problem as an error (exit 3), never naming the passphrase.
    pub fn error(&self) -> Error {
        match self {
            DecryptProblem::WrongPassphrase => Error::unknown(
                "wrong passphrase for the encrypted private key",
                "check --passphrase-file or NS_KEY_PASSPHRASE (its first line is the passphrase)",
            ),
            DecryptProblem::Unsupported(what) => Error::unknown(
                format!("the private key is encrypted with a scheme nskeys does not read ({what})"),
                "re-encrypt it: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out private.pem",
            ),
            DecryptProblem::Damaged(what) => Error::unknown(
                format!("invalid encrypted PKCS#8 private key: {what}"),
                DAMAGED_HINT,
            ),
        }
    }
}

/// Decrypt an encrypted PKCS#8 key (PBES2: PBKDF2 with HMAC-SHA1/224/256/384/512 or scrypt;
/// AES-128/192/256 in CBC or GCM): the plain PKCS#8 DER.
pub fn decrypt_pkcs8(
    der: &[u8],
    passphrase: &[u8],
) -> std::result::Result<Zeroizing<Vec<u8>>, DecryptProblem> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der)
        .map_err(|e| DecryptProblem::Damaged(e.to_string()))?;
    match info.decrypt(passphrase) {
        Ok(doc) => Ok(Zeroizing::new(doc.as_bytes().to_vec())),
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm {
            oid,
        })) => Err(DecryptProblem::Unsupported(oid.to_string())),
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::NoPbes1CryptSupport)) => {
            Err(DecryptProblem::Unsupported("PBES1, a legacy scheme".into()))
        }
        Err(_) => Err(DecryptProblem::WrongPassphrase),
    }
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

impl KeyType {
    /// Read the key type from a SubjectPublicKeyInfo.
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoRef<'_>) -> KeyType {
        let alg = spki.algorithm.oid;
        let rsa_bits = || {
            pkcs1::RsaPublicKeyRef::from_der(spki.subject_public_key.raw_bytes())
                .map(|k| uint_bits(k.modulus.as_bytes()))
                .unwrap_or(0)
        };
        match alg {
            oid::RSA_ENCRYPTION => KeyType::Rsa { bits: rsa_bits() },
            oid::RSASSA_PSS => KeyType::RsaPss { bits: rsa_bits() },
            oid::EC_PUBLIC_KEY => match spki.algorithm.parameters_oid().ok() {
                Some(curve) => curve_key_type(&curve),
                None => KeyType::EcOther("explicit parameters".into()),
            },
            other => KeyType::Other(oid::key_algorithm_name(&other)),
        }
    }

    /// `RSA 4096`, `EC P-256`, `RSA 3072 (rsassaPss OID, PSS-only key)`, ...
    pub fn describe(&self) -> String {
        match self {
            KeyType::Rsa { bits } => format!("RSA {bits}"),
            KeyType::RsaPss { bits } => format!("RSA {bits} (rsassaPss OID, PSS-only key)"),
            KeyType::Ec(kind) => kind.name().to_string(),
            KeyType::EcOther(curve) => format!("EC on {curve}"),
            KeyType::Other(name) => name.clone(),
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

/// An EC key's type from its named curve.
fn curve_key_type(curve: &ObjectIdentifier) -> KeyType {
    match *curve {
        oid::SECP256R1 => KeyType::Ec(KeyKind::P256),
        oid::SECP384R1 => KeyType::Ec(KeyKind::P384),
        oid::SECP521R1 => KeyType::Ec(KeyKind::P521),
        _ => KeyType::EcOther(oid::curve_name(curve)),
    }
}

/// Why a private key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// Encrypted (PKCS#8 EncryptedPrivateKeyInfo, or OpenSSL's legacy PEM encryption).
    Encrypted,
    /// A PEM label that is no private key format nskeys reads (`OPENSSH PRIVATE KEY`, ...).
    UnsupportedLabel(String),
    /// The encoding is broken: the format, and what its parser said.
    Damaged {
        /// The format the bytes claim to be.
        format: KeyFormat,
        /// The parser's words.
        detail: String,
    },
    /// An EC key on a curve NetSuite does not take, or on an unnamed one.
    UnsupportedCurve {
        /// Where the curve was named.
        format: KeyFormat,
        /// The curve, if named.
        curve: Option<ObjectIdentifier>,
    },
    /// A key algorithm NetSuite does not take (rsassaPss, EdDSA, DSA, ...).
    UnsupportedAlgorithm(ObjectIdentifier),
}

const DECRYPT_HINT: &str = "give its passphrase with --passphrase-file FILE or NS_KEY_PASSPHRASE; a legacy encrypted key (Proc-Type: 4,ENCRYPTED) must first become PKCS#8: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out private.pem";
const DAMAGED_HINT: &str = "the key file is damaged; use the original";

impl KeyProblem {
    /// What is wrong, for a message.
    pub fn what(&self) -> String {
        match self {
            KeyProblem::Encrypted => "the private key is encrypted".into(),
            KeyProblem::UnsupportedLabel(label) => format!("unsupported key type {label:?}"),
            KeyProblem::Damaged { format, detail } => {
                let name = match format {
                    KeyFormat::Pkcs8 => "PKCS#8 private key",
                    KeyFormat::Pkcs1 => "PKCS#1 RSA private key",
                    KeyFormat::Sec1 => "SEC1 EC private key",
                };
                format!("invalid {name}: {detail}")
            }
            KeyProblem::UnsupportedCurve {
                format: KeyFormat::Sec1,
                curve,
            } => format!(
                "EC key on an unsupported or unnamed curve ({})",
                curve.map_or("no curve OID".into(), |c| c.to_string())
            ),
            KeyProblem::UnsupportedCurve { curve, .. } => format!(
                "EC key on an unsupported curve ({})",
                curve.map_or("unnamed".into(), |c| c.to_string())
            ),
            KeyProblem::UnsupportedAlgorithm(alg) => {
                let name = match *alg {
                    oid::RSASSA_PSS => "an RSASSA-PSS-only key (OID rsassaPss)",
                    oid::ED25519 | oid::ED448 => "an EdDSA key",
                    oid::DSA => "a DSA key",
                    _ => "a key of an unknown type",
                };
                format!("{name} ({alg}) is not supported")
            }
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            KeyProblem::Encrypted => DECRYPT_HINT,
            KeyProblem::UnsupportedLabel(_) => {
                "NetSuite accepts RSA 3072/4096 and EC P-256/P-384/P-521 keys"
            }
            KeyProblem::Damaged { .. } => DAMAGED_HINT,
            KeyProblem::UnsupportedCurve { .. } => {
                "NetSuite accepts EC keys on P-256, P-384 and P-521: make one with `nskeys gen --alg es256`"
            }
            KeyProblem::UnsupportedAlgorithm(_) => {
                "NetSuite accepts RSA (rsaEncryption) 3072/4096 and EC P-256/P-384/P-521 keys: make one with `nskeys gen`"
            }
        }
    }

    /// The problem as an error (exit 3).
    pub fn error(&self) -> Error {
        Error::unknown(self.what(), self.hint())
    }
}

/// Read a private key whose format is known (from its PEM label, or its DER structure).
pub fn parse_private_key(der: &[u8], format: KeyFormat) -> Result<PrivateKey, KeyProblem> {
    match format {
        KeyFormat::Pkcs8 => parse_pkcs8(der),
        KeyFormat::Pkcs1 => parse_pkcs1(der),
        KeyFormat::Sec1 => parse_sec1(der),
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<PrivateKey, KeyProblem> {
    use pkcs8::DecodePrivateKey;
    let damaged = |e: &dyn fmt::Display| KeyProblem::Damaged {
        format: KeyFormat::Pkcs8,
        detail: e.to_string(),
    };
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| damaged(&e))?;
    match info.algorithm.oid {
        oid::RSA_ENCRYPTION => Ok(PrivateKey::Rsa(Box::new(
            rsa::PrivateKey::from_pkcs8_der(der).map_err(|e| damaged(&e))?,
        ))),
        oid::EC_PUBLIC_KEY => {
            let curve = info.algorithm.parameters_oid().ok();
            match curve {
                Some(oid::SECP256R1) => p256::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P256)
                    .map_err(|e| damaged(&e)),
                Some(oid::SECP384R1) => p384::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P384)
                    .map_err(|e| damaged(&e)),
                Some(oid::SECP521R1) => p521::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P521)
                    .map_err(|e| damaged(&e)),
                curve => Err(KeyProblem::UnsupportedCurve {
                    format: KeyFormat::Pkcs8,
                    curve,
                }),
            }
        }
        other => Err(KeyProblem::UnsupportedAlgorithm(other)),
    }
}

fn parse_pkcs1(der: &[u8]) -> Result<PrivateKey, KeyProblem> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    rsa::PrivateKey::from_pkcs1_der(der)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| KeyProblem::Damaged {
            format: KeyFormat::Pkcs1,
            detail: e.to_string(),
        })
}

fn parse_sec1(der: &[u8]) -> Result<PrivateKey, KeyProblem> {
    let damaged = |e: &dyn fmt::Display| KeyProblem::Damaged {
        format: KeyFormat::Sec1,
        detail: e.to_string(),
    };
    let ec = sec1::EcPrivateKey::try_from(der).map_err(|e| damaged(&e))?;
    match ec.parameters.and_then(|p| p.named_curve()) {
        Some(oid::SECP256R1) => p256::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P256)
            .map_err(|e| damaged(&e)),
        Some(oid::SECP384R1) => p384::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P384)
            .map_err(|e| damaged(&e)),
        Some(oid::SECP521R1) => p521::SecretKey::from_sec1_der(der)
            .map(PrivateKey::P521)
            .map_err(|e| damaged(&e)),
        curve => Err(KeyProblem::UnsupportedCurve {
            format: KeyFormat::Sec1,
            curve,
        }),
    }
}

/// The type of a private key nskeys cannot use because of its type (rsassaPss OID, EdDSA,
/// another curve), read from its structure; `None` when it cannot be read.
pub fn unusable_key_type(der: &[u8], format: KeyFormat) -> Option<KeyType> {
    match format {
        KeyFormat::Pkcs8 => {
            let info = pkcs8::PrivateKeyInfoRef::from_der(der).ok()?;
            let alg = info.algorithm.oid;
            if alg == oid::RSASSA_PSS {
                let inner = pkcs1::RsaPrivateKeyRef::from_der(info.private_key.as_bytes()).ok()?;
                return Some(KeyType::RsaPss {
                    bits: uint_bits(inner.modulus.as_bytes()),
                });
            }
            if let Ok(curve) = info.algorithm.parameters_oid() {
                return Some(KeyType::EcOther(oid::curve_name(&curve)));
            }
            Some(KeyType::Other(oid::key_algorithm_name(&alg)))
        }
        KeyFormat::Sec1 => {
            let ec = sec1::EcPrivateKey::try_from(der).ok()?;
            let curve = ec.parameters.and_then(|p| p.named_curve());
            Some(KeyType::EcOther(
                curve.map_or("an unnamed curve".into(), |c| oid::curve_name(&c)),
            ))
        }
        KeyFormat::Pkcs1 => None,
    }
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

/// The subjectPublicKey bits of a SubjectPublicKeyInfo (DER), for comparing keys whatever
/// the encoding of the algorithm parameters.
pub fn spki_key_bits(spki_der: &[u8]) -> Option<Vec<u8>> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    Some(spki.subject_public_key.raw_bytes().to_vec())
}

/// Bits of a big-endian unsigned integer.
pub fn uint_bits(bytes: &[u8]) -> usize {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    match bytes[start..].first() {
        Some(first) => (bytes.len() - start) * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs8_roundtrip_ec() {
        let k = PrivateKey::generate(Alg::Es384, 0).unwrap();
        let pem = k.to_pkcs8_pem().unwrap();
        let blocks = crate::pki::pem::pem_blocks(pem.as_bytes()).unwrap();
        let back = parse_private_key(&blocks[0].der, KeyFormat::Pkcs8).unwrap();
        assert_eq!(back.public_key_der().unwrap(), k.public_key_der().unwrap());
    }

    /// AES-GCM, which openssl 3.0 cannot write into PKCS#8 ("AEAD ciphers not supported"):
    /// a key encrypted with PBES2 scrypt + AES-128/256-GCM is decrypted; a wrong passphrase
    /// (a failed tag) is the wrong-passphrase problem, never a panic.
    #[test]
    fn gcm_encrypted_keys_are_decrypted() {
        use pkcs8::EncodePrivateKey;
        use pkcs8::pkcs5::{pbes2::Parameters, scrypt};
        let k = PrivateKey::generate(Alg::Es256, 0).unwrap();
        let PrivateKey::P256(secret) = &k else {
            unreachable!()
        };
        let plain = secret.to_pkcs8_der().unwrap();
        let info = pkcs8::PrivateKeyInfoRef::from_der(plain.as_bytes()).unwrap();
        let params = scrypt::Params::new(10, 8, 1).unwrap();
        for scheme in [
            Parameters::scrypt_aes128gcm(params, b"salt-salt-salt-1", [7; 12]).unwrap(),
            Parameters::scrypt_aes256gcm(params, b"salt-salt-salt-2", [9; 12]).unwrap(),
        ] {
            let encrypted = info.encrypt_with_params(scheme, b"pass phrase").unwrap();
            let der = decrypt_pkcs8(encrypted.as_bytes(), b"pass phrase").unwrap();
            let back = parse_private_key(&der, KeyFormat::Pkcs8).unwrap();
            assert_eq!(back.public_key_der().unwrap(), k.public_key_der().unwrap());
            assert_eq!(
                decrypt_pkcs8(encrypted.as_bytes(), b"wrong"),
                Err(DecryptProblem::WrongPassphrase)
            );
        }
    }

    #[test]
    fn encrypted_pem_round_trips() {
        let k = PrivateKey::generate(Alg::Es384, 0).unwrap();
        let pem = k.to_encrypted_pkcs8_pem(b"pw").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
        let blocks = crate::pki::pem::pem_blocks(pem.as_bytes()).unwrap();
        assert!(is_encrypted_pkcs8_der(&blocks[0].der));
        let der = decrypt_pkcs8(&blocks[0].der, b"pw").unwrap();
        let back = parse_private_key(&der, KeyFormat::Pkcs8).unwrap();
        assert_eq!(back.public_key_der().unwrap(), k.public_key_der().unwrap());
        assert_eq!(
            decrypt_pkcs8(&blocks[0].der, b"pW"),
            Err(DecryptProblem::WrongPassphrase)
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for format in [KeyFormat::Pkcs8, KeyFormat::Pkcs1, KeyFormat::Sec1] {
            assert!(parse_private_key(b"\x30\x03\x02\x01", format).is_err());
            assert!(parse_private_key(b"hello", format).is_err());
        }
    }

    #[test]
    fn uint_bits_ignores_leading_zeros() {
        assert_eq!(uint_bits(&[0, 0, 1]), 1);
        assert_eq!(uint_bits(&[0x80, 0]), 16);
        assert_eq!(uint_bits(&[]), 0);
    }
}
