//! THE NetSuite judge: NetSuite's rules for keys and certificates, in one place, returning
//! typed findings. `expiry`, `inspect`, the pre-flight of `verify`/`token`/`rotate`/`certs`
//! and `rotate --if-expires-within` all judge through here, so they cannot disagree.
//!
//! The rules (`../shared/NETSUITE.md`): RSA keys of 3072 or 4096 bits and EC keys on P-256,
//! P-384 or P-521; an X.509 certificate, not a bare public key, whose key is the one that
//! signs; valid now; and NetSuite honours at most two years of validity (730 days, counted
//! here from notBefore), so a longer certificate stops working before its notAfter.

use crate::pki::facts::CertFacts;
use crate::pki::key::KeyType;
use crate::time::{days, days_between, rfc3339};
use time::OffsetDateTime;

/// RSA key sizes NetSuite accepts for M2M certificates.
pub const RSA_BITS_ALLOWED: [usize; 2] = [3072, 4096];

/// The longest validity NetSuite honours, in days: it cuts anything longer to two years.
pub const MAX_VALIDITY_DAYS: u32 = 730;

/// How serious a finding is, as monitoring reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Fine, or information.
    Ok,
    /// Something to fix before relying on it.
    Warning,
    /// NetSuite refuses it, or is about to.
    Critical,
}

/// Why NetSuite refuses a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    /// RSA of another size than 3072 or 4096 bits.
    RsaSize(usize),
    /// EC on another curve, by name.
    Curve(String),
    /// Another key algorithm, by name.
    Type(String),
}

impl From<Level> for crate::error::Status {
    fn from(level: Level) -> Self {
        match level {
            Level::Ok => crate::error::Status::Ok,
            Level::Warning => crate::error::Status::Warning,
            Level::Critical => crate::error::Status::Critical,
        }
    }
}

/// What was found, with the facts a message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// NetSuite accepts the key.
    KeyAccepted {
        /// The key, described (`EC P-256`).
        key: String,
    },
    /// NetSuite refuses the key.
    KeyRefused(KeyRefusal),
    /// Nobody documents whether NetSuite accepts the key (the rsassaPss OID).
    KeyAcceptanceUnknown,
    /// A bare public key where NetSuite needs a certificate.
    BarePublicKey,
    /// The private key is the certificate's.
    KeyMatches,
    /// The private key is not the certificate's.
    KeyMismatch,
    /// Past notAfter.
    Expired {
        /// notAfter.
        not_after: OffsetDateTime,
    },
    /// Before notAfter, but past notBefore + 730 days, when NetSuite stopped honouring it.
    PastWindow {
        /// notBefore + 730 days.
        until: OffsetDateTime,
        /// notAfter.
        not_after: OffsetDateTime,
    },
    /// Before notBefore.
    NotYetValid {
        /// notBefore.
        not_before: OffsetDateTime,
    },
    /// Valid for longer than 730 days: NetSuite cuts it to two years.
    LongerThanWindow {
        /// notAfter - notBefore in whole days.
        validity_days: i64,
        /// notBefore + 730 days, when NetSuite stops honouring it.
        until: OffsetDateTime,
        /// notAfter.
        not_after: OffsetDateTime,
    },
    /// Valid for at most 730 days.
    ValidityWithinWindow,
    /// Fewer whole days left (to NetSuite's expiry) than the critical window.
    WithinCritical {
        /// Whole days left, rounded down.
        days_left: i64,
        /// The window.
        crit_days: u32,
        /// NetSuite's expiry.
        until: OffsetDateTime,
    },
    /// Fewer whole days left (to NetSuite's expiry) than the warning window.
    WithinWarning {
        /// Whole days left, rounded down.
        days_left: i64,
        /// The window.
        warn_days: u32,
        /// NetSuite's expiry.
        until: OffsetDateTime,
    },
}

impl FindingKind {
    /// Whether NetSuite would refuse the certificate or key now: what the pre-flight of an
    /// exchange refuses (exit 2) before anything is sent. Monitoring windows never are.
    pub fn refuses_now(&self) -> bool {
        matches!(
            self,
            FindingKind::KeyRefused(_)
                | FindingKind::BarePublicKey
                | FindingKind::KeyMismatch
                | FindingKind::Expired { .. }
                | FindingKind::PastWindow { .. }
                | FindingKind::NotYetValid { .. }
        )
    }

