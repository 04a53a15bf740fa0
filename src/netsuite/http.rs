//! HTTP for the token exchange, the probe and the certificates API: https with certificate
//! validation (rustls), extra trusted roots (`--ca-cert`, read by the command), plain http
//! only to loopback, a proxy from the environment for https only (`HTTPS_PROXY` or
//! `ALL_PROXY`, minus `NO_PROXY`; plain http, which is loopback, never goes through a proxy:
//! the assertion and bearer tokens would travel to it in clear text), no redirects, one
//! deadline for everything, and a cap on how much of an answer is read.

use crate::error::{Error, Result};
use crate::pki::facts::CertFacts;
use std::error::Error as StdError;
use std::io::Read;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The most of an answer that is read: NetSuite's answers are a few KiB.
pub const MAX_ANSWER: u64 = 1024 * 1024;

/// `Content-Type` of the token request.
const FORM: &str = "application/x-www-form-urlencoded";

/// The `client_assertion_type` of RFC 7523, already form-encoded.
const ASSERTION_TYPE: &str = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

/// An HTTP answer, read in full up to [`MAX_ANSWER`]. `Debug` shows the body's length only
/// (it may hold a token).
#[derive(Clone)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// Body. A token answer carries the access token: zeroized on drop.
    pub body: zeroize::Zeroizing<Vec<u8>>,
    /// `Location` header, for redirects.
    pub location: Option<String>,
    /// `Date` header, to spot a clock that is off.
    pub date: Option<String>,
}

impl std::fmt::Debug for HttpAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAnswer")
            .field("status", &self.status)
            .field(
                "body",
                &format_args!("<{} bytes, not shown>", self.body.len()),
            )
            .field("location", &self.location)
            .field("date", &self.date)
            .finish()
    }
}

/// Check a token URL: absolute, https, or http to a loopback address only.
pub fn check_url(url: &str) -> Result<reqwest::Url> {
    let at = url.to_string();
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
        Error::unknown(
            format!("invalid token URL: {e}"),
            "give the full URL, e.g. https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
        )
        .at(&at)
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        "http" => {
            return Err(Error::unknown(
                "plain http is allowed only to loopback addresses (the assertion would travel in clear text)",
                "use https://",
            )
            .at(&at));
        }
        other => {
            return Err(Error::unknown(
                format!("unsupported URL scheme {other:?}"),
                "use https://",
            )
            .at(&at));
        }
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(Error::unknown("the token URL has no host", "give the full URL").at(&at));
    }
    Ok(parsed)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A client whose every request shares one deadline.
pub struct Http {
    client: reqwest::blocking::Client,
    /// Why https cannot work (no CA certificates on this system, e.g. a scratch container,
    /// and no `--ca-cert`): plain http to loopback still does.
    no_https: Option<String>,
    deadline: Instant,
    timeout: Duration,
}

