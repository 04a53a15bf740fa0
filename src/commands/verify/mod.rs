//! `nskeys verify`: pre-flight, sign the client assertion, exchange it for
//! a token, and explain a refusal. `verify` reports (text or `--json`), and never uses the
//! token cache: it exists to prove the exchange.

mod monitor;
mod text;

use crate::commands::output::Format;
use crate::commands::preflight::{self, CertInfo, ExchangeParams, Plan, Warning};
use crate::error::{Error, Result, Status};
use crate::netsuite::http::{self, Http};
use crate::netsuite::token::{self as netsuite, Refusal};
use serde::Serialize;
use std::io::Write;
use std::time::Instant;

/// `nskeys verify`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyParams {
    /// Connection and assertion options.
    pub exchange: ExchangeParams,
    /// Also print the access token.
    pub print_token: bool,
    /// After a token is issued, make one SuiteQL request with it.
    pub probe: bool,
    /// Output format (`--json` is `Format::Json`).
    pub format: Format,
}

/// How `verify` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// NetSuite issued a token.
    TokenIssued,
    /// NetSuite refused the token request.
    Refused,
    /// Pre-flight only: nothing was sent.
    DryRun,
    /// A token was issued, but the REST API refused it.
    ProbeRefused,
    /// Something else went wrong (the error says what).
    Error,
}

/// The one JSON object `verify --json` prints, for every outcome.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// How it ended (always set once the report is written).
    pub outcome: Option<Outcome>,
    /// The exit status, as monitoring names it.
    pub status: Option<Status>,
    /// The exit code.
    pub exit_code: u8,
    /// The one-line error, for `refused` and `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the assertion is (or would be) posted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The key file, its type and encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyInfo>,
    /// The certificate checked against the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertInfo>,
    /// Where the Certificate ID (the assertion's `kid`) came from: a flag, a variable, the
    /// state file or the certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id_from: Option<String>,
    /// The assertion's header and claims (never its signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion: Option<crate::netsuite::assertion::Assertion>,
    /// Dry run: the form fields that would be posted (the assertion itself elided).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<Form>,
    /// Things worth knowing that did not stop the exchange.
    pub warnings: Vec<Warning>,
    /// HTTP status of the token endpoint's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The token, when one was issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenInfo>,
    /// The refusal and its diagnosis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    /// The SuiteQL probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeInfo>,
    /// Milliseconds spent on the network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u128>,
}

/// The form fields of the token request, the assertion elided.
#[derive(Debug, Serialize)]
pub struct Form {
    /// `client_credentials`.
    pub grant_type: &'static str,
    /// The RFC 7523 JWT-bearer assertion type.
    pub client_assertion_type: &'static str,
    /// A placeholder saying how long the signed assertion is.
    pub client_assertion: String,
}

/// The key, for the report.
#[derive(Debug, Serialize)]
pub struct KeyInfo {
    /// The file.
    pub path: String,
    /// `RSA 4096`, `EC P-256`, ...
    #[serde(rename = "type")]
    pub kind: String,
    /// `PKCS#8`, `PKCS#1`, `SEC1`.
    pub format: &'static str,
}

/// An issued token, for the report; the token itself only with `--print-token`.
#[derive(Debug, Serialize)]
pub struct TokenInfo {
    /// `bearer`.
    pub token_type: String,
    /// Lifetime in seconds, if NetSuite said.
    pub expires_in: Option<u64>,
    /// The scopes NetSuite's answer names (`scope`); absent when it names none.
    pub scopes_granted: Option<Vec<String>>,
    /// The scopes the assertion asked for.
    pub scopes_requested: Vec<String>,
    /// The access token (only with `--print-token`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// The SuiteQL probe's result.
#[derive(Debug, Serialize)]
pub struct ProbeInfo {
    /// The URL queried.
    pub url: String,
    /// Its HTTP status.
    pub http_status: u16,
    /// Whether the REST API took the token.
    pub authenticated: bool,
    /// NetSuite's `o:errorCode` (e.g. `INVALID_LOGIN`), from `o:errorDetails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// NetSuite's `detail`, from `o:errorDetails`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// NetSuite's answer, bounded.
    pub answer: String,
}

/// `nskeys verify`.
pub fn command_verify(params: &VerifyParams, out: &mut dyn Write) -> Result<Status> {
    let mut report = Report::default();
    let result = verify(params, &mut report);
    let status = match &result {
        Ok(s) => *s,
        Err(e) => e.status,
    };
    report.status = Some(status);
    report.exit_code = status.code();
    if let Err(e) = &result {
        report.error = Some(e.to_string());
        report.outcome.get_or_insert(Outcome::Error);
    }
    let written = match params.format {
        Format::Json => serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|s| writeln!(out, "{s}")),
        Format::Text => text::write_report(&report, params.exchange.assertion_ttl.value, out),
        Format::Nagios => out.write_all(monitor::nagios(&report).as_bytes()),
        Format::Prometheus => out.write_all(monitor::prometheus(&report).as_bytes()),
    };
    written.map_err(|e| Error::unknown(format!("cannot write the report: {e}"), ""))?;
    result
}