    /// How serious it is, as `expiry` and `inspect` report it.
    pub fn level(&self) -> Level {
        match self {
            FindingKind::KeyAccepted { .. }
            | FindingKind::KeyMatches
            | FindingKind::ValidityWithinWindow => Level::Ok,
            FindingKind::KeyAcceptanceUnknown
            | FindingKind::NotYetValid { .. }
            | FindingKind::LongerThanWindow { .. }
            | FindingKind::WithinWarning { .. } => Level::Warning,
            FindingKind::KeyRefused(_)
            | FindingKind::BarePublicKey
            | FindingKind::KeyMismatch
            | FindingKind::Expired { .. }
            | FindingKind::PastWindow { .. }
            | FindingKind::WithinCritical { .. } => Level::Critical,
        }
    }
}

/// One finding: its level, what it is, and what to tell the user (as the exchange's
/// pre-flight says it; `expiry` and `inspect` word some findings their own way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// OK, WARNING or CRITICAL.
    pub level: Level,
    /// What was found.
    pub kind: FindingKind,
    /// What it means.
    pub what: String,
    /// What to do.
    pub hint: String,
}

impl Finding {
    fn new(kind: FindingKind, what: impl Into<String>, hint: impl Into<String>) -> Finding {
        Finding {
            level: kind.level(),
            kind,
            what: what.into(),
            hint: hint.into(),
        }
    }
}

/// The warning and critical windows of a monitoring check, in whole days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// WARNING with fewer days left.
    pub warn_days: u32,
    /// CRITICAL with fewer days left (0: never).
    pub crit_days: u32,
}

/// When NetSuite stops accepting a certificate: notAfter, or notBefore + 730 days if sooner.
pub fn netsuite_expiry(facts: &CertFacts) -> OffsetDateTime {
    facts
        .not_before
        .checked_add(days(MAX_VALIDITY_DAYS))
        .map_or(facts.not_after, |cut| cut.min(facts.not_after))
}

/// Whole days from `now` to NetSuite's expiry, rounded down; negative once it is past.
pub fn days_left(facts: &CertFacts, now: OffsetDateTime) -> i64 {
    days_between(now, netsuite_expiry(facts))
}

/// Whether the certificate is valid for longer than NetSuite honours.
pub fn longer_than_window(facts: &CertFacts) -> bool {
    netsuite_expiry(facts) < facts.not_after
}

const NEW_PAIR: &str = "make a new pair with `nskeys gen`, upload it and create a new mapping";

/// NetSuite's verdict on a key: accepted, refused (type, RSA size, curve) or unknown
/// (rsassaPss OID).
pub fn judge_key(key: &KeyType) -> Finding {
    let rsa_size = |bits: usize| {
        (!RSA_BITS_ALLOWED.contains(&bits)).then(|| {
            Finding::new(
                FindingKind::KeyRefused(KeyRefusal::RsaSize(bits)),
                format!(
                    "NetSuite accepts RSA keys of 3072 or 4096 bits only, not {bits}: make a new key with `nskeys gen --alg ps256`"
                ),
                "upload a certificate for an accepted key",
            )
        })
    };
    let refused = |refusal: KeyRefusal, what: String| {
        Finding::new(
            FindingKind::KeyRefused(refusal),
            what,
            "upload a certificate for an accepted key",
        )
    };
    match key {
        KeyType::Rsa { bits } => rsa_size(*bits).unwrap_or_else(|| accepted(key)),
        KeyType::RsaPss { bits } => rsa_size(*bits).unwrap_or_else(|| {
            Finding::new(
                FindingKind::KeyAcceptanceUnknown,
                "unknown whether NetSuite accepts a key with the rsassaPss OID: prefer an ordinary rsaEncryption key (`nskeys gen --alg ps256`)",
                "make an ordinary RSA key with `nskeys gen --alg ps256`",
            )
        }),
        KeyType::Ec(_) => accepted(key),
        KeyType::EcOther(curve) => refused(
            KeyRefusal::Curve(curve.clone()),
            format!(
                "NetSuite accepts EC keys on P-256, P-384 and P-521 only, not {curve}: make one with `nskeys gen --alg es256`"
            ),
        ),
        KeyType::Other(name) => refused(
            KeyRefusal::Type(name.clone()),
            format!(
                "NetSuite accepts RSA 3072/4096 and EC P-256/P-384/P-521 keys, not {name}: make one with `nskeys gen`"
            ),
        ),
    }
}

