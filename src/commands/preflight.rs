//! The exchange plan shared by `verify`, `token`, `rotate` and `certs list`: everything checked
//! before any network, so that what NetSuite would refuse is found here (exit 2) and nothing
//! is sent. Certificates and keys are read through `store::read` and judged by
//! `pki::verdict`, exactly as `expiry` and `inspect` judge them.

use crate::error::{Error, Result};
use crate::netsuite::assertion::{Assertion, MAX_TTL};
use crate::netsuite::http::{self, Http, HttpAnswer};
use crate::netsuite::token::{self, Answer, Issued, Refusal, TokenRequest};
use crate::origin::{Origin, Sourced};
use crate::pki::alg::Alg;
use crate::pki::facts::CertFacts;
use crate::pki::key::{KeyFormat, PrivateKey};
use crate::pki::objects::{self, Encoding, NotCertificates, Role, Unreadable};
use crate::pki::verdict::{self, FindingKind, Windows};
use crate::store::input::{self, InputSource, InputValue};
use crate::store::passphrase::{Passphrase, PassphraseParams};
use crate::store::read::{display_name, read_contents};
use crate::time::{days_between, rfc3339};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use time::OffsetDateTime;

/// A clock further off than this from NetSuite's `Date` is named as a likely cause.
const CLOCK_SKEW_SECS: i64 = 60;

/// A certificate expiring within this many days is mentioned.
pub const EXPIRY_NOTICE_DAYS: u32 = 30;

/// The connection options of `verify`, `token`, `rotate` and `certs list`, each with where it
/// came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeParams {
    /// NetSuite account ID.
    pub account: Option<Sourced<String>>,
    /// Full token endpoint URL (wins over the account).
    pub token_url: Option<Sourced<String>>,
    /// The integration's client ID.
    pub client_id: Option<Sourced<String>>,
    /// The Certificate ID of the mapping.
    pub cert_id: Option<Sourced<String>>,
    /// The private key: a file, `-`, PEM text or base64 (see `store::input`).
    pub key: Sourced<InputValue>,
    /// The certificate, as the key (else `public.pem` if it exists).
    pub cert: Option<Sourced<InputValue>>,
    /// The JWT algorithm (else from the key).
    pub alg: Option<Sourced<Alg>>,
    /// Scopes, comma-separated.
    pub scope: Sourced<String>,
    /// Assertion lifetime, seconds.
    pub assertion_ttl: Sourced<u64>,
    /// Seconds allowed for the whole exchange.
    pub timeout: Sourced<u64>,
    /// Extra trusted roots for TLS.
    pub ca_cert: Option<Sourced<PathBuf>>,
    /// Where the passphrase of an encrypted key comes from.
    pub passphrase: PassphraseParams,
    /// Pre-flight only, no network.
    pub dry_run: bool,
    /// Send a given `cert_id` even when the certificate beside the key has another ID.
    pub no_cert_id_check: bool,
    /// The profile to fill unset options from (`--profile` / `NS_PROFILE`).
    pub profile: Option<Sourced<String>>,
    /// A key directory: its private.pem, public.pem and state file (`--dir` / `NS_KEY_DIR`).
    pub dir: Option<Sourced<PathBuf>>,
}

impl ExchangeParams {
    /// Nothing given: every option unset or at nskeys' default.
    pub fn defaults() -> Self {
        ExchangeParams {
            account: None,
            token_url: None,
            client_id: None,
            cert_id: None,
            key: Sourced::default_value(InputValue::from(PathBuf::from("private.pem"))),
            cert: None,
            alg: None,
            scope: Sourced::default_value("rest_webservices".into()),
            assertion_ttl: Sourced::default_value(300),
            timeout: Sourced::default_value(30),
            ca_cert: None,
            passphrase: PassphraseParams::default(),
            dry_run: false,
            no_cert_id_check: false,
            profile: None,
            dir: None,
        }
    }
}

/// The certificate given with `--cert`, as far as pre-flight needs it.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// The file.
    pub path: PathBuf,
    /// Subject (RFC 4514).
    pub subject: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whole days until notAfter.
    pub days_left: i64,
    /// Its NetSuite Certificate ID (base64url of the SHA-256 of its DER).
    pub certificate_id: String,
}

