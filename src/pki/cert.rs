//! Self-signed X.509 certificates as `openssl req -x509` makes them for NetSuite: SKI, AKI,
//! critical basicConstraints CA:TRUE, a random positive serial, and for RSA keys an
//! RSASSA-PSS self-signature (hash of the alg, MGF1 with the same hash, salt 64).

use crate::error::{Error, Result};
use crate::pki::alg::Alg;
use crate::pki::key::PrivateKey;
use crate::pki::oid;
use der::{Decode, Encode};
use std::str::FromStr;
use std::time::SystemTime;
use time::OffsetDateTime;
use x509_cert::builder::CertificateBuilder;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::{Time, Validity};

/// An example of a valid `--subject`, for messages.
pub const SUBJECT_EXAMPLE: &str = "CN=acme-m2m,O=Acme";

/// Parse an RFC 4514 distinguished name such as `CN=acme-m2m,O=Acme`. As lenient RFC 4514
/// readers (openssl, LDAP tools) do, whitespace around the `,` and `+` separators and around
/// `=` is ignored (`CN=acme, O=Acme`); escaped whitespace (`\ `) is kept.
pub fn parse_subject(dn: &str) -> Result<Name> {
    let bad = |why: String| {
        Error::unknown(
            format!("invalid --subject {dn:?}: {why}"),
            format!(
                "give an RFC 4514 name such as {SUBJECT_EXAMPLE} (TYPE=value pairs separated by commas)"
            ),
        )
    };
    let normalised = normalise_dn(dn).map_err(|why| bad(why.to_string()))?;
    let name = Name::from_str(&normalised).map_err(|_| {
        bad("it cannot be read as TYPE=value pairs separated by commas".to_string())
    })?;
    if name.is_empty() {
        return Err(bad(DnProblem::Empty.to_string()));
    }
    for atv in name.iter() {
        check_attribute(atv).map_err(|why| bad(why.to_string()))?;
    }
    Ok(name)
}

/// Why a `--subject` string is not a distinguished name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DnProblem {
    /// Nothing but whitespace.
    Empty,
    /// An empty part between separators (`CN=a,,O=b`, a trailing comma).
    EmptyPart,
    /// A part without `=`.
    NoEquals(String),
    /// A part with no attribute type before `=`.
    NoType(String),
    /// An attribute type that is neither a known name nor a dotted OID.
    UnknownType(String),
    /// A backslash at the very end.
    DanglingEscape,
    /// A value that holds `TYPE=` after a space: a comma left out (`CN=acme O=Acme`); the
    /// part, and what it should have been.
    MissingComma(String, String),
}

impl std::fmt::Display for DnProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DnProblem::Empty => f.write_str("it is empty"),
            DnProblem::EmptyPart => {
                f.write_str("it has an empty part (two commas in a row, or a comma at an end)")
            }
            DnProblem::NoEquals(part) => {
                write!(
                    f,
                    "{part:?} is not TYPE=value (no '='); a comma inside a value is written \\,"
                )
            }
            DnProblem::NoType(part) => write!(f, "{part:?} has no attribute type before '='"),
            DnProblem::UnknownType(t) => write!(
                f,
                "unknown attribute type {t:?}; use CN, O, OU, L, ST, C, emailAddress or a dotted OID"
            ),
            DnProblem::DanglingEscape => f.write_str("it ends with a lone backslash"),
            DnProblem::MissingComma(part, fixed) => write!(
                f,
                "{part:?} holds two attributes: separate them with a comma ({fixed}), or write a literal '=' in a value as \\="
            ),
        }
    }
}