impl Http {
    /// A client with the default roots plus `extra_roots`, finishing everything within
    /// `timeout` from now.
    pub fn new(timeout: Duration, extra_roots: &[CertFacts]) -> Result<Http> {
        let proxy = https_proxy()?;
        let base = || {
            let builder = reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("nskeys/", env!("CARGO_PKG_VERSION")))
                .timeout(timeout)
                .connect_timeout(timeout)
                // No system proxies: reqwest's would send plain http (HTTP_PROXY, ALL_PROXY) too.
                .no_proxy();
            match &proxy {
                Some(p) => builder.proxy(p.clone()),
                None => builder,
            }
        };
        let certs = extra_roots
            .iter()
            .map(|c| reqwest::Certificate::from_der(&c.der))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| {
                Error::unknown(
                    format!("cannot use a --ca-cert certificate: {}", chain(&e)),
                    "give the CA certificate(s) in PEM (BEGIN CERTIFICATE)",
                )
            })?;
        let setup_error = |e: &reqwest::Error| {
            Error::unknown(
                format!("cannot set up HTTPS: {}", chain(e)),
                "check --ca-cert and the system's certificate store",
            )
        };
        let mut no_https = None;
        let client = match base().tls_certs_merge(certs.clone()).build() {
            Ok(client) => client,
            // The system's verifier found no CA certificates (a scratch container without a
            // bundle, say): trust only the --ca-cert roots, if any. Plain http to loopback
            // needs no TLS, so it still works; https says why it cannot, when it is used.
            Err(e) => {
                if certs.is_empty() {
                    no_https = Some(chain(&e));
                }
                base()
                    .tls_certs_only(certs)
                    .build()
                    .map_err(|_| setup_error(&e))?
            }
        };
        Ok(Http {
            client,
            no_https,
            deadline: Instant::now() + timeout,
            timeout,
        })
    }

    fn remaining(&self, url: &str) -> Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(self.timed_out(url));
        }
        Ok(left)
    }

    fn timed_out(&self, url: &str) -> Error {
        Error::unknown(
            format!("timed out after {} s", self.timeout.as_secs()),
            "check the network, proxy (HTTPS_PROXY) and URL, or raise --timeout",
        )
        .at(url)
    }

    /// POST the client assertion to the token endpoint.
    pub fn post_token(&self, url: &reqwest::Url, assertion: &str) -> Result<HttpAnswer> {
        // The JWT is base64url and dots: nothing in it needs form-encoding.
        let body = zeroize::Zeroizing::new(
            format!(
                "grant_type=client_credentials&client_assertion_type={ASSERTION_TYPE}&client_assertion={assertion}"
            )
            .into_bytes(),
        );
        // The client gets the zeroizing buffer itself, not a copy: the assertion is wiped
        // when the request is done with it.
        let request = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, FORM)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(bytes::Bytes::from_owner(body));
        self.send(url.as_str(), request)
    }

    /// The SuiteQL probe: one query with the token, on the token URL's scheme and host.
    pub fn post_probe(&self, url: &reqwest::Url, token: &str) -> Result<HttpAnswer> {
        let request = self
            .client
            .post(url.clone())
            .bearer_auth(token)
            .header("Prefer", "transient")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(r#"{"q":"SELECT id FROM employee"}"#);
        self.send(url.as_str(), request)
    }

    /// A REST API request with the bearer token: GET without a body, POST with `json`.
    pub fn api_request(
        &self,
        url: &reqwest::Url,
        token: &str,
        json: Option<&str>,
    ) -> Result<HttpAnswer> {
        let request = match json {
            None => self.client.get(url.clone()),
            Some(body) => self
                .client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string()),
        };
        let request = request
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json");
        self.send(url.as_str(), request)
    }

    fn send(&self, url: &str, request: reqwest::blocking::RequestBuilder) -> Result<HttpAnswer> {
        if let Some(why) = &self.no_https
            && !url.starts_with("http:")
        {
            return Err(Error::unknown(
                format!("cannot set up HTTPS: {why}"),
                "install the system's CA certificates (ca-certificates; in a container, /etc/ssl/certs/ca-certificates.crt) or give --ca-cert",
            )
            .at(url));
        }
        // reqwest's per-request timeout covers connecting, sending and reading the body, so
        // giving each request what is left of the deadline bounds the whole exchange.
        let mut response = request
            .timeout(self.remaining(url)?)
            .send()
            .map_err(|e| self.http_error(url, &e))?;
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header(reqwest::header::LOCATION);
        let date = header(reqwest::header::DATE);
        let status = response.status().as_u16();
        // A token answer is about 2 KiB: this buffer holds it without reallocating, which
        // would leave unzeroized copies of the token behind.
        let mut body = zeroize::Zeroizing::new(Vec::with_capacity(64 * 1024));
        // Read at most one byte past the cap: a huge answer is never buffered.
        (&mut response)
            .take(MAX_ANSWER + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                if Instant::now() >= self.deadline || timed_out(&e) {
                    self.timed_out(url)
                } else {
                    Error::unknown(
                        format!("the answer broke off: {e}"),
                        "try again; check the network and proxy",
                    )
                    .at(url)
                }
            })?;
        if body.len() as u64 > MAX_ANSWER {
            return Err(Error::unknown(
                format!(
                    "nonsensical answer: HTTP {status} with more than {} MiB",
                    MAX_ANSWER / (1024 * 1024)
                ),
                "this is not NetSuite's token endpoint: check --token-url / --account and any proxy",
            )
            .at(url));
        }
        Ok(HttpAnswer {
            status,
            body,
            location,
            date,
        })
    }

    fn http_error(&self, url: &str, e: &reqwest::Error) -> Error {
        // reqwest repeats the URL, which the message names anyway.
        let why = chain(e).replace(&format!(" for url ({url})"), "");
        if e.is_timeout() || Instant::now() >= self.deadline {
            return self.timed_out(url);
        }
        if sources(e).any(is_tls) {
            return Error::unknown(
                format!("TLS failed: {why}"),
                "the server's certificate is not trusted; for a private CA give it with --ca-cert",
            )
            .at(url);
        }
        if e.is_connect() {
            return Error::unknown(
                format!("cannot connect: {why}"),
                "check the URL or account ID, the network, and HTTPS_PROXY",
            )
            .at(url);
        }
        Error::unknown(
            format!("request failed: {why}"),
            "check the network and proxy",
        )
        .at(url)
    }
}

