//! NetSuite's token endpoint (`../shared/NETSUITE.md`): the URL for an
//! account, the scopes, how to read its answers, and the likely causes behind each refusal.

use super::assertion::{Assertion, Claims, Header};
use super::{LOGIN_AUDIT_TRAIL, M2M_SETUP_PAGE};
use crate::error::{Error, Result};
use crate::pki::alg::Alg;
use serde::Serialize;
use std::fmt;

/// Scopes NetSuite knows for M2M tokens.
pub const SCOPES: [&str; 4] = ["restlets", "rest_webservices", "suite_analytics", "mcp"];

/// The token URL for an account ID: lower-cased, `_` -> `-` (sandbox `1234567_SB1` ->
/// `1234567-sb1`). Only letters, digits, `_` and `-` are allowed, so nothing can be smuggled
/// into the host name.
pub fn token_url_for_account(account: &str) -> Result<String> {
    let account = account.trim();
    let valid = !account.is_empty()
        && account.len() <= 63
        && account
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return Err(Error::unknown(
            format!("invalid account ID {account:?}"),
            "give the account ID as NetSuite shows it (Setup > Company > Company Information), e.g. 1234567 or 1234567_SB1, or the full --token-url",
        )
        .at("--account / NS_ACCOUNT_ID"));
    }
    let host = account.to_ascii_lowercase().replace('_', "-");
    Ok(format!(
        "https://{host}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    ))
}

/// Split `--scope` (comma-separated) into the JSON array the assertion carries. Unknown names
/// and `mcp` combined with others are refused (exit 2): NetSuite would refuse them.
pub fn parse_scopes(list: &str) -> Result<Vec<String>> {
    let mut scopes: Vec<String> = Vec::new();
    for s in list
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let s = s.to_ascii_lowercase();
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let at = "--scope / NS_SCOPES";
    if scopes.is_empty() {
        return Err(Error::unknown(
            "no scope given",
            format!("give one or more of {}", SCOPES.join(", ")),
        )
        .at(at));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(Error::critical(
            format!("NetSuite knows no scope {bad:?}"),
            format!("use {} (comma-separated)", SCOPES.join(", ")),
        )
        .at(at));
    }
    if scopes.len() > 1 && scopes.iter().any(|s| s == "mcp") {
        return Err(Error::critical(
            "the mcp scope cannot be combined with other scopes",
            "request mcp alone, or leave it out",
        )
        .at(at));
    }
    Ok(scopes)
}

/// A token NetSuite issued. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The access token (a bearer credential: never printed unless asked).
    pub access_token: zeroize::Zeroizing<String>,
    /// `bearer`, as NetSuite says it.
    pub token_type: String,
    /// Lifetime in seconds, if NetSuite said (as a number or a numeric string).
    pub expires_in: Option<u64>,
    /// Scopes, if the answer lists them.
    pub scope: Option<String>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field(
                "access_token",
                &format_args!("<{} characters, not shown>", self.access_token.len()),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Everything a token request says: where it goes, who asks, with which certificate, for
/// which scopes, signed how, and for how long the assertion lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The token endpoint (also the assertion's `aud`).
    pub url: reqwest::Url,
    /// The integration's client ID (`iss`).
    pub client_id: String,
    /// The Certificate ID of the mapping (`kid`).
    pub cert_id: String,
    /// The scopes (`scope`).
    pub scopes: Vec<String>,
    /// The signature algorithm.
    pub alg: Alg,
    /// The assertion's lifetime in seconds (`exp - iat`).
    pub ttl: u64,
}

impl TokenRequest {
    /// The unsigned assertion for this request, issued at `iat` (seconds since the epoch).
    pub fn assertion(&self, iat: i64) -> Assertion {
        Assertion {
            header: Header {
                alg: self.alg,
                typ: "JWT",
                kid: self.cert_id.clone(),
            },
            claims: Claims {
                iss: self.client_id.clone(),
                scope: self.scopes.clone(),
                aud: self.url.as_str().to_string(),
                iat,
                exp: iat.saturating_add(i64::try_from(self.ttl).unwrap_or(i64::MAX)),
            },
        }
    }
}

/// A likely cause of a refusal, from the common mistakes in `../shared/NETSUITE.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The `kid` is not this mapping's Certificate ID.
    Kid,
    /// The key is not the uploaded certificate's, or the certificate is revoked or expired.
    Signature,
    /// `aud` is not the URL NetSuite expects.
    Audience,
    /// `iss` is not the integration's client ID.
    Issuer,
    /// The integration lacks the client-credentials grant.
    Grant,
    /// A scope is not checked on the integration record.
    Scope,
    /// The mapped role lacks the permission, or role or entity is disabled.
    Role,
    /// The clock may be off (suspected, not measured).
    Clock,
    /// The mapping is gone (sandbox refresh, expired or revoked certificate).
    Wiped,
    /// The clock is off by this many seconds, measured from NetSuite's `Date` header.
    ClockSkew(i64),
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::Kid => "kid (--cert-id) is wrong: not the Certificate ID of this mapping, or from another account or sandbox (Login Audit Trail: InvalidSignature / TokenRejected)",
            Cause::Signature => "the key does not belong to the certificate uploaded for this mapping, or the certificate was revoked or expired (InvalidSignature)",
            Cause::Audience => "aud differs from the URL NetSuite expects: wrong account, or a sandbox without _SB1 / -sb1 in the host (TokenRejected)",
            Cause::Issuer => "iss (--client-id) is not the integration's client ID, or the integration is disabled (UnknownIntegration / InvalidIntegration)",
            Cause::Grant => "the integration record does not have the Client Credentials (Machine to Machine) grant checked (InvalidIntegration)",
            Cause::Scope => "a requested scope is not checked on the integration record (ScopeMismatched / InvalidScope)",
            Cause::Role => "the mapped role lacks 'Log in using OAuth 2.0 Access Tokens', or the role or entity is disabled (EntityOrRoleDisabled)",
            Cause::Clock => "this machine's clock is ahead of or behind NetSuite's: iat/exp look wrong to it (TokenRejected)",
            Cause::Wiped => "the mapping is gone: a sandbox refresh clears M2M mappings, an expired or revoked certificate needs a new one",
            Cause::ClockSkew(skew) => {
                return write!(
                    f,
                    "this machine's clock differs from NetSuite's by {skew} s: fix the clock (NTP); iat/exp look wrong to NetSuite"
                );
            }
        })
    }
}