fn accepted(key: &KeyType) -> Finding {
    let key = key.describe();
    Finding::new(
        FindingKind::KeyAccepted { key: key.clone() },
        format!("key type {key} is accepted"),
        "",
    )
}

/// A bare public key given where NetSuite needs a certificate.
pub fn bare_public_key() -> Finding {
    Finding::new(
        FindingKind::BarePublicKey,
        "this is a bare public key, not a certificate",
        "NetSuite needs an X.509 certificate: make one with `nskeys gen` and upload public.pem",
    )
}

/// Whether a private key is the one of a certificate (or public key): both public halves
/// as SubjectPublicKeyInfo DER.
pub fn judge_match(public_spki_der: &[u8], key_spki_der: &[u8]) -> Finding {
    let bits = crate::pki::key::spki_key_bits;
    let cert_bits = bits(public_spki_der);
    if cert_bits.is_some() && cert_bits == bits(key_spki_der) {
        Finding::new(
            FindingKind::KeyMatches,
            "the certificate matches the private key",
            "",
        )
    } else {
        Finding::new(
            FindingKind::KeyMismatch,
            "the certificate does not match the private key",
            "NetSuite would refuse the signature: give the key made with this certificate (--key), or the certificate for this key (--cert)",
        )
    }
}

/// NetSuite's verdict on a certificate's dates at `now`, in this order: expired, past the
/// two-year window, or (with `windows`) within the critical or warning window; not valid
/// yet; valid longer than 730 days, or within two years.
pub fn judge_dates(
    facts: &CertFacts,
    now: OffsetDateTime,
    windows: Option<Windows>,
) -> Vec<Finding> {
    let until = netsuite_expiry(facts);
    let mut found = Vec::new();
    let left = days_left(facts, now);
    if now > facts.not_after {
        found.push(Finding::new(
            FindingKind::Expired {
                not_after: facts.not_after,
            },
            format!("the certificate expired on {}", rfc3339(facts.not_after)),
            NEW_PAIR,
        ));
    } else if now > until {
        found.push(Finding::new(
            FindingKind::PastWindow {
                until,
                not_after: facts.not_after,
            },
            format!(
                "NetSuite stopped accepting the certificate on {}, two years after its notBefore (it cuts validity to 730 days; the notAfter {} does not count)",
                rfc3339(until),
                rfc3339(facts.not_after)
            ),
            NEW_PAIR,
        ));
    } else if let Some(w) = windows {
        let soon =
            |what: &str| format!("the certificate {what} in {left} days ({})", rfc3339(until));
        if left < i64::from(w.crit_days) {
            found.push(Finding::new(
                FindingKind::WithinCritical {
                    days_left: left,
                    crit_days: w.crit_days,
                    until,
                },
                soon("expires"),
                "rotate it now: `nskeys rotate`",
            ));
        } else if left < i64::from(w.warn_days) {
            found.push(Finding::new(
                FindingKind::WithinWarning {
                    days_left: left,
                    warn_days: w.warn_days,
                    until,
                },
                soon("expires"),
                "rotate it soon",
            ));
        }
    }
    if now < facts.not_before {
        found.push(Finding::new(
            FindingKind::NotYetValid {
                not_before: facts.not_before,
            },
            format!(
                "the certificate is not valid until {}",
                rfc3339(facts.not_before)
            ),
            "wait, or check this machine's clock",
        ));
    }
    if longer_than_window(facts) {
        found.push(Finding::new(
            FindingKind::LongerThanWindow {
                validity_days: facts.validity_days(),
                until,
                not_after: facts.not_after,
            },
            format!(
                "the certificate is valid for {} days, but NetSuite cuts validity to 730 days: it stops working {}, not at its notAfter {}",
                facts.validity_days(),
                rfc3339(until),
                rfc3339(facts.not_after)
            ),
            "replace it before then: `nskeys gen` makes certificates of at most 730 days",
        ));
    } else {
        found.push(Finding::new(
            FindingKind::ValidityWithinWindow,
            "validity within NetSuite's two years",
            "",
        ));
    }
    found
}

