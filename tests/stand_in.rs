//! A stand-in for NetSuite's token endpoint on 127.0.0.1, written by hand on std::net so the
//! tests depend on nothing nskeys uses: it parses the form, decodes the assertion, checks kid,
//! iss, aud, iat/exp and scope as NETSUITE.md describes, and verifies the signature against the
//! uploaded certificate with aws-lc-rs (and, for ES512, also with the openssl CLI). Misbehaving
//! variants answer nothing, too much, a redirect, or nonsense.

use crate::harness::Dir;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
pub const PROBE_PATH: &str = "/services/rest/query/v1/suiteql";

/// What the NetSuite stand-in accepts: as if a certificate had been uploaded and mapped.
#[derive(Clone)]
pub struct Mapping {
    pub kid: String,
    pub client_id: String,
    /// Scopes checked on the integration record.
    pub scopes: Vec<String>,
    /// The uploaded certificate (PEM).
    pub cert: PathBuf,
    /// What the SuiteQL probe answers: status code.
    pub probe_status: u16,
}

/// NetSuite's Certificate ID of the first certificate in a PEM file, computed independently of
/// nskeys: base64url (unpadded) of the SHA-256 of its DER (aws-lc-rs, x509-parser's PEM reader).
pub fn certificate_id(pem_file: &Path) -> String {
    let data = std::fs::read(pem_file).unwrap_or_else(|e| panic!("{}: {e}", pem_file.display()));
    let (_, pem) = x509_parser::pem::parse_x509_pem(&data).expect("a PEM certificate");
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &pem.contents);
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

impl Mapping {
    /// The mapping of `cert` (a PEM file that may not exist yet: then a placeholder kid).
    pub fn new(cert: impl Into<PathBuf>) -> Mapping {
        let cert = cert.into();
        let kid = if cert.is_file() {
            certificate_id(&cert)
        } else {
            "cert-kid-1".into()
        };
        Mapping {
            kid,
            client_id: "client-123".into(),
            scopes: vec!["rest_webservices".into(), "restlets".into()],
            cert,
            probe_status: 200,
        }
    }
}

/// How the server behaves.
#[derive(Clone)]
pub enum Behaviour {
    /// Like NetSuite, for this mapping.
    NetSuite(Mapping),
    /// Accept the connection, read the request, never answer.
    Silent,
    /// This status and body, whatever was asked.
    Fixed(u16, String),
    /// 200 with a body of this many bytes, streamed.
    Huge(u64),
    /// 200 whose body comes one byte every 300 ms.
    Drip,
    /// 302 to this location.
    Redirect(String),
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub base: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Tokens issued, to check the probe's bearer and the output.
    pub issued: Arc<Mutex<Vec<String>>>,
    /// Body bytes a `Huge` server managed to send before the client hung up.
    pub sent: Arc<AtomicU64>,
}

impl Server {
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.base)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn tokens(&self) -> Vec<String> {
        self.issued.lock().unwrap().clone()
    }
}

/// Start a plain-http server on 127.0.0.1.
pub fn start(behaviour: Behaviour) -> Server {
    start_with(behaviour, None)
}

/// Start a server; with `tls`, it speaks https with that rustls configuration.
pub fn start_with(behaviour: Behaviour, tls: Option<Arc<rustls::ServerConfig>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let base = format!("{scheme}://127.0.0.1:{port}");
    let received = Arc::new(Mutex::new(Vec::new()));
    let issued = Arc::new(Mutex::new(Vec::new()));
    let sent = Arc::new(AtomicU64::new(0));
    let ctx = Arc::new(Ctx {
        behaviour,
        base: base.clone(),
        received: Arc::clone(&received),
        issued: Arc::clone(&issued),
        sent: Arc::clone(&sent),
    });
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let ctx = Arc::clone(&ctx);
            let tls = tls.clone();
            std::thread::spawn(move || match tls {
                Some(config) => {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    serve(rustls::StreamOwned::new(conn, stream), &ctx);
                }
                None => serve(stream, &ctx),
            });
        }
    });
    Server {
        base,
        received,
        issued,
        sent,
    }
}

