//! Files people give nskeys that hold keys or certificates in a form it does not read: a
//! PKCS#12 bundle, a PKCS#7 certificate chain, a certificate request, an OpenSSH private or
//! public key, a PuTTY key, a JWK. Recognised by their structure (DER shape, PEM label, text
//! form), not by file name, so that a message can say what the file is and how to get a PEM
//! certificate or key out of it, instead of calling it damaged.

use der::asn1::{AnyRef, ObjectIdentifier};
use der::{Decode, Tag, Tagged};

/// A format nskeys recognises but does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Foreign {
    /// PKCS#12 (`.p12`, `.pfx`): certificates and a private key, usually encrypted.
    Pkcs12,
    /// PKCS#7 / CMS SignedData (`.p7b`, `.p7c`, `BEGIN PKCS7`): a certificate chain.
    Pkcs7,
    /// A PKCS#10 certificate signing request (`BEGIN CERTIFICATE REQUEST`).
    Csr,
    /// An OpenSSH private key (`BEGIN OPENSSH PRIVATE KEY`).
    OpenSshPrivateKey,
    /// An OpenSSH public key line (`ssh-rsa AAAA...`) or an RFC 4716 SSH2 public key.
    SshPublicKey,
    /// A PuTTY private key (`.ppk`).
    PuttyKey,
    /// A JSON Web Key (or key set); `private` when it holds a private part (`d`).
    Jwk {
        /// It holds a private key.
        private: bool,
    },
}

/// pkcs-7 data and signedData.
const PKCS7_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const PKCS7_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");

impl Foreign {
    /// What the file is, in a few words.
    pub fn what(self) -> &'static str {
        match self {
            Foreign::Pkcs12 => "a PKCS#12 bundle (.p12/.pfx)",
            Foreign::Pkcs7 => "a PKCS#7 certificate bundle (.p7b)",
            Foreign::Csr => "a certificate signing request (CSR), not a certificate",
            Foreign::OpenSshPrivateKey => "an OpenSSH private key",
            Foreign::SshPublicKey => "an SSH public key",
            Foreign::PuttyKey => "a PuTTY private key (.ppk)",
            Foreign::Jwk { private: true } => "a JSON Web Key (JWK) with a private key",
            Foreign::Jwk { private: false } => "a JSON Web Key (JWK), a public key",
        }
    }

    /// Whether the format holds keys only (no certificate): in a directory of certificates
    /// it is skipped like a key file.
    pub fn is_key(self) -> bool {
        matches!(
            self,
            Foreign::OpenSshPrivateKey
                | Foreign::SshPublicKey
                | Foreign::PuttyKey
                | Foreign::Jwk { .. }
        )
    }

    /// Whether the format can hold a private key (so it stands where a key is looked for).
    pub fn may_hold_private_key(self) -> bool {
        matches!(
            self,
            Foreign::Pkcs12
                | Foreign::OpenSshPrivateKey
                | Foreign::PuttyKey
                | Foreign::Jwk { private: true }
        )
    }

    /// How to get a PEM certificate out of the file `name` (for an option that takes a
    /// certificate).
    pub fn certificate_advice(self, name: &str) -> String {
        let name = shell_word(name);
        match self {
            Foreign::Pkcs12 => format!(
                "extract the certificate as PEM: openssl pkcs12 -in {name} -nokeys -out public.pem (and the key: openssl pkcs12 -in {name} -nocerts -nodes -out private.pem; OpenSSL 3 with an old file: add -legacy)"
            ),
            Foreign::Pkcs7 => format!(
                "extract the certificates as PEM: openssl pkcs7 -print_certs -in {name} -out public.pem (add -inform DER for a binary file)"
            ),
            Foreign::Csr => "a request is not what NetSuite takes: make a key and a self-signed certificate with `nskeys gen` (or sign this request with its key: openssl x509 -req -in REQUEST -key private.pem -days 730 -out public.pem)".replace("REQUEST", &name),
            Foreign::OpenSshPrivateKey | Foreign::SshPublicKey | Foreign::PuttyKey => {
                "NetSuite needs an X.509 certificate, not an SSH key: make a key and certificate with `nskeys gen`".to_string()
            }
            Foreign::Jwk { .. } => "NetSuite needs an X.509 certificate, not a JWK: if the JWK has an x5c member, its first entry is the certificate (base64 DER); else make a key and certificate with `nskeys gen`".to_string(),
        }
    }

    /// How to get a PEM private key out of the file `name` (for an option that takes a key).
    pub fn key_advice(self, name: &str) -> String {
        let name = shell_word(name);
        match self {
            Foreign::Pkcs12 => format!(
                "extract the private key as PEM: openssl pkcs12 -in {name} -nocerts -nodes -out private.pem (OpenSSL 3 with an old file: add -legacy)"
            ),
            Foreign::Pkcs7 => {
                "a PKCS#7 bundle holds certificates only: give the private key made with the certificate".to_string()
            }
            Foreign::Csr => {
                "a request holds no private key: give the private key it was made with".to_string()
            }
            Foreign::OpenSshPrivateKey => format!(
                "convert a copy to PKCS#8 PEM: cp {name} private.pem && chmod 600 private.pem && ssh-keygen -p -N '' -m PKCS8 -f private.pem (RSA 3072/4096 or ECDSA keys; NetSuite takes no Ed25519)"
            ),
            Foreign::SshPublicKey => {
                "this is a public key: give the private key (PEM, BEGIN PRIVATE KEY)".to_string()
            }
            Foreign::PuttyKey => format!(
                "convert it to PEM: puttygen {name} -O private-openssh -o private.pem"
            ),
            Foreign::Jwk { private: true } => "export the key as PKCS#8 PEM (BEGIN PRIVATE KEY) with the tool that made it, e.g. Python's jwcrypto: JWK.from_json(text).export_to_pem(private_key=True, password=None)".to_string(),
            Foreign::Jwk { private: false } => {
                "this JWK holds no private part (d): give the private key (PEM, BEGIN PRIVATE KEY)".to_string()
            }
        }
    }
}