/// The DN with the whitespace lenient readers ignore taken out (around separators and `=`),
/// each part checked to be TYPE=value with a type the parser knows.
fn normalise_dn(dn: &str) -> std::result::Result<String, DnProblem> {
    if dn.trim().is_empty() {
        return Err(DnProblem::Empty);
    }
    // Characters with whether they were escaped, split on unescaped , and +.
    let mut parts: Vec<(Vec<DnChar>, Option<char>)> = Vec::new();
    let mut part = Vec::new();
    let mut chars = dn.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(next) => part.push((next, true)),
                None => return Err(DnProblem::DanglingEscape),
            },
            ',' | '+' | ';' => {
                let sep = if c == '+' { '+' } else { ',' };
                parts.push((std::mem::take(&mut part), Some(sep)));
            }
            _ => part.push((c, false)),
        }
    }
    parts.push((part, None));
    let mut out = String::new();
    for (part, sep) in parts {
        let trimmed = trim_unescaped(&part);
        if trimmed.is_empty() {
            return Err(DnProblem::EmptyPart);
        }
        let shown: String = trimmed.iter().map(|(c, _)| c).collect();
        let Some(eq) = trimmed.iter().position(|&(c, esc)| c == '=' && !esc) else {
            return Err(DnProblem::NoEquals(shown));
        };
        let key: String = trim_unescaped(&trimmed[..eq])
            .iter()
            .map(|(c, _)| c)
            .collect();
        if key.is_empty() {
            return Err(DnProblem::NoType(shown));
        }
        if const_oid::db::DB.by_name(&key).is_none()
            && const_oid::ObjectIdentifier::new(&key).is_err()
        {
            return Err(DnProblem::UnknownType(key));
        }
        let value = trim_unescaped(&trimmed[eq + 1..]);
        if let Some(fixed) = missing_comma(&key, value) {
            return Err(DnProblem::MissingComma(shown, fixed));
        }
        out.push_str(&key);
        out.push('=');
        for &(c, escaped) in value {
            if escaped {
                out.push('\\');
            }
            out.push(c);
        }
        if let Some(sep) = sep {
            out.push(sep);
        }
    }
    Ok(out)
}

/// `CN=acme O=Acme`: a value holding ` TYPE=` with a known attribute type, most likely a
/// comma left out. The parts as they should have been written.
fn missing_comma(key: &str, value: &[DnChar]) -> Option<String> {
    let eq = value.iter().position(|&(c, esc)| c == '=' && !esc)?;
    let before: String = value[..eq].iter().map(|(c, _)| c).collect();
    let (head, attr) = before.rsplit_once(char::is_whitespace)?;
    if attr.is_empty() || const_oid::db::DB.by_name(attr).is_none() {
        return None;
    }
    let rest: String = value[eq + 1..].iter().map(|(c, _)| c).collect();
    Some(format!("{key}={},{attr}={rest}", head.trim_end()))
}

/// A character of a DN string, and whether it was escaped with a backslash.
type DnChar = (char, bool);

/// Without unescaped whitespace at either end.
fn trim_unescaped(s: &[DnChar]) -> &[DnChar] {
    let blank = |&(c, esc): &(char, bool)| c.is_whitespace() && !esc;
    let start = s.iter().position(|c| !blank(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !blank(c)).map_or(start, |i| i + 1);
    &s[start..end]
}

/// The subject of a certificate (DER), as it is: what a rotation copies into the new one.
pub fn subject_of(cert_der: &[u8]) -> std::result::Result<Name, der::Error> {
    Ok(x509_cert::Certificate::from_der(cert_der)?
        .tbs_certificate()
        .subject()
        .clone())
}

/// Why an attribute of `--subject` would make a certificate other tools reject.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AttributeProblem {
    /// A PrintableString value with other characters.
    NotPrintable,
    /// An IA5String value beyond ASCII.
    NotAscii,
    /// A UTF8String value that is not UTF-8.
    NotUtf8,
    /// An empty value, of the named attribute.
    Empty(String),
    /// A country that is not two letters.
    Country,
    /// A value longer than RFC 5280 allows: the attribute and its length.
    TooLong(String, usize),
}

impl std::fmt::Display for AttributeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttributeProblem::NotPrintable => f.write_str(
                "only letters, digits, spaces and ' ( ) + , - . / : = ? are allowed in this attribute",
            ),
            AttributeProblem::NotAscii => f.write_str("only ASCII is allowed in this attribute"),
            AttributeProblem::NotUtf8 => f.write_str("not valid UTF-8"),
            AttributeProblem::Empty(name) => write!(f, "{name} has an empty value"),
            AttributeProblem::Country => {
                f.write_str("C (country) must be a two-letter code such as US")
            }
            AttributeProblem::TooLong(name, chars) => write!(
                f,
                "{name} is {chars} characters long; RFC 5280 allows at most 64"
            ),
        }
    }
}