/// The proxy for https requests from the environment: `HTTPS_PROXY` (or `https_proxy`), else
/// `ALL_PROXY` (or `all_proxy`), with the `NO_PROXY` exemptions. It never applies to plain
/// http, which reaches only loopback and would show a proxy the assertion and any token.
fn https_proxy() -> Result<Option<reqwest::Proxy>> {
    let Some((var, url)) = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .find_map(|v| {
            std::env::var(v)
                .ok()
                .filter(|u| !u.trim().is_empty())
                .map(|u| (v, u))
        })
    else {
        return Ok(None);
    };
    // Not quoted: a proxy URL may carry a password.
    let proxy = reqwest::Proxy::https(url.trim()).map_err(|_| {
        Error::unknown(
            "invalid proxy URL",
            format!("fix or unset {var}, e.g. http://proxy.example:3128"),
        )
        .at(var)
    })?;
    Ok(Some(proxy.no_proxy(reqwest::NoProxy::from_env())))
}

/// An error and each of its sources, looking inside `io::Error`s (whose `source()` skips the
/// error they wrap).
fn sources<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(e);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

/// Whether an error in the chain is the TLS stack's: a handshake or certificate failure.
fn is_tls(e: &(dyn StdError + 'static)) -> bool {
    e.is::<rustls::Error>()
}

/// Whether the error chain says the request ran out of time.
fn timed_out(e: &(dyn StdError + 'static)) -> bool {
    sources(e).any(|s| {
        s.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            )
        }) || s
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
    })
}

/// An error and its sources on one line: reqwest's own message rarely says what happened.
fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The SuiteQL URL on the token URL's scheme and authority.
pub fn probe_url(token_url: &reqwest::Url) -> Result<reqwest::Url> {
    token_url
        .join("/services/rest/query/v1/suiteql?limit=1")
        .map_err(|e| {
            Error::unknown(format!("cannot make the SuiteQL URL: {e}"), "report this")
                .at(token_url.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_to_loopback() {
        assert!(check_url("http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("http://127.1.2.3/token").is_ok());
        assert!(check_url("http://[::1]:80/token").is_ok());
        assert!(check_url("http://localhost/token").is_ok());
        assert!(check_url("http://example.com/token").is_err());
        assert!(check_url("http://10.0.0.1/token").is_err());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("https://example.com/token").is_ok());
        assert!(check_url("not a url").is_err());
    }

    #[test]
    fn probe_url_keeps_scheme_and_host() {
        let u =
            reqwest::Url::parse("http://127.0.0.1:5/services/rest/auth/oauth2/v1/token").unwrap();
        assert_eq!(
            probe_url(&u).unwrap().as_str(),
            "http://127.0.0.1:5/services/rest/query/v1/suiteql?limit=1"
        );
    }
}
