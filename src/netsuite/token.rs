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

/// The token endpoint's path under a NetSuite host.
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";

/// A `--token-url` given as the bare host the Company URLs subtab shows
/// (`https://1234567.suitetalk.api.netsuite.com`, with or without `https://` or a final `/`)
/// gets the token path added; `true` when it was.
pub fn complete_token_url(given: &str) -> (String, bool) {
    let given = given.trim();
    let (scheme, rest) = match given.split_once("://") {
        Some((scheme, rest)) => (scheme.to_string(), rest),
        None => ("https".to_string(), given),
    };
    let host = rest.trim_end_matches('/');
    let bare = !host.is_empty() && !host.contains(['/', '?', '#']);
    if bare {
        (format!("{scheme}://{host}{TOKEN_PATH}"), true)
    } else {
        (given.to_string(), false)
    }
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
            format!("give one or more of {}", SCOPES[..3].join(", ")),
        )
        .at(at));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(Error::critical(
            format!("NetSuite knows no scope {bad:?}"),
            format!("use {} (comma-separated)", SCOPES[..3].join(", ")),
        )
        .at(at));
    }
    if scopes.iter().any(|s| s == "mcp") {
        // section_157771733782: the NetSuite AI Connector (mcp) needs the client-credentials
        // grant unchecked on its integration: NetSuite cannot issue an mcp token for M2M.
        return Err(Error::critical(
            "the mcp scope cannot be used with client credentials (M2M): the NetSuite AI Connector requires the Client Credentials grant to be unchecked",
            "leave mcp out (use restlets, rest_webservices or suite_analytics); the AI Connector uses the authorization-code flow",
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
                jti: super::assertion::random_jti(),
            },
        }
    }
}

/// A likely cause of a refusal, named as Oracle's Login Audit Trail names it in its Detail
/// column (section_158323851171, subsect_158324637123) where Oracle names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The `kid` matches no valid certificate of this integration.
    MissingKey,
    /// The assertion has no `kid`.
    MissingKeyId,
    /// The `alg` is not one NetSuite takes (RS256...).
    UnsupportedAlgo,
    /// The signature does not verify with the certificate the `kid` names.
    SignatureValidation,
    /// The signature is malformed.
    InvalidSignature,
    /// `iat` is in NetSuite's future.
    TokenNotAcceptable,
    /// `exp` is in NetSuite's past.
    TokenExpired,
    /// `exp - iat` is too long.
    TokenValidityTooBroad,
    /// `iss` is not the integration the certificate is mapped to.
    InvalidIssuer,
    /// `iss` names no integration, or the integration cannot use M2M.
    InvalidIntegration,
    /// The integration's State is not Enabled.
    IntegrationBlocked,
    /// The scope is empty or not checked on the integration record.
    ScopeMismatched,
    /// The scope is not valid.
    InvalidScope,
    /// The mapped entity or role is invalid or inactive.
    EntityOrRoleDisabled,
    /// The OAuth 2.0 feature is off.
    FeatureDisabled,
    /// The Client Credentials (Machine to Machine) grant is not checked on the integration.
    GrantUnchecked,
    /// Public Client is checked on the integration (M2M does not support public clients).
    PublicClient,
    /// The mapped role lacks "Log in using OAuth 2.0 Access Tokens".
    RoleLogin,
    /// `aud` is not the token URL NetSuite expects.
    Audience,
    /// The clock is off by this many seconds, measured from NetSuite's `Date` header.
    ClockSkew(i64),
}

