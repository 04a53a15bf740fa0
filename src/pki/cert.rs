//! Self-signed X.509 certificates as `openssl req -x509` makes them for NetSuite: SKI, AKI,
//! critical basicConstraints CA:TRUE, a random positive serial, and for RSA keys an
//! RSASSA-PSS self-signature (hash of the alg, MGF1 with the same hash, salt 64).

use crate::error::{Error, Result};
use crate::pki::alg::{Alg, CERT_PSS_SALT_LEN};
use crate::pki::key::PrivateKey;
use der::{Decode, Encode};
use std::str::FromStr;
use std::time::{Duration, SystemTime};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

/// The longest validity NetSuite honours: it cuts anything longer to two years.
pub const MAX_DAYS: u32 = 730;

/// Parse an RFC 4514 distinguished name such as `CN=acme-m2m,O=Acme`.
pub fn parse_subject(dn: &str) -> Result<Name> {
    let bad = || {
        Error::unknown(
            format!("invalid --subject {dn:?}"),
            "give an RFC 4514 name such as CN=acme-m2m,O=Acme",
        )
    };
    if dn.trim().is_empty() {
        return Err(bad());
    }
    let name = Name::from_str(dn).map_err(|_| bad())?;
    if name.is_empty() {
        return Err(bad());
    }
    for atv in name.iter() {
        if let Err(why) = check_attribute(atv) {
            return Err(Error::unknown(
                format!("invalid --subject {dn:?}: {why}"),
                "give an RFC 4514 name such as CN=acme-m2m,O=Acme",
            ));
        }
    }
    Ok(name)
}

/// Refuse what the RFC 4514 parser lets through but would make a certificate other tools
/// reject: it stores C, serialNumber, DC and emailAddress values as PrintableString or
/// IA5String without checking their characters (`C=ü` gave a certificate Python's
/// cryptography cannot load), and it takes any length, where RFC 5280 and `openssl req`
/// limit C to 2 characters and CN, O and OU to 64.
fn check_attribute(
    atv: &x509_cert::attr::AttributeTypeAndValue,
) -> std::result::Result<(), String> {
    use der::Tagged;
    use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
    const C: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
    const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    const O: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    const OU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");

    let value = &atv.value;
    let text = match value.tag() {
        der::Tag::PrintableString => PrintableStringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| "only letters, digits, spaces and ' ( ) + , - . / : = ? are allowed in this attribute".to_string())?,
        der::Tag::Ia5String => Ia5StringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| "only ASCII is allowed in this attribute".to_string())?,
        der::Tag::Utf8String => Utf8StringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| "not valid UTF-8".to_string())?,
        // A value given as #hex DER: the user chose its encoding.
        _ => return Ok(()),
    };
    let name = match atv.oid {
        C => "C".to_string(),
        CN => "CN".to_string(),
        O => "O".to_string(),
        OU => "OU".to_string(),
        other => other.to_string(),
    };
    let chars = text.chars().count();
    if chars == 0 {
        return Err(format!("{name} has an empty value"));
    }
    match atv.oid {
        C if chars != 2 => Err("C (country) must be a two-letter code such as US".into()),
        CN | O | OU if chars > 64 => Err(format!(
            "{name} is {chars} characters long; RFC 5280 allows at most 64"
        )),
        _ => Ok(()),
    }
}

/// The extensions `openssl req -x509` writes: subjectKeyIdentifier, authorityKeyIdentifier
/// (keyid), basicConstraints critical CA:TRUE.
struct SelfSigned {
    subject: Name,
}

impl BuilderProfile for SelfSigned {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut exts = Vec::new();
        // SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1), as openssl does.
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        exts.push(ski.to_extension(tbs.subject(), &exts)?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(ski.0.clone()),
            ..Default::default()
        };
        exts.push(aki.to_extension(tbs.subject(), &exts)?);
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: None,
        };
        exts.push(bc.to_extension(tbs.subject(), &exts)?);
        Ok(exts)
    }
}

/// A random positive serial of 20 bytes: top bit clear (positive), next bit set (so the
/// encoding is always 20 bytes), 158 random bits.
fn random_serial() -> Result<SerialNumber> {
    use rand::Rng;
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes)
        .map_err(|e| Error::unknown(format!("serial number: {e}"), "report this"))
}

