//! The one parse step of the one reader: bytes (PEM or DER) become the objects they hold,
//! in file order, each a certificate, a private key (usable, encrypted, unusable), a public
//! key or another PEM block. [`Contents::certificates`] and [`Contents::private_key`] then
//! pick what a command wants, or say in a typed reason what the file holds instead; the
//! commands turn reasons into messages whose advice fits the option the file came from.

use crate::error::Error;
use crate::pki::facts::{CertFacts, CertProblem};
use crate::pki::foreign::{self, Foreign};
use crate::pki::key::{self, KeyFormat, KeyProblem, KeyType, LoadedKey};
use crate::pki::pem::{PemError, looks_like_pem, pem_blocks};
use der::Decode;

/// How a file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Encoding {
    /// PEM text.
    #[serde(rename = "PEM")]
    Pem,
    /// Binary DER.
    #[serde(rename = "DER")]
    Der,
}

/// One object found in a file.
#[derive(Debug, Clone)]
pub enum Object {
    /// An X.509 certificate.
    Certificate(Box<CertFacts>),
    /// A block or file meant as a certificate that cannot be read as one.
    BadCertificate(CertProblem),
    /// A private key nskeys can use.
    PrivateKey(LoadedKey),
    /// An encrypted private key; its type cannot be seen (legacy PEM encryption shows it).
    EncryptedKey {
        /// PKCS#8 for `ENCRYPTED PRIVATE KEY`, else the legacy block's format.
        format: KeyFormat,
    },
    /// A private key nskeys cannot use: why, and its type when that can be read.
    UnusableKey {
        /// Its format.
        format: KeyFormat,
        /// Its type, when only the type stands in the way (rsassaPss, EdDSA, another curve).
        key_type: Option<KeyType>,
        /// Why it cannot be used.
        problem: KeyProblem,
    },
    /// A bare public key (SubjectPublicKeyInfo).
    PublicKey {
        /// Its type.
        key_type: KeyType,
        /// Its DER.
        spki_der: Vec<u8>,
    },
    /// A `PUBLIC KEY` block that is not a valid public key.
    BadPublicKey,
    /// A block of a format nskeys recognises but does not read (PKCS#7, a CSR, OpenSSH).
    Foreign(Foreign),
    /// A PEM block of another label (`EC PARAMETERS`, `OPENSSH PRIVATE KEY`, ...).
    Other {
        /// The label.
        label: String,
        /// It carried legacy OpenSSL encryption headers.
        legacy_encrypted: bool,
    },
}

impl Object {
    /// A certificate, readable or not.
    fn is_certificate(&self) -> bool {
        matches!(self, Object::Certificate(_) | Object::BadCertificate(_))
    }

    /// A private key of any kind, including PEM labels nskeys does not read
    /// (`OPENSSH PRIVATE KEY`).
    pub fn is_private_key(&self) -> bool {
        match self {
            Object::PrivateKey(_) | Object::EncryptedKey { .. } | Object::UnusableKey { .. } => {
                true
            }
            Object::Other { label, .. } => label.contains("PRIVATE KEY"),
            Object::Foreign(f) => f.may_hold_private_key(),
            _ => false,
        }
    }

    /// Key material or key parameters: what sits beside certificates in a key directory.
    fn is_key_material(&self) -> bool {
        match self {
            Object::PublicKey { .. } | Object::BadPublicKey => true,
            Object::Other { label, .. } => label.ends_with("KEY") || label == "EC PARAMETERS",
            Object::Foreign(f) => f.is_key(),
            other => other.is_private_key(),
        }
    }
}

/// An object and where it was.
#[derive(Debug, Clone)]
pub struct Found {
    /// Its PEM block number, from 1 (1 for a DER file).
    pub block: usize,
    /// Its PEM label (`None` for DER).
    pub label: Option<String>,
    /// The object.
    pub object: Object,
}

/// Everything in a file.
#[derive(Debug, Clone)]
pub struct Contents {
    /// PEM or DER.
    pub encoding: Encoding,
    /// The objects, in file order.
    pub found: Vec<Found>,
}

/// Why bytes cannot be split into objects at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// PEM text whose structure is broken.
    Pem(PemError),
    /// Neither PEM text nor DER (DER starts with a SEQUENCE): what the certificate parser
    /// said of it.
    NotPemOrDer(CertProblem),
    /// DER that is no certificate or key: what the certificate parser said of it.
    UnknownDer(CertProblem),
    /// A format nskeys recognises but does not read (PKCS#12, an SSH key, a JWK, ...).
    Foreign(Foreign),
}