/// The worst level among findings (OK when there are none).
pub fn worst(findings: &[Finding]) -> Level {
    findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::alg::KeyKind;
    use crate::pki::key::KeyType;

    const DAY: i64 = 86_400;

    fn t(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn cert(not_before: i64, not_after: i64) -> CertFacts {
        CertFacts {
            subject: "CN=t".into(),
            subject_cn: Some("t".into()),
            issuer: "CN=t".into(),
            issuer_cn: Some("t".into()),
            serial: vec![1],
            not_before: t(not_before),
            not_after: t(not_after),
            signature: crate::pki::facts::SignatureInfo {
                algorithm: "ecdsa-with-SHA256".into(),
                pss: None,
            },
            key: KeyType::Ec(KeyKind::P256),
            spki_der: Vec::new(),
            sha256: Vec::new(),
            der: Vec::new(),
            self_issued: true,
        }
    }

    fn kinds(f: &[Finding]) -> Vec<&FindingKind> {
        f.iter().map(|f| &f.kind).collect()
    }

    const W: Option<Windows> = Some(Windows {
        warn_days: 30,
        crit_days: 7,
    });

    #[test]
    fn windows_are_whole_days_as_openssl_checkend_counts_them() {
        let c = cert(-100 * DAY, 7 * DAY);
        // Exactly 7 days left is not "within 7 days" (openssl -checkend agrees); a second less is.
        assert_eq!(worst(&judge_dates(&c, t(0), W)), Level::Warning);
        assert_eq!(worst(&judge_dates(&c, t(1), W)), Level::Critical);
        assert_eq!(days_left(&c, t(1)), 6);
        let c = cert(-100 * DAY, 30 * DAY);
        assert_eq!(worst(&judge_dates(&c, t(0), W)), Level::Ok);
        assert_eq!(worst(&judge_dates(&c, t(1), W)), Level::Warning);
        // No windows: nothing about days left.
        assert_eq!(worst(&judge_dates(&c, t(1), None)), Level::Ok);
    }

    #[test]
    fn expiry_instant_itself_is_still_valid() {
        let c = cert(-100 * DAY, 0);
        let at_end = judge_dates(&c, t(0), W);
        assert!(matches!(
            at_end[0].kind,
            FindingKind::WithinCritical { days_left: 0, .. }
        ));
        assert!(!at_end[0].kind.refuses_now());
        let after = judge_dates(&c, t(1), W);
        assert!(matches!(after[0].kind, FindingKind::Expired { .. }));
        assert!(after[0].kind.refuses_now());
        assert_eq!(days_left(&c, t(1)), -1);
    }

    #[test]
    fn not_yet_valid_and_too_long_are_warnings() {
        let notyet = judge_dates(&cert(DAY, 300 * DAY), t(0), W);
        assert_eq!(worst(&notyet), Level::Warning);
        assert!(notyet.iter().any(|f| f.kind.refuses_now()));
        assert_eq!(
            kinds(&judge_dates(&cert(0, 730 * DAY), t(0), W)),
            [&FindingKind::ValidityWithinWindow]
        );
        let long = cert(0, 731 * DAY);
        assert_eq!(worst(&judge_dates(&long, t(0), W)), Level::Warning);
        assert_eq!(days_left(&long, t(0)), 730);
        // Days count to NetSuite's cut, and past it NetSuite refuses the certificate.
        let past = judge_dates(&long, t(730 * DAY + 1), W);
        assert!(matches!(past[0].kind, FindingKind::PastWindow { .. }));
        assert_eq!(past[0].level, Level::Critical);
        assert!(past[0].kind.refuses_now());
    }

    #[test]
    fn keys_as_netsuite_takes_them() {
        for (key, level) in [
            (KeyType::Rsa { bits: 4096 }, Level::Ok),
            (KeyType::Rsa { bits: 3072 }, Level::Ok),
            (KeyType::Rsa { bits: 2048 }, Level::Critical),
            (KeyType::RsaPss { bits: 3072 }, Level::Warning),
            (KeyType::RsaPss { bits: 2048 }, Level::Critical),
            (KeyType::Ec(KeyKind::P521), Level::Ok),
            (KeyType::EcOther("secp256k1".into()), Level::Critical),
            (KeyType::Other("Ed25519".into()), Level::Critical),
        ] {
            let f = judge_key(&key);
            assert_eq!(f.level, level, "{key:?}");
            assert_eq!(f.kind.refuses_now(), level == Level::Critical, "{key:?}");
        }
    }

    #[test]
    fn a_far_future_not_before_does_not_overflow() {
        let c = CertFacts {
            not_before: time::macros::datetime!(9999-12-31 00:00 UTC),
            not_after: time::macros::datetime!(9999-12-31 23:59 UTC),
            ..cert(0, 0)
        };
        assert_eq!(netsuite_expiry(&c), c.not_after);
    }
}
