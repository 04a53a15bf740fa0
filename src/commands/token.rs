//! `nskeys token`: an access token for scripts, from the token cache while it has more than
//! `--min-valid` seconds left, else from a new exchange (then cached). The cache lookup comes
//! before the key is parsed or any curve arithmetic is done: a cached call costs a file read
//! and two hashes. `exec` gets its token here too.

use crate::commands::connection::{self, Extras};
use crate::commands::preflight::{self, ExchangeParams, Warning};
use crate::error::{Error, Result, Status};
use crate::netsuite::{http, token as netsuite};
use crate::origin::Sourced;
use crate::store::cache::{self, Cache, CachedToken, KeyParts};
use crate::store::input::InputValue;
use serde::Serialize;
use std::io::Write;
use zeroize::Zeroizing;

/// What `nskeys token` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenFormat {
    /// The token alone.
    Bare,
    /// `Authorization: Bearer <token>`.
    Header,
    /// One JSON object.
    Json,
}

/// How the token cache is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheParams {
    /// `--no-cache`.
    pub no_cache: bool,
    /// `NS_TOKEN_CACHE`, if set (on/off), with where it came from.
    pub switch: Option<Sourced<String>>,
    /// `--min-valid` / `NS_MIN_VALID`.
    pub min_valid: Sourced<u64>,
}

/// `nskeys token`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenParams {
    /// Connection and assertion options.
    pub exchange: ExchangeParams,
    /// The token cache.
    pub cache: CacheParams,
    /// What to print.
    pub format: TokenFormat,
}

/// A token, fresh or cached.
#[derive(Debug)]
pub struct Obtained {
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// `bearer`.
    pub token_type: String,
    /// Seconds left, if known.
    pub expires_in: Option<u64>,
    /// When it expires, seconds since the epoch, if known.
    pub expires_at: Option<i64>,
    /// Scopes, only if NetSuite said them.
    pub scope: Option<String>,
    /// Whether it came from the cache.
    pub cached: bool,
    /// The token endpoint it came from.
    pub token_url: String,
}

/// Whether to use the cache: `--no-cache` > `NS_TOKEN_CACHE` > the profile > on.
fn cache_enabled(cache: &CacheParams, extras: &Extras) -> Result<bool> {
    if cache.no_cache {
        return Ok(false);
    }
    if let Some(s) = &cache.switch {
        return connection::parse_switch(&s.value).ok_or_else(|| {
            Error::unknown(
                format!("invalid value {:?}", s.value),
                "use NS_TOKEN_CACHE=off to turn the token cache off, or on",
            )
            .at(s.origin.to_string())
        });
    }
    Ok(extras.token_cache.as_ref().is_none_or(|s| s.value))
}

