//! [`Alg`]: the one place that knows, for each JWT algorithm NetSuite accepts, the key type,
//! hash, curve and certificate signature that go with it.

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
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

    /// The JWT `alg` header value: `PS256`, ...
    pub fn jwt_name(self) -> &'static str {
        match self {
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::Es512 => "ES512",
        }
    }

    /// The key this algorithm signs with.
    pub fn key_kind(self) -> KeyKind {
        match self {
            Alg::Ps256 | Alg::Ps384 | Alg::Ps512 => KeyKind::Rsa,
            Alg::Es256 => KeyKind::P256,
            Alg::Es384 => KeyKind::P384,
            Alg::Es512 => KeyKind::P521,
        }
    }

    /// The hash of both the JWT signature and the certificate's self-signature.
    pub fn hash(self) -> Hash {
        match self {
            Alg::Ps256 | Alg::Es256 => Hash::Sha256,
            Alg::Ps384 | Alg::Es384 => Hash::Sha384,
            Alg::Ps512 | Alg::Es512 => Hash::Sha512,
        }
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
}