/// A rustls server configuration with the test CA's server certificate (fixtures/tls).
pub fn tls_config(fixtures: &Path) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixtures.join("tls/server.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(fixtures.join("tls/server-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}

struct Ctx {
    behaviour: Behaviour,
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
    issued: Arc<Mutex<Vec<String>>>,
    sent: Arc<AtomicU64>,
}

fn serve<S: Read + Write>(stream: S, ctx: &Ctx) {
    let mut reader = BufReader::new(stream);
    let Some(req) = read_request(&mut reader) else {
        return;
    };
    ctx.received.lock().unwrap().push(req.clone());
    let mut stream = reader.into_inner();
    match &ctx.behaviour {
        Behaviour::Silent => {
            // Hold the connection open, answering nothing, long past any test's timeout.
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
        Behaviour::Fixed(status, body) => respond(&mut stream, *status, body, &[]),
        Behaviour::Redirect(location) => {
            respond(&mut stream, 302, "", &[("Location", location.as_str())])
        }
        Behaviour::Drip => {
            let head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            for _ in 0..1000 {
                std::thread::sleep(std::time::Duration::from_millis(300));
                if stream.write_all(b" ").and_then(|_| stream.flush()).is_err() {
                    return;
                }
            }
        }
        Behaviour::Huge(len) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0u64;
            while sent < *len {
                // The client hangs up after its cap: the write then fails and we stop.
                if stream.write_all(&chunk).is_err() {
                    return;
                }
                sent += chunk.len() as u64;
                ctx.sent.store(sent, Ordering::Relaxed);
            }
        }
        Behaviour::NetSuite(mapping) => {
            let (status, body) = if req.path.starts_with(PROBE_PATH) {
                probe(&req, mapping, ctx)
            } else if req.path == TOKEN_PATH && req.method == "POST" {
                token(&req, mapping, ctx)
            } else {
                (404, r#"{"error":"not found"}"#.to_string())
            };
            respond(&mut stream, status, &body, &[]);
        }
    }
}

/// Read one HTTP/1.1 request (head and Content-Length body).
pub fn read_request<R: BufRead>(r: &mut R) -> Option<Received> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Received {
        method,
        path,
        headers,
        body,
    })
}

fn respond<W: Write>(w: &mut W, status: u16, body: &str, extra: &[(&str, &str)]) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = w.write_all(head.as_bytes());
    let _ = w.write_all(body.as_bytes());
    let _ = w.flush();
}

