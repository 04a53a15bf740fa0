//! The connection options, resolved once for every command that talks to NetSuite: flag >
//! `NS_*` variable > profile (`--profile NAME` / `NS_PROFILE`) > default. clap fills the flags
//! and variables with their [`Origin`]; [`resolve`] fills what they left unset, or at their
//! default, from the profile, so every value still says where it came from. [`VARIABLES`] is the
//! one table of options and their variables: `--help` (ENVIRONMENT) and the README show it.

use crate::commands::preflight::ExchangeParams;
use crate::error::{Error, Result};
use crate::origin::{Origin, Sourced};
use crate::pki::alg::Alg;
use crate::store::config::{self, Field, Profile};
use crate::store::input::InputValue;
use std::path::PathBuf;

/// One option and its environment variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// The flag, e.g. `--account`.
    pub flag: &'static str,
    /// The variable, e.g. `NS_ACCOUNT_ID`.
    pub var: &'static str,
    /// The key in a profile (`[profiles.NAME]`), if a profile may set it.
    pub profile_key: Option<&'static str>,
    /// What it is.
    pub meaning: &'static str,
}

const fn v(
    flag: &'static str,
    var: &'static str,
    profile_key: Option<&'static str>,
    meaning: &'static str,
) -> Variable {
    Variable {
        flag,
        var,
        profile_key,
        meaning,
    }
}

/// Every option that has a variable (the ENVIRONMENT table of `--help` and the README).
pub const VARIABLES: &[Variable] = &[
    v(
        "--profile",
        "NS_PROFILE",
        None,
        "profile in the configuration file",
    ),
    v(
        "--account",
        "NS_ACCOUNT_ID",
        Some("account"),
        "NetSuite account ID (gives the token URL)",
    ),
    v(
        "--token-url",
        "NS_TOKEN_URL",
        Some("token_url"),
        "full token endpoint URL (wins over the account)",
    ),
    v(
        "--client-id",
        "NS_CLIENT_ID",
        Some("client_id"),
        "the integration's client ID (the assertion's iss)",
    ),
    v(
        "--cert-id",
        "NS_CERT_ID",
        Some("cert_id"),
        "Certificate ID of the M2M mapping (the assertion's kid)",
    ),
    v(
        "--no-cert-id-check",
        "NS_NO_CERT_ID_CHECK",
        None,
        "=true: send --cert-id even if it is not --cert's Certificate ID",
    ),
    v(
        "--key",
        "NS_PRIVATE_KEY",
        Some("key"),
        "private key: a file, -, PEM text or base64 (never shown)",
    ),
    v(
        "--passphrase-file",
        "NS_KEY_PASSPHRASE_FILE",
        None,
        "file whose first line is an encrypted key's passphrase",
    ),
    v(
        "(passphrase)",
        "NS_KEY_PASSPHRASE",
        None,
        "an encrypted key's passphrase (else a prompt on a terminal)",
    ),
    v(
        "--cert",
        "NS_CERTIFICATE",
        Some("cert"),
        "certificate uploaded to NetSuite",
    ),
    v(
        "--dir",
        "NS_KEY_DIR",
        Some("dir"),
        "key directory: its private.pem, public.pem and state file",
    ),
    v("--alg", "NS_ALG", Some("alg"), "JWT algorithm"),
    v(
        "--scope",
        "NS_SCOPES",
        Some("scopes"),
        "scopes, comma-separated",
    ),
    v(
        "--assertion-ttl",
        "NS_ASSERTION_TTL",
        Some("assertion_ttl"),
        "assertion lifetime, seconds",
    ),
    v(
        "--timeout",
        "NS_TIMEOUT",
        Some("timeout"),
        "seconds allowed for the exchange",
    ),
    v(
        "--ca-cert",
        "NS_CA_CERT",
        Some("ca_cert"),
        "extra trusted root certificates (PEM)",
    ),
    v(
        "--api-url",
        "NS_API_URL",
        Some("api_url"),
        "base URL of the certificates API (certs, rotate)",
    ),
    v(
        "--min-valid",
        "NS_MIN_VALID",
        Some("min_valid"),
        "seconds a cached token must still be valid (token, exec)",
    ),
    v(
        "--no-cache",
        "NS_TOKEN_CACHE",
        Some("token_cache"),
        "NS_TOKEN_CACHE=off: no token cache (token, exec)",
    ),
    v(
        "--format",
        "NS_VERIFY_FORMAT",
        None,
        "verify's output: text, json, nagios, prometheus",
    ),
    v(
        "--format",
        "NS_CERTS_FORMAT",
        None,
        "certs list's output: text, json, nagios, prometheus",
    ),
    v(
        "--warn-days",
        "NS_WARN_DAYS",
        None,
        "WARNING window in days (expiry, certs list)",
    ),
    v(
        "--crit-days",
        "NS_CRIT_DAYS",
        None,
        "CRITICAL window in days (expiry, certs list)",
    ),
    v(
        "(config file)",
        "NSKEYS_CONFIG",
        None,
        "configuration file with the profiles",
    ),
];

