//! `nskeys exec [options] -- COMMAND [ARGS...]`: run a command with an access token in its
//! environment (`NS_ACCESS_TOKEN`, and `NS_ACCOUNT_ID`, `NS_REST_URL` when known), and exit
//! with its status. No token, no command: the error exits 2 or 3 and COMMAND never runs.

use crate::commands::connection;
use crate::commands::preflight::ExchangeParams;
use crate::commands::token::{self, CacheParams};
use crate::error::{Error, Result};
use std::ffi::OsString;

/// `nskeys exec`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecParams {
    /// Connection and assertion options.
    pub exchange: ExchangeParams,
    /// The token cache.
    pub cache: CacheParams,
    /// The command and its arguments.
    pub command: Vec<OsString>,
}

/// Exit status when the command cannot be found (as `env` and shells say).
const NOT_FOUND: u8 = 127;
/// Exit status when the command was found but could not be run.
const CANNOT_RUN: u8 = 126;

/// The account ID a NetSuite token URL's host names (`1234567-sb1.suitetalk...` ->
/// `1234567_SB1`).
fn account_from_url(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    let account = host.strip_suffix(".suitetalk.api.netsuite.com")?;
    Some(account.to_ascii_uppercase().replace('-', "_"))
}

/// The REST base URL beside a token URL: `https://<host>/services/rest`.
fn rest_url(url: &reqwest::Url) -> Option<String> {
    let path = url.path();
    let base = path.strip_suffix("/auth/oauth2/v1/token")?;
    if !base.ends_with("/services/rest") {
        return None;
    }
    let mut u = url.clone();
    u.set_path(base);
    u.set_query(None);
    u.set_fragment(None);
    Some(u.to_string())
}

/// The environment COMMAND gets besides the caller's.
pub fn child_env(account: Option<&str>, token_url: &str) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    let url = reqwest::Url::parse(token_url).ok();
    let account = account
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .or_else(|| url.as_ref().and_then(account_from_url));
    if let Some(a) = account {
        env.push(("NS_ACCOUNT_ID", a));
    }
    if let Some(r) = url.as_ref().and_then(rest_url) {
        env.push(("NS_REST_URL", r));
    }
    env
}

/// `nskeys exec`: the child's exit status, or 128 + the signal that ended it.
pub fn command(params: &ExecParams) -> Result<u8> {
    let Some((program, args)) = params.command.split_first() else {
        return Err(Error::unknown(
            "no command given",
            "name it after --: nskeys exec -- curl ...",
        ));
    };
    let mut exchange = params.exchange.clone();
    let extras = connection::resolve(&mut exchange)?;
    let t = token::obtain(&exchange, &params.cache, &extras)?;
    let account = exchange.account.as_ref().map(|a| a.value.as_str());
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .env("NS_ACCESS_TOKEN", t.access_token.as_str());
    for (k, v) in child_env(account, &t.token_url) {
        cmd.env(k, v);
    }
    drop(t);
    let name = program.to_string_lossy().into_owned();
    let status = match cmd.status() {
        Ok(s) => s,
        Err(e) => {
            let (what, code) = if e.kind() == std::io::ErrorKind::NotFound {
                ("command not found", NOT_FOUND)
            } else {
                ("cannot run the command", CANNOT_RUN)
            };
            let err = Error::unknown(
                format!("{what}: {e}"),
                format!("check the command's name and PATH (nskeys exec -- COMMAND ARGS...); exit status {code}"),
            )
            .at(&name);
            eprintln!("nskeys: {err}");
            return Ok(code);
        }
    };
    if let Some(code) = status.code() {
        return Ok(u8::try_from(code & 0xff).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return Ok(u8::try_from(128 + (sig & 0x7f)).unwrap_or(1));
        }
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_rest_url_come_from_the_token_url() {
        let url =
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
        assert_eq!(
            child_env(None, url),
            vec![
                ("NS_ACCOUNT_ID", "1234567_SB1".to_string()),
                (
                    "NS_REST_URL",
                    "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest".to_string()
                )
            ]
        );
        assert_eq!(
            child_env(Some("42"), "http://127.0.0.1:8/x/token"),
            vec![("NS_ACCOUNT_ID", "42".to_string())]
        );
    }
}