impl Cause {
    /// The Login Audit Trail's Detail value for this cause, where Oracle names one.
    pub fn detail(self) -> Option<&'static str> {
        use Cause::*;
        Some(match self {
            MissingKey => "MissingKey",
            MissingKeyId => "MissingKeyId",
            UnsupportedAlgo => "UnsupportedAlgo",
            SignatureValidation => "SignatureValidation",
            InvalidSignature => "InvalidSignature",
            TokenNotAcceptable => "TokenNotAcceptable",
            TokenExpired => "TokenExpired",
            TokenValidityTooBroad => "TokenValidityTooBroad",
            InvalidIssuer => "InvalidIssuer",
            InvalidIntegration => "InvalidIntegration",
            IntegrationBlocked => "IntegrationBlocked",
            ScopeMismatched => "ScopeMismatched",
            InvalidScope => "InvalidScope",
            EntityOrRoleDisabled => "EntityOrRoleDisabled",
            FeatureDisabled => "FeatureDisabled",
            GrantUnchecked | PublicClient | RoleLogin | Audience | ClockSkew(_) => return None,
        })
    }

    /// Whether Oracle's pages say this is a reason NetSuite refuses (else nskeys' guess).
    pub fn sourced(self) -> bool {
        !matches!(self, Cause::Audience | Cause::RoleLogin)
    }

    fn text(self) -> String {
        use Cause::*;
        match self {
            MissingKey => "the Certificate ID (the assertion's kid) matches no valid certificate of this integration: a Certificate ID from another mapping, account or sandbox, a certificate never uploaded, revoked or expired, or a mapping wiped by a sandbox refresh".into(),
            MissingKeyId => "the assertion has no Certificate ID (kid)".into(),
            UnsupportedAlgo => "the signature algorithm is not one NetSuite takes (PS256/384/512, ES256/384/512; RS256 is refused)".into(),
            SignatureValidation => "the signature does not verify: the key is not the one of the certificate uploaded for this Certificate ID".into(),
            InvalidSignature => "the signature is malformed (ES* must be raw r||s, PS* salt = hash length)".into(),
            TokenNotAcceptable => "the assertion is issued in NetSuite's future (iat): this machine's clock is ahead".into(),
            TokenExpired => "the assertion has expired for NetSuite (exp): this machine's clock is behind".into(),
            TokenValidityTooBroad => "the assertion lives too long (exp - iat): keep --assertion-ttl at most 3600".into(),
            InvalidIssuer => "the Client ID (the assertion's iss, --client-id) is not the integration this certificate is mapped to".into(),
            InvalidIntegration => "the Client ID (iss, --client-id) names no integration record usable for M2M".into(),
            IntegrationBlocked => "the integration record's State is not Enabled".into(),
            ScopeMismatched => "a requested scope is not checked on the integration record (or the scope is empty)".into(),
            InvalidScope => "the scope is not valid (restlets, rest_webservices, suite_analytics)".into(),
            EntityOrRoleDisabled => "the mapped entity or role is invalid or inactive".into(),
            FeatureDisabled => "the OAuth 2.0 feature is off (Setup > Company > Enable Features > SuiteCloud)".into(),
            GrantUnchecked => "the integration record does not have the Client Credentials (Machine to Machine) grant checked".into(),
            PublicClient => "Public Client is checked on the integration record: M2M does not support public clients".into(),
            RoleLogin => "the mapped role lacks the 'Log in using OAuth 2.0 Access Tokens' permission".into(),
            Audience => "the token URL (the assertion's aud) is not the one NetSuite expects: wrong account, or a sandbox without -sb1 in the host".into(),
            ClockSkew(skew) => format!(
                "this machine's clock differs from NetSuite's by {skew} s: fix the clock (NTP); iat/exp look wrong to NetSuite"
            ),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.detail(), self) {
            (Some(name), _) => write!(f, "{name}: {}", self.text()),
            (None, Cause::ClockSkew(_)) => write!(
                f,
                "{} (Login Audit Trail: TokenNotAcceptable or TokenExpired)",
                self.text()
            ),
            (None, c) if c.sourced() => write!(
                f,
                "{} (Oracle names no Login Audit Trail Detail for it)",
                self.text()
            ),
            (None, _) => write!(f, "{} (unverified: no Oracle source)", self.text()),
        }
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
    /// What else to know about this answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Said after a `500 {"error":"server_error"}`.
pub const OUTAGE_NOTE: &str = "NetSuite answers 500 server_error for refused assertions (seen for an unsupported algorithm, a missing kid, a key never uploaded); NetSuite may also be having an outage if this persists (https://status.netsuite.com)";

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
            Ok(Answer::Refused(refusal(status, error, field("error_description"), body)))
        }
        // Seen from the real endpoint for a refused assertion (unsupported alg, no kid, a key
        // never uploaded): more likely a refusal than an outage (../shared/NETSUITE.md).
        500 if field("error").as_deref() == Some("server_error") => {
            let mut r = refusal(status, field("error"), field("error_description"), body);
            r.notes.push(OUTAGE_NOTE.into());
            Ok(Answer::Refused(r))
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

fn refusal(
    status: u16,
    error: Option<String>,
    description: Option<String>,
    body: &[u8],
) -> Refusal {
    Refusal {
        http_status: status,
        likely_causes: likely_causes(error.as_deref(), status).to_vec(),
        where_to_look: vec![
            format!("Login Audit Trail: {LOGIN_AUDIT_TRAIL}"),
            format!("the certificate mapping: {M2M_SETUP_PAGE}"),
            "the integration record: Setup > Integration > Manage Integrations (State Enabled, Client Credentials (Machine to Machine) grant checked, Public Client unchecked, scopes)".into(),
        ],
        error,
        error_description: description,
        answer: excerpt(body, RAW_SHOWN),
        notes: Vec::new(),
    }
}

/// The likely causes of a refusal, most likely first, from the common mistakes in
/// `../shared/NETSUITE.md`. NetSuite does not document which cause gives which code, so each
/// list covers the mistakes reported with that code first and the rest after.
pub fn likely_causes(error: Option<&str>, status: u16) -> &'static [Cause] {
    use Cause::*;
    match error {
        Some("server_error") => &[MissingKey, UnsupportedAlgo, MissingKeyId],
        Some("invalid_request") => &[
            MissingKey,
            Audience,
            SignatureValidation,
            TokenNotAcceptable,
            InvalidIssuer,
        ],
        Some("invalid_client") => &[
            SignatureValidation,
            MissingKey,
            InvalidIssuer,
            InvalidIntegration,
            IntegrationBlocked,
            Audience,
            FeatureDisabled,
        ],
        Some("invalid_grant") => &[
            TokenNotAcceptable,
            TokenExpired,
            TokenValidityTooBroad,
            EntityOrRoleDisabled,
            RoleLogin,
            MissingKey,
        ],
        Some("invalid_scope") => &[ScopeMismatched, InvalidScope],
        Some("unauthorized_client") => &[GrantUnchecked, PublicClient, InvalidIntegration],
        Some("access_denied") => &[EntityOrRoleDisabled, RoleLogin, ScopeMismatched],
        _ if status == 401 || status == 403 => &[
            SignatureValidation,
            MissingKey,
            InvalidIssuer,
            IntegrationBlocked,
            EntityOrRoleDisabled,
            FeatureDisabled,
        ],
        _ => &[
            MissingKey,
            SignatureValidation,
            InvalidIssuer,
            InvalidIntegration,
            Audience,
            ScopeMismatched,
            GrantUnchecked,
            PublicClient,
            EntityOrRoleDisabled,
            TokenNotAcceptable,
        ],
    }
}

