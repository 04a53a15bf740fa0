//! `nskeys certs list`: the integration's certificates as NetSuite lists them.

use crate::commands::preflight::{self, ExchangeParams};
use crate::error::{Error, Result, Status};
use crate::netsuite::certs_api::{
    ApiAction, Listed, api_base, certificates_url, parse_list, refused, senseless,
};
use crate::origin::Sourced;
use serde::Serialize;
use std::io::Write;

/// `nskeys certs list`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertsListParams {
    /// Connection options (a token is taken with the current key).
    pub exchange: ExchangeParams,
    /// Base URL of the certificates API.
    pub api_url: Option<Sourced<String>>,
    /// Print one JSON object.
    pub json: bool,
}

/// What `certs list --json` prints.
#[derive(Debug, Serialize)]
struct ListReport<'a> {
    url: String,
    certificates: &'a [Listed],
}

fn value(v: &Option<Sourced<String>>) -> Option<&str> {
    v.as_ref().map(|v| v.value.as_str())
}

/// `nskeys certs list`.
pub fn command_list(args: &CertsListParams, out: &mut dyn Write) -> Result<Status> {
    let base = api_base(
        value(&args.api_url),
        value(&args.exchange.token_url),
        value(&args.exchange.account),
    )?;
    let plan = preflight::plan(&args.exchange, crate::time::now())?;
    let client_id = plan.assertion.claims.iss.clone();
    let url = certificates_url(&base, &client_id)?;
    if args.exchange.dry_run {
        writeln!(
            out,
            "Dry run: would take a token at {} with {} (kid {}), then GET {url}",
            plan.token_url(),
            plan.key_source,
            plan.assertion.header.kid
        )
        .map_err(write_error)?;
        return Ok(Status::Ok);
    }
    let http = plan.http(plan.timeout)?;
    let token = plan.fetch_token(&http)?;
    let answer = http.api_request(&url, &token.access_token, None)?;
    match answer.status {
        200..=299 => {}
        400..=499 => {
            return Err(refused(
                ApiAction::List,
                &answer,
                url.as_str(),
                "check --client-id and the role's permissions",
            ));
        }
        _ => {
            return Err(senseless(
                "unexpected answer to the list",
                &answer,
                url.as_str(),
                "try again later",
            ));
        }
    }
    let mut listed = parse_list(&answer.body).map_err(|why| {
        senseless(
            &format!("cannot read the list ({why})"),
            &answer,
            url.as_str(),
            "nskeys does not know this answer's shape; report it with the answer above",
        )
    })?;
    let in_use = plan.assertion.header.kid.clone();
    for l in &mut listed {
        l.in_use = l.id == in_use;
    }
    let text = if args.json {
        serde_json::to_string_pretty(&ListReport {
            url: url.to_string(),
            certificates: &listed,
        })
        .map_err(|e| Error::unknown(e.to_string(), "report this"))?
            + "\n"
    } else {
        let mut t = format!("{} certificate(s) at {url}\n", listed.len());
        for l in &listed {
            t.push_str(&format!(
                "{} {:<24} status {:<10} expires {}\n",
                if l.in_use { "*" } else { " " },
                crate::error::printable(&l.id),
                crate::error::printable(l.status.as_deref().unwrap_or("?")),
                crate::error::printable(l.expires.as_deref().unwrap_or("?")),
            ));
        }
        t.push_str("(* the certificate ID of the key in use)\n");
        t
    };
    out.write_all(text.as_bytes()).map_err(write_error)?;
    Ok(Status::Ok)
}

fn write_error(e: std::io::Error) -> Error {
    Error::unknown(format!("cannot write output: {e}"), "").at("<stdout>")
}