/// Something worth saying that does not stop the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// The token URL's host has `_`, which NetSuite's hosts never have.
    UnderscoreInHost,
    /// No certificate given, and no `public.pem`: the key cannot be checked against it.
    NoCertificate,
    /// The certificate expires within [`EXPIRY_NOTICE_DAYS`].
    ExpiresSoon {
        /// The file.
        name: String,
        /// Whole days left (to NetSuite's expiry).
        days_left: i64,
        /// NetSuite's expiry.
        until: OffsetDateTime,
    },
    /// Valid for longer than NetSuite honours: what the verdict said.
    LongerThanWindow {
        /// The verdict's words.
        what: String,
    },
    /// `--token-url` named a host only (as the Company URLs subtab shows it): the token path
    /// was added.
    TokenPathAdded {
        /// The URL used.
        url: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnderscoreInHost => f.write_str("the token URL's host contains '_': NetSuite's hosts use '-' (1234567_SB1 -> 1234567-sb1); --account does this for you"),
            Warning::NoCertificate => f.write_str("no certificate given (--cert): cannot check that the key matches the one uploaded to NetSuite"),
            Warning::ExpiresSoon { name, days_left, until } => write!(
                f,
                "the certificate {name} expires in {days_left} days ({}): rotate it soon",
                rfc3339(*until)
            ),
            Warning::LongerThanWindow { what } => f.write_str(what),
            Warning::TokenPathAdded { url } => write!(
                f,
                "the token URL named a host only (as the Company URLs subtab shows it): using {url}"
            ),
        }
    }
}

impl Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Everything the exchange needs, checked.
#[derive(Debug)]
pub struct Plan {
    /// The token request.
    pub request: TokenRequest,
    /// Where the key came from (a file, or described: never its text).
    pub key_source: InputSource,
    /// The key.
    pub key: PrivateKey,
    /// Its encoding.
    pub key_format: KeyFormat,
    /// The passphrase it was encrypted with, if it was.
    pub key_passphrase: Option<Passphrase>,
    /// The certificate, if one was given or `public.pem` exists.
    pub cert: Option<CertInfo>,
    /// The unsigned assertion.
    pub assertion: Assertion,
    /// Things worth saying that do not stop the exchange.
    pub warnings: Vec<Warning>,
    /// Time allowed for the whole exchange.
    pub timeout: Duration,
    /// Extra trusted roots.
    pub ca_cert: Option<Sourced<PathBuf>>,
    /// Where the Certificate ID (the assertion's `kid`) came from.
    pub cert_id_origin: Origin,
}

impl Plan {
    /// Where the assertion is posted (also its `aud`).
    pub fn token_url(&self) -> &reqwest::Url {
        &self.request.url
    }

    /// An HTTP client for this plan, finishing within `timeout`, with the `--ca-cert` roots
    /// (read now, through the one reader).
    pub fn http(&self, timeout: Duration) -> Result<Http> {
        let Some(ca) = &self.ca_cert else {
            return Http::new(timeout, &[]);
        };
        let name = format!("{}, from {}", display_name(&ca.value), ca.origin);
        let roots = ca_roots(&ca.value, &name)?;
        Http::new(timeout, &roots).map_err(|e| e.at(&name))
    }
}

/// What a plan's token request came to.
#[derive(Debug)]
pub struct Exchanged {
    /// The token endpoint's HTTP status, once it answered.
    pub http_status: Option<u16>,
    /// NetSuite's refusal, with what nskeys makes of it.
    pub refusal: Option<Refusal>,
    /// The token, or why there is none: a refusal is an exit-2 error naming NetSuite's
    /// answer and its most likely cause.
    pub result: Result<Issued>,
}