impl Refusal {
    /// Put a measured clock skew first, in place of the suspected clock cause: measured
    /// beats suspected.
    pub fn clock_measured(&mut self, skew: i64) {
        self.likely_causes
            .retain(|c| !matches!(c, Cause::TokenNotAcceptable | Cause::TokenExpired));
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
    fn a_bare_host_gets_the_token_path() {
        let full = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
        for given in [
            "https://1234567.suitetalk.api.netsuite.com",
            "https://1234567.suitetalk.api.netsuite.com/",
            "1234567.suitetalk.api.netsuite.com",
        ] {
            assert_eq!(
                complete_token_url(given),
                (full.to_string(), true),
                "{given}"
            );
        }
        assert_eq!(complete_token_url(full), (full.to_string(), false));
        assert_eq!(
            complete_token_url("http://127.0.0.1:8080/x/token"),
            ("http://127.0.0.1:8080/x/token".to_string(), false)
        );
    }

    #[test]
    fn scopes() {
        assert_eq!(
            parse_scopes("restlets, rest_webservices").unwrap(),
            vec!["restlets", "rest_webservices"]
        );
        assert_eq!(
            parse_scopes("mcp").unwrap_err().status,
            crate::Status::Critical
        );
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
        assert!(read_answer("u", 500, b"oops", None).is_err());
        assert!(read_answer("u", 502, br#"{"error":"server_error"}"#, None).is_err());
        assert!(read_answer("u", 404, b"nope", None).is_err());
        let Answer::Refused(r) =
            read_answer("u", 400, br#"{"error":"invalid_request"}"#, None).unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(r.error.as_deref(), Some("invalid_request"));
        assert!(!r.likely_causes.is_empty());
    }

    /// Seen from the real endpoint for a bad assertion: a refusal (exit 2), not an outage.
    #[test]
    fn server_error_500_is_a_refusal_with_the_outage_caveat() {
        let Answer::Refused(r) =
            read_answer("u", 500, br#"{"error":"server_error"}"#, None).unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(
            r.likely_causes,
            [
                Cause::MissingKey,
                Cause::UnsupportedAlgo,
                Cause::MissingKeyId
            ]
        );
        assert!(r.notes[0].contains("outage if this persists"));
    }

    /// Every cause is named with Oracle's Detail value, or marked.
    #[test]
    fn causes_use_oracles_audit_trail_names() {
        let all = likely_causes(None, 400);
        for c in all {
            let text = c.to_string();
            assert!(
                c.detail().is_some_and(|d| text.starts_with(d))
                    || text.contains("Oracle names no Login Audit Trail Detail")
                    || text.contains("unverified"),
                "{text}"
            );
            assert!(
                !text.contains("TokenRejected") && !text.contains("ClientAuthenticationFailed")
            );
        }
        assert!(Cause::Audience.to_string().contains("unverified"));
    }

    #[test]
    fn a_measured_skew_replaces_the_suspected_clock() {
        let Answer::Refused(mut r) =
            read_answer("u", 400, br#"{"error":"invalid_grant"}"#, None).unwrap()
        else {
            panic!("not refused")
        };
        assert_eq!(r.likely_causes[0], Cause::TokenNotAcceptable);
        r.clock_measured(-90);
        assert_eq!(r.likely_causes[0], Cause::ClockSkew(-90));
        assert!(!r.likely_causes.contains(&Cause::TokenNotAcceptable));
        assert_eq!(
            serde_json::to_value(r.likely_causes[0]).unwrap(),
            "this machine's clock differs from NetSuite's by -90 s: fix the clock (NTP); iat/exp look wrong to NetSuite (Login Audit Trail: TokenNotAcceptable or TokenExpired)"
        );
    }
}
