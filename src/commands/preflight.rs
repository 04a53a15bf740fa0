//! Pre-flight for `verify` and `token`: everything checked before any network, so that what
//! NetSuite would refuse is found here (exit 2) and nothing is sent.

use crate::cli::ExchangeArgs;
use crate::error::{Error, Result};
use crate::netsuite::assertion::{Assertion, Claims, Header, MAX_TTL};
use crate::netsuite::token as netsuite;
use crate::pki::key::{KeyFormat, PrivateKey, parse_private_key, spki_key_bits};
use crate::pki::pem::{looks_like_pem, pem_blocks};
use crate::store::read::{display_name, read_capped};
use crate::time as timeutil;
use der::{Decode, Encode};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A certificate expiring within this many days is mentioned.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// The certificate given with `--cert`, as far as pre-flight needs it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertInfo {
    /// The file.
    pub path: PathBuf,
    /// Subject (RFC 4514).
    pub subject: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Whole days until notAfter.
    pub days_left: i64,
}

/// Everything the exchange needs, checked.
#[derive(Debug)]
pub struct Plan {
    /// Where the assertion is posted (also its `aud`).
    pub token_url: reqwest::Url,
    /// The key file.
    pub key_path: PathBuf,
    /// The key.
    pub key: PrivateKey,
    /// Its encoding.
    pub key_format: KeyFormat,
    /// The certificate, if one was given or `public.pem` exists.
    pub cert: Option<CertInfo>,
    /// The unsigned assertion.
    pub assertion: Assertion,
    /// Things worth saying that do not stop the exchange.
    pub warnings: Vec<String>,
    /// Time allowed for the whole exchange.
    pub timeout: Duration,
    /// Extra trusted roots.
    pub ca_cert: Option<PathBuf>,
}

/// Resolve and check the options, key and certificate; build the assertion (unsigned).
pub fn plan(args: &ExchangeArgs, now: SystemTime) -> Result<Plan> {
    let url = match (&args.token_url, &args.account) {
        (Some(url), _) => url.trim().to_string(),
        (None, Some(account)) => netsuite::token_url_for_account(account)?,
        (None, None) => {
            return Err(Error::unknown(
                "no token endpoint given",
                "set --account (or NS_ACCOUNT_ID) to the account ID, or --token-url (or NS_TOKEN_URL)",
            ));
        }
    };
    let token_url = crate::netsuite::http::check_url(&url)?;
    let client_id = required(
        &args.client_id,
        "--client-id",
        "NS_CLIENT_ID",
        "the integration record's client ID (consumer key)",
    )?;
    // Not given: the state file beside the key (kept by `nskeys rotate`) may know it.
    let from_state = args
        .cert_id
        .is_none()
        .then(|| crate::store::state::cert_id_for_key(&args.key))
        .flatten();
    let cert_id = required(
        &args.cert_id.clone().or(from_state),
        "--cert-id",
        "NS_CERT_ID",
        "the Certificate ID shown on the M2M setup page",
    )?;
    let scope = netsuite::parse_scopes(&args.scope)?;
    if args.assertion_ttl == 0 || args.assertion_ttl > MAX_TTL {
        return Err(Error::unknown(
            format!("--assertion-ttl {} is out of range", args.assertion_ttl),
            format!(
                "give 1 to {MAX_TTL} seconds: NetSuite refuses assertions living 60 minutes or more"
            ),
        ));
    }
    if args.timeout == 0 {
        return Err(Error::unknown(
            "--timeout 0 is not allowed",
            "give the seconds allowed for the exchange, e.g. 30",
        ));
    }

    let key_name = display_name(&args.key);
    let loaded = parse_private_key(&read_capped(&args.key)?, &key_name)?;
    let key = loaded.key;
    if let Err(why) = key.netsuite_check() {
        return Err(Error::critical(why, "upload a certificate for an accepted key").at(&key_name));
    }
    let alg = args.alg.unwrap_or_else(|| key.kind().default_alg());
    if let Err(why) = key.check_alg(alg) {
        return Err(Error::unknown(why, "leave --alg out to infer it from the key").at(&key_name));
    }

    let mut warnings = Vec::new();
    if token_url.host_str().is_some_and(|h| h.contains('_')) {
        // A common mistake: the account ID pasted into the host as is (1234567_SB1).
        warnings.push("the token URL's host contains '_': NetSuite's hosts use '-' (1234567_SB1 -> 1234567-sb1); --account does this for you".into());
    }
    let cert_path = match &args.cert {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("public.pem")).filter(|p| p.is_file()),
    };
    let cert = match cert_path {
        Some(path) => Some(check_certificate(&path, &key, now, &mut warnings)?),
        None => {
            warnings.push("no certificate given (--cert): cannot check that the key matches the one uploaded to NetSuite".into());
            None
        }
    };

    let iat = timeutil::unix(now);
    let assertion = Assertion {
        header: Header {
            alg,
            typ: "JWT",
            kid: cert_id,
        },
        claims: Claims {
            iss: client_id,
            scope,
            aud: token_url.as_str().to_string(),
            iat,
            exp: iat + args.assertion_ttl as i64,
        },
    };
    Ok(Plan {
        token_url,
        key_path: args.key.clone(),
        key,
        key_format: loaded.format,
        cert,
        assertion,
        warnings,
        timeout: Duration::from_secs(args.timeout),
        ca_cert: args.ca_cert.clone(),
    })
}