/// The cache entry for these options, computed without parsing the key: `None` when it cannot
/// be (a key not in a regular file, an option the full pre-flight will refuse).
fn entry_for(params: &ExchangeParams) -> Option<(cache::EntryKey, String)> {
    let url = match (&params.token_url, &params.account) {
        (Some(u), _) if !u.value.trim().is_empty() => u.value.trim().to_string(),
        (_, Some(a)) => netsuite::token_url_for_account(&a.value).ok()?,
        _ => return None,
    };
    let url = http::check_url(&url).ok()?.to_string();
    let client_id = params.client_id.as_ref()?.value.trim().to_string();
    // The key's bytes (a file's, or the text of a variable; not stdin), and the certificate's
    // when one is given or present, so that any other input misses the cache and gets the full
    // pre-flight. An encrypted key is never served from the cache: a token must not be had
    // without its passphrase.
    let (key, encrypted) = value_sha256(&params.key, crate::store::input::KEY)?;
    if encrypted {
        return None;
    }
    let key_path = params.key.value.path();
    let cert = match &params.cert {
        Some(c) => Some(value_sha256(c, crate::store::input::CERT)?.0),
        None => {
            let beside = match (&params.key.origin, key_path.as_deref()) {
                (crate::origin::Origin::Profile { .. }, Some(k)) => k.with_file_name("public.pem"),
                _ => std::path::PathBuf::from("public.pem"),
            };
            beside
                .is_file()
                .then(|| {
                    value_sha256(
                        &Sourced::default_value(InputValue::from(beside)),
                        crate::store::input::CERT,
                    )
                })
                .flatten()
                .map(|(sha, _)| sha)
        }
    };
    // The Certificate ID as given, else from the state file, else the certificate's bytes
    // stand for it (its ID is their SHA-256): no certificate parsing on a cache hit.
    let cert_id = match &params.cert_id {
        Some(c) => Some(c.value.trim().to_string()),
        None => key_path
            .as_deref()
            .and_then(crate::store::state::cert_id_for_key),
    };
    let hex = |sha: &[u8; 32]| sha.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let cert_id = match (cert_id, cert) {
        (Some(id), Some(c)) => format!("{id}\0certificate:{}", hex(&c)),
        (Some(id), None) => id,
        (None, Some(c)) => format!("certificate:{}", hex(&c)),
        (None, None) => return None,
    };
    if client_id.is_empty() || cert_id.is_empty() {
        return None;
    }
    let scopes = netsuite::parse_scopes(&params.scope.value).ok()?;
    let parts = KeyParts {
        token_url: &url,
        client_id: &client_id,
        cert_id: &cert_id,
        scopes: &scopes,
        key_sha256: key,
    };
    Some((parts.entry(), url))
}

/// SHA-256 of the bytes a key or certificate value leads to (a file's, or the text itself,
/// decoded), and whether they are an encrypted key; `None` for stdin or an unreadable value
/// (left to the full pre-flight to report).
fn value_sha256(
    value: &Sourced<InputValue>,
    option: crate::store::input::OptionName,
) -> Option<([u8; 32], bool)> {
    if value.value.route() == crate::store::input::Route::Stdin {
        return None;
    }
    let read = crate::store::input::read(value, option).ok()?;
    Some((
        cache::sha256(&read.data),
        crate::store::input::is_encrypted(&read.data),
    ))
}

fn from_cache(t: CachedToken, now: i64, url: String) -> Obtained {
    Obtained {
        expires_in: u64::try_from(t.expires_at - now).ok(),
        expires_at: Some(t.expires_at),
        access_token: t.access_token,
        token_type: t.token_type,
        scope: t.scope,
        cached: true,
        token_url: url,
    }
}

/// A token for `params` (already resolved against the profile): from the cache if allowed and
/// fresh enough, else from an exchange. A refusal's diagnosis goes to stderr; nothing is cached
/// then.
pub fn obtain(params: &ExchangeParams, cache: &CacheParams, extras: &Extras) -> Result<Obtained> {
    let min_valid = if cache.min_valid.is_default() {
        extras.min_valid.clone().unwrap_or(cache.min_valid.clone())
    } else {
        cache.min_valid.clone()
    };
    let store = if cache_enabled(cache, extras)? {
        Cache::locate()
    } else {
        None
    };
    let entry = store.as_ref().and_then(|_| entry_for(params));
    let (Some(store), Some((key, url))) = (store, entry) else {
        return exchange(params, None);
    };
    let now = crate::time::now().unix_timestamp();
    if let Some(t) = store.get(&key, now, min_valid.value) {
        return Ok(from_cache(t, now, url));
    }
    // Cold or stale: one process exchanges, the others wait for its token.
    let _lock = match store.lock(&key) {
        Ok(lock) => lock,
        Err(e) => {
            // No usable cache directory: still a token, just not a cached one.
            eprintln!("nskeys: warning: {e}");
            return exchange(params, None);
        }
    };
    let now = crate::time::now().unix_timestamp();
    if let Some(t) = store.get(&key, now, min_valid.value) {
        return Ok(from_cache(t, now, url));
    }
    exchange(params, Some((&store, &key)))
}