/// Refuse what the RFC 4514 parser lets through but would make a certificate other tools
/// reject: it stores C, serialNumber, DC and emailAddress values as PrintableString or
/// IA5String without checking their characters (`C=ü` gave a certificate Python's
/// cryptography cannot load), and it takes any length, where RFC 5280 and `openssl req`
/// limit C to 2 characters and CN, O and OU to 64.
fn check_attribute(
    atv: &x509_cert::attr::AttributeTypeAndValue,
) -> std::result::Result<(), AttributeProblem> {
    use der::Tagged;
    use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
    use oid::{COMMON_NAME as CN, COUNTRY as C, ORGANIZATION as O, ORGANIZATIONAL_UNIT as OU};

    let value = &atv.value;
    let text = match value.tag() {
        der::Tag::PrintableString => PrintableStringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| AttributeProblem::NotPrintable)?,
        der::Tag::Ia5String => Ia5StringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| AttributeProblem::NotAscii)?,
        der::Tag::Utf8String => Utf8StringRef::try_from(value)
            .map(|s| s.as_str().to_string())
            .map_err(|_| AttributeProblem::NotUtf8)?,
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
        return Err(AttributeProblem::Empty(name));
    }
    match atv.oid {
        C if chars != 2 => Err(AttributeProblem::Country),
        CN | O | OU if chars > 64 => Err(AttributeProblem::TooLong(name, chars)),
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

/// Build and self-sign a certificate for `key`, valid from `not_before` (whole seconds:
/// certificates have no finer precision) for `days` days. Returns the certificate DER.
pub fn self_signed(
    key: &PrivateKey,
    alg: Alg,
    subject: &Name,
    not_before: OffsetDateTime,
    days: u32,
) -> Result<Vec<u8>> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::unknown(format!("cannot build the certificate: {e}"), "report this")
    };
    let start = crate::time::whole_seconds(not_before);
    let end = start + crate::time::days(days);
    let time = |t: OffsetDateTime| Time::try_from(SystemTime::from(t)).map_err(|e| fail(&e));
    let validity = Validity::new(time(start)?, time(end)?);
    let spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()?).map_err(|e| fail(&e))?;
    let profile = SelfSigned {
        subject: subject.clone(),
    };
    let builder =
        CertificateBuilder::new(profile, random_serial()?, validity, spki).map_err(|e| fail(&e))?;
    let cert = crate::pki::sign::sign_certificate(builder, key, alg)?;
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
        let start = OffsetDateTime::from_unix_timestamp(2_511_000_000).unwrap(); // 2049-07-27
        let subject = parse_subject("CN=y2050").unwrap();
        let der = self_signed(&key, Alg::Es256, &subject, start, 730).unwrap();

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

    /// Spaces after commas (and around `=`) are read as lenient RFC 4514 readers read them;
    /// escaped spaces stay.
    #[test]
    fn subject_spaces_around_separators_are_ignored() {
        let strict = parse_subject("CN=acme,O=Acme").unwrap();
        for loose in ["CN=acme, O=Acme", " CN = acme ,  O=Acme ", "CN=acme;O=Acme"] {
            assert_eq!(parse_subject(loose).unwrap(), strict, "{loose}");
        }
        let escaped = parse_subject(r"CN=a\ ,O=x\,y").unwrap();
        assert_eq!(escaped.to_string(), r"CN=a\ ,O=x\,y");
        let multi = parse_subject("CN=a + OU=b, O=c").unwrap();
        assert_eq!(multi, parse_subject("CN=a+OU=b,O=c").unwrap());
    }

    #[test]
    fn invalid_subjects_say_what_is_wrong() {
        let what = |dn: &str| parse_subject(dn).unwrap_err().to_string();
        assert!(
            what("acme").contains(r#""acme" is not TYPE=value"#),
            "{}",
            what("acme")
        );
        assert!(what("CN=a,,O=b").contains("empty part"));
        assert!(what("CN=a,").contains("empty part"));
        assert!(what("Common Name=a").contains("unknown attribute type \"Common Name\""));
        assert!(what("=a").contains("no attribute type"));
        assert!(what("CN=a\\").contains("lone backslash"));
        assert!(what("  ").contains("empty"));
        assert!(
            what("CN=acme O=Acme").contains("separate them with a comma (CN=acme,O=Acme)"),
            "{}",
            what("CN=acme O=Acme")
        );
        // A value may hold '=' where no attribute type precedes it.
        assert!(parse_subject("CN=a=b").is_ok());
        assert!(parse_subject("CN=x y=z").is_ok());
        for dn in ["acme", "CN=a,,O=b", "=a", "X=1"] {
            assert!(
                what(dn).contains("CN=acme-m2m,O=Acme"),
                "{dn}: {}",
                what(dn)
            );
        }
    }
}