/// A file name as it can be pasted into a shell command.
fn shell_word(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@%:,".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

/// A PEM label of a foreign format.
pub fn of_pem_label(label: &str) -> Option<Foreign> {
    Some(match label {
        "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS" => Foreign::Pkcs7,
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Foreign::Csr,
        "OPENSSH PRIVATE KEY" => Foreign::OpenSshPrivateKey,
        "PKCS12" => Foreign::Pkcs12,
        _ => return None,
    })
}

/// A whole file that is not PEM: a foreign format, by structure.
pub fn of_bytes(data: &[u8]) -> Option<Foreign> {
    of_text(data).or_else(|| of_der(data))
}

/// Text forms: SSH public keys, PuTTY keys, JWKs.
fn of_text(data: &[u8]) -> Option<Foreign> {
    let text = std::str::from_utf8(data)
        .ok()?
        .trim_start_matches('\u{feff}')
        .trim();
    if text.starts_with("---- BEGIN SSH2 PUBLIC KEY ----") {
        return Some(Foreign::SshPublicKey);
    }
    if text.starts_with("PuTTY-User-Key-File-") {
        return Some(Foreign::PuttyKey);
    }
    if text.starts_with('{') {
        return of_json(text);
    }
    // One or more authorized_keys lines: `[options] TYPE BASE64 [comment]`.
    let first = text.lines().next()?;
    let ssh_type = |w: &str| {
        ["ssh-rsa", "ssh-dss", "ssh-ed25519", "ssh-ed448"].contains(&w)
            || w.starts_with("ecdsa-sha2-")
            || w.starts_with("sk-ssh-")
            || w.starts_with("sk-ecdsa-")
    };
    let words: Vec<&str> = first.split_whitespace().collect();
    words
        .windows(2)
        .any(|w| ssh_type(w[0]) && w[1].starts_with("AAAA"))
        .then_some(Foreign::SshPublicKey)
}

/// A JWK (`{"kty": ...}`) or a JWK set (`{"keys": [{"kty": ...}]}`).
fn of_json(text: &str) -> Option<Foreign> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let is_jwk = |v: &serde_json::Value| v.get("kty").is_some_and(serde_json::Value::is_string);
    let keys: Vec<&serde_json::Value> = if is_jwk(&value) {
        vec![&value]
    } else {
        value
            .get("keys")?
            .as_array()?
            .iter()
            .filter(|k| is_jwk(k))
            .collect()
    };
    if keys.is_empty() {
        return None;
    }
    let private = keys.iter().any(|k| k.get("d").is_some());
    Some(Foreign::Jwk { private })
}

/// DER (or BER, as some PKCS#12 and PKCS#7 writers use) shapes: PKCS#12 PFX, PKCS#7
/// ContentInfo with SignedData, PKCS#10 request.
fn of_der(der: &[u8]) -> Option<Foreign> {
    pkcs12_or_pkcs7(der).or_else(|| csr(der))
}

/// PFX ::= SEQUENCE { version INTEGER {v3(3)}, authSafe ContentInfo, macData OPTIONAL },
/// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }: read from the
/// headers only, so indefinite (BER) lengths are no obstacle.
fn pkcs12_or_pkcs7(data: &[u8]) -> Option<Foreign> {
    let (tag, body) = header(data)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, inner) = header(body)?;
    match tag {
        // version INTEGER 3, then a ContentInfo of data or signedData.
        0x02 if body.get(1) == Some(&1) && inner.first() == Some(&3) => {
            let (tag, content_info) = header(&body[3..])?;
            (tag == 0x30
                && oid_at(content_info).is_some_and(|o| o == PKCS7_DATA || o == PKCS7_SIGNED_DATA))
            .then_some(Foreign::Pkcs12)
        }
        // contentType signedData.
        0x06 => (oid_at(body) == Some(PKCS7_SIGNED_DATA)).then_some(Foreign::Pkcs7),
        _ => None,
    }
}