/// Pre-flight, exchange, and (with a cache) store the token.
fn exchange(
    params: &ExchangeParams,
    store: Option<(&Cache, &cache::EntryKey)>,
) -> Result<Obtained> {
    let now = crate::time::now();
    let plan = preflight::plan(params, now)?;
    // A missing certificate is normal for scripts; only real news goes to stderr: after the
    // token is issued, or after the one-line error.
    let warnings: Vec<String> = plan
        .warnings
        .iter()
        .filter(|w| **w != Warning::NoCertificate)
        .map(|w| format!("nskeys: warning: {w}"))
        .collect();
    let http = plan
        .http(plan.timeout)
        .map_err(|e| e.with_details(warnings.clone()))?;
    let exchanged = plan.exchange(&http);
    let issued = match exchanged.result {
        Ok(issued) => issued,
        Err(e) => {
            let diagnosis = exchanged
                .refusal
                .as_ref()
                .map(crate::commands::verify::refusal_lines)
                .unwrap_or_default();
            return Err(e.with_details(diagnosis).with_details(warnings));
        }
    };
    for w in &warnings {
        eprintln!("{w}");
    }
    let expires_at = issued
        .expires_in
        .map(|s| now.unix_timestamp() + i64::try_from(s).unwrap_or(0));
    if let (Some((cache, key)), Some(expires_at)) = (store, expires_at) {
        let t = CachedToken {
            access_token: issued.access_token.clone(),
            token_type: issued.token_type.clone(),
            scope: issued.scope.clone(),
            expires_at,
        };
        if let Err(e) = cache.put(key, &t) {
            // The token is good; the cache is a convenience.
            eprintln!("nskeys: warning: {e}");
        }
    }
    Ok(Obtained {
        access_token: issued.access_token,
        token_type: issued.token_type,
        expires_in: issued.expires_in,
        expires_at,
        scope: issued.scope,
        cached: false,
        token_url: plan.token_url().to_string(),
    })
}

#[derive(Serialize)]
struct Json<'a> {
    access_token: &'a str,
    token_type: &'a str,
    expires_in: Option<u64>,
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scopes: Option<Vec<&'a str>>,
    cached: bool,
}

/// `nskeys token`: the access token on stdout (as `--format` says); on failure nothing there,
/// the diagnosis and the one-line error on stderr.
pub fn command(params: &TokenParams, out: &mut dyn Write) -> Result<Status> {
    let mut exchange = params.exchange.clone();
    let extras = connection::resolve(&mut exchange)?;
    let t = obtain(&exchange, &params.cache, &extras)?;
    let text = match params.format {
        TokenFormat::Bare => Zeroizing::new(format!("{}\n", t.access_token.as_str())),
        TokenFormat::Header => Zeroizing::new(format!(
            "Authorization: Bearer {}\n",
            t.access_token.as_str()
        )),
        TokenFormat::Json => {
            let expires_at = t
                .expires_at
                .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
                .map(crate::time::rfc3339);
            let json = Json {
                access_token: &t.access_token,
                token_type: &t.token_type,
                expires_in: t.expires_in,
                expires_at,
                scopes: t
                    .scope
                    .as_deref()
                    .map(|s| s.split([' ', ',']).filter(|s| !s.is_empty()).collect()),
                cached: t.cached,
            };
            let s = serde_json::to_string_pretty(&json)
                .map_err(|e| Error::unknown(format!("cannot write the token: {e}"), ""))?;
            Zeroizing::new(format!("{s}\n"))
        }
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::unknown(format!("cannot write the token: {e}"), ""))?;
    Ok(Status::Ok)
}

/// `nskeys cache clear`: remove every cached token.
pub fn command_cache_clear(out: &mut dyn Write) -> Result<Status> {
    let Some(cache) = Cache::locate() else {
        writeln!(out, "No cache directory (no HOME): nothing to clear.")
            .map_err(|e| Error::unknown(format!("cannot write: {e}"), ""))?;
        return Ok(Status::Ok);
    };
    let n = cache.clear()?;
    writeln!(
        out,
        "Removed {n} cached token{} from {}",
        if n == 1 { "" } else { "s" },
        cache.dir().display()
    )
    .map_err(|e| Error::unknown(format!("cannot write: {e}"), ""))?;
    Ok(Status::Ok)
}