/// The ENVIRONMENT section of `--help`.
pub fn environment_help() -> String {
    let mut s = String::from("ENVIRONMENT (precedence: flag > variable > profile > default):\n");
    for v in VARIABLES {
        s.push_str(&format!("  {:<18} {:<16} {}\n", v.var, v.flag, v.meaning));
    }
    s
}

/// The same table in Markdown, as the README holds it.
pub fn environment_markdown() -> String {
    let mut s = String::from("| Variable | Option | Profile key | Meaning |\n|---|---|---|---|\n");
    for v in VARIABLES {
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            v.var,
            v.flag,
            v.profile_key.map_or("".to_string(), |k| format!("`{k}`")),
            v.meaning
        ));
    }
    s
}

/// What the profile says beyond the exchange options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    /// `api_url`.
    pub api_url: Option<Sourced<String>>,
    /// `min_valid`.
    pub min_valid: Option<Sourced<u64>>,
    /// `token_cache`.
    pub token_cache: Option<Sourced<bool>>,
}

/// Parse a cache switch: on/off, true/false, 1/0, yes/no.
pub fn parse_switch(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// Load the profile `params.profile` names (if any) and fill every option the flags and
/// variables left unset or at its default. Returns what else the profile says.
pub fn resolve(params: &mut ExchangeParams) -> Result<Extras> {
    if let Some(dir) = params.dir.clone() {
        // --dir / NS_KEY_DIR: the key and certificate in it, unless given on their own.
        if params.key.is_default() {
            params.key = Sourced::new(
                InputValue::from(dir.value.join("private.pem")),
                dir.origin.clone(),
            );
            if params.cert.is_none() {
                let c = dir.value.join("public.pem");
                if c.exists() {
                    params.cert = Some(Sourced::new(InputValue::from(c), dir.origin.clone()));
                }
            }
        }
    }
    // NS_PROFILE= (empty) is no profile, as an empty variable is no value elsewhere.
    let Some(name) = params
        .profile
        .clone()
        .filter(|p| !p.value.trim().is_empty())
    else {
        return Ok(Extras::default());
    };
    let file = config::default_config_path().ok_or_else(|| {
        Error::unknown(
            "no configuration directory for profiles",
            "set HOME or XDG_CONFIG_HOME, or point NSKEYS_CONFIG at the configuration file",
        )
        .at(name.origin.to_string())
    })?;
    let profile = config::find(&file, name.value.trim()).map_err(|mut e| {
        e.what = format!("{} (from {})", e.what, name.origin);
        e
    })?;
    apply(params, &profile)
}

/// Fill `params` from `profile` (flag and variable values stay).
pub fn apply(params: &mut ExchangeParams, profile: &Profile) -> Result<Extras> {
    let origin = Origin::Profile {
        name: profile.name.clone(),
        file: profile.file.clone(),
    };
    let from = |v: &str| Sourced::new(v.to_string(), origin.clone());
    let unset = |slot: &Option<Sourced<String>>| slot.as_ref().is_none_or(Sourced::is_default);
    let bad = |field: Field, what: &str| {
        Error::unknown(
            format!("invalid {} {what}", field.key()),
            format!(
                "fix it with nskeys profile add {} --force ...",
                profile.name
            ),
        )
        .at(origin.to_string())
    };

    // The endpoint: a flag or variable for either one wins over both of the profile's.
    let endpoint_given = !unset(&params.account) || !unset(&params.token_url);
    if !endpoint_given {
        params.account = profile.get(Field::Account).map(from);
        params.token_url = profile.get(Field::TokenUrl).map(from);
    }
    for (slot, field) in [
        (&mut params.client_id, Field::ClientId),
        (&mut params.cert_id, Field::CertId),
    ] {
        if slot.as_ref().is_none_or(Sourced::is_default)
            && let Some(v) = profile.get(field)
        {
            *slot = Some(from(v));
        }
    }
    let dir = profile.get(Field::Dir).map(PathBuf::from);
    let key_given = !params.key.is_default();
    if !key_given {
        if let Some(k) = profile.get(Field::Key) {
            params.key = from(k).map(|k| InputValue::from(k.as_str()));
        } else if let Some(d) = &dir {
            params.key = Sourced::new(InputValue::from(d.join("private.pem")), origin.clone());
        }
    }
    if params.cert.is_none() {
        if let Some(c) = profile.get(Field::Cert) {
            params.cert = Some(from(c).map(|c| InputValue::from(c.as_str())));
        } else if let Some(d) = dir.as_ref().filter(|_| !key_given) {
            let c = d.join("public.pem");
            if c.exists() {
                params.cert = Some(Sourced::new(InputValue::from(c), origin.clone()));
            }
        }
    }
    if params.alg.is_none()
        && let Some(a) = profile.get(Field::Alg)
    {
        let alg = Alg::parse(a).ok_or_else(|| bad(Field::Alg, &format!("{a:?}")))?;
        params.alg = Some(Sourced::new(alg, origin.clone()));
    }
    if params.scope.is_default()
        && let Some(s) = profile.get(Field::Scopes)
    {
        params.scope = from(s);
    }
    let number = |field: Field| -> Result<Option<Sourced<u64>>> {
        profile
            .get(field)
            .map(|n| {
                n.parse::<u64>()
                    .map(|n| Sourced::new(n, origin.clone()))
                    .map_err(|_| bad(field, n))
            })
            .transpose()
    };
    if params.timeout.is_default()
        && let Some(n) = number(Field::Timeout)?
    {
        params.timeout = n;
    }
    if params.assertion_ttl.is_default()
        && let Some(n) = number(Field::AssertionTtl)?
    {
        params.assertion_ttl = n;
    }
    if params.ca_cert.is_none()
        && let Some(c) = profile.get(Field::CaCert)
    {
        params.ca_cert = Some(from(c).map(PathBuf::from));
    }
    let token_cache = profile
        .get(Field::TokenCache)
        .map(|s| {
            parse_switch(s)
                .map(|b| Sourced::new(b, origin.clone()))
                .ok_or_else(|| bad(Field::TokenCache, &format!("{s:?} (use true or false)")))
        })
        .transpose()?;
    Ok(Extras {
        api_url: profile.get(Field::ApiUrl).map(from),
        min_valid: number(Field::MinValid)?,
        token_cache,
    })
}

/// Where a `--key`, `--cert`, `--ca-cert` or `--dir` value given to `profile add` goes: an
/// absolute path, so the profile works from any directory.
pub fn absolute(path: &std::path::Path) -> PathBuf {
    if path.is_absolute() || path.as_os_str() == "-" {
        return path.to_path_buf();
    }
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_is_unique() {
        for (i, a) in VARIABLES.iter().enumerate() {
            for b in &VARIABLES[i + 1..] {
                assert_ne!(a.var, b.var);
            }
        }
        assert!(environment_help().contains("NS_TIMEOUT"));
    }
}
