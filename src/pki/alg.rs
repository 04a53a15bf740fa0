//! [`Alg`]: the one table that knows, for each JWT algorithm NetSuite accepts, the key type,
//! hash and curve that go with it. (The command line's names and help for `--alg` are in
//! `cli.rs`.)

use std::fmt;

/// The key behind an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum KeyKind {
    /// RSA (3072 or 4096 bits for NetSuite).
    Rsa,
    /// EC on NIST P-256 (secp256r1 / prime256v1).
    P256,
    /// EC on NIST P-384 (secp384r1).
    P384,
    /// EC on NIST P-521 (secp521r1).
    P521,
}

impl KeyKind {
    /// Human name: `RSA`, `EC P-256`, ...
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::P256 => "EC P-256",
            KeyKind::P384 => "EC P-384",
            KeyKind::P521 => "EC P-521",
        }
    }

    /// The algorithm to use with a key of this kind when the user names none.
    pub fn default_alg(self) -> Alg {
        match self {
            KeyKind::Rsa => Alg::Ps256,
            KeyKind::P256 => Alg::Es256,
            KeyKind::P384 => Alg::Es384,
            KeyKind::P521 => Alg::Es512,
        }
    }
}

/// A SHA-2 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// Output length in bytes (also the JWT PS* salt length, RFC 7518 3.5).
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// `SHA-256`, ...
    pub fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

/// A JWT signature algorithm NetSuite accepts for client assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Alg {
    /// RSASSA-PSS with SHA-256 (RSA key).
    Ps256,
    /// RSASSA-PSS with SHA-384 (RSA key).
    Ps384,
    /// RSASSA-PSS with SHA-512 (RSA key).
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// ECDSA on P-521 with SHA-512.
    Es512,
}

/// RSA-PSS salt length of the certificate's self-signature, as in Oracle's openssl recipe.
pub const CERT_PSS_SALT_LEN: usize = 64;

/// One row of the table: everything an algorithm implies.
struct Row {
    alg: Alg,
    jwt_name: &'static str,
    key: KeyKind,
    hash: Hash,
}

/// The table, in display order.
const TABLE: [Row; 6] = [
    Row {
        alg: Alg::Ps256,
        jwt_name: "PS256",
        key: KeyKind::Rsa,
        hash: Hash::Sha256,
    },
    Row {
        alg: Alg::Ps384,
        jwt_name: "PS384",
        key: KeyKind::Rsa,
        hash: Hash::Sha384,
    },
    Row {
        alg: Alg::Ps512,
        jwt_name: "PS512",
        key: KeyKind::Rsa,
        hash: Hash::Sha512,
    },
    Row {
        alg: Alg::Es256,
        jwt_name: "ES256",
        key: KeyKind::P256,
        hash: Hash::Sha256,
    },
    Row {
        alg: Alg::Es384,
        jwt_name: "ES384",
        key: KeyKind::P384,
        hash: Hash::Sha384,
    },
    Row {
        alg: Alg::Es512,
        jwt_name: "ES512",
        key: KeyKind::P521,
        hash: Hash::Sha512,
    },
];

impl Alg {
    /// Every algorithm, in display order.
    pub const ALL: [Alg; 6] = [
        Alg::Ps256,
        Alg::Ps384,
        Alg::Ps512,
        Alg::Es256,
        Alg::Es384,
        Alg::Es512,
    ];

    fn row(self) -> &'static Row {
        // The table lists the variants in declaration order.
        let row = &TABLE[self as usize];
        debug_assert_eq!(row.alg, self);
        row
    }

    /// The JWT `alg` header value: `PS256`, ...
    pub fn jwt_name(self) -> &'static str {
        self.row().jwt_name
    }

    /// The key this algorithm signs with.
    pub fn key_kind(self) -> KeyKind {
        self.row().key
    }

    /// The hash of both the JWT signature and the certificate's self-signature.
    pub fn hash(self) -> Hash {
        self.row().hash
    }

    /// Whether this is an RSASSA-PSS algorithm.
    pub fn is_rsa(self) -> bool {
        self.key_kind() == KeyKind::Rsa
    }

    /// Parse a JWT name or CLI name, any case: `PS256`, `ps256`.
    pub fn parse(s: &str) -> Option<Alg> {
        Alg::ALL
            .into_iter()
            .find(|a| a.jwt_name().eq_ignore_ascii_case(s.trim()))
    }

    /// How the certificate is self-signed with this algorithm, as `openssl x509 -text` names it.
    pub fn cert_signature_name(self) -> String {
        match self.key_kind() {
            KeyKind::Rsa => format!(
                "RSASSA-PSS ({}, MGF1-{}, salt {})",
                self.hash().name(),
                self.hash().name(),
                CERT_PSS_SALT_LEN
            ),
            _ => format!("ecdsa-with-{}", self.hash().name().replace('-', "")),
        }
    }
}

impl fmt::Display for Alg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.jwt_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order() {
        for (i, alg) in Alg::ALL.into_iter().enumerate() {
            assert_eq!(TABLE[i].alg, alg);
            assert_eq!(alg as usize, i);
        }
    }

    #[test]
    fn parse_accepts_any_case_and_rejects_rs256() {
        assert_eq!(Alg::parse("ps384"), Some(Alg::Ps384));
        assert_eq!(Alg::parse("ES512"), Some(Alg::Es512));
        assert_eq!(Alg::parse("RS256"), None);
    }

    #[test]
    fn pss_salt_is_hash_length() {
        assert_eq!(Alg::Ps256.hash().output_len(), 32);
        assert_eq!(Alg::Ps512.hash().output_len(), 64);
    }

    #[test]
    fn certificate_signatures_as_openssl_names_them() {
        assert_eq!(
            Alg::Ps384.cert_signature_name(),
            "RSASSA-PSS (SHA-384, MGF1-SHA-384, salt 64)"
        );
        assert_eq!(Alg::Es512.cert_signature_name(), "ecdsa-with-SHA512");
    }
}