impl Serialize for Cause {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A refusal by NetSuite, with what nskeys makes of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The HTTP status.
    pub http_status: u16,
    /// NetSuite's `error` code, if the answer had one.
    pub error: Option<String>,
    /// NetSuite's `error_description`, if any.
    pub error_description: Option<String>,
    /// The raw answer, cut to [`RAW_SHOWN`] characters, control characters replaced.
    pub answer: String,
    /// Likely causes, most likely first.
    pub likely_causes: Vec<Cause>,
    /// Where to look in NetSuite.
    pub where_to_look: Vec<String>,
}

/// How much of a raw answer is shown.
pub const RAW_SHOWN: usize = 600;

/// What the token endpoint's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with a token.
    Issued(Issued),
    /// NetSuite said no (exit 2).
    Refused(Refusal),
}

/// A printable, single-line-safe, bounded excerpt of an answer body.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > max {
        out.push_str(" [...]");
    }
    out.trim().to_string()
}

/// Read the token endpoint's answer. Refusals are `Ok(Answer::Refused)`; server trouble and
/// answers that make no sense are `Err` (exit 3). `url` is for messages; `location` is the
/// `Location` header of a redirect.
pub fn read_answer(url: &str, status: u16, body: &[u8], location: Option<&str>) -> Result<Answer> {
    let mut json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let answer = read_json_answer(url, status, body, location, json.as_ref());
    // The parsed answer holds a copy of the token: wipe it before it is freed.
    if let Some(j) = &mut json {
        scrub(j);
    }
    answer
}