fn required(value: &Option<String>, flag: &str, env: &str, what: &str) -> Result<String> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(Error::unknown(
            format!("{flag} is missing"),
            format!("give {what} with {flag} or the {env} environment variable"),
        )),
    }
}

/// Read the certificate, check it holds the key's public half and is valid now.
fn check_certificate(
    path: &Path,
    key: &PrivateKey,
    now: SystemTime,
    warnings: &mut Vec<String>,
) -> Result<CertInfo> {
    let name = display_name(path);
    let data = read_capped(path)?;
    let der = if looks_like_pem(&data) {
        let blocks = pem_blocks(&data).map_err(|e| {
            Error::unknown(
                e,
                "the certificate file is damaged; use the one uploaded to NetSuite",
            )
            .at(&name)
        })?;
        match blocks.into_iter().find(|b| b.label == "CERTIFICATE") {
            Some(b) => b.der,
            None if data.windows(10).any(|w| w == b"PUBLIC KEY") => {
                return Err(Error::critical(
                    "this is a bare public key, not a certificate",
                    "NetSuite needs an X.509 certificate: make one with `nskeys gen` and upload public.pem",
                )
                .at(&name));
            }
            None if blocks_have_private_key(&data) => {
                return Err(Error::unknown(
                    "this is a private key, not a certificate",
                    "give the certificate (public.pem) with --cert, and the key with --key",
                )
                .at(&name));
            }
            None => {
                return Err(Error::unknown(
                    "no certificate in the file",
                    "give the certificate uploaded to NetSuite (BEGIN CERTIFICATE) with --cert",
                )
                .at(&name));
            }
        }
    } else if crate::pki::facts::is_key_file(&data) {
        return Err(Error::unknown(
            "this is a key (DER), not a certificate",
            "give the certificate (public.pem) with --cert, and the key with --key",
        )
        .at(&name));
    } else {
        data
    };
    let cert = x509_cert::Certificate::from_der(&der).map_err(|e| {
        Error::unknown(
            format!("not a valid certificate: {e}"),
            "give the certificate uploaded to NetSuite with --cert",
        )
        .at(&name)
    })?;
    let tbs = cert.tbs_certificate();
    let cert_spki = tbs.subject_public_key_info().to_der().ok();
    let cert_bits = cert_spki.as_deref().and_then(spki_key_bits);
    let key_bits = key.public_key_der().ok().as_deref().and_then(spki_key_bits);
    if cert_bits.is_none() || cert_bits != key_bits {
        return Err(Error::critical(
            "the certificate does not match the private key",
            "NetSuite would refuse the signature: give the key made with this certificate (--key), or the certificate for this key (--cert)",
        )
        .at(&name));
    }
    let not_before = tbs.validity().not_before.to_system_time();
    let not_after = tbs.validity().not_after.to_system_time();
    if now < not_before {
        return Err(Error::critical(
            format!(
                "the certificate is not valid until {}",
                timeutil::rfc3339(not_before)
            ),
            "wait, or check this machine's clock",
        )
        .at(&name));
    }
    if now > not_after {
        return Err(Error::critical(
            format!(
                "the certificate expired on {}",
                timeutil::rfc3339(not_after)
            ),
            "make a new pair with `nskeys gen`, upload it and create a new mapping",
        )
        .at(&name));
    }
    let days_left = crate::pki::facts::days_between(timeutil::unix(now), timeutil::unix(not_after));
    if days_left < EXPIRY_NOTICE_DAYS {
        warnings.push(format!(
            "the certificate {name} expires in {days_left} days ({}): rotate it soon",
            timeutil::rfc3339(not_after)
        ));
    }
    Ok(CertInfo {
        path: path.to_path_buf(),
        subject: tbs.subject().to_string(),
        not_after: timeutil::rfc3339(not_after),
        days_left,
    })
}

/// Whether PEM text holds a private key block (given where a certificate belongs).
fn blocks_have_private_key(data: &[u8]) -> bool {
    pem_blocks(data).is_ok_and(|b| b.iter().any(|b| b.label.contains("PRIVATE KEY")))
}