/// The OBJECT IDENTIFIER at the start of `data`.
fn oid_at(data: &[u8]) -> Option<ObjectIdentifier> {
    let (tag, _) = header(data)?;
    if tag != 0x06 {
        return None;
    }
    let len = usize::from(*data.get(1)?);
    ObjectIdentifier::from_bytes(data.get(2..2 + len)?).ok()
}

/// A BER/DER header: the tag byte and the rest of the input after the header (the contents
/// and whatever follows; with an indefinite length, everything after it).
fn header(data: &[u8]) -> Option<(u8, &[u8])> {
    let tag = *data.first()?;
    let first = *data.get(1)?;
    let skip = match first {
        // Short form, or indefinite (0x80).
        0..=0x80 => 2,
        0x81..=0x84 => 2 + usize::from(first & 0x7f),
        _ => return None,
    };
    Some((tag, data.get(skip..)?))
}

/// CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature BIT STRING },
/// CertificationRequestInfo ::= SEQUENCE { version INTEGER v1(0), subject Name,
/// subjectPKInfo, attributes [0] IMPLICIT SET OF Attribute }.
fn csr(der: &[u8]) -> Option<Foreign> {
    let items = sequence(der)?;
    let [info, alg, sig] = items.as_slice() else {
        return None;
    };
    if info.tag() != Tag::Sequence || alg.tag() != Tag::Sequence || sig.tag() != Tag::BitString {
        return None;
    }
    match sequence_value(info.value())?.as_slice() {
        [version, name, spki, attrs]
            if integer_is(version, 0)
                && name.tag() == Tag::Sequence
                && spki.tag() == Tag::Sequence
                && attrs.tag().is_context_specific() =>
        {
            Some(Foreign::Csr)
        }
        _ => None,
    }
}

/// The elements of a DER SEQUENCE (the whole input).
fn sequence(der: &[u8]) -> Option<Vec<AnyRef<'_>>> {
    let any = AnyRef::from_der(der).ok()?;
    if any.tag() != Tag::Sequence {
        return None;
    }
    sequence_value(any.value())
}

/// The elements of a SEQUENCE's contents.
fn sequence_value(contents: &[u8]) -> Option<Vec<AnyRef<'_>>> {
    use der::Reader;
    let mut reader = der::SliceReader::new(contents).ok()?;
    let mut items = Vec::new();
    while !reader.is_finished() {
        items.push(reader.decode::<AnyRef<'_>>().ok()?);
        if items.len() > 16 {
            return None;
        }
    }
    Some(items)
}

/// An INTEGER with this small value.
fn integer_is(any: &AnyRef<'_>, value: u8) -> bool {
    any.tag() == Tag::Integer && any.value() == [value]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms() {
        assert_eq!(
            of_bytes(b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE user@host\n"),
            Some(Foreign::SshPublicKey)
        );
        assert_eq!(
            of_bytes(b"from=\"10.0.0.1\" ecdsa-sha2-nistp256 AAAAE2VjZHNh x\n"),
            Some(Foreign::SshPublicKey)
        );
        assert_eq!(
            of_bytes(br#"{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}"#),
            Some(Foreign::Jwk { private: true })
        );
        assert_eq!(
            of_bytes(br#"{"keys":[{"kty":"RSA","n":"a","e":"AQAB"}]}"#),
            Some(Foreign::Jwk { private: false })
        );
        assert_eq!(of_bytes(br#"{"error":"invalid_request"}"#), None);
        assert_eq!(of_bytes(b"hello world"), None);
        assert_eq!(
            of_bytes(b"PuTTY-User-Key-File-3: ssh-rsa\n"),
            Some(Foreign::PuttyKey)
        );
    }

    #[test]
    fn der_shapes() {
        // SEQUENCE { INTEGER 3, SEQUENCE { OID data, [0] {} } }
        let pfx = [
            0x30, 0x12, 0x02, 0x01, 0x03, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
            0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00,
        ];
        assert_eq!(of_bytes(&pfx), Some(Foreign::Pkcs12));
        // SEQUENCE { OID signedData, [0] {} }
        let p7 = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0,
            0x00,
        ];
        assert_eq!(of_bytes(&p7), Some(Foreign::Pkcs7));
        assert_eq!(of_bytes(&[0x30, 0x03, 0x02, 0x01, 0x03]), None);
        // BER, indefinite lengths, as some PKCS#12 writers use.
        let ber = [
            0x30, 0x80, 0x02, 0x01, 0x03, 0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
            0x0d, 0x01, 0x07, 0x01, 0xa0, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(of_bytes(&ber), Some(Foreign::Pkcs12));
        assert_eq!(of_bytes(&[0x30, 0x80]), None);
    }

    #[test]
    fn advice_quotes_odd_names() {
        assert!(
            Foreign::Pkcs12
                .certificate_advice("my cert.p12")
                .contains("-in 'my cert.p12' -nokeys")
        );
    }
}