/// Why a file gives no certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotCertificates {
    /// The file cannot be split into objects.
    Unreadable(Unreadable),
    /// A certificate that cannot be read: its place among the file's certificates (from 1),
    /// its PEM block number and label (for DER: 1 and none), and why.
    BadCertificate {
        /// Its place among the certificates, from 1.
        index: usize,
        /// Its PEM block number, from 1.
        block: usize,
        /// Its PEM label.
        label: Option<String>,
        /// Why it cannot be read.
        problem: CertProblem,
    },
    /// A private key (and no certificate).
    PrivateKey,
    /// A bare public key (and no certificate).
    BarePublicKey,
    /// PEM blocks, none of them a certificate or key: their labels.
    NoCertificate {
        /// The labels found.
        labels: Vec<String>,
    },
    /// A block of a format nskeys does not read (PKCS#7, a CSR, an OpenSSH key), and no
    /// certificate.
    Foreign(Foreign),
}

/// Why a file gives no private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotKey {
    /// The file cannot be split into objects.
    Unreadable(Unreadable),
    /// Its private key cannot be used.
    Unusable(KeyProblem),
    /// A DER certificate.
    Certificate,
    /// DER that is something else (a public key).
    NotAKey,
    /// A format nskeys recognises but does not read, where the key was looked for.
    Foreign(Foreign),
    /// PEM without a private key block: the labels found, and whether a certificate is
    /// among them.
    NoKey {
        /// The labels found.
        labels: Vec<String>,
        /// A certificate is among them.
        certificate: bool,
    },
}

/// What a file was given as: what it should hold, and so which advice fits when it holds
/// something else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `--key`: the private key that signs the client assertion.
    Key,
    /// `--cert`: the certificate uploaded to NetSuite, checked against the key.
    Cert,
    /// `--ca-cert`: CA certificates (PEM) to trust for the token endpoint's TLS.
    CaCert,
    /// A certificate path given to `expiry`.
    ExpiryPath,
    /// A path given to `inspect`: certificates or keys.
    InspectPath,
    /// `inspect --key`: the key checked against each certificate.
    InspectKey,
}

impl Role {
    /// Whether the option takes a private key (else certificates).
    pub fn wants_key(self) -> bool {
        matches!(self, Role::Key | Role::InspectKey)
    }

    /// The option (or the command, for its paths), as the user gave it.
    pub fn option(self) -> &'static str {
        match self {
            Role::Key => "--key",
            Role::Cert => "--cert",
            Role::CaCert => "--ca-cert",
            Role::ExpiryPath => "expiry",
            Role::InspectPath => "inspect",
            Role::InspectKey => "inspect --key",
        }
    }

    /// What to give instead of the wrong file.
    fn give(self) -> &'static str {
        match self {
            Role::Key | Role::InspectKey => {
                "give the private key made with the certificate (private.pem, BEGIN PRIVATE KEY)"
            }
            Role::Cert => {
                "give the certificate uploaded to NetSuite (public.pem, BEGIN CERTIFICATE)"
            }
            Role::CaCert => {
                "--ca-cert takes the CA certificates (PEM, BEGIN CERTIFICATE) that issued the token endpoint's TLS certificate, e.g. your proxy's root CA"
            }
            Role::ExpiryPath => "give a certificate file (PEM or DER), such as public.pem",
            Role::InspectPath => "give a PEM or DER certificate or private key",
        }
    }

    /// The advice for a foreign format found where this role's object was wanted.
    pub fn foreign_advice(self, f: Foreign, name: &str) -> String {
        match self {
            Role::Key | Role::InspectKey => f.key_advice(name),
            Role::CaCert => match f {
                Foreign::Pkcs12 | Foreign::Pkcs7 => f.certificate_advice(name),
                _ => self.give().to_string(),
            },
            Role::Cert | Role::ExpiryPath => f.certificate_advice(name),
            Role::InspectPath if f.may_hold_private_key() && f != Foreign::Pkcs12 => {
                f.key_advice(name)
            }
            Role::InspectPath => f.certificate_advice(name),
        }
    }
}

/// The error for a foreign format where `role`'s object was wanted, naming the file.
pub fn foreign_error(f: Foreign, role: Role, name: &str) -> Error {
    let takes = match role {
        Role::Key | Role::InspectKey => "a PEM or DER private key",
        Role::CaCert => "PEM X.509 certificates",
        Role::InspectPath => "PEM or DER X.509 certificates and private keys",
        Role::Cert | Role::ExpiryPath => "PEM or DER X.509 certificates",
    };
    let what = format!("this is {}; {} takes {takes}", f.what(), role.option());
    Error::unknown(what, role.foreign_advice(f, name)).at(name)
}