fn error(status: u16, code: &str) -> (u16, String) {
    (status, format!(r#"{{"error":"{code}"}}"#))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// NetSuite's token endpoint, as NETSUITE.md describes it.
fn token(req: &Received, m: &Mapping, ctx: &Ctx) -> (u16, String) {
    let ct = req.header("content-type").unwrap_or("");
    if !ct.starts_with("application/x-www-form-urlencoded") {
        return error(400, "invalid_request");
    }
    let form: Vec<(String, String)> = String::from_utf8_lossy(&req.body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect();
    let get = |k: &str| {
        form.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    if get("grant_type") != Some("client_credentials")
        || get("client_assertion_type")
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return error(400, "invalid_request");
    }
    let Some(jwt) = get("client_assertion") else {
        return error(400, "invalid_request");
    };
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return error(400, "invalid_request");
    }
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).ok();
    let (Some(h), Some(c), Some(sig)) = (decode(parts[0]), decode(parts[1]), decode(parts[2]))
    else {
        return error(400, "invalid_request");
    };
    let header: serde_json::Value = serde_json::from_slice(&h).unwrap_or_default();
    let claims: serde_json::Value = serde_json::from_slice(&c).unwrap_or_default();
    let alg = header["alg"].as_str().unwrap_or("");
    if header["typ"] != "JWT" || header["kid"] != m.kid.as_str() {
        return error(400, "invalid_request");
    }
    if claims["iss"] != m.client_id.as_str() {
        return error(401, "invalid_client");
    }
    if claims["aud"] != format!("{}{TOKEN_PATH}", ctx.base).as_str() {
        return error(400, "invalid_request");
    }
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return error(400, "invalid_request");
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if exp <= iat || exp - iat >= 3600 || (iat - now).abs() > 300 || exp < now {
        return error(400, "invalid_grant");
    }
    let Some(scopes) = claims["scope"].as_array() else {
        return error(400, "invalid_scope");
    };
    if scopes.is_empty()
        || !scopes
            .iter()
            .all(|s| s.as_str().is_some_and(|s| m.scopes.iter().any(|x| x == s)))
    {
        return error(400, "invalid_scope");
    }
    let signed = format!("{}.{}", parts[0], parts[1]);
    if !verify_signature(alg, &m.cert, signed.as_bytes(), &sig) {
        return error(400, "invalid_request");
    }
    let token = format!(
        "stand-in-token-{}-{}",
        now,
        ctx.issued.lock().unwrap().len()
    );
    ctx.issued.lock().unwrap().push(token.clone());
    (
        200,
        format!(r#"{{"access_token":"{token}","expires_in":"3600","token_type":"bearer"}}"#),
    )
}

/// The SuiteQL probe: 401 INVALID_LOGIN for a token it did not issue, else `probe_status`.
fn probe(req: &Received, m: &Mapping, ctx: &Ctx) -> (u16, String) {
    let bearer = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let known = ctx.issued.lock().unwrap().iter().any(|t| t == bearer);
    let status = if known { m.probe_status } else { 401 };
    if status == 401 {
        return (
            401,
            r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}"#.into(),
        );
    }
    (
        status,
        r#"{"links":[],"count":1,"hasMore":false,"items":[{"id":"1"}]}"#.into(),
    )
}

/// Verify a JWS signature against the certificate's public key with aws-lc-rs; for ES512 also
/// with the openssl CLI, converting r||s to DER.
pub fn verify_signature(alg: &str, cert_pem: &Path, msg: &[u8], sig: &[u8]) -> bool {
    use aws_lc_rs::signature as s;
    let pem = std::fs::read(cert_pem).unwrap();
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).unwrap();
    let cert = pem.parse_x509().unwrap();
    let public = cert.public_key().subject_public_key.data.to_vec();
    let algorithm: &dyn s::VerificationAlgorithm = match alg {
        "PS256" => &s::RSA_PSS_2048_8192_SHA256,
        "PS384" => &s::RSA_PSS_2048_8192_SHA384,
        "PS512" => &s::RSA_PSS_2048_8192_SHA512,
        "ES256" => &s::ECDSA_P256_SHA256_FIXED,
        "ES384" => &s::ECDSA_P384_SHA384_FIXED,
        "ES512" => &s::ECDSA_P521_SHA512_FIXED,
        _ => return false,
    };
    let ok = s::UnparsedPublicKey::new(algorithm, &public)
        .verify(msg, sig)
        .is_ok();
    if ok && alg == "ES512" {
        return openssl_verify_es512(cert_pem, msg, sig);
    }
    ok
}

fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    let mut out = vec![0x02];
    out.extend(der_len(v.len()));
    out.extend(v);
    out
}

fn der_len(n: usize) -> Vec<u8> {
    if n < 128 {
        vec![n as u8]
    } else if n < 256 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn openssl_verify_es512(cert_pem: &Path, msg: &[u8], sig: &[u8]) -> bool {
    if sig.len() != 132 {
        return false;
    }
    let mut body = der_integer(&sig[..66]);
    body.extend(der_integer(&sig[66..]));
    let mut der = vec![0x30];
    der.extend(der_len(body.len()));
    der.extend(body);
    let dir = Dir::new();
    std::fs::write(dir.join("sig.der"), der).unwrap();
    std::fs::write(dir.join("msg"), msg).unwrap();
    let out = dir
        .command("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(cert_pem)
        .output()
        .unwrap();
    std::fs::write(dir.join("pub.pem"), out.stdout).unwrap();
    let status = dir
        .command("openssl")
        .args([
            "dgst",
            "-sha512",
            "-verify",
            "pub.pem",
            "-signature",
            "sig.der",
            "msg",
        ])
        .output()
        .unwrap();
    status.status.success()
}

/// Connect to nothing: a port that was just free.
pub fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