impl Plan {
    /// Sign the assertion, post it, read the answer.
    pub fn exchange(&self, http: &Http) -> Exchanged {
        let posted = self
            .assertion
            .sign(&self.key)
            .and_then(|jwt| http.post_token(self.token_url(), &jwt));
        let answer = match posted {
            Ok(answer) => answer,
            Err(e) => {
                return Exchanged {
                    http_status: None,
                    refusal: None,
                    result: Err(e),
                };
            }
        };
        let url = self.token_url().as_str();
        let read = token::read_answer(url, answer.status, &answer.body, answer.location.as_deref());
        let (refusal, result) = match read {
            Err(e) => (None, Err(e)),
            Ok(Answer::Issued(issued)) => (None, Ok(issued)),
            Ok(Answer::Refused(mut refusal)) => {
                if let Some(skew) = clock_skew(&answer, crate::time::now()) {
                    refusal.clock_measured(skew);
                }
                let code = refusal
                    .error
                    .clone()
                    .unwrap_or_else(|| "no error code".into());
                let first = refusal
                    .likely_causes
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let mut hint = format!(
                    "most likely {first}; see the Login Audit Trail's Detail column (Use Advanced Search, Results subtab)"
                );
                for note in &refusal.notes {
                    hint.push_str("; ");
                    hint.push_str(note);
                }
                let error = Error::critical(
                    format!(
                        "NetSuite refused the token request: HTTP {} {code}",
                        answer.status
                    ),
                    hint,
                )
                .at(url);
                (Some(refusal), Err(error))
            }
        };
        Exchanged {
            http_status: Some(answer.status),
            refusal,
            result,
        }
    }

    /// A token for this plan (for `rotate` and `certs`).
    pub fn fetch_token(&self, http: &Http) -> Result<Issued> {
        self.exchange(http).result
    }
}

/// Seconds between NetSuite's `Date` and `now`, if more than the tolerance.
fn clock_skew(answer: &HttpAnswer, now: OffsetDateTime) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = time::PrimitiveDateTime::parse(answer.date.as_deref()?.trim(), format).ok()?;
    let skew = now.unix_timestamp() - date.assume_utc().unix_timestamp();
    (skew.abs() > CLOCK_SKEW_SECS).then_some(skew)
}

/// The `--ca-cert` file's certificates: PEM only, judged by nskeys' own reader first, whose
/// errors name the file and what is wrong with it (the TLS stack's would say only
/// "BadEncoding").
fn ca_roots(path: &Path, name: &str) -> Result<Vec<CertFacts>> {
    let contents =
        read_contents(path).map_err(|f| f.into_error(name, |u| u.error(Role::CaCert, name)))?;
    let encoding = contents.encoding;
    let certs = contents
        .certificates()
        .map_err(|r| r.error(Role::CaCert, name))?;
    if encoding != Encoding::Pem {
        return Err(Error::unknown(
            "the --ca-cert file must be PEM",
            "convert it: openssl x509 -inform DER -in CA.der -out CA.pem",
        )
        .at(name));
    }
    Ok(certs)
}