const DAMAGED: &str = "the file is damaged: use the original";

impl Unreadable {
    /// What is wrong, and the advice for `role`, naming the file.
    pub fn error(&self, role: Role, name: &str) -> Error {
        let damaged = if role.wants_key() {
            "the key file is damaged; use the original"
        } else {
            DAMAGED
        };
        match self {
            Unreadable::Foreign(f) => foreign_error(*f, role, name),
            Unreadable::Pem(e) => Error::unknown(e.to_string(), damaged).at(name),
            Unreadable::NotPemOrDer(_) if role.wants_key() => Error::unknown(
                "not a private key (expected PEM, or DER in PKCS#8, PKCS#1 or SEC1)",
                role.give(),
            )
            .at(name),
            Unreadable::NotPemOrDer(_) => Error::unknown(
                "neither a PEM nor a DER certificate (no BEGIN CERTIFICATE line)",
                role.give(),
            )
            .at(name),
            Unreadable::UnknownDer(_) if role.wants_key() => Error::unknown(
                "not a private key (expected PEM, or DER in PKCS#8, PKCS#1 or SEC1)",
                role.give(),
            )
            .at(name),
            Unreadable::UnknownDer(problem) => {
                Error::unknown(problem.to_string(), DAMAGED).at(name)
            }
        }
    }
}

impl NotCertificates {
    /// The reason as an error (exit 3) with the advice for `role`, naming the file.
    pub fn error(&self, role: Role, name: &str) -> Error {
        match self {
            NotCertificates::Unreadable(u) => u.error(role, name),
            NotCertificates::Foreign(f) => foreign_error(*f, role, name),
            NotCertificates::BadCertificate { index, problem, .. } => {
                Error::unknown(format!("certificate #{index}: {problem}"), DAMAGED).at(name)
            }
            NotCertificates::PrivateKey => Error::unknown(
                match role {
                    Role::Cert | Role::CaCert => format!(
                        "a private key, not a certificate; {} takes certificates",
                        role.option()
                    ),
                    _ => "a private key, not a certificate".to_string(),
                },
                match role {
                    Role::Cert | Role::ExpiryPath => {
                        "give the certificate (public.pem), not the private key"
                    }
                    other => other.give(),
                },
            )
            .at(name),
            NotCertificates::BarePublicKey => Error::unknown(
                "a bare public key, not a certificate",
                match role {
                    Role::CaCert => role.give(),
                    _ => "NetSuite needs a certificate, not a bare public key: make one with `nskeys gen`",
                },
            )
            .at(name),
            NotCertificates::NoCertificate { labels } => Error::unknown(
                format!("no certificate in the file (found: {})", labels.join(", ")),
                role.give(),
            )
            .at(name),
        }
    }
}

impl NotKey {
    /// The reason as an error (exit 3) with the advice for `role`, naming the file.
    pub fn error(&self, role: Role, name: &str) -> Error {
        match self {
            NotKey::Unreadable(u) => u.error(role, name),
            NotKey::Foreign(f) => foreign_error(*f, role, name),
            NotKey::NotAKey => Error::unknown(
                "not a private key (expected PEM, or DER in PKCS#8, PKCS#1 or SEC1)",
                role.give(),
            )
            .at(name),
            NotKey::Unusable(problem) => problem.error().at(name),
            NotKey::Certificate => Error::unknown(
                format!(
                    "this is a certificate, not a private key; {} takes the private key",
                    role.option()
                ),
                "give the private key (private.pem)",
            )
            .at(name),
            NotKey::NoKey {
                labels,
                certificate,
            } => Error::unknown(
                format!(
                    "no private key in the file (found: {}); {} takes the private key",
                    labels.join(", "),
                    role.option()
                ),
                if *certificate {
                    "this is a certificate; give the private key made with it (private.pem)"
                } else {
                    "give a PEM private key (BEGIN PRIVATE KEY)"
                },
            )
            .at(name),
        }
    }
}

/// Split a file into the objects it holds. PEM: one object per block, text around blocks
/// ignored. DER: the one object it is.
pub fn classify(data: &[u8]) -> Result<Contents, Unreadable> {
    if looks_like_pem(data) {
        let blocks = pem_blocks(data).map_err(Unreadable::Pem)?;
        let found = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| Found {
                block: i + 1,
                label: Some(b.label.clone()),
                object: pem_object(&b.label, &b.der, b.legacy_encrypted),
            })
            .collect();
        return Ok(Contents {
            encoding: Encoding::Pem,
            found,
        });
    }
    let object = match der_object(data) {
        Ok(object) => object,
        Err(unreadable) => {
            return Err(foreign::of_bytes(data).map_or(unreadable, Unreadable::Foreign));
        }
    };
    Ok(Contents {
        encoding: Encoding::Der,
        found: vec![Found {
            block: 1,
            label: None,
            object,
        }],
    })
}

