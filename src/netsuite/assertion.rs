//! The JWT client assertion NetSuite exchanges for a token: header, claims, and a signature
//! made by `pki::sign` for all six algorithms (jsonwebtoken has no ES512).

use crate::error::{Error, Result};
use crate::pki::alg::Alg;
use crate::pki::key::PrivateKey;
use crate::pki::sign::sign;
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use zeroize::Zeroizing;

/// The longest assertion lifetime: Oracle's text says under 60 minutes, but Oracle's own
/// samples (section_162755359851) send exactly 3600, and NetSuite takes them.
pub const MAX_TTL: u64 = 3600;

/// The JOSE header: `{"alg":..,"typ":"JWT","kid":..}`, in that order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    /// `PS256` ... `ES512`.
    pub alg: Alg,
    /// Always `JWT`.
    pub typ: &'static str,
    /// The Certificate ID NetSuite shows for the M2M mapping.
    pub kid: String,
}

/// The claims NetSuite reads, plus a random `jti` as Oracle's current sample sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claims {
    /// The integration's client ID.
    pub iss: String,
    /// Scopes, as a JSON array (as Oracle's own sample sends them).
    pub scope: Vec<String>,
    /// The token endpoint URL the assertion is posted to.
    pub aud: String,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// A random ID for this assertion (128 bits, base64url), as Oracle's current sample sends.
    pub jti: String,
}

/// A fresh random `jti`.
pub fn random_jti() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    Base64UrlUnpadded::encode_string(&bytes)
}

/// An unsigned assertion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assertion {
    /// The header.
    pub header: Header,
    /// The claims.
    pub claims: Claims,
}

impl Assertion {
    /// `base64url(header) "." base64url(claims)`: what the signature covers.
    pub fn signing_input(&self) -> Result<String> {
        Ok(format!(
            "{}.{}",
            b64_json(&self.header)?,
            b64_json(&self.claims)?
        ))
    }

    /// The signed compact JWT. It is a bearer credential for its lifetime: it is zeroized on
    /// drop and never printed.
    pub fn sign(&self, key: &PrivateKey) -> Result<Zeroizing<String>> {
        let input = self.signing_input()?;
        let sig = sign(key, self.header.alg, input.as_bytes())?;
        Ok(Zeroizing::new(format!(
            "{input}.{}",
            Base64UrlUnpadded::encode_string(&sig)
        )))
    }
}

fn b64_json<T: Serialize>(value: &T) -> Result<String> {
    let json = serde_json::to_vec(value)
        .map_err(|e| Error::unknown(format!("cannot encode the assertion: {e}"), "report this"))?;
    Ok(Base64UrlUnpadded::encode_string(&json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion(alg: Alg) -> Assertion {
        Assertion {
            header: Header {
                alg,
                typ: "JWT",
                kid: "kid-1".into(),
            },
            claims: Claims {
                iss: "client".into(),
                scope: vec!["rest_webservices".into()],
                aud: "https://x/token".into(),
                iat: 1000,
                exp: 1300,
                jti: "j1".into(),
            },
        }
    }

    #[test]
    fn header_and_claims_are_in_the_documented_order() {
        let input = assertion(Alg::Es256).signing_input().unwrap();
        let (h, c) = input.split_once('.').unwrap();
        let h = Base64UrlUnpadded::decode_vec(h).unwrap();
        let c = Base64UrlUnpadded::decode_vec(c).unwrap();
        assert_eq!(h, br#"{"alg":"ES256","typ":"JWT","kid":"kid-1"}"#);
        assert_eq!(
            c,
            br#"{"iss":"client","scope":["rest_webservices"],"aud":"https://x/token","iat":1000,"exp":1300,"jti":"j1"}"#
        );
    }

    #[test]
    fn jti_is_random() {
        let (a, b) = (random_jti(), random_jti());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
    }

    #[test]
    fn ec_signatures_are_fixed_size_r_s() {
        for (alg, len) in [(Alg::Es256, 64), (Alg::Es384, 96), (Alg::Es512, 132)] {
            let key = PrivateKey::generate(alg, 0).unwrap();
            let jwt = assertion(alg).sign(&key).unwrap();
            let sig = jwt.rsplit('.').next().unwrap();
            assert_eq!(Base64UrlUnpadded::decode_vec(sig).unwrap().len(), len);
        }
    }
}