/// Resolve and check the options, key and certificate; build the assertion (unsigned), as
/// issued at `now`.
pub fn plan(params: &ExchangeParams, now: OffsetDateTime) -> Result<Plan> {
    let mut warnings = Vec::new();
    // The certificate: given, else the public.pem beside a profile's key (never the one in
    // this directory), else ./public.pem if there is one.
    let cert_value = match &params.cert {
        Some(v) => Some(v.clone()),
        None => {
            let beside = match (&params.key.origin, params.key.value.path()) {
                (Origin::Profile { .. }, Some(key)) => key.with_file_name("public.pem"),
                _ => PathBuf::from("public.pem"),
            };
            Some(beside)
                .filter(|p| p.is_file())
                .map(|p| Sourced::default_value(InputValue::from(p)))
        }
    };
    // Everything missing, in one message.
    let given =
        |v: &Option<Sourced<String>>| v.as_ref().is_some_and(|v| !v.value.trim().is_empty());
    let cert_id_known = given(&params.cert_id)
        || cert_value.is_some()
        || params
            .key
            .value
            .path()
            .is_some_and(|k| crate::store::state::cert_id_for_key(&k).is_some());
    let mut missing = Vec::new();
    if !given(&params.token_url) && !given(&params.account) {
        missing.push(
            "the account (--account or NS_ACCOUNT_ID; or the full --token-url or NS_TOKEN_URL)",
        );
    }
    if !given(&params.client_id) {
        missing.push(
            "the integration record's Client ID, the assertion's iss (--client-id or NS_CLIENT_ID)",
        );
    }
    if !cert_id_known {
        missing.push(
            "the Certificate ID, the assertion's kid (--cert-id or NS_CERT_ID; or the certificate uploaded to NetSuite, --cert or NS_CERTIFICATE, default public.pem, to compute it from)",
        );
    }
    if !missing.is_empty() {
        let n = missing.len();
        return Err(Error::unknown(
            format!(
                "{} missing: {}",
                if n == 1 {
                    "one option is"
                } else {
                    "options are"
                },
                missing.join("; ")
            ),
            if n == 1 {
                "give it as a flag, an NS_* variable, or in a profile (nskeys profile add NAME ..., then --profile NAME)"
            } else {
                "give them as flags, NS_* variables, or in a profile (nskeys profile add NAME ..., then --profile NAME)"
            },
        ));
    }
    let (url, url_origin) = match (&params.token_url, &params.account) {
        (Some(url), _) => {
            let (completed_url, completed) = token::complete_token_url(&url.value);
            if completed {
                warnings.push(Warning::TokenPathAdded {
                    url: completed_url.clone(),
                });
            }
            (completed_url, &url.origin)
        }
        (None, Some(account)) => (
            token::token_url_for_account(&account.value)
                .map_err(|e| e.from_origin(&account.origin))?,
            &account.origin,
        ),
        (None, None) => {
            return Err(Error::unknown(
                "no token endpoint given",
                "set --account (or NS_ACCOUNT_ID) to the account ID, or --token-url (or NS_TOKEN_URL)",
            ));
        }
    };
    let token_url = http::check_url(&url).map_err(|e| e.from_origin(url_origin))?;
    let client_id = required(
        &params.client_id,
        "--client-id",
        "NS_CLIENT_ID",
        "the integration record's Client ID (consumer key; the assertion's iss)",
    )?;
    let scopes = token::parse_scopes(&params.scope.value)
        .map_err(|e| e.from_origin(&params.scope.origin))?;
    let ttl = params.assertion_ttl.value;
    if ttl == 0 || ttl > MAX_TTL {
        return Err(Error::unknown(
            format!(
                "--assertion-ttl {ttl} is out of range{}",
                from_where(&params.assertion_ttl.origin)
            ),
            format!(
                "give 1 to {MAX_TTL} seconds (Oracle's samples use {MAX_TTL}; a longer assertion is refused: TokenValidityTooBroad)"
            ),
        ));
    }
    if params.timeout.value == 0 {
        return Err(Error::unknown(
            format!(
                "--timeout 0 is not allowed{}",
                from_where(&params.timeout.origin)
            ),
            "give the seconds allowed for the exchange, e.g. 30",
        ));
    }

    let read = input::read_key(&params.key, &params.passphrase)?;
    let key_name = read.source.to_string();
    let loaded = read.loaded;
    let key_source = read.source;
    let key_passphrase = read.passphrase;
    let key = loaded.key;
    let key_verdict = verdict::judge_key(&key.key_type());
    if key_verdict.kind.refuses_now() {
        return Err(Error::critical(key_verdict.what, key_verdict.hint).at(&key_name));
    }
    let alg = params
        .alg
        .as_ref()
        .map_or_else(|| key.kind().default_alg(), |a| a.value);
    if let Err(why) = key.check_alg(alg) {
        return Err(
            Error::unknown(why.to_string(), "leave --alg out to infer it from the key")
                .at(&key_name),
        );
    }

    if token_url.host_str().is_some_and(|h| h.contains('_')) {
        // A common mistake: the account ID pasted into the host as is (1234567_SB1).
        warnings.push(Warning::UnderscoreInHost);
    }
    let cert = match cert_value {
        Some(value) => {
            let cert_input = input::read(&value, input::CERT)?;
            Some(check_certificate(&cert_input, &key, now, &mut warnings)?)
        }
        None => {
            warnings.push(Warning::NoCertificate);
            None
        }
    };

    let cert_id = resolve_cert_id(params, cert.as_ref())?;
    let request = TokenRequest {
        url: token_url,
        client_id,
        cert_id: cert_id.value.clone(),
        scopes,
        alg,
        ttl,
    };
    Ok(Plan {
        assertion: request.assertion(now.unix_timestamp()),
        request,
        key_source,
        key,
        key_format: loaded.format,
        key_passphrase,
        cert,
        warnings,
        timeout: Duration::from_secs(params.timeout.value),
        ca_cert: params.ca_cert.clone(),
        cert_id_origin: cert_id.origin,
    })
}