/// Whether a PEM label is a certificate.
fn is_certificate_label(label: &str) -> bool {
    label == "CERTIFICATE" || label == "X509 CERTIFICATE"
}

fn pem_object(label: &str, der: &[u8], legacy_encrypted: bool) -> Object {
    if is_certificate_label(label) {
        return match CertFacts::from_der(der) {
            Ok(facts) => Object::Certificate(Box::new(facts)),
            Err(problem) => Object::BadCertificate(problem),
        };
    }
    if label == "PUBLIC KEY" {
        return spki_object(der).unwrap_or(Object::BadPublicKey);
    }
    if let Some(f) = foreign::of_pem_label(label) {
        return Object::Foreign(f);
    }
    match KeyFormat::of_label(label) {
        Some(format) if legacy_encrypted || label == "ENCRYPTED PRIVATE KEY" => {
            Object::EncryptedKey { format }
        }
        Some(format) => key_object(der, format),
        None => Object::Other {
            label: label.to_string(),
            legacy_encrypted,
        },
    }
}

/// A private key of a known format: usable, or unusable with its type when that is all
/// that stands in the way.
fn key_object(der: &[u8], format: KeyFormat) -> Object {
    match key::parse_private_key(der, format) {
        Ok(key) => Object::PrivateKey(LoadedKey { key, format }),
        Err(problem) => {
            let key_type = match problem {
                KeyProblem::UnsupportedAlgorithm(_) | KeyProblem::UnsupportedCurve { .. } => {
                    key::unusable_key_type(der, format)
                }
                _ => None,
            };
            Object::UnusableKey {
                format,
                key_type,
                problem,
            }
        }
    }
}

fn spki_object(der: &[u8]) -> Option<Object> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(der).ok()?;
    Some(Object::PublicKey {
        key_type: KeyType::from_spki(&spki),
        spki_der: der.to_vec(),
    })
}

/// What a DER file is, tried in turn: a certificate, a private key (PKCS#8, PKCS#1, SEC1,
/// encrypted PKCS#8), a public key.
fn der_object(der: &[u8]) -> Result<Object, Unreadable> {
    let cert_problem = match CertFacts::from_der(der) {
        Ok(facts) => return Ok(Object::Certificate(Box::new(facts))),
        Err(problem) => problem,
    };
    if pkcs8::PrivateKeyInfoRef::from_der(der).is_ok() {
        return Ok(key_object(der, KeyFormat::Pkcs8));
    }
    if pkcs1::RsaPrivateKeyRef::from_der(der).is_ok() {
        return Ok(key_object(der, KeyFormat::Pkcs1));
    }
    if sec1::EcPrivateKey::try_from(der).is_ok() {
        return Ok(key_object(der, KeyFormat::Sec1));
    }
    if key::is_encrypted_pkcs8_der(der) {
        return Ok(Object::EncryptedKey {
            format: KeyFormat::Pkcs8,
        });
    }
    if let Some(public) = spki_object(der) {
        return Ok(public);
    }
    Err(if der.first() == Some(&0x30) {
        Unreadable::UnknownDer(cert_problem)
    } else {
        Unreadable::NotPemOrDer(cert_problem)
    })
}

impl Contents {
    /// The labels of the PEM blocks, in order.
    pub fn labels(&self) -> Vec<String> {
        self.found.iter().filter_map(|f| f.label.clone()).collect()
    }

    /// Every certificate, in order. Other objects are ignored when there is a certificate
    /// (keys in a combined file); a certificate that cannot be read is an error.
    pub fn certificates(self) -> Result<Vec<CertFacts>, NotCertificates> {
        let mut certs = Vec::new();
        let labels = self.labels();
        let mut private = false;
        let mut public = false;
        let mut foreign = None;
        for (i, found) in self
            .found
            .into_iter()
            .filter(|f| {
                private |= f.object.is_private_key();
                public |= matches!(f.object, Object::PublicKey { .. } | Object::BadPublicKey);
                if let Object::Foreign(kind) = f.object {
                    foreign.get_or_insert(kind);
                }
                f.object.is_certificate()
            })
            .enumerate()
        {
            match found.object {
                Object::Certificate(facts) => certs.push(*facts),
                Object::BadCertificate(problem) => {
                    return Err(NotCertificates::BadCertificate {
                        index: i + 1,
                        block: found.block,
                        label: found.label,
                        problem,
                    });
                }
                _ => {}
            }
        }
        if !certs.is_empty() {
            Ok(certs)
        } else if let Some(kind) = foreign {
            Err(NotCertificates::Foreign(kind))
        } else if private {
            Err(NotCertificates::PrivateKey)
        } else if public {
            Err(NotCertificates::BarePublicKey)
        } else {
            Err(NotCertificates::NoCertificate { labels })
        }
    }