/// Build and self-sign a certificate for `key`, valid from `not_before` for `days` days.
/// Returns the certificate DER.
pub fn self_signed(
    key: &PrivateKey,
    alg: Alg,
    subject: &Name,
    not_before: SystemTime,
    days: u32,
) -> Result<Vec<u8>> {
    if let Err(why) = key.check_alg(alg) {
        return Err(Error::unknown(why, "choose an --alg that fits the key"));
    }
    let fail = |e: &dyn std::fmt::Display| {
        Error::unknown(format!("cannot build the certificate: {e}"), "report this")
    };
    // Whole seconds: certificates have no sub-second precision.
    let secs = not_before
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|e| fail(&e))?
        .as_secs();
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
    let end = start + Duration::from_secs(u64::from(days) * 86_400);
    let validity = Validity::new(
        Time::try_from(start).map_err(|e| fail(&e))?,
        Time::try_from(end).map_err(|e| fail(&e))?,
    );
    let spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()?).map_err(|e| fail(&e))?;
    let profile = SelfSigned {
        subject: subject.clone(),
    };
    let builder =
        CertificateBuilder::new(profile, random_serial()?, validity, spki).map_err(|e| fail(&e))?;

    let cert = match (key, alg) {
        (PrivateKey::Rsa(k), Alg::Ps256) => {
            let signer = rsa::pss::SigningKey::<sha2::Sha256>::new_with_salt_len(
                (**k).clone(),
                CERT_PSS_SALT_LEN,
            );
            builder.build_with_rng::<_, rsa::pss::Signature, _>(&signer, &mut rand::rng())
        }
        (PrivateKey::Rsa(k), Alg::Ps384) => {
            let signer = rsa::pss::SigningKey::<sha2::Sha384>::new_with_salt_len(
                (**k).clone(),
                CERT_PSS_SALT_LEN,
            );
            builder.build_with_rng::<_, rsa::pss::Signature, _>(&signer, &mut rand::rng())
        }
        (PrivateKey::Rsa(k), Alg::Ps512) => {
            let signer = rsa::pss::SigningKey::<sha2::Sha512>::new_with_salt_len(
                (**k).clone(),
                CERT_PSS_SALT_LEN,
            );
            builder.build_with_rng::<_, rsa::pss::Signature, _>(&signer, &mut rand::rng())
        }
        (PrivateKey::P256(k), _) => {
            let signer = p256::ecdsa::SigningKey::from(k);
            builder.build::<_, p256::ecdsa::DerSignature>(&signer)
        }
        (PrivateKey::P384(k), _) => {
            let signer = p384::ecdsa::SigningKey::from(k);
            builder.build::<_, p384::ecdsa::DerSignature>(&signer)
        }
        (PrivateKey::P521(k), _) => {
            let signer = p521::ecdsa::SigningKey::from(k);
            builder.build::<_, p521::ecdsa::DerSignature>(&signer)
        }
        _ => unreachable!("check_alg accepted a mismatched key"),
    }
    .map_err(|e| fail(&e))?;
    cert.to_der().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 on. A certificate
    /// made in 2049 for 730 days straddles the switch.
    #[test]
    fn validity_switches_to_generalized_time_in_2050() {
        use x509_cert::time::Time;
        let key = PrivateKey::generate(Alg::Es256, 0).unwrap();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(2_511_000_000); // 2049-07-27
        let subject = parse_subject("CN=y2050").unwrap();
        let der = self_signed(&key, Alg::Es256, &subject, start, MAX_DAYS).unwrap();

        let cert = x509_cert::Certificate::from_der(&der).unwrap();
        let validity = cert.tbs_certificate().validity();
        assert!(matches!(validity.not_before, Time::UtcTime(_)));
        assert!(matches!(validity.not_after, Time::GeneralTime(_)));
        // And another parser reads the same instants.
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(parsed.validity().not_before.timestamp(), 2_511_000_000);
        assert_eq!(
            parsed.validity().not_after.timestamp(),
            2_511_000_000 + 730 * 86_400
        );
    }

    #[test]
    fn subject_checks_name_the_attribute() {
        let err = parse_subject("CN=x,C=DEU").unwrap_err();
        assert!(err.what.contains("two-letter"), "{err}");
        assert!(parse_subject("CN=acme-m2m,O=Acme,C=DE").is_ok());
    }
}