/// A refusal's diagnosis as lines, for `token` and `exec` (whose stdout is not a report):
/// printed on stderr after the one-line error.
pub fn refusal_lines(r: &Refusal) -> Vec<String> {
    let mut diagnosis = Vec::new();
    let _ = text::write_refusal(r, &mut diagnosis);
    String::from_utf8_lossy(&diagnosis)
        .lines()
        .map(str::to_string)
        .collect()
}

fn verify(params: &VerifyParams, report: &mut Report) -> Result<Status> {
    let plan = preflight::plan(&params.exchange, crate::time::now())?;
    report.token_url = Some(plan.token_url().to_string());
    report.key = Some(KeyInfo {
        path: plan.key_source.to_string(),
        kind: plan.key.describe(),
        format: plan.key_format.name(),
    });
    report.certificate = plan.cert.clone();
    report.certificate_id_from = Some(plan.cert_id_origin.to_string());
    report.assertion = Some(plan.assertion.clone());
    report.warnings = plan.warnings.clone();
    if params.exchange.dry_run {
        // Signing proves the key works, but the signature is not shown: the assertion is a
        // credential for its lifetime.
        let jwt = plan.assertion.sign(&plan.key)?;
        report.form = Some(Form {
            grant_type: "client_credentials",
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: format!("<signed JWT, {} characters, not shown>", jwt.len()),
        });
        report.outcome = Some(Outcome::DryRun);
        return Ok(Status::Ok);
    }
    let started = Instant::now();
    let http = plan.http(plan.timeout)?;
    let exchanged = plan.exchange(&http);
    report.elapsed_ms = Some(started.elapsed().as_millis());
    report.http_status = exchanged.http_status;
    if exchanged.refusal.is_some() {
        report.outcome = Some(Outcome::Refused);
        report.refusal = exchanged.refusal;
    }
    let issued = exchanged.result?;
    report.outcome = Some(Outcome::TokenIssued);
    report.token = Some(TokenInfo {
        token_type: issued.token_type.clone(),
        expires_in: issued.expires_in,
        scopes_granted: issued.scope.as_deref().map(|s| {
            s.split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        }),
        scopes_requested: plan.assertion.claims.scope.clone(),
        access_token: params.print_token.then(|| issued.access_token.to_string()),
    });
    if params.probe {
        let result = probe(&plan, &http, &issued.access_token, report);
        report.elapsed_ms = Some(started.elapsed().as_millis());
        result?;
    }
    Ok(Status::Ok)
}

/// NetSuite's REST error details (`o:errorDetails`: `detail`, `o:errorCode`), first entry.
fn error_details(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return (None, None);
    };
    let first = json
        .get("o:errorDetails")
        .and_then(|d| d.get(0))
        .cloned()
        .unwrap_or_default();
    let field = |k: &str| {
        first
            .get(k)
            .and_then(serde_json::Value::as_str)
            .map(|s| netsuite::excerpt(s.as_bytes(), 300))
    };
    (field("o:errorCode"), field("detail"))
}

/// One SuiteQL request with the token: 401 = refused (exit 2); 2xx/400/403 = authenticated.
fn probe(plan: &Plan, http: &Http, token: &str, report: &mut Report) -> Result<()> {
    let url = http::probe_url(plan.token_url())?;
    let answer = http.post_probe(&url, token)?;
    let excerpt = netsuite::excerpt(&answer.body, netsuite::RAW_SHOWN);
    let (error_code, detail) = error_details(&answer.body);
    let authenticated = matches!(answer.status, 200..=299 | 400 | 403);
    // NetSuite's words, whole: its error code and detail when it gave them, else the answer.
    let said = match (&error_code, &detail) {
        (Some(code), Some(detail)) => format!("o:errorCode {code}: {detail}"),
        (Some(code), None) => format!("o:errorCode {code}"),
        (None, Some(detail)) => detail.clone(),
        (None, None) => excerpt.clone(),
    };
    report.probe = Some(ProbeInfo {
        url: url.to_string(),
        http_status: answer.status,
        authenticated,
        error_code,
        detail,
        answer: excerpt,
    });
    match answer.status {
        _ if authenticated => Ok(()),
        401 => {
            report.outcome = Some(Outcome::ProbeRefused);
            Err(Error::critical(
                format!("the token was issued but the REST API refused it: HTTP 401, NetSuite said {said}"),
                "give the mapped role 'Log in using OAuth 2.0 Access Tokens' and REST Web Services permissions, and request the rest_webservices scope",
            )
            .at(url))
        }
        status => Err(Error::unknown(
            format!("the SuiteQL probe got HTTP {status}, NetSuite said {said}"),
            "the token was issued; the probe's answer makes no sense, try again later",
        )
        .at(url)),
    }
}