/// The Certificate ID (the assertion's `kid`), in order: `--cert-id`/`NS_CERT_ID`, the state
/// file beside the key (kept by `nskeys rotate`), the certificate (NetSuite's Certificate ID
/// is the SHA-256 of the certificate, so it is known before the upload). A given ID that is
/// not the certificate's is refused (exit 2): NetSuite would answer MissingKey or
/// SignatureValidation.
fn resolve_cert_id(params: &ExchangeParams, cert: Option<&CertInfo>) -> Result<Sourced<String>> {
    let given = params
        .cert_id
        .as_ref()
        .map(|g| Sourced::new(g.value.trim().to_string(), g.origin.clone()))
        .filter(|g| !g.value.is_empty());
    if let Some(given) = given {
        if let Some(cert) = cert
            && cert.certificate_id != given.value
            && !params.no_cert_id_check
        {
            return Err(cert_id_mismatch(&given, &cert.path, &cert.certificate_id));
        }
        return Ok(given);
    }
    if let Some(key_file) = params.key.value.path()
        && let Some(id) = crate::store::state::cert_id_for_key(&key_file)
    {
        return Ok(Sourced::new(
            id,
            Origin::StateFile(crate::store::state::path_for_key(&key_file)),
        ));
    }
    if let Some(cert) = cert {
        return Ok(Sourced::new(
            cert.certificate_id.clone(),
            Origin::Certificate(cert.path.clone()),
        ));
    }
    Err(Error::unknown(
        "no Certificate ID (the assertion's kid) and no certificate to compute it from",
        "give the certificate uploaded to NetSuite with --cert (or NS_CERTIFICATE; default public.pem), \
         or its Certificate ID from the M2M setup page with --cert-id (or NS_CERT_ID)",
    ))
}

/// A given Certificate ID that is not the certificate's: both IDs, where each came from, and
/// what to do.
pub fn cert_id_mismatch(given: &Sourced<String>, cert_path: &Path, cert_id: &str) -> Error {
    let name = display_name(cert_path);
    let flag = given.origin.to_string();
    // An ID of another shape is not a Certificate ID at all (a Client ID, an internal ID).
    let shape = if crate::pki::facts::looks_like_certificate_id(&given.value) {
        String::new()
    } else {
        " (and it is not even shaped like one: a Certificate ID is 43 characters of base64url)"
            .to_string()
    };
    Error::critical(
        format!(
            "the Certificate ID {} (from {flag}) is not the ID of the certificate {name}, which is {}{shape}; NetSuite would refuse the token request (Login Audit Trail: MissingKey)",
            given.value, cert_id
        ),
        format!(
            "NetSuite's Certificate ID is the SHA-256 of the certificate, so {} belongs to another certificate (another mapping, account or sandbox): \
             leave out {flag} to use {}, or give with --cert the certificate uploaded for {}; \
             if NetSuite really shows {} for this certificate, add --no-cert-id-check (or NS_NO_CERT_ID_CHECK=true)",
            given.value, cert_id, given.value, given.value
        ),
    )
    .at(name)
}

/// " (from NS_TIMEOUT)" for a value that did not come from its flag.
fn from_where(origin: &Origin) -> String {
    match origin {
        Origin::Flag(_) | Origin::Default => String::new(),
        other => format!(" (from {other})"),
    }
}

fn required(value: &Option<Sourced<String>>, flag: &str, env: &str, what: &str) -> Result<String> {
    match value.as_ref().map(|v| v.value.trim()) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(Error::unknown(
            format!("{flag} is missing"),
            format!("give {what} with {flag} or the {env} environment variable"),
        )),
    }
}

const GIVE_CERT: &str = "give the certificate (public.pem) with --cert, and the key with --key";