    /// The first private key. PEM: the first block that is a private key of any kind decides
    /// (a certificate beside it is ignored).
    pub fn private_key(self) -> Result<LoadedKey, NotKey> {
        let labels = self.labels();
        let encoding = self.encoding;
        let certificate = self.found.iter().any(|f| f.object.is_certificate());
        let foreign = self.found.iter().find_map(|f| match f.object {
            Object::Foreign(kind) => Some(kind),
            _ => None,
        });
        let Some(found) = self.found.into_iter().find(|f| f.object.is_private_key()) else {
            return Err(match (encoding, foreign) {
                (_, Some(kind)) if !certificate => NotKey::Foreign(kind),
                (Encoding::Pem, _) => NotKey::NoKey {
                    labels,
                    certificate,
                },
                (Encoding::Der, _) if certificate => NotKey::Certificate,
                (Encoding::Der, _) => NotKey::NotAKey,
            });
        };
        match found.object {
            Object::PrivateKey(loaded) => Ok(loaded),
            Object::EncryptedKey { .. } => Err(NotKey::Unusable(KeyProblem::Encrypted)),
            Object::UnusableKey { problem, .. } => Err(NotKey::Unusable(problem)),
            Object::Other {
                legacy_encrypted: true,
                ..
            } => Err(NotKey::Unusable(KeyProblem::Encrypted)),
            Object::Other { label, .. } => {
                Err(NotKey::Unusable(KeyProblem::UnsupportedLabel(label)))
            }
            Object::Foreign(kind) => Err(NotKey::Foreign(kind)),
            _ => Err(NotKey::NotAKey),
        }
    }

    /// Whether the file holds key material only (no certificate): a key file beside the
    /// certificates in a directory.
    pub fn holds_only_keys(&self) -> bool {
        !self.found.is_empty() && self.found.iter().all(|f| f.object.is_key_material())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::key::PrivateKey;
    use crate::pki::pem::to_pem;

    #[test]
    fn garbage_and_deep_nesting_are_errors_not_panics() {
        let mut deep = Vec::new();
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0x30, 0x80]);
        }
        assert!(classify(&deep).is_err());
        assert!(classify(b"\x30\x03\x02\x01").is_err());
        assert!(matches!(
            classify(b"hello").unwrap_err(),
            Unreadable::NotPemOrDer(_)
        ));
    }

    #[test]
    fn a_key_where_a_certificate_belongs_says_so() {
        let key = PrivateKey::generate(crate::pki::alg::Alg::Es256, 0).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let contents = classify(pem.as_bytes()).unwrap();
        assert!(contents.holds_only_keys());
        assert_eq!(
            contents.clone().certificates().unwrap_err(),
            NotCertificates::PrivateKey
        );
        assert!(contents.private_key().is_ok());
        let public = to_pem("PUBLIC KEY", &key.public_key_der().unwrap()).unwrap();
        assert_eq!(
            classify(public.as_bytes())
                .unwrap()
                .certificates()
                .unwrap_err(),
            NotCertificates::BarePublicKey
        );
    }

    #[test]
    fn both_certificate_labels_are_certificates() {
        let key = PrivateKey::generate(crate::pki::alg::Alg::Es256, 0).unwrap();
        let name = crate::pki::cert::parse_subject("CN=t").unwrap();
        let der = crate::pki::cert::self_signed(
            &key,
            crate::pki::alg::Alg::Es256,
            &name,
            crate::time::now(),
            1,
        )
        .unwrap();
        for label in ["CERTIFICATE", "X509 CERTIFICATE"] {
            let pem = to_pem(label, &der).unwrap();
            let certs = classify(pem.as_bytes()).unwrap().certificates().unwrap();
            assert_eq!(certs.len(), 1, "{label}");
        }
        // A damaged second certificate is an error naming it.
        let two = format!(
            "{}{}",
            to_pem("CERTIFICATE", &der).unwrap(),
            to_pem("CERTIFICATE", b"\x30\x03\x02\x01\x01").unwrap()
        );
        let err = classify(two.as_bytes())
            .unwrap()
            .certificates()
            .unwrap_err();
        assert!(matches!(
            err,
            NotCertificates::BadCertificate {
                index: 2,
                block: 2,
                ..
            }
        ));
    }
}
