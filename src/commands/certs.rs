//! `nskeys certs list`: the integration's certificates as NetSuite lists them
//! (article_11111634165), and a monitoring check on NetSuite's own view: the certificate in
//! use (matched by its Certificate ID) must be listed, not revoked and not near NetSuite's
//! `valid_until`; five active certificates (NetSuite's limit) mean the next rotation would be
//! refused.

use crate::commands::expiry::report::escape_label;
use crate::commands::output::{Format, json_pretty, write_output};
use crate::commands::preflight::{self, ExchangeParams};
use crate::error::{Error, Result, Status};
use crate::netsuite::certs_api::{
    ApiAction, Listed, NamedRef, api_base, certificates_url, end_of_day, parse_list, refused,
    senseless,
};
use crate::origin::Sourced;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use time::OffsetDateTime;

/// NetSuite's limit of active certificates per integration record (section_162686838198).
pub const MAX_ACTIVE: usize = 5;

/// `nskeys certs list`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertsListParams {
    /// Connection options (a token is taken with the current key).
    pub exchange: ExchangeParams,
    /// Base URL of the certificates API.
    pub api_url: Option<Sourced<String>>,
    /// Output format.
    pub format: Format,
    /// WARNING when the certificate in use has fewer days left (to NetSuite's `valid_until`).
    pub warn_days: u32,
    /// CRITICAL when the certificate in use has fewer days left.
    pub crit_days: u32,
}

/// A certificate's state as NetSuite's list says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CertState {
    /// Not revoked, within its validity.
    Active,
    /// Revoked.
    Revoked,
    /// Past NetSuite's `valid_until`.
    Expired,
}

impl CertState {
    fn word(self) -> &'static str {
        match self {
            CertState::Active => "active",
            CertState::Revoked => "revoked",
            CertState::Expired => "expired",
        }
    }
}

/// One listed certificate, judged.
#[derive(Debug, Serialize)]
pub struct Row {
    /// As NetSuite listed it.
    #[serde(flatten)]
    pub listed: Listed,
    /// Active, revoked or expired.
    pub state: CertState,
    /// Whole days to the end of `valid_until`'s day (UTC), if NetSuite gave one.
    pub days_left: Option<i64>,
    /// Whether it is the certificate in use (its ID is the assertion's `kid`).
    pub in_use: bool,
}

/// What `certs list` found, as a check.
#[derive(Debug, Serialize)]
pub struct ListReport {
    /// The check's state (also the exit status).
    pub status: Status,
    /// The exit code.
    pub exit_code: u8,
    /// One line saying why.
    pub summary: String,
    /// The URL listed.
    pub url: String,
    /// The Certificate ID in use (the assertion's `kid`).
    pub in_use_certificate_id: String,
    /// Where that ID came from.
    pub in_use_from: String,
    /// Active certificates.
    pub active: usize,
    /// NetSuite's limit.
    pub active_limit: usize,
    /// The warning window, days.
    pub warn_days: u32,
    /// The critical window, days.
    pub crit_days: u32,
    /// Every certificate NetSuite listed.
    pub certificates: Vec<Row>,
}

fn value(v: &Option<Sourced<String>>) -> Option<&str> {
    v.as_ref().map(|v| v.value.as_str())
}

/// `nskeys certs list`. With `nagios` or `prometheus`, a failure (a refused token, NetSuite
/// unreachable) is still reported in that format on stdout, so the check never goes silent.
pub fn command_list(args: &CertsListParams, out: &mut dyn Write) -> Result<Status> {
    match list(args, out) {
        Ok(status) => Ok(status),
        Err(e) => {
            let text = match args.format {
                Format::Nagios => format!(
                    "NSKEYS CERTS {} - {}\n",
                    e.status,
                    one_line(&e.to_string()).replace('|', "/")
                ),
                Format::Prometheus => format!(
                    "# HELP nskeys_netsuite_certs_state The check's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n\
                     # TYPE nskeys_netsuite_certs_state gauge\n\
                     nskeys_netsuite_certs_state {}\n",
                    e.status.code()
                ),
                Format::Text | Format::Json => String::new(),
            };
            if !text.is_empty() {
                write_output(out, &text)?;
            }
            Err(e)
        }
    }
}