/// Read the certificate the key was uploaded with, and judge the pair as NetSuite would:
/// what it would refuse is an error (exit 2), the rest are warnings.
fn check_certificate(
    cert: &input::Input,
    key: &PrivateKey,
    now: OffsetDateTime,
    warnings: &mut Vec<Warning>,
) -> Result<CertInfo> {
    let name = cert.source.to_string();
    let file = cert
        .source
        .path()
        .map_or_else(|| name.clone(), display_name);
    let contents = crate::pki::objects::classify(&cert.data).map_err(|u| {
        let e = match u {
            Unreadable::Pem(e) => Error::unknown(
                e.to_string(),
                "the certificate file is damaged; use the one uploaded to NetSuite",
            ),
            Unreadable::NotPemOrDer(problem) | Unreadable::UnknownDer(problem) => {
                not_valid(&problem.detail())
            }
            Unreadable::Foreign(f) => {
                return objects::foreign_error(f, Role::Cert, &file).at(&name);
            }
        };
        e.at(&name)
    })?;
    let encoding = contents.encoding;
    let facts = match contents.certificates() {
        Ok(certs) => certs.into_iter().next(),
        Err(NotCertificates::PrivateKey) => {
            let what = match encoding {
                Encoding::Pem => "this is a private key, not a certificate",
                Encoding::Der => "this is a key (DER), not a certificate",
            };
            return Err(Error::unknown(what, GIVE_CERT).at(&name));
        }
        Err(NotCertificates::BarePublicKey) => {
            let f = verdict::bare_public_key();
            return Err(Error::critical(f.what, f.hint).at(&name));
        }
        Err(NotCertificates::BadCertificate { problem, .. }) => {
            return Err(not_valid(&problem.detail()).at(&name));
        }
        Err(NotCertificates::Foreign(f)) => {
            return Err(objects::foreign_error(f, Role::Cert, &file).at(&name));
        }
        Err(NotCertificates::NoCertificate { .. } | NotCertificates::Unreadable(_)) => None,
    };
    let Some(facts) = facts else {
        return Err(Error::unknown(
            "no certificate in the file",
            "give the certificate uploaded to NetSuite (BEGIN CERTIFICATE) with --cert",
        )
        .at(&name));
    };
    let mut findings = vec![verdict::judge_match(
        &facts.spki_der,
        &key.public_key_der()?,
    )];
    findings.extend(verdict::judge_dates(
        &facts,
        now,
        Some(Windows {
            warn_days: EXPIRY_NOTICE_DAYS,
            crit_days: 0,
        }),
    ));
    if let Some(refused) = findings.iter().find(|f| f.kind.refuses_now()) {
        return Err(Error::critical(refused.what.clone(), refused.hint.clone()).at(&name));
    }
    for f in findings {
        match f.kind {
            FindingKind::WithinWarning {
                days_left, until, ..
            }
            | FindingKind::WithinCritical {
                days_left, until, ..
            } => warnings.push(Warning::ExpiresSoon {
                name: name.clone(),
                days_left,
                until,
            }),
            FindingKind::LongerThanWindow { .. } => {
                warnings.push(Warning::LongerThanWindow { what: f.what });
            }
            _ => {}
        }
    }
    Ok(CertInfo {
        path: match cert.source.path() {
            Some(p) => p.to_path_buf(),
            None => PathBuf::from(name),
        },
        certificate_id: facts.certificate_id(),
        subject: facts.subject,
        not_after: rfc3339(facts.not_after),
        days_left: days_between(now, facts.not_after),
    })
}

fn not_valid(detail: &str) -> Error {
    Error::unknown(
        format!("not a valid certificate: {detail}"),
        "give the certificate uploaded to NetSuite with --cert",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer_dated(date: &str) -> HttpAnswer {
        HttpAnswer {
            status: 400,
            body: Vec::new().into(),
            location: None,
            date: Some(date.into()),
        }
    }

    #[test]
    fn a_clock_far_from_netsuites_is_noticed() {
        let now = time::macros::datetime!(2027-01-01 12:00:00 UTC);
        assert_eq!(
            clock_skew(&answer_dated("Fri, 01 Jan 2027 11:58:00 GMT"), now),
            Some(120)
        );
        assert_eq!(
            clock_skew(&answer_dated("Fri, 01 Jan 2027 11:59:30 GMT"), now),
            None
        );
        assert_eq!(clock_skew(&answer_dated("garbage"), now), None);
    }
}