/// Zeroize every string (and key) in a JSON value.
fn scrub(v: &mut serde_json::Value) {
    use zeroize::Zeroize;
    match v {
        serde_json::Value::String(s) => s.zeroize(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(scrub),
        serde_json::Value::Object(o) => {
            for (_, v) in o.iter_mut() {
                scrub(v);
            }
        }
        _ => {}
    }
}

/// What a 2xx answer without a token holds, described without its content, which may be a
/// token under another name.
fn describe_2xx(body: &[u8], json: Option<&serde_json::Value>) -> String {
    match json {
        Some(serde_json::Value::Object(o)) => {
            let names: Vec<String> = o
                .keys()
                .take(12)
                .map(|k| crate::error::printable(k).chars().take(40).collect())
                .collect();
            format!(
                "a JSON object with the fields [{}] (values not shown)",
                names.join(", ")
            )
        }
        Some(_) => "JSON that is not an object (not shown)".to_string(),
        None if body.is_empty() => "an empty body".to_string(),
        None => format!(
            "{} bytes that are not JSON (not shown: they may hold a token)",
            body.len()
        ),
    }
}

fn read_json_answer(
    url: &str,
    status: u16,
    body: &[u8],
    location: Option<&str>,
    json: Option<&serde_json::Value>,
) -> Result<Answer> {
    let field = |name: &str| -> Option<String> {
        json?
            .get(name)?
            .as_str()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    match status {
        200..=299 => {
            let Some(token) = field("access_token") else {
                return Err(Error::unknown(
                    format!(
                        "nonsensical answer: HTTP {status} without an access_token: {}",
                        describe_2xx(body, json)
                    ),
                    "check that the URL is NetSuite's token endpoint (--token-url / --account)",
                )
                .at(url));
            };
            let expires_in = json.and_then(|j| j.get("expires_in")).and_then(
                |v| match v {
                    serde_json::Value::Number(n) => n.as_u64(),
                    serde_json::Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                },
            );
            Ok(Answer::Issued(Issued {
                access_token: zeroize::Zeroizing::new(token),
                token_type: field("token_type").unwrap_or_else(|| "bearer".into()),
                expires_in,
                scope: field("scope"),
            }))
        }
        300..=399 => Err(Error::unknown(
            format!(
                "the token endpoint answered HTTP {status}, a redirect to {}; not followed, the assertion was not forwarded",
                location.map(|l| excerpt(l.as_bytes(), 200)).unwrap_or_else(|| "nowhere".into())
            ),
            "use NetSuite's token URL itself (Setup > Company > Company Information > Company URLs, SuiteTalk)",
        )
        .at(url)),
        400..=499 => {
            let error = field("error");
            // 401/403 are refusals even without NetSuite's JSON; other 4xx without it mean the
            // URL is not a token endpoint (404, 405) or the server is busy (429).
            if error.is_none() && !matches!(status, 400 | 401 | 403) {
                return Err(Error::unknown(
                    format!("HTTP {status} from the token endpoint: {}", excerpt(body, 200)),
                    if status == 404 || status == 405 {
                        "this URL is not NetSuite's token endpoint: check --token-url / --account"
                    } else {
                        "try again later"
                    },
                )
                .at(url));
            }
            Ok(Answer::Refused(Refusal {
                http_status: status,
                likely_causes: likely_causes(error.as_deref(), status).to_vec(),
                where_to_look: vec![
                    format!("Login Audit Trail: {LOGIN_AUDIT_TRAIL}"),
                    format!("the certificate mapping: {M2M_SETUP_PAGE}"),
                    "the integration record: Setup > Integration > Manage Integrations (Client Credentials (Machine to Machine) grant, scopes)".into(),
                ],
                error,
                error_description: field("error_description"),
                answer: excerpt(body, RAW_SHOWN),
            }))
        }
        _ => Err(Error::unknown(
            format!(
                "NetSuite's token endpoint answered HTTP {status} (server trouble, not a refusal): {}",
                excerpt(body, 200)
            ),
            "try again later; check https://status.netsuite.com",
        )
        .at(url)),
    }
}

/// The likely causes of a refusal, most likely first, from the common mistakes in
/// `../shared/NETSUITE.md`. NetSuite does not document which cause gives which code, so each
/// list covers the mistakes reported with that code first and the rest after.
pub fn likely_causes(error: Option<&str>, status: u16) -> &'static [Cause] {
    use Cause::*;
    match error {
        Some("invalid_request") => &[Kid, Audience, Signature, Clock, Wiped, Issuer],
        Some("invalid_client") => &[Signature, Kid, Issuer, Grant, Wiped, Clock],
        Some("invalid_grant") => &[Clock, Kid, Signature, Audience, Wiped],
        Some("invalid_scope") => &[Scope],
        Some("unauthorized_client") => &[Grant, Role, Issuer, Scope],
        Some("access_denied") => &[Role, Scope, Grant],
        _ if status == 401 || status == 403 => &[Signature, Kid, Issuer, Role, Grant, Wiped],
        _ => &[
            Kid, Signature, Issuer, Audience, Scope, Grant, Role, Clock, Wiped,
        ],
    }
}

impl Refusal {
    /// Put a measured clock skew first, in place of the suspected clock cause: measured
    /// beats suspected.
    pub fn clock_measured(&mut self, skew: i64) {
        self.likely_causes.retain(|c| *c != Cause::Clock);
        self.likely_causes.insert(0, Cause::ClockSkew(skew));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_account_gives_lower_case_host_with_dash() {
        assert_eq!(
            token_url_for_account("1234567_SB1").unwrap(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert!(token_url_for_account("123.evil.com/").is_err());
        assert!(token_url_for_account("").is_err());
    }

    #[test]
    fn scopes() {
        assert_eq!(
            parse_scopes("restlets, rest_webservices").unwrap(),
            vec!["restlets", "rest_webservices"]
        );
        assert_eq!(parse_scopes("mcp").unwrap(), vec!["mcp"]);
        assert_eq!(
            parse_scopes("mcp,restlets").unwrap_err().status,
            crate::Status::Critical
        );
        assert_eq!(
            parse_scopes("rest_webservice").unwrap_err().status,
            crate::Status::Critical
        );
        assert_eq!(
            parse_scopes(" , ").unwrap_err().status,
            crate::Status::Unknown
        );
    }

    #[test]
    fn expires_in_as_string_or_number() {
        for body in [
            r#"{"access_token":"t","expires_in":"3600","token_type":"bearer"}"#,
            r#"{"access_token":"t","expires_in":3600,"token_type":"bearer"}"#,
        ] {
            let Answer::Issued(i) = read_answer("u", 200, body.as_bytes(), None).unwrap() else {
                panic!("not issued")
            };
            assert_eq!(i.expires_in, Some(3600));
        }
    }

    #[test]
    fn answers_that_make_no_sense_are_errors() {
        assert!(read_answer("u", 200, b"{}", None).is_err());
        assert!(read_answer("u", 200, b"<html>", None).is_err());
        assert!(read_answer("u", 302, b"", Some("https://x")).is_err());
        assert!(read_answer("u", 503, b"busy", None).is_err());
        assert!(read_answer("u", 404, b"nope", None).is_err());
        let Answer::Refused(r) =
            read_answer("u", 400, br#"{"error":"invalid_request"}"#, None).unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(r.error.as_deref(), Some("invalid_request"));
        assert!(!r.likely_causes.is_empty());
    }

    #[test]
    fn a_measured_skew_replaces_the_suspected_clock() {
        let Answer::Refused(mut r) =
            read_answer("u", 400, br#"{"error":"invalid_grant"}"#, None).unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(r.likely_causes[0], Cause::Clock);
        r.clock_measured(-90);
        assert_eq!(r.likely_causes[0], Cause::ClockSkew(-90));
        assert!(!r.likely_causes.contains(&Cause::Clock));
        assert_eq!(
            serde_json::to_value(r.likely_causes[0]).unwrap(),
            "this machine's clock differs from NetSuite's by -90 s: fix the clock (NTP); iat/exp look wrong to NetSuite"
        );
    }
}