fn list(args: &CertsListParams, out: &mut dyn Write) -> Result<Status> {
    crate::commands::output::check_windows(args.warn_days, args.crit_days)?;
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
            "Dry run: would take a token at {} with {} (Certificate ID {} from {}), then GET {url}",
            plan.token_url(),
            plan.key_source,
            plan.assertion.header.kid,
            plan.cert_id_origin
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
    let listed = parse_list(&answer.body).map_err(|why| {
        senseless(
            &format!("cannot read the list ({why})"),
            &answer,
            url.as_str(),
            "nskeys does not know this answer's shape; report it with the answer above",
        )
    })?;
    let report = judge(
        listed,
        &plan.assertion.header.kid,
        &plan.cert_id_origin.to_string(),
        url.to_string(),
        args,
        crate::time::now(),
    );
    let text = match args.format {
        Format::Text => text(&report),
        Format::Json => json_pretty(&report)?,
        Format::Nagios => nagios(&report),
        Format::Prometheus => prometheus(&report),
    };
    write_output(out, &text)?;
    Ok(report.status)
}

/// Judge NetSuite's list as of `now`, for the certificate `kid`.
pub fn judge(
    listed: Vec<Listed>,
    kid: &str,
    kid_from: &str,
    url: String,
    args: &CertsListParams,
    now: OffsetDateTime,
) -> ListReport {
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|l| {
            let end = l.valid_until.as_deref().and_then(end_of_day);
            let days_left = end.map(|e| crate::time::days_between(now, e));
            let state = if l.revoked {
                CertState::Revoked
            } else if end.is_some_and(|e| now >= e) {
                CertState::Expired
            } else {
                CertState::Active
            };
            Row {
                in_use: l.certificate_id == kid,
                listed: l,
                state,
                days_left,
            }
        })
        .collect();
    let active = rows.iter().filter(|r| r.state == CertState::Active).count();
    let mut status = Status::Ok;
    let mut why = Vec::new();
    match rows.iter().find(|r| r.in_use) {
        None => {
            status = Status::Critical;
            why.push(format!(
                "the certificate in use ({kid}) is not in NetSuite's list: its mapping is gone (a sandbox refresh clears it) or the Certificate ID is wrong"
            ));
        }
        Some(r) if r.state != CertState::Active => {
            status = Status::Critical;
            why.push(format!(
                "the certificate in use ({kid}) is {} in NetSuite",
                r.state.word()
            ));
        }
        Some(r) => match r.days_left {
            Some(d) if d < i64::from(args.crit_days) => {
                status = Status::Critical;
                why.push(format!(
                    "the certificate in use expires in NetSuite in {d} days (valid until {})",
                    r.listed.valid_until.as_deref().unwrap_or("?")
                ));
            }
            Some(d) if d < i64::from(args.warn_days) => {
                status = Status::Warning;
                why.push(format!(
                    "the certificate in use expires in NetSuite in {d} days (valid until {})",
                    r.listed.valid_until.as_deref().unwrap_or("?")
                ));
            }
            Some(d) => why.push(format!(
                "the certificate in use is active, {d} days left (valid until {})",
                r.listed.valid_until.as_deref().unwrap_or("?")
            )),
            None => why.push("the certificate in use is active".into()),
        },
    }
    if active >= MAX_ACTIVE {
        status = status.max(Status::Warning);
        why.push(format!(
            "{active} of {MAX_ACTIVE} active: NetSuite will refuse the next upload; revoke one no longer used"
        ));
    } else {
        why.push(format!("{active} of {MAX_ACTIVE} active"));
    }
    ListReport {
        status,
        exit_code: status.code(),
        summary: why.join("; "),
        url,
        in_use_certificate_id: kid.to_string(),
        in_use_from: kid_from.to_string(),
        active,
        active_limit: MAX_ACTIVE,
        warn_days: args.warn_days,
        crit_days: args.crit_days,
        certificates: rows,
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

/// A table for people: a row per certificate, `*` for the one in use, then the verdict.
pub fn text(r: &ListReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} certificate(s) at {} (as NetSuite lists them):",
        r.certificates.len(),
        r.url
    );
    let w_id = r
        .certificates
        .iter()
        .map(|c| c.listed.certificate_id.len())
        .max()
        .unwrap_or(0)
        .max(14);
    let label = |n: &Option<NamedRef>| one_line(&NamedRef::label(n));
    let w_ent = r
        .certificates
        .iter()
        .map(|c| label(&c.listed.entity).chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let w_role = r
        .certificates
        .iter()
        .map(|c| label(&c.listed.role).chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = writeln!(
        out,
        "  {:<w_id$}  {:<w_ent$}  {:<w_role$}  {:<10}  {:<11}  STATE",
        "CERTIFICATE ID", "ENTITY", "ROLE", "VALID FROM", "VALID UNTIL"
    );
    for c in &r.certificates {
        let state = match (c.state, c.days_left) {
            (CertState::Active, Some(d)) => format!("active, {d} days left"),
            (s, _) => s.word().to_string(),
        };
        let _ = writeln!(
            out,
            "{} {:<w_id$}  {:<w_ent$}  {:<w_role$}  {:<10}  {:<11}  {state}",
            if c.in_use { "*" } else { " " },
            one_line(&c.listed.certificate_id),
            label(&c.listed.entity),
            label(&c.listed.role),
            one_line(c.listed.valid_from.as_deref().unwrap_or("?")),
            one_line(c.listed.valid_until.as_deref().unwrap_or("?")),
        );
    }
    let _ = writeln!(
        out,
        "{} of {} active; * = in use (Certificate ID {} from {})",
        r.active, r.active_limit, r.in_use_certificate_id, r.in_use_from
    );
    let _ = writeln!(out, "{}: {}", r.status, r.summary);
    out
}

/// One Nagios/Icinga plugin line with perfdata.
pub fn nagios(r: &ListReport) -> String {
    let days = r
        .certificates
        .iter()
        .find(|c| c.in_use)
        .and_then(|c| c.days_left);
    let mut line = format!(
        "NSKEYS CERTS {} - {} | active={};{};;0;{}",
        r.status,
        one_line(&r.summary).replace('|', "/"),
        r.active,
        r.active_limit - 1,
        r.active_limit
    );
    if let Some(d) = days {
        let _ = write!(line, " days_left={d};{};{};0", r.warn_days, r.crit_days);
    }
    line.push('\n');
    line
}

/// Textfile-collector metrics.
pub fn prometheus(r: &ListReport) -> String {
    let mut out = String::new();
    let labels = |c: &Row| {
        format!(
            "certificate_id=\"{}\",entity=\"{}\",role=\"{}\",in_use=\"{}\"",
            escape_label(&c.listed.certificate_id),
            escape_label(&NamedRef::label(&c.listed.entity)),
            escape_label(&NamedRef::label(&c.listed.role)),
            u8::from(c.in_use)
        )
    };
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_cert_valid_until NetSuite's valid_until (end of that day, UTC), seconds since the epoch."
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_cert_valid_until gauge");
    for c in &r.certificates {
        if let Some(end) = c.listed.valid_until.as_deref().and_then(end_of_day) {
            let _ = writeln!(
                out,
                "nskeys_netsuite_cert_valid_until{{{}}} {}",
                labels(c),
                end.unix_timestamp()
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_cert_revoked 1 if NetSuite lists the certificate as revoked."
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_cert_revoked gauge");
    for c in &r.certificates {
        let _ = writeln!(
            out,
            "nskeys_netsuite_cert_revoked{{{}}} {}",
            labels(c),
            u8::from(c.state == CertState::Revoked)
        );
    }
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_cert_active 1 if the certificate is active (not revoked, not expired)."
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_cert_active gauge");
    for c in &r.certificates {
        let _ = writeln!(
            out,
            "nskeys_netsuite_cert_active{{{}}} {}",
            labels(c),
            u8::from(c.state == CertState::Active)
        );
    }
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_certs_active Active certificates of the integration (NetSuite's limit is {}).",
        r.active_limit
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_certs_active gauge");
    let _ = writeln!(out, "nskeys_netsuite_certs_active {}", r.active);
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_cert_in_use_listed 1 if the certificate in use is in NetSuite's list."
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_cert_in_use_listed gauge");
    let _ = writeln!(
        out,
        "nskeys_netsuite_cert_in_use_listed{{certificate_id=\"{}\"}} {}",
        escape_label(&r.in_use_certificate_id),
        u8::from(r.certificates.iter().any(|c| c.in_use))
    );
    let _ = writeln!(
        out,
        "# HELP nskeys_netsuite_certs_state The check's state: 0 OK, 1 WARNING, 2 CRITICAL."
    );
    let _ = writeln!(out, "# TYPE nskeys_netsuite_certs_state gauge");
    let _ = writeln!(out, "nskeys_netsuite_certs_state {}", r.status.code());
    out
}

fn write_error(e: std::io::Error) -> Error {
    Error::unknown(format!("cannot write output: {e}"), "").at("<stdout>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netsuite::certs_api::parse_list;

    fn params(warn: u32, crit: u32) -> CertsListParams {
        CertsListParams {
            exchange: ExchangeParams::defaults(),
            api_url: None,
            format: Format::Text,
            warn_days: warn,
            crit_days: crit,
        }
    }

    fn oracle() -> Vec<Listed> {
        parse_list(include_bytes!(
            "../../fixtures/oracle-docs/list-response.json"
        ))
        .unwrap()
    }

    const SECOND: &str = "MhkfyJ8knaSvAEhGrpT0uR2dTX5SkzguPnBToifC-vg";

    #[test]
    fn days_count_to_the_end_of_netsuites_valid_until_day() {
        // valid_until 2023-11-18: usable through that day.
        let now = time::macros::datetime!(2023-11-08 12:00 UTC);
        let r = judge(oracle(), SECOND, "x", "u".into(), &params(30, 7), now);
        let second = &r.certificates[1];
        assert!(second.in_use);
        assert_eq!(second.days_left, Some(10));
        assert_eq!(r.status, Status::Warning);
        assert_eq!(r.certificates[0].state, CertState::Expired);
        assert_eq!(r.active, 1);
        let r = judge(oracle(), SECOND, "x", "u".into(), &params(30, 11), now);
        assert_eq!(r.status, Status::Critical);
        let r = judge(oracle(), SECOND, "x", "u".into(), &params(5, 2), now);
        assert_eq!(r.status, Status::Ok);
        let last_day = time::macros::datetime!(2023-11-18 23:59 UTC);
        let r = judge(oracle(), SECOND, "x", "u".into(), &params(0, 0), last_day);
        assert_eq!(r.certificates[1].state, CertState::Active);
        let after = time::macros::datetime!(2023-11-19 00:00 UTC);
        let r = judge(oracle(), SECOND, "x", "u".into(), &params(0, 0), after);
        assert_eq!(r.certificates[1].state, CertState::Expired);
        assert_eq!(r.status, Status::Critical);
    }

    #[test]
    fn missing_or_revoked_in_use_is_critical_five_active_a_warning() {
        let now = time::macros::datetime!(2023-04-22 00:00 UTC);
        let r = judge(oracle(), "not-listed", "x", "u".into(), &params(0, 0), now);
        assert_eq!(r.status, Status::Critical);
        assert!(r.summary.contains("not in NetSuite's list"));
        let mut list = oracle();
        list[1].revoked = true;
        let r = judge(list, SECOND, "x", "u".into(), &params(0, 0), now);
        assert_eq!(r.status, Status::Critical);
        let mut five = Vec::new();
        for i in 0..5 {
            let mut l = oracle().remove(1);
            l.certificate_id = format!("id{i}");
            five.push(l);
        }
        let r = judge(five, "id0", "x", "u".into(), &params(0, 0), now);
        assert_eq!((r.status, r.active), (Status::Warning, 5));
        assert!(text(&r).contains("5 of 5 active"));
        assert!(nagios(&r).starts_with("NSKEYS CERTS WARNING - "));
        assert!(prometheus(&r).contains("nskeys_netsuite_certs_active 5\n"));
    }
}
