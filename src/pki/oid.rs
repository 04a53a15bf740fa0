//! Every object identifier nskeys names, taken from `const-oid`'s database, and the names it
//! prints for them (`inspect`): the database's own, except where nskeys prints another.

pub use const_oid::ObjectIdentifier;
use const_oid::db::{DB, rfc4519, rfc5912, rfc8410};

/// rsaEncryption: an ordinary RSA key.
pub const RSA_ENCRYPTION: ObjectIdentifier = rfc5912::RSA_ENCRYPTION;
/// rsassaPss: an RSA key (or signature) restricted to PSS.
pub const RSASSA_PSS: ObjectIdentifier = rfc5912::ID_RSASSA_PSS;
/// MGF1, the mask generation function of PSS.
pub const MGF1: ObjectIdentifier = rfc5912::ID_MGF_1;
/// id-ecPublicKey: an EC key; the curve is in the parameters.
pub const EC_PUBLIC_KEY: ObjectIdentifier = rfc5912::ID_EC_PUBLIC_KEY;
/// DSA keys.
pub const DSA: ObjectIdentifier = rfc5912::ID_DSA;
/// Ed25519 keys and signatures.
pub const ED25519: ObjectIdentifier = rfc8410::ID_ED_25519;
/// Ed448 keys and signatures.
pub const ED448: ObjectIdentifier = rfc8410::ID_ED_448;

/// NIST P-256 (secp256r1, prime256v1).
pub const SECP256R1: ObjectIdentifier = rfc5912::SECP_256_R_1;
/// NIST P-384.
pub const SECP384R1: ObjectIdentifier = rfc5912::SECP_384_R_1;
/// NIST P-521.
pub const SECP521R1: ObjectIdentifier = rfc5912::SECP_521_R_1;
/// secp256k1 (Bitcoin's curve; not in const-oid's database).
pub const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");

/// ecdsa-with-SHA1 (ANSI X9.62; not in const-oid's database).
pub const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");

/// Attribute types `--subject` checks: country, common name, organisation, unit.
pub const COUNTRY: ObjectIdentifier = rfc4519::C;
/// Common name.
pub const COMMON_NAME: ObjectIdentifier = rfc4519::CN;
/// Organisation.
pub const ORGANIZATION: ObjectIdentifier = rfc4519::O;
/// Organisational unit.
pub const ORGANIZATIONAL_UNIT: ObjectIdentifier = rfc4519::OU;

/// The signature and hash algorithms `inspect` names (any other is shown dotted).
const ALGORITHMS: [ObjectIdentifier; 18] = [
    rfc5912::SHA_1_WITH_RSA_ENCRYPTION,
    rfc5912::MD_5_WITH_RSA_ENCRYPTION,
    rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
    rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
    rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
    rfc5912::SHA_224_WITH_RSA_ENCRYPTION,
    ECDSA_WITH_SHA1,
    rfc5912::ECDSA_WITH_SHA_224,
    rfc5912::ECDSA_WITH_SHA_256,
    rfc5912::ECDSA_WITH_SHA_384,
    rfc5912::ECDSA_WITH_SHA_512,
    ED25519,
    ED448,
    rfc5912::ID_SHA_1,
    rfc5912::ID_SHA_224,
    rfc5912::ID_SHA_256,
    rfc5912::ID_SHA_384,
    rfc5912::ID_SHA_512,
];

/// Where nskeys prints another name than the database's (`id-sha256` is printed `SHA-256`,
/// as openssl does), or the database has none.
const PRINTED_NAMES: [(ObjectIdentifier, &str); 9] = [
    (RSASSA_PSS, "rsassaPss"),
    (ECDSA_WITH_SHA1, "ecdsa-with-SHA1"),
    (ED25519, "ED25519"),
    (ED448, "ED448"),
    (rfc5912::ID_SHA_1, "SHA-1"),
    (rfc5912::ID_SHA_224, "SHA-224"),
    (rfc5912::ID_SHA_256, "SHA-256"),
    (rfc5912::ID_SHA_384, "SHA-384"),
    (rfc5912::ID_SHA_512, "SHA-512"),
];

fn printed_name(oid: &ObjectIdentifier) -> Option<&'static str> {
    PRINTED_NAMES
        .iter()
        .find(|(o, _)| o == oid)
        .map(|(_, name)| *name)
}

/// A signature or hash algorithm as `inspect` prints it: `sha256WithRSAEncryption`,
/// `ecdsa-with-SHA256`, `rsassaPss`, `SHA-256`, ... (the dotted OID for any other).
pub fn algorithm_name(oid: &ObjectIdentifier) -> String {
    if let Some(name) = printed_name(oid) {
        return name.to_string();
    }
    ALGORITHMS
        .contains(oid)
        .then(|| DB.by_oid(oid))
        .flatten()
        .map_or_else(|| oid.to_string(), str::to_string)
}

/// A key algorithm NetSuite does not take, by name: `Ed25519`, `Ed448`, `DSA`, or
/// `key algorithm <dotted OID>`.
pub fn key_algorithm_name(oid: &ObjectIdentifier) -> String {
    match *oid {
        ED25519 => "Ed25519".into(),
        ED448 => "Ed448".into(),
        DSA => "DSA".into(),
        _ => format!("key algorithm {oid}"),
    }
}

/// A curve NetSuite does not take: `secp256k1` by name, any other dotted.
pub fn curve_name(oid: &ObjectIdentifier) -> String {
    match *oid {
        SECP256K1 => "secp256k1".into(),
        _ => oid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names nskeys printed before they came from the database, OID by OID.
    #[test]
    fn printed_names_are_unchanged() {
        for (dotted, name) in [
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
            ("1.2.840.113549.1.1.10", "rsassaPss"),
            // Not in the list: dotted, as before.
            ("1.2.840.113549.1.1.2", "1.2.840.113549.1.1.2"),
            ("1.2.840.10045.4.3.5", "1.2.840.10045.4.3.5"),
        ] {
            let oid = ObjectIdentifier::new_unwrap(dotted);
            assert_eq!(algorithm_name(&oid), name, "{dotted}");
        }
        assert_eq!(curve_name(&SECP256K1), "secp256k1");
        assert_eq!(curve_name(&SECP384R1), "1.3.132.0.34");
        assert_eq!(key_algorithm_name(&ED448), "Ed448");
        assert_eq!(
            key_algorithm_name(&RSA_ENCRYPTION),
            "key algorithm 1.2.840.113549.1.1.1"
        );
    }
}
